"""Outgoing webhooks: payload, signature, delivery against a local HTTP server, backoff, the stored secret."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from models.central import Orchestra
from services import secrets_box, tenancy, webhooks
from services.errors import NotFound, ValidationError

SECRET = "whsec_test-secret-0123456789abcdef"


# ----- payload and signature ------------------------------------------------------------------------------


def test_event_payload_has_the_documented_shape():
    created = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    payload = webhooks.event_payload("msg_1", "request.accepted", "acme",
                                     {"requestId": "REQ001", "respondedAt": created}, created)
    assert payload == {
        "id": "msg_1", "type": "request.accepted", "createdAt": "2026-03-02T09:00:00Z", "orchestra": "acme",
        "data": {"requestId": "REQ001", "respondedAt": "2026-03-02T09:00:00Z"},
    }
    json.dumps(payload)  # serialisable as it is
    with pytest.raises(ValueError):
        webhooks.event_payload("msg_2", "request.exploded", "acme", {}, created)


def test_sign_and_verify_round_trip():
    body = b'{"id":"msg_1","type":"request.sent"}'
    now = int(time.time())
    header = webhooks.sign(SECRET, now, body)
    assert header.startswith(f"t={now},v1=") and len(header.split("v1=")[1]) == 64
    assert webhooks.verify(SECRET, header, body)
    assert webhooks.sign(SECRET, now, body) == header  # deterministic


def test_verify_detects_tampering_and_replays():
    body = b'{"id":"msg_1","type":"request.sent"}'
    now = int(time.time())
    header = webhooks.sign(SECRET, now, body)
    assert not webhooks.verify(SECRET, header, body + b" ")
    assert not webhooks.verify(SECRET, header, body.replace(b"sent", b"declined"))
    assert not webhooks.verify("another-secret-0123456789", header, body)
    assert not webhooks.verify("", header, body)
    assert not webhooks.verify(SECRET, header.replace(f"t={now}", f"t={now + 1}"), body)
    old = webhooks.sign(SECRET, now - 301, body)
    assert not webhooks.verify(SECRET, old, body)
    assert webhooks.verify(SECRET, old, body, tolerance=600)
    for bad in ("", "garbage", "t=abc,v1=00", f"t={now}", "v1=" + "0" * 64, None):
        assert not webhooks.verify(SECRET, bad, body)


def test_verify_accepts_any_of_several_signatures():
    body = b"{}"
    now = int(time.time())
    ours = webhooks.sign(SECRET, now, body).split(",")[1]
    assert webhooks.verify(SECRET, f"t={now},v1={'0' * 64},{ours}", body)


def test_backoff_grows_and_is_capped():
    waits = [webhooks.backoff(n) for n in range(1, webhooks.MAX_ATTEMPTS + 1)]
    assert waits[0] == timedelta(seconds=30)
    assert waits == sorted(waits)
    assert max(waits) == timedelta(hours=6) and webhooks.backoff(100) == timedelta(hours=6)
    assert webhooks.MAX_ATTEMPTS == 8


# ----- delivery against a local receiver ------------------------------------------------------------------


class Receiver:
    """A tiny HTTP server on 127.0.0.1 that records every request and answers with ``status``."""

    def __init__(self, status: int = 200, headers: dict | None = None):
        self.status = status
        self.headers = headers or {}
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append({
                    "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": self.rfile.read(length),
                })
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"nope" if receiver.status >= 400 else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/stagesub"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_delivery_is_signed_and_verifiable():
    payload = webhooks.event_payload("msg_abc", "request.sent", "acme", {"requestId": "REQ001"},
                                     datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    body = json.dumps(payload).encode()
    with Receiver(204) as receiver:
        result = webhooks.deliver(receiver.url, SECRET, body)
    assert result.ok and result.status_code == 204 and result.error is None
    (got,) = receiver.requests
    assert got["path"] == "/hooks/stagesub" and got["body"] == body
    assert got["headers"]["content-type"] == "application/json"
    assert got["headers"]["user-agent"] == "StageSub-Webhooks/1"
    signature = got["headers"]["x-stagesub-signature"]
    assert webhooks.verify(SECRET, signature, got["body"])
    assert not webhooks.verify("wrong-secret-0123456789", signature, got["body"])
    assert json.loads(got["body"])["id"] == "msg_abc"


def test_a_server_error_is_retried():
    with Receiver(500) as receiver:
        result = webhooks.deliver(receiver.url, SECRET, b"{}")
    assert not result.ok and result.status_code == 500 and result.retry and not result.give_up
    assert "500" in result.error
    assert len(receiver.requests) == 1


def test_retry_after_is_reported():
    with Receiver(429, {"Retry-After": "120"}) as receiver:
        result = webhooks.deliver(receiver.url, SECRET, b"{}")
    assert result.retry and result.retry_after == timedelta(seconds=120)


def test_gone_means_give_up():
    with Receiver(410) as receiver:
        result = webhooks.deliver(receiver.url, SECRET, b"{}")
    assert not result.ok and result.status_code == 410 and result.give_up and not result.retry


def test_redirects_are_not_followed():
    with Receiver(302, {"Location": "http://127.0.0.1:9/elsewhere"}) as receiver:
        result = webhooks.deliver(receiver.url, SECRET, b"{}")
    assert not result.ok and result.status_code == 302 and result.retry


def test_a_network_error_is_retried():
    with Receiver() as receiver:
        url = receiver.url
    result = webhooks.deliver(url, SECRET, b"{}", timeout=2)  # the server is gone: connection refused
    assert not result.ok and result.status_code is None and result.retry and result.error


def test_nothing_is_sent_without_url_or_secret():
    with Receiver() as receiver:
        assert webhooks.deliver(receiver.url, "", b"{}").retry
        assert not webhooks.deliver("", SECRET, b"{}").ok
    assert receiver.requests == []


# ----- the orchestra's webhook settings -------------------------------------------------------------------


@pytest.fixture
def orchestra_pk(central_db) -> str:
    with tenancy.central_session() as session:
        row = Orchestra(name="Testorkestern", subdomain="acme", contactName="Kansli",
                        contactEmail="kansli@acme.test", status="active")
        session.add(row)
        session.commit()
        return row.id


def stored(orchestra_pk: str) -> Orchestra:
    with tenancy.central_session() as session:
        return session.exec(select(Orchestra).where(Orchestra.id == orchestra_pk)).one()


def test_set_webhook_stores_the_secret_encrypted(orchestra_pk):
    secret = webhooks.set_webhook(orchestra_pk, "https://planning.example/hooks")
    assert secret.startswith("whsec_") and len(secret) >= 40
    row = stored(orchestra_pk)
    assert row.webhookUrl == "https://planning.example/hooks"
    assert row.webhookSecret.startswith(secrets_box.PREFIX) and secret not in row.webhookSecret
    assert webhooks.webhook_config(orchestra_pk) == ("https://planning.example/hooks", secret)
    # a new call makes a new secret; a given secret is kept as given
    assert webhooks.set_webhook(orchestra_pk, "https://planning.example/hooks") != secret
    assert webhooks.set_webhook(orchestra_pk, "http://127.0.0.1:8080/x", SECRET) == SECRET
    assert webhooks.webhook_config(orchestra_pk) == ("http://127.0.0.1:8080/x", SECRET)
    assert SECRET not in stored(orchestra_pk).webhookSecret


def test_webhook_config_without_a_url_is_none(orchestra_pk):
    assert webhooks.webhook_config(orchestra_pk) is None
    webhooks.set_webhook(orchestra_pk, "https://planning.example/hooks")
    webhooks.clear_webhook(orchestra_pk)
    assert webhooks.webhook_config(orchestra_pk) is None
    assert stored(orchestra_pk).webhookSecret is None
    assert webhooks.webhook_config("no-such-orchestra") is None


def test_a_plain_secret_of_the_earlier_system_still_works(orchestra_pk):
    with tenancy.central_session() as session:
        row = session.get(Orchestra, orchestra_pk)
        row.webhookUrl, row.webhookSecret = "https://old.example/hook", "legacy-plain-secret-123"
        session.commit()
    assert webhooks.webhook_config(orchestra_pk) == ("https://old.example/hook", "legacy-plain-secret-123")


@pytest.mark.parametrize("url", ["", "   ", "ftp://planning.example/x", "planning.example/hooks", "https://",
                                 "https://user:pw@planning.example/x", "https://planning.example/x#frag",
                                 "https://planning.example/a b", "javascript:alert(1)",
                                 "https://planning.example:99999/x", "https://x.example/" + "a" * 2000])
def test_set_webhook_refuses_bad_urls(orchestra_pk, url):
    with pytest.raises(ValidationError) as caught:
        webhooks.set_webhook(orchestra_pk, url)
    assert caught.value.code == "invalid_webhook_url" and "url" in caught.value.fields
    assert stored(orchestra_pk).webhookUrl is None


def test_set_webhook_refuses_a_short_secret_and_an_unknown_orchestra(orchestra_pk):
    with pytest.raises(ValidationError):
        webhooks.set_webhook(orchestra_pk, "https://planning.example/hooks", "short")
    with pytest.raises(NotFound):
        webhooks.set_webhook("no-such-orchestra", "https://planning.example/hooks")


# ----- end to end: engine -> outbox -> receiver -----------------------------------------------------------


def test_events_of_a_send_reach_the_receiver_signed(installation):
    from models.orchestra import Outbox, Project
    from services import dispatch, outbox, provisioning
    from services.demo import seed_demo_data

    ref = provisioning.create_orchestra(name="Testorkestern", subdomain="acme", contact_name="Kansli",
                                        contact_email="kansli@acme.test").orchestra
    with tenancy.orchestra_session(ref) as session:
        seed_demo_data(session)
        session.commit()
        project_id = session.exec(select(Project).order_by(Project.id)).first().projectId
    with Receiver(200) as receiver:
        secret = webhooks.set_webhook(ref.id, receiver.url)
        sent = dispatch.send_project(ref, project_id)["sent"]
        counts = outbox.deliver_due(ref)
    events = [json.loads(r["body"]) for r in receiver.requests]
    assert len(events) == sent and counts["delivered"] >= sent
    for got, event in zip(receiver.requests, events, strict=True):
        assert webhooks.verify(secret, got["headers"]["x-stagesub-signature"], got["body"])
        assert set(event) == {"id", "type", "createdAt", "orchestra", "data"}
        assert event["type"] == "request.sent" and event["orchestra"] == "acme"
    with tenancy.orchestra_session(ref) as session:
        rows = session.exec(select(Outbox).where(Outbox.channel == "webhook")).all()
        assert {row.messageId for row in rows} == {event["id"] for event in events}
        assert {row.status for row in rows} == {"sent"}


def test_a_failing_receiver_is_retried_later(installation):
    from models.orchestra import Outbox, Project
    from services import clock, dispatch, outbox, provisioning
    from services.demo import seed_demo_data

    ref = provisioning.create_orchestra(name="Testorkestern", subdomain="acme", contact_name="Kansli",
                                        contact_email="kansli@acme.test").orchestra
    with tenancy.orchestra_session(ref) as session:
        seed_demo_data(session)
        session.commit()
        project_id = session.exec(select(Project).order_by(Project.id)).first().projectId
    with Receiver(503) as receiver:
        webhooks.set_webhook(ref.id, receiver.url)
        dispatch.send_project(ref, project_id)
        first = outbox.deliver_due(ref)
        assert first["retry"] >= 1
        assert outbox.deliver_due(ref)["retry"] == 0  # not due yet
        receiver.status = 200
        clock.advance(timedelta(seconds=31))
        assert outbox.deliver_due(ref)["delivered"] >= first["retry"]
    with tenancy.orchestra_session(ref) as session:
        rows = session.exec(select(Outbox).where(Outbox.channel == "webhook")).all()
        assert {row.status for row in rows} == {"sent"} and {row.attempts for row in rows} == {2}
    ids = [json.loads(r["body"])["id"] for r in receiver.requests]
    assert len(ids) == 2 * len(set(ids))  # the retry carries the same event id: receivers de-duplicate by it


def test_the_documented_receiver_example_verifies_our_signature():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    example = doc.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(example, "docs/webhooks.md", "exec"), namespace)
    body = b'{"id":"msg_1","type":"request.sent"}'
    header = webhooks.sign(SECRET, int(time.time()), body)
    assert namespace["verify"](SECRET, header, body)
    assert not namespace["verify"](SECRET, header, body + b"x")
    assert not namespace["verify"](SECRET, webhooks.sign(SECRET, int(time.time()) - 400, body), body)
