"""``/rankings``: the A, B and C lists of each position. Choose instrument → position → list; reorder by drag and
drop or with the arrow buttons (keyboard), add from the qualified pool, remove one, clear with the list's name
typed as confirmation. Every change is saved at once ("Sparat"); a change made meanwhile by someone else
reloads the list with a notice (``RankingsState``)."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec
from reflex.vars.function import FunctionStringVar
from reflex_components_core.el.elements.typography import Li

from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, message
from state.rankings import InstrumentOption, ListTab, PoolRow, PositionOption, RankingsState, RankRow
from state.session import SessionState

T = SessionState.t
S = RankingsState

SECTION_HEADING = {"as_": "h2", "size": "5"}


class DraggableItem(Li):
    """An ``<li>`` that takes part in HTML5 drag and drop: ``rx.el.li`` has no drag events in Reflex 0.10, so
    they are declared here as event triggers (React's onDragStart, onDragEnter, onDragOver, onDrop, onDragEnd)."""

    on_drag_start: EventHandler[no_args_event_spec]
    on_drag_enter: EventHandler[no_args_event_spec]
    on_drag_over: EventHandler[no_args_event_spec]
    on_drag_end: EventHandler[no_args_event_spec]
    on_drop: EventHandler[no_args_event_spec]


draggable_item = DraggableItem.create

# dragover fires every few milliseconds: allow dropping right in the browser instead of sending events.
ALLOW_DROP = FunctionStringVar.create("((event) => event.preventDefault())")

ROW_STYLE: dict = {
    "display": "flex",
    "align_items": "center",
    "gap": "0.75rem",
    "padding": "0.5rem 0.75rem",
    "border": styles.BORDER,
    "border_radius": "var(--radius-3)",
    "background": rx.color("gray", 1),
    "list_style": "none",
    "cursor": "grab",
}

LIST_STYLE: dict = {"display": "flex", "flex_direction": "column", "gap": "0.375rem", "margin": "0",
                    "padding": "0"}


# ----- choosing the list -------------------------------------------------------------------------------------------


def _instrument_item(option: rx.Var[InstrumentOption]) -> rx.Component:
    return rx.select.item(option.name, value=option.instrumentId)


def _position_item(option: rx.Var[PositionOption]) -> rx.Component:
    return rx.select.item(option.name, value=option.positionId)


def _labelled_select(label_key: str, field_id: str, items, render, value, on_change) -> rx.Component:
    return rx.box(
        rx.el.label(T[label_key], html_for=field_id, style=styles.LABEL_STYLE),
        rx.select.root(
            rx.select.trigger(id=field_id, width="100%"),
            rx.select.content(rx.foreach(items, render)),
            value=value,
            on_change=on_change,
        ),
        width="100%",
        max_width="20rem",
    )


def chooser() -> rx.Component:
    return rx.hstack(
        _labelled_select("rankings.instrument", "rankings-instrument", S.instruments, _instrument_item,
                         S.instrument_id, S.select_instrument),
        _labelled_select("rankings.position", "rankings-position", S.positions, _position_item, S.position_id,
                         S.select_position),
        spacing="4",
        wrap="wrap",
        width="100%",
    )


def _tab(tab: rx.Var[ListTab]) -> rx.Component:
    return rx.tabs.trigger(
        tab.listType, T["rankings.tab_suffix"], " (", tab.count, ")",
        value=tab.listType,
        data_testid="list-tab",
    )


def list_tabs() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(rx.foreach(S.tabs, _tab), aria_label=T["rankings.list_types"]),
        value=S.list_type,
        on_change=S.select_list_type,
    )


# ----- the list ------------------------------------------------------------------------------------------------------


def move_buttons(row: rx.Var, move_up: EventHandler, move_down: EventHandler) -> list[rx.Component]:
    """The up and down buttons of a list row (ids ``up-``/``down-<musicianId>``, named with the musician for
    screen readers); ``row`` has ``musicianId``, ``name``, ``isFirst`` and ``isLast``. Also used by the
    custom lists page."""
    return [
        rx.icon_button(
            rx.icon(icon, size=16),
            id=prefix + row.musicianId,
            aria_label=T[key] + " " + row.name,
            title=T[key],
            disabled=at_end,
            on_click=handler(row.musicianId),
            size="1",
            variant="soft",
        )
        for icon, prefix, key, at_end, handler in (
            ("arrow-up", "up-", "rankings.move_up", row.isFirst, move_up),
            ("arrow-down", "down-", "rankings.move_down", row.isLast, move_down),
        )
    ]


def _row_buttons(row: rx.Var[RankRow]) -> rx.Component:
    return rx.hstack(
        *move_buttons(row, S.move_up, S.move_down),
        _remove_dialog(row),
        spacing="1",
        align="center",
    )


def _remove_dialog(row: rx.Var[RankRow]) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.icon_button(
                rx.icon("x", size=16),
                aria_label=T["rankings.remove_label"] + " " + row.name,
                title=T["rankings.remove"],
                size="1",
                variant="soft",
                color_scheme="red",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["rankings.remove_title"]),
            rx.alert_dialog.description(rx.text(row.name, weight="medium", as_="span"), " ",
                                        T["rankings.remove_text"], size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(T["rankings.remove"], color_scheme="red", on_click=S.remove(row.musicianId),
                              data_testid="confirm-remove"),
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="30rem",
        ),
    )


def draggable_row(row: rx.Var, state: type[rx.State], *children: rx.Component) -> rx.Component:
    """A list row (``<li>``) that can be dragged onto another row's place: grip, rank number, then
    ``children``. ``state`` has ``dragging``, ``drop_target`` and the handlers ``drag_start``, ``drag_enter``,
    ``drop_on`` and ``drag_end``. Also used by the custom lists page."""
    is_target = (state.drop_target == row.musicianId) & (state.dragging != row.musicianId)
    return draggable_item(
        rx.icon("grip-vertical", size=16, color=rx.color("gray", 9), aria_hidden="true"),
        rx.text(row.rank, ".", weight="bold", width="2rem", text_align="right", data_testid="rank-number"),
        *children,
        key=row.musicianId,
        draggable=True,
        on_drag_start=state.drag_start(row.musicianId),
        on_drag_enter=state.drag_enter(row.musicianId),
        on_drag_over=ALLOW_DROP,
        on_drop=state.drop_on(row.musicianId).prevent_default,
        on_drag_end=state.drag_end,
        data_testid="rank-row",
        data_musician=row.musicianId,
        style={
            **ROW_STYLE,
            "opacity": rx.cond(state.dragging == row.musicianId, "0.5", "1"),
            "border": rx.cond(is_target, f"2px dashed {rx.color(styles.ACCENT, 9)}", styles.BORDER),
        },
    )


def _rank_row(row: rx.Var[RankRow]) -> rx.Component:
    return draggable_row(
        row, S,
        rx.vstack(
            rx.text(row.name, weight="medium", data_testid="rank-name"),
            rx.text(row.email, size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.hstack(
            rx.cond(row.localResidence, rx.badge(T["rankings.local"], color_scheme="green", variant="soft")),
            rx.cond(~row.isActive, rx.badge(T["rankings.inactive"], color_scheme="red", variant="soft",
                                            title=T["rankings.inactive_hint"])),
            spacing="1",
        ),
        _row_buttons(row),
    )


def save_status() -> rx.Component:
    return rx.text(
        rx.cond(S.save_status == "saved", rx.fragment(rx.icon("check", size=14), " ", T["rankings.saved"]), ""),
        role="status",
        id="rankings-save-status",
        data_testid="save-status",
        size="2",
        color_scheme="green",
        style={"display": "inline-flex", "align_items": "center", "gap": "0.25rem", "min_height": "1.25rem"},
    )


def clear_dialog() -> rx.Component:
    list_name = rx.cond(SessionState.lang_is_en, S.list_names["en"], S.list_names["sv"])
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), T["rankings.clear"], id="clear-list", variant="soft",
                      color_scheme="red", disabled=S.rows.length() == 0),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["rankings.clear_title"]),
            rx.alert_dialog.description(T["rankings.clear_text"], size="2"),
            rx.text(list_name, weight="bold", margin_y="0.5rem", data_testid="clear-expected"),
            rx.el.label(T["rankings.clear_input"], html_for="clear-confirm-input", style=styles.LABEL_STYLE),
            rx.input(id="clear-confirm-input", value=S.confirm_text, on_change=S.set_confirm_text,
                     auto_complete="off", width="100%"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(T["rankings.clear_button"], id="confirm-clear", color_scheme="red",
                              disabled=~S.clear_confirmed, on_click=S.clear_list),
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="32rem",
        ),
        on_open_change=S.reset_confirm_text,
    )


def list_panel() -> rx.Component:
    list_name = rx.cond(SessionState.lang_is_en, S.list_names["en"], S.list_names["sv"])
    return rx.cond(
        S.ranking_list_id == "",
        rx.vstack(
            rx.text(T["rankings.missing_list"], color_scheme="gray"),
            rx.button(rx.icon("plus", size=16), T["rankings.create_list"], id="create-list",
                      on_click=S.create_list),
            spacing="3",
            align="start",
        ),
        rx.vstack(
            rx.hstack(
                rx.heading(list_name, **SECTION_HEADING, id="rankings-list-heading"),
                rx.badge(S.rows.length(), " ", T["rankings.count"], variant="soft", color_scheme="gray"),
                save_status(),
                rx.spacer(),
                rx.button(rx.icon("refresh-cw", size=14), T["rankings.reload"], on_click=S.reload, size="1",
                          variant="ghost"),
                clear_dialog(),
                align="center",
                spacing="3",
                width="100%",
                wrap="wrap",
            ),
            rx.cond(S.description != "", rx.text(S.description, size="2", color_scheme="gray")),
            rx.cond(
                S.rows.length() > 0,
                rx.vstack(
                    rx.text(T["rankings.drag_hint"], size="1", color_scheme="gray", id="rankings-drag-hint"),
                    rx.el.ol(
                        rx.foreach(S.rows, _rank_row),
                        aria_labelledby="rankings-list-heading",
                        aria_describedby="rankings-drag-hint",
                        data_testid="rank-list",
                        style=LIST_STYLE,
                    ),
                    spacing="2",
                    width="100%",
                ),
                rx.text(T["rankings.empty"], color_scheme="gray", data_testid="rank-list-empty"),
            ),
            spacing="3",
            width="100%",
        ),
    )


# ----- the pool -------------------------------------------------------------------------------------------------------


def _pool_item(member: rx.Var[PoolRow]) -> rx.Component:
    return rx.el.li(
        rx.checkbox(
            rx.text(member.name, as_="span", weight="medium"),
            checked=S.selected.contains(member.musicianId),
            on_change=lambda checked: S.toggle_selected(member.musicianId, checked),
            size="2",
        ),
        rx.text(member.email, size="1", color_scheme="gray", as_="span"),
        rx.cond(member.localResidence, rx.badge(T["rankings.local"], color_scheme="green", variant="soft")),
        rx.cond(~member.isActive, rx.badge(T["rankings.inactive"], color_scheme="red", variant="soft")),
        data_testid="pool-row",
        style={"display": "flex", "align_items": "center", "gap": "0.5rem", "flex_wrap": "wrap",
               "list_style": "none", "padding": "0.25rem 0"},
    )


def pool_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["rankings.pool_heading"], **SECTION_HEADING),
            rx.text(T["rankings.pool_intro"], size="2", color_scheme="gray"),
            rx.cond(
                S.pool.length() == 0,
                rx.text(T["rankings.pool_empty"], size="2", data_testid="pool-empty"),
                rx.vstack(
                    rx.box(
                        rx.el.label(T["rankings.pool_search"], html_for="pool-search", style=styles.LABEL_STYLE),
                        rx.input(id="pool-search", value=S.pool_query, on_change=S.set_pool_query,
                                 placeholder=T["rankings.pool_search_placeholder"], type="search",
                                 auto_complete="off", width="100%"),
                        width="100%",
                        max_width="24rem",
                    ),
                    rx.hstack(
                        rx.button(T["rankings.select_all"], on_click=S.select_all_shown, size="1", variant="soft"),
                        rx.button(T["rankings.clear_selection"], on_click=S.clear_selection, size="1",
                                  variant="soft", color_scheme="gray", disabled=S.selected_count == 0),
                        spacing="2",
                        wrap="wrap",
                    ),
                    rx.cond(
                        S.filtered_pool.length() > 0,
                        rx.el.ul(rx.foreach(S.filtered_pool, _pool_item), data_testid="pool-list",
                                 style={"margin": "0", "padding": "0", "max_height": "24rem",
                                        "overflow_y": "auto", "width": "100%"}),
                        rx.text(T["rankings.pool_no_match"], size="2", color_scheme="gray"),
                    ),
                    rx.button(
                        rx.icon("plus", size=16), T["rankings.add_selected"], " (", S.selected_count, ")",
                        id="add-selected",
                        on_click=S.add_selected,
                        disabled=S.selected_count == 0,
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


# ----- the page -------------------------------------------------------------------------------------------------------


def rankings_content() -> rx.Component:
    return rx.vstack(
        rx.heading(T["rankings.title"], as_="h1", size="7"),
        rx.text(T["rankings.intro"], color_scheme="gray", size="2"),
        rx.cond(
            S.loaded & (S.instruments.length() == 0),
            rx.text(T["rankings.no_positions"], color_scheme="gray"),
            rx.vstack(
                chooser(),
                list_tabs(),
                rx.cond(S.notice_key != "",
                        message(T[S.notice_key], color="amber", icon="refresh-cw", role="alert",
                                data_testid="rankings-conflict")),
                error_message(S.error_key, data_testid="rankings-error"),
                rx.cond(S.position_id != "", list_panel()),
                rx.cond(S.ranking_list_id != "", pool_panel()),
                spacing="4",
                width="100%",
            ),
        ),
        # Read out after each change (moves, adds, removals, conflicts) for screen-reader users.
        rx.box(S.announcement, aria_live="polite", role="status", class_name="sr-only",
               style={"position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden",
                      "clip": "rect(0 0 0 0)", "white_space": "nowrap"}),
        spacing="4",
        width="100%",
    )


def rankings_page() -> rx.Component:
    return staff_page(rankings_content(), active_route=routes.RANKINGS)
