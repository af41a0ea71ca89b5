"""CustomListsState: a project's custom ranking lists page (``/projects/<projectId>/lists``).

The page lists the project's custom lists and builds one: choose instrument → position; the project's list for
that position opens for editing, or a new one is started. The list is put together in the browser's state (add
from the qualified pool, copy the order of another list, move with the arrow buttons or by drag and drop,
remove) and written only by "Spara" (``services.custom_lists.save_custom_list``: create, or replace the order
of the opened list, refused when someone else saved it after it was opened; "Spara även som mall" with a name
saves it as a template too, which the same position in other projects can copy). Deleting asks for confirmation and
is refused while a need uses the list.

Like every page state it inherits ``SessionState``: each handler that reads or writes re-checks the session
(``_ref``) and runs the services in a worker thread. Handlers that only rearrange the unsaved list touch no
database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

import reflex as rx

from services import custom_lists, tenancy
from services.errors import Conflict, ServiceError
from services.projects import TEMPLATE_NAME_MAX
from stagesub_ui import routes
from stagesub_ui.i18n import sv, translate
from state.rankings import ListPageMixin, matches, to_instruments
from state.session import SessionState

log = logging.getLogger(__name__)

REFOCUS_DELAY_MS = 80
TEMPLATE_NAME_INPUT_MAX = 200  # what the field keeps; the service refuses more than 100 characters, with a message
# Conflicts after which the page reloads the position (the list on screen is no longer what is stored).
RELOADING_CONFLICTS = ("list_changed", "custom_list_exists", "concurrent_change")


def error_key_for(exc: ServiceError) -> str:
    """``custom_lists.error.<code>`` when the page has a text for the code, else the shared ``error.<code>``,
    else the generic error."""
    for key in (f"custom_lists.error.{exc.code}", f"error.{exc.code}"):
        if key in sv.MESSAGES:
            return key
    return "error.unknown"


def moved(order: list[str], musician_id: str, new_index: int) -> list[str]:
    """``order`` with ``musician_id`` moved to ``new_index`` (0 = first); unchanged for an unknown id or an
    index outside the list."""
    if musician_id not in order or not 0 <= new_index < len(order):
        return list(order)
    rest = [m for m in order if m != musician_id]
    rest.insert(new_index, musician_id)
    return rest


def _focus_script(element_id: str, only_if_lost: bool = True) -> rx.event.EventSpec:
    """Focus ``element_id`` after the page has re-rendered; with ``only_if_lost`` only when the focus fell to the
    page itself (a button that became disabled or went away), never away from where the user moved on to."""
    guard = "const a = document.activeElement; if (a && a !== document.body) return;" if only_if_lost else ""
    return rx.call_script(
        f"setTimeout(() => {{ {guard} document.getElementById({element_id!r})?.focus(); }}, {REFOCUS_DELAY_MS})")


@dataclasses.dataclass
class CustomListRow:
    """A row of the table of the project's custom lists."""

    customListId: str = ""
    name: str = ""
    positionId: str = ""
    positionName: str = ""
    instrumentName: str = ""
    count: int = 0
    usedBy: str = ""
    templateName: str = ""


@dataclasses.dataclass
class Person:
    """A musician of the pool (or of the list being built)."""

    musicianId: str = ""
    name: str = ""
    email: str = ""
    localResidence: bool = False
    isActive: bool = True


@dataclasses.dataclass
class BuilderRow(Person):
    rank: int = 0
    isFirst: bool = False
    isLast: bool = False


@dataclasses.dataclass
class SourceList:
    """A list whose order can be copied (its musician ids are kept server-side, in ``_source_orders``)."""

    key: str = ""
    kind: str = ""  # "standard" (A, B, C), "custom" (of this project) or "template" (of another project)
    name: str = ""
    project: str = ""  # a template's project
    count: int = 0
    skipped: int = 0


def to_people(items: list[dict]) -> list[Person]:
    return [Person(musicianId=m["musicianId"], name=m["name"], email=m["email"],
                   localResidence=m["localResidence"], isActive=m["isActive"]) for m in items]


class CustomListsState(ListPageMixin, SessionState):
    # The project (from the URL; the data is always read from the user's orchestra).
    current_project_id: str = ""
    project_name: str = ""
    project_week: int = 0
    loaded: bool = False
    not_found: bool = False

    # The table of the project's lists (the instrument → position chooser is ``ListPageMixin``'s).
    lists: list[CustomListRow] = []

    # The builder: the position shown, its stored list ("" while there is none) and the list being built.
    position_loaded: bool = False
    position_name: str = ""
    instrument_name: str = ""
    custom_list_id: str = ""
    list_name: str = ""
    used_by: str = ""
    rows: list[BuilderRow] = []
    dirty: bool = False  # the list on screen differs from the stored one
    as_template: bool = False  # "Spara även som mall"
    template_name: str = ""
    template_error: str = ""  # a catalog key, shown at the template name field
    _version: str = ""
    _known: dict[str, dict] = {}  # musician id -> Person fields, for everyone the builder has shown

    # The pool (left column) and the lists to copy from (middle column).
    pool: list[Person] = []
    pool_query: str = ""
    sources: list[SourceList] = []
    _source_orders: dict[str, list[str]] = {}

    # Feedback: errors and notices as catalog keys (``notice_values`` fills their {placeholders}; a "warning"
    # notice is read out at once, an "info" one politely); "saved" after a save; a sentence for screen readers
    # after each change.
    error_key: str = ""
    notice_key: str = ""
    notice_values: dict[str, str] = {}
    notice_tone: str = "info"
    save_status: str = ""
    saving: bool = False
    announcement: str = ""

    # ----- derived -------------------------------------------------------------------------------------------------

    @rx.var
    def filtered_pool(self) -> list[Person]:
        """The pool without those already on the list, narrowed by the search (name or e-mail)."""
        on_list = {row.musicianId for row in self.rows}
        query = self.pool_query.strip()
        return [m for m in self.pool
                if m.musicianId not in on_list and (not query or matches(query, m.name, m.email))]

    @rx.var
    def row_count(self) -> int:
        return len(self.rows)

    @rx.var
    def notice_text(self) -> str:
        if not self.notice_key:
            return ""
        text = translate(self.notice_key, self.lang)
        try:
            return text.format(**self.notice_values)
        except (KeyError, IndexError, ValueError):
            return text

    # ----- helpers -------------------------------------------------------------------------------------------------

    async def _ref(self) -> tuple[tenancy.OrchestraRef | None, Any]:
        """The user's orchestra if they may build lists; else None and the redirect (or nothing) to return."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return None, redirect
        try:
            return await asyncio.to_thread(tenancy.get_orchestra_by_id, user.orchestra_pk), None
        except ServiceError as exc:
            log.warning("orchestra %s unavailable: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return None, None

    def _say(self, key: str, **values: Any) -> None:
        """A short sentence for screen readers (aria-live region)."""
        self.announcement = translate(key, self.lang).format(**values)

    def _notice(self, key: str, tone: str = "info", **values: Any) -> None:
        self.notice_key, self.notice_values = key, {name: str(value) for name, value in values.items()}
        self.notice_tone = tone

    def _clear_feedback(self) -> None:
        self.error_key = self.notice_key = self.save_status = ""
        self.notice_values = {}

    def _set_rows(self, musician_ids: list[str]) -> None:
        """Show ``musician_ids`` as the list being built (ranks, first/last marks for the arrow buttons)."""
        known = [self._known[m] for m in musician_ids if m in self._known]
        self.rows = [
            BuilderRow(**person, rank=index + 1, isFirst=index == 0, isLast=index == len(known) - 1)
            for index, person in enumerate(known)
        ]

    def _order(self) -> list[str]:
        return [row.musicianId for row in self.rows]

    def _name_of(self, musician_id: str) -> str:
        return self._known.get(musician_id, {}).get("name", musician_id)

    def _show_overview(self, data: dict) -> None:
        project = data["project"]
        self.project_name, self.project_week = project["name"], project["weekNumber"]
        self.lists = [CustomListRow(**row) for row in data["lists"]]
        self.instruments = to_instruments(data["instruments"])

    def _clear_builder(self) -> None:
        self.position_loaded = False
        self.position_name = self.instrument_name = self.custom_list_id = self.list_name = self.used_by = ""
        self.rows, self.pool, self.sources = [], [], []
        self._known, self._source_orders, self._version = {}, {}, ""
        self.pool_query, self.dirty = "", False
        self.as_template, self.template_name, self.template_error = False, "", ""
        self.dragging = self.drop_target = ""

    def _show_builder(self, view: dict) -> None:
        """Show a position as ``custom_lists.position_builder`` read it (any unsaved change is dropped)."""
        self._clear_builder()
        stored = view["list"]
        self.position_name, self.instrument_name = view["positionName"], view["instrumentName"]
        self.pool = to_people(view["pool"])
        known = {p.musicianId: dataclasses.asdict(p) for p in self.pool}
        if stored is not None:
            known |= {p.musicianId: dataclasses.asdict(p) for p in to_people(stored["musicians"])}
            self.custom_list_id, self.list_name = stored["customListId"], stored["name"]
            self.used_by, self._version = stored["usedBy"], stored["version"]
            self.template_name = stored["templateName"]
            self.as_template = bool(stored["templateName"])
        else:
            self.list_name = view["newName"]
        self._known = known
        self.sources = [SourceList(key=s["key"], kind=s["kind"], name=s["name"], project=s["project"],
                                   count=len(s["musicianIds"]), skipped=s["skipped"]) for s in view["sources"]]
        self._source_orders = {s["key"]: list(s["musicianIds"]) for s in view["sources"]}
        self._set_rows([m["musicianId"] for m in stored["musicians"]] if stored else [])
        self.position_loaded = True

    async def _read_position(self, ref: tenancy.OrchestraRef) -> None:
        if not self.position_id:
            self._clear_builder()
            return
        view = await asyncio.to_thread(custom_lists.position_builder, ref, self.current_project_id,
                                       self.position_id)
        self._show_builder(view)

    async def _read_all(self, ref: tenancy.OrchestraRef) -> None:
        """Read the table and the chosen position afresh (after a save, a delete or a conflict)."""
        self._show_overview(await asyncio.to_thread(custom_lists.project_lists, ref, self.current_project_id))
        await self._read_position(ref)

    def _choose(self, position_id: str, instrument_id: str = "") -> None:
        """Select ``position_id`` (if it exists), else the first position of ``instrument_id`` (none when no
        instrument is given)."""
        for instrument in self.instruments:
            if any(p.positionId == position_id for p in instrument.positions):
                self.instrument_id, self.position_id = instrument.instrumentId, position_id
                return
        instrument = next((i for i in self.instruments if i.instrumentId == instrument_id), None)
        self.instrument_id = instrument.instrumentId if instrument else ""
        self.position_id = instrument.positions[0].positionId if instrument and instrument.positions else ""

    # ----- loading and choosing ------------------------------------------------------------------------------------

    @rx.event
    async def load_custom_lists(self):
        """on_load: the project named in the URL, its lists and the instruments; the position from
        ``?position=`` (or the one chosen before on this project) is opened."""
        ref, redirect = await self._ref()
        if ref is None:
            return redirect
        project_id = routes.project_id_from_lists_path(self.router.url.path)
        if project_id != self.current_project_id:
            self.current_project_id = project_id
            self.project_name, self.project_week, self.lists = "", 0, []
            self.instrument_id = self.position_id = ""
            self._clear_builder()
        self._clear_feedback()
        self.announcement = ""
        try:
            self._show_overview(await asyncio.to_thread(custom_lists.project_lists, ref, project_id))
        except ServiceError as exc:
            self.loaded = True
            if exc.code == "project_not_found":
                self.not_found = True
                self.lists, self.instruments = [], []
                self._clear_builder()
                return None
            log.warning("custom lists of %s could not be loaded: %s", project_id, exc.code)
            self.error_key = "error.load_failed"
            return None
        self.not_found = False
        wanted = self.router.url.query_parameters.get("position", "") or self.position_id
        self._choose(wanted, self.instrument_id)
        try:
            await self._read_position(ref)
        except ServiceError as exc:
            log.warning("position %s of %s could not be read: %s", self.position_id, project_id, exc.code)
            self.error_key = "error.load_failed"
        self.loaded = True
        return None

    async def _switch(self):
        """Show the chosen position (read fresh; unsaved changes are dropped)."""
        self._clear_feedback()
        ref, redirect = await self._ref()
        if ref is None:
            return redirect
        try:
            await self._read_position(ref)
        except ServiceError as exc:
            log.warning("position %s could not be read: %s", self.position_id, exc.code)
            self._clear_builder()
            self.error_key = error_key_for(exc)
        return None

    @rx.event
    async def select_instrument(self, instrument_id: str):
        self._choose("", instrument_id)
        return await self._switch()

    @rx.event
    async def select_position(self, position_id: str):
        self._choose(position_id, self.instrument_id)
        return await self._switch()

    @rx.event
    async def edit_list(self, position_id: str):
        """"Redigera" in the table: open the list of that position in the builder."""
        self._choose(position_id)
        if self.position_id != position_id:  # a position of an archived instrument: not in the chooser
            self.instrument_id, self.position_id = "", position_id
        result = await self._switch()
        return result or _focus_script("builder-heading", only_if_lost=False)

    @rx.event
    async def reload(self):
        """"Ångra ändringar": show the stored list again."""
        return await self._switch()

    # ----- building the list (in the browser's state; nothing is written until "Spara") ----------------------------

    def _changed(self, order: list[str]) -> None:
        self._set_rows(order)
        self.dirty = True
        self.save_status = ""

    @rx.event
    def set_pool_query(self, value: str):
        self.pool_query = str(value)[:200]

    @rx.event
    def add(self, musician_id: str):
        """"Lägg till": put a pool musician last on the list; the focus moves to the next one in the pool."""
        shown = [m.musicianId for m in self.filtered_pool]
        if musician_id not in shown:
            return None
        index = shown.index(musician_id)
        self._changed([*self._order(), musician_id])
        self._say("custom_lists.added", name=self._name_of(musician_id), rank=len(self.rows))
        following = shown[index + 1] if index + 1 < len(shown) else (shown[index - 1] if index else "")
        return _focus_script(f"add-{following}" if following else "pool-search")

    @rx.event
    def remove(self, musician_id: str):
        """Take one musician off the list being built (back into the pool, if qualified and active)."""
        order = self._order()
        if musician_id not in order:
            return None
        index = order.index(musician_id)
        rest = [m for m in order if m != musician_id]
        self._changed(rest)
        self._say("custom_lists.removed", name=self._name_of(musician_id))
        if rest:
            return _focus_script(f"remove-{rest[min(index, len(rest) - 1)]}")
        return _focus_script("builder-heading")

    def _move(self, musician_id: str, new_index: int, focus_id: str = ""):
        order = self._order()
        new_order = moved(order, musician_id, new_index)
        if new_order == order:
            return None
        self._changed(new_order)
        self._say("custom_lists.moved", name=self._name_of(musician_id), rank=new_index + 1)
        # The row keeps its DOM node (keyed by musician), so the focus follows it; it is put back only when it
        # was lost because the pressed button became disabled (at the top or the bottom).
        return _focus_script(focus_id) if focus_id else None

    @rx.event
    def move_up(self, musician_id: str):
        order = self._order()
        if musician_id not in order or order.index(musician_id) == 0:
            return None
        index = order.index(musician_id)
        return self._move(musician_id, index - 1, f"up-{musician_id}" if index > 1 else f"down-{musician_id}")

    @rx.event
    def move_down(self, musician_id: str):
        order = self._order()
        if musician_id not in order or order.index(musician_id) >= len(order) - 1:
            return None
        index = order.index(musician_id)
        last = index + 1 == len(order) - 1
        return self._move(musician_id, index + 1, f"up-{musician_id}" if last else f"down-{musician_id}")

    @rx.event
    def drop_on(self, target_id: str):
        """The dragged row takes the place of the row it was dropped on."""
        dragged, self.dragging, self.drop_target = self.dragging, "", ""
        order = self._order()
        if not dragged or dragged == target_id or target_id not in order:
            return None
        return self._move(dragged, order.index(target_id))

    @rx.event
    def copy_from(self, key: str):
        """"Kopiera ordningen": the list being built becomes that list's order (of those who may be on it)."""
        if key not in self._source_orders:
            return None
        source = next((s for s in self.sources if s.key == key), None)
        self._changed(list(self._source_orders[key]))
        self.error_key = ""
        if source is not None and source.skipped:
            self._notice("custom_lists.copied_skipped", count=source.skipped)
        else:
            self.notice_key, self.notice_values = "", {}
        self._say("custom_lists.copied", count=len(self.rows))
        return None

    @rx.event
    def set_as_template(self, checked: bool):
        """"Spara även som mall": written with the list by "Spara"."""
        self.as_template = bool(checked)
        self.template_error = ""
        self.dirty, self.save_status = True, ""
        return _focus_script("template-name", only_if_lost=False) if self.as_template else None

    @rx.event
    def set_template_name(self, value: str):
        self.template_name = str(value)[:TEMPLATE_NAME_INPUT_MAX]
        self.template_error = ""
        self.dirty, self.save_status = True, ""

    @rx.event
    def clear_rows(self):
        """"Töm": start the list over (nothing is written until saved; an empty list cannot be saved)."""
        if self.rows:
            self._changed([])
            self._say("custom_lists.cleared")

    # ----- saving and deleting -------------------------------------------------------------------------------------

    @rx.event
    async def save(self):
        """Create the list, or replace the order of the opened one; the table and the builder are read again."""
        if not self.position_id or self.saving:
            return None
        order = self._order()
        if not order:
            self.save_status, self.notice_key = "", ""
            self.error_key = "custom_lists.error.empty_list"
            return None
        template_name = self.template_name.strip() if self.as_template else None
        if template_name is not None and not 0 < len(template_name) <= TEMPLATE_NAME_MAX:
            self.save_status = ""
            self.template_error = "custom_lists.error.invalid_template_name"
            return _focus_script("template-name", only_if_lost=False)
        ref, redirect = await self._ref()
        if ref is None:
            return redirect
        self.saving = True
        created = not self.custom_list_id
        try:
            await asyncio.to_thread(custom_lists.save_custom_list, ref, self.current_project_id, self.position_id,
                                    order, self.custom_list_id or None,
                                    expected_version=self._version or None, template_name=template_name)
        except Conflict as exc:
            log.info("custom list of %s in %s not saved: %s", self.position_id, self.current_project_id, exc.code)
            self.saving = False
            if exc.code not in RELOADING_CONFLICTS:
                self.save_status, self.notice_key = "", ""
                self.error_key = error_key_for(exc)
                return None
            try:
                await self._read_all(ref)
            except ServiceError as reread:
                log.warning("custom lists of %s could not be reloaded: %s", self.current_project_id, reread.code)
            self.save_status, self.error_key = "", ""
            self._notice("custom_lists.conflict", tone="warning")
            self._say("custom_lists.conflict")
            return None
        except ServiceError as exc:
            log.info("custom list of %s in %s not saved: %s", self.position_id, self.current_project_id, exc.code)
            self.saving = False
            self.save_status, self.notice_key = "", ""
            self.error_key = error_key_for(exc)
            return None
        except Exception:  # show a message instead of failing silently; the details are in the log
            log.exception("custom list of %s in %s could not be saved", self.position_id, self.current_project_id)
            self.saving = False
            self.save_status, self.notice_key = "", ""
            self.error_key = "error.unknown"
            return None
        self.saving = False
        try:
            await self._read_all(ref)
        except ServiceError as exc:
            log.warning("custom lists of %s could not be reloaded: %s", self.current_project_id, exc.code)
            self.error_key = "error.load_failed"
        self.save_status, self.notice_key = "saved", ""
        self._say("custom_lists.created" if created else "custom_lists.saved_order", name=self.list_name)
        return None

    @rx.event
    async def delete_list(self, custom_list_id: str):
        """Confirmed in the dialog: delete one of the project's lists (refused while a need uses it)."""
        ref, redirect = await self._ref()
        if ref is None:
            return redirect
        self._clear_feedback()
        try:
            deleted = await asyncio.to_thread(custom_lists.delete_custom_list, ref, str(custom_list_id),
                                              project_id=self.current_project_id)
        except ServiceError as exc:
            log.info("custom list %s not deleted: %s", custom_list_id, exc.code)
            self.error_key = error_key_for(exc)
            return None
        except Exception:
            log.exception("custom list %s could not be deleted", custom_list_id)
            self.error_key = "error.unknown"
            return None
        try:
            if deleted["customListId"] == self.custom_list_id or not self.position_id:
                await self._read_all(ref)
            else:  # the list being built stays as it is, unsaved changes included
                self._show_overview(await asyncio.to_thread(custom_lists.project_lists, ref,
                                                            self.current_project_id))
        except ServiceError as exc:
            log.warning("custom lists of %s could not be reloaded: %s", self.current_project_id, exc.code)
            self.error_key = "error.load_failed"
        self._notice("custom_lists.deleted", name=deleted["name"])
        self._say("custom_lists.deleted", name=deleted["name"])
        return _focus_script("lists-heading", only_if_lost=True)
