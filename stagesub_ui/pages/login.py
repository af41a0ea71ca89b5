"""``/login``: the form is posted with fetch to ``POST /auth/login``, which sets the HttpOnly session cookie.

On success the browser loads the returned page (a full load, so the websocket carries the new cookie); on an
error the translated message from the server is written into ``#login-error`` (role="alert").
"""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.header import language_switch
from stagesub_ui.components.ui import text_field
from state.session import DEFAULT_LOGO, SessionState

LOGIN_JS = """(async () => {
  const form = document.getElementById('login-form');
  const box = document.getElementById('login-error');
  const button = document.getElementById('login-submit');
  if (!form || !box) { return; }
  box.textContent = '';
  document.getElementById('login-failed')?.setAttribute('hidden', '');
  if (button) { button.disabled = true; }
  let message = box.dataset.networkError || 'Error';
  try {
    const r = await fetch('__LOGIN_URL__', {method: 'POST', body: new FormData(form), credentials: 'same-origin',
                                 headers: {'Accept': 'application/json'}});
    let j = null;
    try { j = await r.json(); } catch (e) { j = null; }
    if (r.ok && j && j.redirect) { window.location.assign(j.redirect); return; }
    if (j && j.error && j.error.message) { message = j.error.message; }
  } catch (e) { /* network error: keep the generic message */ }
  box.textContent = message;
  if (button) { button.disabled = false; }
  const password = document.getElementById('login-password');
  if (password) { password.value = ''; password.focus(); }
})()""".replace("__LOGIN_URL__", routes.AUTH_LOGIN)


def login_form() -> rx.Component:
    return rx.el.form(
        rx.vstack(
            text_field("login-username", "username", "login.username", autocomplete="username"),
            text_field("login-password", "password", "login.password", input_type="password",
                       autocomplete="current-password"),
            rx.el.input(type="hidden", name="lang", value=SessionState.lang, read_only=True),
            rx.cond(
                SessionState.login_failed,
                rx.el.p(SessionState.t["login.failed_fallback"], id="login-failed", role="alert",
                        style=styles.ERROR_TEXT_STYLE),
            ),
            rx.el.div(
                id="login-error",
                role="alert",
                aria_live="assertive",
                data_network_error=SessionState.t["login.network_error"],
                style=styles.ERROR_TEXT_STYLE,
            ),
            rx.button(SessionState.t["login.submit"], id="login-submit", type="submit", size="3", width="100%"),
            spacing="4",
            width="100%",
        ),
        id="login-form",
        # Without JavaScript yet (a click before the page has hydrated) the browser posts the form itself: to the
        # login route, never as a GET that would put the password in the address.
        method="post",
        action=routes.AUTH_LOGIN,
        on_submit=rx.call_script(LOGIN_JS),
        width="100%",
    )


def login_page() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.card(
                rx.vstack(
                    rx.image(src=DEFAULT_LOGO, alt=SessionState.t["app.name"], height="3rem", width="auto"),
                    rx.heading(SessionState.t["login.title"], as_="h1", size="6"),
                    rx.text(SessionState.t["login.intro"], color_scheme="gray", size="2"),
                    login_form(),
                    spacing="4",
                    width="100%",
                ),
                size="4",
                width="100%",
            ),
            language_switch("lang"),
            rx.text(SessionState.t["app.tagline"], color_scheme="gray", size="1", text_align="center"),
            align="center",
            spacing="4",
            width="100%",
            max_width=styles.FORM_MAX_WIDTH,
        ),
        min_height="100vh",
        padding="1rem",
        background=rx.color("gray", 2),
        lang=SessionState.lang,
    )
