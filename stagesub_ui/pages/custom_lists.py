"""``/projects/[project_id]/lists``: a project's custom ranking lists. The table of the project's lists (edit,
delete with confirmation) and the builder: choose instrument → position; left the qualified pool with search and
"Lägg till", in the middle the position's lists to copy the order of, right the list being built (arrow buttons,
drag and drop, remove); "Spara" creates the list or replaces the order of the one opened, and "Spara även som
mall" makes it a template the same position in other projects can copy (``CustomListsState``)."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, message
from stagesub_ui.pages.rankings import LIST_STYLE, draggable_row, move_buttons
from state.custom_lists import (
    TEMPLATE_NAME_INPUT_MAX,
    BuilderRow,
    CustomListRow,
    CustomListsState,
    Person,
    SourceList,
)
from state.rankings import InstrumentOption, PositionOption
from state.session import SessionState

T = SessionState.t
S = CustomListsState

SECTION_HEADING = {"as_": "h2", "size": "5"}
COLUMN_HEADING = {"as_": "h3", "size": "3"}
PLAIN_LIST_STYLE: dict = {"margin": "0", "padding": "0", "width": "100%", "display": "flex",
                          "flex_direction": "column", "gap": "0.375rem"}
WRAP_ANYWHERE: dict = {"overflow_wrap": "anywhere"}
# The three builder columns: the list being built gets the most room (its rows carry three buttons).
COLUMNS = rx.breakpoints(initial="minmax(0, 1fr)",
                         md="minmax(0, 1fr) minmax(0, 0.8fr) minmax(0, 1.3fr)")
POOL_ROW_STYLE: dict = {"display": "flex", "align_items": "center", "gap": "0.5rem", "list_style": "none",
                        "padding": "0.375rem 0.5rem", "border": styles.BORDER, "border_radius": "var(--radius-3)"}


def _badges(person: rx.Var[Person]) -> rx.Component:
    return rx.hstack(
        rx.cond(person.localResidence, rx.badge(T["rankings.local"], color_scheme="green", variant="soft")),
        rx.cond(~person.isActive, rx.badge(T["rankings.inactive"], color_scheme="red", variant="soft",
                                           title=T["rankings.inactive_hint"])),
        spacing="1",
    )


def _name_and_email(person: rx.Var[Person], testid: str) -> rx.Component:
    # Long names and e-mail addresses wrap anywhere, so the row's buttons always stay inside its column.
    return rx.vstack(
        rx.text(person.name, weight="medium", data_testid=testid, style=WRAP_ANYWHERE),
        rx.text(person.email, size="1", color_scheme="gray", style=WRAP_ANYWHERE),
        spacing="0",
        flex="1",
        min_width="0",
    )


# ----- the project's lists -----------------------------------------------------------------------------------------


def _delete_dialog(row: rx.Var[CustomListRow]) -> rx.Component:
    in_use = row.usedBy != ""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("trash-2", size=14), T["custom_lists.delete"],
                aria_label=T["custom_lists.delete_label"] + " " + row.positionName,
                title=rx.cond(in_use, T["custom_lists.delete_blocked"], T["custom_lists.delete"]),
                disabled=in_use,
                size="1",
                variant="soft",
                color_scheme="red",
                data_testid="delete-list",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["custom_lists.delete_title"]),
            rx.alert_dialog.description(
                rx.text(row.name, " (", row.instrumentName, " – ", row.positionName, ")", weight="medium",
                        as_="span"),
                " ", T["custom_lists.delete_text"],
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(T["custom_lists.delete_confirm"], color_scheme="red",
                              on_click=S.delete_list(row.customListId), data_testid="confirm-delete"),
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="32rem",
        ),
    )


def _list_row(row: rx.Var[CustomListRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.instrumentName, " – ", row.positionName),
        rx.table.cell(
            rx.vstack(
                rx.text(row.name),
                rx.cond(row.templateName != "",
                        rx.badge(T["custom_lists.template_badge"], " ", row.templateName, variant="soft",
                                 color_scheme="violet", data_testid="template-badge",
                                 style={"white_space": "normal"})),  # breaks between words only
                spacing="1",
                align="start",
            ),
        ),
        rx.table.cell(row.count, text_align="center"),
        rx.table.cell(rx.cond(row.usedBy != "", row.usedBy, "–")),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    rx.icon("pencil", size=14), T["custom_lists.edit"],
                    aria_label=T["custom_lists.edit_label"] + " " + row.positionName,
                    on_click=S.edit_list(row.positionId),
                    size="1",
                    variant="soft",
                    data_testid="edit-list",
                ),
                _delete_dialog(row),
                spacing="2",
            ),
        ),
        data_testid="custom-list-row",
        data_position=row.positionId,
    )


def lists_section() -> rx.Component:
    return rx.el.section(
        rx.heading(T["custom_lists.lists_heading"], id="lists-heading", tab_index=-1, **SECTION_HEADING),
        rx.cond(
            S.lists.length() == 0,
            rx.text(T["custom_lists.no_lists"], color_scheme="gray", size="2", data_testid="lists-empty"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(T["custom_lists.position"]),
                            rx.table.column_header_cell(T["custom_lists.name"]),
                            rx.table.column_header_cell(T["custom_lists.musicians"], text_align="center"),
                            rx.table.column_header_cell(T["custom_lists.used_by"]),
                            rx.table.column_header_cell(T["custom_lists.actions"]),
                        ),
                    ),
                    rx.table.body(rx.foreach(S.lists, _list_row)),
                    variant="surface",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
        ),
        aria_labelledby="lists-heading",
        style={"display": "flex", "flex_direction": "column", "gap": "0.75rem", "width": "100%"},
    )


# ----- choosing the position ---------------------------------------------------------------------------------------


def _instrument_item(option: rx.Var[InstrumentOption]) -> rx.Component:
    return rx.select.item(option.name, value=option.instrumentId)


def _position_item(option: rx.Var[PositionOption]) -> rx.Component:
    return rx.select.item(option.name, value=option.positionId)


def _labelled_select(label_key: str, field_id: str, items, render, value, on_change,
                     placeholder_key: str) -> rx.Component:
    return rx.box(
        rx.el.label(T[label_key], html_for=field_id, style=styles.LABEL_STYLE),
        rx.select.root(
            rx.select.trigger(id=field_id, width="100%", placeholder=T[placeholder_key]),
            rx.select.content(rx.foreach(items, render)),
            value=value,
            on_change=on_change,
        ),
        width="100%",
        max_width="20rem",
    )


def chooser() -> rx.Component:
    return rx.hstack(
        _labelled_select("rankings.instrument", "custom-instrument", S.instruments, _instrument_item,
                         S.instrument_id, S.select_instrument, "custom_lists.choose_instrument"),
        _labelled_select("rankings.position", "custom-position", S.positions, _position_item, S.position_id,
                         S.select_position, "custom_lists.choose_position"),
        spacing="4",
        wrap="wrap",
        width="100%",
    )


# ----- left: the pool ----------------------------------------------------------------------------------------------


def _pool_item(person: rx.Var[Person]) -> rx.Component:
    return rx.el.li(
        _name_and_email(person, "pool-name"),
        _badges(person),
        rx.button(
            rx.icon("plus", size=14), T["custom_lists.add"],
            id="add-" + person.musicianId,
            aria_label=T["custom_lists.add"] + " " + person.name,
            on_click=S.add(person.musicianId),
            size="1",
            variant="soft",
        ),
        data_testid="pool-row",
        style=POOL_ROW_STYLE,
    )


def pool_column() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["custom_lists.pool_heading"], id="pool-heading", **COLUMN_HEADING),
            rx.text(T["custom_lists.pool_intro"], size="1", color_scheme="gray"),
            rx.box(
                rx.el.label(T["rankings.pool_search"], html_for="pool-search", style=styles.LABEL_STYLE),
                rx.input(id="pool-search", value=S.pool_query, on_change=S.set_pool_query,
                         placeholder=T["custom_lists.search_placeholder"], type="search", auto_complete="off",
                         width="100%"),
                width="100%",
            ),
            rx.cond(
                S.filtered_pool.length() > 0,
                rx.el.ul(rx.foreach(S.filtered_pool, _pool_item), aria_labelledby="pool-heading",
                         data_testid="pool-list", style={**PLAIN_LIST_STYLE, "max_height": "32rem",
                                                         "overflow_y": "auto"}),
                rx.text(rx.cond(S.pool.length() == 0, T["custom_lists.pool_empty"],
                                rx.cond(S.pool_query != "", T["rankings.pool_no_match"],
                                        T["custom_lists.pool_all_added"])),
                        size="2", color_scheme="gray", data_testid="pool-empty"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
    )


# ----- middle: the lists to copy -----------------------------------------------------------------------------------


def _source_name(source: rx.Var[SourceList]) -> rx.Var:
    return rx.cond(source.kind == "standard", source.name + T["rankings.tab_suffix"], source.name)


def _source_item(source: rx.Var[SourceList]) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.text(_source_name(source), weight="medium", data_testid="source-name",
                    white_space=rx.cond(source.kind == "standard", "nowrap", "normal"), style=WRAP_ANYWHERE),
            rx.cond(source.kind == "template",
                    rx.text(T["custom_lists.template_from"], " ", source.project, size="1", color_scheme="violet",
                            data_testid="source-project", style=WRAP_ANYWHERE)),
            rx.text(source.count, " ", T["rankings.count"], size="1", color_scheme="gray"),
            rx.cond(source.skipped > 0,
                    rx.text(source.skipped, " ", T["custom_lists.skipped"], size="1", color_scheme="gray")),
            spacing="0",
            flex="1",
        ),
        rx.button(
            rx.icon("copy", size=14), T["custom_lists.copy"],
            aria_label=T["custom_lists.copy_label"] + " " + _source_name(source),
            on_click=S.copy_from(source.key),
            disabled=source.count == 0,
            size="1",
            variant="soft",
            data_testid="copy-order",
        ),
        data_testid="source-row",
        style={**POOL_ROW_STYLE, "flex_wrap": "wrap"},  # the button goes below the name in a narrow column
    )


def sources_column() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["custom_lists.sources_heading"], id="sources-heading", **COLUMN_HEADING),
            rx.text(T["custom_lists.sources_intro"], size="1", color_scheme="gray"),
            rx.cond(
                S.sources.length() > 0,
                rx.el.ul(rx.foreach(S.sources, _source_item), aria_labelledby="sources-heading",
                         style=PLAIN_LIST_STYLE),
                rx.text(T["custom_lists.no_sources"], size="2", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
    )


# ----- right: the list being built ---------------------------------------------------------------------------------


def _row_buttons(row: rx.Var[BuilderRow]) -> rx.Component:
    return rx.hstack(
        *move_buttons(row, S.move_up, S.move_down),
        rx.icon_button(
            rx.icon("x", size=16),
            id="remove-" + row.musicianId,
            aria_label=T["custom_lists.remove_label"] + " " + row.name,
            title=T["rankings.remove"],
            on_click=S.remove(row.musicianId),
            size="1",
            variant="soft",
            color_scheme="red",
        ),
        spacing="1",
        align="center",
    )


def _builder_row(row: rx.Var[BuilderRow]) -> rx.Component:
    return draggable_row(row, S, _name_and_email(row, "rank-name"), _badges(row), _row_buttons(row))


def list_column() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(T["custom_lists.list_heading"], id="list-heading", **COLUMN_HEADING),
                rx.badge(S.row_count, " ", T["rankings.count"], variant="soft", color_scheme="gray"),
                rx.spacer(),
                rx.button(T["custom_lists.clear"], on_click=S.clear_rows, size="1", variant="ghost",
                          color_scheme="gray", disabled=S.row_count == 0, id="clear-rows"),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.cond(
                S.row_count > 0,
                rx.vstack(
                    rx.text(T["rankings.drag_hint"], size="1", color_scheme="gray", id="builder-drag-hint"),
                    rx.el.ol(
                        rx.foreach(S.rows, _builder_row),
                        aria_labelledby="list-heading",
                        aria_describedby="builder-drag-hint",
                        data_testid="rank-list",
                        style=LIST_STYLE,
                    ),
                    spacing="2",
                    width="100%",
                ),
                rx.text(T["custom_lists.list_empty"], size="2", color_scheme="gray", data_testid="rank-list-empty"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
    )


# ----- the builder -------------------------------------------------------------------------------------------------


def template_field() -> rx.Component:
    """"Spara även som mall" and, when ticked, the template's name (its error shown at the field)."""
    return rx.vstack(
        rx.checkbox(T["custom_lists.as_template"], checked=S.as_template, on_change=S.set_as_template,
                    id="save-as-template", aria_describedby="template-help"),
        rx.text(T["custom_lists.template_help"], id="template-help", size="1", color_scheme="gray"),
        rx.cond(
            S.as_template,
            rx.box(
                rx.el.label(T["custom_lists.template_name"], html_for="template-name", style=styles.LABEL_STYLE),
                rx.input(id="template-name", value=S.template_name, on_change=S.set_template_name,
                         max_length=TEMPLATE_NAME_INPUT_MAX, width="100%",
                         aria_invalid=rx.cond(S.template_error != "", "true", "false"),
                         aria_describedby="template-name-error"),
                rx.cond(S.template_error != "",
                        rx.text(T[S.template_error], id="template-name-error", role="alert",
                                style=styles.ERROR_TEXT_STYLE)),
                width="100%",
                max_width="24rem",
            ),
        ),
        spacing="1",
        width="100%",
        data_testid="template-field",
    )


def save_bar() -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("save", size=16), T["custom_lists.save"], id="save-list", on_click=S.save,
                  loading=S.saving),
        rx.button(rx.icon("undo-2", size=14), T["custom_lists.undo"], id="undo-changes", on_click=S.reload,
                  variant="soft", color_scheme="gray", disabled=~S.dirty),
        rx.box(
            rx.cond(
                S.save_status == "saved",
                rx.text(rx.icon("check", size=14), " ", T["rankings.saved"], size="2", color_scheme="green",
                        style={"display": "inline-flex", "align_items": "center", "gap": "0.25rem"}),
                rx.cond(S.dirty, rx.text(T["custom_lists.unsaved"], size="2", color_scheme="amber")),
            ),
            role="status",
            data_testid="save-status",
            min_height="1.25rem",
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def builder_section() -> rx.Component:
    return rx.el.section(
        rx.heading(T["custom_lists.builder_heading"], id="build-heading", **SECTION_HEADING),
        rx.text(T["custom_lists.builder_intro"], color_scheme="gray", size="2"),
        chooser(),
        rx.cond(
            S.position_loaded,
            rx.vstack(
                rx.vstack(
                    rx.heading(
                        rx.cond(S.custom_list_id == "", T["custom_lists.new_list"], T["custom_lists.editing"]),
                        " ", S.list_name,
                        as_="h3", size="4", id="builder-heading", tab_index=-1, data_testid="builder-heading",
                    ),
                    rx.text(S.instrument_name, " – ", S.position_name, size="2", color_scheme="gray"),
                    rx.cond(S.used_by != "",
                            rx.text(T["custom_lists.used_by_note"], " ", S.used_by, size="2", color_scheme="amber",
                                    data_testid="used-by-note")),
                    spacing="1",
                ),
                rx.grid(
                    pool_column(),
                    sources_column(),
                    list_column(),
                    grid_template_columns=COLUMNS,
                    spacing="4",
                    width="100%",
                    align="start",
                ),
                template_field(),
                save_bar(),
                spacing="4",
                width="100%",
            ),
        ),
        aria_labelledby="build-heading",
        style={"display": "flex", "flex_direction": "column", "gap": "0.75rem", "width": "100%"},
    )


# ----- the page ----------------------------------------------------------------------------------------------------


def breadcrumb() -> rx.Component:
    project_href = f"{routes.PROJECTS}/" + S.current_project_id
    return rx.el.nav(
        rx.el.ol(
            rx.el.li(rx.link(T["projects.title"], href=routes.PROJECTS, size="2")),
            rx.el.li(rx.text("/", size="2", color_scheme="gray"), aria_hidden="true"),
            rx.cond(
                S.project_name != "",
                rx.fragment(
                    rx.el.li(rx.link(S.project_name, href=project_href, size="2", data_testid="project-link")),
                    rx.el.li(rx.text("/", size="2", color_scheme="gray"), aria_hidden="true"),
                ),
            ),
            rx.el.li(rx.text(T["custom_lists.title"], size="2", color_scheme="gray"), aria_current="page"),
            style={"display": "flex", "gap": "0.5rem", "list_style": "none", "margin": "0", "padding": "0"},
        ),
        aria_label=T["project.breadcrumb"],
    )


def feedback() -> rx.Component:
    return rx.fragment(
        rx.cond(
            S.notice_key != "",
            rx.cond(
                S.notice_tone == "warning",
                message(S.notice_text, color="amber", icon="refresh-cw", role="alert",
                        data_testid="custom-lists-notice"),
                message(S.notice_text, color="blue", icon="info", role="status", data_testid="custom-lists-notice"),
            ),
        ),
        error_message(S.error_key, data_testid="custom-lists-error"),
    )


def custom_lists_content() -> rx.Component:
    return rx.vstack(
        breadcrumb(),
        rx.cond(
            S.not_found,
            rx.vstack(
                rx.heading(T["project.not_found_title"], as_="h1", size="7"),
                rx.text(T["project.not_found_text"], color_scheme="gray"),
                rx.link(T["project.back_to_list"], href=routes.PROJECTS),
                spacing="3",
                data_testid="project-not-found",
            ),
            rx.vstack(
                rx.heading(T["custom_lists.title"], as_="h1", size="7"),
                rx.cond(S.project_name != "",
                        rx.text(S.project_name, " · ", T["custom_lists.week"], " ", S.project_week, size="3",
                                weight="medium", data_testid="project-name")),
                rx.text(T["custom_lists.intro"], color_scheme="gray", size="2"),
                feedback(),
                rx.cond(
                    S.loaded,
                    rx.vstack(lists_section(), builder_section(), spacing="6", width="100%"),
                    rx.hstack(rx.spinner(), rx.text(T["common.loading"], color_scheme="gray", size="2"),
                              role="status", spacing="2"),
                ),
                spacing="4",
                width="100%",
            ),
        ),
        # Read out after each change (adds, moves, removals, copies, saves) for screen-reader users.
        rx.box(S.announcement, aria_live="polite", role="status", class_name="sr-only",
               style={"position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden",
                      "clip": "rect(0 0 0 0)", "white_space": "nowrap"}),
        spacing="4",
        width="100%",
    )


def custom_lists_page() -> rx.Component:
    return staff_page(custom_lists_content(), active_route=routes.PROJECTS)
