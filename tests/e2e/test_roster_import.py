"""The roster import in Chromium against the real app (issue 5's journey).

Staff (acme-admin): musicians page → import → an .xlsx with one bad row (the error is shown on its row, the
Import button stays disabled, nothing is written) → the corrected file → import → the new musicians are on the
musicians page. The workbooks are generated here with openpyxl.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.test_login_shell import log_in

pytestmark = pytest.mark.e2e

HEADER = ["Förnamn", "Efternamn", "E-post", "Telefon", "Språk", "Lokal", "Kvalifikationer"]
ROWS = [
    ["Ingrid", "Importsson", "ingrid.importsson@example.se", "070-900 00 01", "sv", "ja", "Tutti violin 1"],
    ["Ivar", "Importsson", "ivar.importsson@example.se", "070-900 00 02", "en", "nej",
     "Tutti violin 1, Tutti violin 2"],
    ["Ines", "Importsson", "ines.importsson@example.se", "", "", "", "Viola: Tutti"],
]


def workbook(path, rows) -> str:
    book = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    book.save(path)
    return str(path)


FETCH_JS = """async (path) => {
    const response = await fetch(path, {credentials: "same-origin"});
    return [response.status, Array.from(new Uint8Array(await response.arrayBuffer()))];
}"""


def download(page, path: str) -> bytes:
    """A file as the logged-in browser downloads it (fetched inside the page: Chromium resolves *.localhost)."""
    status, content = page.evaluate(FETCH_JS, path)
    assert status == 200
    return bytes(content)


def export_text(page) -> str:
    return download(page, "/musicians/export.csv").decode("utf-8-sig")


def test_import_with_a_bad_row_writes_nothing_then_the_fixed_file_imports(page, server, tmp_path):
    log_in(page, server, "acme-admin")
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto(server.url("/musicians", "acme"))
    page.locator("#musicians-import").click()
    expect(page).to_have_url(re.compile(r".*/musicians/import/?$"))
    expect(page.locator("h1")).to_have_text("Importera musiker")

    # One bad e-mail address on the second data row (row 3 of the sheet).
    bad_rows = [row[:] for row in ROWS]
    bad_rows[1][2] = "ivar.importsson-at-example.se"
    page.locator("#roster-upload input[type=file]").set_input_files(workbook(tmp_path / "musiker.xlsx", bad_rows))
    expect(page.locator("#import-summary")).to_have_text("3 rader, 1 med fel")
    expect(page.locator("#import-blocked")).to_be_visible()
    expect(page.locator("#import-roster")).to_be_disabled()
    bad = page.get_by_test_id("import-row-error")
    expect(bad).to_have_count(1)  # only the rows with errors are listed at first
    expect(bad).to_contain_text("3")
    expect(page.get_by_test_id("import-row-problems").get_by_test_id("row-problem")) \
        .to_have_text("E-post: är inte en e-postadress")
    page.locator("#only-errors").click()  # show every row
    expect(page.get_by_test_id("import-row")).to_have_count(2)
    expect(page.get_by_test_id("import-row").first).to_contain_text("Violin: Tutti violin 1")
    assert "Importsson" not in export_text(page)  # nothing written

    # The corrected file: no errors, then the import.
    page.locator("#roster-upload input[type=file]").set_input_files(workbook(tmp_path / "musiker-rattad.xlsx", ROWS))
    expect(page.locator("#import-summary")).to_have_text("3 rader, 0 med fel")
    expect(page.locator("#import-ready")).to_be_visible()
    expect(page.get_by_test_id("import-row-error")).to_have_count(0)
    page.locator("#import-roster").click()
    expect(page.locator("#import-result")).to_contain_text("Importerade musiker: 3")
    expect(page.get_by_test_id("import-preview")).to_have_count(0)
    assert export_text(page).count("Importsson") == 3

    # The musicians appear on the musicians page.
    page.locator("#show-musicians").click()
    expect(page).to_have_url(re.compile(r".*/musicians/?$"))
    page.locator("#musician-search").fill("Importsson")
    rows = page.get_by_test_id("musician-row")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Ivar")).to_contain_text("ivar.importsson@example.se")


def test_a_file_of_the_wrong_kind_gets_a_clear_message(page, server, tmp_path):
    log_in(page, server, "acme-user")
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto(server.url("/musicians/import", "acme"))
    expect(page.locator("h1")).to_have_text("Importera musiker")
    missing = tmp_path / "lista.csv"
    missing.write_bytes("Förnamn;Telefon\nAnna;070\n".encode())
    page.locator("#roster-upload input[type=file]").set_input_files(str(missing))
    expect(page.locator("#import-error")).to_contain_text("Kolumner saknas i första raden: Efternamn/Last name, "
                                                          "E-post/Email")
    expect(page.get_by_test_id("import-preview")).to_have_count(0)

    # The template downloads with the right columns.
    template = download(page, "/musicians/export.xlsx?template=1")
    sheet = openpyxl.load_workbook(io.BytesIO(template), read_only=True).active
    assert next(sheet.iter_rows(values_only=True)) == ("Förnamn", "Efternamn", "E-post", "Telefon", "Språk", "Lokal",
                                                       "Kvalifikationer", "Anteckningar")
