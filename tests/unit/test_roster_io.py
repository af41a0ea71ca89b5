"""Roster import and export (``services.roster_io``), ``GET /musicians/export.(csv|xlsx)`` and the import page's
state: CSV with ``;`` and ``,``, BOM, Excel round trips, Swedish and English headers, per-row errors, duplicates
within the file and against the database, all-or-nothing, the plan limit, formula injection and the limits.

Data: orchestra acme (seeded catalogue, no musicians unless a test adds them) and, where needed, beta; the
demo roster comes from ``services.demo``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlmodel import select
from starlette.testclient import TestClient

from models.central import Orchestra
from models.orchestra import AuditLog, IdSequence, Musician, MusicianQualification
from services import auth, musicians, provisioning, roster_io, tenancy
from services.demo import seed_demo_data
from services.errors import Conflict, ValidationError
from stagesub_ui.endpoints import build_api
from state.roster_import import RosterImportState  # imported here: registers the states in the main context

PASSWORD = "a-long-admin-password-1"
SV_HEADER = ["Förnamn", "Efternamn", "E-post", "Telefon", "Språk", "Lokal", "Kvalifikationer", "Anteckningar"]
EN_HEADER = ["First name", "Last name", "Email", "Phone", "Language", "Local", "Qualifications", "Notes"]


# ----- helpers ----------------------------------------------------------------------------------------------------


def make_orchestra(sub: str, name: str, *, demo: bool = False) -> tenancy.OrchestraRef:
    ref = provisioning.create_orchestra(name=name, subdomain=sub, contact_name="Kansli",
                                        contact_email=f"kansli@{sub}.test", create_admin=False).orchestra
    if demo:
        with tenancy.orchestra_session(ref) as session:
            seed_demo_data(session)
            session.commit()
    return ref


@pytest.fixture
def acme(installation, monkeypatch):
    monkeypatch.delenv("STAGESUB_BASE_DOMAIN", raising=False)
    monkeypatch.delenv("STAGESUB_PUBLIC_URL", raising=False)
    return make_orchestra("acme", "Testorkestern")


def csv_bytes(rows: list[list[str]], delimiter: str = ";", bom: bool = True, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_rows(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()


GOOD = [
    SV_HEADER,
    ["Anna", "Lind", "Anna.Lind@Example.se", "070-111 22 33", "sv", "ja", "Tutti violin 1, Tutti violin 2",
     "Föredrar barock"],
    ["Bo", "Ek", "bo@example.se", "", "en", "nej", "Viola: Tutti; Solotrumpet", ""],
    ["Cecilia", "Åberg", "cecilia@example.se", "+46 70 999 88 77", "", "", "", ""],
]


def roster(ref) -> list[dict]:
    return musicians.list_musicians(ref, limit=10_000)[0]


def count_rows(ref, model) -> int:
    with tenancy.orchestra_session(ref) as session:
        return session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def problems_of(preview: dict, row: int) -> set[tuple[str, str]]:
    [item] = [r for r in preview["rows"] if r["row"] == row]
    return {(p["field"], p["code"]) for p in item["errors"]}


def set_max_musicians(ref, value: int) -> None:
    with tenancy.central_session() as session:
        session.exec(select(Orchestra).where(Orchestra.subdomain == ref.subdomain)).one().maxMusicians = value
        session.commit()


# ----- parsing ------------------------------------------------------------------------------------------------


def test_semicolon_csv_with_bom_and_swedish_headers(acme):
    parsed = roster_io.parse_roster("musiker.csv", csv_bytes(GOOD))
    assert (parsed.format, parsed.delimiter, parsed.encoding) == ("csv", ";", "utf-8-sig")
    assert parsed.columns == list(roster_io.FIELDS[:6]) + ["qualifications", "notes"]
    assert [r.row for r in parsed.rows] == [2, 3, 4]
    assert parsed.rows[0].values["firstName"] == "Anna"  # the BOM is not part of the first header

    preview = roster_io.preview_import(acme, "musiker.csv", csv_bytes(GOOD))
    assert (preview["total"], preview["withErrors"], preview["canImport"]) == (3, 0, True)
    anna, bo, cecilia = (r["values"] for r in preview["rows"])
    assert anna["email"] == "anna.lind@example.se" and anna["localResidence"] is True
    assert anna["qualifications"] == ["Violin: Tutti violin 1", "Violin: Tutti violin 2"]
    assert bo["qualifications"] == ["Viola: Tutti", "Trumpet: Solotrumpet"] and bo["preferredLanguage"] == "en"
    assert cecilia["preferredLanguage"] == "sv" and cecilia["localResidence"] is False
    assert count_rows(acme, Musician) == 0  # a preview writes nothing


def test_comma_csv_without_bom_and_english_headers_in_any_order(acme):
    rows = [["Email", "Last name", "First name", "Qualifications", "Local", "Language", "Shoe size"],
            ["anna@example.se", "Lind", "Anna", "Tutti violin 1, Viola – Tutti", "yes", "English", "38"]]
    parsed = roster_io.parse_roster("export.CSV", csv_bytes(rows, delimiter=",", bom=False))
    assert (parsed.delimiter, parsed.encoding, parsed.ignored_columns) == (",", "utf-8-sig", ["Shoe size"])
    preview = roster_io.preview_import(acme, "export.CSV", csv_bytes(rows, delimiter=",", bom=False))
    [row] = preview["rows"]
    assert row["errors"] == [] and preview["ignoredColumns"] == ["Shoe size"]
    assert row["values"]["qualifications"] == ["Violin: Tutti violin 1", "Viola: Tutti"]
    assert row["values"]["preferredLanguage"] == "en" and row["values"]["localResidence"] is True


def test_windows_1252_csv_from_swedish_excel(acme):
    content = csv_bytes(GOOD, bom=False, encoding="cp1252")
    parsed = roster_io.parse_roster("musiker.csv", content)
    assert parsed.encoding == "cp1252" and parsed.rows[2].values["lastName"] == "Åberg"


def test_xlsx_with_numbers_and_booleans_is_read_as_text(acme):
    content = xlsx_bytes([
        ["Förnamn", "Efternamn", "E-post", "Telefon", "Lokal", "Kvalifikationer"],
        [None, None, None, None, None, None],
        ["Anna", "Lind", "anna@example.se", 46701112233, True, "POS004"],
    ])
    preview = roster_io.preview_import(acme, "musiker.xlsx", content)
    [row] = preview["rows"]
    assert row["row"] == 3 and row["errors"] == []  # the empty row is skipped but counted
    assert row["values"]["phone"] == "46701112233" and row["values"]["localResidence"] is True
    assert row["values"]["qualifications"] == ["Violin: Tutti violin 1"]  # POS004 by its id


@pytest.mark.parametrize(("name", "content", "code"), [
    ("musiker.pdf", b"%PDF-1.4", "unknown_format"),
    ("musiker.xls", b"\xd0\xcf\x11\xe0", "unknown_format"),
    ("musiker", b"a;b", "unknown_format"),
    ("musiker.xlsx", b"Fornamn;Efternamn", "unreadable_file"),
    ("musiker.xlsx", b"PK\x03\x04broken zip", "unreadable_file"),
    ("musiker.csv", b"\x00\x01\x02binary", "unreadable_file"),
    ("musiker.csv", b"", "empty_file"),
    ("musiker.csv", b"\r\n;;\r\n", "empty_file"),
    ("musiker.csv", "Förnamn;Efternamn;E-post\n".encode(), "empty_file"),
    ("musiker.csv", "Förnamn;Efternamn;Telefon\nAnna;Lind;070\n".encode(), "missing_columns"),
    ("musiker.csv", "Förnamn;First name;Efternamn;E-post\nA;A;L;a@x.se\n".encode(), "duplicate_column"),
])
def test_unreadable_files_get_clear_errors(acme, name, content, code):
    with pytest.raises(ValidationError) as caught:
        roster_io.preview_import(acme, name, content)
    assert caught.value.code == code
    if code == "missing_columns":
        assert caught.value.fields == {"columns": "E-post/Email"}
        assert "E-post/Email" in caught.value.message


def test_limits_five_megabytes_and_five_thousand_rows(acme):
    header = "Förnamn;Efternamn;E-post;Anteckningar\n"
    budget = (roster_io.MAX_BYTES - len(header.encode())) // roster_io.MAX_ROWS  # bytes per row
    rows = [f"M{i:04d};N;m{i:04d}@example.se;" for i in range(roster_io.MAX_ROWS)]
    full = header + "".join(row + "x" * (budget - len(row) - 1) + "\n" for row in rows)
    full = full[:-1] + "x" * (roster_io.MAX_BYTES - len(full.encode())) + "\n"  # exactly 5 MB
    assert len(full.encode()) == roster_io.MAX_BYTES
    assert len(roster_io.parse_roster("stor.csv", full.encode()).rows) == roster_io.MAX_ROWS
    with pytest.raises(ValidationError) as caught:
        roster_io.parse_roster("stor.csv", full.encode() + b"x" * (roster_io.MAX_BYTES + 1 - len(full.encode())))
    assert caught.value.code == "file_too_large"

    lines = [header] + [f"M{i};N{i};m{i}@example.se;\n" for i in range(roster_io.MAX_ROWS)]
    assert len(roster_io.parse_roster("full.csv", "".join(lines).encode()).rows) == roster_io.MAX_ROWS
    with pytest.raises(ValidationError) as caught:
        roster_io.parse_roster("full.csv", "".join([*lines, "Z;Z;z@example.se;\n"]).encode())
    assert caught.value.code == "too_many_rows"

    sheet = [["Förnamn", "Efternamn", "E-post"]] + [[f"M{i}", "N", f"m{i}@x.se"] for i in range(roster_io.MAX_ROWS + 1)]
    with pytest.raises(ValidationError) as caught:
        roster_io.parse_roster("full.xlsx", xlsx_bytes(sheet))
    assert caught.value.code == "too_many_rows"


# ----- validation ---------------------------------------------------------------------------------------------


def test_every_row_gets_its_own_errors_with_the_musician_service_rules(acme):
    rows = [
        SV_HEADER,
        ["", "Lind", "anna@example.se", "", "", "", "", ""],                       # 2: first name missing
        ["Bo", "Ek", "inte-en-adress", "abc", "de", "kanske", "", ""],             # 3: four bad values
        ["C" * 101, "Berg", "c@example.se", "", "", "", "", ""],                   # 4: too long
        ["Dan", "Holm", "dan@example.se", "", "", "", "Tutti, Tuba-spelare", ""],  # 5: ambiguous + unknown
        ["Eva", "Falk", "eva@example.se", "", "", "", "Cello: Tutti", ""],         # 6: fine
    ]
    preview = roster_io.preview_import(acme, "fel.csv", csv_bytes(rows))
    assert (preview["total"], preview["withErrors"], preview["valid"], preview["canImport"]) == (5, 4, 1, False)
    assert problems_of(preview, 2) == {("firstName", "required")}
    assert problems_of(preview, 3) == {("email", "invalid_email"), ("phone", "invalid_phone"),
                                       ("preferredLanguage", "invalid_language"), ("localResidence", "invalid_local")}
    assert problems_of(preview, 4) == {("firstName", "too_long")}
    assert problems_of(preview, 5) == {("qualifications", "ambiguous_position"),
                                       ("qualifications", "unknown_position")}
    assert problems_of(preview, 6) == set()
    by_code = {p["code"]: p for p in preview["rows"][3]["errors"]}
    assert "Viola: Tutti" in by_code["ambiguous_position"]["detail"]
    assert "Cello: Tutti" in by_code["ambiguous_position"]["detail"]
    assert by_code["unknown_position"]["detail"] == "Tuba-spelare"
    assert preview["rows"][2]["errors"][0]["detail"] == "100"


def test_duplicates_within_the_file_and_against_the_database(acme):
    karin = musicians.create_musician(acme, {"firstName": "Karin", "lastName": "Berg", "email": "karin@example.se",
                                             "phone": "+46 70-111 22 33"})
    rows = [
        SV_HEADER,
        ["Anna", "Lind", "anna@example.se", "070 555", "", "", "", ""],
        ["Anna", "Lindgren", "ANNA@example.se", "", "", "", "", ""],                 # same e-mail as row 2
        ["Bo", "Ek", "bo@example.se", "070-555", "", "", "", ""],                     # same phone as row 2
        ["Karin", "Berg", "Karin@Example.se", "", "", "", "", ""],                    # registered e-mail
        ["Kalle", "Berg", "kalle@example.se", "+4670 (111) 2233", "", "", "", ""],    # registered phone
        ["Olle", "Ny", "olle@example.se", "", "", "", "", ""],
    ]
    preview = roster_io.preview_import(acme, "dubbletter.csv", csv_bytes(rows))
    assert problems_of(preview, 2) == {("email", "duplicate_in_file"), ("phone", "duplicate_in_file")}
    assert problems_of(preview, 3) == {("email", "duplicate_in_file")}
    assert problems_of(preview, 4) == {("phone", "duplicate_in_file")}
    assert problems_of(preview, 5) == {("email", "duplicate_in_db")}
    assert problems_of(preview, 6) == {("phone", "duplicate_in_db")}
    assert problems_of(preview, 7) == set()
    holder = f"Karin Berg ({karin['musicianId']})"
    assert preview["rows"][3]["duplicateOf"] == holder and preview["rows"][4]["duplicateOf"] == holder
    assert [p["detail"] for p in preview["rows"][0]["errors"]] == ["3", "4"]
    assert preview["duplicates"] == 5 and preview["withErrors"] == 5


def test_a_row_with_two_problems_is_still_checked_for_duplicates(acme):
    rows = [SV_HEADER, ["Anna", "Lind", "anna@example.se", "", "", "", "", ""],
            ["", "Lind", "anna@example.se", "", "", "", "", ""]]
    preview = roster_io.preview_import(acme, "x.csv", csv_bytes(rows))
    assert problems_of(preview, 3) == {("firstName", "required"), ("email", "duplicate_in_file")}


# ----- importing ----------------------------------------------------------------------------------------------


def test_nothing_is_written_when_one_row_is_bad_then_the_fixed_file_imports(acme):
    bad = [row[:] for row in GOOD]
    bad[3][2] = "cecilia-at-example"
    with pytest.raises(ValidationError) as caught:
        roster_io.commit_import(acme, "musiker.xlsx", xlsx_bytes(bad), "acme-admin")
    assert caught.value.code == "import_has_errors"
    assert caught.value.fields == {"row 4: email": "not an e-mail address"}
    assert [r["row"] for r in caught.value.rows if r["errors"]] == [4]
    assert count_rows(acme, Musician) == 0 and count_rows(acme, MusicianQualification) == 0
    assert count_rows(acme, AuditLog) == 0

    result = roster_io.commit_import(acme, "musiker.xlsx", xlsx_bytes(GOOD), "acme-admin")
    assert result == {"created": 3, "qualifications": 4, "musicianIds": ["MUS001", "MUS002", "MUS003"]}
    by_email = {m["email"]: m for m in roster(acme)}
    anna = by_email["anna.lind@example.se"]
    assert (anna["musicianId"], anna["firstName"], anna["phone"], anna["localResidence"]) == (
        "MUS001", "Anna", "070-111 22 33", True)
    assert anna["notes"] == "Föredrar barock" and anna["status"] == "active"
    assert len(anna["qualifications"]) == 2
    assert by_email["bo@example.se"]["preferredLanguage"] == "en"
    assert by_email["cecilia@example.se"]["phone"] == "+46 70 999 88 77"
    with tenancy.orchestra_session(acme) as session:
        [audit] = session.exec(select(AuditLog)).all()
        assert (audit.action, audit.userId, audit.entityType) == ("import_musicians", "acme-admin", "Musician")
        assert audit.newValues["created"] == 3 and audit.newValues["lastMusicianId"] == "MUS003"
        sequence = session.exec(select(IdSequence).where(IdSequence.entityType == "musician")).one()
        assert sequence.lastNumber == 3  # the refused import used no numbers

    # The same file again: every row is now a duplicate of a registered musician, nothing more is written.
    preview = roster_io.preview_import(acme, "musiker.xlsx", xlsx_bytes(GOOD))
    assert preview["withErrors"] == 3 and preview["duplicates"] == 3
    with pytest.raises(ValidationError):
        roster_io.commit_import(acme, "musiker.xlsx", xlsx_bytes(GOOD), "acme-admin")
    assert count_rows(acme, Musician) == 3


def test_commit_validates_again_and_catches_a_musician_added_since_the_preview(acme):
    assert roster_io.preview_import(acme, "musiker.csv", csv_bytes(GOOD))["canImport"]
    musicians.create_musician(acme, {"firstName": "Bo", "lastName": "Ek", "email": "BO@example.se"})
    with pytest.raises(ValidationError) as caught:
        roster_io.commit_import(acme, "musiker.csv", csv_bytes(GOOD), "acme-admin")
    assert list(caught.value.fields) == ["row 3: email"]
    assert count_rows(acme, Musician) == 1


def test_the_plan_limit_counts_the_whole_file(acme):
    musicians.create_musician(acme, {"firstName": "Ett", "lastName": "Ett", "email": "ett@example.se"})
    set_max_musicians(acme, 3)
    preview = roster_io.preview_import(acme, "musiker.csv", csv_bytes(GOOD))
    assert preview["withErrors"] == 0 and not preview["canImport"]
    assert [(p["code"], p["detail"]) for p in preview["problems"]] == [("plan_limit", "3")]
    with pytest.raises(Conflict) as caught:
        roster_io.commit_import(acme, "musiker.csv", csv_bytes(GOOD), "acme-admin")
    assert caught.value.code == "plan_limit" and "would add 3" in caught.value.message
    assert count_rows(acme, Musician) == 1
    set_max_musicians(acme, 4)
    assert roster_io.commit_import(acme, "musiker.csv", csv_bytes(GOOD), None)["created"] == 3


# ----- export -------------------------------------------------------------------------------------------------


def test_export_csv_is_bom_semicolon_and_defuses_formulas(acme):
    musicians.create_musician(acme, {"firstName": "=HYPERLINK(\"http://evil\")", "lastName": "@SUM(A1)",
                                     "email": "evil@example.se", "phone": "+46 70 1", "notes": "-2+3",
                                     "qualifications": ["POS004"], "localResidence": True})
    musicians.create_musician(acme, {"firstName": "Anna", "lastName": "Lind", "email": "anna@example.se"})
    content, mime, name = roster_io.export_roster(acme, "csv")
    assert mime == "text/csv; charset=utf-8" and name.startswith("musiker-acme-") and name.endswith(".csv")
    assert content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == SV_HEADER
    assert lines[1] == ["'=HYPERLINK(\"http://evil\")", "'@SUM(A1)", "evil@example.se", "'+46 70 1", "sv", "ja",
                        "Tutti violin 1", "'-2+3"]
    assert lines[2] == ["Anna", "Lind", "anna@example.se", "", "sv", "nej", "", ""]

    english, _, english_name = roster_io.export_roster(acme, "csv", lang="en")
    assert english.decode("utf-8-sig").splitlines()[0] == ";".join(EN_HEADER)
    assert english_name.startswith("musicians-acme-") and ";yes;" in english.decode("utf-8-sig")


def test_export_xlsx_keeps_formulas_as_text(acme):
    musicians.create_musician(acme, {"firstName": "=1+1", "lastName": "Lind", "email": "a@example.se",
                                     "phone": "+46 70 1"})
    content, mime, name = roster_io.export_roster(acme, "xlsx")
    assert mime == roster_io.XLSX_MIME and name.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == SV_HEADER
    first = sheet["A2"]
    assert first.value == "=1+1" and first.data_type == "s" and first.quotePrefix  # text, never a formula
    assert sheet["D2"].data_type == "s" and sheet["D2"].quotePrefix
    assert "<f>" not in str(content)


def test_archived_musicians_only_when_asked(acme):
    kept = musicians.create_musician(acme, {"firstName": "Kvar", "lastName": "A", "email": "kvar@example.se"})
    gone = musicians.create_musician(acme, {"firstName": "Borta", "lastName": "B", "email": "borta@example.se"})
    musicians.archive_musician(acme, gone["musicianId"])
    assert [r[0] for r in roster_io.roster_rows(acme)[1:]] == [kept["firstName"]]
    assert [r[0] for r in roster_io.roster_rows(acme, include_archived=True)[1:]] == ["Kvar", "Borta"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_again_into_another_orchestra(installation, fmt):
    acme = make_orchestra("acme", "Testorkestern", demo=True)
    beta = make_orchestra("beta", "Betaorkestern")
    musicians.create_musician(acme, {"firstName": "-Minus", "lastName": "Plus", "email": "mp@example.se",
                                     "phone": "+46 70 123 45 67", "notes": "=rad ett\nrad två",
                                     "qualifications": ["POS008", "POS011"]})  # Viola: Tutti, Cello: Tutti
    content, _, name = roster_io.export_roster(acme, fmt)
    preview = roster_io.preview_import(beta, name, content)
    assert preview["withErrors"] == 0, [r for r in preview["rows"] if r["errors"]][:3]
    active = len(roster_io.roster_rows(acme)) - 1  # the demo roster (its archived musicians left out) and one more
    assert preview["total"] == active > 60
    assert roster_io.commit_import(beta, name, content, "beta-admin")["created"] == active
    assert roster_io.roster_rows(beta) == roster_io.roster_rows(acme)
    exported = roster_io.roster_rows(acme)
    [special] = [row for row in exported if row[2] == "mp@example.se"]
    assert special[6] == "Viola: Tutti, Cello: Tutti" and special[0] == "-Minus"


def test_templates_have_the_header_only():
    content, mime, name = roster_io.roster_template("csv")
    assert content.decode("utf-8-sig") == ";".join(SV_HEADER) + "\r\n" and name == "musiker-mall.csv"
    content, mime, name = roster_io.roster_template("xlsx", "en")
    assert xlsx_rows(content) == [tuple(EN_HEADER)] and name == "musicians-template.xlsx"
    with pytest.raises(ValidationError):
        roster_io.roster_template("pdf")


# ----- the download endpoint ------------------------------------------------------------------------------------


@pytest.fixture
def world(acme):
    make_orchestra("beta", "Betaorkestern")
    musicians.create_musician(acme, {"firstName": "Anna", "lastName": "Lind", "email": "anna@example.se"})
    for sub, role in (("acme", "admin"), ("acme", "user"), ("beta", "admin")):
        auth.create_user(username=f"{sub}-{role}", email=f"{role}@{sub}.test", password=PASSWORD, role=role,
                         orchestra_subdomain=sub)
    auth.create_user(username="root", email="root@stagesub.test", password=PASSWORD, role="superadmin")
    return acme


def client(host: str = "acme.localhost:3000") -> TestClient:
    return TestClient(build_api(), base_url=f"http://{host}")


def cookie(username: str) -> dict[str, str]:
    token, _ = auth.login(username, PASSWORD, ip="127.0.0.1")
    return {"cookie": f"{auth.SESSION_COOKIE}={token}"}


@pytest.mark.parametrize("username", ["acme-admin", "acme-user"])
def test_staff_of_the_orchestra_download_the_roster(world, username):
    response = client().get("/musicians/export.csv", headers=cookie(username))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-disposition"].startswith("attachment; filename*=UTF-8''musiker-acme-")
    assert "Anna;Lind;anna@example.se" in response.content.decode("utf-8-sig")

    response = client().get("/musicians/export.xlsx?lang=en", headers=cookie(username))
    assert response.status_code == 200 and response.headers["content-type"] == roster_io.XLSX_MIME
    rows = xlsx_rows(response.content)
    assert rows[0] == tuple(EN_HEADER) and rows[1][:3] == ("Anna", "Lind", "anna@example.se")

    template = client().get("/musicians/export.csv?template=1", headers=cookie(username))
    assert template.content.decode("utf-8-sig") == ";".join(SV_HEADER) + "\r\n"


def test_the_roster_is_refused_to_everybody_else(world):
    assert client().get("/musicians/export.csv").status_code == 401
    assert client().get("/musicians/export.csv", headers={"cookie": f"{auth.SESSION_COOKIE}=forged"}) \
        .status_code == 401
    assert client().get("/musicians/export.csv", headers=cookie("beta-admin")).status_code == 403
    assert client().get("/musicians/export.xlsx", headers=cookie("root")).status_code == 403
    assert client("beta.localhost:3000").get("/musicians/export.csv", headers=cookie("acme-admin")) \
        .status_code == 403
    assert client("localhost:3000").get("/musicians/export.csv", headers=cookie("acme-admin")).status_code == 404
    assert client("nosuch.localhost:3000").get("/musicians/export.csv", headers=cookie("acme-admin")) \
        .status_code == 404
    refused = client().get("/musicians/export.csv", headers=cookie("beta-admin"))
    assert "Anna" not in refused.text and refused.headers["cache-control"] == "private, no-store"


# ----- the import page's state -----------------------------------------------------------------------------------


def page_state(username: str):
    from reflex.istate.data import RouterData
    from reflex.state import State

    root = State()
    root.router = RouterData.from_router_data({
        "headers": {"host": "acme.localhost:3000", "origin": "http://acme.localhost:3000",
                    "cookie": cookie(username)["cookie"]},
        "pathname": "/musicians/import", "asPath": "/musicians/import", "query": {},
    })
    return root.get_substate(RosterImportState.get_full_name().split(".")[1:])


def upload_file(name: str, content: bytes):
    from reflex_components_core.core._upload import UploadFile

    return UploadFile(file=io.BytesIO(content), path=Path(name), size=len(content))


async def run(generator) -> None:
    async for _ in generator:
        pass


async def test_the_page_previews_blocks_a_bad_file_and_imports_the_fixed_one(world):
    state = page_state("acme-user")
    assert await state.load_import() is None

    bad = [row[:] for row in GOOD]
    bad[2][2] = "anna@example.se"  # Bo gets the e-mail of the registered Anna Lind (MUS001)
    bad[3][3] = "inget nummer"
    await run(state.upload([upload_file("musiker.xlsx", xlsx_bytes(bad))]))
    assert state.previewed and not state.reading and state.file_name == "musiker.xlsx"
    assert (state.total, state.with_errors, state.duplicates) == (3, 2, 1)
    assert state.summary == "3 rader, 2 med fel" and not state.can_import
    assert state.only_errors and [row.row for row in state.rows] == [3, 4]  # only the rows with errors first
    [duplicate] = state.rows[0].problems
    assert (duplicate.field_key, duplicate.message_key, duplicate.detail) == (
        "roster_import.col.email", "roster_import.err.duplicate_in_db", "Anna Lind (MUS001)")
    state.set_only_errors(False)
    assert [row.row for row in state.rows] == [2, 3, 4]
    await run(state.import_roster())  # refused: the button is disabled and the handler checks again
    assert count_rows(world, Musician) == 1

    await run(state.upload([upload_file("musiker.xlsx", xlsx_bytes(GOOD))]))
    assert state.can_import and state.summary == "3 rader, 0 med fel" and state.error_key == ""
    await run(state.import_roster())
    assert state.imported_count == 3 and not state.previewed and state.error_key == ""
    assert count_rows(world, Musician) == 4


async def test_the_page_explains_an_unreadable_file(world):
    state = page_state("acme-admin")
    await run(state.upload([upload_file("musiker.csv", "Förnamn;Telefon\nAnna;070\n".encode())]))
    assert state.error_key == "roster_import.error.missing_columns" and not state.previewed
    assert state.error_detail == "Efternamn/Last name, E-post/Email"
    await run(state.upload([upload_file("musiker.pdf", b"%PDF")]))
    assert state.error_key == "roster_import.error.unknown_format"
    state.reject_drop([{"file": "x.exe"}])
    assert state.error_key == "roster_import.error.rejected"
