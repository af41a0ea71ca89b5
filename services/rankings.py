"""Ranking lists: the standard A/B/C lists of each position, and the ordering rules shared with custom lists.

A list holds musicians in ascending ``rank`` (1 is asked first). Replacing the order takes the complete new
order: only musicians qualified for the list's position and not archived, each once. Musicians left out are
removed from the list; those who stay keep their ``Ranking`` row (and id); new ones get a row.

The order is written in one transaction without ever breaking the unique (list, rank) constraint, whatever the
order in which the database checks rows: first every rank of the list is shifted below the smallest one in
use, then removed rows are deleted, then the final ranks 1..n are written and new rows inserted.

Archived musicians stay in the ``Ranking`` table (restoring brings them back to their lists) but are not
shown in ``musicians`` and are dropped by the next replacement of the order.

Editing one list from the staff UI (``move_musician``, ``add_to_list``, ``remove_from_list``, ``clear_list``):
each operation changes one thing, works on the list as staff see it (archived musicians hidden; their rows keep
their places) and is safe when two people edit the same list at once:

- Every list has a **version**, derived without a schema change: a hash of the list id and its rows in rank
  order (each musician's id and whether they are archived), i.e. of exactly what the page shows. The page sends
  the version it showed; if the list has changed since, the operation raises ``Conflict("list_changed")`` and
  writes nothing, so the later save never silently erases the earlier one. The caller reloads and tries again.
  A list that was changed and changed back has the old version again, which is right: the page shows it as it is.
- Each operation runs in one write transaction that first takes the list's lock (``SELECT … FOR UPDATE`` on
  PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), then compares the version: writers serialise, and the second one
  sees the first one's change.
- Bad input (unknown or unqualified musician, an index outside the list, a wrong confirmation) writes nothing.

Clearing a list needs a typed confirmation equal to the list's name (``list_name``): "A-lista Tutti violin 1",
or the English form "A list Tutti violin 1"; surrounding spaces are ignored, case and inner spacing are not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.orchestra import Instrument, Musician, MusicianQualification, Position, Ranking, RankingList
from services import clock, tenancy
from services.catalog import swedish_sort_key
from services.errors import Conflict, NotFound, ValidationError
from services.ids import next_id, next_ids
from services.musicians import position_by_public_id

MAX_LIST_LENGTH = 1000
LIST_TYPES = ("A", "B", "C")


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


def replace_order(ref: tenancy.OrchestraRef, ranking_list_id: str, musician_ids: Sequence[str], *,
                  expected_version: str | None = None) -> dict:
    """Replace the list's order with ``musician_ids`` (qualified, non-archived, each once); returns the list.

    With ``expected_version`` (see ``list_view``) the order is replaced only if the list is still that version.
    """
    if expected_version is not None:
        _check_version_argument(expected_version)

    def work(session: Session) -> dict:
        ranking_list = _list_by_public_id(session, ranking_list_id, lock=True)
        if expected_version is not None:
            _check_version(ranking_list, _entries(session, ranking_list.id), expected_version)
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


# ----- editing one list from the staff UI ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One row of a list, in rank order, with what the page shows of its musician."""

    pk: int
    musicianId: str
    firstName: str
    lastName: str
    email: str
    localResidence: bool
    isActive: bool
    isArchived: bool


def list_name(list_type: str, position_name: str, lang: str = "sv") -> str:
    """The list's name as staff see it (and type it to confirm a clear): ``"A-lista Tutti violin 1"``."""
    if lang == "en":
        return f"{list_type} list {position_name}"
    return f"{list_type}-lista {position_name}"


def _entries(session: Session, list_pk: int) -> list[_Entry]:
    rows = session.execute(
        sa.select(Musician.id, Musician.musicianId, Musician.firstName, Musician.lastName, Musician.email,
                  Musician.localResidence, Musician.isActive, Musician.isArchived)
        .join(Ranking, Ranking.musicianId == Musician.id)
        .where(Ranking.listId == list_pk)
        .order_by(Ranking.rank, Ranking.id)
    ).all()
    return [_Entry(*row) for row in rows]


def _version(ranking_list: RankingList, entries: Sequence[_Entry]) -> str:
    """A short hash of the list as the page shows it (see the module docstring)."""
    text = ranking_list.rankingListId + "\n" + ",".join(
        entry.musicianId + ("~archived" if entry.isArchived else "") for entry in entries
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_version_argument(expected_version: Any) -> None:
    if not isinstance(expected_version, str) or not expected_version:
        raise ValidationError("invalid_version", "expectedVersion is required: the version of the list you saw.",
                              {"expectedVersion": "required"})


def _check_version(ranking_list: RankingList, entries: Sequence[_Entry], expected_version: str) -> None:
    if _version(ranking_list, entries) != expected_version:
        raise Conflict("list_changed",
                       f"The list {ranking_list.rankingListId} was changed by someone else after you loaded it; "
                       "nothing was saved. Load it again and redo your change.")


def _musician_row(entry: _Entry, rank: int, instrument_name: str = "") -> dict:
    return {
        "rank": rank, "musicianId": entry.musicianId, "firstName": entry.firstName, "lastName": entry.lastName,
        "name": f"{entry.firstName} {entry.lastName}", "email": entry.email,
        "localResidence": bool(entry.localResidence), "isActive": bool(entry.isActive),
        "instrumentName": instrument_name,
    }


def _view(session: Session, ranking_list: RankingList, entries: Sequence[_Entry]) -> dict:
    position = session.get(Position, ranking_list.positionId)
    instrument = session.get(Instrument, position.instrumentId)
    visible = [entry for entry in entries if not entry.isArchived]
    return {
        "rankingListId": ranking_list.rankingListId, "listType": ranking_list.listType,
        "description": ranking_list.description, "positionId": position.positionId,
        "positionName": position.name, "instrumentId": instrument.instrumentId, "instrumentName": instrument.name,
        "names": {lang: list_name(ranking_list.listType, position.name, lang) for lang in ("sv", "en")},
        "version": _version(ranking_list, entries),
        "musicians": [_musician_row(entry, rank, instrument.name) for rank, entry in enumerate(visible, start=1)],
        "updatedAt": ranking_list.updatedAt,
    }


def list_view(ref: tenancy.OrchestraRef, ranking_list_id: str) -> dict:
    """One list as the staff page shows it: names, ``version`` and its (non-archived) musicians in rank order
    with name, e-mail, local residence and whether they are active."""
    with tenancy.orchestra_session(ref) as session:
        ranking_list = _list_by_public_id(session, ranking_list_id)
        return _view(session, ranking_list, _entries(session, ranking_list.id))


def qualified_pool(ref: tenancy.OrchestraRef, ranking_list_id: str) -> list[dict]:
    """Who may be added to the list: musicians qualified for its position, not archived and not on it yet.

    Inactive musicians are included (and marked ``isActive: False``); active ones come first, then by last
    and first name in Swedish order, as the earlier system's picker did.
    """
    with tenancy.orchestra_session(ref) as session:
        ranking_list = _list_by_public_id(session, ranking_list_id)
        position = session.get(Position, ranking_list.positionId)
        instrument = session.get(Instrument, position.instrumentId)
        on_list = sa.select(Ranking.musicianId).where(Ranking.listId == ranking_list.id)
        rows = session.execute(
            sa.select(Musician.id, Musician.musicianId, Musician.firstName, Musician.lastName, Musician.email,
                      Musician.localResidence, Musician.isActive, Musician.isArchived)
            .join(MusicianQualification, MusicianQualification.musicianId == Musician.id)
            .where(MusicianQualification.positionId == position.id, Musician.isArchived == sa.false(),
                   Musician.id.not_in(on_list))
        ).all()
        entries = sorted((_Entry(*row) for row in rows), key=lambda e: (
            not e.isActive, swedish_sort_key(e.lastName), swedish_sort_key(e.firstName), e.musicianId))
        return [_musician_row(entry, 0, instrument.name) for entry in entries]


def create_list(ref: tenancy.OrchestraRef, position_id: str, list_type: str, description: str | None = None) -> dict:
    """Create the position's missing A, B or C list (empty); 409 if it exists. Returns ``list_view``."""
    if list_type not in LIST_TYPES:
        raise ValidationError("invalid_list_type", "listType must be A, B or C.", {"listType": "A, B or C"})
    if description is not None and not isinstance(description, str):
        raise ValidationError("invalid_description", "description must be text.", {"description": "text"})

    def work(session: Session) -> dict:
        position = position_by_public_id(session, position_id)
        existing = session.exec(select(RankingList).where(
            RankingList.positionId == position.id, RankingList.listType == list_type)).first()
        if existing is not None:
            raise Conflict("list_exists", f"{position.name} already has an {list_type} list "
                           f"({existing.rankingListId}).", {"listType": "exists"})
        now = clock.now()
        ranking_list = RankingList(rankingListId=next_id(session, "rankingList"), positionId=position.id,
                                   listType=list_type, description=(description or "").strip() or None,
                                   createdAt=now, updatedAt=now)
        session.add(ranking_list)
        session.flush()
        return _view(session, ranking_list, [])

    try:
        return tenancy.write_transaction(ref, work)
    except IntegrityError:
        raise Conflict("list_exists", "The list was created at the same moment by someone else.") from None


def _edit(ref: tenancy.OrchestraRef, ranking_list_id: str, expected_version: Any,
          change: Callable[[Session, RankingList, list[_Entry]], list[int] | None]) -> dict:
    """Lock the list, check the version, let ``change`` compute the new row order (musician pks, archived rows
    included; None = nothing to change), write it, and return the new ``list_view``."""
    _check_version_argument(expected_version)

    def work(session: Session) -> dict:
        ranking_list = _list_by_public_id(session, ranking_list_id, lock=True)
        entries = _entries(session, ranking_list.id)
        _check_version(ranking_list, entries, expected_version)
        new_order = change(session, ranking_list, entries)
        if new_order is None or new_order == [entry.pk for entry in entries]:
            return _view(session, ranking_list, entries)
        now = clock.now()

        def new_row(musician_pk: int, rank: int, ids: list) -> dict:
            return {"rankingId": ids.pop(0), "listId": ranking_list.id, "musicianId": musician_pk, "rank": rank,
                    "createdAt": now, "updatedAt": now}

        write_order(session, Ranking, Ranking.__table__.c.listId, ranking_list.id, new_order, new_row)
        ranking_list.updatedAt = now
        session.add(ranking_list)
        session.flush()
        return _view(session, ranking_list, _entries(session, ranking_list.id))

    try:
        return tenancy.write_transaction(ref, work)
    except IntegrityError:
        raise Conflict("list_changed", "The list was changed at the same moment by someone else; nothing was "
                       "saved. Load it again and redo your change.") from None


def _index_argument(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("invalid_index", f"{field} must be a whole number.", {field: "a whole number"})
    return value


def _visible_entry(entries: Sequence[_Entry], musician_id: Any, field: str = "musicianId") -> _Entry:
    entry = next((e for e in entries if e.musicianId == musician_id and not e.isArchived), None)
    if entry is None:
        raise ValidationError("not_on_list", f"{musician_id} is not on the list.", {field: "not on the list"})
    return entry


def move_musician(ref: tenancy.OrchestraRef, ranking_list_id: str, musician_id: str, new_index: int,
                  expected_version: str) -> dict:
    """Move one musician to ``new_index`` (0 = asked first) of the list as shown (archived rows keep their places).

    Dropping a row on another one's place is ``new_index`` = that row's index; moving up one place is
    index − 1. Returns the new ``list_view``.
    """
    new_index = _index_argument(new_index, "newIndex")

    def change(_session: Session, _list: RankingList, entries: list[_Entry]) -> list[int]:
        moving = _visible_entry(entries, musician_id)
        visible = [e for e in entries if not e.isArchived]
        if not 0 <= new_index < len(visible):
            raise ValidationError("invalid_index", f"newIndex must be between 0 and {len(visible) - 1}.",
                                  {"newIndex": f"0–{len(visible) - 1}"})
        order = [e for e in visible if e is not moving]
        order.insert(new_index, moving)
        shown = iter(order)  # the shown rows take the shown rows' slots; archived rows stay where they are
        return [entry.pk if entry.isArchived else next(shown).pk for entry in entries]

    return _edit(ref, ranking_list_id, expected_version, change)


def add_to_list(ref: tenancy.OrchestraRef, ranking_list_id: str, musician_ids: Sequence[str],
                position: int | None = None, *, expected_version: str) -> dict:
    """Add qualified, non-archived musicians not yet on the list, in the given order, at ``position`` of the list
    as shown (None: at the end). Returns the new ``list_view``."""
    if not isinstance(musician_ids, (list, tuple)) or not all(isinstance(m, str) for m in musician_ids):
        raise ValidationError("invalid_order", "musicianIds must be a list of musicianIds.",
                              {"musicianIds": "a list of ids"})
    if not musician_ids:
        raise ValidationError("nothing_selected", "Choose at least one musician to add.",
                              {"musicianIds": "choose at least one"})
    if position is not None:
        position = _index_argument(position, "position")

    def change(session: Session, ranking_list: RankingList, entries: list[_Entry]) -> list[int]:
        on_list = {e.musicianId for e in entries}
        already = [m for m in musician_ids if m in on_list]
        if already:
            raise ValidationError("already_on_list", f"Already on the list: {', '.join(already)}.",
                                  {"musicianIds": f"already on the list: {', '.join(already)}"})
        list_position = session.get(Position, ranking_list.positionId)
        new = [m.id for m in check_candidates(session, list_position, list(musician_ids))]
        if len(entries) + len(new) > MAX_LIST_LENGTH:
            raise ValidationError("invalid_order", f"A list holds at most {MAX_LIST_LENGTH} musicians.",
                                  {"musicianIds": f"at most {MAX_LIST_LENGTH}"})
        visible = [e for e in entries if not e.isArchived]
        at = len(visible) if position is None else position
        if not 0 <= at <= len(visible):
            raise ValidationError("invalid_index", f"position must be between 0 and {len(visible)}.",
                                  {"position": f"0–{len(visible)}"})
        order = [e.pk for e in entries]
        if at == len(visible):
            return order + new
        cut = order.index(visible[at].pk)
        return order[:cut] + new + order[cut:]

    return _edit(ref, ranking_list_id, expected_version, change)


def remove_from_list(ref: tenancy.OrchestraRef, ranking_list_id: str, musician_id: str,
                     expected_version: str) -> dict:
    """Take one musician off the list; the ranks below close up. Returns the new ``list_view``."""

    def change(_session: Session, _list: RankingList, entries: list[_Entry]) -> list[int]:
        leaving = _visible_entry(entries, musician_id)
        return [e.pk for e in entries if e is not leaving]

    return _edit(ref, ranking_list_id, expected_version, change)


def clear_list(ref: tenancy.OrchestraRef, ranking_list_id: str, confirmation_text: str,
               expected_version: str) -> dict:
    """Empty the list (archived musicians' rows too), if ``confirmation_text`` is the list's name
    (``list_name``, Swedish or English; surrounding spaces ignored). Returns the new, empty ``list_view``."""
    typed = confirmation_text.strip() if isinstance(confirmation_text, str) else ""

    def change(session: Session, ranking_list: RankingList, _entries_now: list[_Entry]) -> list[int]:
        position = session.get(Position, ranking_list.positionId)
        names = {list_name(ranking_list.listType, position.name, lang) for lang in ("sv", "en")}
        if typed not in names:
            expected = list_name(ranking_list.listType, position.name)
            raise ValidationError("confirmation_mismatch", f'Type the list\'s name, "{expected}", to clear it.',
                                  {"confirmation": f'type "{expected}"'})
        return []

    return _edit(ref, ranking_list_id, expected_version, change)


def position_page(ref: tenancy.OrchestraRef, position_id: str, list_type: str = "A") -> dict:
    """What the ranking lists page shows for one position: a tab per list type (A, B, C) with its list id
    ("" while the list does not exist) and size, the chosen list (``list_view``, None if missing) and its
    qualified pool."""
    lists = {item["listType"]: item for item in list_position_lists(ref, position_id)}
    tabs = [
        {"listType": kind, "rankingListId": lists[kind]["rankingListId"] if kind in lists else "",
         "count": len(lists[kind]["musicians"]) if kind in lists else 0}
        for kind in LIST_TYPES
    ]
    current = lists.get(list_type)
    if current is None:
        return {"tabs": tabs, "list": None, "pool": []}
    return {"tabs": tabs, "list": list_view(ref, current["rankingListId"]),
            "pool": qualified_pool(ref, current["rankingListId"])}
