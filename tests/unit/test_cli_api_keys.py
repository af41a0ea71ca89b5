"""``create-api-key``, ``list-api-keys`` and ``revoke-api-key``, run as operators run them (a subprocess each),
with the key then checked in-process against the same installation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services import api_keys, settings, tenancy
from services.errors import Unauthorized
from tests.unit.test_cli import failed, ok, orchestra_args, run_cli, usage_error

KEY_LINE = re.compile(r"^\s+(ssk_[A-Za-z0-9_-]{43})\s*$", re.MULTILINE)


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli-api-keys")
    ok(run_cli(data_dir, "migrate"))
    ok(run_cli(data_dir, *orchestra_args("alpha")))
    ok(run_cli(data_dir, *orchestra_args("beta")))
    return data_dir


@pytest.fixture
def same_installation(installation, monkeypatch):
    """Point this process at the CLI's installation (to resolve keys the CLI printed)."""
    monkeypatch.setenv("STAGESUB_ENV", "test")
    monkeypatch.setenv("STAGESUB_DATA_DIR", str(installation))
    monkeypatch.delenv("STAGESUB_DATABASE_URL", raising=False)
    settings.reset_settings()
    tenancy.dispose_all()
    yield installation
    tenancy.dispose_all()
    settings.reset_settings()


def key_from(output: str) -> str:
    keys = KEY_LINE.findall(output)
    assert len(keys) == 1, output
    return keys[0]


@pytest.mark.parametrize("command", ["create-api-key", "revoke-api-key", "list-api-keys"])
def test_commands_are_listed_and_have_help(tmp_path, command):
    assert command in ok(run_cli(tmp_path, "--help")).stdout
    result = ok(run_cli(tmp_path, command, "--help"))
    assert result.stdout.startswith("usage:")
    assert len(result.stdout.split("\n\n")[1].split()) >= 5


@pytest.mark.parametrize("args", [
    ["create-api-key"], ["create-api-key", "--orchestra"], ["revoke-api-key"], ["revoke-api-key", "--prefix", " "],
    ["list-api-keys"], ["create-api-key", "--orchestra", "alpha", "--name", ""],
])
def test_bad_arguments_are_usage_errors(tmp_path, args):
    usage_error(run_cli(tmp_path, *args))


def test_create_list_use_and_revoke(installation, same_installation):
    created = ok(run_cli(installation, "create-api-key", "--orchestra", "alpha", "--name", "Planeringssystem"))
    raw = key_from(created.stdout)
    assert "shown only this once" in created.stdout and "Bearer" in created.stdout
    prefix = raw[:api_keys.PREFIX_LENGTH]
    assert prefix in created.stdout and "Planeringssystem" in created.stdout
    assert api_keys.resolve_api_key(raw).subdomain == "alpha"

    listed = ok(run_cli(installation, "list-api-keys", "--orchestra", "alpha")).stdout
    assert prefix in listed and "Planeringssystem" in listed and raw not in listed
    assert "no API keys" in ok(run_cli(installation, "list-api-keys", "--orchestra", "beta")).stdout

    revoked = ok(run_cli(installation, "revoke-api-key", "--prefix", prefix)).stdout
    assert "revoked" in revoked and prefix in revoked
    with pytest.raises(Unauthorized):
        api_keys.resolve_api_key(raw)
    ok(run_cli(installation, "revoke-api-key", "--prefix", prefix))  # again: no change, no error
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", ok(run_cli(installation, "list-api-keys", "--orchestra",
                                                                   "alpha")).stdout)


def test_keys_belong_to_one_orchestra_and_revoke_by_id(installation, same_installation):
    alpha = key_from(ok(run_cli(installation, "create-api-key", "--orchestra", "alpha")).stdout)
    beta = key_from(ok(run_cli(installation, "create-api-key", "--orchestra", "beta")).stdout)
    assert alpha != beta
    assert api_keys.resolve_api_key(alpha).subdomain == "alpha"
    assert api_keys.resolve_api_key(beta).subdomain == "beta"
    beta_id = next(k.id for k in api_keys.list_api_keys("beta") if beta.startswith(k.prefix))
    ok(run_cli(installation, "revoke-api-key", "--prefix", str(beta_id)))
    with pytest.raises(Unauthorized):
        api_keys.resolve_api_key(beta)
    assert api_keys.resolve_api_key(alpha).subdomain == "alpha"


def test_unknown_orchestra_and_prefix_fail_clearly(installation):
    assert "orchestra" in failed(run_cli(installation, "create-api-key", "--orchestra", "nosuch")).stderr
    assert "ssk_nothing" in failed(run_cli(installation, "revoke-api-key", "--prefix", "ssk_nothing")).stderr
    failed(run_cli(installation, "list-api-keys", "--orchestra", "nosuch"))
