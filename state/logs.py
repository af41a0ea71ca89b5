"""LogsState: the admin's view of the orchestra's system log and audit trail (filters, 50 rows a page).

Filtering and paging happen in ``services.log_views``; this state holds the current page of each tab. A filter
the service refuses is marked at its field and the list is left as it was.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from services import log_views
from services.errors import ServiceError, ValidationError
from stagesub_ui import routes
from stagesub_ui.i18n import sv, translate
from state.session import SessionState

log = logging.getLogger(__name__)

ALL = "all"
SYSTEM_FILTERS = ("level", "category", "search", "from", "to")
AUDIT_FILTERS = ("action", "search", "from", "to")


def _clean(filters: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in filters.items() if value and value != ALL}


@dataclasses.dataclass
class SystemLogRow:
    id: str = ""
    timestamp: str = ""
    level: str = ""
    category: str = ""
    message: str = ""  # as stored (English); ``LogsState.system_view`` shows it in the user's language
    messageKey: str = ""
    messageValues: dict[str, str] = dataclasses.field(default_factory=dict)
    user: str = ""
    ip: str = ""
    userAgent: str = ""
    meta: str = ""


def shown_message(row: SystemLogRow, lang: str) -> str:
    """A log text in ``lang`` when StageSub wrote it (``logs.msg.<key>``), else as stored."""
    if not row.messageKey:
        return row.message
    key = f"logs.msg.{row.messageKey}"
    if key not in sv.MESSAGES:
        return row.message
    try:
        return translate(key, lang).format(**row.messageValues)
    except (KeyError, IndexError, ValueError):
        return row.message


@dataclasses.dataclass
class AuditRow:
    id: int = 0
    timestamp: str = ""
    user: str = ""
    action: str = ""
    entity: str = ""
    changes: str = ""


class LogsState(SessionState):
    tab: str = "system"
    error_key: str = ""

    system_filters: dict[str, str] = {"level": ALL, "category": ALL, "search": "", "from": "", "to": ""}
    system_errors: dict[str, str] = {}
    system_rows: list[SystemLogRow] = []
    system_total: int = 0
    system_page: int = 1
    system_pages: int = 1
    categories: list[str] = []
    system_loaded: bool = False

    audit_filters: dict[str, str] = {"action": ALL, "search": "", "from": "", "to": ""}
    audit_errors: dict[str, str] = {}
    audit_rows: list[AuditRow] = []
    audit_total: int = 0
    audit_page: int = 1
    audit_pages: int = 1
    actions: list[str] = []
    audit_loaded: bool = False

    @rx.var
    def system_view(self) -> list[SystemLogRow]:
        """The page of the system log as shown: StageSub's own texts in the user's language."""
        return [dataclasses.replace(row, message=shown_message(row, self.lang)) for row in self.system_rows]

    async def _admin(self):
        return await self._require(routes.ADMIN_ROLES)

    async def _read_system(self, orchestra_pk: str) -> None:
        try:
            lang = self.lang
            result = await asyncio.to_thread(log_views.system_logs, orchestra_pk, _clean(self.system_filters),
                                             self.system_page, shown=lambda key: translate(f"logs.msg.{key}", lang))
        except ValidationError as exc:
            self.system_errors = {field: f"logs.invalid.{field}" for field in exc.fields}
            return
        except ServiceError as exc:
            log.warning("system log of %s could not be loaded: %s", orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return
        self.system_errors, self.error_key = {}, ""
        self.system_rows = [SystemLogRow(**row) for row in result["rows"]]
        self.system_total, self.system_page, self.system_pages = result["total"], result["page"], result["pages"]
        self.categories = list(result["categories"])
        self.system_loaded = True

    async def _read_audit(self, orchestra_pk: str) -> None:
        try:
            result = await asyncio.to_thread(log_views.audit_logs, orchestra_pk, _clean(self.audit_filters),
                                             self.audit_page)
        except ValidationError as exc:
            self.audit_errors = {field: f"logs.invalid.{field}" for field in exc.fields}
            return
        except ServiceError as exc:
            log.warning("audit log of %s could not be loaded: %s", orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return
        self.audit_errors, self.error_key = {}, ""
        self.audit_rows = [AuditRow(**row) for row in result["rows"]]
        self.audit_total, self.audit_page, self.audit_pages = result["total"], result["page"], result["pages"]
        self.actions = list(result["actions"])
        self.audit_loaded = True

    @rx.event
    async def load_logs(self):
        user, redirect = await self._admin()
        if user is None:
            return redirect
        self.system_page = self.audit_page = 1
        await self._read_system(user.orchestra_pk)
        if self.tab == "audit":
            await self._read_audit(user.orchestra_pk)
        return None

    @rx.event
    async def set_tab(self, tab: str):
        if tab not in ("system", "audit"):
            return None
        user, redirect = await self._admin()
        if user is None:
            return redirect
        self.tab = tab
        if tab == "audit":
            await self._read_audit(user.orchestra_pk)
        else:
            await self._read_system(user.orchestra_pk)
        return None

    @rx.event
    async def set_system_filter(self, name: str, value: str):
        if name not in SYSTEM_FILTERS:
            return None
        user, redirect = await self._admin()
        if user is None:
            return redirect
        self.system_filters[name] = str(value or "")[:100]
        self.system_page = 1
        await self._read_system(user.orchestra_pk)
        return None

    @rx.event
    async def set_audit_filter(self, name: str, value: str):
        if name not in AUDIT_FILTERS:
            return None
        user, redirect = await self._admin()
        if user is None:
            return redirect
        self.audit_filters[name] = str(value or "")[:100]
        self.audit_page = 1
        await self._read_audit(user.orchestra_pk)
        return None

    @rx.event
    async def system_go(self, delta: int):
        """Previous (-1) or next (+1) page of the system log."""
        user, redirect = await self._admin()
        if user is None:
            return redirect
        self.system_page = max(1, self.system_page + int(delta))
        await self._read_system(user.orchestra_pk)
        return None

    @rx.event
    async def audit_go(self, delta: int):
        user, redirect = await self._admin()
        if user is None:
            return redirect
        self.audit_page = max(1, self.audit_page + int(delta))
        await self._read_audit(user.orchestra_pk)
        return None

    @rx.event
    async def refresh(self):
        user, redirect = await self._admin()
        if user is None:
            return redirect
        if self.tab == "audit":
            await self._read_audit(user.orchestra_pk)
        else:
            await self._read_system(user.orchestra_pk)
        return None
