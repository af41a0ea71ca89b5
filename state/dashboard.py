"""DashboardState: the staff home page (upcoming projects, answers awaited, recent activity, warnings).

A thin view model: ``load_dashboard`` re-checks the session, runs ``services.dashboard.dashboard`` in a worker
thread (it includes one engine dry run per upcoming project) and turns the dicts into rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from services import dashboard
from services.errors import ServiceError
from stagesub_ui import routes
from state.projects import ProjectListRow, to_list_rows
from state.session import SessionState

log = logging.getLogger(__name__)


@dataclasses.dataclass
class WaitingRow:
    requestId: str = ""
    projectName: str = ""
    href: str = ""
    musicianName: str = ""
    needLabel: str = ""
    sentAt: str = ""
    deadline: str = ""
    overdue: bool = False
    reminded: bool = False


@dataclasses.dataclass
class ActivityRow:
    requestId: str = ""
    projectName: str = ""
    href: str = ""
    musicianName: str = ""
    needLabel: str = ""
    status: str = ""
    at: str = ""
    via: str = ""


@dataclasses.dataclass
class WarningRow:
    kind: str = ""
    projectName: str = ""
    href: str = ""
    needLabel: str = ""
    remaining: int = 0
    pending: int = 0
    candidatesLeft: int = 0


@dataclasses.dataclass
class FailedRow:
    messageId: str = ""
    channel: str = ""
    messageType: str = ""
    recipient: str = ""
    at: str = ""
    error: str = ""


def _with_href(row: dict, cls):
    fields = {field.name for field in dataclasses.fields(cls)}
    return cls(href=routes.project(row["projectId"]), **{k: v for k, v in row.items() if k in fields and k != "href"})


class DashboardState(SessionState):
    upcoming: list[ProjectListRow] = []
    upcoming_total: int = 0
    waiting: list[WaitingRow] = []
    waiting_total: int = 0
    activity: list[ActivityRow] = []
    accepted_count: int = 0
    declined_count: int = 0
    timed_out_count: int = 0
    warnings: list[WarningRow] = []
    failed: list[FailedRow] = []
    failed_total: int = 0
    activity_days: int = dashboard.ACTIVITY_DAYS
    loaded: bool = False
    error_key: str = ""

    def _apply(self, data: dict) -> None:
        self.upcoming = to_list_rows(data["upcoming"])
        self.upcoming_total = int(data["upcomingTotal"])
        self.waiting = [_with_href(row, WaitingRow) for row in data["waiting"]["rows"]]
        self.waiting_total = int(data["waiting"]["total"])
        self.activity = [_with_href(row, ActivityRow) for row in data["activity"]["rows"]]
        counts = data["activity"]["counts"]
        self.accepted_count = int(counts["accepted"])
        self.declined_count = int(counts["declined"])
        self.timed_out_count = int(counts["timed_out"])
        self.warnings = [_with_href(row, WarningRow) for row in data["warnings"]]
        self.failed = [FailedRow(**row) for row in data["failed"]["rows"]]
        self.failed_total = int(data["failed"]["total"])
        self.activity_days = int(data["activityDays"])

    @rx.event
    async def load_dashboard(self):
        """on_load and the "update" button."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        try:
            data = await asyncio.to_thread(dashboard.dashboard, user.orchestra_pk)
        except ServiceError as exc:
            log.warning("dashboard of %s could not be loaded: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return None
        self._apply(data)
        self.error_key = ""
        self.loaded = True
        return None
