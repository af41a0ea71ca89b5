"""Health of the platform: can the central database answer ``SELECT 1`` within a short time?

Used by ``GET /api/v1/health``. The check runs in a small worker pool and is abandoned (not awaited further)
after ``timeout`` seconds, so a hanging database never holds the caller longer than that.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass

import sqlalchemy as sa

from services import tenancy

VERSION = "0.1.0"
"""The StageSub version reported by the health endpoint."""

DEFAULT_TIMEOUT_SECONDS = 3.0

_pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")


@dataclass(frozen=True)
class HealthReport:
    ok: bool
    database: str
    """"ok" or "unreachable"."""
    detail: str | None = None

    @property
    def status_code(self) -> int:
        return 200 if self.ok else 503

    def as_dict(self) -> dict:
        body = {"status": "ok" if self.ok else "error", "version": VERSION, "database": self.database}
        if self.detail:
            body["detail"] = self.detail
        return body


def _select_one() -> None:
    with tenancy.central_engine().connect() as conn:
        conn.execute(sa.text("SELECT 1")).scalar_one()


def check_central_database(timeout: float = DEFAULT_TIMEOUT_SECONDS) -> HealthReport:
    """Run ``SELECT 1`` on the central database; never raises, never waits longer than ``timeout``."""
    future = _pool.submit(_select_one)
    try:
        future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        return HealthReport(ok=False, database="unreachable", detail=f"no answer within {timeout:g} s")
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"; the detail names its kind only
        return HealthReport(ok=False, database="unreachable", detail=f"cannot connect ({type(exc).__name__})")
    return HealthReport(ok=True, database="ok")
