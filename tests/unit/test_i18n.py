"""The message catalogs: same keys in Swedish and English, nothing empty, every key the UI uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from stagesub_ui import routes
from stagesub_ui.i18n import CATALOGS, DEFAULT_LANGUAGE, en, error_text, normalise_language, sv, translate

UI_ROOT = Path(__file__).resolve().parents[2]
UI_SOURCES = [*sorted((UI_ROOT / "stagesub_ui").rglob("*.py")), *sorted((UI_ROOT / "state").rglob("*.py"))]
KEY_USE = re.compile(r"""(?:\bT|\.t)\[\s*(?:f?)["']([a-z_.{}-]+)["']\s*\]""")
KEY_PREFIXES = "error|account|instruments|superadmin|login|nav|header|common|status|role|lang|app"
KEY_LITERAL = re.compile(rf"""["']((?:{KEY_PREFIXES})\.[a-z_]+)["']""")


def test_sv_and_en_have_the_same_keys():
    assert set(sv.MESSAGES) == set(en.MESSAGES), (
        f"only in sv: {sorted(set(sv.MESSAGES) - set(en.MESSAGES))}, "
        f"only in en: {sorted(set(en.MESSAGES) - set(sv.MESSAGES))}"
    )


def test_no_empty_values():
    for lang, messages in CATALOGS.items():
        empty = [key for key, text in messages.items() if not isinstance(text, str) or not text.strip()]
        assert not empty, f"{lang}: empty texts for {empty}"


def test_swedish_is_the_default_and_fallback():
    assert DEFAULT_LANGUAGE == "sv"
    assert normalise_language(None) == "sv"
    assert normalise_language("de") == "sv"
    assert normalise_language("en-GB") == "en"
    assert translate("nav.instruments") == "Instrument"
    assert translate("nav.instruments", "en") == "Instruments"
    assert error_text("invalid_credentials", "sv") == "Fel användarnamn eller lösenord."
    assert error_text("no_such_code", "en") == en.MESSAGES["error.unknown"]


def test_every_key_the_ui_uses_exists():
    used: set[str] = set()
    for path in UI_SOURCES:
        text = path.read_text(encoding="utf-8")
        for key in KEY_USE.findall(text) + KEY_LITERAL.findall(text):
            if "{" in key:  # f-string keys: checked below for every value they take
                continue
            used.add(key)
    used |= {f"lang.{code}" for code in CATALOGS}
    used |= {area.label_key for area in routes.NAV_AREAS}
    used |= {page.title_key for page in routes.PAGES}
    missing = sorted(key for key in used if key not in sv.MESSAGES)
    assert not missing, f"keys used in the UI but missing from the catalogs: {missing}"


def test_error_codes_of_the_auth_service_are_translated():
    for code in ("invalid_credentials", "too_many_attempts", "orchestra_not_active", "wrong_orchestra",
                 "orchestra_not_found", "wrong_password", "weak_password", "login_required"):
        assert f"error.{code}" in sv.MESSAGES, code
