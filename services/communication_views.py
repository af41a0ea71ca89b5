"""The communication page (``/communication``): every e-mail and SMS of the orchestra, and its group e-mails.

No Reflex here. Functions take the logged-in user's orchestra id, open its database through
``services.tenancy`` and return JSON-friendly dicts; times are formatted in the installation's time zone.

Where a message is found:

* ``CommunicationLog``: one row per delivered (or finally failed) message about a request, with the additive
  columns ``channel, recipient, subject, status, providerMessageId, error, segments`` and the outbox row's
  ``messageId``. Rows of the earlier system have only ``type``, ``timestamp`` and ``emailContent``.
* ``Outbox``: every message before delivery (``pending``/``sending``: shown as *queued*), and the messages that
  never get a log row (group e-mails, test e-mails, an SMS to a number that could not be used).

``messages`` pages through both at once (one ``UNION ALL`` with the filters, the count and ``LIMIT/OFFSET`` in
SQL), so a page costs the same however long the history is. A message is addressed by a key ``log:<id>`` or
``outbox:<id>``; ``message_detail`` gives its text and the HTML the recipient saw (the outbox row's ``htmlBody``).
"""

from __future__ import annotations

import math
import re
from datetime import datetime

import sqlalchemy as sa

from models.orchestra import CommunicationLog, GroupEmailLog, Musician, Outbox, Project, ProjectNeed, Request
from services import clock, group_email, outbox, tenancy
from services.errors import NotFound, ValidationError
from services.musicians import like_pattern
from services.settings import get_settings

PAGE_SIZE = 50
CHANNELS = ("email", "sms")
STATUSES = ("queued", "sent", "delivered", "simulated", "failed")
"""Status filter values; ``queued`` is an outbox row still waiting (``pending``) or being delivered (``sending``)."""
QUEUED_OUTBOX_STATUSES = ("pending", "sending")
TYPES = (*outbox.COMMUNICATION_TYPES.values(), "group_email", "test")
"""The type filter: the log's types (``request_sent`` …) plus the outbox-only kinds."""
SEARCH_MAX = 100
KEY_RE = re.compile(r"^(log|outbox):(\d{1,18})$")
ERROR_MAX = 2000


def _tz() -> str:
    return get_settings().timezone


def _local(value, tz: str) -> str:
    return clock.format_local(value, tz) if value is not None else ""


def _ref(orchestra_pk: str) -> tenancy.OrchestraRef:
    return tenancy.get_orchestra_by_id(orchestra_pk)


# ----- the two sources as one table ---------------------------------------------------------------------------------


def _log_source() -> sa.Select:
    """``CommunicationLog`` rows as messages. An earlier system's row has no channel or status: an e-mail it
    logged after sending (``*_sent``) counts as sent e-mail; its other rows (answers) have neither."""
    is_sent_type = CommunicationLog.type.like("%\\_sent", escape="\\")
    return (
        sa.select(
            sa.literal("log").label("source"),
            CommunicationLog.id.label("pk"),
            CommunicationLog.timestamp.label("at"),
            CommunicationLog.type.label("type"),
            sa.func.coalesce(CommunicationLog.channel, sa.case((is_sent_type, "email"), else_="")).label("channel"),
            sa.func.coalesce(CommunicationLog.recipient, Musician.email).label("recipient"),
            CommunicationLog.subject.label("subject"),
            sa.func.coalesce(CommunicationLog.status, sa.case((is_sent_type, "sent"), else_="")).label("status"),
            CommunicationLog.error.label("error"),
            ProjectNeed.projectId.label("project_pk"),
            Musician.id.label("musician_pk"),
        )
        .select_from(CommunicationLog)
        .join(Request, Request.id == CommunicationLog.requestId)
        .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .join(Musician, Musician.id == Request.musicianId)
    )


def _outbox_source() -> sa.Select:
    """``Outbox`` e-mails and SMS that have no log row (yet): queued, group e-mails, failed before sending."""
    logged = sa.exists().where(CommunicationLog.messageId == Outbox.messageId)
    type_column = sa.case(
        *[(Outbox.messageType == kind, log_type) for kind, log_type in outbox.COMMUNICATION_TYPES.items()],
        else_=Outbox.messageType,
    )
    status_column = sa.case((Outbox.status.in_(QUEUED_OUTBOX_STATUSES), "queued"), else_=Outbox.status)
    return (
        sa.select(
            sa.literal("outbox").label("source"),
            Outbox.id.label("pk"),
            sa.func.coalesce(Outbox.sentAt, Outbox.createdAt).label("at"),
            type_column.label("type"),
            Outbox.channel.label("channel"),
            Outbox.recipient.label("recipient"),
            Outbox.subject.label("subject"),
            status_column.label("status"),
            Outbox.lastError.label("error"),
            sa.func.coalesce(ProjectNeed.projectId, GroupEmailLog.projectId).label("project_pk"),
            Outbox.musicianId.label("musician_pk"),
        )
        .select_from(Outbox)
        .outerjoin(Request, Request.id == Outbox.requestId)
        .outerjoin(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .outerjoin(GroupEmailLog, GroupEmailLog.id == Outbox.groupEmailLogId)
        .where(Outbox.channel.in_(CHANNELS), ~logged)
    )


# ----- filters ----------------------------------------------------------------------------------------------------


def _clean(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_filters(filters: dict) -> dict:
    """Validated filters (unknown keys ignored); raises ``ValidationError`` with every bad field at once."""
    problems: dict[str, str] = {}
    clean = {
        "projectId": _clean(filters.get("projectId")),
        "type": _clean(filters.get("type")),
        "channel": _clean(filters.get("channel")),
        "status": _clean(filters.get("status")),
        "search": _clean(filters.get("search"))[:SEARCH_MAX],
    }
    if clean["type"] and clean["type"] not in TYPES:
        problems["type"] = f"one of {', '.join(TYPES)}"
    if clean["channel"] and clean["channel"] not in CHANNELS:
        problems["channel"] = f"one of {', '.join(CHANNELS)}"
    if clean["status"] and clean["status"] not in STATUSES:
        problems["status"] = f"one of {', '.join(STATUSES)}"
    clean["from"], clean["to"] = date_range(filters.get("from"), filters.get("to"), problems)
    if problems:
        raise ValidationError("invalid_filter", "Some filters are not valid.", problems)
    return clean


def date_range(date_from, date_to, problems: dict[str, str]) -> tuple[datetime | None, datetime | None]:
    """``YYYY-MM-DD`` dates (local days) to UTC moments: the start of ``from``, the end of ``to``.

    Problems are added to ``problems`` under ``from`` / ``to`` (shared by the log pages' filters).
    """
    start = end = None
    for field, value, end_of_day in (("from", date_from, False), ("to", date_to, True)):
        text = _clean(value)
        if not text:
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            problems[field] = "a date YYYY-MM-DD"
            continue
        try:
            moment = clock.parse_moment(text, field, end_of_day=end_of_day)
        except ValidationError:
            problems[field] = "a date YYYY-MM-DD"
            continue
        if end_of_day:
            end = moment
        else:
            start = moment
    if start is not None and end is not None and start > end:
        problems["to"] = "on or after the first date"
    return start, end


def _conditions(session, u, filters: dict) -> list:
    conditions = []
    if filters["projectId"]:
        project_pk = session.execute(
            sa.select(Project.id).where(Project.projectId == filters["projectId"])
        ).scalar_one_or_none()
        # An e-mail of a group e-mail sent through the API names its project only in its payload.
        group_rows = [
            row_id for row_id, payload in session.execute(
                sa.select(Outbox.id, Outbox.payload).where(
                    Outbox.messageType == "group_email", Outbox.groupEmailLogId.is_(None))
            ).all()
            if isinstance(payload, dict) and payload.get("projectId") == filters["projectId"]
        ]
        by_payload = sa.and_(u.c.source == "outbox", u.c.pk.in_(group_rows)) if group_rows else sa.false()
        conditions.append(sa.or_(u.c.project_pk == (project_pk if project_pk is not None else -1), by_payload))
    if filters["type"]:
        conditions.append(u.c.type == filters["type"])
    if filters["channel"]:
        conditions.append(u.c.channel == filters["channel"])
    if filters["status"]:
        conditions.append(u.c.status == filters["status"])
    if filters["from"] is not None:
        conditions.append(u.c.at >= filters["from"])
    if filters["to"] is not None:
        conditions.append(u.c.at <= filters["to"])
    if filters["search"]:
        pattern = like_pattern(filters["search"].lower())
        full_name = sa.func.lower(Musician.firstName + " " + Musician.lastName)
        matching = sa.select(Musician.id).where(sa.or_(
            full_name.like(pattern, escape="\\"),
            sa.func.lower(Musician.email).like(pattern, escape="\\"),
            sa.func.lower(sa.func.coalesce(Musician.phone, "")).like(pattern, escape="\\"),
            sa.func.lower(Musician.musicianId).like(pattern, escape="\\"),
        ))
        conditions.append(sa.or_(u.c.musician_pk.in_(matching),
                                 sa.func.lower(u.c.recipient).like(pattern, escape="\\")))
    return conditions


# ----- reads ---------------------------------------------------------------------------------------------------------


def filter_options(orchestra_pk: str) -> dict:
    """What the filters offer: the orchestra's projects (newest first), types, channels and statuses."""
    ref = _ref(orchestra_pk)
    with tenancy.orchestra_session(ref) as session:
        projects = session.execute(
            sa.select(Project.projectId, Project.name, Project.weekNumber)
            .order_by(Project.startDate.desc(), Project.id.desc())
        ).all()
    return {
        "projects": [{"projectId": pid, "label": f"V. {week} {name}"} for pid, name, week in projects],
        "types": list(TYPES),
        "channels": list(CHANNELS),
        "statuses": list(STATUSES),
    }


def messages(orchestra_pk: str, filters: dict | None = None, page: int = 1, page_size: int = PAGE_SIZE) -> dict:
    """One page of messages, newest first.

    ``filters``: ``projectId``, ``type`` (``TYPES``), ``channel`` (email, sms), ``status`` (``STATUSES``),
    ``search`` (musician name, e-mail, phone or id, or the recipient address), ``from`` / ``to`` (local dates
    ``YYYY-MM-DD``, both days included). Returns ``{"rows", "total", "page", "pages", "pageSize"}``; a page
    past the end gives the last page. Each row: ``key, at, type, channel, recipient, subject, status, error,
    projectId, projectName, musicianId, musicianName``.
    """
    clean = _check_filters(filters or {})
    page_size = max(1, min(int(page_size), 200))
    ref = _ref(orchestra_pk)
    tz = _tz()
    u = sa.union_all(_log_source(), _outbox_source()).subquery("messages")
    with tenancy.orchestra_session(ref) as session:
        conditions = _conditions(session, u, clean)
        total = int(session.execute(sa.select(sa.func.count()).select_from(u).where(*conditions)).scalar_one())
        pages = max(1, math.ceil(total / page_size))
        page = min(max(1, int(page)), pages)
        rows = session.execute(
            sa.select(u, Project.projectId.label("project_id"), Project.name.label("project_name"),
                      Musician.musicianId.label("musician_id"), Musician.firstName, Musician.lastName)
            .select_from(u)
            .outerjoin(Project, Project.id == u.c.project_pk)
            .outerjoin(Musician, Musician.id == u.c.musician_pk)
            .where(*conditions)
            .order_by(u.c.at.desc(), u.c.source, u.c.pk.desc())
            .offset((page - 1) * page_size).limit(page_size)
        ).all()
    return {
        "rows": [
            {
                "key": f"{row.source}:{row.pk}",
                "at": _local(clock.as_utc(row.at) if isinstance(row.at, datetime) else row.at, tz),
                "type": row.type or "",
                "channel": row.channel or "",
                "recipient": row.recipient or "",
                "subject": row.subject or "",
                "status": row.status or "",
                "error": (row.error or "")[:ERROR_MAX],
                "projectId": row.project_id or "",
                "projectName": row.project_name or "",
                "musicianId": row.musician_id or "",
                "musicianName": f"{row.firstName} {row.lastName}" if row.firstName is not None else "",
            }
            for row in rows
        ],
        "total": total,
        "page": page,
        "pages": pages,
        "pageSize": page_size,
    }


def message_detail(orchestra_pk: str, key: str) -> dict:
    """One message as it was sent: ``subject, text, html`` (the e-mail's HTML, "" for SMS and the earlier
    system's rows), ``recipient, channel, type, status, error, segments, attempts, providerMessageId,
    deliveryStatus, createdAt, sentAt``. Raises ``NotFound`` for an unknown key (or another orchestra's)."""
    match = KEY_RE.match(key or "")
    if match is None:
        raise NotFound("message_not_found", "No such message.")
    source, pk = match.group(1), int(match.group(2))
    ref = _ref(orchestra_pk)
    tz = _tz()
    with tenancy.orchestra_session(ref) as session:
        log_row = row = None
        if source == "log":
            log_row = session.get(CommunicationLog, pk)
            if log_row is None:
                raise NotFound("message_not_found", "No such message.")
            if log_row.messageId:
                row = session.execute(
                    sa.select(Outbox).where(Outbox.messageId == log_row.messageId)
                ).scalar_one_or_none()
        else:
            row = session.get(Outbox, pk)
            if row is None or row.channel not in CHANNELS:
                raise NotFound("message_not_found", "No such message.")
    if row is not None:
        status = "queued" if row.status in QUEUED_OUTBOX_STATUSES else row.status
        detail = {
            "subject": row.subject or "", "text": row.body or "", "html": row.htmlBody or "",
            "recipient": row.recipient or "", "channel": row.channel, "type": row.messageType,
            "status": status, "error": row.lastError or "", "segments": row.segments or 0,
            "attempts": row.attempts or 0, "providerMessageId": row.providerMessageId or "",
            "deliveryStatus": row.deliveryStatus or "", "createdAt": _local(row.createdAt, tz),
            "sentAt": _local(row.sentAt, tz),
        }
        if log_row is not None:
            # The log holds what the provider reported later (status callbacks).
            detail.update({"type": log_row.type, "status": log_row.status or detail["status"],
                           "error": log_row.error or detail["error"]})
        return detail
    text = log_row.emailContent or ""
    return {
        "subject": log_row.subject or "", "text": text, "html": "", "recipient": log_row.recipient or "",
        "channel": log_row.channel or "", "type": log_row.type, "status": log_row.status or "",
        "error": log_row.error or "", "segments": log_row.segments or 0, "attempts": log_row.attempts or 0,
        "providerMessageId": log_row.providerMessageId or "", "deliveryStatus": "",
        "createdAt": _local(log_row.timestamp, tz), "sentAt": _local(log_row.timestamp, tz),
    }


def group_emails(orchestra_pk: str, project_id: str | None = None) -> list[dict]:
    """The group e-mail history (``services.group_email.group_email_history``), newest first."""
    return group_email.group_email_history(_ref(orchestra_pk), project_id or None)

