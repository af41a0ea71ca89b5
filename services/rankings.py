"""Ranking lists: the standard A/B/C lists of each position, and the ordering rules shared with custom lists.

A list holds musicians in ascending ``rank`` (1 is asked first). Replacing the order takes the complete new
order: only musicians qualified for the list's position and not archived, each once. Musicians left out are
removed from the list; those who stay keep their ``Ranking`` row (and id); new ones get a row.

The order is written in one transaction without ever breaking the unique (list, rank) constraint, whatever the
order in which the database checks rows: first every rank of the list is shifted below the smallest one in
use, then removed rows are deleted, then the final ranks 1..n are written and new rows inserted.

Archived musicians stay in the ``Ranking`` table (restoring brings them back to their lists) but are not
shown in ``musicians`` and are dropped by the next replacement of the order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.orchestra import Musician, MusicianQualification, Position, Ranking, RankingList
from services import clock, tenancy
from services.errors import Conflict, NotFound, ValidationError
from services.ids import next_ids
from services.musicians import position_by_public_id

MAX_LIST_LENGTH = 1000


def check_candidates(session: Session, position: Position, musician_ids: Any,
                     field: str = "musicianIds") -> list[Musician]:
    """The musicians of ``musician_ids`` in that order; 422 naming every unknown, duplicate, unqualified or
    archived one."""
    if not isinstance(musician_ids, (list, tuple)) or not all(isinstance(m, str) for m in musician_ids):
        raise ValidationError("invalid_order", f"{field} must be a list of musicianIds.", {field: "a list of ids"})
    if len(musician_ids) > MAX_LIST_LENGTH:
        raise ValidationError("invalid_order", f"A list holds at most {MAX_LIST_LENGTH} musicians.",
                              {field: f"at most {MAX_LIST_LENGTH}"})
    duplicates = sorted({m for m in musician_ids if musician_ids.count(m) > 1})
    found = {m.musicianId: m for m in session.exec(select(Musician).where(Musician.musicianId.in_(musician_ids)))}
    unknown = [m for m in musician_ids if m not in found]
    qualified = set(session.exec(
        select(MusicianQualification.musicianId).where(
            MusicianQualification.positionId == position.id,
            MusicianQualification.musicianId.in_([m.id for m in found.values()]),
        )
    ).all())
    unqualified = [m for m in musician_ids if m in found and found[m].id not in qualified]
    archived = [m for m in musician_ids if m in found and found[m].isArchived]
    problems = []
    if duplicates:
        problems.append(f"listed more than once: {', '.join(duplicates)}")
    if unknown:
        problems.append(f"unknown: {', '.join(unknown)}")
    if unqualified:
        problems.append(f"not qualified for {position.name} ({position.positionId}): {', '.join(unqualified)}")
    if archived:
        problems.append(f"archived: {', '.join(archived)}")
    if problems:
        raise ValidationError("invalid_order", "The list can hold only qualified, non-archived musicians, each once: "
                              + "; ".join(problems) + ".", {field: "; ".join(problems)})
    return [found[m] for m in musician_ids]


def write_order(session: Session, model: type, list_column: sa.ColumnElement, list_pk: int,
                musician_pks: Sequence[int], new_row: Callable[[int, int, list], dict]) -> None:
    """Make the list's rows exactly ``musician_pks`` in that order (ranks 1..n), without a unique-rank clash.

    ``new_row(musician_pk, rank, ids)`` gives the column values of a row to insert (``ids`` holds readable ids
    reserved for the new rows, for tables that have them).
    """
    table = model.__table__
    existing = dict(session.execute(
        sa.select(table.c.musicianId, table.c.rank).where(list_column == list_pk)
    ).all())
    if existing:
        low, high = min(existing.values()), max(existing.values())
        shift = high - low + 1  # every shifted rank is below every rank in use: no clash at any moment
        session.execute(sa.update(table).where(list_column == list_pk).values(rank=table.c.rank - shift))
    removed = set(existing) - set(musician_pks)
    if removed:
        session.execute(sa.delete(table).where(list_column == list_pk, table.c.musicianId.in_(removed)))
    new = [pk for pk in musician_pks if pk not in existing]
    for rank, musician_pk in enumerate(musician_pks, start=1):
        if musician_pk in existing:
            session.execute(sa.update(table).where(list_column == list_pk, table.c.musicianId == musician_pk)
                            .values(rank=rank))
    if new:
        ids: list = []
        if model is Ranking:
            ids = next_ids(session, "ranking", len(new))
        rank_of = {pk: rank for rank, pk in enumerate(musician_pks, start=1)}
        session.execute(sa.insert(table), [new_row(pk, rank_of[pk], ids) for pk in new])


def ordered_musician_ids(session: Session, model: type, list_column: sa.ColumnElement,
                         list_pks: Sequence[int]) -> dict[int, list[str]]:
    """List id → the public ids of its non-archived musicians in rank order (one query for all lists)."""
    result: dict[int, list[str]] = {pk: [] for pk in list_pks}
    if not list_pks:
        return result
    table = model.__table__
    rows = session.execute(
        sa.select(list_column, Musician.musicianId)
        .join(Musician, Musician.id == table.c.musicianId)
        .where(list_column.in_(list_pks), Musician.isArchived == sa.false())
        .order_by(list_column, table.c.rank)
    ).all()
    for list_pk, musician_id in rows:
        result[list_pk].append(musician_id)
    return result


# ----- standard lists --------------------------------------------------------------------------------------------


def _as_dict(ranking_list: RankingList, position: Position, musicians: list[str]) -> dict:
    return {
        "rankingListId": ranking_list.rankingListId, "positionId": position.positionId,
        "listType": ranking_list.listType, "description": ranking_list.description, "musicians": musicians,
        "updatedAt": ranking_list.updatedAt,
    }


def list_position_lists(ref: tenancy.OrchestraRef, position_id: str) -> list[dict]:
    """The position's lists (A, B, C …) in list-type order, each with its ordered musicianIds."""
    with tenancy.orchestra_session(ref) as session:
        position = position_by_public_id(session, position_id)
        lists = list(session.exec(
            select(RankingList).where(RankingList.positionId == position.id).order_by(RankingList.listType)
        ).all())
        orders = ordered_musician_ids(session, Ranking, Ranking.__table__.c.listId, [rl.id for rl in lists])
        return [_as_dict(rl, position, orders[rl.id]) for rl in lists]


def get_ranking_list(ref: tenancy.OrchestraRef, ranking_list_id: str) -> dict:
    with tenancy.orchestra_session(ref) as session:
        ranking_list = _list_by_public_id(session, ranking_list_id)
        position = session.get(Position, ranking_list.positionId)
        orders = ordered_musician_ids(session, Ranking, Ranking.__table__.c.listId, [ranking_list.id])
        return _as_dict(ranking_list, position, orders[ranking_list.id])


def _list_by_public_id(session: Session, ranking_list_id: str, lock: bool = False) -> RankingList:
    statement = select(RankingList).where(RankingList.rankingListId == ranking_list_id)
    if lock and session.connection().dialect.name == "postgresql":
        statement = statement.with_for_update()
    ranking_list = session.exec(statement).first()
    if ranking_list is None:
        raise NotFound("ranking_list_not_found", f"No ranking list {ranking_list_id}.")
    return ranking_list


def replace_order(ref: tenancy.OrchestraRef, ranking_list_id: str, musician_ids: Sequence[str]) -> dict:
    """Replace the list's order with ``musician_ids`` (qualified, non-archived, each once); returns the list."""

    def work(session: Session) -> dict:
        ranking_list = _list_by_public_id(session, ranking_list_id, lock=True)
        position = session.get(Position, ranking_list.positionId)
        musicians = check_candidates(session, position, musician_ids)
        now = clock.now()

        def new_row(musician_pk: int, rank: int, ids: list) -> dict:
            return {"rankingId": ids.pop(0), "listId": ranking_list.id, "musicianId": musician_pk, "rank": rank,
                    "createdAt": now, "updatedAt": now}

        write_order(session, Ranking, Ranking.__table__.c.listId, ranking_list.id, [m.id for m in musicians],
                    new_row)
        ranking_list.updatedAt = now
        session.add(ranking_list)
        return _as_dict(ranking_list, position, [m.musicianId for m in musicians])

    try:
        return tenancy.write_transaction(ref, work)
    except IntegrityError:
        raise Conflict("concurrent_change", "The list was changed at the same moment; load it again and retry.") \
            from None
