"""Twilio's webhooks: ``POST /webhooks/twilio/sms/{subdomain}`` (inbound SMS) and
``POST /webhooks/twilio/status/{subdomain}`` (delivery status callbacks).

Every call must carry a valid ``X-Twilio-Signature``: Twilio's ``RequestValidator`` with the orchestra's auth
token (``sms_inbound.webhook_credentials``) over the URL as Twilio called it (``STAGESUB_PUBLIC_URL`` + the
path and query: behind a proxy the Host this server sees is not the one Twilio signed) and the form fields.
Anything else (no or a wrong signature, an unknown or suspended orchestra, no token) gets 403 and changes
nothing. A call without a signature is refused before the database is touched.

The reply to an SMS is TwiML (``application/xml``); a status callback gets 204. Database work runs in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from services.messaging import sms_inbound
from services.settings import get_settings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_BODY_BYTES = 64 * 1024  # Twilio's forms are a few hundred bytes; an SMS body at most 1,600 characters
FORM_TYPE = "application/x-www-form-urlencoded"


def _forbidden() -> Response:
    return PlainTextResponse("Forbidden", status_code=403)


def signed_url(request: Request) -> str:
    """The URL Twilio signed: the public address of this installation plus the path (and query) called."""
    query = request.url.query
    return get_settings().public_url + request.url.path + (f"?{query}" if query else "")


async def _verified(request: Request):
    """``(OrchestraRef, form)`` for a correctly signed call to an active orchestra with a token, else a 403
    (or 413 for an oversized body) response."""
    signature = request.headers.get(SIGNATURE_HEADER, "").strip()
    if not signature:
        return _forbidden()
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        return _forbidden()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return PlainTextResponse("Payload too large", status_code=413)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return PlainTextResponse("Payload too large", status_code=413)
    try:
        form = ImmutableMultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return _forbidden()
    found = await asyncio.to_thread(sms_inbound.webhook_credentials, request.path_params.get("subdomain", ""))
    if found is None:
        return _forbidden()
    ref, token = found
    if not RequestValidator(token).validate(signed_url(request), form, signature):
        log.warning("twilio webhook for %s refused: wrong signature", ref.subdomain)
        return _forbidden()
    return ref, form


def _unavailable(what: str, exc: Exception) -> Response:
    log.error("twilio %s failed: %s", what, type(exc).__name__, exc_info=exc)
    return PlainTextResponse("Temporarily unavailable", status_code=503)


async def sms_reply(request: Request) -> Response:
    """An inbound SMS: answer the musician's request and reply with a TwiML confirmation or help text."""
    verified = await _verified(request)
    if isinstance(verified, Response):
        return verified
    ref, form = verified
    try:
        reply = await asyncio.to_thread(
            sms_inbound.handle_inbound_sms, ref, form.get("From", ""), form.get("Body", ""), form.get("MessageSid"),
        )
    except Exception as exc:  # noqa: BLE001 - Twilio gets a 503 and its fallback URL, if any, takes over
        return _unavailable("sms reply", exc)
    twiml = MessagingResponse()
    if reply.text:
        twiml.message(reply.text)
    return Response(str(twiml), media_type="application/xml")


async def status_callback(request: Request) -> Response:
    """A delivery status callback: recorded on the message (an unknown SID is answered the same way)."""
    verified = await _verified(request)
    if isinstance(verified, Response):
        return verified
    ref, form = verified
    try:
        await asyncio.to_thread(
            sms_inbound.record_status_callback, ref, form.get("MessageSid", ""), form.get("MessageStatus", ""),
            form.get("ErrorCode"),
        )
    except Exception as exc:  # noqa: BLE001 - Twilio logs the failed callback
        return _unavailable("status callback", exc)
    return Response(status_code=204)
