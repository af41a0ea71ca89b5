"""Schema migrations (Alembic) for the central database and every orchestra database.

Two histories: ``migrations/central`` and ``migrations/orchestra``, each with its own version table
(``alembic_version_central`` / ``alembic_version_orchestra``) so that the legacy single-database mode, where
both sets of tables share one database, works too.

Adoption of a database created by the earlier system: its tables exist but no version table does. Every
revision here is written "ensure"-style (create a table only when it is missing, add only missing columns
and indexes, never drop or rewrite), so the normal upgrade adopts such a database without losing data, and a
second run is a no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from services import tenancy
from services.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
VERSION_TABLES = {"central": "alembic_version_central", "orchestra": "alembic_version_orchestra"}


@dataclass
class OrchestraMigration:
    subdomain: str
    revision: str | None
    error: str | None = None


@dataclass
class MigrationReport:
    central_revision: str
    orchestras: list[OrchestraMigration] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.error is None for o in self.orchestras)


def _config(kind: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(MIGRATIONS_DIR) / kind))
    cfg.attributes["version_table"] = VERSION_TABLES[kind]
    return cfg


def head_revision(kind: str) -> str:
    return ScriptDirectory.from_config(_config(kind)).get_current_head()


def current_revision(engine: Engine, kind: str) -> str | None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLES[kind]})
        return ctx.get_current_revision()


def upgrade(engine: Engine, kind: str) -> str:
    """Bring one database to the head of its history in one transaction; returns the revision."""
    cfg = _config(kind)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()
    return head_revision(kind)


def upgrade_central() -> str:
    return upgrade(tenancy.central_engine(), "central")


def upgrade_orchestra(ref: tenancy.OrchestraRef) -> str:
    """Migrate an orchestra database, then repair its readable-id sequences (data, not schema)."""
    from services.ids import ensure_sequences

    engine = tenancy.orchestra_engine(ref)
    revision = upgrade(engine, "orchestra")
    with Session(engine) as session:
        ensure_sequences(session)
        session.commit()
    return revision


def migrate_all() -> MigrationReport:
    """The central database first, then every orchestra's; one failing orchestra does not stop the rest."""
    report = MigrationReport(central_revision=upgrade_central())
    for ref in tenancy.list_orchestras():
        if ref.status == "pending":
            continue  # still being provisioned (or failed provisioning): no database to migrate yet
        try:
            report.orchestras.append(OrchestraMigration(ref.subdomain, upgrade_orchestra(ref)))
        except Exception as exc:  # reported per orchestra; the operator sees which one failed and why
            log.exception("migration of %s failed", ref.subdomain)
            report.orchestras.append(OrchestraMigration(ref.subdomain, None, f"{type(exc).__name__}: {exc}"))
    return report


# ----- helpers used by the revision scripts ----------------------------------------------------------


def ensure_tables(conn: Connection, metadata: sa.MetaData, names: tuple[str, ...] | list[str]) -> None:
    """Create the named tables that are missing; add missing columns and indexes to those that exist.

    Added columns are nullable unless they carry a server default, so adding them to a table that already
    has rows always succeeds. Unique constraints are only created with new tables (existing data of the
    earlier system is never rejected by a migration).
    """
    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    missing = [metadata.tables[name] for name in names if name not in existing]
    if missing:
        metadata.create_all(conn, tables=missing)
    preparer = conn.dialect.identifier_preparer
    for name in names:
        if name not in existing:
            continue
        table = metadata.tables[name]
        have_columns = {c["name"] for c in inspector.get_columns(name)}
        for column in table.columns:
            if column.name in have_columns:
                continue
            col_type = column.type.compile(dialect=conn.dialect)
            ddl = f"ALTER TABLE {preparer.quote(name)} ADD COLUMN {preparer.quote(column.name)} {col_type}"
            default = column.server_default
            if default is not None:
                default_sql = (
                    default.arg.compile(dialect=conn.dialect) if not isinstance(default.arg, str)
                    else "'" + default.arg.replace("'", "''") + "'"
                )
                ddl += f" DEFAULT {default_sql}"
                if not column.nullable:
                    ddl += " NOT NULL"
            conn.execute(sa.text(ddl))
        have_indexes = {i["name"] for i in inspector.get_indexes(name)}
        for index in table.indexes:
            if index.name not in have_indexes and not index.unique:
                index.create(conn)
