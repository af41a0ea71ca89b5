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


def test_orchestra_key_delivers_each_message_once(orchestra, resend_server):
    _set_key(orchestra, KEY)
    sent = dispatch.send_project(orchestra, "PROJ001")["sent"]

    assert outbox.deliver_due(orchestra)["delivered"] == sent
    assert outbox.deliver_due(orchestra)["delivered"] == 0  # nothing twice

    assert len(resend_server.emails) == sent
    assert {key for key, _, _ in resend_server.emails} == {KEY}
    rows = _rows(orchestra)
    assert {r.status for r in rows} == {"sent"} and all(r.providerMessageId for r in rows)
    keys = [req.header("Idempotency-Key") for req in resend_server.requests]
    assert sorted(keys) == sorted(r.messageId for r in rows)
    with tenancy.orchestra_session(orchestra) as session:
        assert len(session.exec(select(CommunicationLog)).all()) == sent


def test_rate_limited_message_waits_and_is_retried(orchestra, resend_server):
    _set_key(orchestra, KEY)
    dispatch.send_project(orchestra, "PROJ002")
    resend_server.fail_next(1, 429, retry_after=120)

    first = outbox.deliver_due(orchestra)

    assert first["retry"] == 1
    waiting = [r for r in _rows(orchestra) if r.status == "pending"]
    assert len(waiting) == 1 and waiting[0].nextAttemptAt >= clock.now() + timedelta(seconds=119)
    clock.advance(timedelta(minutes=3))
    assert outbox.deliver_due(orchestra)["delivered"] == 1
    assert {r.status for r in _rows(orchestra)} == {"sent"}


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
