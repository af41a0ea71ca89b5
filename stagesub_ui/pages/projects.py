"""``/projects``: every project, newest start date first, with its staffing; each links to its detail page."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message
from state.projects import ProjectFormState, ProjectListRow, ProjectsState
from state.session import SessionState

T = SessionState.t
PF = ProjectFormState


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


# ----- the project form (create here, edit on the project page) ---------------------------------------------------


def required_mark() -> rx.Component:
    return rx.text(" *", as_="span", color_scheme="red", aria_hidden="true")


def field_error(state, field: str, prefix: str) -> rx.Component:
    """The message under a field, in the user's language, announced by screen readers."""
    return rx.cond(
        state.field_errors.contains(field),
        rx.text(T[state.field_errors[field]], " ", state.field_details[field], id=f"{prefix}-{field}-error",
                role="alert", style=styles.ERROR_TEXT_STYLE, as_="p"),
    )


def _labelled(state, prefix: str, field: str, label_key: str, control: rx.Component, *,
              required: bool = False, help_key: str | None = None) -> rx.Component:
    return rx.box(
        rx.el.label(T[label_key], *([required_mark()] if required else []), html_for=f"{prefix}-{field}",
                    style=styles.LABEL_STYLE),
        control,
        *([rx.text(T[help_key], size="1", color_scheme="gray", as_="p")] if help_key else []),
        field_error(state, field, prefix),
        width="100%",
        min_width="0",
    )


def _project_input(field: str, label_key: str, value, *, input_type: str = "text", required: bool = False,
                   **props) -> rx.Component:
    return _labelled(PF, "project", field, label_key, rx.input(
        id=f"project-{field}", name=field, type=input_type, default_value=value, required=required,
        aria_invalid=rx.cond(PF.field_errors.contains(field), "true", "false"),
        aria_describedby=f"project-{field}-error", width="100%", **props,
    ), required=required)


def _project_text_area(field: str, label_key: str, value) -> rx.Component:
    return _labelled(PF, "project", field, label_key, rx.text_area(
        id=f"project-{field}", name=field, default_value=value, rows="2", width="100%",
        aria_describedby=f"project-{field}-error",
    ))


def project_form() -> rx.Component:
    editing = PF.editing_id != ""
    return rx.form(
        rx.vstack(
            _project_input("name", "pe.project.name", PF.values.name, required=True),
            rx.grid(
                _project_input("startDate", "pe.project.date", PF.values.startDate, input_type="date",
                               required=True, on_change=PF.date_changed),
                _project_input("startTime", "pe.project.time", PF.values.startTime, input_type="time"),
                _labelled(PF, "project", "weekNumber", "pe.project.week", rx.input(
                    id="project-weekNumber", name="weekNumber", value=PF.week, on_change=PF.set_week,
                    input_mode="numeric",
                    aria_describedby="project-weekNumber-error", width="100%",
                ), help_key="pe.project.week_help"),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="3",
                width="100%",
            ),
            _project_text_area("rehearsalSchedule", "pe.project.rehearsals", PF.values.rehearsalSchedule),
            _project_text_area("concertInfo", "pe.project.concert", PF.values.concertInfo),
            _project_text_area("notes", "pe.project.notes", PF.values.notes),
            error_message(PF.error_key, id="project-form-error"),
            rx.hstack(
                rx.dialog.close(rx.button(T["common.cancel"], type="button", variant="soft", color_scheme="gray",
                                          disabled=PF.saving)),
                rx.button(rx.cond(editing, T["common.save"], T["pe.project.create"]), type="submit",
                          id="project-save", loading=PF.saving),
                spacing="3",
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=PF.submit,
        no_validate=True,
        key=PF.form_key,
        id="project-form",
        width="100%",
    )


def project_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(PF.editing_id != "", T["pe.project.edit_title"], T["pe.project.new_title"])),
            rx.dialog.description(T["pe.project.form_intro"], size="2", color_scheme="gray", margin_bottom="1rem"),
            project_form(),
            max_width="40rem",
            max_height="90vh",
            overflow_y="auto",
        ),
        open=PF.dialog_open,
        on_open_change=PF.set_dialog_open,
    )


# ----- filters --------------------------------------------------------------------------------------------------


def filters() -> rx.Component:
    S = ProjectsState
    return rx.hstack(
        rx.box(
            rx.el.label(T["pe.filter.when"], html_for="projects-when", style=styles.LABEL_STYLE),
            rx.el.select(
                rx.el.option(T["pe.filter.all"], " (", S.projects.length(), ")", value="all"),
                rx.el.option(T["pe.filter.upcoming"], " (", S.upcoming_count, ")", value="upcoming"),
                rx.el.option(T["pe.filter.past"], " (", S.past_count, ")", value="past"),
                id="projects-when", value=S.when, on_change=S.set_when,
                style={"height": "2rem", "padding": "0 0.5rem", "border_radius": "6px",
                       "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)},
            ),
        ),
        rx.box(
            rx.el.label(T["pe.filter.search"], html_for="projects-search", style=styles.LABEL_STYLE),
            rx.input(id="projects-search", value=S.search, on_change=S.set_search, type="search",
                     placeholder=T["pe.filter.search_placeholder"], width="16rem"),
        ),
        rx.box(
            rx.el.label(T["pe.filter.week"], html_for="projects-week", style=styles.LABEL_STYLE),
            rx.input(id="projects-week", value=S.week, on_change=S.set_week, input_mode="numeric", width="5rem"),
        ),
        rx.spacer(),
        rx.button(rx.icon("plus", size=16), T["pe.project.new"], id="new-project", on_click=PF.open_create),
        align="end",
        spacing="3",
        wrap="wrap",
        width="100%",
    )


def projects_content() -> rx.Component:
    return rx.vstack(
        rx.heading(T["projects.title"], as_="h1", size="7"),
        rx.text(T["projects.intro"], color_scheme="gray", size="2"),
        error_message(ProjectsState.error_key),
        filters(),
        project_dialog(),
        rx.cond(
            (ProjectsState.projects.length() > 0) & (ProjectsState.visible_projects.length() == 0),
            rx.hstack(
                rx.text(T["pe.filter.none"], color_scheme="gray", size="2"),
                rx.button(T["pe.filter.clear"], size="1", variant="soft", on_click=ProjectsState.clear_filters),
                align="center",
                spacing="3",
                data_testid="projects-filtered-empty",
            ),
        ),
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
            ProjectsState.visible_projects.length() > 0,
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
                    rx.table.body(rx.foreach(ProjectsState.visible_projects, _project_row)),
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
