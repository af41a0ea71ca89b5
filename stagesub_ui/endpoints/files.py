"""``GET /files/{storage_id}``: a project file, for the orchestra's staff or a musician's response link.

* The orchestra is the one the Host names (``X-Forwarded-Host`` behind a trusted proxy); the platform host and
  unknown or inactive orchestras serve no files.
* Staff: the HttpOnly session cookie of an admin or user *of this orchestra* (a login of another orchestra
  counts for nothing here). Musicians: ``?token=`` with their response token (``services.files.open_download``
  decides whether the token's request may see the file).
* Everything refused is the same 404, so nobody learns whether a file exists.
* The file is always a download (``attachment``), never rendered on our origin: ``nosniff`` and a CSP that
  allows nothing, and nothing is cached on the way (``private, no-store``).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from services import auth, files, tenancy
from services.errors import NotFound, ServiceError
from stagesub_ui import routes
from stagesub_ui.endpoints.auth import request_host

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def content_disposition(name: str) -> str:
    """``attachment; filename*=UTF-8''…`` (RFC 6266/5987), the name percent-encoded so nothing can break out."""
    return "attachment; filename*=UTF-8''" + quote(name or "file", safe="")


def _not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers=SECURITY_HEADERS)


def _download(host: str, storage_id: str, session_token: str | None, token: str | None) -> tuple[str, bytes, str]:
    """Resolve orchestra and staff session, then read the file (runs in a worker thread)."""
    ref = tenancy.orchestra_for_host(host)
    if ref is None or not ref.is_active:
        raise NotFound("file_not_found", "No such file.")
    user = auth.resolve_session(session_token) if session_token else None
    staff = user is not None and user.role in routes.STAFF_ROLES and user.orchestra_pk == ref.id
    return files.open_download(ref, storage_id, staff=staff, token=token)


async def download(request: Request) -> Response:
    storage_id = request.path_params.get("storage_id", "")
    token = request.query_params.get("token") or None
    try:
        name, content, mime = await run_in_threadpool(
            _download, request_host(request), storage_id, request.cookies.get(auth.SESSION_COOKIE), token,
        )
    except ServiceError as exc:
        if not isinstance(exc, NotFound):
            log.info("file download refused: %s", exc.code)
        return _not_found()
    headers = {**SECURITY_HEADERS, "Content-Disposition": content_disposition(name)}
    return Response(content, media_type=mime, headers=headers)
