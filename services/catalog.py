"""Read model of the instruments page: instruments, their positions and how many musicians fill them.

``list_instruments`` runs four statements whatever the size of the orchestra: instruments with positions,
qualified musicians per position, distinct qualified musicians per instrument, and musicians per ranking list.
Archived musicians are left out of every count.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from models.orchestra import Instrument, Musician, MusicianQualification, Position, Project, Ranking, RankingList

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
