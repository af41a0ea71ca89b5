"""Response tokens: the secret in a musician's response link.

A token is ``<subdomain>.<32 url-safe characters>``: the subdomain names the orchestra, so a link resolves
on any host; the rest is 192 bits of HMAC-SHA256 (keyed with ``STAGESUB_SECRET_KEY``) over the orchestra
and request ids. The database keeps only the SHA-256 of the whole token (``RequestToken.token``). Deriving
the token from the request lets a reminder carry the *same* link as the request — one live token per
request — without ever storing it readable.

Tokens of the earlier system (plain cuids in ``RequestToken.token``) keep working until they expire; their
links had the form ``/respond?token=<t>&org=<subdomain>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import urlencode

from services import tenancy
from services.settings import get_settings

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SAFE = re.compile(r"^[A-Za-z0-9_.-]{8,200}$")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def derive_token(subdomain: str, orchestra_id: str, request_id: str) -> str:
    """The raw token of a request (the same every time for the same request)."""
    key = hashlib.sha256(("stagesub-response-token:" + get_settings().secret_key).encode()).digest()
    mac = hmac.new(key, f"{orchestra_id}:{request_id}".encode(), hashlib.sha256).digest()
    return f"{subdomain}." + base64.urlsafe_b64encode(mac).decode().rstrip("=")[:32]


def is_legacy(raw: str) -> bool:
    """A token of the earlier system: no orchestra prefix."""
    return "." not in raw


def lookup_keys(raw: str) -> list[str]:
    """Values of ``RequestToken.token`` that this raw token may match.

    Our tokens match by hash only; a legacy token also by its plain value. A 64-hex string is never looked
    up plainly, so a leaked hash cannot be used as a token.
    """
    keys = [hash_token(raw)]
    if is_legacy(raw) and not _HEX64.match(raw):
        keys.append(raw)
    return keys


def orchestra_subdomain(raw: str, org: str | None = None) -> str | None:
    """Which orchestra a token belongs to: its prefix, or for a legacy token the ``org`` of its link."""
    if not raw or not _SAFE.match(raw):
        return None
    if not is_legacy(raw):
        return raw.split(".", 1)[0].lower()
    return (org or "").strip().lower() or None


def response_url(ref: tenancy.OrchestraRef, raw: str) -> str:
    base = tenancy.orchestra_base_url(ref)
    if is_legacy(raw):
        return f"{base}/respond?{urlencode({'token': raw, 'org': ref.subdomain})}"
    return f"{base}/respond/{raw}"
