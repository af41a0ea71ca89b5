"""ProjectsState (the projects list) and ProjectDetailState (one project: needs, preview, send, live requests).

Both follow the page-state pattern: they inherit ``SessionState``, every handler re-checks the session with
``await self._require(...)``, services run in a worker thread (``asyncio.to_thread``) and rows are dataclasses.

The detail page keeps its request table current by itself: ``watch_requests`` is a background task that looks
every ``WATCH_INTERVAL_SECONDS`` whether the project changed (``project_views.project_marker``, two aggregate
reads) and re-reads the page only then (and every ``WATCH_FULL_READ_EVERY`` rounds), while the page is shown.
It is started by the page's ``on_load``
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
import re
import secrets
import sys
import time

import reflex as rx

from services import project_setup, project_views
from services.errors import ServiceError
from stagesub_ui import routes
from stagesub_ui.i18n import sv, translate
from state.forms import DialogFormMixin
from state.session import SessionState

log = logging.getLogger(__name__)

WATCH_INTERVAL_SECONDS = 0.5  # a cheap look (``project_views.project_marker``); the page is re-read on a change
WATCH_FULL_READ_EVERY = 20  # rounds between two full reads even without a change (10 s: times shown as "ago")
WATCH_GONE_SECONDS = 6.0
WATCH_RECHECK_EVERY = 60  # rounds between two session checks (30 s)


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
    upcoming: bool = False


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
    return [ProjectListRow(href=routes.project(row["projectId"]), upcoming=project_setup.is_upcoming(row["startDate"]),
                           **row) for row in rows]


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
    # Filters (ORIGINAL_BEHAVIOUR.md §5.4): when (all / upcoming / past), name search, week number.
    when: str = "all"
    search: str = ""
    week: str = ""

    @rx.var
    def visible_projects(self) -> list[ProjectListRow]:
        words = self.search.strip().casefold()
        week = self.week.strip()
        rows = []
        for row in self.projects:
            if self.when == "upcoming" and not row.upcoming or self.when == "past" and row.upcoming:
                continue
            if words and words not in row.name.casefold():
                continue
            if week and str(row.weekNumber) != week:
                continue
            rows.append(row)
        return rows

    @rx.var
    def upcoming_count(self) -> int:
        return sum(1 for row in self.projects if row.upcoming)

    @rx.var
    def past_count(self) -> int:
        return sum(1 for row in self.projects if not row.upcoming)

    @rx.event
    def set_when(self, value: str):
        self.when = value if value in ("all", "upcoming", "past") else "all"

    @rx.event
    def set_search(self, value: str):
        self.search = str(value)[:200]

    @rx.event
    def set_week(self, value: str):
        self.week = "".join(ch for ch in str(value) if ch.isdigit())[:2]

    @rx.event
    def clear_filters(self):
        self.when, self.search, self.week = "all", "", ""

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

    # ----- cancel a need, delete the project, answer on behalf ---------------------------------------------------

    @rx.event
    async def cancel_need(self, project_need_id: str):
        """Confirmed in the dialog: the need is cancelled for good (``project_setup.cancel_need``)."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        if self.need_busy or project_need_id not in {need.projectNeedId for need in self.needs}:
            return None
        self.need_busy, self.need_error_key = project_need_id, ""
        try:
            await asyncio.to_thread(project_setup.cancel_need, user.orchestra_pk, self.current_project_id,
                                    project_need_id)
        except ServiceError as exc:
            log.info("need %s could not be cancelled: %s", project_need_id, exc.code)
            self.need_error_key = pe_error_key(exc)
        try:
            self._apply(await self._read(user.orchestra_pk, self.current_project_id))
        finally:
            self.need_busy = ""
        return ProjectDetailState.load_preview if self.preview_loaded else None

    @rx.var
    def can_delete(self) -> bool:
        """A project may be deleted only while no request has been sent for it."""
        return all(need.sent == 0 for need in self.needs)

    @rx.event
    async def delete_project(self):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        project_id = self.current_project_id
        try:
            await asyncio.to_thread(project_setup.delete_project, user.orchestra_pk, project_id)
        except ServiceError as exc:
            log.info("project %s could not be deleted: %s", project_id, exc.code)
            self.error_key = pe_error_key(exc)
            return None
        self._reset_project("")
        return [rx.redirect(routes.PROJECTS), rx.toast.success(translate("pe.project_deleted", self.lang))]

    answer_request_id: str = ""
    answer_musician: str = ""
    answer_choice: str = "accept"
    answer_open: bool = False
    answer_saving: bool = False
    answer_error_key: str = ""
    answer_form_key: int = 0

    @rx.event
    def open_answer(self, request_id: str):
        row = next((r for r in self.requests if r.requestId == request_id and r.status == "pending"), None)
        if row is None:
            return
        self.answer_request_id, self.answer_musician = row.requestId, f"{row.musicianName} ({row.needLabel})"
        self.answer_choice, self.answer_error_key = "accept", ""
        self.answer_form_key += 1
        self.answer_open = True

    @rx.event
    def set_answer_open(self, value: bool):
        if not value and self.answer_saving:
            return
        self.answer_open = bool(value)

    @rx.event
    def set_answer_choice(self, value: str):
        if value in ("accept", "decline"):
            self.answer_choice = value

    @rx.event
    async def submit_answer(self, form_data: dict):
        """Staff record the musician's answer (phone, in person); the engine continues as for a real answer."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            yield redirect
            return
        if self.answer_saving or not self.answer_request_id:
            return
        self.answer_saving, self.answer_error_key = True, ""
        yield
        try:
            await asyncio.to_thread(project_setup.answer_on_behalf, user.orchestra_pk, self.current_project_id,
                                    self.answer_request_id, self.answer_choice, user.username,
                                    str(form_data.get("note") or "")[:2000])
        except ServiceError as exc:
            log.info("answer for %s not recorded: %s", self.answer_request_id, exc.code)
            self.answer_error_key = pe_error_key(exc)
            self.answer_saving = False
            return
        self.answer_saving, self.answer_open = False, False
        self._apply(await self._read(user.orchestra_pk, self.current_project_id))
        yield rx.toast.success(translate("pe.answer_saved", self.lang))

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
        rounds, gone_since, marker = 0, None, ""
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
                    current = await asyncio.to_thread(project_views.project_marker, orchestra_pk, project_id)
                    if current == marker and rounds % WATCH_FULL_READ_EVERY:
                        continue
                    marker = current
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


# ----- setting a project up: the project form, the need form, answers on behalf ------------------------------------

_RANGE_RE = re.compile(r"(\d+) to (\d+)")
_NUMBER_RE = re.compile(r"(\d+)")
FORM_FIELD = {"rankingListId": "list", "customListId": "list"}  # the need form has one list field


def pe_error_key(exc: ServiceError) -> str:
    """The general message for a service error on these forms (``pe.error.<code>``, else the shared ones)."""
    key = f"pe.error.{exc.code}"
    return key if key in sv.MESSAGES else error_key_for(exc)


def form_field_errors(exc: ServiceError) -> tuple[dict[str, str], dict[str, str]]:
    """A service error's fields as (form field → catalog key, form field → detail such as a number)."""
    keys: dict[str, str] = {}
    details: dict[str, str] = {}
    for field, text in (exc.fields or {}).items():
        text = str(text)
        name = FORM_FIELD.get(field, field)
        number = _NUMBER_RE.search(text)
        detail = ""
        if text == "required":
            key = "pe.field.required"
        elif _RANGE_RE.search(text):
            key, detail = "pe.field.range", "–".join(_RANGE_RE.search(text).groups())
        elif text.startswith("a whole number"):
            key = "pe.field.number"
        elif "date" in text:
            key = "pe.field.date"
        elif "time" in text:
            key = "pe.field.time"
        elif text.startswith("at least the quantity"):
            key = "pe.field.max_recipients"
        elif text.startswith("at most") and "characters" in text:
            key, detail = "pe.field.too_long", number.group(1) if number else ""
        elif text.startswith("at most"):
            key, detail = "pe.field.at_most", number.group(1) if number else ""
        elif text.startswith("at least"):
            key, detail = "pe.field.at_least", number.group(1) if number else ""
        elif text == "no one to ask":
            key = "pe.field.no_one"
        elif text == "no active qualified musician":
            key = "pe.field.no_qualified"
        elif text.startswith("used by"):
            key, detail = "pe.field.list_in_use", text.removeprefix("used by ").strip()
        elif text.startswith("locked") or text.startswith("fixed"):
            key = "pe.field.locked"
        else:
            key = "pe.field.invalid"
        keys[name], details[name] = key, detail
    return keys, details


@dataclasses.dataclass
class ProjectFormValues:
    name: str = ""
    startDate: str = ""
    startTime: str = "19:00"
    rehearsalSchedule: str = ""
    concertInfo: str = ""
    notes: str = ""


class ProjectFormState(DialogFormMixin, SessionState):
    """The dialog that creates a project (projects list) or edits one (project page)."""

    values: ProjectFormValues = ProjectFormValues()
    week: str = ""  # derived from the date while the user has not typed one
    week_typed: bool = False

    @rx.event
    async def open_create(self):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        self.editing_id, self.values, self.week, self.week_typed = "", ProjectFormValues(), "", False
        self._reset()
        self.dialog_open = True
        return None

    @rx.event
    async def open_edit(self, project_id: str):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        self._reset()
        try:
            data = await asyncio.to_thread(project_setup.project_form_values, user.orchestra_pk, str(project_id))
        except ServiceError as exc:
            log.info("project %r could not be opened for editing: %s", project_id, exc.code)
            self.error_key = pe_error_key(exc)
            return None
        self.editing_id = data["projectId"]
        self.values = ProjectFormValues(**{f.name: data[f.name] for f in dataclasses.fields(ProjectFormValues)})
        self.week, self.week_typed = data["weekNumber"], True
        self.dialog_open = True
        return None

    @rx.event
    def date_changed(self, value: str):
        """The week follows the date until the user types a week of their own."""
        week = project_setup.week_of(str(value))
        if week is not None and (not self.week_typed or not self.week):
            self.week, self.week_typed = str(week), False

    @rx.event
    def set_week(self, value: str):
        self.week = "".join(ch for ch in str(value) if ch.isdigit())[:2]
        self.week_typed = self.week != ""

    @rx.event
    async def submit(self, form_data: dict):
        """Create or save; problems appear at their fields and nothing is written."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            yield redirect
            return
        if self.saving or not self.dialog_open:
            return
        form = dict(form_data) | {"weekNumber": self.week}
        editing = self.editing_id
        self.saving = True
        self.field_errors, self.field_details, self.error_key = {}, {}, ""
        yield
        try:
            if editing:
                saved = await asyncio.to_thread(project_setup.update_project, user.orchestra_pk, editing, form)
            else:
                saved = await asyncio.to_thread(project_setup.create_project, user.orchestra_pk, form)
        except ServiceError as exc:
            log.info("project %r not saved: %s", editing or "(new)", exc.code)
            self.field_errors, self.field_details = form_field_errors(exc)
            self.error_key = "pe.error.check_fields" if exc.fields else pe_error_key(exc)
            self.saving = False
            return
        self.saving = False
        self.dialog_open = False
        if editing:
            detail = await self.get_state(ProjectDetailState)
            if detail.current_project_id == editing:
                detail._apply(await detail._read(user.orchestra_pk, editing))
            yield rx.toast.success(translate("pe.project_saved", self.lang))
        else:
            yield [rx.redirect(routes.project(saved["projectId"])),
                   rx.toast.success(translate("pe.project_created", self.lang))]


@dataclasses.dataclass
class ListOption:
    value: str = ""
    kind: str = ""
    name: str = ""
    size: int = 0


@dataclasses.dataclass
class PositionOption:
    positionId: str = ""
    label: str = ""
    qualified: int = 0
    lists: list[ListOption] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class TimeOption:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class NeedFormValues:
    label: str = ""
    listName: str = ""
    quantity: str = "1"
    maxRecipients: str = ""
    requireLocalResidence: bool = False


class NeedFormState(DialogFormMixin, SessionState):
    """The dialog that adds a need to the project shown, or edits one (§2.14: what may change after sending)."""

    locked: bool = False  # requests exist: strategy, response time and max recipients are fixed
    options: list[PositionOption] = []
    time_options: list[TimeOption] = []
    position_id: str = ""
    list_value: str = ""
    strategy: str = "sequential"
    response_hours: str = "48"
    values: NeedFormValues = NeedFormValues()
    error_position: str = ""  # the position (label) whose need was refused when several were added at once
    also_positions: list[str] = []  # §2.14: the same need added to these positions too (standard lists only)

    @rx.var
    def also_options(self) -> list[PositionOption]:
        """The positions the same need could also be added to: every other position with a list of the chosen
        standard list's type."""
        chosen = next((o for o in self.position_lists if o.value == self.list_value), None)
        if chosen is None or chosen.kind != "standard":
            return []
        return [o for o in self.options if o.positionId != self.position_id
                and any(item.kind == "standard" and item.name == chosen.name for item in o.lists)]

    @rx.var
    def also_count(self) -> int:
        return len(self.also_positions)

    @rx.var
    def position_lists(self) -> list[ListOption]:
        for option in self.options:
            if option.positionId == self.position_id:
                return option.lists
        return []

    def _reset(self) -> None:
        super()._reset()
        self.error_position, self.also_positions = "", []
        self.time_options = [TimeOption(value=str(h), label=project_setup.format_hours(h, self.lang))
                             for h in project_setup.RESPONSE_TIME_OPTIONS]

    @rx.event
    async def open_create(self):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        detail = await self.get_state(ProjectDetailState)
        project_id = detail.current_project_id
        self._reset()
        self.editing_id, self.locked, self.values = "", False, NeedFormValues()
        self.position_id, self.list_value, self.strategy, self.response_hours = "", "", "sequential", "48"
        try:
            options = await asyncio.to_thread(project_setup.need_options, user.orchestra_pk, project_id)
        except ServiceError as exc:
            log.info("need options of %s could not be read: %s", project_id, exc.code)
            self.error_key, options = pe_error_key(exc), []
        self.options = [PositionOption(positionId=o["positionId"], label=o["label"], qualified=o["qualified"],
                                       lists=[ListOption(**item) for item in o["lists"]]) for o in options]
        self.dialog_open = True
        return None

    @rx.event
    async def open_edit(self, project_need_id: str):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        detail = await self.get_state(ProjectDetailState)
        need = next((n for n in detail.needs if n.projectNeedId == project_need_id), None)
        if need is None:
            return None
        self._reset()
        self.editing_id, self.locked, self.options = need.projectNeedId, need.sent > 0, []
        self.position_id, self.list_value = "", ""
        self.strategy, self.response_hours = need.requestStrategy, str(need.responseTimeHours)
        if self.response_hours not in {o.value for o in self.time_options}:
            self.time_options = [*self.time_options, TimeOption(
                value=self.response_hours, label=project_setup.format_hours(need.responseTimeHours, self.lang))]
        self.values = NeedFormValues(
            label=need.label, listName=need.customListName or need.listType, quantity=str(need.quantity),
            maxRecipients=str(need.maxRecipients) if need.maxRecipients else "",
            requireLocalResidence=need.requireLocalResidence)
        self.dialog_open = True
        return None

    @rx.event
    def set_position(self, value: str):
        self.position_id = str(value)
        lists = self.position_lists
        self.list_value = lists[0].value if lists else ""
        self._trim_also()

    @rx.event
    def set_list(self, value: str):
        self.list_value = str(value)
        self._trim_also()

    def _trim_also(self) -> None:
        allowed = {o.positionId for o in self.also_options}
        self.also_positions = [p for p in self.also_positions if p in allowed]

    @rx.event
    def toggle_also(self, position_id: str):
        if position_id in self.also_positions:
            self.also_positions = [p for p in self.also_positions if p != position_id]
        elif position_id in {o.positionId for o in self.also_options}:
            self.also_positions = [*self.also_positions, position_id]

    @rx.event
    def set_all_also(self, selected: bool):
        self.also_positions = [o.positionId for o in self.also_options] if selected else []

    @rx.event
    def set_strategy(self, value: str):
        if value in ("sequential", "parallel", "first_come"):
            self.strategy = value

    @rx.event
    def set_response_hours(self, value: str):
        self.response_hours = str(value)

    @rx.event
    async def submit(self, form_data: dict):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            yield redirect
            return
        if self.saving or not self.dialog_open:
            return
        detail = await self.get_state(ProjectDetailState)
        project_id, editing = detail.current_project_id, self.editing_id
        form = dict(form_data)
        if editing and self.locked:
            form = {"quantity": form.get("quantity", "")}
        else:
            form |= {"requestStrategy": self.strategy, "responseTimeHours": self.response_hours}
            if self.strategy != "first_come":
                form.pop("maxRecipients", None)
            if not editing:
                form |= {"positionId": self.position_id, "list": self.list_value,
                         "alsoPositions": list(self.also_positions)}
        self.saving = True
        self.field_errors, self.field_details, self.error_key, self.error_position = {}, {}, "", ""
        yield
        try:
            if editing:
                await asyncio.to_thread(project_setup.update_need, user.orchestra_pk, project_id, editing, form)
            else:
                await asyncio.to_thread(project_setup.create_need, user.orchestra_pk, project_id, form)
        except ServiceError as exc:
            log.info("need %r of %s not saved: %s", editing or "(new)", project_id, exc.code)
            self.field_errors, self.field_details = form_field_errors(exc)
            # Form problems are shown at their fields; the engine's rules (too few musicians …) say why.
            self.error_key = "pe.error.check_fields" if exc.code.startswith("invalid") else pe_error_key(exc)
            if exc.failed_position and exc.failed_position != self.position_id:
                # One of the other positions was refused: say which, and keep the main fields unmarked.
                self.field_errors, self.field_details = {}, {}
                self.error_position = next((o.label for o in self.options
                                            if o.positionId == exc.failed_position), exc.failed_position)
            self.saving = False
            return
        self.saving = False
        self.dialog_open = False
        detail._apply(await detail._read(user.orchestra_pk, project_id))
        if detail.preview_loaded:
            yield ProjectDetailState.load_preview
        yield rx.toast.success(translate("pe.need_saved", self.lang))
