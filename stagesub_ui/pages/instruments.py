"""``/instruments``: a card per instrument (display order) with its positions, qualified musicians, A/B/C lists.

Admins also get the changes: new instrument, add/rename positions and instruments (one dialog), move up/down
buttons (keyboard reachable, each named with what it moves), archive/restore and delete behind a confirmation
that says why a delete is not allowed. Users see the same page without any of those buttons.
"""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, ok_message
from state.instruments import InstrumentRow, InstrumentsState, ListSize, PositionRow, UsageReason
from state.session import SessionState

T = SessionState.t
S = InstrumentsState


def _list_cell(size: rx.Var[ListSize]) -> rx.Component:
    return rx.table.cell(size.size, text_align="center")


def _small_button(icon: str, label: rx.Var, on_click, *, disabled=False, color: str = "gray",
                  test_id: str = "") -> rx.Component:
    """An icon button whose aria-label (and tooltip) says what it does to which instrument or position."""
    return rx.icon_button(
        rx.icon(icon, size=14),
        aria_label=label,
        title=label,
        on_click=on_click,
        disabled=disabled | S.busy,
        size="1",
        variant="soft",
        color_scheme=color,
        data_testid=test_id,
    )


def _position_actions(position: rx.Var[PositionRow]) -> rx.Component:
    return rx.table.cell(
        rx.hstack(
            _small_button("arrow-up", T["instruments.move_up"] + " " + position.name,
                          S.move_position(position.positionId, "up"), disabled=position.isFirst,
                          test_id="position-up"),
            _small_button("arrow-down", T["instruments.move_down"] + " " + position.name,
                          S.move_position(position.positionId, "down"), disabled=position.isLast,
                          test_id="position-down"),
            _small_button("pencil", T["instruments.rename_position_label"] + " " + position.name,
                          S.open_rename_position(position.positionId), test_id="position-rename"),
            _small_button("trash-2", T["instruments.delete_position_label"] + " " + position.name,
                          S.ask("delete_position", position.positionId), color="red", test_id="position-delete"),
            spacing="1",
            justify="end",
        ),
    )


def _position_row(position: rx.Var[PositionRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(position.name, href=position.rankingsHref,
                    aria_label=T["instruments.open_rankings"] + " " + position.name),
        ),
        rx.table.cell(position.hierarchyLevel, text_align="center"),
        rx.table.cell(position.qualifiedCount, text_align="center"),
        rx.foreach(position.lists, _list_cell),
        rx.cond(S.is_admin, _position_actions(position)),
        data_testid="position-row",
    )


def _positions_table(instrument: rx.Var[InstrumentRow]) -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(T["instruments.position"]),
                rx.table.column_header_cell(T["instruments.level"], text_align="center"),
                rx.table.column_header_cell(T["instruments.qualified"], text_align="center"),
                rx.table.column_header_cell(rx.el.abbr("A", title=T["instruments.list_a"]), text_align="center"),
                rx.table.column_header_cell(rx.el.abbr("B", title=T["instruments.list_b"]), text_align="center"),
                rx.table.column_header_cell(rx.el.abbr("C", title=T["instruments.list_c"]), text_align="center"),
                rx.cond(S.is_admin, rx.table.column_header_cell(T["instruments.actions"], text_align="right")),
            ),
        ),
        rx.table.body(rx.foreach(instrument.positions, _position_row)),
        size="1",
        variant="ghost",
        width="100%",
    )


def _instrument_actions(instrument: rx.Var[InstrumentRow]) -> rx.Component:
    return rx.hstack(
        _small_button("arrow-up", T["instruments.move_up"] + " " + instrument.name,
                      S.move_instrument(instrument.instrumentId, "up"), disabled=instrument.isFirst,
                      test_id="instrument-up"),
        _small_button("arrow-down", T["instruments.move_down"] + " " + instrument.name,
                      S.move_instrument(instrument.instrumentId, "down"), disabled=instrument.isLast,
                      test_id="instrument-down"),
        _small_button("pencil", T["instruments.rename_instrument_label"] + " " + instrument.name,
                      S.open_rename_instrument(instrument.instrumentId), test_id="instrument-rename"),
        rx.cond(
            instrument.isArchived,
            _small_button("archive-restore", T["instruments.restore_label"] + " " + instrument.name,
                          S.ask("restore", instrument.instrumentId), test_id="instrument-restore"),
            _small_button("archive", T["instruments.archive_label"] + " " + instrument.name,
                          S.ask("archive", instrument.instrumentId), color="orange", test_id="instrument-archive"),
        ),
        _small_button("trash-2", T["instruments.delete_instrument_label"] + " " + instrument.name,
                      S.ask("delete_instrument", instrument.instrumentId), color="red", test_id="instrument-delete"),
        spacing="1",
    )


def instrument_card(instrument: rx.Var[InstrumentRow]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(instrument.name, as_="h2", size="4"),
                rx.cond(instrument.isArchived, rx.badge(T["instruments.archived"], color_scheme="orange")),
                rx.spacer(),
                rx.text(T["instruments.order"], " ", instrument.displayOrder, size="1", color_scheme="gray"),
                rx.cond(S.is_admin, _instrument_actions(instrument)),
                align="center",
                width="100%",
                spacing="2",
                wrap="wrap",
            ),
            rx.hstack(
                rx.badge(rx.icon("list", size=14), T["instruments.positions"], ": ", instrument.positionCount,
                         variant="soft", color_scheme="gray"),
                rx.badge(rx.icon("users", size=14), T["instruments.musicians"], ": ", instrument.musicianCount,
                         variant="soft"),
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                instrument.positionCount > 0,
                rx.box(_positions_table(instrument), overflow_x="auto", width="100%"),
                rx.text(T["instruments.no_positions"], color_scheme="gray", size="2"),
            ),
            rx.cond(
                S.is_admin,
                rx.button(rx.icon("plus", size=14), T["instruments.add_position"],
                          aria_label=T["instruments.add_position_label"] + " " + instrument.name,
                          on_click=S.open_create_position(instrument.instrumentId), size="1", variant="soft",
                          disabled=S.busy, data_testid="add-position"),
            ),
            spacing="3",
            width="100%",
        ),
        data_testid="instrument-card",
        width="100%",
    )


# ----- dialogs ----------------------------------------------------------------------------------------------


def _field_error(field: str) -> rx.Component:
    return rx.cond(
        S.field_errors.contains(field),
        rx.text(T[S.field_errors[field]], id=f"instrument-form-{field}-error", role="alert",
                style=styles.ERROR_TEXT_STYLE),
    )


def _form_input(field: str, label: rx.Var, value: rx.Var, on_change, **props) -> rx.Component:
    field_id = f"instrument-form-{field}"
    return rx.box(
        rx.el.label(label, html_for=field_id, style=styles.LABEL_STYLE),
        rx.input(id=field_id, name=field, value=value, on_change=on_change, auto_complete="off",
                 aria_invalid=rx.cond(S.field_errors.contains(field), "true", "false"),
                 aria_describedby=f"{field_id}-error", width="100%", **props),
        _field_error(field),
        width="100%",
    )


def edit_dialog() -> rx.Component:
    """Create or rename an instrument or a position; field errors stay in the dialog next to the field."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.match(
                S.dialog_kind,
                ("create_instrument", T["instruments.dialog.create_instrument"]),
                ("rename_instrument", T["instruments.dialog.rename_instrument"]),
                ("create_position", T["instruments.dialog.create_position"]),
                ("rename_position", T["instruments.dialog.rename_position"]),
                "",
            )),
            rx.dialog.description(
                rx.cond(S.dialog_kind == "create_position",
                        rx.text(T["instruments.dialog.for_instrument"], " ", S.dialog_context, as_="span"), ""),
                size="2",
            ),
            rx.form(
                rx.vstack(
                    _form_input("name", T["instruments.name"], S.form_name, S.set_form_name, required=True,
                                max_length=100),
                    rx.cond(
                        S.dialog_kind == "create_position",
                        rx.vstack(
                            _form_input("hierarchyLevel", T["instruments.level_optional"], S.form_level,
                                        S.set_form_level, type="number", min=1, step=1),
                            rx.text(T["instruments.level_help"], size="1", color_scheme="gray"),
                            spacing="1",
                            width="100%",
                        ),
                    ),
                    rx.flex(
                        rx.dialog.close(rx.button(T["common.cancel"], type="button", variant="soft",
                                                  color_scheme="gray")),
                        rx.button(T["common.save"], type="submit", loading=S.busy, id="instrument-form-save"),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.save_dialog,
                reset_on_submit=False,
            ),
        ),
        open=S.dialog_open,
        on_open_change=S.set_dialog_open,
    )


def _reason(reason: rx.Var[UsageReason]) -> rx.Component:
    return rx.el.li(T[reason.key], ": ", rx.text(reason.count, as_="span", weight="bold"))


def confirm_dialog() -> rx.Component:
    """Archive, restore or delete after a confirmation; a delete that is not allowed shows why instead."""
    blocked = S.blocked_reasons.length() > 0
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(
                blocked,
                T["instruments.confirm.blocked"],
                rx.match(
                    S.confirm_action,
                    ("archive", T["instruments.confirm.archive"]),
                    ("restore", T["instruments.confirm.restore"]),
                    ("delete_instrument", T["instruments.confirm.delete_instrument"]),
                    ("delete_position", T["instruments.confirm.delete_position"]),
                    "",
                ),
            )),
            rx.alert_dialog.description(
                rx.text(S.confirm_name, weight="bold", as_="span"), ": ",
                rx.cond(
                    blocked,
                    T["instruments.confirm.blocked_text"],
                    rx.match(
                        S.confirm_action,
                        ("archive", T["instruments.confirm.archive_text"]),
                        ("restore", T["instruments.confirm.restore_text"]),
                        ("delete_instrument", T["instruments.confirm.delete_instrument_text"]),
                        ("delete_position", T["instruments.confirm.delete_position_text"]),
                        "",
                    ),
                ),
                size="2",
            ),
            rx.cond(
                blocked,
                rx.vstack(
                    rx.el.ul(rx.foreach(S.blocked_reasons, _reason), data_testid="blocked-reasons",
                             style={"padding_left": "1.25rem", "margin_top": "0.75rem"}),
                    rx.text(T["instruments.confirm.blocked_hint"], size="2", color_scheme="gray"),
                    rx.flex(
                        rx.alert_dialog.cancel(rx.button(T["instruments.confirm.close"], variant="soft",
                                                         color_scheme="gray", id="confirm-close")),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                rx.vstack(
                    rx.cond(
                        S.confirm_action.contains("delete"),
                        rx.box(
                            rx.el.label(T["instruments.confirm.type_word"], html_for="confirm-delete-word",
                                        style=styles.LABEL_STYLE),
                            rx.input(id="confirm-delete-word", value=S.confirm_text, on_change=S.set_confirm_text,
                                     auto_complete="off", width="100%"),
                            width="100%",
                            margin_top="0.75rem",
                        ),
                    ),
                    rx.flex(
                        rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                        # Not an alert_dialog.action: that would close the dialog before the word is checked.
                        rx.button(T["instruments.confirm.yes"], color_scheme="red", on_click=S.confirm,
                                  disabled=~S.confirm_ready, id="confirm-instrument-action"),
                        spacing="3",
                        justify="end",
                        margin_top="1rem",
                        width="100%",
                    ),
                    width="100%",
                ),
            ),
        ),
        open=S.confirm_open,
        on_open_change=S.set_confirm_open,
    )


def instruments_content() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(T["instruments.title"], as_="h1", size="7"),
            rx.spacer(),
            rx.cond(
                S.is_admin,
                rx.button(rx.icon("plus", size=16), T["instruments.create_instrument"],
                          on_click=S.open_create_instrument, disabled=S.busy, id="create-instrument"),
            ),
            rx.hstack(
                rx.switch(
                    id="show-archived",
                    checked=S.show_archived,
                    on_change=S.set_show_archived,
                ),
                rx.el.label(T["instruments.show_archived"], html_for="show-archived",
                            style={"font_size": "0.875rem", "cursor": "pointer"}),
                align="center",
                spacing="2",
            ),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        rx.text(T["instruments.intro"], color_scheme="gray", size="2"),
        rx.cond(S.loaded & ~S.is_admin,
                rx.text(T["instruments.read_only"], color_scheme="gray", size="2", id="instruments-read-only")),
        error_message(S.error_key, id="instruments-error"),
        ok_message(S.ok_key, id="instruments-ok"),
        rx.cond(
            S.loaded & (S.instruments.length() == 0),
            rx.text(T["instruments.empty"], color_scheme="gray"),
        ),
        rx.grid(
            rx.foreach(S.instruments, instrument_card),
            # Two columns only on wide screens: the admin's action buttons need the room.
            columns=rx.breakpoints(initial="1", xl="2"),
            spacing="4",
            width="100%",
        ),
        edit_dialog(),
        confirm_dialog(),
        spacing="4",
        width="100%",
    )


def instruments_page() -> rx.Component:
    return staff_page(instruments_content(), active_route=routes.INSTRUMENTS)
