"""POST /auth/login and POST /auth/logout: the session cookie is set and removed here, HttpOnly.

The login page posts its form with ``fetch`` and follows the JSON ``redirect``; errors come back as
``{"error": {"code", "message", "fields"}}`` with the message in the language the form posted (``lang``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from services import auth, clock, tenancy
from services.errors import ServiceError
from services.settings import get_settings
from stagesub_ui import routes
from stagesub_ui.i18n import error_text, normalise_language

log = logging.getLogger(__name__)

LANG_COOKIE = "stagesub_lang"
NO_STORE = {"Cache-Control": "no-store"}


def request_host(request: Request) -> str:
    """The host the browser asked for (``X-Forwarded-Host`` only behind a trusted proxy)."""
    if get_settings().trust_proxy:
        forwarded = request.headers.get("x-forwarded-host", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.headers.get("host", "")


def client_ip(request: Request) -> str:
    """The client's address (the last ``X-Forwarded-For`` hop only behind a trusted proxy)."""
    if get_settings().trust_proxy:
        hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.client.host if request.client else "unknown"


def same_site_request(request: Request) -> bool:
    """False when the browser says the request came from a page on another host (login/logout CSRF)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return tenancy.hostname_of(urlsplit(origin).netloc) == tenancy.hostname_of(request_host(request))


def _error(status: int, code: str, lang: str, fields: dict | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": error_text(code, lang), "fields": fields or {}}}
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def _cookie_options() -> dict:
    return {"path": "/", "secure": get_settings().secure_cookies, "httponly": True, "samesite": "lax"}


def _max_age(user: auth.UserInfo) -> int:
    expires_at = getattr(user, "expires_at", None)
    if expires_at is not None:
        return max(0, int((clock.as_utc(expires_at) - clock.now()).total_seconds()))
    return get_settings().session_hours * 3600


def _wants_json(request: Request) -> bool:
    """Everything but a browser's own form navigation (which asks for text/html) gets JSON."""
    return "text/html" not in (request.headers.get("accept") or "")


async def login(request: Request) -> Response:
    """JSON for the page's script; a plain form post (before the page's script runs) gets redirects instead."""
    response = await _login(request)
    if _wants_json(request):
        return response
    if response.status_code == 200:
        redirect = RedirectResponse(json.loads(response.body)["redirect"], status_code=303, headers=NO_STORE)
        for name, value in response.raw_headers:
            if name == b"set-cookie":
                redirect.raw_headers.append((name, value))
        return redirect
    return RedirectResponse(routes.LOGIN + "?failed=1", status_code=303, headers=NO_STORE)


async def _login(request: Request) -> JSONResponse:
    form = await request.form()
    lang = normalise_language(str(form.get("lang") or request.cookies.get(LANG_COOKIE) or ""))
    if not same_site_request(request):
        return _error(403, "cross_site", lang)
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    if not username or not password:
        fields = {name: "required" for name, value in (("username", username), ("password", password)) if not value}
        return _error(422, "missing_credentials", lang, fields)

    try:
        token, user = await asyncio.to_thread(
            auth.login, username, password, ip=client_ip(request), user_agent=request.headers.get("user-agent"),
        )
    except ServiceError as exc:
        return _error(exc.status, exc.code, lang, exc.fields)

    # A valid login on another orchestra's address is refused, and the session just made is revoked.
    try:
        await asyncio.to_thread(
            tenancy.check_host_access, request_host(request), role=user.role, orchestra_pk=user.orchestra_pk,
        )
    except ServiceError as exc:
        await asyncio.to_thread(auth.logout, token)
        code = exc.code if exc.code in ("wrong_orchestra", "orchestra_not_found") else "wrong_orchestra"
        return _error(403, code, lang)

    response = JSONResponse({"redirect": routes.home_for(user.role)}, headers=NO_STORE)
    response.set_cookie(auth.SESSION_COOKIE, token, max_age=_max_age(user), **_cookie_options())
    return response


async def logout(request: Request) -> JSONResponse:
    if not same_site_request(request):
        lang = normalise_language(request.cookies.get(LANG_COOKIE))
        return _error(403, "cross_site", lang)
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:
        try:
            await asyncio.to_thread(auth.logout, token)
        except ServiceError:  # an unknown or expired token: nothing to revoke
            log.debug("logout with an unknown session token")
    response = JSONResponse({"redirect": routes.LOGIN}, headers=NO_STORE)
    response.delete_cookie(auth.SESSION_COOKIE, **_cookie_options())
    return response
