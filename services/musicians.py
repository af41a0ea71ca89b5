"""Musicians: list and search, create and edit with their qualifications, archive and restore, blockouts.

Every function takes an ``OrchestraRef`` and public ids (``MUS001``, ``POS001``), runs in one transaction and
returns plain dicts with the documented camelCase names (the REST API's vocabulary). Rules:

* ``email`` is unique (compared without regard to case; stored trimmed and lower-cased); ``phone`` is unique when
  given (compared on its digits and a leading ``+``). A clash names the musician who has the value.
* ``preferredLanguage`` is ``sv`` or ``en`` (``sv`` by default).
* Qualifications are a set of ``positionId``s; giving them replaces the set.
* Creating (and restoring) respects the orchestra's plan limit ``maxMusicians`` (non-archived musicians).
* Archiving is the only "delete": ``isArchived`` with ``isActive`` false and ``archivedAt``; restoring sets
  ``isActive`` again and ``restoredAt``. Pending requests of an archived musician are left as they are.
* Blockouts are periods a musician cannot play; a blockout overlapping a project's week keeps them out of its
  requests (``services.dispatch``). A date without a time means the whole day in the orchestra's time zone.

The time helpers at the end (``as_moment``) are shared with ``services.projects``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.orchestra import Musician, MusicianBlockout, MusicianQualification, Position, Request
from services import clock, tenancy
from services.errors import Conflict, NotFound, ValidationError
from services.ids import next_id

T = TypeVar("T")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{5,40}$")
LANGUAGES = ("sv", "en")
STATUSES = ("active", "inactive", "archived")
NAME_MAX = 100
EMAIL_MAX = 254
NOTES_MAX = 10_000
REASON_MAX = 500
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
            select(Musician).where(_phone_column_key() == _phone_key(phone), Musician.id != (self_pk or -1))
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


def _check_plan_limit(ref: tenancy.OrchestraRef, session: Session) -> None:
    max_musicians, _ = tenancy.plan_limits(ref)
    count = session.execute(
        sa.select(sa.func.count()).select_from(Musician).where(Musician.isArchived == sa.false())
    ).scalar_one()
    if count >= max_musicians:
        raise Conflict("plan_limit",
                       f"The orchestra's plan allows at most {max_musicians} musicians (archived ones not counted), "
                       f"and {count} are registered. Archive a musician or ask for a larger plan.",
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


def list_musicians(ref: tenancy.OrchestraRef, *, q: str | None = None, position_id: str | None = None,
                   status: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """A page of musicians by last and first name, and how many match in all.

    ``q``: every word must occur in the first name, last name or e-mail (case-insensitive);
    ``position_id``: qualified for that position; ``status``: active, inactive or archived (default all).
    """
    if status is not None and status not in STATUSES:
        raise ValidationError("invalid_status", "status is active, inactive or archived.",
                              {"status": "active, inactive or archived"})
    conditions: list[Any] = []
    for word in (q or "").split():
        pattern = like_pattern(word.lower())
        conditions.append(sa.or_(
            sa.func.lower(Musician.firstName).like(pattern, escape="\\"),
            sa.func.lower(Musician.lastName).like(pattern, escape="\\"),
            sa.func.lower(Musician.email).like(pattern, escape="\\"),
        ))
    if status == "archived":
        conditions.append(Musician.isArchived == sa.true())
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
    with tenancy.orchestra_session(ref) as session:
        total = session.execute(sa.select(sa.func.count()).select_from(Musician).where(*conditions)).scalar_one()
        rows = list(session.exec(
            select(Musician).where(*conditions)
            .order_by(Musician.lastName, Musician.firstName, Musician.id).offset(offset).limit(limit)
        ).all())
        qualifications = _qualifications_of(session, [m.id for m in rows])
        return [as_dict(m, qualifications[m.id]) for m in rows], total


def get_musician(ref: tenancy.OrchestraRef, musician_id: str) -> dict:
    """One musician with qualifications and request statistics (counts by status)."""
    with tenancy.orchestra_session(ref) as session:
        return _detail(session, musician_by_public_id(session, musician_id))


# ----- writing ---------------------------------------------------------------------------------------------------


def _integrity_conflict(exc: IntegrityError) -> Conflict:
    text = str(exc.orig).lower()
    if "email" in text:
        return Conflict("email_taken", "The e-mail address already belongs to another musician.",
                        {"email": "taken"})
    return Conflict("conflict", "The change clashes with another one made at the same time; try again.")


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
        musician = musician_by_public_id(session, musician_id)
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
