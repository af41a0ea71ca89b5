"""Musicians: list and search, create and edit with their qualifications, archive and restore, blockouts.

Every function takes an ``OrchestraRef`` and public ids (``MUS001``, ``POS001``), runs in one transaction and
returns plain dicts with the documented camelCase names (the REST API's vocabulary). Rules:

* ``email`` is unique (compared without regard to case; stored trimmed and lower-cased); ``phone`` is unique when
  given (compared on its digits and a leading ``+``, in every spelling of the same number: ``070-111 22 33`` is
  ``+46 70 111 22 33``). A clash names the musician who has the value.
* ``preferredLanguage`` is ``sv`` or ``en`` (``sv`` by default).
* Qualifications are a set of ``positionId``s; giving them replaces the set.
* Creating (and restoring) respects the orchestra's plan limit ``maxMusicians`` (non-archived musicians).
* Archiving is the only "delete": ``isArchived`` with ``isActive`` false and ``archivedAt``; restoring sets
  ``isActive`` again and ``restoredAt``. Pending requests of an archived musician are left as they are.
* Blockouts are periods a musician cannot play; a blockout overlapping a project's week keeps them out of its
  requests (``services.dispatch``). A date without a time means the whole day in the orchestra's time zone.
* The staff pages read more: ``musician_counts`` (the roster's totals), ``request_statistics`` and
  ``project_history`` (derived from the musician's Request rows) and ``musician_profile`` (all of a profile page
  in one session).

The time helpers at the end (``as_moment``) are shared with ``services.projects``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.orchestra import (
    Instrument,
    Musician,
    MusicianBlockout,
    MusicianQualification,
    Position,
    Project,
    ProjectNeed,
    Ranking,
    RankingList,
    Request,
)
from services import clock, tenancy
from services.catalog import UNORDERED_DISPLAY_ORDER, swedish_sort_key
from services.errors import Conflict, NotFound, ValidationError
from services.ids import next_id
from services.messaging.phone import normalise_phone

T = TypeVar("T")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{5,40}$")
LANGUAGES = ("sv", "en")
STATUSES = ("active", "inactive", "archived")
LIST_STATUSES = (*STATUSES, "current")  # current: every musician who is not archived (the staff list's default)
SORTS = ("name", "newest")
PHONE_FRAGMENT_RE = re.compile(r"^\+?[0-9()./-]*[0-9][0-9()./-]*$")
NAME_MAX = 100
EMAIL_MAX = 254
NOTES_MAX = 10_000
REASON_MAX = 500
TOP_POSITIONS = 3
REQUEST_STATUSES = {"pending": "pending", "accepted": "accepted", "declined": "declined",
                     "timed_out": "timedOut", "cancelled": "cancelled"}
CREATE_FIELDS = ("firstName", "lastName", "email", "phone", "preferredLanguage", "localResidence", "notes",
                 "qualifications")
UPDATE_FIELDS = (*CREATE_FIELDS, "isActive")


def like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def musician_by_public_id(session: Session, musician_id: str) -> Musician:
    musician = session.exec(select(Musician).where(Musician.musicianId == musician_id)).first()
    if musician is None:
        raise NotFound("musician_not_found", f"No musician {musician_id}.")
    return musician


def position_by_public_id(session: Session, position_id: str) -> Position:
    position = session.exec(select(Position).where(Position.positionId == position_id)).first()
    if position is None:
        raise NotFound("position_not_found", f"No position {position_id}.")
    return position


def status_of(musician: Musician) -> str:
    if musician.isArchived:
        return "archived"
    return "active" if musician.isActive else "inactive"


# ----- validation ------------------------------------------------------------------------------------------------


def _text(value: Any, field: str, problems: dict[str, str], *, required: bool, max_length: int) -> str | None:
    if value is None:
        if required:
            problems[field] = "required"
        return None
    if not isinstance(value, str):
        problems[field] = "must be text"
        return None
    value = value.strip()
    if not value:
        if required:
            problems[field] = "required"
        return None
    if len(value) > max_length:
        problems[field] = f"at most {max_length} characters"
    return value


def _clean(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Normalised values of the fields present (all of them when not ``partial``); 422 listing every problem."""
    allowed = UPDATE_FIELDS if partial else CREATE_FIELDS
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    present = [f for f in allowed if f in data] if partial else list(allowed)

    for field in present:
        value = data.get(field)
        if field in ("firstName", "lastName"):
            clean[field] = _text(value, field, problems, required=True, max_length=NAME_MAX)
        elif field == "email":
            email = _text(value, field, problems, required=True, max_length=EMAIL_MAX)
            if email is not None and field not in problems and not EMAIL_RE.match(email):
                problems[field] = "not an e-mail address"
            clean[field] = email.lower() if email else email
        elif field == "phone":
            phone = _text(value, field, problems, required=False, max_length=40)
            if phone is not None and field not in problems and not PHONE_RE.match(phone):
                problems[field] = "not a phone number (digits, spaces, +, -, parentheses)"
            clean[field] = phone
        elif field == "preferredLanguage":
            language = "sv" if value is None else value
            if not isinstance(language, str) or language.strip().lower() not in LANGUAGES:
                problems[field] = "sv or en"
            else:
                clean[field] = language.strip().lower()
        elif field in ("localResidence", "isActive"):
            if value is None and not partial:
                clean[field] = False
            elif not isinstance(value, bool):
                problems[field] = "true or false"
            else:
                clean[field] = value
        elif field == "notes":
            clean[field] = _text(value, field, problems, required=False, max_length=NOTES_MAX)
        elif field == "qualifications":
            items = [] if value is None else value
            if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
                problems[field] = "a list of positionIds"
            else:
                clean[field] = list(dict.fromkeys(i.strip() for i in items))
    if problems:
        raise ValidationError("invalid_musician", "The musician's details are incomplete or invalid.", problems)
    return clean


def _phone_key(phone: str) -> str:
    return re.sub(r"[^0-9+]", "", phone)


def _phone_spellings(phone: str) -> set[str]:
    """The compact forms (digits and +) the same number may be stored in: as typed, E.164, ``00`` international,
    and for Swedish numbers the national ``0…`` and ``+46 (0)…`` forms; so ``070-111 22 33`` and
    ``+46 70 111 22 33`` are one number."""
    spellings = {_phone_key(phone)}
    try:
        e164 = normalise_phone(phone)
    except ValidationError:
        return spellings
    spellings |= {e164, "00" + e164[1:]}
    if e164.startswith("+46"):
        national = e164[3:]
        spellings |= {"0" + national, "+460" + national, "00460" + national}
    return spellings


def _phone_column_key() -> sa.ColumnElement:
    expression: Any = Musician.phone
    for char in (" ", "-", "(", ")", ".", "/"):
        expression = sa.func.replace(expression, char, "")
    return expression


def _check_unique(session: Session, clean: Mapping[str, Any], self_pk: int | None) -> None:
    email = clean.get("email")
    if email:
        other = session.exec(
            select(Musician).where(sa.func.lower(Musician.email) == email, Musician.id != (self_pk or -1))
        ).first()
        if other is not None:
            raise Conflict("email_taken",
                           f"The e-mail address {email} already belongs to {other.firstName} {other.lastName} "
                           f"({other.musicianId}).", {"email": f"taken by {other.musicianId}"})
    phone = clean.get("phone")
    if phone:
        other = session.exec(
            select(Musician).where(_phone_column_key().in_(_phone_spellings(phone)), Musician.id != (self_pk or -1))
        ).first()
        if other is not None:
            raise Conflict("phone_taken",
                           f"The phone number {phone} already belongs to {other.firstName} {other.lastName} "
                           f"({other.musicianId}).", {"phone": f"taken by {other.musicianId}"})


def _positions(session: Session, position_ids: list[str]) -> list[Position]:
    if not position_ids:
        return []
    found = {p.positionId: p for p in session.exec(select(Position).where(Position.positionId.in_(position_ids)))}
    unknown = [p for p in position_ids if p not in found]
    if unknown:
        raise ValidationError("unknown_position", f"No position {', '.join(unknown)}.",
                              {"qualifications": f"unknown position {', '.join(unknown)}"})
    return [found[p] for p in position_ids]


def _set_qualifications(session: Session, musician: Musician, positions: list[Position]) -> None:
    wanted = {p.id for p in positions}
    current = set(session.exec(
        select(MusicianQualification.positionId).where(MusicianQualification.musicianId == musician.id)
    ).all())
    removed = current - wanted
    if removed:
        session.execute(sa.delete(MusicianQualification).where(
            MusicianQualification.musicianId == musician.id, MusicianQualification.positionId.in_(removed)))
    session.add_all(MusicianQualification(musicianId=musician.id, positionId=p) for p in sorted(wanted - current))


def _check_plan_limit(ref: tenancy.OrchestraRef, session: Session, adding: int = 1) -> None:
    """Refuse when ``adding`` more non-archived musicians would exceed the plan (a roster import adds many)."""
    max_musicians, _ = tenancy.plan_limits(ref)
    count = session.execute(
        sa.select(sa.func.count()).select_from(Musician).where(Musician.isArchived == sa.false())
    ).scalar_one()
    if count + adding > max_musicians:
        more = f" The import would add {adding}." if adding > 1 else ""
        raise Conflict("plan_limit",
                       f"The orchestra's plan allows at most {max_musicians} musicians (archived ones not counted), "
                       f"and {count} are registered.{more} Archive a musician or ask for a larger plan.",
                       {"maxMusicians": str(max_musicians)})


# ----- reading ---------------------------------------------------------------------------------------------------


def _qualifications_of(session: Session, musician_pks: list[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {pk: [] for pk in musician_pks}
    if not musician_pks:
        return result
    rows = session.execute(
        sa.select(MusicianQualification.musicianId, Position.positionId)
        .join(Position, Position.id == MusicianQualification.positionId)
        .where(MusicianQualification.musicianId.in_(musician_pks))
        .order_by(MusicianQualification.musicianId, Position.id)
    ).all()
    for musician_pk, position_id in rows:
        result[musician_pk].append(position_id)
    return result


def as_dict(musician: Musician, qualifications: list[str]) -> dict:
    return {
        "musicianId": musician.musicianId,
        "firstName": musician.firstName,
        "lastName": musician.lastName,
        "email": musician.email,
        "phone": musician.phone,
        "preferredLanguage": musician.preferredLanguage or "sv",
        "localResidence": bool(musician.localResidence),
        "notes": musician.notes,
        "isActive": bool(musician.isActive),
        "isArchived": bool(musician.isArchived),
        "status": status_of(musician),
        "archivedAt": musician.archivedAt,
        "restoredAt": musician.restoredAt,
        "createdAt": musician.createdAt,
        "updatedAt": musician.updatedAt,
        "qualifications": qualifications,
    }


def _statistics(session: Session, musician_pk: int) -> dict[str, int]:
    stats = {name: 0 for name in REQUEST_STATUSES.values()}
    rows = session.execute(
        sa.select(Request.status, sa.func.count()).where(Request.musicianId == musician_pk).group_by(Request.status)
    ).all()
    for status, count in rows:
        stats[REQUEST_STATUSES.get(status, status)] = stats.get(REQUEST_STATUSES.get(status, status), 0) + count
    stats["total"] = sum(count for _, count in rows)
    return stats


def _detail(session: Session, musician: Musician) -> dict:
    result = as_dict(musician, _qualifications_of(session, [musician.id])[musician.id])
    result["statistics"] = _statistics(session, musician.id)
    return result


def _phone_digits(fragment: str) -> str:
    """The part of a typed phone number that every stored spelling contains: separators and the country or
    trunk prefix removed (``+46 (0)70-765`` and ``070 765`` both give ``70765``)."""
    compact = _phone_key(fragment)
    for prefix in ("+46", "0046"):
        if compact.startswith(prefix):
            rest = compact[len(prefix):]
            return rest[1:] if rest.startswith("0") else rest
    for prefix in ("+", "00", "0"):
        if compact.startswith(prefix):
            return compact[len(prefix):]
    return compact


def _phone_condition(fragment: str) -> sa.ColumnElement:
    digits = _phone_digits(fragment) or _phone_key(fragment)
    return _phone_column_key().like(like_pattern(digits), escape="\\")


@functools.lru_cache(maxsize=16_384)
def _name_key(name: str | None) -> str:
    """``swedish_sort_key`` remembered: names repeat across requests (and within a roster), the key costs ~3 µs."""
    return swedish_sort_key(name or "")


def _search_conditions(q: str | None) -> list[Any]:
    """Every word must occur in the first name, last name, e-mail or MUS id, or (a phone-like word) in the phone,
    compared on digits in any spelling. Several phone-like words together (``070 765 43 21``) are also tried as
    one number."""
    words = (q or "").split()
    conditions: list[Any] = []
    for word in words:
        pattern = like_pattern(word.lower())
        options: list[Any] = [
            sa.func.lower(column).like(pattern, escape="\\")
            for column in (Musician.firstName, Musician.lastName, Musician.email, Musician.musicianId)
        ]
        if PHONE_FRAGMENT_RE.match(word):
            options.append(_phone_condition(word))
        conditions.append(sa.or_(*options))
    compact = "".join(words)
    if len(words) > 1 and PHONE_FRAGMENT_RE.match(compact):
        return [sa.or_(_phone_condition(compact), sa.and_(*conditions))]
    return conditions


def _list_conditions(q: str | None, position_id: str | None, status: str | None, instrument_id: str | None,
                     local_residence: bool | None) -> list[Any]:
    if status is not None and status not in LIST_STATUSES:
        raise ValidationError("invalid_status", "status is active, inactive or archived.",
                              {"status": "active, inactive or archived"})
    conditions = _search_conditions(q)
    if status == "archived":
        conditions.append(Musician.isArchived == sa.true())
    elif status == "current":
        conditions.append(Musician.isArchived == sa.false())
    elif status == "active":
        conditions += [Musician.isArchived == sa.false(), Musician.isActive == sa.true()]
    elif status == "inactive":
        conditions += [Musician.isArchived == sa.false(), Musician.isActive == sa.false()]
    if position_id:
        conditions.append(Musician.id.in_(
            sa.select(MusicianQualification.musicianId)
            .join(Position, Position.id == MusicianQualification.positionId)
            .where(Position.positionId == position_id)
        ))
    elif instrument_id:
        # The position is the finer filter: when both are given, the position decides (as in the earlier system).
        conditions.append(Musician.id.in_(
            sa.select(MusicianQualification.musicianId)
            .join(Position, Position.id == MusicianQualification.positionId)
            .join(Instrument, Instrument.id == Position.instrumentId)
            .where(Instrument.instrumentId == instrument_id)
        ))
    if local_residence is not None:
        conditions.append(Musician.localResidence == (sa.true() if local_residence else sa.false()))
    return conditions


def list_musicians(ref: tenancy.OrchestraRef, *, q: str | None = None, position_id: str | None = None,
                   status: str | None = None, limit: int = 50, offset: int = 0, instrument_id: str | None = None,
                   local_residence: bool | None = None, sort: str = "name") -> tuple[list[dict], int]:
    """A page of musicians and how many match in all.

    ``q``: every word must occur in the first name, last name, e-mail, MUS id or (phone-like words) the phone,
    case-insensitive; ``position_id``: qualified for that position; ``instrument_id``: qualified for a position of
    that instrument (ignored when ``position_id`` is given); ``status``: active, inactive, archived or current
    (not archived; default: all); ``local_residence``: only local (True) or only non-local (False) musicians.
    ``sort``: ``name`` (last name, first name, in Swedish alphabetical order: å, ä, ö after z) or ``newest``.

    By name, the ordering is done in Python on (id, names) of the matching rows, then only the page is loaded in
    full: SQL collations do not sort å/ä/ö the Swedish way, and with the sort keys cached (``_name_key``) a roster
    of 2,000 costs about 10 ms. Newest first is paged by the database.
    """
    if sort not in SORTS:
        raise ValidationError("invalid_sort", "sort is name or newest.", {"sort": "name or newest"})
    conditions = _list_conditions(q, position_id, status, instrument_id, local_residence)
    offset, limit = max(offset, 0), max(limit, 0)
    with tenancy.orchestra_session(ref) as session:
        if sort == "newest":
            total = session.execute(sa.select(sa.func.count()).select_from(Musician).where(*conditions)).scalar_one()
            page_pks = list(session.execute(
                sa.select(Musician.id).where(*conditions)
                .order_by(Musician.createdAt.desc(), Musician.id.desc()).offset(offset).limit(limit)
            ).scalars())
        else:
            keys = session.execute(sa.select(Musician.id, Musician.lastName, Musician.firstName).where(*conditions))
            ordered = sorted(keys, key=lambda row: (_name_key(row.lastName), _name_key(row.firstName), row.id))
            total, page_pks = len(ordered), [row.id for row in ordered[offset:offset + limit]]
        found = {m.id: m for m in session.exec(select(Musician).where(Musician.id.in_(page_pks)))} if page_pks else {}
        qualifications = _qualifications_of(session, page_pks)
        return [as_dict(found[pk], qualifications[pk]) for pk in page_pks], total


def musician_counts(ref: tenancy.OrchestraRef) -> dict[str, int]:
    """The roster's totals in one statement: ``total`` (not archived), ``active``, ``inactive``, ``archived``,
    ``local`` (not archived and living locally)."""
    current = Musician.isArchived == sa.false()

    def count_where(*conditions: Any) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0)), 0)

    with tenancy.orchestra_session(ref) as session:
        row = session.execute(sa.select(
            count_where(current).label("total"),
            count_where(current, Musician.isActive == sa.true()).label("active"),
            count_where(current, Musician.isActive == sa.false()).label("inactive"),
            count_where(Musician.isArchived == sa.true()).label("archived"),
            count_where(current, Musician.localResidence == sa.true()).label("local"),
        )).one()
    return {name: int(value) for name, value in row._mapping.items()}


def get_musician(ref: tenancy.OrchestraRef, musician_id: str) -> dict:
    """One musician with qualifications and request statistics (counts by status)."""
    with tenancy.orchestra_session(ref) as session:
        return _detail(session, musician_by_public_id(session, musician_id))


def _request_rows(session: Session, musician_pk: int) -> list[sa.Row]:
    """Every request of the musician with its project and "instrument – position" (one statement)."""
    return list(session.execute(
        sa.select(Request.requestId, Request.status, Request.sentAt, Request.respondedAt, Request.answeredBy,
                  Project.projectId, Project.name.label("projectName"), Project.weekNumber,
                  Project.startDate, Position.name.label("positionName"),
                  Instrument.name.label("instrumentName"))
        .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .join(Project, Project.id == ProjectNeed.projectId)
        .join(Position, Position.id == ProjectNeed.positionId)
        .join(Instrument, Instrument.id == Position.instrumentId)
        .where(Request.musicianId == musician_pk)
        .order_by(Project.startDate.desc(), Project.id.desc(), Request.sentAt, Request.id)
    ).all())


def position_label(instrument: str, position: str) -> str:
    """How a position is named on its own: ``Violin – Tutti violin 1``."""
    return f"{instrument} – {position}"


def _response_statistics(rows: list[sa.Row]) -> dict:
    counts = dict.fromkeys(REQUEST_STATUSES.values(), 0)
    hours: list[float] = []
    per_year: dict[int, int] = {}
    per_position: dict[str, int] = {}
    zone = clock.orchestra_timezone()
    for row in rows:
        key = REQUEST_STATUSES.get(row.status, row.status)
        counts[key] = counts.get(key, 0) + 1
        if row.status in ("accepted", "declined") and row.respondedAt is not None and row.sentAt is not None:
            hours.append(max((clock.as_utc(row.respondedAt) - clock.as_utc(row.sentAt)).total_seconds(), 0) / 3600)
        year = clock.as_utc(row.sentAt).astimezone(zone).year if row.sentAt is not None else None
        if year is not None:
            per_year[year] = per_year.get(year, 0) + 1
        label = position_label(row.instrumentName, row.positionName)
        per_position[label] = per_position.get(label, 0) + 1
    answered = counts["accepted"] + counts["declined"]
    top = sorted(per_position.items(), key=lambda item: (-item[1], swedish_sort_key(item[0])))[:TOP_POSITIONS]
    return {
        "asked": len(rows),
        **counts,
        "acceptanceRate": round(100 * counts["accepted"] / answered) if answered else None,
        "averageResponseHours": round(sum(hours) / len(hours), 1) if hours else None,
        "perYear": [{"year": year, "count": count} for year, count in sorted(per_year.items(), reverse=True)],
        "topPositions": [{"label": label, "count": count} for label, count in top],
    }


def request_statistics(ref: tenancy.OrchestraRef, musician_id: str) -> dict:
    """How the musician has answered, computed from their Request rows.

    ``asked`` (every request), counts by status (``pending``, ``accepted``, ``declined``, ``timedOut``,
    ``cancelled``); ``acceptanceRate``: accepted ÷ (accepted + declined) in whole percent, None before the
    first answer (requests that timed out or were cancelled are left out, as in the earlier system);
    ``averageResponseHours``: mean time from sending to the answer over accepted and declined requests, one
    decimal, None without answers; ``perYear``: requests per year sent (orchestra time), newest first;
    ``topPositions``: the three "instrument – position" pairs asked most often.
    """
    with tenancy.orchestra_session(ref) as session:
        return _response_statistics(_request_rows(session, musician_by_public_id(session, musician_id).id))


def _history(rows: list[sa.Row]) -> list[dict]:
    return [
        {
            "requestId": row.requestId, "projectId": row.projectId, "projectName": row.projectName,
            "weekNumber": row.weekNumber, "startDate": row.startDate,
            "position": position_label(row.instrumentName, row.positionName), "status": row.status,
            "sentAt": row.sentAt, "respondedAt": row.respondedAt, "answeredBy": row.answeredBy,
        }
        for row in rows
    ]


def project_history(ref: tenancy.OrchestraRef, musician_id: str) -> list[dict]:
    """Every request of the musician, newest project first: project, week, position, status, sent and answered."""
    with tenancy.orchestra_session(ref) as session:
        return _history(_request_rows(session, musician_by_public_id(session, musician_id).id))


def _rankings(session: Session, musician_pk: int) -> list[dict]:
    """The standard lists the musician is on, in instrument order, then position hierarchy, then list type."""
    rows = session.execute(
        sa.select(Instrument.name.label("instrumentName"), Instrument.displayOrder, Position.name.label("positionName"),
                  Position.hierarchyLevel, Position.positionId, RankingList.rankingListId, RankingList.listType,
                  Ranking.rank)
        .join(RankingList, RankingList.id == Ranking.listId)
        .join(Position, Position.id == RankingList.positionId)
        .join(Instrument, Instrument.id == Position.instrumentId)
        .where(Ranking.musicianId == musician_pk)
    ).all()
    rows = sorted(rows, key=lambda r: (
        UNORDERED_DISPLAY_ORDER if r.displayOrder is None else r.displayOrder, swedish_sort_key(r.instrumentName),
        r.hierarchyLevel, swedish_sort_key(r.positionName), r.listType))
    return [{"rankingListId": r.rankingListId, "positionId": r.positionId,
             "position": position_label(r.instrumentName, r.positionName), "listType": r.listType, "rank": r.rank}
            for r in rows]


def _qualification_details(session: Session, musician_pk: int) -> list[dict]:
    rows = session.execute(
        sa.select(Position.positionId, Position.name, Position.hierarchyLevel, Instrument.instrumentId,
                  Instrument.name.label("instrumentName"), Instrument.displayOrder, Instrument.isArchived)
        .join(MusicianQualification, MusicianQualification.positionId == Position.id)
        .join(Instrument, Instrument.id == Position.instrumentId)
        .where(MusicianQualification.musicianId == musician_pk)
    ).all()
    rows = sorted(rows, key=lambda r: (
        UNORDERED_DISPLAY_ORDER if r.displayOrder is None else r.displayOrder, swedish_sort_key(r.instrumentName),
        r.hierarchyLevel, swedish_sort_key(r.name)))
    return [{"positionId": r.positionId, "position": r.name, "instrumentId": r.instrumentId,
             "instrument": r.instrumentName, "instrumentArchived": bool(r.isArchived)} for r in rows]


def musician_profile(ref: tenancy.OrchestraRef, musician_id: str) -> dict:
    """Everything the profile page shows, read in one session: ``musician`` (as ``get_musician``),
    ``qualifications`` (with instrument and position names), ``blockouts``, ``statistics``
    (``request_statistics``), ``history`` (``project_history``) and ``rankings`` (the standard lists)."""
    with tenancy.orchestra_session(ref) as session:
        musician = musician_by_public_id(session, musician_id)
        requests = _request_rows(session, musician.id)
        return {
            "musician": _detail(session, musician),
            "qualifications": _qualification_details(session, musician.id),
            "blockouts": _blockouts(session, musician),
            "statistics": _response_statistics(requests),
            "history": _history(requests),
            "rankings": _rankings(session, musician.id),
        }


# ----- writing ---------------------------------------------------------------------------------------------------


def _integrity_conflict(exc: IntegrityError) -> Conflict:
    text = str(exc.orig).lower()
    if "email" in text:
        return Conflict("email_taken", "The e-mail address already belongs to another musician.",
                        {"email": "taken"})
    return Conflict("conflict", "The change clashes with another one made at the same time; try again.")


# The roster import (services.roster_io) validates every row exactly as create_musician does, through these.
clean_musician_fields = _clean
phone_key = _phone_key
check_plan_limit = _check_plan_limit
integrity_conflict = _integrity_conflict


def create_musician(ref: tenancy.OrchestraRef, data: Mapping[str, Any]) -> dict:
    """Create a musician (readable id ``MUSnnn``) with its qualifications; returns it as ``get_musician``."""
    clean = _clean(data, partial=False)

    def work(session: Session) -> dict:
        _check_unique(session, clean, None)
        positions = _positions(session, clean.pop("qualifications"))
        _check_plan_limit(ref, session)
        now = clock.now()
        musician = Musician(musicianId=next_id(session, "musician"), createdAt=now, updatedAt=now, isActive=True,
                            isArchived=False, **clean)
        session.add(musician)
        session.flush()
        _set_qualifications(session, musician, positions)
        session.flush()
        return _detail(session, musician)

    try:
        return tenancy.write_transaction(ref, work)
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from None


def update_musician(ref: tenancy.OrchestraRef, musician_id: str, changes: Mapping[str, Any]) -> dict:
    """Change the given fields (any of the create fields, plus ``isActive``); others stay as they are."""
    clean = _clean(changes, partial=True)

    def work(session: Session) -> dict:
        musician = musician_by_public_id(session, musician_id)
        _check_unique(session, clean, musician.id)
        if clean.get("isActive") and musician.isArchived:
            raise Conflict("musician_archived",
                           f"{musician.firstName} {musician.lastName} is archived; restore the musician first.",
                           {"isActive": "archived musician"})
        if "qualifications" in clean:
            _set_qualifications(session, musician, _positions(session, clean.pop("qualifications")))
        for field, value in clean.items():
            setattr(musician, field, value)
        musician.updatedAt = clock.now()
        session.add(musician)
        session.flush()
        return _detail(session, musician)

    try:
        return tenancy.write_transaction(ref, work)
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from None


def archive_musician(ref: tenancy.OrchestraRef, musician_id: str) -> dict:
    """Archive (never delete): inactive and hidden from lists and sending. Archiving twice changes nothing."""

    def work(session: Session) -> dict:
        musician = musician_by_public_id(session, musician_id)
        if not musician.isArchived:
            now = clock.now()
            musician.isArchived, musician.isActive, musician.archivedAt, musician.updatedAt = True, False, now, now
            session.add(musician)
            session.flush()
        return _detail(session, musician)

    return tenancy.write_transaction(ref, work)


def restore_musician(ref: tenancy.OrchestraRef, musician_id: str) -> dict:
    """Bring an archived musician back (active again; counts against the plan limit)."""

    def work(session: Session) -> dict:
        musician = musician_by_public_id(session, musician_id)
        if musician.isArchived:
            _check_plan_limit(ref, session)
            now = clock.now()
            musician.isArchived, musician.isActive, musician.restoredAt, musician.updatedAt = False, True, now, now
            session.add(musician)
            session.flush()
        return _detail(session, musician)

    return tenancy.write_transaction(ref, work)


# ----- blockouts -------------------------------------------------------------------------------------------------


def blockout_as_dict(blockout: MusicianBlockout, musician_id: str) -> dict:
    return {
        "blockoutId": blockout.blockoutId, "musicianId": musician_id, "startDate": blockout.startDate,
        "endDate": blockout.endDate, "reason": blockout.reason, "createdAt": blockout.createdAt,
    }


def list_blockouts(ref: tenancy.OrchestraRef, musician_id: str) -> list[dict]:
    """The musician's blockouts by start."""
    with tenancy.orchestra_session(ref) as session:
        return _blockouts(session, musician_by_public_id(session, musician_id))


def _blockouts(session: Session, musician: Musician) -> list[dict]:
    rows = session.exec(
        select(MusicianBlockout).where(MusicianBlockout.musicianId == musician.id)
        .order_by(MusicianBlockout.startDate, MusicianBlockout.id)
    ).all()
    return [blockout_as_dict(b, musician.musicianId) for b in rows]


def add_blockout(ref: tenancy.OrchestraRef, musician_id: str, start: Any, end: Any, reason: str | None = None) -> dict:
    """Add a period the musician cannot play; dates alone cover whole days (the orchestra's time zone)."""
    problems: dict[str, str] = {}
    start_at = end_at = None
    try:
        start_at = clock.parse_moment(start, "startDate")
    except ValidationError as exc:
        problems.update(exc.fields)
    try:
        end_at = clock.parse_moment(end, "endDate", end_of_day=True)
    except ValidationError as exc:
        problems.update(exc.fields)
    if reason is not None and not isinstance(reason, str):
        problems["reason"] = "must be text"
    elif reason is not None and len(reason.strip()) > REASON_MAX:
        problems["reason"] = f"at most {REASON_MAX} characters"
    if start_at and end_at and start_at > end_at:
        problems["endDate"] = "must not be before startDate"
    if start_at and end_at and end_at - start_at > timedelta(days=3 * 366):
        problems["endDate"] = "a blockout spans at most three years"
    if problems:
        raise ValidationError("invalid_blockout", "The blockout's dates are invalid.", problems)

    def work(session: Session) -> dict:
        musician = musician_by_public_id(session, musician_id)
        blockout = MusicianBlockout(musicianId=musician.id, startDate=start_at, endDate=end_at,
                                    reason=(reason or "").strip() or None, createdAt=clock.now())
        session.add(blockout)
        session.flush()
        return blockout_as_dict(blockout, musician.musicianId)

    return tenancy.write_transaction(ref, work)


def delete_blockout(ref: tenancy.OrchestraRef, musician_id: str, blockout_id: str) -> None:
    def work(session: Session) -> None:
        musician = musician_by_public_id(session, musician_id)
        blockout = session.exec(select(MusicianBlockout).where(
            MusicianBlockout.blockoutId == blockout_id, MusicianBlockout.musicianId == musician.id)).first()
        if blockout is None:
            raise NotFound("blockout_not_found", f"No blockout {blockout_id} for {musician_id}.")
        session.delete(blockout)

    tenancy.write_transaction(ref, work)
