"""Outbox delivery through the real Resend SDK (against the fake Resend server on 127.0.0.1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.central import Orchestra
from models.orchestra import CommunicationLog, Outbox
from services import clock, dispatch, outbox, provisioning, secrets_box, settings, tenancy
from services.demo import seed_demo_data
from tests.fakes.resend_server import FakeResend

KEY = "re_orchestra_key_1234"


@pytest.fixture
def resend_server():
    with FakeResend() as server:
        yield server


@pytest.fixture
def orchestra(installation, resend_server, monkeypatch):
    monkeypatch.setenv("STAGESUB_RESEND_API_URL", resend_server.url)
    monkeypatch.delenv("RESEND_API_KEY", raising=False)
    monkeypatch.delenv("STAGESUB_SIMULATE_MESSAGES", raising=False)
    settings.reset_settings()
    ref = provisioning.create_orchestra(name="Posten", subdomain="posten", contact_name="K",
                                        contact_email="k@posten.example.se", create_admin=False).orchestra
    with tenancy.orchestra_session(ref) as session:
        seed_demo_data(session)
        session.commit()
    return ref


def _set_key(ref, key: str | None, sender: str | None = "vikarier@posten.example.se") -> None:
    with tenancy.central_session() as central:
        row = central.get(Orchestra, ref.id)
        row.resendApiKey, row.emailFromAddress = secrets_box.encrypt(key), sender
        central.commit()


def _rows(ref) -> list[Outbox]:
    with tenancy.orchestra_session(ref) as session:
        return list(session.exec(select(Outbox).where(Outbox.channel == "email").order_by(Outbox.id)).all())


def test_orchestra_key_delivers_each_message_once_in_one_batch(orchestra, resend_server):
    _set_key(orchestra, KEY)
    sent = dispatch.send_project(orchestra, "PROJ001")["sent"]
    assert sent > 1

    assert outbox.deliver_due(orchestra)["delivered"] == sent
    assert outbox.deliver_due(orchestra)["delivered"] == 0  # nothing twice

    assert len(resend_server.emails) == sent
    assert {key for key, _, _ in resend_server.emails} == {KEY}
    assert [r.path for r in resend_server.requests] == ["/emails/batch"]  # one request for all of them
    rows = _rows(orchestra)
    assert {r.status for r in rows} == {"sent"} and all(r.providerMessageId for r in rows)
    assert {r.batchKey for r in rows} == {resend_server.requests[0].header("Idempotency-Key")}
    assert all(item["html"] and item["text"] for _, item, _ in resend_server.emails)
    with tenancy.orchestra_session(orchestra) as session:
        logs = session.exec(select(CommunicationLog)).all()
    assert len(logs) == sent and {entry.status for entry in logs} == {"sent"}
    assert {entry.providerMessageId for entry in logs} == {r.providerMessageId for r in rows}


def test_rate_limited_batch_waits_and_is_retried_with_the_same_key(orchestra, resend_server):
    _set_key(orchestra, KEY)
    sent = dispatch.send_project(orchestra, "PROJ002")["sent"]
    resend_server.fail_next(1, 429, retry_after=120)

    first = outbox.deliver_due(orchestra)

    assert first["retry"] == sent and resend_server.emails == []
    waiting = [r for r in _rows(orchestra) if r.status == "pending"]
    assert len(waiting) == sent and all(r.nextAttemptAt >= clock.now() + timedelta(seconds=119) for r in waiting)
    assert outbox.deliver_due(orchestra)["delivered"] == 0  # not before Retry-After
    clock.advance(timedelta(minutes=3))
    assert outbox.deliver_due(orchestra)["delivered"] == sent
    assert {r.status for r in _rows(orchestra)} == {"sent"} and len(resend_server.emails) == sent
    keys = [r.header("Idempotency-Key") for r in resend_server.requests]
    assert len(keys) == 2 and keys[0] == keys[1]  # the retry is the same batch under the same key


def test_a_single_message_goes_alone_with_its_message_id_as_key(orchestra, resend_server):
    _set_key(orchestra, KEY)
    dispatch.send_project(orchestra, "PROJ001")
    rows = _rows(orchestra)
    with tenancy.orchestra_session(orchestra) as session:  # keep one message due, hold the others back
        for row in session.exec(select(Outbox).where(Outbox.id != rows[0].id)).all():
            row.nextAttemptAt = clock.now() + timedelta(hours=1)
        session.commit()

    assert outbox.deliver_due(orchestra)["delivered"] == 1
    assert [r.path for r in resend_server.requests] == ["/emails"]
    assert resend_server.requests[0].header("Idempotency-Key") == rows[0].messageId


def test_a_batch_refused_as_a_whole_goes_message_by_message(orchestra, resend_server):
    _set_key(orchestra, KEY)
    sent = dispatch.send_project(orchestra, "PROJ001")["sent"]
    resend_server.fail_next(1, 422, message="one address is invalid")

    assert outbox.deliver_due(orchestra)["delivered"] == sent
    assert [r.path for r in resend_server.requests] == ["/emails/batch"] + ["/emails"] * sent
    assert len(resend_server.emails) == sent


def test_a_set_but_unusable_key_fails_and_is_never_simulated(orchestra, resend_server):
    _set_key(orchestra, KEY, sender=None)  # a key without a sender address
    dispatch.send_project(orchestra, "PROJ001")

    counts = outbox.deliver_due(orchestra)

    assert counts["failed"] == len(_rows(orchestra)) and counts["delivered"] == 0
    assert {r.status for r in _rows(orchestra)} == {"failed"}
    assert resend_server.emails == []


def test_without_any_key_messages_are_simulated(orchestra, resend_server):
    dispatch.send_project(orchestra, "PROJ001")
    outbox.deliver_due(orchestra)
    assert {r.status for r in _rows(orchestra)} == {"simulated"} and resend_server.requests == []


def test_a_confirmation_carries_a_calendar_file_that_parses_back(orchestra, resend_server):
    import base64
    from zoneinfo import ZoneInfo

    from icalendar import Calendar

    from models.orchestra import Project, Request

    _set_key(orchestra, KEY)
    dispatch.send_project(orchestra, "PROJ001")
    outbox.deliver_due(orchestra)
    with tenancy.orchestra_session(orchestra) as session:
        request = session.exec(select(Request).order_by(Request.id)).first()
        project = session.exec(select(Project).where(Project.projectId == "PROJ001")).one()
    resend_server.reset()

    dispatch.respond_on_behalf(orchestra, request.requestId, "accept", staff="tester")
    assert outbox.deliver_due(orchestra)["delivered"] >= 1

    sent = [item for _, item, _ in resend_server.emails if item.get("attachments")]
    assert len(sent) == 1 and [r.path for r in resend_server.requests] == ["/emails"]  # attachments go one by one
    (attachment,) = sent[0]["attachments"]
    assert attachment["filename"] == "PROJ001.ics" and attachment["content_type"].startswith("text/calendar")
    event = next(c for c in Calendar.from_ical(base64.b64decode(attachment["content"])).walk("VEVENT"))
    start = event.decoded("dtstart")
    assert start == project.startDate and start.tzinfo.key == "Europe/Stockholm"
    assert start.astimezone(ZoneInfo("Europe/Stockholm")).hour == project.startDate.astimezone(
        ZoneInfo("Europe/Stockholm")).hour
    assert str(event["uid"]).startswith("PROJ001-") and str(event["uid"]).endswith("@posten.stagesub")
    assert project.name in str(event["summary"])
