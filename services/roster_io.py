"""Roster import and export: CSV and Excel (.xlsx) files of musicians (ORIGINAL_BEHAVIOUR.md §5.3, §10.4).

The earlier system promised "Import CSV/Excel" and only ever showed "coming soon". Here:

* ``parse_roster`` reads a file into rows of text by column *name* (Swedish or English headers, any order,
  unknown columns ignored). CSV may be UTF-8 with or without a BOM (Windows-1252 too, which Swedish Excel
  writes for "CSV (semikolonavgränsad)"), separated by ``;`` (Swedish Excel), ``,`` or tabs: the header line
  decides. Limits: 5 MB, 5,000 rows.
* ``preview_import`` validates every row exactly as ``services.musicians.create_musician`` does (its own
  validation function), resolves the qualification names, and finds duplicates within the file and against
  the database; it writes nothing and returns every row with its problems.
* ``commit_import`` does all of that again on the server (a preview held by a browser is never trusted) and
  then writes every musician with their qualifications in one transaction, or nothing at all when a single row
  is wrong or the plan's musician limit would be exceeded.
* ``export_roster`` writes the same columns the import reads, so an export can be imported elsewhere. Cells
  that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return)
  are defused: in CSV with a leading ``'``; in .xlsx as text cells with Excel's own quote prefix (the ``'`` the
  user would type, not shown in the cell). The import removes such a ``'`` again.

Qualifications are written as position names separated by ``,`` or ``;``. Position names repeat across
instruments (Viola, Cello and Kontrabas all have "Tutti"), so a name that is not unique must name its
instrument: ``Viola: Tutti`` (``Viola – Tutti``, ``Viola - Tutti``, ``Viola / Tutti`` and ``Viola Tutti`` are
read too); a ``positionId`` (``POS007``) is always accepted. The export names a position by its bare name
when that is unique in the orchestra and as ``Instrument: Position`` otherwise.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.orchestra import AuditLog, Instrument, Musician, MusicianQualification, Position
from services import clock, tenancy
from services.errors import Conflict, ValidationError
from services.ids import next_id, next_ids
from services.musicians import (
    check_plan_limit,
    clean_musician_fields,
    integrity_conflict,
    phone_key,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 100
MAX_SHEET_LINES = 50_000
"""Physical rows read from a sheet (empty ones included) before giving up: a guard against inflated files."""

FORMATS = ("csv", "xlsx")
CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIELDS: tuple[str, ...] = ("firstName", "lastName", "email", "phone", "preferredLanguage", "localResidence",
                           "qualifications", "notes")
"""The columns of a roster file, in the order the export writes them."""
REQUIRED_FIELDS: tuple[str, ...] = ("firstName", "lastName", "email")

HEADERS: dict[str, dict[str, str]] = {
    "sv": {"firstName": "Förnamn", "lastName": "Efternamn", "email": "E-post", "phone": "Telefon",
           "preferredLanguage": "Språk", "localResidence": "Lokal", "qualifications": "Kvalifikationer",
           "notes": "Anteckningar"},
    "en": {"firstName": "First name", "lastName": "Last name", "email": "Email", "phone": "Phone",
           "preferredLanguage": "Language", "localResidence": "Local", "qualifications": "Qualifications",
           "notes": "Notes"},
}
"""The header the export writes per language (the import reads both, and the aliases below)."""

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "firstName": ("förnamn", "firstname", "givenname", "tilltalsnamn"),
    "lastName": ("efternamn", "lastname", "surname", "familyname"),
    "email": ("epost", "epostadress", "email", "emailaddress", "mail", "mejl"),
    "phone": ("telefon", "telefonnummer", "tel", "mobil", "mobilnummer", "mobiltelefon", "phone", "phonenumber",
              "mobile", "mobilephone"),
    "preferredLanguage": ("språk", "language", "preferredlanguage", "föredragetspråk"),
    "localResidence": ("lokal", "lokalt", "lokaltboende", "boslokalt", "local", "localresidence", "localresident"),
    "qualifications": ("kvalifikationer", "kvalifikation", "tjänster", "tjänst", "qualifications", "qualification",
                       "positions"),
    "notes": ("anteckningar", "anteckning", "notes", "note", "kommentar", "comments"),
}
_HEADER_LOOKUP: dict[str, str] = {alias: name for name, aliases in _HEADER_ALIASES.items() for alias in aliases}

_LANGUAGE_WORDS = {"sv": "sv", "svenska": "sv", "swedish": "sv", "sv-se": "sv", "en": "en", "engelska": "en",
                   "english": "en", "en-gb": "en", "en-us": "en"}
_YES = {"ja", "j", "yes", "y", "true", "sant", "1", "x"}
_NO = {"", "nej", "n", "no", "false", "falskt", "0"}
_LOCAL_WORDS = {"sv": ("ja", "nej"), "en": ("yes", "no")}

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_QUALIFICATION_SPLIT = re.compile(r"[,;\n]")
_INSTRUMENT_SEPARATORS = (":", "-", "/")
_FIELD_CODES = {"email": "invalid_email", "phone": "invalid_phone", "preferredLanguage": "invalid_language",
                "localResidence": "invalid_local"}


# ----- parsing ----------------------------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    """One data row: its row number as a spreadsheet shows it, and the text of each recognised column."""

    row: int
    values: dict[str, str]


@dataclass
class ParsedRoster:
    file_name: str
    format: str
    columns: list[str]
    """The recognised fields, in the file's column order."""
    ignored_columns: list[str]
    """Headers that are not roster columns (left out, reported to the user)."""
    rows: list[ParsedRow] = field(default_factory=list)
    delimiter: str | None = None
    encoding: str | None = None


def _unreadable(what: str) -> ValidationError:
    return ValidationError("unreadable_file", f"The file could not be read: {what}.", {"file": what})


def file_format(file_name: str, content: bytes) -> str:
    """``csv`` or ``xlsx`` from the file name, checked against the content; anything else is refused."""
    name = (file_name or "").strip().lower()
    if name.endswith((".csv", ".txt")):
        return "csv"
    if name.endswith((".xlsx", ".xlsm")):
        if not content.startswith(b"PK\x03\x04"):
            raise _unreadable("not an Excel (.xlsx) workbook")
        return "xlsx"
    if name.endswith(".xls"):
        raise ValidationError("unknown_format", "Old Excel files (.xls) cannot be read: save the sheet as .xlsx "
                              "or CSV.", {"file": "xls"})
    raise ValidationError("unknown_format", "Only CSV (.csv) and Excel (.xlsx) files can be imported.",
                          {"file": "csv or xlsx"})


def _normalise_header(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing ``.0`` (phone numbers typed as numbers), booleans as ja/nej."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        text = text[1:]  # written by export_roster to keep a formula from running
    return text


def _decode(content: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise _unreadable("the text is neither UTF-8 nor Windows-1252")


def _delimiter(text: str) -> str:
    """``;``, ``,`` or tab, whichever occurs most on the first non-empty line (ties go to ``;``)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ";"


def _csv_lines(content: bytes) -> tuple[Iterator[list[str]], str, str]:
    text, encoding = _decode(content)
    if "\x00" in text:
        raise _unreadable("the file contains binary data")
    delimiter = _delimiter(text)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), delimiter, encoding


def _xlsx_lines(content: bytes) -> Iterator[list[Any]]:
    import openpyxl  # imported here: only imports and exports of .xlsx need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign zip: openpyxl raises many kinds
        raise _unreadable("not an Excel (.xlsx) workbook") from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True) if sheet is not None else iter(())
        count = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # damaged sheet XML
                raise _unreadable("the sheet is damaged") from exc
            count += 1
            if count > MAX_SHEET_LINES:
                raise ValidationError("too_many_rows", f"The file has more than {MAX_ROWS} rows.",
                                      {"file": f"at most {MAX_ROWS} rows"})
            yield list(row)
    finally:
        workbook.close()


def _header_columns(header: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> field, and the headers that were not recognised."""
    columns: dict[int, str] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for index, text in enumerate(header):
        name = _HEADER_LOOKUP.get(_normalise_header(text))
        if name is None:
            if text:
                ignored.append(text)
            continue
        if name in seen:
            raise ValidationError("duplicate_column", f"The columns {seen[name]!r} and {text!r} are the same.",
                                  {"columns": f"{seen[name]}, {text}"})
        seen[name] = text
        columns[index] = name
    missing = [name for name in REQUIRED_FIELDS if name not in seen]
    if missing:
        names = ", ".join(f"{HEADERS['sv'][name]}/{HEADERS['en'][name]}" for name in missing)
        raise ValidationError("missing_columns", f"The file has no column for: {names}. The first row must name "
                              "the columns.", {"columns": names})
    return columns, ignored


def parse_roster(file_name: str, content: bytes) -> ParsedRoster:
    """The rows of a roster file as text per column (no validation of values; see ``preview_import``).

    Raises ``ValidationError`` for a file that is too big, not CSV/.xlsx, unreadable, empty, has more than
    ``MAX_ROWS`` data rows, or lacks a required column (first name, last name, e-mail).
    """
    if not isinstance(content, (bytes, bytearray)):
        raise ValidationError("unreadable_file", "No file was given.", {"file": "required"})
    if len(content) > MAX_BYTES:
        raise ValidationError("file_too_large", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.",
                              {"file": f"at most {MAX_BYTES} bytes"})
    content = bytes(content)
    fmt = file_format(file_name, content)
    delimiter = encoding = None
    if fmt == "csv":
        lines, delimiter, encoding = _csv_lines(content)
    else:
        lines = _xlsx_lines(content)

    parsed: ParsedRoster | None = None
    columns: dict[int, str] = {}
    try:
        for number, raw in enumerate(lines, start=1):
            cells = [_cell_text(value) for value in raw[:MAX_COLUMNS]]
            if not any(cells):
                continue
            if parsed is None:
                columns, ignored = _header_columns(cells)
                parsed = ParsedRoster(file_name=file_name, format=fmt, columns=list(columns.values()),
                                      ignored_columns=ignored, delimiter=delimiter, encoding=encoding)
                continue
            if len(parsed.rows) >= MAX_ROWS:
                raise ValidationError("too_many_rows", f"The file has more than {MAX_ROWS} rows.",
                                      {"file": f"at most {MAX_ROWS} rows"})
            values = {name: (cells[index] if index < len(cells) else "") for index, name in columns.items()}
            parsed.rows.append(ParsedRow(row=number, values=values))
    except csv.Error as exc:
        raise _unreadable(f"CSV error ({exc})") from exc
    if parsed is None:
        raise ValidationError("empty_file", "The file is empty.", {"file": "empty"})
    if not parsed.rows:
        raise ValidationError("empty_file", "The file has a header row but no musicians.", {"file": "no rows"})
    return parsed


# ----- validation -------------------------------------------------------------------------------------------------


_DASHES = str.maketrans({"–": "-", "—": "-"})
_AROUND_SEPARATOR = re.compile(r"\s*([:/-])\s*")


def _key(text: str) -> str:
    """Case, spacing and dash style do not matter: ``Viola – Tutti`` and ``viola-tutti`` are the same key."""
    spaced = " ".join(text.casefold().translate(_DASHES).split())
    return _AROUND_SEPARATOR.sub(r"\1", spaced)


@dataclass
class _Positions:
    """Finds positions by id, by unique name, or by instrument and name; reports ambiguous names."""

    by_key: dict[str, list[tuple[int, str, str]]] = field(default_factory=lambda: defaultdict(list))
    combined: dict[str, list[tuple[int, str, str]]] = field(default_factory=lambda: defaultdict(list))
    by_id: dict[str, tuple[int, str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> _Positions:
        found = cls()
        rows = session.execute(
            sa.select(Position.id, Position.positionId, Position.name, Instrument.name)
            .join(Instrument, Instrument.id == Position.instrumentId)
            .order_by(sa.func.coalesce(Instrument.displayOrder, 999), Instrument.id, Position.hierarchyLevel,
                      Position.id)
        ).all()
        for pk, position_id, name, instrument in rows:
            item = (pk, position_id, f"{instrument}: {name}")
            found.by_id[position_id.casefold()] = item
            found.by_key[_key(name)].append(item)
            for separator in (*_INSTRUMENT_SEPARATORS, " "):
                found.combined[_key(f"{instrument}{separator}{name}")].append(item)
        return found

    def resolve(self, text: str) -> tuple[tuple[int, str, str] | None, str | None, str]:
        """(position, error code, detail) for one qualification as written."""
        key = _key(text)
        if key in self.by_id:
            return self.by_id[key], None, ""
        matches = self.by_key.get(key) or list(dict.fromkeys(self.combined.get(key, [])))
        if len(matches) == 1:
            return matches[0], None, ""
        if len(matches) > 1:
            return None, "ambiguous_position", f"{text} ({' / '.join(m[2] for m in matches)})"
        return None, "unknown_position", text

    def display_names(self) -> dict[int, str]:
        """Position pk -> the name the export writes (bare when unique, else ``Instrument: Position``)."""
        names: dict[int, str] = {}
        for items in self.by_key.values():
            for pk, _position_id, full in items:
                names[pk] = full.split(": ", 1)[1] if len(items) == 1 else full
        return names


def _problem(field_name: str, code: str, message: str, detail: str = "") -> dict[str, str]:
    return {"field": field_name, "code": code, "message": message, "detail": detail}


def _code_of(field_name: str, message: str) -> tuple[str, str]:
    """An error code (translated by the UI) for a message of ``services.musicians``' validation."""
    if message == "required":
        return "required", ""
    too_long = re.fullmatch(r"at most (\d+) characters", message)
    if too_long:
        return "too_long", too_long.group(1)
    return _FIELD_CODES.get(field_name, "invalid_value"), ""


def _local_value(text: str) -> bool | None:
    word = text.strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def _split_qualifications(text: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in _QUALIFICATION_SPLIT.split(text or "") if part.strip()))


@dataclass
class _Existing:
    """Every musician already in the database, by e-mail and by phone key (archived ones too)."""

    by_email: dict[str, str] = field(default_factory=dict)
    by_phone: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> _Existing:
        found = cls()
        rows = session.execute(
            sa.select(Musician.musicianId, Musician.firstName, Musician.lastName, Musician.email, Musician.phone)
        ).all()
        for musician_id, first, last, email, phone in rows:
            label = f"{first} {last} ({musician_id})"
            if email:
                found.by_email.setdefault(email.strip().lower(), label)
            if phone and phone_key(phone):
                found.by_phone.setdefault(phone_key(phone), label)
        return found


def _validate(session: Session, parsed: ParsedRoster) -> list[dict]:
    """Every row with its cleaned values, resolved positions and problems (nothing is written)."""
    positions = _Positions.load(session)
    existing = _Existing.load(session)
    results: list[dict] = []
    for item in parsed.rows:
        raw = item.values
        problems: list[dict[str, str]] = []
        local = _local_value(raw.get("localResidence", ""))
        if local is None:
            problems.append(_problem("localResidence", "invalid_local", "ja/nej or yes/no",
                                     raw.get("localResidence", "")))
        language_text = raw.get("preferredLanguage", "").strip()
        language = _LANGUAGE_WORDS.get(language_text.casefold(), language_text) if language_text else None

        qualification_names = _split_qualifications(raw.get("qualifications", ""))
        found_positions: list[tuple[int, str, str]] = []
        for name in qualification_names:
            position, code, detail = positions.resolve(name)
            if position is None:
                message = "unknown position" if code == "unknown_position" else "name the instrument as well"
                problems.append(_problem("qualifications", code or "unknown_position", message, detail))
            elif position not in found_positions:
                found_positions.append(position)

        data = {
            "firstName": raw.get("firstName", ""),
            "lastName": raw.get("lastName", ""),
            "email": raw.get("email", ""),
            "phone": raw.get("phone") or None,
            "preferredLanguage": language,
            "localResidence": bool(local),
            "notes": raw.get("notes") or None,
            "qualifications": [p[1] for p in found_positions],
        }
        clean: dict[str, Any] = {}
        try:
            clean = clean_musician_fields(data, partial=False)
        except ValidationError as exc:
            for field_name, message in exc.fields.items():
                code, detail = _code_of(field_name, message)
                problems.append(_problem(field_name, code, message, detail))

        results.append({
            "row": item.row,
            "values": {
                "firstName": raw.get("firstName", ""),
                "lastName": raw.get("lastName", ""),
                "email": clean.get("email") or raw.get("email", ""),
                "phone": raw.get("phone", ""),
                "preferredLanguage": clean.get("preferredLanguage") or language_text,
                "localResidence": bool(local),
                "qualifications": [p[2] for p in found_positions],
                "notes": raw.get("notes", ""),
            },
            "clean": clean,
            "positionPks": [p[0] for p in found_positions],
            "errors": problems,
            "duplicateOf": None,
        })
    _mark_duplicates(results, existing)
    return results


def _contact_keys(result: dict) -> tuple[str, str]:
    """The row's e-mail (lower case) and phone digits, also when another of its fields is invalid."""
    return result["values"]["email"].strip().lower(), phone_key(result["values"]["phone"] or "")


def _mark_duplicates(results: list[dict], existing: _Existing) -> None:
    """Rows sharing an e-mail or phone with another row, or with a musician already registered."""
    rows_by: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, result in enumerate(results):
        email, phone = _contact_keys(result)
        if email:
            rows_by[("email", email)].append(index)
        if phone:
            rows_by[("phone", phone)].append(index)
    for (field_name, _value), indexes in rows_by.items():
        if len(indexes) < 2:
            continue
        for index in indexes:
            others = ", ".join(str(results[i]["row"]) for i in indexes if i != index)
            results[index]["errors"].append(_problem(field_name, "duplicate_in_file",
                                                     f"the same {field_name} as row {others}", others))
    for result in results:
        email, phone = _contact_keys(result)
        for field_name, holder in (("email", existing.by_email.get(email) if email else None),
                                   ("phone", existing.by_phone.get(phone) if phone else None)):
            if holder:
                result["errors"].append(_problem(field_name, "duplicate_in_db", f"already belongs to {holder}",
                                                 holder))
                result["duplicateOf"] = result["duplicateOf"] or holder


def _public_row(result: dict) -> dict:
    return {"row": result["row"], "values": result["values"], "errors": result["errors"],
            "duplicateOf": result["duplicateOf"]}


def _summary(parsed: ParsedRoster, results: list[dict], problems: list[dict[str, str]]) -> dict:
    with_errors = sum(1 for r in results if r["errors"])
    duplicates = sum(1 for r in results if any(p["code"].startswith("duplicate") for p in r["errors"]))
    return {
        "fileName": parsed.file_name,
        "format": parsed.format,
        "columns": parsed.columns,
        "ignoredColumns": parsed.ignored_columns,
        "rows": [_public_row(r) for r in results],
        "total": len(results),
        "valid": len(results) - with_errors,
        "withErrors": with_errors,
        "duplicates": duplicates,
        "problems": problems,
        "canImport": with_errors == 0 and not problems,
    }


def _plan_problem(ref: tenancy.OrchestraRef, session: Session, adding: int) -> list[dict[str, str]]:
    try:
        check_plan_limit(ref, session, adding)
    except Conflict as exc:
        return [_problem("file", exc.code, exc.message, exc.fields.get("maxMusicians", ""))]
    return []


def preview_import(ref: tenancy.OrchestraRef, file_name: str, content: bytes) -> dict:
    """What importing the file would do: every row with its values and problems. Writes nothing.

    ``rows[i]``: ``row`` (the spreadsheet's row number), ``values`` (as they would be stored; qualifications as
    ``Instrument: Position``), ``errors`` (``field``, ``code``, ``message``, ``detail``), ``duplicateOf`` (the
    registered musician sharing the e-mail or phone). ``problems``: file-level ones (the plan limit).
    ``canImport`` is true only when no row has an error.
    """
    parsed = parse_roster(file_name, content)
    with tenancy.orchestra_session(ref) as session:
        results = _validate(session, parsed)
        return _summary(parsed, results, _plan_problem(ref, session, len(results)))


def _rejection(results: list[dict]) -> ValidationError:
    bad = [r for r in results if r["errors"]]
    fields: dict[str, str] = {}
    for result in bad:
        for problem in result["errors"]:
            key = f"row {result['row']}: {problem['field']}"
            text = f"{problem['message']} {problem['detail']}".strip() if problem["code"] != "too_long" \
                else problem["message"]
            fields[key] = f"{fields[key]}; {text}" if key in fields else text
    error = ValidationError("import_has_errors", f"{len(bad)} of {len(results)} rows have errors; nothing was "
                            "imported.", fields)
    error.rows = [_public_row(r) for r in results]  # type: ignore[attr-defined]
    return error


def commit_import(ref: tenancy.OrchestraRef, file_name: str, content: bytes, actor: str | None) -> dict:
    """Import every musician of the file in one transaction, or none: ``ValidationError("import_has_errors")``
    with ``fields`` such as ``{"row 4: email": "not an e-mail address"}`` and ``rows`` (every row as
    ``preview_import`` gives it).

    The file is parsed and validated again here, inside the write transaction, so a musician registered since
    the preview is still caught. The plan limit (``Conflict("plan_limit")``) counts the whole file. One
    ``AuditLog`` row records the import. Returns ``{"created", "qualifications", "musicianIds"}``.
    """
    parsed = parse_roster(file_name, content)

    def work(session: Session) -> dict:
        results = _validate(session, parsed)
        if any(r["errors"] for r in results):
            raise _rejection(results)
        check_plan_limit(ref, session, len(results))
        now = clock.now()
        ids = next_ids(session, "musician", len(results))
        # Bulk INSERTs (executemany): thousands of rows without building an ORM object for each.
        session.execute(sa.insert(Musician), [
            {"musicianId": musician_id, "firstName": r["clean"]["firstName"], "lastName": r["clean"]["lastName"],
             "email": r["clean"]["email"], "phone": r["clean"]["phone"],
             "preferredLanguage": r["clean"]["preferredLanguage"], "localResidence": r["clean"]["localResidence"],
             "notes": r["clean"]["notes"], "isActive": True, "isArchived": False, "archivedAt": None,
             "restoredAt": None, "createdAt": now, "updatedAt": now}
            for musician_id, r in zip(ids, results, strict=True)
        ])
        pks: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            pks.update(session.execute(
                sa.select(Musician.musicianId, Musician.id).where(Musician.musicianId.in_(chunk))).all())
        links = [{"musicianId": pks[musician_id], "positionId": position_pk}
                 for musician_id, r in zip(ids, results, strict=True) for position_pk in r["positionPks"]]
        if links:
            session.execute(sa.insert(MusicianQualification), links)
        session.add(AuditLog(auditLogId=next_id(session, "auditLog"), userId=actor, action="import_musicians",
                             entityType="Musician", entityId=pks[ids[0]],
                             newValues={"fileName": parsed.file_name, "format": parsed.format,
                                        "created": len(ids), "qualifications": len(links),
                                        "firstMusicianId": ids[0], "lastMusicianId": ids[-1]}))
        session.flush()
        return {"created": len(ids), "qualifications": len(links), "musicianIds": ids}

    try:
        return tenancy.write_transaction(ref, work)
    except IntegrityError as exc:
        raise integrity_conflict(exc) from None


# ----- export -----------------------------------------------------------------------------------------------------


def defuse(text: str) -> str:
    """``'=1+1`` for ``=1+1``: a spreadsheet opening the CSV shows the text instead of running it."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def roster_rows(ref: tenancy.OrchestraRef, include_archived: bool = False, lang: str = "sv") -> list[list[str]]:
    """The header and one row per musician (by last and first name), as the export writes them."""
    language = lang if lang in HEADERS else "sv"
    yes, no = _LOCAL_WORDS[language]
    with tenancy.orchestra_session(ref) as session:
        positions = _Positions.load(session)
        names = positions.display_names()
        order = {item[0]: index for index, item in enumerate(positions.by_id.values())}
        conditions = [] if include_archived else [Musician.isArchived == sa.false()]
        musicians = session.execute(
            sa.select(Musician).where(*conditions).order_by(Musician.lastName, Musician.firstName, Musician.id)
        ).scalars().all()
        qualified: dict[int, list[int]] = defaultdict(list)
        for musician_pk, position_pk in session.execute(
            sa.select(MusicianQualification.musicianId, MusicianQualification.positionId)
        ).all():
            qualified[musician_pk].append(position_pk)
        rows = [[HEADERS[language][name] for name in FIELDS]]
        for m in musicians:
            held = sorted(qualified.get(m.id, []), key=lambda pk: order.get(pk, len(order)))
            rows.append([m.firstName or "", m.lastName or "", m.email or "", m.phone or "",
                         m.preferredLanguage or "sv", yes if m.localResidence else no,
                         ", ".join(names[pk] for pk in held if pk in names), m.notes or ""])
        return rows


def _csv_bytes(rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([defuse(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_bytes(rows: list[list[str]], sheet_title: str) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)  # streams the rows: a fraction of the time for big rosters
    sheet = workbook.create_sheet(sheet_title)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGH", (16, 18, 30, 18, 8, 8, 40, 40), strict=True):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if value.startswith(FORMULA_TRIGGERS):
                # Text, never a formula: a string cell with Excel's quote prefix (what typing ' does).
                cell.data_type = "s"
                cell.quotePrefix = True
            if index == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _file(rows: list[list[str]], fmt: str, language: str, stem: str) -> tuple[bytes, str, str]:
    if fmt not in FORMATS:
        raise ValidationError("unknown_format", "The export format is csv or xlsx.", {"format": "csv or xlsx"})
    if fmt == "csv":
        return _csv_bytes(rows), CSV_MIME, f"{stem}.csv"
    return _xlsx_bytes(rows, "Musiker" if language == "sv" else "Musicians"), XLSX_MIME, f"{stem}.xlsx"


def export_roster(ref: tenancy.OrchestraRef, fmt: str, include_archived: bool = False,
                  lang: str = "sv") -> tuple[bytes, str, str]:
    """The roster as a file: (content, MIME type, file name). ``fmt`` is ``csv`` (UTF-8 with BOM, ``;``: opens
    in Swedish Excel) or ``xlsx``. Headers and ja/nej in ``lang`` (sv or en); the import reads either."""
    language = lang if lang in HEADERS else "sv"
    rows = roster_rows(ref, include_archived, language)
    day = clock.now().astimezone(clock.orchestra_timezone()).date().isoformat()
    stem = f"{'musiker' if language == 'sv' else 'musicians'}-{ref.subdomain}-{day}"
    return _file(rows, fmt, language, stem)


def roster_template(fmt: str, lang: str = "sv") -> tuple[bytes, str, str]:
    """An empty roster (the header row only) to fill in and import: (content, MIME type, file name)."""
    language = lang if lang in HEADERS else "sv"
    rows = [[HEADERS[language][name] for name in FIELDS]]
    return _file(rows, fmt, language, "musiker-mall" if language == "sv" else "musicians-template")
