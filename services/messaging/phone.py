"""Phone numbers to E.164 (``+<country code><number>``), the form Twilio expects.

Pure: no database, no settings. Swedish numbers may be written in the national form (``070-123 45 67``);
numbers of other countries only in the international form (``+44 20 …`` or ``0044 20 …``).
"""

from __future__ import annotations

import re

from services.errors import ValidationError

# Separators people type between digit groups; removed before anything else is looked at.
_SEPARATORS = re.compile(r"[\s\-./()\u00a0\u2010-\u2015]")
_DIGITS = re.compile(r"\d+")

E164_MAX_DIGITS = 15
E164_MIN_DIGITS = 7  # the shortest numbers in use (small island states) have 7 digits with the country code

# National trunk prefixes for the countries whose national form we accept.
_NATIONAL = {"SE": "46"}


def _invalid(raw: str, reason: str) -> ValidationError:
    shown = raw.strip() or "(empty)"
    return ValidationError(
        "invalid_phone",
        f"The phone number '{shown}' cannot be used: {reason}.",
        {"phone": reason},
    )


def _check_swedish(raw: str, national: str) -> None:
    """``national`` is the number after +46 without the trunk 0."""
    if not national or national[0] == "0":
        raise _invalid(raw, "a Swedish number has only one 0 before the area code")
    if national[0] == "7":
        if len(national) != 9:
            raise _invalid(raw, f"a Swedish mobile number has 10 digits (07x-xxx xx xx), not {len(national) + 1}")
    elif not 7 <= len(national) <= 9:
        raise _invalid(raw, f"a Swedish landline number has 8 to 10 digits with the leading 0, not {len(national) + 1}")


def normalise_phone(raw: str, default_country: str = "SE") -> str:
    """Return ``raw`` as an E.164 number (``+46701234567``) or raise ``ValidationError("invalid_phone")``.

    * spaces, dashes, dots, slashes and parentheses are ignored;
    * ``+…`` and ``00…`` are international; ``0…`` is national, accepted for ``default_country`` "SE" only;
    * a trunk 0 after +46 (``+46 (0)70 …``, ``0046070…``) is dropped;
    * Swedish mobiles (+467…) must have 9 digits after +46, landlines 7–9; any number at most 15 digits.
    """
    if not isinstance(raw, str):
        raise _invalid(str(raw), "it is not text")
    compact = _SEPARATORS.sub("", raw)
    if not compact:
        raise _invalid(raw, "it is empty")
    international = compact.startswith("+")
    body = compact[1:] if international else compact
    if not body.isascii() or not body.isdigit():
        raise _invalid(raw, "only digits, spaces, dashes, dots, parentheses and a leading + are allowed")

    if international:
        digits = body
    elif body.startswith("00"):
        digits = body[2:]
    elif body.startswith("0"):
        country_code = _NATIONAL.get((default_country or "").upper())
        if country_code is None:
            raise _invalid(raw, "numbers outside Sweden must start with + or 00 and the country code")
        digits = country_code + body[1:]
    else:
        raise _invalid(raw, "it must start with 0 (a Swedish number) or with + or 00 and the country code")

    if not digits or digits[0] == "0":
        raise _invalid(raw, "the country code is missing")
    if digits.startswith("46"):
        national = digits[2:]
        if national.startswith("0"):
            national = national[1:]
        _check_swedish(raw, national)
        digits = "46" + national
    if len(digits) > E164_MAX_DIGITS:
        raise _invalid(raw, f"it has {len(digits)} digits, more than the {E164_MAX_DIGITS} allowed in a phone number")
    if len(digits) < E164_MIN_DIGITS:
        raise _invalid(raw, "it is too short")
    return "+" + digits
