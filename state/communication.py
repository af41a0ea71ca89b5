"""CommunicationState: the message log (filters, 50 a page, each message as sent) and the group e-mail history.

Filtering and paging happen in SQL (``services.communication_views``); this state holds one page. The filters
may come from the address (``/communication?status=failed&projectId=PROJ001``, used by the dashboard's links).
A filter the service refuses is marked at its field and the list is left as it was.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from services import communication_views
from services.errors import ServiceError, ValidationError
from stagesub_ui import routes
from state.session import SessionState

log = logging.getLogger(__name__)

ALL = "all"  # the "no filter" choice of a select (Radix selects cannot hold an empty value)
SELECT_FILTERS = ("projectId", "type", "channel", "status")
TEXT_FILTERS = ("search", "from", "to")
QUERY_FILTERS = ("projectId", "type", "channel", "status")


def empty_filters() -> dict[str, str]:
    return {**dict.fromkeys(SELECT_FILTERS, ALL), **dict.fromkeys(TEXT_FILTERS, "")}


def service_filters(filters: dict[str, str]) -> dict[str, str]:
    """The state's filters as the service takes them ("all" and "" mean no filter)."""
    return {key: value for key, value in filters.items() if value and value != ALL}


@dataclasses.dataclass
class ProjectChoice:
    projectId: str = ""
    label: str = ""


@dataclasses.dataclass
class MessageRow:
    key: str = ""
    at: str = ""
    type: str = ""
    channel: str = ""
    recipient: str = ""
    subject: str = ""
    status: str = ""
    error: str = ""
    projectId: str = ""
    projectName: str = ""
    href: str = ""
    musicianId: str = ""
    musicianName: str = ""


@dataclasses.dataclass
class MessageDetail:
    key: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""
    recipient: str = ""
    channel: str = ""
    type: str = ""
    status: str = ""
    error: str = ""
    segments: int = 0
    attempts: int = 0
    providerMessageId: str = ""
    deliveryStatus: str = ""
    createdAt: str = ""
    sentAt: str = ""


@dataclasses.dataclass
class GroupEmailRow:
    id: int = 0
    date: str = ""
    projectName: str = ""
    href: str = ""
    subject: str = ""
    message: str = ""
    recipientCount: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0


def to_message_rows(rows: list[dict]) -> list[MessageRow]:
    return [MessageRow(href=routes.project(row["projectId"]) if row["projectId"] else "", **row) for row in rows]


def to_group_rows(rows: list[dict]) -> list[GroupEmailRow]:
    fields = {field.name for field in dataclasses.fields(GroupEmailRow)}
    return [GroupEmailRow(href=routes.project(row["projectId"]) if row["projectId"] else "",
                          **{k: v for k, v in row.items() if k in fields and k != "href"}) for row in rows]


class CommunicationState(SessionState):
    tab: str = "messages"
    projects: list[ProjectChoice] = []
    type_options: list[str] = list(communication_views.TYPES)
    filters: dict[str, str] = empty_filters()
    field_errors: dict[str, str] = {}
    rows: list[MessageRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False
    error_key: str = ""

    detail: MessageDetail = MessageDetail()
    detail_open: bool = False
    detail_error_key: str = ""

    group_project: str = ALL
    group_rows: list[GroupEmailRow] = []
    group_loaded: bool = False
    group_error_key: str = ""

    @rx.var
    def has_filters(self) -> bool:
        return bool(service_filters(self.filters))

    @rx.var
    def has_previous(self) -> bool:
        return self.page > 1

    @rx.var
    def has_next(self) -> bool:
        return self.page < self.pages

    async def _user(self):
        return await self._require(routes.STAFF_ROLES)

    async def _read_page(self, orchestra_pk: str) -> None:
        try:
            result = await asyncio.to_thread(communication_views.messages, orchestra_pk,
                                             service_filters(self.filters), self.page)
        except ValidationError as exc:
            self.field_errors = {field: f"communication.invalid.{field}" for field in exc.fields}
            return
        except ServiceError as exc:
            log.warning("messages of %s could not be loaded: %s", orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return
        self.field_errors = {}
        self.error_key = ""
        self.rows = to_message_rows(result["rows"])
        self.total, self.page, self.pages = result["total"], result["page"], result["pages"]
        self.loaded = True

    @rx.event
    async def load_communication(self):
        """on_load: the filter choices and the first page (filters from the address, else none)."""
        user, redirect = await self._user()
        if user is None:
            return redirect
        query = self.router.url.query_parameters
        filters = empty_filters()
        allowed = {"type": communication_views.TYPES, "channel": communication_views.CHANNELS,
                   "status": communication_views.STATUSES}
        for key in QUERY_FILTERS:
            value = query.get(key)
            if isinstance(value, str) and value and (key not in allowed or value in allowed[key]):
                filters[key] = value[:100]
        self.filters, self.page, self.detail_open = filters, 1, False
        try:
            options = await asyncio.to_thread(communication_views.filter_options, user.orchestra_pk)
        except ServiceError as exc:
            log.warning("filters of %s could not be loaded: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return None
        self.projects = [ProjectChoice(**project) for project in options["projects"]]
        self.type_options = list(options["types"])
        await self._read_page(user.orchestra_pk)
        if self.tab == "group":
            await self._read_groups(user.orchestra_pk)
        return None

    @rx.event
    async def set_filter(self, name: str, value: str):
        """A select or date changed: back to page 1 with the new filter."""
        if name not in SELECT_FILTERS + TEXT_FILTERS:
            return None
        user, redirect = await self._user()
        if user is None:
            return redirect
        self.filters[name] = str(value or "")[:100]
        self.page = 1
        await self._read_page(user.orchestra_pk)
        return None

    @rx.event
    async def clear_filters(self):
        user, redirect = await self._user()
        if user is None:
            return redirect
        self.filters, self.page, self.field_errors = empty_filters(), 1, {}
        await self._read_page(user.orchestra_pk)
        return None

    @rx.event
    async def go_to_page(self, page: int):
        user, redirect = await self._user()
        if user is None:
            return redirect
        self.page = max(1, int(page))
        await self._read_page(user.orchestra_pk)
        return None

    @rx.event
    async def next_page(self):
        return await self.go_to_page(self.page + 1)

    @rx.event
    async def previous_page(self):
        return await self.go_to_page(self.page - 1)

    # ----- one message -----------------------------------------------------------------------------------------

    @rx.event
    async def open_message(self, key: str):
        user, redirect = await self._user()
        if user is None:
            return redirect
        self.detail_error_key = ""
        try:
            data = await asyncio.to_thread(communication_views.message_detail, user.orchestra_pk, str(key))
        except ServiceError as exc:
            log.info("message %s of %s could not be shown: %s", key, user.orchestra_pk, exc.code)
            self.detail = MessageDetail()
            self.detail_error_key = "communication.not_found" if exc.code == "message_not_found" else "error.unknown"
        else:
            self.detail = MessageDetail(key=str(key), **data)
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)

    # ----- group e-mails --------------------------------------------------------------------------------------

    async def _read_groups(self, orchestra_pk: str) -> None:
        project = "" if self.group_project == ALL else self.group_project
        try:
            rows = await asyncio.to_thread(communication_views.group_emails, orchestra_pk, project)
        except ServiceError as exc:
            log.warning("group e-mails of %s could not be loaded: %s", orchestra_pk, exc.code)
            self.group_error_key = "error.load_failed"
            return
        self.group_rows = to_group_rows(rows)
        self.group_error_key = ""
        self.group_loaded = True

    @rx.event
    async def set_tab(self, tab: str):
        if tab not in ("messages", "group"):
            return None
        self.tab = tab
        if tab == "group":
            user, redirect = await self._user()
            if user is None:
                return redirect
            await self._read_groups(user.orchestra_pk)
        return None

    @rx.event
    async def set_group_project(self, value: str):
        user, redirect = await self._user()
        if user is None:
            return redirect
        self.group_project = str(value or ALL)
        await self._read_groups(user.orchestra_pk)
        return None
