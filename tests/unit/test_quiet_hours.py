"""Quiet hours: SMS held until the window ends, deadlines inside it moved to an hour after, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.messaging import quiet_hours as q

TZ = "Europe/Stockholm"
STHLM = ZoneInfo(TZ)
WINDOW = q.DEFAULT_WINDOW  # 21:00–08:00


def local(*args) -> datetime:
    return datetime(*args, tzinfo=STHLM).astimezone(UTC)


def test_outside_the_window_nothing_moves():
    noon = local(2026, 1, 14, 12, 0)
    assert q.window_end(noon, WINDOW, TZ) is None
    assert q.release_time(noon, WINDOW, TZ) == noon
    assert q.extend_deadline(noon, WINDOW, TZ) == noon
    assert q.window_end(local(2026, 1, 14, 20, 59), WINDOW, TZ) is None
    assert q.window_end(local(2026, 1, 14, 8, 0), WINDOW, TZ) is None  # the end itself is outside


@pytest.mark.parametrize("moment, release", [
    (local(2026, 1, 14, 21, 0), local(2026, 1, 15, 8, 0)),  # start of the window: next morning
    (local(2026, 1, 14, 23, 30), local(2026, 1, 15, 8, 0)),
    (local(2026, 1, 15, 3, 0), local(2026, 1, 15, 8, 0)),  # after midnight: the same morning
    (local(2026, 1, 15, 7, 59), local(2026, 1, 15, 8, 0)),
])
def test_sms_in_the_window_waits_for_its_end(moment, release):
    assert q.release_time(moment, WINDOW, TZ) == release


def test_a_deadline_in_the_window_moves_to_an_hour_after_it():
    assert q.extend_deadline(local(2026, 1, 14, 22, 15), WINDOW, TZ) == local(2026, 1, 15, 9, 0)
    assert q.extend_deadline(local(2026, 1, 15, 6, 0), WINDOW, TZ) == local(2026, 1, 15, 9, 0)


def test_the_window_follows_the_clock_across_spring_forward():
    # 2026-03-29: 02:00 CET -> 03:00 CEST. The night is an hour shorter in UTC, the window is 21:00–08:00 on the clock.
    evening = local(2026, 3, 28, 22, 0)
    end = q.release_time(evening, WINDOW, TZ)
    assert end.astimezone(STHLM).time() == time(8, 0)
    assert end == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST = 06:00 UTC
    assert (end - evening).total_seconds() == 9 * 3600  # 22:00 CET (21:00 UTC) to 06:00 UTC


def test_the_window_follows_the_clock_across_fall_back():
    # 2026-10-25: 03:00 CEST -> 02:00 CET. The night is an hour longer in UTC.
    evening = local(2026, 10, 24, 22, 0)
    end = q.release_time(evening, WINDOW, TZ)
    assert end.astimezone(STHLM).time() == time(8, 0)
    assert end == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # 08:00 CET = 07:00 UTC
    assert (end - evening).total_seconds() == 11 * 3600
    # In the repeated hour (02:30 happens twice) a moment is still inside the window.
    repeated = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first one
    assert q.release_time(repeated, WINDOW, TZ) == end
    assert q.extend_deadline(repeated, WINDOW, TZ) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


def test_a_window_within_one_day_and_no_window():
    lunch = (time(12, 0), time(13, 0))
    assert q.release_time(local(2026, 5, 4, 12, 30), lunch, TZ) == local(2026, 5, 4, 13, 0)
    assert q.window_end(local(2026, 5, 4, 13, 30), lunch, TZ) is None
    night = local(2026, 5, 4, 23, 0)
    assert q.release_time(night, None, TZ) == night and q.extend_deadline(night, None, TZ) == night


def test_parse_window():
    assert q.parse_window("21:00", "08:00") == WINDOW
    assert q.parse_window("", " ") is None and q.parse_window(None, None) is None
    for bad in (("25:00", "08:00"), ("21:00", ""), ("9pm", "8am"), ("08:00", "08:00")):
        with pytest.raises(ValueError):
            q.parse_window(*bad)
