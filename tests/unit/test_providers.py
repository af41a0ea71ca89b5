"""Provider choice and sending through the real resend/twilio SDKs, pointed at fake servers on 127.0.0.1."""

from __future__ import annotations

import base64
import socket
import threading

import pytest
import resend

from models.central import Orchestra
from services import secrets_box, settings
from services.messaging import providers as p
from tests.fakes.resend_server import FakeResend
from tests.fakes.twilio_server import FakeTwilio

KEY_A, KEY_B, PLATFORM_KEY = "re_orchestra_a_0001", "re_orchestra_b_0002", "re_platform_0003"
SID_A, SID_B, SID_P = "AC" + "a" * 32, "AC" + "b" * 32, "AC" + "c" * 32
TOKENS = {SID_A: "token-a", SID_B: "token-b", SID_P: "token-platform"}


@pytest.fixture(autouse=True)
def secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAGESUB_SECRET_KEY", "x" * 40)
    settings.reset_settings()
    yield
    settings.reset_settings()


@pytest.fixture
def fake_resend():
    with FakeResend() as server:
        yield server


@pytest.fixture
def fake_twilio():
    with FakeTwilio(TOKENS) as server:
        yield server


def orchestra(name="Orkester A", **kw) -> Orchestra:
    return Orchestra(name=name, subdomain=name.lower().replace(" ", "-"), contactName="Kontakt",
                     contactEmail=f"kansli@{name.split()[-1].lower()}.se", **kw)


def env(fake_resend=None, fake_twilio=None, **extra) -> p.ProviderEnv:
    environ = {}
    if fake_resend is not None:
        environ["STAGESUB_RESEND_API_URL"] = fake_resend.url
    if fake_twilio is not None:
        environ["STAGESUB_TWILIO_API_URL"] = fake_twilio.url
    environ.update(extra)
    return p.provider_env(environ)


def email(to="musiker@example.se", key=None, **kw) -> p.EmailMessage:
    return p.EmailMessage(to=to, subject=kw.pop("subject", "Förfrågan"), text="Hej", html="<p>Hej</p>",
                          idempotency_key=key, **kw)


def bearer(req) -> str:
    return req.header("Authorization").removeprefix("Bearer ")


def basic(req) -> tuple[str, str]:
    user, _, password = base64.b64decode(req.header("Authorization").removeprefix("Basic ")).decode().partition(":")
    return user, password


# --- configuration --------------------------------------------------------------------------------------------


def test_provider_env_reads_only_the_mapping_given():
    e = p.provider_env({
        "RESEND_API_KEY": " re_x ", "STAGESUB_EMAIL_FROM": "no-reply@stagesub.se", "TWILIO_ACCOUNT_SID": SID_P,
        "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+46700000000",
        "STAGESUB_RESEND_API_URL": "http://127.0.0.1:9/", "STAGESUB_SIMULATE_MESSAGES": "1",
    })
    assert (e.resend_api_key, e.email_from, e.twilio_account_sid, e.twilio_from_number) == (
        "re_x", "no-reply@stagesub.se", SID_P, "+46700000000")
    assert e.resend_api_url == "http://127.0.0.1:9" and e.twilio_api_url == p.DEFAULT_TWILIO_API_URL
    assert e.simulate is True
    assert "re_x" not in repr(e) and "'t'" not in repr(e)
    assert p.provider_env({}) == p.ProviderEnv()


def test_email_provider_choice_orchestra_then_platform_then_simulation():
    platform = env(RESEND_API_KEY=PLATFORM_KEY, STAGESUB_EMAIL_FROM="no-reply@stagesub.se")
    own = orchestra(resendApiKey=KEY_A, emailFromAddress="kansli@orkester-a.se", emailFromName="Orkester A",
                    emailReplyTo="svar@orkester-a.se")
    chosen = p.resolve_email_provider(own, platform)
    assert chosen.source == "orchestra" and chosen._api_key == KEY_A
    assert chosen.sender == "Orkester A <kansli@orkester-a.se>" and chosen.reply_to == "svar@orkester-a.se"
    assert KEY_A not in repr(chosen)

    fallback = p.resolve_email_provider(orchestra(), platform)
    assert fallback.source == "platform" and fallback._api_key == PLATFORM_KEY
    assert fallback.sender == "Orkester A <no-reply@stagesub.se>" and fallback.reply_to == "kansli@a.se"

    assert p.resolve_email_provider(orchestra(), env()) is None
    forced = env(RESEND_API_KEY=PLATFORM_KEY, STAGESUB_EMAIL_FROM="x@y.se", STAGESUB_SIMULATE_MESSAGES="1")
    assert p.resolve_email_provider(own, forced) is None
    # a plain mapping is accepted too
    assert p.resolve_email_provider(own, {"STAGESUB_SIMULATE_MESSAGES": "1"}) is None


def test_encrypted_keys_are_decrypted_and_plain_ones_read_as_they_are():
    stored = secrets_box.encrypt(KEY_A)
    assert stored.startswith(secrets_box.PREFIX)
    assert p.resolve_email_provider(orchestra(resendApiKey=stored), env())._api_key == KEY_A
    assert p.resolve_email_provider(orchestra(resendApiKey=KEY_B), env())._api_key == KEY_B
    sms = p.resolve_sms_provider(orchestra(twilioAccountSid=SID_A, twilioAuthToken=secrets_box.encrypt("token-a"),
                                           twilioFromNumber="+46700000001"), env())
    assert sms._auth_token == "token-a" and "token-a" not in repr(sms)


def test_a_key_that_is_set_but_unusable_is_an_error_not_simulation():
    broken = orchestra(resendApiKey=secrets_box.PREFIX + "not-a-token")
    with pytest.raises(p.ProviderConfigError):
        p.resolve_email_provider(broken, env())
    with pytest.raises(p.ProviderConfigError):
        p.resolve_sms_provider(orchestra(twilioAccountSid=SID_A), env())
    with pytest.raises(p.ProviderConfigError):
        p.resolve_sms_provider(orchestra(), env(TWILIO_ACCOUNT_SID=SID_P))
    with pytest.raises(p.ProviderConfigError):
        p.resolve_email_provider(orchestra(), env(RESEND_API_KEY=PLATFORM_KEY))


def test_sms_provider_choice_and_switches():
    platform = env(TWILIO_ACCOUNT_SID=SID_P, TWILIO_AUTH_TOKEN="token-platform", TWILIO_FROM_NUMBER="+46700000009")
    own = orchestra(twilioAccountSid=SID_A, twilioAuthToken="token-a", twilioFromNumber="+46700000001",
                    smsOnRequest=True)
    assert p.resolve_sms_provider(own, platform).account_sid == SID_A
    fallback = p.resolve_sms_provider(orchestra(), platform)
    assert (fallback.source, fallback.account_sid, fallback.from_number) == ("platform", SID_P, "+46700000009")
    assert p.resolve_sms_provider(orchestra(), env()) is None
    assert p.resolve_sms_provider(own, env(STAGESUB_SIMULATE_MESSAGES="1")) is None
    assert p.sms_enabled_for(own, "request") is True
    assert p.sms_enabled_for(own, "reminder") is False
    assert p.sms_enabled_for(own, "webhook") is False


# --- Resend through the real SDK ------------------------------------------------------------------------------


def test_resend_send_uses_the_orchestra_key_and_sends_the_whole_message(fake_resend):
    before = (resend.api_key, resend.api_url, resend.default_http_client)
    provider = p.resolve_email_provider(
        orchestra(resendApiKey=secrets_box.encrypt(KEY_A), emailFromAddress="kansli@orkester-a.se",
                  emailFromName="Orkester A", emailReplyTo="svar@orkester-a.se"), env(fake_resend))
    result = provider.send(email(attachments=[("noter.pdf", b"%PDF-1.4 x", "application/pdf")], key="msg_1"))
    assert result.ok and result.provider_id.startswith("em_") and not result.retryable
    [req] = fake_resend.requests
    assert (req.method, req.path, bearer(req), req.header("Idempotency-Key")) == ("POST", "/emails", KEY_A, "msg_1")
    body = req.json
    assert body["from"] == "Orkester A <kansli@orkester-a.se>" and body["to"] == ["musiker@example.se"]
    assert (body["reply_to"], body["text"], body["html"]) == ("svar@orkester-a.se", "Hej", "<p>Hej</p>")
    assert body["attachments"] == [{"filename": "noter.pdf", "content": base64.b64encode(b"%PDF-1.4 x").decode(),
                                    "content_type": "application/pdf"}]
    # the SDK's module state is left as it was found: no orchestra key lingers in it
    assert (resend.api_key, resend.api_url, resend.default_http_client) == before


def test_resend_platform_key_when_the_orchestra_has_none(fake_resend):
    provider = p.resolve_email_provider(
        orchestra(), env(fake_resend, RESEND_API_KEY=PLATFORM_KEY, STAGESUB_EMAIL_FROM="no-reply@stagesub.se"))
    assert provider.send(email()).ok
    [req] = fake_resend.requests
    assert bearer(req) == PLATFORM_KEY and req.json["from"] == "Orkester A <no-reply@stagesub.se>"
    assert req.json["reply_to"] == "kansli@a.se"


def test_resend_idempotency_key_means_one_email(fake_resend):
    provider = p.resolve_email_provider(orchestra(resendApiKey=KEY_A), env(fake_resend))
    first = provider.send(email(key="msg_same"))
    again = provider.send(email(key="msg_same"))
    assert first.ok and again.ok and first.provider_id == again.provider_id
    assert len(fake_resend.requests) == 2 and len(fake_resend.emails) == 1
    assert all(r.header("Idempotency-Key") == "msg_same" for r in fake_resend.requests)
    other = provider.send(email(key="msg_other"))
    assert other.provider_id != first.provider_id and len(fake_resend.emails) == 2


@pytest.mark.parametrize(("status", "retry_after", "retryable", "expected_wait"), [
    (429, 7, True, 7.0),
    (429, None, True, None),
    (500, None, True, None),
    (503, 2, True, 2.0),
    (422, None, False, None),
    (403, None, False, None),
])
def test_resend_errors_are_mapped(fake_resend, status, retry_after, retryable, expected_wait):
    provider = p.resolve_email_provider(orchestra(resendApiKey=KEY_A), env(fake_resend))
    fake_resend.fail_next(1, status, retry_after=retry_after)
    result = provider.send(email(key="msg_err"))
    assert (result.ok, result.status_code, result.retryable, result.retry_after_seconds) == (
        False, status, retryable, expected_wait)
    assert result.error
    assert fake_resend.emails == []
    # the retry (same idempotency key) goes through once the fake answers normally again
    assert provider.send(email(key="msg_err")).ok and len(fake_resend.emails) == 1


def test_resend_unreachable_and_timeout_are_retryable(fake_resend):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    unreachable = p.ResendEmailProvider(KEY_A, "a@b.se", api_url=f"http://127.0.0.1:{closed_port}")
    result = unreachable.send(email())
    assert not result.ok and result.retryable

    slow = p.ResendEmailProvider(KEY_A, "a@b.se", api_url=fake_resend.url, timeout=1)
    fake_resend.fail_next(1, 200, delay=1.5)
    result = slow.send(email())
    assert not result.ok and result.retryable


def test_resend_batch(fake_resend):
    provider = p.resolve_email_provider(orchestra(resendApiKey=KEY_A), env(fake_resend))
    results = provider.send_batch([email(to=f"m{i}@example.se") for i in range(3)], idempotency_key="batch_1")
    assert [r.ok for r in results] == [True] * 3 and len({r.provider_id for r in results}) == 3
    [req] = fake_resend.requests
    assert req.path == "/emails/batch" and bearer(req) == KEY_A and req.header("Idempotency-Key") == "batch_1"
    assert provider.send_batch([email(to=f"m{i}@example.se") for i in range(3)], idempotency_key="batch_1")[0].ok
    assert len(fake_resend.emails) == 3


def test_two_orchestras_sending_at_once_never_share_a_key(fake_resend):
    providers = {
        "A": p.resolve_email_provider(orchestra("Orkester A", resendApiKey=secrets_box.encrypt(KEY_A)),
                                      env(fake_resend)),
        "B": p.resolve_email_provider(orchestra("Orkester B", resendApiKey=KEY_B), env(fake_resend)),
    }
    expected_key = {"A": KEY_A, "B": KEY_B}
    threads_per_orchestra = 20
    barrier = threading.Barrier(2 * threads_per_orchestra)
    results: list[tuple[str, p.SendResult]] = []
    lock = threading.Lock()

    def worker(tag: str, n: int) -> None:
        barrier.wait()
        result = providers[tag].send(email(to=f"{tag}-{n}@example.se", subject=f"{tag}:{n}", key=f"{tag}_{n}"))
        with lock:
            results.append((tag, result))

    threads = [threading.Thread(target=worker, args=(tag, n)) for tag in "AB" for n in range(threads_per_orchestra)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 40 and all(r.ok for _, r in results)
    assert len(fake_resend.requests) == 40 and len(fake_resend.emails) == 40
    for req in fake_resend.requests:
        tag = req.json["subject"].split(":")[0]
        assert bearer(req) == expected_key[tag]
        assert req.header("Idempotency-Key").startswith(f"{tag}_")
    assert sorted(s["subject"] for _, s, _ in fake_resend.emails) == sorted(
        f"{tag}:{n}" for tag in "AB" for n in range(threads_per_orchestra))


# --- Twilio through the real SDK ------------------------------------------------------------------------------


def sms_orchestra(name="Orkester A", sid=SID_A, token="token-a", number="+46700000001") -> Orchestra:
    return orchestra(name, twilioAccountSid=sid, twilioAuthToken=secrets_box.encrypt(token), twilioFromNumber=number)


def test_twilio_send_with_the_orchestra_account(fake_twilio):
    provider = p.resolve_sms_provider(sms_orchestra(), env(fake_twilio=fake_twilio))
    result = provider.send(p.SmsMessage(to="+46701234567", text="Hej! Svara: https://a.se/respond/x"),
                           status_callback="https://a.stagesub.se/api/webhooks/twilio/status")
    assert result.ok and result.provider_id.startswith("SM") and result.status_code == 201
    [req] = fake_twilio.requests
    assert req.path == f"/2010-04-01/Accounts/{SID_A}/Messages.json" and basic(req) == (SID_A, "token-a")
    assert req.form["To"] == ["+46701234567"] and req.form["From"] == ["+46700000001"]
    assert req.form["Body"] == ["Hej! Svara: https://a.se/respond/x"]
    assert req.form["StatusCallback"] == ["https://a.stagesub.se/api/webhooks/twilio/status"]
    assert [m[2] for m in fake_twilio.messages] == [result.provider_id]


def test_twilio_platform_account_and_wrong_token(fake_twilio):
    platform = env(fake_twilio=fake_twilio, TWILIO_ACCOUNT_SID=SID_P, TWILIO_AUTH_TOKEN="token-platform",
                   TWILIO_FROM_NUMBER="+46700000009")
    assert p.resolve_sms_provider(orchestra(), platform).send(p.SmsMessage(to="+46701234567", text="x")).ok
    assert basic(fake_twilio.requests[-1]) == (SID_P, "token-platform")
    wrong = p.resolve_sms_provider(sms_orchestra(token="not-the-token"), env(fake_twilio=fake_twilio))
    result = wrong.send(p.SmsMessage(to="+46701234567", text="x"))
    assert (result.ok, result.status_code, result.retryable) == (False, 401, False)
    assert len(fake_twilio.messages) == 1


@pytest.mark.parametrize(("status", "retry_after", "retryable", "expected_wait"), [
    (429, 3, True, 3.0),
    (500, None, True, None),
    (400, None, False, None),
])
def test_twilio_errors_are_mapped(fake_twilio, status, retry_after, retryable, expected_wait):
    provider = p.resolve_sms_provider(sms_orchestra(), env(fake_twilio=fake_twilio))
    fake_twilio.fail_next(1, status, retry_after=retry_after)
    result = provider.send(p.SmsMessage(to="+46701234567", text="x"))
    assert (result.ok, result.status_code, result.retryable, result.retry_after_seconds) == (
        False, status, retryable, expected_wait)
    assert fake_twilio.messages == []


def test_twilio_unreachable_is_retryable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    provider = p.TwilioSmsProvider(SID_A, "token-a", "+46700000001", api_url=f"http://127.0.0.1:{closed_port}")
    result = provider.send(p.SmsMessage(to="+46701234567", text="x"))
    assert not result.ok and result.retryable


def test_two_twilio_accounts_at_once(fake_twilio):
    providers = {
        SID_A: p.resolve_sms_provider(sms_orchestra(), env(fake_twilio=fake_twilio)),
        SID_B: p.resolve_sms_provider(sms_orchestra("Orkester B", SID_B, "token-b", "+46700000002"),
                                      env(fake_twilio=fake_twilio)),
    }
    barrier = threading.Barrier(40)
    oks = []

    def worker(sid: str, n: int) -> None:
        barrier.wait()
        oks.append(providers[sid].send(p.SmsMessage(to="+4670123" + f"{n:04d}", text=f"{sid}:{n}")).ok)

    threads = [threading.Thread(target=worker, args=(sid, n)) for sid in providers for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert oks == [True] * 40 and len(fake_twilio.messages) == 40
    for req in fake_twilio.requests:
        sid = req.form["Body"][0].split(":")[0]
        assert basic(req) == (sid, TOKENS[sid]) and f"/Accounts/{sid}/" in req.path
