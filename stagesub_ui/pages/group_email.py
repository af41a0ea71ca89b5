"""``/group-email``: e-mail a project's accepted musicians (all, or chosen instruments and positions), with
attachments, a confirmation above five recipients, a progress bar while the outbox delivers, and the history."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, message
from state.communication import GroupEmailRow
from state.group_email import FileOption, FilterOption, GroupEmailState, ProjectOption, RecipientRow
from state.session import SessionState

T = SessionState.t
S = GroupEmailState

SECTION_HEADING = {"as_": "h2", "size": "5"}


def _field_error(field: str) -> rx.Component:
    return rx.cond(
        S.field_errors.contains(field),
        rx.text(T[S.field_errors[field]], id=f"group-email-{field}-error", role="alert",
                style=styles.ERROR_TEXT_STYLE),
    )


# ----- project and recipients ------------------------------------------------------------------------------------


def _project_item(option: rx.Var[ProjectOption]) -> rx.Component:
    return rx.select.item(option.label, value=option.projectId)


def project_select() -> rx.Component:
    return rx.box(
        rx.el.label(T["group_email.project"], html_for="group-email-project", style=styles.LABEL_STYLE),
        rx.cond(
            S.projects.length() > 0,
            rx.select.root(
                rx.select.trigger(id="group-email-project", placeholder=T["group_email.choose_project"],
                                  width="100%"),
                rx.select.content(rx.foreach(S.projects, _project_item)),
                value=S.project_id,
                on_change=S.choose_project,
            ),
            rx.text(T["group_email.no_projects"], color_scheme="gray", size="2"),
        ),
        width="100%",
        max_width="32rem",
    )


def _checkbox(option: rx.Var[FilterOption], chosen: rx.Var, handler) -> rx.Component:
    return rx.checkbox(
        option.label,
        checked=chosen.contains(option.value),
        on_change=lambda checked: handler(option.value, checked),
        size="2",
    )


def filters() -> rx.Component:
    return rx.vstack(
        rx.radio_group.root(
            rx.vstack(
                rx.radio_group.item(T["group_email.mode_all"], value="all"),
                rx.radio_group.item(T["group_email.mode_chosen"], value="chosen"),
                spacing="2",
            ),
            value=S.mode,
            on_change=S.set_mode,
            aria_label=T["group_email.recipients"],
        ),
        rx.cond(
            S.mode == "chosen",
            rx.grid(
                rx.el.fieldset(
                    rx.el.legend(T["group_email.instruments"], style=styles.LABEL_STYLE),
                    rx.vstack(rx.foreach(S.instrument_options,
                                         lambda o: _checkbox(o, S.chosen_instruments, S.toggle_instrument)),
                              spacing="1"),
                    style={"border": "none", "padding": "0", "margin": "0"},
                ),
                rx.el.fieldset(
                    rx.el.legend(T["group_email.positions"], style=styles.LABEL_STYLE),
                    rx.vstack(rx.foreach(S.position_options,
                                         lambda o: _checkbox(o, S.chosen_positions, S.toggle_position)),
                              spacing="1"),
                    style={"border": "none", "padding": "0", "margin": "0"},
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _recipient_row(row: rx.Var[RecipientRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.name),
        rx.table.cell(row.accepted),
        rx.table.cell(row.email, color_scheme="gray"),
    )


def recipient_list() -> rx.Component:
    return rx.vstack(
        rx.heading(T["group_email.recipients"], " (", S.recipient_count, ")", as_="h3", size="3",
                   id="group-email-recipients"),
        rx.cond(
            S.recipient_count > 0,
            rx.box(
                rx.table.root(
                    rx.table.body(rx.foreach(S.recipients, _recipient_row)),
                    size="1",
                    variant="ghost",
                    width="100%",
                ),
                max_height="20rem",
                overflow_y="auto",
                width="100%",
                data_testid="recipient-list",
            ),
            rx.text(T["group_email.no_recipients"], color_scheme="gray", size="2"),
        ),
        spacing="2",
        width="100%",
    )


# ----- composer -------------------------------------------------------------------------------------------------


def _file_item(item: rx.Var[FileOption]) -> rx.Component:
    return rx.checkbox(
        rx.text(item.name, " (", item.size, ")", as_="span"),
        checked=S.chosen_files.contains(item.storageId),
        on_change=lambda checked: S.toggle_file(item.storageId, checked),
        size="2",
    )


def send_button() -> rx.Component:
    button_props = {"disabled": S.sending | (S.recipient_count == 0), "loading": S.sending}
    return rx.cond(
        S.needs_confirmation,
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(
                rx.button(rx.icon("send", size=16), T["group_email.send"], id="group-email-send", **button_props),
            ),
            rx.alert_dialog.content(
                rx.alert_dialog.title(T["group_email.confirm_title"]),
                rx.alert_dialog.description(T["group_email.confirm_text"], " ", S.recipient_count, size="2"),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                    rx.alert_dialog.action(
                        rx.button(T["group_email.confirm_button"], id="group-email-confirm", on_click=S.send),
                    ),
                    spacing="3",
                    justify="end",
                    margin_top="1rem",
                ),
                max_width="30rem",
            ),
        ),
        rx.button(rx.icon("send", size=16), T["group_email.send"], id="group-email-send", on_click=S.send,
                  **button_props),
    )


def composer() -> rx.Component:
    return rx.vstack(
        rx.box(
            rx.el.label(T["group_email.subject"], html_for="group-email-subject", style=styles.LABEL_STYLE),
            rx.input(id="group-email-subject", value=S.subject, on_change=S.set_subject, max_length=200,
                     width="100%"),
            _field_error("subject"),
            width="100%",
        ),
        rx.box(
            rx.el.label(T["group_email.message"], html_for="group-email-message", style=styles.LABEL_STYLE),
            rx.text_area(id="group-email-message", value=S.message, on_change=S.set_message, rows="10",
                         max_length=20000, width="100%", aria_describedby="group-email-counter"),
            rx.text(S.message_length, " ", T["group_email.characters"], id="group-email-counter", size="1",
                    color_scheme="gray", aria_live="polite"),
            _field_error("message"),
            width="100%",
        ),
        rx.el.fieldset(
            rx.el.legend(T["group_email.attachments"], style=styles.LABEL_STYLE),
            rx.cond(
                S.files.length() > 0,
                rx.vstack(rx.foreach(S.files, _file_item), spacing="1"),
                rx.text(T["group_email.no_files"], size="2", color_scheme="gray"),
            ),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        send_button(),
        spacing="3",
        width="100%",
        max_width="48rem",
    )


def progress_panel() -> rx.Component:
    counts = rx.text(
        T["group_email.sent"], ": ", S.progress_sent, " · ", T["group_email.failed"], ": ", S.progress_failed,
        " · ", T["group_email.pending"], ": ", S.progress_pending, size="2",
    )
    return rx.fragment(
        rx.cond(
            S.sending & (S.progress_total > 0),
            rx.vstack(
                rx.text(T["group_email.sending"], " ", S.progress_handled, " ", T["group_email.of"], " ",
                        S.progress_total, size="2"),
                rx.progress(value=S.progress_handled, max=S.progress_total, width="100%", max_width="32rem",
                            aria_label=T["group_email.sending"]),
                counts,
                role="status",
                spacing="1",
                width="100%",
                data_testid="group-email-progress",
            ),
        ),
        rx.cond(
            S.progress_done,
            message(rx.text(T["group_email.done"], " ", T["group_email.sent"], ": ", S.progress_sent, " · ",
                            T["group_email.failed"], ": ", S.progress_failed),
                    color=rx.cond(S.progress_failed > 0, "orange", "green"), icon="circle-check",
                    id="group-email-result"),
        ),
        rx.cond(S.progress_gave_up, message(T["group_email.still_sending"], color="blue", icon="info")),
        rx.cond(
            S.sms_count > 0,
            rx.text(T["group_email.sms_sent"], " ", S.sms_count, size="2", color_scheme="gray"),
        ),
        rx.cond(
            S.sms_skipped.length() > 0,
            rx.text(T["group_email.sms_skipped"], " ", S.sms_skipped.join(", "), size="2", color_scheme="orange"),
        ),
    )


# ----- history --------------------------------------------------------------------------------------------------


def _history_row(row: rx.Var[GroupEmailRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.date, white_space="nowrap"),
        rx.table.cell(row.projectName),
        rx.table.cell(
            rx.el.details(
                rx.el.summary(row.subject, style={"cursor": "pointer"}, title=T["group_email.show_message"]),
                rx.text(row.message, size="2", white_space="pre-wrap", margin_top="0.5rem"),
            ),
        ),
        rx.table.cell(row.recipientCount, text_align="right"),
        rx.table.cell(
            rx.hstack(
                rx.badge(T["group_email.sent"], " ", row.sent, color_scheme="green"),
                rx.cond(row.failed > 0, rx.badge(T["group_email.failed"], " ", row.failed, color_scheme="red")),
                rx.cond(row.pending > 0, rx.badge(T["group_email.pending"], " ", row.pending, color_scheme="gray")),
                spacing="1",
                wrap="wrap",
            ),
        ),
    )


def history_section() -> rx.Component:
    return rx.el.section(
        rx.heading(T["group_email.history"], id="group-email-history", **SECTION_HEADING),
        rx.cond(
            S.history.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell(T["group_email.date"]),
                        rx.table.column_header_cell(T["group_email.project"]),
                        rx.table.column_header_cell(T["group_email.subject"]),
                        rx.table.column_header_cell(T["group_email.recipients"], text_align="right"),
                        rx.table.column_header_cell(T["group_email.status"]),
                    ),
                ),
                rx.table.body(rx.foreach(S.history, _history_row)),
                size="1",
                width="100%",
                data_testid="group-email-history-table",
            ),
            rx.text(T["group_email.history_empty"], color_scheme="gray", size="2"),
        ),
        aria_labelledby="group-email-history",
        style={"width": "100%", "display": "flex", "flex_direction": "column", "gap": "0.75rem"},
    )


def group_email_content() -> rx.Component:
    return rx.vstack(
        rx.heading(T["group_email.title"], as_="h1", size="7"),
        rx.text(T["group_email.intro"], color_scheme="gray", size="2"),
        error_message(S.error_key, id="group-email-error"),
        project_select(),
        rx.cond(
            S.project_id != "",
            rx.card(
                rx.vstack(
                    filters(),
                    recipient_list(),
                    composer(),
                    progress_panel(),
                    spacing="4",
                    width="100%",
                ),
                width="100%",
            ),
        ),
        history_section(),
        spacing="4",
        width="100%",
    )


def group_email_page() -> rx.Component:
    return staff_page(group_email_content(), active_route=routes.GROUP_EMAIL)
