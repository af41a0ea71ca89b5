"""A fake Resend API: ``POST /emails`` and ``POST /emails/batch`` with Bearer keys and Idempotency-Key.

Every request is recorded in ``requests``; every e-mail actually accepted (a new send) in ``emails`` as
``(api_key, payload, id)``. A repeated Idempotency-Key (same key, same body, same API key) answers the first
response again and adds nothing to ``emails``; the same key with a different body answers 409 as Resend does.
"""

from __future__ import annotations

import itertools
import time
from collections import deque

from tests.fakes import FakeServer, RecordedRequest

_NAMES = {400: "validation_error", 401: "missing_api_key", 403: "invalid_api_key", 404: "not_found",
          409: "invalid_idempotent_request", 422: "validation_error", 429: "rate_limit_exceeded",
          500: "application_error"}


class FakeResend(FakeServer):
    def __init__(self, valid_keys: set[str] | None = None, rate_limit: int | None = None) -> None:
        super().__init__()
        self.valid_keys = valid_keys  # None: any "re_…" key is accepted
        self.rate_limit = rate_limit  # requests per key in any one second (None: no limit), as Resend enforces
        self.rate_limited = 0  # how many requests got 429 for going over it
        self._recent: dict[str, deque[float]] = {}
        self.emails: list[tuple[str, dict, str]] = []
        self._idempotent: dict[tuple[str, str], tuple[bytes, tuple[int, dict, dict]]] = {}
        self._ids = itertools.count(1)

    def error_body(self, status: int, message: str) -> dict:
        return {"statusCode": status, "name": _NAMES.get(status, "application_error"), "message": message}

    def _err(self, status: int, message: str):
        return status, self.error_body(status, message), {}

    def _new_id(self) -> str:
        return f"em_{next(self._ids):08d}"

    def handle(self, req: RecordedRequest):
        if req.method != "POST" or req.path not in ("/emails", "/emails/batch"):
            return self._err(404, f"{req.method} {req.path} is not served by the fake")
        auth = req.header("Authorization") or ""
        key = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        if not key or key == "None":
            return self._err(401, "Missing API key in the authorization header")
        if (self.valid_keys is not None and key not in self.valid_keys) or (
                self.valid_keys is None and not key.startswith("re_")):
            return self._err(403, "API key is invalid")
        idem = req.header("Idempotency-Key")
        with self.lock:
            if self.rate_limit is not None:
                recent = self._recent.setdefault(key, deque())
                now = time.monotonic()
                while recent and recent[0] <= now - 1.0:
                    recent.popleft()
                if len(recent) >= self.rate_limit:
                    self.rate_limited += 1
                    return 429, self.error_body(429, "Too many requests"), {"Retry-After": "1"}
                recent.append(now)
            if idem is not None and (key, idem) in self._idempotent:
                body, answer = self._idempotent[(key, idem)]
                if body != req.body:
                    return self._err(409, "Same idempotency key used with a different request payload")
                return answer
            if req.path == "/emails":
                if not isinstance(req.json, dict) or not all(req.json.get(f) for f in ("from", "to", "subject")):
                    return self._err(422, "Missing `from`, `to` or `subject` field")
                email_id = self._new_id()
                self.emails.append((key, req.json, email_id))
                answer = (200, {"id": email_id}, {})
            else:
                if not isinstance(req.json, list) or not req.json or len(req.json) > 100:
                    return self._err(422, "A batch is a list of 1 to 100 e-mails")
                ids = []
                for item in req.json:
                    email_id = self._new_id()
                    self.emails.append((key, item, email_id))
                    ids.append({"id": email_id})
                answer = (200, {"data": ids}, {})
            if idem is not None:
                self._idempotent[(key, idem)] = (req.body, answer)
            return answer

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.emails.clear()
            self._idempotent.clear()
            self._recent.clear()
            self.rate_limited = 0
