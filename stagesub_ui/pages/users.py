"""``/users`` (admins): the orchestra's accounts. Create an admin or user (the generated password is shown once),
change roles, deactivate and reactivate, give a new password. The admin's own row has no buttons."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message, ok_message
from state.session import SessionState
from state.users import UserRow, UsersState

T = SessionState.t
S = UsersState


def role_badge(role: rx.Var[str]) -> rx.Component:
    return rx.match(
        role,
        ("admin", rx.badge(T["role.admin"], color_scheme="indigo")),
        ("user", rx.badge(T["role.user"], color_scheme="gray")),
        rx.badge(role),
    )


def state_badge(row: rx.Var[UserRow]) -> rx.Component:
    return rx.cond(
        row.isArchived,
        rx.badge(T["users.archived"], color_scheme="orange"),
        rx.cond(row.active, rx.badge(T["users.active"], color_scheme="green"),
                rx.badge(T["users.inactive"], color_scheme="red")),
    )


def _action(label_key: str, action: str, row: rx.Var[UserRow], icon: str, color: str = "gray") -> rx.Component:
    return rx.button(
        rx.icon(icon, size=14, aria_hidden="true"),
        T[label_key],
        size="1",
        variant="soft",
        color_scheme=color,
        disabled=S.busy,
        on_click=S.ask(action, row.id),
        aria_label=T[label_key] + ": " + row.username,
    )


def _actions(row: rx.Var[UserRow]) -> rx.Component:
    return rx.cond(
        row.isSelf,
        rx.text(T["users.you"], size="1", color_scheme="gray"),
        rx.cond(
            row.isArchived,
            rx.text(T["users.archived_help"], size="1", color_scheme="gray"),
            rx.hstack(
                rx.cond(row.role == "admin",
                        _action("users.make_user", "make_user", row, "user"),
                        _action("users.make_admin", "make_admin", row, "shield")),
                rx.cond(row.active,
                        _action("users.deactivate", "deactivate", row, "user-x", "red"),
                        _action("users.reactivate", "reactivate", row, "user-check", "green")),
                rx.cond(row.active, _action("users.reset_password", "reset_password", row, "key-round")),
                spacing="2",
                wrap="wrap",
            ),
        ),
    )


def _user_row(row: rx.Var[UserRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.username, weight="medium")),
        rx.table.cell(row.email),
        rx.table.cell(role_badge(row.role)),
        rx.table.cell(state_badge(row)),
        rx.table.cell(rx.cond(row.lastLogin != "", rx.text(row.lastLogin, white_space="nowrap"),
                              rx.text(T["users.never"], color_scheme="gray"))),
        rx.table.cell(_actions(row)),
        data_testid="user-row",
    )


def users_table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(T[key]) for key in (
                "users.username", "users.email", "users.role", "users.state", "users.last_login", "users.actions")])),
            rx.table.body(rx.foreach(S.users, _user_row)),
            variant="surface",
            size="2",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def _field_error(field: str) -> rx.Component:
    return rx.cond(
        S.field_errors.contains(field),
        rx.text(T[S.field_errors[field]], id=f"new-user-{field}-error", role="alert", style=styles.ERROR_TEXT_STYLE),
    )


def _text_input(field: str, label_key: str, input_type: str, autocomplete: str) -> rx.Component:
    field_id = f"new-user-{field}"
    return rx.box(
        rx.el.label(T[label_key], html_for=field_id, style=styles.LABEL_STYLE),
        rx.input(id=field_id, name=field, type=input_type, value=S.form[field], auto_complete=autocomplete,
                 required=True,
                 on_change=lambda value: S.set_form_field(field, value),
                 aria_invalid=rx.cond(S.field_errors.contains(field), "true", "false"),
                 aria_describedby=f"{field_id}-error", width="100%"),
        _field_error(field),
        width="100%",
    )


def create_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["users.create_heading"], as_="h2", size="4"),
                rx.text(T["users.create_help"], size="2", color_scheme="gray"),
                rx.grid(
                    _text_input("username", "users.username", "text", "off"),
                    _text_input("email", "users.email", "email", "off"),
                    rx.box(
                        rx.el.label(T["users.role"], html_for="new-user-role", style=styles.LABEL_STYLE),
                        rx.select.root(
                            rx.select.trigger(id="new-user-role", width="100%"),
                            rx.select.content(
                                rx.select.item(T["role.user"], value="user"),
                                rx.select.item(T["role.admin"], value="admin"),
                            ),
                            value=S.form["role"],
                            on_change=lambda value: S.set_form_field("role", value),
                        ),
                        _field_error("role"),
                        width="100%",
                    ),
                    columns=rx.breakpoints(initial="1", md="3"),
                    spacing="3",
                    width="100%",
                ),
                rx.button(rx.icon("user-plus", size=16), T["users.create"], type="submit", loading=S.busy,
                          id="create-user"),
                spacing="3",
                width="100%",
            ),
            on_submit=S.create_user,
            reset_on_submit=False,
            width="100%",
        ),
        width="100%",
    )


def password_notice() -> rx.Component:
    return rx.cond(
        S.new_password != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round", size=18)),
            rx.callout.text(
                rx.text(T["users.password_for"], " ", rx.text(S.new_password_user, as_="span", weight="bold"), ":",
                        as_="span"),
                " ",
                rx.code(S.new_password, id="new-password", size="3", variant="outline"),
                rx.el.br(),
                rx.text(T["users.password_once"], size="2", as_="span"),
                rx.el.br(),
                rx.button(T["users.password_noted"], size="1", variant="soft", on_click=S.dismiss_password,
                          margin_top="0.5rem", id="password-noted"),
            ),
            color_scheme="green",
            role="status",
            data_testid="password-notice",
        ),
    )


def confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.match(
                S.confirm_action,
                ("make_user", T["users.confirm_make_user"]),
                ("deactivate", T["users.confirm_deactivate"]),
                ("reset_password", T["users.confirm_reset"]),
                "",
            )),
            rx.alert_dialog.description(
                rx.text(S.confirm_username, weight="bold", as_="span"), ": ",
                rx.match(
                    S.confirm_action,
                    ("make_user", T["users.confirm_make_user_text"]),
                    ("deactivate", T["users.confirm_deactivate_text"]),
                    ("reset_password", T["users.confirm_reset_text"]),
                    "",
                ),
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(T["common.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(T["users.confirm"], color_scheme="red", on_click=S.confirm,
                                                 id="confirm-user-action")),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
        ),
        open=S.confirm_open,
        on_open_change=S.set_confirm_open,
    )


def users_content() -> rx.Component:
    return rx.vstack(
        rx.heading(T["users.title"], as_="h1", size="7"),
        rx.text(T["users.intro"], color_scheme="gray", size="2"),
        error_message(S.error_key, id="users-error"),
        ok_message(S.ok_key, id="users-ok"),
        password_notice(),
        rx.cond(
            S.loaded & (S.users.length() == 0),
            rx.callout.root(rx.callout.icon(rx.icon("users", size=18)), rx.callout.text(T["users.empty"]),
                            color_scheme="gray"),
        ),
        rx.cond(S.users.length() > 0, users_table()),
        create_form(),
        confirm_dialog(),
        spacing="4",
        width="100%",
    )


def users_page() -> rx.Component:
    return staff_page(users_content(), active_route=routes.USERS)
