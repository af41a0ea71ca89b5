"""``GET /musicians/export.csv`` and ``/musicians/export.xlsx``: the orchestra's roster as a download.

* The orchestra is the one the Host names (``X-Forwarded-Host`` behind a trusted proxy). The platform host and
  unknown or inactive orchestras have no roster (404).
* Only staff (admin or user) *of this orchestra* with a valid HttpOnly session cookie: no session is 401, a
  login of another orchestra (or a superadmin, who belongs to none) is 403.
* ``?template=1`` gives the empty template (the header row only) to fill in.
* ``?archived=1`` includes archived musicians; ``?lang=en`` (else the ``stagesub_lang`` cookie, else Swedish)
  picks the header language. The file is the one ``services.roster_io`` imports again.
* Always an attachment, never cached on the way (``private, no-store``); the database work runs in a thread.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from services import auth, roster_io, tenancy
from services.errors import Forbidden, NotFound, ServiceError, Unauthorized
from stagesub_ui import routes
from stagesub_ui.endpoints.auth import LANG_COOKIE, request_host
from stagesub_ui.endpoints.files import SECURITY_HEADERS, content_disposition
from stagesub_ui.i18n import normalise_language

log = logging.getLogger(__name__)

_TRUE = {"1", "true", "yes", "ja"}


def _export(host: str, session_token: str | None, fmt: str, include_archived: bool, lang: str,
            template: bool) -> tuple[bytes, str, str]:
    """Resolve the orchestra and the staff session, then build the file (runs in a worker thread)."""
    ref = tenancy.orchestra_for_host(host)
    if ref is None or not ref.is_active:
        raise NotFound("orchestra_not_found", "No orchestra is served at this address.")
    user = auth.resolve_session(session_token) if session_token else None
    if user is None:
        raise Unauthorized("not_logged_in", "Log in to download the roster.")
    if user.role not in routes.STAFF_ROLES or user.orchestra_pk != ref.id:
        raise Forbidden("wrong_orchestra", "This account does not belong to the orchestra at this address.")
    if template:
        return roster_io.roster_template(fmt, lang)
    return roster_io.export_roster(ref, fmt, include_archived=include_archived, lang=lang)


async def _download(request: Request, fmt: str) -> Response:
    include_archived = request.query_params.get("archived", "").lower() in _TRUE
    template = request.query_params.get("template", "").lower() in _TRUE
    lang = normalise_language(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))
    try:
        content, mime, name = await run_in_threadpool(
            _export, request_host(request), request.cookies.get(auth.SESSION_COOKIE), fmt, include_archived, lang,
            template,
        )
    except ServiceError as exc:
        if not isinstance(exc, NotFound):
            log.info("roster export refused: %s", exc.code)
        return PlainTextResponse(exc.message, status_code=exc.status, headers=SECURITY_HEADERS)
    headers = {**SECURITY_HEADERS, "Content-Disposition": content_disposition(name)}
    return Response(content, media_type=mime, headers=headers)


async def export_csv(request: Request) -> Response:
    return await _download(request, "csv")


async def export_xlsx(request: Request) -> Response:
    return await _download(request, "xlsx")
