"""Demo data and the instruments-page read model."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from models.orchestra import (
    Instrument,
    Musician,
    MusicianQualification,
    Position,
    Project,
    ProjectNeed,
    Ranking,
    RankingList,
    Request,
    orchestra_registry,
)
from services import catalog, clock
from services.demo import DemoCounts, ascii_fold, seed_demo_data
from services.errors import ServiceError
from services.seed_data import INSTRUMENTS, seed_orchestra


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'orchestra.db'}")
    orchestra_registry.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(engine):
    with Session(engine) as session:
        seed_orchestra(session, "Demoorkestern")
        session.commit()
        yield session


@pytest.fixture
def demo(seeded):
    counts = seed_demo_data(seeded)
    seeded.commit()
    return seeded, counts


class StatementCounter:
    def __init__(self, engine: sa.Engine):
        self.count = 0
        self.engine = engine

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def test_ascii_fold():
    assert ascii_fold("Sjöberg") == "sjoberg"
    assert ascii_fold("Åsa") == "asa"
    assert ascii_fold("O'Connor") == "oconnor"


def test_demo_needs_a_seeded_database(engine):
    with Session(engine) as session, pytest.raises(ServiceError):
        seed_demo_data(session)


def test_demo_musicians(demo):
    session, counts = demo
    musicians = session.exec(select(Musician)).all()
    assert counts.musicians == len(musicians) >= 60
    assert len({m.email for m in musicians}) == len(musicians)
    assert len({m.phone for m in musicians}) == len(musicians)
    assert len({(m.firstName, m.lastName) for m in musicians}) == len(musicians)
    for musician in musicians:
        assert re.fullmatch(r"[a-z0-9.\-]+@example\.se", musician.email), musician.email
        assert re.fullmatch(r"07\d-\d{3} \d{2} \d{2}", musician.phone), musician.phone
        assert re.fullmatch(r"MUS\d{3}", musician.musicianId)
    assert sum(m.isArchived for m in musicians) == 2
    assert all(not m.isActive and m.archivedAt for m in musicians if m.isArchived)
    assert 1 <= sum(not m.isActive and not m.isArchived for m in musicians) <= 5
    assert 1 <= sum(m.preferredLanguage == "en" for m in musicians) < len(musicians) // 4
    local_share = sum(m.localResidence for m in musicians) / len(musicians)
    assert 0.15 <= local_share <= 0.45


def test_demo_qualifications_cover_every_instrument(demo):
    session, _ = demo
    rows = session.exec(
        select(MusicianQualification.musicianId, Position.id, Position.instrumentId)
        .join(Position, Position.id == MusicianQualification.positionId)
    ).all()
    per_musician: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for musician_id, position_id, instrument_id in rows:
        per_musician[musician_id].append((position_id, instrument_id))
    assert len(per_musician) == session.exec(select(func.count()).select_from(Musician)).one()
    for entries in per_musician.values():
        assert 1 <= len(entries) <= 3
        assert len({instrument_id for _, instrument_id in entries}) == 1
    assert {instrument_id for _, _, instrument_id in rows} == set(session.exec(select(Instrument.id)).all())
    assert len({position_id for _, position_id, _ in rows}) == sum(len(p) for _, p in INSTRUMENTS)


def test_demo_ranking_lists_are_contiguous_and_qualified(demo):
    session, counts = demo
    qualified = set(session.exec(select(MusicianQualification.musicianId, MusicianQualification.positionId)).all())
    archived = set(session.exec(select(Musician.id).where(Musician.isArchived)).all())
    list_position = dict(session.exec(select(RankingList.id, RankingList.positionId)).all())
    ranks: dict[int, list[int]] = defaultdict(list)
    rankings = session.exec(select(Ranking)).all()
    assert counts.rankings == len(rankings) > 0
    for ranking in rankings:
        ranks[ranking.listId].append(ranking.rank)
        assert (ranking.musicianId, list_position[ranking.listId]) in qualified
        assert ranking.musicianId not in archived
    for list_id, list_ranks in ranks.items():
        assert sorted(list_ranks) == list(range(1, len(list_ranks) + 1)), list_id
    a_lists = session.exec(select(RankingList.id).where(RankingList.listType == "A")).all()
    assert all(ranks[list_id] for list_id in a_lists), "every A list has at least one musician"


def test_demo_projects_and_needs(demo):
    session, counts = demo
    projects = session.exec(select(Project).order_by(Project.startDate)).all()
    assert counts.projects == 2
    assert {p.name for p in projects} == {"Mahler 5", "Julkonsert"}
    now = clock.now()
    for project in projects:
        assert project.startDate > now + timedelta(days=7)
        assert project.weekNumber == clock.to_local(project.startDate).isocalendar().week
        assert project.rehearsalSchedule and project.concertInfo
        assert re.fullmatch(r"PROJ\d{3}", project.projectId)
    needs = session.exec(select(ProjectNeed)).all()
    assert counts.needs == len(needs)
    per_project = Counter(need.projectId for need in needs)
    assert all(1 <= per_project[p.id] <= 2 for p in projects)
    lists = {rl.id: rl for rl in session.exec(select(RankingList)).all()}
    for need in needs:
        ranking_list = lists[need.rankingListId]
        assert ranking_list.listType == "A" and ranking_list.positionId == need.positionId
        assert need.customRankingListId is None
        assert need.responseTimeHours in (24, 48)
        assert need.status == "active"
        if need.requestStrategy == "sequential":
            assert need.quantity == 1
        elif need.requestStrategy == "parallel":
            assert need.quantity >= 2
        else:
            assert need.requestStrategy == "first_come"
            assert need.maxRecipients is not None and need.maxRecipients >= need.quantity
        on_list = session.exec(select(func.count()).select_from(Ranking).where(Ranking.listId == ranking_list.id)).one()
        assert on_list >= need.quantity
    assert {need.requestStrategy for need in needs} == {"sequential", "parallel", "first_come"}
    assert session.exec(select(func.count()).select_from(Request)).one() == 0


def test_demo_is_deterministic_and_idempotent(demo, tmp_path):
    session, _ = demo
    assert seed_demo_data(session) == DemoCounts()
    first_names = session.exec(select(Musician.email).order_by(Musician.id)).all()

    other = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    orchestra_registry.metadata.create_all(other)
    with Session(other) as second:
        seed_orchestra(second, "Demoorkestern")
        seed_demo_data(second)
        second.commit()
        assert second.exec(select(Musician.email).order_by(Musician.id)).all() == first_names
    other.dispose()


def test_catalog_order_and_counts_after_seed(seeded):
    views = catalog.list_instruments(seeded)
    assert [v.name for v in views] == [name for name, _ in INSTRUMENTS]
    assert [v.instrumentId for v in views] == [f"INST{n:03d}" for n in range(1, 15)]
    assert sum(len(v.positions) for v in views) == 43
    for view, (_, position_names) in zip(views, INSTRUMENTS, strict=True):
        assert [p.name for p in view.positions] == position_names
        assert [p.hierarchyLevel for p in view.positions] == list(range(1, len(position_names) + 1))
        assert view.musicianCount == 0
        assert all(p.qualifiedCount == 0 and p.rankingLists == {"A": 0, "B": 0, "C": 0} for p in view.positions)
    assert catalog.counts(seeded) == {
        "musicians": 0, "instruments": 14, "positions": 43, "rankingLists": 129, "projects": 0,
    }


def test_catalog_sorting_and_archived_instruments(seeded):
    seeded.add(Instrument(instrumentId="INST900", name="Blockflöjt", displayOrder=None))
    seeded.add(Instrument(instrumentId="INST901", name="Accordion", displayOrder=None))
    seeded.add(Instrument(instrumentId="INST902", name="Cembalo", displayOrder=3, isArchived=True))
    seeded.commit()
    names = [v.name for v in catalog.list_instruments(seeded)]
    assert names[-2:] == ["Accordion", "Blockflöjt"]
    assert "Cembalo" not in names
    with_archived = [v.name for v in catalog.list_instruments(seeded, include_archived=True)]
    assert with_archived.index("Cembalo") == with_archived.index("Cello") + 1  # displayOrder 3, then by name
    empty = next(v for v in catalog.list_instruments(seeded) if v.name == "Accordion")
    assert empty.positions == [] and empty.musicianCount == 0


def test_catalog_sorts_names_in_swedish_order(seeded):
    for number, name in enumerate(["Öresundsorgel", "ärkeluta", "Åttasträngad gitarr", "zither"], start=910):
        seeded.add(Instrument(instrumentId=f"INST{number}", name=name))
    seeded.commit()
    names = [v.name for v in catalog.list_instruments(seeded)]
    assert names[-4:] == ["zither", "Åttasträngad gitarr", "ärkeluta", "Öresundsorgel"]


def test_catalog_counts_match_the_demo_data(demo):
    session, _ = demo
    views = {v.name: v for v in catalog.list_instruments(session)}
    active = set(session.exec(select(Musician.id).where(Musician.isArchived == sa.false())).all())
    qualifications = session.exec(select(MusicianQualification)).all()
    positions = {p.id: p for p in session.exec(select(Position)).all()}
    instruments = {i.id: i.name for i in session.exec(select(Instrument)).all()}
    expected_per_position = Counter(q.positionId for q in qualifications if q.musicianId in active)
    expected_per_instrument: dict[str, set[int]] = defaultdict(set)
    for q in qualifications:
        if q.musicianId in active:
            expected_per_instrument[instruments[positions[q.positionId].instrumentId]].add(q.musicianId)
    list_sizes = Counter(
        (position_id, list_type) for position_id, list_type in session.exec(
            select(RankingList.positionId, RankingList.listType).join(Ranking, Ranking.listId == RankingList.id)
        ).all()
    )
    by_position_id = {p.positionId: p.id for p in positions.values()}
    for name, view in views.items():
        assert view.musicianCount == len(expected_per_instrument[name]) > 0
        for position in view.positions:
            pk = by_position_id[position.positionId]
            assert position.qualifiedCount == expected_per_position[pk] > 0
            assert position.rankingLists == {t: list_sizes[(pk, t)] for t in ("A", "B", "C")}
    totals = catalog.counts(session)
    assert totals["musicians"] == len(session.exec(select(Musician.id)).all()) >= 60
    assert totals["projects"] == 2


def test_list_instruments_uses_a_fixed_number_of_statements(engine, seeded):
    with StatementCounter(engine) as small:
        catalog.list_instruments(seeded)
    seed_demo_data(seeded)
    seeded.commit()
    with StatementCounter(engine) as large:
        catalog.list_instruments(seeded, include_archived=True)
    with StatementCounter(engine) as totals:
        catalog.counts(seeded)
    assert small.count <= 5
    assert large.count == small.count
    assert totals.count == 1


def test_views_are_frozen(seeded):
    view = catalog.list_instruments(seeded)[0]
    with pytest.raises(AttributeError):
        view.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("today", ["2026-01-01", "2026-11-25", "2026-11-30", "2026-12-10", "2026-12-31"])
def test_demo_project_dates_are_always_ahead(today):
    from datetime import date

    from services.demo import _demo_project_dates

    day = date.fromisoformat(today)
    mahler, christmas = _demo_project_dates(day)
    assert mahler.weekday() == 0 and mahler - day >= timedelta(days=42)
    assert christmas.weekday() == 0 and christmas - day >= timedelta(days=10)
    assert christmas.month == 12 and 7 <= christmas.day <= 13
