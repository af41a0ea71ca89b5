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

from models.orchestra import CommunicationLog, Outbox
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
) -> Outbox:
    """Add a message to the outbox in the caller's transaction."""
    row = Outbox(
        messageId=new_message_id(), channel=channel, messageType=message_type, recipient=recipient,
        subject=subject, body=body, payload=payload, requestId=request_pk, musicianId=musician_pk,
        status="pending", nextAttemptAt=clock.now(),
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
            "status": "pending", "attempts": 0, "nextAttemptAt": now, "createdAt": now,
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


def _due(session: Session, now, limit: int) -> list[tuple[int, str]]:
    return list(session.exec(
        select(Outbox.id, Outbox.channel).where(_claimable(now)).order_by(Outbox.id).limit(limit)
    ).all())


def has_due(session: Session, now) -> bool:
    return bool(_due(session, now, 1))


def deliver_due(ref: tenancy.OrchestraRef, *, worker: str | None = None, limit: int = 500) -> dict[str, int]:
    """Deliver what is due for one orchestra; returns counts by outcome.

    Simulated e-mail and SMS are claimed and recorded in one transaction per batch (exactly once, even
    if the process dies half-way). A webhook's claim is committed before its HTTP call; its event id lets
    the receiver drop the rare repeat after a crash between the call and the record.
    """
    worker = worker or worker_name()
    counts = {"delivered": 0, "failed": 0, "retry": 0}
    now = clock.now()
    with tenancy.orchestra_session(ref) as session:
        due = _due(session, now, limit)
    email_ids = [row_id for row_id, channel in due if channel == "email"]
    sms_ids = [row_id for row_id, channel in due if channel == "sms"]
    email_provider, email_problem = _provider(ref, "email") if email_ids else (None, None)
    sms_provider, sms_problem = _provider(ref, "sms") if sms_ids else (None, None)
    simulated = [*(email_ids if email_provider is None and email_problem is None else []),
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
    for ids, provider, problem in ((email_ids, email_provider, email_problem), (sms_ids, sms_provider, sms_problem)):
        if provider is None and problem is None:
            continue
        for row_id in ids:
            counts[_deliver_message(ref, row_id, provider, problem, worker, now)] += 1
    for row_id in [row_id for row_id, channel in due if channel == "webhook"]:
        outcome = _deliver_webhook(ref, row_id, worker, now)
        counts[outcome] += 1
    return counts


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


def _deliver_message(ref: tenancy.OrchestraRef, row_id: int, provider, problem: str | None, worker: str,
                     now) -> str:
    """One e-mail or SMS through the real provider: claim (committed), send with the row's messageId as the
    idempotency key, then record the outcome. A set but unusable key fails the message; it is never simulated."""
    from services import webhooks
    from services.messaging import providers

    with tenancy.orchestra_session(ref) as session:
        tenancy.begin_write(session)
        if not _claim(session, [row_id], worker, now):
            session.rollback()
            return "retry"
        row = session.get(Outbox, row_id)
        channel, recipient, subject, body, message_id = row.channel, row.recipient, row.subject, row.body, row.messageId
        session.commit()
    if problem is not None:
        result = providers.SendResult(ok=False, provider_id=None, status_code=None, error=problem,
                                      retry_after_seconds=None, retryable=False)
    elif channel == "email":
        result = provider.send(providers.EmailMessage(to=recipient, subject=subject or "", text=body,
                                                      idempotency_key=message_id))
    else:
        result = provider.send(providers.SmsMessage(to=recipient, text=body))
    with tenancy.orchestra_session(ref) as session:
        tenancy.begin_write(session)
        row = session.get(Outbox, row_id)
        if result.ok:
            row.status, row.sentAt, row.providerMessageId, row.lastError = "sent", clock.now(), result.provider_id, None
            if _logs(row):
                _record(session, row, clock.now(), iter(next_ids(session, "communicationLog", 1)))
            outcome = "delivered"
        elif result.retryable and row.attempts < MAX_ATTEMPTS:
            wait = max(webhooks.backoff(row.attempts), timedelta(seconds=result.retry_after_seconds or 0))
            row.status, row.lastError, row.nextAttemptAt = "pending", result.error, clock.now() + wait
            outcome = "retry"
        else:
            row.status, row.lastError = "failed", result.error
            outcome = "failed"
        session.commit()
        return outcome


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


def _simulate(session: Session, row: Outbox, now, log_ids) -> None:
    """The simulated provider: nothing leaves the machine; the message is kept for the dev outbox."""
    row.status, row.sentAt, row.providerMessageId = "simulated", now, f"sim_{row.messageId}"
    if _logs(row):
        _record(session, row, now, log_ids)


def _record(session: Session, row: Outbox, now, log_ids) -> None:
    """The message in the documented CommunicationLog (one row per message to a request)."""
    session.add(CommunicationLog(
        communicationLogId=next(log_ids), requestId=row.requestId, type=COMMUNICATION_TYPES[row.messageType],
        timestamp=now, emailContent=(f"{row.subject}\n\n{row.body}" if row.subject else row.body),
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
                "recipient": r.recipient, "subject": r.subject, "body": r.body, "status": r.status,
                "createdAt": r.createdAt, "sentAt": r.sentAt, "links": links_in(r.body),
            }
            for r in rows
        ]
