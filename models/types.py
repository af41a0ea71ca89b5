"""Column types and helpers shared by the central and orchestra tables.

The earlier StageSub system (Prisma on PostgreSQL) stores times as ``TIMESTAMP(3)`` without a time zone,
holding UTC. ``UTCDateTime`` keeps that storage and hands Python aware UTC datetimes, so both old and new
databases read the same.
"""

from __future__ import annotations

import secrets
import string
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field

from services import clock

NAMING_CONVENTION = {
    "ix": "%(table_name)s_%(column_0_N_name)s_idx",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
    "ck": "%(table_name)s_%(constraint_name)s_check",
}


class UTCDateTime(sa.types.TypeDecorator):
    """``TIMESTAMP(3)`` holding naive UTC in the database, aware UTC in Python."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(precision=3, timezone=False))
        return dialect.type_descriptor(sa.DateTime(timezone=False))

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return clock.as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite rows written by raw SQL
            value = datetime.fromisoformat(value)
        return clock.as_utc(value)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

_ALPHABET = string.digits + string.ascii_lowercase


def _base36(number: int) -> str:
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = _ALPHABET[rem] + out
    return out or "0"


def new_cuid() -> str:
    """A collision-resistant id in the cuid style of the earlier system ('c' + time + 16 random base36)."""
    return "c" + _base36(int(time.time() * 1000)) + "".join(secrets.choice(_ALPHABET) for _ in range(16))


def created_at() -> Any:
    """``createdAt``-style column: set by Python and by the database default."""
    return Field(
        default_factory=clock.now,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"server_default": sa.func.now()},
    )


def updated_at() -> Any:
    """``updatedAt``: refreshed by SQLAlchemy on every ORM update."""
    return Field(
        default_factory=clock.now,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"server_default": sa.func.now(), "onupdate": clock.now},
    )


def optional_time(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=True, **kwargs)


def flag(default: bool) -> Any:
    """A NOT NULL boolean with a database default, as Prisma creates them."""
    return Field(
        default=default,
        nullable=False,
        sa_column_kwargs={"server_default": sa.true() if default else sa.false()},
    )


def text_default(default: str, nullable: bool = False) -> Any:
    return Field(default=default, nullable=nullable, sa_column_kwargs={"server_default": default})


def int_default(default: int, nullable: bool = False) -> Any:
    return Field(default=default, nullable=nullable, sa_column_kwargs={"server_default": str(default)})
