"""RosterImportState: the roster import page (upload, preview of every row, all-or-nothing import).

The uploaded file is read into memory (never written to Reflex's public upload folder) and kept in a
backend-only var until the import, which hands the same bytes to ``services.roster_io.commit_import``: the
service parses and validates them again, so what the browser was shown is never trusted. Every handler
re-checks the session (``_require``). The preview of up to 5,000 rows stays on the server; the browser gets
one page of it at a time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math

import reflex as rx

from services import roster_io, tenancy
from services.errors import ServiceError, ValidationError
from stagesub_ui import routes
from stagesub_ui.i18n import sv, translate
from state.session import SessionState

log = logging.getLogger(__name__)

UPLOAD_ID = "roster-upload"
PAGE_SIZE = 100


@dataclasses.dataclass
class RowProblem:
    """One problem, shown as "<column>: <message> <detail>" (keys translated when shown)."""

    field_key: str = ""
    message_key: str = ""
    detail: str = ""


@dataclasses.dataclass
class PreviewRow:
    row: int = 0
    firstName: str = ""
    lastName: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""
    local: bool = False
    qualifications: str = ""
    notes: str = ""
    ok: bool = True
    problems: list[RowProblem] = dataclasses.field(default_factory=list)


def _message_key(code: str) -> str:
    key = f"roster_import.err.{code}"
    return key if key in sv.MESSAGES else "roster_import.err.invalid_value"


def _field_key(field: str) -> str:
    key = f"roster_import.col.{field}"
    return key if key in sv.MESSAGES else "roster_import.col.file"


def to_rows(items: list[dict]) -> list[PreviewRow]:
    rows = []
    for item in items:
        values = item["values"]
        rows.append(PreviewRow(
            row=int(item["row"]),
            firstName=values["firstName"], lastName=values["lastName"], email=values["email"],
            phone=values["phone"], language=values["preferredLanguage"], local=bool(values["localResidence"]),
            qualifications=", ".join(values["qualifications"]), notes=values["notes"],
            ok=not item["errors"],
            problems=[RowProblem(field_key=_field_key(p["field"]), message_key=_message_key(p["code"]),
                                 detail=p["detail"]) for p in item["errors"]],
        ))
    return rows


def error_key_of(code: str) -> str:
    """The page's text for a refused file or import (a service error code), else the generic one."""
    key = f"roster_import.error.{code}"
    return key if key in sv.MESSAGES else "error.unknown"


def run_preview(orchestra_pk: str, file_name: str, content: bytes) -> dict:
    """(worker thread) What importing the file would do."""
    return roster_io.preview_import(tenancy.get_orchestra_by_id(orchestra_pk), file_name, content)


def run_import(orchestra_pk: str, file_name: str, content: bytes, actor: str) -> dict:
    """(worker thread) Import every row of the file, or none."""
    return roster_io.commit_import(tenancy.get_orchestra_by_id(orchestra_pk), file_name, content, actor)


class RosterImportState(SessionState):
    file_name: str = ""
    previewed: bool = False
    rows: list[PreviewRow] = []
    total: int = 0
    with_errors: int = 0
    duplicates: int = 0
    ignored_columns: str = ""
    file_problems: list[RowProblem] = []
    only_errors: bool = False
    page: int = 1
    page_count: int = 1

    reading: bool = False
    importing: bool = False
    error_key: str = ""
    error_detail: str = ""
    imported_count: int = 0

    # Backend only: every row of the preview, and the file itself until it is imported.
    _all_rows: list[PreviewRow] = []
    _content: bytes = b""
    _file_name: str = ""

    @rx.var
    def can_import(self) -> bool:
        """Only a preview without a single error (or file problem) may be imported: all or nothing."""
        return (self.previewed and self.total > 0 and self.with_errors == 0 and not self.file_problems
                and not self.reading and not self.importing)

    @rx.var
    def summary(self) -> str:
        """"12 rader, 1 med fel" in the page's language."""
        key = "roster_import.summary_one" if self.total == 1 else "roster_import.summary"
        return translate(key, self.lang).format(total=self.total, errors=self.with_errors)

    # ----- helpers -----------------------------------------------------------------------------------------------

    def _clear_preview(self) -> None:
        self.file_name, self.previewed = "", False
        self.rows, self._all_rows = [], []
        self.total = self.with_errors = self.duplicates = 0
        self.ignored_columns, self.file_problems = "", []
        self.only_errors, self.page, self.page_count = False, 1, 1
        self._content, self._file_name = b"", ""

    def _show_page(self) -> None:
        chosen = [row for row in self._all_rows if not self.only_errors or not row.ok]
        self.page_count = max(1, math.ceil(len(chosen) / PAGE_SIZE))
        self.page = min(max(1, self.page), self.page_count)
        start = (self.page - 1) * PAGE_SIZE
        self.rows = chosen[start:start + PAGE_SIZE]

    def _apply_rows(self, items: list[dict]) -> None:
        self._all_rows = to_rows(items)
        self.total = len(self._all_rows)
        self.with_errors = sum(1 for row in self._all_rows if not row.ok)
        self.duplicates = sum(1 for row in self._all_rows
                              if any(p.message_key.startswith("roster_import.err.duplicate") for p in row.problems))
        self.only_errors = self.with_errors > 0
        self.page = 1
        self._show_page()

    def _apply_preview(self, preview: dict) -> None:
        self._apply_rows(preview["rows"])
        self.ignored_columns = ", ".join(preview["ignoredColumns"])
        self.file_problems = [
            RowProblem(field_key="roster_import.col.file", message_key=error_key_of(p["code"]),
                       detail=p["detail"])
            for p in preview["problems"]
        ]
        self.previewed = True

    def _fail(self, exc: ServiceError) -> None:
        self.error_key = error_key_of(exc.code)
        self.error_detail = exc.fields.get("columns", "") if exc.code in ("missing_columns", "duplicate_column") \
            else exc.fields.get("maxMusicians", "") if exc.code == "plan_limit" else ""

    # ----- events ------------------------------------------------------------------------------------------------

    @rx.event
    async def load_import(self):
        """on_load: a fresh page (a file read earlier is forgotten)."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        self._clear_preview()
        self.error_key = self.error_detail = ""
        self.imported_count = 0
        self.reading = self.importing = False
        return None

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """A file was chosen or dropped: read it and show the preview (nothing is written)."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            yield redirect
            return
        if self.reading or self.importing:
            return
        self._clear_preview()
        self.error_key = self.error_detail = ""
        self.imported_count = 0
        if not files:
            self.error_key = "roster_import.error.no_file"
            return
        item = files[0]
        name = item.name or ""
        if item.size is not None and item.size > roster_io.MAX_BYTES:
            self.error_key = "roster_import.error.file_too_large"
            yield rx.clear_selected_files(UPLOAD_ID)
            return
        self.reading = True
        self.file_name = name
        yield  # show "reading" while the file is checked
        try:
            content = await item.read(roster_io.MAX_BYTES + 1)  # one byte over is enough to refuse
            preview = await asyncio.to_thread(run_preview, user.orchestra_pk, name, content)
        except ServiceError as exc:
            self._fail(exc)
            self.file_name = ""
        except Exception:  # never leave the page spinning; the details are in the log
            log.exception("roster preview of %r failed", name)
            self.error_key = "error.unknown"
            self.file_name = ""
        else:
            self._apply_preview(preview)
            self._content, self._file_name = content, name
        self.reading = False
        yield rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def reject_drop(self, rejections: list[dict]):
        """The browser refused the file (type or size) before sending it."""
        self._clear_preview()
        self.imported_count = 0
        self.error_key, self.error_detail = "roster_import.error.rejected", ""

    @rx.event
    def set_only_errors(self, value: bool):
        self.only_errors = bool(value)
        self.page = 1
        self._show_page()

    @rx.event
    def next_page(self):
        self.page += 1
        self._show_page()

    @rx.event
    def previous_page(self):
        self.page -= 1
        self._show_page()

    @rx.event
    def choose_other_file(self):
        self._clear_preview()
        self.error_key = self.error_detail = ""
        self.imported_count = 0

    @rx.event
    async def import_roster(self):
        """Import the previewed file: the service validates it again and writes every row or none."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            yield redirect
            return
        if not self.can_import or not self._content:
            return
        self.importing = True
        self.error_key = self.error_detail = ""
        yield
        try:
            result = await asyncio.to_thread(run_import, user.orchestra_pk, self._file_name, self._content,
                                             user.username)
        except ValidationError as exc:
            self._fail(exc)
            rows = getattr(exc, "rows", None)
            if rows is not None:  # something changed since the preview: show the rows as they are now
                self._apply_rows(rows)
        except ServiceError as exc:
            self._fail(exc)
        except Exception:
            log.exception("roster import of %r failed", self._file_name)
            self.error_key = "error.unknown"
        else:
            self._clear_preview()
            self.imported_count = int(result["created"])
        self.importing = False
