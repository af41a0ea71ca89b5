"""The request engine: who is asked, sending, answers, reminders, timeouts and filling seats.

Every change to a project's requests runs in one transaction under the project's lock
(``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), re-reading the state after the lock
is taken. That keeps the invariants under any interleaving: accepted ≤ quantity, one request per musician per
project (cancelled ones do not count), one answer per request. Messages and webhook events are written to the
outbox in the same transaction and delivered after commit.

Preview and sending share one planning function (``_plan_need``), so the preview shows exactly what a send
would do.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from models.orchestra import (
    AuditLog,
    CustomRanking,
    Instrument,
    Musician,
    MusicianBlockout,
    MusicianQualification,
    Position,
    Project,
    ProjectNeed,
    Ranking,
    Request,
    RequestToken,
    Settings,
)
from services import clock, outbox, tenancy, tokens
from services.errors import Conflict, NotFound, ServiceError, ValidationError
from services.ids import next_id
from services.messaging import calendar, templates

log = logging.getLogger(__name__)

T = TypeVar("T")
STRATEGIES = ("sequential", "parallel", "first_come")
OPEN_STATUSES = ("pending", "accepted", "declined", "timed_out")  # "already asked" in a project
NEXT_IN_QUEUE = 5
OUTCOMES = ("accepted", "declined", "already_answered", "position_filled", "expired", "cancelled", "invalid_token")

MESSAGES = {
    "sv": {
        "accepted": "Tack! Du har tackat ja. En bekräftelse kommer via e-post.",
        "declined": "Tack för ditt svar. Vi hör av oss en annan gång.",
        "already_answered": "Du har redan svarat på den här förfrågan.",
        "position_filled": "Tyvärr hann platsen fyllas av någon annan. Tack för att du svarade!",
        "expired": "Svarstiden för den här förfrågan har gått ut.",
        "cancelled": "Den här förfrågan är inte längre aktuell.",
        "invalid_token": "Länken är ogiltig.",
    },
    "en": {
        "accepted": "Thank you! You have accepted. A confirmation is on its way by e-mail.",
        "declined": "Thank you for letting us know. We hope to ask you another time.",
        "already_answered": "You have already answered this request.",
        "position_filled": "Sorry, the position was filled by someone else first. Thank you for answering!",
        "expired": "The time to answer this request has run out.",
        "cancelled": "This request is no longer open.",
        "invalid_token": "This link is not valid.",
    },
}


# ----- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    requestId: str | None
    status: str | None
    outcome: str
    message: str
    language: str = "sv"

    def as_dict(self) -> dict:
        return {"requestId": self.requestId, "status": self.status, "outcome": self.outcome, "message": self.message}


def _outcome(request: Request | None, code: str, language: str) -> Outcome:
    return Outcome(
        requestId=request.requestId if request else None, status=request.status if request else None,
        outcome=code, message=MESSAGES[language][code], language=language,
    )


@dataclass
class Candidate:
    musician: Musician
    rank: int


@dataclass
class NeedPlan:
    need: ProjectNeed
    accepted: int
    pending: int
    to_ask: list[Musician] = field(default_factory=list)
    next_in_queue: list[Musician] = field(default_factory=list)
    skipped: list[tuple[Musician, str]] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return max(0, self.need.quantity - self.accepted)


# ----- context -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the engine needs to know about the orchestra besides its own database."""

    ref: tenancy.OrchestraRef
    webhook_url: str | None
    timezone: str
    sms_on: frozenset[str] = frozenset()  # message types that also go by SMS (the orchestra's smsOn… switches)

    @property
    def subdomain(self) -> str:
        return self.ref.subdomain


def context_for(ref: tenancy.OrchestraRef) -> Context:
    """The engine's view of the orchestra; its webhook URL as of now (cached for a few seconds)."""
    from services.settings import get_settings

    try:
        current = tenancy.get_orchestra_cached(ref.subdomain)
    except ServiceError:
        current = ref
    return Context(ref=ref, webhook_url=current.webhookUrl or None, timezone=get_settings().timezone,
                   sms_on=current.smsOn)


def _setting(session: Session, key: str, default: str) -> str:
    value = session.exec(select(Settings.value).where(Settings.key == key)).first()
    return value if value not in (None, "") else default


def reminder_percentage(session: Session) -> int:
    """The orchestra's reminder point in percent of the response time (read once per transaction)."""
    cached = session.info.get("stagesub_reminder_pct")
    if cached is not None:
        return cached
    try:
        value = min(95, max(5, int(_setting(session, "reminder_percentage", "75"))))
    except ValueError:
        value = 75
    session.info["stagesub_reminder_pct"] = value
    return value


# ----- transactions and locks ------------------------------------------------------------------------------


def _lock_project(session: Session, project_pk: int) -> Project:
    """Take the project's lock and return it (re-read after the lock)."""
    stmt = select(Project).where(Project.id == project_pk).execution_options(populate_existing=True)
    if session.connection().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    project = session.exec(stmt).first()
    if project is None:
        raise NotFound("project_not_found", "The project does not exist.")
    return project


def _project_by_public_id(session: Session, project_id: str) -> Project:
    project = session.exec(select(Project).where(Project.projectId == project_id)).first()
    if project is None:
        raise NotFound("project_not_found", f"No project {project_id}.")
    return project


# ----- planning (shared by preview and send) ---------------------------------------------------------------


@dataclass
class ProjectState:
    project: Project
    needs: list[ProjectNeed]
    positions: dict[int, Position]
    instruments: dict[int, Instrument]
    requests: list[Request]
    tz: str
    # Loaded only when planning (``_ensure_candidates``): an accept needs none of it.
    candidates: dict[int, list[Candidate]] | None = None  # need id -> ranked candidates
    qualified: set[tuple[int, int]] = field(default_factory=set)  # (musician id, position id)
    blocked: set[int] = field(default_factory=set)  # musicians with a blockout over the project's week
    conflict_strategy: str = "simple"

    def counts(self, need_pk: int) -> tuple[int, int]:
        accepted = sum(1 for r in self.requests if r.projectNeedId == need_pk and r.status == "accepted")
        pending = sum(1 for r in self.requests if r.projectNeedId == need_pk and r.status == "pending")
        return accepted, pending

    def asked(self) -> dict[int, Request]:
        """Musicians already asked in this project (cancelled requests do not count)."""
        return {r.musicianId: r for r in self.requests if r.status in OPEN_STATUSES}


def project_week(start: datetime, tz: str) -> tuple[datetime, datetime]:
    """The project's span for blockouts: from its start to the end of the Sunday of its week (local time)."""
    local = clock.to_local(start, tz)
    end_local = (local + timedelta(days=6 - local.weekday())).replace(hour=23, minute=59, second=59)
    return start, end_local.astimezone(clock.UTC)


def _load_state(session: Session, project: Project, tz: str, *, with_candidates: bool = True) -> ProjectState:
    needs = list(session.exec(
        select(ProjectNeed).where(ProjectNeed.projectId == project.id).execution_options(populate_existing=True)
    ).all())
    positions = {p.id: p for p in session.exec(
        select(Position).where(Position.id.in_({n.positionId for n in needs}))).all()}
    instruments = {
        i.id: i for i in session.exec(
            select(Instrument).where(Instrument.id.in_({p.instrumentId for p in positions.values()}))
        ).all()
    }
    requests = list(session.exec(
        select(Request).join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .where(ProjectNeed.projectId == project.id).execution_options(populate_existing=True)
    ).all())
    state = ProjectState(project=project, needs=needs, positions=positions, instruments=instruments,
                         requests=requests, tz=tz)
    if with_candidates:
        _ensure_candidates(session, state)
    return state


def _ensure_candidates(session: Session, state: ProjectState) -> None:
    """Load the ranked candidates of every need, their qualifications and blockouts (a few queries)."""
    if state.candidates is not None:
        return
    needs = state.needs
    candidates: dict[int, list[Candidate]] = {n.id: [] for n in needs}
    list_ids = {n.rankingListId: n.id for n in needs if n.rankingListId and not n.customRankingListId}
    custom_ids = {n.customRankingListId: n.id for n in needs if n.customRankingListId}
    by_list: dict[int, list[Candidate]] = {}
    if list_ids:
        rows = session.exec(
            select(Ranking.listId, Ranking.rank, Musician).join(Musician, Musician.id == Ranking.musicianId)
            .where(Ranking.listId.in_(list_ids)).order_by(Ranking.listId, Ranking.rank)
        ).all()
        for list_pk, rank, musician in rows:
            by_list.setdefault(list_pk, []).append(Candidate(musician, rank))
    by_custom: dict[int, list[Candidate]] = {}
    if custom_ids:
        rows = session.exec(
            select(CustomRanking.customListId, CustomRanking.rank, Musician)
            .join(Musician, Musician.id == CustomRanking.musicianId)
            .where(CustomRanking.customListId.in_(custom_ids)).order_by(CustomRanking.customListId, CustomRanking.rank)
        ).all()
        for list_pk, rank, musician in rows:
            by_custom.setdefault(list_pk, []).append(Candidate(musician, rank))
    for need in needs:
        if need.customRankingListId:
            candidates[need.id] = by_custom.get(need.customRankingListId, [])
        elif need.rankingListId:
            candidates[need.id] = by_list.get(need.rankingListId, [])
    state.candidates = candidates

    musician_ids = {c.musician.id for cs in candidates.values() for c in cs}
    if musician_ids:
        state.qualified = {
            (m, p) for m, p in session.exec(
                select(MusicianQualification.musicianId, MusicianQualification.positionId)
                .where(MusicianQualification.musicianId.in_(musician_ids),
                       MusicianQualification.positionId.in_({n.positionId for n in needs}))
            ).all()
        }
        start, end = project_week(state.project.startDate, state.tz)
        state.blocked = set(session.exec(
            select(MusicianBlockout.musicianId).where(
                MusicianBlockout.musicianId.in_(musician_ids),
                MusicianBlockout.startDate <= end, MusicianBlockout.endDate >= start,
            )
        ).all())
    state.conflict_strategy = _setting(session, "ranking_conflict_strategy", "simple")


def _need_order(state: ProjectState) -> list[ProjectNeed]:
    """Instruments in display order, then positions by hierarchy level (most senior first)."""

    def key(need: ProjectNeed) -> tuple:
        position = state.positions[need.positionId]
        instrument = state.instruments[position.instrumentId]
        order = instrument.displayOrder if instrument.displayOrder is not None else 999
        return (order, position.hierarchyLevel, need.id)

    return sorted(state.needs, key=key)


def _best_needs(state: ProjectState) -> dict[int, int]:
    """Smart conflict strategy: each musician's best open need (lowest rank, then most senior position)."""
    best: dict[int, tuple] = {}
    for need in _need_order(state):
        if need.status != "active":
            continue
        accepted, _ = state.counts(need.id)
        if accepted >= need.quantity:
            continue
        level = state.positions[need.positionId].hierarchyLevel
        for candidate in state.candidates[need.id]:
            musician = candidate.musician
            if (musician.id, need.positionId) not in state.qualified:
                continue  # a need the musician cannot be asked for is never their "best" one
            if need.requireLocalResidence and not musician.localResidence:
                continue
            key = (candidate.rank, level)
            current = best.get(candidate.musician.id)
            if current is None or key < current[0]:
                best[candidate.musician.id] = (key, need.id)
    return {musician: need for musician, (_, need) in best.items()}


def _how_many(need: ProjectNeed, accepted: int, pending: int, available: int) -> int:
    remaining = max(0, need.quantity - accepted)
    if remaining == 0:
        return 0
    if need.requestStrategy == "parallel":
        return max(0, min(available, need.quantity - accepted - pending))
    if pending > 0:
        return 0
    if need.requestStrategy == "first_come":
        wave = need.maxRecipients if need.maxRecipients else available
        return max(0, min(wave, available))
    return min(1, available)  # sequential: one at a time


def _plan_need(state: ProjectState, need: ProjectNeed, picked: set[int], best: dict[int, int]) -> NeedPlan:
    accepted, pending = state.counts(need.id)
    plan = NeedPlan(need=need, accepted=accepted, pending=pending)
    asked = state.asked()
    available: list[Musician] = []
    for candidate in state.candidates[need.id]:
        musician = candidate.musician
        reason = None
        if musician.id in asked:
            reason = "already_asked"
        elif musician.isArchived:
            reason = "archived"
        elif not musician.isActive:
            reason = "inactive"
        elif (musician.id, need.positionId) not in state.qualified:
            reason = "not_qualified"
        elif need.requireLocalResidence and not musician.localResidence:
            reason = "not_local"
        elif musician.id in state.blocked:
            reason = "blocked_out"
        elif state.conflict_strategy == "smart" and best.get(musician.id, need.id) != need.id:
            reason = "prefers_other_need"
        elif musician.id in picked:
            reason = "picked_for_other_need"
        if reason:
            plan.skipped.append((musician, reason))
        else:
            available.append(musician)
    if need.status == "active":
        count = _how_many(need, accepted, pending, len(available))
        plan.to_ask = available[:count]
        plan.next_in_queue = available[count:count + NEXT_IN_QUEUE]
    else:
        plan.next_in_queue = available[:NEXT_IN_QUEUE]
    return plan


def _plan_project(state: ProjectState, only_need: int | None = None) -> list[NeedPlan]:
    best = _best_needs(state) if state.conflict_strategy == "smart" else {}
    picked: set[int] = set()
    plans = []
    for need in _need_order(state):
        if only_need is not None and need.id != only_need:
            continue
        plan = _plan_need(state, need, picked, best)
        picked.update(m.id for m in plan.to_ask)
        plans.append(plan)
    return plans


def _person(musician: Musician) -> dict:
    return {"musicianId": musician.musicianId, "name": f"{musician.firstName} {musician.lastName}"}


def _conflicts(state: ProjectState) -> list[dict]:
    on_lists: dict[int, list[ProjectNeed]] = {}
    musicians: dict[int, Musician] = {}
    for need in state.needs:
        if need.status in ("cancelled", "archived"):
            continue
        for candidate in state.candidates[need.id]:
            on_lists.setdefault(candidate.musician.id, []).append(need)
            musicians[candidate.musician.id] = candidate.musician
    best = _best_needs(state) if state.conflict_strategy == "smart" else {}
    conflicts = []
    for musician_pk, needs in on_lists.items():
        if len(needs) < 2:
            continue
        entry = _person(musicians[musician_pk]) | {"projectNeedIds": [n.projectNeedId for n in needs]}
        if musician_pk in best:
            entry["chosenProjectNeedId"] = next(n.projectNeedId for n in needs if n.id == best[musician_pk])
        conflicts.append(entry)
    return conflicts


# ----- preview -----------------------------------------------------------------------------------------------


def preview_project(ref: tenancy.OrchestraRef, project_id: str) -> dict:
    """Per need: who would be asked now, who is next, and every skipped musician with the reason. No writes."""
    ctx = context_for(ref)
    with tenancy.orchestra_session(ref) as session:
        project = _project_by_public_id(session, project_id)
        state = _load_state(session, project, ctx.timezone)
        plans = _plan_project(state)
        needs = []
        for plan in plans:
            position = state.positions[plan.need.positionId]
            needs.append({
                "projectNeedId": plan.need.projectNeedId,
                "positionId": position.positionId,
                "positionName": position.name,
                "instrumentName": state.instruments[position.instrumentId].name,
                "requestStrategy": plan.need.requestStrategy,
                "quantity": plan.need.quantity,
                "maxRecipients": plan.need.maxRecipients,
                "status": plan.need.status,
                "accepted": plan.accepted,
                "pending": plan.pending,
                "remaining": plan.remaining,
                "toAsk": [_person(m) for m in plan.to_ask],
                "nextInQueue": [_person(m) for m in plan.next_in_queue],
                "skipped": [_person(m) | {"reason": reason} for m, reason in plan.skipped],
            })
        return {
            "projectId": project.projectId, "conflictStrategy": state.conflict_strategy, "needs": needs,
            "conflicts": _conflicts(state),
        }


# ----- sending -------------------------------------------------------------------------------------------------


LINK_TYPES = ("request", "reminder")  # the messages that carry the response link and deadline


def _variables(session: Session, ctx: Context, state: ProjectState, need: ProjectNeed, musician: Musician,
               language: str, request: Request | None = None, base_type: str = "request") -> dict[str, object]:
    position = state.positions[need.positionId]
    project = state.project
    values: dict[str, object] = {
        "firstName": musician.firstName, "lastName": musician.lastName,
        "projectName": project.name, "positionName": position.name,
        "instrumentName": state.instruments[position.instrumentId].name,
        "startDate": templates.format_date(project.startDate, language, ctx.timezone),
        "weekNumber": project.weekNumber,
        "rehearsalSchedule": project.rehearsalSchedule or ("Se bifogad information" if language == "sv"
                                                           else "See the attached information"),
        "concertInfo": project.concertInfo or ("Se bifogad information" if language == "sv"
                                               else "See the attached information"),
        "quantity": need.quantity,
        "responseTime": need.responseTimeHours or 24,
        "orchestraName": ctx.ref.name,
        "attachmentNote": ("Noter och övrig information skickas separat." if language == "sv"
                           else "Sheet music and other information will follow separately."),
    }
    if request is not None and base_type in LINK_TYPES:
        values["responseUrl"] = tokens.response_url(ctx.ref, _raw_token(session, ctx, request))
        if request.deadlineAt:
            values["deadline"] = templates.format_date(request.deadlineAt, language, ctx.timezone, with_time=True)
    return values


def _raw_token(session: Session, ctx: Context, request: Request) -> str:
    """The request's one live token: derived (ours), or the plain value of an earlier system's token.

    The earlier system's tokens of the whole database are read once per transaction (``session.info``).
    """
    legacy = session.info.get("stagesub_legacy_tokens")
    if legacy is None:
        rows = session.exec(
            select(RequestToken.requestId, RequestToken.token)
            .where(RequestToken.usedAt.is_(None), sa.func.length(RequestToken.token) != 64)
        ).all()
        legacy = session.info["stagesub_legacy_tokens"] = dict(rows)
    return legacy.get(request.id) or tokens.derive_token(ctx.subdomain, ctx.ref.orchestraId, request.requestId)


def _quiet_window(session: Session):
    """The orchestra's quiet hours (read once per transaction)."""
    if "stagesub_quiet" not in session.info:
        from services.orchestra_settings import quiet_hours

        session.info["stagesub_quiet"] = quiet_hours(session)
    return session.info["stagesub_quiet"]


def _files(session: Session, state: ProjectState, need: ProjectNeed, base_type: str) -> list[str]:
    """FileStorage ids sent with a request (``on_request`` files) or a confirmation (``on_accept`` files)."""
    timing = {"request": "on_request", "confirmation": "on_accept"}.get(base_type)
    if timing is None:
        return []
    cache = session.info.setdefault("stagesub_files", {})  # one query per need and timing and transaction
    key = (state.project.id, need.id, timing)
    if key not in cache:
        from services import files

        cache[key] = files.attachment_ids(session, state.project.id, need.id, timing)
    return cache[key]


def _invitation(ctx: Context, state: ProjectState, musician: Musician, language: str) -> dict:
    """The confirmation's calendar file: a stable UID per musician and project, so a later one updates it."""
    project = state.project
    changed = project.updatedAt or project.createdAt
    content = calendar.project_event(
        uid=calendar.project_event_uid(project.projectId, musician.musicianId, ctx.subdomain),
        project_name=project.name, orchestra_name=ctx.ref.name, start=project.startDate, end=None,
        rehearsals=project.rehearsalSchedule, concert_info=project.concertInfo, venue=None, language=language,
        sequence=int(changed.timestamp()) // 60 if changed else 0, tz=ctx.timezone,
    )
    return {"filename": f"{project.projectId}.ics", "content": content.decode("utf-8")}


def _message(session: Session, ctx: Context, state: ProjectState, need: ProjectNeed, musician: Musician,
             base_type: str, request: Request, batch: list[dict] | None = None) -> None:
    """Render ``base_type`` for the musician and queue it (into ``batch`` for one bulk insert, if given):
    the e-mail (text and HTML, with the need's files and, for a confirmation, a calendar file), and the SMS
    when the orchestra's switch for this type is on and the musician has a phone number (held in quiet hours)."""
    language = templates.language_of(musician.preferredLanguage)
    file_ids = _files(session, state, need, base_type)
    values = _variables(session, ctx, state, need, musician, language, request, base_type)
    if base_type == "confirmation" and file_ids:
        values["attachmentNote"] = ("Se bifogade filer för noter och ytterligare information." if language == "sv"
                                    else "See the attached files for sheet music and additional information.")
    values = templates.standard_variables(values)
    subject, text, html = templates.render_email(session, base_type, language, values)
    payload: dict = {}
    if file_ids:
        payload["attachments"] = file_ids
    if base_type == "confirmation":
        payload["ics"] = _invitation(ctx, state, musician, language)
    messages = [{"channel": "email", "message_type": base_type, "recipient": musician.email, "subject": subject,
                 "body": text, "html": html, "payload": payload or None, "request_pk": request.id,
                 "musician_pk": musician.id}]
    if base_type in ctx.sms_on and (musician.phone or "").strip():
        messages.append(_sms(session, ctx, musician, base_type, language, values, request))
    if batch is not None:
        batch.extend(messages)
    else:
        for message in messages:
            outbox.enqueue(session, **message)


def _sms(session: Session, ctx: Context, musician: Musician, base_type: str, language: str, values: dict,
         request: Request) -> dict:
    """The SMS of a message; a number that cannot be normalised gives a failed message that says why."""
    from services.messaging import phone, quiet_hours, sms_inbound, sms_messages

    message = {"channel": "sms", "message_type": base_type, "request_pk": request.id, "musician_pk": musician.id}
    try:
        number = phone.normalise_phone(musician.phone)
    except ValidationError as exc:
        return {**message, "recipient": musician.phone, "body": "", "status": "failed", "error": exc.message}
    text, segments = sms_messages.engine_sms(base_type, language, values, sms_inbound.short_code(request.requestId))
    return {**message, "recipient": number, "body": text, "segments": segments,
            "not_before": quiet_hours.release_time(clock.now(), _quiet_window(session), ctx.timezone)}


def _event(session: Session, ctx: Context, event_type: str, data: dict) -> None:
    """A webhook event, when the orchestra has a webhook URL (``messageId`` is the event id)."""
    if not ctx.webhook_url:
        return
    from services import webhooks

    row = outbox.enqueue(session, channel="webhook", message_type=event_type, recipient=ctx.webhook_url)
    row.payload = webhooks.event_payload(row.messageId, event_type, ctx.subdomain, data, clock.now())


def _request_data(state: ProjectState, request: Request, musician: Musician, need: ProjectNeed) -> dict:
    return {
        "requestId": request.requestId, "projectId": state.project.projectId,
        "projectNeedId": need.projectNeedId, "musicianId": musician.musicianId, "status": request.status,
    }


def _send_one(session: Session, ctx: Context, state: ProjectState, need: ProjectNeed, musician: Musician) -> Request:
    now = clock.now()
    hours = need.responseTimeHours or 24
    pct = reminder_percentage(session)
    from services.messaging import quiet_hours

    # A deadline in the orchestra's quiet hours moves to an hour after they end: nobody has to answer at night.
    deadline = quiet_hours.extend_deadline(now + timedelta(hours=hours), _quiet_window(session), ctx.timezone)
    request = Request(
        requestId=next_id(session, "request"), projectNeedId=need.id, musicianId=musician.id, status="pending",
        sentAt=now, deadlineAt=deadline, remindAt=now + timedelta(hours=hours * pct / 100),
    )
    session.add(request)
    session.flush()
    raw = tokens.derive_token(ctx.subdomain, ctx.ref.orchestraId, request.requestId)
    session.add(RequestToken(token=tokens.hash_token(raw), requestId=request.id, createdAt=now,
                             expiresAt=request.deadlineAt))
    state.requests.append(request)
    _message(session, ctx, state, need, musician, "request", request)
    _event(session, ctx, "request.sent", _request_data(state, request, musician, need))
    return request


def _fill(session: Session, ctx: Context, state: ProjectState, only_need: int | None = None) -> dict[int, int]:
    """Send what every active need (or one) may send now; returns need id -> requests sent."""
    sent: dict[int, int] = {}
    _ensure_candidates(session, state)
    for plan in _plan_project(state, only_need):
        if plan.need.status != "active":
            continue
        for musician in plan.to_ask:
            _send_one(session, ctx, state, plan.need, musician)
        sent[plan.need.id] = len(plan.to_ask)
    return sent


def send_project(ref: tenancy.OrchestraRef, project_id: str, *, actor: str = "api") -> dict:
    """Start or continue requests for all active needs of a project."""
    ctx = context_for(ref)

    def work(session: Session) -> dict:
        project = _project_by_public_id(session, project_id)
        project = _lock_project(session, project.id)
        state = _load_state(session, project, ctx.timezone)
        if not state.needs:
            raise Conflict("no_needs", "The project has no needs to send requests for.")
        sent = _fill(session, ctx, state)
        needs = [{"projectNeedId": n.projectNeedId, "sent": sent.get(n.id, 0)} for n in _need_order(state)]
        total = sum(sent.values())
        if total:
            session.add(AuditLog(auditLogId=next_id(session, "auditLog"), userId=actor, action="send_requests",
                                 entityType="Project", entityId=project.id, newValues={"sent": total}))
        return {"sent": total, "needs": needs}

    return tenancy.write_transaction(ref, work)


def refill_need(ref: tenancy.OrchestraRef, project_need_pk: int) -> int:
    """Send what the need's strategy allows now (after a resume or a raised quantity)."""
    ctx = context_for(ref)

    def work(session: Session) -> int:
        need = session.get(ProjectNeed, project_need_pk)
        if need is None:
            raise NotFound("need_not_found", "The need does not exist.")
        project = _lock_project(session, need.projectId)
        state = _load_state(session, project, ctx.timezone)
        if not _started(state, need.id):
            return 0
        return _fill(session, ctx, state, only_need=need.id).get(need.id, 0)

    return tenancy.write_transaction(ref, work)


def _started(state: ProjectState, need_pk: int) -> bool:
    """Automatic refills only continue needs whose sending a person started."""
    return any(r.projectNeedId == need_pk for r in state.requests)


# ----- answers -------------------------------------------------------------------------------------------------


def _find_token(session: Session, raw: str) -> RequestToken | None:
    return session.exec(select(RequestToken).where(RequestToken.token.in_(tokens.lookup_keys(raw)))).first()


def _deadline(request: Request, token: RequestToken | None) -> datetime | None:
    if request.deadlineAt is not None:
        return request.deadlineAt
    return token.expiresAt if token is not None else None


def _finish_need_if_filled(session: Session, ctx: Context, state: ProjectState, need: ProjectNeed) -> None:
    accepted, _ = state.counts(need.id)
    if accepted < need.quantity:
        return
    need.status = "completed"
    now = clock.now()
    others = [r for r in state.requests if r.projectNeedId == need.id and r.status == "pending"]
    musicians = {m.id: m for m in session.exec(
        select(Musician).where(Musician.id.in_({r.musicianId for r in others}))).all()} if others else {}
    batch: list[dict] = []
    for other in others:
        _message(session, ctx, state, need, musicians[other.musicianId], "position_filled", other, batch)
    if others:  # one UPDATE for all; the loaded objects get the same values without being marked dirty
        session.execute(
            sa.update(Request).where(Request.id.in_([r.id for r in others]))
            .values(status="cancelled", respondedAt=now, response="position_filled", updatedAt=now)
            .execution_options(synchronize_session=False)
        )
        for other in others:
            for name, value in (("status", "cancelled"), ("respondedAt", now), ("response", "position_filled")):
                set_committed_value(other, name, value)
    outbox.enqueue_many(session, batch)
    _revoke_tokens(session, others, now)
    if others:
        # The cancelled musicians are free again: other started needs of the project may ask them now.
        for other_need in state.needs:
            if other_need.id != need.id and other_need.status == "active" and _started(state, other_need.id):
                _fill(session, ctx, state, only_need=other_need.id)
    _event(session, ctx, "need.filled", {"projectId": state.project.projectId, "projectNeedId": need.projectNeedId,
                                        "accepted": accepted, "quantity": need.quantity})
    open_needs = [n for n in state.needs if n.status not in ("cancelled", "archived")]
    if open_needs and all(state.counts(n.id)[0] >= n.quantity for n in open_needs):
        _event(session, ctx, "project.filled", {"projectId": state.project.projectId})


def _revoke_tokens(session: Session, requests: Request | list[Request], now: datetime) -> None:
    """A request that is no longer pending has no live token (one UPDATE for any number of requests)."""
    ids = [r.id for r in requests] if isinstance(requests, list) else [requests.id]
    if ids:
        session.execute(
            sa.update(RequestToken).where(RequestToken.requestId.in_(ids), RequestToken.usedAt.is_(None))
            .values(usedAt=now).execution_options(synchronize_session=False)
        )


def _apply_answer(session: Session, ctx: Context, state: ProjectState, request: Request, answer: str,
                  via: str, token: RequestToken | None) -> str:
    """The one path every answer takes (link, SMS, staff). Returns the outcome code."""
    now = clock.now()
    need = next(n for n in state.needs if n.id == request.projectNeedId)
    musician = session.get(Musician, request.musicianId)
    settled = _final_outcome(request)
    if settled is not None:
        return settled
    deadline = _deadline(request, token)
    # A musician's own answer (link or SMS) after the deadline is too late; staff may still record one.
    if not via.startswith("staff:") and deadline is not None and now >= deadline:
        _time_out(session, ctx, state, request)
        return "expired"
    if answer == "accept":
        accepted, _ = state.counts(need.id)
        if accepted >= need.quantity or need.status in ("completed", "cancelled", "archived"):
            request.status, request.respondedAt, request.response = "cancelled", now, "position_filled"
            request.answeredBy = via
            _revoke_tokens(session, request, now)
            return "position_filled"
        request.status, request.respondedAt, request.response, request.answeredBy = "accepted", now, "accepted", via
        _revoke_tokens(session, request, now)
        _message(session, ctx, state, need, musician, "confirmation", request)
        request.confirmationSent = True
        _event(session, ctx, "request.accepted", _request_data(state, request, musician, need))
        _finish_need_if_filled(session, ctx, state, need)
        accepted, pending = state.counts(need.id)
        if accepted < need.quantity and pending == 0:  # sequential, or the last of a first_come wave: go on
            _fill(session, ctx, state, only_need=need.id)
        return "accepted"
    request.status, request.respondedAt, request.response, request.answeredBy = "declined", now, "declined", via
    _revoke_tokens(session, request, now)
    _event(session, ctx, "request.declined", _request_data(state, request, musician, need))
    _fill(session, ctx, state, only_need=need.id)
    return "declined"


def _time_out(session: Session, ctx: Context, state: ProjectState, request: Request) -> int:
    """Mark a request timed out and send the next one(s) the need allows; returns how many were sent."""
    now = clock.now()
    need = next(n for n in state.needs if n.id == request.projectNeedId)
    request.status, request.answeredBy = "timed_out", "timeout"
    _revoke_tokens(session, request, now)
    musician = session.get(Musician, request.musicianId)
    _event(session, ctx, "request.timed_out", _request_data(state, request, musician, need))
    return _fill(session, ctx, state, only_need=need.id).get(need.id, 0)


def _resolve(raw: str, org: str | None) -> tenancy.OrchestraRef | None:
    subdomain = tokens.orchestra_subdomain(raw, org)
    if subdomain is None:
        return None
    try:
        return tenancy.get_orchestra_cached(subdomain)
    except ServiceError:
        return None


@functools.cache
def _answer_statement() -> sa.Select:
    return (
        select(RequestToken, Request, Musician.preferredLanguage, ProjectNeed.projectId)
        .join(Request, Request.id == RequestToken.requestId)
        .join(Musician, Musician.id == Request.musicianId)
        .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .where(RequestToken.token.in_(sa.bindparam("keys", expanding=True)))
    )


def _final_outcome(request: Request) -> str | None:
    """The outcome an answer gets when the request is no longer pending (None while it is)."""
    if request.status in ("accepted", "declined"):
        return "already_answered"
    if request.status == "timed_out":
        return "expired"
    if request.status == "cancelled":
        return "position_filled" if request.response == "position_filled" else "cancelled"
    return None


def handle_response(token: str, answer: str, *, org: str | None = None, via: str = "musician") -> Outcome:
    """A musician's answer through their link (or SMS): ``answer`` is "accept" or "decline".

    A request that is no longer pending can never become pending again, so such an answer is settled by a
    plain read, without the project lock; only answers to pending requests queue for the lock.
    """
    if answer not in ("accept", "decline"):
        raise ValidationError("invalid_answer", "The answer must be accept or decline.", {"answer": "invalid"})
    ref = _resolve(token, org)
    if ref is None:
        return _outcome(None, "invalid_token", "sv")
    with tenancy.orchestra_session(ref) as session:
        found = session.exec(_answer_statement(), params={"keys": tokens.lookup_keys(token)}).first()
        if found is None:
            return _outcome(None, "invalid_token", "sv")
        row, request, preferred, project_pk = found
        language = templates.language_of(preferred)
        settled = _final_outcome(request)
        if settled is not None:
            return _outcome(request, settled, language)
        request_pk, token_key = request.id, row.token
    ctx = context_for(ref)

    def work(session: Session) -> Outcome:
        project = _lock_project(session, project_pk)
        request = session.get(Request, request_pk)  # read after the lock: as of now
        settled_now = _final_outcome(request)
        if settled_now is not None:  # answered or filled while this answer waited for the lock
            return _outcome(request, settled_now, language)
        state = _load_state(session, project, ctx.timezone, with_candidates=False)
        request = next(r for r in state.requests if r.id == request_pk)
        code = _apply_answer(session, ctx, state, request, answer, via, session.get(RequestToken, token_key))
        return _outcome(request, code, language)

    return tenancy.write_transaction(ref, work)


def answer_request(ref: tenancy.OrchestraRef, request_pk: int, answer: str, *, via: str) -> Outcome:
    """A musician's answer to one of their requests found by other means than the link (an SMS reply).

    The same rules as ``handle_response``: the deadline applies, settled requests stay settled, one path.
    """
    if answer not in ("accept", "decline"):
        raise ValidationError("invalid_answer", "The answer must be accept or decline.", {"answer": "invalid"})
    ctx = context_for(ref)

    def work(session: Session) -> Outcome:
        found = session.exec(
            select(Request, Musician.preferredLanguage, ProjectNeed.projectId)
            .join(Musician, Musician.id == Request.musicianId)
            .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
            .where(Request.id == request_pk)
        ).first()
        if found is None:
            raise NotFound("request_not_found", f"No request with id {request_pk}.")
        _, preferred, project_pk = found
        language = templates.language_of(preferred)
        project = _lock_project(session, project_pk)
        request = session.get(Request, request_pk)
        session.refresh(request)
        settled = _final_outcome(request)
        if settled is not None:
            return _outcome(request, settled, language)
        state = _load_state(session, project, ctx.timezone, with_candidates=False)
        request = next(r for r in state.requests if r.id == request_pk)
        live = session.exec(select(RequestToken).where(RequestToken.requestId == request_pk,
                                                       RequestToken.usedAt.is_(None))).first()
        code = _apply_answer(session, ctx, state, request, answer, via, live)
        return _outcome(request, code, language)

    return tenancy.write_transaction(ref, work)


def respond_on_behalf(ref: tenancy.OrchestraRef, request_id: str, answer: str, *, staff: str,
                      note: str | None = None) -> Outcome:
    """Staff record an answer received by phone or in person; logged as such in the audit log."""
    if answer not in ("accept", "decline"):
        raise ValidationError("invalid_answer", "The answer must be accept or decline.", {"answer": "invalid"})
    ctx = context_for(ref)

    def work(session: Session) -> Outcome:
        request = session.exec(select(Request).where(Request.requestId == request_id)).first()
        if request is None:
            raise NotFound("request_not_found", f"No request {request_id}.")
        need = session.get(ProjectNeed, request.projectNeedId)
        project = _lock_project(session, need.projectId)
        state = _load_state(session, project, ctx.timezone, with_candidates=False)
        request = next(r for r in state.requests if r.id == request.id)
        if request.status != "pending":
            raise Conflict("request_not_pending", f"The request is already {request.status}.")
        code = _apply_answer(session, ctx, state, request, answer, f"staff:{staff}", None)
        session.add(AuditLog(auditLogId=next_id(session, "auditLog"), userId=staff, action="staff_response",
                             entityType="Request", entityId=request.id,
                             newValues={"answer": answer, "note": note, "outcome": code}))
        return _outcome(request, code, "sv")

    return tenancy.write_transaction(ref, work)


# ----- reading -------------------------------------------------------------------------------------------------


@functools.cache
def _view_statement() -> sa.Select:
    """Built once: the response page is the hottest path, and building a statement costs more than running it."""
    return (
        select(RequestToken, Request, ProjectNeed, Project, Position, Instrument, Musician)
        .join(Request, Request.id == RequestToken.requestId)
        .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .join(Project, Project.id == ProjectNeed.projectId)
        .join(Position, Position.id == ProjectNeed.positionId)
        .join(Instrument, Instrument.id == Position.instrumentId)
        .join(Musician, Musician.id == Request.musicianId)
        .where(RequestToken.token.in_(sa.bindparam("keys", expanding=True)))
    )


def response_view(token: str, *, org: str | None = None) -> dict | None:
    """What the response page shows for a token (None for an unknown one). Never changes anything."""
    ref = _resolve(token, org)
    if ref is None:
        return None
    with tenancy.orchestra_session(ref) as session:
        found = session.exec(_view_statement(), params={"keys": tokens.lookup_keys(token)}).first()
    if found is None:
        return None
    row, request, need, project, position, instrument, musician = found
    deadline = _deadline(request, row)
    outcome = _final_outcome(request)
    if outcome is None and deadline is not None and clock.now() >= deadline:
        outcome = "expired"
    return {
        "requestId": request.requestId, "status": request.status, "outcome": outcome,
        "language": templates.language_of(musician.preferredLanguage),
        "orchestraName": ref.name, "orchestraLogo": ref.logoUrl, "primaryColor": ref.primaryColor,
        "musicianFirstName": musician.firstName, "projectName": project.name, "startDate": project.startDate,
        "weekNumber": project.weekNumber, "rehearsalSchedule": project.rehearsalSchedule,
        "concertInfo": project.concertInfo, "instrumentName": instrument.name, "positionName": position.name,
        "requestStrategy": need.requestStrategy, "quantity": need.quantity, "deadline": deadline,
        "timezone": context_for(ref).timezone,
    }


def list_requests(ref: tenancy.OrchestraRef, project_id: str) -> list[dict]:
    with tenancy.orchestra_session(ref) as session:
        project = _project_by_public_id(session, project_id)
        rows = session.exec(
            select(Request, ProjectNeed.projectNeedId, Musician.musicianId)
            .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
            .join(Musician, Musician.id == Request.musicianId)
            .where(ProjectNeed.projectId == project.id).order_by(Request.id)
        ).all()
        return [
            {
                "requestId": r.requestId, "projectNeedId": need_id, "musicianId": musician_id, "status": r.status,
                "sentAt": r.sentAt, "reminderSentAt": r.reminderSentAt, "respondedAt": r.respondedAt,
                "deadline": r.deadlineAt,
            }
            for r, need_id, musician_id in rows
        ]


# ----- scheduler work (called by services.scheduler) ----------------------------------------------------------


def due_reminders(session: Session, now: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """(project id, request id) of pending requests whose reminder is due, on active needs."""
    return list(session.exec(
        select(ProjectNeed.projectId, Request.id).join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .where(Request.status == "pending", Request.reminderSentAt.is_(None), Request.remindAt <= now,
               ProjectNeed.status == "active")
        .order_by(Request.remindAt).limit(limit)
    ).all())


def due_timeouts(session: Session, now: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """(project id, request id) of pending requests past their deadline."""
    return list(session.exec(
        select(ProjectNeed.projectId, Request.id).join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .where(Request.status == "pending", Request.deadlineAt <= now)
        .order_by(Request.deadlineAt).limit(limit)
    ).all())


@dataclass
class Scope:
    """The part of a project's state that rendering a message needs (a light ``ProjectState``)."""

    project: Project
    positions: dict[int, Position]
    instruments: dict[int, Instrument]


def send_reminders(ref: tenancy.OrchestraRef, project_pk: int, request_pks: list[int]) -> int:
    """One reminder per request, with the same link; skipped when no longer due (idempotent).

    Loads only the due requests (not the whole project), so the cost follows the reminders that are due.
    """
    ctx = context_for(ref)

    def work(session: Session) -> int:
        project = _lock_project(session, project_pk)
        rows = session.exec(
            select(Request, ProjectNeed, Musician)
            .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
            .join(Musician, Musician.id == Request.musicianId)
            .where(Request.id.in_(request_pks), ProjectNeed.projectId == project.id)
            .execution_options(populate_existing=True)
        ).all()
        positions = {p.id: p for p in session.exec(
            select(Position).where(Position.id.in_({need.positionId for _, need, _ in rows}))).all()}
        instruments = {i.id: i for i in session.exec(
            select(Instrument).where(Instrument.id.in_({p.instrumentId for p in positions.values()}))).all()}
        scope = Scope(project, positions, instruments)
        now = clock.now()
        sent = 0
        for request, need, musician in rows:
            if request.status != "pending" or request.reminderSentAt is not None or need.status != "active":
                continue
            if request.remindAt is None or request.remindAt > now:
                continue
            request.reminderSentAt = now
            _message(session, ctx, scope, need, musician, "reminder", request)
            sent += 1
        return sent

    return tenancy.write_transaction(ref, work)


def time_out_requests(ref: tenancy.OrchestraRef, project_pk: int, request_pks: list[int]) -> tuple[int, int]:
    """Time out the given requests if still pending past their deadline; returns (timed out, refills sent)."""
    ctx = context_for(ref)

    def work(session: Session) -> tuple[int, int]:
        project = _lock_project(session, project_pk)
        state = _load_state(session, project, ctx.timezone)
        now = clock.now()
        timed_out = refilled = 0
        for request in list(state.requests):
            if request.id in request_pks and request.status == "pending" and request.deadlineAt is not None \
                    and request.deadlineAt <= now:
                refilled += _time_out(session, ctx, state, request)
                timed_out += 1
        return timed_out, refilled

    return tenancy.write_transaction(ref, work)
