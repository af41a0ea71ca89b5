"""The logs page (``/logs``, admins): the orchestra's system log and audit trail, filtered and paged in SQL.

No Reflex here. ORIGINAL_BEHAVIOUR.md §5.9 read the whole tenant database's log; here an admin sees only their
own orchestra's entries:

* ``SystemLog`` (central database, written by ``services.logs.log_event``): rows with this orchestra's
  ``orchestraId``, plus rows that name no orchestra but one of its users (a logout, revoked sessions) or its
  subdomain. Another orchestra's rows and platform-only rows are never returned.
* ``AuditLog`` (the orchestra's own database): who sent requests, answered for a musician, changed templates or
  files.

Both page 50 rows at a time; filters are validated (a bad value changes nothing and names its field).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from models.central import SystemLog, User
from models.orchestra import AuditLog
from services import clock, logs, tenancy
from services.communication_views import date_range
from services.errors import ValidationError
from services.musicians import like_pattern
from services.settings import get_settings

PAGE_SIZE = 50
SEARCH_MAX = 100
CATEGORY_MAX = 50
KNOWN_CATEGORIES = ("system", "auth", "email", "sms", "request", "api", "error", "orchestra_config")
"""Offered in the category filter even before the orchestra has an entry of that kind."""

# ``SystemLog.message`` is stored in English (as the earlier system wrote it, and as the search filter finds it).
# The page shows the texts StageSub writes in the user's language: each has a key (``logs.msg.<key>``); the two
# with values in them are known by how they start and take the values from the row's metadata. Any other text
# (an earlier system's, a future writer's) is shown as stored.
MESSAGE_KEYS = {
    "Login": "login",
    "Logout": "logout",
    "Login failed": "login_failed",
    "Login refused: too many attempts": "login_throttled",
    "Login refused: orchestra not active": "login_orchestra_inactive",
    "Sessions revoked": "sessions_revoked",
    "Password change refused: wrong current password": "password_change_refused",
    "Password changed": "password_changed",
    "Password reset by an admin": "password_reset",
    "User created": "user_created",
    "User added by an admin": "user_added",
    "User role changed": "user_role_changed",
    "User reactivated": "user_reactivated",
    "User deactivated": "user_deactivated",
}
MESSAGE_PATTERNS = (
    ("Group e-mail to ", "group_email_queued", ("recipients", "projectId", "actor")),
    ("Messaging settings of ", "messaging_settings_changed", ("actor", "changed")),
)


def message_key(message: str, meta: Any) -> tuple[str, dict[str, str]]:
    """The catalog key (without ``logs.msg.``) and values for a stored log text; ``("", {})`` for a text the page
    shows as stored."""
    key = MESSAGE_KEYS.get(message)
    if key:
        return key, {}
    if isinstance(meta, dict):
        for prefix, key, names in MESSAGE_PATTERNS:
            if message.startswith(prefix) and all(meta.get(name) not in (None, "") for name in names):
                return key, {name: ", ".join(map(str, meta[name])) if isinstance(meta[name], list)
                             else str(meta[name]) for name in names}
    return "", {}


def _system_row(row: SystemLog, username: str | None, tz) -> dict:
    key, values = message_key(row.message, row.meta)
    return {
        "id": row.id,
        "timestamp": clock.format_local(row.timestamp, tz),
        "level": row.level,
        "category": row.category,
        "message": row.message,
        "messageKey": key,
        "messageValues": values,
        "user": username or (row.userId or ""),
        "ip": row.ip or "",
        "userAgent": row.userAgent or "",
        "meta": as_json(row.meta),
    }


def as_json(value) -> str:
    """Stored metadata for people: pretty JSON, ``""`` when there is none."""
    if value in (None, "", {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _paging(total: int, page, page_size: int) -> tuple[int, int]:
    pages = max(1, math.ceil(total / page_size))
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    return min(max(1, number), pages), pages


def _system_filters(filters: dict) -> dict:
    problems: dict[str, str] = {}
    level = _text(filters.get("level"), 10).lower()
    if level and level not in logs.LEVELS:
        problems["level"] = f"one of {', '.join(logs.LEVELS)}"
    category = _text(filters.get("category"), CATEGORY_MAX).lower()
    start, end = date_range(filters.get("from"), filters.get("to"), problems)
    if problems:
        raise ValidationError("invalid_filter", "Some filters are not valid.", problems)
    return {"level": level, "category": category, "from": start, "to": end,
            "search": _text(filters.get("search"), SEARCH_MAX)}


def _orchestra_scope(ref: tenancy.OrchestraRef):
    """The SystemLog rows that belong to this orchestra (see the module docstring)."""
    own_users = select(User.id).where(User.orchestraId == ref.id)
    return sa.or_(
        SystemLog.orchestraId == ref.id,
        sa.and_(SystemLog.orchestraId.is_(None),
                sa.or_(SystemLog.userId.in_(own_users), SystemLog.subdomain == ref.subdomain)),
    )


def _shown_text_matches(search: str, shown: Callable[[str], str]) -> sa.ColumnElement[bool] | None:
    """Rows whose stored text is one the page shows with words that contain ``search``: ``shown(key)`` is the
    page's text for ``logs.msg.<key>`` (its placeholders included)."""
    needle = search.casefold()
    exact = [text for text, key in MESSAGE_KEYS.items() if needle in shown(key).casefold()]
    prefixes = [prefix for prefix, key, _ in MESSAGE_PATTERNS if needle in shown(key).casefold()]
    matches = [SystemLog.message.in_(exact)] if exact else []
    matches += [SystemLog.message.startswith(prefix, autoescape=True) for prefix in prefixes]
    return sa.or_(*matches) if matches else None


def system_logs(orchestra_pk: str, filters: dict | None = None, page: int = 1, page_size: int = PAGE_SIZE, *,
                shown: Callable[[str], str] | None = None) -> dict:
    """One page of the orchestra's system log, newest first.

    ``filters``: ``level`` (debug, info, warn, error), ``category``, ``search`` (in the message as stored, and,
    with ``shown`` (key → the page's text of ``logs.msg.<key>``), in the texts the page shows for it), ``from`` /
    ``to`` (local dates). Returns ``{"rows", "total", "page", "pages", "categories"}``; each row: ``id,
    timestamp, level, category, message, messageKey, messageValues`` (``message_key``), ``user`` (user name when
    known), ``ip, userAgent, meta`` (pretty JSON).
    """
    clean = _system_filters(filters or {})
    ref = tenancy.get_orchestra_by_id(orchestra_pk, require_active=False)
    tz = get_settings().timezone
    conditions = [_orchestra_scope(ref)]
    if clean["level"]:
        conditions.append(SystemLog.level == clean["level"])
    if clean["category"]:
        conditions.append(SystemLog.category == clean["category"])
    if clean["from"] is not None:
        conditions.append(SystemLog.timestamp >= clean["from"])
    if clean["to"] is not None:
        conditions.append(SystemLog.timestamp <= clean["to"])
    if clean["search"]:
        stored = sa.func.lower(SystemLog.message).like(like_pattern(clean["search"].lower()), escape="\\")
        translated = _shown_text_matches(clean["search"], shown) if shown is not None else None
        conditions.append(stored if translated is None else sa.or_(stored, translated))
    with tenancy.central_session() as session:
        total = int(session.execute(sa.select(sa.func.count()).select_from(SystemLog).where(*conditions)).scalar_one())
        number, pages = _paging(total, page, page_size)
        rows = session.execute(
            sa.select(SystemLog, User.username)
            .outerjoin(User, User.id == SystemLog.userId)
            .where(*conditions)
            .order_by(SystemLog.timestamp.desc(), SystemLog.id.desc())
            .offset((number - 1) * page_size).limit(page_size)
        ).all()
        used = session.execute(
            sa.select(SystemLog.category).where(_orchestra_scope(ref)).distinct()
        ).scalars().all()
    return {
        "rows": [_system_row(row, username, tz) for row, username in rows],
        "total": total,
        "page": number,
        "pages": pages,
        "categories": sorted(set(KNOWN_CATEGORIES) | {c for c in used if c}),
    }


def audit_logs(orchestra_pk: str, filters: dict | None = None, page: int = 1, page_size: int = PAGE_SIZE) -> dict:
    """One page of the orchestra's audit trail, newest first.

    ``filters``: ``action`` (exact), ``search`` (in the user), ``from`` / ``to`` (local dates). Returns
    ``{"rows", "total", "page", "pages", "actions"}``; each row: ``id, timestamp, user, action, entity``
    (``Project #3``), ``changes`` (pretty JSON of old and new values).
    """
    filters = filters or {}
    problems: dict[str, str] = {}
    start, end = date_range(filters.get("from"), filters.get("to"), problems)
    if problems:
        raise ValidationError("invalid_filter", "Some filters are not valid.", problems)
    action = _text(filters.get("action"), CATEGORY_MAX)
    search = _text(filters.get("search"), SEARCH_MAX)
    ref = tenancy.get_orchestra_by_id(orchestra_pk, require_active=False)
    tz = get_settings().timezone
    conditions = []
    if action:
        conditions.append(AuditLog.action == action)
    if start is not None:
        conditions.append(AuditLog.timestamp >= start)
    if end is not None:
        conditions.append(AuditLog.timestamp <= end)
    if search:
        user = sa.func.lower(sa.func.coalesce(AuditLog.userId, ""))
        conditions.append(user.like(like_pattern(search.lower()), escape="\\"))
    with tenancy.orchestra_session(ref) as session:
        total = int(session.execute(sa.select(sa.func.count()).select_from(AuditLog).where(*conditions)).scalar_one())
        number, pages = _paging(total, page, page_size)
        rows = session.execute(
            sa.select(AuditLog).where(*conditions)
            .order_by(AuditLog.timestamp.desc(), AuditLog.id.desc())
            .offset((number - 1) * page_size).limit(page_size)
        ).scalars().all()
        actions = session.execute(sa.select(AuditLog.action).distinct().order_by(AuditLog.action)).scalars().all()
    return {
        "rows": [
            {
                "id": row.id,
                "timestamp": clock.format_local(row.timestamp, tz),
                "user": row.userId or "",
                "action": row.action,
                "entity": f"{row.entityType} #{row.entityId}",
                "changes": as_json({key: value for key, value in
                                    (("old", row.oldValues), ("new", row.newValues)) if value not in (None, {})}),
            }
            for row in rows
        ],
        "total": total,
        "page": number,
        "pages": pages,
        "actions": [a for a in actions if a],
    }
