"""The one place that maps an orchestra to its database.

* The central database: ``STAGESUB_DATABASE_URL`` (default ``sqlite:///<data dir>/central.db``).
* An orchestra database: its ``databaseUrl`` (PostgreSQL, stored encrypted; or the central URL itself in the
  legacy single-database mode), else the embedded default ``<data dir>/orchestras/<subdomain>.db``.
* Engines are created lazily, one per URL, and cached: SQLite in WAL mode with a busy timeout and foreign
  keys on; PostgreSQL through psycopg 3 with a small pre-pinged pool.
* Hosts: ``<subdomain>.<base domain>`` (and ``<subdomain>.localhost``, which needs no DNS) or an orchestra's
  custom domain name an orchestra; any other host is the platform host.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from models.central import Orchestra
from services import secrets_box
from services.errors import Forbidden, NotFound
from services.settings import get_settings

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SUBDOMAINS = frozenset({"www", "api", "admin", "superadmin", "app", "static", "mail", "localhost"})
# Query parameters that Prisma accepts in a connection string but libpq does not.
_PRISMA_ONLY_PARAMS = ("schema", "pgbouncer", "connection_limit", "pool_timeout", "socket_timeout")

log = logging.getLogger(__name__)
T = TypeVar("T")

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


@dataclass(frozen=True)
class OrchestraRef:
    """What the rest of the code needs to know about an orchestra (no secrets but its database URL)."""

    id: str
    orchestraId: str
    subdomain: str
    name: str
    status: str
    logoUrl: str | None
    customDomain: str | None
    primaryColor: str | None
    database_url: str
    webhookUrl: str | None = None
    smsOn: frozenset[str] = frozenset()  # outbox message types with their ``smsOn…`` switch on


    @property
    def is_active(self) -> bool:
        return self.status == "active"


# ----- engines ---------------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """Turn a stored URL into the SQLAlchemy URL we connect with (psycopg 3 driver, no Prisma params)."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("postgresql+psycopg://"):
        parsed = make_url(url)
        query = dict(parsed.query)
        schema = query.get("schema")
        for key in _PRISMA_ONLY_PARAMS:
            query.pop(key, None)
        if schema and schema != "public":
            query["options"] = f"-csearch_path={schema}"
        url = parsed.set(query=query).render_as_string(hide_password=False)
    return url


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def create_db_engine(url: str) -> Engine:
    """A new engine for ``url`` with the house settings (use ``engine_for`` to get the cached one)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    return sa.create_engine(
        url, pool_size=5, max_overflow=5, pool_pre_ping=True, pool_recycle=1800, pool_timeout=15,
        connect_args={"connect_timeout": 10},
    )


def engine_for(url: str) -> Engine:
    key = normalise_url(url)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = create_db_engine(key)
        return engine


def dispose_engine(url: str) -> None:
    with _engines_lock:
        engine = _engines.pop(normalise_url(url), None)
    if engine is not None:
        engine.dispose()


def dispose_all() -> None:
    """Close every pool and forget cached orchestras (tests, shutdown, or after the configuration changed)."""
    _ref_cache.clear()
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def central_url() -> str:
    return get_settings().database_url


def central_engine() -> Engine:
    return engine_for(central_url())


@contextlib.contextmanager
def central_session() -> Iterator[Session]:
    with Session(central_engine(), expire_on_commit=False) as session:
        yield session


# ----- orchestras ------------------------------------------------------------------------------------


def embedded_database_url(subdomain: str) -> str:
    return f"sqlite:///{get_settings().orchestras_dir / f'{subdomain}.db'}"


def database_url_of(orchestra: Orchestra) -> str:
    stored = secrets_box.decrypt(orchestra.databaseUrl)
    return stored or embedded_database_url(orchestra.subdomain)


def is_single_database(ref: OrchestraRef) -> bool:
    """Legacy single-database mode: the orchestra's tables live in the central database."""
    return normalise_url(ref.database_url) == normalise_url(central_url())


# The five ``smsOn…`` switches of the Orchestra row, by outbox message type.
SMS_SWITCHES = {
    "request": "smsOnRequest",
    "reminder": "smsOnReminder",
    "confirmation": "smsOnConfirmation",
    "position_filled": "smsOnPositionFilled",
    "group_email": "smsOnGroupEmail",
}


def to_ref(orchestra: Orchestra) -> OrchestraRef:
    return OrchestraRef(
        id=orchestra.id,
        orchestraId=orchestra.orchestraId,
        subdomain=orchestra.subdomain,
        name=orchestra.name,
        status=orchestra.status,
        logoUrl=orchestra.logoUrl,
        customDomain=orchestra.customDomain,
        primaryColor=orchestra.primaryColor,
        database_url=database_url_of(orchestra),
        webhookUrl=orchestra.webhookUrl,
        smsOn=frozenset(kind for kind, attr in SMS_SWITCHES.items() if getattr(orchestra, attr, False)),
    )


def _checked(orchestra: Orchestra | None, what: str, require_active: bool) -> OrchestraRef:
    if orchestra is None:
        raise NotFound("orchestra_not_found", f"No orchestra {what}.")
    if require_active and orchestra.status != "active":
        raise Forbidden("orchestra_not_active", f"The orchestra {orchestra.name} is {orchestra.status}.")
    return to_ref(orchestra)


def get_orchestra(subdomain: str, *, require_active: bool = True) -> OrchestraRef:
    with central_session() as session:
        row = session.exec(select(Orchestra).where(Orchestra.subdomain == subdomain.lower())).first()
        return _checked(row, f"with the subdomain {subdomain!r}", require_active)


_ref_cache: dict[tuple[str, str], tuple[float, OrchestraRef]] = {}
REF_CACHE_SECONDS = 5.0


def get_orchestra_cached(subdomain: str) -> OrchestraRef:
    """``get_orchestra`` for the hot public paths (response pages): remembered for a few seconds.

    A change to an orchestra (suspension, new webhook URL) reaches these paths within ``REF_CACHE_SECONDS``.
    """
    key = (central_url(), subdomain.lower())
    hit = _ref_cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < REF_CACHE_SECONDS:
        return hit[1]
    ref = get_orchestra(subdomain)
    _ref_cache[key] = (now, ref)
    return ref


def plan_limits(ref: OrchestraRef) -> tuple[int, int]:
    """(maxMusicians, maxProjects) of the orchestra's plan, from the central database."""
    with central_session() as central:
        row = central.get(Orchestra, ref.id)
        if row is None:
            raise NotFound("orchestra_not_found", "The orchestra does not exist.")
        return row.maxMusicians, row.maxProjects


def forget_cached_orchestras() -> None:
    """Call after changing an orchestra's central row, so this process sees the change at once."""
    _ref_cache.clear()


def get_orchestra_by_id(orchestra_pk: str, *, require_active: bool = True) -> OrchestraRef:
    with central_session() as session:
        return _checked(session.get(Orchestra, orchestra_pk), f"with the id {orchestra_pk!r}", require_active)


def list_orchestras() -> list[OrchestraRef]:
    with central_session() as session:
        return [to_ref(o) for o in session.exec(select(Orchestra).order_by(Orchestra.name)).all()]


def orchestra_engine(ref: OrchestraRef) -> Engine:
    return engine_for(ref.database_url)


@contextlib.contextmanager
def orchestra_session(ref: OrchestraRef) -> Iterator[Session]:
    """A session on the orchestra's own database. The caller commits."""
    with Session(orchestra_engine(ref), expire_on_commit=False) as session:
        yield session


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer.

    SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock now (waiting up to the busy timeout), so a
    read-check-write unit cannot interleave with another writer. PostgreSQL: nothing here; callers lock the
    rows they change with ``SELECT ... FOR UPDATE``.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.driver_connection
    if not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def orchestra_base_url(ref: OrchestraRef) -> str:
    """Where an orchestra's pages are served: its custom domain, else ``<subdomain>.<base domain>``.

    Scheme and port come from ``STAGESUB_PUBLIC_URL`` (default ``http://localhost:3000`` gives
    ``http://<subdomain>.localhost:3000``).
    """
    public = urlsplit(get_settings().public_url)
    port = f":{public.port}" if public.port else ""
    if ref.customDomain:
        return f"{public.scheme}://{ref.customDomain}{port}"
    return f"{public.scheme}://{ref.subdomain}.{get_settings().base_domain}{port}"


def _is_retryable(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("database is locked", "deadlock detected", "could not serialize", "busy"))


def write_transaction(ref: OrchestraRef, work: Callable[[Session], T], attempts: int = 8) -> T:
    """Run ``work`` in one write transaction on the orchestra database; a busy or deadlocked database is
    retried with a short backoff (never surfaced as an error unless it persists)."""
    for attempt in range(1, attempts + 1):
        with orchestra_session(ref) as session:
            try:
                begin_write(session)
                result = work(session)
                session.commit()
                return result
            except sa.exc.OperationalError as exc:
                session.rollback()
                if not _is_retryable(exc) or attempt == attempts:
                    raise
                log.info("busy database (%s), retry %d", exc.orig, attempt)
                time.sleep(min(0.05 * 2**attempt, 1.0))
    raise RuntimeError("unreachable")


# ----- hosts -----------------------------------------------------------------------------------------


def hostname_of(host: str | None) -> str:
    """``Acme.localhost:3000`` -> ``acme.localhost`` (IPv6 literals keep their brackets)."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.split(":")[0].rstrip(".")


def subdomain_from_host(host: str | None) -> str | None:
    hostname = hostname_of(host)
    for base in {get_settings().base_domain, "localhost"}:
        if base and hostname.endswith("." + base):
            sub = hostname[: -len(base) - 1]
            if sub and "." not in sub and sub not in RESERVED_SUBDOMAINS:
                return sub
    return None


def orchestra_for_host(host: str | None) -> OrchestraRef | None:
    """The orchestra a host names: an ``OrchestraRef``; ``None`` for the platform host.

    Raises ``NotFound`` when the host names an orchestra that does not exist.
    """
    hostname = hostname_of(host)
    sub = subdomain_from_host(hostname)
    with central_session() as session:
        if sub is not None:
            row = session.exec(select(Orchestra).where(Orchestra.subdomain == sub)).first()
            if row is None:
                raise NotFound("orchestra_not_found", f"No orchestra is served at {hostname}.")
            return to_ref(row)
        if hostname and hostname not in ("localhost", "127.0.0.1", "[::1]", get_settings().base_domain):
            row = session.exec(select(Orchestra).where(sa.func.lower(Orchestra.customDomain) == hostname)).first()
            if row is not None:
                return to_ref(row)
    return None


def check_host_access(host: str | None, *, role: str, orchestra_pk: str | None) -> None:
    """Refuse a logged-in user on another orchestra's host (fails closed on unknown orchestra hosts)."""
    target = orchestra_for_host(host)
    if target is None:
        return
    if role == "superadmin":
        return
    if orchestra_pk is None or target.id != orchestra_pk:
        raise Forbidden("wrong_orchestra", "This account does not belong to the orchestra at this address.")
