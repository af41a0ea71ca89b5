"""``/musicians/import``: read a roster from Excel or CSV, see every row with its errors, then import all or none."""

from __future__ import annotations

import reflex as rx

from services.roster_io import MAX_BYTES, XLSX_MIME
from stagesub_ui import routes
from stagesub_ui.components.links import plain_link
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import message
from state.roster_import import UPLOAD_ID, PreviewRow, RosterImportState, RowProblem
from state.session import SessionState

T = SessionState.t
S = RosterImportState

ACCEPT = {
    XLSX_MIME: [".xlsx"],
    "text/csv": [".csv"],
    "application/vnd.ms-excel": [".csv"],  # what Windows says a .csv file is
}
COLUMNS = ("firstName", "lastName", "email", "phone", "preferredLanguage", "localResidence", "qualifications",
           "notes")


def _download_links() -> rx.Component:
    link_style = {"text_decoration": "underline", "color": rx.color("accent", 11), "display": "inline-flex",
                  "align_items": "center", "gap": "0.25rem"}
    return rx.vstack(
        rx.hstack(
            rx.text(T["roster_import.template"], size="2", weight="medium"),
            plain_link(rx.icon("file-spreadsheet", size=14), T["roster_import.template_xlsx"],
                       href=f"{routes.MUSICIANS_EXPORT_XLSX}?template=1", id="template-xlsx", style=link_style),
            plain_link(rx.icon("file-text", size=14), T["roster_import.template_csv"],
                       href=f"{routes.MUSICIANS_EXPORT_CSV}?template=1", id="template-csv", style=link_style),
            spacing="3", align="center", wrap="wrap",
        ),
        rx.hstack(
            rx.text(T["roster_import.export"], size="2", weight="medium"),
            plain_link(rx.icon("download", size=14), T["roster_import.export_xlsx"],
                       href=routes.MUSICIANS_EXPORT_XLSX, id="export-xlsx", style=link_style),
            plain_link(rx.icon("download", size=14), T["roster_import.export_csv"],
                       href=routes.MUSICIANS_EXPORT_CSV, id="export-csv", style=link_style),
            spacing="3", align="center", wrap="wrap",
        ),
        spacing="2",
    )


def columns_help() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["roster_import.columns_heading"], as_="h2", size="4"),
            rx.text(T["roster_import.columns_intro"], size="2"),
            rx.hstack(
                *[rx.badge(T[f"roster_import.col.{name}"], variant="soft",
                           color_scheme="indigo" if name in ("firstName", "lastName", "email") else "gray")
                  for name in COLUMNS],
                spacing="2", wrap="wrap",
            ),
            rx.text(T["roster_import.columns_qualifications"], size="2", color_scheme="gray"),
            rx.text(T["roster_import.columns_values"], size="2", color_scheme="gray"),
            _download_links(),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def upload_zone() -> rx.Component:
    return rx.vstack(
        rx.heading(T["roster_import.upload_label"], as_="h2", size="4"),
        rx.upload(
            rx.vstack(
                rx.icon("upload", size=22),
                rx.text(T["roster_import.drop"], size="2"),
                rx.text(T["roster_import.allowed"], size="1", color_scheme="gray"),
                align="center",
                spacing="1",
            ),
            id=UPLOAD_ID,
            multiple=False,
            max_files=1,
            max_size=MAX_BYTES,
            accept=ACCEPT,
            disabled=S.reading | S.importing,
            on_drop=S.upload(rx.upload_files(upload_id=UPLOAD_ID)),
            on_drop_rejected=S.reject_drop,
            border=f"1px dashed {rx.color('gray', 8)}",
            border_radius="8px",
            padding="1.25rem",
            width="100%",
            cursor="pointer",
            data_testid="roster-drop",
        ),
        rx.cond(S.reading, rx.hstack(rx.spinner(size="2"), rx.text(T["roster_import.reading"], size="2"),
                                     role="status", align="center")),
        spacing="2",
        width="100%",
    )


def _problem_item(problem: rx.Var[RowProblem]) -> rx.Component:
    return rx.el.li(
        rx.text(T[problem.field_key], ": ", as_="span", weight="medium"),
        T[problem.message_key], " ", problem.detail,
        data_testid="row-problem",
    )


def _row(row: rx.Var[PreviewRow]) -> rx.Component:
    """The row's values; a row with errors is red and followed by a row that lists them."""
    background = rx.cond(row.ok, "transparent", rx.color("red", 3))
    return rx.fragment(
        rx.table.row(
            rx.table.row_header_cell(
                rx.hstack(rx.text(row.row),
                          rx.cond(row.ok, rx.fragment(),
                                  rx.icon("circle-alert", size=14, color=rx.color("red", 11), aria_hidden="true")),
                          spacing="1", align="center"),
            ),
            rx.table.cell(row.firstName),
            rx.table.cell(row.lastName),
            rx.table.cell(row.email),
            rx.table.cell(row.phone, white_space="nowrap"),
            rx.table.cell(row.language),
            rx.table.cell(rx.cond(row.local, T["roster_import.yes"], T["roster_import.no"])),
            rx.table.cell(row.qualifications, max_width="16rem"),
            rx.table.cell(rx.text(row.notes, size="1", trim="end"), max_width="12rem"),
            background=background,
            data_testid=rx.cond(row.ok, "import-row", "import-row-error"),
        ),
        rx.cond(
            row.ok,
            rx.fragment(),
            rx.table.row(
                rx.table.cell(
                    rx.el.ul(rx.foreach(row.problems, _problem_item),
                             style={"margin": "0", "padding_left": "1.25rem", "color": rx.color("red", 11)}),
                    col_span=len(COLUMNS) + 1,
                    padding_top="0",
                ),
                background=background,
                data_testid="import-row-problems",
            ),
        ),
    )


def preview_table() -> rx.Component:
    headers = ["row", *COLUMNS]
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(T[f"roster_import.col.{name}"])
                                           for name in headers])),
            rx.table.body(rx.foreach(S.rows, _row)),
            size="1",
            variant="surface",
            width="100%",
            aria_label=T["roster_import.table_label"],
        ),
        overflow_x="auto",
        width="100%",
    )


def pager() -> rx.Component:
    return rx.cond(
        S.page_count > 1,
        rx.hstack(
            rx.button(T["roster_import.prev"], on_click=S.previous_page, disabled=S.page <= 1, variant="soft",
                      size="1"),
            rx.text(T["roster_import.page"], " ", S.page, " ", T["roster_import.of"], " ", S.page_count, size="2"),
            rx.button(T["roster_import.next"], on_click=S.next_page, disabled=S.page >= S.page_count,
                      variant="soft", size="1"),
            align="center",
            spacing="3",
        ),
    )


def _file_problem(problem: rx.Var[RowProblem]) -> rx.Component:
    return message(rx.text(T[problem.message_key], " ", problem.detail), color="red", icon="circle-alert",
                   role="alert", data_testid="file-problem")


def preview_section() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(T["roster_import.file"], " ", rx.el.strong(S.file_name), size="2"),
            rx.badge(S.summary, color_scheme=rx.cond(S.with_errors > 0, "red", "green"), size="2",
                     id="import-summary"),
            rx.cond(S.duplicates > 0, rx.badge(T["roster_import.duplicates"], " ", S.duplicates,
                                               color_scheme="orange", size="2", id="import-duplicates")),
            spacing="3", align="center", wrap="wrap",
        ),
        rx.cond(S.ignored_columns != "",
                rx.text(T["roster_import.ignored"], " ", S.ignored_columns, size="2", color_scheme="gray")),
        rx.foreach(S.file_problems, _file_problem),
        rx.cond(
            S.with_errors > 0,
            message(T["roster_import.fix_first"], color="red", icon="circle-alert", role="alert",
                    id="import-blocked"),
            rx.cond(S.file_problems.length() == 0,
                    message(T["roster_import.ready"], color="green", icon="circle-check", id="import-ready")),
        ),
        rx.hstack(
            rx.button(rx.icon("file-up", size=16), rx.cond(S.importing, T["roster_import.importing"],
                                                           T["roster_import.import"]),
                      on_click=S.import_roster, disabled=~S.can_import, loading=S.importing, id="import-roster"),
            rx.button(T["roster_import.other_file"], on_click=S.choose_other_file, variant="soft", color_scheme="gray",
                      disabled=S.importing, id="choose-other-file"),
            rx.spacer(),
            rx.cond(
                S.with_errors > 0,
                rx.hstack(
                    rx.switch(id="only-errors", checked=S.only_errors, on_change=S.set_only_errors),
                    rx.el.label(T["roster_import.only_errors"], html_for="only-errors",
                                style={"font_size": "0.875rem", "cursor": "pointer"}),
                    align="center", spacing="2",
                ),
            ),
            align="center", spacing="3", width="100%", wrap="wrap",
        ),
        preview_table(),
        pager(),
        spacing="3",
        width="100%",
        data_testid="import-preview",
    )


def roster_import_content() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), T["roster_import.back"], spacing="1", align="center"),
                href=routes.MUSICIANS, size="2", id="back-to-musicians"),
        rx.heading(T["roster_import.title"], as_="h1", size="7"),
        rx.text(T["roster_import.intro"], color_scheme="gray", size="2"),
        columns_help(),
        upload_zone(),
        rx.cond(
            S.error_key != "",
            message(rx.text(T[S.error_key], " ", S.error_detail), color="red", icon="circle-alert", role="alert",
                    id="import-error"),
        ),
        rx.cond(
            S.imported_count > 0,
            message(rx.hstack(rx.text(T["roster_import.done"], " ", S.imported_count),
                              rx.link(T["roster_import.show_musicians"], href=routes.MUSICIANS, id="show-musicians"),
                              spacing="3", wrap="wrap"),
                    color="green", icon="circle-check", id="import-result"),
        ),
        rx.cond(S.previewed, preview_section()),
        spacing="4",
        width="100%",
    )


def roster_import_page() -> rx.Component:
    return staff_page(roster_import_content(), active_route=routes.MUSICIANS)
