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
from state.instruments import InstrumentsState
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
    """Two provisioned orchestras (acme, beta), three accounts, one live session token per account."""
    from models.central import central_registry

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
            provisioning.create_orchestra(name=name, subdomain=sub, contact_name="Kansli",
                                          contact_email=f"kansli@{sub}.test", create_admin=False)
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
def app():
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
        if one is not None and "redirect" in one.handler.fn.__qualname__:
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
    assert set(app._unevaluated_pages) == {route_key(page.route) for page in routes.PAGES}
    assert len({page.route for page in routes.PAGES}) == len(routes.PAGES)
    for page in routes.PAGES:
        assert app._load_events[route_key(page.route)], f"{page.route} has no on_load guard"


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
    (routes.AUTH_LOGOUT, "POST"): lambda actor: (200, routes.LOGIN),
    (routes.AUTH_LOGIN, "POST"): lambda actor: (
        (401, None) if actor.username is None
        else (200, routes.home_for(actor.role)) if actor.valid_here
        else (403, None)
    ),
}


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
        assert await session.guard_staff() is None
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
