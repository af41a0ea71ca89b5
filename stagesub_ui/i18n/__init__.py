"""Message catalogs for the staff UI: every visible string goes through ``translate`` or ``SessionState.t``.

Swedish is the default; English is the alternative. Plain Python (no Reflex import), so the HTTP endpoints and
the tests use it too.
"""

from __future__ import annotations

from stagesub_ui.i18n import en, sv

DEFAULT_LANGUAGE = "sv"
LANGUAGES = ("sv", "en")
CATALOGS: dict[str, dict[str, str]] = {"sv": sv.MESSAGES, "en": en.MESSAGES}


def normalise_language(lang: str | None) -> str:
    """``"en"``, ``"EN"``, ``"en-GB"`` -> ``"en"``; anything unknown -> Swedish."""
    code = (lang or "").strip().lower()[:2]
    return code if code in CATALOGS else DEFAULT_LANGUAGE


def catalog(lang: str | None) -> dict[str, str]:
    return CATALOGS[normalise_language(lang)]


def translate(key: str, lang: str | None = None) -> str:
    """The text for ``key`` in ``lang`` (Swedish fallback, then the key itself so a gap is visible)."""
    return catalog(lang).get(key) or sv.MESSAGES.get(key) or key


def error_text(code: str, lang: str | None = None) -> str:
    """The translated message for a service error code (``error.<code>``), or the generic one."""
    key = f"error.{code}"
    return translate(key, lang) if key in sv.MESSAGES else translate("error.unknown", lang)
