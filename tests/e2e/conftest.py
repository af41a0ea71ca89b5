"""Browser tests against the REAL app: ``reflex run --env prod --single-port`` in a subprocess + Playwright.

The data (central database, orchestras, users) is prepared in a temporary data directory *before* the server
starts (``prepare_data``). Chromium resolves ``*.localhost`` to loopback, so ``http://acme.localhost:<port>``
reaches the orchestra "acme" without any DNS set-up.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
BUN_DIR = ROOT / ".tools" / "node_modules" / ".bin"
START_TIMEOUT_SECONDS = 240
LOGIN_URL_RE = re.compile(r".*/login/?(\?.*)?$")

PASSWORDS = {
    "acme-admin": "acme-admin-pw-2026",
    "acme-user": "acme-user-pw-2026",
    "beta-admin": "beta-admin-pw-2026",
    "root": "root-superadmin-pw-2026",
}

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Server:
    port: int
    data_dir: Path
    log_path: Path

    def url(self, path: str = "/", subdomain: str | None = None) -> str:
        host = f"{subdomain}.localhost" if subdomain else "localhost"
        return f"http://{host}:{self.port}{path}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(data_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("STAGESUB_"):
            del env[name]
    npm = shutil.which("npm")
    registry = ""
    if npm:
        registry = subprocess.run([npm, "config", "get", "registry"], capture_output=True, text=True,
                                  check=False).stdout.strip()
    env.update({
        "STAGESUB_ENV": "test",
        "STAGESUB_DATA_DIR": str(data_dir),
        "STAGESUB_PORT": str(port),
        "STAGESUB_RUN_SCHEDULER": "0",
        "PATH": f"{BUN_DIR}{os.pathsep}{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "NODE_EXTRA_CA_CERTS": "/etc/ssl/certs/ca-certificates.crt",
    })
    if registry:
        env["NPM_CONFIG_REGISTRY"] = registry
    return env


@contextlib.contextmanager
def services_on(data_dir: Path) -> Iterator[None]:
    """Run services in this process against a server's data directory (its SQLite files), with the settings
    the server has; the earlier settings and engines are restored afterwards."""
    from services import settings, tenancy

    saved = {name: os.environ.get(name) for name in ("STAGESUB_ENV", "STAGESUB_DATA_DIR", "STAGESUB_DATABASE_URL")}
    os.environ.update({"STAGESUB_ENV": "test", "STAGESUB_DATA_DIR": str(data_dir)})
    os.environ.pop("STAGESUB_DATABASE_URL", None)
    settings.reset_settings()
    tenancy.dispose_all()
    try:
        yield
    finally:
        tenancy.dispose_all()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        settings.reset_settings()


@contextlib.contextmanager
def acme_services(server: Server) -> Iterator:
    """``services_on`` the server's data, yielding the OrchestraRef of "acme"."""
    from services import tenancy

    with services_on(server.data_dir):
        yield tenancy.get_orchestra("acme")


def prepare_data(data_dir: Path) -> dict[str, str]:
    """Create everything the browser tests need in ``data_dir``; returns user name -> password.

    Orchestras "acme" (with demo musicians and lists, one archived instrument) and "beta"; logins
    acme-admin (admin), acme-user (user), beta-admin (admin of beta) and root (superadmin).
    Runs in this process with the server's environment; the engines are disposed afterwards.
    """
    import sqlalchemy as sa

    from models.orchestra import Instrument
    from services import auth, provisioning, tenancy
    from services.demo import seed_demo_data
    from services.migrations import upgrade_central

    with services_on(data_dir):
        upgrade_central()
        acme = provisioning.create_orchestra(
            name="Testorkestern", subdomain="acme", contact_name="Anna Admin", contact_email="kansli@acme.test",
            create_admin=False,
        ).orchestra
        provisioning.create_orchestra(
            name="Betaorkestern", subdomain="beta", contact_name="Bo Beta", contact_email="kansli@beta.test",
            create_admin=False,
        )
        with tenancy.orchestra_session(acme) as session:
            seed_demo_data(session)
            session.execute(sa.update(Instrument).where(Instrument.name == "Harpa").values(isArchived=True))
            session.commit()
        auth.create_user(username="acme-admin", email="admin@acme.test", password=PASSWORDS["acme-admin"],
                         role="admin", orchestra_subdomain="acme")
        auth.create_user(username="acme-user", email="user@acme.test", password=PASSWORDS["acme-user"],
                         role="user", orchestra_subdomain="acme")
        auth.create_user(username="beta-admin", email="admin@beta.test", password=PASSWORDS["beta-admin"],
                         role="admin", orchestra_subdomain="beta")
        auth.create_user(username="root", email="root@stagesub.test", password=PASSWORDS["root"],
                         role="superadmin")
    return dict(PASSWORDS)


def _wait_until_up(server: Server, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"reflex run exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url("/ping"), timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the app did not answer /ping within {START_TIMEOUT_SECONDS} s:\n{server.log_tail()}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


# The port the frontend of this test process was built for (``reflex run`` compiles the backend's port into the
# bundle). Later test modules start the app on the same port from that build, without compiling again.
_BUILT_FOR_PORT: int | None = None


def _prebuilt_port() -> int | None:
    """The port of this process's build if .web/build is still that build (another run may have rebuilt it)."""
    if _BUILT_FOR_PORT is None or os.environ.get("STAGESUB_E2E_REBUILD") == "1":
        return None
    try:
        event_url = json.loads((ROOT / ".web" / "env.json").read_text())["EVENT"]
    except (OSError, ValueError, KeyError):
        return None
    return _BUILT_FOR_PORT if event_url.endswith(f":{_BUILT_FOR_PORT}/_event") else None


def _start_prebuilt(port: int, env: dict[str, str], log_file) -> subprocess.Popen:
    """The app from the existing build (about 1 s instead of a compile; REFLEX_NOTES §8)."""
    env = {**env, "REFLEX_ENV_MODE": "prod", "__REFLEX_SKIP_COMPILE": "true",
           "__REFLEX_MOUNT_FRONTEND_COMPILED_APP": "true"}
    return subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "0.0.0.0", "--port", str(port),
         "--workers", "1", "stagesub_ui.stagesub_ui:app"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )


@contextlib.contextmanager
def running_server(data_dir: Path, *, prepared: bool = False) -> Iterator[Server]:
    """The app on ``data_dir`` (``prepare_data`` first unless ``prepared``), until the block ends.

    The server holds ``.web-build.lock`` for its whole life: in prod mode it serves the compiled pages from the
    project's one ``.web`` folder, and a second test process building meanwhile would replace them (and the
    backend port compiled into them) under its feet. Within one process, later servers reuse the build on the
    same port instead of compiling again (``_prebuilt_port``).
    """
    global _BUILT_FOR_PORT
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run the tests with `make test`, which installs it")
    if not (BUN_DIR / "bun").exists() and not shutil.which("bun"):
        pytest.fail("bun is missing (.tools/node_modules/.bin/bun): run `make test`, which installs it")
    if not prepared:
        prepare_data(data_dir)
    with (ROOT / ".web-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        prebuilt = _prebuilt_port()
        port = prebuilt or _free_port()
        server = Server(port=port, data_dir=data_dir, log_path=data_dir / "reflex.log")
        with server.log_path.open("wb") as log_file:
            env = _server_env(data_dir, port)
            if prebuilt:
                proc = _start_prebuilt(port, env, log_file)
            else:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port", "--backend-port",
                     str(port)],
                    cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
                )
            try:
                _wait_until_up(server, proc)
                _BUILT_FOR_PORT = port
                yield server
            finally:
                _stop(proc)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("e2e-data")) as running:
        yield running


# `make test` runs the unit tests in a second process beside these, so the two cores are busy: an assertion
# waits up to 10 s (Playwright's default is 5 s) before it fails. Passing assertions return as soon as they hold.
EXPECT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    yield from _browser()


def _browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
