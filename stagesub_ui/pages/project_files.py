"""The files section of the project page: the project's files (download, delete) and the upload control."""

from __future__ import annotations

import reflex as rx

from stagesub_ui.components.ui import error_message, message
from state.project_files import GENERAL, UPLOAD_ID, FileRow, NeedChoice, ProjectFilesState
from state.session import SessionState

T = SessionState.t
F = ProjectFilesState

SECTION_HEADING = {"as_": "h2", "size": "5"}
LABEL_STYLE = {"font_size": "0.8125rem", "font_weight": "500", "color": rx.color("gray", 11)}


def timing_name(timing: rx.Var[str]) -> rx.Component:
    return rx.match(
        timing,
        ("on_request", T["files.timing.on_request"]),
        ("on_accept", T["files.timing.on_accept"]),
        timing,
    )


def delete_dialog(row: rx.Var[FileRow]) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("trash-2", size=14), T["files.delete"],
                size="1", variant="soft", color_scheme="red",
                aria_label=T["files.delete"] + ": " + row.fileName,
                loading=F.delete_busy == row.projectFileId,
                disabled=F.delete_busy != "",
                data_testid="delete-file",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["files.delete_title"]),
            rx.alert_dialog.description(rx.text(row.fileName, weight="medium", as_="p"), T["files.delete_text"],
                                        size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(T["files.delete"], color_scheme="red", on_click=F.delete_file(row.projectFileId),
                              data_testid="confirm-delete-file"),
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="30rem",
        ),
    )


def _file_row(row: rx.Var[FileRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(row.fileName, weight="medium", style={"overflow_wrap": "anywhere"}),
            rx.text(row.mimeType, size="1", color_scheme="gray"),
        ),
        rx.table.cell(rx.cond(row.projectNeedId != "", row.needLabel, T["files.whole_project"])),
        rx.table.cell(timing_name(row.sendTiming)),
        rx.table.cell(rx.cond(row.missing, rx.badge(T["files.missing"], color_scheme="red"), row.size),
                      white_space="nowrap"),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row.downloadUrl != "",
                    # A real navigation (not client-side routing) so the request reaches GET /files/{id}.
                    rx.el.a(
                        rx.hstack(rx.icon("download", size=14), T["files.download"], spacing="1", align="center"),
                        href=row.downloadUrl,
                        reload_document=True,
                        aria_label=T["files.download"] + ": " + row.fileName,
                        data_testid="download-file",
                        style={"font_size": "0.875rem", "color": rx.color("accent", 11)},
                    ),
                ),
                delete_dialog(row),
                spacing="3",
                align="center",
            ),
        ),
        data_testid="file-row",
    )


def files_table() -> rx.Component:
    return rx.cond(
        F.files.length() == 0,
        rx.text(T["files.empty"], color_scheme="gray", size="2", data_testid="files-empty"),
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell(T["files.col.name"]),
                        rx.table.column_header_cell(T["files.col.need"]),
                        rx.table.column_header_cell(T["files.col.timing"]),
                        rx.table.column_header_cell(T["files.col.size"]),
                        rx.table.column_header_cell(T["files.col.actions"]),
                    ),
                ),
                rx.table.body(rx.foreach(F.files, _file_row)),
                variant="surface",
                size="1",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
    )


def _need_item(choice: rx.Var[NeedChoice]) -> rx.Component:
    return rx.select.item(choice.label, value=choice.projectNeedId)


def upload_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["files.upload_heading"], as_="h3", size="3"),
            rx.upload(
                rx.vstack(
                    rx.icon("upload", size=20),
                    rx.text(T["files.drop"], size="2"),
                    rx.text(T["files.allowed"], size="1", color_scheme="gray"),
                    align="center",
                    spacing="1",
                ),
                id=UPLOAD_ID,
                multiple=True,
                disabled=F.uploading,
                border=f"1px dashed {rx.color('gray', 8)}",
                border_radius="8px",
                padding="1rem",
                width="100%",
                cursor="pointer",
                data_testid="file-drop",
            ),
            rx.cond(
                rx.selected_files(UPLOAD_ID).length() > 0,
                rx.text(T["files.selected"], " ", rx.selected_files(UPLOAD_ID).join(", "), size="2",
                        data_testid="files-selected"),
            ),
            rx.grid(
                rx.box(
                    rx.el.label(T["files.need_label"], html_for="file-need", style=LABEL_STYLE),
                    rx.select.root(
                        rx.select.trigger(id="file-need", width="100%"),
                        rx.select.content(
                            rx.select.item(T["files.whole_project"], value=GENERAL),
                            rx.foreach(F.need_choices, _need_item),
                        ),
                        value=F.upload_need,
                        on_change=F.set_upload_need,
                    ),
                ),
                rx.box(
                    rx.el.label(T["files.timing_label"], html_for="file-timing", style=LABEL_STYLE),
                    rx.select.root(
                        rx.select.trigger(id="file-timing", width="100%"),
                        rx.select.content(
                            rx.select.item(T["files.timing.on_request"], value="on_request"),
                            rx.select.item(T["files.timing.on_accept"], value="on_accept"),
                        ),
                        value=F.upload_timing,
                        on_change=F.set_upload_timing,
                    ),
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.button(
                rx.icon("upload", size=16), T["files.upload_button"],
                on_click=F.upload(rx.upload_files(upload_id=UPLOAD_ID)),
                loading=F.uploading,
                id="upload-files",
            ),
            rx.cond(F.uploading, rx.text(T["files.uploading"], size="2", role="status")),
            rx.cond(
                F.uploaded_count > 0,
                message(rx.text(T["files.uploaded"], " ", F.uploaded_count), color="green", icon="circle-check",
                        id="upload-result"),
            ),
            rx.foreach(
                F.upload_errors,
                lambda text: message(text, color="red", icon="circle-alert", role="alert", data_testid="upload-error"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def files_section() -> rx.Component:
    """The project's files and the upload control; loaded by ``ProjectFilesState.load_files`` (page on_load)."""
    return rx.el.section(
        rx.heading(T["files.heading"], id="files-heading", **SECTION_HEADING),
        rx.text(T["files.intro"], color_scheme="gray", size="2"),
        error_message(F.files_error_key),
        rx.cond(F.delete_error != "", message(F.delete_error, color="red", icon="circle-alert", role="alert")),
        files_table(),
        upload_form(),
        aria_labelledby="files-heading",
        style={"display": "flex", "flex_direction": "column", "gap": "0.75rem", "width": "100%"},
        data_testid="files-section",
    )
