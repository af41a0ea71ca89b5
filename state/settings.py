"""SettingsState: the admin's settings page (the orchestra's e-mail and SMS providers, quiet hours, reminders).

Secrets never reach this state: the service gives "set" plus the last four characters; the two fields for a new
Resend key / Twilio token start empty and are sent only when filled in (empty = keep the stored value).
Validation happens in ``services.orchestra_settings``; its field errors become catalog keys shown inline.
"""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from services import orchestra_settings, tenancy
from services.errors import ServiceError, ValidationError
from stagesub_ui import routes
from stagesub_ui.i18n import sv
from state.session import SessionState

log = logging.getLogger(__name__)

TEXT_FIELDS = ("emailFromAddress", "emailFromName", "emailReplyTo", "twilioAccountSid", "twilioFromNumber",
               "quiet_hours_start", "quiet_hours_end", "reminder_percentage", "ranking_conflict_strategy")
SECRET_INPUTS = ("resendApiKey", "twilioAuthToken")
FORM_FIELDS = TEXT_FIELDS + SECRET_INPUTS
SWITCHES = orchestra_settings.SWITCH_FIELDS


def field_error_key(field: str) -> str:
    key = f"settings.invalid.{field}"
    return key if key in sv.MESSAGES else "settings.invalid.generic"


def _empty_form() -> dict[str, str]:
    return dict.fromkeys(FORM_FIELDS, "")


class SettingsState(SessionState):
    form: dict[str, str] = _empty_form()
    switches: dict[str, bool] = dict.fromkeys(SWITCHES, False)
    resend_set: bool = False
    resend_last4: str = ""
    resend_unreadable: bool = False
    token_set: bool = False
    token_last4: str = ""
    token_unreadable: bool = False
    email_applies: str = ""
    email_problem: str = ""
    sms_applies: str = ""
    sms_problem: str = ""
    field_errors: dict[str, str] = {}
    loaded: bool = False
    error_key: str = ""
    ok_key: str = ""

    def _apply(self, data: dict) -> None:
        form = {field: str(data.get(field) if data.get(field) is not None else "") for field in TEXT_FIELDS}
        form.update(dict.fromkeys(SECRET_INPUTS, ""))
        self.form = form
        self.switches = {name: bool(data.get(name)) for name in SWITCHES}
        resend, token = data["resendApiKey"], data["twilioAuthToken"]
        self.resend_set, self.resend_last4 = resend["set"], resend["last4"]
        self.resend_unreadable = resend["unreadable"]
        self.token_set, self.token_last4, self.token_unreadable = token["set"], token["last4"], token["unreadable"]
        self.email_applies, self.email_problem = data["emailProvider"]["applies"], data["emailProvider"]["problem"]
        self.sms_applies, self.sms_problem = data["smsProvider"]["applies"], data["smsProvider"]["problem"]
        self.loaded = True

    async def _ref(self):
        """The admin and their orchestra, or (None, redirect)."""
        user, redirect = await self._require(routes.ADMIN_ROLES)
        if user is None:
            return None, redirect
        ref = await asyncio.to_thread(tenancy.get_orchestra_by_id, user.orchestra_pk, require_active=False)
        return (user, ref), None

    @rx.event
    async def load_settings(self):
        found, redirect = await self._ref()
        if found is None:
            return redirect
        _, ref = found
        self.field_errors, self.ok_key = {}, ""
        try:
            self._apply(await asyncio.to_thread(orchestra_settings.messaging_settings, ref))
            self.error_key = ""
        except ServiceError as exc:
            log.warning("settings of %s could not be loaded: %s", ref.subdomain, exc.code)
            self.error_key = "error.load_failed"
        return None

    @rx.event
    def set_field(self, field: str, value: str):
        if field in FORM_FIELDS:
            self.form[field] = str(value)
            self.ok_key = ""

    @rx.event
    def set_switch(self, name: str, value: bool):
        if name in SWITCHES:
            self.switches[name] = bool(value)
            self.ok_key = ""

    async def _update(self, changes: dict, ok_key: str):
        found, redirect = await self._ref()
        if found is None:
            return redirect
        user, ref = found
        self.ok_key, self.error_key, self.field_errors = "", "", {}
        try:
            data = await asyncio.to_thread(orchestra_settings.update_messaging_settings, ref, changes, user.username)
        except ValidationError as exc:
            self.field_errors = {field: field_error_key(field) for field in exc.fields}
            self.error_key = "settings.save_failed"
            return None
        except ServiceError as exc:
            log.warning("settings of %s could not be saved: %s", ref.subdomain, exc.code)
            self.error_key = "error.unknown"
            return None
        self._apply(data)
        self.ok_key = ok_key
        return None

    @rx.event
    async def save(self):
        """Send every field of the form (an empty secret input keeps the stored secret)."""
        if not self.loaded:
            return None
        changes: dict = {field: self.form.get(field, "") for field in FORM_FIELDS}
        changes.update(self.switches)
        return await self._update(changes, "settings.saved")

    @rx.event
    async def remove_secret(self, field: str):
        """The "remove" button beside the Resend key or the Twilio token."""
        if field not in SECRET_INPUTS:
            return None
        return await self._update({f"clear_{field}": True}, "settings.removed")
