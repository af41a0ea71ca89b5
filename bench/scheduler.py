"""Scheduler pass cost: it must grow with the work that is due, not with the data that exists.

1. One orchestra with 10,000 pending requests of which 100 have a reminder due: time of one ``tick``.
2. 100 idle orchestras (no due work): time of one ``run_pass`` over all of them.

Run: ``.venv/bin/python bench/scheduler.py`` (embedded SQLite in a temp dir; set STAGESUB_DATABASE_URL and
STAGESUB_ORCHESTRA_DB_SERVER_URL for PostgreSQL). Prints the figures.
"""

from __future__ import annotations

import os.path as _path
import sys as _sys

# bench/email.py would hide the standard library's ``email`` package: this folder goes last on the import path.
_HERE = _path.dirname(_path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _path.abspath(p or ".") != _HERE] + [_HERE]

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PENDING = 10_000
DUE = 100
IDLE_ORCHESTRAS = 100


def main() -> None:
    os.environ.setdefault("STAGESUB_ENV", "test")
    os.environ.setdefault("STAGESUB_DATA_DIR", tempfile.mkdtemp(prefix="stagesub-bench-"))
    import sqlalchemy as sa
    from sqlmodel import select

    from models.orchestra import Musician, Position, Project, ProjectNeed, RankingList, Request
    from services import clock, migrations, outbox, provisioning, scheduler, tenancy

    migrations.upgrade_central()
    ref = provisioning.create_orchestra(name="Bänk", subdomain="bench", contact_name="K",
                                        contact_email="k@bench.example", create_admin=False).orchestra
    now = clock.now()
    with tenancy.orchestra_session(ref) as session:
        position = session.exec(select(Position)).first()
        a_list = session.exec(select(RankingList).where(RankingList.positionId == position.id)).first()
        session.execute(sa.insert(Musician), [
            {"musicianId": f"BM{i}", "firstName": "B", "lastName": str(i), "email": f"b{i}@bench.example"}
            for i in range(PENDING)
        ])
        musician_pks = session.exec(select(Musician.id).order_by(Musician.id)).all()
        project = Project(projectId="PBENCH", name="Bänkprojekt", startDate=now + timedelta(days=60), weekNumber=1)
        session.add(project)
        session.flush()
        need = ProjectNeed(projectNeedId="NBENCH", projectId=project.id, positionId=position.id,
                           quantity=PENDING + 1, rankingListId=a_list.id, requestStrategy="parallel",
                           responseTimeHours=48)
        session.add(need)
        session.flush()
        rows = []
        for i, musician_pk in enumerate(musician_pks):
            due = i < DUE
            rows.append({
                "requestId": f"RB{i}", "projectNeedId": need.id, "musicianId": musician_pk, "status": "pending",
                "sentAt": now - timedelta(hours=40 if due else 1),
                "remindAt": now - timedelta(hours=4) if due else now + timedelta(hours=35),
                "deadlineAt": now + timedelta(hours=8 if due else 47),
            })
        session.execute(sa.insert(Request), rows)
        session.commit()
    outbox.deliver_due(ref)  # nothing queued yet; warms the connection

    start = time.perf_counter()
    result = scheduler.tick(ref)
    elapsed = (time.perf_counter() - start) * 1000
    print(f"tick, {PENDING} pending / {DUE} reminders due: {elapsed:8.1f} ms  {result}")
    start = time.perf_counter()
    result = scheduler.tick(ref)
    print(f"tick again (nothing due now):            {(time.perf_counter() - start) * 1000:8.1f} ms  {result}")

    for n in range(IDLE_ORCHESTRAS):
        provisioning.create_orchestra(name=f"Tom {n}", subdomain=f"idle{n}", contact_name="K",
                                      contact_email=f"i{n}@bench.example", create_admin=False)
    scheduler.run_pass()  # first pass opens the engines
    start = time.perf_counter()
    scheduler.run_pass()
    elapsed = (time.perf_counter() - start) * 1000
    print(f"run_pass over {IDLE_ORCHESTRAS + 1} orchestras, nothing due:  {elapsed:8.1f} ms")
    tenancy.dispose_all()


if __name__ == "__main__":
    main()
