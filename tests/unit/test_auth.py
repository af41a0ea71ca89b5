"""services.auth and services.logs against a SQLite central database in a temp directory."""

from __future__ import annotations

import json
from datetime import timedelta

import bcrypt
import pytest
from sqlmodel import Session, func, select

from models.central import LoginAttempt, Orchestra, SystemLog, User, UserSession
from services import auth, clock, logs, settings
from services.errors import Conflict, Forbidden, NotFound, Throttled, Unauthorized, ValidationError

PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another good passphrase"
IP = "203.0.113.7"


@pytest.fixture(scope="module")
def pw_hash() -> str:
    """One argon2 hash of PASSWORD, shared (hashing costs ~100 ms)."""
    return auth.hash_password(PASSWORD)


@pytest.fixture
def db(monkeypatch, central_db):
    monkeypatch.setenv("STAGESUB_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("STAGESUB_LOGIN_WINDOW_MINUTES", "15")
    monkeypatch.setenv("STAGESUB_SESSION_HOURS", "12")
    settings.reset_settings()
    with Session(central_db) as session:
        session.add(Orchestra(id="orch-acme", name="Acme Sinfonietta", subdomain="acme", status="active",
                              contactName="A", contactEmail="a@acme.test"))
        session.add(Orchestra(id="orch-beta", name="Beta Philharmonic", subdomain="beta", status="suspended",
                              contactName="B", contactEmail="b@beta.test"))
        session.commit()
    return central_db


def add_user(engine, username: str, password_hash: str, *, role: str = "admin", orchestra: str | None = "orch-acme",
             active: bool = True, archived: bool = False, email: str | None = None) -> str:
    with Session(engine) as session:
        user = User(username=username, email=email or f"{username}@example.org", passwordHash=password_hash,
                    role=role, orchestraId=orchestra, active=active, isArchived=archived)
        session.add(user)
        session.commit()
        return user.id


def get_user(engine, user_id: str) -> User:
    with Session(engine) as session:
        return session.get(User, user_id)


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def set_status(engine, orchestra_id: str, status: str) -> None:
    with Session(engine) as session:
        orchestra = session.get(Orchestra, orchestra_id)
        orchestra.status = status
        session.add(orchestra)
        session.commit()


# ----- hashing ---------------------------------------------------------------------------------------


def test_hash_is_argon2_and_verifies(pw_hash):
    assert pw_hash.startswith("$argon2id$")
    assert auth.verify_password(PASSWORD, pw_hash) == (True, None)
    assert auth.verify_password("wrong password!", pw_hash) == (False, None)


@pytest.mark.parametrize("stored", ["", None, "nonsense", "$2b$12$tooshort", "$argon2id$v=19$broken"])
def test_verify_never_raises_on_malformed_hash(stored):
    assert auth.verify_password(PASSWORD, stored) == (False, None)


def test_bcrypt_hash_verifies_and_is_rehashed_to_argon2_on_login(db):
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    ok, new_hash = auth.verify_password(PASSWORD, legacy)
    assert ok and new_hash.startswith("$argon2")
    # The earlier system (bcryptjs) wrote $2a$ hashes.
    user_id = add_user(db, "legacy", legacy.replace("$2b$", "$2a$", 1))

    token, info = auth.login("legacy", PASSWORD, ip=IP)
    stored = get_user(db, user_id).passwordHash
    assert stored.startswith("$argon2id$")
    assert auth.verify_password(PASSWORD, stored) == (True, None)
    assert info.id == user_id and token


def test_bcrypt_hash_of_a_long_password_compares_the_first_72_bytes():
    long_password = "å" * 40 + "tail"  # 84 bytes; bcryptjs hashed only the first 72
    legacy = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(rounds=4)).decode()
    ok, new_hash = auth.verify_password(long_password, legacy)
    assert ok and auth.verify_password(long_password, new_hash) == (True, None)  # argon2 of the whole password
    assert auth.verify_password("ö" * 40, legacy) == (False, None)


# ----- password rules --------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short", "123456789", "a" * 257, "x" * 12, ""])
def test_weak_passwords(password):
    with pytest.raises(ValidationError) as err:
        auth.check_password_rules(password)
    assert err.value.code == "weak_password"
    assert "password" in err.value.fields


@pytest.mark.parametrize("password", ["1234567890", "ab" * 5, "é" * 9 + "x", "y" * 255 + "z"])
def test_acceptable_passwords(password):
    auth.check_password_rules(password)


# ----- login -----------------------------------------------------------------------------------------


def test_login_success(db, pw_hash):
    user_id = add_user(db, "anna", pw_hash, email="Anna.Berg@Example.org")
    before = clock.now()
    token, info = auth.login("ANNA.BERG@example.org", PASSWORD, ip=IP, user_agent="pytest")

    assert len(token) >= 40
    assert info.id == user_id and info.username == "anna" and info.role == "admin"
    assert (info.orchestra_pk, info.orchestra_subdomain, info.orchestra_name) == ("orch-acme", "acme",
                                                                                  "Acme Sinfonietta")
    assert info.language == "sv" and info.is_admin and not info.is_superadmin
    assert timedelta(hours=11, minutes=59) < info.expires_at - before <= timedelta(hours=12, seconds=5)

    with Session(db) as session:
        row = session.exec(select(UserSession)).one()
        assert row.id == auth._token_id(token) and row.id != token and len(row.id) == 64
        assert row.userId == user_id and row.ip == IP and row.userAgent == "pytest"
        assert session.get(User, user_id).lastLogin >= before
        attempt = session.exec(select(LoginAttempt)).one()
        assert attempt.success and attempt.username == "anna" and attempt.ip == IP
        log_rows = session.exec(select(SystemLog).where(SystemLog.category == "auth")).all()
    assert [r.message for r in log_rows] == ["Login"]
    assert log_rows[0].userId == user_id and log_rows[0].level == "info"
    dumped = json.dumps([r.model_dump(mode="json") for r in log_rows])
    assert PASSWORD not in dumped and token not in dumped

    assert auth.resolve_session(token) == info
    _, again = auth.login(" Anna ", PASSWORD, ip=IP)  # user name, any case, spaces trimmed
    assert again.id == user_id


def test_wrong_password_and_unknown_user_give_the_same_error(db, pw_hash):
    add_user(db, "anna", pw_hash)
    with pytest.raises(Unauthorized) as wrong:
        auth.login("anna", "not the password", ip=IP)
    with pytest.raises(Unauthorized) as unknown:
        auth.login("nobody", PASSWORD, ip=IP)
    assert wrong.value.code == unknown.value.code == "invalid_credentials"
    assert wrong.value.message == unknown.value.message
    with Session(db) as session:
        attempts = session.exec(select(LoginAttempt).order_by(LoginAttempt.id)).all()
        assert [(a.username, a.success) for a in attempts] == [("anna", False), ("nobody", False)]
        assert session.exec(select(UserSession)).all() == []
        assert all(PASSWORD not in (r.message + json.dumps(r.meta)) for r in session.exec(select(SystemLog)))


def test_inactive_or_archived_user_cannot_log_in(db, pw_hash):
    add_user(db, "sleepy", pw_hash, active=False)
    add_user(db, "gone", pw_hash, archived=True)
    for name in ("sleepy", "gone"):
        with pytest.raises(Unauthorized) as err:
            auth.login(name, PASSWORD, ip=IP)
        assert err.value.code == "invalid_credentials"
    assert count(db, UserSession) == 0


def test_suspended_or_missing_orchestra_refused_at_login(db, pw_hash):
    add_user(db, "bert", pw_hash, orchestra="orch-beta")
    add_user(db, "orphan", pw_hash, orchestra=None, role="user")
    for name in ("bert", "orphan"):
        with pytest.raises(Forbidden) as err:
            auth.login(name, PASSWORD, ip=IP)
        assert err.value.code == "orchestra_not_active"
    assert count(db, UserSession) == 0


def test_superadmin_needs_no_orchestra(db, pw_hash):
    add_user(db, "root", pw_hash, role="superadmin", orchestra=None)
    token, info = auth.login("root", PASSWORD, ip=IP)
    assert info.is_superadmin and info.is_admin and info.orchestra_pk is None
    assert auth.resolve_session(token).id == info.id
    assert auth.count_superadmins() == 1


# ----- throttling ------------------------------------------------------------------------------------


def test_user_throttled_after_max_failures_even_with_right_password(db, pw_hash):
    add_user(db, "anna", pw_hash, email="anna@acme.test")
    for _ in range(3):
        with pytest.raises(Unauthorized):
            auth.login("anna", "wrong password", ip=IP)
    # Refused before the password is looked at, from another IP and by e-mail too.
    with pytest.raises(Throttled) as err:
        auth.login("anna", PASSWORD, ip="198.51.100.1")
    assert err.value.code == "too_many_attempts"
    with pytest.raises(Throttled):
        auth.login("ANNA@acme.test", PASSWORD, ip=IP)
    assert count(db, LoginAttempt) == 5  # every attempt is recorded
    assert count(db, UserSession) == 0

    clock.advance(timedelta(minutes=16))
    token, _ = auth.login("anna", PASSWORD, ip=IP)
    assert auth.resolve_session(token) is not None


def test_success_resets_the_user_counter(db, pw_hash):
    add_user(db, "anna", pw_hash)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            auth.login("anna", "wrong password", ip=IP)
    auth.login("anna", PASSWORD, ip=IP)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            auth.login("anna", "wrong password", ip=IP)
    auth.login("anna", PASSWORD, ip=IP)  # 4 failures in the window, but only 2 since the last success


def test_unknown_user_names_are_throttled_like_known_ones(db):
    for _ in range(3):
        with pytest.raises(Unauthorized):
            auth.login("ghost", "whatever it is", ip=IP)
    with pytest.raises(Throttled):
        auth.login("ghost", "whatever it is", ip=IP)


def test_ip_throttled_after_three_times_max_failures(db, pw_hash):
    add_user(db, "anna", pw_hash)
    now = clock.now()
    # Rows as another process would have written them: 9 failures for 9 names from one IP within the window,
    # plus older ones that no longer count.
    with Session(db) as session:
        for i in range(9):
            session.add(LoginAttempt(username=f"guess{i}", ip=IP, success=False, createdAt=now - timedelta(minutes=5)))
        for _ in range(20):
            session.add(LoginAttempt(username="anna", ip="192.0.2.9", success=False,
                                     createdAt=now - timedelta(minutes=20)))
        session.commit()
    with pytest.raises(Throttled):
        auth.login("anna", PASSWORD, ip=IP)
    _, info = auth.login("anna", PASSWORD, ip="192.0.2.9")  # old failures are outside the window
    assert info.username == "anna"


def test_ip_below_the_limit_is_not_throttled(db, pw_hash):
    add_user(db, "anna", pw_hash)
    with Session(db) as session:
        for i in range(8):
            session.add(LoginAttempt(username=f"guess{i}", ip=IP, success=False, createdAt=clock.now()))
        session.commit()
    auth.login("anna", PASSWORD, ip=IP)


# ----- sessions --------------------------------------------------------------------------------------


@pytest.fixture
def anna(db, pw_hash):
    return add_user(db, "anna", pw_hash)


def test_resolve_rejects_empty_unknown_and_garbage_tokens(anna):
    for token in (None, "", "nope", "x" * 10_000):
        assert auth.resolve_session(token) is None


def test_session_expires(db, anna):
    token, _ = auth.login("anna", PASSWORD, ip=IP)
    clock.advance(timedelta(hours=11, minutes=59))
    assert auth.resolve_session(token) is not None
    clock.advance(timedelta(minutes=2))
    assert auth.resolve_session(token) is None


def test_last_seen_updated_at_most_once_a_minute(db, anna):
    token, _ = auth.login("anna", PASSWORD, ip=IP)

    def last_seen():
        with Session(db) as session:
            return session.get(UserSession, auth._token_id(token)).lastSeenAt

    first = last_seen()
    clock.advance(timedelta(seconds=30))
    auth.resolve_session(token)
    assert last_seen() == first
    clock.advance(timedelta(seconds=31))
    auth.resolve_session(token)
    assert last_seen() > first


def test_logout(db, anna):
    token, _ = auth.login("anna", PASSWORD, ip=IP)
    auth.logout(token)
    assert auth.resolve_session(token) is None
    auth.logout(token)  # twice is harmless
    auth.logout(None)
    auth.logout("unknown")
    with Session(db) as session:
        assert session.get(UserSession, auth._token_id(token)).revokedAt is not None


def test_revoke_user_sessions(db, anna):
    t1, _ = auth.login("anna", PASSWORD, ip=IP)
    t2, _ = auth.login("anna", PASSWORD, ip=IP)
    t3, _ = auth.login("anna", PASSWORD, ip=IP)
    assert auth.revoke_user_sessions(anna, except_token=t1) == 2
    assert auth.resolve_session(t1) is not None
    assert auth.resolve_session(t2) is None and auth.resolve_session(t3) is None
    assert auth.revoke_user_sessions(anna) == 1
    assert auth.resolve_session(t1) is None
    assert auth.revoke_user_sessions(anna) == 0


def test_resolve_refuses_suspended_orchestra_and_deactivated_user(db, anna, pw_hash):
    token, _ = auth.login("anna", PASSWORD, ip=IP)
    set_status(db, "orch-acme", "suspended")
    assert auth.resolve_session(token) is None
    set_status(db, "orch-acme", "active")
    assert auth.resolve_session(token) is not None

    with Session(db) as session:
        user = session.get(User, anna)
        user.active = False
        session.add(user)
        session.commit()
    assert auth.resolve_session(token) is None


# ----- account changes -------------------------------------------------------------------------------


def test_change_password(db, anna):
    current, _ = auth.login("anna", PASSWORD, ip=IP)
    other, _ = auth.login("anna", PASSWORD, ip=IP)

    with pytest.raises(Unauthorized):
        auth.change_password("bogus", PASSWORD, OTHER_PASSWORD)
    with pytest.raises(ValidationError) as err:
        auth.change_password(current, "not my password", OTHER_PASSWORD)
    assert err.value.code == "wrong_password" and "current_password" in err.value.fields
    with pytest.raises(ValidationError) as err:
        auth.change_password(current, PASSWORD, "short")
    assert err.value.code == "weak_password" and "new_password" in err.value.fields
    assert auth.resolve_session(other) is not None  # nothing changed yet

    auth.change_password(current, PASSWORD, OTHER_PASSWORD)
    assert auth.resolve_session(current) is not None
    assert auth.resolve_session(other) is None
    assert auth.verify_password(OTHER_PASSWORD, get_user(db, anna).passwordHash)[0]
    with pytest.raises(Unauthorized):
        auth.login("anna", PASSWORD, ip=IP)
    auth.login("anna", OTHER_PASSWORD, ip=IP)

    with Session(db) as session:
        text = json.dumps([r.model_dump(mode="json") for r in session.exec(select(SystemLog))])
    assert "Password changed" in text
    for secret in (PASSWORD, OTHER_PASSWORD, current, other):
        assert secret not in text


def test_set_language(db, anna):
    token, info = auth.login("anna", PASSWORD, ip=IP)
    assert info.language == "sv"
    auth.set_language(anna, "EN")
    assert get_user(db, anna).preferredLanguage == "en"
    assert auth.resolve_session(token).language == "en"
    with pytest.raises(ValidationError) as err:
        auth.set_language(anna, "de")
    assert err.value.code == "invalid_language"
    with pytest.raises(NotFound):
        auth.set_language("no-such-user", "sv")


# ----- create_user -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"role": "owner"}, ValidationError, "invalid_role"),
        ({"username": "ab"}, ValidationError, "invalid_username"),
        ({"username": "-anna"}, ValidationError, "invalid_username"),
        ({"username": "an na"}, ValidationError, "invalid_username"),
        ({"username": "a" * 51}, ValidationError, "invalid_username"),
        ({"email": "not-an-address"}, ValidationError, "invalid_email"),
        ({"email": "a@b"}, ValidationError, "invalid_email"),
        ({"email": "a b@example.org"}, ValidationError, "invalid_email"),
        ({"password": "tooshort"}, ValidationError, "weak_password"),
        ({"password": "aaaaaaaaaaaa"}, ValidationError, "weak_password"),
        ({"orchestra_subdomain": None}, ValidationError, "orchestra_required"),
        ({"orchestra_subdomain": "nowhere"}, NotFound, "orchestra_not_found"),
        ({"role": "superadmin"}, ValidationError, "superadmin_without_orchestra"),
        ({"username": "Taken"}, Conflict, "username_taken"),
        ({"email": "TAKEN@example.org"}, Conflict, "email_taken"),
    ],
)
def test_create_user_validations_write_nothing(db, pw_hash, kwargs, error, code):
    add_user(db, "taken", pw_hash, email="taken@example.org")
    users, logs_before = count(db, User), count(db, SystemLog)
    args = {"username": "newbie", "email": "newbie@example.org", "password": PASSWORD, "role": "admin",
            "orchestra_subdomain": "acme"} | kwargs
    with pytest.raises(error) as err:
        auth.create_user(**args)
    assert err.value.code == code
    assert (count(db, User), count(db, SystemLog)) == (users, logs_before)


def test_create_user(db):
    info = auth.create_user(username=" Nils.Holm ", email="Nils@Example.org", password=PASSWORD, role="admin",
                            orchestra_subdomain="ACME")
    assert (info.username, info.email, info.role) == ("nils.holm", "nils@example.org", "admin")
    assert (info.orchestra_pk, info.orchestra_subdomain, info.language, info.expires_at) == ("orch-acme", "acme",
                                                                                           "sv", None)
    stored = get_user(db, info.id)
    assert stored.passwordHash.startswith("$argon2id$") and stored.active and not stored.isArchived
    assert auth.get_user_by_username("NILS.HOLM") == info
    assert auth.get_user_by_username("nobody") is None

    assert auth.count_superadmins() == 0
    root = auth.create_user(username="root", email="root@example.org", password=PASSWORD, role="superadmin")
    assert root.is_superadmin and root.orchestra_pk is None
    assert auth.count_superadmins() == 1
    # A user of a suspended orchestra can be created (it just cannot log in yet).
    auth.create_user(username="bert", email="bert@example.org", password=PASSWORD, role="user",
                     orchestra_subdomain="beta")
    _, logged_in = auth.login("nils.holm", PASSWORD, ip=IP)
    assert logged_in.id == info.id


# ----- roles -----------------------------------------------------------------------------------------


def _info(role: str) -> auth.UserInfo:
    return auth.UserInfo(id="u1", username="u", email="u@example.org", role=role, orchestra_pk=None,
                         orchestra_subdomain=None, orchestra_name=None, language="sv", expires_at=None)


def test_require_role():
    with pytest.raises(Unauthorized) as err:
        auth.require_role(None, "admin")
    assert err.value.code == "login_required"
    admin, superadmin, user = _info("admin"), _info("superadmin"), _info("user")
    assert auth.require_role(admin, "admin") is admin
    assert auth.require_role(superadmin, "admin", "superadmin") is superadmin
    for who, roles in ((superadmin, ("admin",)), (user, ("admin",)), (admin, ("superadmin",))):
        with pytest.raises(Forbidden) as err:
            auth.require_role(who, *roles)
        assert err.value.code == "forbidden"
    assert admin.is_admin and not admin.is_superadmin and not user.is_admin


def test_session_cookie_name():
    assert auth.SESSION_COOKIE == "stagesub_session"


# ----- logs ------------------------------------------------------------------------------------------


def test_log_event_and_recent_logs(db):
    logs.log_event("info", "email", "Sent", user_id="u1", meta={"to": "a@b.se", "password": "x", "nested": {
        "api_key": "k", "n": 1}})
    logs.log_event("warning", "auth", "Odd", ip=IP)
    with Session(db) as session:
        logs.log_event("error", "system", "Not committed", session=session)
        session.rollback()
    rows = logs.recent_logs()
    assert [r["message"] for r in rows] == ["Odd", "Sent"]
    assert rows[0]["level"] == "warn" and rows[0]["ip"] == IP
    assert rows[1]["meta"] == {"to": "a@b.se", "password": "[redacted]", "nested": {"api_key": "[redacted]", "n": 1}}
    assert [r["message"] for r in logs.recent_logs(category="email")] == ["Sent"]
    assert [r["message"] for r in logs.recent_logs(level="warn")] == ["Odd"]
    assert len(logs.recent_logs(limit=1)) == 1
    with pytest.raises(ValueError):
        logs.log_event("loud", "system", "x")
