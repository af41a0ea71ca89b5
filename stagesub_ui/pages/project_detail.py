"""``/projects/[project_id]``: facts, needs, preview (dry run), send with confirmation, and the live request table."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, message
from stagesub_ui.pages.project_files import files_section
from stagesub_ui.pages.projects import project_status_badge, staffing_cell
from state.projects import NeedRow, PreviewNeed, PreviewPerson, ProjectDetailState, RequestRow
from state.session import SessionState

T = SessionState.t
S = ProjectDetailState

SECTION_HEADING = {"as_": "h2", "size": "5"}


# ----- small pieces ---------------------------------------------------------------------------------------------


def strategy_name(strategy: rx.Var[str]) -> rx.Component:
    return rx.match(
        strategy,
        ("sequential", T["strategy.sequential"]),
        ("parallel", T["strategy.parallel"]),
        ("first_come", T["strategy.first_come"]),
        strategy,
    )


def strategy_help(strategy: rx.Var[str]) -> rx.Component:
    return rx.match(
        strategy,
        ("sequential", T["strategy_help.sequential"]),
        ("parallel", T["strategy_help.parallel"]),
        ("first_come", T["strategy_help.first_come"]),
        "",
    )


def need_status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("not_started", rx.badge(T["need_status.not_started"], color_scheme="gray")),
        ("in_progress", rx.badge(T["need_status.in_progress"], color_scheme="blue")),
        ("paused", rx.badge(T["need_status.paused"], color_scheme="amber")),
        ("completed", rx.badge(T["need_status.completed"], color_scheme="green")),
        ("cancelled", rx.badge(T["need_status.cancelled"], color_scheme="red", variant="outline")),
        ("archived", rx.badge(T["need_status.archived"], color_scheme="gray", variant="outline")),
        rx.badge(status),
    )


def request_status_badge(row: rx.Var[RequestRow]) -> rx.Component:
    return rx.match(
        row.status,
        ("pending", rx.badge(rx.icon("hourglass", size=12), T["request_status.pending"], color_scheme="amber")),
        ("accepted", rx.badge(rx.icon("check", size=12), T["request_status.accepted"], color_scheme="green")),
        ("declined", rx.badge(rx.icon("x", size=12), T["request_status.declined"], color_scheme="red")),
        ("timed_out", rx.badge(rx.icon("clock", size=12), T["request_status.timed_out"], color_scheme="gray")),
        ("cancelled", rx.cond(
            row.response == "position_filled",
            rx.badge(T["request_status.position_filled"], color_scheme="gray", variant="outline"),
            rx.badge(T["request_status.cancelled"], color_scheme="gray", variant="outline"),
        )),
        rx.badge(row.status),
    )


def reason_text(reason: rx.Var[str]) -> rx.Component:
    return rx.match(
        reason,
        ("already_asked", T["reason.already_asked"]),
        ("inactive", T["reason.inactive"]),
        ("archived", T["reason.archived"]),
        ("not_qualified", T["reason.not_qualified"]),
        ("not_local", T["reason.not_local"]),
        ("blocked_out", T["reason.blocked_out"]),
        ("picked_for_other_need", T["reason.picked_for_other_need"]),
        ("prefers_other_need", T["reason.prefers_other_need"]),
        reason,
    )


def _fact(label_key: str, *value, testid: str | None = None) -> rx.Component:
    return rx.box(
        rx.el.dt(T[label_key], style={"font_size": "0.8125rem", "color": rx.color("gray", 11), "font_weight": "500"}),
        rx.el.dd(*value, style={"margin": "0", "white_space": "pre-line"}, data_testid=testid),
    )


def _optional_fact(label_key: str, value: rx.Var[str]) -> rx.Component:
    return rx.cond(value != "", _fact(label_key, value))


# ----- facts ------------------------------------------------------------------------------------------------------


def facts_card() -> rx.Component:
    project = S.project
    return rx.card(
        rx.el.dl(
            rx.grid(
                _fact("project.start", project.startDate, " ", project.startTime),
                _fact("project.week", project.weekNumber),
                _fact("project.staffing",
                      staffing_cell(project.accepted, project.needed, project.progress, T["project.staffing"]),
                      testid="project-staffing"),
                _fact("project.status", project_status_badge(project.status), testid="project-status"),
                columns=rx.breakpoints(initial="2", md="4"),
                spacing="4",
                width="100%",
            ),
            rx.grid(
                _optional_fact("project.rehearsals", project.rehearsalSchedule),
                _optional_fact("project.concert", project.concertInfo),
                _optional_fact("project.notes", project.notes),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
                margin_top="1rem",
            ),
            style={"margin": "0"},
        ),
        width="100%",
    )


# ----- needs --------------------------------------------------------------------------------------------------------


def _count_cell(value: rx.Var[int]) -> rx.Component:
    return rx.table.cell(value, text_align="center")


def _need_row(need: rx.Var[NeedRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(need.label, weight="medium", min_width="8rem"),
            rx.text(
                rx.cond(need.customListName != "", need.customListName,
                        rx.cond(need.listType != "", T["project.list"] + " " + need.listType, "")),
                rx.cond(need.requireLocalResidence, " · " + T["project.local_only"], ""),
                size="1",
                color_scheme="gray",
            ),
        ),
        rx.table.cell(
            rx.text(strategy_name(need.requestStrategy), size="2", weight="medium"),
            rx.text(strategy_help(need.requestStrategy), size="1", color_scheme="gray"),
            rx.cond(
                (need.requestStrategy == "first_come") & (need.maxRecipients > 0),
                rx.text(T["strategy.max_recipients"], " ", need.maxRecipients, size="1", color_scheme="gray"),
            ),
            rx.text(T["project.response_time"], " ", need.responseTimeHours, " h", size="1", color_scheme="gray"),
            min_width="13rem",
            max_width="22rem",
        ),
        _count_cell(need.quantity),
        _count_cell(need.accepted),
        _count_cell(need.pending),
        _count_cell(need.declined),
        _count_cell(need.timedOut),
        rx.table.cell(need_status_badge(need.displayStatus)),
        rx.table.cell(pause_button(need)),
        data_testid="need-row",
    )


def pause_button(need: rx.Var[NeedRow]) -> rx.Component:
    """Pause an active need that is not filled; resume a paused one. Named with the need for screen readers."""
    busy = S.need_busy == need.projectNeedId
    return rx.cond(
        need.status == "paused",
        rx.button(
            rx.icon("play", size=14), T["need.resume"],
            size="1", variant="soft", color_scheme="green",
            aria_label=T["need.resume"] + ": " + need.label,
            loading=busy, disabled=S.need_busy != "",
            on_click=S.set_need_paused(need.projectNeedId, False),
            data_testid="resume-need",
        ),
        rx.cond(
            (need.status == "active") & (need.displayStatus != "completed"),
            rx.button(
                rx.icon("pause", size=14), T["need.pause"],
                size="1", variant="soft", color_scheme="amber",
                aria_label=T["need.pause"] + ": " + need.label,
                loading=busy, disabled=S.need_busy != "",
                on_click=S.set_need_paused(need.projectNeedId, True),
                data_testid="pause-need",
            ),
        ),
    )


def needs_section() -> rx.Component:
    return rx.el.section(
        rx.heading(T["project.needs_heading"], id="needs-heading", **SECTION_HEADING),
        rx.text(T["project.pause_help"], color_scheme="gray", size="2"),
        error_message(S.need_error_key, id="need-error"),
        rx.cond(
            S.needs.length() == 0,
            rx.text(T["project.no_needs"], color_scheme="gray", size="2", data_testid="needs-empty"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(T["project.need"]),
                            rx.table.column_header_cell(T["project.strategy"]),
                            rx.table.column_header_cell(T["project.quantity"], text_align="center"),
                            rx.table.column_header_cell(T["project.accepted"], text_align="center"),
                            rx.table.column_header_cell(T["project.pending"], text_align="center"),
                            rx.table.column_header_cell(T["project.declined"], text_align="center"),
                            rx.table.column_header_cell(T["project.timed_out"], text_align="center"),
                            rx.table.column_header_cell(T["project.status"]),
                            rx.table.column_header_cell(T["project.actions"]),
                        ),
                    ),
                    rx.table.body(rx.foreach(S.needs, _need_row)),
                    variant="surface",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
        ),
        aria_labelledby="needs-heading",
        style={"display": "flex", "flex_direction": "column", "gap": "0.75rem", "width": "100%"},
    )


# ----- preview and send ---------------------------------------------------------------------------------------


def _name_item(person: rx.Var[PreviewPerson]) -> rx.Component:
    return rx.el.li(person.name, rx.text(" (", person.musicianId, ")", as_="span", size="1", color_scheme="gray"))


def _skipped_item(person: rx.Var[PreviewPerson]) -> rx.Component:
    return rx.el.li(
        rx.text(person.name, as_="span", weight="medium"),
        rx.text(" – ", reason_text(person.reason), as_="span", color_scheme="gray"),
        data_testid="skipped-musician",
    )


LIST_STYLE = {"margin": "0.25rem 0 0", "padding_left": "1.5rem", "font_size": "0.875rem", "list_style_type": "disc"}
ORDERED_LIST_STYLE = {**LIST_STYLE, "list_style_type": "decimal"}


def preview_card(need: rx.Var[PreviewNeed]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(need.label, as_="h3", size="3"),
                rx.badge(strategy_name(need.requestStrategy), variant="soft", color_scheme="gray"),
                rx.spacer(),
                rx.text(T["preview.seats"], " ", need.accepted, "/", need.quantity, " · ",
                        T["preview.waiting"], " ", need.pending, size="1", color_scheme="gray"),
                align="center",
                width="100%",
                wrap="wrap",
                spacing="2",
            ),
            rx.box(
                rx.text(T["preview.to_ask"], " (", need.toAsk.length(), ")", weight="medium", size="2"),
                rx.cond(
                    need.toAsk.length() > 0,
                    rx.el.ul(rx.foreach(need.toAsk, _name_item), style=LIST_STYLE, data_testid="preview-to-ask"),
                    rx.text(
                        rx.match(
                            need.idle,
                            ("not_active", T["preview_idle.not_active"]),
                            ("filled", T["preview_idle.filled"]),
                            ("waiting", T["preview_idle.waiting"]),
                            ("no_candidates", T["preview_idle.no_candidates"]),
                            "",
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                width="100%",
            ),
            rx.cond(
                need.nextInQueue.length() > 0,
                rx.box(
                    rx.text(T["preview.next"], weight="medium", size="2"),
                    rx.el.ol(rx.foreach(need.nextInQueue, _name_item), style=ORDERED_LIST_STYLE),
                    width="100%",
                ),
            ),
            rx.cond(
                need.skipped.length() > 0,
                rx.el.details(
                    rx.el.summary(
                        T["preview.skipped"], " (", need.skipped.length(), ")",
                        style={"cursor": "pointer", "font_weight": "500", "font_size": "0.875rem"},
                    ),
                    rx.el.ul(rx.foreach(need.skipped, _skipped_item), style=LIST_STYLE),
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        data_testid="preview-need",
        width="100%",
    )


def send_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("send", size=16),
                T["send.button"],
                id="send-requests",
                disabled=S.sending | (S.needs.length() == 0),
                loading=S.sending,
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["send.confirm_title"]),
            rx.alert_dialog.description(T["send.confirm_text"], size="2"),
            rx.cond(
                S.preview_loaded,
                rx.text(T["send.confirm_count"], " ", S.preview_to_ask_count, size="2", weight="medium",
                        margin_top="0.75rem", as_="p"),
                rx.text(T["send.confirm_no_preview"], size="2", color_scheme="gray", margin_top="0.75rem", as_="p"),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(T["send.confirm_button"], id="confirm-send", on_click=S.send_requests),
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="30rem",
        ),
    )


def send_section() -> rx.Component:
    return rx.el.section(
        rx.heading(T["send.heading"], id="send-heading", **SECTION_HEADING),
        rx.text(T["send.intro"], color_scheme="gray", size="2"),
        rx.hstack(
            rx.button(
                rx.icon("eye", size=16),
                rx.cond(S.preview_loaded, T["preview.refresh"], T["preview.button"]),
                id="preview",
                variant="soft",
                on_click=S.load_preview,
                loading=S.previewing,
                disabled=S.needs.length() == 0,
            ),
            send_dialog(),
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(
            S.sending,
            rx.vstack(
                rx.text(T["send.sending"], size="2"),
                rx.progress(aria_label=T["send.sending"], width="100%", max_width="24rem"),
                role="status",
                spacing="1",
                width="100%",
                data_testid="send-progress",
            ),
        ),
        rx.cond(
            S.send_done,
            rx.cond(
                S.send_count > 0,
                message(rx.text(T["send.result_sent"], " ", S.send_count), color="green", icon="circle-check",
                        id="send-result"),
                message(T["send.result_none"], color="blue", icon="info", id="send-result"),
            ),
        ),
        error_message(S.send_error_key, id="send-error"),
        error_message(S.preview_error_key),
        rx.cond(
            S.preview_loaded,
            rx.vstack(
                rx.heading(T["preview.heading"], as_="h3", size="4", id="preview-heading"),
                rx.cond(
                    S.preview_needs.length() == 0,
                    rx.text(T["project.no_needs"], color_scheme="gray", size="2"),
                ),
                rx.grid(
                    rx.foreach(S.preview_needs, preview_card),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    spacing="3",
                    width="100%",
                ),
                spacing="3",
                width="100%",
                data_testid="preview-section",
            ),
        ),
        aria_labelledby="send-heading",
        style={"display": "flex", "flex_direction": "column", "gap": "0.75rem", "width": "100%"},
    )


# ----- requests (live) ------------------------------------------------------------------------------------------


def _time_cell(value: rx.Var[str]) -> rx.Component:
    return rx.table.cell(rx.cond(value != "", value, "–"), white_space="nowrap")


def _request_row(row: rx.Var[RequestRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(row.musicianName, weight="medium"),
            rx.text(row.musicianId, size="1", color_scheme="gray"),
        ),
        rx.table.cell(row.needLabel),
        rx.table.cell(request_status_badge(row), data_testid="request-status"),
        _time_cell(row.sentAt),
        _time_cell(row.reminderSentAt),
        _time_cell(row.respondedAt),
        _time_cell(row.deadline),
        data_testid="request-row",
    )


def requests_section() -> rx.Component:
    return rx.el.section(
        rx.hstack(
            rx.heading(T["requests.heading"], id="requests-heading", **SECTION_HEADING),
            rx.spacer(),
            rx.cond(
                S.watching,
                rx.hstack(
                    rx.box(width="0.5rem", height="0.5rem", border_radius="50%", background=rx.color("green", 9),
                           aria_hidden="true"),
                    rx.text(T["requests.live"], size="1", color_scheme="gray"),
                    align="center",
                    spacing="1",
                ),
            ),
            rx.button(rx.icon("refresh-cw", size=14), T["requests.refresh"], size="1", variant="ghost",
                      on_click=S.refresh, id="refresh-requests"),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        rx.cond(
            S.requests.length() == 0,
            rx.text(T["requests.empty"], color_scheme="gray", size="2", data_testid="requests-empty"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(T["requests.musician"]),
                            rx.table.column_header_cell(T["requests.need"]),
                            rx.table.column_header_cell(T["requests.status"]),
                            rx.table.column_header_cell(T["requests.sent"]),
                            rx.table.column_header_cell(T["requests.reminder"]),
                            rx.table.column_header_cell(T["requests.answered"]),
                            rx.table.column_header_cell(T["requests.deadline"]),
                        ),
                    ),
                    rx.table.body(rx.foreach(S.requests, _request_row)),
                    variant="surface",
                    size="1",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
        ),
        aria_labelledby="requests-heading",
        on_mount=S.watch_requests,
        on_unmount=S.stop_watching,
        style={"display": "flex", "flex_direction": "column", "gap": "0.75rem", "width": "100%"},
    )


# ----- the page ---------------------------------------------------------------------------------------------------


def breadcrumb() -> rx.Component:
    return rx.el.nav(
        rx.el.ol(
            rx.el.li(rx.link(T["projects.title"], href=routes.PROJECTS, size="2")),
            rx.el.li(rx.text("/", size="2", color_scheme="gray"), aria_hidden="true"),
            rx.el.li(rx.text(rx.cond(S.not_found, T["project.not_found_title"], S.project.name), size="2",
                             color_scheme="gray"), aria_current="page"),
            style={"display": "flex", "gap": "0.5rem", "list_style": "none", "margin": "0", "padding": "0"},
        ),
        aria_label=T["project.breadcrumb"],
    )


def not_found() -> rx.Component:
    return rx.vstack(
        rx.heading(T["project.not_found_title"], as_="h1", size="7"),
        rx.text(T["project.not_found_text"], color_scheme="gray"),
        rx.link(T["project.back_to_list"], href=routes.PROJECTS),
        spacing="3",
        data_testid="project-not-found",
    )


def project_detail_content() -> rx.Component:
    return rx.vstack(
        breadcrumb(),
        error_message(S.error_key),
        rx.cond(
            S.not_found,
            not_found(),
            rx.cond(
                S.project.projectId != "",
                rx.vstack(
                    rx.hstack(
                        rx.heading(S.project.name, as_="h1", size="7"),
                        rx.code(S.project.projectId, variant="ghost", color_scheme="gray"),
                        align="baseline",
                        spacing="3",
                        wrap="wrap",
                    ),
                    facts_card(),
                    needs_section(),
                    send_section(),
                    requests_section(),
                    files_section(),
                    spacing="6",
                    width="100%",
                ),
                rx.cond(
                    ~S.loaded,
                    rx.hstack(rx.spinner(), rx.text(T["common.loading"], color_scheme="gray", size="2"),
                              role="status", spacing="2"),
                ),
            ),
        ),
        spacing="4",
        width="100%",
    )


def project_detail_page() -> rx.Component:
    return staff_page(project_detail_content(), active_route=routes.PROJECTS)
