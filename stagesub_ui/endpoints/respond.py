"""The public response page: ``GET``/``POST /respond/{token}`` and the earlier system's ``/respond?token=…&org=…``.

* The token in the link is the only credential. ``GET`` shows the request and never changes anything (mail
  scanners and link previews fetch it); ``POST`` with ``answer`` = ``accept`` or ``decline`` (a form field or
  JSON) records the answer through ``services.dispatch.handle_response`` and shows the outcome.
* Plain server-rendered HTML, no JavaScript: two submit buttons in a ``<form method="post">``. Every value is
  HTML-escaped; the only style block carries a per-response nonce named in a strict Content-Security-Policy.
* ``Accept: application/json`` gives JSON: ``Outcome.as_dict()`` for a POST (404 for ``invalid_token``, 200
  otherwise), the request's details for a GET.
* A POST that a browser says came from another site (``Origin`` naming another host, or ``Sec-Fetch-Site``
  ``cross-site``/``same-site``) is refused with 403. ``Origin: null`` is allowed: browsers send it for this
  page's own form because of ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from services import clock, dispatch, tenancy
from services.errors import NotFound, ServiceError
from stagesub_ui.endpoints.auth import request_host
from stagesub_ui.endpoints.respond_texts import MONTHS, WEEKDAYS, language, text

log = logging.getLogger(__name__)

ANSWERS = ("accept", "decline")
DEFAULT_COLOR = "#3B82F6"
DEFAULT_TIMEZONE = "Europe/Stockholm"
_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$")
_MAX_TOKEN = 300


# ----- small helpers ---------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


def _wants_json_answer(request: Request) -> bool:
    """A POST is answered in JSON when asked for, or when it sent JSON and did not ask for HTML."""
    if _wants_json(request):
        return True
    sent_json = "application/json" in request.headers.get("content-type", "").lower()
    return sent_json and not _prefers_html(request)


def _prefers_html(request: Request) -> bool:
    """For errors: HTML for browsers (they send ``text/html``), JSON for everything else."""
    return "text/html" in request.headers.get("accept", "").lower()


def _browser_language(request: Request) -> str:
    """sv or en from ``Accept-Language`` (for pages with no musician to take the language from)."""
    best, best_q = "sv", -1.0
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.split("-")[0]
        if primary in ("sv", "en") and q > best_q:
            best, best_q = primary, q
    return best


def is_cross_site(request: Request) -> bool:
    """True when the browser tells us that this POST was sent by a page on another host."""
    fetch_site = request.headers.get("sec-fetch-site", "").strip().lower()
    if fetch_site in ("cross-site", "same-site"):
        return True
    origin = (request.headers.get("origin") or "").strip()
    if not origin or origin.lower() == "null":
        return False
    return tenancy.hostname_of(urlsplit(origin).netloc) != tenancy.hostname_of(request_host(request))


def _hex_to_rgb(color: str) -> tuple[float, float, float]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    a, b = _luminance(_hex_to_rgb(first)), _luminance(_hex_to_rgb(second))
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def brand_color(color: str | None) -> str:
    """The orchestra's colour, darkened just enough that white text on it reaches 4.5:1 (WCAG AA)."""
    base = color if color and _HEX_COLOR.match(color.strip()) else DEFAULT_COLOR
    r, g, b = _hex_to_rgb(base.strip())
    for _ in range(40):
        candidate = "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))
        if contrast_ratio(candidate, "#ffffff") >= 4.5:
            return candidate
        r, g, b = r * 0.93, g * 0.93, b * 0.93
    return "#1f2328"


def safe_logo(url: str | None) -> str | None:
    """A logo the page may show without loading anything from elsewhere: a same-site path or a data: image."""
    value = (url or "").strip()
    if value.startswith("/") and not value.startswith("//") and not any(ch in value for ch in "\\\"'<> "):
        return value
    if _DATA_IMAGE.match(value):
        return value
    return None


def long_date(value: datetime, lang: str, tz: str) -> str:
    """``måndag 2 mars 2026`` / ``Monday 2 March 2026`` in the orchestra's time zone."""
    local = clock.to_local(value, tz)
    return f"{WEEKDAYS[lang][local.weekday()]} {local.day} {MONTHS[lang][local.month - 1]} {local.year}"


def clock_time(value: datetime, lang: str, tz: str) -> str:
    local = clock.to_local(value, tz)
    return local.strftime("%H.%M" if lang == "sv" else "%H:%M")


def time_left(deadline: datetime, lang: str, now: datetime) -> str | None:
    seconds = (clock.as_utc(deadline) - now).total_seconds()
    if seconds <= 0:
        return None
    hours = int(seconds // 3600)
    if hours < 1:
        return text(lang, "remaining.minutes")
    if hours < 48:
        return text(lang, "remaining.hour") if hours == 1 else text(lang, "remaining.hours", n=hours)
    days = hours // 24
    return text(lang, "remaining.day") if days == 1 else text(lang, "remaining.days", n=days)


def strategy_text(strategy: str | None, quantity: int | None, lang: str) -> str:
    n = max(int(quantity or 1), 1)
    if strategy == "sequential":
        return text(lang, "strategy.sequential")
    if strategy in ("parallel", "first_come"):
        return text(lang, f"strategy.{strategy}.one") if n == 1 else text(lang, f"strategy.{strategy}.many", n=n)
    return text(lang, "strategy.other")


# ----- HTML ------------------------------------------------------------------------------------------

_CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#f3f4f6;color:#1f2328;
font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;overflow-wrap:anywhere}
.brand{background:var(--brand);color:#fff;padding:14px 16px}
.brand-inner{max-width:560px;margin:0 auto;display:flex;align-items:center;gap:12px;min-height:40px}
.brand img{height:40px;width:auto;max-width:120px;object-fit:contain;background:#fff;border-radius:6px;padding:2px}
.brand .org{font-weight:700;font-size:1.125rem;line-height:1.3}
main{max-width:560px;margin:0 auto;padding:8px 16px 24px}
h1{font-size:1.5rem;line-height:1.25;margin:16px 0 8px}
h2{font-size:1.125rem;line-height:1.3;margin:0 0 8px}
p{margin:0 0 12px}
.lead{color:#3d444d}
.card{background:#fff;border:1px solid #d1d5db;border-radius:12px;padding:16px;margin:16px 0}
.card p:last-child{margin-bottom:0}
dl{margin:0}
dt{font-size:.8125rem;font-weight:700;color:#4b5563;text-transform:uppercase;letter-spacing:.04em;margin:14px 0 2px}
dt:first-child{margin-top:0}
dd{margin:0}
.pre{white-space:pre-line}
.deadline{border-left:6px solid var(--brand)}
.deadline .when{font-size:1.125rem;font-weight:700;margin:0}
.deadline .left{color:#4b5563;margin:2px 0 0}
.muted{color:#4b5563;font-size:.9375rem}
.actions{display:flex;flex-direction:column;gap:12px;margin:12px 0}
button{font:inherit;font-weight:700;width:100%;min-height:56px;padding:12px 16px;border-radius:12px;
cursor:pointer;touch-action:manipulation}
.accept{background:var(--brand);color:#fff;border:2px solid var(--brand)}
.decline{background:#fff;color:#1f2328;border:2px solid #4b5563}
button:hover{filter:brightness(.95)}
button:focus-visible{outline:3px solid #1f2328;outline-offset:3px}
.status{background:#fff;border:1px solid #d1d5db;border-left:6px solid #4b5563;border-radius:12px;
padding:16px;margin:16px 0}
.status p:last-child{margin-bottom:0}
.status-good{border-left-color:#1a7f37}
.status-warn{border-left-color:#9a6700}
.status-bad{border-left-color:#cf222e}
footer{max-width:560px;margin:0 auto;padding:0 16px 32px;color:#4b5563;font-size:.8125rem}
@media (min-width:480px){.actions{flex-direction:row}main{padding-top:16px}}
"""

_STATUS_CLASS = {
    "accepted": "status-good",
    "declined": "status-info",
    "already_answered": "status-info",
    "position_filled": "status-warn",
    "expired": "status-warn",
    "cancelled": "status-warn",
    "invalid_token": "status-bad",
}


def _csp(nonce: str) -> str:
    return (
        "default-src 'none'; "
        f"style-src 'nonce-{nonce}'; "
        "img-src 'self' data:; "
        "form-action 'self'; "
        "base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def security_headers(nonce: str | None = None) -> dict[str, str]:
    headers = {
        "Cache-Control": "no-store, max-age=0",
        "Pragma": "no-cache",
        "Referrer-Policy": "no-referrer",
        "X-Robots-Tag": "noindex, nofollow",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Vary": "Accept, Accept-Language",
        "Content-Security-Policy": _csp(nonce) if nonce else "default-src 'none'; frame-ancestors 'none'",
    }
    return headers


def _document(lang: str, title: str, orchestra: str | None, color: str | None, logo: str | None,
              body: str, status: int) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    brand = brand_color(color)
    logo_html = f'<img src="{_e(logo)}" alt="">' if logo else ""
    org = orchestra or "StageSub"
    page_title = f"{title} – {org}" if orchestra else title
    document = (
        "<!doctype html>\n"
        f'<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="color-scheme" content="light">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{_e(page_title)}</title>\n"
        f'<style nonce="{nonce}">:root{{--brand:{brand}}}{_CSS}</style>\n'
        "</head>\n<body>\n"
        f'<header class="brand"><div class="brand-inner">{logo_html}<span class="org">{_e(org)}</span></div>'
        "</header>\n"
        f"<main>\n{body}\n</main>\n"
        f'<footer><p>{_e(text(lang, "footer"))}</p></footer>\n'
        "</body>\n</html>\n"
    )
    return HTMLResponse(document, status_code=status, headers=security_headers(nonce))


def _details(view: dict, lang: str, tz: str) -> str:
    rows: list[tuple[str, str, bool]] = [(text(lang, "label.project"), view.get("projectName") or "", False)]
    position = " – ".join(p for p in (view.get("instrumentName"), view.get("positionName")) if p)
    if position:
        rows.append((text(lang, "label.position"), position, False))
    start = view.get("startDate")
    if isinstance(start, datetime):
        week = view.get("weekNumber") or clock.to_local(start, tz).isocalendar().week
        rows.append((text(lang, "label.start"), f"{long_date(start, lang, tz)} ({text(lang, 'week', week=week)})",
                     False))
    if view.get("rehearsalSchedule"):
        rows.append((text(lang, "label.rehearsals"), view["rehearsalSchedule"], True))
    if view.get("concertInfo"):
        rows.append((text(lang, "label.concerts"), view["concertInfo"], True))
    items = "".join(
        f'<dt>{_e(label)}</dt><dd{" class=pre" if pre else ""}>{_e(value)}</dd>' for label, value, pre in rows
    )
    return f'<section class="card"><dl>{items}</dl></section>'


def _deadline(view: dict, lang: str, tz: str, now: datetime) -> str:
    deadline = view.get("deadline")
    if not isinstance(deadline, datetime):
        return ""
    zone = text(lang, "timezone.stockholm") if tz == DEFAULT_TIMEZONE else tz
    when = f"{long_date(deadline, lang, tz)} {text(lang, 'at_time', time=clock_time(deadline, lang, tz))} ({zone})"
    left = time_left(deadline, lang, now)
    left_html = f'<p class="left">{_e(left)}</p>' if left else ""
    return (
        f'<section class="card deadline" aria-labelledby="deadline-label"><h2 id="deadline-label">'
        f'{_e(text(lang, "label.deadline"))}</h2><p class="when">{_e(when)}</p>{left_html}</section>'
    )


def _outcome_box(outcome: str, lang: str, orchestra: str, status: str | None) -> str:
    title = text(lang, f"outcome.{outcome}.title")
    paragraphs = []
    if outcome == "already_answered" and status in ("accepted", "declined"):
        paragraphs.append(text(lang, f"outcome.already_answered.{status}"))
    paragraphs.append(text(lang, f"outcome.{outcome}.body", orchestra=orchestra))
    inner = "".join(f"<p>{_e(p)}</p>" for p in paragraphs)
    css = _STATUS_CLASS.get(outcome, "status-info")
    return f'<h1>{_e(title)}</h1><div class="status {css}" role="status">{inner}</div>'


def render_view(view: dict, *, outcome: str | None = None, now: datetime | None = None,
                status_code: int = 200) -> HTMLResponse:
    """The page for one request: the question and buttons while it is open, else the outcome explanation."""
    lang = language(view.get("language"))
    tz = view.get("timezone") or DEFAULT_TIMEZONE
    orchestra = view.get("orchestraName") or ""
    outcome = outcome or view.get("outcome")
    now = now or clock.now()
    parts: list[str] = []
    if outcome is None:
        title = text(lang, "page.title")
        parts.append(f"<h1>{_e(title)}</h1>")
        if view.get("musicianFirstName"):
            parts.append(f'<p class="lead">{_e(text(lang, "greeting", name=view["musicianFirstName"]))}</p>')
        parts.append(f'<p class="lead">{_e(text(lang, "intro", orchestra=orchestra))}</p>')
        parts.append(_details(view, lang, tz))
        parts.append(_deadline(view, lang, tz, now))
        parts.append(
            f'<section class="card"><h2>{_e(text(lang, "strategy.heading"))}</h2>'
            f'<p>{_e(strategy_text(view.get("requestStrategy"), view.get("quantity"), lang))}</p></section>'
        )
        parts.append(
            '<form method="post" aria-labelledby="question">'
            f'<h2 id="question">{_e(text(lang, "question"))}</h2>'
            '<div class="actions">'
            f'<button type="submit" name="answer" value="accept" class="accept">{_e(text(lang, "button.accept"))}'
            "</button>"
            f'<button type="submit" name="answer" value="decline" class="decline">'
            f'{_e(text(lang, "button.decline"))}</button>'
            "</div>"
            f'<p class="muted">{_e(text(lang, "hint.once"))}</p>'
            "</form>"
        )
    else:
        title = text(lang, f"outcome.{outcome}.title")
        parts.append(_outcome_box(outcome, lang, orchestra, view.get("status")))
        parts.append(_details(view, lang, tz))
        if orchestra:
            parts.append(f'<p class="muted">{_e(text(lang, "hint.contact", orchestra=orchestra))}</p>')
    return _document(lang, title, orchestra, view.get("primaryColor"), safe_logo(view.get("orchestraLogo")),
                     "\n".join(p for p in parts if p), status_code)


def render_message(lang: str, key: str, status_code: int, *, css: str = "status-bad") -> HTMLResponse:
    """A page with just a title and an explanation (unknown link, refused or failed request)."""
    title = text(lang, f"{key}.title")
    body = (f'<h1>{_e(title)}</h1><div class="status {css}" role="status">'
            f'<p>{_e(text(lang, f"{key}.body", orchestra=""))}</p></div>')
    return _document(lang, title, None, None, None, body, status_code)


# ----- JSON ------------------------------------------------------------------------------------------


def _iso(value: object) -> str | None:
    if not isinstance(value, datetime):
        return None
    return clock.as_utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


def _json(body: dict, status_code: int) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, headers=security_headers())


def invalid_token_json(lang: str) -> JSONResponse:
    body = {"requestId": None, "status": None, "outcome": "invalid_token",
            "message": text(lang, "outcome.invalid_token.title")}
    return _json(body, 404)


def view_json(view: dict) -> JSONResponse:
    lang = language(view.get("language"))
    outcome = view.get("outcome")
    message = text(lang, "question") if outcome is None else text(lang, f"outcome.{outcome}.title")
    body = {
        "requestId": view.get("requestId"),
        "status": view.get("status"),
        "outcome": outcome,
        "message": message,
        "language": lang,
        "orchestraName": view.get("orchestraName"),
        "projectName": view.get("projectName"),
        "instrumentName": view.get("instrumentName"),
        "positionName": view.get("positionName"),
        "startDate": _iso(view.get("startDate")),
        "weekNumber": view.get("weekNumber"),
        "rehearsalSchedule": view.get("rehearsalSchedule"),
        "concertInfo": view.get("concertInfo"),
        "requestStrategy": view.get("requestStrategy"),
        "quantity": view.get("quantity"),
        "deadline": _iso(view.get("deadline")),
    }
    return _json(body, 200)


def error_response(request: Request, status: int, code: str, lang: str, key: str,
                   fields: dict | None = None) -> Response:
    """The API error format (``{"error": {...}}``), or for a browser a page that says the same."""
    if _prefers_html(request):
        return render_message(lang, key, status)
    body = {"error": {"code": code, "message": text(lang, f"{key}.message"), "fields": fields or {}}}
    return _json(body, status)


# ----- the routes ------------------------------------------------------------------------------------


async def _legacy_org(request: Request) -> str | None:
    """The orchestra of a legacy link without ``org``: the one whose address the link was opened on."""
    host = request_host(request)
    sub = tenancy.subdomain_from_host(host)
    if sub:
        return sub
    try:
        ref = await asyncio.to_thread(tenancy.orchestra_for_host, host)
    except ServiceError:
        return None
    return ref.subdomain if ref else None


async def _token_and_org(request: Request) -> tuple[str, str | None]:
    token = request.path_params.get("token")
    org = (request.query_params.get("org") or "").strip() or None
    if token is None:  # the earlier system's link: /respond?token=…&org=…
        token = request.query_params.get("token") or ""
        if not org and token:
            org = await _legacy_org(request)
    return token.strip(), org


def _not_found(request: Request, lang: str) -> Response:
    if _wants_json(request):
        return invalid_token_json(lang)
    return render_message(lang, "outcome.invalid_token", 404)


def _service_failure(request: Request, exc: Exception, lang: str) -> Response:
    if isinstance(exc, NotFound):
        return _not_found(request, lang)
    status = exc.status if isinstance(exc, ServiceError) and exc.status in (403, 409) else 503
    if not isinstance(exc, ServiceError):
        log.exception("the response page failed", exc_info=exc)
    code = exc.code if isinstance(exc, ServiceError) else "unavailable"
    return error_response(request, status, code, lang, "problem.unavailable")


async def respond_page(request: Request) -> Response:
    """GET: show the request. Changes nothing."""
    lang = _browser_language(request)
    token, org = await _token_and_org(request)
    if not token or len(token) > _MAX_TOKEN:
        return _not_found(request, lang)
    try:
        view = await asyncio.to_thread(dispatch.response_view, token, org=org)
    except Exception as exc:  # noqa: BLE001 - shown as a page, logged in _service_failure
        return _service_failure(request, exc, lang)
    if view is None:
        return _not_found(request, lang)
    if _wants_json(request):
        return view_json(view)
    return render_view(view)


async def _read_answer(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "").lower()
    if "application/json" in content_type:
        try:
            data = json.loads(await request.body() or b"null")
        except (ValueError, UnicodeDecodeError):
            return None
        value = data.get("answer") if isinstance(data, dict) else None
    else:
        form = await request.form()
        value = form.get("answer")
    return value.strip().lower() if isinstance(value, str) else None


async def respond_submit(request: Request) -> Response:
    """POST: record the answer and show the outcome."""
    lang = _browser_language(request)
    if is_cross_site(request):
        return error_response(request, 403, "cross_site", lang, "problem.cross_site")
    token, org = await _token_and_org(request)
    answer = await _read_answer(request)
    if answer not in ANSWERS:
        return error_response(request, 400, "invalid_answer", lang, "problem.bad_answer",
                              {"answer": "must be accept or decline"})
    json_answer = _wants_json_answer(request)
    if not token or len(token) > _MAX_TOKEN:
        return invalid_token_json(lang) if json_answer else render_message(lang, "outcome.invalid_token", 404)
    try:
        outcome = await asyncio.to_thread(dispatch.handle_response, token, answer, org=org)
        view = None
        if outcome.outcome != "invalid_token" and not json_answer:
            view = await asyncio.to_thread(dispatch.response_view, token, org=org)
    except Exception as exc:  # noqa: BLE001 - shown as a page, logged in _service_failure
        return _service_failure(request, exc, lang)
    if json_answer:
        return _json(outcome.as_dict(), 404 if outcome.outcome == "invalid_token" else 200)
    if outcome.outcome == "invalid_token" or view is None:
        return render_message(lang, "outcome.invalid_token", 404)
    return render_view(view, outcome=outcome.outcome)


async def respond(request: Request) -> Response:
    if request.method == "POST":
        return await respond_submit(request)
    return await respond_page(request)
