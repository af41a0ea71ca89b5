"""SMS length: GSM-7 or UCS-2, segments, and fitting a text into a number of segments.

Pure functions. The GSM 03.38 default alphabet (basic table) costs one septet per character, its extension
table (reached through ESC) two; any other character makes the whole message UCS-2, where every UTF-16 code
unit costs one of 70 (single) or 67 (concatenated) characters, so an emoji counts twice.
"""

from __future__ import annotations

from typing import Literal

# GSM 03.38 basic character set, in table order (0x00–0x7F); 0x1B (ESC) is left out.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: ESC + one septet each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]


def sms_encoding(text: str) -> Encoding:
    """"GSM-7" when every character is in the GSM 03.38 basic or extension table, else "UCS-2"."""
    for char in text:
        if char not in GSM7_BASIC and char not in GSM7_EXTENSION:
            return "UCS-2"
    return "GSM-7"


def _units(text: str, encoding: Encoding) -> list[int]:
    """The cost of each character: septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if encoding == "GSM-7":
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def sms_segments(text: str) -> int:
    """How many SMS the text is sent as (an empty text is still one message).

    One segment holds 160 septets / 70 UTF-16 units; a concatenated message 153 / 67 per part. A character is
    never split across two parts (an ESC pair or a surrogate pair moves whole to the next part), as phones and
    Twilio do, so a part may hold one unit less than its capacity.
    """
    encoding = sms_encoding(text)
    units = _units(text, encoding)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for cost in units:
        if used + cost > part:
            segments += 1
            used = 0
        used += cost
    return segments


def _ellipsis_for(text: str) -> str:
    # "…" is not in the GSM alphabet: adding it to a GSM-7 text would turn it into UCS-2 and cut the room by
    # more than half, so a GSM-7 text is shortened with "..." instead.
    return "…" if sms_encoding(text) == "UCS-2" else "..."


def _shorten(first: str, rest: list[str], max_segments: int) -> str | None:
    """The longest cut of ``first`` (word boundary preferred) + ellipsis that fits together with ``rest``."""

    def build(length: int) -> str:
        head = first[:length].rstrip()
        return "\n".join([head + _ellipsis_for("\n".join([head, *rest])), *rest])

    if sms_segments(build(0)) > max_segments:
        return None
    low, high = 0, len(first) - 1  # build(low) fits; a cut is at least one character shorter than ``first``
    while low < high:
        middle = (low + high + 1) // 2
        if sms_segments(build(middle)) <= max_segments:
            low = middle
        else:
            high = middle - 1
    cut = low
    if cut < len(first) and not first[cut].isspace():
        space = first.rfind(" ", 0, cut)
        if space > 0 and cut - space <= 20:
            cut = space
    return build(cut)


def fit_sms(parts: list[str], max_segments: int = 3) -> str:
    """Join ``parts`` with newlines, shortening the first part with an ellipsis if the text would need more
    than ``max_segments`` SMS. The last part (the response link) and any parts between are kept whole.

    Raises ``ValueError`` when even without the first part's text the message does not fit.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    if not parts:
        return ""
    text = "\n".join(parts)
    if sms_segments(text) <= max_segments:
        return text
    if len(parts) == 1:
        raise ValueError(f"the text needs {sms_segments(text)} SMS, more than {max_segments}, and cannot be shortened")
    shortened = _shorten(parts[0], list(parts[1:]), max_segments)
    if shortened is None:
        raise ValueError(f"the last parts alone need more than {max_segments} SMS")
    return shortened
