"""``/projects``: every project, newest start date first, with its staffing; each links to its detail page."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message
from state.projects import ProjectListRow, ProjectsState
from state.session import SessionState

T = SessionState.t


def project_status_badge(status: rx.Var[str]) -> rx.Component:
    """The project's staffing label: not started, in progress, fully staffed, no needs."""
    return rx.match(
        status,
        ("not_started", rx.badge(T["project_status.not_started"], color_scheme="gray")),
        ("in_progress", rx.badge(T["project_status.in_progress"], color_scheme="blue")),
        ("fully_staffed", rx.badge(T["project_status.fully_staffed"], color_scheme="green")),
        ("no_needs", rx.badge(T["project_status.no_needs"], color_scheme="amber", variant="outline")),
        rx.badge(status),
    )


def staffing_cell(accepted: rx.Var[int], needed: rx.Var[int], progress: rx.Var[int],
                  label: rx.Var[str]) -> rx.Component:
    """``accepted/needed`` with a bar; the bar is named for screen readers."""
    return rx.hstack(
        rx.text(accepted, "/", needed, size="2", weight="medium", white_space="nowrap"),
        rx.progress(
            value=progress,
            max=100,
            width="5rem",
            size="1",
            color_scheme=rx.cond(progress >= 100, "green", "indigo"),
            aria_label=label,
        ),
        align="center",
        spacing="2",
    )


def _project_row(row: rx.Var[ProjectListRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row.name, href=row.href, weight="medium", data_testid="project-link"),
        ),
        rx.table.cell(rx.text(row.startDate, white_space="nowrap")),
        rx.table.cell(row.weekNumber, text_align="center"),
        rx.table.cell(row.needsCount, text_align="center"),
        rx.table.cell(staffing_cell(row.accepted, row.needed, row.progress,
                                    T["projects.staffing_of"] + " " + row.name)),
        rx.table.cell(project_status_badge(row.status)),
        data_testid="project-row",
    )


def projects_content() -> rx.Component:
    return rx.vstack(
        rx.heading(T["projects.title"], as_="h1", size="7"),
        rx.text(T["projects.intro"], color_scheme="gray", size="2"),
        error_message(ProjectsState.error_key),
        rx.cond(
            ProjectsState.loaded & (ProjectsState.projects.length() == 0) & (ProjectsState.error_key == ""),
            rx.callout.root(
                rx.callout.icon(rx.icon("folder-open", size=18)),
                rx.callout.text(T["projects.empty"]),
                color_scheme="gray",
                data_testid="projects-empty",
            ),
        ),
        rx.cond(
            ProjectsState.projects.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(T["projects.name"]),
                            rx.table.column_header_cell(T["projects.start"]),
                            rx.table.column_header_cell(T["projects.week"], text_align="center"),
                            rx.table.column_header_cell(T["projects.needs"], text_align="center"),
                            rx.table.column_header_cell(T["projects.staffing"]),
                            rx.table.column_header_cell(T["projects.status"]),
                        ),
                    ),
                    rx.table.body(rx.foreach(ProjectsState.projects, _project_row)),
                    variant="surface",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def projects_page() -> rx.Component:
    return staff_page(projects_content(), active_route=routes.PROJECTS)
