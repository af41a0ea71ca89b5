"""A fake Twilio REST API: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with HTTP basic auth.

``accounts`` maps account SID -> auth token; a wrong or missing token answers 401 (Twilio error 20003), a path
SID other than the authenticated one 403. Accepted messages are kept in ``messages`` as
``(account_sid, form, sid)``; the answer is a Message resource with ``status: queued``.
"""

from __future__ import annotations

import base64
import itertools
import re

from tests.fakes import FakeServer, RecordedRequest

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


class FakeTwilio(FakeServer):
    def __init__(self, accounts: dict[str, str] | None = None) -> None:
        super().__init__()
        self.accounts = dict(accounts or {})
        self.messages: list[tuple[str, dict[str, str], str]] = []
        self._ids = itertools.count(1)

    def error_body(self, status: int, message: str, code: int | None = None) -> dict:
        return {"code": code or 20500 + status, "message": message, "more_info": "https://www.twilio.com/docs",
                "status": status}

    def _err(self, status: int, message: str, code: int | None = None):
        return status, self.error_body(status, message, code), {}

    def handle(self, req: RecordedRequest):
        match = _MESSAGES.match(req.path)
        if req.method != "POST" or not match:
            return self._err(404, f"{req.method} {req.path} is not served by the fake", 20404)
        auth = req.header("Authorization") or ""
        try:
            user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            user, password = "", ""
        if not auth.startswith("Basic ") or self.accounts.get(user) != password:
            return self._err(401, "Authenticate", 20003)
        if user != match["sid"]:
            return self._err(403, "The account does not match the credentials", 20403)
        form = {k: v[0] for k, v in req.form.items()}
        if not form.get("To") or not form.get("Body") or not form.get("From"):
            return self._err(400, "A 'To', 'From' and 'Body' are required", 21604)
        with self.lock:
            sid = f"SM{next(self._ids):032x}"
            self.messages.append((user, form, sid))
        return 201, {
            "sid": sid, "account_sid": user, "to": form["To"], "from": form["From"], "body": form["Body"],
            "status": "queued", "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
            "date_created": "Tue, 25 Nov 2025 10:00:00 +0000", "date_updated": "Tue, 25 Nov 2025 10:00:00 +0000",
            "date_sent": None, "price": None, "price_unit": "USD", "error_code": None, "error_message": None,
            "uri": f"/2010-04-01/Accounts/{user}/Messages/{sid}.json", "subresource_uris": {},
        }, {}

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.messages.clear()
