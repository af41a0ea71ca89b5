"""``/instruments``: a card per instrument (display order) with its positions, qualified musicians, A/B/C lists."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message
from state.instruments import InstrumentRow, InstrumentsState, ListSize, PositionRow
from state.session import SessionState

T = SessionState.t


def _list_cell(size: rx.Var[ListSize]) -> rx.Component:
    return rx.table.cell(size.size, text_align="center")


def _position_row(position: rx.Var[PositionRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(position.name),
        rx.table.cell(position.hierarchyLevel, text_align="center"),
        rx.table.cell(position.qualifiedCount, text_align="center"),
        rx.foreach(position.lists, _list_cell),
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
            ),
        ),
        rx.table.body(rx.foreach(instrument.positions, _position_row)),
        size="1",
        variant="ghost",
        width="100%",
    )


def instrument_card(instrument: rx.Var[InstrumentRow]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(instrument.name, as_="h2", size="4"),
                rx.cond(instrument.isArchived, rx.badge(T["instruments.archived"], color_scheme="orange")),
                rx.spacer(),
                rx.text(T["instruments.order"], " ", instrument.displayOrder, size="1", color_scheme="gray"),
                align="center",
                width="100%",
                spacing="2",
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
                _positions_table(instrument),
                rx.text(T["instruments.no_positions"], color_scheme="gray", size="2"),
            ),
            spacing="3",
            width="100%",
        ),
        data_testid="instrument-card",
        width="100%",
    )


def instruments_content() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(T["instruments.title"], as_="h1", size="7"),
            rx.spacer(),
            rx.hstack(
                rx.switch(
                    id="show-archived",
                    checked=InstrumentsState.show_archived,
                    on_change=InstrumentsState.set_show_archived,
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
        error_message(InstrumentsState.error_key),
        rx.cond(
            InstrumentsState.loaded & (InstrumentsState.instruments.length() == 0),
            rx.text(T["instruments.empty"], color_scheme="gray"),
        ),
        rx.grid(
            rx.foreach(InstrumentsState.instruments, instrument_card),
            columns=rx.breakpoints(initial="1", lg="2"),
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def instruments_page() -> rx.Component:
    return staff_page(instruments_content(), active_route=routes.INSTRUMENTS)
