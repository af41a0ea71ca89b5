"""The SMS texts of the request engine, in the musician's language (sv, en), with link, deadline and short code.

Texts are built from parts and fitted into at most ``MAX_SEGMENTS`` SMS (``sms_text.fit_sms`` shortens the first,
descriptive part, never the link or the reply instructions). The segment count is returned with the text so
that it is stored on the message (it is what the provider bills).
"""

from __future__ import annotations

from services.messaging import sms_text

MAX_SEGMENTS = 3

TEXTS = {
    "sv": {
        "request": "Hej {firstName}! {orchestraName} söker {positionName} till {projectName} ({startDate}).",
        "reminder": "Påminnelse från {orchestraName}: du har inte svarat på förfrågan om {positionName} i "
                    "{projectName}.",
        "confirmation": "Tack {firstName}! Du är bokad som {positionName} i {projectName} ({startDate}). "
                        "Mer information kommer med e-post.",
        "position_filled": "Hej {firstName}. Platsen som {positionName} i {projectName} är redan tillsatt. Tack ändå!",
        "answer": "Svara senast {deadline}: {responseUrl}",
        "reply": "Eller svara JA {code} / NEJ {code} på detta SMS.",
    },
    "en": {
        "request": "Hi {firstName}! {orchestraName} is looking for {positionName} for {projectName} ({startDate}).",
        "reminder": "Reminder from {orchestraName}: you have not answered the request for {positionName} in "
                    "{projectName}.",
        "confirmation": "Thank you {firstName}! You are booked as {positionName} in {projectName} ({startDate}). "
                        "More information follows by e-mail.",
        "position_filled": "Hi {firstName}. The position as {positionName} in {projectName} has already been filled. "
                           "Thank you anyway!",
        "answer": "Answer by {deadline}: {responseUrl}",
        "reply": "Or reply YES {code} / NO {code} to this SMS.",
    },
}

TYPES = ("request", "reminder", "confirmation", "position_filled")


def engine_sms(message_type: str, language: str, values: dict[str, object], code: str | None) -> tuple[str, int]:
    """(text, segments) of one engine SMS; ``values`` are the template variables of the message."""
    texts = TEXTS["en" if language == "en" else "sv"]
    safe = {k: ("" if v is None else str(v)) for k, v in values.items()}
    parts = [texts[message_type].format_map(_Missing(safe))]
    if message_type in ("request", "reminder") and safe.get("responseUrl"):
        parts.append(texts["answer"].format_map(_Missing(safe)))
        if code:
            parts.append(texts["reply"].format(code=code))
    text = sms_text.fit_sms(parts, MAX_SEGMENTS)
    return text, sms_text.sms_segments(text)


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return ""
