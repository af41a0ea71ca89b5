"""RankingsState: the ranking lists page (choose instrument and position, then edit its A, B or C list).

Every change is one small service call saved at once (``services.rankings``: move, add, remove, clear), sent
with the list version the page shows. When somebody else changed the list in between, the service refuses with
``Conflict``; the page then reloads the list and says so, and the user redoes the change on the fresh list.
Each handler re-checks the session (``_require``) before it calls a service, in a worker thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx

from services import rankings, staff_views, tenancy
from services.errors import Conflict, ServiceError
from stagesub_ui import routes
from stagesub_ui.i18n import sv, translate
from state.session import SessionState

log = logging.getLogger(__name__)

REFOCUS_DELAY_MS = 80


def error_key_for(exc: ServiceError) -> str:
    """``rankings.error.<code>`` when the page has a text for the code, else the generic error."""
    key = f"rankings.error.{exc.code}"
    return key if key in sv.MESSAGES else "error.unknown"


def matches(query: str, *texts: str) -> bool:
    """Every word of ``query`` occurs in one of ``texts`` (case-insensitive)."""
    haystack = " ".join(texts).casefold()
    return all(word in haystack for word in query.casefold().split())


@dataclasses.dataclass
class PositionOption:
    positionId: str = ""
    name: str = ""


@dataclasses.dataclass
class InstrumentOption:
    instrumentId: str = ""
    name: str = ""
    positions: list[PositionOption] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ListTab:
    listType: str = ""
    rankingListId: str = ""
    count: int = 0


@dataclasses.dataclass
class RankRow:
    rank: int = 0
    musicianId: str = ""
    name: str = ""
    email: str = ""
    localResidence: bool = False
    isActive: bool = True
    isFirst: bool = False
    isLast: bool = False


@dataclasses.dataclass
class PoolRow:
    musicianId: str = ""
    name: str = ""
    email: str = ""
    localResidence: bool = False
    isActive: bool = True


def to_instruments(items: list[dict]) -> list[InstrumentOption]:
    return [
        InstrumentOption(
            instrumentId=item["instrumentId"], name=item["name"],
            positions=[PositionOption(positionId=p["positionId"], name=p["name"]) for p in item["positions"]],
        )
        for item in items
        if item["positions"]
    ]


def to_rows(view: dict) -> list[RankRow]:
    people = view["musicians"]
    return [
        RankRow(rank=m["rank"], musicianId=m["musicianId"], name=m["name"], email=m["email"],
                localResidence=m["localResidence"], isActive=m["isActive"], isFirst=index == 0,
                isLast=index == len(people) - 1)
        for index, m in enumerate(people)
    ]


def to_pool(pool: list[dict]) -> list[PoolRow]:
    return [PoolRow(musicianId=m["musicianId"], name=m["name"], email=m["email"],
                    localResidence=m["localResidence"], isActive=m["isActive"]) for m in pool]


class ListPageMixin(rx.State, mixin=True):
    """What the ranking lists page and a project's custom lists page share: the instrument → position chooser and
    the drag-and-drop marks that ``stagesub_ui.pages.rankings.draggable_row`` shows (who is dragged, over whom).
    Each page drops a row with its own ``drop_on``."""

    instruments: list[InstrumentOption] = []
    instrument_id: str = ""
    position_id: str = ""
    dragging: str = ""
    drop_target: str = ""

    @rx.var
    def positions(self) -> list[PositionOption]:
        chosen = next((i for i in self.instruments if i.instrumentId == self.instrument_id), None)
        return chosen.positions if chosen else []

    @rx.event
    def drag_start(self, musician_id: str):
        self.dragging = musician_id
        self.drop_target = ""

    @rx.event
    def drag_enter(self, musician_id: str):
        if self.dragging and self.drop_target != musician_id:
            self.drop_target = musician_id

    @rx.event
    def drag_end(self):
        self.dragging = self.drop_target = ""


class RankingsState(ListPageMixin, SessionState):
    list_type: str = "A"
    tabs: list[ListTab] = []

    # The list shown ("" while the position has no list of this type).
    ranking_list_id: str = ""
    list_names: dict[str, str] = {}
    description: str = ""
    rows: list[RankRow] = []
    _version: str = ""

    # Adding from the qualified pool.
    pool: list[PoolRow] = []
    pool_query: str = ""
    selected: list[str] = []

    # Feedback: "saved" after a change; errors and the conflict notice as catalog keys; text for screen readers.
    save_status: str = ""
    error_key: str = ""
    notice_key: str = ""
    announcement: str = ""
    loaded: bool = False

    # The typed confirmation of "clear the list".
    confirm_text: str = ""

    # ----- derived ---------------------------------------------------------------------------------------------

    @rx.var
    def filtered_pool(self) -> list[PoolRow]:
        query = self.pool_query.strip()
        if not query:
            return self.pool
        return [m for m in self.pool if matches(query, m.name, m.email, m.musicianId)]

    @rx.var
    def selected_count(self) -> int:
        return len(self.selected)

    @rx.var
    def clear_confirmed(self) -> bool:
        return bool(self.list_names) and self.confirm_text.strip() in self.list_names.values()

    # ----- helpers ---------------------------------------------------------------------------------------------

    async def _ref(self) -> tuple[tenancy.OrchestraRef | None, Any]:
        """The user's orchestra if they may edit lists; else None and the redirect (or nothing) to return."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return None, redirect
        try:
            return await asyncio.to_thread(tenancy.get_orchestra_by_id, user.orchestra_pk), None
        except ServiceError as exc:
            log.warning("orchestra %s unavailable: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return None, None

    def _show_list(self, view: dict | None) -> None:
        if view is None:
            self.ranking_list_id, self._version, self.description = "", "", ""
            self.list_names, self.rows = {}, []
            return
        self.ranking_list_id = view["rankingListId"]
        self._version = view["version"]
        self.list_names = dict(view["names"])
        self.description = view["description"] or ""
        self.rows = to_rows(view)
        self.tabs = [
            ListTab(listType=tab.listType, rankingListId=view["rankingListId"], count=len(view["musicians"]))
            if tab.listType == view["listType"] else ListTab(tab.listType, tab.rankingListId, tab.count)
            for tab in self.tabs
        ]

    def _show_pool(self, pool: list[dict]) -> None:
        self.pool = to_pool(pool)
        still_there = {m.musicianId for m in self.pool}
        self.selected = [m for m in self.selected if m in still_there]

    async def _read_position(self, ref: tenancy.OrchestraRef) -> None:
        """Show the chosen position's tabs, list and pool (read fresh)."""
        self.dragging = self.drop_target = ""
        if not self.position_id:
            self.tabs, self.pool, self.selected = [], [], []
            self._show_list(None)
            return
        data = await asyncio.to_thread(rankings.position_page, ref, self.position_id, self.list_type)
        self.tabs = [ListTab(**tab) for tab in data["tabs"]]
        self._show_list(data["list"])
        self._show_pool(data["pool"])

    async def _reload_quietly(self, ref: tenancy.OrchestraRef) -> None:
        try:
            await self._read_position(ref)
        except ServiceError as exc:
            log.warning("ranking list of %s could not be reloaded: %s", self.position_id, exc.code)
            self.error_key = "error.load_failed"

    def _say(self, key: str, **values: Any) -> None:
        """A short sentence for screen readers (aria-live region)."""
        self.announcement = translate(key, self.lang).format(**values)

    async def _change(self, operation: Callable[..., dict], *args: Any, reload_pool: bool = False,
                      **kwargs: Any) -> dict | None:
        """Run one saving service call; show the result, a conflict (reloaded list) or an error. The new view
        on success, else None."""
        ref, redirect = await self._ref()
        if ref is None:
            return redirect
        try:
            view = await asyncio.to_thread(operation, ref, *args, **kwargs)
        except Conflict as exc:
            log.info("ranking list %s changed meanwhile: %s", self.ranking_list_id, exc.code)
            await self._reload_quietly(ref)
            self.save_status, self.error_key = "", ""
            self.notice_key = "rankings.conflict"
            self._say("rankings.conflict")
            return None
        except ServiceError as exc:
            log.info("ranking list %s not changed: %s", self.ranking_list_id, exc.code)
            self.save_status, self.notice_key = "", ""
            self.error_key = error_key_for(exc)
            return None
        except Exception:  # show a message instead of failing silently; the details are in the log
            log.exception("ranking list %s could not be changed", self.ranking_list_id)
            self.save_status, self.notice_key = "", ""
            self.error_key = "error.unknown"
            return None
        self._show_list(view)
        if reload_pool:
            try:
                self._show_pool(await asyncio.to_thread(rankings.qualified_pool, ref, self.ranking_list_id))
            except ServiceError as exc:
                log.warning("pool of %s could not be read: %s", self.ranking_list_id, exc.code)
        self.save_status, self.error_key, self.notice_key = "saved", "", ""
        return view

    def _name_of(self, musician_id: str) -> str:
        row = next((r for r in self.rows if r.musicianId == musician_id), None)
        return row.name if row else musician_id

    def _index_of(self, musician_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.musicianId == musician_id), -1)

    # ----- loading and choosing ----------------------------------------------------------------------------------

    @rx.event
    async def load_rankings(self):
        """on_load: the instruments, then the position from ``?position=`` or the one chosen before, or the first."""
        ref, redirect = await self._ref()
        if ref is None:
            self.loaded = True
            return redirect
        self.notice_key = self.save_status = self.announcement = ""
        try:
            self.instruments = to_instruments(
                await asyncio.to_thread(staff_views.instruments_for_orchestra, ref.id))
            wanted = self.router.url.query_parameters.get("position", "") or self.position_id
            self._choose(wanted)
            await self._read_position(ref)
        except ServiceError as exc:
            log.warning("ranking lists of %s could not be loaded: %s", ref.subdomain, exc.code)
            self.error_key = "error.load_failed"
            self.loaded = True
            return None
        self.error_key = ""
        self.loaded = True
        return None

    def _choose(self, position_id: str, instrument_id: str = "") -> None:
        """Select ``position_id`` (if it exists), else the first position of ``instrument_id`` or of the first
        instrument."""
        for instrument in self.instruments:
            if any(p.positionId == position_id for p in instrument.positions):
                self.instrument_id, self.position_id = instrument.instrumentId, position_id
                return
        instrument = next((i for i in self.instruments if i.instrumentId == instrument_id), None)
        instrument = instrument or (self.instruments[0] if self.instruments else None)
        self.instrument_id = instrument.instrumentId if instrument else ""
        self.position_id = instrument.positions[0].positionId if instrument else ""

    async def _switch(self):
        self.pool_query, self.selected, self.confirm_text = "", [], ""
        self.save_status = self.error_key = self.notice_key = ""
        ref, redirect = await self._ref()
        if ref is None:
            return redirect
        try:
            await self._read_position(ref)
        except ServiceError as exc:
            log.warning("position %s could not be read: %s", self.position_id, exc.code)
            self.error_key = "error.load_failed"
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
    async def select_list_type(self, list_type: str):
        if list_type not in rankings.LIST_TYPES:
            return None
        self.list_type = list_type
        return await self._switch()

    @rx.event
    async def reload(self):
        """The "load again" button."""
        return await self._switch()

    @rx.event
    async def create_list(self):
        """Create the missing list of the chosen type for the chosen position."""
        if self.ranking_list_id or not self.position_id:
            return None
        view = await self._change(rankings.create_list, self.position_id, self.list_type, reload_pool=True)
        return view if not isinstance(view, dict) else None

    # ----- reordering --------------------------------------------------------------------------------------------

    async def _move(self, musician_id: str, new_index: int, focus_id: str = ""):
        if not self.ranking_list_id or self._index_of(musician_id) < 0:
            return None
        result = await self._change(rankings.move_musician, self.ranking_list_id, musician_id, new_index,
                                    self._version)
        if isinstance(result, dict):
            self._say("rankings.moved", name=self._name_of(musician_id), rank=self._index_of(musician_id) + 1)
            if focus_id:
                # The row keeps its DOM node (keyed by musician), so focus normally follows. Only when it was lost
                # (the button became disabled) is it put back, never taken from where the user has moved on to.
                return rx.call_script(
                    f"setTimeout(() => {{ const a = document.activeElement;"
                    f" if (!a || a === document.body) document.getElementById({focus_id!r})?.focus(); }},"
                    f" {REFOCUS_DELAY_MS})")
            return None
        return result

    @rx.event
    async def move_up(self, musician_id: str):
        index = self._index_of(musician_id)
        if index <= 0:
            return None
        return await self._move(musician_id, index - 1, f"up-{musician_id}" if index > 1 else f"down-{musician_id}")

    @rx.event
    async def move_down(self, musician_id: str):
        index = self._index_of(musician_id)
        if index < 0 or index >= len(self.rows) - 1:
            return None
        last = index + 1 == len(self.rows) - 1
        return await self._move(musician_id, index + 1, f"up-{musician_id}" if last else f"down-{musician_id}")

    @rx.event
    async def drop_on(self, target_id: str):
        """The dragged row takes the place of the row it was dropped on."""
        dragged, self.dragging, self.drop_target = self.dragging, "", ""
        target = self._index_of(target_id)
        if not dragged or dragged == target_id or target < 0:
            return None
        return await self._move(dragged, target)

    # ----- the pool ------------------------------------------------------------------------------------------------

    @rx.event
    def set_pool_query(self, value: str):
        self.pool_query = value

    @rx.event
    def toggle_selected(self, musician_id: str, checked: bool):
        if checked and musician_id not in self.selected and any(m.musicianId == musician_id for m in self.pool):
            self.selected = [*self.selected, musician_id]
        elif not checked:
            self.selected = [m for m in self.selected if m != musician_id]

    @rx.event
    def select_all_shown(self):
        shown = [m.musicianId for m in self.filtered_pool]
        self.selected = list(dict.fromkeys([*self.selected, *shown]))

    @rx.event
    def clear_selection(self):
        self.selected = []

    @rx.event
    async def add_selected(self):
        """Add the chosen musicians (in pool order) at the end of the list."""
        if not self.ranking_list_id or not self.selected:
            return None
        chosen = [m.musicianId for m in self.pool if m.musicianId in self.selected]
        result = await self._change(rankings.add_to_list, self.ranking_list_id, chosen,
                                    expected_version=self._version, reload_pool=True)
        if isinstance(result, dict):
            self.selected = []
            self._say("rankings.added", count=len(chosen))
            return None
        return result

    # ----- remove and clear ------------------------------------------------------------------------------------

    @rx.event
    async def remove(self, musician_id: str):
        """Confirmed in the dialog: take one musician off the list."""
        if not self.ranking_list_id or self._index_of(musician_id) < 0:
            return None
        name = self._name_of(musician_id)
        result = await self._change(rankings.remove_from_list, self.ranking_list_id, musician_id, self._version,
                                    reload_pool=True)
        if isinstance(result, dict):
            self._say("rankings.removed", name=name)
            return None
        return result

    @rx.event
    def set_confirm_text(self, value: str):
        self.confirm_text = value

    @rx.event
    def reset_confirm_text(self, _open: bool = False):
        self.confirm_text = ""

    @rx.event
    async def clear_list(self):
        """Confirmed by typing the list's name: empty the list."""
        if not self.ranking_list_id:
            return None
        typed, self.confirm_text = self.confirm_text, ""
        result = await self._change(rankings.clear_list, self.ranking_list_id, typed, self._version,
                                    reload_pool=True)
        if isinstance(result, dict):
            self._say("rankings.cleared")
            return None
        return result
