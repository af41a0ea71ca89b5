"""Foundation figures: provisioning, migrations, login and session checks, the instruments read model.

Run: ``.venv/bin/python bench/foundation.py [--orchestras N]`` (embedded SQLite in a temporary directory, or
set STAGESUB_DATABASE_URL / STAGESUB_ORCHESTRA_DB_SERVER_URL for PostgreSQL). Prints one line per figure.
"""

from __future__ import annotations

import os.path as _path
import sys as _sys

# bench/email.py would hide the standard library's ``email`` package: this folder goes last on the import path.
_HERE = _path.dirname(_path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _path.abspath(p or ".") != _HERE] + [_HERE]

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"{name:<44} median {statistics.median(samples):8.1f} ms   p95 {p95:8.1f} ms   n={len(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orchestras", type=int, default=5, help="orchestras to provision (default 5)")
    args = parser.parse_args()
    os.environ.setdefault("STAGESUB_ENV", "test")
    os.environ.setdefault("STAGESUB_DATA_DIR", tempfile.mkdtemp(prefix="stagesub-bench-"))

    from services import auth, catalog, migrations, provisioning, tenancy
    from services.demo import seed_demo_data

    migrations.upgrade_central()
    created = []
    samples = []
    for n in range(args.orchestras):
        start = time.perf_counter()
        created.append(provisioning.create_orchestra(
            name=f"Bänkorkester {n}", subdomain=f"bench{n}", contact_name="K", contact_email=f"k{n}@bench.example",
        ))
        samples.append((time.perf_counter() - start) * 1000)
    _report("provision one orchestra (db, migrate, seed)", samples)

    ref = created[0].orchestra
    start = time.perf_counter()
    with tenancy.orchestra_session(ref) as session:
        counts = seed_demo_data(session)
        session.commit()
    print(f"{'demo data (' + str(counts.musicians) + ' musicians)':<44} {1000 * (time.perf_counter() - start):8.1f} ms")

    _report(f"migrate_all, no-op ({args.orchestras} orchestras)", _timed(migrations.migrate_all, 3))

    admin = created[0]
    _report("login (argon2 verify, session row)",
            _timed(lambda: auth.login(admin.admin_username, admin.admin_password, ip="127.0.0.9"), 5))
    token, _ = auth.login(admin.admin_username, admin.admin_password, ip="127.0.0.9")
    _report("resolve_session (every page load/event)", _timed(lambda: auth.resolve_session(token), 200))

    def instruments() -> None:
        with tenancy.orchestra_session(ref) as session:
            catalog.list_instruments(session)

    _report("instruments read model (demo data)", _timed(instruments, 100))
    tenancy.dispose_all()


if __name__ == "__main__":
    main()
