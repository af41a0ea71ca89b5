"""Readable ids: format, atomic sequence, recovery of missing sequence rows."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.orchestra import IdSequence, Instrument, Musician
from services.ids import ID_COLUMNS, ID_PREFIXES, ensure_sequences, format_id, next_id, next_ids


def test_prefixes_cover_all_entity_types():
    assert set(ID_PREFIXES) == set(ID_COLUMNS)
    assert len(ID_PREFIXES) == 13
    assert ID_PREFIXES["musician"] == "MUS" and ID_PREFIXES["customList"] == "CLIST"


def test_format_pads_to_three_digits_and_grows():
    assert format_id("musician", 1) == "MUS001"
    assert format_id("project", 42) == "PROJ042"
    assert format_id("musician", 1000) == "MUS1000"
    with pytest.raises(ValueError):
        format_id("unknown", 1)


def test_next_id_counts_up_from_an_empty_database(session):
    assert [next_id(session, "musician") for _ in range(3)] == ["MUS001", "MUS002", "MUS003"]
    assert next_id(session, "project") == "PROJ001"
    row = session.exec(select(IdSequence).where(IdSequence.entityType == "musician")).one()
    assert row.lastNumber == 3


def test_next_ids_reserves_a_block(session):
    assert next_ids(session, "position", 3) == ["POS001", "POS002", "POS003"]
    assert next_id(session, "position") == "POS004"
    assert next_ids(session, "position", 0) == []


def test_missing_sequence_row_starts_after_existing_ids(session):
    for number in range(1, 6):
        session.add(Instrument(instrumentId=f"INST{number:03d}", name=f"Instrument {number}"))
    session.add(Instrument(name="with a cuid"))  # the default cuid id must be ignored
    session.flush()
    assert session.exec(select(IdSequence)).all() == []
    assert next_id(session, "instrument") == "INST006"


def test_next_id_grows_past_999(session):
    session.add(Musician(musicianId="MUS999", firstName="A", lastName="B", email="a@example.se"))
    session.flush()
    assert next_id(session, "musician") == "MUS1000"
    assert next_id(session, "musician") == "MUS1001"


def test_ensure_sequences_creates_and_repairs_rows(session):
    session.add(Musician(musicianId="MUS012", firstName="A", lastName="B", email="a@example.se"))
    session.add(IdSequence(entityType="instrument", lastNumber=7))
    session.flush()
    result = ensure_sequences(session)
    assert set(result) == set(ID_PREFIXES)
    assert result["musician"] == 12
    assert result["instrument"] == 7  # never lowered
    assert result["request"] == 0
    assert len(session.exec(select(IdSequence)).all()) == 13
    assert next_id(session, "musician") == "MUS013"
    assert ensure_sequences(session)["musician"] == 13


def test_rolled_back_numbers_are_handed_out_again_but_committed_ones_never(session):
    assert next_id(session, "request") == "REQ001"
    session.commit()
    assert next_id(session, "request") == "REQ002"
    session.rollback()
    assert next_id(session, "request") == "REQ002"
    session.commit()
    assert next_id(session, "request") == "REQ003"
