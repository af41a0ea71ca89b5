"""Tenancy (engines, isolation, hosts) and provisioning on the embedded SQLite default."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from models.central import Orchestra, User
from models.orchestra import IdSequence, Instrument, Musician, Position, RankingList
from services import auth, migrations, provisioning, secrets_box, seed_data, tenancy
from services.errors import Conflict, Forbidden, NotFound, ServiceError, ValidationError
from tests import expected_schema
from tests.schema_check import missing_columns


def _provision(subdomain: str, **kwargs) -> provisioning.ProvisionResult:
    return provisioning.create_orchestra(
        name=kwargs.pop("name", subdomain.title()), subdomain=subdomain, contact_name="Kansliet",
        contact_email=kwargs.pop("contact_email", f"kansli@{subdomain}.example.se"), **kwargs,
    )


def _set_status(subdomain: str, status: str) -> None:
    with tenancy.central_session() as session:
        row = session.exec(select(Orchestra).where(Orchestra.subdomain == subdomain)).one()
        row.status = status
        session.commit()


def test_fresh_sqlite_migration_creates_documented_schema(installation):
    result = _provision("alfa")
    assert missing_columns(tenancy.central_engine(), expected_schema.CENTRAL) == {}
    assert missing_columns(tenancy.orchestra_engine(result.orchestra), expected_schema.ORCHESTRA) == {}
    assert (installation / "orchestras" / "alfa.db").exists()
    with tenancy.orchestra_engine(result.orchestra).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_provisioning_seeds_catalogue_sequences_and_an_admin(installation):
    result = _provision("alfa", name="Alfa Symfoniker")

    assert result.orchestra.status == "active"
    with tenancy.orchestra_session(result.orchestra) as session:
        assert session.exec(select(func.count()).select_from(Instrument)).one() == 14
        # ORIGINAL_BEHAVIOUR.md §6.2 names 43 positions (its "41" is a miscount of its own list).
        assert session.exec(select(func.count()).select_from(Position)).one() == 43
        per_position = session.exec(
            select(RankingList.positionId, func.count()).group_by(RankingList.positionId)
        ).all()
        assert len(per_position) == 43 and {count for _, count in per_position} == {3}
        assert len(session.exec(select(IdSequence)).all()) == 13
    token, user = auth.login(result.admin_username, result.admin_password, ip="10.0.0.1")
    assert user.role == "admin" and user.orchestra_subdomain == "alfa"


def test_provisioning_validates_and_refuses_duplicates(installation):
    with pytest.raises(ValidationError) as bad:
        _provision("Not Valid!")
    assert bad.value.code == "invalid_subdomain"
    with pytest.raises(ValidationError):
        _provision("www")
    with pytest.raises(ValidationError) as bad_email:
        _provision("beta", contact_email="not-an-address")
    assert "contactEmail" in bad_email.value.fields
    _provision("alfa")
    with pytest.raises(Conflict) as taken:
        _provision("alfa", contact_email="other@example.se")
    assert taken.value.code == "subdomain_taken"
    with tenancy.central_session() as session:
        assert session.exec(select(func.count()).select_from(Orchestra)).one() == 1


def test_failed_provisioning_leaves_nothing_behind(installation, monkeypatch):
    def broken_seed(session, name):
        session.add(Musician(firstName="Half", lastName="Written", email="half@example.se"))
        session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(seed_data, "seed_orchestra", broken_seed)

    with pytest.raises(ServiceError) as failed:
        _provision("gamma")

    assert failed.value.code == "provisioning_failed" and "disk full" in failed.value.message
    with tenancy.central_session() as session:
        assert session.exec(select(Orchestra)).all() == []
        assert session.exec(select(User)).all() == []
    assert not (installation / "orchestras" / "gamma.db").exists()
    monkeypatch.undo()
    assert _provision("gamma").orchestra.status == "active"  # the subdomain is free again


def test_orchestras_are_isolated(installation):
    alfa, beta = _provision("alfa").orchestra, _provision("beta").orchestra
    with tenancy.orchestra_session(alfa) as session:
        session.add(Musician(musicianId="MUS900", firstName="Endast", lastName="Alfa", email="endast@alfa.se"))
        session.commit()
    with tenancy.orchestra_session(beta) as session:
        assert session.exec(select(Musician).where(Musician.email == "endast@alfa.se")).first() is None
        assert session.exec(select(func.count()).select_from(Musician)).one() == 0
    with tenancy.orchestra_session(alfa) as session:
        assert session.exec(select(func.count()).select_from(Musician)).one() == 1
    assert tenancy.orchestra_engine(alfa) is not tenancy.orchestra_engine(beta)
    assert tenancy.orchestra_engine(alfa) is tenancy.orchestra_engine(tenancy.get_orchestra("alfa"))  # cached


def test_hosts_map_to_orchestras_and_refuse_other_tenants(installation):
    alfa, beta = _provision("alfa").orchestra, _provision("beta").orchestra
    assert tenancy.subdomain_from_host("Alfa.localhost:3000") == "alfa"
    assert tenancy.subdomain_from_host("localhost:3000") is None
    assert tenancy.subdomain_from_host("www.localhost") is None
    assert tenancy.orchestra_for_host("alfa.localhost:3000").id == alfa.id
    assert tenancy.orchestra_for_host("127.0.0.1:3000") is None

    tenancy.check_host_access("alfa.localhost:3000", role="admin", orchestra_pk=alfa.id)
    tenancy.check_host_access("localhost:3000", role="user", orchestra_pk=alfa.id)  # the platform host
    with pytest.raises(Forbidden):
        tenancy.check_host_access("beta.localhost:3000", role="admin", orchestra_pk=alfa.id)
    with pytest.raises(NotFound):
        tenancy.check_host_access("nosuch.localhost:3000", role="admin", orchestra_pk=alfa.id)

    with tenancy.central_session() as session:
        row = session.get(Orchestra, beta.id)
        row.customDomain = "vikarier.beta-orkester.se"
        session.commit()
    assert tenancy.orchestra_for_host("VIKARIER.beta-orkester.se").id == beta.id
    with pytest.raises(Forbidden):
        tenancy.check_host_access("vikarier.beta-orkester.se", role="user", orchestra_pk=alfa.id)


@pytest.mark.parametrize("status", ["suspended", "inactive"])
def test_suspended_or_deleted_orchestra_is_refused(installation, status):
    result = _provision("alfa")
    token, _ = auth.login(result.admin_username, result.admin_password, ip="10.0.0.2")
    _set_status("alfa", status)

    with pytest.raises(Forbidden):
        tenancy.get_orchestra("alfa")
    assert auth.resolve_session(token) is None
    with pytest.raises(Forbidden):
        auth.login(result.admin_username, result.admin_password, ip="10.0.0.2")

    with tenancy.central_session() as session:
        session.delete(session.get(Orchestra, result.orchestra.id))
        session.commit()
    with pytest.raises(NotFound):
        tenancy.get_orchestra("alfa")
    with pytest.raises(NotFound):
        tenancy.get_orchestra_by_id(result.orchestra.id)


def test_database_url_is_stored_encrypted_and_read_back(installation, tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    result = _provision("delta", database_url=url)
    with tenancy.central_session() as session:
        stored = session.get(Orchestra, result.orchestra.id).databaseUrl
    assert stored.startswith(secrets_box.PREFIX) and "elsewhere" not in stored
    assert result.orchestra.database_url == url
    assert (tmp_path / "elsewhere.db").exists()
    with pytest.raises(Conflict) as in_use:
        _provision("epsilon", database_url=url)
    assert in_use.value.code == "database_in_use"


def test_legacy_single_database_mode(installation):
    """An orchestra whose databaseUrl is the central database keeps its tables there."""
    central = tenancy.central_url()
    with tenancy.central_session() as session:
        session.add(Orchestra(name="Gamla", subdomain="gamla", contactName="K", contactEmail="k@gamla.se",
                              databaseUrl=central, status="active"))
        session.commit()
    report = migrations.migrate_all()
    assert report.ok and [o.subdomain for o in report.orchestras] == ["gamla"]
    ref = tenancy.get_orchestra("gamla")
    assert tenancy.is_single_database(ref)
    assert tenancy.orchestra_engine(ref) is tenancy.central_engine()
    tables = set(sa.inspect(tenancy.central_engine()).get_table_names())
    assert {"Orchestra", "Musician", "alembic_version_central", "alembic_version_orchestra"} <= tables


def test_prisma_urls_are_normalised():
    url = tenancy.normalise_url("postgres://u:p@db.example.com:6543/postgres?pgbouncer=true&schema=public")
    assert url == "postgresql+psycopg://u:p@db.example.com:6543/postgres"
    assert "search_path" in tenancy.normalise_url("postgresql://u@h/db?schema=tenant_a")
