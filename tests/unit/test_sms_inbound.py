"""Twilio's inbound webhooks: SMS replies (``JA 42``) and delivery status callbacks.

Everything goes through real HTTP: a uvicorn server on 127.0.0.1 runs ``build_api()``, and the calls are made
the way Twilio makes them (``FakeTwilio.signed_callback``: a form with ``X-Twilio-Signature`` computed by the
real ``RequestValidator``). Twilio signs the public URL (``STAGESUB_PUBLIC_URL`` + path), which is not the
address the local server listens on, as behind a proxy.
"""

from __future__ import annotations

import itertools
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlmodel import select
from twilio.request_validator import RequestValidator

from models.central import Orchestra
from models.orchestra import CommunicationLog, Musician, Outbox, Project, Request
from services import clock, dispatch, ids, outbox, secrets_box, settings, tenancy
from services.messaging.sms_inbound import REPLIES, parse_reply, short_code, twilio_auth_token_for
from stagesub_ui import routes
from stagesub_ui.endpoints import build_api
from tests import engine_helpers as eh
from tests.fakes.twilio_server import FakeTwilio

PUBLIC = "https://sms.stagesub.test"
ACME_SID, ACME_TOKEN = "AC" + "a1" * 16, "acme-auth-token-0123456789abcdef"
BETA_SID, BETA_TOKEN = "AC" + "b2" * 16, "beta-auth-token-0123456789abcdef"
PLATFORM_TOKEN = "platform-auth-token-0123456789ab"
ACME_NUMBER = "+46700000001"
ANNA_TYPED, ANNA = "070-123 45 67", "+46701234567"
BO_TYPED, BO = "0702223344", "+46702223344"
NOON = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # 12:00 in Stockholm, outside quiet hours
_sids = itertools.count(1)


# ----- the server and the world ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    """``build_api()`` served by uvicorn on 127.0.0.1 (settings are read per request, so one server serves
    every test's installation)."""
    import uvicorn

    app_server = uvicorn.Server(uvicorn.Config(build_api(), host="127.0.0.1", port=0, log_level="warning",
                                               lifespan="off"))
    thread = threading.Thread(target=app_server.run, name="webhook-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not app_server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = app_server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    app_server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def twilio():
    with FakeTwilio({ACME_SID: ACME_TOKEN, BETA_SID: BETA_TOKEN}) as fake:
        yield fake


@dataclass
class World:
    acme: tenancy.OrchestraRef
    beta: tenancy.OrchestraRef
    pos: eh.Pos
    server: str
    twilio: FakeTwilio


def set_twilio(ref, sid: str | None, token: str | None, number: str | None = ACME_NUMBER, **switches) -> None:
    with tenancy.central_session() as central:
        row = central.get(Orchestra, ref.id)
        row.twilioAccountSid, row.twilioAuthToken, row.twilioFromNumber = sid, secrets_box.encrypt(token), number
        for name, value in switches.items():
            setattr(row, name, value)
        central.commit()
    tenancy.forget_cached_orchestras()


@pytest.fixture
def world(installation, server, twilio, monkeypatch) -> World:
    monkeypatch.setenv("STAGESUB_PUBLIC_URL", PUBLIC)
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER", "STAGESUB_SIMULATE_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGESUB_TWILIO_API_URL", twilio.url)
    settings.reset_settings()
    clock.set_now(NOON)
    acme = eh.make_orchestra("acme", "Acme Orkester")
    beta = eh.make_orchestra("beta", "Beta Orkester")
    set_twilio(acme, ACME_SID, ACME_TOKEN)
    set_twilio(beta, BETA_SID, BETA_TOKEN)
    return World(acme=acme, beta=beta, pos=eh.position(acme), server=server, twilio=twilio)


def musician(world: World, first: str, phone: str | None, language: str = "sv") -> int:
    """A musician of acme qualified for the position and last on its A list."""
    pk = eh.add_musician(world.acme, first, qualified=[world.pos], language=language)
    with tenancy.orchestra_session(world.acme) as session:
        session.get(Musician, pk).phone = phone
        session.commit()
    eh.rank(world.acme, world.pos, [pk])
    return pk


def ask(world: World, name: str, strategy: str = "sequential", quantity: int = 1) -> tuple[eh.Proj, eh.Need]:
    """A project with one need of the position, sent now."""
    project = eh.make_project(world.acme, name)
    need = eh.add_need(world.acme, project, world.pos, strategy, quantity=quantity)
    dispatch.send_project(world.acme, project.projectId)
    return project, need


def anna_with_one_request(world: World, language: str = "sv") -> tuple[eh.Req, eh.Proj]:
    anna = musician(world, "Anna", ANNA_TYPED, language)
    project, _ = ask(world, "Vårkonsert")
    return eh.request_of(world.acme, anna), project


def label(world: World, project: eh.Proj, language: str = "sv") -> str:
    """How the replies name a project: ``Vårkonsert (v. 14)``."""
    with tenancy.orchestra_session(world.acme) as session:
        row = session.get(Project, project.pk)
    return f"{row.name} (v. {row.weekNumber})" if language == "sv" else f"{row.name} (wk {row.weekNumber})"


def said(key: str, language: str = "sv", **values) -> str:
    return REPLIES[language][key].format(**values)


# ----- calling the webhooks like Twilio ------------------------------------------------------------------------


def webhook(world: World, route: str, params: dict[str, str], token: str = ACME_TOKEN, subdomain: str = "acme",
            signed_url: str | None = None) -> requests.Response:
    path = route.format(subdomain=subdomain)
    return world.twilio.signed_callback(signed_url or PUBLIC + path, params, token, send_to=world.server + path)


def sms_params(body: str, from_: str = ANNA) -> dict[str, str]:
    return {"MessageSid": f"SM{next(_sids):032x}", "AccountSid": ACME_SID, "From": from_, "To": ACME_NUMBER,
            "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}


def sms(world: World, body: str, from_: str = ANNA, **kwargs) -> str:
    """Send an SMS to acme's webhook; returns the text of the TwiML reply ("" for none)."""
    response = webhook(world, routes.TWILIO_SMS, sms_params(body, from_), **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return "\n".join(message.text or "" for message in root.findall("Message"))


def snapshot(ref) -> tuple:
    """Everything an answer could change."""
    reqs = [(r.pk, r.status, r.response, r.respondedAt, r.answeredBy) for r in eh.requests(ref)]
    with tenancy.orchestra_session(ref) as session:
        delivery = sorted(session.execute(select(Outbox.id, Outbox.deliveryStatus)).all())
        logs = sorted(session.execute(select(CommunicationLog.id, CommunicationLog.status,
                                             CommunicationLog.error)).all())
    return eh.row_counts(ref), reqs, delivery, logs


def status_of(ref, request_pk: int) -> tuple[str, str | None]:
    with tenancy.orchestra_session(ref) as session:
        row = session.get(Request, request_pk)
        return row.status, row.answeredBy


# ----- parsing -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    ("JA", ("accept", None)), ("ja", ("accept", None)), ("Ja!", ("accept", None)), ("  jA  ", ("accept", None)),
    ("YES", ("accept", None)), ("yes", ("accept", None)), ("Yes.", ("accept", None)),
    ("NEJ", ("decline", None)), ("nej", ("decline", None)), (" Nej. ", ("decline", None)),
    ("No", ("decline", None)), ("NO!!", ("decline", None)),
    ("Yes 42", ("accept", "42")), ("NEJ #42", ("decline", "42")), ("ja42", ("accept", "42")),
    ("JA 042", ("accept", "42")), ("ja REQ0042", ("accept", "42")), ("nej req 7", ("decline", "7")),
    ("Ja, 42!", ("accept", "42")), ("JA\u00a042", ("accept", "42")), ("NEJ: 7", ("decline", "7")),
    ("Nej tack", ("decline", None)), ("Ja tack 42", ("accept", "42")), ("yes thank you", ("accept", None)),
    ("ja 👍", ("accept", None)), ("\n\tJA\n", ("accept", None)),
])
def test_parse_reply_understands_yes_and_no_with_an_optional_code(body, expected):
    assert parse_reply(body) == expected


@pytest.mark.parametrize("body", [
    "", "   ", "?", "42", "42 ja", "jag kan", "jaa", "japp", "nope", "nejdå", "ja men bara tisdag",
    "Ja, men jag kan inte fredag", "ja 42 43", "ja nej", "no no", "ja42x", "Kanske", "STOP", "ja ٤٢",
])
def test_parse_reply_takes_nothing_unclear_as_an_answer(body):
    assert parse_reply(body) == (None, None)


@pytest.mark.parametrize(("request_id", "code"), [
    ("REQ0042", "42"), ("REQ7", "7"), ("REQ001", "1"), ("REQ1000", "1000"), ("REQ000", "0"),
    ("clx9abc", "clx9abc"),
])
def test_short_code(request_id, code):
    assert short_code(request_id) == code


# ----- replies through the webhook --------------------------------------------------------------------------




@pytest.mark.parametrize("body", ["JA", "ja", "Ja!", "YES", "yes", "ja tack"])
def test_yes_accepts_the_only_open_request(world, body):
    req, project = anna_with_one_request(world)
    reply = sms(world, body)
    assert status_of(world.acme, req.pk) == ("accepted", "sms")
    assert reply == said("accepted", project=label(world, project))
    confirmations = eh.outbox_rows(world.acme, message_type="confirmation", request_pk=req.pk)
    assert len(confirmations) == 1  # the same path as the response page: the confirmation is queued


@pytest.mark.parametrize("body", ["NEJ", "nej", "No", "Nej tack."])
def test_no_declines_the_only_open_request_and_asks_the_next(world, body):
    req, project = anna_with_one_request(world)
    bo = musician(world, "Bo", BO_TYPED)
    reply = sms(world, body)
    assert status_of(world.acme, req.pk) == ("declined", "sms")
    assert reply == said("declined", project=label(world, project))
    assert eh.request_of(world.acme, bo).status == "pending"  # sequential: the next one is asked


def test_yes_with_the_right_code(world):
    req, project = anna_with_one_request(world)
    reply = sms(world, f"JA {short_code(req.requestId)}")
    assert status_of(world.acme, req.pk) == ("accepted", "sms")
    assert reply == said("accepted", project=label(world, project))


def test_a_wrong_code_answers_nothing_and_says_which_codes_are_open(world):
    req, project = anna_with_one_request(world)
    before = snapshot(world.acme)
    reply = sms(world, "JA 999")
    assert snapshot(world.acme) == before
    assert reply.splitlines() == [
        said("unknown_code", given="999"),
        said("help_one", code=short_code(req.requestId), project=label(world, project)),
    ]


def test_english_musician_gets_english_replies(world):
    req, project = anna_with_one_request(world, language="en")
    name = label(world, project, "en")
    assert sms(world, "maybe") == said("help_one", "en", code=short_code(req.requestId), project=name)
    assert sms(world, "yes") == said("accepted", "en", project=name)
    assert status_of(world.acme, req.pk)[0] == "accepted"
    assert sms(world, "yes") == said("already_answered", "en", project=name)


def test_unclear_text_answers_nothing_and_gets_the_help_text(world):
    req, project = anna_with_one_request(world)
    before = snapshot(world.acme)
    reply = sms(world, "Ja, men bara på tisdag")
    assert snapshot(world.acme) == before
    assert reply == said("help_one", code=short_code(req.requestId), project=label(world, project))


def test_two_open_requests_need_the_code(world):
    anna = musician(world, "Anna", ANNA_TYPED)
    spring, _ = ask(world, "Vårkonsert")
    summer, _ = ask(world, "Sommarkonsert")
    first, second = [r for r in eh.requests(world.acme) if r.musician_pk == anna]
    assert (first.status, second.status) == ("pending", "pending")

    before = snapshot(world.acme)
    reply = sms(world, "JA")  # which one? nothing is answered
    assert snapshot(world.acme) == before
    newest, older = (second, summer), (first, spring)
    assert reply.splitlines() == [
        said("help_many", code=short_code(newest[0].requestId)),
        f"{short_code(newest[0].requestId)}: {label(world, newest[1])}",
        f"{short_code(older[0].requestId)}: {label(world, older[1])}",
    ]

    reply = sms(world, f"nej {short_code(first.requestId)}")
    assert reply == said("declined", project=label(world, spring))
    assert status_of(world.acme, first.pk) == ("declined", "sms")
    assert status_of(world.acme, second.pk) == ("pending", None)

    # one open request left: a plain "ja" is unambiguous again
    assert sms(world, "ja") == said("accepted", project=label(world, summer))
    assert status_of(world.acme, second.pk) == ("accepted", "sms")


def test_a_code_of_an_answered_request_never_answers_another_one(world):
    anna = musician(world, "Anna", ANNA_TYPED)
    spring, _ = ask(world, "Vårkonsert")
    first = eh.request_of(world.acme, anna)
    assert sms(world, "JA") == said("accepted", project=label(world, spring))
    summer, _ = ask(world, "Sommarkonsert")
    second = eh.request_of(world.acme, anna)
    assert second.pk != first.pk

    before = snapshot(world.acme)
    assert sms(world, f"NEJ {short_code(first.requestId)}") == said("already_answered", project=label(world, spring))
    assert snapshot(world.acme) == before  # the summer request is still open
    assert status_of(world.acme, second.pk) == ("pending", None)


@pytest.mark.parametrize(("stored", "sent"), [
    ("070-123 45 67", "+46701234567"), ("0701234567", "+46701234567"), ("+46 70 123 45 67", "+46701234567"),
    ("0046 (0)70-123 45 67", "+46701234567"), ("+46701234567", "+46701234567"),
])
def test_numbers_match_in_any_written_form(world, stored, sent):
    anna = musician(world, "Anna", stored)
    ask(world, "Vårkonsert")
    sms(world, "ja", from_=sent)
    assert eh.request_of(world.acme, anna).status == "accepted"


@pytest.mark.parametrize("sender", ["+46709999999", "+4420 7946 0000", "StageSub", ""])
def test_an_unknown_number_gets_help_and_changes_nothing(world, sender):
    anna_with_one_request(world)
    musician(world, "Cilla", "not a number")  # an unusable number in the register matches nothing
    before = snapshot(world.acme)
    assert sms(world, "JA", from_=sender) == said("unknown_number")
    assert snapshot(world.acme) == before


def test_a_known_number_without_requests_gets_no_open_request(world):
    musician(world, "Anna", ANNA_TYPED, language="en")
    before = snapshot(world.acme)
    assert sms(world, "yes") == said("no_open_request", "en")
    assert sms(world, "hello") == said("no_open_request", "en")
    assert snapshot(world.acme) == before


def test_an_answer_after_the_deadline_is_expired(world):
    req, project = anna_with_one_request(world)
    assert req.deadlineAt is not None
    clock.set_now(req.deadlineAt + timedelta(minutes=1))
    assert sms(world, "JA") == said("expired", project=label(world, project))
    assert status_of(world.acme, req.pk)[0] == "timed_out"
    assert sms(world, "JA") == said("expired", project=label(world, project))  # and stays so


def test_yes_after_the_position_was_filled(world):
    anna = musician(world, "Anna", ANNA_TYPED)
    bo = musician(world, "Bo", BO_TYPED)
    project, need = ask(world, "Vårkonsert", strategy="first_come")
    assert eh.statuses(world.acme, need)["pending"] == 2
    eh.answer(world.acme, bo, "accept")  # Bo was quicker (through his link)
    anna_req = eh.request_of(world.acme, anna)
    assert (anna_req.status, anna_req.response) == ("cancelled", "position_filled")

    before = snapshot(world.acme)
    assert sms(world, "JA") == said("position_filled", project=label(world, project))
    assert sms(world, f"ja {short_code(anna_req.requestId)}") == said("position_filled", project=label(world, project))
    assert snapshot(world.acme) == before


def test_yes_to_a_need_that_was_closed_while_the_request_was_open(world):
    anna = musician(world, "Anna", ANNA_TYPED)
    project, need = ask(world, "Vårkonsert")
    eh.set_need(world.acme, need, status="completed")
    assert sms(world, "JA") == said("position_filled", project=label(world, project))
    assert eh.request_of(world.acme, anna).status == "cancelled"


def test_opt_out_keywords_are_left_to_twilio(world):
    anna_with_one_request(world)
    before = snapshot(world.acme)
    assert sms(world, "STOP") == ""
    assert snapshot(world.acme) == before


def test_the_same_message_delivered_twice_answers_once(world):
    req, project = anna_with_one_request(world)
    params = sms_params("JA")
    first = webhook(world, routes.TWILIO_SMS, params)
    again = webhook(world, routes.TWILIO_SMS, params)
    assert said("accepted", project=label(world, project)) in first.text
    assert said("already_answered", project=label(world, project)) in again.text
    assert len(eh.outbox_rows(world.acme, message_type="confirmation", request_pk=req.pk)) == 1


# ----- signatures ----------------------------------------------------------------------------------------------


def _refused(response: requests.Response) -> None:
    assert response.status_code == 403
    assert "Message" not in response.text


def test_an_unsigned_call_is_refused_and_changes_nothing(world):
    req, _ = anna_with_one_request(world)
    before = snapshot(world.acme)
    path = routes.TWILIO_SMS.format(subdomain="acme")
    _refused(requests.post(world.server + path, data=sms_params("JA"), timeout=10))
    _refused(requests.post(world.server + path, data=sms_params("JA"), headers={"X-Twilio-Signature": ""},
                           timeout=10))
    assert snapshot(world.acme) == before
    assert status_of(world.acme, req.pk) == ("pending", None)


def test_a_wrongly_signed_call_is_refused_and_changes_nothing(world):
    anna_with_one_request(world)
    before = snapshot(world.acme)
    _refused(webhook(world, routes.TWILIO_SMS, sms_params("JA"), token="not-the-token"))
    # the URL Twilio signs is the public one; a signature over the local address is not valid
    path = routes.TWILIO_SMS.format(subdomain="acme")
    _refused(webhook(world, routes.TWILIO_SMS, sms_params("JA"), signed_url=world.server + path))
    # a signature over other fields: the body was changed on the way
    params = sms_params("NEJ")
    header = RequestValidator(ACME_TOKEN).compute_signature(PUBLIC + path, params)
    _refused(requests.post(world.server + path, data={**params, "Body": "JA"},
                           headers={"X-Twilio-Signature": header}, timeout=10))
    assert snapshot(world.acme) == before


def test_a_signature_made_with_another_orchestras_token_is_refused(world):
    anna_with_one_request(world)
    before = snapshot(world.acme)
    _refused(webhook(world, routes.TWILIO_SMS, sms_params("JA"), token=BETA_TOKEN))
    _refused(webhook(world, routes.TWILIO_STATUS, {"MessageSid": "SMx", "MessageStatus": "delivered"},
                     token=BETA_TOKEN))
    assert snapshot(world.acme) == before


def test_unknown_or_suspended_orchestras_and_missing_tokens_are_refused(world, monkeypatch):
    anna_with_one_request(world)
    before = snapshot(world.acme)
    _refused(webhook(world, routes.TWILIO_SMS, sms_params("JA"), subdomain="nosuch"))

    set_twilio(world.acme, None, None, None)  # no own account and no platform token
    _refused(webhook(world, routes.TWILIO_SMS, sms_params("JA")))
    set_twilio(world.acme, ACME_SID, None)  # an own account without its token: no fallback to the platform's
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", PLATFORM_TOKEN)
    settings.reset_settings()
    _refused(webhook(world, routes.TWILIO_SMS, sms_params("JA"), token=PLATFORM_TOKEN))

    set_twilio(world.acme, ACME_SID, ACME_TOKEN)
    with tenancy.central_session() as central:
        central.get(Orchestra, world.acme.id).status = "suspended"
        central.commit()
    _refused(webhook(world, routes.TWILIO_SMS, sms_params("JA")))
    assert snapshot(world.acme) == before


def test_an_orchestra_on_the_platform_account_is_signed_with_the_platform_token(world, monkeypatch):
    req, project = anna_with_one_request(world)
    set_twilio(world.acme, None, None, None)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", PLATFORM_TOKEN)
    settings.reset_settings()
    _refused(webhook(world, routes.TWILIO_SMS, sms_params("JA")))  # acme's old token no longer applies
    assert sms(world, "JA", token=PLATFORM_TOKEN) == said("accepted", project=label(world, project))
    assert status_of(world.acme, req.pk)[0] == "accepted"


def test_auth_token_choice(world, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", PLATFORM_TOKEN)
    settings.reset_settings()
    with tenancy.central_session() as central:
        row = central.get(Orchestra, world.acme.id)
        assert row.twilioAuthToken.startswith(secrets_box.PREFIX)  # stored encrypted
        assert twilio_auth_token_for(row) == ACME_TOKEN
        row.twilioAccountSid = None
        assert twilio_auth_token_for(row) == PLATFORM_TOKEN
        monkeypatch.delenv("TWILIO_AUTH_TOKEN")
        settings.reset_settings()
        assert twilio_auth_token_for(row) is None
        row.twilioAccountSid, row.twilioAuthToken = ACME_SID, "enc:v1:garbage"
        assert twilio_auth_token_for(row) is None


def test_only_post_with_a_form_is_served(world):
    path = routes.TWILIO_SMS.format(subdomain="acme")
    assert requests.get(world.server + path, timeout=10).status_code == 405
    response = requests.post(world.server + path, json=sms_params("JA"), headers={"X-Twilio-Signature": "x"},
                             timeout=10)
    assert response.status_code == 403
    response = requests.post(world.server + path, data="Body=" + "a" * 70_000,
                             headers={"X-Twilio-Signature": "x",
                                      "Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert response.status_code == 413


# ----- delivery status callbacks ---------------------------------------------------------------------------


def sent_sms(world: World, request_pk: int, sid: str) -> None:
    """An SMS as the outbox leaves it after Twilio accepted it: Outbox row and CommunicationLog row, "sent"."""
    with tenancy.orchestra_session(world.acme) as session:
        message_id = outbox.new_message_id()
        session.add(Outbox(messageId=message_id, channel="sms", messageType="request", requestId=request_pk,
                           recipient=ANNA, body="Hej", status="sent", sentAt=clock.now(), providerMessageId=sid,
                           attempts=1))
        session.add(CommunicationLog(communicationLogId=ids.next_id(session, "communicationLog"),
                                     requestId=request_pk, type="request_sent", channel="sms", recipient=ANNA,
                                     status="sent", providerMessageId=sid, messageId=message_id, attempts=1))
        session.commit()


def delivery(world: World, sid: str) -> tuple[str | None, str | None, str | None]:
    """(Outbox.deliveryStatus, CommunicationLog.status, CommunicationLog.error) of a message."""
    with tenancy.orchestra_session(world.acme) as session:
        row = session.exec(select(Outbox).where(Outbox.providerMessageId == sid)).one()
        entry = session.exec(select(CommunicationLog).where(CommunicationLog.providerMessageId == sid)).one()
        return row.deliveryStatus, entry.status, entry.error


def callback(world: World, sid: str, status: str, error_code: str | None = None, **kwargs) -> requests.Response:
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACME_SID, "MessageStatus": status,
              "SmsStatus": status, "To": ANNA, "From": ACME_NUMBER, "ApiVersion": "2010-04-01"}
    if error_code:
        params["ErrorCode"] = error_code
    return webhook(world, routes.TWILIO_STATUS, params, **kwargs)


def test_status_callbacks_record_delivery(world):
    req, _ = anna_with_one_request(world)
    sent_sms(world, req.pk, "SM" + "1" * 32)
    assert callback(world, "SM" + "1" * 32, "sent").status_code == 204
    assert delivery(world, "SM" + "1" * 32) == ("sent", "sent", None)
    assert callback(world, "SM" + "1" * 32, "delivered").status_code == 204
    assert delivery(world, "SM" + "1" * 32) == ("delivered", "delivered", None)


def test_an_undelivered_sms_is_failed_with_the_error_code(world):
    req, _ = anna_with_one_request(world)
    sent_sms(world, req.pk, "SM" + "2" * 32)
    assert callback(world, "SM" + "2" * 32, "undelivered", "30003").status_code == 204
    assert delivery(world, "SM" + "2" * 32) == ("undelivered", "failed", "Twilio error 30003")


def test_callbacks_out_of_order_never_move_a_message_back(world):
    req, _ = anna_with_one_request(world)
    sid = "SM" + "3" * 32
    sent_sms(world, req.pk, sid)
    for status in ("delivered", "sent", "sending", "queued", "undelivered", "failed"):
        assert callback(world, sid, status, "30005").status_code == 204
    assert delivery(world, sid) == ("delivered", "delivered", None)

    other = "SM" + "4" * 32
    sent_sms(world, req.pk, other)
    callback(world, other, "failed", "30006")
    callback(world, other, "sent")
    assert delivery(world, other) == ("failed", "failed", "Twilio error 30006")
    callback(world, other, "delivered")  # a late delivery report wins over the failure
    assert delivery(world, other) == ("delivered", "delivered", None)


def test_a_callback_for_an_unknown_sid_writes_nothing(world):
    req, _ = anna_with_one_request(world)
    sent_sms(world, req.pk, "SM" + "5" * 32)
    before = snapshot(world.acme)
    assert callback(world, "SM" + "9" * 32, "delivered").status_code == 204
    assert snapshot(world.acme) == before


def test_a_status_callback_needs_a_valid_signature(world):
    req, _ = anna_with_one_request(world)
    sid = "SM" + "6" * 32
    sent_sms(world, req.pk, sid)
    before = snapshot(world.acme)
    _refused(callback(world, sid, "delivered", token="wrong"))
    path = routes.TWILIO_STATUS.format(subdomain="acme")
    _refused(requests.post(world.server + path, data={"MessageSid": sid, "MessageStatus": "delivered"}, timeout=10))
    assert snapshot(world.acme) == before


def test_a_real_sms_round_trip(world):
    """The request SMS goes out through the real Twilio SDK to the fake; Twilio's status callback (to the URL the
    message carried) and the musician's reply come back signed with acme's token."""
    set_twilio(world.acme, ACME_SID, ACME_TOKEN, smsOnRequest=True)
    anna = musician(world, "Anna", ANNA_TYPED)
    project, _ = ask(world, "Vårkonsert")
    req = eh.request_of(world.acme, anna)
    outbox.deliver_due(world.acme)
    [(account, form, sid)] = world.twilio.messages
    assert (account, form["To"]) == (ACME_SID, ANNA)
    code = short_code(req.requestId)
    assert f"JA {code}" in form["Body"]
    assert form["StatusCallback"] == PUBLIC + routes.TWILIO_STATUS.format(subdomain="acme")

    params = {"MessageSid": sid, "AccountSid": ACME_SID, "MessageStatus": "delivered", "To": ANNA}
    response = world.twilio.signed_callback(form["StatusCallback"], params, ACME_TOKEN,
                                            send_to=world.server + routes.TWILIO_STATUS.format(subdomain="acme"))
    assert response.status_code == 204
    assert delivery(world, sid) == ("delivered", "delivered", None)

    assert sms(world, f"Ja {code}") == said("accepted", project=label(world, project))
    assert status_of(world.acme, req.pk) == ("accepted", "sms")
