"""Calendar invites: one ICS file (VCALENDAR with one VEVENT) per project and musician.

Pure apart from the clock (DTSTAMP). The UID is chosen by the caller and must stay the same for a project and
musician (``project_event_uid``), so that a later file with a higher SEQUENCE updates the event in the
musician's calendar instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from services import clock

PRODID = "-//StageSub//StageSub//SV"
DEFAULT_DURATION = timedelta(hours=3)

_LABELS = {
    "sv": {"rehearsals": "Repetitioner", "concert": "Konsert"},
    "en": {"rehearsals": "Rehearsals", "concert": "Concert"},
}


def project_event_uid(project_id: object, musician_id: object, subdomain: str) -> str:
    """The stable UID of one musician's event for one project: ``<projectId>-<musicianId>@<subdomain>.stagesub``."""
    return f"{project_id}-{musician_id}@{subdomain}.stagesub"


def _language(language: str | None) -> str:
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in _LABELS else "sv"


def _description(rehearsals: str | None, concert_info: str | None, language: str) -> str:
    labels = _LABELS[_language(language)]
    blocks = []
    if rehearsals and rehearsals.strip():
        blocks.append(f"{labels['rehearsals']}:\n{rehearsals.strip()}")
    if concert_info and concert_info.strip():
        blocks.append(f"{labels['concert']}:\n{concert_info.strip()}")
    return "\n\n".join(blocks)


def project_event(
    *,
    uid: str,
    project_name: str,
    orchestra_name: str,
    start: datetime,
    end: datetime | None,
    rehearsals: str | None,
    concert_info: str | None,
    venue: str | None,
    language: str,
    sequence: int = 0,
    tz: str = "Europe/Stockholm",
) -> bytes:
    """The ICS file (bytes, CRLF lines) for a project: times in ``tz`` with its VTIMEZONE, end defaulting to
    start + 3 hours, labels in ``language`` (sv or en, anything else sv)."""
    if not uid or not uid.strip():
        raise ValueError("uid is required")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if end is not None and end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    if sequence < 0:
        raise ValueError("sequence must not be negative")
    zone = ZoneInfo(tz)
    local_start = start.astimezone(zone)
    local_end = (end if end is not None else start + DEFAULT_DURATION).astimezone(zone)
    if local_end <= local_start:
        raise ValueError("end must be after start")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")

    event = Event()
    event.add("uid", uid.strip())
    event.add("dtstamp", clock.now().astimezone(ZoneInfo("UTC")))
    event.add("sequence", sequence)
    event.add("dtstart", local_start)
    event.add("dtend", local_end)
    event.add("summary", f"{project_name} – {orchestra_name}")
    description = _description(rehearsals, concert_info, language)
    if description:
        event.add("description", description)
    if venue and venue.strip():
        event.add("location", venue.strip())
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)

    # Only the transitions around the event, not 1970–2038: a small file that still covers DST changes.
    calendar.add_missing_timezones(
        first_date=(local_start - timedelta(days=366)).date(),
        last_date=(local_end + timedelta(days=366)).date(),
    )
    return calendar.to_ical()
