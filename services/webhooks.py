"""Outgoing webhooks: the event envelope, the signature, one delivery attempt, the retry schedule, and the
orchestra's webhook URL and secret.

* Envelope (API.md §Webhooks): ``{"id", "type", "createdAt", "orchestra", "data"}``. ``id`` is the outbox
  row's ``messageId``; a receiver de-duplicates by it, because a delivery can be repeated.
* Signature: header ``X-StageSub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` keyed with
  the orchestra's webhook secret. ``t`` is wall-clock time (the receiver compares it with its own clock), not
  the movable application clock.
* Delivery: one POST (``deliver``); 2xx is delivered, 410 Gone means "stop sending", anything else or a network
  error is retried later by the outbox (``backoff``). Redirects are not followed.
* The secret is stored encrypted (``services.secrets_box``) in ``Orchestra.webhookSecret`` and shown once,
  when it is set.

No Reflex import; the outbox (``services.outbox.deliver_due``) is the only caller of ``deliver``.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from models.central import Orchestra
from services import clock, secrets_box, tenancy
from services.errors import NotFound, ValidationError

SIGNATURE_HEADER = "X-StageSub-Signature"
USER_AGENT = "StageSub-Webhooks/1"
EVENT_TYPES = (
    "request.sent",
    "request.accepted",
    "request.declined",
    "request.timed_out",
    "need.filled",
    "project.filled",
)
MAX_ATTEMPTS = 8
# Wait after attempt 1, 2, 3, ...; the last value repeats. Eight attempts span about 19 hours.
BACKOFF_STEPS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
MAX_URL_LENGTH = 2000
MIN_SECRET_LENGTH = 16
SECRET_PREFIX = "whsec_"
_MAX_ERROR_BODY = 200


# ----- the event envelope ----------------------------------------------------------------------------


def iso_utc(value: datetime) -> str:
    """``2026-03-02T09:00:00Z`` (API.md: ISO 8601 in UTC; milliseconds only when there are any)."""
    moment = clock.as_utc(value)
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    """``value`` with datetimes as ISO UTC strings and dates as ``YYYY-MM-DD`` (dicts and lists included)."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def event_payload(event_id: str, event_type: str, subdomain: str, data: dict, created_at: datetime) -> dict:
    """The JSON body of one webhook event."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    return {
        "id": event_id,
        "type": event_type,
        "createdAt": iso_utc(created_at),
        "orchestra": subdomain,
        "data": _jsonable(data or {}),
    }


# ----- signature -------------------------------------------------------------------------------------


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-StageSub-Signature`` header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={int(timestamp)},v1={_mac(secret, timestamp, body)}"


def parse_signature(header: str | None) -> tuple[int | None, list[str]]:
    """``(t, [v1 signatures])`` of a header; unknown schemes are ignored, a malformed ``t`` gives ``None``."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return None, []
        elif key == "v1" and value:
            signatures.append(value.strip().lower())
    return timestamp, signatures


def verify(secret: str, header: str | None, body: bytes, tolerance: int = 300, *, now: float | None = None) -> bool:
    """True when ``header`` signs exactly ``body`` with ``secret`` and its time is within ``tolerance`` seconds
    of ``now`` (default: the wall clock). Several ``v1`` values are allowed (one per secret during a change)."""
    if not secret:
        return False
    timestamp, signatures = parse_signature(header)
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if tolerance is not None and abs(current - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


# ----- delivery --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one POST: ``ok`` (2xx); ``status_code`` None on a network error; ``retry_after`` from
    the receiver's ``Retry-After`` header, if it sent one."""

    ok: bool
    status_code: int | None
    error: str | None = None
    retry_after: timedelta | None = None

    @property
    def give_up(self) -> bool:
        """410 Gone: the receiver asks us to stop; no retry."""
        return self.status_code == 410

    @property
    def retry(self) -> bool:
        return not self.ok and not self.give_up


def _retry_after(value: str | None) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=clock.UTC)
    return max(timedelta(0), when - datetime.now(clock.UTC))


def deliver(url: str, secret: str, body: bytes, *, timeout: float = 10) -> DeliveryResult:
    """POST ``body`` (the event JSON) to ``url``, signed with ``secret``. Never raises for network trouble."""
    if not url:
        return DeliveryResult(False, None, "no webhook URL is configured")
    if not secret:
        return DeliveryResult(False, None, "no webhook secret is configured")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
    }
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return DeliveryResult(False, None, f"{type(exc).__name__}: {exc}"[:500])
    except ValueError as exc:  # a malformed URL
        return DeliveryResult(False, None, f"invalid URL: {exc}"[:500])
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryResult(True, status)
    snippet = response.text[:_MAX_ERROR_BODY].strip()
    error = f"HTTP {status}" + (f": {snippet}" if snippet else "")
    return DeliveryResult(False, status, error, _retry_after(response.headers.get("retry-after")))


def backoff(attempt: int) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based): 30 s, 2 min, 10 min, 1 h, then 6 h."""
    index = min(max(attempt, 1), len(BACKOFF_STEPS)) - 1
    return BACKOFF_STEPS[index]


# ----- the orchestra's webhook URL and secret ----------------------------------------------------------


def validate_url(url: str | None) -> str:
    """A clean absolute http(s) URL, else ``ValidationError`` (no credentials in it: it is stored readable)."""
    value = (url or "").strip()
    problem = None
    if not value:
        problem = "required"
    elif len(value) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in value):
        problem = "invalid"
    else:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a malformed port
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            problem = "must be an http(s) URL"
        elif parts.username or parts.password:
            problem = "must not contain a user name or password"
        elif parts.fragment:
            problem = "must not contain a fragment"
    if problem:
        raise ValidationError("invalid_webhook_url", "The webhook URL must be an absolute http(s) URL.",
                              {"url": problem})
    return value


def generate_secret() -> str:
    """A new webhook secret: ``whsec_`` and 32 random bytes, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def set_webhook(orchestra_pk: str, url: str, secret: str | None = None) -> str:
    """Set the orchestra's webhook URL and secret (a new one unless given); returns the secret, once."""
    clean_url = validate_url(url)
    if secret is None:
        secret = generate_secret()
    elif len(secret) < MIN_SECRET_LENGTH or any(ch.isspace() for ch in secret):
        raise ValidationError("invalid_webhook_secret",
                              f"The webhook secret must be at least {MIN_SECRET_LENGTH} characters, no spaces.",
                              {"secret": "too short"})
    with tenancy.central_session() as session:
        row = session.get(Orchestra, orchestra_pk)
        if row is None:
            raise NotFound("orchestra_not_found", f"No orchestra with the id {orchestra_pk!r}.")
        row.webhookUrl = clean_url
        row.webhookSecret = secrets_box.encrypt(secret)
        row.updatedAt = clock.now()
        session.commit()
        tenancy.forget_cached_orchestras()
    return secret


def clear_webhook(orchestra_pk: str) -> None:
    """Remove the orchestra's webhook URL and secret (events are no longer enqueued)."""
    with tenancy.central_session() as session:
        row = session.get(Orchestra, orchestra_pk)
        if row is None:
            raise NotFound("orchestra_not_found", f"No orchestra with the id {orchestra_pk!r}.")
        row.webhookUrl = None
        row.webhookSecret = None
        row.updatedAt = clock.now()
        session.commit()
        tenancy.forget_cached_orchestras()


def webhook_config(orchestra_pk: str) -> tuple[str, str] | None:
    """``(url, secret)`` with the secret decrypted, or None when the orchestra has no webhook URL.

    A URL without a secret gives ``(url, "")``; ``deliver`` refuses to send unsigned events.
    """
    with tenancy.central_session() as session:
        row = session.get(Orchestra, orchestra_pk)
        if row is None or not (row.webhookUrl or "").strip():
            return None
        return row.webhookUrl.strip(), secrets_box.decrypt(row.webhookSecret) or ""
