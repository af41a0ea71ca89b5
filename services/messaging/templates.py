"""Rendering the orchestra's e-mail templates (``EmailTemplate``) for one musician.

Template types: ``<base>`` is Swedish, ``<base>_en`` English; the musician's ``preferredLanguage`` picks one
and Swedish is the fallback. Placeholders are ``{{name}}``; unknown placeholders are left visible so that a
mistake shows in the preview rather than silently disappearing.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, select

from models.orchestra import EmailTemplate
from services import clock
from services.errors import NotFound

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

MONTHS = {
    "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


def language_of(preferred: str | None) -> str:
    return "en" if (preferred or "").strip().lower() == "en" else "sv"


def format_date(value: datetime, language: str, tz: str, with_time: bool = False) -> str:
    """``2 mars 2026`` / ``2 March 2026`` (``kl. 10:00`` / ``at 10:00`` with the time), in the orchestra's zone."""
    local = clock.to_local(value, tz)
    text = f"{local.day} {MONTHS[language][local.month - 1]} {local.year}"
    if with_time:
        text += (" kl. " if language == "sv" else " at ") + local.strftime("%H:%M")
    return text


def fill(text: str, variables: dict[str, object]) -> str:
    def replace(match: re.Match) -> str:
        key = match.group(1)
        return str(variables[key]) if key in variables and variables[key] is not None else match.group(0)

    return _PLACEHOLDER.sub(replace, text)


def render(session: Session, base_type: str, language: str, variables: dict[str, object]) -> tuple[str, str]:
    """(subject, plain-text body) of the template ``base_type`` in ``language`` (Swedish as fallback)."""
    wanted = [f"{base_type}_en", base_type] if language == "en" else [base_type]
    cache = session.info.setdefault("stagesub_templates", {})  # one read per template and transaction
    missing = [t for t in wanted if t not in cache]
    if missing:
        found = {t.type: t for t in session.exec(select(EmailTemplate).where(EmailTemplate.type.in_(missing))).all()}
        cache.update({t: found.get(t) for t in missing})
    rows = {t: cache[t] for t in wanted}
    for template_type in wanted:
        template = rows.get(template_type)
        if template is not None:
            return fill(template.subject, variables), fill(template.body, variables)
    raise NotFound("template_missing", f"The orchestra has no {base_type!r} e-mail template.")
