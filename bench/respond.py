"""GET /respond/{token}: latency (p50/p99) and requests/s on one worker, measured with wrk.

Run: ``.venv/bin/python bench/respond.py`` (needs Debian's ``wrk``: apt-get install -y wrk). Embedded SQLite
in a temp dir unless STAGESUB_DATABASE_URL / STAGESUB_ORCHESTRA_DB_SERVER_URL point at PostgreSQL.
"""

from __future__ import annotations

import os.path as _path
import sys as _sys

# bench/email.py would hide the standard library's ``email`` package: this folder goes last on the import path.
_HERE = _path.dirname(_path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _path.abspath(p or ".") != _HERE] + [_HERE]

import os
import re
import shutil
import signal
import subprocess
import tempfile

from _setup import free_port, roster_project, start_server


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    os.environ.setdefault("STAGESUB_ENV", "test")
    os.environ.setdefault("STAGESUB_DATA_DIR", tempfile.mkdtemp(prefix="stagesub-bench-"))
    from services import dispatch, migrations, provisioning, tokens

    migrations.upgrade_central()
    ref = provisioning.create_orchestra(name="Bänk", subdomain="bench", contact_name="K",
                                        contact_email="k@bench.example", create_admin=False).orchestra
    project_id = roster_project(ref, 10, "parallel", 5)
    dispatch.send_project(ref, project_id)
    request_id = dispatch.list_requests(ref, project_id)[0]["requestId"]
    raw = tokens.derive_token(ref.subdomain, ref.orchestraId, request_id)
    port = free_port()
    server = start_server(port)
    try:
        for connections in (8, 16):
            out = subprocess.run(
                ["wrk", "-t2", f"-c{connections}", "-d15s", "--latency", "-H", f"Host: bench.localhost:{port}",
                 f"http://127.0.0.1:{port}/respond/{raw}"],
                capture_output=True, text=True, check=True,
            ).stdout
            rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
            p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
            p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
            non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            print(f"GET /respond/<token>, 1 worker, {connections:2} connections, 15 s: {rps} req/s, p50 {p50}, "
                  f"p99 {p99}" + (f", NON-2xx {non_2xx.group(1)}" if non_2xx else ""))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
