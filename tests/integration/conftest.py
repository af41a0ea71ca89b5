"""PostgreSQL for the integration tests: a fresh database per use, dropped afterwards.

``scripts/test.sh`` exports STAGESUB_TEST_PG_URL (a database made for this run); databases created here
are named after it (``<that name>_<n>``) so the script's cleanup finds them too. Without it, the server
in STAGESUB_TEST_PG_SERVER_URL (default: the local PostgreSQL) is used with a random prefix.
"""

from __future__ import annotations

import itertools
import os
import secrets

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("STAGESUB_TEST_PG_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
_counter = itertools.count(1)


def _prefix() -> str:
    run_url = os.environ.get("STAGESUB_TEST_PG_URL")
    if run_url:
        return make_url(run_url).database
    return f"stagesub_test_{secrets.token_hex(4)}"


PREFIX = _prefix()


def _admin_engine() -> sa.Engine:
    url = SERVER_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is needed for the integration tests and is not reachable at {SERVER_URL}: {exc}")
    finally:
        engine.dispose()
    return SERVER_URL


@pytest.fixture
def new_pg_database(pg_server_url):
    """A factory: ``new_pg_database()`` creates an empty database and returns its URL; all are dropped later."""
    created: list[str] = []
    engine = _admin_engine()

    def make() -> str:
        name = f"{PREFIX}_{next(_counter)}"
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)

    yield make
    from services import tenancy

    tenancy.dispose_all()
    with engine.connect() as conn:
        for name in created:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _stagesub_databases(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE 'stagesub\\_it\\_%'"))
                   .scalars())


@pytest.fixture
def orchestra_server(pg_server_url, monkeypatch):
    """New orchestras get their own PostgreSQL database (STAGESUB_ORCHESTRA_DB_SERVER_URL).

    Tests name such orchestras ``it-<random>`` (``random_subdomain()``); the databases that appeared during
    the test are dropped afterwards.
    """
    engine = _admin_engine()
    before = _stagesub_databases(engine)
    monkeypatch.setenv("STAGESUB_ORCHESTRA_DB_SERVER_URL", pg_server_url)
    yield pg_server_url
    from services import tenancy

    tenancy.dispose_all()
    with engine.connect() as conn:
        for name in _stagesub_databases(engine) - before:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def random_subdomain() -> str:
    """An orchestra subdomain no other test (or test run) uses: its database is ``stagesub_it_<hex>``."""
    return f"it-{secrets.token_hex(4)}"
