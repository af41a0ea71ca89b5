"""The command line, run as operators run it: ``python -m services.cli ...`` in a subprocess.

Every call gets its own environment: STAGESUB_ENV=test, STAGESUB_DATA_DIR=<a temp dir> and no other STAGESUB_*
variable (so the central database is ``<temp dir>/central.db`` and orchestras are SQLite files). Every call
is also checked for the one thing the command line must never print: a traceback.
"""

from __future__ import annotations

import os
import pty
import re
import select
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("migrate", "create-superadmin", "create-orchestra", "create-user", "seed-demo", "bootstrap-dev")
STRONG_PASSWORD = "Kontrabas-Solo-2026!"
WEAK_PASSWORD = "abc"


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("STAGESUB_")}
    env.update(STAGESUB_ENV="test", STAGESUB_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def run_cli(data_dir: Path, *args: str, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        cwd=PROJECT_ROOT, env=env or cli_env(data_dir), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=timeout,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, explain(result)
    return result


def failed(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """A business error: exit 1 with a short, readable message on stderr."""
    assert result.returncode == 1, explain(result)
    assert result.stderr.strip(), explain(result)
    assert "error" in result.stderr.lower(), explain(result)
    assert len(result.stderr.strip().splitlines()) <= 10, explain(result)
    return result


def usage_error(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 2, explain(result)
    assert "usage:" in result.stderr, explain(result)
    return result


def password_after(label: str, text: str) -> str:
    match = re.search(rf"{label}[^\n]*?:\s*(\S+)\s*$", text, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{text}"
    return match.group(1)


def orchestra_args(subdomain: str, email: str | None = None) -> list[str]:
    return ["create-orchestra", "--subdomain", subdomain, "--name", f"Orkester {subdomain}",
            "--contact-name", "Karin Berglund", "--contact-email", email or f"kansli@{subdomain}.example.se"]


def schema_snapshot(db_file: Path) -> tuple[list, list]:
    conn = sqlite3.connect(db_file)
    try:
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        tables = [row[1] for row in schema if row[0] == "table"]
        versions = []
        for table in tables:
            if table.startswith("alembic_version"):
                versions += [(table, *row) for row in conn.execute(f'SELECT * FROM "{table}"').fetchall()]
        return schema, versions
    finally:
        conn.close()


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Path:
    """A migrated installation with one orchestra, ``alpha``, shared by the tests that only add to it."""
    data_dir = tmp_path_factory.mktemp("cli-installation")
    ok(run_cli(data_dir, "migrate"))
    ok(run_cli(data_dir, *orchestra_args("alpha")))
    return data_dir


# ----- help and usage errors (exit 2) -----------------------------------------------------------------


def test_help_lists_every_command(tmp_path):
    result = ok(run_cli(tmp_path, "--help"))
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_a_description(tmp_path, command):
    result = ok(run_cli(tmp_path, command, "--help"))
    assert result.stdout.startswith("usage:")
    description = result.stdout.split("\n\n")[1]
    assert len(description.split()) >= 5, result.stdout


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["frobnicate"],
        ["create-superadmin", "--username", "boss"],
        ["create-superadmin", "--email", "boss@example.com"],
        ["create-orchestra", "--subdomain", "beta"],
        ["create-orchestra", "--subdomain", "beta", "--name", "Beta", "--contact-name", "K"],
        ["create-user", "--orchestra", "alpha", "--username", "u1", "--email", "u1@example.com"],
        ["create-user", "--orchestra", "alpha", "--username", "u1", "--email", "u1@example.com", "--role", "boss"],
        ["create-user", "--orchestra", "alpha", "--username", "", "--email", "u1@example.com", "--role", "user"],
        ["migrate", "--unknown-option"],
    ],
    ids=["no-command", "unknown-command", "superadmin-no-email", "superadmin-no-username", "orchestra-no-name",
         "orchestra-no-email", "user-no-role", "user-bad-role", "user-empty-username", "unknown-option"],
)
def test_bad_arguments_are_usage_errors(tmp_path, args):
    usage_error(run_cli(tmp_path, *args))
    assert not (tmp_path / "central.db").exists(), "a usage error must not touch the database"


# ----- migrate --------------------------------------------------------------------------------------------


def test_migrate_twice_second_run_is_a_noop(tmp_path):
    first = ok(run_cli(tmp_path, "migrate"))
    central_db = tmp_path / "central.db"
    assert central_db.is_file()
    assert "revision" in first.stdout
    before = schema_snapshot(central_db)
    assert before[1], "the central database records its revision"

    second = ok(run_cli(tmp_path, "migrate"))
    assert schema_snapshot(central_db) == before
    assert second.stdout == first.stdout


def test_migrate_migrates_orchestra_databases_too(installation):
    result = ok(run_cli(installation, "migrate"))
    assert "alpha" in result.stdout


# ----- create-superadmin ---------------------------------------------------------------------------------


def test_create_superadmin_with_password(tmp_path):
    ok(run_cli(tmp_path, "migrate"))
    result = ok(run_cli(tmp_path, "create-superadmin", "--username", "boss", "--email", "boss@example.com",
                        "--password", STRONG_PASSWORD))
    assert "boss" in result.stdout
    assert STRONG_PASSWORD not in result.stdout + result.stderr, "a given password is never echoed"

    again = failed(run_cli(tmp_path, "create-superadmin", "--username", "boss", "--email", "boss2@example.com",
                           "--password", STRONG_PASSWORD))
    assert "boss" in again.stderr or "exist" in again.stderr.lower() or "taken" in again.stderr.lower()


def test_create_superadmin_without_tty_generates_and_prints_a_strong_password(tmp_path):
    ok(run_cli(tmp_path, "migrate"))
    result = ok(run_cli(tmp_path, "create-superadmin", "--username", "boss", "--email", "boss@example.com"))
    password = password_after("password", result.stdout)
    assert len(password) >= 16
    assert result.stdout.count(password) == 1, "printed exactly once"


def test_create_superadmin_rejects_a_weak_password(tmp_path):
    result = failed(run_cli(tmp_path, "create-superadmin", "--username", "boss", "--email", "boss@example.com",
                            "--password", WEAK_PASSWORD))
    assert "password" in result.stderr.lower()


def test_create_superadmin_rejects_a_bad_email(tmp_path):
    ok(run_cli(tmp_path, "migrate"))
    result = failed(run_cli(tmp_path, "create-superadmin", "--username", "boss", "--email", "not-an-email",
                            "--password", STRONG_PASSWORD))
    assert "mail" in result.stderr.lower()


def _read_until(fd: int, needle: bytes, deadline: float) -> bytes:
    seen = b""
    while needle not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {needle!r}; got {seen!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, f"stream closed before {needle!r}; got {seen!r}"
            seen += chunk
    return seen


def _run_with_terminal(data_dir: Path, args: list[str],
                       dialogue: list[tuple[bytes, str]]) -> subprocess.CompletedProcess[str]:
    """Run the CLI with a pseudo-terminal as stdin; at each (prompt, answer) wait for the prompt, then type."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", *args], cwd=PROJECT_ROOT, env=cli_env(data_dir),
        stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    os.close(slave)
    try:
        deadline = time.monotonic() + 120
        prompts = b""
        for prompt, answer in dialogue:
            # getpass flushes pending input when it switches echo off, so type only after the prompt.
            prompts += _read_until(proc.stderr.fileno(), prompt, deadline)
            os.write(master, answer.encode() + b"\n")
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout.decode(),
                                         (prompts + stderr).decode(errors="replace"))
    assert "Traceback" not in result.stdout + result.stderr, explain(result)
    return result


PROMPT = b"Password for superadmin boss: "
REPEAT = b"Repeat the password: "


def test_create_superadmin_on_a_terminal_asks_twice(tmp_path):
    ok(run_cli(tmp_path, "migrate"))
    result = ok(_run_with_terminal(tmp_path, ["create-superadmin", "--username", "boss", "--email",
                                              "boss@example.com"], [(PROMPT, STRONG_PASSWORD),
                                                                    (REPEAT, STRONG_PASSWORD)]))
    assert "Repeat" in result.stderr
    assert STRONG_PASSWORD not in result.stdout + result.stderr, "typed passwords are neither echoed nor printed"


def test_create_superadmin_on_a_terminal_refuses_different_passwords(tmp_path):
    ok(run_cli(tmp_path, "migrate"))
    result = failed(_run_with_terminal(tmp_path, ["create-superadmin", "--username", "boss", "--email",
                                                  "boss@example.com"], [(PROMPT, STRONG_PASSWORD),
                                                                        (REPEAT, STRONG_PASSWORD + "x")]))
    assert "match" in result.stderr


# ----- create-orchestra ----------------------------------------------------------------------------------


def test_create_orchestra_prints_the_admin_login_once(tmp_path):
    ok(run_cli(tmp_path, "migrate"))
    result = ok(run_cli(tmp_path, *orchestra_args("brass-band")))
    assert "brass-band" in result.stdout
    assert re.search(r"username:\s*\S+", result.stdout), result.stdout
    password = password_after("password", result.stdout)
    assert result.stdout.count(password) == 1
    assert "http://brass-band.localhost:3000/login" in result.stdout
    assert (tmp_path / "orchestras" / "brass-band.db").is_file()


def test_create_orchestra_before_migrate_gives_a_clear_result(tmp_path):
    # The central database does not exist yet: a short error (or success), never a traceback (run_cli checks).
    result = run_cli(tmp_path, *orchestra_args("fresh"))
    assert result.returncode in (0, 1), explain(result)
    if result.returncode == 1:
        failed(result)


def test_create_orchestra_rejects_a_bad_subdomain(installation):
    result = failed(run_cli(installation, *orchestra_args("Not Valid!", "kansli@notvalid.example.se")))
    assert "subdomain" in result.stderr.lower()
    assert not list((installation / "orchestras").glob("*valid*"))


def test_create_orchestra_rejects_a_duplicate_subdomain(installation):
    result = failed(run_cli(installation, *orchestra_args("alpha", "other@alpha.example.se")))
    assert "alpha" in result.stderr or "taken" in result.stderr.lower()


def test_create_orchestra_rejects_a_bad_contact_email(installation):
    result = failed(run_cli(installation, *orchestra_args("gamma", "not-an-email")))
    assert "mail" in result.stderr.lower()
    assert not (installation / "orchestras" / "gamma.db").exists()


# ----- create-user ---------------------------------------------------------------------------------------


def test_create_user_in_an_orchestra(installation):
    result = ok(run_cli(installation, "create-user", "--orchestra", "alpha", "--username", "planner",
                        "--email", "planner@alpha.example.se", "--role", "user", "--password", STRONG_PASSWORD))
    assert "planner" in result.stdout
    assert STRONG_PASSWORD not in result.stdout


def test_create_user_generates_a_password_without_tty(installation):
    result = ok(run_cli(installation, "create-user", "--orchestra", "alpha", "--username", "second-admin",
                        "--email", "second@alpha.example.se", "--role", "admin"))
    assert len(password_after("password", result.stdout)) >= 16


def test_create_user_in_an_unknown_orchestra_fails(installation):
    result = failed(run_cli(installation, "create-user", "--orchestra", "nosuch", "--username", "ghost",
                            "--email", "ghost@example.com", "--role", "user", "--password", STRONG_PASSWORD))
    assert "nosuch" in result.stderr or "orchestra" in result.stderr.lower()


def test_create_user_rejects_a_weak_password(installation):
    result = failed(run_cli(installation, "create-user", "--orchestra", "alpha", "--username", "weakling",
                            "--email", "weak@alpha.example.se", "--role", "user", "--password", WEAK_PASSWORD))
    assert "password" in result.stderr.lower()


# ----- seed-demo and bootstrap-dev -----------------------------------------------------------------------


def test_seed_demo_creates_the_demo_orchestra_once(tmp_path):
    ok(run_cli(tmp_path, "migrate"))
    first = ok(run_cli(tmp_path, "seed-demo"))
    assert "demo" in first.stdout
    assert re.search(r"^\s+admin\s+\S+\s+\S+\s*$", first.stdout, re.MULTILINE), first.stdout
    assert re.search(r"^\s+user\s+\S+\s+\S+\s*$", first.stdout, re.MULTILINE), first.stdout
    assert (tmp_path / "orchestras" / "demo.db").is_file()

    second = ok(run_cli(tmp_path, "seed-demo"))
    assert "already exists" in second.stdout
    assert not re.search(r"^\s+admin\s+\S+\s+\S+\s*$", second.stdout, re.MULTILINE), second.stdout


def test_bootstrap_dev_on_an_empty_installation_creates_logins(tmp_path):
    env = cli_env(tmp_path, STAGESUB_PORT="3456")
    first = ok(run_cli(tmp_path, "bootstrap-dev", env=env))
    logins = tmp_path / "demo-logins.txt"
    assert logins.is_file()
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    content = logins.read_text()
    for role in ("superadmin", "admin", "user"):
        assert re.search(rf"^\s+{role}\s+\S+\s+\S+\s*$", content, re.MULTILINE), content
    assert "http://demo.localhost:3456/login" in first.stdout
    assert "http://localhost:3456/login" in first.stdout
    assert content.strip() in first.stdout

    second = ok(run_cli(tmp_path, "bootstrap-dev", env=env))
    assert logins.read_text() == content, "a second run creates nothing"
    assert content.strip() in second.stdout
    assert "http://demo.localhost:3456/login" in second.stdout


def test_bootstrap_dev_on_an_existing_installation_creates_nothing(tmp_path):
    ok(run_cli(tmp_path, "migrate"))
    ok(run_cli(tmp_path, "create-superadmin", "--username", "boss", "--email", "boss@example.com",
               "--password", STRONG_PASSWORD))
    result = ok(run_cli(tmp_path, "bootstrap-dev"))
    assert not (tmp_path / "demo-logins.txt").exists()
    assert not (tmp_path / "orchestras" / "demo.db").exists()
    assert "not created by" in result.stdout
    assert "http://localhost:3000/login" in result.stdout


# ----- configuration and database errors (exit 1, no traceback) -----------------------------------------


def test_bad_configuration_is_a_clear_error(tmp_path):
    result = failed(run_cli(tmp_path, "migrate", env=cli_env(tmp_path, STAGESUB_ENV="staging")))
    assert "STAGESUB_ENV" in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path):
    env = cli_env(tmp_path, STAGESUB_DATABASE_URL="postgresql://postgres@127.0.0.1:1/stagesub_nowhere")
    result = failed(run_cli(tmp_path, "migrate", env=env))
    assert "database" in result.stderr.lower()
