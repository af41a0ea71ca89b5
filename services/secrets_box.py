"""Encryption at rest for secrets kept in the central database (database URLs with passwords, provider keys).

Values are stored as ``enc:v1:<Fernet token>``; the key is derived from ``STAGESUB_SECRET_KEY``. A value
without the prefix (written by the earlier system in plain text) is read as it is, so old rows keep working
and are encrypted the next time they are saved.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from services.settings import get_settings

PREFIX = "enc:v1:"


def _fernet() -> Fernet:
    digest = hashlib.sha256(("stagesub-secrets:" + get_settings().secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str | None) -> str | None:
    if value is None or value == "" or value.startswith(PREFIX):
        return value
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt(value: str | None) -> str | None:
    if value is None or not value.startswith(PREFIX):
        return value
    try:
        return _fernet().decrypt(value[len(PREFIX):].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("a stored secret cannot be decrypted: STAGESUB_SECRET_KEY has changed") from exc


def last4(value: str | None) -> str:
    """What the UI may show of a secret: 'set' plus its last four characters."""
    plain = decrypt(value)
    return f"…{plain[-4:]}" if plain else ""
