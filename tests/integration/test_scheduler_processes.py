"""Scheduler processes against PostgreSQL: two at once, and one killed again and again mid-delivery.

Each message must be delivered exactly once (one CommunicationLog row per request e-mail) and none lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from models.orchestra import (
    CommunicationLog,
    Outbox,
)
from services import clock, dispatch, provisioning, settings, tenancy
from services.demo import add_crowd_project
from services.migrations import upgrade_central
from tests.integration.conftest import random_subdomain

ROOT = Path(__file__).resolve().parents[2]
MUSICIANS = 300
WORKER = """
import sys, time
from services import scheduler, tenancy
ref = tenancy.get_orchestra(sys.argv[1])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    result = scheduler.tick(ref)
    if not result["delivered"]:
        break
"""


@pytest.fixture
def pg_orchestra(new_pg_database, orchestra_server, tmp_path, monkeypatch):
    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAGESUB_DATABASE_URL", new_pg_database())
    settings.reset_settings()
    tenancy.dispose_all()
    upgrade_central()
    ref = provisioning.create_orchestra(name="Schema", subdomain=random_subdomain(), contact_name="K",
                                        contact_email="k@sched.example.se", create_admin=False).orchestra
    with tenancy.orchestra_session(ref) as session:
        project_id = add_crowd_project(session, musicians=MUSICIANS, strategy="parallel", quantity=MUSICIANS,
                                       position_name="Tutti violin 2")
        session.commit()
    assert dispatch.send_project(ref, project_id)["sent"] == MUSICIANS
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    yield ref, env
    tenancy.dispose_all()
    settings.reset_settings()


def _spawn(env: dict, subdomain: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, subdomain], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _assert_each_delivered_once(ref: tenancy.OrchestraRef) -> None:
    with tenancy.orchestra_session(ref) as session:
        statuses = Counter(session.exec(select(Outbox.status).where(Outbox.channel == "email")).all())
        assert statuses == {"simulated": MUSICIANS}
        logs = session.exec(select(CommunicationLog.requestId, func.count()).group_by(CommunicationLog.requestId)).all()
        assert len(logs) == MUSICIANS and {count for _, count in logs} == {1}


def test_two_schedulers_at_once_deliver_each_message_once(pg_orchestra):
    ref, env = pg_orchestra
    workers = [_spawn(env, ref.subdomain) for _ in range(2)]
    for worker in workers:
        _, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err.decode()
    _assert_each_delivered_once(ref)


def test_killed_scheduler_loses_nothing_and_sends_nothing_twice(pg_orchestra):
    ref, env = pg_orchestra
    for delay in (0.5, 0.8, 1.1, 1.4, 1.7):
        worker = _spawn(env, ref.subdomain)
        time.sleep(delay)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    # Rows a killed worker had claimed become claimable again once stale; here we move the clock instead of
    # waiting, by making the restarted worker see them as stale.
    with tenancy.orchestra_session(ref) as session:
        stuck = session.exec(select(func.count()).select_from(Outbox).where(Outbox.status == "sending")).one()
    if stuck:
        env = {**env}
        with tenancy.orchestra_session(ref) as session:
            for row in session.exec(select(Outbox).where(Outbox.status == "sending")).all():
                row.claimedAt = clock.now() - timedelta(hours=1)
            session.commit()
    restarted = _spawn(env, ref.subdomain)
    _, err = restarted.communicate(timeout=180)
    assert restarted.returncode == 0, err.decode()
    _assert_each_delivered_once(ref)
