"""Small stand-ins for external HTTP APIs (Resend, Twilio) on 127.0.0.1, reached through the real SDKs.

What they share: a threaded ``http.server`` on 127.0.0.1:0, request recording and programmable failures.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many clients connect at once in the concurrency tests
    daemon_threads = True


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: str = ""
    json: object = None
    form: dict[str, list[str]] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Failure:
    status: int
    body: dict
    headers: dict[str, str]
    delay: float = 0.0


class FakeServer:
    """Base of the fakes: start/stop (also as a context manager), ``requests`` recorded, failures queued."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self._failures: deque[Failure] = deque()
        self.latency = 0.0  # seconds every answer takes (after the request is recorded)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                recorded = RecordedRequest(self.command, parts.path, dict(self.headers.items()), body, parts.query)
                ctype = (self.headers.get("Content-Type") or "").lower()
                if body and "json" in ctype:
                    try:
                        recorded.json = json.loads(body)
                    except ValueError:
                        recorded.json = None
                elif body and "x-www-form-urlencoded" in ctype:
                    recorded.form = parse_qs(body.decode(), keep_blank_values=True)
                with fake.lock:
                    fake.requests.append(recorded)
                    failure = fake._failures.popleft() if fake._failures else None
                if fake.latency:
                    time.sleep(fake.latency)
                if failure is not None:
                    if failure.delay:
                        time.sleep(failure.delay)
                    status, payload, headers = failure.status, failure.body, failure.headers
                else:
                    status, payload, headers = fake.handle(recorded)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _handle

        self.server = _Server(("127.0.0.1", 0), Handler)
        self._thread: threading.Thread | None = None

    # --- to override ---
    def handle(self, req: RecordedRequest) -> tuple[int, dict, dict[str, str]]:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> dict:
        return {"message": message}

    # --- lifecycle ---
    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), name=type(self).__name__,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- programmable failures ---
    def fail_next(self, count: int = 1, status: int = 500, *, retry_after: int | str | None = None,
                  message: str = "programmed failure", delay: float = 0.0, body: dict | None = None) -> None:
        """The next ``count`` requests get ``status`` (with Retry-After when given); ``delay`` simulates a hang."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self.lock:
            for _ in range(count):
                self._failures.append(Failure(status, body or self.error_body(status, message), headers, delay))

    def clear_failures(self) -> None:
        with self.lock:
            self._failures.clear()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self._failures.clear()
