"""The staff home page (``/dashboard``): what needs attention today, as plain dicts ready for the UI state.

No Reflex here. ``dashboard(orchestra_pk)`` reads the orchestra's database (through ``services.tenancy``) and
returns five blocks (ORIGINAL_BEHAVIOUR.md §5.2, SPEC.md §Staff UI):

* ``upcoming``: projects starting today or later, soonest first, with their staffing (accepted / needed);
* ``waiting``: requests waiting for an answer, the soonest deadline first;
* ``activity``: accepts, declines and timeouts of the last ``ACTIVITY_DAYS`` days, newest first;
* ``warnings``: active needs of upcoming projects that will run out of candidates. The numbers come from the
  engine's own planning (``dispatch.preview_project``), so the dashboard and the preview never disagree;
* ``failed``: e-mails and SMS that could not be delivered in the last ``ACTIVITY_DAYS`` days.

Times are formatted in the installation's time zone. The statement count does not grow with the data, except
for one dry run per upcoming project with open seats (at most ``WARNING_PROJECTS``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from models.orchestra import Instrument, Musician, Outbox, Position, Project, ProjectNeed, Request
from services import clock, dispatch, project_views, tenancy
from services.errors import ServiceError
from services.settings import get_settings

log = logging.getLogger(__name__)

ACTIVITY_DAYS = 7
UPCOMING_LIMIT = 8
WAITING_LIMIT = 15
ACTIVITY_LIMIT = 20
FAILED_LIMIT = 5
WARNING_PROJECTS = 20
ACTIVITY_STATUSES = ("accepted", "declined", "timed_out")
DEFAULT_RESPONSE_HOURS = 24


def _tz() -> str:
    return get_settings().timezone


def _local(value, tz: str) -> str:
    return clock.format_local(value, tz) if value is not None else ""


def _upcoming(orchestra_pk: str, tz: str) -> list[dict]:
    """Projects starting today (local date) or later, soonest first, with the projects list's staffing."""
    today = clock.to_local(clock.now(), tz).strftime("%Y-%m-%d")
    rows = [row for row in project_views.projects_overview(orchestra_pk) if row["startDate"] >= today]
    rows.reverse()  # the overview is newest first
    return rows


def _need_label(instrument: str, position: str) -> str:
    return f"{instrument} – {position}"


def _waiting(session, tz: str, now) -> dict:
    """Pending requests, soonest deadline first (an earlier system's request without one goes by sentAt)."""
    base = (
        sa.select(Request, Musician.firstName, Musician.lastName, Project.projectId, Project.name,
                  Instrument.name, Position.name, ProjectNeed.responseTimeHours)
        .join(Musician, Musician.id == Request.musicianId)
        .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .join(Project, Project.id == ProjectNeed.projectId)
        .join(Position, Position.id == ProjectNeed.positionId)
        .join(Instrument, Instrument.id == Position.instrumentId)
        .where(Request.status == "pending")
    )
    total = session.execute(
        sa.select(sa.func.count()).select_from(Request).where(Request.status == "pending")
    ).scalar_one()
    rows = session.execute(
        base.order_by(Request.deadlineAt.is_(None), Request.deadlineAt, Request.sentAt, Request.id)
        .limit(WAITING_LIMIT)
    ).all()
    out = []
    for request, first, last, project_id, project_name, instrument, position, hours in rows:
        deadline = request.deadlineAt
        if deadline is None and request.sentAt is not None:
            deadline = clock.as_utc(request.sentAt) + timedelta(hours=hours or DEFAULT_RESPONSE_HOURS)
        out.append({
            "requestId": request.requestId,
            "projectId": project_id,
            "projectName": project_name,
            "musicianName": f"{first} {last}",
            "needLabel": _need_label(instrument, position),
            "sentAt": _local(request.sentAt, tz),
            "deadline": _local(deadline, tz),
            "overdue": deadline is not None and clock.as_utc(deadline) <= now,
            "reminded": request.reminderSentAt is not None,
        })
    return {"total": int(total), "rows": out}


def _activity(session, tz: str, since) -> dict:
    """Answers and timeouts since ``since``, newest first, with a count per kind.

    A timeout writes no ``respondedAt``; its moment is the row's ``updatedAt`` (nothing changes a timed-out
    request afterwards).
    """
    moment = sa.func.coalesce(Request.respondedAt, Request.updatedAt)
    recent = sa.and_(Request.status.in_(ACTIVITY_STATUSES), moment >= since)
    counts = dict.fromkeys(ACTIVITY_STATUSES, 0)
    for status, count in session.execute(
        sa.select(Request.status, sa.func.count()).where(recent).group_by(Request.status)
    ).all():
        counts[status] = int(count)
    rows = session.execute(
        sa.select(Request, Musician.firstName, Musician.lastName, Project.projectId, Project.name,
                  Instrument.name, Position.name)
        .join(Musician, Musician.id == Request.musicianId)
        .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .join(Project, Project.id == ProjectNeed.projectId)
        .join(Position, Position.id == ProjectNeed.positionId)
        .join(Instrument, Instrument.id == Position.instrumentId)
        .where(recent)
        .order_by(moment.desc(), Request.id.desc())
        .limit(ACTIVITY_LIMIT)
    ).all()
    out = []
    for request, first, last, project_id, project_name, instrument, position in rows:
        at = request.respondedAt if request.status != "timed_out" else request.updatedAt
        via = request.answeredBy or ""
        out.append({
            "requestId": request.requestId,
            "projectId": project_id,
            "projectName": project_name,
            "musicianName": f"{first} {last}",
            "needLabel": _need_label(instrument, position),
            "status": request.status,
            "at": _local(at, tz),
            # musician (link), sms, staff (recorded on the musician's behalf), timeout
            "via": "staff" if via.startswith("staff:") else via,
        })
    return {"counts": counts, "rows": out}


def _failed(session, tz: str, since) -> dict:
    """E-mails and SMS that failed for good since ``since`` (retries still pending are not failures yet)."""
    recent = sa.and_(Outbox.status == "failed", Outbox.channel.in_(("email", "sms")), Outbox.createdAt >= since)
    total = session.execute(sa.select(sa.func.count()).select_from(Outbox).where(recent)).scalar_one()
    rows = session.execute(
        sa.select(Outbox.messageId, Outbox.channel, Outbox.messageType, Outbox.recipient, Outbox.createdAt,
                  Outbox.lastError)
        .where(recent).order_by(Outbox.createdAt.desc(), Outbox.id.desc()).limit(FAILED_LIMIT)
    ).all()
    return {
        "total": int(total),
        "rows": [
            {"messageId": message_id, "channel": channel, "messageType": message_type, "recipient": recipient or "",
             "at": _local(created, tz), "error": (error or "")[:300]}
            for message_id, channel, message_type, recipient, created, error in rows
        ],
    }


def need_warning(need: dict) -> dict | None:
    """The warning for one need of the engine's dry run (``dispatch.preview_project``), or None.

    ``candidatesLeft`` counts who may still be asked (now or later); the dry run lists at most
    ``dispatch.NEXT_IN_QUEUE`` after those asked now, so a full queue means "at least that many" (``+``).

    * ``out_of_candidates``: even if everyone waiting and everyone left said yes, seats would stay empty;
    * ``few_candidates``: fewer people are left than open seats, so one more "no" may leave a seat empty.
    """
    if need["status"] != "active" or need["remaining"] <= 0:
        return None
    left = len(need["toAsk"]) + len(need["nextInQueue"])
    open_ended = len(need["nextInQueue"]) >= dispatch.NEXT_IN_QUEUE
    if need["pending"] + left < need["remaining"] and not open_ended:
        kind = "out_of_candidates"
    elif left < need["remaining"] and not open_ended:
        kind = "few_candidates"
    else:
        return None
    return {
        "kind": kind,
        "projectNeedId": need["projectNeedId"],
        "needLabel": _need_label(need["instrumentName"], need["positionName"]),
        "remaining": need["remaining"],
        "pending": need["pending"],
        "candidatesLeft": left,
    }


def _warnings(ref: tenancy.OrchestraRef, upcoming: list[dict]) -> list[dict]:
    """Needs of upcoming projects with open seats that are running out of people to ask."""
    warnings: list[dict] = []
    candidates = [row for row in upcoming if row["status"] in ("not_started", "in_progress")][:WARNING_PROJECTS]
    for project in candidates:
        try:
            result = dispatch.preview_project(ref, project["projectId"])
        except ServiceError as exc:  # deleted meanwhile: the next load shows the truth
            log.info("dashboard: no dry run for %s: %s", project["projectId"], exc.code)
            continue
        for need in result["needs"]:
            warning = need_warning(need)
            if warning is not None:
                warnings.append({**warning, "projectId": project["projectId"], "projectName": project["name"],
                                 "startDate": project["startDate"]})
    warnings.sort(key=lambda w: (w["kind"] != "out_of_candidates", w["startDate"], w["projectName"]))
    return warnings


def dashboard(orchestra_pk: str) -> dict:
    """Everything the dashboard shows, for the orchestra of the logged-in user (see the module docstring).

    ``{"upcoming": [...], "upcomingTotal": n, "waiting": {"total", "rows"}, "activity": {"counts", "rows"},
    "warnings": [...], "failed": {"total", "rows"}, "activityDays": ACTIVITY_DAYS}``.
    """
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    tz = _tz()
    now = clock.now()
    since = now - timedelta(days=ACTIVITY_DAYS)
    upcoming = _upcoming(orchestra_pk, tz)
    with tenancy.orchestra_session(ref) as session:
        waiting = _waiting(session, tz, now)
        activity = _activity(session, tz, since)
        failed = _failed(session, tz, since)
    return {
        "upcoming": upcoming[:UPCOMING_LIMIT],
        "upcomingTotal": len(upcoming),
        "waiting": waiting,
        "activity": activity,
        "warnings": _warnings(ref, upcoming),
        "failed": failed,
        "activityDays": ACTIVITY_DAYS,
    }
