"""SMS of the request engine: the orchestra's switches, texts with link, deadline and reply code, E.164 numbers,
segments, quiet hours, delivery through the real twilio SDK to the fake Twilio, and no second send after a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models.central import Orchestra
from models.orchestra import CommunicationLog, Musician, Outbox, Request
from services import clock, dispatch, outbox, provisioning, secrets_box, settings, tenancy
from services.demo import seed_demo_data
from services.messaging import sms_inbound, sms_text
from tests.fakes.twilio_server import FakeTwilio

SID, TOKEN, FROM = "AC" + "1" * 32, "twilio-secret-token", "+46700000001"
STHLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def twilio():
    with FakeTwilio({SID: TOKEN}) as server:
        yield server


@pytest.fixture
def orchestra(installation, twilio, monkeypatch):
    monkeypatch.setenv("STAGESUB_TWILIO_API_URL", twilio.url)
    monkeypatch.setenv("STAGESUB_PUBLIC_URL", "https://stagesub.example.se")
    for name in ("RESEND_API_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER",
                 "STAGESUB_SIMULATE_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    settings.reset_settings()
    ref = provisioning.create_orchestra(name="Smsorkestern", subdomain="smsork", contact_name="K",
                                        contact_email="k@smsork.example.se", create_admin=False).orchestra
    with tenancy.central_session() as central:
        row = central.get(Orchestra, ref.id)
        row.twilioAccountSid, row.twilioAuthToken, row.twilioFromNumber = SID, secrets_box.encrypt(TOKEN), FROM
        row.smsOnRequest = row.smsOnConfirmation = True
        central.commit()
    with tenancy.orchestra_session(ref) as session:
        seed_demo_data(session)
        session.commit()
    tenancy.forget_cached_orchestras()
    return tenancy.get_orchestra("smsork")


def _sms_rows(ref) -> list[Outbox]:
    with tenancy.orchestra_session(ref) as session:
        return list(session.exec(select(Outbox).where(Outbox.channel == "sms").order_by(Outbox.id)).all())


def _at_local(hour: int, minute: int = 0) -> datetime:
    day = clock.now().astimezone(STHLM).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STHLM)


def test_request_sms_goes_through_twilio_with_link_deadline_and_code(orchestra, twilio):
    sent = dispatch.send_project(orchestra, "PROJ001")["sent"]
    rows = _sms_rows(orchestra)
    assert len(rows) == sent > 0

    counts = outbox.deliver_due(orchestra)

    assert counts["failed"] == 0 and len(twilio.messages) == sent
    with tenancy.orchestra_session(orchestra) as session:
        requests = {r.id: r for r in session.exec(select(Request)).all()}
        musicians = {m.id: m for m in session.exec(select(Musician)).all()}
    for account, form, _sid in twilio.messages:
        assert account == SID and form["From"] == FROM
        assert form["To"].startswith("+467") and form["To"][1:].isdigit()  # E.164 from "07x-xxx xx xx"
        assert form["StatusCallback"] == "https://stagesub.example.se/webhooks/twilio/status/smsork"
    for row in _sms_rows(orchestra):
        request = requests[row.requestId]
        musician = musicians[row.musicianId]
        assert row.status == "sent" and row.providerMessageId.startswith("SM")
        assert musician.firstName in row.body and "/respond/" in row.body
        code = sms_inbound.short_code(request.requestId)
        assert f"JA {code}" in row.body or f"YES {code}" in row.body
        assert row.segments == sms_text.sms_segments(row.body) <= 3
    with tenancy.orchestra_session(orchestra) as session:
        logs = session.exec(select(CommunicationLog).where(CommunicationLog.channel == "sms")).all()
    assert len(logs) == sent and {entry.status for entry in logs} == {"sent"}
    assert all(entry.segments and entry.providerMessageId for entry in logs)


def test_sms_only_for_the_switched_on_types(orchestra, twilio):
    dispatch.send_project(orchestra, "PROJ001")
    with tenancy.central_session() as central:
        central.get(Orchestra, orchestra.id).smsOnRequest = False
        central.commit()
    tenancy.forget_cached_orchestras()
    before = len(_sms_rows(orchestra))
    dispatch.send_project(orchestra, "PROJ002")
    assert len(_sms_rows(orchestra)) == before  # the request switch is off now: e-mail only
    assert {r.messageType for r in _sms_rows(orchestra)} == {"request"}


def test_quiet_hours_hold_the_sms_and_move_the_deadline(orchestra, twilio):
    evening, morning = _at_local(22, 30), _at_local(8, 0) + timedelta(days=1)
    day_after = (_at_local(9, 0) + timedelta(days=2)).astimezone(UTC)
    clock.set_now(evening)  # 24 h response time: the deadline would be 22:30 the next evening
    dispatch.send_project(orchestra, "PROJ001")
    rows = _sms_rows(orchestra)
    assert rows and {r.nextAttemptAt for r in rows} == {morning.astimezone(UTC)}
    with tenancy.orchestra_session(orchestra) as session:
        deadlines = {r.deadlineAt for r in session.exec(select(Request)).all()}
    assert deadlines and all(d == day_after or d.astimezone(STHLM).hour not in range(21, 24) for d in deadlines)
    assert day_after in deadlines  # the 24 h need: 22:30 tomorrow moved to 09:00 the day after

    outbox.deliver_due(orchestra)
    assert twilio.messages == []  # e-mail went, SMS waits for the morning
    clock.set_now(morning + timedelta(minutes=1))
    outbox.deliver_due(orchestra)
    assert len(twilio.messages) == len(rows)


def test_an_sms_taken_up_again_is_looked_up_not_sent_twice(orchestra, twilio):
    dispatch.send_project(orchestra, "PROJ001")
    outbox.deliver_due(orchestra)
    sent = len(twilio.messages)
    first = _sms_rows(orchestra)[0]
    with tenancy.orchestra_session(orchestra) as session:  # as if the worker died after Twilio took it
        row = session.get(Outbox, first.id)
        row.status, row.providerMessageId = "sending", None
        row.claimedAt = clock.now() - outbox.STALE_AFTER - timedelta(seconds=1)
        session.commit()

    assert outbox.deliver_due(orchestra)["delivered"] == 1

    assert len(twilio.messages) == sent  # nothing new at Twilio
    again = next(r for r in _sms_rows(orchestra) if r.id == first.id)
    assert again.status == "sent" and again.providerMessageId == first.providerMessageId


def test_a_number_that_cannot_be_normalised_gives_a_failed_sms(orchestra, twilio):
    with tenancy.orchestra_session(orchestra) as session:
        for musician in session.exec(select(Musician)).all():
            musician.phone = "12"
        session.commit()
    sent = dispatch.send_project(orchestra, "PROJ001")["sent"]
    rows = _sms_rows(orchestra)
    assert len(rows) == sent and {r.status for r in rows} == {"failed"}
    assert all(r.lastError for r in rows)
    outbox.deliver_due(orchestra)
    assert twilio.messages == []
