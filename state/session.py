"""SessionState: who is logged in, on which orchestra's host, in which language; the page guards.

The session token lives in the HttpOnly cookie ``stagesub_session`` set by ``POST /auth/login``; JavaScript
cannot read it, so it is taken from the websocket's Cookie header (``self.router.headers.cookie``). Every guard
and every handler that changes something re-resolves it through ``services.auth`` (``_current_user``), checks
the host against the user's orchestra and fails closed.
"""

from __future__ import annotations

import asyncio
import logging
from http.cookies import CookieError, SimpleCookie

import reflex as rx
from reflex.event import EventSpec

from services import auth, clock, tenancy
from services.errors import ServiceError
from services.settings import get_settings
from stagesub_ui import routes
from stagesub_ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalog, normalise_language

log = logging.getLogger(__name__)

DEFAULT_LOGO = "/stagesub-logo.svg"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def token_from_cookie_header(cookie_header: str | None) -> str | None:
    """The session token in a raw ``Cookie:`` header, or None."""
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        # One malformed cookie must not hide ours: fall back to a plain split.
        for part in cookie_header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == auth.SESSION_COOKIE and value:
                return value
        return None
    morsel = jar.get(auth.SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def safe_logo_url(url: str | None) -> str:
    """Only http(s) and same-site paths may become an <img src>; anything else gets the default logo."""
    value = (url or "").strip()
    if value.startswith(("https://", "http://")) or (value.startswith("/") and not value.startswith("//")):
        return value
    return DEFAULT_LOGO


class SessionState(rx.State):
    """The logged-in user as far as the UI needs it; page states inherit from it."""

    # Backend only (never sent to the browser).
    _user_id: str = ""
    _role: str = ""
    _orchestra_pk: str = ""
    _lang_chosen_before_login: bool = False

    # Shown in the shell.
    user_name: str = ""
    role: str = ""
    orchestra_name: str = ""
    orchestra_logo: str = DEFAULT_LOGO
    session_expires: str = ""
    is_authenticated: bool = False
    login_failed: bool = False  # /login?failed=1: a login posted without the page's script was refused
    # The UI language; a cookie so the login page remembers it too. Logged-in users get their saved language.
    lang: str = rx.Cookie(DEFAULT_LANGUAGE, name="stagesub_lang", path="/", max_age=LANG_COOKIE_MAX_AGE,
                          same_site="lax")

    @rx.var
    def t(self) -> dict[str, str]:
        """The message catalog of the current language: ``SessionState.t["nav.instruments"]``."""
        return catalog(self.lang)

    @rx.var
    def lang_is_en(self) -> bool:
        return normalise_language(self.lang) == "en"

    # ----- helpers (underscore: not callable from the browser) ------------------------------------------

    def _session_token(self) -> str | None:
        return token_from_cookie_header(self.router.headers.cookie)

    def _page_hosts(self) -> list[str]:
        """Both hosts the page was reached on: the URL's (Origin) and the websocket's Host header."""
        hosts = [self.router.url.netloc, self.router.headers.host]
        return [host for host in hosts if host]

    async def _current_user(self) -> auth.UserInfo | None:
        """Re-resolve the session cookie; None unless valid *and* allowed on this page's host (fails closed)."""
        token = self._session_token()
        if not token:
            return None
        hosts = self._page_hosts()
        if not hosts:
            return None
        try:
            user = await asyncio.to_thread(auth.resolve_session, token)
            if user is None:
                return None
            for host in hosts:
                await asyncio.to_thread(
                    tenancy.check_host_access, host, role=user.role, orchestra_pk=user.orchestra_pk,
                )
        except ServiceError as exc:
            log.info("session refused on %s: %s", hosts, exc.code)
            return None
        return user

    async def _require(self, roles: tuple[str, ...]) -> tuple[auth.UserInfo | None, EventSpec | None]:
        """The current user if their role is in ``roles``; otherwise None and the redirect to send."""
        user = await self._current_user()
        if user is None:
            self._forget_user()
            return None, rx.redirect(routes.LOGIN)
        await self._remember_user(user)
        if user.role not in roles:
            return None, rx.redirect(routes.home_for(user.role))
        return user, None

    async def _remember_user(self, user: auth.UserInfo) -> None:
        first_time = self._user_id != user.id
        self._user_id = user.id
        self._role = user.role
        self._orchestra_pk = user.orchestra_pk or ""
        self.user_name = user.username
        self.role = user.role
        self.orchestra_name = user.orchestra_name or ""
        self.session_expires = clock.format_local(user.expires_at, get_settings().timezone) if user.expires_at else ""
        self.is_authenticated = True
        if first_time:
            # A language picked on the login page is saved for the user; otherwise their saved one is used.
            if self._lang_chosen_before_login and normalise_language(self.lang) != user.language:
                await self._save_language(user, normalise_language(self.lang))
            else:
                self.lang = normalise_language(user.language)
            self._lang_chosen_before_login = False
        logo = DEFAULT_LOGO
        if user.orchestra_pk:
            try:
                ref = await asyncio.to_thread(tenancy.get_orchestra_by_id, user.orchestra_pk, require_active=False)
                logo = safe_logo_url(ref.logoUrl)
            except ServiceError:
                logo = DEFAULT_LOGO
        self.orchestra_logo = logo

    async def _save_language(self, user: auth.UserInfo, lang: str) -> bool:
        """Use ``lang`` now and save it on the user's account (True when saved)."""
        if lang not in LANGUAGES:
            return False
        self.lang = lang
        try:
            await asyncio.to_thread(auth.set_language, user.id, lang)
        except ServiceError as exc:
            log.warning("could not save the language of %s: %s", user.id, exc.code)
            return False
        return True

    def _forget_user(self) -> None:
        self._user_id = self._role = self._orchestra_pk = ""
        self.user_name = self.role = self.orchestra_name = self.session_expires = ""
        self.orchestra_logo = DEFAULT_LOGO
        self.is_authenticated = False

    # ----- guards (on_load) -------------------------------------------------------------------------------

    @rx.event
    async def guard_staff(self):
        """Admin and user pages."""
        _, redirect = await self._require(routes.STAFF_ROLES)
        return redirect or self._document_language()

    @rx.event
    async def guard_admin(self):
        """Pages for orchestra admins only."""
        _, redirect = await self._require(routes.ADMIN_ROLES)
        return redirect or self._document_language()

    @rx.event
    async def guard_any_user(self):
        """Pages for every logged-in user (the account page)."""
        _, redirect = await self._require(routes.ALL_ROLES)
        return redirect or self._document_language()

    @rx.event
    async def guard_superadmin(self):
        """The platform pages."""
        _, redirect = await self._require(routes.SUPERADMIN_ROLES)
        return redirect or self._document_language()

    @rx.event
    async def go_home(self):
        """``/``: everybody is sent on to their home (anonymous visitors to the login page)."""
        user = await self._current_user()
        if user is None:
            self._forget_user()
            return rx.redirect(routes.LOGIN)
        await self._remember_user(user)
        return rx.redirect(routes.home_for(user.role))

    @rx.event
    async def load_login_page(self):
        """``/login``: a visitor who is already logged in (on this host) goes home instead. ``?failed=1`` (the
        login route's answer to a form posted before the page's script ran) shows that the login failed."""
        user = await self._current_user()
        if user is None:
            self._forget_user()
            self.login_failed = self.router.url.query_parameters.get("failed", "") == "1"
            return None
        await self._remember_user(user)
        return rx.redirect(routes.home_for(user.role))

    # ----- actions ------------------------------------------------------------------------------------------

    @rx.event
    async def set_lang(self, lang: str):
        """Switch the UI language; a logged-in user's choice is saved on their account."""
        if lang not in LANGUAGES:
            return
        self.lang = lang
        user = await self._current_user()
        if user is None:
            if self.is_authenticated:
                self._forget_user()
                return rx.redirect(routes.LOGIN)
            self._lang_chosen_before_login = True
            return self._document_language()
        await self._save_language(user, lang)
        return self._document_language()

    def _document_language(self) -> EventSpec:
        """``<html lang>`` follows the UI language (the app is built with "sv"), for screen readers and the
        browser's own spelling and translation tools."""
        return rx.call_script(f"document.documentElement.lang = {self.lang!r}")

    @rx.event
    def clear_before_logout(self):
        """Forget the user in this browser tab before ``POST /auth/logout`` revokes the session."""
        self._forget_user()
