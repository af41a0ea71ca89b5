"""REST API v1 (/work/shared/API.md) through Starlette's TestClient on ``api_routes()``, no Reflex server.

Two provisioned orchestras, acme and beta, each with an API key; everything else is made through the API
itself. Every endpoint's happy path, the key checks (none, bad, revoked, another orchestra's), the error body
and statuses, pagination, and that a request answered with an error changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from models.central import ApiKey, Orchestra
from models.orchestra import GroupEmailLog, Outbox, orchestra_registry
from services import api_keys, clock, provisioning, settings, tenancy
from stagesub_ui.endpoints import api_routes
from stagesub_ui.endpoints.api_v1 import OPERATIONS, PREFIX, openapi_document

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")


class Api:
    """A client that sends one orchestra's key (or none, or a given header)."""

    def __init__(self, client: TestClient, key: str | None):
        self.client, self.key = client, key

    def __call__(self, method: str, path: str, json=None, *, headers: dict | None = None, **kwargs):
        sent = {} if self.key is None else {"Authorization": f"Bearer {self.key}"}
        sent.update(headers or {})
        url = path if path.startswith("/api/") else PREFIX + path
        return self.client.request(method, url, json=json, headers=sent, **kwargs)

    def ok(self, method: str, path: str, json=None, status: int = 200, **kwargs):
        response = self(method, path, json, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def fails(self, method: str, path: str, json=None, status: int = 422, code: str | None = None, **kwargs) -> dict:
        response = self(method, path, json, **kwargs)
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
        assert isinstance(body["error"]["fields"], dict) and body["error"]["message"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"]["code"])
        if code is not None:
            assert body["error"]["code"] == code, body
        return body["error"]


@dataclass
class World:
    acme: tenancy.OrchestraRef
    beta: tenancy.OrchestraRef
    api: Api  # acme's key
    beta_api: Api
    anonymous: Api
    client: TestClient


@pytest.fixture
def world(installation, monkeypatch) -> World:
    monkeypatch.delenv("STAGESUB_PUBLIC_URL", raising=False)
    monkeypatch.delenv("STAGESUB_BASE_DOMAIN", raising=False)
    refs = {
        sub: provisioning.create_orchestra(name=name, subdomain=sub, contact_name="Kansli",
                                           contact_email=f"kansli@{sub}.test", create_admin=False).orchestra
        for sub, name in (("acme", "Testorkestern"), ("beta", "Betaorkestern"))
    }
    acme_key, _ = api_keys.create_api_key("acme", "tests")
    beta_key, _ = api_keys.create_api_key("beta", "tests")
    client = TestClient(Starlette(routes=api_routes()), base_url="http://localhost:3000")
    return World(refs["acme"], refs["beta"], Api(client, acme_key), Api(client, beta_key), Api(client, None), client)


# ----- builders (through the API) ---------------------------------------------------------------------------------


def positions(api: Api) -> dict[tuple[str, str], str]:
    """(instrument name, position name) → positionId."""
    items = api.ok("GET", "/instruments?limit=200")["items"]
    return {(i["name"], p["name"]): p["positionId"] for i in items for p in i["positions"]}


def a_list(api: Api, position_id: str, list_type: str = "A") -> str:
    lists = api.ok("GET", f"/positions/{position_id}/ranking-lists")["items"]
    return next(rl["rankingListId"] for rl in lists if rl["listType"] == list_type)


_counter = iter(range(1, 10_000))


def musician(api: Api, position_id: str | None = None, **fields) -> dict:
    n = next(_counter)
    body = {"firstName": f"Förnamn{n}", "lastName": f"Efternamn{n}", "email": f"m{n}@example.se",
            "qualifications": [position_id] if position_id else []} | fields
    return api.ok("POST", "/musicians", body, status=201)


def roster(api: Api, position_id: str, size: int) -> tuple[str, list[str]]:
    """``size`` qualified musicians on the position's A list, in order; returns (rankingListId, musicianIds)."""
    ids = [musician(api, position_id)["musicianId"] for _ in range(size)]
    list_id = a_list(api, position_id)
    api.ok("PUT", f"/ranking-lists/{list_id}/musicians", {"musicianIds": ids})
    return list_id, ids


def project(api: Api, name: str = "Mahler 5", start: str = "2031-03-03") -> str:
    return api.ok("POST", "/projects", {"name": name, "startDate": start}, status=201)["projectId"]


def need(api: Api, project_id: str, position_id: str, list_id: str, strategy: str = "sequential",
         quantity: int = 1, **fields) -> dict:
    body = {"positionId": position_id, "rankingListId": list_id, "requestStrategy": strategy,
            "quantity": quantity} | fields
    return api.ok("POST", f"/projects/{project_id}/needs", body, status=201)


def snapshot(ref: tenancy.OrchestraRef) -> dict[str, int]:
    """Row counts of every orchestra table and of the central API keys."""
    counts = {}
    with tenancy.orchestra_session(ref) as session:
        for name, table in orchestra_registry.metadata.tables.items():
            counts[name] = session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        counts["updated"] = session.execute(sa.text(
            'SELECT max("updatedAt") FROM "Musician"')).scalar()
    with tenancy.central_session() as session:
        counts["ApiKey"] = session.execute(sa.select(sa.func.count()).select_from(ApiKey)).scalar_one()
    return counts


def example_path(path: str) -> str:
    return re.sub(r"\{\w+\}", "X0", path)


AUTH_OPERATIONS = [op for op in OPERATIONS if op.auth]


# ----- authentication -----------------------------------------------------------------------------------------


def test_health_and_the_openapi_document_need_no_key(world):
    health = world.anonymous.ok("GET", "/health")
    assert health["status"] == "ok" and health["version"]
    document = world.anonymous.ok("GET", "/openapi.json")
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


@pytest.mark.parametrize("op", AUTH_OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_every_operation_refuses_a_missing_or_bad_key(world, op):
    path = example_path(op.path)
    for headers, code in (({}, "missing_api_key"), ({"Authorization": "Bearer ssk_nope"}, "invalid_api_key"),
                          ({"Authorization": "Basic dXNlcjpwYXNz"}, "missing_api_key"),
                          ({"Authorization": "Bearer " + "ssk_" + "A" * 43}, "invalid_api_key")):
        response = world.anonymous(op.method, path, json={}, headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == code
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working_at_once(world):
    world.api.ok("GET", "/musicians")
    prefix = world.api.key[:api_keys.PREFIX_LENGTH]
    info = api_keys.revoke_api_key(prefix)
    assert info.revokedAt is not None and info.subdomain == "acme"
    world.api.fails("GET", "/musicians", status=401, code="invalid_api_key")
    # Revoking again changes nothing.
    assert api_keys.revoke_api_key(str(info.id)).revokedAt == info.revokedAt
    world.beta_api.ok("GET", "/musicians")


def test_a_key_of_an_orchestra_that_is_not_active_is_refused(world):
    with tenancy.central_session() as session:
        row = session.exec(select(Orchestra).where(Orchestra.subdomain == "acme")).one()
        row.status = "suspended"
        session.commit()
    world.api.fails("GET", "/instruments", status=401, code="invalid_api_key")
    world.beta_api.ok("GET", "/instruments")


def test_last_used_is_recorded_at_most_once_a_minute(world):
    def last_used() -> datetime | None:
        with tenancy.central_session() as session:
            return session.exec(select(ApiKey).where(ApiKey.keyHash == api_keys.hash_key(world.api.key))).one() \
                .lastUsedAt

    assert last_used() is None
    world.api.ok("GET", "/musicians")
    first = last_used()
    assert first is not None
    clock.advance(timedelta(seconds=30))
    world.api.ok("GET", "/musicians")
    assert last_used() == first
    clock.advance(timedelta(seconds=31))
    world.api.ok("GET", "/musicians")
    assert last_used() > first


def test_keys_are_stored_hashed_and_listed_without_the_key(world):
    keys = api_keys.list_api_keys("acme")
    assert len(keys) == 1 and keys[0].name == "tests" and world.api.key.startswith(keys[0].prefix)
    with tenancy.central_session() as session:
        stored = [row.keyHash for row in session.exec(select(ApiKey)).all()]
    assert world.api.key not in stored and api_keys.hash_key(world.api.key) in stored


# ----- tenancy --------------------------------------------------------------------------------------------------


def test_ids_of_another_orchestra_are_not_found(world):
    """Everything made in acme is 404 with beta's key (and nothing in acme changes)."""
    api = world.api
    pos = positions(api)[("Violin", "Tutti violin 1")]
    list_id, (m1, m2) = roster(api, pos, 2)
    blockout = api.ok("POST", f"/musicians/{m1}/blockouts", {"startDate": "2031-01-01", "endDate": "2031-01-02"},
                      status=201)["blockoutId"]
    project_id = project(api)
    need_id = need(api, project_id, pos, list_id)["projectNeedId"]
    custom = api.ok("POST", f"/projects/{project_id}/custom-lists",
                    {"positionId": positions(api)[("Violin", "Tutti violin 2")]}, status=201)["customListId"]
    request_id = api.ok("POST", f"/projects/{project_id}/send")["needs"] and \
        api.ok("GET", f"/projects/{project_id}/requests")["items"][0]["requestId"]
    # beta's catalogue has the same seeded ids (POS004, RANK…); its own musicians and projects do not exist.
    values = {"musicianId": m1, "blockoutId": blockout, "projectId": project_id, "projectNeedId": need_id,
              "customListId": custom, "requestId": request_id, "rankingListId": list_id, "positionId": pos}
    before = snapshot(world.acme)
    checked = 0
    for op in AUTH_OPERATIONS:
        if not op.path_params or op.path_params in (["positionId"], ["rankingListId"]):
            continue
        path = op.path
        for name in op.path_params:
            path = path.replace("{" + name + "}", values[name])
        body = {"musicianIds": [], "answer": "accept", "subject": "s", "message": "m", "positionId": pos,
                "startDate": "2031-01-01", "endDate": "2031-01-02", "quantity": 2, "requestStrategy": "parallel",
                "rankingListId": list_id}
        response = world.beta_api(op.method, path, json=body)
        assert response.status_code == 404, (op.method, path, response.text)
        checked += 1
    assert checked >= 15
    assert snapshot(world.acme) == before
    # The seeded catalogue ids exist in both databases, but each orchestra sees only its own lists' members.
    assert world.beta_api.ok("GET", f"/positions/{pos}/ranking-lists")["items"][0]["musicians"] == []
    assert world.api.ok("GET", f"/positions/{pos}/ranking-lists")["items"][0]["musicians"] == [m1, m2]


# ----- catalogue and musicians ----------------------------------------------------------------------------------


def test_instruments_in_display_order_with_positions(world):
    body = world.api.ok("GET", "/instruments?limit=200")
    assert body["total"] == 14 and body["limit"] == 200 and body["offset"] == 0
    assert [i["name"] for i in body["items"][:2]] == ["Violin", "Viola"]
    assert sum(len(i["positions"]) for i in body["items"]) == 43
    violin = body["items"][0]
    assert violin["positions"][0] == {"positionId": "POS001", "name": "Förste konsertmästare", "hierarchyLevel": 1}
    page = world.api.ok("GET", "/instruments?limit=5&offset=10")
    assert page["total"] == 14 and len(page["items"]) == 4


def test_musician_create_get_update_archive_restore(world):
    api = world.api
    pos = positions(api)
    violin, viola = pos[("Violin", "Tutti violin 1")], pos[("Viola", "Tutti")]
    created = api.ok("POST", "/musicians", {
        "firstName": " Åsa ", "lastName": "Öberg", "email": "Asa.Oberg@Example.se", "phone": "070-123 45 67",
        "preferredLanguage": "en", "localResidence": True, "notes": "Spelar även barockviola.",
        "qualifications": [violin, viola, violin],
    }, status=201)
    assert re.fullmatch(r"MUS\d{3,}", created["musicianId"])
    assert created["firstName"] == "Åsa" and created["email"] == "asa.oberg@example.se"
    assert created["qualifications"] == sorted([violin, viola]) and created["status"] == "active"
    assert created["statistics"] == {"total": 0, "pending": 0, "accepted": 0, "declined": 0, "timedOut": 0,
                                     "cancelled": 0}
    assert TIME_RE.match(created["createdAt"]) and created["archivedAt"] is None
    musician_id = created["musicianId"]
    assert api.ok("GET", f"/musicians/{musician_id}") == created

    changed = api.ok("PATCH", f"/musicians/{musician_id}", {"phone": None, "qualifications": [viola],
                                                            "isActive": False, "notes": ""})
    assert changed["phone"] is None and changed["qualifications"] == [viola] and changed["notes"] is None
    assert changed["status"] == "inactive" and changed["firstName"] == "Åsa"

    archived = api.ok("POST", f"/musicians/{musician_id}/archive")
    assert archived["isArchived"] and not archived["isActive"] and archived["status"] == "archived"
    assert TIME_RE.match(archived["archivedAt"])
    assert api.ok("POST", f"/musicians/{musician_id}/archive")["archivedAt"] == archived["archivedAt"]
    api.fails("PATCH", f"/musicians/{musician_id}", {"isActive": True}, status=409, code="musician_archived")
    restored = api.ok("POST", f"/musicians/{musician_id}/restore")
    assert restored["isActive"] and not restored["isArchived"] and TIME_RE.match(restored["restoredAt"])


def test_musician_list_search_filters_and_pages(world):
    api = world.api
    pos = positions(api)
    violin, cello = pos[("Violin", "Tutti violin 1")], pos[("Cello", "Tutti")]
    anna = musician(api, violin, firstName="Anna", lastName="Lind", email="anna.lind@example.se")["musicianId"]
    bo = musician(api, cello, firstName="Bo", lastName="Andersson", email="bo@orkester.se")["musicianId"]
    cia = musician(api, violin, firstName="Cia", lastName="Berg", email="cia@example.se")["musicianId"]
    api.ok("PATCH", f"/musicians/{cia}", {"isActive": False})
    api.ok("POST", f"/musicians/{bo}/archive")

    def ids(query: str) -> list[str]:
        return [m["musicianId"] for m in api.ok("GET", f"/musicians{query}")["items"]]

    assert ids("") == [bo, cia, anna]  # by last name
    assert ids("?q=anna") == [anna] and ids("?q=ANNA%20lind") == [anna] and ids("?q=orkester") == [bo]
    assert ids("?q=an") == [bo, anna] and ids("?q=50%25") == []
    assert ids(f"?positionId={violin}") == [cia, anna] and ids("?positionId=POS999") == []
    assert ids("?status=active") == [anna] and ids("?status=inactive") == [cia] and ids("?status=archived") == [bo]
    page = api.ok("GET", "/musicians?limit=2&offset=1")
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 1
    assert [m["musicianId"] for m in page["items"]] == [cia, anna]
    assert "statistics" not in page["items"][0] and page["items"][0]["qualifications"] == [violin]
    api.fails("GET", "/musicians?status=retired", status=422, code="invalid_status")


@pytest.mark.parametrize("query, status", [
    ("limit=0", 422), ("limit=201", 422), ("limit=abc", 400), ("offset=-1", 422), ("offset=1.5", 400),
    ("limit=200&offset=0", 200),
])
def test_paging_parameters_are_checked(world, query, status):
    response = world.api("GET", f"/musicians?{query}")
    assert response.status_code == status, response.text
    if status != 200:
        assert response.json()["error"]["code"] == "invalid_parameter"
        assert set(response.json()["error"]["fields"]) <= {"limit", "offset"}


def test_musician_validation_and_conflicts_change_nothing(world):
    api = world.api
    first = musician(api, email="karin@example.se", phone="+46 70 111 22 33")
    before = snapshot(world.acme)
    problems = api.fails("POST", "/musicians", {"firstName": "", "email": "not-an-address",
                                                "preferredLanguage": "de"}, code="invalid_musician")["fields"]
    assert set(problems) == {"firstName", "lastName", "email", "preferredLanguage"}
    api.fails("POST", "/musicians", {"firstName": "A", "lastName": "B", "email": "a@b.se",
                                     "qualifications": ["POS999"]}, code="unknown_position")
    clash = api.fails("POST", "/musicians", {"firstName": "A", "lastName": "B", "email": "KARIN@example.se"},
                      status=409, code="email_taken")
    assert first["musicianId"] in clash["message"] and first["firstName"] in clash["message"]
    assert clash["fields"] == {"email": f"taken by {first['musicianId']}"}
    clash = api.fails("POST", "/musicians", {"firstName": "A", "lastName": "B", "email": "x@example.se",
                                             "phone": "+4670-1112233"}, status=409, code="phone_taken")
    assert first["musicianId"] in clash["message"]
    wrong = api.fails("POST", "/musicians", {"firstName": 7, "lastName": ["B"], "email": "x@example.se",
                                             "localResidence": "yes"}, status=400, code="invalid_type")
    assert set(wrong["fields"]) == {"firstName", "lastName", "localResidence"}
    api.fails("POST", "/musicians", {"firstName": "A", "lastName": "B", "email": "x@example.se",
                                     "qualifications": ["POS001", 5]}, status=400, code="invalid_type")
    api.fails("POST", "/musicians", content=b'{"firstName": "A",', status=400, code="malformed_json",
              headers={"Content-Type": "application/json"})
    api.fails("POST", "/musicians", content=b"", status=400, code="malformed_json")
    api.fails("POST", "/musicians", [1, 2], status=400, code="malformed_json")
    api.fails("PATCH", f"/musicians/{first['musicianId']}", {"email": "x"}, code="invalid_musician")
    api.fails("PATCH", f"/musicians/{first['musicianId']}", {"isActive": None}, status=400, code="invalid_type")
    api.fails("GET", "/musicians/MUS999", status=404, code="musician_not_found")
    assert snapshot(world.acme) == before


def test_plan_limit_on_musicians(world):
    with tenancy.central_session() as session:
        row = session.exec(select(Orchestra).where(Orchestra.subdomain == "acme")).one()
        row.maxMusicians = 2
        session.commit()
    api = world.api
    first = musician(api)["musicianId"]
    musician(api)
    before = snapshot(world.acme)
    error = api.fails("POST", "/musicians", {"firstName": "A", "lastName": "B", "email": "c@d.se"}, status=409,
                      code="plan_limit")
    assert "2" in error["message"]
    assert snapshot(world.acme) == before
    api.ok("POST", f"/musicians/{first}/archive")
    third = musician(api)["musicianId"]  # archived musicians do not count
    api.fails("POST", f"/musicians/{first}/restore", status=409, code="plan_limit")
    api.ok("POST", f"/musicians/{third}/archive")
    api.ok("POST", f"/musicians/{first}/restore")
    world.beta_api.ok("POST", "/musicians", {"firstName": "A", "lastName": "B", "email": "c@d.se"}, status=201)


def test_blockouts(world):
    api = world.api
    pos = positions(api)[("Violin", "Tutti violin 1")]
    list_id, (blocked, free) = roster(api, pos, 2)
    added = api.ok("POST", f"/musicians/{blocked}/blockouts",
                   {"startDate": "2031-03-01", "endDate": "2031-03-05", "reason": "Semester"}, status=201)
    assert added["musicianId"] == blocked and added["reason"] == "Semester"
    # Whole days in Europe/Stockholm (UTC+1 in March).
    assert added["startDate"] == "2031-02-28T23:00:00Z" and added["endDate"] == "2031-03-05T22:59:59.999Z"
    other = api.ok("POST", f"/musicians/{blocked}/blockouts",
                   {"startDate": "2031-06-01T08:00:00+02:00", "endDate": "2031-06-01T12:00:00Z"}, status=201)
    assert other["startDate"] == "2031-06-01T06:00:00Z" and other["reason"] is None
    listed = api.ok("GET", f"/musicians/{blocked}/blockouts")
    assert [b["blockoutId"] for b in listed["items"]] == [added["blockoutId"], other["blockoutId"]]

    project_id = project(api, start="2031-03-03")
    need(api, project_id, pos, list_id)
    preview = api.ok("GET", f"/projects/{project_id}/preview")["needs"][0]
    assert [p["musicianId"] for p in preview["toAsk"]] == [free]
    assert {"musicianId": blocked, "reason": "blocked_out"}.items() <= preview["skipped"][0].items()

    before = snapshot(world.acme)
    problems = api.fails("POST", f"/musicians/{blocked}/blockouts", {"startDate": "2031-03-05",
                                                                     "endDate": "2031-03-01"})["fields"]
    assert "endDate" in problems
    api.fails("POST", f"/musicians/{blocked}/blockouts", {"startDate": "2031-03-05"}, code="invalid_blockout")
    api.fails("POST", f"/musicians/{blocked}/blockouts", {"startDate": "5 mars", "endDate": "2031-03-06"},
              status=400, code="invalid_type")
    api.fails("POST", f"/musicians/{blocked}/blockouts", {"startDate": "2031-03-05T10:00:00",
                                                          "endDate": "2031-03-06"}, status=400)
    api.fails("DELETE", f"/musicians/{free}/blockouts/{added['blockoutId']}", status=404, code="blockout_not_found")
    assert snapshot(world.acme) == before
    response = api("DELETE", f"/musicians/{blocked}/blockouts/{added['blockoutId']}")
    assert response.status_code == 204 and response.content == b""
    assert api.ok("GET", f"/musicians/{blocked}/blockouts")["total"] == 1


# ----- ranking lists --------------------------------------------------------------------------------------------


def test_ranking_lists_and_replacing_the_order(world):
    api = world.api
    pos = positions(api)
    violin, cello = pos[("Violin", "Tutti violin 1")], pos[("Cello", "Tutti")]
    lists = api.ok("GET", f"/positions/{violin}/ranking-lists")
    assert [rl["listType"] for rl in lists["items"]] == ["A", "B", "C"] and lists["total"] == 3
    assert all(rl["positionId"] == violin and rl["musicians"] == [] for rl in lists["items"])
    list_id = lists["items"][0]["rankingListId"]
    a, b, c, d = (musician(api, violin)["musicianId"] for _ in range(4))
    assert api.ok("PUT", f"/ranking-lists/{list_id}/musicians", {"musicianIds": [a, b, c]})["musicians"] == [a, b, c]
    # Reordering, dropping and adding at once (no clash on the unique (list, rank)).
    result = api.ok("PUT", f"/ranking-lists/{list_id}/musicians", {"musicianIds": [d, c, a]})
    assert result["musicians"] == [d, c, a]
    assert api.ok("GET", f"/ranking-lists/{list_id}")["musicians"] == [d, c, a]
    assert api.ok("PUT", f"/ranking-lists/{list_id}/musicians", {"musicianIds": [a, c, d]})["musicians"] == [a, c, d]

    cellist = musician(api, cello)["musicianId"]
    api.ok("POST", f"/musicians/{b}/archive")
    before = snapshot(world.acme)
    error = api.fails("PUT", f"/ranking-lists/{list_id}/musicians", {"musicianIds": [a, a, cellist, b, "MUS999"]},
                      code="invalid_order")
    why = error["fields"]["musicianIds"]
    assert a in why and cellist in why and b in why and "MUS999" in why
    api.fails("PUT", f"/ranking-lists/{list_id}/musicians", {}, code="invalid_order")
    api.fails("PUT", f"/ranking-lists/{list_id}/musicians", {"musicianIds": "MUS001"}, status=400)
    api.fails("PUT", "/ranking-lists/RANK999/musicians", {"musicianIds": []}, status=404,
              code="ranking_list_not_found")
    api.fails("GET", "/positions/POS999/ranking-lists", status=404, code="position_not_found")
    assert snapshot(world.acme) == before
    assert api.ok("PUT", f"/ranking-lists/{list_id}/musicians", {"musicianIds": []})["musicians"] == []


# ----- projects and needs ---------------------------------------------------------------------------------------


def test_projects_create_list_filter_update(world):
    api = world.api
    created = api.ok("POST", "/projects", {"name": "Julkonsert", "startDate": "2031-12-15",
                                           "rehearsalSchedule": "Tisdag 13–17", "concertInfo": "Lördag 15.00"},
                     status=201)
    assert re.fullmatch(r"PROJ\d{3,}", created["projectId"])
    assert created["startDate"] == "2031-12-15T00:00:00Z" and created["weekNumber"] == 51
    assert created["needs"] == [] and created["staffing"]["filled"] is False
    spring = api.ok("POST", "/projects", {"name": "Vår", "startDate": "2031-03-03T09:00:00Z", "weekNumber": 9},
                    status=201)
    assert spring["weekNumber"] == 9
    autumn = project(api, "Höst", "2031-09-01T18:00:00+02:00")

    def names(query: str = "") -> list[str]:
        return [p["name"] for p in api.ok("GET", f"/projects{query}")["items"]]

    assert names() == ["Julkonsert", "Höst", "Vår"]
    assert names("?from=2031-09-01") == ["Julkonsert", "Höst"]
    assert names("?to=2031-09-01") == ["Höst", "Vår"]
    assert names("?from=2031-03-04&to=2031-12-14") == ["Höst"]
    assert names("?from=2031-09-01T16:00:01Z") == ["Julkonsert"]
    api.fails("GET", "/projects?from=yesterday", status=400, code="invalid_parameter")
    page = api.ok("GET", "/projects?limit=1&offset=1")
    assert page["total"] == 3 and [p["projectId"] for p in page["items"]] == [autumn]
    assert page["items"][0]["needCount"] == 0 and page["items"][0]["staffing"]["quantity"] == 0

    changed = api.ok("PATCH", f"/projects/{spring['projectId']}", {"startDate": "2031-03-17", "notes": "Ny dag"})
    assert changed["weekNumber"] == 12 and changed["notes"] == "Ny dag" and changed["name"] == "Vår"
    changed = api.ok("PATCH", f"/projects/{spring['projectId']}", {"weekNumber": 11})
    assert changed["weekNumber"] == 11 and changed["startDate"] == "2031-03-17T00:00:00Z"
    before = snapshot(world.acme)
    api.fails("POST", "/projects", {"name": "", "startDate": "2031-01-01"}, code="invalid_project")
    api.fails("POST", "/projects", {"name": "X"}, code="invalid_project")
    api.fails("POST", "/projects", {"name": "X", "startDate": "2031-01-01", "weekNumber": 60}, code="invalid_project")
    api.fails("PATCH", f"/projects/{autumn}", {"name": None}, status=400)
    api.fails("GET", "/projects/PROJ999", status=404, code="project_not_found")
    assert snapshot(world.acme) == before


def test_plan_limit_on_projects_counts_current_and_upcoming(world):
    with tenancy.central_session() as session:
        row = session.exec(select(Orchestra).where(Orchestra.subdomain == "acme")).one()
        row.maxProjects = 1
        session.commit()
    api = world.api
    project(api, "Kommande", "2031-01-01")
    api.fails("POST", "/projects", {"name": "Till", "startDate": "2031-02-01"}, status=409, code="plan_limit")
    project(api, "Förr", "2020-01-01")  # a past project (history) does not count


def test_needs_create_time_rules(world):
    api = world.api
    pos = positions(api)
    violin, viola, cello = pos[("Violin", "Tutti violin 1")], pos[("Viola", "Tutti")], pos[("Cello", "Tutti")]
    list_id, members = roster(api, violin, 3)
    project_id = project(api)
    viola_list = a_list(api, viola)
    musician(api, viola)  # qualified for viola, but on no list
    before = snapshot(world.acme)

    def refused(body: dict, status: int = 422, code: str | None = None) -> dict:
        full = {"positionId": violin, "rankingListId": list_id, "requestStrategy": "parallel", "quantity": 2} | body
        full = {k: v for k, v in full.items() if v is not None}
        return api.fails("POST", f"/projects/{project_id}/needs", full, status=status, code=code)

    assert "requestStrategy" in refused({"requestStrategy": "random"})["fields"]
    assert "quantity" in refused({"quantity": 0})["fields"]
    assert "responseTimeHours" in refused({"responseTimeHours": 4501})["fields"]
    assert "responseTimeHours" in refused({"responseTimeHours": 0})["fields"]
    assert "maxRecipients" in refused({"requestStrategy": "first_come", "maxRecipients": 1})["fields"]
    both = refused({"customListId": "CLIST001"})["fields"]
    assert set(both) >= {"rankingListId", "customListId"}
    refused({"rankingListId": None}, code="invalid_need")
    refused({"rankingListId": viola_list}, code="list_of_another_position")
    refused({"rankingListId": "RANK999"}, code="unknown_list")
    refused({"positionId": "POS999"}, code="unknown_position")
    refused({"positionId": cello, "rankingListId": a_list(api, cello)}, code="no_qualified_musicians")
    refused({"positionId": viola, "rankingListId": viola_list}, code="list_empty")
    refused({"quantity": 4}, code="not_enough_musicians")
    refused({"quantity": "2"}, status=400, code="invalid_type")
    api.fails("POST", "/projects/PROJ999/needs", {"positionId": violin, "rankingListId": list_id,
                                                  "requestStrategy": "parallel", "quantity": 2}, status=404)
    assert snapshot(world.acme) == before

    sequential = need(api, project_id, violin, list_id, "sequential", 3)  # SPEC: any quantity ≥ 1
    assert sequential["responseTimeHours"] == 24 and sequential["status"] == "active"
    first_come = need(api, project_id, violin, list_id, "first_come", 2, maxRecipients=3, responseTimeHours=4500)
    assert first_come["maxRecipients"] == 3 and first_come["responseTimeHours"] == 4500
    detail = api.ok("GET", f"/projects/{project_id}")
    assert [n["projectNeedId"] for n in detail["needs"]] == [sequential["projectNeedId"],
                                                             first_come["projectNeedId"]]
    assert detail["staffing"] == {"quantity": 5, "accepted": 0, "pending": 0, "filled": False}
    assert members


def test_custom_lists(world):
    api = world.api
    pos = positions(api)
    violin, viola = pos[("Violin", "Tutti violin 1")], pos[("Viola", "Tutti")]
    _, (a, b) = roster(api, violin, 2)
    project_id = api.ok("POST", "/projects", {"name": "Brahms", "startDate": "2031-05-05"}, status=201)["projectId"]
    custom = api.ok("POST", f"/projects/{project_id}/custom-lists", {"positionId": violin, "musicianIds": [b, a]},
                    status=201)
    assert custom["name"] == "V. 19 Brahms" and custom["musicians"] == [b, a] and custom["positionId"] == violin
    assert custom["templateName"] is None
    custom_id = custom["customListId"]
    assert re.fullmatch(r"CLIST\d{3,}", custom_id)
    api.fails("POST", f"/projects/{project_id}/custom-lists", {"positionId": violin}, status=409,
              code="custom_list_exists")
    api.fails("POST", f"/projects/{project_id}/custom-lists", {"positionId": viola, "musicianIds": [a]},
              code="invalid_order")
    assert api.ok("PUT", f"/custom-lists/{custom_id}/musicians", {"musicianIds": [a, b]})["musicians"] == [a, b]
    assert api.ok("GET", f"/custom-lists/{custom_id}")["musicians"] == [a, b]
    assert api.ok("GET", f"/projects/{project_id}/custom-lists")["items"][0]["customListId"] == custom_id

    # Saved as a template: the name is given back, and kept when the order is replaced; a blank name is refused.
    template_project = project(api, "Mallprojekt")
    for bad in ("   ", "x" * 101):
        api.fails("POST", f"/projects/{template_project}/custom-lists",
                  {"positionId": violin, "musicianIds": [a], "templateName": bad}, code="invalid_template_name")
    api.fails("POST", f"/projects/{template_project}/custom-lists",
              {"positionId": violin, "musicianIds": [a], "templateName": 7}, status=400, code="invalid_type")
    assert api.ok("GET", f"/projects/{template_project}/custom-lists")["items"] == []
    template = api.ok("POST", f"/projects/{template_project}/custom-lists",
                      {"positionId": violin, "musicianIds": [a], "templateName": " Stråkmall "}, status=201)
    assert template["templateName"] == "Stråkmall"
    replaced = api.ok("PUT", f"/custom-lists/{template['customListId']}/musicians", {"musicianIds": [b, a]})
    assert replaced["templateName"] == "Stråkmall" and replaced["musicians"] == [b, a]

    body = {"positionId": violin, "customListId": custom_id, "requestStrategy": "sequential", "quantity": 1}
    first = api.ok("POST", f"/projects/{project_id}/needs", body, status=201)
    assert first["customListId"] == custom_id and first["rankingListId"] is None
    api.fails("POST", f"/projects/{project_id}/needs", body, status=409, code="custom_list_in_use")
    other = project(api, "Annat")
    api.fails("POST", f"/projects/{other}/needs", body, code="unknown_list")
    api.ok("PATCH", f"/needs/{first['projectNeedId']}", {"status": "cancelled"})
    api.ok("POST", f"/projects/{project_id}/needs", body, status=201)  # free again after the cancel
    preview = api.ok("GET", f"/projects/{project_id}/preview")
    assert [p["musicianId"] for n in preview["needs"] for p in n["toAsk"]] == [a]

    # Delete: refused while a need uses the list; an unused one goes (and is 404 after).
    api.fails("DELETE", f"/custom-lists/{custom_id}", status=409, code="custom_list_in_use")
    assert api.ok("GET", f"/custom-lists/{custom_id}")["musicians"] == [a, b]
    assert api.ok("DELETE", f"/custom-lists/{template['customListId']}", status=204) is None
    api.fails("GET", f"/custom-lists/{template['customListId']}", status=404, code="custom_list_not_found")
    api.fails("DELETE", f"/custom-lists/{template['customListId']}", status=404, code="custom_list_not_found")


def test_send_preview_requests_answers_and_the_log(world):
    api = world.api
    pos = positions(api)[("Violin", "Tutti violin 1")]
    list_id, (m1, m2, m3) = roster(api, pos, 3)
    project_id = project(api)
    need_id = need(api, project_id, pos, list_id, "parallel", 2)["projectNeedId"]

    preview = api.ok("GET", f"/projects/{project_id}/preview")
    assert preview["projectId"] == project_id
    plan = preview["needs"][0]
    assert [p["musicianId"] for p in plan["toAsk"]] == [m1, m2]
    assert [p["musicianId"] for p in plan["nextInQueue"]] == [m3]
    assert api.ok("GET", f"/projects/{project_id}/requests")["items"] == []  # a preview writes nothing

    sent = api.ok("POST", f"/projects/{project_id}/send")
    assert sent == {"sent": 2, "needs": [{"projectNeedId": need_id, "sent": 2}]}
    requests = api.ok("GET", f"/projects/{project_id}/requests")
    assert requests["total"] == 2
    first = requests["items"][0]
    assert first["status"] == "pending" and first["musicianId"] == m1 and first["projectNeedId"] == need_id
    assert TIME_RE.match(first["sentAt"]) and first["reminderSentAt"] is None and first["respondedAt"] is None

    outcome = api.ok("POST", f"/requests/{first['requestId']}/response", {"answer": "accept", "note": "per telefon"})
    assert outcome["outcome"] == "accepted" and outcome["status"] == "accepted"
    assert outcome["requestId"] == first["requestId"] and outcome["message"]
    second = requests["items"][1]["requestId"]
    assert api.ok("POST", f"/requests/{second}/response", {"answer": "decline"})["outcome"] == "declined"
    api.fails("POST", f"/requests/{second}/response", {"answer": "accept"}, status=409, code="request_not_pending")
    api.fails("POST", f"/requests/{second}/response", {"answer": "maybe"}, code="invalid_answer")
    api.fails("POST", "/requests/REQ999/response", {"answer": "accept"}, status=404, code="request_not_found")

    detail = api.ok("GET", f"/projects/{project_id}")
    counts = detail["needs"][0]
    assert (counts["accepted"], counts["pending"], counts["declined"], counts["timedOut"]) == (1, 1, 1, 0)
    assert counts["filled"] is False and "requestStrategy" in counts["lockedFields"]

    log = api.ok("GET", "/communications?limit=200")
    assert {item["type"] for item in log["items"]} == {"request", "confirmation"}
    assert all(item["channel"] == "email" and item["status"] == "pending" for item in log["items"])
    assert log["items"][0]["to"].endswith("@example.se")
    mine = api.ok("GET", f"/communications?requestId={first['requestId']}")["items"]
    assert {item["type"] for item in mine} == {"request", "confirmation"}
    assert all(item["requestId"] == first["requestId"] for item in mine)
    assert api.ok("GET", f"/communications?musicianId={m3}")["total"] == 1  # asked after the decline
    assert api.ok("GET", f"/communications?projectId={project_id}&type=request_sent")["total"] == 3
    assert api.ok("GET", "/communications?projectId=PROJ999")["total"] == 0
    api.fails("GET", "/communications?type=fax", code="invalid_parameter")

    assert api.ok("POST", "/dev/tick")["delivered"] == 4
    delivered = api.ok("GET", f"/communications?requestId={first['requestId']}&type=confirmation")["items"][0]
    assert delivered["status"] == "simulated" and TIME_RE.match(delivered["sentAt"])


def test_need_edits_after_sending(world):
    api = world.api
    pos = positions(api)[("Violin", "Tutti violin 1")]
    list_id, ids = roster(api, pos, 5)
    project_id = project(api)
    need_id = need(api, project_id, pos, list_id, "parallel", 2, responseTimeHours=48)["projectNeedId"]
    # Before any request everything but position and list may change.
    changed = api.ok("PATCH", f"/needs/{need_id}", {"responseTimeHours": 24, "requestStrategy": "parallel"})
    assert changed["responseTimeHours"] == 24
    api.ok("POST", f"/projects/{project_id}/send")
    requests = api.ok("GET", f"/projects/{project_id}/requests")["items"]
    api.ok("POST", f"/requests/{requests[0]['requestId']}/response", {"answer": "accept"})

    before = snapshot(world.acme)
    locked = api.fails("PATCH", f"/needs/{need_id}", {"responseTimeHours": 12, "maxRecipients": 3}, status=409,
                       code="field_locked")
    assert set(locked["fields"]) == {"responseTimeHours", "maxRecipients"}
    api.fails("PATCH", f"/needs/{need_id}", {"requestStrategy": "sequential"}, status=409, code="field_locked")
    api.fails("PATCH", f"/needs/{need_id}", {"status": "archived"}, code="invalid_need")
    api.fails("PATCH", f"/needs/{need_id}", {"quantity": 1.5}, status=400, code="invalid_type")
    api.fails("PATCH", "/needs/NEED999", {"quantity": 2}, status=404, code="need_not_found")
    assert snapshot(world.acme) == before
    # Unchanged values of locked fields are fine (a client may send the whole need back).
    api.ok("PATCH", f"/needs/{need_id}", {"responseTimeHours": 24, "requestStrategy": "parallel"})

    raised = api.ok("PATCH", f"/needs/{need_id}", {"quantity": 3})  # parallel: one more request at once
    assert (raised["quantity"], raised["accepted"], raised["pending"]) == (3, 1, 2)
    api.ok("POST", f"/requests/{requests[1]['requestId']}/response", {"answer": "accept"})
    api.fails("PATCH", f"/needs/{need_id}", {"quantity": 1}, status=409, code="quantity_below_accepted")

    paused = api.ok("POST", f"/projects/{project_id}/pause")
    assert paused["needs"][0]["status"] == "paused"
    pending = [r for r in api.ok("GET", f"/projects/{project_id}/requests")["items"] if r["status"] == "pending"]
    api.ok("POST", f"/requests/{pending[0]['requestId']}/response", {"answer": "decline"})
    assert api.ok("GET", f"/needs/{need_id}")["pending"] == 0  # paused: no refill
    resumed = api.ok("POST", f"/projects/{project_id}/resume")
    assert resumed["needs"][0]["status"] == "active" and resumed["needs"][0]["pending"] == 1  # refilled

    api.ok("PATCH", f"/needs/{need_id}", {"status": "completed"})
    api.ok("POST", f"/projects/{project_id}/pause")
    api.ok("POST", f"/projects/{project_id}/resume")
    assert api.ok("GET", f"/needs/{need_id}")["status"] == "completed"  # never reopened by a resume
    cancelled = api.ok("PATCH", f"/needs/{need_id}", {"status": "cancelled"})
    assert cancelled["status"] == "cancelled" and cancelled["pending"] == 1  # pending requests stay
    api.fails("PATCH", f"/needs/{need_id}", {"status": "active"}, status=409, code="need_cancelled")
    assert ids


def test_group_email(world):
    api = world.api
    pos = positions(api)
    violin, viola = pos[("Violin", "Tutti violin 1")], pos[("Viola", "Tutti")]
    violin_list, (v1, v2) = roster(api, violin, 2)
    viola_list, (a1,) = roster(api, viola, 1)
    api.ok("PATCH", f"/musicians/{a1}", {"preferredLanguage": "en"})
    project_id = project(api, "Sibelius")
    need(api, project_id, violin, violin_list, "parallel", 2)
    need(api, project_id, viola, viola_list, "sequential", 1)
    api.ok("POST", f"/projects/{project_id}/send")
    for request in api.ok("GET", f"/projects/{project_id}/requests")["items"]:
        answer = "decline" if request["musicianId"] == v2 else "accept"
        api.ok("POST", f"/requests/{request['requestId']}/response", {"answer": answer})

    before = snapshot(world.acme)
    api.fails("POST", f"/projects/{project_id}/group-email", {"subject": "", "message": "Hej"},
              code="invalid_group_email")
    api.fails("POST", f"/projects/{project_id}/group-email", {"subject": "S", "message": "M",
                                                              "positionIds": ["POS999"]}, code="unknown_filter")
    cello = positions(api)[("Cello", "Tutti")]
    api.fails("POST", f"/projects/{project_id}/group-email", {"subject": "S", "message": "M",
                                                              "positionIds": [cello]}, code="no_recipients")
    api.fails("POST", "/projects/PROJ999/group-email", {"subject": "S", "message": "M"}, status=404)
    assert snapshot(world.acme) == before

    result = api.ok("POST", f"/projects/{project_id}/group-email", {"subject": "Schema", "message": "Repetition 10.00"})
    assert result == {"recipients": 2, "queued": 2}
    violins = api.ok("POST", f"/projects/{project_id}/group-email",
                     {"subject": "Stråkar", "message": "Noter", "filters": {"instrumentIds": ["INST001"]}})
    assert violins == {"recipients": 1, "queued": 1}
    log = api.ok("GET", f"/communications?projectId={project_id}&type=group_email")
    assert log["total"] == 3
    english = next(item for item in log["items"] if item["subject"] == "Schema" and "Dear" in item["body"])
    assert "Repetition 10.00" in english["body"]
    with tenancy.orchestra_session(world.acme) as session:
        logs = session.exec(select(GroupEmailLog).order_by(GroupEmailLog.id)).all()
        assert [(row.subject, row.sentCount) for row in logs] == [("Schema", 0), ("Stråkar", 0)]  # queued only
        assert logs[1].filters["instrumentIds"] == ["INST001"]
        assert session.execute(sa.select(sa.func.count()).select_from(Outbox)
                               .where(Outbox.messageType == "group_email")).scalar_one() == 3
    api.ok("POST", "/dev/tick")  # delivered (simulated): the counts follow the messages
    with tenancy.orchestra_session(world.acme) as session:
        logs = session.exec(select(GroupEmailLog).order_by(GroupEmailLog.id)).all()
        assert [(row.subject, row.sentCount, row.failedCount) for row in logs] == [("Schema", 2, 0), ("Stråkar", 1, 0)]
    assert v1


# ----- development endpoints ------------------------------------------------------------------------------------


def test_dev_clock_tick_and_outbox(world):
    api = world.api
    before = clock.now()
    moved = datetime.fromisoformat(api.ok("POST", "/dev/clock", {"advanceMinutes": 90})["now"].replace("Z", "+00:00"))
    assert timedelta(minutes=89) < moved - before < timedelta(minutes=92)
    fixed = api.ok("POST", "/dev/clock", {"set": "2031-03-02T09:00:00Z"})["now"]
    assert fixed.startswith("2031-03-02T09:00:0")
    assert abs(clock.now() - datetime(2031, 3, 2, 9, tzinfo=UTC)) < timedelta(seconds=5)
    api.fails("POST", "/dev/clock", {}, code="invalid_clock")
    api.fails("POST", "/dev/clock", {"advanceMinutes": 1, "set": "2031-03-02T09:00:00Z"}, code="invalid_clock")
    api.fails("POST", "/dev/clock", {"set": "tomorrow"}, status=400)

    pos = positions(api)[("Violin", "Tutti violin 1")]
    list_id, (m1, m2) = roster(api, pos, 2)
    project_id = project(api, start="2031-06-01")
    need(api, project_id, pos, list_id, "sequential", 1, responseTimeHours=4)
    api.ok("POST", f"/projects/{project_id}/send")
    assert api.ok("POST", "/dev/tick") == {"reminders": 0, "timeouts": 0, "refills": 0, "delivered": 1, "failed": 0}
    outbox = api.ok("GET", "/dev/outbox")
    assert outbox["total"] == 1 and outbox["items"][0]["links"][0].startswith("http://acme.localhost:3000/respond/")
    api.ok("POST", "/dev/clock", {"advanceMinutes": 4 * 60 + 1})
    tick = api.ok("POST", "/dev/tick")
    assert tick["timeouts"] == 1 and tick["refills"] == 1
    statuses = [r["status"] for r in api.ok("GET", f"/projects/{project_id}/requests")["items"]]
    assert statuses == ["timed_out", "pending"]
    assert api.ok("GET", "/dev/outbox?limit=1")["total"] == 2 and m2


def test_dev_endpoints_are_not_found_outside_dev_and_test(world, monkeypatch):
    monkeypatch.setenv("STAGESUB_ENV", "prod")
    monkeypatch.setenv("STAGESUB_SECRET_KEY", "s" * 40)
    settings.reset_settings()
    try:
        world.api.fails("POST", "/dev/clock", {"advanceMinutes": 5}, status=404)
        world.api.fails("POST", "/dev/tick", status=404)
        world.api.fails("GET", "/dev/outbox", status=404)
        world.anonymous.fails("GET", "/dev/outbox", status=401)
    finally:
        monkeypatch.setenv("STAGESUB_ENV", "test")
        settings.reset_settings()


# ----- routes and the document ----------------------------------------------------------------------------------


def test_unknown_paths_and_methods_get_json_errors(world):
    world.api.fails("GET", "/nothing/here", status=404, code="not_found")
    response = world.api("DELETE", "/projects")
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST", "HEAD"}
    assert world.api("HEAD", "/instruments").status_code == 200


def test_every_served_route_is_documented_and_every_documented_one_served():
    served = set()
    for route in api_routes():
        if not isinstance(route, Route) or not route.path.startswith(PREFIX) or route.name == "api_v1_fallback":
            continue
        served |= {(route.path, method) for method in route.methods if method != "HEAD"}
    document = openapi_document()
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    assert served == documented
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["summary"] and operation["operationId"] and operation["responses"], (path, method)
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert params == set(re.findall(r"\{(\w+)\}", path))
    operation_ids = [op.operation_id for op in OPERATIONS]
    assert len(operation_ids) == len(set(operation_ids))
    # Every API.md endpoint is there.
    for method, path in [
        ("GET", "/health"), ("GET", "/instruments"), ("GET", "/musicians"), ("POST", "/musicians"),
        ("GET", "/musicians/{musicianId}"), ("PATCH", "/musicians/{musicianId}"),
        ("POST", "/musicians/{musicianId}/archive"), ("POST", "/musicians/{musicianId}/restore"),
        ("GET", "/positions/{positionId}/ranking-lists"), ("PUT", "/ranking-lists/{rankingListId}/musicians"),
        ("GET", "/projects"), ("POST", "/projects"), ("GET", "/projects/{projectId}"),
        ("PATCH", "/projects/{projectId}"), ("POST", "/projects/{projectId}/needs"),
        ("PATCH", "/needs/{projectNeedId}"), ("GET", "/projects/{projectId}/preview"),
        ("POST", "/projects/{projectId}/send"), ("GET", "/projects/{projectId}/requests"),
        ("POST", "/requests/{requestId}/response"), ("GET", "/communications"),
        ("POST", "/projects/{projectId}/group-email"), ("POST", "/dev/clock"), ("POST", "/dev/tick"),
        ("GET", "/dev/outbox"), ("GET", "/openapi.json"),
    ]:
        assert (PREFIX + path, method) in documented, (method, path)


def test_the_document_is_served_as_built(world):
    assert world.anonymous.ok("GET", "/openapi.json") == openapi_document()


def test_nul_characters_and_repeated_parameters_are_refused(world):
    before = snapshot(world.acme)
    world.api.fails("POST", "/musicians", {"firstName": "A\u0000", "lastName": "B", "email": "a@b.se"}, status=400,
                    code="invalid_text")
    world.api.fails("GET", "/musicians?q=a%00b", status=400, code="invalid_text")
    world.api.fails("GET", "/musicians/MUS%00001", status=400, code="invalid_text")
    error = world.api.fails("GET", "/musicians?limit=5&limit=6", status=400, code="invalid_parameter")
    assert error["fields"] == {"limit": "given more than once"}
    world.api.fails("POST", "/dev/clock", content=b'{"advanceMinutes": NaN}', status=400, code="malformed_json")
    assert snapshot(world.acme) == before
