"""``/projects/[project_id]``: facts, needs, preview (dry run), send with confirmation, and the live request table."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, message
from stagesub_ui.pages.project_files import files_section
from stagesub_ui.pages.projects import (
    field_error,
    project_dialog,
    project_status_badge,
    required_mark,
    staffing_cell,
)
from state.projects import (
    ListOption,
    NeedFormState,
    NeedRow,
    PositionOption,
    PreviewNeed,
    PreviewPerson,
    ProjectDetailState,
    ProjectFormState,
    RequestRow,
    TimeOption,
)
from state.session import SessionState

T = SessionState.t
S = ProjectDetailState
NF = NeedFormState
SELECT_STYLE = {"height": "2rem", "padding": "0 0.5rem", "border_radius": "6px", "width": "100%",
                "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)}

SECTION_HEADING = {"as_": "h2", "size": "5"}


# ----- small pieces ---------------------------------------------------------------------------------------------


def strategy_name(strategy: rx.Var[str]) -> rx.Component:
    return rx.match(
        strategy,
        ("sequential", T["strategy.sequential"]),
        ("parallel", T["strategy.parallel"]),
        ("first_come", T["strategy.first_come"]),
        strategy,
    )


def strategy_help(strategy: rx.Var[str]) -> rx.Component:
    return rx.match(
        strategy,
        ("sequential", T["strategy_help.sequential"]),
        ("parallel", T["strategy_help.parallel"]),
        ("first_come", T["strategy_help.first_come"]),
        "",
    )


def need_status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("not_started", rx.badge(T["need_status.not_started"], color_scheme="gray")),
        ("in_progress", rx.badge(T["need_status.in_progress"], color_scheme="blue")),
        ("paused", rx.badge(T["need_status.paused"], color_scheme="amber")),
        ("completed", rx.badge(T["need_status.completed"], color_scheme="green")),
        ("cancelled", rx.badge(T["need_status.cancelled"], color_scheme="red", variant="outline")),
        ("archived", rx.badge(T["need_status.archived"], color_scheme="gray", variant="outline")),
        rx.badge(status),
    )


def request_status_badge(row: rx.Var[RequestRow]) -> rx.Component:
    return rx.match(
        row.status,
        ("pending", rx.badge(rx.icon("hourglass", size=12), T["request_status.pending"], color_scheme="amber")),
        ("accepted", rx.badge(rx.icon("check", size=12), T["request_status.accepted"], color_scheme="green")),
        ("declined", rx.badge(rx.icon("x", size=12), T["request_status.declined"], color_scheme="red")),
        ("timed_out", rx.badge(rx.icon("clock", size=12), T["request_status.timed_out"], color_scheme="gray")),
        ("cancelled", rx.cond(
            row.response == "position_filled",
            rx.badge(T["request_status.position_filled"], color_scheme="gray", variant="outline"),
            rx.badge(T["request_status.cancelled"], color_scheme="gray", variant="outline"),
        )),
        rx.badge(row.status),
    )


def reason_text(reason: rx.Var[str]) -> rx.Component:
    return rx.match(
        reason,
        ("already_asked", T["reason.already_asked"]),
        ("inactive", T["reason.inactive"]),
        ("archived", T["reason.archived"]),
        ("not_qualified", T["reason.not_qualified"]),
        ("not_local", T["reason.not_local"]),
        ("blocked_out", T["reason.blocked_out"]),
        ("picked_for_other_need", T["reason.picked_for_other_need"]),
        ("prefers_other_need", T["reason.prefers_other_need"]),
        reason,
    )


def _fact(label_key: str, *value, testid: str | None = None) -> rx.Component:
    return rx.box(
        rx.el.dt(T[label_key], style={"font_size": "0.8125rem", "color": rx.color("gray", 11), "font_weight": "500"}),
        rx.el.dd(*value, style={"margin": "0", "white_space": "pre-line"}, data_testid=testid),
    )


def _optional_fact(label_key: str, value: rx.Var[str]) -> rx.Component:
    return rx.cond(value != "", _fact(label_key, value))


# ----- facts ------------------------------------------------------------------------------------------------------


def facts_card() -> rx.Component:
    project = S.project
    return rx.card(
        rx.el.dl(
            rx.grid(
                _fact("project.start", project.startDate, " ", project.startTime),
                _fact("project.week", project.weekNumber),
                _fact("project.staffing",
                      staffing_cell(project.accepted, project.needed, project.progress, T["project.staffing"]),
                      testid="project-staffing"),
                _fact("project.status", project_status_badge(project.status), testid="project-status"),
                columns=rx.breakpoints(initial="2", md="4"),
                spacing="4",
                width="100%",
            ),
            rx.grid(
                _optional_fact("project.rehearsals", project.rehearsalSchedule),
                _optional_fact("project.concert", project.concertInfo),
                _optional_fact("project.notes", project.notes),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
                margin_top="1rem",
            ),
            style={"margin": "0"},
        ),
        width="100%",
    )


# ----- needs --------------------------------------------------------------------------------------------------------


def _count_cell(value: rx.Var[int]) -> rx.Component:
    return rx.table.cell(value, text_align="center")


def _need_row(need: rx.Var[NeedRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(need.label, weight="medium", min_width="8rem"),
            rx.text(
                rx.cond(need.customListName != "", need.customListName,
                        rx.cond(need.listType != "", T["project.list"] + " " + need.listType, "")),
                rx.cond(need.requireLocalResidence, " · " + T["project.local_only"], ""),
                size="1",
                color_scheme="gray",
            ),
        ),
        rx.table.cell(
            rx.text(strategy_name(need.requestStrategy), size="2", weight="medium"),
            rx.text(strategy_help(need.requestStrategy), size="1", color_scheme="gray"),
            rx.cond(
                (need.requestStrategy == "first_come") & (need.maxRecipients > 0),
                rx.text(T["strategy.max_recipients"], " ", need.maxRecipients, size="1", color_scheme="gray"),
            ),
            rx.text(T["project.response_time"], " ", need.responseTimeHours, " h", size="1", color_scheme="gray"),
            min_width="13rem",
            max_width="22rem",
        ),
        _count_cell(need.quantity),
        _count_cell(need.accepted),
        _count_cell(need.pending),
        _count_cell(need.declined),
        _count_cell(need.timedOut),
        rx.table.cell(need_status_badge(need.displayStatus)),
        rx.table.cell(rx.hstack(pause_button(need), edit_need_button(need), cancel_need_dialog(need), spacing="2",
                                wrap="wrap")),
        data_testid="need-row",
    )


def pause_button(need: rx.Var[NeedRow]) -> rx.Component:
    """Pause an active need that is not filled; resume a paused one. Named with the need for screen readers."""
    busy = S.need_busy == need.projectNeedId
    return rx.cond(
        need.status == "paused",
        rx.button(
            rx.icon("play", size=14), T["need.resume"],
            size="1", variant="soft", color_scheme="green",
            aria_label=T["need.resume"] + ": " + need.label,
            loading=busy, disabled=S.need_busy != "",
            on_click=S.set_need_paused(need.projectNeedId, False),
            data_testid="resume-need",
        ),
        rx.cond(
            (need.status == "active") & (need.displayStatus != "completed"),
            rx.button(
                rx.icon("pause", size=14), T["need.pause"],
                size="1", variant="soft", color_scheme="amber",
                aria_label=T["need.pause"] + ": " + need.label,
                loading=busy, disabled=S.need_busy != "",
                on_click=S.set_need_paused(need.projectNeedId, True),
                data_testid="pause-need",
            ),
        ),
    )


def edit_need_button(need: rx.Var[NeedRow]) -> rx.Component:
    return rx.cond(
        (need.status != "cancelled") & (need.status != "archived"),
        rx.button(
            rx.icon("pencil", size=14), T["pe.need.edit"],
            size="1", variant="soft",
            aria_label=T["pe.need.edit"] + ": " + need.label,
            on_click=NF.open_edit(need.projectNeedId),
            data_testid="edit-need",
        ),
    )


def cancel_need_dialog(need: rx.Var[NeedRow]) -> rx.Component:
    """Cancelling is final, so it asks first and says what happens to the requests already sent."""
    return rx.cond(
        (need.status != "cancelled") & (need.status != "archived"),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(
                rx.button(
                    rx.icon("ban", size=14), T["pe.need.cancel"],
                    size="1", variant="soft", color_scheme="red",
                    aria_label=T["pe.need.cancel"] + ": " + need.label,
                    disabled=S.need_busy != "",
                    data_testid="cancel-need",
                ),
            ),
            rx.alert_dialog.content(
                rx.alert_dialog.title(T["pe.need.cancel_title"]),
                rx.alert_dialog.description(need.label, ": ", T["pe.need.cancel_text"], size="2"),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button(T["pe.keep"], variant="soft", color_scheme="gray")),
                    rx.alert_dialog.action(rx.button(T["pe.need.cancel_confirm"], color_scheme="red",
                                                     on_click=S.cancel_need(need.projectNeedId))),
                    spacing="3",
                    justify="end",
                    margin_top="1rem",
                ),
                max_width="30rem",
            ),
        ),
    )


# ----- the need form ---------------------------------------------------------------------------------------------


def _need_field(field: str, label_key: str, control: rx.Component, *, required: bool = False,
                help_text: rx.Component | None = None) -> rx.Component:
    return rx.box(
        rx.el.label(T[label_key], *([required_mark()] if required else []), html_for=f"need-{field}",
                    style=styles.LABEL_STYLE),
        control,
        *([help_text] if help_text is not None else []),
        field_error(NF, field, "need"),
        width="100%",
        min_width="0",
    )


def _position_option(option: rx.Var[PositionOption]) -> rx.Component:
    return rx.el.option(option.label, " (", option.qualified, " ", T["pe.need.qualified"], ")",
                        value=option.positionId)


def _list_option(option: rx.Var[ListOption]) -> rx.Component:
    return rx.el.option(
        rx.cond(option.kind == "custom", option.name, T["project.list"] + " " + option.name),
        " (", option.size, " ", T["pe.need.musicians"], ")",
        value=option.value,
    )


def _time_option(option: rx.Var[TimeOption]) -> rx.Component:
    return rx.el.option(option.label, value=option.value)


def _locked_fact(label_key: str, value) -> rx.Component:
    return rx.box(
        rx.text(T[label_key], style=styles.LABEL_STYLE, as_="p"),
        rx.text(value, size="2"),
    )


def _also_option(option: rx.Var[PositionOption]) -> rx.Component:
    box_id = "also-" + option.positionId
    return rx.el.li(
        rx.el.input(type="checkbox", id=box_id, checked=NF.also_positions.contains(option.positionId),
                    on_change=NF.toggle_also(option.positionId), data_testid="also-position"),
        rx.el.label(option.label, " (", option.qualified, " ", T["pe.need.qualified"], ")", html_for=box_id),
        style={"display": "flex", "gap": "0.5rem", "align_items": "center", "list_style": "none"},
    )


def _also_positions() -> rx.Component:
    """§2.14: add the same need to several positions at once (each from its own list of the chosen type)."""
    return rx.cond(
        NF.position_id != "",
        rx.el.details(
            rx.el.summary(T["pe.need.also_title"], " (", NF.also_count, " ", T["pe.need.also_chosen"], ")",
                          style={"cursor": "pointer", "font_size": "var(--font-size-2)"}, id="also-summary"),
            rx.cond(
                NF.also_options.length() > 0,
                rx.box(
                    rx.text(T["pe.need.also_help"], size="1", color_scheme="gray", as_="p"),
                    rx.hstack(
                        rx.button(T["pe.need.also_all"], type="button", size="1", variant="soft",
                                  on_click=NF.set_all_also(True)),
                        rx.button(T["pe.need.also_none"], type="button", size="1", variant="soft",
                                  color_scheme="gray", on_click=NF.set_all_also(False)),
                        spacing="2", margin_y="0.5rem",
                    ),
                    rx.el.ul(rx.foreach(NF.also_options, _also_option),
                             style={"max_height": "12rem", "overflow_y": "auto", "margin": "0", "padding": "0",
                                    "display": "flex", "flex_direction": "column", "gap": "0.25rem"},
                             aria_label=T["pe.need.also_title"]),
                ),
                rx.text(T["pe.need.also_standard_only"], size="1", color_scheme="gray", as_="p"),
            ),
            width="100%",
        ),
    )


def need_form() -> rx.Component:
    editing = NF.editing_id != ""
    locked = NF.locked
    return rx.form(
        rx.vstack(
            rx.cond(
                editing,
                rx.grid(
                    _locked_fact("pe.need.position", NF.values.label),
                    _locked_fact("pe.need.list", NF.values.listName),
                    columns="2", spacing="3", width="100%",
                ),
                rx.fragment(
                    _need_field("positionId", "pe.need.position", rx.el.select(
                        rx.el.option(T["pe.need.choose_position"], value="", disabled=True),
                        rx.foreach(NF.options, _position_option),
                        id="need-positionId", name="positionId", value=NF.position_id, on_change=NF.set_position,
                        aria_describedby="need-positionId-error", style=SELECT_STYLE,
                    ), required=True),
                    _need_field("list", "pe.need.list", rx.el.select(
                        rx.el.option(T["pe.need.choose_list"], value="", disabled=True),
                        rx.foreach(NF.position_lists, _list_option),
                        id="need-list", name="list", value=NF.list_value, on_change=NF.set_list,
                        disabled=NF.position_id == "",
                        aria_describedby="need-list-error", style=SELECT_STYLE,
                    ), required=True, help_text=rx.cond(
                        (NF.position_id != "") & (NF.position_lists.length() == 0),
                        rx.text(T["pe.need.no_lists"], size="1", color_scheme="amber", as_="p"),
                    )),
                    _also_positions(),
                ),
            ),
            _need_field("requestStrategy", "pe.need.strategy", rx.el.select(
                rx.el.option(T["strategy.sequential"], value="sequential"),
                rx.el.option(T["strategy.parallel"], value="parallel"),
                rx.el.option(T["strategy.first_come"], value="first_come"),
                id="need-requestStrategy", name="requestStrategy", value=NF.strategy, on_change=NF.set_strategy,
                disabled=locked,
                aria_describedby="need-strategy-help", style=SELECT_STYLE,
            ), help_text=rx.text(strategy_help(NF.strategy), id="need-strategy-help", size="1",
                                 color_scheme="gray", as_="p", data_testid="strategy-help")),
            rx.grid(
                _need_field("quantity", "pe.need.quantity", rx.input(
                    id="need-quantity", name="quantity", type="number", min=1, default_value=NF.values.quantity,
                    aria_describedby="need-quantity-error", width="100%",
                ), required=True),
                rx.cond(
                    NF.strategy == "first_come",
                    _need_field("maxRecipients", "pe.need.max_recipients", rx.input(
                        id="need-maxRecipients", name="maxRecipients", type="number", min=1,
                        default_value=NF.values.maxRecipients, disabled=locked,
                        placeholder=T["pe.need.max_recipients_placeholder"],
                        aria_describedby="need-maxRecipients-error", width="100%",
                    )),
                ),
                _need_field("responseTimeHours", "pe.need.response_time", rx.el.select(
                    rx.foreach(NF.time_options, _time_option),
                    id="need-responseTimeHours", name="responseTimeHours", value=NF.response_hours,
                    on_change=NF.set_response_hours,
                    disabled=locked, aria_describedby="need-responseTimeHours-error", style=SELECT_STYLE,
                )),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="3",
                width="100%",
            ),
            rx.cond(
                editing,
                rx.cond(NF.values.requireLocalResidence,
                        rx.text(T["project.local_only"], size="2", color_scheme="gray")),
                rx.checkbox(T["pe.need.require_local"], name="requireLocalResidence", id="need-local"),
            ),
            rx.cond(
                editing,
                rx.callout.root(
                    rx.callout.icon(rx.icon("lock", size=16)),
                    rx.callout.text(rx.cond(locked, T["pe.need.locked_after_sending"], T["pe.need.locked_always"])),
                    color_scheme="gray", size="1", data_testid="need-locked-note",
                ),
            ),
            rx.cond(NF.error_position != "",
                    rx.text(T["pe.need.also_failed"], " ", NF.error_position, size="2", color_scheme="red",
                            as_="p", data_testid="need-failed-position")),
            error_message(NF.error_key, id="need-form-error"),
            rx.hstack(
                rx.dialog.close(rx.button(T["common.cancel"], type="button", variant="soft", color_scheme="gray",
                                          disabled=NF.saving)),
                rx.button(rx.cond(editing, T["common.save"], T["pe.need.add"]), type="submit", id="need-save",
                          loading=NF.saving),
                spacing="3",
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=NF.submit,
        no_validate=True,
        key=NF.form_key,
        id="need-form",
        width="100%",
    )


def need_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(NF.editing_id != "", T["pe.need.edit_title"], T["pe.need.new_title"])),
            rx.dialog.description(T["pe.need.form_intro"], size="2", color_scheme="gray", margin_bottom="1rem"),
            need_form(),
            max_width="40rem",
            max_height="90vh",
            overflow_y="auto",
        ),
        open=NF.dialog_open,
        on_open_change=NF.set_dialog_open,
    )


def needs_section() -> rx.Component:
    return rx.el.section(
        rx.hstack(
            rx.heading(T["project.needs_heading"], id="needs-heading", **SECTION_HEADING),
            rx.spacer(),
            # The project's custom ranking lists (their own page), which a need can use instead of A/B/C.
            rx.button(
                rx.link(rx.icon("list-ordered", size=14), T["custom_lists.open_button"],
                        href=f"{routes.PROJECTS}/" + S.project.projectId + "/lists", underline="none",
                        data_testid="custom-lists-link"),
                as_child=True, size="2", variant="soft",
            ),
            rx.button(rx.icon("plus", size=14), T["pe.need.add"], id="add-need", size="2",
                      on_click=NF.open_create),
            align="center",
            spacing="3",
            width="100%",
        ),
        need_dialog(),
        rx.text(T["project.pause_help"], color_scheme="gray", size="2"),
        error_message(S.need_error_key, id="need-error"),
        rx.cond(
            S.needs.length() == 0,
            rx.text(T["project.no_needs"], color_scheme="gray", size="2", data_testid="needs-empty"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(T["project.need"]),
                            rx.table.column_header_cell(T["project.strategy"]),
                            rx.table.column_header_cell(T["project.quantity"], text_align="center"),
                            rx.table.column_header_cell(T["project.accepted"], text_align="center"),
                            rx.table.column_header_cell(T["project.pending"], text_align="center"),
                            rx.table.column_header_cell(T["project.declined"], text_align="center"),
                            rx.table.column_header_cell(T["project.timed_out"], text_align="center"),
                            rx.table.column_header_cell(T["project.status"]),
                            rx.table.column_header_cell(T["project.actions"]),
                        ),
                    ),
                    rx.table.body(rx.foreach(S.needs, _need_row)),
                    variant="surface",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
        ),
        aria_labelledby="needs-heading",
        style={"display": "flex", "flex_direction": "column", "gap": "0.75rem", "width": "100%"},
    )


# ----- preview and send ---------------------------------------------------------------------------------------


def _name_item(person: rx.Var[PreviewPerson]) -> rx.Component:
    return rx.el.li(person.name, rx.text(" (", person.musicianId, ")", as_="span", size="1", color_scheme="gray"))


def _skipped_item(person: rx.Var[PreviewPerson]) -> rx.Component:
    return rx.el.li(
        rx.text(person.name, as_="span", weight="medium"),
        rx.text(" – ", reason_text(person.reason), as_="span", color_scheme="gray"),
        data_testid="skipped-musician",
    )


LIST_STYLE = {"margin": "0.25rem 0 0", "padding_left": "1.5rem", "font_size": "0.875rem", "list_style_type": "disc"}
ORDERED_LIST_STYLE = {**LIST_STYLE, "list_style_type": "decimal"}


def preview_card(need: rx.Var[PreviewNeed]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(need.label, as_="h3", size="3"),
                rx.badge(strategy_name(need.requestStrategy), variant="soft", color_scheme="gray"),
                rx.spacer(),
                rx.text(T["preview.seats"], " ", need.accepted, "/", need.quantity, " · ",
                        T["preview.waiting"], " ", need.pending, size="1", color_scheme="gray"),
                align="center",
                width="100%",
                wrap="wrap",
                spacing="2",
            ),
            rx.box(
                rx.text(T["preview.to_ask"], " (", need.toAsk.length(), ")", weight="medium", size="2"),
                rx.cond(
                    need.toAsk.length() > 0,
                    rx.el.ul(rx.foreach(need.toAsk, _name_item), style=LIST_STYLE, data_testid="preview-to-ask"),
                    rx.text(
                        rx.match(
                            need.idle,
                            ("not_active", T["preview_idle.not_active"]),
                            ("filled", T["preview_idle.filled"]),
                            ("waiting", T["preview_idle.waiting"]),
                            ("no_candidates", T["preview_idle.no_candidates"]),
                            "",
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                width="100%",
            ),
            rx.cond(
                need.nextInQueue.length() > 0,
                rx.box(
                    rx.text(T["preview.next"], weight="medium", size="2"),
                    rx.el.ol(rx.foreach(need.nextInQueue, _name_item), style=ORDERED_LIST_STYLE),
                    width="100%",
                ),
            ),
            rx.cond(
                need.skipped.length() > 0,
                rx.el.details(
                    rx.el.summary(
                        T["preview.skipped"], " (", need.skipped.length(), ")",
                        style={"cursor": "pointer", "font_weight": "500", "font_size": "0.875rem"},
                    ),
                    rx.el.ul(rx.foreach(need.skipped, _skipped_item), style=LIST_STYLE),
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        data_testid="preview-need",
        width="100%",
    )


def send_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("send", size=16),
                T["send.button"],
                id="send-requests",
                disabled=S.sending | (S.needs.length() == 0),
                loading=S.sending,
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["send.confirm_title"]),
            rx.alert_dialog.description(T["send.confirm_text"], size="2"),
            rx.cond(
                S.preview_loaded,
                rx.text(T["send.confirm_count"], " ", S.preview_to_ask_count, size="2", weight="medium",
                        margin_top="0.75rem", as_="p"),
                rx.text(T["send.confirm_no_preview"], size="2", color_scheme="gray", margin_top="0.75rem", as_="p"),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(T["send.confirm_button"], id="confirm-send", on_click=S.send_requests),
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="30rem",
        ),
    )


def send_section() -> rx.Component:
    return rx.el.section(
        rx.heading(T["send.heading"], id="send-heading", **SECTION_HEADING),
        rx.text(T["send.intro"], color_scheme="gray", size="2"),
        rx.hstack(
            rx.button(
                rx.icon("eye", size=16),
                rx.cond(S.preview_loaded, T["preview.refresh"], T["preview.button"]),
                id="preview",
                variant="soft",
                on_click=S.load_preview,
                loading=S.previewing,
                disabled=S.needs.length() == 0,
            ),
            send_dialog(),
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(
            S.sending,
            rx.vstack(
                rx.text(T["send.sending"], size="2"),
                rx.progress(aria_label=T["send.sending"], width="100%", max_width="24rem"),
                role="status",
                spacing="1",
                width="100%",
                data_testid="send-progress",
            ),
        ),
        rx.cond(
            S.send_done,
            rx.cond(
                S.send_count > 0,
                message(rx.text(T["send.result_sent"], " ", S.send_count), color="green", icon="circle-check",
                        id="send-result"),
                message(T["send.result_none"], color="blue", icon="info", id="send-result"),
            ),
        ),
        error_message(S.send_error_key, id="send-error"),
        error_message(S.preview_error_key),
        rx.cond(
            S.preview_loaded,
            rx.vstack(
                rx.heading(T["preview.heading"], as_="h3", size="4", id="preview-heading"),
                rx.cond(
                    S.preview_needs.length() == 0,
                    rx.text(T["project.no_needs"], color_scheme="gray", size="2"),
                ),
                rx.grid(
                    rx.foreach(S.preview_needs, preview_card),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    spacing="3",
                    width="100%",
                ),
                spacing="3",
                width="100%",
                data_testid="preview-section",
            ),
        ),
        aria_labelledby="send-heading",
        style={"display": "flex", "flex_direction": "column", "gap": "0.75rem", "width": "100%"},
    )


# ----- requests (live) ------------------------------------------------------------------------------------------


def _time_cell(value: rx.Var[str]) -> rx.Component:
    return rx.table.cell(rx.cond(value != "", value, "–"), white_space="nowrap")


def _request_row(row: rx.Var[RequestRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(row.musicianName, weight="medium"),
            rx.text(row.musicianId, size="1", color_scheme="gray"),
        ),
        rx.table.cell(row.needLabel),
        rx.table.cell(request_status_badge(row), data_testid="request-status"),
        _time_cell(row.sentAt),
        _time_cell(row.reminderSentAt),
        _time_cell(row.respondedAt),
        _time_cell(row.deadline),
        rx.table.cell(rx.cond(
            row.status == "pending",
            rx.button(T["pe.answer.button"], size="1", variant="soft",
                      aria_label=T["pe.answer.button"] + ": " + row.musicianName,
                      on_click=S.open_answer(row.requestId), data_testid="answer-on-behalf"),
        )),
        data_testid="request-row",
    )


def answer_dialog() -> rx.Component:
    """Staff answer for the musician (phone, in person): a confirmation that says what the answer does."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["pe.answer.title"]),
            rx.alert_dialog.description(T["pe.answer.text"], " ", rx.text(S.answer_musician, as_="span",
                                                                          weight="bold"), size="2"),
            rx.form(
                rx.vstack(
                    rx.el.fieldset(
                        rx.el.legend(T["pe.answer.choice"], style={**styles.LABEL_STYLE, "padding": "0"}),
                        rx.radio_group.root(
                            rx.hstack(
                                rx.radio_group.item(T["pe.answer.accept"], value="accept"),
                                rx.radio_group.item(T["pe.answer.decline"], value="decline"),
                                spacing="4",
                            ),
                            value=S.answer_choice,
                            on_change=S.set_answer_choice,
                        ),
                        style={"border": "none", "padding": "0", "margin": "0"},
                    ),
                    rx.box(
                        rx.el.label(T["pe.answer.note"], html_for="answer-note", style=styles.LABEL_STYLE),
                        rx.text_area(id="answer-note", name="note", rows="2", width="100%",
                                     placeholder=T["pe.answer.note_placeholder"]),
                        width="100%",
                    ),
                    error_message(S.answer_error_key, id="answer-error"),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button(T["common.cancel"], type="button", variant="soft",
                                                         color_scheme="gray", disabled=S.answer_saving)),
                        rx.button(T["pe.answer.save"], type="submit", id="answer-save", loading=S.answer_saving),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.submit_answer,
                key=S.answer_form_key,
                margin_top="1rem",
            ),
            max_width="32rem",
        ),
        open=S.answer_open,
        on_open_change=S.set_answer_open,
    )


def requests_section() -> rx.Component:
    return rx.el.section(
        answer_dialog(),
        rx.hstack(
            rx.heading(T["requests.heading"], id="requests-heading", **SECTION_HEADING),
            rx.spacer(),
            rx.cond(
                S.watching,
                rx.hstack(
                    rx.box(width="0.5rem", height="0.5rem", border_radius="50%", background=rx.color("green", 9),
                           aria_hidden="true"),
                    rx.text(T["requests.live"], size="1", color_scheme="gray"),
                    align="center",
                    spacing="1",
                ),
            ),
            rx.button(rx.icon("refresh-cw", size=14), T["requests.refresh"], size="1", variant="ghost",
                      on_click=S.refresh, id="refresh-requests"),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        rx.cond(
            S.requests.length() == 0,
            rx.text(T["requests.empty"], color_scheme="gray", size="2", data_testid="requests-empty"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(T["requests.musician"]),
                            rx.table.column_header_cell(T["requests.need"]),
                            rx.table.column_header_cell(T["requests.status"]),
                            rx.table.column_header_cell(T["requests.sent"]),
                            rx.table.column_header_cell(T["requests.reminder"]),
                            rx.table.column_header_cell(T["requests.answered"]),
                            rx.table.column_header_cell(T["requests.deadline"]),
                            rx.table.column_header_cell(T["project.actions"]),
                        ),
                    ),
                    rx.table.body(rx.foreach(S.requests, _request_row)),
                    variant="surface",
                    size="1",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
        ),
        aria_labelledby="requests-heading",
        on_mount=S.watch_requests,
        on_unmount=S.stop_watching,
        style={"display": "flex", "flex_direction": "column", "gap": "0.75rem", "width": "100%"},
    )


# ----- the page ---------------------------------------------------------------------------------------------------


def breadcrumb() -> rx.Component:
    return rx.el.nav(
        rx.el.ol(
            rx.el.li(rx.link(T["projects.title"], href=routes.PROJECTS, size="2")),
            rx.el.li(rx.text("/", size="2", color_scheme="gray"), aria_hidden="true"),
            rx.el.li(rx.text(rx.cond(S.not_found, T["project.not_found_title"], S.project.name), size="2",
                             color_scheme="gray"), aria_current="page"),
            style={"display": "flex", "gap": "0.5rem", "list_style": "none", "margin": "0", "padding": "0"},
        ),
        aria_label=T["project.breadcrumb"],
    )


def not_found() -> rx.Component:
    return rx.vstack(
        rx.heading(T["project.not_found_title"], as_="h1", size="7"),
        rx.text(T["project.not_found_text"], color_scheme="gray"),
        rx.link(T["project.back_to_list"], href=routes.PROJECTS),
        spacing="3",
        data_testid="project-not-found",
    )


def delete_project_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=14), T["pe.project.delete"], size="2", variant="soft",
                      color_scheme="red", id="delete-project", disabled=~S.can_delete),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["pe.project.delete_title"]),
            rx.alert_dialog.description(T["pe.project.delete_text"], size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(T["pe.keep"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(T["pe.project.delete_confirm"], color_scheme="red",
                                                 on_click=S.delete_project)),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="30rem",
        ),
    )


def project_actions() -> rx.Component:
    """Edit, group e-mail and delete (only while nothing has been sent: the history must stay)."""
    return rx.vstack(
        rx.hstack(
            rx.button(rx.icon("pencil", size=14), T["pe.project.edit"], size="2", variant="soft", id="edit-project",
                      on_click=ProjectFormState.open_edit(S.project.projectId)),
            rx.link(rx.hstack(rx.icon("mail", size=14), T["pe.project.group_email"], align="center", spacing="1"),
                    href=routes.GROUP_EMAIL, size="2", data_testid="group-email-link"),
            delete_project_dialog(),
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(~S.can_delete, rx.text(T["pe.project.delete_blocked"], size="1", color_scheme="gray")),
        spacing="1",
    )


def project_detail_content() -> rx.Component:
    return rx.vstack(
        breadcrumb(),
        error_message(S.error_key),
        rx.cond(
            S.not_found,
            not_found(),
            rx.cond(
                S.project.projectId != "",
                rx.vstack(
                    rx.hstack(
                        rx.heading(S.project.name, as_="h1", size="7"),
                        rx.code(S.project.projectId, variant="ghost", color_scheme="gray"),
                        align="baseline",
                        spacing="3",
                        wrap="wrap",
                    ),
                    project_actions(),
                    project_dialog(),
                    facts_card(),
                    needs_section(),
                    send_section(),
                    requests_section(),
                    files_section(),
                    spacing="6",
                    width="100%",
                ),
                rx.cond(
                    ~S.loaded,
                    rx.hstack(rx.spinner(), rx.text(T["common.loading"], color_scheme="gray", size="2"),
                              role="status", spacing="2"),
                ),
            ),
        ),
        spacing="4",
        width="100%",
    )


def project_detail_page() -> rx.Component:
    return staff_page(project_detail_content(), active_route=routes.PROJECTS)
