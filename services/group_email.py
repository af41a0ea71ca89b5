"""Group e-mail to a project's accepted musicians (ORIGINAL_BEHAVIOUR.md §3.7, minus its defects).

* Recipients are always computed here, from the project and the filters (the earlier system mailed whatever
  addresses the browser sent): active, non-archived musicians with an *accepted* request in the project;
  instrument filters are ORed with each other, position filters too, and the two are ANDed.
* One ``GroupEmailLog`` row and one outbox e-mail per recipient are written in one transaction; delivery
  happens after commit (``services.outbox``), which counts each e-mail into the log's ``sentCount`` /
  ``failedCount``. ``group_email_progress`` reads the outbox rows, so the page can show a progress bar.
* Attachments are ``FileStorage`` ids of the same project; the outbox reads their bytes at delivery.
* With the orchestra's ``smsOnGroupEmail`` switch on, musicians with a usable phone number also get a short
  SMS notice in their language, held back during the orchestra's quiet hours. The SMS rows are not linked to
  the log (its counts are the e-mails).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from models.central import Orchestra
from models.orchestra import (
    FileStorage,
    GroupEmailLog,
    Instrument,
    Musician,
    Outbox,
    Position,
    Project,
    ProjectFile,
    ProjectNeed,
    Request,
)
from services import clock, files, logs, outbox, tenancy
from services.catalog import UNORDERED_DISPLAY_ORDER, swedish_sort_key
from services.errors import NotFound, ValidationError
from services.messaging import templates
from services.messaging.phone import normalise_phone
from services.messaging.quiet_hours import release_time
from services.messaging.sms_text import fit_sms, sms_segments
from services.orchestra_settings import quiet_hours
from services.projects import MESSAGE_MAX, SUBJECT_MAX, id_list
from services.settings import get_settings

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 30 * 1024 * 1024
"""All attachments of one e-mail together (Resend takes 40 MB per e-mail after base64 encoding)."""
HISTORY_LIMIT = 200
SENT_STATUSES = ("sent", "simulated")
SMS_TEXT = {
    "sv": ("Nytt meddelande från {orchestra}: {subject}", "Se din e-post."),
    "en": ("New message from {orchestra}: {subject}", "See your e-mail."),
}
SMS_MAX_SEGMENTS = 2


def _tz() -> str:
    return get_settings().timezone


def _project(session: Session, project_id: str) -> Project:
    project = session.exec(select(Project).where(Project.projectId == project_id)).first()
    if project is None:
        raise NotFound("project_not_found", f"No project {project_id}.")
    return project


# ----- projects ------------------------------------------------------------------------------------------------


def group_email_projects(ref: tenancy.OrchestraRef) -> list[dict]:
    """Projects starting today or later (local date), by week then name, labelled ``"V. <week> <name>"``.

    Weeks sort within their ISO year, so week 2 of next year comes after week 40 of this one.
    """
    tz = _tz()
    now_local = clock.to_local(clock.now(), tz)
    today = now_local.date()
    midnight = datetime.combine(today, time(0), tzinfo=now_local.tzinfo)
    with tenancy.orchestra_session(ref) as session:
        rows = session.execute(
            sa.select(Project.projectId, Project.name, Project.weekNumber, Project.startDate)
            .where(Project.startDate >= clock.as_utc(midnight))
        ).all()
    projects = []
    for project_id, name, week, start in rows:
        local = clock.to_local(start, tz)
        if local.date() < today:  # a start just before midnight in another offset (DST): not upcoming
            continue
        key = (local.isocalendar().year, week, swedish_sort_key(name), project_id)
        projects.append((key, {"projectId": project_id, "name": name, "weekNumber": week,
                               "startDate": local.strftime("%Y-%m-%d"), "label": f"V. {week} {name}"}))
    return [project for _, project in sorted(projects, key=lambda item: item[0])]


# ----- recipients -----------------------------------------------------------------------------------------------


def _check_filters(session: Session, instrument_ids: list[str], position_ids: list[str]) -> None:
    unknown: dict[str, str] = {}
    for field, column, wanted in (("instrumentIds", Instrument.instrumentId, instrument_ids),
                                  ("positionIds", Position.positionId, position_ids)):
        if wanted:
            found = set(session.execute(sa.select(column).where(column.in_(wanted))).scalars())
            missing = [i for i in wanted if i not in found]
            if missing:
                unknown[field] = "unknown: " + ", ".join(missing)
    if unknown:
        raise ValidationError("unknown_filter", "The recipient filter names unknown instruments or positions.",
                              unknown)


def _recipients(session: Session, project: Project, instrument_ids: list[str],
                position_ids: list[str]) -> list[tuple[Musician, dict]]:
    """(musician, row) of every recipient, in instrument order, position hierarchy, then name."""
    statement = (
        sa.select(Musician, Instrument.instrumentId, Instrument.name, Instrument.displayOrder, Position.positionId,
                  Position.name, Position.hierarchyLevel)
        .join(Request, Request.musicianId == Musician.id)
        .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .join(Position, Position.id == ProjectNeed.positionId)
        .join(Instrument, Instrument.id == Position.instrumentId)
        .where(ProjectNeed.projectId == project.id, Request.status == "accepted",
               Musician.isActive == sa.true(), Musician.isArchived == sa.false())
    )
    if instrument_ids:
        statement = statement.where(Instrument.instrumentId.in_(instrument_ids))
    if position_ids:
        statement = statement.where(Position.positionId.in_(position_ids))
    found: dict[int, tuple[Musician, dict, tuple]] = {}
    for musician, inst_id, inst_name, order, pos_id, pos_name, level in session.execute(statement).all():
        key = (UNORDERED_DISPLAY_ORDER if order is None else order, swedish_sort_key(inst_name), level,
               swedish_sort_key(musician.lastName), swedish_sort_key(musician.firstName), musician.id)
        accepted = f"{inst_name} – {pos_name}"
        if musician.id in found:  # several accepted needs (possible in an earlier system's data): list them all
            _, row, first_key = found[musician.id]
            row["accepted"] += f"; {accepted}"
            if key < first_key:
                found[musician.id] = (musician, row, key)
            continue
        row = {
            "musicianId": musician.musicianId, "name": f"{musician.firstName} {musician.lastName}",
            "email": musician.email, "phone": musician.phone or "",
            "language": templates.language_of(musician.preferredLanguage),
            "instrumentId": inst_id, "instrument": inst_name, "positionId": pos_id, "position": pos_name,
            "accepted": accepted,
        }
        found[musician.id] = (musician, row, key)
    return [(musician, row) for musician, row, _ in sorted(found.values(), key=lambda item: item[2])]


def recipients(ref: tenancy.OrchestraRef, project_id: str, instrument_ids: list[str] | None = None,
               position_ids: list[str] | None = None) -> list[dict]:
    """The project's accepted musicians matching the filters (None or empty = no filter on that dimension).

    Each: ``musicianId, name, email, phone, language, instrumentId, instrument, positionId, position,
    accepted`` ("Violin – Tutti violin 1").
    """
    problems: dict[str, str] = {}
    instruments = id_list(instrument_ids, "instrumentIds", problems)
    positions = id_list(position_ids, "positionIds", problems)
    if problems:
        raise ValidationError("invalid_group_email", "The recipient filter is not valid.", problems)
    with tenancy.orchestra_session(ref) as session:
        project = _project(session, project_id)
        _check_filters(session, instruments, positions)
        return [row for _, row in _recipients(session, project, instruments, positions)]


def attachable_files(ref: tenancy.OrchestraRef, project_id: str) -> list[dict]:
    """The project's stored files a group e-mail may carry: ``[{"storageId", "name", "size"}]``, each blob once."""
    seen: dict[str, dict] = {}
    for item in files.list_files(ref, project_id):
        if item["missing"] or not item["storageId"] or item["storageId"] in seen:
            continue
        seen[item["storageId"]] = {"storageId": item["storageId"], "name": item["originalFileName"],
                                   "size": int(item["size"])}
    return list(seen.values())


def _project_blobs(session: Session, project: Project, wanted: list[str]) -> dict[str, int]:
    """storage id -> size of the wanted blobs that belong to the project (its own, or linked by a file row)."""
    if not wanted:
        return {}
    linked = {files.storage_id_of(url) for url in session.execute(
        sa.select(ProjectFile.fileUrl).where(ProjectFile.projectId == project.id)).scalars()}
    rows = session.execute(sa.select(FileStorage.id, FileStorage.size, FileStorage.projectId)
                           .where(FileStorage.id.in_(wanted))).all()
    return {blob_id: size for blob_id, size, project_pk in rows if project_pk == project.id or blob_id in linked}


# ----- sending -------------------------------------------------------------------------------------------------


def _clean_text(value: Any, field: str, problems: dict[str, str], max_length: int, *, one_line: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        problems[field] = "required" if value is None or isinstance(value, str) else "must be text"
        return ""
    text = value.strip()
    if len(text) > max_length:
        problems[field] = f"at most {max_length} characters"
    elif one_line and ("\n" in text or "\r" in text):
        problems[field] = "one line"
    return text


def sms_notice(orchestra_name: str, subject: str, language: str) -> str:
    """The short SMS that points a musician to the group e-mail (at most two SMS long)."""
    head, tail = SMS_TEXT.get(language, SMS_TEXT["sv"])
    subject = " ".join(subject.split())
    if subject and subject[-1] not in ".!?":
        subject += "."
    return fit_sms([head.format(orchestra=orchestra_name, subject=subject), tail], max_segments=SMS_MAX_SEGMENTS)


def _render(session: Session, musician: Musician, language: str, subject: str, message: str, project_name: str,
            orchestra_name: str) -> tuple[str, str, str]:
    """(subject, text, HTML) through the orchestra's ``group_email`` template (greeting and signature as the
    orchestra wrote them), or the built-in layout when an earlier system's database has no such template."""
    variables = templates.standard_variables({
        "firstName": musician.firstName, "lastName": musician.lastName, "subject": subject, "message": message,
        "projectName": project_name, "orchestraName": orchestra_name,
    })
    try:
        return templates.render_email(session, "group_email", language, variables)
    except NotFound:
        text, html = templates.render_group_email(subject, message, orchestra_name, language)
        return subject, text, html


def send_group_email(ref: tenancy.OrchestraRef, project_id: str, *, subject: Any, message: Any,
                     instrument_ids: list[str] | None = None, position_ids: list[str] | None = None,
                     attachment_ids: list[str] | None = None, actor: str) -> dict:
    """Queue the group e-mail for the project's matching accepted musicians (computed here, never taken from
    the caller), with a ``GroupEmailLog`` row, in one transaction.

    Returns ``{"logId", "recipients", "emails", "sms", "smsSkipped": [{"musicianId", "name", "phone",
    "reason"}]}``. Raises ``ValidationError`` (fields subject, message, instrumentIds, positionIds,
    attachments, recipients) or ``NotFound`` (project); nothing is written then.
    """
    problems: dict[str, str] = {}
    subject = _clean_text(subject, "subject", problems, SUBJECT_MAX, one_line=True)
    message = _clean_text(message, "message", problems, MESSAGE_MAX, one_line=False)
    instruments = id_list(instrument_ids, "instrumentIds", problems)
    positions = id_list(position_ids, "positionIds", problems)
    attachments = id_list(attachment_ids, "attachments", problems)
    if problems:
        raise ValidationError("invalid_group_email", "The e-mail is incomplete or invalid.", problems)

    with tenancy.central_session() as central:
        orchestra = central.get(Orchestra, ref.id)
        if orchestra is None:
            raise NotFound("orchestra_not_found", "The orchestra does not exist.")
        sms_on = bool(orchestra.smsOnGroupEmail)
        orchestra_name = orchestra.name

    def work(session: Session) -> dict:
        project = _project(session, project_id)
        _check_filters(session, instruments, positions)
        blobs = _project_blobs(session, project, attachments)
        foreign = [i for i in attachments if i not in blobs]
        if foreign:
            raise ValidationError("invalid_attachment", "Only files of this project can be attached.",
                                  {"attachments": "not a file of this project: " + ", ".join(foreign)})
        if sum(blobs.values()) > MAX_ATTACHMENT_BYTES:
            raise ValidationError("attachments_too_large", "The attachments are too large together.",
                                  {"attachments": f"at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB together"})
        chosen = _recipients(session, project, instruments, positions)
        if not chosen:
            raise ValidationError("no_recipients", "No accepted musician of the project matches the filter.",
                                  {"recipients": "none"})
        log_row = GroupEmailLog(
            projectId=project.id, subject=subject, message=message, sentCount=0, failedCount=0,
            recipients=[{"musicianId": row["musicianId"], "name": row["name"], "email": row["email"]}
                        for _, row in chosen],
            filters={"instrumentIds": instruments, "positionIds": positions, "attachments": attachments,
                     "sentBy": actor},
            createdAt=clock.now(),
        )
        session.add(log_row)
        session.flush()
        sms_count, skipped = 0, []
        sms_release = release_time(clock.now(), quiet_hours(session), _tz()) if sms_on else None
        for musician, row in chosen:
            language = row["language"]
            mail_subject, text, html = _render(session, musician, language, subject, message, project.name,
                                               orchestra_name)
            email = outbox.enqueue(session, channel="email", message_type="group_email", recipient=musician.email,
                                   subject=mail_subject, body=text, musician_pk=musician.id)
            email.htmlBody = html
            email.groupEmailLogId = log_row.id
            email.payload = {"attachments": attachments, "projectId": project.projectId}
            if not (sms_on and musician.phone):
                continue
            try:
                number = normalise_phone(musician.phone)
            except ValidationError as exc:
                skipped.append({"musicianId": row["musicianId"], "name": row["name"], "phone": musician.phone,
                                "reason": exc.fields.get("phone") or exc.message})
                continue
            notice = sms_notice(orchestra_name, subject, language)
            sms = outbox.enqueue(session, channel="sms", message_type="group_email", recipient=number, body=notice,
                                 musician_pk=musician.id,
                                 payload={"projectId": project.projectId, "groupEmailLogId": log_row.id})
            sms.segments = sms_segments(notice)
            sms.nextAttemptAt = sms_release  # held until the orchestra's quiet hours end
            sms_count += 1
        return {"logId": log_row.id, "recipients": len(chosen), "emails": len(chosen), "sms": sms_count,
                "smsSkipped": skipped, "projectName": project.name}

    result = tenancy.write_transaction(ref, work)
    logs.log_event(
        "info", "email",
        f"Group e-mail to {result['recipients']} musicians of {project_id} queued by {actor}",
        orchestra_id=ref.id, subdomain=ref.subdomain,
        meta={"projectId": project_id, "groupEmailLogId": result["logId"], "recipients": result["recipients"],
              "sms": result["sms"], "smsSkipped": len(result["smsSkipped"]), "attachments": len(attachments),
              "actor": actor},
    )
    for item in result["smsSkipped"]:
        log.info("group e-mail %s: no SMS to %s (%s)", result["logId"], item["musicianId"], item["reason"])
    return result


# ----- progress and history ----------------------------------------------------------------------------------------


def _email_counts(session: Session, log_ids: list[int]) -> dict[int, dict[str, int]]:
    """log id -> {"total", "sent", "failed", "pending"} from its outbox e-mails (one grouped statement)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"total": 0, "sent": 0, "failed": 0, "pending": 0})
    if not log_ids:
        return counts
    for log_id, status, count in session.execute(
        sa.select(Outbox.groupEmailLogId, Outbox.status, sa.func.count())
        .where(Outbox.groupEmailLogId.in_(log_ids), Outbox.channel == "email")
        .group_by(Outbox.groupEmailLogId, Outbox.status)
    ).all():
        bucket = "sent" if status in SENT_STATUSES else "failed" if status == "failed" else "pending"
        counts[log_id][bucket] += count
        counts[log_id]["total"] += count
    return counts


def group_email_progress(ref: tenancy.OrchestraRef, log_id: int) -> dict[str, int]:
    """``{"total", "sent", "failed", "pending"}`` of one group e-mail's messages (sent includes simulated)."""
    with tenancy.orchestra_session(ref) as session:
        if session.get(GroupEmailLog, log_id) is None:
            raise NotFound("group_email_not_found", f"No group e-mail {log_id}.")
        return dict(_email_counts(session, [log_id])[log_id])


def group_email_history(ref: tenancy.OrchestraRef, project_id: str | None = None) -> list[dict]:
    """Sent group e-mails, newest first (at most ``HISTORY_LIMIT``), of one project or all.

    Each: ``id, date`` (local ``YYYY-MM-DD HH:MM``), ``projectId, projectName, subject, message,
    recipientCount, sent, failed, pending``. Counts come from the outbox; a log of the earlier system (no
    outbox rows) keeps its stored ``sentCount`` / ``failedCount``.
    """
    tz = _tz()
    with tenancy.orchestra_session(ref) as session:
        statement = (
            sa.select(GroupEmailLog, Project.projectId, Project.name)
            .join(Project, Project.id == GroupEmailLog.projectId, isouter=True)
            .order_by(GroupEmailLog.createdAt.desc(), GroupEmailLog.id.desc()).limit(HISTORY_LIMIT)
        )
        if project_id:
            statement = statement.where(Project.projectId == project_id)
        rows = session.execute(statement).all()
        counts = _email_counts(session, [row.id for row, _, _ in rows])
    history = []
    for row, public_id, name in rows:
        own = counts.get(row.id)
        recipients_list = row.recipients if isinstance(row.recipients, list) else []
        history.append({
            "id": row.id, "date": clock.format_local(row.createdAt, tz), "projectId": public_id or "",
            "projectName": name or "", "subject": row.subject, "message": row.message,
            "recipientCount": len(recipients_list),
            "sent": own["sent"] if own else row.sentCount or 0,
            "failed": own["failed"] if own else row.failedCount or 0,
            "pending": own["pending"] if own else 0,
        })
    return history
