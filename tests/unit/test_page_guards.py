"""Who may open what: every page of ``routes.PAGES`` and every HTTP route, for every kind of visitor.

The page guards are the app's real ``on_load`` handlers (read from the registered app), called on state
instances with a fake router (host, origin, Cookie header), as the websocket would deliver them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from reflex.istate.data import RouterData
from reflex.state import State
from starlette.testclient import TestClient

from services import auth, provisioning, settings, tenancy
from stagesub_ui import routes
from stagesub_ui.endpoints import api_routes, build_api
from state.custom_lists import CustomListsState
from state.dev_outbox import DevOutboxState
from state.instruments import InstrumentsState
from state.projects import ProjectDetailState, ProjectsState
from state.session import SessionState
from state.superadmin import SuperadminState

PORT = 3000
PASSWORDS = {
    "acme-admin": "acme-admin-password-1",
    "acme-user": "acme-user-password-1",
    "root": "root-superadmin-password-1",
}


@dataclass(frozen=True)
class Actor:
    name: str
    username: str | None  # None: anonymous
    host: str
    role: str | None
    valid_here: bool  # does the session count on this host?


ACTORS = [
    Actor("anonymous", None, f"acme.localhost:{PORT}", None, False),
    Actor("user", "acme-user", f"acme.localhost:{PORT}", "user", True),
    Actor("admin", "acme-admin", f"acme.localhost:{PORT}", "admin", True),
    Actor("superadmin", "root", f"localhost:{PORT}", "superadmin", True),
    Actor("superadmin-on-orchestra-host", "root", f"acme.localhost:{PORT}", "superadmin", True),
    Actor("acme-user-on-beta-host", "acme-user", f"beta.localhost:{PORT}", "user", False),
    Actor("acme-admin-on-unknown-host", "acme-admin", f"nosuch.localhost:{PORT}", "admin", False),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two provisioned orchestras (acme with the demo data, beta), three accounts, one live session token per
    account."""
    from models.central import central_registry
    from services.demo import seed_demo_data

    data_dir = tmp_path_factory.mktemp("guards")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STAGESUB_ENV", "test")
        mp.setenv("STAGESUB_DATA_DIR", str(data_dir))
        mp.setenv("STAGESUB_DATABASE_URL", f"sqlite:///{data_dir / 'central.db'}")
        for name in ("STAGESUB_BASE_DOMAIN", "STAGESUB_PUBLIC_URL", "STAGESUB_LOGIN_MAX_FAILURES"):
            mp.delenv(name, raising=False)
        settings.reset_settings()
        tenancy.dispose_all()
        central_registry.metadata.create_all(tenancy.central_engine())
        for sub, name in (("acme", "Testorkestern"), ("beta", "Betaorkestern")):
            ref = provisioning.create_orchestra(name=name, subdomain=sub, contact_name="Kansli",
                                                contact_email=f"kansli@{sub}.test", create_admin=False).orchestra
            if sub == "acme":
                with tenancy.orchestra_session(ref) as session:
                    seed_demo_data(session)
                    session.commit()
        auth.create_user(username="acme-admin", email="admin@acme.test", password=PASSWORDS["acme-admin"],
                         role="admin", orchestra_subdomain="acme")
        auth.create_user(username="acme-user", email="user@acme.test", password=PASSWORDS["acme-user"],
                         role="user", orchestra_subdomain="acme")
        auth.create_user(username="root", email="root@stagesub.test", password=PASSWORDS["root"], role="superadmin")
        tokens = {name: auth.login(name, password, ip="127.0.0.1")[0] for name, password in PASSWORDS.items()}
        yield tokens
        tenancy.dispose_all()
    settings.reset_settings()


@pytest.fixture(scope="module")
def app(world):
    """The registered app, imported with the test settings (STAGESUB_ENV=test: developer pages included)."""
    from stagesub_ui.stagesub_ui import app

    return app


def route_key(route: str) -> str:
    """How Reflex keys a page: ``/`` -> ``index``, ``/login`` -> ``login``."""
    return route.strip("/") or "index"


def make_router(host: str, path: str, cookie: str = "") -> RouterData:
    return RouterData.from_router_data({
        "headers": {"host": host, "origin": f"http://{host}", "cookie": cookie},
        "pathname": path, "asPath": path, "query": {},
    })


def redirect_target(spec) -> str | None:
    """The path of an ``rx.redirect`` EventSpec, else None."""
    if spec is None:
        return None
    specs = spec if isinstance(spec, list) else [spec]
    for one in specs:
        handler = getattr(one, "handler", None)  # an EventSpec; a chained EventHandler is no redirect
        if handler is not None and "redirect" in handler.fn.__qualname__:
            for name, value in one.args:
                if str(name) == "path":
                    return value._var_value
    return None


def expected_redirect(page: routes.PageSpec, actor: Actor) -> str | None:
    role = actor.role if actor.valid_here else None
    if page.redirect_only:
        return routes.home_for(role)
    if page.roles is None:
        return None if role is None else routes.home_for(role)
    if role is None:
        return routes.LOGIN
    return None if role in page.roles else routes.home_for(role)


def cookie_of(actor: Actor, tokens: dict[str, str]) -> str:
    if actor.username is None:
        return "stagesub_lang=sv"
    return f"stagesub_lang=sv; {auth.SESSION_COOKIE}={tokens[actor.username]}; other=1"


async def open_page(app, page: routes.PageSpec, actor: Actor, tokens: dict[str, str]) -> tuple[str | None, State]:
    """Run the page's registered on_load handlers in order, as Reflex would; return the first redirect."""
    root = State()
    root.router = make_router(actor.host, page.route, cookie_of(actor, tokens))
    first_redirect = None
    for handler in app._load_events[route_key(page.route)]:
        path = handler.state_full_name.split(".")[1:]
        result = await handler.fn(root.get_substate(path))
        first_redirect = first_redirect or redirect_target(result)
    return first_redirect, root


def test_pages_table_matches_the_registered_app(app):
    from stagesub_ui import stagesub_ui

    assert stagesub_ui.DEV_TOOLS  # the tests run with STAGESUB_ENV=test
    assert set(app._unevaluated_pages) == {route_key(page.route) for page in routes.PAGES}
    assert len({page.route for page in routes.PAGES}) == len(routes.PAGES)
    for page in routes.PAGES:
        assert app._load_events[route_key(page.route)], f"{page.route} has no on_load guard"


def test_developer_pages_only_in_dev_and_test():
    assert [page.route for page in routes.PAGES if page.dev_only] == [routes.DEV_OUTBOX]
    assert routes.DEV_OUTBOX in {page.route for page in routes.pages(include_dev=True)}
    assert routes.DEV_OUTBOX not in {page.route for page in routes.pages(include_dev=False)}
    assert "dev-outbox" in {area.key for area in routes.built_areas(include_dev=True)}
    assert "dev-outbox" not in {area.key for area in routes.built_areas(include_dev=False)}
    assert {page.route for page in routes.pages(include_dev=False)} == {
        page.route for page in routes.PAGES if not page.dev_only}


def test_prod_app_has_no_developer_pages(tmp_path):
    """Import the app as a prod installation would (in a fresh interpreter): no outbox page, no nav entry,
    and the import touches no database."""
    import json
    import os
    import subprocess
    import sys

    env = {name: value for name, value in os.environ.items() if not name.startswith("STAGESUB_")}
    env.update({"STAGESUB_ENV": "prod", "STAGESUB_DATA_DIR": str(tmp_path / "data"),
                "STAGESUB_SECRET_KEY": "k" * 40, "STAGESUB_DATABASE_URL": f"sqlite:///{tmp_path / 'central.db'}"})
    code = (
        "import json; from stagesub_ui import routes; from stagesub_ui.stagesub_ui import app, DEV_TOOLS; "
        "print(json.dumps({'dev': DEV_TOOLS, 'pages': sorted(app._unevaluated_pages), "
        "'nav': [a.key for a in routes.built_areas()]}))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=routes.__file__.rsplit("/", 2)[0],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["dev"] is False
    assert "dev/outbox" not in result["pages"] and "projects/[project_id]" in result["pages"]
    assert "dev-outbox" not in result["nav"] and "projects" in result["nav"]
    assert not (tmp_path / "central.db").exists() and not (tmp_path / "data").exists()


def test_project_routes():
    assert routes.project("PROJ001") == "/projects/PROJ001"
    assert routes.project("a/b") == "/projects/a%2Fb"
    assert routes.project_id_from_path("/projects/PROJ001") == "PROJ001"
    assert routes.project_id_from_path("/projects/PROJ001/") == "PROJ001"
    assert routes.project_id_from_path("/projects/PROJ001?x=1") == "PROJ001"
    for path in ("/projects", "/projects/", "/instruments/PROJ001", "/projects/a/b", "", None):
        assert routes.project_id_from_path(path) == ""


def test_project_lists_routes():
    assert routes.project_lists("PROJ001") == "/projects/PROJ001/lists"
    assert routes.project_lists("a/b") == "/projects/a%2Fb/lists"
    assert routes.project_id_from_lists_path("/projects/PROJ001/lists") == "PROJ001"
    assert routes.project_id_from_lists_path("/projects/PROJ001/lists/?position=POS004") == "PROJ001"
    for path in ("/projects/PROJ001", "/projects/PROJ001/files", "/projects//lists", "/rankings/PROJ001/lists",
                 "", None):
        assert routes.project_id_from_lists_path(path) == ""


def test_navigation_shows_only_built_areas_and_knows_every_spec_area():
    keys = {area.key for area in routes.NAV_AREAS}
    assert {"dashboard", "musicians", "instruments", "rankings", "projects", "group-email", "templates",
            "settings", "logs", "account"} <= keys
    registered = {page.route for page in routes.PAGES}
    for area in routes.built_areas():
        assert area.route in registered, f"built area {area.key} has no page"
    for area in routes.NAV_AREAS:
        if not area.built:
            assert area.route not in registered, f"{area.key} is registered but not marked built"


@pytest.mark.parametrize("actor", ACTORS, ids=lambda actor: actor.name)
@pytest.mark.parametrize("page", routes.PAGES, ids=lambda page: page.route)
async def test_page_guard(app, world, page, actor):
    redirect, root = await open_page(app, page, actor, world)
    assert redirect == expected_redirect(page, actor)
    session = root.get_substate(SessionState.get_full_name().split(".")[1:])
    if redirect is None and page.roles is not None:
        assert session.is_authenticated and session.role == actor.role
        assert session.user_name == actor.username
    if not actor.valid_here:
        assert not session.is_authenticated and session.user_name == ""


@pytest.mark.parametrize("actor", ACTORS, ids=lambda actor: actor.name)
async def test_denied_visitors_get_no_data(app, world, actor):
    instruments_page = routes.PAGES_BY_ROUTE[routes.INSTRUMENTS]
    redirect, root = await open_page(app, instruments_page, actor, world)
    instruments = root.get_substate(InstrumentsState.get_full_name().split(".")[1:])
    if redirect is None:
        assert actor.role in routes.STAFF_ROLES
        assert instruments.loaded and len(instruments.instruments) == 14
        assert all(row.positions for row in instruments.instruments)
    else:
        assert instruments.instruments == [] and not instruments.loaded

    superadmin_page = routes.PAGES_BY_ROUTE[routes.SUPERADMIN]
    redirect, root = await open_page(app, superadmin_page, actor, world)
    orchestras = root.get_substate(SuperadminState.get_full_name().split(".")[1:])
    if redirect is None:
        assert actor.role == "superadmin"
        assert [row.subdomain for row in orchestras.orchestras] == ["beta", "acme"]  # by name
    else:
        assert orchestras.orchestras == []


def substate(root: State, cls) -> State:
    return root.get_substate(cls.get_full_name().split(".")[1:])


@pytest.mark.parametrize("actor", ACTORS, ids=lambda actor: actor.name)
async def test_project_pages_show_data_only_to_the_orchestras_staff(app, world, actor):
    redirect, root = await open_page(app, routes.PAGES_BY_ROUTE[routes.PROJECTS], actor, world)
    projects = substate(root, ProjectsState)
    if redirect is None:
        assert actor.role in routes.STAFF_ROLES
        assert projects.loaded and {row.name for row in projects.projects} == {"Mahler 5", "Julkonsert"}
        assert all(row.href == routes.project(row.projectId) for row in projects.projects)
        project_id = projects.projects[0].projectId
    else:
        assert projects.projects == [] and not projects.loaded
        project_id = "PROJ001"

    detail_page = routes.PageSpec(routes.project(project_id), STAFF_ROLES_OF_DETAIL, "project.title")
    redirect, root = await open_detail(app, detail_page.route, actor, world)
    detail = substate(root, ProjectDetailState)
    assert redirect == expected_redirect(routes.PAGES_BY_ROUTE[routes.PROJECT], actor)
    if redirect is None:
        assert detail.loaded and not detail.not_found and detail.current_project_id == project_id
        assert detail.project.name in {"Mahler 5", "Julkonsert"} and detail.needs
        assert detail.requests == []  # nothing sent in this module
    else:
        assert not detail.loaded and detail.project.name == "" and detail.needs == []


STAFF_ROLES_OF_DETAIL = routes.STAFF_ROLES


async def open_detail(app, path: str, actor: Actor, tokens: dict[str, str]):
    """The detail page's on_load handlers with a real project path in the URL."""
    root = State()
    root.router = make_router(actor.host, path, cookie_of(actor, tokens))
    first_redirect = None
    for handler in app._load_events[route_key(routes.PROJECT)]:
        result = await handler.fn(root.get_substate(handler.state_full_name.split(".")[1:]))
        first_redirect = first_redirect or redirect_target(result)
    return first_redirect, root


@pytest.mark.parametrize("actor", ACTORS, ids=lambda actor: actor.name)
async def test_custom_lists_page_shows_data_only_to_the_orchestras_staff(app, world, actor):
    root = State()
    root.router = make_router(actor.host, routes.project_lists("PROJ001"), cookie_of(actor, world))
    first_redirect = None
    for handler in app._load_events[route_key(routes.PROJECT_LISTS)]:
        result = await handler.fn(root.get_substate(handler.state_full_name.split(".")[1:]))
        first_redirect = first_redirect or redirect_target(result)
    page = substate(root, CustomListsState)
    assert first_redirect == expected_redirect(routes.PAGES_BY_ROUTE[routes.PROJECT_LISTS], actor)
    if first_redirect is None:
        assert page.loaded and not page.not_found and page.current_project_id == "PROJ001"
        assert page.project_name == "Mahler 5" and page.lists == [] and len(page.instruments) == 14
    else:
        assert not page.loaded and page.project_name == "" and page.instruments == []


async def test_unknown_project_shows_not_found(app, world):
    admin = next(actor for actor in ACTORS if actor.name == "admin")
    for path in ("/projects/PROJ999", "/projects/%3Cscript%3E"):
        redirect, root = await open_detail(app, path, admin, world)
        detail = substate(root, ProjectDetailState)
        assert redirect is None and detail.not_found and detail.loaded and detail.needs == []


async def test_project_refresh_rechecks_the_session(app, world):
    admin = next(actor for actor in ACTORS if actor.name == "admin")
    _, root = await open_detail(app, "/projects/PROJ001", admin, world)
    detail = substate(root, ProjectDetailState)
    assert detail.loaded and not detail.not_found
    root.router = make_router(admin.host, "/projects/PROJ001", "")
    assert redirect_target(await detail.refresh()) == routes.LOGIN
    assert not substate(root, SessionState).is_authenticated


async def test_dev_outbox_is_refused_when_dev_tools_are_off(app, world, monkeypatch):
    admin = next(actor for actor in ACTORS if actor.name == "admin")
    page = routes.PAGES_BY_ROUTE[routes.DEV_OUTBOX]
    redirect, root = await open_page(app, page, admin, world)
    assert redirect is None and substate(root, DevOutboxState).loaded
    monkeypatch.setattr(routes, "dev_tools_enabled", lambda: False)
    redirect, root = await open_page(app, page, admin, world)
    outbox_state = substate(root, DevOutboxState)
    assert redirect == routes.home_for("admin") and not outbox_state.loaded and outbox_state.messages == []


async def test_show_archived_toggle_rechecks_the_session(app, world):
    actor = next(actor for actor in ACTORS if actor.name == "admin")
    _, root = await open_page(app, routes.PAGES_BY_ROUTE[routes.INSTRUMENTS], actor, world)
    instruments = root.get_substate(InstrumentsState.get_full_name().split(".")[1:])
    # The same state, but the cookie is gone (logged out in another tab): the handler must refuse.
    root.router = make_router(actor.host, routes.INSTRUMENTS, "")
    result = await instruments.set_show_archived(True)
    assert redirect_target(result) == routes.LOGIN
    session = root.get_substate(SessionState.get_full_name().split(".")[1:])
    assert not session.is_authenticated


# ----- HTTP routes -----------------------------------------------------------------------------------

HTTP_EXPECTATIONS = {
    # (path, method) -> function(actor) -> (status, redirect or None)
    (routes.API_HEALTH, "GET"): lambda actor: (200, None),
    # Response pages are public; "{token}" is no token, and a POST without an answer is malformed.
    (routes.RESPOND, "GET"): lambda actor: (404, None),
    (routes.RESPOND, "POST"): lambda actor: (400, None),
    (routes.RESPOND_LEGACY, "GET"): lambda actor: (404, None),
    (routes.RESPOND_LEGACY, "POST"): lambda actor: (400, None),
    (routes.TWILIO_SMS, "POST"): lambda actor: (403, None),  # unsigned: refused for everyone
    (routes.TWILIO_STATUS, "POST"): lambda actor: (403, None),
    (routes.FILE_DOWNLOAD, "GET"): lambda actor: (404, None),  # no such file: the same 404 for everyone
    # The roster exports: no orchestra on the platform's or an unknown host; elsewhere a login is needed.
    (routes.MUSICIANS_EXPORT_CSV, "GET"): lambda actor: (
        (404, None) if actor.host.startswith(("localhost", "nosuch.")) else (401, None)),
    (routes.MUSICIANS_EXPORT_XLSX, "GET"): lambda actor: (
        (404, None) if actor.host.startswith(("localhost", "nosuch.")) else (401, None)),
    (routes.AUTH_LOGOUT, "POST"): lambda actor: (200, routes.LOGIN),
    (routes.AUTH_LOGIN, "POST"): lambda actor: (
        (401, None) if actor.username is None
        else (200, routes.home_for(actor.role)) if actor.valid_here
        else (403, None)
    ),
    ("/api/v1/openapi.json", "GET"): lambda actor: (200, None),
}
# Every REST operation needs an API key: a staff login (session cookie) opens none of them. Unknown paths
# under /api/v1 get the API's JSON 404, whoever asks.
for _route in api_routes():
    for _method in _route.methods - {"HEAD"} if _route.path.startswith("/api/v1/") else ():
        if (_route.path, _method) in HTTP_EXPECTATIONS:
            continue
        if _route.path.endswith("{rest:path}"):
            HTTP_EXPECTATIONS[(_route.path, _method)] = lambda actor: (404, None)
        else:
            HTTP_EXPECTATIONS[(_route.path, _method)] = lambda actor: (401, None)


def test_every_http_route_has_expectations():
    declared = {(route.path, method) for route in api_routes() for method in route.methods if method != "HEAD"}
    assert declared == set(HTTP_EXPECTATIONS)


@pytest.mark.parametrize("actor", ACTORS, ids=lambda actor: actor.name)
@pytest.mark.parametrize("key", sorted(HTTP_EXPECTATIONS), ids=lambda key: f"{key[1]} {key[0]}")
def test_http_route(world, key, actor):
    path, method = key
    client = TestClient(build_api(), base_url=f"http://{actor.host}")
    headers = {"origin": f"http://{actor.host}"}
    if path == routes.AUTH_LOGIN:
        data = {"username": actor.username or "nobody", "password": PASSWORDS.get(actor.username, "wrong-password"),
                "lang": "sv"}
        response = client.post(path, data=data, headers=headers)
    elif path == routes.AUTH_LOGOUT:
        # A session of its own, so that logging out does not end the module's shared sessions.
        cookie = ""
        if actor.username is not None:
            token, _ = auth.login(actor.username, PASSWORDS[actor.username], ip="127.0.0.2")
            cookie = f"{auth.SESSION_COOKIE}={token}"
        response = client.post(path, headers={**headers, "cookie": cookie})
        if actor.username is not None:
            assert auth.resolve_session(token) is None
    else:
        response = client.request(method, path, headers=headers)
    status, redirect = HTTP_EXPECTATIONS[key](actor)
    assert response.status_code == status, response.text
    if redirect is not None:
        assert response.json()["redirect"] == redirect
    if path == routes.AUTH_LOGIN and status == 200:
        auth.logout(response.cookies.get(auth.SESSION_COOKIE))


async def test_language_picked_on_the_login_page_is_saved_for_the_user(app, world):
    anonymous = next(actor for actor in ACTORS if actor.name == "anonymous")
    admin = next(actor for actor in ACTORS if actor.name == "admin")
    _, root = await open_page(app, routes.PAGES_BY_ROUTE[routes.LOGIN], anonymous, world)
    session = root.get_substate(SessionState.get_full_name().split(".")[1:])
    await session.set_lang("en")
    assert session.lang == "en"
    # The same browser tab after logging in (a full page load brings the session cookie).
    root.router = make_router(admin.host, routes.INSTRUMENTS, cookie_of(admin, world))
    try:
        allowed = await session.guard_staff()  # no redirect: only <html lang> is set to the user's language
        assert allowed.handler.fn.__qualname__ == "_call_script"
        assert [arg._var_value for _, arg in allowed.args][0] == "document.documentElement.lang = 'en'"
        assert session.lang == "en"
        assert auth.resolve_session(world["acme-admin"]).language == "en"
        assert session.t["nav.instruments"] == "Instruments"
    finally:
        auth.set_language(auth.resolve_session(world["acme-admin"]).id, "sv")


async def test_saved_language_is_used_when_none_was_picked(app, world):
    admin = next(actor for actor in ACTORS if actor.name == "admin")
    user_id = auth.resolve_session(world["acme-admin"]).id
    auth.set_language(user_id, "en")
    try:
        _, root = await open_page(app, routes.PAGES_BY_ROUTE[routes.INSTRUMENTS], admin, world)
        session = root.get_substate(SessionState.get_full_name().split(".")[1:])
        assert session.lang == "en"
    finally:
        auth.set_language(user_id, "sv")
