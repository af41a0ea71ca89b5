"""The outbox: every message is written in the transaction that caused it and delivered after commit.

Delivery claims a due row with a conditional UPDATE (``pending`` -> ``sending``), so two workers never take
the same row; a row left in ``sending`` by a dead worker is taken again after ``STALE_AFTER``. Each row's
``messageId`` is the provider's idempotency key, so a retried delivery never sends twice.

Providers: e-mail through Resend and SMS through Twilio when a key applies (``services.messaging.providers``:
the orchestra's own, else the platform's); otherwise *simulated* (the row is marked ``simulated`` and a
CommunicationLog row is written in the same transaction as the claim: exactly once). Webhooks are POSTed to
the orchestra's webhook URL (``services.webhooks``).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from models.orchestra import CommunicationLog, GroupEmailLog, Outbox
from services import clock, tenancy
from services.ids import next_ids

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 8
COMMUNICATION_TYPES = {
    "request": "request_sent",
    "reminder": "reminder_sent",
    "confirmation": "confirmation_sent",
    "position_filled": "position_filled_sent",
}
_LINK = re.compile(r"https?://[^\s<>\"'()]+/respond(?:/[^\s<>\"'()]+|\?[^\s<>\"'()]+)")


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def enqueue(
    session: Session,
    *,
    channel: str,
    message_type: str,
    recipient: str,
    body: str = "",
    subject: str | None = None,
    payload: dict | None = None,
    request_pk: int | None = None,
    musician_pk: int | None = None,
    html: str | None = None,
    segments: int | None = None,
    not_before=None,
    group_email_log_pk: int | None = None,
    status: str = "pending",
    error: str | None = None,
) -> Outbox:
    """Add a message to the outbox in the caller's transaction (``not_before``: held until then, e.g. quiet hours)."""
    row = Outbox(
        messageId=new_message_id(), channel=channel, messageType=message_type, recipient=recipient,
        subject=subject, body=body, payload=payload, requestId=request_pk, musicianId=musician_pk,
        status=status, nextAttemptAt=max(not_before, clock.now()) if not_before else clock.now(),
        htmlBody=html, segments=segments, groupEmailLogId=group_email_log_pk, lastError=error,
    )
    session.add(row)
    return row


def enqueue_many(session: Session, messages: list[dict]) -> int:
    """Add many e-mails/SMS at once (one INSERT); each dict has the keyword arguments of ``enqueue``."""
    if not messages:
        return 0
    now = clock.now()
    session.execute(sa.insert(Outbox), [
        {
            "messageId": new_message_id(), "channel": m["channel"], "messageType": m["message_type"],
            "recipient": m["recipient"], "subject": m.get("subject"), "body": m.get("body", ""),
            "payload": m.get("payload"), "requestId": m.get("request_pk"), "musicianId": m.get("musician_pk"),
            "status": m.get("status", "pending"), "lastError": m.get("error"), "attempts": 0,
            "nextAttemptAt": max(m.get("not_before") or now, now),
            "createdAt": now, "htmlBody": m.get("html"), "segments": m.get("segments"),
            "groupEmailLogId": m.get("group_email_log_pk"),
        }
        for m in messages
    ])
    return len(messages)


def worker_name() -> str:
    return f"{socket.gethostname()}:{secrets.token_hex(3)}"


def _claimable(now):
    return sa.or_(
        sa.and_(Outbox.status == "pending", Outbox.nextAttemptAt <= now),
        sa.and_(Outbox.status == "sending", Outbox.claimedAt < now - STALE_AFTER),
    )


def _claim(session: Session, row_ids: list[int], worker: str, now) -> list[int]:
    """Take the rows that are still claimable (one conditional UPDATE); returns the ids this worker got."""
    if not row_ids:
        return []
    result = session.execute(
        sa.update(Outbox)
        .where(Outbox.id.in_(row_ids), _claimable(now))
        .values(status="sending", claimedAt=now, claimedBy=worker, attempts=Outbox.attempts + 1)
        .returning(Outbox.id)
    )
    return [row[0] for row in result.all()]


def _due(session: Session, now, limit: int) -> list[tuple[int, str, str | None, object]]:
    return list(session.exec(
        select(Outbox.id, Outbox.channel, Outbox.batchKey, Outbox.payload).where(_claimable(now))
        .order_by(Outbox.id).limit(limit)
    ).all())


def has_due(session: Session, now) -> bool:
    return bool(_due(session, now, 1))


BATCH_SIZE = 100  # Resend's batch endpoint takes up to 100 e-mails per request


def _has_files(payload) -> bool:
    return isinstance(payload, dict) and bool(payload.get("attachments") or payload.get("ics"))


def deliver_due(ref: tenancy.OrchestraRef, *, worker: str | None = None, limit: int = 500,
                batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Deliver what is due for one orchestra; returns counts by outcome.

    Simulated e-mail and SMS are claimed and recorded in one transaction per batch (exactly once, even
    if the process dies half-way). Real e-mail goes to Resend in batches of up to 100 (one request each,
    paced by the key's rate limit), e-mail with attachments one by one; SMS one by one to Twilio. Every claim is
    committed before its HTTP call, with the key that makes a repeat harmless (the batch key, the message id).
    A webhook's event id lets the receiver drop the rare repeat after a crash between the call and the record.
    """
    worker = worker or worker_name()
    counts = {"delivered": 0, "failed": 0, "retry": 0}
    now = clock.now()
    with tenancy.orchestra_session(ref) as session:
        due = _due(session, now, limit)
    email_rows = [row for row in due if row[1] == "email"]
    sms_ids = [row[0] for row in due if row[1] == "sms"]
    email_provider, email_problem = _provider(ref, "email") if email_rows else (None, None)
    sms_provider, sms_problem = _provider(ref, "sms") if sms_ids else (None, None)
    simulated = [*([r[0] for r in email_rows] if email_provider is None and email_problem is None else []),
                 *(sms_ids if sms_provider is None and sms_problem is None else [])]
    if simulated:
        with tenancy.orchestra_session(ref) as session:
            tenancy.begin_write(session)
            claimed = _claim(session, simulated, worker, now)
            rows = session.exec(select(Outbox).where(Outbox.id.in_(claimed)).order_by(Outbox.id)).all()
            log_ids = iter(next_ids(session, "communicationLog", sum(1 for r in rows if _logs(r))))
            for row in rows:
                _simulate(session, row, now, log_ids)
            session.commit()
            counts["delivered"] += len(rows)
    if email_provider is not None or email_problem is not None:
        singles: list[int] = []
        by_key: dict[str, list[int]] = {}
        fresh: list[int] = []
        for row_id, _, batch_key, payload in email_rows:
            if email_problem is not None or _has_files(payload):
                singles.append(row_id)
            elif batch_key:
                by_key.setdefault(batch_key, []).append(row_id)
            else:
                fresh.append(row_id)
        for batch_key in by_key:
            _add(counts, _deliver_batch(ref, None, email_provider, worker, now, batch_key=batch_key))
        for start in range(0, len(fresh), batch_size):
            chunk = fresh[start:start + batch_size]
            if len(chunk) == 1:
                singles.extend(chunk)
            else:
                _add(counts, _deliver_batch(ref, chunk, email_provider, worker, now))
        for row_id in singles:
            counts[_deliver_message(ref, row_id, email_provider, email_problem, worker, now)] += 1
    if sms_provider is not None or sms_problem is not None:
        for row_id in sms_ids:
            counts[_deliver_message(ref, row_id, sms_provider, sms_problem, worker, now)] += 1
    for row_id in [row[0] for row in due if row[1] == "webhook"]:
        outcome = _deliver_webhook(ref, row_id, worker, now)
        counts[outcome] += 1
    return counts


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        counts[key] += value


def _provider(ref: tenancy.OrchestraRef, channel: str):
    """(provider, None), (None, None) for simulation, or (None, problem) when a key is set but unusable."""
    from models.central import Orchestra
    from services.messaging import providers
    from services.settings import get_provider_env

    with tenancy.central_session() as central:
        row = central.get(Orchestra, ref.id)
    try:
        if channel == "email":
            return providers.resolve_email_provider(row, get_provider_env()), None
        return providers.resolve_sms_provider(row, get_provider_env()), None
    except providers.ProviderConfigError as exc:
        return None, f"provider configuration: {exc}"


def _email(row: Outbox, attachments: list[tuple[str, bytes, str]] | None = None, key: str | None = None):
    from services.messaging import providers

    return providers.EmailMessage(to=row.recipient, subject=row.subject or "", text=row.body, html=row.htmlBody,
                                  attachments=attachments or [], idempotency_key=key)


def _attachments(session: Session, row: Outbox) -> list[tuple[str, bytes, str]]:
    """The files of an e-mail (project files by FileStorage id, and a calendar invitation), read at delivery."""
    payload = row.payload if isinstance(row.payload, dict) else {}
    files: list[tuple[str, bytes, str]] = []
    if payload.get("attachments"):
        from services import files as project_files

        files.extend(project_files.load_attachments(session, list(payload["attachments"])))
    ics = payload.get("ics")
    if ics:
        files.append((ics.get("filename") or "invitation.ics", ics["content"].encode("utf-8"),
                      "text/calendar; charset=utf-8; method=REQUEST"))
    return files


def _status_callback_url(ref: tenancy.OrchestraRef) -> str:
    from services.settings import get_settings

    return f"{get_settings().public_url}/webhooks/twilio/status/{ref.subdomain}"


def _deliver_message(ref: tenancy.OrchestraRef, row_id: int, provider, problem: str | None, worker: str,
                     now) -> str:
    """One e-mail or SMS through the real provider: claim (committed), send with the row's messageId as the
    idempotency key, then record the outcome. A set but unusable key fails the message; it is never simulated.

    An SMS taken up again (an earlier attempt may have reached Twilio before its worker died or timed out) is
    first looked up at Twilio, so it is recorded as sent instead of being sent twice.
    """
    from services.messaging import providers

    with tenancy.orchestra_session(ref) as session:
        tenancy.begin_write(session)
        if not _claim(session, [row_id], worker, now):
            session.rollback()
            return "retry"
        row = session.get(Outbox, row_id)
        channel, recipient, body, message_id = row.channel, row.recipient, row.body, row.messageId
        again, created = row.attempts > 1, row.createdAt
        wants_email = channel == "email" and problem is None
        message = _email(row, _attachments(session, row), message_id) if wants_email else None
        session.commit()
    if problem is not None:
        result = providers.SendResult(ok=False, provider_id=None, status_code=None, error=problem,
                                      retry_after_seconds=None, retryable=False)
    elif channel == "email":
        result = provider.send(message)
    else:
        found = provider.find_sent(recipient, body, created) if again else None
        result = found or provider.send(providers.SmsMessage(to=recipient, text=body),
                                        status_callback=_status_callback_url(ref))
    with tenancy.orchestra_session(ref) as session:
        tenancy.begin_write(session)
        row = session.get(Outbox, row_id)
        outcome = _apply_result(session, row, result)
        session.commit()
        return outcome


def _deliver_batch(ref: tenancy.OrchestraRef, row_ids: list[int] | None, provider, worker: str, now, *,
                   batch_key: str | None = None) -> dict[str, int]:
    """Up to 100 e-mails in one Resend request.

    A new batch gets its key in the same transaction as its claim; a batch taken up again (retry, or a dead
    worker's) is claimed by that key and rebuilt from the same rows in the same order, so Resend sees the same
    idempotency key with the same body and sends nothing twice. A batch the API refuses as a whole (not a
    temporary failure) is sent message by message, each with its own idempotency key.
    """
    counts = {"delivered": 0, "failed": 0, "retry": 0}
    with tenancy.orchestra_session(ref) as session:
        tenancy.begin_write(session)
        if batch_key is None:
            claimed = _claim(session, row_ids or [], worker, now)
            batch_key = "batch_" + secrets.token_hex(12)
            if claimed:
                session.execute(sa.update(Outbox).where(Outbox.id.in_(claimed)).values(batchKey=batch_key))
        else:
            claimed = [r[0] for r in session.execute(
                sa.update(Outbox).where(Outbox.batchKey == batch_key, _claimable(now))
                .values(status="sending", claimedAt=now, claimedBy=worker, attempts=Outbox.attempts + 1)
                .returning(Outbox.id)).all()]
        rows = session.exec(select(Outbox).where(Outbox.id.in_(claimed)).order_by(Outbox.id)).all()
        messages = [_email(row) for row in rows]
        singles = {row.id: _email(row, key=row.messageId) for row in rows}
        session.commit()
    if not claimed:
        return counts
    results = provider.send_batch(messages, idempotency_key=batch_key)
    if not results[0].ok and not results[0].retryable:
        results = [provider.send(singles[row_id]) for row_id in sorted(claimed)]
    with tenancy.orchestra_session(ref) as session:
        tenancy.begin_write(session)
        rows = session.exec(select(Outbox).where(Outbox.id.in_(claimed)).order_by(Outbox.id)).all()
        for row, result in zip(rows, results, strict=True):
            counts[_apply_result(session, row, result)] += 1
        session.commit()
    return counts


def _apply_result(session: Session, row: Outbox, result) -> str:
    """Record one message's outcome: sent, a retry later (backoff, honouring Retry-After), or failed."""
    from services import webhooks

    now = clock.now()
    if result.ok:
        row.status, row.sentAt, row.providerMessageId, row.lastError = "sent", now, result.provider_id, None
        _record(session, row, now)
        return "delivered"
    if result.retryable and row.attempts < MAX_ATTEMPTS:
        wait = max(webhooks.backoff(row.attempts), timedelta(seconds=result.retry_after_seconds or 0))
        row.status, row.lastError, row.nextAttemptAt = "pending", result.error, now + wait
        return "retry"
    row.status, row.lastError = "failed", result.error
    _record(session, row, now)
    return "failed"


def _deliver_webhook(ref: tenancy.OrchestraRef, row_id: int, worker: str, now) -> str:
    from services import webhooks

    with tenancy.orchestra_session(ref) as session:
        tenancy.begin_write(session)
        if not _claim(session, [row_id], worker, now):
            session.rollback()
            return "retry"
        row = session.get(Outbox, row_id)
        body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False).encode()
        session.commit()  # the claim is durable, and no transaction stays open during the HTTP call
    config = webhooks.webhook_config(ref.id)
    result = webhooks.deliver(*config, body) if config else None
    with tenancy.orchestra_session(ref) as session:
        tenancy.begin_write(session)
        row = session.get(Outbox, row_id)
        if result is None:
            row.status, row.lastError = "failed", "the orchestra has no webhook configured any more"
            outcome = "failed"
        elif result.ok:
            row.status, row.sentAt, row.lastError = "sent", clock.now(), None
            outcome = "delivered"
        elif result.give_up or row.attempts >= MAX_ATTEMPTS:
            row.status, row.lastError = "failed", result.error
            outcome = "failed"
        else:
            wait = max(webhooks.backoff(row.attempts), result.retry_after or timedelta(0))
            row.status, row.lastError, row.nextAttemptAt = "pending", result.error, clock.now() + wait
            outcome = "retry"
        session.commit()
        return outcome


def _logs(row: Outbox) -> bool:
    return row.messageType in COMMUNICATION_TYPES and row.requestId is not None


def _simulate(session: Session, row: Outbox, now, log_ids=None) -> None:
    """The simulated provider: nothing leaves the machine; the message is kept for the dev outbox."""
    row.status, row.sentAt, row.providerMessageId = "simulated", now, f"sim_{row.messageId}"
    _record(session, row, now, log_ids)


def _record(session: Session, row: Outbox, now, log_ids=None) -> None:
    """What became of a message: a CommunicationLog row for a message to a request (the documented table,
    with the additive status columns), and the counts of its group e-mail."""
    if row.groupEmailLogId is not None:
        column = GroupEmailLog.failedCount if row.status == "failed" else GroupEmailLog.sentCount
        session.execute(sa.update(GroupEmailLog).where(GroupEmailLog.id == row.groupEmailLogId)
                        .values({column.key: column + 1}))
    if not _logs(row):
        return
    log_id = next(log_ids) if log_ids is not None else next_ids(session, "communicationLog", 1)[0]
    session.add(CommunicationLog(
        communicationLogId=log_id, requestId=row.requestId, type=COMMUNICATION_TYPES[row.messageType],
        timestamp=now, emailContent=(f"{row.subject}\n\n{row.body}" if row.subject else row.body),
        channel=row.channel, recipient=row.recipient, subject=row.subject, status=row.status,
        providerMessageId=row.providerMessageId, messageId=row.messageId, attempts=row.attempts,
        error=row.lastError, segments=row.segments,
    ))


def links_in(text: str | None) -> list[str]:
    return _LINK.findall(text or "")


def list_outbox(ref: tenancy.OrchestraRef, limit: int = 50) -> list[dict]:
    """The newest messages (e-mail and SMS), with the response links they carry."""
    with tenancy.orchestra_session(ref) as session:
        rows = session.exec(
            select(Outbox).where(Outbox.channel.in_(("email", "sms"))).order_by(Outbox.id.desc()).limit(limit)
        ).all()
        return [
            {
                "messageId": r.messageId, "channel": r.channel, "messageType": r.messageType,
                "recipient": r.recipient, "subject": r.subject, "body": r.body, "html": r.htmlBody,
                "status": r.status, "segments": r.segments, "deliveryStatus": r.deliveryStatus,
                "createdAt": r.createdAt, "sentAt": r.sentAt, "links": links_in(r.body),
            }
            for r in rows
        ]
