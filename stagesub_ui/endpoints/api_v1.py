"""REST API v1 (/work/shared/API.md, documented for integrators in docs/api.md).

``OPERATIONS`` is the one table of the API: each entry's method, path, summary, request and response schemas
register its Starlette route (``routes()``) and make up the OpenAPI document served at
``/api/v1/openapi.json``. Handlers are thin: they translate the call into one synchronous service call run
with ``asyncio.to_thread`` and return plain data; ``openapi.endpoint_for`` does the rest (API key, errors,
JSON). Every id in a path is a public id of the API key's orchestra; anything else is 404.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from starlette.responses import Response

from models.orchestra import Outbox
from services import (
    catalog,
    clock,
    custom_lists,
    dispatch,
    health,
    musicians,
    outbox,
    projects,
    rankings,
    scheduler,
    tenancy,
)
from services.errors import ValidationError
from stagesub_ui.endpoints import health as health_endpoint
from stagesub_ui.endpoints.openapi import (
    PAGING,
    Call,
    Operation,
    Param,
    build_document,
    build_routes,
    json_response,
    page,
    page_of,
    paged_schema,
    register_components,
)

PREFIX = "/api/v1"
DEV_CLOCK_RANGE = (2000, 2100)


# ----- schemas -----------------------------------------------------------------------------------------------


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None, **extra: Any) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


STR = {"type": "string"}
STR_N = {"type": ["string", "null"]}
TEMPLATE_NAME = {"type": ["string", "null"], "minLength": 1, "maxLength": projects.TEMPLATE_NAME_MAX,
                 "description": "save the list as a template under this name (its order can be copied for the same "
                                "position in other projects)"}
INT = {"type": "integer"}
INT_N = {"type": ["integer", "null"]}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
TIME_N = {"type": ["string", "null"], "format": "date-time"}
DATE_OR_TIME = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
IDS = {"type": "array", "items": STR}
STATUS_ENUM = ["active", "inactive", "archived"]
NEED_STATUS_ENUM = ["active", "paused", "completed", "cancelled"]
STRATEGY_ENUM = ["sequential", "parallel", "first_come"]
REQUEST_STATUS_ENUM = ["pending", "accepted", "declined", "timed_out", "cancelled"]

_MUSICIAN_FIELDS = {
    "musicianId": STR, "firstName": STR, "lastName": STR, "email": STR, "phone": STR_N,
    "preferredLanguage": {"type": "string", "enum": ["sv", "en"]}, "localResidence": BOOL, "notes": STR_N,
    "isActive": BOOL, "isArchived": BOOL, "status": {"type": "string", "enum": STATUS_ENUM},
    "archivedAt": TIME_N, "restoredAt": TIME_N, "createdAt": TIME, "updatedAt": TIME,
    "qualifications": {**IDS, "description": "positionIds the musician may play"},
}
_PROJECT_FIELDS = {
    "projectId": STR, "name": STR, "startDate": TIME, "weekNumber": INT, "rehearsalSchedule": STR_N,
    "concertInfo": STR_N, "notes": STR_N, "createdAt": TIME, "updatedAt": TIME,
}
_COUNT = {"type": "integer", "minimum": 0}

COMPONENTS: dict[str, dict] = {
    "Health": obj({"status": STR, "version": STR, "database": STR, "detail": STR}, ["status", "version"]),
    "Position": obj({"positionId": STR, "name": STR, "hierarchyLevel": INT}, ["positionId", "name", "hierarchyLevel"]),
    "Instrument": obj({"instrumentId": STR, "name": STR, "displayOrder": INT_N,
                       "positions": {"type": "array", "items": ref("Position")}},
                      ["instrumentId", "name", "displayOrder", "positions"]),
    "Musician": obj(_MUSICIAN_FIELDS, list(_MUSICIAN_FIELDS)),
    "MusicianStatistics": obj({k: _COUNT for k in ("total", "pending", "accepted", "declined", "timedOut",
                                                   "cancelled")},
                              ["total", "pending", "accepted", "declined", "timedOut", "cancelled"]),
    "MusicianDetail": obj({**_MUSICIAN_FIELDS, "statistics": ref("MusicianStatistics")},
                          [*_MUSICIAN_FIELDS, "statistics"]),
    "MusicianInput": obj({
        "firstName": {"type": "string", "minLength": 1, "maxLength": 100},
        "lastName": {"type": "string", "minLength": 1, "maxLength": 100},
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "phone": STR_N, "preferredLanguage": {"type": ["string", "null"], "enum": ["sv", "en", None]},
        "localResidence": BOOL, "notes": STR_N, "qualifications": IDS,
    }, ["firstName", "lastName", "email"]),
    "MusicianChanges": obj({
        "firstName": {"type": "string", "minLength": 1, "maxLength": 100},
        "lastName": {"type": "string", "minLength": 1, "maxLength": 100},
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "phone": STR_N, "preferredLanguage": {"type": ["string", "null"], "enum": ["sv", "en", None]},
        "localResidence": BOOL, "notes": STR_N, "qualifications": IDS, "isActive": BOOL,
    }),
    "Blockout": obj({"blockoutId": STR, "musicianId": STR, "startDate": TIME, "endDate": TIME, "reason": STR_N,
                     "createdAt": TIME}, ["blockoutId", "musicianId", "startDate", "endDate", "reason", "createdAt"]),
    "BlockoutInput": obj({"startDate": DATE_OR_TIME, "endDate": DATE_OR_TIME, "reason": STR_N},
                         ["startDate", "endDate"]),
    "RankingList": obj({"rankingListId": STR, "positionId": STR, "listType": STR, "description": STR_N,
                        "musicians": {**IDS, "description": "musicianIds, asked in this order"}, "updatedAt": TIME},
                       ["rankingListId", "positionId", "listType", "description", "musicians"]),
    "MusicianOrder": obj({"musicianIds": IDS}, ["musicianIds"]),
    "CustomList": obj({"customListId": STR, "projectId": STR, "positionId": STR, "name": STR,
                       "templateName": {**STR_N, "description": "the template's name; null when not a template"},
                       "musicians": IDS, "createdAt": TIME, "updatedAt": TIME},
                      ["customListId", "projectId", "positionId", "name", "templateName", "musicians"]),
    "CustomListInput": obj({"positionId": STR, "musicianIds": IDS, "templateName": TEMPLATE_NAME}, ["positionId"]),
    "Staffing": obj({"quantity": _COUNT, "accepted": _COUNT, "pending": _COUNT, "filled": BOOL},
                    ["quantity", "accepted", "pending", "filled"]),
    "Need": obj({
        "projectNeedId": STR, "projectId": STR, "positionId": STR, "positionName": STR, "instrumentId": STR,
        "instrumentName": STR, "quantity": INT, "requestStrategy": STR, "maxRecipients": INT_N,
        "responseTimeHours": INT, "requireLocalResidence": BOOL, "rankingListId": STR_N, "customListId": STR_N,
        "status": STR, "accepted": _COUNT, "pending": _COUNT, "declined": _COUNT, "timedOut": _COUNT,
        "cancelled": _COUNT, "filled": BOOL, "lockedFields": IDS, "createdAt": TIME, "updatedAt": TIME,
    }, ["projectNeedId", "projectId", "positionId", "quantity", "requestStrategy", "status", "accepted", "pending",
        "declined", "timedOut", "filled"]),
    "NeedInput": obj({
        "positionId": STR, "quantity": {"type": "integer", "minimum": 1, "maximum": projects.MAX_QUANTITY},
        "rankingListId": STR_N, "customListId": STR_N,
        "requestStrategy": {"type": "string", "enum": STRATEGY_ENUM},
        "maxRecipients": {"type": ["integer", "null"], "minimum": 1},
        "responseTimeHours": {"type": ["integer", "null"], "minimum": 1, "maximum": projects.MAX_RESPONSE_HOURS},
        "requireLocalResidence": BOOL,
    }, ["positionId", "quantity", "requestStrategy"]),
    "NeedChanges": obj({
        "quantity": {"type": "integer", "minimum": 1, "maximum": projects.MAX_QUANTITY},
        "requestStrategy": {"type": "string", "enum": STRATEGY_ENUM},
        "responseTimeHours": {"type": "integer", "minimum": 1, "maximum": projects.MAX_RESPONSE_HOURS},
        "maxRecipients": {"type": ["integer", "null"], "minimum": 1},
        "status": {"type": "string", "enum": NEED_STATUS_ENUM},
    }),
    "ProjectSummary": obj({**_PROJECT_FIELDS, "needCount": _COUNT, "staffing": ref("Staffing")},
                          [*_PROJECT_FIELDS, "needCount", "staffing"]),
    "ProjectDetail": obj({**_PROJECT_FIELDS, "needs": {"type": "array", "items": ref("Need")},
                          "staffing": ref("Staffing")}, [*_PROJECT_FIELDS, "needs", "staffing"]),
    "ProjectInput": obj({"name": {"type": "string", "minLength": 1, "maxLength": projects.NAME_MAX},
                         "startDate": DATE_OR_TIME, "weekNumber": {"type": ["integer", "null"], "minimum": 1,
                                                                   "maximum": 53},
                         "rehearsalSchedule": STR_N, "concertInfo": STR_N, "notes": STR_N}, ["name", "startDate"]),
    "ProjectChanges": obj({"name": {"type": "string", "minLength": 1, "maxLength": projects.NAME_MAX},
                           "startDate": DATE_OR_TIME, "weekNumber": {"type": ["integer", "null"], "minimum": 1,
                                                                     "maximum": 53},
                           "rehearsalSchedule": STR_N, "concertInfo": STR_N, "notes": STR_N}),
    "Person": obj({"musicianId": STR, "name": STR}, ["musicianId", "name"]),
    "Preview": obj({
        "projectId": STR, "conflictStrategy": STR,
        "needs": {"type": "array", "items": obj({
            "projectNeedId": STR, "positionId": STR, "positionName": STR, "instrumentName": STR,
            "requestStrategy": STR, "quantity": INT, "maxRecipients": INT_N, "status": STR, "accepted": _COUNT,
            "pending": _COUNT, "remaining": _COUNT,
            "toAsk": {"type": "array", "items": ref("Person")},
            "nextInQueue": {"type": "array", "items": ref("Person")},
            "skipped": {"type": "array", "items": obj({"musicianId": STR, "name": STR, "reason": STR},
                                                      ["musicianId", "reason"])},
        }, ["projectNeedId", "toAsk", "nextInQueue", "skipped"])},
        "conflicts": {"type": "array", "items": {"type": "object"}},
    }, ["projectId", "needs"]),
    "SendResult": obj({"sent": _COUNT, "needs": {"type": "array", "items": obj(
        {"projectNeedId": STR, "sent": _COUNT}, ["projectNeedId", "sent"])}}, ["sent", "needs"]),
    "Request": obj({"requestId": STR, "projectNeedId": STR, "musicianId": STR,
                    "status": {"type": "string", "enum": REQUEST_STATUS_ENUM}, "sentAt": TIME,
                    "reminderSentAt": TIME_N, "respondedAt": TIME_N, "deadline": TIME_N},
                   ["requestId", "projectNeedId", "musicianId", "status", "sentAt", "reminderSentAt",
                    "respondedAt"]),
    "ResponseInput": obj({"answer": {"type": "string", "enum": ["accept", "decline"]}, "note": STR_N}, ["answer"]),
    "Outcome": obj({"requestId": STR_N, "status": STR_N, "outcome": STR, "message": STR},
                   ["requestId", "status", "outcome", "message"]),
    "Communication": obj({"messageId": STR, "type": STR, "channel": {"type": "string", "enum": ["email", "sms"]},
                          "to": STR, "subject": STR_N, "body": STR, "status": STR, "sentAt": TIME_N,
                          "createdAt": TIME, "requestId": STR_N, "musicianId": STR_N},
                         ["type", "channel", "to", "subject", "body", "status", "sentAt"]),
    "GroupEmailInput": obj({"subject": {"type": "string", "minLength": 1, "maxLength": projects.SUBJECT_MAX},
                            "message": {"type": "string", "minLength": 1},
                            "instrumentIds": IDS, "positionIds": IDS,
                            "filters": obj({"instrumentIds": IDS, "positionIds": IDS})}, ["subject", "message"]),
    "GroupEmailResult": obj({"recipients": _COUNT, "queued": _COUNT}, ["recipients", "queued"]),
    "ClockInput": obj({"advanceMinutes": {"type": "number"}, "set": TIME}),
    "Clock": obj({"now": TIME}, ["now"]),
    "TickResult": obj({k: _COUNT for k in ("reminders", "timeouts", "refills", "delivered", "failed")},
                      ["reminders", "timeouts", "refills", "delivered", "failed"]),
    "OutboxMessage": obj({"messageId": STR, "channel": STR, "messageType": STR, "recipient": STR,
                          "subject": STR_N, "body": STR, "status": STR, "createdAt": TIME, "sentAt": TIME_N,
                          "links": IDS}, ["messageId", "channel", "messageType", "recipient", "body", "status",
                                          "links"]),
}
register_components(COMPONENTS)


# ----- handlers ----------------------------------------------------------------------------------------------


async def get_health(call: Call) -> Response:
    return await health_endpoint.health(call.request)


async def get_openapi(call: Call) -> Response:
    return json_response(openapi_document(), headers={"Cache-Control": "public, max-age=300"})


def _instruments(ref_: tenancy.OrchestraRef) -> list[dict]:
    with tenancy.orchestra_session(ref_) as session:
        views = catalog.list_instruments(session)
    return [
        {"instrumentId": v.instrumentId, "name": v.name, "displayOrder": v.displayOrder,
         "positions": [{"positionId": p.positionId, "name": p.name, "hierarchyLevel": p.hierarchyLevel}
                       for p in v.positions]}
        for v in views
    ]


async def list_instruments(call: Call) -> dict:
    return page_of(await call.run(_instruments, call.ref), call)


async def list_musicians(call: Call) -> dict:
    q = call.query
    items, total = await call.run(musicians.list_musicians, call.ref, q=q["q"], position_id=q["positionId"],
                                  status=q["status"], limit=q["limit"], offset=q["offset"])
    return page(items, total, call)


async def create_musician(call: Call) -> dict:
    return await call.run(musicians.create_musician, call.ref, call.body)


async def get_musician(call: Call) -> dict:
    return await call.run(musicians.get_musician, call.ref, call.path["musicianId"])


async def update_musician(call: Call) -> dict:
    return await call.run(musicians.update_musician, call.ref, call.path["musicianId"], call.body)


async def archive_musician(call: Call) -> dict:
    return await call.run(musicians.archive_musician, call.ref, call.path["musicianId"])


async def restore_musician(call: Call) -> dict:
    return await call.run(musicians.restore_musician, call.ref, call.path["musicianId"])


async def list_blockouts(call: Call) -> dict:
    return page_of(await call.run(musicians.list_blockouts, call.ref, call.path["musicianId"]), call)


async def add_blockout(call: Call) -> dict:
    body = call.body
    return await call.run(musicians.add_blockout, call.ref, call.path["musicianId"], body.get("startDate"),
                          body.get("endDate"), body.get("reason"))


async def delete_blockout(call: Call) -> None:
    await call.run(musicians.delete_blockout, call.ref, call.path["musicianId"], call.path["blockoutId"])


async def list_ranking_lists(call: Call) -> dict:
    return page_of(await call.run(rankings.list_position_lists, call.ref, call.path["positionId"]), call)


async def get_ranking_list(call: Call) -> dict:
    return await call.run(rankings.get_ranking_list, call.ref, call.path["rankingListId"])


async def replace_ranking_order(call: Call) -> dict:
    return await call.run(rankings.replace_order, call.ref, call.path["rankingListId"], _order(call.body))


def _order(body: dict) -> list[str]:
    if "musicianIds" not in body:
        raise ValidationError("invalid_order", "musicianIds is required.", {"musicianIds": "required"})
    return body["musicianIds"]


async def list_projects(call: Call) -> dict:
    q = call.query
    items, total = await call.run(projects.list_projects, call.ref, date_from=q["from"], date_to=q["to"],
                                  limit=q["limit"], offset=q["offset"])
    return page(items, total, call)


async def create_project(call: Call) -> dict:
    return await call.run(projects.create_project, call.ref, call.body)


async def get_project(call: Call) -> dict:
    return await call.run(projects.get_project, call.ref, call.path["projectId"])


async def update_project(call: Call) -> dict:
    return await call.run(projects.update_project, call.ref, call.path["projectId"], call.body)


async def pause_project(call: Call) -> dict:
    return await call.run(projects.pause_project, call.ref, call.path["projectId"])


async def resume_project(call: Call) -> dict:
    return await call.run(projects.resume_project, call.ref, call.path["projectId"])


async def create_need(call: Call) -> dict:
    return await call.run(projects.create_need, call.ref, call.path["projectId"], call.body)


async def get_need(call: Call) -> dict:
    return await call.run(projects.get_need, call.ref, call.path["projectNeedId"])


async def update_need(call: Call) -> dict:
    return await call.run(projects.update_need, call.ref, call.path["projectNeedId"], call.body)


async def list_custom_lists(call: Call) -> dict:
    return page_of(await call.run(projects.list_custom_lists, call.ref, call.path["projectId"]), call)


async def create_custom_list(call: Call) -> dict:
    return await call.run(projects.create_custom_list, call.ref, call.path["projectId"], call.body.get("positionId"),
                          call.body.get("musicianIds") or [], call.body.get("templateName"))


async def get_custom_list(call: Call) -> dict:
    return await call.run(projects.get_custom_list, call.ref, call.path["customListId"])


async def replace_custom_order(call: Call) -> dict:
    return await call.run(projects.replace_custom_order, call.ref, call.path["customListId"], _order(call.body))


async def delete_custom_list(call: Call) -> None:
    await call.run(custom_lists.delete_custom_list, call.ref, call.path["customListId"])


async def preview_project(call: Call) -> dict:
    return await call.run(dispatch.preview_project, call.ref, call.path["projectId"])


async def send_project(call: Call) -> dict:
    return await call.run(dispatch.send_project, call.ref, call.path["projectId"], actor=call.actor)


async def list_requests(call: Call) -> dict:
    return page_of(await call.run(dispatch.list_requests, call.ref, call.path["projectId"]), call)


async def record_response(call: Call) -> dict:
    outcome = await call.run(dispatch.respond_on_behalf, call.ref, call.path["requestId"], call.body.get("answer"),
                             staff=call.actor, note=call.body.get("note"))
    return outcome.as_dict()


async def list_communications(call: Call) -> dict:
    q = call.query
    items, total = await call.run(projects.list_communications, call.ref, request_id=q["requestId"],
                                  musician_id=q["musicianId"], project_id=q["projectId"], message_type=q["type"],
                                  limit=q["limit"], offset=q["offset"])
    return page(items, total, call)


async def group_email(call: Call) -> dict:
    body = call.body
    filters = body.get("filters") or {}
    return await call.run(
        projects.send_group_email, call.ref, call.path["projectId"], body.get("subject"), body.get("message"),
        instrument_ids=body.get("instrumentIds", filters.get("instrumentIds")),
        position_ids=body.get("positionIds", filters.get("positionIds")), actor=call.actor,
    )


async def dev_clock(call: Call) -> dict:
    body = call.body
    given = [name for name in ("advanceMinutes", "set") if body.get(name) is not None]
    if len(given) != 1:
        raise ValidationError("invalid_clock", "Give exactly one of advanceMinutes and set.",
                              {"advanceMinutes": "exactly one of advanceMinutes and set",
                               "set": "exactly one of advanceMinutes and set"})
    try:
        if given == ["advanceMinutes"]:
            target = clock.now() + timedelta(minutes=body["advanceMinutes"])
        else:
            target = clock.as_utc(datetime.fromisoformat(body["set"].replace("z", "Z")))
    except OverflowError:
        target = None
    if target is None or not DEV_CLOCK_RANGE[0] <= target.year <= DEV_CLOCK_RANGE[1]:
        span = f"{DEV_CLOCK_RANGE[0]}..{DEV_CLOCK_RANGE[1]}"
        raise ValidationError("invalid_clock", f"The clock can be moved within the years {span}.",
                              {given[0]: f"the result must lie within the years {span}"})
    now = clock.set_now(target)
    return {"now": now}


async def dev_tick(call: Call) -> dict:
    return await call.run(scheduler.tick, call.ref)


def _outbox_page(ref_: tenancy.OrchestraRef, limit: int, offset: int) -> tuple[list[dict], int]:
    items = outbox.list_outbox(ref_, limit=offset + limit)[offset:]
    with tenancy.orchestra_session(ref_) as session:
        total = session.execute(sa.select(sa.func.count()).select_from(Outbox)
                                .where(Outbox.channel.in_(("email", "sms")))).scalar_one()
    return items, total


async def dev_outbox(call: Call) -> dict:
    items, total = await call.run(_outbox_page, call.ref, call.query["limit"], call.query["offset"])
    return page(items, total, call)


# ----- the table ---------------------------------------------------------------------------------------------

MUSICIAN_QUERY = (
    Param("q", STR, "words to find in first name, last name or e-mail (all must match)"),
    Param("positionId", STR, "only musicians qualified for this position"),
    Param("status", {"type": "string", "enum": STATUS_ENUM}, "active, inactive or archived (default: all)"),
    *PAGING,
)
PROJECT_QUERY = (
    Param("from", DATE_OR_TIME, "start date on or after (a date: from the start of that day)"),
    Param("to", DATE_OR_TIME, "start date on or before (a date: to the end of that day)"),
    *PAGING,
)
COMMUNICATION_QUERY = (
    Param("requestId", STR, "messages about this request"),
    Param("musicianId", STR, "messages to this musician"),
    Param("projectId", STR, "messages about this project's requests, and its group e-mails"),
    Param("type", {"type": "string", "enum": [*projects.COMMUNICATION_TYPES, *projects.TYPE_ALIASES]},
          "message type"),
    *PAGING,
)


def _op(method: str, path: str, operation_id: str, summary: str, handler, tag: str, response: str | dict | None,
        **kwargs: Any) -> Operation:
    if isinstance(response, str):
        response = ref(response)
    if kwargs.get("paged"):
        response = paged_schema(response)
        kwargs["query"] = kwargs.get("query") or PAGING
    if isinstance(kwargs.get("request"), str):
        kwargs["request"] = ref(kwargs["request"])
    return Operation(method, PREFIX + path, operation_id, summary, handler, tag, response, **kwargs)


OPERATIONS: list[Operation] = [
    _op("GET", "/health", "getHealth", "Health of the platform (200, or 503 when the central database is down)",
        get_health, "meta", "Health", auth=False, errors=(503,)),
    _op("GET", "/openapi.json", "getOpenApi", "This OpenAPI document", get_openapi, "meta",
        {"type": "object"}, auth=False),
    _op("GET", "/instruments", "listInstruments", "Instruments in display order, with their positions",
        list_instruments, "catalogue", "Instrument", paged=True),
    _op("GET", "/musicians", "listMusicians", "Musicians (search, position, status)", list_musicians, "musicians",
        "Musician", paged=True, query=MUSICIAN_QUERY),
    _op("POST", "/musicians", "createMusician", "Create a musician", create_musician, "musicians",
        "MusicianDetail", status=201, request="MusicianInput"),
    _op("GET", "/musicians/{musicianId}", "getMusician", "One musician, with qualifications and request statistics",
        get_musician, "musicians", "MusicianDetail"),
    _op("PATCH", "/musicians/{musicianId}", "updateMusician", "Change a musician (partial; plus isActive)",
        update_musician, "musicians", "MusicianDetail", request="MusicianChanges"),
    _op("POST", "/musicians/{musicianId}/archive", "archiveMusician", "Archive a musician (never a hard delete)",
        archive_musician, "musicians", "MusicianDetail"),
    _op("POST", "/musicians/{musicianId}/restore", "restoreMusician", "Restore an archived musician",
        restore_musician, "musicians", "MusicianDetail"),
    _op("GET", "/musicians/{musicianId}/blockouts", "listBlockouts", "The musician's blockout periods",
        list_blockouts, "musicians", "Blockout", paged=True),
    _op("POST", "/musicians/{musicianId}/blockouts", "addBlockout",
        "Add a blockout (dates alone cover whole days, orchestra time zone)", add_blockout, "musicians",
        "Blockout", status=201, request="BlockoutInput"),
    _op("DELETE", "/musicians/{musicianId}/blockouts/{blockoutId}", "deleteBlockout", "Remove a blockout",
        delete_blockout, "musicians", None, status=204),
    _op("GET", "/positions/{positionId}/ranking-lists", "listRankingLists",
        "The position's ranking lists (A, B, C) with their ordered musicians", list_ranking_lists, "rankings",
        "RankingList", paged=True),
    _op("GET", "/ranking-lists/{rankingListId}", "getRankingList", "One ranking list", get_ranking_list,
        "rankings", "RankingList"),
    _op("PUT", "/ranking-lists/{rankingListId}/musicians", "replaceRankingOrder",
        "Replace a ranking list's order (qualified, non-archived musicians, each once)", replace_ranking_order,
        "rankings", "RankingList", request="MusicianOrder"),
    _op("GET", "/projects", "listProjects", "Projects, newest first", list_projects, "projects", "ProjectSummary",
        paged=True, query=PROJECT_QUERY),
    _op("POST", "/projects", "createProject", "Create a project", create_project, "projects", "ProjectDetail",
        status=201, request="ProjectInput"),
    _op("GET", "/projects/{projectId}", "getProject", "A project with its needs and their counts", get_project,
        "projects", "ProjectDetail"),
    _op("PATCH", "/projects/{projectId}", "updateProject", "Change a project (partial)", update_project,
        "projects", "ProjectDetail", request="ProjectChanges"),
    _op("POST", "/projects/{projectId}/pause", "pauseProject", "Pause every active need of the project",
        pause_project, "projects", "ProjectDetail"),
    _op("POST", "/projects/{projectId}/resume", "resumeProject",
        "Resume the paused needs and send what they allow now (completed needs stay completed)", resume_project,
        "projects", "ProjectDetail"),
    _op("POST", "/projects/{projectId}/needs", "createNeed", "Add a need to a project", create_need, "projects",
        "Need", status=201, request="NeedInput"),
    _op("GET", "/needs/{projectNeedId}", "getNeed", "One need with its counts", get_need, "projects", "Need"),
    _op("PATCH", "/needs/{projectNeedId}", "updateNeed",
        "Change a need's quantity, responseTimeHours, maxRecipients, requestStrategy or status", update_need,
        "projects", "Need", request="NeedChanges"),
    _op("GET", "/projects/{projectId}/custom-lists", "listCustomLists", "The project's custom ranking lists",
        list_custom_lists, "rankings", "CustomList", paged=True),
    _op("POST", "/projects/{projectId}/custom-lists", "createCustomList",
        "Create the project's custom list for a position (one per position)", create_custom_list, "rankings",
        "CustomList", status=201, request="CustomListInput"),
    _op("GET", "/custom-lists/{customListId}", "getCustomList", "One custom ranking list", get_custom_list,
        "rankings", "CustomList"),
    _op("PUT", "/custom-lists/{customListId}/musicians", "replaceCustomOrder", "Replace a custom list's order",
        replace_custom_order, "rankings", "CustomList", request="MusicianOrder"),
    _op("DELETE", "/custom-lists/{customListId}", "deleteCustomList",
        "Delete a custom list (refused while a need that is not cancelled uses it)", delete_custom_list, "rankings",
        None, status=204),
    _op("GET", "/projects/{projectId}/preview", "previewProject",
        "Dry run: per need, who would be asked now, who is next, who is skipped and why", preview_project,
        "requests", "Preview"),
    _op("POST", "/projects/{projectId}/send", "sendProject", "Start or continue requests for every active need",
        send_project, "requests", "SendResult"),
    _op("GET", "/projects/{projectId}/requests", "listRequests", "The project's requests", list_requests,
        "requests", "Request", paged=True),
    _op("POST", "/requests/{requestId}/response", "recordResponse",
        "Record an answer the musician gave another way (phone, in person)", record_response, "requests",
        "Outcome", request="ResponseInput"),
    _op("GET", "/communications", "listCommunications", "The communication log (e-mail and SMS), newest first",
        list_communications, "communication", "Communication", paged=True, query=COMMUNICATION_QUERY),
    _op("POST", "/projects/{projectId}/group-email", "sendGroupEmail",
        "E-mail the project's accepted musicians (all, or by instrument/position)", group_email, "communication",
        "GroupEmailResult", request="GroupEmailInput"),
    _op("POST", "/dev/clock", "devClock", "Move the application clock (dev and test only)", dev_clock, "development",
        "Clock", request="ClockInput", dev_only=True),
    _op("POST", "/dev/tick", "devTick", "Run one scheduler pass now (dev and test only)", dev_tick, "development",
        "TickResult", dev_only=True),
    _op("GET", "/dev/outbox", "devOutbox", "Simulated e-mails and SMS, newest first (dev and test only)",
        dev_outbox, "development", "OutboxMessage", paged=True, dev_only=True),
]

DESCRIPTION = (
    "The StageSub REST API for one orchestra's integrations. Authenticate with the orchestra's API key as "
    "'Authorization: Bearer <key>'. Errors are {\"error\": {\"code\", \"message\", \"fields\"}}. Times are ISO "
    "8601 in UTC. Lists are paged with limit (1..200, default 50) and offset."
)


@functools.cache
def openapi_document() -> dict:
    return build_document(OPERATIONS, title="StageSub API", version=f"1 ({health.VERSION})",
                          description=DESCRIPTION)


def routes() -> list:
    """The API's Starlette routes (and the JSON 404/405 catch-all under /api/v1, which must come last)."""
    return build_routes(OPERATIONS, PREFIX)
