"""UsersState: the admin's page for the orchestra's user accounts.

Every handler re-checks that the visitor is an admin *and* passes their own user id to
``services.orchestra_users``, which re-checks it against the database; the ids in the page are only hints.
A generated password (new account or reset) is held in ``new_password`` until the admin dismisses it: it is
shown once and never read back from the server.

Changes that take something away (demote, deactivate, new password) go through one confirmation dialog:
``ask`` remembers what was asked for, ``confirm`` does it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from services import orchestra_users
from services.errors import ServiceError, ValidationError
from stagesub_ui import routes
from stagesub_ui.i18n import sv
from state.session import SessionState

log = logging.getLogger(__name__)

ACTIONS = ("make_admin", "make_user", "deactivate", "reactivate", "reset_password")
CONFIRMED_ACTIONS = ("make_user", "deactivate", "reset_password")
FORM_FIELDS = ("username", "email", "role")


def error_key_for(exc: ServiceError) -> str:
    key = f"users.error.{exc.code}"
    if key in sv.MESSAGES:
        return key
    key = f"error.{exc.code}"
    return key if key in sv.MESSAGES else "error.unknown"


@dataclasses.dataclass
class UserRow:
    id: str = ""
    username: str = ""
    email: str = ""
    role: str = ""
    active: bool = True
    isArchived: bool = False
    lastLogin: str = ""
    createdAt: str = ""
    isSelf: bool = False


def _empty_form() -> dict[str, str]:
    return {"username": "", "email": "", "role": "user"}


class UsersState(SessionState):
    users: list[UserRow] = []
    loaded: bool = False
    error_key: str = ""
    ok_key: str = ""
    busy: bool = False

    form: dict[str, str] = _empty_form()
    field_errors: dict[str, str] = {}

    # The password just generated (shown once) and for whom.
    new_password: str = ""
    new_password_user: str = ""

    # The confirmation dialog.
    confirm_open: bool = False
    confirm_action: str = ""
    confirm_user_id: str = ""
    confirm_username: str = ""

    async def _admin(self):
        return await self._require(routes.ADMIN_ROLES)

    async def _reload(self, user) -> None:
        try:
            rows = await asyncio.to_thread(orchestra_users.list_users, user.orchestra_pk, user.id)
        except ServiceError as exc:
            log.warning("users of %s could not be loaded: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
            return
        self.users = [UserRow(isSelf=row["id"] == user.id, **row) for row in rows]
        self.loaded = True

    @rx.event
    async def load_users(self):
        user, redirect = await self._admin()
        if user is None:
            return redirect
        self.error_key = self.ok_key = ""
        self.new_password = self.new_password_user = ""
        self.confirm_open = False
        await self._reload(user)
        return None

    # ----- create ----------------------------------------------------------------------------------------------

    @rx.event
    def set_form_field(self, field: str, value: str):
        if field in FORM_FIELDS:
            self.form[field] = str(value or "")[:254]
            self.field_errors.pop(field, None)

    @rx.event
    async def create_user(self, form_data: dict | None = None):
        """The create form's submit; the values come from ``form`` (controlled inputs), not ``form_data``."""
        user, redirect = await self._admin()
        if user is None:
            return redirect
        if self.busy:
            return None
        self.busy = True
        self.error_key = self.ok_key = ""
        self.field_errors = {}
        try:
            result = await asyncio.to_thread(
                orchestra_users.create_user, user.orchestra_pk, user.id,
                username=self.form["username"], email=self.form["email"], role=self.form["role"],
            )
        except (ValidationError, ServiceError) as exc:
            key = error_key_for(exc)
            fields = exc.fields or {}
            if fields:
                self.field_errors = {field: key for field in fields if field in FORM_FIELDS}
            if not self.field_errors:
                self.error_key = key
            self.busy = False
            return None
        self.form = _empty_form()
        self.new_password = result["password"]
        self.new_password_user = result["user"]["username"]
        self.ok_key = "users.created"
        await self._reload(user)
        self.busy = False
        return None

    @rx.event
    def dismiss_password(self):
        self.new_password = self.new_password_user = ""

    # ----- changes to one user ----------------------------------------------------------------------------------

    @rx.event
    async def ask(self, action: str, user_id: str):
        """A row's button: the harmless actions run at once, the others open the confirmation first."""
        if action not in ACTIONS:
            return None
        row = next((row for row in self.users if row.id == user_id), None)
        if row is None:
            return None
        if action in CONFIRMED_ACTIONS:
            self.confirm_action, self.confirm_user_id, self.confirm_username = action, user_id, row.username
            self.confirm_open = True
            return None
        return await self._run(action, user_id)

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = bool(value)

    @rx.event
    async def confirm(self):
        self.confirm_open = False
        if not self.confirm_action:
            return None
        action, user_id = self.confirm_action, self.confirm_user_id
        self.confirm_action = self.confirm_user_id = ""
        return await self._run(action, user_id)

    async def _run(self, action: str, user_id: str):
        user, redirect = await self._admin()
        if user is None:
            return redirect
        if self.busy:
            return None
        self.busy = True
        self.error_key = self.ok_key = ""
        password = ""
        try:
            if action in ("make_admin", "make_user"):
                row = await asyncio.to_thread(orchestra_users.set_role, user.orchestra_pk, user.id, user_id,
                                              "admin" if action == "make_admin" else "user")
            elif action in ("deactivate", "reactivate"):
                row = await asyncio.to_thread(orchestra_users.set_active, user.orchestra_pk, user.id, user_id,
                                              action == "reactivate")
            else:
                password = await asyncio.to_thread(orchestra_users.reset_password, user.orchestra_pk, user.id,
                                                   user_id)
                row = next((dataclasses.asdict(r) for r in self.users if r.id == user_id), {"username": ""})
        except ServiceError as exc:
            log.info("%s on %s refused: %s", action, user_id, exc.code)
            self.error_key = error_key_for(exc)
        else:
            self.ok_key = f"users.done.{action}"
            if password:
                self.new_password, self.new_password_user = password, row["username"]
        await self._reload(user)
        self.busy = False
        return None
