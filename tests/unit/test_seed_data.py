"""Seeding a new orchestra database (ORIGINAL_BEHAVIOUR.md §6.2)."""

from __future__ import annotations

import re

from sqlmodel import Session, func, select

from models.orchestra import EmailTemplate, IdSequence, Instrument, Position, RankingList, Settings
from services.ids import ID_PREFIXES
from services.seed_data import INSTRUMENTS, TEMPLATE_VARIABLES, SeedCounts, seed_orchestra

ORCHESTRA = "Sundsvalls Kammarorkester"




def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


# ORIGINAL_BEHAVIOUR.md §6.2 (and the earlier system's own docs) say "41 positions, 123 lists", but the
# catalogue they list, which the earlier seed code creates, sums to 5+3+3+2+3+3+4+3+4+4+3+1+3+2 = 43.
POSITIONS = 43
LISTS = 3 * POSITIONS


def test_catalogue_constant_has_14_instruments_and_43_positions():
    assert len(INSTRUMENTS) == 14
    assert [len(positions) for _, positions in INSTRUMENTS] == [5, 3, 3, 2, 3, 3, 4, 3, 4, 4, 3, 1, 3, 2]
    assert sum(len(positions) for _, positions in INSTRUMENTS) == POSITIONS


def test_seed_creates_the_standard_content(session):
    counts = seed_orchestra(session, ORCHESTRA)
    session.commit()
    assert counts == SeedCounts(instruments=14, positions=POSITIONS, ranking_lists=LISTS, templates=10, settings=5)
    assert _count(session, Instrument) == 14
    assert _count(session, Position) == POSITIONS
    assert _count(session, RankingList) == LISTS
    assert _count(session, EmailTemplate) == 10

    instruments = session.exec(select(Instrument).order_by(Instrument.displayOrder)).all()
    assert [i.instrumentId for i in instruments] == [f"INST{n:03d}" for n in range(1, 15)]
    assert [i.displayOrder for i in instruments] == list(range(1, 15))
    assert [i.name for i in instruments] == [name for name, _ in INSTRUMENTS]

    positions = session.exec(select(Position)).all()
    assert sorted(p.positionId for p in positions) == [f"POS{n:03d}" for n in range(1, POSITIONS + 1)]
    violin = instruments[0]
    violin_positions = sorted((p for p in positions if p.instrumentId == violin.id), key=lambda p: p.hierarchyLevel)
    assert [(p.name, p.hierarchyLevel) for p in violin_positions] == [
        ("Förste konsertmästare", 1), ("Andre konsertmästare", 2), ("Stämledare violin 2", 3),
        ("Tutti violin 1", 4), ("Tutti violin 2", 5),
    ]
    harp = next(i for i in instruments if i.name == "Harpa")
    assert {(p.name, p.hierarchyLevel) for p in positions if p.instrumentId == harp.id} == {
        ("Soloharpa", 1), ("Harpa 2", 2),
    }


def test_every_position_has_an_a_b_and_c_list(session):
    seed_orchestra(session, ORCHESTRA)
    lists = session.exec(select(RankingList)).all()
    by_position: dict[int, list[str]] = {}
    for ranking_list in lists:
        by_position.setdefault(ranking_list.positionId, []).append(ranking_list.listType)
    assert len(by_position) == POSITIONS
    assert all(sorted(types) == ["A", "B", "C"] for types in by_position.values())
    assert sorted(rl.rankingListId for rl in lists) == [f"RANK{n:03d}" for n in range(1, LISTS + 1)]
    first = session.exec(
        select(RankingList).join(Position).where(Position.name == "Förste konsertmästare", RankingList.listType == "A")
    ).one()
    assert first.description == "A-lista för Förste konsertmästare (Violin)"


def test_templates_in_both_languages_with_known_variables(session):
    seed_orchestra(session, ORCHESTRA)
    templates = {t.type: t for t in session.exec(select(EmailTemplate)).all()}
    assert set(templates) == {
        "request", "request_en", "reminder", "reminder_en", "confirmation", "confirmation_en",
        "position_filled", "position_filled_en", "group_email", "group_email_en",
    }
    assert sorted(t.emailTemplateId for t in templates.values()) == [f"TMPL{n:03d}" for n in range(1, 11)]
    for type_, template in templates.items():
        base = type_.removesuffix("_en")
        used = re.findall(r"\{\{(\w+)\}\}", template.subject + template.body)
        assert set(used) <= set(TEMPLATE_VARIABLES[base]), type_
        assert sorted(template.variables) == sorted(set(used))
        assert ORCHESTRA in template.body, type_
        assert "{signature}" not in template.body
        assert not re.search(r"(?<!\{)\{\w+\}(?!\})", template.subject + template.body), "single braces"
    for type_ in ("request", "request_en", "reminder", "reminder_en"):
        assert "deadline" in templates[type_].variables
        assert "responseUrl" in templates[type_].variables
    assert "orchestraName" in templates["request"].variables
    assert templates["request"].body != templates["request_en"].body


def test_settings_rows(session):
    seed_orchestra(session, ORCHESTRA)
    settings = {s.key: s for s in session.exec(select(Settings)).all()}
    assert {key: s.value for key, s in settings.items()} == {
        "reminder_percentage": "75",
        "ranking_conflict_strategy": "simple",
        "timezone": "Europe/Stockholm",
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
    }
    assert settings["reminder_percentage"].description
    assert settings["ranking_conflict_strategy"].description


def test_sequence_rows_exist_for_every_entity_type(session):
    seed_orchestra(session, ORCHESTRA)
    sequences = {s.entityType: s.lastNumber for s in session.exec(select(IdSequence)).all()}
    assert set(sequences) == set(ID_PREFIXES)
    assert sequences["instrument"] == 14
    assert sequences["position"] == POSITIONS
    assert sequences["rankingList"] == LISTS
    assert sequences["emailTemplate"] == 10
    assert sequences["musician"] == 0


def test_seeding_twice_creates_nothing(session):
    seed_orchestra(session, ORCHESTRA)
    session.commit()
    again = seed_orchestra(session, "Another Name")
    session.commit()
    assert again == SeedCounts()
    assert again.total == 0
    assert _count(session, Instrument) == 14
    assert _count(session, Position) == POSITIONS
    assert _count(session, RankingList) == LISTS
    assert _count(session, EmailTemplate) == 10
    assert _count(session, Settings) == 5
    assert session.exec(select(IdSequence.lastNumber).where(IdSequence.entityType == "instrument")).one() == 14


def test_seed_completes_a_partly_seeded_earlier_database(session):
    """An earlier-system database: a few instruments with readable ids but no sequence rows."""
    session.add(Instrument(instrumentId="INST001", name="Violin", displayOrder=1))
    session.add(Instrument(instrumentId="INST002", name="Viola", displayOrder=2))
    session.add(EmailTemplate(emailTemplateId="TMPL001", type="request", subject="Egen", body="Egen text"))
    session.flush()
    counts = seed_orchestra(session, ORCHESTRA)
    assert counts.instruments == 12
    assert counts.templates == 9
    assert counts.positions == POSITIONS
    ids = sorted(session.exec(select(Instrument.instrumentId)).all())
    assert ids == [f"INST{n:03d}" for n in range(1, 15)]
    assert session.exec(select(EmailTemplate.body).where(EmailTemplate.type == "request")).one() == "Egen text"
