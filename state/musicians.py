"""The musicians pages: the roster (``MusiciansState``), the create/edit dialog (``MusicianFormState``) and one
musician's profile (``MusicianProfileState``).

Three flat substates of ``SessionState``, so each event loads only what it needs and the roster's rows (the
big list) never travel with a keystroke in the dialog. Every handler re-checks the session with
``await self._require(STAFF_ROLES)`` and calls ``services.musicians`` in a worker thread.

The roster is searched and filtered in the database (``musicians.list_musicians``) and shown a page of
``PAGE_SIZE`` rows at a time, so a roster of thousands renders as fast as one of fifty. Service errors arrive
as a code plus, for form fields, an English message per field (the REST API's vocabulary); ``field_error``
turns each into a catalog key (and a detail such as the musician who already has an e-mail address), so the
page shows it in the user's language next to the field.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from datetime import datetime

import reflex as rx

from services import clock, musicians, staff_views, tenancy
from services.errors import ServiceError
from services.settings import get_settings
from stagesub_ui import routes
from stagesub_ui.i18n import sv, translate
from state.forms import DialogFormMixin
from state.session import SessionState

log = logging.getLogger(__name__)

PAGE_SIZE = 50
ALL = "all"  # the "no filter" value of a select (Radix refuses an empty value)
STATUS_FILTERS = ("current", "active", "inactive", "archived", ALL)
LOCAL_FILTERS = (ALL, "local", "not_local")
SORTS = musicians.SORTS
QUERY_MAX = 200
MUSICIAN_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
GENERAL_ERRORS = ("plan_limit", "musician_archived", "musician_not_found")  # shown above the form, not at a field
QUALIFICATION_PREFIX = "q_"  # form field name of a qualification checkbox: q_<positionId>

# (what the service's field message contains, catalog key). Checked in order: the first match wins.
FIELD_MESSAGES: tuple[tuple[str, str], ...] = (
    ("required", "musicians.field.required"),
    ("spans at most", "musicians.field.period_too_long"),
    ("at most", "musicians.field.too_long"),
    ("not an e-mail address", "musicians.field.email"),
    ("not a phone number", "musicians.field.phone"),
    ("sv or en", "musicians.field.language"),
    ("taken", "musicians.field.taken"),
    ("unknown position", "musicians.field.unknown_position"),
    ("not an iso 8601", "musicians.field.date"),
    ("must not be before", "musicians.field.end_before_start"),
    ("between", "musicians.field.date_range"),
    ("archived musician", "musicians.field.archived"),
)
HOLDER_RE = re.compile(r"already belongs to (.+?)\.?$")


def error_key(exc: ServiceError) -> str:
    """The catalog key of a service error: this area's own text, the shared one, or the generic one."""
    for key in (f"musicians.error.{exc.code}", f"error.{exc.code}"):
        if key in sv.MESSAGES:
            return key
    return "error.unknown"


def field_error(exc: ServiceError, field: str) -> tuple[str, str]:
    """(catalog key, detail) for one field of a service error; the detail is shown after the text.

    "at most 100 characters" gives the limit; "taken by MUS001" names the musician who has the value
    (their name and id, from the error's message).
    """
    message = str(exc.fields.get(field, ""))
    lowered = message.lower()
    key = next((key for pattern, key in FIELD_MESSAGES if pattern in lowered), "musicians.field.invalid")
    detail = ""
    if key == "musicians.field.too_long":
        detail = "".join(char for char in message if char.isdigit())
    elif key == "musicians.field.taken":
        holder = HOLDER_RE.search(exc.message or "")
        detail = holder.group(1) if holder else message.removeprefix("taken by ").removeprefix("taken").strip()
    return key, detail


def field_errors(exc: ServiceError) -> tuple[dict[str, str], dict[str, str]]:
    """Every field of a service error as (field -> catalog key, field -> detail)."""
    keys, details = {}, {}
    for field in exc.fields:
        keys[field], details[field] = field_error(exc, field)
    return keys, details


def _local(value: datetime | None, with_time: bool = True) -> str:
    return clock.format_local(value, get_settings().timezone, with_time) if value is not None else ""


def _period(start: datetime, end: datetime) -> tuple[str, str]:
    """A blockout's dates for people: whole days as dates, anything else with the time of day."""
    tz = get_settings().timezone
    local_start, local_end = clock.to_local(start, tz), clock.to_local(end, tz)
    whole_days = (local_start.hour, local_start.minute) == (0, 0) and (local_end.hour, local_end.minute) == (23, 59)
    return _local(start, not whole_days), _local(end, not whole_days)


def format_number(value: float | None, lang: str, decimals: int = 1) -> str:
    """``5.25`` -> ``5,3`` in Swedish, ``5.3`` in English; None -> an en dash."""
    if value is None:
        return "–"
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if lang != "en" else text


async def _orchestra(orchestra_pk: str) -> tenancy.OrchestraRef:
    return await asyncio.to_thread(tenancy.get_orchestra_by_id, orchestra_pk)


async def _close_form(state: rx.State) -> None:
    """A page (re)opened: the create/edit dialog left open on another page (browser back) starts closed."""
    form = await state.get_state(MusicianFormState)
    if form.dialog_open and not form.saving:
        form.dialog_open = False


# ----- rows -------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class PositionChoice:
    positionId: str = ""
    name: str = ""


@dataclasses.dataclass
class InstrumentChoice:
    instrumentId: str = ""
    name: str = ""
    isArchived: bool = False
    positions: list[PositionChoice] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class MusicianRow:
    musicianId: str = ""
    name: str = ""
    href: str = ""
    email: str = ""
    phone: str = ""
    status: str = ""
    localResidence: bool = False
    qualifications: str = ""


@dataclasses.dataclass
class RosterCounts:
    total: int = 0
    active: int = 0
    inactive: int = 0
    archived: int = 0
    local: int = 0


def to_choices(instruments: list[dict]) -> list[InstrumentChoice]:
    """``staff_views.instruments_for_orchestra`` rows as select and checkbox choices."""
    return [
        InstrumentChoice(
            instrumentId=item["instrumentId"], name=item["name"], isArchived=bool(item["isArchived"]),
            positions=[PositionChoice(positionId=p["positionId"], name=p["name"]) for p in item["positions"]],
        )
        for item in instruments
    ]


def position_labels(choices: list[InstrumentChoice]) -> dict[str, str]:
    return {p.positionId: musicians.position_label(i.name, p.name) for i in choices for p in i.positions}


def to_rows(items: list[dict], labels: dict[str, str]) -> list[MusicianRow]:
    return [
        MusicianRow(
            musicianId=item["musicianId"],
            name=f"{item['firstName']} {item['lastName']}",
            href=routes.musician(item["musicianId"]),
            email=item["email"],
            phone=item["phone"] or "",
            status=item["status"],
            localResidence=bool(item["localResidence"]),
            qualifications=", ".join(labels.get(p, p) for p in item["qualifications"]),
        )
        for item in items
    ]


# ----- the roster ------------------------------------------------------------------------------------------


class MusiciansState(SessionState):
    """``/musicians``: search, filters, counts and one page of the roster."""

    query: str = ""
    instrument_filter: str = ALL
    position_filter: str = ALL
    status_filter: str = "current"
    local_filter: str = ALL
    sort: str = "name"
    page_index: int = 0
    rows: list[MusicianRow] = []
    total: int = 0  # musicians matching the search and filters
    counts: RosterCounts = RosterCounts()
    instruments: list[InstrumentChoice] = []
    loaded: bool = False
    error_key: str = ""
    _labels: dict[str, str] = {}

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def first_shown(self) -> int:
        return self.page_index * PAGE_SIZE + 1 if self.total else 0

    @rx.var
    def last_shown(self) -> int:
        return min(self.total, (self.page_index + 1) * PAGE_SIZE)

    @rx.var
    def has_previous(self) -> bool:
        return self.page_index > 0

    @rx.var
    def has_next(self) -> bool:
        return (self.page_index + 1) * PAGE_SIZE < self.total

    @rx.var
    def filtered(self) -> bool:
        """Is anything narrowing the list beyond the default (all musicians who are not archived)?"""
        return bool(self.query) or (self.instrument_filter, self.position_filter, self.status_filter,
                                    self.local_filter) != (ALL, ALL, "current", ALL)

    @rx.var
    def position_groups(self) -> list[InstrumentChoice]:
        """The position filter's choices: the chosen instrument's positions, or every instrument's."""
        if self.instrument_filter == ALL:
            return [i for i in self.instruments if i.positions]
        return [i for i in self.instruments if i.instrumentId == self.instrument_filter]

    def _filters(self) -> dict:
        local = {"local": True, "not_local": False}.get(self.local_filter)
        return {
            "q": self.query or None,
            "instrument_id": None if self.instrument_filter == ALL else self.instrument_filter,
            "position_id": None if self.position_filter == ALL else self.position_filter,
            "status": None if self.status_filter == ALL else self.status_filter,
            "local_residence": local,
            "sort": self.sort,
        }

    async def _refresh(self, *, everything: bool = False):
        """Read the current page (and with ``everything`` the counts and the instrument choices)."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        filters, offset = self._filters(), self.page_index * PAGE_SIZE

        def read(ref: tenancy.OrchestraRef) -> tuple:
            extra = None
            if everything:
                extra = (musicians.musician_counts(ref),
                         staff_views.instruments_for_orchestra(user.orchestra_pk, include_archived=True))
            return musicians.list_musicians(ref, limit=PAGE_SIZE, offset=offset, **filters), extra

        try:
            ref = await _orchestra(user.orchestra_pk)
            (items, total), extra = await asyncio.to_thread(read, ref)
        except ServiceError as exc:
            log.warning("musicians of %s could not be loaded: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return None
        if extra is not None:
            counts, instruments = extra
            self.counts = RosterCounts(**counts)
            self.instruments = to_choices(instruments)
            self._labels = position_labels(self.instruments)
        if items or not total or offset == 0:
            self.rows, self.total = to_rows(items, self._labels), total
        else:  # the page ran past the end (musicians archived meanwhile): show the last one
            self.page_index = max(0, -(-total // PAGE_SIZE) - 1)
            return await self._refresh()
        self.error_key = ""
        self.loaded = True
        return None

    @rx.event
    async def load_musicians(self):
        """on_load: counts, choices and the first page (keeping the filters chosen before)."""
        await _close_form(self)
        return await self._refresh(everything=True)

    @rx.event
    async def set_query(self, value: str):
        """The search box (throttled and debounced in the page): every word must match a name, e-mail, phone or id."""
        query = " ".join(str(value).split())[:QUERY_MAX]
        if query == self.query and self.loaded:
            return None
        self.query, self.page_index = query, 0
        return await self._refresh()

    @rx.event
    async def set_instrument_filter(self, value: str):
        if value != ALL and value not in {i.instrumentId for i in self.instruments}:
            return None
        self.instrument_filter, self.page_index = value, 0
        chosen = [i for i in self.instruments if i.instrumentId == value]
        if chosen and self.position_filter not in {p.positionId for p in chosen[0].positions}:
            self.position_filter = ALL
        return await self._refresh()

    @rx.event
    async def set_position_filter(self, value: str):
        if value != ALL and value not in self._labels:
            return None
        self.position_filter, self.page_index = value, 0
        return await self._refresh()

    @rx.event
    async def set_status_filter(self, value: str):
        if value not in STATUS_FILTERS:
            return None
        self.status_filter, self.page_index = value, 0
        return await self._refresh()

    @rx.event
    async def set_local_filter(self, value: str):
        if value not in LOCAL_FILTERS:
            return None
        self.local_filter, self.page_index = value, 0
        return await self._refresh()

    @rx.event
    async def set_sort(self, value: str):
        if value not in SORTS:
            return None
        self.sort, self.page_index = value, 0
        return await self._refresh()

    @rx.event
    async def clear_filters(self):
        self.query, self.page_index = "", 0
        self.instrument_filter = self.position_filter = self.local_filter = ALL
        self.status_filter = "current"
        return await self._refresh()

    @rx.event
    async def next_page(self):
        if not self.has_next:
            return None
        self.page_index += 1
        return await self._refresh()

    @rx.event
    async def previous_page(self):
        if self.page_index == 0:
            return None
        self.page_index -= 1
        return await self._refresh()


# ----- the create / edit dialog -------------------------------------------------------------------------------


@dataclasses.dataclass
class MusicianFormValues:
    """What the form starts with (the inputs are uncontrolled: typed text stays while errors are shown)."""

    firstName: str = ""
    lastName: str = ""
    email: str = ""
    phone: str = ""
    preferredLanguage: str = "sv"
    localResidence: bool = False
    isActive: bool = True
    isArchived: bool = False
    notes: str = ""
    qualifications: list[str] = dataclasses.field(default_factory=list)


def form_values(data: dict) -> MusicianFormValues:
    return MusicianFormValues(
        firstName=data["firstName"], lastName=data["lastName"], email=data["email"], phone=data["phone"] or "",
        preferredLanguage=data["preferredLanguage"], localResidence=bool(data["localResidence"]),
        isActive=bool(data["isActive"]), isArchived=bool(data["isArchived"]), notes=data["notes"] or "",
        qualifications=list(data["qualifications"]),
    )


def changes_from_form(form_data: dict, *, editing: bool) -> dict:
    """The service's field dict from the submitted form (checkboxes are present only when ticked)."""
    def text(name: str) -> str:
        value = form_data.get(name)
        return value if isinstance(value, str) else ""

    changes: dict = {
        "firstName": text("firstName"),
        "lastName": text("lastName"),
        "email": text("email"),
        "phone": text("phone").strip() or None,
        "preferredLanguage": text("preferredLanguage") or "sv",
        "localResidence": bool(form_data.get("localResidence")),
        "notes": text("notes").strip() or None,
        "qualifications": sorted(name[len(QUALIFICATION_PREFIX):] for name, value in form_data.items()
                                 if name.startswith(QUALIFICATION_PREFIX) and value),
    }
    if editing:
        changes["isActive"] = bool(form_data.get("isActive"))
    return changes


class MusicianFormState(DialogFormMixin, SessionState):
    """The dialog that creates a musician (from the roster) or edits one (from the profile)."""

    values: MusicianFormValues = MusicianFormValues()
    groups: list[InstrumentChoice] = []

    async def _open(self, musician_id: str):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect

        def read(ref: tenancy.OrchestraRef) -> tuple[dict | None, list[dict]]:
            data = musicians.get_musician(ref, musician_id) if musician_id else None
            return data, staff_views.instruments_for_orchestra(user.orchestra_pk, include_archived=True)

        try:
            data, instruments = await asyncio.to_thread(read, await _orchestra(user.orchestra_pk))
        except ServiceError as exc:
            log.info("musician form for %r could not open: %s", musician_id, exc.code)
            self._clear_errors()
            self.error_key, self.groups, self.values = error_key(exc), [], MusicianFormValues()
            self.editing_id, self.saving, self.dialog_open = musician_id, False, True
            self.form_key += 1
            return None
        values = form_values(data) if data else MusicianFormValues()
        held = set(values.qualifications)
        # Archived instruments appear only where the musician still holds one of their positions, so saving
        # the form never drops a qualification that the form did not show.
        self.groups = [g for g in to_choices(instruments)
                       if g.positions and (not g.isArchived or held & {p.positionId for p in g.positions})]
        self.values, self.editing_id = values, musician_id
        self._clear_errors()
        self.saving = False
        self.form_key += 1
        self.dialog_open = True
        return None

    @rx.event
    async def open_create(self):
        return await self._open("")

    @rx.event
    async def open_edit(self, musician_id: str):
        if not MUSICIAN_ID_RE.match(str(musician_id)):
            return None
        return await self._open(str(musician_id))

    @rx.event
    async def submit(self, form_data: dict):
        """Create or save; the service's field errors appear at their fields and nothing is written."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            yield redirect
            return
        if self.saving or not self.dialog_open:
            return
        editing = self.editing_id
        changes = changes_from_form(form_data, editing=bool(editing))
        self.saving = True
        self._clear_errors()
        yield  # show the button's spinner while the service works
        try:
            ref = await _orchestra(user.orchestra_pk)
            if editing:
                saved = await asyncio.to_thread(musicians.update_musician, ref, editing, changes)
            else:
                saved = await asyncio.to_thread(musicians.create_musician, ref, changes)
        except ServiceError as exc:
            log.info("musician %r not saved: %s", editing or "(new)", exc.code)
            self.field_errors, self.field_details = field_errors(exc)
            self.error_key = error_key(exc) if exc.code in GENERAL_ERRORS or not exc.fields \
                else "musicians.error.check_fields"
            self.saving = False
            return
        self.saving = False
        self.dialog_open = False
        if editing:
            profile = await self.get_state(MusicianProfileState)
            if profile.current_id == editing:
                await profile.show_saved(user.orchestra_pk, "musicians.saved")
        else:
            yield [rx.redirect(routes.musician(saved["musicianId"])),
                   rx.toast.success(translate("musicians.created", self.lang))]


# ----- the profile --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class MusicianFacts:
    musicianId: str = ""
    firstName: str = ""
    lastName: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    preferredLanguage: str = "sv"
    localResidence: bool = False
    notes: str = ""
    status: str = ""
    isActive: bool = False
    isArchived: bool = False
    createdAt: str = ""
    archivedAt: str = ""


@dataclasses.dataclass
class QualificationGroup:
    instrument: str = ""
    positions: str = ""
    archived: bool = False


@dataclasses.dataclass
class BlockoutRow:
    blockoutId: str = ""
    start: str = ""
    end: str = ""
    reason: str = ""


@dataclasses.dataclass
class Statistics:
    asked: int = 0
    pending: int = 0
    accepted: int = 0
    declined: int = 0
    timedOut: int = 0
    cancelled: int = 0
    hasRate: bool = False
    acceptanceRate: int = 0
    hasAverage: bool = False
    averageResponseHours: float = 0.0


@dataclasses.dataclass
class CountRow:
    label: str = ""
    count: int = 0


@dataclasses.dataclass
class HistoryRow:
    requestId: str = ""
    projectId: str = ""
    projectName: str = ""
    href: str = ""
    weekNumber: int = 0
    startDate: str = ""
    position: str = ""
    status: str = ""
    sentAt: str = ""
    respondedAt: str = ""


@dataclasses.dataclass
class RankingRow:
    position: str = ""
    listType: str = ""
    rank: int = 0


def to_profile(data: dict) -> dict:
    """The service's profile as the state's vars."""
    m = data["musician"]
    groups: dict[str, QualificationGroup] = {}
    for q in data["qualifications"]:
        group = groups.setdefault(q["instrumentId"], QualificationGroup(instrument=q["instrument"],
                                                                        archived=q["instrumentArchived"]))
        group.positions = f"{group.positions}, {q['position']}" if group.positions else q["position"]
    stats = data["statistics"]
    blockouts = []
    for b in data["blockouts"]:
        start, end = _period(b["startDate"], b["endDate"])
        blockouts.append(BlockoutRow(blockoutId=b["blockoutId"], start=start, end=end, reason=b["reason"] or ""))
    return {
        "musician": MusicianFacts(
            musicianId=m["musicianId"], firstName=m["firstName"], lastName=m["lastName"],
            name=f"{m['firstName']} {m['lastName']}", email=m["email"], phone=m["phone"] or "",
            preferredLanguage=m["preferredLanguage"], localResidence=m["localResidence"], notes=m["notes"] or "",
            status=m["status"], isActive=m["isActive"], isArchived=m["isArchived"],
            createdAt=_local(m["createdAt"], with_time=False), archivedAt=_local(m["archivedAt"]),
        ),
        "qualifications": list(groups.values()),
        "blockouts": blockouts,
        "stats": Statistics(
            asked=stats["asked"], pending=stats["pending"], accepted=stats["accepted"], declined=stats["declined"],
            timedOut=stats["timedOut"], cancelled=stats["cancelled"],
            hasRate=stats["acceptanceRate"] is not None, acceptanceRate=stats["acceptanceRate"] or 0,
            hasAverage=stats["averageResponseHours"] is not None,
            averageResponseHours=stats["averageResponseHours"] or 0.0,
        ),
        "per_year": [CountRow(label=str(y["year"]), count=y["count"]) for y in stats["perYear"]],
        "top_positions": [CountRow(label=p["label"], count=p["count"]) for p in stats["topPositions"]],
        "history": [
            HistoryRow(requestId=h["requestId"], projectId=h["projectId"], projectName=h["projectName"],
                       href=routes.project(h["projectId"]), weekNumber=h["weekNumber"],
                       startDate=_local(h["startDate"], with_time=False), position=h["position"],
                       status=h["status"], sentAt=_local(h["sentAt"]), respondedAt=_local(h["respondedAt"]))
            for h in data["history"]
        ],
        "rankings": [RankingRow(position=r["position"], listType=r["listType"], rank=r["rank"])
                     for r in data["rankings"]],
    }


class MusicianProfileState(SessionState):
    """``/musicians/<id>``: details, qualifications, blockouts, statistics, project history, lists."""

    current_id: str = ""
    musician: MusicianFacts = MusicianFacts()
    qualifications: list[QualificationGroup] = []
    blockouts: list[BlockoutRow] = []
    stats: Statistics = Statistics()
    per_year: list[CountRow] = []
    top_positions: list[CountRow] = []
    history: list[HistoryRow] = []
    rankings: list[RankingRow] = []
    loaded: bool = False
    not_found: bool = False
    error_key: str = ""
    action_error_key: str = ""
    ok_key: str = ""
    busy: bool = False
    blockout_errors: dict[str, str] = {}
    blockout_details: dict[str, str] = {}
    blockout_form_key: int = 0

    @rx.var
    def acceptance_rate_text(self) -> str:
        if not self.stats.hasRate:
            return "–"
        return f"{self.stats.acceptanceRate}%" if self.lang_is_en else f"{self.stats.acceptanceRate} %"

    @rx.var
    def average_response_text(self) -> str:
        if not self.stats.hasAverage:
            return "–"
        return f"{format_number(self.stats.averageResponseHours, 'en' if self.lang_is_en else 'sv')} h"

    def _apply(self, data: dict) -> None:
        for name, value in to_profile(data).items():
            setattr(self, name, value)
        self.not_found = False
        self.loaded = True

    async def _reload(self, orchestra_pk: str) -> None:
        ref = await _orchestra(orchestra_pk)
        self._apply(await asyncio.to_thread(musicians.musician_profile, ref, self.current_id))

    @rx.event
    async def load_profile(self):
        """on_load (and after an edit): read the musician named in the URL."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        await _close_form(self)
        musician_id = routes.musician_id_from_path(self.router.url.path)
        if musician_id != self.current_id:
            self.current_id = musician_id
            self.loaded, self.musician = False, MusicianFacts()
            self.blockout_errors, self.blockout_details, self.action_error_key = {}, {}, ""
            self.ok_key = ""
        if not MUSICIAN_ID_RE.match(musician_id):
            self.not_found, self.loaded = True, True
            return None
        try:
            await self._reload(user.orchestra_pk)
            self.error_key = ""
        except ServiceError as exc:
            if exc.code == "musician_not_found":
                self.not_found, self.loaded = True, True
                return None
            log.warning("musician %s could not be loaded: %s", musician_id, exc.code)
            self.error_key, self.loaded = "error.load_failed", True
        return None

    async def show_saved(self, orchestra_pk: str, ok_key: str) -> None:
        """After the dialog saved this musician: the fresh profile and a confirmation."""
        try:
            await self._reload(orchestra_pk)
        except ServiceError as exc:
            log.warning("musician %s could not be re-read: %s", self.current_id, exc.code)
        self.ok_key, self.action_error_key = ok_key, ""

    async def _act(self, work, ok_key: str):
        """Run one change of this musician (archive, restore, (in)activate, delete a blockout), then show the
        fresh profile. An async generator: the first update shows the busy state."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            yield redirect
            return
        if self.busy or not self.current_id or self.not_found:
            return
        self.busy, self.action_error_key, self.ok_key = True, "", ""
        yield
        try:
            ref = await _orchestra(user.orchestra_pk)
            await asyncio.to_thread(work, ref, self.current_id)
            self.ok_key = ok_key
        except ServiceError as exc:
            log.info("musician %s: %s", self.current_id, exc.code)
            self.action_error_key = error_key(exc)
        try:
            await self._reload(user.orchestra_pk)
        except ServiceError as exc:
            log.warning("musician %s could not be re-read: %s", self.current_id, exc.code)
        self.busy = False

    @rx.event
    async def archive(self):
        async for update in self._act(musicians.archive_musician, "musicians.archived_done"):
            yield update

    @rx.event
    async def restore(self):
        async for update in self._act(musicians.restore_musician, "musicians.restored_done"):
            yield update

    @rx.event
    async def set_active(self, active: bool):
        def work(ref: tenancy.OrchestraRef, musician_id: str) -> dict:
            return musicians.update_musician(ref, musician_id, {"isActive": bool(active)})

        async for update in self._act(work, "musicians.activated" if active else "musicians.deactivated"):
            yield update

    @rx.event
    async def add_blockout(self, form_data: dict):
        """The blockout form: start and end dates (whole days), an optional reason."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        if self.busy or not self.current_id or self.not_found:
            return None
        start, end = str(form_data.get("startDate") or ""), str(form_data.get("endDate") or "")
        reason = str(form_data.get("reason") or "").strip() or None
        self.busy, self.blockout_errors, self.blockout_details = True, {}, {}
        self.action_error_key = self.ok_key = ""
        try:
            ref = await _orchestra(user.orchestra_pk)
            await asyncio.to_thread(musicians.add_blockout, ref, self.current_id, start or None, end or start or None,
                                    reason)
        except ServiceError as exc:
            log.info("blockout for %s refused: %s", self.current_id, exc.code)
            self.blockout_errors, self.blockout_details = field_errors(exc)
            if not exc.fields:
                self.action_error_key = error_key(exc)
            self.busy = False
            return None
        try:
            await self._reload(user.orchestra_pk)
        except ServiceError as exc:
            log.warning("musician %s could not be re-read: %s", self.current_id, exc.code)
        self.busy = False
        self.blockout_form_key += 1  # an empty form for the next one
        self.ok_key = "musicians.blockout_added"
        return None

    @rx.event
    async def delete_blockout(self, blockout_id: str):
        def work(ref: tenancy.OrchestraRef, musician_id: str) -> None:
            musicians.delete_blockout(ref, musician_id, str(blockout_id))

        async for update in self._act(work, "musicians.blockout_deleted"):
            yield update
