"""E.164 normalisation of phone numbers (services.messaging.phone)."""

from __future__ import annotations

import pytest

from services.errors import ValidationError
from services.messaging.phone import normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("070-123 45 67", "+46701234567"),
        ("0701234567", "+46701234567"),
        ("070.123.45.67", "+46701234567"),
        ("(070) 123 45 67", "+46701234567"),
        ("  073-987 65 43 ", "+46739876543"),
        ("+46701234567", "+46701234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("+46 (0)70 123 45 67", "+46701234567"),
        ("+46070-1234567", "+46701234567"),
        ("0046701234567", "+46701234567"),
        ("0046 (0)70 123 45 67", "+46701234567"),
        ("08-123 456 78", "+46812345678"),  # Stockholm landline, 8 digits after +46
        ("031-12 34 56", "+4631123456"),
        ("0980-123 45", "+4698012345"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+1 (555) 123-4567", "+15551234567"),
        ("+47 912 34 567", "+4791234567"),
    ],
)
def test_normalises(raw, expected):
    assert normalise_phone(raw) == expected


def test_result_is_idempotent():
    once = normalise_phone("070-123 45 67")
    assert normalise_phone(once) == once


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "070-ABC 45 67",
        "070 123 45 67 ext 3",
        "+46 70 123+45 67",
        "070123456",  # mobile one digit short
        "07012345678",  # mobile one digit long
        "+4670123456789",
        "0812345",  # landline too short (6 digits after +46)
        "+46 8 1234567890",  # landline too long
        "+46 00 701234567",
        "701234567",  # no trunk 0 and no country code
        "46701234567",  # country code without + or 00
        "+1234567890123456",  # 16 digits: longer than E.164 allows
        "+0 123 456 789",
        "+12345",
        "00",
    ],
)
def test_rejects_with_clear_error(raw):
    with pytest.raises(ValidationError) as caught:
        normalise_phone(raw)
    error = caught.value
    assert error.code == "invalid_phone"
    assert error.status == 422
    assert "phone" in error.fields and error.fields["phone"]
    if raw.strip():
        assert raw.strip() in error.message


def test_national_form_only_for_sweden():
    with pytest.raises(ValidationError) as caught:
        normalise_phone("020 7946 0958", default_country="GB")
    assert "+ or 00" in caught.value.message
    assert normalise_phone("+44 20 7946 0958", default_country="GB") == "+442079460958"
    assert normalise_phone("070-123 45 67", default_country="se") == "+46701234567"


def test_error_message_is_english_and_names_the_number():
    with pytest.raises(ValidationError) as caught:
        normalise_phone("070-12")
    assert caught.value.message.startswith("The phone number '070-12' cannot be used")
    assert "10 digits" in caught.value.message
