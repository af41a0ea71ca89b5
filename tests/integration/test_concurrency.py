"""Many musicians answering at the same moment: the seats are never over-filled and everyone is told.

200 threads accept a first_come need of 3 seats at once (a barrier releases them together), on PostgreSQL
(row lock on the project) and on SQLite (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlmodel import func, select

from models.orchestra import (
    Outbox,
    ProjectNeed,
    Request,
)
from services import clock, dispatch, provisioning, settings, tenancy, tokens
from services.demo import add_crowd_project
from services.migrations import upgrade_central
from tests.integration.conftest import random_subdomain

ROSTER = 200
SEATS = 3


def _first_come_project(ref: tenancy.OrchestraRef) -> str:
    with tenancy.orchestra_session(ref) as session:
        project_id = add_crowd_project(session, musicians=ROSTER, strategy="first_come", quantity=SEATS,
                                       response_hours=24)
        session.commit()
        return project_id


def _race(ref: tenancy.OrchestraRef) -> None:
    project_id = _first_come_project(ref)
    assert dispatch.send_project(ref, project_id)["sent"] == ROSTER
    request_ids = [r["requestId"] for r in dispatch.list_requests(ref, project_id)]
    raw_tokens = [tokens.derive_token(ref.subdomain, ref.orchestraId, rid) for rid in request_ids]

    barrier = threading.Barrier(len(raw_tokens))
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def accept(raw: str) -> None:
        try:
            barrier.wait(timeout=60)
            outcome = dispatch.handle_response(raw, "accept")
            with lock:
                outcomes.append(outcome.outcome)
        except BaseException as exc:  # collected and re-raised below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=accept, args=(raw,)) for raw in raw_tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    assert Counter(outcomes) == {"accepted": SEATS, "position_filled": ROSTER - SEATS}
    with tenancy.orchestra_session(ref) as session:
        statuses = Counter(session.exec(select(Request.status)).all())
        assert statuses == {"accepted": SEATS, "cancelled": ROSTER - SEATS}
        need = session.exec(select(ProjectNeed)).one()
        assert need.status == "completed"
        messages = Counter(
            session.exec(select(Outbox.messageType).where(Outbox.channel == "email", Outbox.messageType != "request"))
        )
        told = session.exec(select(func.count(func.distinct(Outbox.musicianId))).where(
            Outbox.messageType.in_(("confirmation", "position_filled")))).one()
    # Those still pending when the seats filled got a "position filled" e-mail; the others saw it on the page.
    assert messages["confirmation"] == SEATS
    assert messages["position_filled"] <= ROSTER - SEATS
    assert told == SEATS + messages["position_filled"]


def test_200_simultaneous_accepts_on_postgresql(new_pg_database, orchestra_server, tmp_path, monkeypatch):
    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAGESUB_DATABASE_URL", new_pg_database())
    settings.reset_settings()
    tenancy.dispose_all()
    upgrade_central()
    ref = provisioning.create_orchestra(name="Race", subdomain=random_subdomain(), contact_name="K",
                                        contact_email="k@race.example.se", create_admin=False).orchestra
    assert ref.database_url.startswith("postgresql")
    _race(ref)
    settings.reset_settings()


def test_200_simultaneous_accepts_on_sqlite(installation):
    ref = provisioning.create_orchestra(name="Race", subdomain="race", contact_name="K",
                                        contact_email="k@race.example.se", create_admin=False).orchestra
    _race(ref)


@pytest.fixture(autouse=True)
def _clean_clock():
    yield
    clock.reset()
