"""The starting content of a new orchestra database (ORIGINAL_BEHAVIOUR.md §6.2).

``seed_orchestra`` creates the 14 instruments with their positions, an A, B and C ranking list per
position, the e-mail templates in Swedish and English, and the settings the application reads. Every row gets
a readable id from ``services.ids``. It is idempotent: rows that already exist (by name, type or key) are left
alone, so it can run again on a partly seeded or earlier-system database. It does not commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from models.orchestra import EmailTemplate, Instrument, Position, RankingList, Settings
from services.ids import ensure_sequences, next_ids

INSTRUMENTS: list[tuple[str, list[str]]] = [
    ("Violin", ["Förste konsertmästare", "Andre konsertmästare", "Stämledare violin 2", "Tutti violin 1",
                "Tutti violin 2"]),
    ("Viola", ["Stämledare", "Alternerande stämledare", "Tutti"]),
    ("Cello", ["Solocellist", "Alternerande stämledare", "Tutti"]),
    ("Kontrabas", ["Stämledare", "Tutti"]),
    ("Flöjt", ["Soloflöjt", "Stämledare flöjt 2", "Piccolaflöjt"]),
    ("Oboe", ["Solooboe", "Stämledare oboe 2", "Engelskt horn"]),
    ("Klarinett", ["Soloklarinett", "Stämledare klarinett 2", "Essklarinett", "Basklarinett"]),
    ("Fagott", ["Solofagott", "Stämledare fagott 2", "Kontrafagott"]),
    ("Valthorn", ["Solovalthorn", "Stämledare valthorn 2", "Valthorn 3", "Valthorn 4"]),
    ("Trumpet", ["Solotrumpet", "Stämledare trumpet 2", "Trumpet 3", "Kornet"]),
    ("Trombon", ["Solotrombon", "Trombon 2", "Bastrombon"]),
    ("Tuba", ["Solotuba"]),
    ("Slagverk", ["Soloslagverk", "Slagverk 2", "Puka"]),
    ("Harpa", ["Soloharpa", "Harpa 2"]),
]
"""Instrument name → position names in hierarchy order; list index + 1 is displayOrder / hierarchyLevel.

This is the catalogue exactly as the earlier system seeds it. Its documentation calls it "41 positions and
123 lists", but the positions it lists (and creates) add up to 43, hence 129 lists."""

LIST_TYPES: tuple[str, ...] = ("A", "B", "C")

TEMPLATE_BASE_TYPES: tuple[str, ...] = ("request", "reminder", "confirmation", "position_filled", "group_email")

TEMPLATE_LANGUAGES: tuple[str, ...] = ("sv", "en")
"""Swedish is the default and has no type suffix; other languages append ``_<lang>``."""

TEMPLATE_VARIABLES: dict[str, list[str]] = {
    "request": [
        "firstName", "lastName", "projectName", "positionName", "instrumentName", "startDate", "weekNumber",
        "rehearsalSchedule", "concertInfo", "responseUrl", "responseTime", "quantity", "deadline", "orchestraName",
    ],
    "reminder": ["firstName", "lastName", "projectName", "positionName", "responseUrl", "deadline", "orchestraName"],
    "confirmation": [
        "firstName", "lastName", "projectName", "positionName", "instrumentName", "startDate", "weekNumber",
        "rehearsalSchedule", "concertInfo", "attachmentNote", "orchestraName",
    ],
    "position_filled": ["firstName", "lastName", "projectName", "positionName", "orchestraName"],
    "group_email": ["firstName", "lastName", "subject", "message", "projectName", "orchestraName"],
}
"""The camelCase ``{{variables}}`` a template of each base type may use."""

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")

# (subject, body) per base type and language; "{signature}" is replaced by the orchestra's name at seed time.
_TEMPLATE_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "request": {
        "sv": (
            "Förfrågan om vikariat: {{positionName}} i {{projectName}} (v. {{weekNumber}})",
            "Hej {{firstName}}!\n\n"
            "{{orchestraName}} behöver förstärkning och vi undrar om du kan spela {{positionName}} "
            "({{instrumentName}}) i {{projectName}}.\n\n"
            "Start: {{startDate}} (vecka {{weekNumber}})\n"
            "Antal musiker vi söker: {{quantity}}\n"
            "Repetitioner: {{rehearsalSchedule}}\n"
            "Konsert: {{concertInfo}}\n\n"
            "Du har {{responseTime}} timmar på dig att svara, senast {{deadline}}. "
            "Svara ja eller nej via länken:\n"
            "[Svara på förfrågan]({{responseUrl}})\n\n"
            "Tack för att du tar dig tid!\n\n"
            "Vänliga hälsningar\n{signature}",
        ),
        "en": (
            "Engagement request: {{positionName}} in {{projectName}} (week {{weekNumber}})",
            "Dear {{firstName}},\n\n"
            "{{orchestraName}} is looking for an extra player and would like to know whether you can play "
            "{{positionName}} ({{instrumentName}}) in {{projectName}}.\n\n"
            "Starts: {{startDate}} (week {{weekNumber}})\n"
            "Players needed: {{quantity}}\n"
            "Rehearsals: {{rehearsalSchedule}}\n"
            "Concert: {{concertInfo}}\n\n"
            "You have {{responseTime}} hours to reply, until {{deadline}}. Please accept or decline here:\n"
            "[Reply to the request]({{responseUrl}})\n\n"
            "Thank you for considering it!\n\n"
            "Kind regards\n{signature}",
        ),
    },
    "reminder": {
        "sv": (
            "Påminnelse: {{positionName}} i {{projectName}}",
            "Hej {{firstName}}!\n\n"
            "Vi väntar fortfarande på ditt svar om {{positionName}} i {{projectName}} hos {{orchestraName}}. "
            "Förfrågan gäller till {{deadline}}; efter det går vi vidare till nästa musiker på listan.\n\n"
            "[Svara nu]({{responseUrl}})\n\n"
            "Vänliga hälsningar\n{signature}",
        ),
        "en": (
            "Reminder: {{positionName}} in {{projectName}}",
            "Dear {{firstName}},\n\n"
            "We are still waiting for your answer about {{positionName}} in {{projectName}} with "
            "{{orchestraName}}. The request is open until {{deadline}}; after that we will ask the next "
            "musician on the list.\n\n"
            "[Reply now]({{responseUrl}})\n\n"
            "Kind regards\n{signature}",
        ),
    },
    "confirmation": {
        "sv": (
            "Bekräftelse: {{projectName}} – {{positionName}}",
            "Hej {{firstName}}!\n\n"
            "Roligt att du kan! Du är nu bokad som {{positionName}} ({{instrumentName}}) i {{projectName}}, "
            "som börjar {{startDate}} (vecka {{weekNumber}}).\n\n"
            "Repetitioner: {{rehearsalSchedule}}\n"
            "Konsert: {{concertInfo}}\n\n"
            "{{attachmentNote}}\n\n"
            "Varmt välkommen till {{orchestraName}}!\n\n"
            "Vänliga hälsningar\n{signature}",
        ),
        "en": (
            "Confirmation: {{projectName}} – {{positionName}}",
            "Dear {{firstName}},\n\n"
            "We are glad you can join us! You are now booked as {{positionName}} ({{instrumentName}}) in "
            "{{projectName}}, starting {{startDate}} (week {{weekNumber}}).\n\n"
            "Rehearsals: {{rehearsalSchedule}}\n"
            "Concert: {{concertInfo}}\n\n"
            "{{attachmentNote}}\n\n"
            "A warm welcome to {{orchestraName}}!\n\n"
            "Kind regards\n{signature}",
        ),
    },
    "position_filled": {
        "sv": (
            "{{projectName}}: platsen är tillsatt",
            "Hej {{firstName}}!\n\n"
            "Tack för ditt intresse. Platsen som {{positionName}} i {{projectName}} har nu tillsatts, "
            "så den här gången behöver {{orchestraName}} inte din medverkan.\n\n"
            "Vi hör gärna av oss igen vid nästa tillfälle.\n\n"
            "Vänliga hälsningar\n{signature}",
        ),
        "en": (
            "{{projectName}}: the position has been filled",
            "Dear {{firstName}},\n\n"
            "Thank you for your interest. The {{positionName}} position in {{projectName}} has now been filled, "
            "so {{orchestraName}} will not need you this time.\n\n"
            "We look forward to contacting you again on a future occasion.\n\n"
            "Kind regards\n{signature}",
        ),
    },
    "group_email": {
        "sv": (
            "{{subject}}",
            "Hej {{firstName}}!\n\n{{message}}\n\nVänliga hälsningar\n{signature}",
        ),
        "en": (
            "{{subject}}",
            "Dear {{firstName}},\n\n{{message}}\n\nKind regards\n{signature}",
        ),
    },
}

DEFAULT_SETTINGS: list[tuple[str, str, str]] = [
    ("reminder_percentage", "75", "Andel av svarstiden (procent) som ska ha gått innan en påminnelse skickas"),
    ("ranking_conflict_strategy", "simple",
     "Hur en musiker som står på flera listor i samma projekt hanteras (simple, detailed eller smart)"),
    ("timezone", "Europe/Stockholm", "Tidszon för visning av tider och för tysta timmar"),
    ("quiet_hours_start", "21:00", "Början på tysta timmar: inga SMS skickas efter denna tid"),
    ("quiet_hours_end", "08:00", "Slutet på tysta timmar: väntande SMS skickas från denna tid"),
]
"""(key, value, description) of the settings every orchestra starts with."""


@dataclass(frozen=True)
class SeedCounts:
    """How many rows ``seed_orchestra`` created (zero everywhere on a second run)."""

    instruments: int = 0
    positions: int = 0
    ranking_lists: int = 0
    templates: int = 0
    settings: int = 0

    @property
    def total(self) -> int:
        return self.instruments + self.positions + self.ranking_lists + self.templates + self.settings


def template_type(base_type: str, language: str) -> str:
    """``template_type("request", "sv") == "request"``, ``template_type("request", "en") == "request_en"``."""
    return base_type if language == "sv" else f"{base_type}_{language}"


def template_placeholders(*texts: str) -> list[str]:
    """The distinct ``{{variable}}`` names in ``texts``, in order of first appearance."""
    names: list[str] = []
    for text in texts:
        for name in _PLACEHOLDER.findall(text):
            if name not in names:
                names.append(name)
    return names


def default_templates(orchestra_name: str) -> list[tuple[str, str, str]]:
    """(type, subject, body) of every default template, signed with ``orchestra_name``."""
    templates = []
    for base_type in TEMPLATE_BASE_TYPES:
        for language in TEMPLATE_LANGUAGES:
            subject, body = _TEMPLATE_TEXTS[base_type][language]
            templates.append((template_type(base_type, language), subject, body.replace("{signature}", orchestra_name)))
    return templates


def seed_orchestra(session: Session, orchestra_name: str) -> SeedCounts:
    """Create whatever part of the standard content is missing; returns the counts of rows created."""
    ensure_sequences(session)
    instruments, positions = _seed_instruments_and_positions(session)
    ranking_lists = _seed_ranking_lists(session)
    templates = _seed_templates(session, orchestra_name)
    settings = _seed_settings(session)
    session.flush()
    return SeedCounts(instruments, positions, ranking_lists, templates, settings)


def _seed_instruments_and_positions(session: Session) -> tuple[int, int]:
    existing_instruments = {row.name: row for row in session.execute(sa.select(Instrument)).scalars()}
    new_instrument_names = [name for name, _ in INSTRUMENTS if name not in existing_instruments]
    instrument_ids = iter(next_ids(session, "instrument", len(new_instrument_names)))
    for display_order, (name, _) in enumerate(INSTRUMENTS, start=1):
        if name not in existing_instruments:
            instrument = Instrument(instrumentId=next(instrument_ids), name=name, displayOrder=display_order)
            session.add(instrument)
            existing_instruments[name] = instrument
    session.flush()

    existing_positions = set(session.execute(sa.select(Position.instrumentId, Position.name)))
    missing = [
        (existing_instruments[instrument_name].id, level, position_name)
        for instrument_name, position_names in INSTRUMENTS
        for level, position_name in enumerate(position_names, start=1)
        if (existing_instruments[instrument_name].id, position_name) not in existing_positions
    ]
    position_ids = iter(next_ids(session, "position", len(missing)))
    for instrument_id, level, position_name in missing:
        session.add(Position(positionId=next(position_ids), instrumentId=instrument_id, name=position_name,
                             hierarchyLevel=level))
    session.flush()
    return len(new_instrument_names), len(missing)


def add_ranking_lists(session: Session, position_pks: list[int]) -> int:
    """The A, B and C lists a newly created position starts with, named as the seeded ones; returns how many."""
    return _seed_ranking_lists(session, position_pks)


def _seed_ranking_lists(session: Session, position_pks: list[int] | None = None) -> int:
    """An A, B and C list for every position of the catalogue (and any other position lacking one), or only
    for ``position_pks`` when given."""
    query = (
        sa.select(Position.id, Position.name, Instrument.name).join(Instrument, Instrument.id == Position.instrumentId)
        .order_by(Instrument.displayOrder, Instrument.id, Position.hierarchyLevel, Position.id)
    )
    if position_pks is not None:
        query = query.where(Position.id.in_(position_pks))
    positions = session.execute(query).all()
    existing = set(session.execute(sa.select(RankingList.positionId, RankingList.listType)))
    missing = [
        (position_id, list_type, f"{list_type}-lista för {position_name} ({instrument_name})")
        for position_id, position_name, instrument_name in positions
        for list_type in LIST_TYPES
        if (position_id, list_type) not in existing
    ]
    list_ids = iter(next_ids(session, "rankingList", len(missing)))
    for position_id, list_type, description in missing:
        session.add(RankingList(rankingListId=next(list_ids), positionId=position_id, listType=list_type,
                                description=description))
    return len(missing)


def _seed_templates(session: Session, orchestra_name: str) -> int:
    existing = set(session.execute(sa.select(EmailTemplate.type)).scalars())
    missing = [template for template in default_templates(orchestra_name) if template[0] not in existing]
    template_ids = iter(next_ids(session, "emailTemplate", len(missing)))
    for type_, subject, body in missing:
        session.add(EmailTemplate(emailTemplateId=next(template_ids), type=type_, subject=subject, body=body,
                                  variables=template_placeholders(subject, body)))
    return len(missing)


def _seed_settings(session: Session) -> int:
    existing = set(session.execute(sa.select(Settings.key)).scalars())
    missing = [setting for setting in DEFAULT_SETTINGS if setting[0] not in existing]
    for key, value, description in missing:
        session.add(Settings(key=key, value=value, description=description))
    return len(missing)
