"""REST API keys: one orchestra each, shown once, stored as a SHA-256 hash, revocable.

A key reads ``ssk_<43 url-safe characters>`` (32 random bytes from ``secrets``). The central ``ApiKey`` table
keeps only the key's SHA-256 (``keyHash``) and a display prefix (``ssk_`` plus the first eight random
characters) by which operators recognise and revoke it. A SHA-256 without salt is enough here: the key is
256 random bits, so there is nothing to guess, and the lookup by hash stays a single indexed read.

``resolve_api_key`` is what the HTTP layer calls on every ``/api/v1`` request: an unknown, malformed or
revoked key, or one of an orchestra that is not active, is ``Unauthorized("invalid_api_key")``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from models.central import ApiKey, Orchestra
from services import clock, tenancy
from services.errors import Conflict, NotFound, Unauthorized, ValidationError

log = logging.getLogger(__name__)

KEY_PREFIX = "ssk_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8
LAST_USED_GRANULARITY = timedelta(minutes=1)
MAX_NAME_LENGTH = 100
_KEY_RE = re.compile(r"^ssk_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class ApiKeyInfo:
    """What may be shown about a key (never the key itself)."""

    id: int
    orchestraPk: str
    subdomain: str
    name: str
    prefix: str
    createdAt: datetime
    lastUsedAt: datetime | None
    revokedAt: datetime | None

    @property
    def is_active(self) -> bool:
        return self.revokedAt is None


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _info(row: ApiKey, subdomain: str) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id, orchestraPk=row.orchestraId, subdomain=subdomain, name=row.name, prefix=row.prefix,
        createdAt=row.createdAt, lastUsedAt=row.lastUsedAt, revokedAt=row.revokedAt,
    )


def _orchestra(session, subdomain: str) -> Orchestra:
    row = session.exec(select(Orchestra).where(Orchestra.subdomain == (subdomain or "").strip().lower())).first()
    if row is None:
        raise NotFound("orchestra_not_found", f"No orchestra with the subdomain {subdomain!r}.",
                       {"orchestra": "not found"})
    return row


def create_api_key(subdomain: str, name: str = "API key") -> tuple[str, ApiKeyInfo]:
    """Create a key for the orchestra; returns the raw key (show it once, it is not stored) and its info."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValidationError("invalid_name", f"The key's name is required, at most {MAX_NAME_LENGTH} characters.",
                              {"name": "required, at most 100 characters"})
    with tenancy.central_session() as session:
        orchestra = _orchestra(session, subdomain)
        raw = generate_key()
        row = ApiKey(orchestraId=orchestra.id, name=name, prefix=raw[:PREFIX_LENGTH], keyHash=hash_key(raw),
                     createdAt=clock.now())
        session.add(row)
        session.commit()
        return raw, _info(row, orchestra.subdomain)


def list_api_keys(subdomain: str) -> list[ApiKeyInfo]:
    """The orchestra's keys, newest first, revoked ones included."""
    with tenancy.central_session() as session:
        orchestra = _orchestra(session, subdomain)
        rows = session.exec(
            select(ApiKey).where(ApiKey.orchestraId == orchestra.id).order_by(ApiKey.createdAt.desc(), ApiKey.id.desc())
        ).all()
        return [_info(row, orchestra.subdomain) for row in rows]


def revoke_api_key(prefix_or_id: str | int) -> ApiKeyInfo:
    """Revoke a key by its display prefix (``ssk_AbCd1234``) or its numeric id; it stops working at once.

    Revoking a revoked key changes nothing and returns it as it is (its original ``revokedAt``).
    """
    value = str(prefix_or_id).strip()
    if not value:
        raise ValidationError("invalid_prefix", "Name the key by its prefix or id.", {"prefix": "required"})
    with tenancy.central_session() as session:
        if value.isdigit():
            rows = [row for row in [session.get(ApiKey, int(value))] if row is not None]
        else:
            rows = list(session.exec(select(ApiKey).where(ApiKey.prefix == value)).all())
        if not rows:
            raise NotFound("api_key_not_found", f"No API key {value!r}.", {"prefix": "not found"})
        if len(rows) > 1:
            raise Conflict("ambiguous_prefix", f"{len(rows)} keys have the prefix {value!r}; revoke by id instead.",
                           {"prefix": "ambiguous"})
        row = rows[0]
        if row.revokedAt is None:
            row.revokedAt = clock.now()
            session.add(row)
            session.commit()
        orchestra = session.get(Orchestra, row.orchestraId)
        return _info(row, orchestra.subdomain if orchestra else "")


def resolve_api_key(raw: str | None) -> tenancy.OrchestraRef:
    """The orchestra a raw key belongs to; ``Unauthorized("invalid_api_key")`` for anything else."""
    return authenticate(raw)[0]


def authenticate(raw: str | None) -> tuple[tenancy.OrchestraRef, ApiKeyInfo]:
    """Like ``resolve_api_key``, also returning the key's info (its prefix names the actor in audit rows)."""
    invalid = Unauthorized("invalid_api_key", "The API key is not valid.")
    if not raw or not _KEY_RE.match(raw):
        raise invalid
    now = clock.now()
    with tenancy.central_session() as session:
        row = session.exec(select(ApiKey).where(ApiKey.keyHash == hash_key(raw))).first()
        if row is None or row.revokedAt is not None:
            raise invalid
        orchestra = session.get(Orchestra, row.orchestraId)
        if orchestra is None or orchestra.status != "active":
            raise invalid
        ref = tenancy.to_ref(orchestra)
        info = _info(row, orchestra.subdomain)
        if row.lastUsedAt is None or now - row.lastUsedAt >= LAST_USED_GRANULARITY:
            _touch(session, row.id, now)
    return ref, info


def _touch(session, key_pk: int, now: datetime) -> None:
    """Record the use, at most once a minute; a busy central database never fails the request for it."""
    try:
        session.execute(
            sa.update(ApiKey)
            .where(ApiKey.id == key_pk,
                   sa.or_(ApiKey.lastUsedAt.is_(None), ApiKey.lastUsedAt <= now - LAST_USED_GRANULARITY))
            .values(lastUsedAt=now)
        )
        session.commit()
    except sa.exc.OperationalError as exc:
        session.rollback()
        log.info("could not record the use of API key %s: %s", key_pk, exc.orig)
