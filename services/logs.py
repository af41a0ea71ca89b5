"""The system log and audit trail: ``SystemLog`` rows in the central database.

Levels and categories follow the earlier system (levels debug/info/warn/error; categories system, auth, email,
request, api, sms, superadmin, ...). Nothing secret is ever written: metadata keys that look like a password, a
token, a key or a secret are replaced by ``"[redacted]"`` before the row is stored.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from models.central import SystemLog
from services.tenancy import central_session

LEVELS = ("debug", "info", "warn", "error")
_LEVEL_ALIASES = {"warning": "warn", "critical": "error", "fatal": "error"}
MAX_LIMIT = 1000
REDACTED = "[redacted]"
_SECRET_KEY_RE = re.compile(r"pass(word|wd)?|token|secret|api[_-]?key|authorization|cookie|hash", re.IGNORECASE)
_MAX_TEXT = 2000


def _level(level: str) -> str:
    value = (level or "").strip().lower()
    value = _LEVEL_ALIASES.get(value, value)
    if value not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, got {level!r}")
    return value


def scrub(value: Any) -> Any:
    """A copy of ``value`` with every secret-looking key redacted (nested dicts and lists included)."""
    if isinstance(value, dict):
        return {
            str(k): (REDACTED if _SECRET_KEY_RE.search(str(k)) else scrub(v)) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)  # datetimes, ids ...: JSON has no type for them


def _clip(value: str | None, length: int = _MAX_TEXT) -> str | None:
    if value is None:
        return None
    return value if len(value) <= length else value[: length - 1] + "…"


def log_event(
    level: str,
    category: str,
    message: str,
    *,
    user_id: str | None = None,
    orchestra_id: str | None = None,
    subdomain: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    meta: dict[str, Any] | None = None,
    session: Session | None = None,
) -> SystemLog:
    """Write one ``SystemLog`` row.

    With ``session`` the row joins that (central) transaction and the caller commits; without it the row is
    written and committed in its own central session.
    """
    row = SystemLog(
        level=_level(level),
        category=(category or "system").strip().lower(),
        message=_clip(message) or "",
        meta=scrub(meta) if meta is not None else None,
        userId=user_id,
        orchestraId=orchestra_id,
        subdomain=subdomain,
        ip=_clip(ip, 100),
        userAgent=_clip(user_agent, 500),
    )
    if session is not None:
        session.add(row)
        return row
    with central_session() as own:
        own.add(row)
        own.commit()
    return row


def _as_dict(row: SystemLog) -> dict[str, Any]:
    return {
        "id": row.id,
        "timestamp": row.timestamp,
        "level": row.level,
        "category": row.category,
        "message": row.message,
        "meta": row.meta,
        "userId": row.userId,
        "orchestraId": row.orchestraId,
        "subdomain": row.subdomain,
        "ip": row.ip,
        "userAgent": row.userAgent,
        "requestId": row.requestId,
        "duration": row.duration,
    }


def recent_logs(limit: int = 50, category: str | None = None, level: str | None = None) -> list[dict[str, Any]]:
    """The newest log rows first, optionally of one category and/or level, as plain dicts.

    Keys are the model's attribute names (``meta`` holds the ``metadata`` column).
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = select(SystemLog)
    if category:
        query = query.where(SystemLog.category == category.strip().lower())
    if level:
        query = query.where(SystemLog.level == _level(level))
    query = query.order_by(SystemLog.timestamp.desc(), SystemLog.id.desc()).limit(limit)
    with central_session() as session:
        return [_as_dict(row) for row in session.exec(query).all()]
