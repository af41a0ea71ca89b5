"""AccountState: the logged-in user's own account (password and language)."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from services import auth
from services.errors import ServiceError
from stagesub_ui import routes
from stagesub_ui.i18n import sv
from state.session import SessionState

log = logging.getLogger(__name__)

KNOWN_PASSWORD_ERRORS = ("wrong_password", "weak_password")


class AccountState(SessionState):
    email: str = ""
    # Catalog keys, translated when rendered (so a language switch re-translates them).
    password_error_key: str = ""
    password_ok_key: str = ""
    language_ok_key: str = ""

    @rx.event
    async def load_account(self):
        user, redirect = await self._require(routes.ALL_ROLES)
        if user is None:
            return redirect
        self.email = user.email or ""
        self.password_error_key = self.password_ok_key = self.language_ok_key = ""
        return None

    @rx.event
    async def change_password(self, form_data: dict):
        self.password_error_key = self.password_ok_key = ""
        user, redirect = await self._require(routes.ALL_ROLES)
        if user is None:
            return redirect
        current = str(form_data.get("current_password") or "")
        new = str(form_data.get("new_password") or "")
        repeat = str(form_data.get("repeat_password") or "")
        if not current or not new or not repeat:
            self.password_error_key = "error.password_required"
            return None
        if new != repeat:
            self.password_error_key = "error.password_mismatch"
            return None
        token = self._session_token()
        try:
            await asyncio.to_thread(auth.change_password, token, current, new)
        except ServiceError as exc:
            key = f"error.{exc.code}"
            self.password_error_key = key if key in sv.MESSAGES else "error.unknown"
            return None
        self.password_ok_key = "account.password_changed"
        # Should the change have ended this session too, the user is sent to log in again.
        if await self._current_user() is None:
            self._forget_user()
            return rx.redirect(routes.LOGIN)
        return None

    @rx.event
    async def choose_language(self, lang: str):
        self.language_ok_key = ""
        user, redirect = await self._require(routes.ALL_ROLES)
        if user is None:
            return redirect
        if await self._save_language(user, lang):
            self.language_ok_key = "account.language_saved"
        return None
