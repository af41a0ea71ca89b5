"""E-mail and SMS providers: which one applies to an orchestra, and sending through the real SDKs.

Provider choice (SPEC §Messaging): the orchestra's own Resend key / Twilio account, else the platform's from the
environment, else ``None`` (= simulation). ``STAGESUB_SIMULATE_MESSAGES=1`` forces simulation. A key that is set
but unusable (cannot be decrypted, half a Twilio account, no sender) raises ``ProviderConfigError``: that is a
failed message, never a silent fall-back to simulation.

Secrets: stored values are decrypted with ``services.secrets_box.decrypt`` (a plain value is read as it is).
Provider objects never show their secrets in ``repr`` and no secret is logged here.

Resend: the SDK keeps ``api_key``, ``api_url`` and its HTTP client in module state, so every send holds
``_RESEND_LOCK`` while it sets them for this orchestra, sends, and restores them; one orchestra's key can never
sign another orchestra's e-mail, also under concurrency. (STYLE_ANCHORS pitfall 13.)

Twilio: a ``Client(account_sid, auth_token)`` per send (no shared state), with an ``http_client`` that rewrites
``https://<product>.twilio.com`` to ``STAGESUB_TWILIO_API_URL`` when that is set (real HTTP throughout).

Rate limit: Resend allows 2 requests per second per key by default (``STAGESUB_RESEND_RATE_LIMIT`` changes it).
Every request with one key waits its turn in that key's ``RateLimiter`` (per process: one delivery process per
installation is the supported set-up; a second process shares the limit only through 429 + Retry-After).

Used by ``services.outbox`` for every e-mail and SMS that is not simulated.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import logging
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import resend
from resend.exceptions import ResendError
from resend.http_client_requests import RequestsClient
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

from services import secrets_box, tenancy

log = logging.getLogger(__name__)

DEFAULT_RESEND_API_URL = "https://api.resend.com"
DEFAULT_TWILIO_API_URL = "https://api.twilio.com"
REQUEST_TIMEOUT_SECONDS = 20
DEFAULT_RESEND_RATE_LIMIT = 2.0  # requests per second per API key (Resend's default limit)

# Guards resend.api_key / resend.api_url / resend.default_http_client (module state of the SDK).
_RESEND_LOCK = threading.Lock()
_TWILIO_HOST = re.compile(r"^https://([a-z0-9-]+\.)*twilio\.com(?=/|$)", re.IGNORECASE)

# The five smsOn… switches of the Orchestra row, by outbox message type (defined with the orchestra's ref).
SMS_SWITCHES = tenancy.SMS_SWITCHES


class ProviderConfigError(ValueError):
    """The orchestra's (or platform's) provider settings are present but unusable."""


class RateLimiter:
    """At most ``per_second`` requests per second, evenly spaced (a request waits for its slot).

    The spacing keeps a margin (``MARGIN``) below the limit: requests reach the provider with some jitter, and
    two that arrive closer than they left would make a third fall into the same second.
    """

    MARGIN = 1.1

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = self.MARGIN / per_second
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this request may go; returns the seconds waited."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return delay


_LIMITERS: dict[tuple[str, float], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(api_key: str, per_second: float) -> RateLimiter:
    """The process-wide limiter of one API key (keyed by a digest, never the key itself)."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()[:24]
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get((digest, per_second))
        if limiter is None:
            limiter = _LIMITERS[(digest, per_second)] = RateLimiter(per_second)
        return limiter


# --- messages and results -------------------------------------------------------------------------------------


@dataclass
class EmailMessage:
    to: str | list[str]
    subject: str
    text: str | None = None
    html: str | None = None
    from_: str | None = None  # overrides the provider's sender when set
    reply_to: str | None = None  # overrides the provider's reply-to when set
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)  # (filename, content, mime type)
    idempotency_key: str | None = None


@dataclass
class SmsMessage:
    to: str
    text: str
    from_: str | None = None  # overrides the provider's from number when set
    status_callback: str | None = None
    idempotency_key: str | None = None  # kept for symmetry; Twilio's Messages API has no idempotency key


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_id: str | None = None
    status_code: int | None = None
    error: str | None = None
    retry_after_seconds: float | None = None
    retryable: bool = False


# --- configuration from the environment -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderEnv:
    resend_api_key: str | None = field(default=None, repr=False)
    email_from: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_from_number: str | None = None
    resend_api_url: str = DEFAULT_RESEND_API_URL
    twilio_api_url: str = DEFAULT_TWILIO_API_URL
    simulate: bool = False
    resend_rate_limit: float = DEFAULT_RESEND_RATE_LIMIT


def provider_env(environ: Mapping[str, str]) -> ProviderEnv:
    """The platform's provider settings from an ``os.environ``-like mapping (the only place they are read)."""

    def get(name: str) -> str | None:
        value = (environ.get(name) or "").strip()
        return value or None

    simulate = (environ.get("STAGESUB_SIMULATE_MESSAGES") or "").strip().lower()
    try:
        rate = float(get("STAGESUB_RESEND_RATE_LIMIT") or DEFAULT_RESEND_RATE_LIMIT)
    except ValueError:
        rate = DEFAULT_RESEND_RATE_LIMIT
    return ProviderEnv(
        resend_api_key=get("RESEND_API_KEY"),
        email_from=get("STAGESUB_EMAIL_FROM"),
        twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
        twilio_from_number=get("TWILIO_FROM_NUMBER"),
        resend_api_url=(get("STAGESUB_RESEND_API_URL") or DEFAULT_RESEND_API_URL).rstrip("/"),
        twilio_api_url=(get("STAGESUB_TWILIO_API_URL") or DEFAULT_TWILIO_API_URL).rstrip("/"),
        simulate=simulate in ("1", "true", "yes", "on"),
        resend_rate_limit=rate if rate > 0 else DEFAULT_RESEND_RATE_LIMIT,
    )


def _env(settings_env: ProviderEnv | Mapping[str, str]) -> ProviderEnv:
    return settings_env if isinstance(settings_env, ProviderEnv) else provider_env(settings_env)


def _secret(row: Any, attr: str) -> str | None:
    try:
        value = secrets_box.decrypt(getattr(row, attr, None))
    except ValueError as exc:
        raise ProviderConfigError(f"the orchestra's {attr} cannot be decrypted") from exc
    value = (value or "").strip()
    return value or None


def _plain(row: Any, attr: str) -> str | None:
    value = (getattr(row, attr, None) or "").strip()
    return value or None


def _sender(address: str, name: str | None) -> str:
    return email.utils.formataddr((name, address)) if name else address


# --- e-mail ---------------------------------------------------------------------------------------------------


class ResendEmailProvider:
    """Sends through the real ``resend`` SDK with one key (an orchestra's or the platform's)."""

    name = "resend"

    def __init__(
        self, api_key: str, sender: str, *, reply_to: str | None = None, api_url: str = DEFAULT_RESEND_API_URL,
        source: str = "orchestra", timeout: int = REQUEST_TIMEOUT_SECONDS,
        rate_limit: float = DEFAULT_RESEND_RATE_LIMIT,
    ) -> None:
        self._api_key = api_key
        self._limiter = limiter_for(api_key, rate_limit)
        self.sender = sender
        self.reply_to = reply_to
        self.api_url = api_url.rstrip("/")
        self.source = source  # "orchestra" or "platform"
        self._http = RequestsClient(timeout=timeout)

    def __repr__(self) -> str:
        return f"ResendEmailProvider(source={self.source!r}, sender={self.sender!r}, api_url={self.api_url!r})"

    def _params(self, msg: EmailMessage) -> dict[str, Any]:
        params: dict[str, Any] = {
            "from": msg.from_ or self.sender,
            "to": msg.to if isinstance(msg.to, list) else [msg.to],
            "subject": msg.subject,
        }
        if msg.html is not None:
            params["html"] = msg.html
        if msg.text is not None:
            params["text"] = msg.text
        reply_to = msg.reply_to or self.reply_to
        if reply_to:
            params["reply_to"] = reply_to
        if msg.attachments:
            params["attachments"] = [
                {"filename": name, "content": base64.b64encode(content).decode("ascii"), "content_type": mime}
                for name, content, mime in msg.attachments
            ]
        return params

    def _call(self, fn, params, options):
        """Run one SDK call with this provider's key, base URL and HTTP client, under the module lock.

        The rate limiter is waited on first, outside the lock, so one key's queue never holds up another's.
        """
        self._limiter.wait()
        with _RESEND_LOCK:
            saved = (resend.api_key, resend.api_url, resend.default_http_client)
            resend.api_key, resend.api_url, resend.default_http_client = self._api_key, self.api_url, self._http
            try:
                return fn(params, options) if options else fn(params)
            finally:
                resend.api_key, resend.api_url, resend.default_http_client = saved

    def send(self, msg: EmailMessage) -> SendResult:
        options = {"idempotency_key": msg.idempotency_key} if msg.idempotency_key else None
        try:
            response = self._call(resend.Emails.send, self._params(msg), options)
        except ResendError as exc:
            return _resend_failure(exc)
        return SendResult(ok=True, provider_id=response.get("id"), status_code=200)

    def send_batch(self, msgs: list[EmailMessage], idempotency_key: str | None = None) -> list[SendResult]:
        """Up to 100 e-mails in one request (``POST /emails/batch``; no attachments allowed there).

        All or nothing: on failure every message gets the same failed result.
        """
        if not msgs:
            return []
        if len(msgs) > 100:
            raise ValueError("Resend accepts at most 100 e-mails per batch")
        if any(m.attachments for m in msgs):
            raise ValueError("Resend's batch endpoint does not take attachments; send those one by one")
        options = {"idempotency_key": idempotency_key} if idempotency_key else None
        try:
            response = self._call(resend.Batch.send, [self._params(m) for m in msgs], options)
        except ResendError as exc:
            failed = _resend_failure(exc)
            return [failed for _ in msgs]
        ids = [item.get("id") for item in (response.get("data") or [])]
        if len(ids) != len(msgs):
            return [SendResult(ok=False, status_code=200, error="batch answer does not match the request",
                               retryable=False) for _ in msgs]
        return [SendResult(ok=True, provider_id=i, status_code=200) for i in ids]


def _resend_failure(exc: ResendError) -> SendResult:
    try:
        code = int(exc.code)
    except (TypeError, ValueError):
        code = 500
    # The SDK reports a transport failure (connection refused, timeout) as code 500 "HttpClientError".
    retryable = code == 429 or code >= 500 or code == 408
    retry_after = _retry_after(exc.headers or {}) if retryable else None
    return SendResult(
        ok=False, status_code=code, error=f"{exc.error_type}: {exc.message}"[:500],
        retry_after_seconds=retry_after, retryable=retryable,
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if raw is None:
        return None
    raw = str(raw).strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def resolve_email_provider(orchestra_row: Any, settings_env: ProviderEnv | Mapping[str, str]):
    """The orchestra's Resend key and sender, else the platform key, else ``None`` (= simulation).

    With the platform key the e-mail goes out from the platform's verified address (``STAGESUB_EMAIL_FROM``)
    under the orchestra's display name, and replies go to the orchestra (its reply-to or contact address).
    """
    env = _env(settings_env)
    if env.simulate:
        return None
    from_name = _plain(orchestra_row, "emailFromName") or _plain(orchestra_row, "name")
    reply_to = _plain(orchestra_row, "emailReplyTo")
    own_key = _secret(orchestra_row, "resendApiKey")
    if own_key:
        address = _plain(orchestra_row, "emailFromAddress") or env.email_from
        if not address:
            raise ProviderConfigError("the orchestra has a Resend key but no sender address")
        return ResendEmailProvider(
            own_key, _sender(address, from_name), reply_to=reply_to, api_url=env.resend_api_url, source="orchestra",
            rate_limit=env.resend_rate_limit,
        )
    if env.resend_api_key:
        if not env.email_from:
            raise ProviderConfigError("RESEND_API_KEY is set but STAGESUB_EMAIL_FROM is not")
        return ResendEmailProvider(
            env.resend_api_key, _sender(env.email_from, from_name),
            reply_to=reply_to or _plain(orchestra_row, "contactEmail"), api_url=env.resend_api_url, source="platform",
            rate_limit=env.resend_rate_limit,
        )
    return None


# --- SMS ------------------------------------------------------------------------------------------------------


class _RedirectingHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client with ``https://*.twilio.com`` replaced by a configured base URL.

    Keeps the last response's headers (one instance per send, so no sharing) for Retry-After.
    """

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.last_headers: Mapping[str, str] = {}

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        if self.base_url:
            url = _TWILIO_HOST.sub(self.base_url, url, count=1)
        response = super().request(method, url, params=params, data=data, headers=headers, auth=auth,
                                   timeout=timeout, allow_redirects=allow_redirects)
        self.last_headers = response.headers or {}
        return response


class TwilioSmsProvider:
    """Sends through the real ``twilio`` SDK with one account (an orchestra's or the platform's)."""

    name = "twilio"

    def __init__(
        self, account_sid: str, auth_token: str, from_number: str, *, api_url: str = DEFAULT_TWILIO_API_URL,
        source: str = "orchestra", timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.from_number = from_number
        self.api_url = api_url.rstrip("/")
        self.source = source
        self.timeout = timeout

    def __repr__(self) -> str:
        return (f"TwilioSmsProvider(source={self.source!r}, account_sid={self.account_sid!r}, "
                f"from_number={self.from_number!r}, api_url={self.api_url!r})")

    def _client(self) -> tuple[TwilioClient, _RedirectingHttpClient]:
        redirect = None if self.api_url == DEFAULT_TWILIO_API_URL else self.api_url
        http = _RedirectingHttpClient(redirect, self.timeout)
        # A non-empty ``environment`` keeps the SDK from reading TWILIO_* (edge, region, credentials) itself.
        client = TwilioClient(self.account_sid, self._auth_token, http_client=http,
                              environment={"TWILIO_EDGE": "", "TWILIO_REGION": ""})
        return client, http

    def send(self, msg: SmsMessage, status_callback: str | None = None) -> SendResult:
        client, http = self._client()
        kwargs: dict[str, Any] = {"to": msg.to, "from_": msg.from_ or self.from_number, "body": msg.text}
        callback = status_callback or msg.status_callback
        if callback:
            kwargs["status_callback"] = callback
        try:
            message = client.messages.create(**kwargs)
        except TwilioException as exc:
            status = getattr(exc, "status", None)
            code = int(status) if status is not None else 500
            retryable = code == 429 or code >= 500
            return SendResult(
                ok=False, status_code=code, error=str(getattr(exc, "msg", None) or exc)[:500],
                retry_after_seconds=_retry_after(http.last_headers) if retryable else None, retryable=retryable,
            )
        except requests.RequestException as exc:
            return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500], retryable=True)
        return SendResult(ok=True, provider_id=message.sid, status_code=201)


    def find_sent(self, to: str, text: str, since) -> SendResult | None:
        """A message with this text to this number that Twilio already has (created at or after ``since``).

        Used before sending a message again whose earlier attempt may have reached Twilio (the worker died or
        the answer timed out): Twilio's Messages API has no idempotency key. None when there is none, or when
        Twilio cannot be asked (then the message is sent).
        """
        client, _ = self._client()
        try:
            found = client.messages.list(to=to, from_=self.from_number, limit=50)
        except (TwilioException, requests.RequestException) as exc:
            log.warning("twilio lookup before resend failed: %s", type(exc).__name__)
            return None
        floor = since.timestamp() - 60 if since is not None else None
        for message in found:
            created = message.date_created
            if message.body == text and (floor is None or created is None or created.timestamp() >= floor):
                return SendResult(ok=True, provider_id=message.sid, status_code=200)
        return None


def resolve_sms_provider(orchestra_row: Any, settings_env: ProviderEnv | Mapping[str, str]):
    """The orchestra's Twilio account, else the platform's, else ``None`` (= simulation)."""
    env = _env(settings_env)
    if env.simulate:
        return None
    sid = _plain(orchestra_row, "twilioAccountSid")
    token = _secret(orchestra_row, "twilioAuthToken")
    number = _plain(orchestra_row, "twilioFromNumber")
    if sid or token or number:
        if not (sid and token and number):
            raise ProviderConfigError(
                "the orchestra's Twilio settings are incomplete (account SID, auth token and from number are needed)"
            )
        return TwilioSmsProvider(sid, token, number, api_url=env.twilio_api_url, source="orchestra")
    if env.twilio_account_sid or env.twilio_auth_token or env.twilio_from_number:
        if not (env.twilio_account_sid and env.twilio_auth_token and env.twilio_from_number):
            raise ProviderConfigError(
                "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER must be set together"
            )
        return TwilioSmsProvider(env.twilio_account_sid, env.twilio_auth_token, env.twilio_from_number,
                                 api_url=env.twilio_api_url, source="platform")
    return None


def sms_enabled_for(orchestra_row: Any, message_type: str) -> bool:
    """The orchestra's ``smsOn…`` switch for an outbox message type (unknown types: off)."""
    attr = SMS_SWITCHES.get(message_type)
    return bool(attr and getattr(orchestra_row, attr, False))
