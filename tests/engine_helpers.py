"""Builders and probes shared by the request-engine tests (``tests/unit/test_dispatch_*.py`` and the
property tests).

Everything is written directly with SQLModel through ``tenancy.orchestra_session``: small rosters on a
position's A list, projects and needs. Time only moves with ``services.clock``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from models.orchestra import (
    AuditLog,
    CommunicationLog,
    CustomRanking,
    CustomRankingList,
    Instrument,
    Musician,
    MusicianBlockout,
    MusicianQualification,
    Outbox,
    Position,
    Project,
    ProjectNeed,
    Ranking,
    RankingList,
    Request,
    RequestToken,
    Settings,
)
from services import clock, ids, provisioning, tenancy, tokens
from services.tenancy import OrchestraRef

# Positions of the seeded catalogue used by the tests: (instrument, position).
# Violin has displayOrder 1, Viola 2; hierarchy levels: konsertmästare 1, Tutti violin 1 = 4, Viola Tutti = 3.
CONCERTMASTER = ("Violin", "Förste konsertmästare")
VIOLIN_TUTTI = ("Violin", "Tutti violin 1")
VIOLIN2_TUTTI = ("Violin", "Tutti violin 2")
VIOLA_TUTTI = ("Viola", "Tutti")
CELLO_TUTTI = ("Cello", "Tutti")


def make_orchestra(subdomain: str = "engine", name: str = "Testorkestern") -> OrchestraRef:
    """A provisioned, seeded, active orchestra without an admin login."""
    return provisioning.create_orchestra(
        name=name, subdomain=subdomain, contact_name="Kansli", contact_email=f"kansli@{subdomain}.test",
        create_admin=False,
    ).orchestra


@dataclass(frozen=True)
class Pos:
    pk: int
    positionId: str
    list_pk: int  # the position's A list


def position(ref: OrchestraRef, which: tuple[str, str] = VIOLIN_TUTTI) -> Pos:
    instrument_name, position_name = which
    with tenancy.orchestra_session(ref) as session:
        pos = session.exec(
            select(Position).join(Instrument, Instrument.id == Position.instrumentId)
            .where(Instrument.name == instrument_name, Position.name == position_name)
        ).one()
        a_list = session.exec(
            select(RankingList).where(RankingList.positionId == pos.id, RankingList.listType == "A")
        ).one()
        return Pos(pk=pos.id, positionId=pos.positionId, list_pk=a_list.id)


def add_musician(
    ref: OrchestraRef,
    first: str,
    *,
    qualified: list[Pos] | tuple[Pos, ...] = (),
    active: bool = True,
    archived: bool = False,
    local: bool = True,
    language: str = "sv",
) -> int:
    """A musician (readable id from the sequence), qualified for ``qualified``; returns ``Musician.id``."""
    with tenancy.orchestra_session(ref) as session:
        musician_id = ids.next_id(session, "musician")
        musician = Musician(
            musicianId=musician_id, firstName=first, lastName="Testsson",
            email=f"{first.lower()}.{musician_id.lower()}@musiker.test",
            preferredLanguage=language, localResidence=local, isActive=active and not archived,
            isArchived=archived,
        )
        session.add(musician)
        session.flush()
        for pos in qualified:
            session.add(MusicianQualification(musicianId=musician.id, positionId=pos.pk))
        session.commit()
        return musician.id


def rank(ref: OrchestraRef, pos: Pos, musician_pks: list[int], *, start: int | None = None) -> None:
    """Put the musicians on the position's A list, in this order, from rank ``start`` (default: after the
    last one already there)."""
    with tenancy.orchestra_session(ref) as session:
        if start is None:
            last = session.execute(sa.select(sa.func.max(Ranking.rank)).where(Ranking.listId == pos.list_pk))
            start = (last.scalar_one() or 0) + 1
        for offset, musician_pk in enumerate(musician_pks):
            session.add(Ranking(rankingId=ids.next_id(session, "ranking"), listId=pos.list_pk,
                                musicianId=musician_pk, rank=start + offset))
        session.commit()


def roster(ref: OrchestraRef, pos: Pos, names: list[str], **musician_kwargs) -> list[int]:
    """Musicians qualified for ``pos`` and ranked on its A list in the given order."""
    pks = [add_musician(ref, name, qualified=[pos], **musician_kwargs) for name in names]
    rank(ref, pos, pks)
    return pks


@dataclass(frozen=True)
class Proj:
    pk: int
    projectId: str
    startDate: datetime


def make_project(ref: OrchestraRef, name: str = "Vårkonsert", *, start: datetime | None = None) -> Proj:
    start = start or (clock.now() + timedelta(days=30)).replace(microsecond=0)
    with tenancy.orchestra_session(ref) as session:
        project = Project(projectId=ids.next_id(session, "project"), name=name, startDate=start,
                          weekNumber=start.isocalendar().week, rehearsalSchedule="Mån–tor 10–15",
                          concertInfo="Fredag 19.00")
        session.add(project)
        session.commit()
        return Proj(pk=project.id, projectId=project.projectId, startDate=start)


@dataclass(frozen=True)
class Need:
    pk: int
    projectNeedId: str


def add_need(
    ref: OrchestraRef,
    project: Proj,
    pos: Pos,
    strategy: str,
    *,
    quantity: int = 1,
    max_recipients: int | None = None,
    hours: int = 24,
    require_local: bool = False,
    custom_list_pk: int | None = None,
) -> Need:
    """A need drawing on the position's A list, or on a custom list of the project (``custom_list``)."""
    with tenancy.orchestra_session(ref) as session:
        need = ProjectNeed(
            projectNeedId=ids.next_id(session, "projectNeed"), projectId=project.pk, positionId=pos.pk,
            quantity=quantity, rankingListId=None if custom_list_pk else pos.list_pk,
            customRankingListId=custom_list_pk, requestStrategy=strategy, maxRecipients=max_recipients,
            responseTimeHours=hours, requireLocalResidence=require_local,
        )
        session.add(need)
        session.commit()
        return Need(pk=need.id, projectNeedId=need.projectNeedId)


def custom_list(ref: OrchestraRef, project: Proj, pos: Pos, musician_pks: list[int]) -> int:
    """A project's own ranking list for ``pos`` with the musicians in this order; returns its id."""
    with tenancy.orchestra_session(ref) as session:
        row = CustomRankingList(customListId=ids.next_id(session, "customList"), projectId=project.pk,
                                positionId=pos.pk, name="Egen lista")
        session.add(row)
        session.flush()
        for number, musician_pk in enumerate(musician_pks, start=1):
            session.add(CustomRanking(customListId=row.id, musicianId=musician_pk, rank=number))
        session.commit()
        return row.id


def set_need(ref: OrchestraRef, need: Need, **values) -> None:
    """Change columns of a need directly (status, quantity, ...)."""
    with tenancy.orchestra_session(ref) as session:
        row = session.get(ProjectNeed, need.pk)
        for key, value in values.items():
            setattr(row, key, value)
        session.commit()


def need_status(ref: OrchestraRef, need: Need) -> str:
    with tenancy.orchestra_session(ref) as session:
        return session.get(ProjectNeed, need.pk).status


def set_setting(ref: OrchestraRef, key: str, value: str) -> None:
    with tenancy.orchestra_session(ref) as session:
        row = session.exec(select(Settings).where(Settings.key == key)).first()
        if row is None:
            session.add(Settings(key=key, value=value))
        else:
            row.value = value
        session.commit()


def add_blockout(ref: OrchestraRef, musician_pk: int, start: datetime, end: datetime) -> None:
    with tenancy.orchestra_session(ref) as session:
        session.add(MusicianBlockout(musicianId=musician_pk, startDate=start, endDate=end, reason="Semester"))
        session.commit()


# ----- probes -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Req:
    pk: int
    requestId: str
    need_pk: int
    musician_pk: int
    status: str
    response: str | None
    answeredBy: str | None
    sentAt: datetime
    reminderSentAt: datetime | None
    respondedAt: datetime | None
    deadlineAt: datetime | None
    confirmationSent: bool


def requests(ref: OrchestraRef, project: Proj | None = None) -> list[Req]:
    """Every request (of one project), in creation order."""
    with tenancy.orchestra_session(ref) as session:
        stmt = select(Request).join(ProjectNeed, ProjectNeed.id == Request.projectNeedId).order_by(Request.id)
        if project is not None:
            stmt = stmt.where(ProjectNeed.projectId == project.pk)
        return [
            Req(pk=r.id, requestId=r.requestId, need_pk=r.projectNeedId, musician_pk=r.musicianId, status=r.status,
                response=r.response, answeredBy=r.answeredBy, sentAt=r.sentAt, reminderSentAt=r.reminderSentAt,
                respondedAt=r.respondedAt, deadlineAt=r.deadlineAt, confirmationSent=r.confirmationSent)
            for r in session.exec(stmt).all()
        ]


def of_need(reqs: list[Req], need: Need, status: str | None = None) -> list[Req]:
    return [r for r in reqs if r.need_pk == need.pk and (status is None or r.status == status)]


def statuses(ref: OrchestraRef, need: Need) -> Counter:
    return Counter(r.status for r in of_need(requests(ref), need))


def asked(ref: OrchestraRef, need: Need) -> list[int]:
    """Musicians asked for the need, in the order they were asked."""
    return [r.musician_pk for r in of_need(requests(ref), need)]


def token_for(ref: OrchestraRef, request_id: str) -> str:
    return tokens.derive_token(ref.subdomain, ref.orchestraId, request_id)


def count(ref: OrchestraRef, model, *where) -> int:
    with tenancy.orchestra_session(ref) as session:
        stmt = sa.select(sa.func.count()).select_from(model)
        for clause in where:
            stmt = stmt.where(clause)
        return session.execute(stmt).scalar_one()


def row_counts(ref: OrchestraRef) -> dict[str, int]:
    """Rows of everything a send or an answer writes."""
    return {model.__name__: count(ref, model)
            for model in (Request, RequestToken, Outbox, CommunicationLog, AuditLog)}


def outbox_rows(ref: OrchestraRef, *, channel: str | None = None, message_type: str | None = None,
                request_pk: int | None = None) -> list[Outbox]:
    with tenancy.orchestra_session(ref) as session:
        stmt = select(Outbox).order_by(Outbox.id)
        if channel is not None:
            stmt = stmt.where(Outbox.channel == channel)
        if message_type is not None:
            stmt = stmt.where(Outbox.messageType == message_type)
        if request_pk is not None:
            stmt = stmt.where(Outbox.requestId == request_pk)
        return list(session.exec(stmt).all())


def link_token(link: str) -> str:
    """The raw token at the end of a response link."""
    return link.rsplit("/", 1)[1]


def musician_ids(ref: OrchestraRef) -> dict[int, str]:
    """``Musician.id`` → readable ``musicianId``."""
    with tenancy.orchestra_session(ref) as session:
        return dict(session.exec(select(Musician.id, Musician.musicianId)).all())


def request_of(ref: OrchestraRef, musician_pk: int, need: Need | None = None) -> Req:
    """The musician's latest request (for one need)."""
    found = [r for r in requests(ref) if r.musician_pk == musician_pk and (need is None or r.need_pk == need.pk)]
    assert found, f"musician {musician_pk} has no request"
    return found[-1]


def answer(ref: OrchestraRef, musician_pk: int, what: str, need: Need | None = None, **kwargs):
    """The musician answers their latest request through its link (``what``: accept or decline)."""
    from services import dispatch

    req = request_of(ref, musician_pk, need)
    return dispatch.handle_response(token_for(ref, req.requestId), what, **kwargs)
