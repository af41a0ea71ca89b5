"""``/communication``: every e-mail and SMS (sent, delivered, failed or still queued), filtered and paged on the
server, each opening to show it as it was sent; and the history of group e-mails (second tab)."""

from __future__ import annotations

import reflex as rx

from services.communication_views import CHANNELS, STATUSES, TYPES
from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message
from state.communication import ALL, CommunicationState, GroupEmailRow, MessageRow, ProjectChoice
from state.session import SessionState

T = SessionState.t
S = CommunicationState

STATUS_COLORS = {"queued": "amber", "sent": "green", "delivered": "green", "simulated": "green", "failed": "red"}

PRE_STYLE = {
    "white_space": "pre-wrap",
    "word_break": "break-word",
    "font_family": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    "font_size": "0.8125rem",
    "margin": "0",
    "padding": "0.75rem",
    "background": rx.color("gray", 2),
    "border": styles.BORDER,
    "border_radius": "var(--radius-2)",
    "max_height": "20rem",
    "overflow": "auto",
    "width": "100%",
    "box_sizing": "border-box",
}


# ----- labels shared with the logs page and the dashboard ----------------------------------------------------


def type_label(message_type: rx.Var[str]) -> rx.Component:
    """The message type in words (unknown types of an earlier system as stored)."""
    return rx.match(message_type, *[(kind, T[f"msg_type.{kind}"]) for kind in TYPES], message_type)


def status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        *[(value, rx.badge(T[f"msg_status.{value}"], color_scheme=STATUS_COLORS[value])) for value in STATUSES],
        rx.cond(status != "", rx.badge(status, color_scheme="gray"), rx.fragment()),
    )


def channel_label(channel: rx.Var[str]) -> rx.Component:
    return rx.match(
        channel,
        ("email", rx.hstack(rx.icon("mail", size=14, aria_hidden="true"), rx.text(T["outbox.channel_email"]),
                            spacing="1", align="center")),
        ("sms", rx.hstack(rx.icon("message-square", size=14, aria_hidden="true"), rx.text(T["outbox.channel_sms"]),
                          spacing="1", align="center")),
        rx.text("–", color_scheme="gray"),
    )


def pager(page: rx.Var[int], pages: rx.Var[int], total: rx.Var[int], on_previous, on_next, prefix: str,
          count_key: str) -> rx.Component:
    """Previous / next with "page 2 of 5 · 230 messages" (server-side paging)."""
    return rx.hstack(
        rx.text(T["listing.page"], " ", page, " ", T["listing.of"], " ", pages, " · ", total, " ", T[count_key],
                size="2", color_scheme="gray", data_testid=f"{prefix}-paging", aria_live="polite"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=16), T["listing.previous"], variant="soft", size="1",
                  disabled=page <= 1, on_click=on_previous, id=f"{prefix}-previous"),
        rx.button(T["listing.next"], rx.icon("chevron-right", size=16), variant="soft", size="1",
                  disabled=page >= pages, on_click=on_next, id=f"{prefix}-next"),
        align="center",
        spacing="2",
        width="100%",
        wrap="wrap",
    )


def labelled(field_id: str, label_key: str, control: rx.Component, error: rx.Component | None = None,
             **props) -> rx.Component:
    return rx.box(
        rx.el.label(T[label_key], html_for=field_id, style=styles.LABEL_STYLE),
        control,
        *([error] if error is not None else []),
        **props,
    )


def select_filter(field_id: str, label_key: str, value: rx.Var, on_change, items: list[rx.Component],
                  all_key: str = "listing.all", **props) -> rx.Component:
    return labelled(
        field_id, label_key,
        rx.select.root(
            rx.select.trigger(id=field_id, width="100%"),
            rx.select.content(rx.select.item(T[all_key], value=ALL), *items),
            value=value,
            on_change=on_change,
        ),
        **props,
    )


def field_error(errors: rx.Var, field: str, field_id: str) -> rx.Component:
    return rx.cond(
        errors.contains(field),
        rx.text(T[errors[field]], id=f"{field_id}-error", role="alert", style=styles.ERROR_TEXT_STYLE),
    )


def date_filter(field_id: str, label_key: str, value: rx.Var, on_change, errors: rx.Var, field: str) -> rx.Component:
    return labelled(
        field_id, label_key,
        rx.input(id=field_id, type="date", value=value, on_change=on_change,
                 aria_invalid=rx.cond(errors.contains(field), "true", "false"),
                 aria_describedby=f"{field_id}-error", width="100%"),
        field_error(errors, field, field_id),
    )


def search_filter(field_id: str, label_key: str, placeholder_key: str, value: rx.Var, on_change) -> rx.Component:
    return labelled(
        field_id, label_key,
        rx.debounce_input(
            rx.input(id=field_id, type="search", value=value, on_change=on_change,
                     placeholder=T[placeholder_key], width="100%"),
            debounce_timeout=300,
        ),
    )


def data_table(header_keys: tuple[str, ...], rows: rx.Var[list], render_row) -> rx.Component:
    """A list page's table: one header cell per catalog key, a row per item, scrolling sideways when narrow."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(T[key]) for key in header_keys])),
            rx.table.body(rx.foreach(rows, render_row)),
            variant="surface",
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


# ----- messages ------------------------------------------------------------------------------------------------


def _project_item(project: rx.Var[ProjectChoice]) -> rx.Component:
    return rx.select.item(project.label, value=project.projectId)


def filters() -> rx.Component:
    f = S.filters
    return rx.vstack(
        rx.grid(
            labelled(
                "comm-project", "communication.project",
                rx.select.root(
                    rx.select.trigger(id="comm-project", width="100%"),
                    rx.select.content(rx.select.item(T["listing.all_projects"], value=ALL),
                                      rx.foreach(S.projects, _project_item)),
                    value=f["projectId"],
                    on_change=lambda value: S.set_filter("projectId", value),
                ),
            ),
            select_filter("comm-type", "communication.type", f["type"], lambda value: S.set_filter("type", value),
                          [rx.select.item(T[f"msg_type.{kind}"], value=kind) for kind in TYPES]),
            select_filter("comm-channel", "communication.channel", f["channel"],
                          lambda value: S.set_filter("channel", value),
                          [rx.select.item(T[f"outbox.channel_{channel}"], value=channel) for channel in CHANNELS]),
            select_filter("comm-status", "communication.status", f["status"],
                          lambda value: S.set_filter("status", value),
                          [rx.select.item(T[f"msg_status.{status}"], value=status) for status in STATUSES]),
            search_filter("comm-search", "communication.search", "communication.search_placeholder", f["search"],
                          lambda value: S.set_filter("search", value)),
            date_filter("comm-from", "listing.from", f["from"], lambda value: S.set_filter("from", value),
                        S.field_errors, "from"),
            date_filter("comm-to", "listing.to", f["to"], lambda value: S.set_filter("to", value),
                        S.field_errors, "to"),
            rx.box(
                rx.button(rx.icon("x", size=14), T["listing.clear"], variant="soft", color_scheme="gray",
                          on_click=S.clear_filters, disabled=~S.has_filters, id="comm-clear"),
                align_self="end",
            ),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"),
            spacing="3",
            width="100%",
        ),
        role="search",
        aria_label=T["communication.filters"],
        width="100%",
    )


def _message_row(row: rx.Var[MessageRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.at, white_space="nowrap")),
        rx.table.cell(type_label(row.type)),
        rx.table.cell(channel_label(row.channel)),
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(rx.cond(row.musicianName != "", row.musicianName, row.recipient), weight="medium"),
                rx.cond(row.musicianName != "", rx.text(row.recipient, size="1", color_scheme="gray")),
                spacing="0",
            ),
        ),
        rx.table.cell(rx.cond(row.href != "", rx.link(row.projectName, href=row.href), rx.text("–"))),
        rx.table.cell(
            rx.vstack(
                status_badge(row.status),
                rx.cond(row.error != "", rx.text(row.error, size="1", color_scheme="red", max_width="16rem",
                                                 style={"word_break": "break-word"})),
                spacing="1",
            ),
        ),
        rx.table.cell(
            rx.button(rx.icon("eye", size=14), T["communication.show"], size="1", variant="soft",
                      on_click=S.open_message(row.key),
                      aria_label=T["communication.show_message_to"] + " " + row.recipient),
        ),
        data_testid="message-row",
    )


def messages_table() -> rx.Component:
    return data_table(("communication.when", "communication.type", "communication.channel", "communication.recipient",
                       "communication.project", "communication.status", "communication.message"),
                      S.rows, _message_row)


def _meta(label_key: str, value: rx.Var, shown: rx.Var | None = None) -> rx.Component:
    return rx.cond(
        shown if shown is not None else value != "",
        rx.text(rx.text(T[label_key], ": ", as_="span", color_scheme="gray"), value, size="2"),
    )


def message_dialog() -> rx.Component:
    d = S.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(d.subject != "", d.subject, T["communication.message_heading"])),
            rx.dialog.description(
                rx.hstack(type_label(d.type), channel_label(d.channel), status_badge(d.status), spacing="3",
                          align="center", wrap="wrap"),
                size="2",
            ),
            error_message(S.detail_error_key),
            rx.vstack(
                _meta("communication.recipient", d.recipient),
                _meta("communication.created", d.createdAt),
                _meta("communication.sent_at", d.sentAt),
                _meta("communication.attempts", d.attempts, d.attempts > 0),
                _meta("communication.segments", d.segments, d.segments > 0),
                _meta("communication.provider_id", d.providerMessageId),
                _meta("communication.delivery_status", d.deliveryStatus),
                rx.cond(d.error != "", rx.text(T["communication.error"], ": ", d.error, size="2", color_scheme="red")),
                rx.cond(
                    d.html != "",
                    rx.vstack(
                        rx.text(T["outbox.html_preview"], size="2", weight="medium"),
                        # As the recipient saw it; an empty sandbox: no scripts, no forms, no navigation.
                        rx.el.iframe(src_doc=d.html, sandbox="", title=T["outbox.html_preview"],
                                     data_testid="message-html",
                                     style={"width": "100%", "height": "24rem", "border": styles.BORDER,
                                            "border_radius": "6px", "background": "white"}),
                        spacing="1",
                        width="100%",
                    ),
                ),
                rx.cond(
                    d.text != "",
                    rx.vstack(
                        rx.text(rx.cond(d.html != "", T["outbox.text_version"], T["communication.text"]), size="2",
                                weight="medium"),
                        rx.el.pre(d.text, style=PRE_STYLE, tab_index=0, aria_label=T["communication.text"],
                                  data_testid="message-text"),
                        spacing="1",
                        width="100%",
                    ),
                ),
                spacing="2",
                width="100%",
                margin_top="0.75rem",
            ),
            rx.flex(
                rx.dialog.close(rx.button(T["communication.close"], variant="soft", color_scheme="gray",
                                          id="message-close")),
                justify="end",
                margin_top="1rem",
            ),
            max_width="48rem",
            data_testid="message-dialog",
        ),
        open=S.detail_open,
        on_open_change=S.set_detail_open,
    )


def messages_tab() -> rx.Component:
    return rx.vstack(
        filters(),
        error_message(S.error_key),
        rx.cond(
            S.loaded & (S.rows.length() == 0) & (S.error_key == ""),
            rx.callout.root(
                rx.callout.icon(rx.icon("inbox", size=18)),
                rx.callout.text(rx.cond(S.has_filters, T["communication.empty_filtered"], T["communication.empty"])),
                color_scheme="gray",
                data_testid="messages-empty",
            ),
        ),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(
                messages_table(),
                pager(S.page, S.pages, S.total, S.previous_page, S.next_page, "messages", "communication.messages"),
                spacing="3",
                width="100%",
            ),
        ),
        message_dialog(),
        spacing="4",
        width="100%",
    )


# ----- group e-mails ---------------------------------------------------------------------------------------------


def _group_row(row: rx.Var[GroupEmailRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.date, white_space="nowrap")),
        rx.table.cell(rx.cond(row.href != "", rx.link(row.projectName, href=row.href), rx.text("–"))),
        rx.table.row_header_cell(
            rx.el.details(
                rx.el.summary(row.subject, style={"cursor": "pointer", "font_weight": "500"}),
                rx.el.pre(row.message, style={**PRE_STYLE, "margin_top": "0.5rem"}),
            ),
        ),
        rx.table.cell(row.recipientCount),
        rx.table.cell(
            rx.hstack(
                rx.badge(T["communication.group_sent"], " ", row.sent, color_scheme="green"),
                rx.cond(row.failed > 0, rx.badge(T["communication.group_failed"], " ", row.failed,
                                                 color_scheme="red")),
                rx.cond(row.pending > 0, rx.badge(T["msg_status.queued"], " ", row.pending,
                                                  color_scheme="amber")),
                spacing="1",
                wrap="wrap",
            ),
        ),
        data_testid="group-row",
    )


def group_tab() -> rx.Component:
    return rx.vstack(
        rx.box(
            labelled(
                "group-project", "communication.project",
                rx.select.root(
                    rx.select.trigger(id="group-project", width="100%"),
                    rx.select.content(rx.select.item(T["listing.all_projects"], value=ALL),
                                      rx.foreach(S.projects, _project_item)),
                    value=S.group_project,
                    on_change=S.set_group_project,
                ),
            ),
            width=["100%", "20rem"],
        ),
        error_message(S.group_error_key),
        rx.cond(
            S.group_loaded & (S.group_rows.length() == 0) & (S.group_error_key == ""),
            rx.callout.root(
                rx.callout.icon(rx.icon("mail", size=18)),
                rx.callout.text(T["communication.group_empty"], " ",
                                rx.link(T["communication.group_write"], href=routes.GROUP_EMAIL)),
                color_scheme="gray",
                data_testid="group-empty",
            ),
        ),
        rx.cond(
            S.group_rows.length() > 0,
            data_table(("communication.when", "communication.project", "communication.subject",
                        "communication.recipients", "communication.status"), S.group_rows, _group_row),
        ),
        spacing="4",
        width="100%",
    )


def communication_content() -> rx.Component:
    return rx.vstack(
        rx.heading(T["communication.title"], as_="h1", size="7"),
        rx.text(T["communication.intro"], color_scheme="gray", size="2"),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger(T["communication.tab_messages"], value="messages", id="tab-messages"),
                rx.tabs.trigger(T["communication.tab_group"], value="group", id="tab-group"),
            ),
            rx.tabs.content(messages_tab(), value="messages", padding_top="1rem"),
            rx.tabs.content(group_tab(), value="group", padding_top="1rem"),
            value=S.tab,
            on_change=S.set_tab,
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def communication_page() -> rx.Component:
    return staff_page(communication_content(), active_route=routes.COMMUNICATION)
