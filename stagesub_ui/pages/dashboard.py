"""``/dashboard``: the staff home. Figures at a glance, then what needs attention (warnings, failed messages),
upcoming projects with their staffing, answers awaited (soonest deadline first) and the last week's answers."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message
from stagesub_ui.pages.projects import project_status_badge, staffing_cell
from state.dashboard import ActivityRow, DashboardState, FailedRow, WaitingRow, WarningRow
from state.projects import ProjectListRow
from state.session import SessionState

T = SessionState.t
S = DashboardState


def stat_card(icon: str, label_key: str, value: rx.Var, test_id: str, *detail) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.icon(icon, size=22, aria_hidden="true", color=rx.color("indigo", 10)),
            rx.vstack(
                rx.text(T[label_key], size="2", color_scheme="gray"),
                rx.text(value, size="6", weight="bold", data_testid=test_id),
                *detail,
                spacing="0",
            ),
            align="center",
            spacing="3",
        ),
        width="100%",
    )


def figures() -> rx.Component:
    return rx.grid(
        stat_card("calendar-days", "dashboard.stat_upcoming", S.upcoming_total, "stat-upcoming"),
        stat_card("hourglass", "dashboard.stat_waiting", S.waiting_total, "stat-waiting"),
        stat_card(
            "message-circle-reply", "dashboard.stat_answers",
            S.accepted_count + S.declined_count + S.timed_out_count, "stat-answers",
            rx.text(T["dashboard.yes"], " ", S.accepted_count, " · ", T["dashboard.no"], " ", S.declined_count,
                    " · ", T["dashboard.timeouts"], " ", S.timed_out_count, size="1", color_scheme="gray"),
        ),
        stat_card("triangle-alert", "dashboard.stat_warnings", S.warnings.length() + S.failed_total, "stat-warnings"),
        columns=rx.breakpoints(initial="1", sm="2", lg="4"),
        spacing="3",
        width="100%",
    )


def section(title_key: str, *children, test_id: str) -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading(T[title_key], as_="h2", size="4"),
            *children,
            spacing="2",
            width="100%",
        ),
        data_testid=test_id,
        style={"width": "100%"},
    )


def empty(text_key: str, test_id: str, icon: str = "circle-check") -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon(icon, size=18)),
        rx.callout.text(T[text_key]),
        color_scheme="gray",
        data_testid=test_id,
        width="100%",
    )


def scroll_table(*header_keys: str, body: rx.Component) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(T[key]) for key in header_keys])),
            rx.table.body(body),
            variant="surface",
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


# ----- warnings ----------------------------------------------------------------------------------------------


def _warning(row: rx.Var[WarningRow]) -> rx.Component:
    danger = row.kind == "out_of_candidates"
    return rx.callout.root(
        rx.callout.icon(rx.icon(rx.cond(danger, "circle-x", "triangle-alert"), size=18)),
        rx.callout.text(
            rx.link(row.projectName, href=row.href, weight="medium"), " · ", row.needLabel, ": ",
            rx.cond(danger, T["dashboard.warning_out"], T["dashboard.warning_few"]), " ",
            T["dashboard.open_seats"], " ", row.remaining, ", ", T["dashboard.waiting_answers"], " ", row.pending,
            ", ", T["dashboard.left_to_ask"], " ", row.candidatesLeft, ".",
        ),
        color_scheme=rx.cond(danger, "red", "amber"),
        role="alert",
        size="1",
        data_testid="dashboard-warning",
        width="100%",
    )


def _failed_item(row: rx.Var[FailedRow]) -> rx.Component:
    return rx.el.li(
        rx.text(row.at, " · ", rx.match(row.channel, ("sms", T["outbox.channel_sms"]), T["outbox.channel_email"]),
                " ", T["dashboard.to"], " ", row.recipient, rx.cond(row.error != "", ": " + row.error, ""),
                size="2"),
    )


def failed_messages() -> rx.Component:
    return rx.cond(
        S.failed_total > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("mail-x", size=18)),
            rx.box(
                rx.text(S.failed_total, " ", T["dashboard.failed_messages"], weight="medium", size="2"),
                rx.el.ul(rx.foreach(S.failed, _failed_item), style={"margin": "0.25rem 0", "padding_left": "1.25rem"}),
                rx.link(T["dashboard.see_failed"], href=routes.COMMUNICATION + "?status=failed", size="2",
                        data_testid="dashboard-failed-link"),
            ),
            color_scheme="red",
            role="alert",
            size="1",
            data_testid="dashboard-failed",
            width="100%",
        ),
    )


def attention() -> rx.Component:
    return section(
        "dashboard.attention",
        failed_messages(),
        rx.foreach(S.warnings, _warning),
        rx.cond(
            (S.warnings.length() == 0) & (S.failed_total == 0),
            empty("dashboard.no_warnings", "dashboard-no-warnings"),
        ),
        test_id="dashboard-attention",
    )


# ----- tables ------------------------------------------------------------------------------------------------


def _upcoming_row(row: rx.Var[ProjectListRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.name, href=row.href, weight="medium")),
        rx.table.cell(rx.text(row.startDate, white_space="nowrap")),
        rx.table.cell(row.weekNumber),
        rx.table.cell(staffing_cell(row.accepted, row.needed, row.progress,
                                    T["projects.staffing_of"] + " " + row.name)),
        rx.table.cell(project_status_badge(row.status)),
        data_testid="upcoming-row",
    )


def upcoming() -> rx.Component:
    return section(
        "dashboard.upcoming",
        rx.cond(
            S.upcoming.length() > 0,
            scroll_table("projects.name", "projects.start", "projects.week", "projects.staffing", "projects.status",
                         body=rx.foreach(S.upcoming, _upcoming_row)),
            empty("dashboard.no_upcoming", "upcoming-empty", "calendar"),
        ),
        rx.cond(
            S.upcoming_total > S.upcoming.length(),
            rx.link(T["dashboard.all_projects"], href=routes.PROJECTS, size="2"),
        ),
        test_id="dashboard-upcoming",
    )


def _waiting_row(row: rx.Var[WaitingRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.musicianName),
        rx.table.cell(rx.link(row.projectName, href=row.href)),
        rx.table.cell(row.needLabel),
        rx.table.cell(rx.text(row.sentAt, white_space="nowrap")),
        rx.table.cell(
            rx.hstack(
                rx.text(row.deadline, white_space="nowrap"),
                rx.cond(row.overdue, rx.badge(T["dashboard.overdue"], color_scheme="red")),
                rx.cond(row.reminded, rx.badge(T["dashboard.reminded"], color_scheme="gray", variant="soft")),
                spacing="2",
                align="center",
            ),
        ),
        data_testid="waiting-row",
    )


def waiting() -> rx.Component:
    return section(
        "dashboard.waiting",
        rx.cond(
            S.waiting.length() > 0,
            scroll_table("requests.musician", "dashboard.project", "requests.need", "requests.sent",
                         "requests.deadline", body=rx.foreach(S.waiting, _waiting_row)),
            empty("dashboard.no_waiting", "waiting-empty", "inbox"),
        ),
        rx.cond(
            S.waiting_total > S.waiting.length(),
            rx.text(T["dashboard.showing_soonest"], " ", S.waiting.length(), " / ", S.waiting_total, size="1",
                    color_scheme="gray"),
        ),
        test_id="dashboard-waiting",
    )


def activity_status(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("accepted", rx.badge(T["request_status.accepted"], color_scheme="green")),
        ("declined", rx.badge(T["request_status.declined"], color_scheme="orange")),
        ("timed_out", rx.badge(T["request_status.timed_out"], color_scheme="gray")),
        rx.badge(status),
    )


def answered_via(via: rx.Var[str]) -> rx.Component:
    return rx.match(
        via,
        ("musician", T["dashboard.via_link"]),
        ("sms", T["dashboard.via_sms"]),
        ("staff", T["dashboard.via_staff"]),
        ("timeout", T["dashboard.via_timeout"]),
        "",
    )


def _activity_row(row: rx.Var[ActivityRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.at, white_space="nowrap")),
        rx.table.row_header_cell(row.musicianName),
        rx.table.cell(rx.link(row.projectName, href=row.href)),
        rx.table.cell(row.needLabel),
        rx.table.cell(activity_status(row.status)),
        rx.table.cell(rx.text(answered_via(row.via), size="1", color_scheme="gray")),
        data_testid="activity-row",
    )


def activity() -> rx.Component:
    return section(
        "dashboard.activity",
        rx.text(T["dashboard.activity_help"], " ", S.activity_days, " ", T["dashboard.days"], size="1",
                color_scheme="gray"),
        rx.cond(
            S.activity.length() > 0,
            scroll_table("dashboard.when", "requests.musician", "dashboard.project", "requests.need",
                         "requests.status", "dashboard.how", body=rx.foreach(S.activity, _activity_row)),
            empty("dashboard.no_activity", "activity-empty", "clock"),
        ),
        test_id="dashboard-activity",
    )


def dashboard_content() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(T["dashboard.title"], as_="h1", size="7"),
            rx.spacer(),
            rx.button(rx.icon("refresh-cw", size=16), T["dashboard.refresh"], variant="soft",
                      on_click=S.load_dashboard, id="dashboard-refresh"),
            align="center",
            width="100%",
            wrap="wrap",
        ),
        rx.text(T["dashboard.intro"], color_scheme="gray", size="2"),
        error_message(S.error_key),
        rx.cond(
            S.loaded,
            rx.vstack(figures(), attention(), upcoming(), waiting(), activity(), spacing="5", width="100%"),
            rx.cond(
                S.error_key == "",
                rx.hstack(rx.spinner(), rx.text(T["common.loading"], size="2"), role="status", align="center"),
            ),
        ),
        spacing="4",
        width="100%",
    )


def dashboard_page() -> rx.Component:
    return staff_page(dashboard_content(), active_route=routes.DASHBOARD)
