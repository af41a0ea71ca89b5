"""``/musicians/<id>``: one musician. Details, qualifications, blockout dates, statistics, project history and
ranking lists; edit (the shared dialog), activate/deactivate, archive/restore (confirmed), blockouts added and
deleted (deleting confirmed)."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.links import VISUALLY_HIDDEN_STYLE
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, ok_message
from stagesub_ui.pages.musicians import FIELDSET_STYLE, local_badge, musician_dialog, musician_status_badge
from state.musicians import (
    BlockoutRow,
    CountRow,
    HistoryRow,
    MusicianFormState,
    MusicianProfileState,
    QualificationGroup,
    RankingRow,
)
from state.session import SessionState

T = SessionState.t
P = MusicianProfileState
F = MusicianFormState
M = P.musician

SECTION_HEADING: dict = {"as_": "h2", "size": "4", "margin_bottom": "0.5rem"}


def _section(heading_key: str, section_id: str, *children: rx.Component, **props) -> rx.Component:
    return rx.card(
        rx.el.section(
            rx.heading(T[heading_key], id=f"{section_id}-heading", **SECTION_HEADING),
            *children,
            aria_labelledby=f"{section_id}-heading",
        ),
        width="100%",
        **props,
    )


def _fact(label_key: str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.fragment(
        rx.el.dt(T[label_key], style={"font_weight": "500", "color": rx.color("gray", 11)}),
        rx.el.dd(value, style={"margin": "0 0 0.5rem 0"}),
    )


def _confirm(trigger: rx.Component, title_key: str, text_key: str, action_key: str, on_confirm,
             confirm_id: str, color: str = "red") -> rx.Component:
    """A destructive action behind an alert dialog (Cancel has the focus first)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T[title_key]),
            rx.alert_dialog.description(T[text_key], size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(T[action_key], color_scheme=color, id=confirm_id,
                                                 on_click=on_confirm)),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="30rem",
        ),
    )


# ----- header and actions ---------------------------------------------------------------------------------------


def profile_actions() -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("pencil", size=16), T["musicians.edit"], id="edit-musician",
                  on_click=F.open_edit(M.musicianId), disabled=P.busy),
        rx.cond(
            M.isArchived,
            _confirm(
                rx.button(rx.icon("archive-restore", size=16), T["musicians.restore"], variant="soft",
                          id="restore-musician", disabled=P.busy),
                "musicians.restore_title", "musicians.restore_text", "musicians.restore", P.restore,
                "confirm-restore", color="green",
            ),
            rx.fragment(
                rx.button(
                    rx.cond(M.isActive, T["musicians.deactivate"], T["musicians.activate"]),
                    variant="soft", color_scheme="gray", id="toggle-active", disabled=P.busy,
                    on_click=P.set_active(~M.isActive),
                ),
                _confirm(
                    rx.button(rx.icon("archive", size=16), T["musicians.archive"], variant="soft", color_scheme="red",
                              id="archive-musician", disabled=P.busy),
                    "musicians.archive_title", "musicians.archive_text", "musicians.archive", P.archive,
                    "confirm-archive",
                ),
            ),
        ),
        spacing="2",
        wrap="wrap",
    )


def profile_header() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), T["musicians.back"], spacing="1", align="center"),
                href=routes.MUSICIANS, size="2"),
        rx.hstack(
            rx.heading(M.name, as_="h1", size="7"),
            musician_status_badge(M.status),
            local_badge(M.localResidence),
            rx.spacer(),
            profile_actions(),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        rx.text(M.musicianId, size="2", color_scheme="gray", id="musician-id"),
        spacing="2",
        width="100%",
    )


# ----- sections -------------------------------------------------------------------------------------------------


def details_section() -> rx.Component:
    return _section(
        "musicians.details", "details",
        rx.el.dl(
            _fact("musicians.email", rx.link(M.email, href="mailto:" + M.email)),
            _fact("musicians.phone", rx.cond(M.phone != "", M.phone, "–")),
            _fact("musicians.language", rx.cond(M.preferredLanguage == "en", T["musicians.language_en"],
                                                T["musicians.language_sv"])),
            _fact("musicians.local_residence", rx.cond(M.localResidence, T["musicians.yes"], T["musicians.no"])),
            _fact("musicians.added", M.createdAt),
            rx.cond(M.isArchived, _fact("musicians.archived_at", M.archivedAt)),
            _fact("musicians.notes", rx.cond(M.notes != "", rx.text(M.notes, white_space="pre-wrap"), "–")),
            style={"margin": "0"},
        ),
    )


def _qualification(group: rx.Var[QualificationGroup]) -> rx.Component:
    return rx.el.li(
        rx.text(group.instrument, weight="medium", as_="span"),
        rx.cond(group.archived, rx.text(" (", T["musicians.archived_instrument"], ")", as_="span",
                                        color_scheme="gray")),
        ": ",
        group.positions,
        data_testid="qualification",
    )


def _ranking(row: rx.Var[RankingRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.position),
        rx.table.cell(row.listType),
        rx.table.cell(row.rank, text_align="center"),
        data_testid="ranking-row",
    )


def qualifications_section() -> rx.Component:
    return _section(
        "musicians.qualifications", "qualifications",
        rx.cond(
            P.qualifications.length() > 0,
            rx.el.ul(rx.foreach(P.qualifications, _qualification), style={"margin": "0", "padding_left": "1.25rem"}),
            rx.text(T["musicians.no_qualifications"], color_scheme="gray", size="2"),
        ),
        rx.heading(T["musicians.rankings"], as_="h3", size="3", margin_top="1rem", margin_bottom="0.5rem"),
        rx.cond(
            P.rankings.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(T["musicians.position"]),
                    rx.table.column_header_cell(T["musicians.list"]),
                    rx.table.column_header_cell(T["musicians.place"], text_align="center"),
                )),
                rx.table.body(rx.foreach(P.rankings, _ranking)),
                size="1",
                variant="ghost",
                width="100%",
            ),
            rx.text(T["musicians.no_rankings"], color_scheme="gray", size="2"),
        ),
    )


def _stat(label_key: str, value: rx.Var, test_id: str) -> rx.Component:
    return rx.box(
        rx.text(T[label_key], size="1", color_scheme="gray", as_="p"),
        rx.text(value, size="5", weight="bold", as_="p", data_testid=test_id),
    )


def _count_item(row: rx.Var[CountRow]) -> rx.Component:
    return rx.el.li(row.label, ": ", row.count)


def statistics_section() -> rx.Component:
    return _section(
        "musicians.statistics", "statistics",
        rx.grid(
            _stat("musicians.stat_asked", P.stats.asked, "stat-asked"),
            _stat("musicians.stat_accepted", P.stats.accepted, "stat-accepted"),
            _stat("musicians.stat_declined", P.stats.declined, "stat-declined"),
            _stat("musicians.stat_timed_out", P.stats.timedOut, "stat-timed-out"),
            _stat("musicians.stat_pending", P.stats.pending, "stat-pending"),
            _stat("musicians.stat_rate", P.acceptance_rate_text, "stat-rate"),
            _stat("musicians.stat_average", P.average_response_text, "stat-average"),
            columns=rx.breakpoints(initial="2", sm="4", lg="7"),
            spacing="3",
            width="100%",
        ),
        rx.text(T["musicians.stat_help"], size="1", color_scheme="gray", as_="p", margin_top="0.5rem"),
        rx.cond(
            P.top_positions.length() > 0,
            rx.grid(
                rx.box(
                    rx.heading(T["musicians.top_positions"], as_="h3", size="2"),
                    rx.el.ul(rx.foreach(P.top_positions, _count_item), style={"margin": "0.25rem 0 0 1.25rem",
                                                                             "padding": "0"}),
                ),
                rx.box(
                    rx.heading(T["musicians.per_year"], as_="h3", size="2"),
                    rx.el.ul(rx.foreach(P.per_year, _count_item), style={"margin": "0.25rem 0 0 1.25rem",
                                                                        "padding": "0"}),
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                margin_top="0.75rem",
            ),
        ),
    )


def history_status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("pending", rx.badge(T["request_status.pending"], color_scheme="amber")),
        ("accepted", rx.badge(T["request_status.accepted"], color_scheme="green")),
        ("declined", rx.badge(T["request_status.declined"], color_scheme="red")),
        ("timed_out", rx.badge(T["request_status.timed_out"], color_scheme="gray")),
        ("cancelled", rx.badge(T["request_status.cancelled"], color_scheme="gray", variant="outline")),
        rx.badge(status),
    )


def _history_row(row: rx.Var[HistoryRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.projectName, href=row.href)),
        rx.table.cell(row.weekNumber, text_align="center"),
        rx.table.cell(row.position),
        rx.table.cell(history_status_badge(row.status)),
        rx.table.cell(rx.text(row.sentAt, white_space="nowrap", size="2")),
        rx.table.cell(rx.text(rx.cond(row.respondedAt != "", row.respondedAt, "–"), white_space="nowrap", size="2")),
        data_testid="history-row",
    )


def history_section() -> rx.Component:
    return _section(
        "musicians.history", "history",
        rx.cond(
            P.history.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(T["musicians.project"]),
                        rx.table.column_header_cell(T["musicians.week"], text_align="center"),
                        rx.table.column_header_cell(T["musicians.position"]),
                        rx.table.column_header_cell(T["musicians.status"]),
                        rx.table.column_header_cell(T["musicians.sent"]),
                        rx.table.column_header_cell(T["musicians.answered"]),
                    )),
                    rx.table.body(rx.foreach(P.history, _history_row)),
                    size="1",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.text(T["musicians.no_history"], color_scheme="gray", size="2", data_testid="history-empty"),
        ),
    )


def _blockout_error(field: str) -> rx.Component:
    return rx.cond(
        P.blockout_errors.contains(field),
        rx.text(T[P.blockout_errors[field]], " ", P.blockout_details[field], id=f"blockout-{field}-error",
                role="alert", style=styles.ERROR_TEXT_STYLE, as_="p"),
    )


def _date_input(field: str, label_key: str, required: bool) -> rx.Component:
    field_id = f"blockout-{field}"
    return rx.box(
        rx.el.label(T[label_key], html_for=field_id, style=styles.LABEL_STYLE),
        rx.input(id=field_id, name=field, type="date", required=required, width="100%",
                 aria_invalid=rx.cond(P.blockout_errors.contains(field), "true", "false"),
                 aria_describedby=f"{field_id}-error"),
        _blockout_error(field),
        min_width="0",
    )


def _blockout_row(row: rx.Var[BlockoutRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.start, white_space="nowrap")),
        rx.table.cell(rx.text(row.end, white_space="nowrap")),
        rx.table.cell(rx.cond(row.reason != "", row.reason, "–")),
        rx.table.cell(
            _confirm(
                rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", color_scheme="red", size="1",
                               aria_label=T["musicians.blockout_delete"], disabled=P.busy),
                "musicians.blockout_delete_title", "musicians.blockout_delete_text", "musicians.blockout_delete",
                P.delete_blockout(row.blockoutId), "confirm-delete-blockout",
            ),
            text_align="right",
        ),
        data_testid="blockout-row",
    )


def blockouts_section() -> rx.Component:
    return _section(
        "musicians.blockouts", "blockouts",
        rx.text(T["musicians.blockouts_help"], size="2", color_scheme="gray", as_="p", margin_bottom="0.5rem"),
        rx.cond(
            P.blockouts.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(T["musicians.blockout_start"]),
                    rx.table.column_header_cell(T["musicians.blockout_end"]),
                    rx.table.column_header_cell(T["musicians.blockout_reason_column"]),
                    rx.table.column_header_cell(rx.el.span(T["musicians.actions"], style=VISUALLY_HIDDEN_STYLE)),
                )),
                rx.table.body(rx.foreach(P.blockouts, _blockout_row)),
                size="1",
                width="100%",
            ),
            rx.text(T["musicians.no_blockouts"], color_scheme="gray", size="2", data_testid="blockouts-empty"),
        ),
        rx.form(
            rx.el.fieldset(
                rx.el.legend(T["musicians.blockout_add_heading"], style={**styles.LABEL_STYLE, "padding": "0"}),
                rx.grid(
                    _date_input("startDate", "musicians.blockout_start", True),
                    _date_input("endDate", "musicians.blockout_end", False),
                    rx.box(
                        rx.el.label(T["musicians.blockout_reason"], html_for="blockout-reason",
                                    style=styles.LABEL_STYLE),
                        rx.input(id="blockout-reason", name="reason", width="100%",
                                 aria_describedby="blockout-reason-error"),
                        _blockout_error("reason"),
                        min_width="0",
                    ),
                    rx.box(rx.button(rx.icon("calendar-x", size=16), T["musicians.blockout_add"], type="submit",
                                     id="add-blockout", loading=P.busy), align_self="end"),
                    columns=rx.breakpoints(initial="1", sm="2", lg="4"),
                    spacing="3",
                    width="100%",
                ),
                style=FIELDSET_STYLE,
            ),
            on_submit=P.add_blockout,
            no_validate=True,  # the service checks; its messages are in the user's language
            key=P.blockout_form_key,
            id="blockout-form",
            margin_top="1rem",
            width="100%",
        ),
    )


def profile_content() -> rx.Component:
    return rx.cond(
        P.not_found,
        rx.vstack(
            rx.heading(T["musicians.not_found_title"], as_="h1", size="7"),
            rx.text(T["musicians.not_found"], color_scheme="gray"),
            rx.link(T["musicians.back"], href=routes.MUSICIANS),
            spacing="3",
        ),
        rx.cond(
            P.loaded,
            rx.vstack(
                profile_header(),
                error_message(P.error_key),
                error_message(P.action_error_key, id="profile-error"),
                ok_message(P.ok_key, id="profile-ok"),
                rx.grid(
                    details_section(),
                    qualifications_section(),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    spacing="4",
                    width="100%",
                ),
                statistics_section(),
                blockouts_section(),
                history_section(),
                musician_dialog(),
                spacing="4",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), padding="2rem", role="status", aria_label=T["common.loading"]),
        ),
    )


def musician_profile_page() -> rx.Component:
    return staff_page(profile_content(), active_route=routes.MUSICIANS)
