"""InstrumentsState: the instruments page (cards per instrument with positions and list sizes) and its admin
changes: create and rename instruments and positions (one dialog with field errors), move them up or down,
archive/restore instruments, delete instruments and positions that nothing uses.

The rows are a big list, so they live in this substate of their own. Every change re-checks the session and
the admin role in the handler itself (a user sees the page read-only and has no buttons, but a crafted event
must still be refused). Deleting first asks the service what uses the thing: if anything does, the dialog says
why it cannot be deleted instead of offering the delete.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from services import catalog, staff_views, tenancy
from services.errors import ServiceError
from stagesub_ui import routes
from stagesub_ui.i18n import sv
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
    rankingsHref: str = ""
    isFirst: bool = False
    isLast: bool = False


@dataclasses.dataclass
class UsageReason:
    """One thing that keeps an instrument or position from being deleted: its text key and how many."""

    key: str = ""
    count: int = 0


@dataclasses.dataclass
class InstrumentRow:
    instrumentId: str = ""
    name: str = ""
    displayOrder: str = ""
    isArchived: bool = False
    musicianCount: int = 0
    positionCount: int = 0
    positions: list[PositionRow] = dataclasses.field(default_factory=list)
    isFirst: bool = False
    isLast: bool = False


def to_rows(instruments: list[dict]) -> list[InstrumentRow]:
    """Rows as shown; ``isFirst``/``isLast`` disable the move buttons at the ends of the list shown."""
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
                    rankingsHref=f"{routes.RANKINGS}?position={position['positionId']}",
                    isFirst=number == 0,
                    isLast=number == len(item["positions"]) - 1,
                )
                for number, position in enumerate(item["positions"])
            ],
            isFirst=index == 0,
            isLast=index == len(instruments) - 1,
        )
        for index, item in enumerate(instruments)
    ]


def error_key_for(exc: ServiceError) -> str:
    """``instruments.error.<code>`` when the page has its own text, else ``error.<code>``, else the generic one."""
    for key in (f"instruments.error.{exc.code}", f"error.{exc.code}"):
        if key in sv.MESSAGES:
            return key
    return "error.unknown"


def usage_reasons(counts: dict) -> list[UsageReason]:
    """The non-zero uses (from ``catalog.*_usage`` or a refusal's ``fields``) in the catalogue's order."""
    return [UsageReason(key=f"instruments.in_use.{kind}", count=int(counts[kind]))
            for kind in catalog.USAGE_KINDS if int(counts.get(kind) or 0)]


DIALOG_KINDS = ("create_instrument", "rename_instrument", "create_position", "rename_position")
CONFIRM_ACTIONS = ("archive", "restore", "delete_instrument", "delete_position")
FORM_FIELDS = ("name", "hierarchyLevel")
DELETE_WORDS = ("RADERA", "DELETE")
"""A delete is confirmed by typing the word (ORIGINAL_BEHAVIOUR §1.3), in either UI language."""


class InstrumentsState(SessionState):
    instruments: list[InstrumentRow] = []
    show_archived: bool = False
    loaded: bool = False
    error_key: str = ""
    ok_key: str = ""
    busy: bool = False

    # The create/rename dialog.
    dialog_open: bool = False
    dialog_kind: str = ""
    dialog_target: str = ""  # instrumentId (create_position, rename_instrument) or positionId (rename_position)
    dialog_context: str = ""  # the instrument's name, shown when adding a position
    form_name: str = ""
    form_level: str = ""
    field_errors: dict[str, str] = {}

    # The confirmation dialog (archive, restore, delete) and, for a delete that is not allowed, why.
    confirm_open: bool = False
    confirm_action: str = ""
    confirm_target: str = ""
    confirm_name: str = ""
    blocked_reasons: list[UsageReason] = []
    confirm_text: str = ""

    @rx.var
    def is_admin(self) -> bool:
        return self.role in routes.ADMIN_ROLES

    @rx.var
    def confirm_ready(self) -> bool:
        """Archive and restore need only the click; a delete also needs the typed word."""
        return not self.confirm_action.startswith("delete") or self.confirm_text.strip() in DELETE_WORDS

    async def _load(self):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        self.error_key = ""
        return await self._read(user)

    async def _read(self, user):
        try:
            rows = await asyncio.to_thread(
                staff_views.instruments_for_orchestra, user.orchestra_pk, self.show_archived,
            )
        except ServiceError as exc:
            log.warning("instruments of %s could not be loaded: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return None
        self.instruments = to_rows(rows)
        self.loaded = True
        return None

    @rx.event
    async def load_instruments(self):
        return await self._load()

    @rx.event
    async def set_show_archived(self, value: bool):
        self.show_archived = bool(value)
        return await self._load()


    # ----- changes (admin only) --------------------------------------------------------------------------------

    async def _admin(self):
        """(user, None) for an admin; else (None, redirect) or (None, None) with the page's error set."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return None, redirect
        if user.role not in routes.ADMIN_ROLES:
            self.error_key = "error.forbidden"
            return None, None
        return user, None

    async def _call(self, user, operation, *args, **kwargs):
        """Run a catalogue operation for the user's orchestra in a worker thread, as this user."""
        def run():
            ref = tenancy.get_orchestra_by_id(user.orchestra_pk)
            return operation(ref, *args, actor=user.username, **kwargs)

        return await asyncio.to_thread(run)

    def _instrument_name(self, instrument_id: str) -> str | None:
        return next((row.name for row in self.instruments if row.instrumentId == instrument_id), None)

    def _position_name(self, position_id: str) -> str | None:
        return next((position.name for row in self.instruments for position in row.positions
                     if position.positionId == position_id), None)

    # The create/rename dialog.

    def _open_dialog(self, kind: str, target: str, name: str, context: str = "") -> None:
        self.dialog_kind, self.dialog_target, self.dialog_context = kind, target, context
        self.form_name, self.form_level, self.field_errors = name, "", {}
        self.error_key = self.ok_key = ""
        self.dialog_open = True

    @rx.event
    def open_create_instrument(self):
        self._open_dialog("create_instrument", "", "")

    @rx.event
    def open_rename_instrument(self, instrument_id: str):
        name = self._instrument_name(instrument_id)
        if name is not None:
            self._open_dialog("rename_instrument", instrument_id, name)

    @rx.event
    def open_create_position(self, instrument_id: str):
        name = self._instrument_name(instrument_id)
        if name is not None:
            self._open_dialog("create_position", instrument_id, "", name)

    @rx.event
    def open_rename_position(self, position_id: str):
        name = self._position_name(position_id)
        if name is not None:
            self._open_dialog("rename_position", position_id, name)

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = bool(value)

    @rx.event
    def set_form_name(self, value: str):
        self.form_name = value
        self.field_errors.pop("name", None)

    @rx.event
    def set_form_level(self, value: str):
        self.form_level = value
        self.field_errors.pop("hierarchyLevel", None)

    @rx.event
    async def save_dialog(self, form_data: dict | None = None):
        """The dialog's submit; values come from the controlled inputs. Field errors stay in the open dialog."""
        user, redirect = await self._admin()
        if user is None:
            return redirect
        if self.busy or self.dialog_kind not in DIALOG_KINDS:
            return None
        self.busy, self.field_errors, self.error_key, self.ok_key = True, {}, "", ""
        kind, target, name = self.dialog_kind, self.dialog_target, self.form_name
        try:
            if kind == "create_instrument":
                await self._call(user, catalog.create_instrument, name)
            elif kind == "rename_instrument":
                await self._call(user, catalog.rename_instrument, target, name)
            elif kind == "create_position":
                await self._call(user, catalog.create_position, target, name, self.form_level.strip() or None)
            else:
                await self._call(user, catalog.rename_position, target, name)
        except ServiceError as exc:
            log.info("%s refused: %s", kind, exc.code)
            self.field_errors = {field: f"instruments.field.{value}" for field, value in exc.fields.items()
                                 if field in FORM_FIELDS}
            if not self.field_errors:
                self.error_key = error_key_for(exc)
                self.dialog_open = False
            self.busy = False
            return None
        self.dialog_open = False
        self.ok_key = f"instruments.done.{kind}"
        await self._read(user)
        self.busy = False
        return None

    # Moving up and down.

    async def _move(self, operation, target: str, direction: str, **kwargs):
        user, redirect = await self._admin()
        if user is None:
            return redirect
        if self.busy:
            return None
        self.busy, self.error_key, self.ok_key = True, "", ""
        try:
            await self._call(user, operation, target, direction, **kwargs)
        except ServiceError as exc:
            log.info("moving %s %s refused: %s", target, direction, exc.code)
            self.error_key = error_key_for(exc)
        await self._read(user)
        self.busy = False
        return None

    @rx.event
    async def move_instrument(self, instrument_id: str, direction: str):
        return await self._move(catalog.move_instrument, instrument_id, direction,
                                include_archived=self.show_archived)

    @rx.event
    async def move_position(self, position_id: str, direction: str):
        return await self._move(catalog.move_position, position_id, direction)

    # Archive, restore, delete: confirmed first.

    @rx.event
    async def ask(self, action: str, target: str):
        """Open the confirmation; for a delete, first ask what uses the thing and show that instead if anything."""
        user, redirect = await self._admin()
        if user is None:
            return redirect
        if action not in CONFIRM_ACTIONS:
            return None
        name = self._position_name(target) if action == "delete_position" else self._instrument_name(target)
        if name is None:
            return None
        self.error_key = self.ok_key = ""
        reasons: list[UsageReason] = []
        if action.startswith("delete"):
            usage = catalog.position_usage if action == "delete_position" else catalog.instrument_usage
            try:
                def read_usage():
                    return usage(tenancy.get_orchestra_by_id(user.orchestra_pk), target)

                reasons = usage_reasons(await asyncio.to_thread(read_usage))
            except ServiceError as exc:
                self.error_key = error_key_for(exc)
                return None
        self.confirm_action, self.confirm_target, self.confirm_name = action, target, name
        self.blocked_reasons, self.confirm_text = reasons, ""
        self.confirm_open = True
        return None

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = bool(value)

    @rx.event
    def set_confirm_text(self, value: str):
        self.confirm_text = value

    @rx.event
    async def confirm(self):
        action, target = self.confirm_action, self.confirm_target
        if action not in CONFIRM_ACTIONS or self.blocked_reasons or not self.confirm_ready:
            return None
        self.confirm_open = False
        user, redirect = await self._admin()
        if user is None:
            return redirect
        if self.busy:
            return None
        self.busy, self.error_key, self.ok_key = True, "", ""
        try:
            if action in ("archive", "restore"):
                await self._call(user, catalog.set_instrument_archived, target, action == "archive")
            elif action == "delete_instrument":
                await self._call(user, catalog.delete_instrument, target)
            else:
                await self._call(user, catalog.delete_position, target)
        except ServiceError as exc:
            log.info("%s of %s refused: %s", action, target, exc.code)
            self.error_key = error_key_for(exc)
            if exc.code in ("instrument_in_use", "position_in_use"):
                # Someone started using it after the dialog opened: show why, as the dialog would have.
                self.blocked_reasons = usage_reasons(exc.fields)
                self.confirm_open = True
        else:
            self.ok_key = f"instruments.done.{action}"
            self.confirm_action = self.confirm_target = ""
        await self._read(user)
        self.busy = False
        return None
