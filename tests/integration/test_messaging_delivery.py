"""E-mail delivery through the real Resend SDK against the fake Resend, on PostgreSQL.

- Two orchestras with their own Resend keys, 200 request e-mails each, delivered by several threads at once:
  every e-mail is signed with its own orchestra's key and sent exactly once (the SDK keeps its key in module
  state; ``providers.ResendEmailProvider`` must never let one orchestra's key sign another's e-mail).
- A delivery process killed again and again in the middle of its batches, then restarted: every e-mail reaches
  the fake exactly once (a batch taken up again is sent with the same idempotency key and the same body).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from models.central import Orchestra
from models.orchestra import CommunicationLog, Outbox
from services import clock, dispatch, outbox, provisioning, secrets_box, settings, tenancy
from services.demo import add_crowd_project
from services.migrations import upgrade_central
from tests.fakes.resend_server import FakeResend
from tests.integration.conftest import random_subdomain

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def resend():
    with FakeResend() as server:
        yield server


@pytest.fixture
def installation_pg(new_pg_database, orchestra_server, tmp_path, monkeypatch, resend):
    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAGESUB_DATABASE_URL", new_pg_database())
    monkeypatch.setenv("STAGESUB_RESEND_API_URL", resend.url)
    for name in ("RESEND_API_KEY", "STAGESUB_SIMULATE_MESSAGES", "STAGESUB_RESEND_RATE_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    settings.reset_settings()
    tenancy.dispose_all()
    upgrade_central()
    yield
    tenancy.dispose_all()
    settings.reset_settings()


def _orchestra_with_key(key: str, musicians: int) -> tenancy.OrchestraRef:
    ref = provisioning.create_orchestra(name=f"Orkester {key[-4:]}", subdomain=random_subdomain(), contact_name="K",
                                        contact_email="k@example.se", create_admin=False).orchestra
    with tenancy.central_session() as central:
        row = central.get(Orchestra, ref.id)
        row.resendApiKey = secrets_box.encrypt(key)
        row.emailFromAddress = f"vikarier@{ref.subdomain}.example.se"
        central.commit()
    with tenancy.orchestra_session(ref) as session:
        project_id = add_crowd_project(session, musicians=musicians, strategy="parallel", quantity=musicians)
        session.commit()
    assert dispatch.send_project(ref, project_id)["sent"] == musicians
    return ref


def _statuses(ref) -> Counter:
    with tenancy.orchestra_session(ref) as session:
        return Counter(session.exec(select(Outbox.status).where(Outbox.channel == "email")).all())


def test_two_orchestras_keys_under_concurrency(installation_pg, resend, monkeypatch):
    monkeypatch.setenv("STAGESUB_RESEND_RATE_LIMIT", "1000")  # the key isolation is under test here, not pacing
    settings.reset_settings()
    keys = {"re_alpha_key_000001": None, "re_bravo_key_000002": None}
    for key in keys:
        keys[key] = _orchestra_with_key(key, 200)
    sender_of = {key: f"vikarier@{ref.subdomain}.example.se" for key, ref in keys.items()}
    errors: list[BaseException] = []

    def worker(ref):
        try:
            while True:  # one message per SDK call: 200 calls per orchestra, interleaved across the threads
                counts = outbox.deliver_due(ref, limit=4, batch_size=1)
                if not any(counts.values()):
                    break
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(ref,)) for ref in keys.values() for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors

    assert len(resend.emails) == 400
    for key, payload, _ in resend.emails:  # each e-mail signed by the key of the orchestra it comes from
        assert payload["from"].endswith(f"<{sender_of[key]}>"), (key, payload["from"])
    assert Counter(key for key, _, _ in resend.emails) == {key: 200 for key in keys}
    for key, ref in keys.items():
        assert _statuses(ref) == {"sent": 200}
        with tenancy.orchestra_session(ref) as session:
            ids = session.exec(select(Outbox.messageId)).all()
        sent_keys = Counter(r.header("Idempotency-Key") for r in resend.requests if r.header("Authorization")
                            == f"Bearer {key}")
        assert set(sent_keys) == set(ids) and set(sent_keys.values()) == {1}  # each message sent once


WORKER = """
import sys
from services import outbox, tenancy
ref = tenancy.get_orchestra(sys.argv[1])
while any(outbox.deliver_due(ref).values()):
    pass
"""


def test_killed_delivery_process_sends_every_email_exactly_once(installation_pg, resend):
    ref = _orchestra_with_key("re_killed_key_000003", 350)  # 4 batches (100, 100, 100, 50)
    resend.latency = 0.4  # each batch request takes a while: a kill can land while one is in flight
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", WORKER, ref.subdomain], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def kill(worker: subprocess.Popen) -> None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    kill(start())  # killed while starting: before or just after its first claim
    for _ in range(3):  # killed while its batch request is in flight (the server still takes that batch)
        seen = len(resend.requests)
        worker = start()
        deadline = time.monotonic() + 60
        while len(resend.requests) == seen and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(resend.requests) > seen, "the worker sent nothing"
        time.sleep(resend.latency / 2)
        kill(worker)
    assert len(resend.emails) <= 300  # each killed worker got at most its one batch through: delivery interrupted
    with tenancy.orchestra_session(ref) as session:  # what a dead worker held becomes claimable once stale
        for row in session.exec(select(Outbox).where(Outbox.status == "sending")).all():
            row.claimedAt = clock.now() - outbox.STALE_AFTER - timedelta(seconds=1)
        session.commit()
    resend.latency = 0.0
    restarted = subprocess.run([sys.executable, "-c", WORKER, ref.subdomain], cwd=ROOT, env=env,
                               capture_output=True, timeout=180)
    assert restarted.returncode == 0, restarted.stderr.decode()

    assert _statuses(ref) == {"sent": 350}
    recipients = Counter(tuple(payload["to"]) for _, payload, _ in resend.emails)
    assert len(recipients) == 350 and set(recipients.values()) == {1}  # every e-mail exactly once
    with tenancy.orchestra_session(ref) as session:
        logs = Counter(session.exec(select(CommunicationLog.requestId)).all())
    assert len(logs) == 350 and set(logs.values()) == {1}
