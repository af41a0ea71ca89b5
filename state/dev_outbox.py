"""DevOutboxState: the simulated e-mails and SMS, and a button that runs one scheduler pass now (dev and test).

The page is registered only in dev and test (``routes.dev_tools_enabled``); every handler checks that again,
so a prod installation answers nothing even if an event for it arrives.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from services import project_views
from services.errors import ServiceError
from stagesub_ui import routes
from state.projects import error_key_for
from state.session import SessionState

log = logging.getLogger(__name__)


@dataclasses.dataclass
class OutboxMessage:
    messageId: str = ""
    channel: str = ""
    messageType: str = ""
    recipient: str = ""
    subject: str = ""
    body: str = ""
    html: str = ""  # the e-mail's HTML alternative, shown in a sandboxed frame
    segments: str = ""  # SMS: how many segments the text costs
    status: str = ""
    createdAt: str = ""
    sentAt: str = ""
    links: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class TickResult:
    reminders: int = 0
    timeouts: int = 0
    refills: int = 0
    delivered: int = 0
    failed: int = 0


async def read_outbox(orchestra_pk: str) -> list[OutboxMessage] | None:
    """The messages, or None when they could not be read (logged)."""
    try:
        rows = await asyncio.to_thread(project_views.outbox_messages, orchestra_pk)
    except ServiceError as exc:
        log.warning("outbox of %s could not be loaded: %s", orchestra_pk, exc.code)
        return None
    return [OutboxMessage(**row) for row in rows]


class DevOutboxState(SessionState):
    messages: list[OutboxMessage] = []
    loaded: bool = False
    error_key: str = ""
    running: bool = False
    has_tick_result: bool = False
    tick_result: TickResult = TickResult()
    tick_error_key: str = ""

    async def _allowed(self):
        """(user, None) for staff on a dev or test installation, else (None, the redirect to send)."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return None, redirect
        if not routes.dev_tools_enabled():
            return None, rx.redirect(routes.home_for(user.role))
        return user, None

    def _show(self, messages: list[OutboxMessage] | None) -> None:
        if messages is None:
            self.error_key = "error.load_failed"
            return
        if messages != self.messages:
            self.messages = messages
        self.error_key = ""
        self.loaded = True

    @rx.event
    async def load_outbox(self):
        user, redirect = await self._allowed()
        if user is None:
            return redirect
        self._show(await read_outbox(user.orchestra_pk))
        return None

    @rx.event(background=True)
    async def run_scheduler(self):
        """One scheduler pass for the orchestra (deliver due messages, reminders, timeouts), then re-read."""
        async with self:
            if self.running:
                return None
            user, redirect = await self._allowed()
            if user is None:
                return redirect
            self.running = True
            self.tick_error_key = ""
        result, error_key = None, ""
        try:
            result = await asyncio.to_thread(project_views.run_scheduler_pass, user.orchestra_pk)
        except ServiceError as exc:
            log.warning("scheduler pass for %s failed: %s", user.orchestra_pk, exc.code)
            error_key = error_key_for(exc)
        except Exception:  # never leave the button spinning; the details are in the log
            log.exception("scheduler pass for %s failed", user.orchestra_pk)
            error_key = "error.unknown"
        messages = await read_outbox(user.orchestra_pk)
        async with self:
            self.running = False
            self.tick_error_key = error_key
            if result is not None:
                self.tick_result = TickResult(**{field.name: int(result.get(field.name, 0))
                                                 for field in dataclasses.fields(TickResult)})
                self.has_tick_result = True
            self._show(messages)
        return None
