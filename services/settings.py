"""Configuration, read only here, from environment variables with embedded defaults.

Every variable is documented in README.md. ``get_settings()`` reads the environment once and caches the
result; tests call ``reset_settings()`` after changing the environment.
"""

from __future__ import annotations

import functools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENTS = ("dev", "test", "prod")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A configuration value is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    env: str
    data_dir: Path
    database_url: str
    port: int
    base_domain: str
    secret_key: str
    orchestra_db_server_url: str | None
    public_url: str
    session_hours: int
    login_max_failures: int
    login_window_minutes: int
    trust_proxy: bool
    timezone: str
    run_scheduler: bool

    @property
    def is_dev_or_test(self) -> bool:
        return self.env in ("dev", "test")

    @property
    def orchestras_dir(self) -> Path:
        return self.data_dir / "orchestras"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1/0 (true/false), got {raw!r}")


def _secret_key(env: str, data_dir: Path) -> str:
    key = os.environ.get("STAGESUB_SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise ConfigError("STAGESUB_SECRET_KEY must be at least 32 characters")
        return key
    if env == "prod":
        raise ConfigError("STAGESUB_SECRET_KEY must be set when STAGESUB_ENV=prod")
    # Embedded default: a random key generated once and kept in the data directory.
    key_file = data_dir / "secret.key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


@functools.cache
def get_settings() -> Settings:
    env = os.environ.get("STAGESUB_ENV", "dev").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"STAGESUB_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    data_dir = Path(os.environ.get("STAGESUB_DATA_DIR") or PROJECT_ROOT / "data").resolve()
    database_url = os.environ.get("STAGESUB_DATABASE_URL") or f"sqlite:///{data_dir / 'central.db'}"
    port = _int("STAGESUB_PORT", 3000, minimum=1)
    base_domain = (os.environ.get("STAGESUB_BASE_DOMAIN") or "localhost").strip().lower().strip(".")
    public_url = (os.environ.get("STAGESUB_PUBLIC_URL") or f"http://{base_domain}:{port}").rstrip("/")
    return Settings(
        env=env,
        data_dir=data_dir,
        database_url=database_url,
        port=port,
        base_domain=base_domain,
        secret_key=_secret_key(env, data_dir),
        orchestra_db_server_url=os.environ.get("STAGESUB_ORCHESTRA_DB_SERVER_URL") or None,
        public_url=public_url,
        session_hours=_int("STAGESUB_SESSION_HOURS", 12, minimum=1),
        login_max_failures=_int("STAGESUB_LOGIN_MAX_FAILURES", 5, minimum=1),
        login_window_minutes=_int("STAGESUB_LOGIN_WINDOW_MINUTES", 15, minimum=1),
        trust_proxy=_bool("STAGESUB_TRUST_PROXY", False),
        timezone=os.environ.get("STAGESUB_TIMEZONE") or "Europe/Stockholm",
        run_scheduler=_bool("STAGESUB_RUN_SCHEDULER", True),
    )


@functools.cache
def get_provider_env():
    """The platform's e-mail/SMS provider settings (RESEND_API_KEY, STAGESUB_EMAIL_FROM, TWILIO_*,
    STAGESUB_RESEND_API_URL, STAGESUB_TWILIO_API_URL, STAGESUB_SIMULATE_MESSAGES); see README.md."""
    from services.messaging.providers import provider_env

    return provider_env(os.environ)


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
    get_provider_env.cache_clear()
