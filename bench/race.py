"""200 musicians answer "yes" at the same moment, through HTTP, on PostgreSQL.

A first_come need of 3 seats; 200 threads POST /respond/<token> (JSON) released together. Prints answers per
second and the outcome counts (exactly 3 accepted is the point). Needs the local PostgreSQL (127.0.0.1:5432,
user postgres); creates and drops its own databases.

Run: ``.venv/bin/python bench/race.py``
"""

from __future__ import annotations

import os.path as _path
import sys as _sys

# bench/email.py would hide the standard library's ``email`` package: this folder goes last on the import path.
_HERE = _path.dirname(_path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _path.abspath(p or ".") != _HERE] + [_HERE]

import os
import secrets
import signal
import tempfile
import threading
import time
from collections import Counter

import httpx
import sqlalchemy as sa
from _setup import free_port, roster_project, start_server

SERVER = os.environ.get("STAGESUB_BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ANSWERS = 200
SEATS = 3


def main() -> None:
    run = f"stagesub_bench_{secrets.token_hex(3)}"
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{run}"'))
    os.environ.update({
        "STAGESUB_ENV": "test",
        "STAGESUB_DATA_DIR": tempfile.mkdtemp(prefix="stagesub-bench-"),
        "STAGESUB_DATABASE_URL": SERVER.rsplit("/", 1)[0] + f"/{run}",
        "STAGESUB_ORCHESTRA_DB_SERVER_URL": SERVER,
    })
    server = None
    try:
        from services import dispatch, migrations, provisioning, tenancy, tokens

        migrations.upgrade_central()
        ref = provisioning.create_orchestra(name="Race", subdomain="benchrace", contact_name="K",
                                            contact_email="k@race.example", create_admin=False).orchestra
        project_id = roster_project(ref, ANSWERS, "first_come", SEATS)
        dispatch.send_project(ref, project_id)
        raws = [tokens.derive_token(ref.subdomain, ref.orchestraId, r["requestId"])
                for r in dispatch.list_requests(ref, project_id)]
        port = free_port()
        server = start_server(port)
        barrier = threading.Barrier(len(raws) + 1)
        outcomes: list[str] = []
        lock = threading.Lock()

        def answer(raw: str) -> None:
            with httpx.Client(timeout=60) as client:
                barrier.wait()
                reply = client.post(f"http://127.0.0.1:{port}/respond/{raw}", json={"answer": "accept"},
                                    headers={"Accept": "application/json", "Host": f"benchrace.localhost:{port}"})
            with lock:
                outcomes.append(reply.json().get("outcome", f"http {reply.status_code}"))

        threads = [threading.Thread(target=answer, args=(raw,)) for raw in raws]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        print(f"{len(raws)} simultaneous accepts over HTTP (PostgreSQL, 1 worker): {elapsed:.2f} s, "
              f"{len(raws) / elapsed:.0f} answers/s, outcomes {dict(Counter(outcomes))}")
        tenancy.dispose_all()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
        with admin.connect() as conn:
            for name in (run, "stagesub_benchrace"):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
