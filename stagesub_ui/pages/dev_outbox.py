"""``/dev/outbox`` (dev and test only): the simulated e-mails and SMS, newest first, with working response links,
and a button that runs one scheduler pass now."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.links import VISUALLY_HIDDEN_STYLE, plain_link
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, message
from state.dev_outbox import DevOutboxState, OutboxMessage
from state.session import SessionState

T = SessionState.t
S = DevOutboxState

LINK_STYLE = {
    "color": rx.color(styles.ACCENT, 11),
    "text_decoration": "underline",
    "word_break": "break-all",
    "font_size": "0.875rem",
    "display": "inline-flex",
    "align_items": "center",
    "gap": "0.25rem",
    "border_radius": "var(--radius-1)",
}

BODY_STYLE = {
    "white_space": "pre-wrap",
    "word_break": "break-word",
    "font_family": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    "font_size": "0.8125rem",
    "line_height": "1.5",
    "margin": "0",
    "width": "100%",
    "box_sizing": "border-box",
    "padding": "0.75rem",
    "background": rx.color("gray", 2),
    "border": styles.BORDER,
    "border_radius": "var(--radius-2)",
    "max_height": "22rem",
    "overflow": "auto",
}


def channel_badge(channel: rx.Var[str]) -> rx.Component:
    return rx.match(
        channel,
        ("email", rx.badge(rx.icon("mail", size=12), T["outbox.channel_email"], variant="soft")),
        ("sms", rx.badge(rx.icon("message-square", size=12), T["outbox.channel_sms"], variant="soft",
                         color_scheme="cyan")),
        rx.badge(channel, variant="soft"),
    )


def type_label(message_type: rx.Var[str]) -> rx.Component:
    return rx.match(
        message_type,
        ("request", T["outbox.type_request"]),
        ("reminder", T["outbox.type_reminder"]),
        ("confirmation", T["outbox.type_confirmation"]),
        ("position_filled", T["outbox.type_position_filled"]),
        message_type,
    )


def status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("pending", rx.badge(T["outbox.status_pending"], color_scheme="amber")),
        ("sending", rx.badge(T["outbox.status_sending"], color_scheme="amber")),
        ("simulated", rx.badge(T["outbox.status_simulated"], color_scheme="green")),
        ("sent", rx.badge(T["outbox.status_sent"], color_scheme="green")),
        ("failed", rx.badge(T["outbox.status_failed"], color_scheme="red")),
        rx.badge(status),
    )


def _response_link(url: rx.Var[str]) -> rx.Component:
    return rx.el.li(
        plain_link(
            url,
            rx.icon("external-link", size=14, aria_hidden="true"),
            rx.el.span(" (", T["outbox.new_tab"], ")", style=VISUALLY_HIDDEN_STYLE),
            href=url,
            new_tab=True,
            style=LINK_STYLE,
            data_testid="response-link",
        ),
    )


def _meta(label_key: str, value: rx.Var[str]) -> rx.Component:
    return rx.text(
        rx.text(T[label_key], ": ", as_="span", color_scheme="gray"),
        value,
        size="2",
    )


def message_card(item: rx.Var[OutboxMessage]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                channel_badge(item.channel),
                rx.text(type_label(item.messageType), weight="medium", size="2"),
                status_badge(item.status),
                rx.spacer(),
                rx.text(item.createdAt, size="1", color_scheme="gray", white_space="nowrap"),
                align="center",
                spacing="2",
                wrap="wrap",
                width="100%",
            ),
            _meta("outbox.recipient", item.recipient),
            rx.cond(item.subject != "", rx.heading(item.subject, as_="h2", size="3")),
            rx.cond(item.sentAt != "", _meta("outbox.delivered_at", item.sentAt)),
            rx.cond(item.segments != "", _meta("outbox.segments", item.segments)),
            rx.cond(
                item.html != "",
                # The rendered e-mail as the musician sees it; an empty sandbox: no scripts, no forms, no navigation.
                rx.el.iframe(src_doc=item.html, sandbox="", title=T["outbox.html_preview"],
                             style={"width": "100%", "height": "28rem", "border": "1px solid var(--gray-6)",
                                    "border_radius": "6px", "background": "white"}),
            ),
            rx.cond(item.html != "", rx.text(T["outbox.text_version"], size="2", weight="medium")),
            rx.el.pre(item.body, style=BODY_STYLE, tab_index=0, aria_label=T["outbox.body"]),
            rx.cond(
                item.links.length() > 0,
                rx.box(
                    rx.text(T["outbox.links"], size="2", weight="medium"),
                    rx.el.ul(rx.foreach(item.links, _response_link),
                             style={"margin": "0.25rem 0 0", "padding_left": "1.25rem"}),
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        data_testid="outbox-message",
        width="100%",
    )


def tick_result() -> rx.Component:
    result = S.tick_result
    return rx.cond(
        S.has_tick_result,
        message(
            rx.text(
                T["outbox.tick_done"], " ",
                T["outbox.tick_delivered"], ": ", result.delivered, " · ",
                T["outbox.tick_reminders"], ": ", result.reminders, " · ",
                T["outbox.tick_timeouts"], ": ", result.timeouts, " · ",
                T["outbox.tick_refills"], ": ", result.refills, " · ",
                T["outbox.tick_failed"], ": ", result.failed,
                as_="span",
            ),
            color="green",
            icon="circle-check",
            id="tick-result",
        ),
    )


def dev_outbox_content() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(T["dev_outbox.title"], as_="h1", size="7"),
            rx.badge(T["dev_outbox.dev_only"], color_scheme="orange", variant="outline"),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.text(T["dev_outbox.intro"], color_scheme="gray", size="2"),
        rx.hstack(
            rx.button(
                rx.icon("play", size=16),
                T["outbox.run_scheduler"],
                id="run-scheduler",
                on_click=S.run_scheduler,
                loading=S.running,
            ),
            rx.button(rx.icon("refresh-cw", size=16), T["outbox.refresh"], variant="soft",
                      on_click=S.load_outbox, id="refresh-outbox"),
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(S.running, rx.text(T["outbox.running"], size="2", role="status")),
        tick_result(),
        error_message(S.tick_error_key),
        error_message(S.error_key),
        rx.cond(
            S.loaded & (S.messages.length() == 0) & (S.error_key == ""),
            rx.callout.root(
                rx.callout.icon(rx.icon("inbox", size=18)),
                rx.callout.text(T["outbox.empty"]),
                color_scheme="gray",
                data_testid="outbox-empty",
            ),
        ),
        rx.vstack(rx.foreach(S.messages, message_card), spacing="3", width="100%"),
        spacing="4",
        width="100%",
    )


def dev_outbox_page() -> rx.Component:
    return staff_page(dev_outbox_content(), active_route=routes.DEV_OUTBOX)
