"""The one source of time. ``now()`` is UTC and timezone-aware.

In dev and test the clock can be moved (``advance``/``set_now``) so that reminders and timeouts can be
exercised without waiting; in prod it is always the wall clock.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
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


YEARS = (1900, 2200)
def orchestra_timezone() -> ZoneInfo:
    from services.settings import get_settings

    return ZoneInfo(get_settings().timezone)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_moment(value: Any, field: str, *, end_of_day: bool = False, date_zone: Any = None) -> datetime:
    """An aware UTC datetime from a datetime, a date or an ISO 8601 string.

    A date alone means the start (or with ``end_of_day`` the last millisecond) of that day in ``date_zone``
    (default: the orchestra's time zone); a time without an offset is UTC (how the database stores it).
    """
    from services.errors import ValidationError

    if isinstance(value, str):
        text = value.strip()
        try:
            if _DATE_ONLY.match(text):
                value = date.fromisoformat(text)
            else:
                value = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValidationError("invalid_date", f"{field} is not an ISO 8601 date or time.",
                                  {field: "not an ISO 8601 date or time"}) from None
    if not isinstance(value, date):  # datetime is a date too
        raise ValidationError("invalid_date", f"{field} must be a date or a time.",
                              {field: "required, a date or time"})
    out_of_range = ValidationError("invalid_date", f"{field} must lie between the years {YEARS[0]} and {YEARS[1]}.",
                                   {field: f"between {YEARS[0]} and {YEARS[1]}"})
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise out_of_range
    if isinstance(value, datetime):
        moment = as_utc(value)
    else:
        day_time = time(23, 59, 59, 999000) if end_of_day else time(0, 0)
        zone = date_zone or orchestra_timezone()
        moment = datetime.combine(value, day_time, tzinfo=zone).astimezone(UTC)
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise out_of_range
    return moment
