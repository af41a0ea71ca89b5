"""The orchestra's e-mail templates (``EmailTemplate``): variables, validation and rendering for one musician.

Template types: ``<base>`` is Swedish, ``<base>_en`` English; the musician's ``preferredLanguage`` picks one
and Swedish is the fallback. Placeholders are ``{{name}}``; both naming styles of the earlier system work
(``{{firstName}}`` and ``{{musician_name}}``, ORIGINAL_BEHAVIOUR.md §3.2), and ``standard_variables`` supplies
both. Which names a type may use is ``VARIABLES``; ``validate_template`` refuses anything else at save time, so
a typo is an error in the editor instead of a blank (or a visible ``{{fooBar}}``) in a sent mail.

An e-mail has a plain-text body and an HTML body built from the same template text (``compose``). The HTML
never trusts a value or the template: everything is escaped, only ``[text](http(s) url)`` in the template
becomes a link, and the response link is a button.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import NamedTuple
from urllib.parse import urlsplit

from sqlmodel import Session, select

from models.orchestra import EmailTemplate
from services import clock
from services.errors import NotFound, ValidationError
from services.seed_data import TEMPLATE_BASE_TYPES

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SINGLE_BRACES = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
# A markdown link in the template text: [label](target); the target is a URL or one placeholder.
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(\s*([^()\s]+|\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\})\s*\)")

MONTHS = {
    "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}

BASE_TYPES: tuple[str, ...] = TEMPLATE_BASE_TYPES
ENGINE_TYPES: tuple[str, ...] = ("request", "reminder", "confirmation", "position_filled")
"""The types the request engine sends; it cannot work without their Swedish template."""

SUBJECT_MAX = 200
BODY_MAX = 20_000

SNAKE_ALIASES: dict[str, str] = {
    "projectName": "project_name",
    "positionName": "position",
    "instrumentName": "instrument_name",
    "startDate": "start_date",
    "rehearsalSchedule": "rehearsal_schedule",
    "concertInfo": "concert_info",
    "responseUrl": "response_url",
    "responseTime": "response_time",
}
"""camelCase name -> the snake_case name of the earlier system's other template set."""

RESPONSE_URL_NAMES = ("responseUrl", "response_url")

_PERSON = ("firstName", "lastName")
_NEED = ("projectName", "positionName", "instrumentName", "startDate", "weekNumber")
PREFERRED_VARIABLES: dict[str, tuple[str, ...]] = {
    "request": (*_PERSON, *_NEED, "rehearsalSchedule", "concertInfo", "quantity", "responseTime", "deadline",
                "responseUrl", "orchestraName"),
    "reminder": (*_PERSON, *_NEED, "responseTime", "deadline", "responseUrl", "orchestraName"),
    "confirmation": (*_PERSON, *_NEED, "rehearsalSchedule", "concertInfo", "attachmentNote", "orchestraName"),
    "position_filled": (*_PERSON, *_NEED, "orchestraName"),
    "group_email": (*_PERSON, "subject", "message", "projectName", "orchestraName"),
}
"""The camelCase names offered in the editor, per base type: what the engine supplies for that message."""


def _accepted(names: tuple[str, ...]) -> tuple[str, ...]:
    accepted = ["musician_name"] if "firstName" in names else []
    for name in names:
        accepted.append(name)
        if name in SNAKE_ALIASES:
            accepted.append(SNAKE_ALIASES[name])
    return tuple(accepted)


VARIABLES: dict[str, tuple[str, ...]] = {base: _accepted(names) for base, names in PREFERRED_VARIABLES.items()}
"""Every name a template of each base type may use: the camelCase names, their snake_case aliases and
``musician_name`` ("First Last")."""

BUTTON_LABELS = {"sv": "Svara på förfrågan", "en": "Reply to the request"}
BUTTON_FALLBACK = {"sv": "Fungerar inte knappen? Öppna länken:", "en": "Button not working? Open this link:"}
GROUP_FOOTER = {"sv": "Detta meddelande skickades via StageSub.", "en": "This message was sent via StageSub."}


# ----- values --------------------------------------------------------------------------------------------------


def language_of(preferred: str | None) -> str:
    return "en" if (preferred or "").strip().lower() == "en" else "sv"


def format_date(value: datetime, language: str, tz: str, with_time: bool = False) -> str:
    """``2 mars 2026`` / ``2 March 2026`` (``kl. 10:00`` / ``at 10:00`` with the time), in the orchestra's zone."""
    local = clock.to_local(value, tz)
    text = f"{local.day} {MONTHS[language][local.month - 1]} {local.year}"
    if with_time:
        text += (" kl. " if language == "sv" else " at ") + local.strftime("%H:%M")
    return text


def standard_variables(values: dict[str, object]) -> dict[str, object]:
    """``values`` (camelCase) plus the snake_case aliases and ``musician_name``, so templates of either style
    render. A value given under both names keeps the one given."""
    result = dict(values)
    if "musician_name" not in result and ("firstName" in values or "lastName" in values):
        result["musician_name"] = f"{values.get('firstName') or ''} {values.get('lastName') or ''}".strip()
    for camel, snake in SNAKE_ALIASES.items():
        if camel in values and snake not in result:
            result[snake] = values[camel]
    return result


def fill(text: str, variables: dict[str, object]) -> str:
    def replace(match: re.Match) -> str:
        key = match.group(1)
        return str(variables[key]) if key in variables and variables[key] is not None else match.group(0)

    return _PLACEHOLDER.sub(replace, text)


# ----- validation ----------------------------------------------------------------------------------------------


class TemplateProblem(NamedTuple):
    """One thing wrong with a template text. ``code``: required, too_long, single_line, unknown_variable,
    single_braces, bad_braces; ``detail``: the variable name, the limit or the offending text."""

    field: str  # subject or body
    code: str
    detail: str = ""


class TemplateValidationError(ValidationError):
    """``ValidationError`` (422, ``fields`` per subject/body) that also carries the problems, so the editor can
    say them in the user's language."""

    def __init__(self, base_type: str, problems: list[TemplateProblem]):
        fields: dict[str, str] = {}
        for problem in problems:
            fields.setdefault(problem.field, problem_text(base_type, problem))
        super().__init__("invalid_template", next(iter(fields.values())), fields)
        self.problems = problems


def check_base_type(base_type: str) -> str:
    if base_type not in VARIABLES:
        message = f"Unknown template type {base_type!r}; the types are {', '.join(BASE_TYPES)}."
        raise ValidationError("unknown_template_type", message, {"type": message})
    return base_type


def problem_text(base_type: str, problem: TemplateProblem) -> str:
    """The problem in plain English (API clients and logs; the UI translates ``problem.code``)."""
    what = problem.field
    if problem.code == "required":
        return f"The {what} must not be empty."
    if problem.code == "too_long":
        return f"The {what} may be at most {problem.detail} characters."
    if problem.code == "single_line":
        return f"The {what} must be a single line."
    if problem.code == "unknown_variable":
        allowed = ", ".join("{{" + name + "}}" for name in VARIABLES[base_type])
        return (f"{{{{{problem.detail}}}}} is not a variable of {base_type} templates. "
                f"Allowed: {allowed}.")
    if problem.code == "single_braces":
        return (f"{{{problem.detail}}} has single braces and would never be replaced: "
                f"use {{{{{problem.detail}}}}}.")
    return f"Unbalanced braces near {problem.detail!r}: variables are written {{{{name}}}}."


def _text_problems(base_type: str, field: str, text: str) -> list[TemplateProblem]:
    problems: list[TemplateProblem] = []
    allowed = set(VARIABLES[base_type])
    for name in dict.fromkeys(_PLACEHOLDER.findall(text)):
        if name not in allowed:
            problems.append(TemplateProblem(field, "unknown_variable", name))
    rest = _PLACEHOLDER.sub("", text)
    for name in dict.fromkeys(_SINGLE_BRACES.findall(rest)):
        problems.append(TemplateProblem(field, "single_braces", name))
    rest = _SINGLE_BRACES.sub("", rest)
    stray = re.search(r"[{}]", rest)
    if stray:
        problems.append(TemplateProblem(field, "bad_braces", rest[max(0, stray.start() - 10):stray.end() + 10]))
    return problems


def template_problems(base_type: str, subject: str | None, body: str | None) -> list[TemplateProblem]:
    """Everything wrong with a template of ``base_type`` (an empty list when it may be saved)."""
    check_base_type(base_type)
    problems: list[TemplateProblem] = []
    subject, body = subject or "", body or ""
    for field, text, limit in (("subject", subject, SUBJECT_MAX), ("body", body, BODY_MAX)):
        if not text.strip():
            problems.append(TemplateProblem(field, "required"))
            continue
        if len(text) > limit:
            problems.append(TemplateProblem(field, "too_long", str(limit)))
        if field == "subject" and ("\n" in text or "\r" in text):
            problems.append(TemplateProblem(field, "single_line"))
        problems.extend(_text_problems(base_type, field, text))
    return problems


def validate_template(base_type: str, subject: str | None, body: str | None) -> None:
    """Raise ``TemplateValidationError`` (422) when the template may not be saved."""
    problems = template_problems(base_type, subject, body)
    if problems:
        raise TemplateValidationError(base_type, problems)


# ----- rendering -----------------------------------------------------------------------------------------------

_FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
_BODY_STYLE = "margin:0;padding:24px 12px;background-color:#f4f4f5;"
_WRAPPER_STYLE = (f"max-width:600px;margin:0 auto;padding:24px;background-color:#ffffff;border-radius:8px;"
                  f"font-family:{_FONT};font-size:16px;line-height:1.5;color:#1f2937;")
_P_STYLE = "margin:0 0 4px 0;"
_SPACER = '<div style="height:12px;line-height:12px;font-size:12px;">&nbsp;</div>'
_LINK_STYLE = "color:#1d4ed8;text-decoration:underline;"
_BUTTON_STYLE = ("display:inline-block;margin:8px 0;padding:12px 24px;background-color:#1d4ed8;color:#ffffff;"
                 "font-weight:600;text-decoration:none;border-radius:6px;")
_SMALL_STYLE = "margin:0 0 4px 0;font-size:13px;color:#6b7280;word-break:break-all;"
_RULE = '<hr style="border:none;border-top:1px solid #e5e7eb;margin:24px 0 12px 0;">'
_FOOTER_STYLE = "margin:0;font-size:12px;line-height:1.4;color:#6b7280;"


def safe_url(url: str) -> bool:
    """Only absolute http(s) URLs without spaces or control characters may become a link."""
    if not url or any(ch.isspace() or ord(ch) < 32 or ch in "\"'<>\\" for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _html_value(value: str) -> str:
    return escape(value).replace("\r\n", "\n").replace("\n", "<br>")


def _button(url: str, label_html: str) -> str:
    return f'<a href="{escape(url)}" style="{_BUTTON_STYLE}">{label_html}</a>'


class _Line:
    """One rendered line: its plain text, its HTML and the URLs shown as buttons in it."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.html: list[str] = []
        self.buttons: list[str] = []


def _inline(segment: str, values: dict[str, object], line: _Line, button_label: str | None) -> None:
    """Template text with placeholders: literal text and values, each escaped for the HTML; a bare response
    URL becomes a button (when ``button_label`` is given)."""
    pos = 0
    for match in _PLACEHOLDER.finditer(segment):
        literal = segment[pos:match.start()]
        line.text.append(literal)
        line.html.append(escape(literal))
        pos = match.end()
        name, value = match.group(1), values.get(match.group(1))
        if value is None:
            line.text.append(match.group(0))
            line.html.append(escape(match.group(0)))
            continue
        value = str(value)
        line.text.append(value)
        if name in RESPONSE_URL_NAMES and button_label and safe_url(value):
            line.html.append(_button(value, escape(button_label)))
            line.buttons.append(value)
        else:
            line.html.append(_html_value(value))
    literal = segment[pos:]
    line.text.append(literal)
    line.html.append(escape(literal))


def _render_line(source: str, values: dict[str, object], language: str) -> _Line:
    line = _Line()
    pos = 0
    for match in _LINK.finditer(source):
        _inline(source[pos:match.start()], values, line, BUTTON_LABELS[language])
        pos = match.end()
        label, target = match.group(1), match.group(2).strip()
        url = fill(target, values)
        if not safe_url(url):  # javascript:, a missing value, a relative path ...: left as text
            _inline(match.group(0), values, line, None)
            continue
        label_line = _Line()
        _inline(label, values, label_line, None)
        label_text, label_html = "".join(label_line.text), "".join(label_line.html)
        line.text.append(f"{label_text}: {url}")
        target_name = _PLACEHOLDER.fullmatch(target)
        if target_name and target_name.group(1) in RESPONSE_URL_NAMES:
            line.html.append(_button(url, label_html))
            line.buttons.append(url)
        else:
            line.html.append(f'<a href="{escape(url)}" style="{_LINK_STYLE}">{label_html}</a>')
    _inline(source[pos:], values, line, BUTTON_LABELS[language])
    return line


def _document(subject: str, content: str, footer: str, language: str) -> str:
    return (
        "<!DOCTYPE html>"
        f'<html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(subject)}</title></head>"
        f'<body style="{_BODY_STYLE}"><div style="{_WRAPPER_STYLE}">{content}{footer}</div></body></html>'
    )


def _footer(lines: list[str]) -> str:
    lines = [line for line in lines if line and line.strip()]
    if not lines:
        return ""
    return _RULE + "".join(f'<p style="{_FOOTER_STYLE}">{escape(line)}</p>' for line in lines)


def _body(template_body: str, values: dict[str, object], language: str) -> tuple[str, str]:
    """(plain text, HTML content) of a body template: each line its own paragraph, blank lines as spacing."""
    text_lines: list[str] = []
    blocks: list[str] = []
    for source in template_body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not source.strip():
            text_lines.append("")
            if blocks and blocks[-1] != _SPACER:
                blocks.append(_SPACER)
            continue
        line = _render_line(source, values, language)
        text_lines.append("".join(line.text))
        blocks.append(f'<p style="{_P_STYLE}">{"".join(line.html)}</p>')
        for url in line.buttons:
            blocks.append(f'<p style="{_SMALL_STYLE}">{escape(BUTTON_FALLBACK[language])} '
                          f'<a href="{escape(url)}" style="{_LINK_STYLE}">{escape(url)}</a></p>')
    while blocks and blocks[-1] == _SPACER:
        blocks.pop()
    return "\n".join(text_lines).strip("\n"), "".join(blocks)


def plain_subject(subject_template: str, variables: dict[str, object]) -> str:
    """The subject with its values, on one line (a value's line breaks become spaces)."""
    return " ".join(fill(subject_template, variables).split())


def compose(subject: str, body: str, variables: dict[str, object], language: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a template text filled with ``variables`` (no database: previews of
    unsaved edits use it too). The orchestra's name (``orchestraName``) signs the HTML's footer."""
    language = language if language in BUTTON_LABELS else "sv"
    rendered_subject = plain_subject(subject, variables)
    text, content = _body(body, variables, language)
    footer = _footer([str(variables.get("orchestraName") or "")])
    return rendered_subject, text, _document(rendered_subject, content, footer, language)


def _find(session: Session, base_type: str, language: str) -> tuple[EmailTemplate, str]:
    """The template to use and its language: ``<type>_en`` for English if it exists, else the Swedish one."""
    wanted = [f"{base_type}_en", base_type] if language == "en" else [base_type]
    cache = session.info.setdefault("stagesub_templates", {})  # one read per template and transaction
    missing = [t for t in wanted if t not in cache]
    if missing:
        found = {t.type: t for t in session.exec(select(EmailTemplate).where(EmailTemplate.type.in_(missing))).all()}
        cache.update({t: found.get(t) for t in missing})
    for template_type in wanted:
        template = cache[template_type]
        if template is not None:
            return template, ("en" if template_type.endswith("_en") else "sv")
    raise NotFound("template_missing", f"The orchestra has no {base_type!r} e-mail template.")


def render(session: Session, base_type: str, language: str, variables: dict[str, object]) -> tuple[str, str]:
    """(subject, plain-text body) of the template ``base_type`` in ``language`` (Swedish as fallback)."""
    template, _ = _find(session, base_type, language)
    return fill(template.subject, variables), fill(template.body, variables)


def render_email(session: Session, base_type: str, language: str,
                 variables: dict[str, object]) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the template ``base_type`` in ``language`` (Swedish as fallback)."""
    template, used_language = _find(session, base_type, language)
    return compose(template.subject, template.body, variables, used_language)


def render_group_email(subject: str, message: str, orchestra_name: str, language: str) -> tuple[str, str]:
    """(plain text, HTML) of a group e-mail written by staff: the message escaped line by line (its
    ``[text](url)`` links work), signed with the orchestra's name and a StageSub footer."""
    language = language if language in GROUP_FOOTER else "sv"
    text, content = _body(message or "", {}, language)
    footer_lines = [orchestra_name or "", GROUP_FOOTER[language]]
    plain = "\n".join([text, "", "--", *[line for line in footer_lines if line]])
    return plain, _document(" ".join((subject or "").split()), content, _footer(footer_lines), language)
