"""InstrumentsState: the instruments page (cards per instrument with positions and list sizes).

The rows are a big list, so they live in this substate of their own.
"""

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
class ListSize:
    listType: str = ""
    size: str = ""


@dataclasses.dataclass
class PositionRow:
    positionId: str = ""
    name: str = ""
    hierarchyLevel: int = 0
    qualifiedCount: int = 0
    lists: list[ListSize] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class InstrumentRow:
    instrumentId: str = ""
    name: str = ""
    displayOrder: str = ""
    isArchived: bool = False
    musicianCount: int = 0
    positionCount: int = 0
    positions: list[PositionRow] = dataclasses.field(default_factory=list)


def to_rows(instruments: list[dict]) -> list[InstrumentRow]:
    return [
        InstrumentRow(
            instrumentId=item["instrumentId"],
            name=item["name"],
            displayOrder=str(item["displayOrder"]),
            isArchived=bool(item["isArchived"]),
            musicianCount=int(item["musicianCount"]),
            positionCount=int(item["positionCount"]),
            positions=[
                PositionRow(
                    positionId=position["positionId"],
                    name=position["name"],
                    hierarchyLevel=int(position["hierarchyLevel"]),
                    qualifiedCount=int(position["qualifiedCount"]),
                    lists=[ListSize(**size) for size in position["lists"]],
                )
                for position in item["positions"]
            ],
        )
        for item in instruments
    ]


class InstrumentsState(SessionState):
    instruments: list[InstrumentRow] = []
    show_archived: bool = False
    loaded: bool = False
    error_key: str = ""

    async def _load(self):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        try:
            rows = await asyncio.to_thread(
                staff_views.instruments_for_orchestra, user.orchestra_pk, self.show_archived,
            )
        except ServiceError as exc:
            log.warning("instruments of %s could not be loaded: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return None
        self.instruments = to_rows(rows)
        self.error_key = ""
        self.loaded = True
        return None

    @rx.event
    async def load_instruments(self):
        return await self._load()

    @rx.event
    async def set_show_archived(self, value: bool):
        self.show_archived = bool(value)
        return await self._load()

