"""Provisioning orchestra databases on a PostgreSQL server, isolation and rollback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from models.central import Orchestra
from models.orchestra import Instrument, Musician
from services import provisioning, seed_data, tenancy
from services.errors import ServiceError
from tests.integration.conftest import random_subdomain


def _databases(server_url: str) -> set[str]:
    engine = sa.create_engine(tenancy.normalise_url(server_url))
    with engine.connect() as conn:
        names = set(conn.execute(sa.text("SELECT datname FROM pg_database")).scalars())
    engine.dispose()
    return names


@pytest.fixture
def pg_installation(new_pg_database, orchestra_server, tmp_path, monkeypatch):
    monkeypatch.setenv("STAGESUB_DATABASE_URL", new_pg_database())
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAGESUB_ENV", "test")
    from services import settings
    from services.migrations import upgrade_central

    settings.reset_settings()
    tenancy.dispose_all()
    upgrade_central()
    yield orchestra_server
    tenancy.dispose_all()
    settings.reset_settings()


def _sub() -> str:
    return random_subdomain()


def test_each_orchestra_gets_its_own_postgresql_database(pg_installation):
    a = provisioning.create_orchestra(name="A", subdomain=_sub(), contact_name="K", contact_email="a@example.se")
    b = provisioning.create_orchestra(name="B", subdomain=_sub(), contact_name="K", contact_email="b@example.se")

    assert a.orchestra.database_url.startswith("postgresql+psycopg://")
    assert a.orchestra.database_url != b.orchestra.database_url
    assert {f"stagesub_{a.orchestra.subdomain.replace('-', '_')}"} <= _databases(pg_installation)
    with tenancy.orchestra_session(a.orchestra) as session:
        assert session.exec(select(func.count()).select_from(Instrument)).one() == 14
        session.add(Musician(musicianId="MUS500", firstName="Bara", lastName="A", email="bara@a.se"))
        session.commit()
    with tenancy.orchestra_session(b.orchestra) as session:
        assert session.exec(select(func.count()).select_from(Musician)).one() == 0
    with tenancy.central_session() as session:  # the stored URL is encrypted, never plain text
        stored = session.get(Orchestra, a.orchestra.id).databaseUrl
    assert "postgresql" not in stored


def test_failed_provisioning_drops_the_new_database(pg_installation, monkeypatch):
    def broken_seed(session, name):
        raise RuntimeError("seed exploded")

    monkeypatch.setattr(seed_data, "seed_orchestra", broken_seed)
    sub = _sub()

    with pytest.raises(ServiceError) as failed:
        provisioning.create_orchestra(name="C", subdomain=sub, contact_name="K", contact_email="c@example.se")

    assert failed.value.code == "provisioning_failed"
    assert f"stagesub_{sub.replace('-', '_')}" not in _databases(pg_installation)
    with tenancy.central_session() as session:
        assert session.exec(select(Orchestra).where(Orchestra.subdomain == sub)).first() is None
