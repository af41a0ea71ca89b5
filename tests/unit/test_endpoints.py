"""The Starlette routes in front of Reflex: /auth/login, /auth/logout and /api/v1/health (no Reflex server)."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from models.central import Orchestra, UserSession
from services import auth, settings, tenancy
from stagesub_ui.endpoints import build_api

ADMIN_PASSWORD = "acme-admin-secret-1"
ROOT_PASSWORD = "root-secret-password-1"


@pytest.fixture
def world(monkeypatch, tmp_path):
    """Orchestras acme and beta (active) with acme-admin, plus the superadmin root; a fresh central DB."""
    monkeypatch.setenv("STAGESUB_LOGIN_MAX_FAILURES", "3")
    monkeypatch.delenv("STAGESUB_PUBLIC_URL", raising=False)
    monkeypatch.delenv("STAGESUB_BASE_DOMAIN", raising=False)
    return tmp_path


@pytest.fixture
def accounts(world, central_db):
    with tenancy.central_session() as session:
        for sub, name in (("acme", "Testorkestern"), ("beta", "Betaorkestern")):
            session.add(Orchestra(name=name, subdomain=sub, contactName="Kansli", contactEmail=f"kansli@{sub}.test",
                                  status="active"))
        session.commit()
    auth.create_user(username="acme-admin", email="admin@acme.test", password=ADMIN_PASSWORD, role="admin",
                     orchestra_subdomain="acme")
    auth.create_user(username="root", email="root@stagesub.test", password=ROOT_PASSWORD, role="superadmin")
    return {"acme-admin": ADMIN_PASSWORD, "root": ROOT_PASSWORD}


def client_for(host: str = "acme.localhost:3000") -> TestClient:
    return TestClient(build_api(), base_url=f"http://{host}")


def post_login(client: TestClient, username: str, password: str, lang: str = "sv", **kwargs):
    return client.post("/auth/login", data={"username": username, "password": password, "lang": lang}, **kwargs)


def set_cookie_header(response) -> str:
    headers = response.headers.get_list("set-cookie")
    assert len(headers) == 1, headers
    return headers[0]


def session_token(response) -> str:
    jar = SimpleCookie()
    jar.load(set_cookie_header(response))
    return jar[auth.SESSION_COOKIE].value


# ----- health ----------------------------------------------------------------------------------------


def test_health_ok(central_db):
    response = client_for().get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["version"]


def test_health_503_when_the_central_database_is_unreachable(monkeypatch, tmp_path):
    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAGESUB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x")
    settings.reset_settings()
    tenancy.dispose_all()
    try:
        response = client_for().get("/api/v1/health")
    finally:
        tenancy.dispose_all()
        settings.reset_settings()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "unreachable"
    assert body["version"] and body["detail"]
    assert "nobody" not in body["detail"]  # no connection details leak


# ----- login -----------------------------------------------------------------------------------------


def test_login_sets_an_httponly_lax_cookie_and_answers_the_home(accounts):
    response = post_login(client_for(), "acme-admin", ADMIN_PASSWORD)
    assert response.status_code == 200, response.text
    assert response.json() == {"redirect": "/dashboard"}
    raw = set_cookie_header(response)
    attributes = [part.strip().lower() for part in raw.split(";")]
    assert raw.startswith(f"{auth.SESSION_COOKIE}=")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert "secure" not in attributes  # plain http public URL in tests
    max_age = next(int(part.split("=", 1)[1]) for part in attributes if part.startswith("max-age="))
    assert 11 * 3600 < max_age <= settings.get_settings().session_hours * 3600
    assert auth.resolve_session(session_token(response)).username == "acme-admin"
    assert response.headers["cache-control"] == "no-store"


def test_login_cookie_is_secure_behind_https(monkeypatch, accounts):
    monkeypatch.setenv("STAGESUB_PUBLIC_URL", "https://stagesub.example.com")
    settings.reset_settings()
    response = post_login(client_for(), "acme-admin", ADMIN_PASSWORD)
    assert response.status_code == 200
    assert "secure" in [part.strip().lower() for part in set_cookie_header(response).split(";")]


def test_superadmin_goes_to_the_superadmin_page(accounts):
    response = post_login(client_for("localhost:3000"), "root", ROOT_PASSWORD)
    assert response.status_code == 200
    assert response.json() == {"redirect": "/superadmin"}


def test_wrong_password_is_401_with_a_swedish_message(accounts):
    response = post_login(client_for(), "acme-admin", "not-the-password")
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    error = response.json()["error"]
    assert error["code"] == "invalid_credentials"
    assert error["message"] == "Fel användarnamn eller lösenord."
    assert error["fields"] == {}


def test_error_message_follows_the_posted_language(accounts):
    response = post_login(client_for(), "acme-admin", "not-the-password", lang="en")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Wrong username or password."


def test_missing_fields_are_422(accounts):
    response = post_login(client_for(), "acme-admin", "")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"password": "required"}


def test_throttling_gives_429(accounts):
    client = client_for()
    for _ in range(3):
        assert post_login(client, "acme-admin", "wrong-password").status_code == 401
    response = post_login(client, "acme-admin", ADMIN_PASSWORD)
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "too_many_attempts"
    assert error["message"].startswith("För många")
    assert "set-cookie" not in response.headers


def test_login_on_another_orchestras_host_is_refused_and_the_session_revoked(accounts):
    response = post_login(client_for("beta.localhost:3000"), "acme-admin", ADMIN_PASSWORD)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_orchestra"
    assert "set-cookie" not in response.headers
    with tenancy.central_session() as session:
        rows = session.exec(select(UserSession)).all()
    assert rows and all(row.revokedAt is not None for row in rows)


def test_login_on_an_unknown_orchestra_host_is_refused(accounts):
    response = post_login(client_for("nosuch.localhost:3000"), "acme-admin", ADMIN_PASSWORD)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_cross_site_post_is_refused(accounts):
    response = post_login(client_for(), "acme-admin", ADMIN_PASSWORD, headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "cross_site"


# ----- logout ----------------------------------------------------------------------------------------


def test_logout_revokes_the_session_and_deletes_the_cookie(accounts):
    client = client_for()
    token = session_token(post_login(client, "acme-admin", ADMIN_PASSWORD))
    client.cookies.clear()
    response = client.post("/auth/logout", headers={"cookie": f"{auth.SESSION_COOKIE}={token}"})
    assert response.status_code == 200
    assert response.json() == {"redirect": "/login"}
    raw = set_cookie_header(response).lower()
    assert raw.startswith(f"{auth.SESSION_COOKIE}=")
    assert "max-age=0" in raw and "httponly" in raw
    assert auth.resolve_session(token) is None


def test_logout_without_a_session_still_answers(accounts):
    response = client_for().post("/auth/logout")
    assert response.status_code == 200
    assert response.json() == {"redirect": "/login"}


def test_unknown_paths_are_not_served_by_the_api_app(central_db):
    assert client_for().get("/instruments").status_code == 404


def test_a_login_form_posted_without_the_page_script_redirects_and_sets_the_cookie(accounts):
    """A click before the page has hydrated posts the form natively: 303 to the home page with the cookie,
    or back to the login page; never JSON in the browser window, never the password in an address."""
    client = client_for()
    host = {"Host": "acme.localhost:3000", "Origin": "http://acme.localhost:3000"}
    ok = client.post("/auth/login", data={"username": "acme-admin", "password": ADMIN_PASSWORD, "lang": "sv"},
                     headers={**host, "Accept": "text/html,application/xhtml+xml"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/dashboard"
    assert auth.SESSION_COOKIE in ok.headers.get("set-cookie", "")
    bad = client.post("/auth/login", data={"username": "acme-admin", "password": "wrong", "lang": "sv"},
                      headers={**host, "Accept": "text/html,application/xhtml+xml"}, follow_redirects=False)
    assert bad.status_code == 303 and bad.headers["location"] == "/login?failed=1"
    assert "set-cookie" not in bad.headers
