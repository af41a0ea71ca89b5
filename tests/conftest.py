"""Fixtures shared by every test tier."""

from __future__ import annotations

import pytest

from services import clock, settings, tenancy


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
