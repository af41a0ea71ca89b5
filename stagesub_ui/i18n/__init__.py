"""Message catalogs for the staff UI: every visible string goes through ``translate`` or ``SessionState.t``.

Swedish is the default; English is the alternative. Plain Python (no Reflex import), so the HTTP endpoints and
the tests use it too.
"""

from __future__ import annotations

import importlib
import pkgutil

from stagesub_ui.i18n import en, sv

DEFAULT_LANGUAGE = "sv"
LANGUAGES = ("sv", "en")


def _merge_areas() -> None:
    """Each page area may keep its texts in its own module ``area_<name>.py`` with ``SV`` and ``EN`` dicts;
    they join the main catalogs here (a key defined twice is an error, so two areas never fight over one)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("area_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for catalog_dict, extra in ((sv.MESSAGES, module.SV), (en.MESSAGES, module.EN)):
            clash = set(catalog_dict) & set(extra)
            if clash:
                raise RuntimeError(f"i18n keys defined twice ({info.name}): {sorted(clash)}")
            catalog_dict.update(extra)


_merge_areas()
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
