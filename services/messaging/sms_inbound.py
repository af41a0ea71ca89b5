"""What arrives from Twilio: SMS replies to requests (``JA 42`` / ``NEJ 42``) and delivery status callbacks.

Plain Python, called by ``stagesub_ui.endpoints.twilio_hooks`` after it has checked Twilio's signature.

* A reply is matched to the musician by phone number (both sides normalised to E.164, so ``070-123 45 67`` in
  the register matches ``+46701234567`` from Twilio) and answered through ``dispatch.answer_request``: the same
  rules as the response page (deadline, filled positions, one answer per request).
* The short code printed in the request SMS (``REQ0042`` -> ``42``) picks the request when the musician has
  several open ones. Without a code and with several open requests nothing is answered: a help text lists the
  codes. A code of a request that is no longer open gets that request's outcome, never an answer to another one.
* Anything that is not a plain yes or no ("Ja, men bara tisdag") answers nothing and gets the help text.
* Status callbacks only ever move a message's delivery status forward (Twilio's callbacks may arrive out of
  order).

Message bodies are never logged (they are the musician's words); numbers only by their last digits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from models.central import Orchestra
from models.orchestra import CommunicationLog, Musician, Outbox, Project, ProjectNeed, Request
from services import clock, dispatch, secrets_box, tenancy
from services.errors import NotFound, ValidationError
from services.messaging.phone import normalise_phone
from services.messaging.templates import language_of

log = logging.getLogger(__name__)

ANSWER_WORDS = {"ja": "accept", "yes": "accept", "nej": "decline", "no": "decline"}
# Words a plain yes/no may carry besides the code ("Nej tack", "Yes thank you", "JA REQ 42", "nr 42").
FILLER_WORDS = frozenset({"tack", "thanks", "thank", "you", "req", "nr"})
# Twilio's opt-out keywords: Twilio handles them itself (and delivers no reply to an opted-out number).
OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
# A reply without a code and without an open request is taken as meant for the latest request sent this recently
# (so "JA" after the position was filled gets "filled", not a help text).
RECENT = timedelta(days=14)
MAX_LISTED = 5  # open requests listed in a help text (an SMS is short)

_KEYWORD = re.compile(r"[\W_]*(ja|nej|yes|no)(?![^\W\d_])(.*)\Z", re.DOTALL)
_WORD = re.compile(r"[^\W_]+")
_CODE = re.compile(r"(?:req|nr)?([0-9]{1,9})")
_TRAILING_NUMBER = re.compile(r"([0-9]+)\Z")

REPLIES = {
    "sv": {
        "accepted": "Tack! Du har tackat ja till {project}. En bekräftelse kommer via e-post.",
        "declined": "Tack för ditt svar. Du har tackat nej till {project}.",
        "already_answered": "Du har redan svarat på förfrågan om {project}.",
        "position_filled": "Tyvärr hann platsen i {project} fyllas av någon annan. Tack för att du svarade!",
        "expired": "Svarstiden för förfrågan om {project} har gått ut.",
        "cancelled": "Förfrågan om {project} är inte längre aktuell.",
        "help_one": "Svara JA {code} för att tacka ja eller NEJ {code} för att tacka nej till {project}.",
        "help_many": "Du har flera öppna förfrågningar. Svara JA eller NEJ följt av koden, t.ex. JA {code}:",
        "unknown_code": "Koden {given} hör inte till någon av dina öppna förfrågningar.",
        "no_open_request": "Du har ingen öppen förfrågan att svara på just nu.",
        "unknown_number": "Vi hittar inte ditt nummer. Svara via länken i förfrågan som du fått via e-post.",
        "week": "v. {week}",
    },
    "en": {
        "accepted": "Thank you! You have accepted {project}. A confirmation is on its way by e-mail.",
        "declined": "Thank you for letting us know. You have declined {project}.",
        "already_answered": "You have already answered the request for {project}.",
        "position_filled": "Sorry, the position in {project} was filled by someone else first. Thanks for answering!",
        "expired": "The time to answer the request for {project} has run out.",
        "cancelled": "The request for {project} is no longer open.",
        "help_one": "Reply YES {code} to accept or NO {code} to decline {project}.",
        "help_many": "You have several open requests. Reply YES or NO followed by the code, e.g. YES {code}:",
        "unknown_code": "The code {given} does not belong to any of your open requests.",
        "no_open_request": "You have no open request to answer right now.",
        "unknown_number": "We cannot find your number. Please answer through the link in the request e-mail.",
        "week": "wk {week}",
    },
}


@dataclass(frozen=True)
class InboundReply:
    """What to answer an inbound SMS with (``text`` empty: no reply) and what happened.

    ``outcome``: one of ``dispatch.OUTCOMES`` when a request was answered (or its settled outcome reported),
    else ``help`` (not a yes/no), ``ambiguous`` (several open requests, no code), ``unknown_code``,
    ``no_open_request``, ``unknown_number`` or ``ignored`` (an opt-out keyword, handled by Twilio).
    """

    text: str
    language: str
    outcome: str
    requestId: str | None = None


@dataclass(frozen=True)
class _Open:
    """One of the musician's requests a reply may refer to (open, or sent within ``RECENT``)."""

    pk: int
    requestId: str
    code: str
    status: str
    name: str  # the project's
    week: int | None

    def project(self, language: str) -> str:
        """The project as an SMS names it: ``Vårkonsert (v. 12)``."""
        week = REPLIES[language]["week"].format(week=self.week) if self.week else ""
        return f"{self.name} ({week})" if week else self.name


# ----- parsing ------------------------------------------------------------------------------------------------


def short_code(request_id: str) -> str:
    """The code an SMS prints for a request: the number of a readable id without leading zeros
    (``REQ0042`` -> ``42``); an id without a number (a cuid of the earlier system) is used as it is."""
    match = _TRAILING_NUMBER.search(request_id or "")
    return str(int(match.group(1))) if match else (request_id or "")


def parse_reply(body: str) -> tuple[str | None, str | None]:
    """``("accept" | "decline" | None, code | None)`` for an SMS text.

    A reply is ``JA``/``NEJ``/``YES``/``NO`` in any case, first in the text, with punctuation, emoji and
    whitespace around it tolerated, optionally followed by the request's code (``42``, ``#42``, ``042``,
    ``REQ0042``; also written together: ``ja42``) and "tack"/"thanks". Anything else in the text (a second
    number, other words: "ja men bara tisdag", "jag kan") makes it no answer at all: a conditional or unclear
    reply must never be taken as a yes.
    """
    match = _KEYWORD.match((body or "").strip().casefold())
    if match is None:
        return None, None
    answer = ANSWER_WORDS[match.group(1)]
    code: str | None = None
    for word in _WORD.findall(match.group(2)):
        number = _CODE.fullmatch(word)
        if number is not None and code is None:
            code = str(int(number.group(1)))
        elif word not in FILLER_WORDS:
            return None, None
    return answer, code


# ----- replies ------------------------------------------------------------------------------------------------


def _e164(raw: str | None) -> str | None:
    try:
        return normalise_phone(raw or "")
    except ValidationError:
        return None


def _masked(number: str | None) -> str:
    return f"…{number[-3:]}" if number else "(none)"


def _help(language: str, open_requests: list[_Open], outcome: str, lead: str | None = None) -> InboundReply:
    texts = REPLIES[language]
    lines = [lead] if lead else []
    if not open_requests:
        lines.append(texts["no_open_request"])
    elif len(open_requests) == 1:
        only = open_requests[0]
        lines.append(texts["help_one"].format(code=only.code, project=only.project(language)))
    else:
        lines.append(texts["help_many"].format(code=open_requests[0].code))
        lines.extend(f"{r.code}: {r.project(language)}" for r in open_requests[:MAX_LISTED])
    return InboundReply(text="\n".join(lines), language=language, outcome=outcome)


def _musicians(session: Session, number: str) -> list[tuple[int, str | None]]:
    """``(Musician.id, preferredLanguage)`` of every musician whose phone is ``number`` once normalised.

    Numbers are stored as people typed them, so the comparison is done after normalising each one; an
    orchestra has a few hundred musicians at most, and only id, phone and language are read.
    """
    rows = session.exec(
        select(Musician.id, Musician.phone, Musician.preferredLanguage)
        .where(Musician.phone.is_not(None), Musician.phone != "")
        .order_by(Musician.id)
    ).all()
    return [(pk, language) for pk, phone, language in rows if _e164(phone) == number]


def _requests(session: Session, musician_pks: list[int]) -> list[_Open]:
    """The musicians' open requests and those sent within ``RECENT``, newest first."""
    since = clock.now() - RECENT
    rows = session.exec(
        select(Request.id, Request.requestId, Request.status, Project.name, Project.weekNumber)
        .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .join(Project, Project.id == ProjectNeed.projectId)
        .where(Request.musicianId.in_(musician_pks))
        .where((Request.status == "pending") | (Request.sentAt >= since))
        .order_by(Request.sentAt.desc(), Request.id.desc())
    ).all()
    return [
        _Open(pk=pk, requestId=request_id, code=short_code(request_id).casefold(), status=status,
              name=name, week=week)
        for pk, request_id, status, name, week in rows
    ]


def handle_inbound_sms(ref: tenancy.OrchestraRef, from_number: str, body: str,
                       message_sid: str | None) -> InboundReply:
    """Answer the musician's request that an inbound SMS refers to, and say what happened.

    Writes nothing unless a request is answered (through ``dispatch.answer_request``, ``via="sms"``).
    """
    number = _e164(from_number)
    if (body or "").strip().casefold() in OPT_OUT_WORDS:
        log.info("sms %s from %s to %s: opt-out keyword, left to Twilio", message_sid, _masked(number), ref.subdomain)
        return InboundReply(text="", language="sv", outcome="ignored")
    answer, code = parse_reply(body)
    with tenancy.orchestra_session(ref) as session:
        musicians = _musicians(session, number) if number else []
        if not musicians:
            log.info("sms %s from %s to %s: unknown number", message_sid, _masked(number), ref.subdomain)
            return InboundReply(text=REPLIES["sv"]["unknown_number"], language="sv", outcome="unknown_number")
        language = language_of(musicians[0][1])
        found = _requests(session, [pk for pk, _ in musicians])
    pending = [r for r in found if r.status == "pending"]

    if answer is None:
        reply = _help(language, pending, "help")
    elif code is not None:
        target = next((r for r in found if r.code == code), None)
        if target is None:
            lead = REPLIES[language]["unknown_code"].format(given=code)
            reply = _help(language, pending, "unknown_code", lead=lead)
        else:
            reply = _answer(ref, target, answer, language)
    elif len(pending) == 1:
        reply = _answer(ref, pending[0], answer, language)
    elif pending:
        reply = _help(language, pending, "ambiguous")
    elif found:  # nothing open: the latest request tells what became of it (filled, expired, answered)
        reply = _answer(ref, found[0], answer, language)
    else:
        reply = _help(language, [], "no_open_request")
    log.info("sms %s from %s to %s: %s %s", message_sid, _masked(number), ref.subdomain, reply.outcome,
             reply.requestId or "")
    return reply


def _answer(ref: tenancy.OrchestraRef, target: _Open, answer: str, language: str) -> InboundReply:
    try:
        outcome = dispatch.answer_request(ref, target.pk, answer, via="sms")
    except NotFound:  # deleted between the read and the answer
        return _help(language, [], "no_open_request")
    text = REPLIES[outcome.language][outcome.outcome].format(project=target.project(outcome.language))
    return InboundReply(text=text, language=outcome.language,
                        outcome=outcome.outcome, requestId=target.requestId)


# ----- delivery status callbacks --------------------------------------------------------------------------------

# Twilio's message statuses in the order they can happen; a callback never moves a message backwards.
# "delivered" ranks above the failures: a carrier may report a late delivery, never a late failure after it.
_STATUS_RANK = {
    "accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2,
    "canceled": 3, "failed": 3, "undelivered": 3, "delivered": 4, "read": 5,
}
FAILED_STATUSES = frozenset({"failed", "undelivered", "canceled"})
DELIVERED_STATUSES = frozenset({"delivered", "read"})
_LOG_RANK = {"failed": 3, "delivered": 4}  # CommunicationLog.status; sent/simulated/None rank below


def _rank(status: str | None) -> int:
    if status is None:
        return -1
    return _STATUS_RANK.get(status, 0)


def record_status_callback(ref: tenancy.OrchestraRef, message_sid: str, message_status: str,
                           error_code: str | None) -> bool:
    """Record Twilio's delivery status of one SMS; False (and nothing written) for an unknown message SID.

    ``Outbox.deliveryStatus`` takes Twilio's status; the message's ``CommunicationLog`` rows become
    ``delivered`` or ``failed`` (with ``Twilio error <code>``) and otherwise stay ``sent``. A status that ranks
    below the one recorded (a "sent" arriving after "delivered") changes nothing.
    """
    sid = (message_sid or "").strip()
    status = (message_status or "").strip().lower()
    if not sid or not status:
        return False
    log_status = "delivered" if status in DELIVERED_STATUSES else "failed" if status in FAILED_STATUSES else None
    code = (error_code or "").strip()
    error = (f"Twilio error {code}" if code else f"Twilio: {status}") if log_status == "failed" else None

    def work(session: Session) -> bool:
        rows = session.exec(select(Outbox).where(Outbox.providerMessageId == sid, Outbox.channel == "sms")).all()
        entries = session.exec(select(CommunicationLog).where(CommunicationLog.providerMessageId == sid)).all()
        if not rows and not entries:
            return False
        for row in rows:
            if _rank(status) > _rank(row.deliveryStatus):
                row.deliveryStatus = status
        if log_status is not None:
            for entry in entries:
                if _LOG_RANK[log_status] > _LOG_RANK.get(entry.status or "", 0):
                    entry.status, entry.error = log_status, error
        return True

    known = tenancy.write_transaction(ref, work)
    log.info("sms status %s for %s: %s%s", sid, ref.subdomain, status, "" if known else " (unknown message)")
    return known


# ----- credentials --------------------------------------------------------------------------------------------


def twilio_auth_token_for(orchestra_row: Any) -> str | None:
    """The token Twilio signs this orchestra's webhooks with: its own account's auth token when it has its own
    account SID, else the platform's ``TWILIO_AUTH_TOKEN``, else None (every webhook call is refused).

    An orchestra with its own SID never falls back to the platform token: Twilio signs its callbacks with the
    account that sent the message.
    """
    from services.settings import get_provider_env

    if (getattr(orchestra_row, "twilioAccountSid", None) or "").strip():
        try:
            token = secrets_box.decrypt(getattr(orchestra_row, "twilioAuthToken", None))
        except ValueError:
            log.warning("the Twilio auth token of %s cannot be decrypted", getattr(orchestra_row, "subdomain", "?"))
            return None
        return (token or "").strip() or None
    return get_provider_env().twilio_auth_token or None


def webhook_credentials(subdomain: str) -> tuple[tenancy.OrchestraRef, str] | None:
    """The active orchestra of a webhook path and the token to check Twilio's signature with; None when the
    orchestra is unknown, not active, or has no token (the caller refuses the call)."""
    subdomain = (subdomain or "").strip().lower()
    if not tenancy.SUBDOMAIN_RE.match(subdomain):
        return None
    with tenancy.central_session() as session:
        row = session.exec(select(Orchestra).where(Orchestra.subdomain == subdomain)).first()
        if row is None or row.status != "active":
            return None
        token = twilio_auth_token_for(row)
        return (tenancy.to_ref(row), token) if token else None
