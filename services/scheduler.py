"""The scheduler: reminders, timeouts, refills and outbox delivery for every active orchestra.

All work is derived from the database (``Request.remindAt``/``deadlineAt``, the outbox's ``nextAttemptAt``),
and every step re-checks its condition under the project lock, so a missed pass, a restart or two schedulers
at once lose nothing and do nothing twice. One leader per deployment still runs the loop: a PostgreSQL
advisory lock when the central database is PostgreSQL, otherwise a file lock in the data directory.

The loop runs inside the app (a Reflex lifespan task, see ``stagesub_ui``) or on its own with
``python -m services.cli scheduler``.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa

from services import clock, dispatch, outbox, tenancy
from services.settings import get_settings

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 5
ADVISORY_LOCK_KEY = 0x5374_6753  # "StgS"


def _grouped(pairs: list[tuple[int, int]]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for project_pk, item_pk in pairs:
        groups[project_pk].append(item_pk)
    return groups


def tick(ref: tenancy.OrchestraRef) -> dict[str, int]:
    """One pass for one orchestra. Cost grows with the work that is due, not with the data that exists.

    Refills need no scan of their own: every decline and timeout sends the next request in the same
    transaction (``refills`` counts those sent after this pass's timeouts), and resuming a need refills it.
    """
    now = clock.now()
    result = {"reminders": 0, "timeouts": 0, "refills": 0, "delivered": 0, "failed": 0}
    with tenancy.orchestra_session(ref) as session:
        timeouts = _grouped(dispatch.due_timeouts(session, now))
        reminders = _grouped(dispatch.due_reminders(session, now))
        anything_to_deliver = outbox.has_due(session, now)
    for project_pk, request_pks in timeouts.items():
        timed_out, refilled = dispatch.time_out_requests(ref, project_pk, request_pks)
        result["timeouts"] += timed_out
        result["refills"] += refilled
    for project_pk, request_pks in reminders.items():
        result["reminders"] += dispatch.send_reminders(ref, project_pk, request_pks)
    if not (anything_to_deliver or timeouts or reminders):
        return result
    delivery = outbox.deliver_due(ref)
    result["delivered"] = delivery["delivered"]
    result["failed"] = delivery["failed"]
    return result


def run_pass() -> dict[str, dict]:
    """One pass over every active orchestra; one orchestra's failure is logged and does not stop the rest."""
    results: dict[str, dict] = {}
    for ref in tenancy.list_orchestras():
        if not ref.is_active:
            continue
        try:
            results[ref.subdomain] = tick(ref)
        except Exception as exc:  # the next pass retries; the error is in the log
            log.exception("scheduler pass failed for %s", ref.subdomain)
            results[ref.subdomain] = {"error": f"{type(exc).__name__}: {exc}"}
    return results


# ----- leadership ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def leadership() -> Iterator[bool]:
    """Yield True while this process is the deployment's scheduler leader, False if another one is."""
    central = tenancy.central_engine()
    if central.dialect.name == "postgresql":
        conn = central.connect()
        try:
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
            conn.commit()
            yield bool(got)
            if got:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                conn.commit()
        finally:
            conn.close()
        return
    path = get_settings().data_dir / "scheduler.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


class SchedulerLoop:
    """APScheduler 3 running ``run_pass`` every few seconds while this process holds the leadership.

    A process that is not the leader keeps trying to become it, so when the leader dies another takes over.
    """

    def __init__(self, interval: float = INTERVAL_SECONDS):
        from apscheduler.schedulers.background import BackgroundScheduler

        self.interval = interval
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._leader_cm = None
        self._is_leader = False
        self._lock = threading.Lock()

    def _step(self) -> None:
        with self._lock:
            if not self._is_leader:
                cm = leadership()
                if cm.__enter__():
                    self._leader_cm, self._is_leader = cm, True
                    log.info("scheduler: this process is the leader")
                else:
                    cm.__exit__(None, None, None)
                    return
        run_pass()

    def start(self) -> None:
        self._scheduler.add_job(self._step, "interval", seconds=self.interval, id="stagesub-pass",
                                max_instances=1, coalesce=True)
        self._scheduler.start()

    def stop(self) -> None:
        self._scheduler.shutdown(wait=True)
        with self._lock:
            if self._leader_cm is not None:
                self._leader_cm.__exit__(None, None, None)
                self._leader_cm, self._is_leader = None, False
