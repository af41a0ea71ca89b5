"""``/account``: the staff member's own account: who they are, change password, choose language."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.header import role_label
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, ok_message, text_field
from state.account import AccountState
from state.session import SessionState

T = SessionState.t


def _fact(label_key: str, value: rx.Var | rx.Component) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(T[label_key]),
        rx.data_list.value(value),
    )


def account_facts() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["account.user"], as_="h2", size="4"),
            rx.data_list.root(
                _fact("account.username", SessionState.user_name),
                _fact("account.email", AccountState.email),
                _fact("account.role", role_label()),
                _fact("account.orchestra", SessionState.orchestra_name),
                _fact("account.session_until", SessionState.session_expires),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
            ),
            spacing="3",
        ),
        width="100%",
    )


def password_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["account.password_heading"], as_="h2", size="4"),
                # For password managers (and Chrome's accessibility check): whose password this is.
                rx.el.input(type="text", name="username", value=SessionState.user_name, auto_complete="username",
                            read_only=True, hidden=True, tab_index=-1, aria_hidden="true"),
                text_field("account-current-password", "current_password", "account.current_password",
                           input_type="password", autocomplete="current-password"),
                text_field("account-new-password", "new_password", "account.new_password",
                           input_type="password", autocomplete="new-password"),
                text_field("account-repeat-password", "repeat_password", "account.repeat_password",
                           input_type="password", autocomplete="new-password"),
                error_message(AccountState.password_error_key, id="password-error"),
                ok_message(AccountState.password_ok_key, id="password-ok"),
                rx.button(T["account.change_password"], type="submit", id="change-password-submit"),
                spacing="3",
                width="100%",
                max_width=styles.FORM_MAX_WIDTH,
            ),
            on_submit=AccountState.change_password,
            reset_on_submit=True,
            id="password-form",
        ),
        width="100%",
    )


def language_choice() -> rx.Component:
    def option(code: str, is_current: rx.Var) -> rx.Component:
        return rx.button(
            T[f"lang.{code}"],
            id=f"account-lang-{code}",
            type="button",
            lang=code,
            aria_pressed=rx.cond(is_current, "true", "false"),
            variant=rx.cond(is_current, "solid", "outline"),
            on_click=AccountState.choose_language(code),
        )

    return rx.card(
        rx.vstack(
            rx.heading(T["account.language_heading"], as_="h2", size="4"),
            rx.text(T["account.language_help"], size="2", color_scheme="gray"),
            rx.hstack(
                option("sv", ~SessionState.lang_is_en),
                option("en", SessionState.lang_is_en),
                role="group",
                aria_label=T["account.language_heading"],
                spacing="2",
            ),
            ok_message(AccountState.language_ok_key, id="language-ok"),
            spacing="3",
        ),
        width="100%",
    )


def account_content() -> rx.Component:
    return rx.vstack(
        rx.heading(T["account.title"], as_="h1", size="7"),
        account_facts(),
        rx.grid(
            password_form(),
            language_choice(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
            align_items="start",
        ),
        spacing="4",
        width="100%",
    )


def account_page() -> rx.Component:
    return staff_page(account_content(), active_route=routes.ACCOUNT)
