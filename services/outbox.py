"""The outbox: every message is written in the transaction that caused it and delivered after commit.

Delivery claims a due row with a conditional UPDATE (``pending`` -> ``sending``), so two workers never take
the same row; a row left in ``sending`` by a dead worker is taken again after ``STALE_AFTER``. Each row's
``messageId`` is the provider's idempotency key, so a retried delivery never sends twice.

Providers in this version: e-mail and SMS are *simulated* (the row is marked ``simulated`` and a
CommunicationLog row is written, in the same transaction as the claim: exactly once); webhooks are POSTed
to the orchestra's webhook URL (``services.webhooks``).
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
from services.ids import next_id

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


def worker_name() -> str:
    return f"{socket.gethostname()}:{secrets.token_hex(3)}"


def _claim(session: Session, row_id: int, worker: str, now) -> bool:
    result = session.execute(
        sa.update(Outbox)
        .where(
            Outbox.id == row_id,
            sa.or_(
                Outbox.status == "pending",
                sa.and_(Outbox.status == "sending", Outbox.claimedAt < now - STALE_AFTER),
            ),
        )
        .values(status="sending", claimedAt=now, claimedBy=worker, attempts=Outbox.attempts + 1)
    )
    return result.rowcount == 1


def _due_ids(session: Session, now, limit: int) -> list[int]:
    return list(
        session.exec(
            select(Outbox.id)
            .where(
                sa.or_(
                    sa.and_(Outbox.status == "pending", Outbox.nextAttemptAt <= now),
                    sa.and_(Outbox.status == "sending", Outbox.claimedAt < now - STALE_AFTER),
                )
            )
            .order_by(Outbox.id)
            .limit(limit)
        ).all()
    )


def deliver_due(ref: tenancy.OrchestraRef, *, worker: str | None = None, limit: int = 200) -> dict[str, int]:
    """Deliver what is due for one orchestra; returns counts by outcome."""
    worker = worker or worker_name()
    counts = {"delivered": 0, "failed": 0, "retry": 0}
    now = clock.now()
    with tenancy.orchestra_session(ref) as session:
        due = _due_ids(session, now, limit)
    webhook_config = None
    for row_id in due:
        with tenancy.orchestra_session(ref) as session:
            tenancy.begin_write(session)
            if not _claim(session, row_id, worker, now):
                session.rollback()
                continue
            row = session.get(Outbox, row_id)
            if row.channel in ("email", "sms"):
                _simulate(session, row, now)
                session.commit()
                counts["delivered"] += 1
                continue
            session.commit()  # the claim is durable before the network call
            from services import webhooks

            if webhook_config is None:
                webhook_config = webhooks.webhook_config(ref.id) or ("", "")
            url, secret = webhook_config
            body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False).encode()
            result = webhooks.deliver(url or row.recipient, secret, body)
            tenancy.begin_write(session)
            row = session.get(Outbox, row_id)
            if result.ok:
                row.status, row.sentAt, row.lastError = "sent", clock.now(), None
                counts["delivered"] += 1
            elif result.status_code == 410 or row.attempts >= MAX_ATTEMPTS:
                row.status, row.lastError = "failed", result.error
                counts["failed"] += 1
            else:
                row.status, row.lastError = "pending", result.error
                row.nextAttemptAt = clock.now() + webhooks.backoff(row.attempts)
                counts["retry"] += 1
            session.commit()
    return counts


def _simulate(session: Session, row: Outbox, now) -> None:
    """The simulated provider: nothing leaves the machine; the message is kept for the dev outbox."""
    row.status, row.sentAt, row.providerMessageId = "simulated", now, f"sim_{row.messageId}"
    log_type = COMMUNICATION_TYPES.get(row.messageType)
    if log_type and row.requestId is not None:
        session.add(CommunicationLog(
            communicationLogId=next_id(session, "communicationLog"), requestId=row.requestId, type=log_type,
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
