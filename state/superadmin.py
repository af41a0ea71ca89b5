"""SuperadminState: the platform's orchestras (superadmin only)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from services import staff_views
from services.errors import ServiceError
from stagesub_ui import routes
from state.session import SessionState

log = logging.getLogger(__name__)


@dataclasses.dataclass
class OrchestraRow:
    id: str = ""
    name: str = ""
    subdomain: str = ""
    status: str = ""
    created: str = ""


class SuperadminState(SessionState):
    orchestras: list[OrchestraRow] = []
    loaded: bool = False
    error_key: str = ""

    @rx.event
    async def load_orchestras(self):
        user, redirect = await self._require(routes.SUPERADMIN_ROLES)
        if user is None:
            return redirect
        try:
            rows = await asyncio.to_thread(staff_views.orchestras_overview)
        except ServiceError as exc:
            log.warning("orchestras could not be loaded: %s", exc.code)
            self.error_key = "error.load_failed"
            return None
        self.orchestras = [OrchestraRow(**row) for row in rows]
        self.error_key = ""
        self.loaded = True
        return None
