"""A fake Twilio REST API: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with HTTP basic auth.

``accounts`` maps account SID -> auth token; a wrong or missing token answers 401 (Twilio error 20003), a path
SID other than the authenticated one 403. Accepted messages are kept in ``messages`` as
``(account_sid, form, sid)``; the answer is a Message resource with ``status: queued``.
"""

from __future__ import annotations

import base64
import email.utils
import itertools
import re
from urllib.parse import parse_qs

from tests.fakes import FakeServer, RecordedRequest

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


class FakeTwilio(FakeServer):
    def __init__(self, accounts: dict[str, str] | None = None) -> None:
        super().__init__()
        self.accounts = dict(accounts or {})
        self.messages: list[tuple[str, dict[str, str], str]] = []
        self._resources: list[dict] = []
        self._ids = itertools.count(1)

    def error_body(self, status: int, message: str, code: int | None = None) -> dict:
        return {"code": code or 20500 + status, "message": message, "more_info": "https://www.twilio.com/docs",
                "status": status}

    def _err(self, status: int, message: str, code: int | None = None):
        return status, self.error_body(status, message, code), {}

    def handle(self, req: RecordedRequest):
        match = _MESSAGES.match(req.path)
        if req.method == "GET" and match:
            return self._list(req, match["sid"])
        if req.method != "POST" or not match:
            return self._err(404, f"{req.method} {req.path} is not served by the fake", 20404)
        user = self._auth_user(req)
        if user is None:
            return self._err(401, "Authenticate", 20003)
        if user != match["sid"]:
            return self._err(403, "The account does not match the credentials", 20403)
        form = {k: v[0] for k, v in req.form.items()}
        if not form.get("To") or not form.get("Body") or not form.get("From"):
            return self._err(400, "A 'To', 'From' and 'Body' are required", 21604)
        with self.lock:
            sid = f"SM{next(self._ids):032x}"
            self.messages.append((user, form, sid))
            resource = self._resource(user, form, sid)
            self._resources.append(resource)
        return 201, resource, {}

    @staticmethod
    def _resource(user: str, form: dict[str, str], sid: str) -> dict:
        now = email.utils.formatdate(usegmt=False)
        return {
            "sid": sid, "account_sid": user, "to": form["To"], "from": form["From"], "body": form["Body"],
            "status": "queued", "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
            "date_created": now, "date_updated": now,
            "date_sent": None, "price": None, "price_unit": "USD", "error_code": None, "error_message": None,
            "uri": f"/2010-04-01/Accounts/{user}/Messages/{sid}.json", "subresource_uris": {},
        }

    def _auth_user(self, req: RecordedRequest) -> str | None:
        auth = req.header("Authorization") or ""
        try:
            user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            return None
        return user if auth.startswith("Basic ") and self.accounts.get(user) == password else None

    def _list(self, req: RecordedRequest, sid: str):
        """``GET …/Messages.json?To=&From=``: the account's messages, newest first (one page)."""
        user = self._auth_user(req)
        if user is None:
            return self._err(401, "Authenticate", 20003)
        if user != sid:
            return self._err(403, "The account does not match the credentials", 20403)
        query = parse_qs(req.query)
        to, from_ = (query.get("To") or [None])[0], (query.get("From") or [None])[0]
        with self.lock:
            found = [m for m in reversed(self._resources) if m["account_sid"] == user
                     and (to is None or m["to"] == to) and (from_ is None or m["from"] == from_)]
        uri = f"/2010-04-01/Accounts/{user}/Messages.json"
        return 200, {"messages": found[:50], "page": 0, "page_size": 50, "first_page_uri": uri, "uri": uri,
                     "next_page_uri": None, "previous_page_uri": None, "start": 0, "end": max(0, len(found) - 1)}, {}

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.messages.clear()
            self._resources.clear()

    @staticmethod
    def signed_callback(url: str, params: dict[str, str], auth_token: str, *, send_to: str | None = None,
                        timeout: float = 10.0):
        """POST ``params`` as a form with the ``X-Twilio-Signature`` Twilio would compute for ``url`` with the
        account's ``auth_token`` (``RequestValidator.compute_signature``), the way Twilio calls a webhook.

        ``send_to`` delivers the call elsewhere than ``url`` (the address of a local server behind the public
        URL that Twilio signs). Returns the ``requests.Response``.
        """
        import requests  # local: only the webhook tests need them
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(auth_token).compute_signature(url, params)
        return requests.post(send_to or url, data=params, headers={"X-Twilio-Signature": signature},
                             timeout=timeout)
