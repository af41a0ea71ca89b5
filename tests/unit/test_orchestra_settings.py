"""services.orchestra_settings: the orchestra's e-mail/SMS provider settings and engine settings.

Secrets are stored encrypted and only their last four characters ever come back; every invalid update writes
nothing; quiet hours have defaults and can be turned off; the page says which provider applies now.
"""

from __future__ import annotations

import json
from datetime import time

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.central import Orchestra, SystemLog
from models.orchestra import Settings
from services import orchestra_settings, provisioning, secrets_box, settings, tenancy
from services.errors import ValidationError
from services.orchestra_settings import messaging_settings, quiet_hours, update_messaging_settings

RESEND_KEY = "re_Secret4567_zyx_ab12"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "f00dfeedcafe1234f00dfeedcafe9z9z"
PROVIDER_ENV = ("RESEND_API_KEY", "STAGESUB_EMAIL_FROM", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                "TWILIO_FROM_NUMBER", "STAGESUB_SIMULATE_MESSAGES")


@pytest.fixture
def ref(installation, monkeypatch):
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    settings.reset_settings()
    return provisioning.create_orchestra(name="Testorkestern", subdomain="acme", contact_name="Kansli",
                                         contact_email="kansli@acme.test", create_admin=False).orchestra


def central_row(ref) -> dict:
    with tenancy.central_session() as central:
        return central.get(Orchestra, ref.id).model_dump()


def engine_rows(ref) -> dict[str, str]:
    with tenancy.orchestra_session(ref) as session:
        return dict(session.exec(select(Settings.key, Settings.value)).all())


def system_log_text() -> str:
    with tenancy.central_session() as central:
        rows = central.exec(select(SystemLog)).all()
        return json.dumps([[row.message, row.meta] for row in rows], default=str)


def log_count() -> int:
    with tenancy.central_session() as central:
        return central.execute(sa.select(sa.func.count()).select_from(SystemLog)).scalar_one()


def test_a_new_orchestra_has_the_defaults_and_is_simulated(ref):
    view = messaging_settings(ref)
    assert view["resendApiKey"] == {"set": False, "last4": "", "unreadable": False}
    assert view["twilioAuthToken"] == {"set": False, "last4": "", "unreadable": False}
    assert view["emailProvider"] == {"applies": "simulated", "problem": ""}
    assert view["smsProvider"] == {"applies": "simulated", "problem": ""}
    assert (view["quiet_hours_start"], view["quiet_hours_end"]) == ("21:00", "08:00")
    assert view["reminder_percentage"] == 75 and view["ranking_conflict_strategy"] == "simple"
    assert view["emailFromAddress"] == "no-reply@stagesub.com" and view["twilioAccountSid"] == ""
    assert all(view[name] is False for name in orchestra_settings.SWITCH_FIELDS)


def test_secrets_are_stored_encrypted_and_only_the_last_four_come_back(ref):
    result = update_messaging_settings(ref, {"resendApiKey": RESEND_KEY, "emailFromAddress": "vikarier@acme.se",
                                             "twilioAccountSid": TWILIO_SID, "twilioAuthToken": TWILIO_TOKEN,
                                             "twilioFromNumber": "070-123 45 67"}, actor="anna")
    assert result["resendApiKey"] == {"set": True, "last4": "ab12", "unreadable": False}
    assert result["twilioAuthToken"] == {"set": True, "last4": "9z9z", "unreadable": False}
    assert result["twilioFromNumber"] == "+46701234567"
    assert result["emailProvider"]["applies"] == "orchestra" and result["smsProvider"]["applies"] == "orchestra"
    for text in (json.dumps(result), json.dumps(messaging_settings(ref)), system_log_text()):
        assert RESEND_KEY not in text and TWILIO_TOKEN not in text
    raw = central_row(ref)
    for field, secret in (("resendApiKey", RESEND_KEY), ("twilioAuthToken", TWILIO_TOKEN)):
        assert raw[field].startswith(secrets_box.PREFIX) and secret not in raw[field]
        assert secrets_box.decrypt(raw[field]) == secret
    assert "resendApiKey (replaced)" in system_log_text()


def test_an_empty_secret_keeps_the_stored_one_and_clear_removes_it(ref):
    update_messaging_settings(ref, {"resendApiKey": RESEND_KEY}, actor="anna")
    stored = central_row(ref)["resendApiKey"]
    result = update_messaging_settings(ref, {"resendApiKey": "", "emailFromName": "Acme kansli"}, actor="anna")
    assert central_row(ref)["resendApiKey"] == stored
    assert result["resendApiKey"]["last4"] == "ab12" and result["emailFromName"] == "Acme kansli"

    with pytest.raises(ValidationError) as caught:
        update_messaging_settings(ref, {"resendApiKey": "re_other_key_0000", "clear_resendApiKey": True}, actor="a")
    assert "resendApiKey" in caught.value.fields
    assert central_row(ref)["resendApiKey"] == stored

    result = update_messaging_settings(ref, {"clear_resendApiKey": True}, actor="anna")
    assert central_row(ref)["resendApiKey"] is None
    assert result["resendApiKey"] == {"set": False, "last4": "", "unreadable": False}
    assert "resendApiKey (removed)" in system_log_text()


BAD_CHANGES = [
    ({"emailFromAddress": "not-an-email"}, "emailFromAddress"),
    ({"emailFromAddress": "a@b"}, "emailFromAddress"),
    ({"emailReplyTo": "kansli at acme.se"}, "emailReplyTo"),
    ({"emailFromName": "Acme\r\nBcc: x@evil.test"}, "emailFromName"),
    ({"resendApiKey": "sk_live_1234567890"}, "resendApiKey"),
    ({"twilioAccountSid": "AC123"}, "twilioAccountSid"),
    ({"twilioAccountSid": "AB" + "0" * 32}, "twilioAccountSid"),
    ({"twilioAuthToken": "short"}, "twilioAuthToken"),
    ({"twilioFromNumber": "12345"}, "twilioFromNumber"),
    ({"smsOnRequest": "yes"}, "smsOnRequest"),
    ({"quiet_hours_start": "25:00"}, "quiet_hours_start"),
    ({"quiet_hours_end": "8"}, "quiet_hours_end"),
    ({"quiet_hours_start": "22:00", "quiet_hours_end": "22:00"}, "quiet_hours_end"),
    ({"quiet_hours_start": ""}, "quiet_hours_start"),  # only one of the two empty
    ({"reminder_percentage": 0}, "reminder_percentage"),
    ({"reminder_percentage": 100}, "reminder_percentage"),
    ({"reminder_percentage": "abc"}, "reminder_percentage"),
    ({"reminder_percentage": True}, "reminder_percentage"),
    ({"ranking_conflict_strategy": "warning"}, "ranking_conflict_strategy"),
    ({"databaseUrl": "sqlite:///elsewhere.db"}, "databaseUrl"),
    ({"clear_twilioAuthToken": "yes"}, "clear_twilioAuthToken"),
]


@pytest.mark.parametrize(("bad", "field"), BAD_CHANGES, ids=[field for _, field in BAD_CHANGES])
def test_every_validation_error_writes_nothing(ref, bad, field):
    update_messaging_settings(ref, {"resendApiKey": RESEND_KEY, "emailFromAddress": "vikarier@acme.se"}, actor="a")
    before = (central_row(ref), engine_rows(ref), log_count())
    # Valid changes beside the bad one are not written either.
    changes = {"emailFromName": "Nytt namn", "smsOnReminder": True, "clear_resendApiKey": True,
               "reminder_percentage": 60, **bad}
    with pytest.raises(ValidationError) as caught:
        update_messaging_settings(ref, changes, actor="anna")
    assert caught.value.code == "invalid_settings" and field in caught.value.fields
    assert (central_row(ref), engine_rows(ref), log_count()) == before


def test_valid_changes_reach_both_databases_and_the_cached_orchestra_is_forgotten(ref):
    tenancy.get_orchestra_cached(ref.subdomain)
    assert tenancy._ref_cache
    result = update_messaging_settings(ref, {
        "emailReplyTo": "kansli@acme.se", "smsOnRequest": True, "smsOnGroupEmail": True,
        "quiet_hours_start": "22:30", "quiet_hours_end": "07:15", "reminder_percentage": "60",
        "ranking_conflict_strategy": "smart",
    }, actor="anna")
    assert not tenancy._ref_cache
    assert result["smsOnRequest"] is True and result["smsOnGroupEmail"] is True and result["smsOnReminder"] is False
    assert result["reminder_percentage"] == 60 and result["emailReplyTo"] == "kansli@acme.se"
    raw = central_row(ref)
    assert raw["smsOnRequest"] and raw["smsOnGroupEmail"] and raw["emailReplyTo"] == "kansli@acme.se"
    stored = engine_rows(ref)
    assert stored["quiet_hours_start"] == "22:30" and stored["quiet_hours_end"] == "07:15"
    assert stored["reminder_percentage"] == "60" and stored["ranking_conflict_strategy"] == "smart"
    with tenancy.orchestra_session(ref) as session:
        assert quiet_hours(session) == (time(22, 30), time(7, 15))


def test_quiet_hours_defaults_when_missing_and_off_when_both_empty(ref):
    with tenancy.orchestra_session(ref) as session:
        assert quiet_hours(session) == (time(21, 0), time(8, 0))
        session.execute(sa.delete(Settings).where(Settings.key.in_(("quiet_hours_start", "quiet_hours_end"))))
        session.commit()
        assert quiet_hours(session) == (time(21, 0), time(8, 0))

    result = update_messaging_settings(ref, {"quiet_hours_start": "", "quiet_hours_end": ""}, actor="anna")
    assert (result["quiet_hours_start"], result["quiet_hours_end"]) == ("", "")
    with tenancy.orchestra_session(ref) as session:
        assert quiet_hours(session) is None
    # Turning them on again needs both times.
    with pytest.raises(ValidationError) as caught:
        update_messaging_settings(ref, {"quiet_hours_start": "20:00"}, actor="anna")
    assert "quiet_hours_end" in caught.value.fields
    update_messaging_settings(ref, {"quiet_hours_start": "20:00", "quiet_hours_end": "06:00"}, actor="anna")
    with tenancy.orchestra_session(ref) as session:
        assert quiet_hours(session) == (time(20, 0), time(6, 0))


def test_which_provider_applies_now(ref, monkeypatch):
    # The platform's key from the environment.
    monkeypatch.setenv("RESEND_API_KEY", "re_platform_key_9999")
    monkeypatch.setenv("STAGESUB_EMAIL_FROM", "no-reply@stagesub.se")
    settings.reset_settings()
    assert messaging_settings(ref)["emailProvider"] == {"applies": "platform", "problem": ""}
    # The orchestra's own key wins.
    update_messaging_settings(ref, {"resendApiKey": RESEND_KEY, "emailFromAddress": "vikarier@acme.se"}, actor="a")
    assert messaging_settings(ref)["emailProvider"]["applies"] == "orchestra"
    # Forced simulation.
    monkeypatch.setenv("STAGESUB_SIMULATE_MESSAGES", "1")
    settings.reset_settings()
    view = messaging_settings(ref)
    assert view["emailProvider"]["applies"] == "simulated" and view["smsProvider"]["applies"] == "simulated"
    # A key without any sender address is broken, never silently simulated.
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    settings.reset_settings()
    update_messaging_settings(ref, {"emailFromAddress": ""}, actor="a")
    email = messaging_settings(ref)["emailProvider"]
    assert email["applies"] == "broken" and "sender address" in email["problem"]
    # Half a Twilio account is broken too.
    update_messaging_settings(ref, {"twilioAccountSid": TWILIO_SID}, actor="a")
    sms = messaging_settings(ref)["smsProvider"]
    assert sms["applies"] == "broken" and "incomplete" in sms["problem"]
    update_messaging_settings(ref, {"twilioAuthToken": TWILIO_TOKEN, "twilioFromNumber": "+46701234567"}, actor="a")
    assert messaging_settings(ref)["smsProvider"] == {"applies": "orchestra", "problem": ""}


def test_a_secret_that_cannot_be_decrypted_shows_as_unreadable(ref):
    with tenancy.central_session() as central:
        row = central.get(Orchestra, ref.id)
        row.resendApiKey = secrets_box.PREFIX + "gAAAAAnot-a-fernet-token"
        central.commit()
    view = messaging_settings(ref)
    assert view["resendApiKey"] == {"set": True, "last4": "", "unreadable": True}
    assert view["emailProvider"]["applies"] == "broken" and "decrypted" in view["emailProvider"]["problem"]
