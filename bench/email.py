"""1,000 request e-mails to the fake Resend at its 2 requests/s limit, through the real resend SDK.

An orchestra (embedded SQLite) with its own Resend key sends a parallel need to 1,000 ranked musicians; the
outbox then delivers the 1,000 e-mails (HTML + text) in batches of up to 100, paced by the key's rate limiter.
The fake enforces the limit like Resend (429 beyond 2 requests in any second), so a 429 count above zero means
the pacing was too eager. Prints wall time, requests, 429s and the achieved request rate.

Goal: ≤ 6 s for 1,000 e-mails (the floor at 2 requests/s with batches of 100 is 10 requests ≈ 4.5–5 s).

Run: ``.venv/bin/python bench/email.py``
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# This file's name would hide the standard library's ``email`` package: this folder goes last on the import path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import tempfile
import time

EMAILS = 1000
KEY = "re_bench_orchestra_key_0001"


def main() -> None:
    from tests.fakes.resend_server import FakeResend

    fake = FakeResend(rate_limit=2).start()
    os.environ.update({
        "STAGESUB_ENV": "test",
        "STAGESUB_DATA_DIR": tempfile.mkdtemp(prefix="stagesub-bench-email-"),
        "STAGESUB_RESEND_API_URL": fake.url,
    })
    for name in ("RESEND_API_KEY", "STAGESUB_SIMULATE_MESSAGES", "STAGESUB_RESEND_RATE_LIMIT", "STAGESUB_DATABASE_URL"):
        os.environ.pop(name, None)

    from sqlmodel import func, select

    from models.central import Orchestra
    from models.orchestra import Outbox
    from services import dispatch, outbox, provisioning, secrets_box, tenancy
    from services.demo import add_crowd_project
    from services.migrations import upgrade_central

    upgrade_central()
    ref = provisioning.create_orchestra(name="Benchorkestern", subdomain="bench", contact_name="B",
                                        contact_email="b@bench.example.se", create_admin=False).orchestra
    with tenancy.central_session() as central:
        row = central.get(Orchestra, ref.id)
        row.resendApiKey, row.emailFromAddress = secrets_box.encrypt(KEY), "vikarier@bench.example.se"
        central.commit()
    with tenancy.orchestra_session(ref) as session:
        project_id = add_crowd_project(session, musicians=EMAILS, strategy="parallel", quantity=EMAILS)
        session.commit()
    started = time.perf_counter()
    sent = dispatch.send_project(ref, project_id)["sent"]
    queued = time.perf_counter() - started
    assert sent == EMAILS, sent

    started = time.perf_counter()
    delivered = 0
    while delivered < EMAILS:
        counts = outbox.deliver_due(ref, limit=EMAILS)
        delivered += counts["delivered"]
        if counts["retry"] or counts["failed"]:
            print(f"  retry={counts['retry']} failed={counts['failed']}")
            break
    wall = time.perf_counter() - started
    fake.stop()

    with tenancy.orchestra_session(ref) as session:
        sent_rows = session.exec(select(func.count()).select_from(Outbox).where(Outbox.status == "sent")).one()
    requests = len(fake.requests)
    accepted = requests - fake.rate_limited
    print(f"queue {EMAILS} request e-mails (render + outbox, one transaction): {queued:.2f} s")
    print(f"deliver {sent_rows}/{EMAILS} e-mails: {wall:.2f} s wall (goal ≤ 6 s; the earlier system needed 500 s)")
    print(f"  requests to Resend: {requests} ({accepted} accepted, {fake.rate_limited} refused with 429)")
    print(f"  e-mails at the fake: {len(fake.emails)} (each exactly once: {len(fake.emails) == EMAILS})")
    if wall > 0 and accepted > 1:  # n requests paced at the limit span n - 1 intervals
        rate = (accepted - 1) / wall
        print(f"  request rate: {rate:.2f}/s against a limit of 2/s ({100 * rate / 2:.0f} % of the limit)")


if __name__ == "__main__":
    main()
