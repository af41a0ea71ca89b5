"""``/templates`` (admins): the e-mail templates per type and language, an editor with variable chips, a
preview with sample data (the HTML in a sandboxed iframe, and the plain text) and a test send to oneself."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, message
from state.session import SessionState
from state.templates import BODY_ID, SUBJECT_ID, LanguageRow, TemplateGroup, TemplatesState

T = SessionState.t
S = TemplatesState

TYPE_COLORS: dict[str, str] = {
    "request": "blue",
    "reminder": "amber",
    "confirmation": "green",
    "position_filled": "purple",
    "group_email": "gray",
}

MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"

TEXT_STYLE = {
    "white_space": "pre-wrap",
    "word_break": "break-word",
    "font_family": MONO,
    "font_size": "0.8125rem",
    "line_height": "1.5",
    "margin": "0",
    "width": "100%",
    "box_sizing": "border-box",
    "padding": "0.75rem",
    "background": rx.color("gray", 2),
    "border": styles.BORDER,
    "border_radius": "var(--radius-2)",
    "max_height": "32rem",
    "overflow": "auto",
}

FRAME_STYLE = {
    "width": "100%",
    "height": "34rem",
    "border": styles.BORDER,
    "border_radius": "var(--radius-2)",
    "background": "#f4f4f5",
}


def type_badge(base: rx.Var[str]) -> rx.Component:
    return rx.match(
        base,
        *[(key, rx.badge(T[f"templates.type.{key}"], color_scheme=color, variant="soft", size="2"))
          for key, color in TYPE_COLORS.items()],
        rx.badge(base),
    )


def language_name(language: rx.Var[str]) -> rx.Component:
    return rx.match(language, ("en", T["templates.language.en"]), T["templates.language.sv"])


# ----- the list -----------------------------------------------------------------------------------------------


def language_row(row: rx.Var[LanguageRow]) -> rx.Component:
    selected = S.selected_type == row.type
    return rx.hstack(
        rx.badge(row.language.upper(), variant="outline", color_scheme="gray", title=language_name(row.language)),
        rx.cond(
            row.exists,
            rx.text(row.subject, size="2", trim="both", style={"overflow": "hidden", "text_overflow": "ellipsis",
                                                                 "white_space": "nowrap", "flex": "1",
                                                                 "min_width": "0"}),
            rx.box(rx.badge(rx.icon("circle-alert", size=12), T["templates.missing"], color_scheme="red",
                            variant="soft"), flex="1"),
        ),
        rx.button(
            rx.cond(row.exists, T["templates.edit"], T["templates.create"]),
            size="1",
            variant=rx.cond(selected, "solid", "soft"),
            on_click=S.select_template(row.type),
            aria_pressed=rx.cond(selected, "true", "false"),
            data_testid=f"open-template-{row.type}",
        ),
        align="center",
        spacing="2",
        width="100%",
        data_testid="template-language",
    )


def group_card(group: rx.Var[TemplateGroup]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                type_badge(group.baseType),
                rx.spacer(),
                rx.cond(group.missing > 0,
                        rx.text(group.missing, " ", T["templates.missing_count"], size="1", color_scheme="red")),
                align="center",
                width="100%",
            ),
            rx.foreach(group.languages, language_row),
            spacing="2",
            width="100%",
        ),
        size="1",
        width="100%",
        data_testid="template-group",
    )


def template_list() -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading(T["templates.list_heading"], as_="h2", size="4", id="template-list-heading"),
            rx.foreach(S.groups, group_card),
            spacing="3",
            width="100%",
        ),
        aria_labelledby="template-list-heading",
    )


# ----- the editor ---------------------------------------------------------------------------------------------


def field_error(text: rx.Var[str], field_id: str) -> rx.Component:
    return rx.cond(
        text != "",
        rx.text(rx.icon("circle-alert", size=14, aria_hidden="true"), " ", text, id=f"{field_id}-error",
                role="alert", style=styles.ERROR_TEXT_STYLE, display="flex", gap="0.25rem", align_items="start"),
    )


def variable_chip(name: rx.Var[str]) -> rx.Component:
    return rx.button(
        "{{", name, "}}",
        type="button",
        size="1",
        variant="soft",
        color_scheme="gray",
        font_family=MONO,
        on_click=S.insert_variable(name),
        title=T["templates.insert"],
        data_testid="variable-chip",
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), T["templates.delete"], variant="soft", color_scheme="red",
                      id="delete-template", loading=S.busy == "delete", disabled=S.busy != ""),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["templates.delete_title"]),
            rx.alert_dialog.description(T["templates.delete_text"], size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(T["templates.delete"], color_scheme="red", id="confirm-delete", on_click=S.delete),
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="30rem",
        ),
    )


def editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(T["templates.editor_heading"], as_="h2", size="4", id="editor-heading"),
                type_badge(S.selected_base),
                rx.badge(language_name(S.selected_language), variant="outline", color_scheme="gray"),
                rx.cond(~S.exists, rx.badge(T["templates.missing"], color_scheme="red", variant="soft")),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(~S.exists, message(T["templates.new_hint"], color="blue", icon="info")),
            rx.box(
                rx.el.label(T["templates.subject"], html_for=SUBJECT_ID, style=styles.LABEL_STYLE),
                rx.input(
                    id=SUBJECT_ID,
                    value=S.subject,
                    on_change=S.set_subject,
                    on_focus=S.insert_into("subject"),
                    max_length=200,
                    size="3",
                    width="100%",
                    aria_invalid=rx.cond(S.subject_error != "", "true", "false"),
                    aria_describedby=f"{SUBJECT_ID}-error",
                ),
                field_error(S.subject_error, SUBJECT_ID),
                width="100%",
            ),
            rx.box(
                rx.el.label(T["templates.body"], html_for=BODY_ID, style=styles.LABEL_STYLE),
                rx.text_area(
                    id=BODY_ID,
                    value=S.body,
                    on_change=S.set_body,
                    on_focus=S.insert_into("body"),
                    rows="16",
                    width="100%",
                    font_family=MONO,
                    aria_invalid=rx.cond(S.body_error != "", "true", "false"),
                    aria_describedby=f"{BODY_ID}-error {BODY_ID}-hint",
                ),
                field_error(S.body_error, BODY_ID),
                rx.text(T["templates.body_hint"], id=f"{BODY_ID}-hint", size="1", color_scheme="gray"),
                width="100%",
            ),
            rx.box(
                rx.text(T["templates.variables"], weight="medium", size="2", id="variables-heading"),
                rx.text(T["templates.variables_hint"], size="1", color_scheme="gray"),
                rx.flex(rx.foreach(S.variables, variable_chip), wrap="wrap", gap="0.375rem", margin_top="0.5rem",
                        role="group", aria_labelledby="variables-heading"),
                width="100%",
            ),
            rx.hstack(
                rx.button(rx.icon("save", size=16), T["templates.save"], id="save-template", on_click=S.save,
                          loading=S.busy == "save", disabled=S.busy != ""),
                rx.button(rx.icon("eye", size=16), T["templates.preview"], id="preview-template", variant="soft",
                          on_click=S.refresh_preview, loading=S.busy == "preview", disabled=S.busy != ""),
                rx.button(rx.icon("send", size=16), T["templates.send_test"], id="send-test", variant="soft",
                          on_click=S.send_test, loading=S.busy == "test", disabled=S.busy != ""),
                rx.cond(S.exists & ~S.required, delete_dialog()),
                spacing="3",
                wrap="wrap",
            ),
            rx.cond(S.test_address != "",
                    rx.text(T["templates.test_to"], " ", S.test_address, size="1", color_scheme="gray")),
            rx.cond(S.required, rx.text(T["templates.required_hint"], size="1", color_scheme="gray")),
            rx.cond(S.ok_text != "", message(S.ok_text, color="green", icon="circle-check", id="template-ok")),
            error_message(S.action_error_key, id="template-error"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        role="region",
        aria_labelledby="editor-heading",
    )


def preview_pane() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["templates.preview_heading"], as_="h2", size="4", id="preview-heading"),
            rx.text(T["templates.preview_intro"], size="2", color_scheme="gray"),
            rx.cond(S.preview_stale, message(T["templates.preview_stale"], color="amber", icon="info")),
            rx.cond(
                S.has_preview,
                rx.vstack(
                    rx.text(rx.text(T["templates.preview_subject"], as_="span", color_scheme="gray"), " ",
                            rx.text(S.preview_subject, as_="span", weight="medium"), size="2",
                            data_testid="preview-subject"),
                    rx.tabs.root(
                        rx.tabs.list(
                            rx.tabs.trigger(T["templates.preview_html"], value="html"),
                            rx.tabs.trigger(T["templates.preview_text"], value="text"),
                        ),
                        rx.tabs.content(
                            # sandbox="": no scripts, no navigation, no forms inside the preview.
                            rx.el.iframe(src_doc=S.preview_html, sandbox="", title=T["templates.preview_frame"],
                                         style=FRAME_STYLE, data_testid="preview-frame"),
                            value="html",
                            padding_top="0.75rem",
                        ),
                        rx.tabs.content(
                            rx.el.pre(S.preview_text, style=TEXT_STYLE, tab_index=0, data_testid="preview-text"),
                            value="text",
                            padding_top="0.75rem",
                        ),
                        default_value="html",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        role="region",
        aria_labelledby="preview-heading",
    )


def templates_content() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(T["templates.title"], as_="h1", size="7"),
            rx.spacer(),
            rx.button(
                rx.icon("file-plus", size=16),
                T["templates.create_defaults"],
                id="create-defaults",
                variant=rx.cond(S.missing_total > 0, "solid", "soft"),
                on_click=S.create_defaults,
                loading=S.busy == "defaults",
                disabled=S.busy != "",
            ),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        rx.text(T["templates.intro"], color_scheme="gray", size="2"),
        error_message(S.error_key),
        rx.grid(
            template_list(),
            rx.vstack(
                rx.cond(S.selected_type != "", editor()),
                rx.cond(S.selected_type != "", preview_pane()),
                spacing="4",
                width="100%",
                min_width="0",
            ),
            grid_template_columns=["1fr", "1fr", "1fr", "minmax(16rem, 22rem) minmax(0, 1fr)"],
            gap="1.5rem",
            width="100%",
            align_items="start",
        ),
        spacing="4",
        width="100%",
    )


def templates_page() -> rx.Component:
    return staff_page(templates_content(), active_route=routes.TEMPLATES)
