"""The one source of time. ``now()`` is UTC and timezone-aware.

In dev and test the clock can be moved (``advance``/``set_now``) so that reminders and timeouts can be
exercised without waiting; in prod it is always the wall clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

UTC = UTC
_lock = threading.Lock()
_offset = timedelta(0)


def now() -> datetime:
    with _lock:
        offset = _offset
    return datetime.now(UTC) + offset


def advance(delta: timedelta) -> datetime:
    global _offset
    with _lock:
        _offset += delta
    return now()


def set_now(moment: datetime) -> datetime:
    global _offset
    if moment.tzinfo is None:
        raise ValueError("set_now needs a timezone-aware time")
    with _lock:
        _offset = moment - datetime.now(UTC)
    return now()


def reset() -> None:
    global _offset
    with _lock:
        _offset = timedelta(0)


def as_utc(value: datetime) -> datetime:
    """Treat a naive value as UTC (how the database stores it) and return an aware UTC time."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime, tz_name: str = "Europe/Stockholm") -> datetime:
    return as_utc(value).astimezone(ZoneInfo(tz_name))


def format_local(value: datetime | None, tz_name: str = "Europe/Stockholm", with_time: bool = True) -> str:
    """Format for people: ``2026-03-02 10:00`` in the orchestra's time zone (ISO-like, language neutral)."""
    if value is None:
        return ""
    local = to_local(value, tz_name)
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
