"""Readable business ids such as ``MUS001`` (ORIGINAL_BEHAVIOUR.md §1.4).

Each entity type has a row in ``IdSequence`` whose ``lastNumber`` is incremented atomically with
``UPDATE ... RETURNING`` (SQLite ≥ 3.35 and PostgreSQL), so an id is never handed out twice and never reused
after a delete. Databases of the earlier system may lack sequence rows while already holding ids
(``INST001`` …); a missing row is therefore created from the highest id already in use.

Nothing here commits: the caller owns the transaction, and a rolled-back transaction gives its numbers back.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.orchestra import (
    AuditLog,
    CommunicationLog,
    CustomRankingList,
    EmailTemplate,
    IdSequence,
    Instrument,
    Musician,
    Position,
    Project,
    ProjectFile,
    ProjectNeed,
    Ranking,
    RankingList,
    Request,
)
from services import clock

ID_PREFIXES: dict[str, str] = {
    "musician": "MUS",
    "project": "PROJ",
    "request": "REQ",
    "instrument": "INST",
    "position": "POS",
    "rankingList": "RANK",
    "ranking": "RNK",
    "projectNeed": "NEED",
    "emailTemplate": "TMPL",
    "communicationLog": "COMM",
    "projectFile": "FILE",
    "auditLog": "AUDIT",
    "customList": "CLIST",
}
"""Entity type (the ``IdSequence.entityType`` value) → id prefix."""

ID_COLUMNS: dict[str, Any] = {
    "musician": Musician.musicianId,
    "project": Project.projectId,
    "request": Request.requestId,
    "instrument": Instrument.instrumentId,
    "position": Position.positionId,
    "rankingList": RankingList.rankingListId,
    "ranking": Ranking.rankingId,
    "projectNeed": ProjectNeed.projectNeedId,
    "emailTemplate": EmailTemplate.emailTemplateId,
    "communicationLog": CommunicationLog.communicationLogId,
    "projectFile": ProjectFile.projectFileId,
    "auditLog": AuditLog.auditLogId,
    "customList": CustomRankingList.customListId,
}
"""Entity type → the column that holds its readable id (scanned to initialise a missing sequence)."""

_sequences = IdSequence.__table__


def format_id(entity_type: str, number: int) -> str:
    """``format_id("musician", 7) == "MUS007"``; numbers past 999 simply grow (``MUS1000``)."""
    return f"{prefix_for(entity_type)}{number:03d}"


def prefix_for(entity_type: str) -> str:
    try:
        return ID_PREFIXES[entity_type]
    except KeyError:
        raise ValueError(f"unknown entity type for readable ids: {entity_type!r}") from None


def next_id(session: Session, entity_type: str) -> str:
    """Reserve and return the next readable id of ``entity_type``."""
    return next_ids(session, entity_type, 1)[0]


def next_ids(session: Session, entity_type: str, count: int) -> list[str]:
    """Reserve ``count`` consecutive ids with a single increment (for bulk creation such as seeding)."""
    prefix_for(entity_type)
    if count < 1:
        return []
    last = _increment(session, entity_type, count)
    if last is None:
        _insert_sequence_row(session, entity_type, highest_existing_number(session, entity_type))
        last = _increment(session, entity_type, count)
        if last is None:  # pragma: no cover - the row was just created in this transaction
            raise RuntimeError(f"IdSequence row for {entity_type!r} could not be created")
    return [format_id(entity_type, number) for number in range(last - count + 1, last + 1)]


def highest_existing_number(session: Session, entity_type: str) -> int:
    """The largest numeric suffix among ids of the form ``<prefix><digits>`` already stored (0 if none).

    The comparison is done in Python: ``LIKE`` is case-insensitive on SQLite (a cuid starts with "c") and a
    cast of a non-numeric suffix would fail on PostgreSQL.
    """
    prefix = prefix_for(entity_type)
    column = ID_COLUMNS[entity_type]
    pattern = re.compile(re.escape(prefix) + r"(\d+)")
    highest = 0
    for value in session.execute(sa.select(column).where(column.like(f"{prefix}%"))).scalars():
        match = pattern.fullmatch(value or "")
        if match:
            highest = max(highest, int(match.group(1)))
    return highest


def ensure_sequences(session: Session) -> dict[str, int]:
    """Create missing sequence rows and lift any counter that lags behind existing ids.

    Afterwards ``lastNumber`` = max(current value, highest id in use) for every entity type. Returns the
    resulting ``lastNumber`` per entity type.
    """
    result: dict[str, int] = {}
    for entity_type in ID_PREFIXES:
        highest = highest_existing_number(session, entity_type)
        _insert_sequence_row(session, entity_type, highest)
        session.execute(
            sa.update(_sequences)
            .where(_sequences.c.entityType == entity_type, _sequences.c.lastNumber < highest)
            .values(lastNumber=highest, updatedAt=clock.now())
        )
        result[entity_type] = session.execute(
            sa.select(_sequences.c.lastNumber).where(_sequences.c.entityType == entity_type)
        ).scalar_one()
    return result


def _increment(session: Session, entity_type: str, count: int) -> int | None:
    """Atomically add ``count`` to the counter; None when the sequence row does not exist."""
    statement = (
        sa.update(_sequences)
        .where(_sequences.c.entityType == entity_type)
        .values(lastNumber=_sequences.c.lastNumber + count, updatedAt=clock.now())
        .returning(_sequences.c.lastNumber)
    )
    return session.execute(statement).scalar_one_or_none()


def _insert_sequence_row(session: Session, entity_type: str, last_number: int) -> None:
    """Insert the sequence row unless it exists (another transaction may create it concurrently)."""
    values = {"entityType": entity_type, "lastNumber": last_number, "updatedAt": clock.now()}
    dialect = session.get_bind().dialect.name
    upsert_insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if upsert_insert is not None:
        statement = upsert_insert(_sequences).values(**values).on_conflict_do_nothing(index_elements=["entityType"])
        session.execute(statement)
        return
    exists = session.execute(sa.select(_sequences.c.id).where(_sequences.c.entityType == entity_type)).first()
    if exists:
        return
    try:
        with session.begin_nested():
            session.execute(sa.insert(_sequences).values(**values))
    except IntegrityError:
        pass
