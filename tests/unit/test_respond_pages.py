"""The public response page (``/respond/{token}`` and the earlier ``/respond?token=…&org=…``), no Reflex server.

Data: a provisioned orchestra with the demo projects; requests are sent with ``dispatch.send_project`` and the
raw tokens are read from the response links in the (simulated) outbox.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from models.orchestra import Musician, Outbox, Project, ProjectNeed, Request, RequestToken
from services import clock, dispatch, outbox, provisioning, tenancy
from services.demo import seed_demo_data
from stagesub_ui.endpoints import api_routes
from stagesub_ui.endpoints import respond as respond_module
from stagesub_ui.endpoints.respond_texts import TEXTS

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def world(installation, monkeypatch):
    """acme with the demo data; both demo projects sent. Returns the orchestra ref."""
    monkeypatch.delenv("STAGESUB_PUBLIC_URL", raising=False)
    monkeypatch.delenv("STAGESUB_BASE_DOMAIN", raising=False)
    ref = provisioning.create_orchestra(
        name="Testorkestern", subdomain="acme", contact_name="Kansli", contact_email="kansli@acme.test",
    ).orchestra
    with tenancy.orchestra_session(ref) as session:
        seed_demo_data(session)
        session.commit()
        project_ids = [p.projectId for p in session.exec(select(Project).order_by(Project.id)).all()]
    for project_id in project_ids:
        dispatch.send_project(ref, project_id)
    return ref


def client(host: str = "acme.localhost:3000") -> TestClient:
    return TestClient(Starlette(routes=api_routes()), base_url=f"http://{host}")


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def request_links(ref) -> list[dict]:
    """One entry per request e-mail: its link path, recipient, and the request's strategy and need."""
    found = []
    with tenancy.orchestra_session(ref) as session:
        for message in outbox.list_outbox(ref, limit=200):
            if message["messageType"] != "request" or not message["links"]:
                continue
            row = session.exec(select(Outbox).where(Outbox.messageId == message["messageId"])).one()
            request = session.get(Request, row.requestId)
            need = session.get(ProjectNeed, request.projectNeedId)
            found.append({
                "path": path_of(message["links"][0]), "email": message["recipient"], "request_pk": request.id,
                "requestId": request.requestId, "strategy": need.requestStrategy, "need_pk": need.id,
                "hours": need.responseTimeHours,
            })
    return found


def link_for(ref, strategy: str, index: int = 0, language: str = "sv") -> dict:
    """A request of a need with ``strategy``; its musician is made to prefer ``language``."""
    link = [link for link in request_links(ref) if link["strategy"] == strategy][index]
    set_language(ref, link["email"], language)
    return link


def set_language(ref, email: str, language: str) -> None:
    with tenancy.orchestra_session(ref) as session:
        musician = session.exec(select(Musician).where(Musician.email == email)).one()
        musician.preferredLanguage = language
        session.commit()


def snapshot(ref) -> dict:
    """Counts and states of everything a response could change."""
    with tenancy.orchestra_session(ref) as session:
        def count(model) -> int:
            return session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()

        return {
            "requests": count(Request), "tokens": count(RequestToken), "outbox": count(Outbox),
            "statuses": sorted(session.execute(sa.select(Request.id, Request.status, Request.respondedAt)).all()),
            "used": sorted(session.execute(sa.select(RequestToken.token, RequestToken.usedAt)).all()),
            "needs": sorted(session.execute(sa.select(ProjectNeed.id, ProjectNeed.status)).all()),
        }


def request_status(ref, request_pk: int) -> str:
    with tenancy.orchestra_session(ref) as session:
        return session.get(Request, request_pk).status


def sv(key: str, **values) -> str:
    return TEXTS["sv"][key].format(**values) if values else TEXTS["sv"][key]


def en(key: str, **values) -> str:
    return TEXTS["en"][key].format(**values) if values else TEXTS["en"][key]


def has_buttons(page: str) -> bool:
    return 'name="answer" value="accept"' in page and 'name="answer" value="decline"' in page


# ----- GET ----------------------------------------------------------------------------------------------


def test_get_renders_the_request_in_swedish(world):
    link = link_for(world, "sequential")
    response = client().get(link["path"], headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="sv">' in page
    assert "Testorkestern" in page and "Mahler 5" in page
    assert sv("page.title") in page and sv("question") in page
    assert "Trumpet – Solotrumpet" in page
    assert re.search(r"måndag \d{1,2} [a-zåäö]+ \d{4} \(vecka \d{1,2}\)", page)
    assert sv("label.deadline") in page and "(svensk tid)" in page
    assert sv("strategy.sequential") in page
    assert "Generalrepetition torsdag" in page and "Klädsel: svart" in page
    assert '<form method="post"' in page and has_buttons(page)
    assert sv("button.accept") in page and sv("button.decline") in page


def test_get_renders_in_english_for_an_english_speaker(world):
    link = link_for(world, "first_come", language="en")
    page = client().get(link["path"], headers=HTML).text
    assert '<html lang="en">' in page
    assert en("page.title") in page and en("question") in page
    assert en("button.accept").replace("'", "&#x27;") in page and "No, I can&#x27;t" in page
    assert re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} [A-Z][a-z]+ \d{4} "
                     r"\(week \d{1,2}\)", page)
    assert "Swedish time" in page
    assert en("strategy.first_come.many", n=2) in page  # the first 2 who say yes get the job


def test_strategy_in_plain_words():
    assert "De 2 första som tackar ja" in respond_module.strategy_text("first_come", 2, "sv")
    assert "The first one to say yes" in respond_module.strategy_text("first_come", 1, "en")
    assert "one musician at a time" in respond_module.strategy_text("sequential", 1, "en")
    assert "Vi söker 3 musiker" in respond_module.strategy_text("parallel", 3, "sv")


def test_page_headers_are_private_and_strict(world):
    response = client().get(link_for(world, "parallel")["path"], headers=HTML)
    headers = response.headers
    assert headers["cache-control"].startswith("no-store")
    assert headers["referrer-policy"] == "no-referrer"
    assert "noindex" in headers["x-robots-tag"]
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'<style nonce="{nonce}">' in response.text
    page = response.text
    assert "<script" not in page and " style=" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing loaded from elsewhere
    # mobile first: viewport meta, fluid layout, big buttons
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "max-width:560px" in page and "min-height:56px" in page and "width:100%" in page


def test_get_changes_nothing(world):
    link = link_for(world, "sequential")
    before = snapshot(world)
    web = client()
    for _ in range(3):
        assert web.get(link["path"], headers=HTML).status_code == 200
    assert web.get(link["path"], headers=JSON).status_code == 200
    assert web.head(link["path"]).status_code == 200
    assert web.get(link["path"] + "?answer=accept", headers=HTML).status_code == 200
    assert snapshot(world) == before


def test_get_json_describes_the_request(world):
    link = link_for(world, "sequential")
    body = client().get(link["path"], headers=JSON).json()
    assert body["requestId"] == link["requestId"] and body["status"] == "pending" and body["outcome"] is None
    assert body["projectName"] == "Mahler 5" and body["deadline"].endswith("Z")


def test_values_are_html_escaped(world):
    link = link_for(world, "sequential")
    with tenancy.orchestra_session(world) as session:
        project = session.exec(select(Project).where(Project.name == "Mahler 5")).one()
        project.name = '<script>alert("x")</script>'
        project.concertInfo = "A & B <b>fet</b>"
        session.commit()
    page = client().get(link["path"], headers=HTML).text
    assert "<script>" not in page and "<b>fet</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "A &amp; B &lt;b&gt;fet&lt;/b&gt;" in page


# ----- POST ---------------------------------------------------------------------------------------------


def test_accept_shows_the_accepted_page_and_a_second_answer_changes_nothing(world):
    link = link_for(world, "parallel")
    web = client()
    response = web.post(link["path"], data={"answer": "accept"}, headers=HTML)
    assert response.status_code == 200
    assert sv("outcome.accepted.title") in response.text and not has_buttons(response.text)
    assert response.headers["cache-control"].startswith("no-store")
    assert request_status(world, link["request_pk"]) == "accepted"

    before = snapshot(world)
    again = web.post(link["path"], json={"answer": "accept"}, headers=JSON)
    assert again.status_code == 200
    assert again.json() == {"requestId": link["requestId"], "status": "accepted", "outcome": "already_answered",
                            "message": again.json()["message"]}
    other = web.post(link["path"], json={"answer": "decline"}, headers=JSON)
    assert other.json()["outcome"] == "already_answered" and other.json()["status"] == "accepted"
    assert snapshot(world) == before

    page = web.get(link["path"], headers=HTML).text
    assert sv("outcome.already_answered.title") in page and sv("outcome.already_answered.accepted") in page
    assert not has_buttons(page)


def test_accept_and_decline_as_json(world):
    first, second = link_for(world, "parallel", 0), link_for(world, "parallel", 1)
    web = client()
    accepted = web.post(first["path"], json={"answer": "accept"}, headers=JSON)
    assert accepted.status_code == 200
    body = accepted.json()
    assert set(body) == {"requestId", "status", "outcome", "message"}
    assert body["requestId"] == first["requestId"] and body["status"] == "accepted" and body["outcome"] == "accepted"
    assert body["message"]
    declined = web.post(second["path"], data={"answer": "decline"}, headers=JSON)
    assert declined.json()["outcome"] == "declined" and declined.json()["status"] == "declined"


def test_decline_page(world):
    link = link_for(world, "sequential")
    page = client().post(link["path"], data={"answer": "decline"}, headers=HTML).text
    assert sv("outcome.declined.title") in page and not has_buttons(page)
    assert request_status(world, link["request_pk"]) == "declined"


@pytest.mark.parametrize("payload", [{"answer": "yes"}, {"answer": ""}, {}, {"answer": "ACCEPTED"}])
def test_a_malformed_answer_is_refused_and_changes_nothing(world, payload):
    link = link_for(world, "sequential")
    before = snapshot(world)
    response = client().post(link["path"], data=payload)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_answer" and error["message"] and error["fields"] == {"answer": error["fields"]
                                                                                           ["answer"]}
    assert client().post(link["path"], content=b"{not json", headers={"Content-Type": "application/json"}
                         ).status_code == 400
    browser = client().post(link["path"], data=payload, headers=HTML)
    assert browser.status_code == 400 and sv("problem.bad_answer.title") in browser.text
    assert snapshot(world) == before


def test_a_post_from_another_site_is_refused(world):
    link = link_for(world, "sequential")
    before = snapshot(world)
    web = client()
    refused = web.post(link["path"], data={"answer": "accept"}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "cross_site"
    other_orchestra = web.post(link["path"], data={"answer": "accept"},
                               headers={"Origin": "http://beta.localhost:3000", **HTML})
    assert other_orchestra.status_code == 403 and sv("problem.cross_site.title") in other_orchestra.text
    fetch_meta = web.post(link["path"], data={"answer": "accept"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetch_meta.status_code == 403
    assert snapshot(world) == before
    # The page's own form: browsers send "Origin: null" because of Referrer-Policy: no-referrer.
    own = web.post(link["path"], data={"answer": "accept"},
                   headers={"Origin": "null", "Sec-Fetch-Site": "same-origin", **JSON})
    assert own.json()["outcome"] == "accepted"


def test_same_host_origin_is_accepted(world):
    link = link_for(world, "sequential")
    response = client().post(link["path"], data={"answer": "decline"},
                             headers={"Origin": "http://acme.localhost:3000", **JSON})
    assert response.json()["outcome"] == "declined"


def test_after_the_deadline_the_page_says_expired(world):
    link = link_for(world, "sequential")
    clock.advance(timedelta(hours=link["hours"], minutes=1))
    web = client()
    before = snapshot(world)
    page = web.get(link["path"], headers=HTML).text
    assert sv("outcome.expired.title") in page and not has_buttons(page)
    assert snapshot(world) == before  # GET did not time the request out
    response = web.post(link["path"], json={"answer": "accept"}, headers=JSON)
    assert response.status_code == 200 and response.json()["outcome"] == "expired"
    assert request_status(world, link["request_pk"]) != "accepted"
    page = web.post(link["path"], data={"answer": "accept"}, headers=HTML).text
    assert sv("outcome.expired.title") in page


def test_a_cancelled_request(world):
    link = link_for(world, "sequential")
    with tenancy.orchestra_session(world) as session:
        request = session.get(Request, link["request_pk"])
        request.status = "cancelled"
        session.commit()
    web = client()
    page = web.get(link["path"], headers=HTML).text
    assert sv("outcome.cancelled.title") in page and not has_buttons(page)
    response = web.post(link["path"], json={"answer": "accept"}, headers=JSON)
    assert response.status_code == 200 and response.json()["outcome"] == "cancelled"
    assert request_status(world, link["request_pk"]) == "cancelled"


def test_first_come_seats_taken_by_others(world):
    links = [link for link in request_links(world) if link["strategy"] == "first_come"]
    assert len(links) >= 3
    for link in links:
        set_language(world, link["email"], "sv")
    web = client()
    for link in links[:2]:  # the need has two seats
        assert web.post(link["path"], json={"answer": "accept"}, headers=JSON).json()["outcome"] == "accepted"
    late = links[2]
    page = web.get(late["path"], headers=HTML).text
    assert sv("outcome.position_filled.title") in page and not has_buttons(page)
    response = web.post(late["path"], json={"answer": "accept"}, headers=JSON)
    assert response.status_code == 200 and response.json()["outcome"] == "position_filled"
    page = web.post(late["path"], data={"answer": "accept"}, headers=HTML).text
    assert sv("outcome.position_filled.title") in page


# ----- unknown tokens and the earlier system's links -----------------------------------------------------


@pytest.mark.parametrize("path", ["/respond/acme.doesnotexist000000000000000000000", "/respond/nope",
                                  "/respond/beta.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/respond?token=&org=acme",
                                  "/respond"])
def test_an_unknown_token_is_404(world, path):
    web = client()
    page = web.get(path, headers=HTML)
    assert page.status_code == 404 and sv("outcome.invalid_token.title") in page.text
    assert page.headers["cache-control"].startswith("no-store")
    body = web.get(path, headers=JSON)
    assert body.status_code == 404
    assert body.json() == {"requestId": None, "status": None, "outcome": "invalid_token",
                           "message": body.json()["message"]}
    posted = web.post(path, json={"answer": "accept"}, headers=JSON)
    assert posted.status_code == 404 and posted.json()["outcome"] == "invalid_token"


def test_unknown_token_page_follows_the_browser_language(world):
    page = client().get("/respond/acme.nope", headers={"Accept-Language": "en-GB,en;q=0.9,sv;q=0.5", **HTML})
    assert '<html lang="en">' in page.text and en("outcome.invalid_token.title") in page.text


@pytest.fixture
def legacy_token(world) -> tuple[str, dict]:
    """A token as the earlier system stored it: the plain cuid, on one of the sent requests."""
    link = link_for(world, "parallel")
    raw = "clx9legacytoken0000000001"
    with tenancy.orchestra_session(world) as session:
        session.add(RequestToken(token=raw, requestId=link["request_pk"],
                                 expiresAt=clock.now() + timedelta(hours=48)))
        session.commit()
    return raw, link


def test_legacy_link_with_org(world, legacy_token):
    raw, link = legacy_token
    path = "/respond?" + urlencode({"token": raw, "org": "acme"})
    web = client("localhost:3000")
    page = web.get(path, headers=HTML)
    assert page.status_code == 200 and has_buttons(page.text) and "Mahler 5" in page.text
    response = web.post(path, data={"answer": "accept"}, headers=JSON)
    assert response.json()["outcome"] == "accepted" and response.json()["requestId"] == link["requestId"]


def test_legacy_link_without_org_uses_the_orchestra_of_the_host(world, legacy_token):
    raw, _ = legacy_token
    path = "/respond?" + urlencode({"token": raw})
    assert client("acme.localhost:3000").get(path, headers=HTML).status_code == 200
    assert client("localhost:3000").get(path, headers=HTML).status_code == 404
    page = client("acme.localhost:3000").post(path, data={"answer": "decline"}, headers=HTML)
    assert page.status_code == 200 and sv("outcome.declined.title") in page.text


def test_the_new_link_also_works_in_the_legacy_form(world):
    link = link_for(world, "sequential")
    raw = link["path"].rsplit("/", 1)[1]
    response = client().get("/respond?" + urlencode({"token": raw, "org": "acme"}), headers=JSON)
    assert response.status_code == 200 and response.json()["requestId"] == link["requestId"]


# ----- helpers ------------------------------------------------------------------------------------------


def test_brand_colour_is_darkened_to_a_readable_contrast():
    for color in ("#3B82F6", "#ffff00", "#fff", "not a colour", None, "#1E40AF"):
        assert respond_module.contrast_ratio(respond_module.brand_color(color), "#ffffff") >= 4.5
    assert respond_module.brand_color("#1E40AF") == "#1e40af"  # dark enough already: unchanged


def test_only_local_logos_are_shown():
    assert respond_module.safe_logo("/api/files/logo.png") == "/api/files/logo.png"
    assert respond_module.safe_logo("data:image/png;base64,iVBORw0KGgo=") is not None
    for url in ("https://cdn.example/logo.png", "//cdn.example/x.png", "javascript:alert(1)",
                'data:image/svg+xml,<svg onload="x">', '/x" onerror="y', None):
        assert respond_module.safe_logo(url) is None


def test_the_two_languages_have_the_same_texts():
    assert set(TEXTS["sv"]) == set(TEXTS["en"])
    for key in TEXTS["sv"]:
        assert re.findall(r"\{(\w+)\}", TEXTS["sv"][key]) == re.findall(r"\{(\w+)\}", TEXTS["en"][key]), key


def test_a_json_post_without_accept_gets_json(world):
    link = link_for(world, "sequential")
    response = client().post(link["path"], json={"answer": "decline"})
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["outcome"] == "declined"


def test_an_engine_failure_gives_a_plain_503_page(world, monkeypatch):
    link = link_for(world, "sequential")

    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(dispatch, "response_view", broken)
    monkeypatch.setattr(dispatch, "handle_response", broken)
    page = client().get(link["path"], headers=HTML)
    assert page.status_code == 503 and sv("problem.unavailable.title") in page.text
    assert "database is down" not in page.text
    posted = client().post(link["path"], json={"answer": "accept"}, headers=JSON)
    assert posted.status_code == 503 and posted.json()["error"]["code"] == "unavailable"
