"""``/superadmin``: the platform's orchestras (name, subdomain, status, created)."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message
from state.session import SessionState
from state.superadmin import OrchestraRow, SuperadminState

T = SessionState.t


def _status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("active", rx.badge(T["status.active"], color_scheme="green")),
        ("pending", rx.badge(T["status.pending"], color_scheme="amber")),
        ("inactive", rx.badge(T["status.inactive"], color_scheme="gray")),
        ("suspended", rx.badge(T["status.suspended"], color_scheme="red")),
        rx.badge(status),
    )


def _orchestra_row(row: rx.Var[OrchestraRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.name),
        rx.table.cell(rx.code(row.subdomain, variant="ghost")),
        rx.table.cell(_status_badge(row.status)),
        rx.table.cell(row.created),
        data_testid="orchestra-row",
    )


def superadmin_content() -> rx.Component:
    return rx.vstack(
        rx.heading(T["superadmin.title"], as_="h1", size="7"),
        rx.text(T["superadmin.intro"], color_scheme="gray", size="2"),
        error_message(SuperadminState.error_key),
        rx.cond(
            SuperadminState.loaded & (SuperadminState.orchestras.length() == 0),
            rx.text(T["superadmin.empty"], color_scheme="gray"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell(T["superadmin.name"]),
                        rx.table.column_header_cell(T["superadmin.subdomain"]),
                        rx.table.column_header_cell(T["superadmin.status"]),
                        rx.table.column_header_cell(T["superadmin.created"]),
                    ),
                ),
                rx.table.body(rx.foreach(SuperadminState.orchestras, _orchestra_row)),
                variant="surface",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def superadmin_page() -> rx.Component:
    return staff_page(superadmin_content(), active_route=routes.SUPERADMIN)
