"""Quiet hours: the nightly window (per orchestra, default 21:00–08:00 in its time zone) in which no SMS goes out.

Pure functions on aware UTC datetimes; the window is given in local wall-clock times, so it follows daylight
saving changes (the window is always 21:00–08:00 on the clock, whatever the UTC offset that night).

- ``release_time``: when an SMS written at a moment may go (the moment itself, or the end of the window).
- ``extend_deadline``: a response deadline that falls inside the window moves to one hour after its end, so
  nobody has to answer at night; the messages state that real deadline.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

Window = tuple[time, time]

DEFAULT_WINDOW: Window = (time(21, 0), time(8, 0))
DEADLINE_GRACE = timedelta(hours=1)


def _local_at(day, at: time, zone: ZoneInfo) -> datetime:
    # A wall time that does not exist (spring forward) resolves forward; an ambiguous one takes the first.
    return datetime.combine(day, at, tzinfo=zone)


def window_end(moment: datetime, window: Window | None, tz: str) -> datetime | None:
    """The end of the quiet window ``moment`` falls in (aware UTC), or None when it is outside (or no window)."""
    if window is None:
        return None
    start, end = window
    if start == end:
        return None
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    now = local.timetz().replace(tzinfo=None)
    if start < end:  # a window within one day, e.g. 12:00–13:00
        inside, end_day = start <= now < end, local.date()
    else:  # across midnight, e.g. 21:00–08:00
        inside = now >= start or now < end
        end_day = local.date() + timedelta(days=1) if now >= start else local.date()
    if not inside:
        return None
    return _local_at(end_day, end, zone).astimezone(ZoneInfo("UTC"))


def release_time(moment: datetime, window: Window | None, tz: str) -> datetime:
    """When an SMS written at ``moment`` may be sent."""
    return window_end(moment, window, tz) or moment


def extend_deadline(deadline: datetime, window: Window | None, tz: str) -> datetime:
    """A deadline inside the window moves to one hour after the window ends; others stay."""
    end = window_end(deadline, window, tz)
    return end + DEADLINE_GRACE if end is not None else deadline


def parse_window(start: str | None, end: str | None) -> Window | None:
    """("21:00", "08:00") -> the window; both empty -> None (no quiet hours). Raises ValueError on bad input."""
    start, end = (start or "").strip(), (end or "").strip()
    if not start and not end:
        return None
    try:
        parsed = (time.fromisoformat(start), time.fromisoformat(end))
    except ValueError as exc:
        raise ValueError("quiet hours must be given as HH:MM") from exc
    if parsed[0] == parsed[1]:
        raise ValueError("quiet hours must start and end at different times")
    return parsed
