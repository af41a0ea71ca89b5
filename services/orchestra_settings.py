"""An orchestra's messaging settings: its e-mail and SMS providers (central ``Orchestra`` row) and the engine
settings of its own database (``Settings`` table: quiet hours, reminder percentage, conflict strategy).

Secrets (the Resend key, the Twilio auth token) are stored encrypted (``services.secrets_box``) and never leave
this module in clear: callers see ``{"set": True, "last4": "ab12"}``. An update is validated as a whole before
anything is written (``ValidationError`` with one message per field); an empty string given for a secret keeps
the stored one, ``clear_<field>: True`` removes it.

``quiet_hours(session)`` is what the outbox and the request engine read to hold SMS back at night.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import time
from typing import Any

from sqlmodel import Session, select

from models.central import Orchestra
from models.orchestra import Settings
from services import logs, secrets_box, tenancy
from services.errors import NotFound, ValidationError
from services.messaging import providers
from services.messaging.phone import normalise_phone
from services.seed_data import DEFAULT_SETTINGS
from services.settings import get_provider_env

log = logging.getLogger(__name__)

SECRET_FIELDS = ("resendApiKey", "twilioAuthToken")
"""Stored encrypted; shown only as set/unset plus the last four characters."""
TEXT_FIELDS = ("emailFromAddress", "emailFromName", "emailReplyTo", "twilioAccountSid", "twilioFromNumber")
SWITCH_FIELDS = tuple(providers.SMS_SWITCHES.values())
"""smsOnRequest, smsOnReminder, smsOnConfirmation, smsOnPositionFilled, smsOnGroupEmail."""
CLEAR_FLAGS = {f"clear_{name}": name for name in SECRET_FIELDS}

QUIET_START, QUIET_END = "quiet_hours_start", "quiet_hours_end"
REMINDER_PERCENTAGE = "reminder_percentage"
CONFLICT_STRATEGY = "ranking_conflict_strategy"
ENGINE_KEYS = (QUIET_START, QUIET_END, REMINDER_PERCENTAGE, CONFLICT_STRATEGY)
CONFLICT_STRATEGIES = ("simple", "detailed", "smart")
_DEFAULTS = {key: value for key, value, _ in DEFAULT_SETTINGS}
_DESCRIPTIONS = {key: description for key, _, description in DEFAULT_SETTINGS}
DEFAULT_QUIET_START = _DEFAULTS.get(QUIET_START, "21:00")
DEFAULT_QUIET_END = _DEFAULTS.get(QUIET_END, "08:00")
DEFAULT_REMINDER_PERCENTAGE = int(_DEFAULTS.get(REMINDER_PERCENTAGE, "75"))

UPDATABLE = frozenset((*TEXT_FIELDS, *SECRET_FIELDS, *SWITCH_FIELDS, *CLEAR_FLAGS, *ENGINE_KEYS))

EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*"
                      r"[A-Za-z0-9])?)+$")
TWILIO_SID_RE = re.compile(r"^AC[0-9a-fA-F]{32}$")
HHMM_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
EMAIL_MAX = 254
NAME_MAX = 100
SECRET_MAX = 200


# ----- reading ---------------------------------------------------------------------------------------------------


def _orchestra_row(central: Session, ref: tenancy.OrchestraRef) -> Orchestra:
    row = central.get(Orchestra, ref.id)
    if row is None:
        raise NotFound("orchestra_not_found", "The orchestra does not exist.")
    return row


def _secret_view(stored: str | None) -> dict[str, Any]:
    """``{"set", "last4"}`` of a stored secret (``unreadable``: set, but the secret key has changed)."""
    if not stored:
        return {"set": False, "last4": "", "unreadable": False}
    try:
        plain = secrets_box.decrypt(stored) or ""
    except ValueError:
        return {"set": True, "last4": "", "unreadable": True}
    return {"set": bool(plain), "last4": plain[-4:], "unreadable": False}


def _applies(resolve, row: Orchestra) -> dict[str, str]:
    """Which provider would deliver now: orchestra, platform, simulated, or broken (with the problem)."""
    try:
        provider = resolve(row, get_provider_env())
    except providers.ProviderConfigError as exc:
        return {"applies": "broken", "problem": str(exc)}
    if provider is None:
        return {"applies": "simulated", "problem": ""}
    return {"applies": provider.source, "problem": ""}


def _engine_values(session: Session) -> dict[str, str]:
    stored = dict(session.exec(select(Settings.key, Settings.value).where(Settings.key.in_(ENGINE_KEYS))).all())
    return {key: stored[key] if key in stored and stored[key] is not None else _DEFAULTS.get(key, "")
            for key in ENGINE_KEYS}


def messaging_settings(ref: tenancy.OrchestraRef) -> dict[str, Any]:
    """Everything the settings page shows (no secret values).

    Keys: the text fields (``""`` when unset), the switches (bool), ``resendApiKey`` / ``twilioAuthToken`` as
    ``{"set", "last4", "unreadable"}``, ``emailProvider`` / ``smsProvider`` as ``{"applies", "problem"}``
    (applies: orchestra, platform, simulated or broken), and the engine settings ``quiet_hours_start``,
    ``quiet_hours_end`` (``"HH:MM"``, both ``""`` = off), ``reminder_percentage`` (int),
    ``ranking_conflict_strategy``.
    """
    with tenancy.central_session() as central:
        row = _orchestra_row(central, ref)
        result: dict[str, Any] = {name: getattr(row, name) or "" for name in TEXT_FIELDS}
        result.update({name: bool(getattr(row, name)) for name in SWITCH_FIELDS})
        result.update({name: _secret_view(getattr(row, name)) for name in SECRET_FIELDS})
        result["emailProvider"] = _applies(providers.resolve_email_provider, row)
        result["smsProvider"] = _applies(providers.resolve_sms_provider, row)
    with tenancy.orchestra_session(ref) as session:
        engine = _engine_values(session)
    try:
        percentage = int(engine[REMINDER_PERCENTAGE])
    except ValueError:
        percentage = DEFAULT_REMINDER_PERCENTAGE
    result.update({
        QUIET_START: engine[QUIET_START] or "",
        QUIET_END: engine[QUIET_END] or "",
        REMINDER_PERCENTAGE: percentage,
        CONFLICT_STRATEGY: engine[CONFLICT_STRATEGY] or "simple",
    })
    return result


def _parse_hhmm(value: str | None) -> time | None:
    match = HHMM_RE.match((value or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def quiet_hours(session: Session) -> tuple[time, time] | None:
    """(start, end) of the orchestra's quiet hours in its local time, or None when they are off.

    Missing rows mean the defaults (21:00–08:00); both values empty means off. A single empty or unreadable
    value (only possible through a direct database edit) falls back to its default; a zero-length window is off.
    """
    stored = dict(session.exec(
        select(Settings.key, Settings.value).where(Settings.key.in_((QUIET_START, QUIET_END)))
    ).all())
    start_raw = stored.get(QUIET_START, DEFAULT_QUIET_START)
    end_raw = stored.get(QUIET_END, DEFAULT_QUIET_END)
    if not (start_raw or "").strip() and not (end_raw or "").strip():
        return None
    start = _parse_hhmm(start_raw)
    end = _parse_hhmm(end_raw)
    if start is None or end is None:
        log.warning("unreadable quiet hours %r-%r: the defaults are used", start_raw, end_raw)
        start = start or _parse_hhmm(DEFAULT_QUIET_START)
        end = end or _parse_hhmm(DEFAULT_QUIET_END)
    return None if start == end else (start, end)


# ----- validating --------------------------------------------------------------------------------------------------


def _text(value: Any, field: str, problems: dict[str, str]) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems[field] = "must be text"
        return None
    return value.strip()


def _email(value: Any, field: str, problems: dict[str, str]) -> str | None:
    text = _text(value, field, problems)
    if text and (len(text) > EMAIL_MAX or not EMAIL_RE.match(text)):
        problems[field] = "not a valid e-mail address"
        return None
    return text


def _clean_central(changes: Mapping[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    """Validated central-row values (``None`` = remove); secrets still in clear here."""
    clean: dict[str, Any] = {}
    for field in ("emailFromAddress", "emailReplyTo"):
        if field in changes:
            value = _email(changes[field], field, problems)
            if value is not None:
                clean[field] = value or None
    if "emailFromName" in changes:
        name = _text(changes["emailFromName"], "emailFromName", problems)
        if name is not None:
            if len(name) > NAME_MAX or _CONTROL.search(name):
                problems["emailFromName"] = f"at most {NAME_MAX} characters on one line"
            else:
                clean["emailFromName"] = name or None
    if "twilioAccountSid" in changes:
        sid = _text(changes["twilioAccountSid"], "twilioAccountSid", problems)
        if sid and not TWILIO_SID_RE.match(sid):
            problems["twilioAccountSid"] = "AC followed by 32 hexadecimal characters"
        elif sid is not None:
            clean["twilioAccountSid"] = sid or None
    if "twilioFromNumber" in changes:
        number = _text(changes["twilioFromNumber"], "twilioFromNumber", problems)
        if number:
            try:
                clean["twilioFromNumber"] = normalise_phone(number)
            except ValidationError as exc:
                problems["twilioFromNumber"] = exc.fields.get("phone") or exc.message
        elif number is not None:
            clean["twilioFromNumber"] = None
    for field in SECRET_FIELDS:
        clear = changes.get(f"clear_{field}", False)
        if not isinstance(clear, bool):
            problems[f"clear_{field}"] = "true or false"
            continue
        secret = _text(changes.get(field), field, problems)
        if secret is None:
            continue
        if secret and clear:
            problems[field] = "either replace or remove the stored value, not both"
        elif secret:
            if len(secret) > SECRET_MAX or re.search(r"\s", secret):
                problems[field] = f"at most {SECRET_MAX} characters without spaces"
            elif field == "resendApiKey" and not secret.startswith("re_"):
                problems[field] = "a Resend API key starts with re_"
            elif field == "twilioAuthToken" and len(secret) < 16:
                problems[field] = "a Twilio auth token has 32 characters"
            else:
                clean[field] = secret
        elif clear:
            clean[field] = None
    for field in SWITCH_FIELDS:
        if field in changes:
            if isinstance(changes[field], bool):
                clean[field] = changes[field]
            else:
                problems[field] = "true or false"
    return clean


def _clean_engine(changes: Mapping[str, Any], current: Mapping[str, str], problems: dict[str, str]) -> dict[str, str]:
    """Validated ``Settings`` values as stored (strings); quiet hours checked as a pair with the current ones."""
    clean: dict[str, str] = {}
    for key in (QUIET_START, QUIET_END):
        if key in changes:
            value = _text(changes[key], key, problems)
            if value is None:
                continue
            if value and _parse_hhmm(value) is None:
                problems[key] = "a time as HH:MM (00:00-23:59)"
            else:
                clean[key] = value
    if not ({QUIET_START, QUIET_END} & set(problems)) and ({QUIET_START, QUIET_END} & set(clean)):
        start = clean.get(QUIET_START, current[QUIET_START] or "")
        end = clean.get(QUIET_END, current[QUIET_END] or "")
        if bool(start) != bool(end):
            problems[QUIET_END if start else QUIET_START] = (
                "give both times, or leave both empty to turn quiet hours off")
        elif start and start == end:
            problems[QUIET_END] = "the end must differ from the start"
    if REMINDER_PERCENTAGE in changes:
        raw = changes[REMINDER_PERCENTAGE]
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw.strip())
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 99:
            problems[REMINDER_PERCENTAGE] = "a whole number from 1 to 99"
        else:
            clean[REMINDER_PERCENTAGE] = str(raw)
    if CONFLICT_STRATEGY in changes:
        if changes[CONFLICT_STRATEGY] in CONFLICT_STRATEGIES:
            clean[CONFLICT_STRATEGY] = changes[CONFLICT_STRATEGY]
        else:
            problems[CONFLICT_STRATEGY] = "one of " + ", ".join(CONFLICT_STRATEGIES)
    return clean


# ----- writing -------------------------------------------------------------------------------------------------------


def update_messaging_settings(ref: tenancy.OrchestraRef, changes: Mapping[str, Any], actor: str) -> dict[str, Any]:
    """Apply ``changes`` (a subset of ``UPDATABLE``) and return ``messaging_settings`` afterwards.

    Everything is validated first; on any problem a ``ValidationError("invalid_settings")`` lists them per field
    and nothing is written. The log entry names the changed fields, never a secret's value.
    """
    if not isinstance(changes, Mapping):
        raise ValidationError("invalid_settings", "The settings must be an object.", {"settings": "an object"})
    problems: dict[str, str] = {key: "unknown setting" for key in changes if key not in UPDATABLE}
    central_changes = _clean_central(changes, problems)
    with tenancy.orchestra_session(ref) as session:
        current_engine = _engine_values(session)
    engine_changes = _clean_engine(changes, current_engine, problems)
    if problems:
        raise ValidationError("invalid_settings", "Some settings are not valid; nothing was saved.", problems)

    changed: list[str] = []
    with tenancy.central_session() as central:
        row = _orchestra_row(central, ref)
        for field, value in central_changes.items():
            if field in SECRET_FIELDS:
                if value is None and getattr(row, field):
                    setattr(row, field, None)
                    changed.append(f"{field} (removed)")
                elif value is not None:
                    setattr(row, field, secrets_box.encrypt(value))
                    changed.append(f"{field} (replaced)")
            elif getattr(row, field) != value:
                setattr(row, field, value)
                changed.append(field)
        central.commit()

    engine_changed = {key: value for key, value in engine_changes.items() if current_engine[key] != value}
    if engine_changed:
        def work(session: Session) -> None:
            rows = {s.key: s for s in session.exec(select(Settings).where(Settings.key.in_(engine_changed))).all()}
            for key, value in engine_changed.items():
                if key in rows:
                    rows[key].value = value
                else:
                    session.add(Settings(key=key, value=value, description=_DESCRIPTIONS.get(key)))

        tenancy.write_transaction(ref, work)
        changed.extend(engine_changed)

    if changed:
        tenancy.forget_cached_orchestras()
        shown = {key: value for key, value in {**central_changes, **engine_changed}.items()
                 if key not in SECRET_FIELDS and key in changed}
        logs.log_event(
            "info", "settings", f"Messaging settings of {ref.subdomain} changed by {actor}: {', '.join(changed)}",
            orchestra_id=ref.id, subdomain=ref.subdomain, meta={"actor": actor, "changed": changed, "values": shown},
        )
    return messaging_settings(ref)
