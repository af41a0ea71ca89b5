"""Creating orchestras: a validated central row, a database of their own, migrations, seed data, an admin.

A failure at any step removes everything made so far (the central row, its users, the SQLite file or the
PostgreSQL database) and raises a clear ``ServiceError``; there is never a half-created orchestra.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import select

from models.central import Orchestra, User
from services import auth, secrets_box, tenancy
from services.errors import Conflict, ServiceError, ValidationError
from services.migrations import upgrade_orchestra
from services.settings import get_settings

log = logging.getLogger(__name__)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEMO_SUBDOMAIN = "demo"
DEMO_NAME = "Demoorkestern"


@dataclass
class ProvisionResult:
    orchestra: tenancy.OrchestraRef
    admin_username: str | None
    admin_password: str | None
    counts: object


@dataclass
class DemoResult:
    orchestra: tenancy.OrchestraRef
    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    counts: object = None


def generate_password() -> str:
    """A 16-character password from the OS's secure generator."""
    return secrets.token_urlsafe(12)


def validate_subdomain(subdomain: str) -> str:
    value = (subdomain or "").strip().lower()
    if not tenancy.SUBDOMAIN_RE.match(value):
        raise ValidationError(
            "invalid_subdomain",
            "The subdomain may contain only a-z, 0-9 and hyphens, 1–63 characters, not starting or ending "
            "with a hyphen.",
            {"subdomain": "invalid"},
        )
    if value in tenancy.RESERVED_SUBDOMAINS:
        raise ValidationError("invalid_subdomain", f"The subdomain {value!r} is reserved.", {"subdomain": "reserved"})
    return value


def _validate(name: str, contact_name: str, contact_email: str) -> None:
    fields = {}
    if not (name or "").strip() or len(name) > 120:
        fields["name"] = "required, at most 120 characters"
    if not (contact_name or "").strip():
        fields["contactName"] = "required"
    if not EMAIL_RE.match(contact_email or ""):
        fields["contactEmail"] = "not an e-mail address"
    if fields:
        raise ValidationError("invalid_orchestra", "The orchestra's details are incomplete or invalid.", fields)


def _pg_database_name(subdomain: str) -> str:
    return "stagesub_" + subdomain.replace("-", "_")


def _create_pg_database(server_url: str, db_name: str) -> str:
    """CREATE DATABASE on the configured server; returns the new database's URL."""
    engine = sa.create_engine(tenancy.normalise_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": db_name}).first()
            if exists:
                raise Conflict("database_exists", f"A database named {db_name} already exists on the server.")
            conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))
    finally:
        engine.dispose()
    return make_url(tenancy.normalise_url(server_url)).set(database=db_name).render_as_string(hide_password=False)


def _drop_pg_database(server_url: str, db_name: str) -> None:
    engine = sa.create_engine(tenancy.normalise_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _remove_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if not database:
        return
    for suffix in ("", "-wal", "-shm"):
        Path(database + suffix).unlink(missing_ok=True)


def create_orchestra(
    *,
    name: str,
    subdomain: str,
    contact_name: str,
    contact_email: str,
    database_url: str | None = None,
    create_admin: bool = True,
) -> ProvisionResult:
    """Provision a new, active orchestra with its own seeded database and (by default) an admin login."""
    from services.seed_data import seed_orchestra

    subdomain = validate_subdomain(subdomain)
    _validate(name, contact_name, contact_email)
    settings = get_settings()

    with tenancy.central_session() as session:
        if session.exec(select(Orchestra).where(Orchestra.subdomain == subdomain)).first():
            raise Conflict("subdomain_taken", f"The subdomain {subdomain!r} is already taken.", {"subdomain": "taken"})
        if database_url:
            wanted = tenancy.normalise_url(database_url)
            for other in session.exec(select(Orchestra).where(Orchestra.databaseUrl.is_not(None))).all():
                if tenancy.normalise_url(tenancy.database_url_of(other)) == wanted:
                    raise Conflict("database_in_use", f"That database already belongs to {other.name}.")
        if create_admin and session.exec(select(User).where(User.email == contact_email.strip().lower())).first():
            raise Conflict("email_taken", "A user with the contact e-mail address already exists.",
                           {"contactEmail": "taken"})
        orchestra = Orchestra(
            name=name.strip(), subdomain=subdomain, contactName=contact_name.strip(),
            contactEmail=contact_email.strip().lower(), status="pending",
        )
        session.add(orchestra)
        session.commit()
        orchestra_pk = orchestra.id

    created_pg: tuple[str, str] | None = None
    created_sqlite: str | None = None
    try:
        if database_url:
            url = database_url
        elif settings.orchestra_db_server_url:
            db_name = _pg_database_name(subdomain)
            url = _create_pg_database(settings.orchestra_db_server_url, db_name)
            created_pg = (settings.orchestra_db_server_url, db_name)
        else:
            url = tenancy.embedded_database_url(subdomain)
            if Path(make_url(url).database).exists():
                raise Conflict("database_exists", f"An orchestra database file for {subdomain!r} already exists.")
            created_sqlite = url
        with tenancy.central_session() as session:
            row = session.get(Orchestra, orchestra_pk)
            row.databaseUrl = secrets_box.encrypt(url) if url != tenancy.embedded_database_url(subdomain) else None
            session.commit()
            ref = tenancy.to_ref(row)
        upgrade_orchestra(ref)
        with tenancy.orchestra_session(ref) as session:
            counts = seed_orchestra(session, ref.name)
            session.commit()
        admin_username = admin_password = None
        if create_admin:
            admin_username, admin_password = f"{subdomain}-admin", generate_password()
            auth.create_user(username=admin_username, email=contact_email.strip().lower(), password=admin_password,
                             role="admin", orchestra_subdomain=subdomain)
        with tenancy.central_session() as session:
            row = session.get(Orchestra, orchestra_pk)
            row.status = "active"
            session.commit()
            ref = tenancy.to_ref(row)
    except BaseException as exc:
        _undo(orchestra_pk, created_pg, created_sqlite)
        if isinstance(exc, ServiceError):
            raise
        log.exception("provisioning of %s failed", subdomain)
        raise ServiceError("provisioning_failed", f"Creating the orchestra failed and was undone: {exc}") from exc
    return ProvisionResult(orchestra=ref, admin_username=admin_username, admin_password=admin_password, counts=counts)


def _undo(orchestra_pk: str, created_pg: tuple[str, str] | None, created_sqlite: str | None) -> None:
    with tenancy.central_session() as session:
        for user in session.exec(select(User).where(User.orchestraId == orchestra_pk)).all():
            session.delete(user)
        row = session.get(Orchestra, orchestra_pk)
        url = tenancy.database_url_of(row) if row else None
        if row is not None:
            session.delete(row)
        session.commit()
    if url:
        tenancy.dispose_engine(url)
    if created_sqlite:
        _remove_sqlite_file(created_sqlite)
    if created_pg:
        _drop_pg_database(*created_pg)


def seed_demo_orchestra() -> DemoResult:
    """The demo orchestra for `make run` and `seed-demo`: created once, with an admin and a user login."""
    from services.demo import seed_demo_data

    try:
        ref = tenancy.get_orchestra(DEMO_SUBDOMAIN, require_active=False)
        created, logins = False, []
    except ServiceError:
        result = create_orchestra(
            name=DEMO_NAME, subdomain=DEMO_SUBDOMAIN, contact_name="Anna Lindqvist",
            contact_email="kansli@demoorkestern.example.se",
        )
        ref, created = result.orchestra, True
        with tenancy.central_session() as central:  # the demo shows its SMS too (simulated unless keys are set)
            row = central.get(Orchestra, ref.id)
            row.smsOnRequest = row.smsOnReminder = row.smsOnConfirmation = row.smsOnPositionFilled = True
            central.commit()
        ref = tenancy.get_orchestra(DEMO_SUBDOMAIN, require_active=False)
        logins = [("admin", result.admin_username, result.admin_password)]
        user_password = generate_password()
        auth.create_user(username="demo-user", email="planering@demoorkestern.example.se", password=user_password,
                         role="user", orchestra_subdomain=DEMO_SUBDOMAIN)
        logins.append(("user", "demo-user", user_password))
    with tenancy.orchestra_session(ref) as session:
        counts = seed_demo_data(session)
        session.commit()
    return DemoResult(orchestra=ref, created=created, logins=logins, counts=counts)
