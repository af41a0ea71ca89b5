"""Setting a project up from the staff pages: the project form, the need form, deleting, staff answers.

No Reflex here. Like ``services.project_views`` every function takes the logged-in user's orchestra id
(``User.orchestraId``); the rules live in ``services.projects`` (projects and needs) and ``services.dispatch``
(answers), which these functions call after turning the forms' text fields into the services' values. A form
value that cannot be read raises ``ValidationError`` with the field's name, like the services do, so the page
shows every problem at its field and nothing is written.

Dates and times typed in the form are local to the installation's time zone (``STAGESUB_TIMEZONE``, default
Europe/Stockholm) and stored in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import select

from models.orchestra import (
    CustomRanking,
    CustomRankingList,
    FileStorage,
    GroupEmailLog,
    Instrument,
    Musician,
    MusicianQualification,
    Position,
    Project,
    ProjectFile,
    ProjectNeed,
    Ranking,
    RankingList,
    Request,
)
from services import clock, dispatch, projects, tenancy
from services.errors import Conflict, NotFound, ValidationError
from services.settings import get_settings

# ORIGINAL_BEHAVIOUR.md §2.13: the response-time presets, in hours (hours, days, weeks, months of 30 days).
RESPONSE_TIME_OPTIONS: tuple[int, ...] = (
    1, 2, 3, 4, 6, 8, 12, 18,
    24, 48, 72, 96, 120, 144, 168,
    336, 504, 672,
    720, 1440, 2160, 2880, 3600, 4320,
)
DEFAULT_TIME = time(19, 0)
UNITS = ((720, "month"), (168, "week"), (24, "day"), (1, "hour"))
UNIT_NAMES = {
    "sv": {"month": ("månad", "månader"), "week": ("vecka", "veckor"), "day": ("dag", "dagar"),
           "hour": ("timme", "timmar")},
    "en": {"month": ("month", "months"), "week": ("week", "weeks"), "day": ("day", "days"),
           "hour": ("hour", "hours")},
}


def format_hours(hours: int, lang: str = "sv") -> str:
    """``48`` → "2 dagar", ``168`` → "1 vecka", ``30`` → "30 timmar": the largest whole unit (§2.13)."""
    names = UNIT_NAMES.get(lang, UNIT_NAMES["sv"])
    for size, unit in UNITS:
        if hours >= size and hours % size == 0:
            count = hours // size
            one, many = names[unit]
            return f"{count} {one if count == 1 else many}"
    return f"{hours} {names['hour'][1]}"


def _tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


# ----- reading the forms -----------------------------------------------------------------------------------------


def _text(form: Mapping[str, Any], field: str) -> str:
    value = form.get(field)
    return value.strip() if isinstance(value, str) else ""


def _whole(form: Mapping[str, Any], field: str, problems: dict[str, str], *, required: bool = True) -> int | None:
    text = _text(form, field)
    if not text:
        if required:
            problems[field] = "required"
        return None
    if not text.isdigit():
        problems[field] = "a whole number"
        return None
    return int(text)


def local_start(date_text: str, time_text: str) -> datetime:
    """The aware UTC moment of a local date (``YYYY-MM-DD``) and time (``HH:MM``, default 19:00)."""
    problems: dict[str, str] = {}
    day = moment = None
    try:
        day = date.fromisoformat(date_text.strip()) if date_text and date_text.strip() else None
        if day is None:
            problems["startDate"] = "required"
    except ValueError:
        problems["startDate"] = "not a date"
    try:
        moment = time.fromisoformat(time_text.strip()) if time_text and time_text.strip() else DEFAULT_TIME
    except ValueError:
        problems["startTime"] = "not a time"
    if problems:
        raise ValidationError("invalid_project", "The project's start is not a date and time.", problems)
    return datetime.combine(day, moment.replace(tzinfo=None), tzinfo=_tz()).astimezone(ZoneInfo("UTC"))


def is_upcoming(date_text: str) -> bool:
    """Upcoming ("Kommande") until the end of the Sunday of the start's week (ORIGINAL_BEHAVIOUR.md §5.4);
    ``date_text`` is the local start date ``YYYY-MM-DD``."""
    try:
        day = date.fromisoformat(date_text)
    except (TypeError, ValueError):
        return False
    sunday = day.toordinal() + (7 - day.isoweekday())
    return clock.now().astimezone(_tz()).date().toordinal() <= sunday


def week_of(date_text: str) -> int | None:
    """The ISO week of a typed date (for the form's suggestion); None while the date is incomplete."""
    try:
        return date.fromisoformat(date_text.strip()).isocalendar().week
    except (ValueError, AttributeError):
        return None


def _project_data(form: Mapping[str, Any]) -> dict[str, Any]:
    problems: dict[str, str] = {}
    data: dict[str, Any] = {"name": _text(form, "name") or None}
    try:
        data["startDate"] = local_start(_text(form, "startDate"), _text(form, "startTime"))
    except ValidationError as exc:
        problems.update(exc.fields)
    week = _whole(form, "weekNumber", problems, required=False)
    if week is not None:
        data["weekNumber"] = week
    elif "weekNumber" not in problems:
        # The week follows the date when the field is left empty (the services fill it in).
        data["weekNumber"] = None
    for field in ("rehearsalSchedule", "concertInfo", "notes"):
        data[field] = _text(form, field) or None
    if not data["name"]:
        problems["name"] = "required"
    if problems:
        raise ValidationError("invalid_project", "The project's details are incomplete or invalid.", problems)
    return data


# ----- projects ---------------------------------------------------------------------------------------------------


def create_project(orchestra_pk: str, form: Mapping[str, Any]) -> dict:
    """Create a project from the form (``services.projects.create_project``); the new project's dict."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    data = _project_data(form)
    if data.get("weekNumber") is None:
        data.pop("weekNumber", None)
    return projects.create_project(ref, data)


def update_project(orchestra_pk: str, project_id: str, form: Mapping[str, Any]) -> dict:
    """Save the edited form; an empty week follows the (new) date."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    data = _project_data(form)
    if data.get("weekNumber") is None:
        data.pop("weekNumber", None)
        data["weekNumber"] = projects.iso_week(data["startDate"])
    return projects.update_project(ref, project_id, data)


def project_form_values(orchestra_pk: str, project_id: str) -> dict:
    """The project as the form shows it: local date and time, texts as "" when empty."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    project = projects.get_project(ref, project_id)
    local = project["startDate"].astimezone(_tz())
    return {
        "projectId": project["projectId"], "name": project["name"], "startDate": local.strftime("%Y-%m-%d"),
        "startTime": local.strftime("%H:%M"), "weekNumber": str(project["weekNumber"]),
        "rehearsalSchedule": project["rehearsalSchedule"] or "", "concertInfo": project["concertInfo"] or "",
        "notes": project["notes"] or "",
    }


def delete_project(orchestra_pk: str, project_id: str) -> None:
    """Delete a project with its needs, custom lists and files, only while none of its needs has a request
    (ORIGINAL_BEHAVIOUR.md §2.3: a project whose requests were sent keeps its history)."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)

    def work(session) -> None:
        project = session.exec(select(Project).where(Project.projectId == project_id)).first()
        if project is None:
            raise NotFound("project_not_found", f"No project {project_id}.")
        need_pks = sa.select(ProjectNeed.id).where(ProjectNeed.projectId == project.id)
        asked = session.execute(sa.select(sa.func.count()).select_from(Request)
                                .where(Request.projectNeedId.in_(need_pks))).scalar_one()
        if asked:
            raise Conflict("project_has_requests",
                           f"Requests have been sent for {project_id}; it can no longer be deleted.",
                           {"projectId": f"{asked} request(s)"})
        custom_pks = sa.select(CustomRankingList.id).where(CustomRankingList.projectId == project.id)
        session.execute(sa.delete(ProjectFile).where(ProjectFile.projectId == project.id))
        session.execute(sa.delete(FileStorage).where(FileStorage.projectId == project.id))
        session.execute(sa.update(GroupEmailLog).where(GroupEmailLog.projectId == project.id).values(projectId=None))
        session.execute(sa.delete(ProjectNeed).where(ProjectNeed.projectId == project.id))
        session.execute(sa.delete(CustomRanking).where(CustomRanking.customListId.in_(custom_pks)))
        session.execute(sa.delete(CustomRankingList).where(CustomRankingList.projectId == project.id))
        session.execute(sa.delete(Project).where(Project.id == project.id))

    tenancy.write_transaction(ref, work)


# ----- needs ---------------------------------------------------------------------------------------------------------


def need_options(orchestra_pk: str, project_id: str) -> list[dict]:
    """Every position of a non-archived instrument that could get a need, in the orchestra's order.

    Each: ``positionId, label`` ("Trumpet – Solotrumpet"), ``qualified`` (active qualified musicians) and
    ``lists``: the A/B/C lists of the position then the project's custom list for it, each ``{"value"`` (the
    need form's list value: ``list:RANK…`` or ``custom:…``), ``"kind"`` (``standard``/``custom``), ``"name"``
    (A, B, C or the custom list's name) and ``"size"`` (active, non-archived musicians on it)``}``.
    """
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    with tenancy.orchestra_session(ref) as session:
        project = session.exec(select(Project).where(Project.projectId == project_id)).first()
        if project is None:
            raise NotFound("project_not_found", f"No project {project_id}.")
        rows = session.execute(
            sa.select(Position.id, Position.positionId, Position.name, Instrument.name)
            .join(Instrument, Instrument.id == Position.instrumentId)
            .where(Instrument.isArchived == sa.false())
            .order_by(sa.func.coalesce(Instrument.displayOrder, 999), Instrument.id, Position.hierarchyLevel,
                      Position.id)
        ).all()
        usable = (Musician.isActive == sa.true()) & (Musician.isArchived == sa.false())
        qualified = dict(session.execute(
            sa.select(MusicianQualification.positionId, sa.func.count())
            .join(Musician, Musician.id == MusicianQualification.musicianId).where(usable)
            .group_by(MusicianQualification.positionId)).all())
        standard = session.execute(
            sa.select(RankingList.positionId, RankingList.rankingListId, RankingList.listType,
                      sa.func.count(Musician.id))
            .outerjoin(Ranking, Ranking.listId == RankingList.id)
            .outerjoin(Musician, (Musician.id == Ranking.musicianId) & usable)
            .group_by(RankingList.id).order_by(RankingList.listType)).all()
        custom = session.execute(
            sa.select(CustomRankingList.positionId, CustomRankingList.customListId, CustomRankingList.name,
                      sa.func.count(Musician.id))
            .outerjoin(CustomRanking, CustomRanking.customListId == CustomRankingList.id)
            .outerjoin(Musician, (Musician.id == CustomRanking.musicianId) & usable)
            .where(CustomRankingList.projectId == project.id)
            .group_by(CustomRankingList.id)).all()
    lists: dict[int, list[dict]] = {}
    for position_pk, list_id, list_type, size in standard:
        lists.setdefault(position_pk, []).append(
            {"value": f"list:{list_id}", "kind": "standard", "name": list_type, "size": size})
    for position_pk, list_id, name, size in custom:
        lists.setdefault(position_pk, []).append(
            {"value": f"custom:{list_id}", "kind": "custom", "name": name, "size": size})
    return [
        {"positionId": position_id, "label": f"{instrument} – {name}", "qualified": qualified.get(pk, 0),
         "lists": lists.get(pk, [])}
        for pk, position_id, name, instrument in rows
    ]


def _need_data(form: Mapping[str, Any], *, editing: bool) -> dict[str, Any]:
    """The service's need fields from the form; in an edit only the fields the form still sends."""
    problems: dict[str, str] = {}
    data: dict[str, Any] = {}
    if not editing:
        data["positionId"] = _text(form, "positionId") or None
        choice = _text(form, "list")
        kind, _, list_id = choice.partition(":")
        if kind == "list" and list_id:
            data["rankingListId"] = list_id
        elif kind == "custom" and list_id:
            data["customListId"] = list_id
        else:
            problems["rankingListId"] = "required"
        data["requireLocalResidence"] = _text(form, "requireLocalResidence") in ("on", "true", "1")
    if not editing or "quantity" in form:
        data["quantity"] = _whole(form, "quantity", problems)
    if "requestStrategy" in form:
        data["requestStrategy"] = _text(form, "requestStrategy") or None
    if "responseTimeHours" in form:
        data["responseTimeHours"] = _whole(form, "responseTimeHours", problems)
    if "maxRecipients" in form:
        strategy = data.get("requestStrategy")
        max_recipients = _whole(form, "maxRecipients", problems, required=False)
        # Only first come uses it; for the other strategies the (hidden) field is ignored.
        data["maxRecipients"] = max_recipients if strategy == "first_come" else None
    if problems:
        raise ValidationError("invalid_need", "The need's details are incomplete or invalid.", problems)
    return data


def create_need(orchestra_pk: str, project_id: str, form: Mapping[str, Any]) -> dict:
    """Add a need from the form (``services.projects.create_needs`` enforces §2.14's checks).

    ``alsoPositions`` (a list of position ids) adds the same need to those positions too, each drawing from
    its own list of the chosen list's type (A, B or C), all in one transaction: every need is added or none.
    A custom list belongs to one position, so it cannot be combined with other positions. Returns the first
    need.
    """
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    data = _need_data(form, editing=False)
    also = form.get("alsoPositions") or []
    if not isinstance(also, (list, tuple)) or not all(isinstance(p, str) for p in also):
        raise ValidationError("invalid_need", "alsoPositions is a list of position ids.",
                              {"alsoPositions": "a list of ids"})
    also = [p for p in dict.fromkeys(also) if p != data.get("positionId")]
    if not also:
        return projects.create_need(ref, project_id, data)
    if "rankingListId" not in data:
        raise ValidationError("custom_list_one_position", "A custom list belongs to one position; choose A, B or "
                              "C to add the need to several positions.", {"alsoPositions": "standard list only"})
    items = [data] + [dict(data, positionId=p, rankingListId=list_id)
                      for p, list_id in _same_type_lists(ref, data["rankingListId"], also).items()]
    return projects.create_needs(ref, project_id, items)[0]


def _same_type_lists(ref: tenancy.OrchestraRef, ranking_list_id: str, position_ids: list[str]) -> dict[str, str]:
    """Position id → the id of its list of the same type as ``ranking_list_id``, for each of ``position_ids``
    (in their order); a position without such a list is refused with its id in ``failed_position``."""
    with tenancy.orchestra_session(ref) as session:
        list_type = session.exec(select(RankingList.listType).where(
            RankingList.rankingListId == ranking_list_id)).first()
        if list_type is None:
            raise ValidationError("unknown_list", f"No ranking list {ranking_list_id}.",
                                  {"rankingListId": "unknown ranking list"})
        found = dict(session.execute(
            sa.select(Position.positionId, RankingList.rankingListId)
            .join(RankingList, RankingList.positionId == Position.id)
            .where(Position.positionId.in_(position_ids), RankingList.listType == list_type)).all())
    for position_id in position_ids:
        if position_id not in found:
            exc = ValidationError("position_without_list", f"{position_id} has no {list_type} list.",
                                  {"alsoPositions": f"{position_id} has no {list_type} list"})
            exc.failed_position = position_id
            raise exc
    return {position_id: found[position_id] for position_id in position_ids}


def update_need(orchestra_pk: str, project_id: str, need_id: str, form: Mapping[str, Any]) -> dict:
    """Save an edited need: the form sends only what may still change (quantity always; strategy, response
    time and max recipients only before the first request). The need must belong to ``project_id``."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    need = projects.get_need(ref, need_id)
    if need["projectId"] != project_id:
        raise NotFound("need_not_found", f"No need {need_id} in {project_id}.")
    data = _need_data(form, editing=True)
    if need["requestStrategy"] != "first_come" and "requestStrategy" not in data:
        data.pop("maxRecipients", None)
    return projects.update_need(ref, need_id, data)


def cancel_need(orchestra_pk: str, project_id: str, need_id: str) -> dict:
    """Cancel a need for good: no new requests; answers still pending are told the position is filled."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    need = projects.get_need(ref, need_id)
    if need["projectId"] != project_id:
        raise NotFound("need_not_found", f"No need {need_id} in {project_id}.")
    return projects.update_need(ref, need_id, {"status": "cancelled"})


# ----- staff answer on behalf -----------------------------------------------------------------------------------------


def answer_on_behalf(orchestra_pk: str, project_id: str, request_id: str, answer: str, staff: str,
                     note: str = "") -> str:
    """Record an answer given by phone or in person (``dispatch.respond_on_behalf``); the outcome code.

    The request must belong to ``project_id`` (the page's project), so a stale page cannot answer elsewhere.
    """
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    with tenancy.orchestra_session(ref) as session:
        owner = session.execute(
            sa.select(Project.projectId).join(ProjectNeed, ProjectNeed.projectId == Project.id)
            .join(Request, Request.projectNeedId == ProjectNeed.id).where(Request.requestId == request_id)
        ).scalar_one_or_none()
    if owner is None or owner != project_id:
        raise NotFound("request_not_found", f"No request {request_id} in {project_id}.")
    outcome = dispatch.respond_on_behalf(ref, request_id, answer, staff=staff, note=(note or "").strip() or None)
    return outcome.outcome
