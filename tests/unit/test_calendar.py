"""ICS files for confirmed musicians (services.messaging.calendar)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from services import clock
from services.messaging.calendar import project_event, project_event_uid

UID = project_event_uid(12, 34, "gso")


@pytest.fixture(autouse=True)
def _fixed_clock():
    clock.set_now(datetime(2026, 2, 1, 9, 30, tzinfo=UTC))
    yield
    clock.reset()


def _event(**overrides) -> bytes:
    values = dict(
        uid=UID,
        project_name="Vårkonsert",
        orchestra_name="Göteborgs Symfoniker",
        start=datetime(2026, 3, 20, 17, 0, tzinfo=UTC),
        end=datetime(2026, 3, 20, 20, 30, tzinfo=UTC),
        rehearsals="Mån 16/3 10–13\nTis 17/3 10–13",
        concert_info="Fre 20/3 kl. 18:00",
        venue="Konserthuset, Götaplatsen",
        language="sv",
        sequence=0,
    )
    values.update(overrides)
    return project_event(**values)


def _parse(data: bytes):
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_calendar_header_and_uid():
    data = _event()
    assert isinstance(data, bytes)
    calendar, event = _parse(data)
    assert str(calendar["PRODID"]) == "-//StageSub//StageSub//SV"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert UID == "12-34@gso.stagesub"
    assert str(event["UID"]) == UID


def test_times_are_in_stockholm_with_vtimezone():
    data = _event()
    calendar, event = _parse(data)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert str(start.tzinfo) == "Europe/Stockholm"
    assert (start.hour, start.minute) == (18, 0)  # CET, UTC+1
    assert (end.hour, end.minute) == (21, 30)
    assert start == datetime(2026, 3, 20, 17, 0, tzinfo=UTC)
    assert b"DTSTART;TZID=Europe/Stockholm:20260320T180000" in data
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    assert calendar.get_missing_tzids() == set()
    assert event.decoded("DTSTAMP") == datetime(2026, 2, 1, 9, 30, tzinfo=UTC)


def test_summer_time_and_default_end():
    start = datetime(2026, 6, 12, 17, 0, tzinfo=UTC)
    _, event = _parse(_event(start=start, end=None))
    local = event.decoded("DTSTART")
    assert (local.hour, local.utcoffset()) == (19, timedelta(hours=2))  # CEST
    assert event.decoded("DTEND") - local == timedelta(hours=3)


def test_event_across_the_dst_change():
    # 2026-03-29 02:00 CET → 03:00 CEST
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 00:00 CET
    end = datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 04:00 CEST
    data = _event(start=start, end=end)
    _, event = _parse(data)
    assert b"DTSTART;TZID=Europe/Stockholm:20260329T000000" in data
    assert b"DTEND;TZID=Europe/Stockholm:20260329T040000" in data
    # same-zone subtraction in Python is wall-clock time (4 h); the real duration is 3 h
    assert event.decoded("DTEND").astimezone(UTC) - event.decoded("DTSTART").astimezone(UTC) == timedelta(hours=3)
    assert event.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert event.decoded("DTEND").utcoffset() == timedelta(hours=2)


def test_summary_description_location_in_swedish():
    _, event = _parse(_event())
    assert str(event["SUMMARY"]) == "Vårkonsert – Göteborgs Symfoniker"
    description = str(event["DESCRIPTION"])
    assert "Repetitioner:\nMån 16/3 10–13\nTis 17/3 10–13" in description
    assert "Konsert:\nFre 20/3 kl. 18:00" in description
    assert "Rehearsals" not in description
    assert str(event["LOCATION"]) == "Konserthuset, Götaplatsen"


def test_description_in_english_and_fallback():
    _, event = _parse(_event(language="en", concert_info="Fri 20 March 7 pm"))
    description = str(event["DESCRIPTION"])
    assert description.startswith("Rehearsals:\n")
    assert "Concert:\nFri 20 March 7 pm" in description
    assert "Repetitioner" not in description
    _, event = _parse(_event(language="en-GB"))
    assert "Rehearsals:" in str(event["DESCRIPTION"])
    _, event = _parse(_event(language="de"))
    assert "Repetitioner:" in str(event["DESCRIPTION"])


def test_optional_fields_left_out():
    _, event = _parse(_event(rehearsals=None, concert_info="  ", venue=None))
    assert "DESCRIPTION" not in event
    assert "LOCATION" not in event


def test_sequence_and_stable_uid_for_updates():
    first = _event()
    again = _event()
    assert first == again  # same inputs, same clock: the same file
    _, event0 = _parse(first)
    clock.advance(timedelta(days=3))
    _, event1 = _parse(_event(sequence=1, venue="Stora salen"))
    assert str(event0["UID"]) == str(event1["UID"]) == UID
    assert int(event0["SEQUENCE"]) == 0
    assert int(event1["SEQUENCE"]) == 1
    assert event1.decoded("DTSTAMP") > event0.decoded("DTSTAMP")
    assert project_event_uid(12, 34, "gso") == UID


def test_invalid_input():
    with pytest.raises(ValueError):
        _event(start=datetime(2026, 3, 20, 17, 0))
    with pytest.raises(ValueError):
        _event(end=datetime(2026, 3, 20, 16, 0, tzinfo=UTC))
    with pytest.raises(ValueError):
        _event(uid=" ")
    with pytest.raises(ValueError):
        _event(sequence=-1)
