"""services.group_email: recipients computed on the server from a project's accepted musicians, filters ORed
within and ANDed between, one log + one outbox e-mail per recipient in one transaction, attachments of the
project only, SMS notices behind the orchestra's switch, progress as the outbox delivers, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.central import Orchestra
from models.orchestra import FileStorage, GroupEmailLog, Musician, Outbox, Request
from services import clock, group_email, ids, outbox, secrets_box, settings, tenancy
from services.errors import NotFound, ValidationError
from tests.engine_helpers import (
    CELLO_TUTTI,
    CONCERTMASTER,
    VIOLA_TUTTI,
    VIOLIN_TUTTI,
    add_musician,
    add_need,
    count,
    make_orchestra,
    make_project,
    position,
)
from tests.fakes.resend_server import FakeResend


@pytest.fixture
def ref(installation, monkeypatch):
    for name in ("RESEND_API_KEY", "STAGESUB_EMAIL_FROM", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                 "TWILIO_FROM_NUMBER", "STAGESUB_SIMULATE_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    settings.reset_settings()
    return make_orchestra("grupp", "Grupporkestern")


def set_request(ref, need, musician_pk: int, status: str = "accepted") -> None:
    with tenancy.orchestra_session(ref) as session:
        session.add(Request(requestId=ids.next_id(session, "request"), projectNeedId=need.pk, musicianId=musician_pk,
                            status=status, response="yes" if status == "accepted" else None))
        session.commit()


def set_musician(ref, musician_pk: int, **values) -> None:
    with tenancy.orchestra_session(ref) as session:
        row = session.get(Musician, musician_pk)
        for key, value in values.items():
            setattr(row, key, value)
        session.commit()


def set_orchestra(ref, **values) -> None:
    with tenancy.central_session() as central:
        row = central.get(Orchestra, ref.id)
        for key, value in values.items():
            setattr(row, key, value)
        central.commit()


def add_blob(ref, project_pk: int | None, name: str = "noter.pdf", size: int = 4) -> str:
    with tenancy.orchestra_session(ref) as session:
        blob = FileStorage(fileName=name, originalName=name, mimeType="application/pdf", size=size,
                           content=b"%PDF"[:size].ljust(size, b"x"), projectId=project_pk)
        session.add(blob)
        session.commit()
        return blob.id


@pytest.fixture
def world(ref):
    """A project with accepted violinists (concertmaster and tutti), a violist and a cellist, plus people who
    must never receive the mail: a declined and a pending violinist, an inactive accepted violist, and an
    accepted musician of another project."""
    violin, leader = position(ref, VIOLIN_TUTTI), position(ref, CONCERTMASTER)
    viola, cello = position(ref, VIOLA_TUTTI), position(ref, CELLO_TUTTI)
    project, other = make_project(ref, "Mahler 5"), make_project(ref, "Brahms 2")
    needs = {name: add_need(ref, project, pos, "parallel", quantity=3)
             for name, pos in (("violin", violin), ("leader", leader), ("viola", viola), ("cello", cello))}
    people = {}
    for name, need, status, extra in (
        ("Vera", "violin", "accepted", {}), ("Adam", "violin", "accepted", {"language": "en"}),
        ("Kim", "leader", "accepted", {}), ("Ola", "viola", "accepted", {}), ("Cecilia", "cello", "accepted", {}),
        ("Nils", "violin", "declined", {}), ("Pia", "violin", "pending", {}),
        ("Ivar", "viola", "accepted", {"active": False}),
    ):
        people[name] = add_musician(ref, name, **extra)
        set_musician(ref, people[name], lastName=f"{name}son")
        set_request(ref, needs[need], people[name], status)
    people["Otto"] = add_musician(ref, "Otto")
    set_request(ref, add_need(ref, other, violin, "parallel"), people["Otto"])
    with tenancy.orchestra_session(ref) as session:
        ids_of = dict(session.exec(select(Musician.id, Musician.musicianId)).all())
    return {"project": project, "other": other, "people": people, "mid": {n: ids_of[pk] for n, pk in people.items()},
            "violin": violin, "leader": leader, "viola": viola, "cello": cello}


def names(rows: list[dict]) -> list[str]:
    return [row["name"].split()[0] for row in rows]


def instrument_id(ref, pos) -> str:
    from models.orchestra import Instrument, Position

    with tenancy.orchestra_session(ref) as session:
        return session.exec(select(Instrument.instrumentId).join(Position, Position.instrumentId == Instrument.id)
                             .where(Position.id == pos.pk)).one()


def test_recipients_are_the_accepted_active_musicians_in_orchestra_order(ref, world):
    rows = group_email.recipients(ref, world["project"].projectId, None, None)
    # Violin (concertmaster, level 1, before tutti), Viola, Cello; by name within a position.
    assert names(rows) == ["Kim", "Adam", "Vera", "Ola", "Cecilia"]
    assert rows[0]["accepted"] == "Violin – Förste konsertmästare"
    assert rows[1]["accepted"] == "Violin – Tutti violin 1" and rows[1]["language"] == "en"
    assert names(group_email.recipients(ref, world["other"].projectId)) == ["Otto"]


def test_filters_are_ored_within_and_anded_between(ref, world):
    project_id = world["project"].projectId
    violin_inst, viola_inst = instrument_id(ref, world["violin"]), instrument_id(ref, world["viola"])
    assert names(group_email.recipients(ref, project_id, [violin_inst], None)) == ["Kim", "Adam", "Vera"]
    assert names(group_email.recipients(ref, project_id, [violin_inst, viola_inst], [])) == [
        "Kim", "Adam", "Vera", "Ola"]
    assert names(group_email.recipients(ref, project_id, None, [world["leader"].positionId,
                                                                world["cello"].positionId])) == ["Kim", "Cecilia"]
    # AND between: violin instrument and the concertmaster position -> only Kim; violin and cello -> nobody.
    assert names(group_email.recipients(ref, project_id, [violin_inst], [world["leader"].positionId])) == ["Kim"]
    assert group_email.recipients(ref, project_id, [violin_inst], [world["cello"].positionId]) == []
    with pytest.raises(ValidationError) as caught:
        group_email.recipients(ref, project_id, ["INST999"], None)
    assert "instrumentIds" in caught.value.fields
    with pytest.raises(NotFound):
        group_email.recipients(ref, "PROJ999")


def test_projects_are_upcoming_only_by_week_then_name(ref, world):
    make_project(ref, "Gammal", start=clock.now() - timedelta(days=2))
    same_week = world["project"].startDate + timedelta(hours=2)
    make_project(ref, "Aida", start=same_week)
    make_project(ref, "Tidig", start=clock.now() + timedelta(days=8))
    listed = group_email.group_email_projects(ref)
    assert [p["name"] for p in listed] == ["Tidig", "Aida", "Brahms 2", "Mahler 5"]
    assert listed[0]["label"] == f"V. {listed[0]['weekNumber']} Tidig"


def test_send_writes_one_log_and_one_email_per_server_side_recipient_in_one_transaction(ref, world):
    project_id = world["project"].projectId
    violin_inst = instrument_id(ref, world["violin"])
    result = group_email.send_group_email(
        ref, project_id, subject="Projekt Mahler 5, vecka 12: Repetition", message="Hej!\n<b>Ta med</b> noter.",
        instrument_ids=[violin_inst], position_ids=None, attachment_ids=[], actor="anna")
    assert result["recipients"] == 3 and result["sms"] == 0
    with tenancy.orchestra_session(ref) as session:
        log = session.get(GroupEmailLog, result["logId"])
        assert (log.sentCount, log.failedCount) == (0, 0)
        assert [r["musicianId"] for r in log.recipients] == [world["mid"][n] for n in ("Kim", "Adam", "Vera")]
        assert all(r["email"] for r in log.recipients)
        assert log.filters["instrumentIds"] == [violin_inst] and log.filters["sentBy"] == "anna"
        rows = session.exec(select(Outbox).where(Outbox.groupEmailLogId == log.id).order_by(Outbox.id)).all()
    assert len(rows) == 3 and {(r.channel, r.messageType) for r in rows} == {("email", "group_email")}
    assert [r.musicianId for r in rows] == [world["people"][n] for n in ("Kim", "Adam", "Vera")]
    assert all(r.payload == {"attachments": [], "projectId": project_id} for r in rows)
    assert "&lt;b&gt;Ta med&lt;/b&gt;" in rows[0].htmlBody and "<b>Ta med" not in rows[0].htmlBody
    # The orchestra's group_email template: its greeting and signature around the message.
    assert rows[0].body.startswith("Hej Kim!") and "<b>Ta med</b> noter." in rows[0].body
    assert rows[1].body.startswith("Dear Adam,")  # Adam reads English

    # A filter nobody matches: nothing written at all.
    before = (count(ref, GroupEmailLog), count(ref, Outbox))
    with pytest.raises(ValidationError) as caught:
        group_email.send_group_email(ref, project_id, subject="Hej", message="M", instrument_ids=[violin_inst],
                                     position_ids=[world["cello"].positionId], attachment_ids=[], actor="anna")
    assert caught.value.code == "no_recipients"
    assert (count(ref, GroupEmailLog), count(ref, Outbox)) == before


@pytest.mark.parametrize(("subject", "message", "field"), [
    ("", "Meddelande", "subject"),
    ("   ", "Meddelande", "subject"),
    ("Rad ett\nrad två", "Meddelande", "subject"),
    ("x" * 201, "Meddelande", "subject"),
    ("Ämne", "", "message"),
    ("Ämne", "x" * 20_001, "message"),
    ("Ämne", 42, "message"),
])
def test_invalid_subject_or_message_writes_nothing(ref, world, subject, message, field):
    with pytest.raises(ValidationError) as caught:
        group_email.send_group_email(ref, world["project"].projectId, subject=subject, message=message,
                                     instrument_ids=None, position_ids=None, attachment_ids=[], actor="anna")
    assert field in caught.value.fields
    assert count(ref, GroupEmailLog) == 0 and count(ref, Outbox) == 0


def test_a_failure_after_some_rows_rolls_everything_back(ref, world, monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    original = outbox.enqueue
    monkeypatch.setattr(outbox, "enqueue", broken)
    with pytest.raises(RuntimeError):
        group_email.send_group_email(ref, world["project"].projectId, subject="Hej", message="M", instrument_ids=None,
                                     position_ids=None, attachment_ids=[], actor="anna")
    assert len(calls) == 3
    assert count(ref, GroupEmailLog) == 0 and count(ref, Outbox) == 0


def test_attachments_must_belong_to_the_project(ref, world):
    project = world["project"]
    own = add_blob(ref, project.pk)
    foreign = add_blob(ref, world["other"].pk, "annan.pdf")
    kwargs = dict(subject="Noter", message="Se bilaga", instrument_ids=None, position_ids=None, actor="anna")
    for wrong in ([foreign], [own, foreign], ["no-such-file"]):
        with pytest.raises(ValidationError) as caught:
            group_email.send_group_email(ref, project.projectId, attachment_ids=wrong, **kwargs)
        assert "attachments" in caught.value.fields
    assert count(ref, Outbox) == 0
    too_big = add_blob(ref, project.pk, "stor.pdf", size=group_email.MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(ValidationError) as caught:
        group_email.send_group_email(ref, project.projectId, attachment_ids=[too_big], **kwargs)
    assert caught.value.code == "attachments_too_large"

    result = group_email.send_group_email(ref, project.projectId, attachment_ids=[own], **kwargs)
    with tenancy.orchestra_session(ref) as session:
        payloads = session.exec(select(Outbox.payload).where(Outbox.groupEmailLogId == result["logId"])).all()
    assert len(payloads) == 5 and all(p["attachments"] == [own] for p in payloads)


def test_sms_notice_only_with_the_switch_and_a_usable_number(ref, world):
    people = world["people"]
    set_musician(ref, people["Vera"], phone="070-123 45 67")
    set_musician(ref, people["Adam"], phone="+44 20 7946 0958")
    set_musician(ref, people["Kim"], phone="12345")  # cannot be normalised
    kwargs = dict(subject="Ny tid", message="Repetitionen börjar 10.00", instrument_ids=None, position_ids=None,
                  attachment_ids=[], actor="anna")
    result = group_email.send_group_email(ref, world["project"].projectId, **kwargs)
    assert result["sms"] == 0 and count(ref, Outbox, Outbox.channel == "sms") == 0

    set_orchestra(ref, smsOnGroupEmail=True)
    result = group_email.send_group_email(ref, world["project"].projectId, **kwargs)
    assert result["sms"] == 2
    assert [item["musicianId"] for item in result["smsSkipped"]] == [world["mid"]["Kim"]]
    with tenancy.orchestra_session(ref) as session:
        sms = {r.recipient: r for r in session.exec(select(Outbox).where(Outbox.channel == "sms")).all()}
    assert set(sms) == {"+46701234567", "+442079460958"}
    assert sms["+46701234567"].body == "Nytt meddelande från Grupporkestern: Ny tid.\nSe din e-post."
    assert sms["+442079460958"].body == "New message from Grupporkestern: Ny tid.\nSee your e-mail."
    assert all(r.messageType == "group_email" and r.groupEmailLogId is None and r.segments == 1 for r in sms.values())
    # The log's progress counts the e-mails.
    assert group_email.group_email_progress(ref, result["logId"])["total"] == 5


def test_sms_notice_waits_for_the_end_of_quiet_hours(ref, world):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Stockholm")
    evening = clock.to_local(clock.now(), "Europe/Stockholm").replace(hour=22, minute=30)
    clock.set_now(evening)
    set_musician(ref, world["people"]["Vera"], phone="070-123 45 67")
    set_orchestra(ref, smsOnGroupEmail=True)
    group_email.send_group_email(ref, world["project"].projectId, subject="Ny tid", message="M",
                                 instrument_ids=None, position_ids=None, attachment_ids=[], actor="anna")
    with tenancy.orchestra_session(ref) as session:
        sms = session.exec(select(Outbox).where(Outbox.channel == "sms")).one()
        email = session.exec(select(Outbox).where(Outbox.channel == "email")).first()
    morning = (evening + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    assert clock.as_utc(sms.nextAttemptAt) == morning.astimezone(zone)
    assert clock.as_utc(email.nextAttemptAt) <= clock.now()


def test_progress_counts_rows_as_they_are_delivered(ref, world):
    result = group_email.send_group_email(ref, world["project"].projectId, subject="Hej", message="M",
                                          instrument_ids=None, position_ids=None, attachment_ids=[], actor="anna")
    log_id = result["logId"]
    assert group_email.group_email_progress(ref, log_id) == {"total": 5, "sent": 0, "failed": 0, "pending": 5}
    assert outbox.deliver_due(ref, limit=2)["delivered"] == 2
    assert group_email.group_email_progress(ref, log_id) == {"total": 5, "sent": 2, "failed": 0, "pending": 3}
    outbox.deliver_due(ref)
    assert group_email.group_email_progress(ref, log_id) == {"total": 5, "sent": 5, "failed": 0, "pending": 0}
    with tenancy.orchestra_session(ref) as session:
        log = session.get(GroupEmailLog, log_id)
        assert (log.sentCount, log.failedCount) == (5, 0)
    with pytest.raises(NotFound):
        group_email.group_email_progress(ref, log_id + 100)


def test_failed_deliveries_count_as_failed(ref, world, monkeypatch):
    with FakeResend(valid_keys={"re_the_right_key"}) as server:
        monkeypatch.setenv("STAGESUB_RESEND_API_URL", server.url)
        settings.reset_settings()
        set_orchestra(ref, resendApiKey=secrets_box.encrypt("re_a_revoked_key"), emailFromAddress="v@grupp.se")
        result = group_email.send_group_email(ref, world["project"].projectId, subject="Hej", message="M",
                                              instrument_ids=None, position_ids=None, attachment_ids=[], actor="a")
        outbox.deliver_due(ref)
    assert server.emails == []
    assert group_email.group_email_progress(ref, result["logId"]) == {"total": 5, "sent": 0, "failed": 5,
                                                                      "pending": 0}
    history = group_email.group_email_history(ref)
    assert (history[0]["sent"], history[0]["failed"]) == (0, 5)


def test_history_newest_first_per_project(ref, world):
    first = group_email.send_group_email(ref, world["project"].projectId, subject="Första", message="Ett",
                                         instrument_ids=None, position_ids=None, attachment_ids=[], actor="a")
    outbox.deliver_due(ref)
    clock.advance(timedelta(minutes=5))
    second = group_email.send_group_email(ref, world["other"].projectId, subject="Andra", message="Två\nrader",
                                          instrument_ids=None, position_ids=None, attachment_ids=[], actor="a")
    history = group_email.group_email_history(ref)
    assert [h["id"] for h in history] == [second["logId"], first["logId"]]
    assert history[0] | {"date": ""} == {
        "id": second["logId"], "date": "", "projectId": world["other"].projectId, "projectName": "Brahms 2",
        "subject": "Andra", "message": "Två\nrader", "recipientCount": 1, "sent": 0, "failed": 0, "pending": 1}
    assert (history[1]["sent"], history[1]["recipientCount"]) == (5, 5)
    assert [h["id"] for h in group_email.group_email_history(ref, world["project"].projectId)] == [first["logId"]]
    # A log of the earlier system (no outbox rows) keeps its stored counts.
    with tenancy.orchestra_session(ref) as session:
        session.add(GroupEmailLog(projectId=world["project"].pk, subject="Gammal", message="x", sentCount=7,
                                  failedCount=1, recipients=[{"email": "a@b.se"}] * 8,
                                  createdAt=clock.now() + timedelta(minutes=1)))
        session.commit()
    old = group_email.group_email_history(ref)[0]
    assert (old["subject"], old["sent"], old["failed"], old["recipientCount"]) == ("Gammal", 7, 1, 8)


def test_attachable_files_are_the_projects_stored_files(ref, world):
    from services import files

    project = world["project"]
    uploaded = files.upload_file(ref, project.projectId, original_name="noter.pdf",
                                 content=b"%PDF-1.4\n" + b"0" * 100 + b"\n%%EOF\n", actor="anna")
    listed = group_email.attachable_files(ref, project.projectId)
    assert [item["name"] for item in listed] == ["noter.pdf"]
    storage_id = listed[0]["storageId"]
    assert uploaded and storage_id
    with tenancy.orchestra_session(ref) as session:
        assert session.execute(sa.select(FileStorage.id).where(FileStorage.id == storage_id)).scalar() == storage_id
    result = group_email.send_group_email(ref, project.projectId, subject="Noter", message="Bifogat",
                                          instrument_ids=None, position_ids=None, attachment_ids=[storage_id],
                                          actor="anna")
    assert result["recipients"] == 5
