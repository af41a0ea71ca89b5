"""Shared unit-test fixtures: a fresh central database in a temp directory."""

from __future__ import annotations

import pytest

from services import clock, settings, tenancy


@pytest.fixture
def central_db(tmp_path, monkeypatch):
    """Point the settings at ``tmp_path`` (STAGESUB_ENV=test), create the central tables, return the engine.

    Set extra ``STAGESUB_*`` variables with ``monkeypatch.setenv`` *before* requesting this fixture (or call
    ``services.settings.reset_settings()`` after changing them). The clock is reset afterwards.
    """
    from models.central import central_registry

    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAGESUB_DATABASE_URL", f"sqlite:///{tmp_path / 'central.db'}")
    settings.reset_settings()
    tenancy.dispose_all()
    engine = tenancy.central_engine()
    central_registry.metadata.create_all(engine)
    yield engine
    clock.reset()
    tenancy.dispose_all()
    settings.reset_settings()


@pytest.fixture
def session(tmp_path):
    """A session on a fresh orchestra database (a SQLite file with every orchestra table)."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from models.orchestra import orchestra_registry

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'orchestra.db'}")
    orchestra_registry.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()
