"""Shared set-up for the HTTP benchmarks: an installation, a roster on one A list, a server process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def roster_project(ref, musicians: int, strategy: str, quantity: int) -> str:
    """A project whose one need (``strategy``, ``quantity``) draws on ``musicians`` ranked musicians."""
    from services import tenancy
    from services.demo import add_crowd_project

    with tenancy.orchestra_session(ref) as session:
        project_id = add_crowd_project(session, musicians=musicians, strategy=strategy, quantity=quantity)
        session.commit()
        return project_id


def start_server(port: int) -> subprocess.Popen:
    """The HTTP endpoints (response pages, API) on one uvicorn worker, as in one app worker."""
    env = {**os.environ, "STAGESUB_RUN_SCHEDULER": "0", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "stagesub_ui.endpoints:build_api", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")
