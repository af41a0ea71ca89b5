"""Read models for the projects pages and the simulated outbox, as plain dicts ready for the UI state.

No Reflex here. Every function takes the logged-in user's orchestra id (``User.orchestraId``), opens the
orchestra's database through ``services.tenancy`` and returns JSON-friendly values; times are formatted in the
installation's time zone (``STAGESUB_TIMEZONE``, default Europe/Stockholm). The statement count does not grow
with the data: the projects list runs three statements, a project page four.

Status vocabulary (the UI translates these codes):

* project staffing ``status``: ``no_needs`` (no open needs), ``fully_staffed`` (accepted ≥ needed),
  ``in_progress`` (requests sent), ``not_started`` (none sent yet);
* need ``displayStatus``: ``paused``, ``cancelled``, ``archived``, ``completed`` (filled or closed),
  ``in_progress`` (requests sent), ``not_started``.
"""

from __future__ import annotations

import re
from collections import defaultdict

import sqlalchemy as sa
from sqlmodel import Session

from models.orchestra import (
    CustomRankingList,
    Instrument,
    Musician,
    Position,
    Project,
    ProjectNeed,
    RankingList,
    Request,
)
from services import clock, dispatch, outbox, projects, scheduler, tenancy
from services.settings import get_settings

CLOSED_NEED_STATUSES = ("cancelled", "archived")
"""Needs that no longer count towards a project's staffing."""
REQUEST_STATUSES = ("pending", "accepted", "declined", "timed_out", "cancelled")
UNORDERED = 999
PROJECT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
OUTBOX_LIMIT = 100


def _tz() -> str:
    return get_settings().timezone


def _local(value, tz: str, with_time: bool = True) -> str:
    return clock.format_local(value, tz, with_time=with_time) if value is not None else ""


def _status_counts(session: Session, need_pks: list[int] | None) -> dict[int, dict[str, int]]:
    """need pk -> {request status: count}, every status present (0 when none); one grouped statement."""
    stmt = sa.select(Request.projectNeedId, Request.status, sa.func.count()).group_by(
        Request.projectNeedId, Request.status,
    )
    if need_pks is not None:
        if not need_pks:
            return {}
        stmt = stmt.where(Request.projectNeedId.in_(need_pks))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(REQUEST_STATUSES, 0))
    for need_pk, status, count in session.execute(stmt):
        counts[need_pk][status] = counts[need_pk].get(status, 0) + count
    return counts


def _need_display_status(status: str, quantity: int, counts: dict[str, int]) -> str:
    if status in ("paused", *CLOSED_NEED_STATUSES):
        return status
    if status == "completed" or counts["accepted"] >= quantity:
        return "completed"
    if sum(counts.values()) > 0:
        return "in_progress"
    return "not_started"


def _staffing(needs: list[tuple[str, int, dict[str, int]]]) -> dict:
    """Totals over a project's needs given (need status, quantity, request counts) triples."""
    open_needs = [(quantity, counts) for status, quantity, counts in needs if status not in CLOSED_NEED_STATUSES]
    needed = sum(quantity for quantity, _ in open_needs)
    accepted = sum(min(counts["accepted"], quantity) for quantity, counts in open_needs)
    asked = sum(sum(counts.values()) for _, counts in open_needs)
    if not open_needs:
        status = "no_needs"
    elif accepted >= needed:
        status = "fully_staffed"
    elif asked:
        status = "in_progress"
    else:
        status = "not_started"
    return {
        "needsCount": len(open_needs),
        "accepted": accepted,
        "needed": needed,
        "progress": round(100 * accepted / needed) if needed else 0,
        "status": status,
    }


# ----- projects list -------------------------------------------------------------------------------------------


def projects_overview(orchestra_pk: str) -> list[dict]:
    """Every project of the orchestra, newest start date first, with its staffing.

    Each row: ``projectId, name, startDate`` (local date), ``startTime`` (local ``HH:MM``), ``weekNumber,
    needsCount, accepted, needed, progress`` (percent), ``status``.
    """
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    tz = _tz()
    with tenancy.orchestra_session(ref) as session:
        projects = session.execute(
            sa.select(Project.id, Project.projectId, Project.name, Project.startDate, Project.weekNumber)
            .order_by(Project.startDate.desc(), Project.id.desc())
        ).all()
        needs_by_project: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
        for need_pk, project_pk, status, quantity in session.execute(
            sa.select(ProjectNeed.id, ProjectNeed.projectId, ProjectNeed.status, ProjectNeed.quantity)
        ):
            needs_by_project[project_pk].append((need_pk, status, quantity))
        counts = _status_counts(session, None)
    empty = dict.fromkeys(REQUEST_STATUSES, 0)
    rows = []
    for project_pk, project_id, name, start, week in projects:
        staffing = _staffing([
            (status, quantity, counts.get(need_pk, empty)) for need_pk, status, quantity in needs_by_project[project_pk]
        ])
        local = clock.to_local(start, tz)
        rows.append({
            "projectId": project_id,
            "name": name,
            "startDate": local.strftime("%Y-%m-%d"),
            "startTime": local.strftime("%H:%M"),
            "weekNumber": week,
            **staffing,
        })
    return rows


# ----- one project -----------------------------------------------------------------------------------------------


def valid_project_id(project_id: str | None) -> bool:
    """A syntactically possible public project id (``PROJ001`` or an earlier system's cuid)."""
    return bool(project_id) and PROJECT_ID_RE.match(project_id) is not None


def project_marker(orchestra_pk: str, project_id: str) -> str:
    """A short value that changes whenever anything the project page shows changes (the project, a need, a
    request): two aggregate reads, so a page can look every half second and re-read itself only on a change."""
    from models.orchestra import Project, ProjectNeed, Request

    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    with tenancy.orchestra_session(ref) as session:
        project = session.execute(sa.select(Project.id, Project.updatedAt).where(Project.projectId == project_id)
                                  ).first()
        if project is None:
            return "none"
        needs = session.execute(sa.select(sa.func.count(), sa.func.max(ProjectNeed.updatedAt))
                                .where(ProjectNeed.projectId == project.id)).one()
        requests = session.execute(
            sa.select(sa.func.count(), sa.func.max(Request.updatedAt))
            .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId).where(ProjectNeed.projectId == project.id)
        ).one()
    return f"{project.updatedAt}|{needs[0]}|{needs[1]}|{requests[0]}|{requests[1]}"


def project_page(orchestra_pk: str, project_id: str) -> dict | None:
    """Everything the project page shows except the preview; None when the project does not exist.

    ``{"project": {...facts and staffing}, "needs": [...], "requests": [...]}``. Needs come in the engine's
    order (instrument display order, then the most senior position first); requests by need in that order,
    then in the order they were sent.
    """
    if not valid_project_id(project_id):
        return None
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    tz = _tz()
    with tenancy.orchestra_session(ref) as session:
        project = session.execute(sa.select(Project).where(Project.projectId == project_id)).scalar_one_or_none()
        if project is None:
            return None
        need_rows = session.execute(
            sa.select(
                ProjectNeed, Position.name, Position.hierarchyLevel, Instrument.name, Instrument.displayOrder,
                RankingList.listType, CustomRankingList.name,
            )
            .join(Position, Position.id == ProjectNeed.positionId)
            .join(Instrument, Instrument.id == Position.instrumentId)
            .outerjoin(RankingList, RankingList.id == ProjectNeed.rankingListId)
            .outerjoin(CustomRankingList, CustomRankingList.id == ProjectNeed.customRankingListId)
            .where(ProjectNeed.projectId == project.id)
        ).all()
        need_rows = sorted(need_rows, key=lambda row: (
            UNORDERED if row[4] is None else row[4], row[2], row[0].id,
        ))
        need_pks = [row[0].id for row in need_rows]
        counts = _status_counts(session, need_pks)
        requests = session.execute(
            sa.select(Request, Musician.musicianId, Musician.firstName, Musician.lastName, Musician.email)
            .join(Musician, Musician.id == Request.musicianId)
            .where(Request.projectNeedId.in_(need_pks) if need_pks else sa.false())
            .order_by(Request.sentAt, Request.id)
        ).all()

        empty = dict.fromkeys(REQUEST_STATUSES, 0)
        needs = []
        labels: dict[int, str] = {}
        public_need_ids: dict[int, str] = {}
        for need, position_name, _level, instrument_name, _order, list_type, custom_name in need_rows:
            need_counts = counts.get(need.id, empty)
            labels[need.id] = f"{instrument_name} – {position_name}"
            public_need_ids[need.id] = need.projectNeedId
            needs.append({
                "projectNeedId": need.projectNeedId,
                "instrumentName": instrument_name,
                "positionName": position_name,
                "label": labels[need.id],
                "listType": list_type or "",
                "customListName": custom_name or "",
                "requestStrategy": need.requestStrategy,
                "quantity": need.quantity,
                "maxRecipients": need.maxRecipients or 0,
                "responseTimeHours": need.responseTimeHours or 24,
                "requireLocalResidence": bool(need.requireLocalResidence),
                "status": need.status,
                "displayStatus": _need_display_status(need.status, need.quantity, need_counts),
                "accepted": need_counts["accepted"],
                "pending": need_counts["pending"],
                "declined": need_counts["declined"],
                "timedOut": need_counts["timed_out"],
                "cancelled": need_counts["cancelled"],
                "sent": sum(need_counts.values()),
            })
        position = {pk: index for index, pk in enumerate(need_pks)}
        request_rows = sorted(requests, key=lambda row: position[row[0].projectNeedId])
        staffing = _staffing([(row[0].status, row[0].quantity, counts.get(row[0].id, empty)) for row in need_rows])
        local_start = clock.to_local(project.startDate, tz)
        return {
            "project": {
                "projectId": project.projectId,
                "name": project.name,
                "startDate": local_start.strftime("%Y-%m-%d"),
                "startTime": local_start.strftime("%H:%M"),
                "weekNumber": project.weekNumber,
                "rehearsalSchedule": project.rehearsalSchedule or "",
                "concertInfo": project.concertInfo or "",
                "notes": project.notes or "",
                **staffing,
            },
            "needs": needs,
            "requests": [
                {
                    "requestId": request.requestId,
                    "musicianId": musician_id,
                    "musicianName": f"{first} {last}",
                    "email": email,
                    "projectNeedId": public_need_ids[request.projectNeedId],
                    "needLabel": labels[request.projectNeedId],
                    "status": request.status,
                    "response": request.response or "",
                    "sentAt": _local(request.sentAt, tz),
                    "reminderSentAt": _local(request.reminderSentAt, tz),
                    "respondedAt": _local(request.respondedAt, tz),
                    "deadline": _local(request.deadlineAt, tz),
                }
                for request, musician_id, first, last, email in request_rows
            ],
        }


def preview(orchestra_pk: str, project_id: str) -> dict:
    """The engine's dry run (``dispatch.preview_project``) for the page: writes nothing.

    Adds to each need a ``label`` ("Trumpet – Solotrumpet") and ``idle`` — why nobody is asked now, when
    nobody is: ``not_active`` (paused, completed …), ``filled``, ``waiting`` (an answer is awaited before the
    strategy sends more) or ``no_candidates`` (nobody left on the list who may be asked); "" otherwise.
    """
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    result = dispatch.preview_project(ref, project_id)
    for need in result["needs"]:
        need["label"] = f"{need['instrumentName']} – {need['positionName']}"
        if need["toAsk"]:
            need["idle"] = ""
        elif need["status"] != "active":
            need["idle"] = "not_active"
        elif need["remaining"] == 0:
            need["idle"] = "filled"
        elif need["pending"] > 0:
            need["idle"] = "waiting"
        else:
            need["idle"] = "no_candidates"
    return result


# ----- actions the pages start (thin: the engine owns the rules) ---------------------------------------------------


def send_requests(orchestra_pk: str, project_id: str, actor: str) -> dict:
    """Start or continue the project's requests (``dispatch.send_project``); ``{"sent": n, "needs": [...]}``."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    return dispatch.send_project(ref, project_id, actor=actor)


def set_need_paused(orchestra_pk: str, project_need_id: str, paused: bool) -> dict:
    """Pause a need (no new requests, refills or reminders) or resume it (it refills at once).

    ``services.projects.update_need`` owns the rules: only an active need can be paused, a filled one is not
    reopened, a cancelled one never changes (``Conflict``).
    """
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    return projects.update_need(ref, project_need_id, {"status": "paused" if paused else "active"})


def run_scheduler_pass(orchestra_pk: str) -> dict[str, int]:
    """One scheduler pass for this orchestra now (dev outbox): reminders, timeouts, refills, delivery."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    return scheduler.tick(ref)


# ----- simulated outbox ---------------------------------------------------------------------------------------------


def outbox_messages(orchestra_pk: str, limit: int = OUTBOX_LIMIT) -> list[dict]:
    """The newest simulated e-mails and SMS (``outbox.list_outbox``), times in local time, newest first."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    tz = _tz()
    return [
        {
            "messageId": row["messageId"],
            "channel": row["channel"],
            "messageType": row["messageType"],
            "recipient": row["recipient"] or "",
            "subject": row["subject"] or "",
            "body": row["body"] or "",
            "html": row["html"] or "",
            "segments": str(row["segments"] or ""),
            "status": row["status"],
            "createdAt": _local(row["createdAt"], tz),
            "sentAt": _local(row["sentAt"], tz),
            "links": list(row["links"]),
        }
        for row in outbox.list_outbox(ref, limit)
    ]
