"""Demo content for a freshly seeded orchestra: musicians, qualifications, filled A/B/C lists and two projects.

Everything is generated deterministically (``random.Random(2026)``), so two demo databases look the same
apart from dates, which are placed in the future relative to ``services.clock.now()``. Nothing is sent and
no requests are created. The function does not commit.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from models.orchestra import (
    Instrument,
    Musician,
    MusicianQualification,
    Position,
    Project,
    ProjectNeed,
    Ranking,
    RankingList,
)
from services import clock
from services.errors import ServiceError
from services.ids import next_id, next_ids

DEMO_SEED = 2026
TIMEZONE = ZoneInfo("Europe/Stockholm")

# How many demo musicians play each instrument (69 in all). Every instrument has at least as many players
# as positions, so each position gets at least one qualified musician.
MUSICIANS_PER_INSTRUMENT: dict[str, int] = {
    "Violin": 14, "Viola": 6, "Cello": 6, "Kontrabas": 4, "Flöjt": 4, "Oboe": 4, "Klarinett": 5, "Fagott": 4,
    "Valthorn": 5, "Trumpet": 5, "Trombon": 4, "Tuba": 2, "Slagverk": 4, "Harpa": 2,
}

SWEDISH_FIRST_NAMES = [
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Sara", "Per", "Emma", "Mikael", "Elin",
    "Karl", "Lena", "Fredrik", "Ingrid", "Magnus", "Sofia", "Henrik", "Linnea", "Oskar", "Maja", "Gustav",
    "Astrid", "Nils", "Ebba", "Olof", "Frida", "Björn", "Klara", "Mats", "Hanna", "Jonas", "Ida", "Göran",
    "Märta", "Åsa", "Sven", "Agnes", "Viktor", "Tove", "Axel", "Selma", "Pontus", "Signe", "Håkan", "Elsa",
]
SWEDISH_LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
    "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Lindberg", "Lindqvist",
    "Lundgren", "Berglund", "Sandberg", "Forsberg", "Sjöberg", "Wallin", "Engström", "Holm", "Åberg",
    "Ekström", "Lindström", "Dahl", "Hedlund", "Öberg", "Björk", "Strand", "Nordin", "Falk", "Sundqvist",
]
# A handful of international players who prefer English e-mails.
ENGLISH_SPEAKERS = [
    ("Emily", "Clarke"), ("James", "O'Connor"), ("Sophie", "Müller"), ("Lukas", "Novák"), ("Hannah", "Becker"),
    ("Daniel", "Harris"),
]

MUSICIAN_NOTES = [
    "Föredrar barockrepertoar.",
    "Kan inte medverka under juli.",
    "Har egen bil och kan ta med instrument.",
    "Spelar även i kammarensemble.",
    "Frilansare, bor i Uppsala.",
]


@dataclass(frozen=True)
class DemoCounts:
    """How many rows ``seed_demo_data`` created (all zero if musicians already existed)."""

    musicians: int = 0
    qualifications: int = 0
    rankings: int = 0
    projects: int = 0
    needs: int = 0


@dataclass(frozen=True)
class _DemoNeed:
    instrument: str
    position: str
    strategy: str
    quantity: int
    response_hours: int
    max_recipients: int | None = None


def seed_demo_data(session: Session) -> DemoCounts:
    """Fill a seeded orchestra database with demo musicians, lists and projects (once)."""
    if session.execute(sa.select(sa.func.count()).select_from(Musician)).scalar_one():
        return DemoCounts()
    rng = random.Random(DEMO_SEED)
    positions_by_instrument = _positions_by_instrument(session)
    if not positions_by_instrument:
        raise ServiceError("not_seeded", "Orkestern saknar instrument; kör grunddata (seed) först.")

    musicians, qualified = _create_musicians(session, rng, positions_by_instrument)
    ranking_count = _fill_ranking_lists(session, rng, musicians, qualified)
    project_count, need_count = _create_projects(session, positions_by_instrument)
    session.flush()
    return DemoCounts(
        musicians=len(musicians),
        qualifications=sum(len(position_ids) for position_ids in qualified.values()),
        rankings=ranking_count,
        projects=project_count,
        needs=need_count,
    )


def ascii_fold(text: str) -> str:
    """``ascii_fold("Sjöberg") == "sjoberg"``: lower case, accents removed, only a-z, 0-9, '.' and '-'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "".join(char for char in plain if char.isascii() and (char.isalnum() or char in ".-"))


def _positions_by_instrument(session: Session) -> dict[str, list[Position]]:
    rows = session.execute(
        sa.select(Instrument.name, Position)
        .join(Position, Position.instrumentId == Instrument.id)
        .where(Instrument.isArchived == sa.false())
        .order_by(Instrument.displayOrder, Instrument.id, Position.hierarchyLevel, Position.id)
    )
    grouped: dict[str, list[Position]] = {}
    for instrument_name, position in rows:
        grouped.setdefault(instrument_name, []).append(position)
    return grouped


def _unique_names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    while len(names) < count:
        name = (rng.choice(SWEDISH_FIRST_NAMES), rng.choice(SWEDISH_LAST_NAMES))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _unique_email(first_name: str, last_name: str, taken: set[str]) -> str:
    base = f"{ascii_fold(first_name)}.{ascii_fold(last_name)}"
    candidate, suffix = f"{base}@example.se", 2
    while candidate in taken:
        candidate, suffix = f"{base}{suffix}@example.se", suffix + 1
    taken.add(candidate)
    return candidate


def _unique_phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        digits = f"07{rng.choice('02369')}{rng.randrange(10_000_000):07d}"
        phone = f"{digits[:3]}-{digits[3:6]} {digits[6:8]} {digits[8:]}"
        if phone not in taken:
            taken.add(phone)
            return phone


def _create_musicians(
    session: Session, rng: random.Random, positions_by_instrument: dict[str, list[Position]]
) -> tuple[list[Musician], dict[int, list[int]]]:
    """Create the musicians and their qualifications; returns them and musician id → qualified position ids."""
    plan: list[tuple[str, int]] = []  # (instrument, index of the player within the instrument)
    for instrument_name, positions in positions_by_instrument.items():
        players = max(MUSICIANS_PER_INSTRUMENT.get(instrument_name, 3), len(positions))
        plan.extend((instrument_name, index) for index in range(players))

    english_slots = set(rng.sample(range(len(plan)), k=min(len(ENGLISH_SPEAKERS), len(plan))))
    # Archive two players whose seat is also covered by someone else (index beyond the position count).
    spare = [slot for slot, (name, index) in enumerate(plan) if index >= len(positions_by_instrument[name])]
    archived_slots = set(rng.sample(spare, k=min(2, len(spare))))
    inactive_slots = set(rng.sample([slot for slot in range(len(plan)) if slot not in archived_slots], k=3))

    names = iter(_unique_names(rng, len(plan)))
    english_names = iter(ENGLISH_SPEAKERS)
    emails: set[str] = set()
    phones: set[str] = set()
    musician_ids = iter(next_ids(session, "musician", len(plan)))
    now = clock.now()
    musicians: list[Musician] = []
    qualified_positions: list[list[int]] = []
    for slot, (instrument_name, index) in enumerate(plan):
        english = slot in english_slots
        first_name, last_name = next(english_names) if english else next(names)
        archived = slot in archived_slots
        musician = Musician(
            musicianId=next(musician_ids),
            firstName=first_name,
            lastName=last_name,
            email=_unique_email(first_name, last_name, emails),
            phone=_unique_phone(rng, phones),
            preferredLanguage="en" if english else "sv",
            localResidence=rng.random() < 0.3,
            notes=rng.choice(MUSICIAN_NOTES) if rng.random() < 0.2 else None,
            isActive=not archived and slot not in inactive_slots,
            isArchived=archived,
            archivedAt=now - timedelta(days=30 + slot) if archived else None,
        )
        session.add(musician)
        musicians.append(musician)
        positions = positions_by_instrument[instrument_name]
        # The index guarantees every position of the instrument is covered; extra seats make it realistic.
        covered = positions[index % len(positions)]
        extras = rng.sample(positions, k=min(len(positions), rng.randint(1, 3))) if len(positions) > 1 else []
        chosen = [covered] + [position for position in extras if position is not covered]
        qualified_positions.append([position.id for position in chosen[:3]])
    session.flush()

    qualified: dict[int, list[int]] = {}
    for musician, position_ids in zip(musicians, qualified_positions, strict=True):
        qualified[musician.id] = position_ids
        session.add_all(MusicianQualification(musicianId=musician.id, positionId=position_id)
                        for position_id in position_ids)
    session.flush()
    return musicians, qualified


def _fill_ranking_lists(
    session: Session, rng: random.Random, musicians: list[Musician], qualified: dict[int, list[int]]
) -> int:
    """A list: the top ~60 % of a shuffled pool; B: the rest followed by the first A player; C: everyone."""
    pool_by_position: dict[int, list[int]] = {}
    for musician in musicians:
        if musician.isArchived:
            continue
        for position_id in qualified[musician.id]:
            pool_by_position.setdefault(position_id, []).append(musician.id)

    lists = session.execute(
        sa.select(RankingList.id, RankingList.positionId, RankingList.listType).order_by(RankingList.id)
    ).all()
    orders: dict[int, dict[str, list[int]]] = {}
    for position_id in sorted(pool_by_position):
        pool = list(pool_by_position[position_id])
        rng.shuffle(pool)
        top = max(1, math.ceil(len(pool) * 0.6))
        everyone = list(pool)
        rng.shuffle(everyone)
        orders[position_id] = {"A": pool[:top], "B": pool[top:] + pool[:1], "C": everyone}

    entries = [
        (list_id, musician_id, rank)
        for list_id, position_id, list_type in lists
        for rank, musician_id in enumerate(orders.get(position_id, {}).get(list_type, []), start=1)
    ]
    ranking_ids = iter(next_ids(session, "ranking", len(entries)))
    session.add_all(Ranking(rankingId=next(ranking_ids), listId=list_id, musicianId=musician_id, rank=rank)
                    for list_id, musician_id, rank in entries)
    session.flush()
    return len(entries)


def _next_weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _local_start(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TIMEZONE).astimezone(clock.UTC)


def _monday_of_week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _demo_project_dates(today: date) -> tuple[date, date]:
    """Mahler 5 starts on a Monday about six weeks ahead; the Christmas concert in the week of 13 December
    (next year's when this year's is less than ten days away)."""
    mahler = _next_weekday_on_or_after(today + timedelta(days=42), 0)
    christmas = _monday_of_week(date(today.year, 12, 13))
    if christmas - today < timedelta(days=10):
        christmas = _monday_of_week(date(today.year + 1, 12, 13))
    return mahler, christmas


def _create_projects(session: Session, positions_by_instrument: dict[str, list[Position]]) -> tuple[int, int]:
    mahler_day, christmas_day = _demo_project_dates(clock.to_local(clock.now()).date())
    projects = [
        (
            "Mahler 5", mahler_day,
            "Måndag–onsdag 10.00–13.00 och 14.00–16.00 i Konserthusets stora sal. Generalrepetition torsdag 10.00.",
            "Konsert torsdag kl. 19.00 och fredag kl. 18.00. Klädsel: svart. Dirigent meddelas senare.",
            [
                _DemoNeed("Trumpet", "Solotrumpet", "sequential", 1, 24),
                _DemoNeed("Violin", "Tutti violin 1", "parallel", 2, 48),
            ],
        ),
        (
            "Julkonsert", christmas_day,
            "Tisdag och onsdag 13.00–17.00 i repetitionssalen, med kör från onsdag.",
            "Två konserter lördag kl. 15.00 och 18.00 i Domkyrkan. Klädsel: svart med röd detalj.",
            [_DemoNeed("Viola", "Tutti", "first_come", 2, 24, max_recipients=4)],
        ),
    ]
    a_lists = dict(session.execute(
        sa.select(RankingList.positionId, RankingList.id).where(RankingList.listType == "A")
    ).all())
    project_ids = iter(next_ids(session, "project", len(projects)))
    need_count = 0
    for name, start_day, rehearsals, concert, needs in projects:
        project = Project(
            projectId=next(project_ids),
            name=name,
            startDate=_local_start(start_day, 10),
            weekNumber=start_day.isocalendar().week,
            rehearsalSchedule=rehearsals,
            concertInfo=concert,
        )
        session.add(project)
        session.flush()
        for need in needs:
            position = next(
                (p for p in positions_by_instrument.get(need.instrument, []) if p.name == need.position), None
            )
            if position is None or position.id not in a_lists:
                continue
            session.add(ProjectNeed(
                projectNeedId=next_id(session, "projectNeed"),
                projectId=project.id,
                positionId=position.id,
                quantity=need.quantity,
                rankingListId=a_lists[position.id],
                requestStrategy=need.strategy,
                maxRecipients=need.max_recipients,
                responseTimeHours=need.response_hours,
            ))
            need_count += 1
    return len(projects), need_count


def add_crowd_project(session: Session, *, musicians: int, strategy: str, quantity: int,
                      position_name: str = "Tutti violin 1", name: str = "Publikprojekt",
                      response_hours: int = 48) -> str:
    """A project whose one need draws on ``musicians`` new musicians ranked on the position's A list.

    For load tests, benchmarks and demonstrations of big sends; returns the project's id. The caller commits.
    """
    from sqlmodel import select

    position = session.exec(select(Position).where(Position.name == position_name)).one()
    a_list = session.exec(
        select(RankingList).where(RankingList.positionId == position.id, RankingList.listType == "A")
    ).one()
    start_rank = (session.execute(sa.select(sa.func.max(Ranking.rank)).where(Ranking.listId == a_list.id))
                  .scalar_one() or 0)
    for offset, musician_id in enumerate(next_ids(session, "musician", musicians), start=1):
        musician = Musician(musicianId=musician_id, firstName="Musiker", lastName=musician_id,
                            email=f"{musician_id.lower()}@crowd.example.se")
        session.add(musician)
        session.flush()
        session.add(MusicianQualification(musicianId=musician.id, positionId=position.id))
        session.add(Ranking(rankingId=next_id(session, "ranking"), listId=a_list.id, musicianId=musician.id,
                            rank=start_rank + offset))
    start = clock.now() + timedelta(days=30)
    project = Project(projectId=next_id(session, "project"), name=name, startDate=start,
                      weekNumber=start.isocalendar().week, rehearsalSchedule="Måndag–torsdag 10.00–15.00",
                      concertInfo="Fredag 19.00, Konserthuset")
    session.add(project)
    session.flush()
    session.add(ProjectNeed(projectNeedId=next_id(session, "projectNeed"), projectId=project.id,
                            positionId=position.id, quantity=quantity, rankingListId=a_list.id,
                            requestStrategy=strategy, responseTimeHours=response_hours))
    session.flush()
    return project.projectId
