"""The instruments and positions catalogue: its read model and the admin operations that change it.

``list_instruments`` runs four statements whatever the size of the orchestra: instruments with positions,
qualified musicians per position, distinct qualified musicians per instrument, and musicians per ranking list.
Archived musicians are left out of every count.

The operations (create, rename, reorder, archive/restore, delete of instruments; create, rename, reorder, delete
of positions) each run in one write transaction, write an ``AuditLog`` row, and change nothing on bad input.
Deleting follows the earlier system's referential rules, made stricter where it silently destroyed history:
an instrument or position can be deleted only while nothing uses it: no musician (archived ones included)
holds a qualification for it, none of its ranking lists has a musician on it, and no project has a need or a
custom list for it. Its empty A/B/C lists go with it. Otherwise ``Conflict("instrument_in_use")`` or
``Conflict("position_in_use")`` says why, with the counts in ``fields``. A new position gets its A, B and C lists
at once (as provisioning's seed does), so it can be ranked and staffed immediately.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.orchestra import (
    AuditLog,
    CustomRankingList,
    Instrument,
    Musician,
    MusicianQualification,
    Position,
    Project,
    ProjectNeed,
    Ranking,
    RankingList,
)
from services import clock, seed_data, tenancy
from services.errors import Conflict, NotFound, ValidationError
from services.ids import next_id

UNORDERED_DISPLAY_ORDER = 999
"""Where an instrument without displayOrder sorts (last, as in the earlier system)."""

# å, ä and ö become code points above every letter, in that order; other accents are ignored.
_SWEDISH_LETTERS_LAST = str.maketrans({"å": "\U0010fff0", "ä": "\U0010fff1", "ö": "\U0010fff2"})


def swedish_sort_key(text: str) -> str:
    """Case-insensitive key that sorts å, ä, ö after z and é like e, as Swedish readers expect."""
    marked = unicodedata.normalize("NFC", text.casefold()).translate(_SWEDISH_LETTERS_LAST)
    folded = unicodedata.normalize("NFKD", marked)
    return "".join(char for char in folded if not unicodedata.combining(char))


@dataclass(frozen=True)
class PositionView:
    positionId: str
    name: str
    hierarchyLevel: int
    qualifiedCount: int
    rankingLists: dict[str, int] = field(default_factory=dict)
    """listType ("A", "B", "C") → number of (non-archived) musicians on that list."""
    id: int = 0


@dataclass(frozen=True)
class InstrumentView:
    instrumentId: str
    name: str
    displayOrder: int | None
    isArchived: bool
    positions: list[PositionView] = field(default_factory=list)
    musicianCount: int = 0
    """Distinct non-archived musicians qualified for at least one position of the instrument."""
    id: int = 0


def _active_qualifications() -> sa.Select:
    return (
        sa.select(MusicianQualification.positionId, MusicianQualification.musicianId)
        .join(Musician, Musician.id == MusicianQualification.musicianId)
        .where(Musician.isArchived == sa.false())
    )


def list_instruments(session: Session, include_archived: bool = False) -> list[InstrumentView]:
    """Instruments by displayOrder (missing = 999) then name (Swedish order), positions by hierarchyLevel."""
    catalogue = (
        sa.select(
            Instrument.id, Instrument.instrumentId, Instrument.name, Instrument.displayOrder, Instrument.isArchived,
            Position.id, Position.positionId, Position.name, Position.hierarchyLevel,
        )
        .outerjoin(Position, Position.instrumentId == Instrument.id)
    )
    if not include_archived:
        catalogue = catalogue.where(Instrument.isArchived == sa.false())
    rows = session.execute(catalogue).all()

    qualifications = _active_qualifications().subquery()
    qualified_per_position = dict(session.execute(
        sa.select(qualifications.c.positionId, sa.func.count(qualifications.c.musicianId))
        .group_by(qualifications.c.positionId)
    ).all())
    musicians_per_instrument = dict(session.execute(
        sa.select(Position.instrumentId, sa.func.count(sa.distinct(qualifications.c.musicianId)))
        .join(qualifications, qualifications.c.positionId == Position.id)
        .group_by(Position.instrumentId)
    ).all())
    list_sizes: dict[int, dict[str, int]] = {}
    for position_id, list_type, size in session.execute(
        sa.select(RankingList.positionId, RankingList.listType, sa.func.count(Musician.id))
        .outerjoin(Ranking, Ranking.listId == RankingList.id)
        .outerjoin(Musician, sa.and_(Musician.id == Ranking.musicianId, Musician.isArchived == sa.false()))
        .group_by(RankingList.positionId, RankingList.listType)
    ):
        list_sizes.setdefault(position_id, {})[list_type] = size

    instruments: dict[int, tuple[tuple, list[PositionView]]] = {}
    for instrument_pk, instrument_id, name, display_order, archived, position_pk, position_id, position_name, level \
            in rows:
        _, positions = instruments.setdefault(instrument_pk, ((instrument_id, name, display_order, archived), []))
        if position_pk is not None:
            positions.append(PositionView(
                positionId=position_id,
                name=position_name,
                hierarchyLevel=level,
                qualifiedCount=qualified_per_position.get(position_pk, 0),
                rankingLists=dict(sorted(list_sizes.get(position_pk, {}).items())),
                id=position_pk,
            ))

    views = [
        InstrumentView(
            instrumentId=instrument_id,
            name=name,
            displayOrder=display_order,
            isArchived=archived,
            positions=sorted(positions, key=lambda p: (p.hierarchyLevel, swedish_sort_key(p.name))),
            musicianCount=musicians_per_instrument.get(instrument_pk, 0),
            id=instrument_pk,
        )
        for instrument_pk, ((instrument_id, name, display_order, archived), positions) in instruments.items()
    ]
    views.sort(key=lambda view: (
        UNORDERED_DISPLAY_ORDER if view.displayOrder is None else view.displayOrder, swedish_sort_key(view.name)
    ))
    return views


def counts(session: Session) -> dict[str, int]:
    """Row totals for the dashboard, in one statement (archived musicians and instruments included)."""

    def total(model: type) -> sa.ScalarSelect:
        return sa.select(sa.func.count()).select_from(model).scalar_subquery()

    row = session.execute(sa.select(
        total(Musician).label("musicians"),
        total(Instrument).label("instruments"),
        total(Position).label("positions"),
        total(RankingList).label("rankingLists"),
        total(Project).label("projects"),
    )).one()
    return dict(row._mapping)


# ----- changing the catalogue (admin operations) ----------------------------------------------------------------

MAX_NAME_LENGTH = 100
DIRECTIONS = ("up", "down")
USAGE_KINDS = ("qualifications", "rankings", "needs", "customLists")
"""What keeps an instrument or position from being deleted, in the order the refusal lists them."""


def _clean_name(name: Any) -> str:
    """The trimmed name, or ValidationError on the ``name`` field (missing, not text, too long)."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("name_required", "A name is required.", {"name": "required"})
    cleaned = " ".join(name.split())
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationError("name_too_long", f"The name can be at most {MAX_NAME_LENGTH} characters.",
                              {"name": "too_long"})
    return cleaned


def _check_direction(direction: Any) -> str:
    if direction not in DIRECTIONS:
        raise ValidationError("invalid_direction", "direction must be 'up' or 'down'.", {"direction": "up or down"})
    return direction


def _audit(session: Session, actor: str | None, action: str, entity_type: str, entity_pk: int,
           old: dict | None = None, new: dict | None = None) -> None:
    session.add(AuditLog(auditLogId=next_id(session, "auditLog"), userId=actor, action=action,
                         entityType=entity_type, entityId=entity_pk, oldValues=old, newValues=new,
                         timestamp=clock.now()))


def _instrument(session: Session, instrument_id: Any) -> Instrument:
    instrument = session.execute(sa.select(Instrument).where(Instrument.instrumentId == str(instrument_id))).scalar()
    if instrument is None:
        raise NotFound("instrument_not_found", f"No instrument {instrument_id}.")
    return instrument


def _position(session: Session, position_id: Any) -> Position:
    position = session.execute(sa.select(Position).where(Position.positionId == str(position_id))).scalar()
    if position is None:
        raise NotFound("position_not_found", f"No position {position_id}.")
    return position


def _instrument_dict(instrument: Instrument) -> dict:
    return {"instrumentId": instrument.instrumentId, "name": instrument.name,
            "displayOrder": instrument.displayOrder, "isArchived": instrument.isArchived}


def _position_dict(position: Position, instrument: Instrument) -> dict:
    return {"positionId": position.positionId, "instrumentId": instrument.instrumentId, "name": position.name,
            "hierarchyLevel": position.hierarchyLevel}


def _name_taken(session: Session, query: sa.Select, name: str, own_pk: int | None) -> bool:
    """Compared with Python's casefold, since SQLite's lower() leaves Å, Ä and Ö as they are."""
    wanted = name.casefold()
    return any(pk != own_pk and other.casefold() == wanted for pk, other in session.execute(query))


def _check_instrument_name_free(session: Session, name: str, own_pk: int | None = None) -> None:
    """Instrument names are unique regardless of case ("Violin" and "violin" would confuse everyone)."""
    if _name_taken(session, sa.select(Instrument.id, Instrument.name), name, own_pk):
        raise Conflict("instrument_name_taken", f"There is already an instrument called {name}.", {"name": "taken"})


def _check_position_name_free(session: Session, instrument_pk: int, name: str, own_pk: int | None = None) -> None:
    query = sa.select(Position.id, Position.name).where(Position.instrumentId == instrument_pk)
    if _name_taken(session, query, name, own_pk):
        raise Conflict("position_name_taken", f"The instrument already has a position called {name}.",
                       {"name": "taken"})


def _ordered_instruments(session: Session) -> list[Instrument]:
    """Every instrument (archived ones too) in the order the page shows them."""
    instruments = list(session.execute(sa.select(Instrument)).scalars())
    instruments.sort(key=lambda i: (UNORDERED_DISPLAY_ORDER if i.displayOrder is None else i.displayOrder,
                                    swedish_sort_key(i.name)))
    return instruments


def _ordered_positions(session: Session, instrument_pk: int) -> list[Position]:
    positions = list(session.execute(sa.select(Position).where(Position.instrumentId == instrument_pk)).scalars())
    positions.sort(key=lambda p: (p.hierarchyLevel, swedish_sort_key(p.name)))
    return positions


def _renumber(rows: Sequence[Any], attribute: str) -> None:
    """Write 1..n into ``attribute`` in the given order (only the rows whose number changes are touched)."""
    now = clock.now()
    for number, row in enumerate(rows, start=1):
        if getattr(row, attribute) != number:
            setattr(row, attribute, number)
            row.updatedAt = now


def _moved(rows: list[Any], row: Any, direction: str, visible: Any = None) -> list[Any] | None:
    """``rows`` with ``row`` swapped with its nearest visible neighbour in ``direction``; None at the edge."""
    index = rows.index(row)
    step = -1 if direction == "up" else 1
    other = index + step
    while 0 <= other < len(rows) and visible is not None and not visible(rows[other]):
        other += step
    if not 0 <= other < len(rows):
        return None
    order = list(rows)
    order[index], order[other] = order[other], order[index]
    return order


def _usage(session: Session, position_pks: Sequence[int]) -> dict[str, int]:
    """How much uses these positions: qualifications (archived musicians too), musicians on their A/B/C lists,
    project needs and custom lists (one statement)."""
    if not position_pks:
        return dict.fromkeys(USAGE_KINDS, 0)

    def count(model: type, column: sa.ColumnElement, *joins: tuple) -> sa.ScalarSelect:
        query = sa.select(sa.func.count()).select_from(model)
        for target, on in joins:
            query = query.join(target, on)
        return query.where(column.in_(position_pks)).scalar_subquery()

    row = session.execute(sa.select(
        count(MusicianQualification, MusicianQualification.positionId).label("qualifications"),
        count(Ranking, RankingList.positionId, (RankingList, RankingList.id == Ranking.listId)).label("rankings"),
        count(ProjectNeed, ProjectNeed.positionId).label("needs"),
        count(CustomRankingList, CustomRankingList.positionId).label("customLists"),
    )).one()
    return {kind: int(row._mapping[kind]) for kind in USAGE_KINDS}


def _refuse_if_used(usage: dict[str, int], code: str, what: str) -> None:
    if any(usage.values()):
        reasons = ", ".join(f"{kind}: {number}" for kind, number in usage.items() if number)
        raise Conflict(code, f"{what} cannot be deleted while it is in use ({reasons}). Archive it instead, or "
                             "remove the qualifications, list entries and project needs first.",
                       {kind: str(number) for kind, number in usage.items() if number})


def _delete_positions(session: Session, position_pks: Sequence[int]) -> None:
    """Remove unused positions and their (empty) A/B/C lists explicitly, not trusting ON DELETE CASCADE."""
    if position_pks:
        session.execute(sa.delete(RankingList).where(RankingList.positionId.in_(position_pks)))
        session.execute(sa.delete(Position).where(Position.id.in_(position_pks)))


def _write(ref: tenancy.OrchestraRef, work: Any, conflict_code: str, message: str) -> Any:
    """Run ``work`` in a write transaction; a unique-name race with another writer becomes a clear Conflict."""
    try:
        return tenancy.write_transaction(ref, work)
    except IntegrityError:
        raise Conflict(conflict_code, message, {"name": "taken"}) from None


# ----- instruments -------------------------------------------------------------------------------------------


def create_instrument(ref: tenancy.OrchestraRef, name: Any, *, actor: str | None = None) -> dict:
    """A new instrument, placed last in the display order."""
    cleaned = _clean_name(name)

    def work(session: Session) -> dict:
        _check_instrument_name_free(session, cleaned)
        last = session.execute(sa.select(sa.func.max(Instrument.displayOrder))).scalar() or 0
        now = clock.now()
        instrument = Instrument(instrumentId=next_id(session, "instrument"), name=cleaned, displayOrder=last + 1,
                                createdAt=now, updatedAt=now)
        session.add(instrument)
        session.flush()
        _audit(session, actor, "create_instrument", "Instrument", instrument.id, None, _instrument_dict(instrument))
        return _instrument_dict(instrument)

    return _write(ref, work, "instrument_name_taken", f"There is already an instrument called {cleaned}.")


def rename_instrument(ref: tenancy.OrchestraRef, instrument_id: str, name: Any, *, actor: str | None = None) -> dict:
    cleaned = _clean_name(name)

    def work(session: Session) -> dict:
        instrument = _instrument(session, instrument_id)
        if instrument.name == cleaned:
            return _instrument_dict(instrument)
        _check_instrument_name_free(session, cleaned, instrument.id)
        old = _instrument_dict(instrument)
        instrument.name, instrument.updatedAt = cleaned, clock.now()
        session.flush()
        _audit(session, actor, "rename_instrument", "Instrument", instrument.id, old, _instrument_dict(instrument))
        return _instrument_dict(instrument)

    return _write(ref, work, "instrument_name_taken", f"There is already an instrument called {cleaned}.")


def move_instrument(ref: tenancy.OrchestraRef, instrument_id: str, direction: str, *,
                    include_archived: bool = False, actor: str | None = None) -> list[str]:
    """Swap the instrument with its neighbour in the list the page shows (archived ones are skipped unless
    ``include_archived``), then renumber every instrument 1..n. Returns the new order of instrument ids;
    nothing is written at either edge."""
    _check_direction(direction)

    def work(session: Session) -> list[str]:
        instrument = _instrument(session, instrument_id)
        rows = _ordered_instruments(session)
        order = _moved(rows, instrument, direction, None if include_archived else (lambda i: not i.isArchived))
        if order is None:
            return [i.instrumentId for i in rows]
        return _apply_instrument_order(session, rows, order, actor)

    return tenancy.write_transaction(ref, work)


def reorder_instruments(ref: tenancy.OrchestraRef, instrument_ids: Sequence[str], *,
                        actor: str | None = None) -> list[str]:
    """Set the whole display order at once: ``instrument_ids`` must name every instrument exactly once."""
    if not isinstance(instrument_ids, (list, tuple)) or not all(isinstance(i, str) for i in instrument_ids):
        raise ValidationError("invalid_order", "instrumentIds must be a list of instrument ids.",
                              {"instrumentIds": "list"})

    def work(session: Session) -> list[str]:
        rows = _ordered_instruments(session)
        by_id = {i.instrumentId: i for i in rows}
        if len(set(instrument_ids)) != len(instrument_ids) or set(instrument_ids) != set(by_id):
            raise ValidationError("invalid_order", "instrumentIds must name every instrument exactly once.",
                                  {"instrumentIds": "every instrument once"})
        return _apply_instrument_order(session, rows, [by_id[i] for i in instrument_ids], actor)

    return tenancy.write_transaction(ref, work)


def _apply_instrument_order(session: Session, before: list[Instrument], order: list[Instrument],
                            actor: str | None) -> list[str]:
    old = [i.instrumentId for i in before]
    new = [i.instrumentId for i in order]
    if old != new or [i.displayOrder for i in order] != list(range(1, len(order) + 1)):
        _renumber(order, "displayOrder")
        session.flush()
        _audit(session, actor, "reorder_instruments", "Instrument", order[0].id if order else 0,
               {"order": old}, {"order": new})
    return new


def set_instrument_archived(ref: tenancy.OrchestraRef, instrument_id: str, archived: bool, *,
                            actor: str | None = None) -> dict:
    """Archive (hide from lists; sending is not affected) or restore. Archiving sets archivedAt (the earlier
    system never did); restoring clears it. Asking for the state it already has is a Conflict."""
    if not isinstance(archived, bool):
        raise ValidationError("invalid_archived", "archived must be true or false.", {"archived": "boolean"})

    def work(session: Session) -> dict:
        instrument = _instrument(session, instrument_id)
        if instrument.isArchived == archived:
            raise Conflict("already_archived" if archived else "not_archived",
                           f"{instrument.name} is {'already' if archived else 'not'} archived.")
        old = _instrument_dict(instrument)
        now = clock.now()
        instrument.isArchived, instrument.archivedAt, instrument.updatedAt = archived, now if archived else None, now
        session.flush()
        _audit(session, actor, "archive_instrument" if archived else "restore_instrument", "Instrument",
               instrument.id, old, _instrument_dict(instrument))
        return _instrument_dict(instrument)

    return tenancy.write_transaction(ref, work)


def instrument_usage(ref: tenancy.OrchestraRef, instrument_id: str) -> dict[str, int]:
    """What keeps the instrument from being deleted (all zero: it may be deleted)."""
    with tenancy.orchestra_session(ref) as session:
        instrument = _instrument(session, instrument_id)
        return _usage(session, [p.id for p in _ordered_positions(session, instrument.id)])


def delete_instrument(ref: tenancy.OrchestraRef, instrument_id: str, *, actor: str | None = None) -> None:
    """Delete an unused instrument with its positions and their empty lists; Conflict("instrument_in_use")
    with the counts in ``fields`` otherwise."""

    def work(session: Session) -> None:
        instrument = _instrument(session, instrument_id)
        positions = _ordered_positions(session, instrument.id)
        position_pks = [p.id for p in positions]
        _refuse_if_used(_usage(session, position_pks), "instrument_in_use", instrument.name)
        old = {**_instrument_dict(instrument), "positions": [p.name for p in positions]}
        _delete_positions(session, position_pks)
        session.execute(sa.delete(Instrument).where(Instrument.id == instrument.id))
        _audit(session, actor, "delete_instrument", "Instrument", instrument.id, old, None)

    tenancy.write_transaction(ref, work)


# ----- positions ---------------------------------------------------------------------------------------------


def _clean_level(hierarchy_level: Any) -> int | None:
    if hierarchy_level is None or hierarchy_level == "":
        return None
    if isinstance(hierarchy_level, bool) or not isinstance(hierarchy_level, (int, str)):
        raise ValidationError("invalid_level", "hierarchyLevel must be a whole number from 1.",
                              {"hierarchyLevel": "number"})
    try:
        level = int(hierarchy_level)
    except ValueError:
        raise ValidationError("invalid_level", "hierarchyLevel must be a whole number from 1.",
                              {"hierarchyLevel": "number"}) from None
    if level < 1:
        raise ValidationError("invalid_level", "hierarchyLevel must be a whole number from 1.",
                              {"hierarchyLevel": "number"})
    return level


def create_position(ref: tenancy.OrchestraRef, instrument_id: str, name: Any, hierarchy_level: Any = None, *,
                    actor: str | None = None) -> dict:
    """A new position of the instrument with its A, B and C lists. ``hierarchy_level`` (1 = first) places it;
    the positions from there on move down one step. Without it the position comes last."""
    cleaned = _clean_name(name)
    level = _clean_level(hierarchy_level)

    def work(session: Session) -> dict:
        instrument = _instrument(session, instrument_id)
        _check_position_name_free(session, instrument.id, cleaned)
        siblings = _ordered_positions(session, instrument.id)
        index = len(siblings) if level is None else min(level - 1, len(siblings))
        now = clock.now()
        position = Position(positionId=next_id(session, "position"), instrumentId=instrument.id, name=cleaned,
                            hierarchyLevel=index + 1, createdAt=now, updatedAt=now)
        session.add(position)
        _renumber(siblings[:index] + [position] + siblings[index:], "hierarchyLevel")
        session.flush()
        seed_data.add_ranking_lists(session, [position.id])
        _audit(session, actor, "create_position", "Position", position.id, None, _position_dict(position, instrument))
        return _position_dict(position, instrument)

    return _write(ref, work, "position_name_taken", f"The instrument already has a position called {cleaned}.")


def rename_position(ref: tenancy.OrchestraRef, position_id: str, name: Any, *, actor: str | None = None) -> dict:
    cleaned = _clean_name(name)

    def work(session: Session) -> dict:
        position = _position(session, position_id)
        instrument = session.get(Instrument, position.instrumentId)
        if position.name == cleaned:
            return _position_dict(position, instrument)
        _check_position_name_free(session, instrument.id, cleaned, position.id)
        old = _position_dict(position, instrument)
        position.name, position.updatedAt = cleaned, clock.now()
        session.flush()
        _audit(session, actor, "rename_position", "Position", position.id, old, _position_dict(position, instrument))
        return _position_dict(position, instrument)

    return _write(ref, work, "position_name_taken", f"The instrument already has a position called {cleaned}.")


def move_position(ref: tenancy.OrchestraRef, position_id: str, direction: str, *,
                  actor: str | None = None) -> list[str]:
    """Swap the position with its neighbour in the instrument's hierarchy and renumber 1..n; returns the new
    order of position ids (nothing written at either edge)."""
    _check_direction(direction)

    def work(session: Session) -> list[str]:
        position = _position(session, position_id)
        rows = _ordered_positions(session, position.instrumentId)
        order = _moved(rows, position, direction)
        if order is None:
            return [p.positionId for p in rows]
        return _apply_position_order(session, rows, order, actor)

    return tenancy.write_transaction(ref, work)


def reorder_positions(ref: tenancy.OrchestraRef, instrument_id: str, position_ids: Sequence[str], *,
                      actor: str | None = None) -> list[str]:
    """Set the instrument's whole hierarchy: ``position_ids`` must name each of its positions exactly once."""
    if not isinstance(position_ids, (list, tuple)) or not all(isinstance(i, str) for i in position_ids):
        raise ValidationError("invalid_order", "positionIds must be a list of position ids.", {"positionIds": "list"})

    def work(session: Session) -> list[str]:
        instrument = _instrument(session, instrument_id)
        rows = _ordered_positions(session, instrument.id)
        by_id = {p.positionId: p for p in rows}
        if len(set(position_ids)) != len(position_ids) or set(position_ids) != set(by_id):
            raise ValidationError("invalid_order", "positionIds must name every position of the instrument once.",
                                  {"positionIds": "every position once"})
        return _apply_position_order(session, rows, [by_id[i] for i in position_ids], actor)

    return tenancy.write_transaction(ref, work)


def _apply_position_order(session: Session, before: list[Position], order: list[Position],
                          actor: str | None) -> list[str]:
    old = [p.positionId for p in before]
    new = [p.positionId for p in order]
    if old != new or [p.hierarchyLevel for p in order] != list(range(1, len(order) + 1)):
        _renumber(order, "hierarchyLevel")
        session.flush()
        _audit(session, actor, "reorder_positions", "Instrument", order[0].instrumentId if order else 0,
               {"order": old}, {"order": new})
    return new


def position_usage(ref: tenancy.OrchestraRef, position_id: str) -> dict[str, int]:
    with tenancy.orchestra_session(ref) as session:
        return _usage(session, [_position(session, position_id).id])


def delete_position(ref: tenancy.OrchestraRef, position_id: str, *, actor: str | None = None) -> None:
    """Delete an unused position with its empty lists and close the gap in the hierarchy;
    Conflict("position_in_use") with the counts in ``fields`` otherwise."""

    def work(session: Session) -> None:
        position = _position(session, position_id)
        instrument = session.get(Instrument, position.instrumentId)
        _refuse_if_used(_usage(session, [position.id]), "position_in_use", position.name)
        old, position_pk = _position_dict(position, instrument), position.id
        _delete_positions(session, [position_pk])
        session.expunge(position)
        _renumber(_ordered_positions(session, instrument.id), "hierarchyLevel")
        _audit(session, actor, "delete_position", "Position", position_pk, old, None)

    tenancy.write_transaction(ref, work)
