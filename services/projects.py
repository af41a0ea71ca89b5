"""Projects, their needs, custom ranking lists, pausing and resuming, group e-mail and the communication log.

Every function takes an ``OrchestraRef`` and public ids and returns plain dicts (the REST API's camelCase
vocabulary). Changes to a project's needs run under the project's lock, the same lock the request engine
(``services.dispatch``) takes, so a need's quantity is never lowered below what is accepted at that moment.

Needs (ORIGINAL_BEHAVIOUR.md §2.14, with SPEC.md's corrections):

* created with ``quantity`` ≥ 1 for every strategy; for ``first_come`` a given ``maxRecipients`` must be ≥
  ``quantity``; ``responseTimeHours`` 1..4500 (default 24); exactly one of ``rankingListId`` (a list of the
  need's position) and ``customListId`` (this project's custom list for the position, used by no other
  non-cancelled need of the project); the position must have an active, non-archived qualified musician, and
  the list must hold at least ``quantity`` musicians who could be asked now;
* after the first request: ``quantity`` may be raised (never below the accepted count); ``requestStrategy``,
  ``responseTimeHours`` and ``maxRecipients`` are locked; position and list are always locked;
* ``status``: active ⇄ paused; active/paused → completed; any → cancelled (final). Pausing stops new
  requests, refills and reminders. Resuming (and raising the quantity) refills the need through
  ``dispatch.refill_need`` after the change is committed. Cancelling leaves pending requests as they are: a
  musician who then accepts is told the position is filled, and unanswered ones time out without a
  replacement. A completed need is reopened only by raising its quantity or setting it active explicitly;
  never by resuming the project.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.orchestra import (
    CustomRanking,
    CustomRankingList,
    Instrument,
    Musician,
    MusicianQualification,
    Outbox,
    Position,
    Project,
    ProjectNeed,
    Ranking,
    RankingList,
    Request,
)
from services import clock, dispatch, tenancy
from services.errors import Conflict, NotFound, ServiceError, ValidationError
from services.ids import next_id
from services.rankings import check_candidates, ordered_musician_ids, write_order

log = logging.getLogger(__name__)

STRATEGIES = ("sequential", "parallel", "first_come")
NEED_STATUSES = ("active", "paused", "completed", "cancelled")
CLOSED_STATUSES = ("cancelled", "archived")  # "archived": needs of the earlier system
MAX_QUANTITY = 100
MAX_RESPONSE_HOURS = 4500
DEFAULT_RESPONSE_HOURS = 24
NAME_MAX = 200
TEXT_MAX = 10_000
SUBJECT_MAX = 200
MESSAGE_MAX = 20_000
CURRENT_PROJECT_WINDOW = timedelta(days=7)
LOCKED_AFTER_SENDING = ("requestStrategy", "responseTimeHours", "maxRecipients")
ALWAYS_LOCKED = ("positionId", "rankingListId", "customListId", "requireLocalResidence")
COMMUNICATION_TYPES = ("request", "reminder", "confirmation", "position_filled", "group_email")
TYPE_ALIASES = {"request_sent": "request", "reminder_sent": "reminder", "confirmation_sent": "confirmation",
                 "position_filled_sent": "position_filled"}


# ----- shared helpers --------------------------------------------------------------------------------------------


def _project(session: Session, project_id: str, lock: bool = False) -> Project:
    statement = select(Project).where(Project.projectId == project_id)
    if lock and session.connection().dialect.name == "postgresql":
        statement = statement.with_for_update()
    project = session.exec(statement.execution_options(populate_existing=True)).first()
    if project is None:
        raise NotFound("project_not_found", f"No project {project_id}.")
    return project


def _lock_project_pk(session: Session, project_pk: int) -> None:
    if session.connection().dialect.name == "postgresql":
        session.execute(sa.select(Project.id).where(Project.id == project_pk).with_for_update())


def _need(session: Session, need_id: str) -> ProjectNeed:
    need = session.exec(select(ProjectNeed).where(ProjectNeed.projectNeedId == need_id)).first()
    if need is None:
        raise NotFound("need_not_found", f"No need {need_id}.")
    return need


def _int(value: Any, field: str, problems: dict[str, str], low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems[field] = f"a whole number from {low} to {high}"
        return None
    if not low <= value <= high:
        problems[field] = f"from {low} to {high}"
        return None
    return value


def _text(value: Any, field: str, problems: dict[str, str], *, required: bool = False,
          max_length: int = TEXT_MAX) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems[field] = "required"
        return None
    if not isinstance(value, str):
        problems[field] = "must be text"
        return None
    if len(value.strip()) > max_length:
        problems[field] = f"at most {max_length} characters"
    return value.strip()


def iso_week(moment: datetime) -> int:
    return moment.astimezone(clock.orchestra_timezone()).isocalendar().week


# ----- projects ----------------------------------------------------------------------------------------------


def _clean_project(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if not partial or "name" in data:
        clean["name"] = _text(data.get("name"), "name", problems, required=True, max_length=NAME_MAX)
    if not partial or "startDate" in data:
        try:
            # A date alone is midnight UTC, so that it reads back as the same date.
            clean["startDate"] = clock.parse_moment(data.get("startDate"), "startDate", date_zone=clock.UTC)
        except ValidationError as exc:
            problems.update(exc.fields or {"startDate": "required"})
    if "weekNumber" in data and data["weekNumber"] is not None:
        clean["weekNumber"] = _int(data["weekNumber"], "weekNumber", problems, 1, 53)
    for field in ("rehearsalSchedule", "concertInfo", "notes"):
        if not partial or field in data:
            clean[field] = _text(data.get(field), field, problems)
    if problems:
        raise ValidationError("invalid_project", "The project's details are incomplete or invalid.", problems)
    return clean


def _counts(session: Session, need_pks: Sequence[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {
        pk: {"accepted": 0, "pending": 0, "declined": 0, "timedOut": 0, "cancelled": 0} for pk in need_pks}
    if not need_pks:
        return counts
    names = {"timed_out": "timedOut"}
    for need_pk, status, number in session.execute(
        sa.select(Request.projectNeedId, Request.status, sa.func.count())
        .where(Request.projectNeedId.in_(need_pks)).group_by(Request.projectNeedId, Request.status)
    ).all():
        key = names.get(status, status)
        counts[need_pk][key] = counts[need_pk].get(key, 0) + number
    return counts


def _project_dict(project: Project) -> dict:
    return {
        "projectId": project.projectId, "name": project.name, "startDate": project.startDate,
        "weekNumber": project.weekNumber, "rehearsalSchedule": project.rehearsalSchedule,
        "concertInfo": project.concertInfo, "notes": project.notes, "createdAt": project.createdAt,
        "updatedAt": project.updatedAt,
    }


def _staffing(needs: list[dict]) -> dict:
    open_needs = [n for n in needs if n["status"] not in CLOSED_STATUSES]
    return {
        "quantity": sum(n["quantity"] for n in open_needs),
        "accepted": sum(n["accepted"] for n in open_needs),
        "pending": sum(n["pending"] for n in open_needs),
        "filled": bool(open_needs) and all(n["filled"] for n in open_needs),
    }


def _needs_of(session: Session, project_pks: Sequence[int]) -> dict[int, list[dict]]:
    """Project id → its needs as dicts (instrument order, then position hierarchy), in a handful of queries."""
    result: dict[int, list[dict]] = {pk: [] for pk in project_pks}
    if not project_pks:
        return result
    needs = list(session.exec(select(ProjectNeed).where(ProjectNeed.projectId.in_(project_pks))).all())
    if not needs:
        return result
    positions = {p.id: p for p in session.exec(
        select(Position).where(Position.id.in_({n.positionId for n in needs}))).all()}
    instruments = {i.id: i for i in session.exec(
        select(Instrument).where(Instrument.id.in_({p.instrumentId for p in positions.values()}))).all()}
    list_ids = dict(session.execute(sa.select(RankingList.id, RankingList.rankingListId).where(
        RankingList.id.in_({n.rankingListId for n in needs if n.rankingListId}))).all())
    custom_ids = dict(session.execute(sa.select(CustomRankingList.id, CustomRankingList.customListId).where(
        CustomRankingList.id.in_({n.customRankingListId for n in needs if n.customRankingListId}))).all())
    project_ids = dict(session.execute(
        sa.select(Project.id, Project.projectId).where(Project.id.in_(project_pks))).all())
    counts = _counts(session, [n.id for n in needs])

    def order(need: ProjectNeed) -> tuple:
        position = positions[need.positionId]
        instrument = instruments[position.instrumentId]
        return (999 if instrument.displayOrder is None else instrument.displayOrder, position.hierarchyLevel, need.id)

    for need in sorted(needs, key=order):
        position = positions[need.positionId]
        instrument = instruments[position.instrumentId]
        c = counts[need.id]
        sent = sum(c.values()) > 0
        result[need.projectId].append({
            "projectNeedId": need.projectNeedId, "projectId": project_ids[need.projectId],
            "positionId": position.positionId, "positionName": position.name,
            "instrumentId": instrument.instrumentId, "instrumentName": instrument.name,
            "quantity": need.quantity, "requestStrategy": need.requestStrategy, "maxRecipients": need.maxRecipients,
            "responseTimeHours": need.responseTimeHours or DEFAULT_RESPONSE_HOURS,
            "requireLocalResidence": bool(need.requireLocalResidence),
            "rankingListId": list_ids.get(need.rankingListId) if not need.customRankingListId else None,
            "customListId": custom_ids.get(need.customRankingListId),
            "status": need.status, **c, "filled": c["accepted"] >= need.quantity,
            "lockedFields": list(ALWAYS_LOCKED) + (list(LOCKED_AFTER_SENDING) if sent else []),
            "createdAt": need.createdAt, "updatedAt": need.updatedAt,
        })
    return result


def _project_detail(session: Session, project: Project) -> dict:
    needs = _needs_of(session, [project.id])[project.id]
    return _project_dict(project) | {"needs": needs, "staffing": _staffing(needs)}


def list_projects(ref: tenancy.OrchestraRef, *, date_from: Any = None, date_to: Any = None, limit: int = 50,
                  offset: int = 0) -> tuple[list[dict], int]:
    """A page of projects, newest (latest start) first, each with its staffing summary; and the total.

    ``date_from``/``date_to`` bound the start date (a date alone: from the start of that day / to its end).
    """
    conditions: list[Any] = []
    problems: dict[str, str] = {}
    for value, field, end in ((date_from, "from", False), (date_to, "to", True)):
        if value is None or value == "":
            continue
        try:
            moment = clock.parse_moment(value, field, end_of_day=end)
        except ValidationError as exc:
            problems.update(exc.fields)
            continue
        conditions.append(Project.startDate >= moment if field == "from" else Project.startDate <= moment)
    if problems:
        raise ValidationError("invalid_parameter", "The date filter is not an ISO 8601 date or time.", problems)
    with tenancy.orchestra_session(ref) as session:
        total = session.execute(sa.select(sa.func.count()).select_from(Project).where(*conditions)).scalar_one()
        projects = list(session.exec(
            select(Project).where(*conditions).order_by(Project.startDate.desc(), Project.id.desc())
            .offset(offset).limit(limit)
        ).all())
        needs = _needs_of(session, [p.id for p in projects])
        items = []
        for project in projects:
            staffing = _staffing(needs[project.id])
            items.append(_project_dict(project) | {"needCount": len(needs[project.id]), "staffing": staffing})
        return items, total


def get_project(ref: tenancy.OrchestraRef, project_id: str) -> dict:
    """The project with its needs, each with counts accepted / pending / declined / timedOut and ``filled``."""
    with tenancy.orchestra_session(ref) as session:
        return _project_detail(session, _project(session, project_id))


def _check_project_limit(ref: tenancy.OrchestraRef, session: Session, start: datetime) -> None:
    """maxProjects counts current and upcoming projects: those that started less than a week ago or later."""
    since = clock.now() - CURRENT_PROJECT_WINDOW
    if start < since:
        return
    _, max_projects = tenancy.plan_limits(ref)
    count = session.execute(
        sa.select(sa.func.count()).select_from(Project).where(Project.startDate >= since)
    ).scalar_one()
    if count >= max_projects:
        raise Conflict("plan_limit",
                       f"The orchestra's plan allows at most {max_projects} current and upcoming projects, and "
                       f"{count} are planned. Ask for a larger plan, or wait until a project is over.",
                       {"maxProjects": str(max_projects)})


def create_project(ref: tenancy.OrchestraRef, data: Mapping[str, Any]) -> dict:
    """Create a project (``PROJnnn``); ``weekNumber`` defaults to the ISO week of ``startDate``."""
    clean = _clean_project(data, partial=False)
    if clean.get("weekNumber") is None:
        clean["weekNumber"] = iso_week(clean["startDate"])

    def work(session: Session) -> dict:
        _check_project_limit(ref, session, clean["startDate"])
        now = clock.now()
        project = Project(projectId=next_id(session, "project"), createdAt=now, updatedAt=now, **clean)
        session.add(project)
        session.flush()
        return _project_detail(session, project)

    return tenancy.write_transaction(ref, work)


def update_project(ref: tenancy.OrchestraRef, project_id: str, changes: Mapping[str, Any]) -> dict:
    """Change the given fields; a new ``startDate`` without ``weekNumber`` recomputes the week."""
    clean = _clean_project(changes, partial=True)
    if "startDate" in clean and "weekNumber" not in clean:
        clean["weekNumber"] = iso_week(clean["startDate"])
    clean = {k: v for k, v in clean.items() if not (k == "weekNumber" and v is None)}

    def work(session: Session) -> dict:
        project = _project(session, project_id, lock=True)
        for field, value in clean.items():
            setattr(project, field, value)
        project.updatedAt = clock.now()
        session.add(project)
        session.flush()
        return _project_detail(session, project)

    return tenancy.write_transaction(ref, work)


# ----- needs -------------------------------------------------------------------------------------------------


def _qualified_active_count(session: Session, position: Position) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(MusicianQualification)
        .join(Musician, Musician.id == MusicianQualification.musicianId)
        .where(MusicianQualification.positionId == position.id, Musician.isActive == sa.true(),
               Musician.isArchived == sa.false())
    ).scalar_one()


def _available_on_list(session: Session, project: Project, position: Position, ranking_list: RankingList | None,
                       custom_list: CustomRankingList | None, require_local: bool) -> int:
    """Musicians on the list who could be asked now: active, not archived, qualified, not yet asked in the
    project (cancelled requests do not count), and local when the need requires it."""
    if custom_list is not None:
        on_list = sa.select(CustomRanking.musicianId).where(CustomRanking.customListId == custom_list.id)
    else:
        on_list = sa.select(Ranking.musicianId).where(Ranking.listId == ranking_list.id)
    asked = (sa.select(Request.musicianId).join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
             .where(ProjectNeed.projectId == project.id, Request.status.in_(dispatch.OPEN_STATUSES)))
    qualified = sa.select(MusicianQualification.musicianId).where(MusicianQualification.positionId == position.id)
    conditions = [Musician.id.in_(on_list), Musician.id.not_in(asked), Musician.id.in_(qualified),
                  Musician.isActive == sa.true(), Musician.isArchived == sa.false()]
    if require_local:
        conditions.append(Musician.localResidence == sa.true())
    return session.execute(sa.select(sa.func.count()).select_from(Musician).where(*conditions)).scalar_one()


def _clean_need(data: Mapping[str, Any]) -> dict[str, Any]:
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    position_id = data.get("positionId")
    if not isinstance(position_id, str) or not position_id.strip():
        problems["positionId"] = "required"
    clean["positionId"] = position_id.strip() if isinstance(position_id, str) else None
    clean["quantity"] = _int(data.get("quantity", 1), "quantity", problems, 1, MAX_QUANTITY)
    strategy = data.get("requestStrategy")
    if strategy not in STRATEGIES:
        problems["requestStrategy"] = "sequential, parallel or first_come"
    clean["requestStrategy"] = strategy
    hours = data.get("responseTimeHours")
    clean["responseTimeHours"] = DEFAULT_RESPONSE_HOURS if hours is None else _int(
        hours, "responseTimeHours", problems, 1, MAX_RESPONSE_HOURS)
    max_recipients = data.get("maxRecipients")
    clean["maxRecipients"] = None if max_recipients is None else _int(
        max_recipients, "maxRecipients", problems, 1, 10_000)
    local = data.get("requireLocalResidence", False)
    if local is None:
        local = False
    if not isinstance(local, bool):
        problems["requireLocalResidence"] = "true or false"
    clean["requireLocalResidence"] = local
    lists = {field: data.get(field) for field in ("rankingListId", "customListId") if data.get(field) is not None}
    if len(lists) != 1:
        message = "exactly one of rankingListId and customListId"
        problems.update({"rankingListId": message, "customListId": message})
    for field, value in lists.items():
        if not isinstance(value, str) or not value.strip():
            problems[field] = "an id"
    clean.update({"rankingListId": lists.get("rankingListId"), "customListId": lists.get("customListId")})
    if (strategy == "first_come" and clean["maxRecipients"] is not None and clean["quantity"] is not None
            and clean["maxRecipients"] < clean["quantity"]):
        problems["maxRecipients"] = "at least the quantity for first_come"
    if problems:
        raise ValidationError("invalid_need", "The need's details are incomplete or invalid.", problems)
    return clean


def create_need(ref: tenancy.OrchestraRef, project_id: str, data: Mapping[str, Any]) -> dict:
    """Add a need (``NEEDnnn``) to the project after the create-time checks (module docstring)."""
    return create_needs(ref, project_id, [data])[0]


def create_needs(ref: tenancy.OrchestraRef, project_id: str, items: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Add several needs (one per position, §2.14 "several positions at once") in one transaction: all of them
    or, when one is refused, none. The refusal names the failing need's position in ``failed_position``."""
    cleaned = [_clean_need(data) for data in items]
    positions = [clean["positionId"] for clean in cleaned]
    if len(set(positions)) != len(positions):
        raise ValidationError("duplicate_position", "Each position can be given once.",
                              {"positionId": "given more than once"})

    def work(session: Session) -> list[dict]:
        project = _project(session, project_id, lock=True)
        added = []
        for clean in cleaned:
            try:
                added.append(_insert_need(session, project, clean))
            except ServiceError as exc:
                exc.failed_position = clean["positionId"]
                raise
        return added

    return tenancy.write_transaction(ref, work)


def _insert_need(session: Session, project: Project, clean: Mapping[str, Any]) -> dict:
    """One need after the create-time checks, in the caller's transaction (the project row is locked)."""
    position = session.exec(select(Position).where(Position.positionId == clean["positionId"])).first()
    if position is None:
        raise ValidationError("unknown_position", f"No position {clean['positionId']}.",
                              {"positionId": "unknown position"})
    ranking_list = custom_list = None
    if clean["rankingListId"]:
        ranking_list = session.exec(
            select(RankingList).where(RankingList.rankingListId == clean["rankingListId"])).first()
        if ranking_list is None:
            raise ValidationError("unknown_list", f"No ranking list {clean['rankingListId']}.",
                                  {"rankingListId": "unknown ranking list"})
        if ranking_list.positionId != position.id:
            raise ValidationError("list_of_another_position",
                                  f"The ranking list {ranking_list.rankingListId} belongs to another position.",
                                  {"rankingListId": f"not a list of {position.positionId}"})
    else:
        custom_list = session.exec(
            select(CustomRankingList).where(CustomRankingList.customListId == clean["customListId"])).first()
        if custom_list is None or custom_list.projectId != project.id:
            raise ValidationError("unknown_list", f"The project has no custom list {clean['customListId']}.",
                                  {"customListId": "not a custom list of this project"})
        if custom_list.positionId != position.id:
            raise ValidationError("list_of_another_position",
                                  f"The custom list {custom_list.customListId} belongs to another position.",
                                  {"customListId": f"not a list of {position.positionId}"})
        user = session.exec(select(ProjectNeed).where(
            ProjectNeed.projectId == project.id, ProjectNeed.customRankingListId == custom_list.id,
            ProjectNeed.status.not_in(CLOSED_STATUSES))).first()
        if user is not None:
            raise Conflict("custom_list_in_use",
                           f"The custom list {custom_list.customListId} is already used by the need "
                           f"{user.projectNeedId}.", {"customListId": f"used by {user.projectNeedId}"})
    if _qualified_active_count(session, position) == 0:
        raise ValidationError("no_qualified_musicians",
                              f"No active musician is qualified for {position.name} ({position.positionId}).",
                              {"positionId": "no active qualified musician"})
    available = _available_on_list(session, project, position, ranking_list, custom_list,
                                   clean["requireLocalResidence"])
    list_field = "customListId" if custom_list is not None else "rankingListId"
    if available == 0:
        raise ValidationError("list_empty", "The list has no musician who could be asked in this project "
                              "(active, not archived, qualified, not asked yet).", {list_field: "no one to ask"})
    if clean["quantity"] > available:
        raise ValidationError("not_enough_musicians",
                              f"The list has only {available} musician(s) who could be asked, fewer than the "
                              f"quantity {clean['quantity']}.", {"quantity": f"at most {available}"})
    now = clock.now()
    need = ProjectNeed(
        projectNeedId=next_id(session, "projectNeed"), projectId=project.id, positionId=position.id,
        quantity=clean["quantity"], rankingListId=ranking_list.id if ranking_list else None,
        customRankingListId=custom_list.id if custom_list else None, requestStrategy=clean["requestStrategy"],
        maxRecipients=clean["maxRecipients"], responseTimeHours=clean["responseTimeHours"],
        requireLocalResidence=clean["requireLocalResidence"], status="active", createdAt=now, updatedAt=now,
    )
    session.add(need)
    session.flush()
    return next(n for n in _needs_of(session, [project.id])[project.id] if n["projectNeedId"] ==
                need.projectNeedId)


def _need_dict(session: Session, need: ProjectNeed) -> dict:
    return next(n for n in _needs_of(session, [need.projectId])[need.projectId]
                if n["projectNeedId"] == need.projectNeedId)


def get_need(ref: tenancy.OrchestraRef, need_id: str) -> dict:
    with tenancy.orchestra_session(ref) as session:
        return _need_dict(session, _need(session, need_id))


def _clean_need_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if "quantity" in changes:
        clean["quantity"] = _int(changes["quantity"], "quantity", problems, 1, MAX_QUANTITY)
    if "requestStrategy" in changes:
        if changes["requestStrategy"] not in STRATEGIES:
            problems["requestStrategy"] = "sequential, parallel or first_come"
        clean["requestStrategy"] = changes["requestStrategy"]
    if "responseTimeHours" in changes:
        clean["responseTimeHours"] = _int(changes["responseTimeHours"], "responseTimeHours", problems, 1,
                                          MAX_RESPONSE_HOURS)
    if "maxRecipients" in changes:
        value = changes["maxRecipients"]
        clean["maxRecipients"] = None if value is None else _int(value, "maxRecipients", problems, 1, 10_000)
    if "status" in changes:
        if changes["status"] not in NEED_STATUSES:
            problems["status"] = "active, paused, completed or cancelled"
        clean["status"] = changes["status"]
    for field in ALWAYS_LOCKED:
        if field in changes:
            clean[field] = changes[field]
    if problems:
        raise ValidationError("invalid_need", "The need's changes are invalid.", problems)
    return clean


def _current(session: Session, need: ProjectNeed, field: str) -> Any:
    if field == "positionId":
        return session.get(Position, need.positionId).positionId
    if field == "rankingListId":
        return session.get(RankingList, need.rankingListId).rankingListId if need.rankingListId else None
    if field == "customListId":
        custom = session.get(CustomRankingList, need.customRankingListId) if need.customRankingListId else None
        return custom.customListId if custom else None
    return getattr(need, field)


def _next_status(need: ProjectNeed, wanted: str, accepted: int, quantity: int) -> str:
    current = need.status
    if wanted == current:
        return current
    if current in CLOSED_STATUSES:
        raise Conflict("need_cancelled", f"The need {need.projectNeedId} is {current}; it cannot be changed.",
                       {"status": current})
    if wanted == "paused" and current != "active":
        raise Conflict("invalid_transition", f"Only an active need can be paused; this one is {current}.",
                       {"status": f"{current} → paused"})
    if wanted == "active" and current == "completed" and accepted >= quantity:
        raise Conflict("need_filled", f"The need {need.projectNeedId} is filled; raise its quantity to reopen it.",
                       {"status": "filled"})
    return wanted


def update_need(ref: tenancy.OrchestraRef, need_id: str, changes: Mapping[str, Any]) -> dict:
    """Change quantity, requestStrategy, responseTimeHours, maxRecipients or status (module docstring)."""
    clean = _clean_need_changes(changes)
    outcome: dict[str, Any] = {}

    def work(session: Session) -> dict:
        need = _need(session, need_id)
        _lock_project_pk(session, need.projectId)
        session.refresh(need)
        counts = _counts(session, [need.id])[need.id]
        sent = sum(counts.values()) > 0
        accepted = counts["accepted"]
        locked = {}
        for field in ALWAYS_LOCKED + (LOCKED_AFTER_SENDING if sent else ()):
            if field in clean and clean[field] != _current(session, need, field):
                locked[field] = ("fixed when the need is created" if field in ALWAYS_LOCKED
                                 else "locked once requests have been sent")
        if locked:
            raise Conflict("field_locked", f"{', '.join(locked)} cannot be changed for {need.projectNeedId}.", locked)
        quantity = clean.get("quantity", need.quantity)
        if quantity < accepted:
            raise Conflict("quantity_below_accepted",
                           f"{accepted} musician(s) have already accepted; the quantity cannot be lower.",
                           {"quantity": f"at least {accepted}"})
        strategy = clean.get("requestStrategy", need.requestStrategy)
        max_recipients = clean.get("maxRecipients", need.maxRecipients)
        if not sent and strategy == "first_come" and max_recipients is not None and max_recipients < quantity:
            raise ValidationError("invalid_need", "For first_come, maxRecipients must be at least the quantity.",
                                  {"maxRecipients": "at least the quantity for first_come"})
        before = need.status
        status = need.status
        if "status" in clean:
            status = _next_status(need, clean["status"], accepted, quantity)
        elif quantity > need.quantity and need.status == "completed" and accepted < quantity:
            status = "active"  # more seats in a filled need: it fills again
        raised = quantity > need.quantity
        for field in ("quantity", "requestStrategy", "responseTimeHours", "maxRecipients"):
            if field in clean:
                setattr(need, field, clean[field])
        need.status = status
        need.updatedAt = clock.now()
        session.add(need)
        session.flush()
        outcome["refill"] = need.id if status == "active" and (raised or before != "active") else None
        return _need_dict(session, need)

    result = tenancy.write_transaction(ref, work)
    if outcome.get("refill"):
        if _refill(ref, outcome["refill"]):
            result = get_need(ref, need_id)
    return result


def _refill(ref: tenancy.OrchestraRef, need_pk: int) -> int:
    """Send what the need may send now (after commit); a failure is logged, the change stays."""
    try:
        return dispatch.refill_need(ref, need_pk)
    except Exception:  # the change is committed; sending continues with the next send or answer
        log.exception("refill of need %s failed", need_pk)
        return 0


def pause_project(ref: tenancy.OrchestraRef, project_id: str) -> dict:
    """Pause every active need: no new requests, refills or reminders until resumed."""

    def work(session: Session) -> dict:
        project = _project(session, project_id, lock=True)
        session.execute(sa.update(ProjectNeed).where(ProjectNeed.projectId == project.id,
                                                     ProjectNeed.status == "active")
                        .values(status="paused", updatedAt=clock.now()))
        return _project_detail(session, project)

    return tenancy.write_transaction(ref, work)


def resume_project(ref: tenancy.OrchestraRef, project_id: str) -> dict:
    """Resume every paused need and refill each; completed and cancelled needs stay as they are."""

    def work(session: Session) -> list[int]:
        project = _project(session, project_id, lock=True)
        paused = list(session.exec(select(ProjectNeed.id).where(
            ProjectNeed.projectId == project.id, ProjectNeed.status == "paused")).all())
        if paused:
            session.execute(sa.update(ProjectNeed).where(ProjectNeed.id.in_(paused))
                            .values(status="active", updatedAt=clock.now()))
        return paused

    for need_pk in tenancy.write_transaction(ref, work):
        _refill(ref, need_pk)
    return get_project(ref, project_id)


# ----- custom ranking lists ----------------------------------------------------------------------------------


TEMPLATE_NAME_MAX = 100
KEEP_TEMPLATE = object()  # ``replace_custom_order``: leave the list's template mark as it is


def template_label(custom: CustomRankingList) -> str | None:
    """The name a list saved as a template goes by (its ``templateName``, else its own name); None when the list
    is not a template."""
    if not custom.isTemplate:
        return None
    return (custom.templateName or "").strip() or custom.name


def clean_template_name(value: Any) -> str | None:
    """``templateName`` from a request: None (not a template) or a trimmed name of 1–100 characters; anything else
    is refused (422 ``invalid_template_name``)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > TEMPLATE_NAME_MAX:
        raise ValidationError("invalid_template_name",
                              f"templateName must be a name of 1–{TEMPLATE_NAME_MAX} characters, or null.",
                              {"templateName": f"1–{TEMPLATE_NAME_MAX} characters"})
    return value.strip()


def _mark_template(custom: CustomRankingList, template_name: str | None) -> None:
    custom.isTemplate = template_name is not None
    custom.templateName = template_name


def _custom_dict(custom: CustomRankingList, project_id: str, position_id: str, musicians: list[str]) -> dict:
    return {
        "customListId": custom.customListId, "projectId": project_id, "positionId": position_id,
        "name": custom.name, "templateName": template_label(custom), "musicians": musicians,
        "createdAt": custom.createdAt, "updatedAt": custom.updatedAt,
    }


def list_custom_lists(ref: tenancy.OrchestraRef, project_id: str) -> list[dict]:
    with tenancy.orchestra_session(ref) as session:
        project = _project(session, project_id)
        lists = list(session.exec(select(CustomRankingList).where(CustomRankingList.projectId == project.id)
                                  .order_by(CustomRankingList.id)).all())
        positions = dict(session.execute(sa.select(Position.id, Position.positionId).where(
            Position.id.in_({c.positionId for c in lists}))).all())
        orders = ordered_musician_ids(session, CustomRanking, CustomRanking.__table__.c.customListId,
                                      [c.id for c in lists])
        return [_custom_dict(c, project.projectId, positions[c.positionId], orders[c.id]) for c in lists]


def _custom_order_writer(custom: CustomRankingList):
    now = clock.now()

    def new_row(musician_pk: int, rank: int, _ids: list) -> dict:
        return {"customListId": custom.id, "musicianId": musician_pk, "rank": rank, "addedAt": now}

    return new_row


def create_custom_list(ref: tenancy.OrchestraRef, project_id: str, position_id: Any,
                       musician_ids: Sequence[str] = (), template_name: Any = None) -> dict:
    """A one-off list for this project and position, named "V. <week> <project name>" (one per pair). With
    ``template_name`` it is also saved as a template: its order can then be copied for the same position in
    other projects (ORIGINAL_BEHAVIOUR.md §5.4, "save as template")."""
    if not isinstance(position_id, str) or not position_id.strip():
        raise ValidationError("invalid_custom_list", "positionId is required.", {"positionId": "required"})
    template_name = clean_template_name(template_name)

    def work(session: Session) -> dict:
        project = _project(session, project_id, lock=True)
        position = session.exec(select(Position).where(Position.positionId == position_id.strip())).first()
        if position is None:
            raise ValidationError("unknown_position", f"No position {position_id}.", {"positionId": "unknown position"})
        existing = session.exec(select(CustomRankingList).where(
            CustomRankingList.projectId == project.id, CustomRankingList.positionId == position.id)).first()
        if existing is not None:
            raise Conflict("custom_list_exists",
                           f"The project already has a custom list for {position.name}: {existing.customListId}.",
                           {"positionId": f"has {existing.customListId}"})
        musicians = check_candidates(session, position, list(musician_ids))
        now = clock.now()
        custom = CustomRankingList(customListId=next_id(session, "customList"), projectId=project.id,
                                   positionId=position.id, name=f"V. {project.weekNumber} {project.name}",
                                   createdAt=now, updatedAt=now)
        _mark_template(custom, template_name)
        session.add(custom)
        session.flush()
        write_order(session, CustomRanking, CustomRanking.__table__.c.customListId, custom.id,
                    [m.id for m in musicians], _custom_order_writer(custom))
        return _custom_dict(custom, project.projectId, position.positionId, [m.musicianId for m in musicians])

    try:
        return tenancy.write_transaction(ref, work)
    except IntegrityError:
        raise Conflict("concurrent_change", "The list was created at the same moment; load it again.") from None


def _custom(session: Session, custom_list_id: str) -> CustomRankingList:
    custom = session.exec(select(CustomRankingList).where(CustomRankingList.customListId == custom_list_id)).first()
    if custom is None:
        raise NotFound("custom_list_not_found", f"No custom list {custom_list_id}.")
    return custom


def get_custom_list(ref: tenancy.OrchestraRef, custom_list_id: str) -> dict:
    with tenancy.orchestra_session(ref) as session:
        custom = _custom(session, custom_list_id)
        orders = ordered_musician_ids(session, CustomRanking, CustomRanking.__table__.c.customListId, [custom.id])
        return _custom_dict(custom, session.get(Project, custom.projectId).projectId,
                            session.get(Position, custom.positionId).positionId, orders[custom.id])


def replace_custom_order(ref: tenancy.OrchestraRef, custom_list_id: str, musician_ids: Sequence[str], *,
                         check: Callable[[CustomRankingList, list[str]], None] | None = None,
                         template_name: Any = KEEP_TEMPLATE) -> dict:
    """Replace a custom list's order (same rules as the standard lists); with ``template_name`` (a name, or None
    for "not a template") its template mark is set in the same transaction.

    ``check(list, current order)`` runs under the project's lock before anything is written; it may raise to
    refuse (the staff page refuses a save over an order someone else saved after the page read it)."""
    if template_name is not KEEP_TEMPLATE:
        template_name = clean_template_name(template_name)

    def work(session: Session) -> dict:
        custom = _custom(session, custom_list_id)
        _lock_project_pk(session, custom.projectId)
        if check is not None:
            check(custom, ordered_musician_ids(session, CustomRanking, CustomRanking.__table__.c.customListId,
                                               [custom.id])[custom.id])
        position = session.get(Position, custom.positionId)
        musicians = check_candidates(session, position, musician_ids)
        write_order(session, CustomRanking, CustomRanking.__table__.c.customListId, custom.id,
                    [m.id for m in musicians], _custom_order_writer(custom))
        if template_name is not KEEP_TEMPLATE:
            _mark_template(custom, template_name)
        custom.updatedAt = clock.now()
        session.add(custom)
        return _custom_dict(custom, session.get(Project, custom.projectId).projectId, position.positionId,
                            [m.musicianId for m in musicians])

    try:
        return tenancy.write_transaction(ref, work)
    except IntegrityError:
        raise Conflict("concurrent_change", "The list was changed at the same moment; load it again.") from None


# ----- group e-mail ------------------------------------------------------------------------------------------


def id_list(value: Any, field: str, problems: dict[str, str]) -> list[str]:
    """A list of readable ids from a request body (duplicates dropped); a problem noted for anything else."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        problems[field] = "a list of ids"
        return []
    return list(dict.fromkeys(value))


def send_group_email(ref: tenancy.OrchestraRef, project_id: str, subject: Any, message: Any, *,
                     instrument_ids: Any = None, position_ids: Any = None, actor: str = "api") -> dict:
    """The REST API's group e-mail: ``services.group_email.send_group_email`` (one implementation for the API
    and the page), answered as ``{"recipients": n, "queued": n}``."""
    from services import group_email

    result = group_email.send_group_email(ref, project_id, subject=subject, message=message,
                                          instrument_ids=instrument_ids, position_ids=position_ids, actor=actor)
    return {"recipients": result["recipients"], "queued": result["emails"]}


# ----- the communication log ---------------------------------------------------------------------------------


def list_communications(ref: tenancy.OrchestraRef, *, request_id: str | None = None, musician_id: str | None = None,
                        project_id: str | None = None, message_type: str | None = None, limit: int = 50,
                        offset: int = 0) -> tuple[list[dict], int]:
    """E-mails and SMS of the outbox, newest first, filtered by request, musician, project and type.

    An unknown id in a filter simply matches nothing. ``type`` is the message type (``request``, ``reminder``,
    ``confirmation``, ``position_filled``, ``group_email``; the earlier log's ``request_sent`` … work too).
    """
    if message_type is not None:
        message_type = TYPE_ALIASES.get(message_type, message_type)
        if message_type not in COMMUNICATION_TYPES:
            raise ValidationError("invalid_parameter", f"type is one of {', '.join(COMMUNICATION_TYPES)}.",
                                  {"type": "unknown message type"})
    conditions: list[Any] = [Outbox.channel.in_(("email", "sms"))]
    with tenancy.orchestra_session(ref) as session:
        if message_type:
            conditions.append(Outbox.messageType == message_type)
        if request_id:
            conditions.append(Outbox.requestId.in_(sa.select(Request.id).where(Request.requestId == request_id)))
        if musician_id:
            conditions.append(Outbox.musicianId.in_(
                sa.select(Musician.id).where(Musician.musicianId == musician_id)))
        if project_id:
            project_pk = session.execute(sa.select(Project.id).where(Project.projectId == project_id)).scalar()
            group_rows = [
                row_id for row_id, payload in session.execute(
                    sa.select(Outbox.id, Outbox.payload).where(Outbox.messageType == "group_email")).all()
                if isinstance(payload, dict) and payload.get("projectId") == project_id
            ]
            conditions.append(sa.or_(
                Outbox.requestId.in_(sa.select(Request.id).join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
                                     .where(ProjectNeed.projectId == (project_pk or -1))),
                Outbox.id.in_(group_rows),
            ))
        total = session.execute(sa.select(sa.func.count()).select_from(Outbox).where(*conditions)).scalar_one()
        rows = session.execute(
            sa.select(Outbox, Request.requestId, Musician.musicianId)
            .outerjoin(Request, Request.id == Outbox.requestId)
            .outerjoin(Musician, Musician.id == Outbox.musicianId)
            .where(*conditions).order_by(Outbox.id.desc()).offset(offset).limit(limit)
        ).all()
        return [
            {
                "messageId": row.messageId, "type": row.messageType, "channel": row.channel, "to": row.recipient,
                "subject": row.subject, "body": row.body, "status": row.status, "sentAt": row.sentAt,
                "createdAt": row.createdAt, "requestId": request_public_id, "musicianId": musician_public_id,
            }
            for row, request_public_id, musician_public_id in rows
        ], total
