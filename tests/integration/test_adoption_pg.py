"""Adopting databases of the earlier StageSub system on PostgreSQL, and fresh migrations there."""

from __future__ import annotations

from datetime import UTC, datetime

import bcrypt
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.central import User
from models.orchestra import IdSequence, Musician, ProjectNeed, Request, RequestToken, Settings
from services import auth, ids, migrations, settings, tenancy
from tests import expected_schema
from tests.integration.legacy_ddl import CENTRAL_DDL, ORCHESTRA_DDL, ORCHESTRA_ROWS
from tests.schema_check import missing_columns, snapshot, unique_sets

LEGACY_PASSWORD = "gammalt-lösen-123"


def _run_sql(url: str, script: str) -> None:
    engine = sa.create_engine(tenancy.normalise_url(url))
    with engine.begin() as conn:
        conn.exec_driver_sql(script)
    engine.dispose()


@pytest.fixture
def legacy_installation(new_pg_database, tmp_path, monkeypatch):
    """A central and an orchestra database as the earlier system left them, with rows in them."""
    central_url, orchestra_url = new_pg_database(), new_pg_database()
    _run_sql(central_url, CENTRAL_DDL)
    _run_sql(orchestra_url, ORCHESTRA_DDL + ORCHESTRA_ROWS)
    legacy_hash = bcrypt.hashpw(LEGACY_PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()
    engine = sa.create_engine(tenancy.normalise_url(central_url))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                'INSERT INTO "Orchestra" ("id", "orchestraId", "name", "subdomain", "contactName", "contactEmail", '
                '"databaseUrl", "status", "updatedAt") VALUES (:id, \'SCO\', \'Stadsorkestern\', \'sco\', '
                "'Eva', 'eva@sco.example.se', :url, 'active', CURRENT_TIMESTAMP)"
            ),
            {"id": "ckorch0000000000000000001", "url": orchestra_url},
        )
        conn.execute(
            sa.text(
                'INSERT INTO "User" ("id", "username", "email", "passwordHash", "role", "orchestraId") '
                "VALUES ('ckuser0000000000000000001', 'sco-admin', 'eva@sco.example.se', :h, 'admin', "
                "'ckorch0000000000000000001')"
            ),
            {"h": legacy_hash},
        )
    engine.dispose()
    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAGESUB_DATABASE_URL", central_url)
    settings.reset_settings()
    tenancy.dispose_all()
    yield central_url, orchestra_url
    tenancy.dispose_all()
    settings.reset_settings()


def test_earlier_databases_are_adopted_without_data_loss(legacy_installation):
    central_url, orchestra_url = legacy_installation
    orchestra_engine = tenancy.engine_for(orchestra_url)
    assert migrations.current_revision(orchestra_engine, "orchestra") is None

    report = migrations.migrate_all()

    assert report.ok, report
    assert report.central_revision == migrations.head_revision("central")
    assert [(o.subdomain, o.revision) for o in report.orchestras] == [("sco", migrations.head_revision("orchestra"))]
    assert missing_columns(tenancy.central_engine(), expected_schema.CENTRAL) == {}
    assert missing_columns(orchestra_engine, expected_schema.ORCHESTRA) == {}
    assert set(expected_schema.CENTRAL_ADDITIVE) <= set(sa.inspect(tenancy.central_engine()).get_table_names())

    ref = tenancy.get_orchestra("sco")
    with tenancy.orchestra_session(ref) as session:
        musicians = session.exec(select(Musician).order_by(Musician.id)).all()
        assert [(m.musicianId, m.firstName, m.lastName) for m in musicians] == [
            ("MUS001", "Karin", "Öberg"), ("MUS002", "Johan", "Ek"),
        ]
        request = session.exec(select(Request)).one()
        assert request.sentAt == datetime(2026, 2, 20, 8, 0, 0, 123000, tzinfo=UTC)
        token = session.exec(select(RequestToken)).one()
        assert token.token == "ckoldtoken00000000000001" and token.requestId == request.id
        need = session.exec(select(ProjectNeed)).one()
        assert need.requireLocalResidence is False  # column added with its default
        assert session.exec(select(Settings.value).where(Settings.key == "reminder_percentage")).one() == "60"
        sequences = {s.entityType: s.lastNumber for s in session.exec(select(IdSequence)).all()}
        assert sequences["musician"] == 2 and sequences["instrument"] == 2 and sequences["request"] == 1
        assert ids.next_id(session, "musician") == "MUS003"
        session.rollback()


def test_second_migration_is_a_no_op(legacy_installation):
    _, orchestra_url = legacy_installation
    migrations.migrate_all()
    before = (snapshot(tenancy.central_engine()), snapshot(tenancy.engine_for(orchestra_url)))
    with tenancy.engine_for(orchestra_url).connect() as conn:
        rows_before = conn.execute(sa.text('SELECT count(*) FROM "Musician"')).scalar()

    report = migrations.migrate_all()

    assert report.ok
    after = (snapshot(tenancy.central_engine()), snapshot(tenancy.engine_for(orchestra_url)))
    assert after == before
    with tenancy.engine_for(orchestra_url).connect() as conn:
        assert conn.execute(sa.text('SELECT count(*) FROM "Musician"')).scalar() == rows_before


def test_earlier_bcrypt_login_works_and_is_rehashed(legacy_installation):
    migrations.migrate_all()

    token, user = auth.login("sco-admin", LEGACY_PASSWORD, ip="127.0.0.1")

    assert user.orchestra_subdomain == "sco" and user.role == "admin"
    assert auth.resolve_session(token) is not None
    with tenancy.central_session() as session:
        stored = session.exec(select(User.passwordHash).where(User.username == "sco-admin")).one()
    assert stored.startswith("$argon2")


def test_fresh_postgresql_migration_creates_documented_schema(new_pg_database, tmp_path, monkeypatch):
    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAGESUB_DATABASE_URL", new_pg_database())
    settings.reset_settings()
    tenancy.dispose_all()
    orchestra_engine = tenancy.engine_for(new_pg_database())

    migrations.upgrade_central()
    migrations.upgrade(orchestra_engine, "orchestra")

    assert missing_columns(tenancy.central_engine(), expected_schema.CENTRAL) == {}
    assert missing_columns(orchestra_engine, expected_schema.ORCHESTRA) == {}
    for table, uniques in expected_schema.UNIQUE.items():
        engine = tenancy.central_engine() if table in expected_schema.CENTRAL else orchestra_engine
        assert set(uniques) <= unique_sets(engine, table), table
    with Session(orchestra_engine) as session:  # cascades: deleting an instrument removes its positions
        session.exec(sa.text('INSERT INTO "Instrument" ("instrumentId", "name") VALUES (\'INST001\', \'Oboe\')'))
        session.exec(sa.text('INSERT INTO "Position" ("positionId", "instrumentId", "name", "hierarchyLevel") '
                             "SELECT 'POS001', id, 'Solooboe', 1 FROM \"Instrument\""))
        session.exec(sa.text('DELETE FROM "Instrument"'))
        assert session.exec(sa.text('SELECT count(*) FROM "Position"')).one()[0] == 0
        session.rollback()
    settings.reset_settings()
