"""``/logs`` (admins): the orchestra's system log (logins, messages, settings …) and its audit trail (who sent
requests, answered for a musician, changed templates or files), each filtered and paged on the server."""

from __future__ import annotations

import reflex as rx

from services.logs import LEVELS
from stagesub_ui import routes
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message
from stagesub_ui.pages.communication import (
    PRE_STYLE,
    data_table,
    date_filter,
    labelled,
    pager,
    search_filter,
    select_filter,
)
from state.logs import ALL, AuditRow, LogsState, SystemLogRow
from state.session import SessionState

T = SessionState.t
S = LogsState

LEVEL_COLORS = {"debug": "gray", "info": "blue", "warn": "amber", "error": "red"}


def level_badge(level: rx.Var[str]) -> rx.Component:
    return rx.match(
        level,
        *[(value, rx.badge(T[f"logs.level_{value}"], color_scheme=LEVEL_COLORS[value])) for value in LEVELS],
        rx.badge(level),
    )


def _details(*children) -> rx.Component:
    return rx.el.details(
        rx.el.summary(T["logs.details"], style={"cursor": "pointer", "font_size": "0.8125rem"}),
        rx.vstack(*children, spacing="1", margin_top="0.25rem", width="100%"),
    )


def _fact(label_key: str, value: rx.Var[str]) -> rx.Component:
    return rx.cond(value != "", rx.text(T[label_key], ": ", value, size="1", color_scheme="gray",
                                        style={"word_break": "break-all"}))


def _category_item(category: rx.Var[str]) -> rx.Component:
    return rx.select.item(category, value=category)


# ----- system log -------------------------------------------------------------------------------------------------


def _system_row(row: rx.Var[SystemLogRow]) -> rx.Component:
    has_details = (row.meta != "") | (row.ip != "") | (row.userAgent != "")
    return rx.table.row(
        rx.table.cell(rx.text(row.timestamp, white_space="nowrap")),
        rx.table.cell(level_badge(row.level)),
        rx.table.cell(row.category),
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(row.message),
                rx.cond(
                    has_details,
                    _details(
                        _fact("logs.ip", row.ip),
                        _fact("logs.user_agent", row.userAgent),
                        rx.cond(row.meta != "", rx.el.pre(row.meta, style=PRE_STYLE, tab_index=0,
                                                          aria_label=T["logs.metadata"])),
                    ),
                ),
                spacing="1",
                width="100%",
            ),
        ),
        rx.table.cell(row.user),
        data_testid="system-log-row",
    )


def system_tab() -> rx.Component:
    f = S.system_filters
    return rx.vstack(
        rx.grid(
            select_filter("log-level", "logs.level", f["level"], lambda value: S.set_system_filter("level", value),
                          [rx.select.item(T[f"logs.level_{level}"], value=level) for level in LEVELS]),
            labelled(
                "log-category", "logs.category",
                rx.select.root(
                    rx.select.trigger(id="log-category", width="100%"),
                    rx.select.content(rx.select.item(T["listing.all"], value=ALL),
                                      rx.foreach(S.categories, _category_item)),
                    value=f["category"],
                    on_change=lambda value: S.set_system_filter("category", value),
                ),
            ),
            search_filter("log-search", "logs.search", "logs.search_placeholder", f["search"],
                          lambda value: S.set_system_filter("search", value)),
            date_filter("log-from", "listing.from", f["from"], lambda value: S.set_system_filter("from", value),
                        S.system_errors, "from"),
            date_filter("log-to", "listing.to", f["to"], lambda value: S.set_system_filter("to", value),
                        S.system_errors, "to"),
            columns=rx.breakpoints(initial="1", sm="2", lg="5"),
            spacing="3",
            width="100%",
            role="search",
            aria_label=T["logs.filters"],
        ),
        rx.cond(
            S.system_loaded & (S.system_rows.length() == 0),
            rx.callout.root(rx.callout.icon(rx.icon("scroll-text", size=18)), rx.callout.text(T["logs.empty"]),
                            color_scheme="gray", data_testid="system-log-empty"),
        ),
        rx.cond(
            S.system_rows.length() > 0,
            rx.vstack(
                data_table(("logs.time", "logs.level", "logs.category", "logs.message", "logs.user"),
                           S.system_view, _system_row),
                pager(S.system_page, S.system_pages, S.system_total, S.system_go(-1), S.system_go(1), "system-log",
                      "logs.entries"),
                spacing="3",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


# ----- audit trail --------------------------------------------------------------------------------------------------


def _audit_row(row: rx.Var[AuditRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.timestamp, white_space="nowrap")),
        rx.table.cell(row.user),
        rx.table.row_header_cell(rx.code(row.action, variant="ghost")),
        rx.table.cell(row.entity),
        rx.table.cell(rx.cond(row.changes != "", _details(rx.el.pre(row.changes, style=PRE_STYLE, tab_index=0,
                                                                    aria_label=T["logs.changes"])))),
        data_testid="audit-row",
    )


def audit_tab() -> rx.Component:
    f = S.audit_filters
    return rx.vstack(
        rx.text(T["logs.audit_help"], size="2", color_scheme="gray"),
        rx.grid(
            labelled(
                "audit-action", "logs.action",
                rx.select.root(
                    rx.select.trigger(id="audit-action", width="100%"),
                    rx.select.content(rx.select.item(T["listing.all"], value=ALL),
                                      rx.foreach(S.actions, _category_item)),
                    value=f["action"],
                    on_change=lambda value: S.set_audit_filter("action", value),
                ),
            ),
            search_filter("audit-search", "logs.user", "logs.user_placeholder", f["search"],
                          lambda value: S.set_audit_filter("search", value)),
            date_filter("audit-from", "listing.from", f["from"], lambda value: S.set_audit_filter("from", value),
                        S.audit_errors, "from"),
            date_filter("audit-to", "listing.to", f["to"], lambda value: S.set_audit_filter("to", value),
                        S.audit_errors, "to"),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"),
            spacing="3",
            width="100%",
            role="search",
            aria_label=T["logs.filters"],
        ),
        rx.cond(
            S.audit_loaded & (S.audit_rows.length() == 0),
            rx.callout.root(rx.callout.icon(rx.icon("history", size=18)), rx.callout.text(T["logs.audit_empty"]),
                            color_scheme="gray", data_testid="audit-empty"),
        ),
        rx.cond(
            S.audit_rows.length() > 0,
            rx.vstack(
                data_table(("logs.time", "logs.user", "logs.action", "logs.entity", "logs.changes"),
                           S.audit_rows, _audit_row),
                pager(S.audit_page, S.audit_pages, S.audit_total, S.audit_go(-1), S.audit_go(1), "audit",
                      "logs.entries"),
                spacing="3",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def logs_content() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(T["logs.title"], as_="h1", size="7"),
            rx.spacer(),
            rx.button(rx.icon("refresh-cw", size=16), T["logs.refresh"], variant="soft", on_click=S.refresh,
                      id="logs-refresh"),
            align="center",
            width="100%",
        ),
        rx.text(T["logs.intro"], color_scheme="gray", size="2"),
        error_message(S.error_key),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger(T["logs.tab_system"], value="system", id="tab-system"),
                rx.tabs.trigger(T["logs.tab_audit"], value="audit", id="tab-audit"),
            ),
            rx.tabs.content(system_tab(), value="system", padding_top="1rem"),
            rx.tabs.content(audit_tab(), value="audit", padding_top="1rem"),
            value=S.tab,
            on_change=S.set_tab,
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def logs_page() -> rx.Component:
    return staff_page(logs_content(), active_route=routes.LOGS)
