"""SMS encoding, segment counting and fitting (services.messaging.sms_text)."""

from __future__ import annotations

import pytest

from services.messaging.sms_text import GSM7_BASIC, GSM7_EXTENSION, fit_sms, sms_encoding, sms_segments

LINK = "https://demo.stagesub.se/svar/AbCdEfGhIjKlMnOpQrStUv"


def test_gsm_tables_match_gsm_03_38():
    assert len(GSM7_BASIC) == 127  # 128 code points less ESC
    assert len(GSM7_EXTENSION) == 10  # form feed ^ { } \ [ ~ ] | €
    assert GSM7_BASIC.isdisjoint(GSM7_EXTENSION)
    for char in "åäöÅÄÖéÉÆØæøÜüÑñàèìòùÇß@£$¥§¤¡¿ΔΦΓΛΩΠΨΣΘΞ_\n\r":
        assert char in GSM7_BASIC, char


@pytest.mark.parametrize(
    "text",
    ["", "Hej Åsa! Vill du vikariera i Vårkonserten? Svara JA eller NEJ.", "Kör: Händel, Bizet & Fauré (é)",
     "Pris 100€ {a} [b] ~c^ |d| \\e"],
)
def test_gsm7_texts(text):
    assert sms_encoding(text) == "GSM-7"


@pytest.mark.parametrize(
    "text",
    ["Tack! 🎻", "Dvořák", "Üben … bitte", "Fuß ç", "Line – dash", "back`tick", "Ελλάδα"],
)
def test_ucs2_texts(text):
    # ç (lower case) is not in the table (only Ç); Greek lower case is not either.
    assert sms_encoding(text) == "UCS-2"


def test_gsm7_segment_boundaries():
    assert sms_segments("") == 1
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3
    assert sms_segments("å" * 160) == 1


def test_extension_characters_count_two_septets():
    assert sms_segments("€" * 80) == 1
    assert sms_segments("€" * 81) == 2
    assert sms_segments("a" * 159 + "{") == 2
    # an ESC pair is never split across parts: 152 septets + "{" does not fit into the first part's 153
    assert sms_segments("a" * 152 + "{" + "a" * 152) == 3
    assert sms_segments("a" * 151 + "{" + "a" * 153) == 2


def test_ucs2_segment_boundaries():
    assert sms_segments("ж" * 70) == 1
    assert sms_segments("ж" * 71) == 2
    assert sms_segments("ж" * 134) == 2
    assert sms_segments("ж" * 135) == 3


def test_emoji_count_two_utf16_units():
    assert sms_segments("🎻" * 35) == 1
    assert sms_segments("🎻" * 35 + "a") == 2
    assert sms_segments("a" * 69 + "🎻") == 2


def test_fit_keeps_short_text_unchanged():
    parts = ["Hej Anna! Du har en förfrågan om Tutti violin 1 i Vårkonsert.", "Svara senast 2 mars 10:00.", LINK]
    assert fit_sms(parts) == "\n".join(parts)
    assert fit_sms([]) == ""


def test_fit_shortens_first_part_and_keeps_link_gsm7():
    first = "Hej Anna! Du har en förfrågan om att vikariera som tutti violin 1 i projektet Vårkonsert. " * 10
    result = fit_sms([first, "Svara senast 2 mars 10:00.", LINK], max_segments=3)
    assert sms_segments(result) <= 3
    assert result.endswith("\nSvara senast 2 mars 10:00.\n" + LINK)
    head = result.split("\n")[0]
    assert head.endswith("...")  # "…" would turn the whole text into UCS-2
    assert sms_encoding(result) == "GSM-7"
    assert first.startswith(head[:-3])
    assert len(result) > 400  # most of the three GSM-7 segments is used


def test_fit_shortens_ucs2_text_with_ellipsis_character():
    first = "Hej Dvořák-fan! 🎻 Du har en förfrågan om att vikariera i projektet Vårkonsert. " * 5
    result = fit_sms([first, LINK], max_segments=2)
    assert sms_segments(result) <= 2
    assert result.endswith("\n" + LINK)
    assert result.split("\n")[0].endswith("…")
    assert sms_segments(fit_sms([first, LINK], max_segments=1)) == 1


def test_fit_prefers_word_boundary():
    first = "word " * 100
    result = fit_sms([first, LINK], max_segments=1)
    head = result.split("\n")[0]
    assert head.endswith("word...")


def test_fit_raises_when_the_link_alone_is_too_long():
    with pytest.raises(ValueError):
        fit_sms(["Hej", "x" * 200], max_segments=1)
    with pytest.raises(ValueError):
        fit_sms(["x" * 500], max_segments=1)
    with pytest.raises(ValueError):
        fit_sms(["x"], max_segments=0)
