"""Fixtures shared by every test tier."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services import clock, settings, tenancy


@pytest.fixture(autouse=True)
def daytime_clock():
    """Every test starts at the latest 10:00 in Stockholm (today's, or yesterday's before 10:00), clock running.

    Quiet hours (21:00–08:00) move response deadlines and hold SMS, so a test must not depend on the hour CI
    happens to run at. The moment is never ahead of the wall clock, so processes a test starts (which run on
    the wall clock) see everything the test wrote as already due. Tests about the night set their own time.
    """
    zone = ZoneInfo("Europe/Stockholm")
    local = datetime.now(zone)
    ten = local.replace(hour=10, minute=0, second=0, microsecond=0)
    clock.set_now(ten if local >= ten else ten - timedelta(days=1))
    yield
    clock.reset()


@pytest.fixture
def installation(tmp_path, monkeypatch):
    """An empty, migrated StageSub installation in ``tmp_path`` (embedded SQLite default, STAGESUB_ENV=test).

    Set ``STAGESUB_DATABASE_URL`` or ``STAGESUB_ORCHESTRA_DB_SERVER_URL`` with monkeypatch *before* requesting
    it to use PostgreSQL instead. Yields the data directory.
    """
    from services.migrations import upgrade_central

    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    settings.reset_settings()
    tenancy.dispose_all()
    upgrade_central()
    yield tmp_path
    clock.reset()
    tenancy.dispose_all()
    settings.reset_settings()
