"""``/settings`` (admins): e-mail and SMS providers, quiet hours, reminder percentage and conflict strategy.

Secrets show as "set …ab12" / "not set" with a field to replace them and a button to remove them; the provider
that applies right now (the orchestra's own, the platform's, simulated or broken) is named under each section.
"""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, ok_message
from state.session import SessionState
from state.settings import SettingsState

T = SessionState.t
S = SettingsState

SWITCH_LABELS = (
    ("smsOnRequest", "settings.sms_on_request"),
    ("smsOnReminder", "settings.sms_on_reminder"),
    ("smsOnConfirmation", "settings.sms_on_confirmation"),
    ("smsOnPositionFilled", "settings.sms_on_position_filled"),
    ("smsOnGroupEmail", "settings.sms_on_group_email"),
)


def _field_error(field: str) -> rx.Component:
    return rx.cond(
        S.field_errors.contains(field),
        rx.text(T[S.field_errors[field]], id=f"settings-{field}-error", role="alert", style=styles.ERROR_TEXT_STYLE),
    )


def text_input(field: str, label_key: str, *, input_type: str = "text", placeholder: str = "",
               autocomplete: str = "off", **props) -> rx.Component:
    """A labelled, controlled input with its inline error below."""
    field_id = f"settings-{field}"
    return rx.box(
        rx.el.label(T[label_key], html_for=field_id, style=styles.LABEL_STYLE),
        rx.input(
            id=field_id,
            type=input_type,
            value=S.form[field],
            on_change=lambda value: S.set_field(field, value),
            placeholder=placeholder,
            auto_complete=autocomplete,
            aria_invalid=rx.cond(S.field_errors.contains(field), "true", "false"),
            aria_describedby=f"{field_id}-error",
            width="100%",
            **props,
        ),
        _field_error(field),
        width="100%",
    )


def secret_status(is_set: rx.Var[bool], last4: rx.Var[str], unreadable: rx.Var[bool], field: str,
                  label_key: str, remove_key: str) -> rx.Component:
    """"inställd …ab12" / "ej inställd" and a remove button (never the secret itself)."""
    return rx.hstack(
        rx.text(T[label_key], ": ", weight="medium", size="2"),
        rx.cond(
            unreadable,
            rx.badge(T["settings.secret_unreadable"], color_scheme="orange"),
            rx.cond(
                is_set,
                rx.badge(T["settings.secret_set"], " …", last4, color_scheme="green", data_testid=f"{field}-status"),
                rx.badge(T["settings.secret_not_set"], color_scheme="gray", data_testid=f"{field}-status"),
            ),
        ),
        rx.cond(
            is_set,
            rx.button(rx.icon("trash-2", size=14), T["settings.remove"], size="1", variant="soft", color_scheme="red",
                      type="button", aria_label=T[remove_key], id=f"remove-{field}",
                      on_click=S.remove_secret(field)),
        ),
        align="center",
        spacing="2",
        wrap="wrap",
    )


def provider_status(applies: rx.Var[str], problem: rx.Var[str], test_id: str) -> rx.Component:
    badge = rx.match(
        applies,
        ("orchestra", rx.badge(T["settings.provider_orchestra"], color_scheme="green")),
        ("platform", rx.badge(T["settings.provider_platform"], color_scheme="blue")),
        ("simulated", rx.badge(T["settings.provider_simulated"], color_scheme="orange")),
        ("broken", rx.badge(T["settings.provider_broken"], color_scheme="red")),
        rx.fragment(),
    )
    return rx.vstack(
        rx.hstack(rx.text(T["settings.provider_now"], size="2"), badge, align="center", spacing="2", wrap="wrap"),
        rx.cond(problem != "", rx.text(problem, size="1", color_scheme="red")),
        spacing="1",
        data_testid=test_id,
    )


def _card(heading_key: str, *children: rx.Component, heading_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T[heading_key], as_="h2", size="4", id=heading_id),
            *children,
            spacing="3",
            width="100%",
        ),
        width="100%",
        aria_labelledby=heading_id,
    )


def email_card() -> rx.Component:
    return _card(
        "settings.email_heading",
        provider_status(S.email_applies, S.email_problem, "email-provider"),
        text_input("emailFromAddress", "settings.from_address", input_type="email"),
        text_input("emailFromName", "settings.from_name"),
        text_input("emailReplyTo", "settings.reply_to", input_type="email"),
        secret_status(S.resend_set, S.resend_last4, S.resend_unreadable, "resendApiKey", "settings.resend_key",
                      "settings.remove_resend"),
        text_input("resendApiKey", "settings.resend_new", input_type="password", placeholder="re_…",
                   autocomplete="new-password"),
        heading_id="settings-email",
    )


def _switch(field: str, label_key: str) -> rx.Component:
    switch_id = f"settings-{field}"
    return rx.hstack(
        rx.switch(id=switch_id, checked=S.switches[field], on_change=lambda value: S.set_switch(field, value)),
        rx.el.label(T[label_key], html_for=switch_id, style={"font_size": "0.875rem", "cursor": "pointer"}),
        align="center",
        spacing="2",
    )


def sms_card() -> rx.Component:
    return _card(
        "settings.sms_heading",
        provider_status(S.sms_applies, S.sms_problem, "sms-provider"),
        text_input("twilioAccountSid", "settings.twilio_sid", placeholder="AC…"),
        secret_status(S.token_set, S.token_last4, S.token_unreadable, "twilioAuthToken", "settings.twilio_token",
                      "settings.remove_token"),
        text_input("twilioAuthToken", "settings.twilio_token_new", input_type="password",
                   autocomplete="new-password"),
        text_input("twilioFromNumber", "settings.from_number", input_type="tel", placeholder="+46 70 123 45 67"),
        rx.el.fieldset(
            rx.el.legend(T["settings.sms_when"], style=styles.LABEL_STYLE),
            rx.vstack(*[_switch(field, key) for field, key in SWITCH_LABELS], spacing="2"),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        heading_id="settings-sms",
    )


def quiet_card() -> rx.Component:
    return _card(
        "settings.quiet_heading",
        rx.text(T["settings.quiet_help"], size="2", color_scheme="gray"),
        rx.hstack(
            text_input("quiet_hours_start", "settings.quiet_start", input_type="time"),
            text_input("quiet_hours_end", "settings.quiet_end", input_type="time"),
            spacing="3",
            width="100%",
        ),
        heading_id="settings-quiet",
    )


def engine_card() -> rx.Component:
    strategy_id = "settings-ranking_conflict_strategy"
    return _card(
        "settings.engine_heading",
        text_input("reminder_percentage", "settings.reminder_percentage", input_type="number", min=1, max=99),
        rx.text(T["settings.reminder_help"], size="1", color_scheme="gray"),
        rx.box(
            rx.el.label(T["settings.conflict_strategy"], html_for=strategy_id, style=styles.LABEL_STYLE),
            rx.select.root(
                rx.select.trigger(id=strategy_id, width="100%"),
                rx.select.content(
                    rx.select.item(T["settings.strategy_simple"], value="simple"),
                    rx.select.item(T["settings.strategy_detailed"], value="detailed"),
                    rx.select.item(T["settings.strategy_smart"], value="smart"),
                ),
                value=S.form["ranking_conflict_strategy"],
                on_change=lambda value: S.set_field("ranking_conflict_strategy", value),
            ),
            _field_error("ranking_conflict_strategy"),
            width="100%",
        ),
        heading_id="settings-engine",
    )


def settings_content() -> rx.Component:
    return rx.vstack(
        rx.heading(T["settings.title"], as_="h1", size="7"),
        rx.text(T["settings.intro"], color_scheme="gray", size="2"),
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.grid(
                    email_card(),
                    sms_card(),
                    quiet_card(),
                    engine_card(),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    spacing="4",
                    width="100%",
                    align_items="start",
                ),
                rx.hstack(
                    rx.button(rx.icon("save", size=16), T["settings.save"], id="settings-save", on_click=S.save),
                    error_message(S.error_key, id="settings-error"),
                    ok_message(S.ok_key, id="settings-ok"),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="4",
                width="100%",
            ),
            error_message(S.error_key),
        ),
        spacing="4",
        width="100%",
    )


def settings_page() -> rx.Component:
    return staff_page(settings_content(), active_route=routes.SETTINGS)
