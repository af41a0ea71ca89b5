"""ProjectsState (the projects list) and ProjectDetailState (one project: needs, preview, send, live requests).

Both follow the page-state pattern: they inherit ``SessionState``, every handler re-checks the session with
``await self._require(...)``, services run in a worker thread (``asyncio.to_thread``) and rows are dataclasses.

The detail page keeps its request table current by itself: ``watch_requests`` is a background task that re-reads
the project every ``WATCH_INTERVAL_SECONDS`` while the page is shown. It is started by the page's ``on_load``
(so a reconnect restarts it) and by the table's ``on_mount``; ``supersedes=True`` and the ``_watch_id`` guard
keep one loop per browser tab; it ends on ``on_unmount`` (``stop_watching``), when Reflex cancels the page-load
chain (navigation, disconnect), when the tab has been disconnected for ``WATCH_GONE_SECONDS`` (a tab that
reconnects runs the page's on_load again, which starts a new loop), or when the session no longer admits the
user (checked every ``WATCH_RECHECK_EVERY`` rounds). While nothing changes, a round sends nothing to the browser.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import sys
import time

import reflex as rx

from services import project_views
from services.errors import ServiceError
from stagesub_ui import routes
from stagesub_ui.i18n import sv
from state.session import SessionState

log = logging.getLogger(__name__)

WATCH_INTERVAL_SECONDS = 3.0
WATCH_GONE_SECONDS = 6.0
WATCH_RECHECK_EVERY = 10  # rounds between two session checks (30 s)


def error_key_for(exc: ServiceError) -> str:
    """The catalog key of a service error: ``error.<code>`` when translated, else the generic one."""
    key = f"error.{exc.code}"
    return key if key in sv.MESSAGES else "error.unknown"


# ----- rows ---------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ProjectListRow:
    projectId: str = ""
    name: str = ""
    href: str = ""
    startDate: str = ""
    startTime: str = ""
    weekNumber: int = 0
    needsCount: int = 0
    accepted: int = 0
    needed: int = 0
    progress: int = 0
    status: str = ""


@dataclasses.dataclass
class ProjectFacts(ProjectListRow):
    """The list row's facts plus the texts shown on the project page."""

    rehearsalSchedule: str = ""
    concertInfo: str = ""
    notes: str = ""


@dataclasses.dataclass
class NeedRow:
    projectNeedId: str = ""
    label: str = ""
    listType: str = ""
    customListName: str = ""
    requestStrategy: str = ""
    quantity: int = 0
    maxRecipients: int = 0
    responseTimeHours: int = 0
    requireLocalResidence: bool = False
    status: str = ""
    displayStatus: str = ""
    accepted: int = 0
    pending: int = 0
    declined: int = 0
    timedOut: int = 0
    cancelled: int = 0
    sent: int = 0


@dataclasses.dataclass
class RequestRow:
    requestId: str = ""
    musicianId: str = ""
    musicianName: str = ""
    email: str = ""
    projectNeedId: str = ""
    needLabel: str = ""
    status: str = ""
    response: str = ""
    sentAt: str = ""
    reminderSentAt: str = ""
    respondedAt: str = ""
    deadline: str = ""


@dataclasses.dataclass
class PreviewPerson:
    musicianId: str = ""
    name: str = ""
    reason: str = ""


@dataclasses.dataclass
class PreviewNeed:
    projectNeedId: str = ""
    label: str = ""
    requestStrategy: str = ""
    quantity: int = 0
    accepted: int = 0
    pending: int = 0
    remaining: int = 0
    status: str = ""
    idle: str = ""
    toAsk: list[PreviewPerson] = dataclasses.field(default_factory=list)
    nextInQueue: list[PreviewPerson] = dataclasses.field(default_factory=list)
    skipped: list[PreviewPerson] = dataclasses.field(default_factory=list)


def to_list_rows(rows: list[dict]) -> list[ProjectListRow]:
    return [ProjectListRow(href=routes.project(row["projectId"]), **row) for row in rows]


def to_page(data: dict) -> tuple[ProjectFacts, list[NeedRow], list[RequestRow]]:
    project = data["project"]
    needs = [NeedRow(**{field.name: need[field.name] for field in dataclasses.fields(NeedRow)})
             for need in data["needs"]]
    return ProjectFacts(**project), needs, [RequestRow(**row) for row in data["requests"]]


def to_preview(data: dict) -> list[PreviewNeed]:
    def people(items: list[dict]) -> list[PreviewPerson]:
        return [PreviewPerson(musicianId=item["musicianId"], name=item["name"], reason=item.get("reason", ""))
                for item in items]

    return [
        PreviewNeed(
            projectNeedId=need["projectNeedId"], label=need["label"], requestStrategy=need["requestStrategy"],
            quantity=need["quantity"], accepted=need["accepted"], pending=need["pending"],
            remaining=need["remaining"], status=need["status"], idle=need["idle"],
            toAsk=people(need["toAsk"]), nextInQueue=people(need["nextInQueue"]), skipped=people(need["skipped"]),
        )
        for need in data["needs"]
    ]


def _client_connected(token: str) -> bool:
    """Is the browser tab with this client token connected to this server process? (True when unknown.)

    Reads the running app's websocket namespace (``App.event_namespace.token_to_sid``) from ``sys.modules``:
    nothing is imported, so this costs a dictionary lookup.
    """
    from reflex.config import get_config

    app = getattr(sys.modules.get(get_config().module), "app", None)
    namespace = getattr(app, "event_namespace", None)
    if namespace is None or not token:
        return True
    return token in namespace.token_to_sid


# ----- the projects list ----------------------------------------------------------------------------------


class ProjectsState(SessionState):
    projects: list[ProjectListRow] = []
    loaded: bool = False
    error_key: str = ""

    @rx.event
    async def load_projects(self):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        try:
            rows = await asyncio.to_thread(project_views.projects_overview, user.orchestra_pk)
        except ServiceError as exc:
            log.warning("projects of %s could not be loaded: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return None
        self.projects = to_list_rows(rows)
        self.error_key = ""
        self.loaded = True
        return None


# ----- one project -------------------------------------------------------------------------------------------


class ProjectDetailState(SessionState):
    # The project shown; the id comes from the URL (a hint: the data is always read from the user's orchestra).
    current_project_id: str = ""
    project: ProjectFacts = ProjectFacts()
    needs: list[NeedRow] = []
    requests: list[RequestRow] = []
    loaded: bool = False
    not_found: bool = False
    error_key: str = ""

    # Preview (dry run).
    preview_needs: list[PreviewNeed] = []
    preview_loaded: bool = False
    previewing: bool = False
    preview_error_key: str = ""

    # Sending.
    sending: bool = False
    send_done: bool = False
    send_count: int = 0
    send_error_key: str = ""

    # Pause / resume a need.
    need_busy: str = ""
    need_error_key: str = ""

    # The live request table.
    watching: bool = False
    _watch_id: str = ""

    @rx.var
    def preview_to_ask_count(self) -> int:
        return sum(len(need.toAsk) for need in self.preview_needs)

    def _reset_project(self, project_id: str) -> None:
        self.current_project_id = project_id
        self.project = ProjectFacts()
        self.needs, self.requests = [], []
        self.preview_needs, self.preview_loaded, self.preview_error_key = [], False, ""
        self.send_done, self.send_count, self.send_error_key = False, 0, ""
        self.loaded = self.not_found = False
        self.error_key = ""

    def _apply(self, data: dict | None) -> None:
        """Show freshly read data (assigning only what changed, so an idle page sends no updates)."""
        if data is None:
            if not self.not_found:
                self.not_found = True
            self.loaded = True
            return
        project, needs, requests = to_page(data)
        if project != self.project:
            self.project = project
        if needs != self.needs:
            self.needs = needs
        if requests != self.requests:
            self.requests = requests
        if self.not_found:
            self.not_found = False
        if not self.loaded:
            self.loaded = True

    async def _read(self, orchestra_pk: str, project_id: str) -> dict | None:
        return await asyncio.to_thread(project_views.project_page, orchestra_pk, project_id)

    @rx.event
    async def load_project(self):
        """on_load: read the project named in the URL, then keep its requests current (``watch_requests``)."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        project_id = routes.project_id_from_path(self.router.url.path)
        if project_id != self.current_project_id or not self.loaded:
            self._reset_project(project_id)
        try:
            self._apply(await self._read(user.orchestra_pk, project_id))
        except ServiceError as exc:
            log.warning("project %s could not be loaded: %s", project_id, exc.code)
            self.error_key = "error.load_failed"
            self.loaded = True
            return None
        self.error_key = ""
        return None if self.not_found else ProjectDetailState.watch_requests

    @rx.event
    async def refresh(self):
        """The "update now" button."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        try:
            self._apply(await self._read(user.orchestra_pk, self.current_project_id))
            self.error_key = ""
        except ServiceError as exc:
            log.warning("project %s could not be refreshed: %s", self.current_project_id, exc.code)
            self.error_key = "error.load_failed"
        return None

    # ----- preview -------------------------------------------------------------------------------------------

    @rx.event(background=True)
    async def load_preview(self):
        """Run the engine's dry run for the whole project (writes nothing)."""
        async with self:
            if self.previewing:
                return None
            user, redirect = await self._require(routes.STAFF_ROLES)
            if user is None:
                return redirect
            self.previewing = True
            self.preview_error_key = ""
            project_id = self.current_project_id
        error_key, needs = "", None
        try:
            needs = to_preview(await asyncio.to_thread(project_views.preview, user.orchestra_pk, project_id))
        except ServiceError as exc:
            log.warning("preview of %s failed: %s", project_id, exc.code)
            error_key = error_key_for(exc)
        except Exception:  # never leave the button spinning; the details are in the log
            log.exception("preview of %s failed", project_id)
            error_key = "error.unknown"
        async with self:
            self.previewing = False
            if self.current_project_id != project_id:
                return None
            self.preview_error_key = error_key
            if needs is not None:
                self.preview_needs = needs
                self.preview_loaded = True
        return None

    # ----- send -------------------------------------------------------------------------------------------------

    @rx.event(background=True)
    async def send_requests(self):
        """Confirmed in the dialog: send what every active need allows now, then show the result."""
        async with self:
            if self.sending:
                return None
            user, redirect = await self._require(routes.STAFF_ROLES)
            if user is None:
                return redirect
            self.sending = True
            self.send_done, self.send_count, self.send_error_key = False, 0, ""
            project_id = self.current_project_id
            had_preview = self.preview_loaded
        sent, error_key = 0, ""
        try:
            result = await asyncio.to_thread(project_views.send_requests, user.orchestra_pk, project_id,
                                             user.username)
            sent = int(result["sent"])
        except ServiceError as exc:
            log.warning("sending for %s failed: %s", project_id, exc.code)
            error_key = error_key_for(exc)
        except Exception:  # the engine's transaction rolled back; say so instead of spinning forever
            log.exception("sending for %s failed", project_id)
            error_key = "error.unknown"
        # Show the new requests and what the engine would do next before the progress indicator goes away.
        data = preview = None
        try:
            data = await self._read(user.orchestra_pk, project_id)
            if had_preview or not error_key:
                preview = to_preview(await asyncio.to_thread(project_views.preview, user.orchestra_pk, project_id))
        except Exception:  # the send itself is done; the live table catches up within seconds
            log.exception("project %s could not be re-read after sending", project_id)
        async with self:
            self.sending = False
            if self.current_project_id != project_id:
                return None
            if data is not None:
                self._apply(data)
            if preview is not None:
                self.preview_needs, self.preview_loaded, self.preview_error_key = preview, True, ""
            self.send_error_key = error_key
            self.send_count = sent
            self.send_done = not error_key
        return None

    # ----- pause / resume -----------------------------------------------------------------------------------

    @rx.event
    async def set_need_paused(self, project_need_id: str, paused: bool):
        """Pause (``paused=True``) or resume one of this project's needs, then show the new state."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        if self.need_busy or project_need_id not in {need.projectNeedId for need in self.needs}:
            return None
        self.need_busy, self.need_error_key = project_need_id, ""
        try:
            await asyncio.to_thread(project_views.set_need_paused, user.orchestra_pk, project_need_id,
                                    bool(paused))
        except ServiceError as exc:
            log.info("need %s could not be %s: %s", project_need_id, "paused" if paused else "resumed", exc.code)
            self.need_error_key = error_key_for(exc)
        except Exception:  # the buttons must not stay disabled; the details are in the log
            log.exception("need %s could not be changed", project_need_id)
            self.need_error_key = "error.unknown"
        try:
            self._apply(await self._read(user.orchestra_pk, self.current_project_id))
        except Exception:
            log.exception("project %s could not be re-read", self.current_project_id)
        self.need_busy = ""
        if self.preview_loaded:
            return ProjectDetailState.load_preview
        return None

    # ----- live requests ---------------------------------------------------------------------------------------

    @rx.event(background=True, supersedes=True)
    async def watch_requests(self):
        """Re-read the project every few seconds while the page is open (see the module docstring)."""
        my_id = secrets.token_hex(8)
        async with self:
            self._watch_id = my_id
            self.watching = True
            project_id = self.current_project_id
            token = self.router.session.client_token
        log.debug("watching the requests of %s (%s)", project_id, my_id)
        rounds, gone_since = 0, None
        ended = "stopped"  # the page was left, or a newer loop took over (``_watch_id`` changed)
        try:
            while True:
                await asyncio.sleep(WATCH_INTERVAL_SECONDS)
                rounds += 1
                if not _client_connected(token):
                    # A reconnecting tab runs the page's on_load again, which starts a new loop.
                    gone_since = gone_since or time.monotonic()
                    if time.monotonic() - gone_since >= WATCH_GONE_SECONDS:
                        ended = "tab gone"
                        return None
                    continue
                gone_since = None
                async with self:
                    if self._watch_id != my_id:
                        return None
                    project_id = self.current_project_id
                    orchestra_pk = self._orchestra_pk
                    if rounds % WATCH_RECHECK_EVERY == 0:
                        user = await self._current_user()
                        if user is None or user.role not in routes.STAFF_ROLES:
                            ended = "session ended"
                            _, redirect = await self._require(routes.STAFF_ROLES)
                            return redirect
                if not project_id or not orchestra_pk:
                    continue
                try:
                    data = await self._read(orchestra_pk, project_id)
                except ServiceError as exc:
                    log.info("live refresh of %s failed: %s", project_id, exc.code)
                    continue
                async with self:
                    if self._watch_id != my_id:
                        return None
                    if self.current_project_id == project_id:
                        self._apply(data)
        except asyncio.CancelledError:
            ended = "cancelled"  # by Reflex: a newer loop, another page's on_load, or the tab disconnected
            raise
        finally:
            log.debug("stopped watching the requests of %s (%s): %s after %d rounds", project_id, my_id, ended,
                      rounds)
            if ended not in ("cancelled", "tab gone"):
                async with self:
                    if self._watch_id == my_id:
                        self._watch_id = ""
                        self.watching = False

    @rx.event
    def stop_watching(self):
        """on_unmount of the request table: the loop ends at its next round."""
        self._watch_id = ""
        self.watching = False
