"""The operators' command line: ``python -m services.cli <command> [options]``.

Every command is a thin wrapper around one service call; the services own the rules (subdomain and e-mail
checks, password rules, duplicates). Errors never end in a traceback:

* wrong or missing arguments: usage and the problem on stderr, exit status 2 (argparse);
* a business error (``ServiceError``), a configuration error (``ConfigError``), an unreachable or broken
  database: one clear line on stderr, exit status 1.

``--verbose`` (before the command) shows log messages and, for unexpected errors, the traceback.
Passwords are printed once, when they were generated here; they are never logged.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import logging
import os
import secrets
import signal
import string
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from services.errors import ServiceError
from services.settings import ConfigError, get_settings

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DEMO_LOGINS_FILE = "demo-logins.txt"
DEV_SUPERADMIN_USERNAME = "superadmin"
DEV_SUPERADMIN_EMAIL = "superadmin@example.com"
DEMO_SUBDOMAIN = "demo"

_PASSWORD_SYMBOLS = "-_.+"  # safe to paste into shells, URLs and config files
_PASSWORD_ALPHABET = string.ascii_letters + string.digits + _PASSWORD_SYMBOLS


class CliError(Exception):
    """A problem found by the command line itself (not by a service): message to stderr, exit 1."""


# ----- small helpers -------------------------------------------------------------------------------------


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def generate_password(length: int = 20) -> str:
    """A strong random password (letters, digits and a symbol), accepted by the password rules."""
    for _ in range(100):
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
            and any(c in _PASSWORD_SYMBOLS for c in password)
            and _password_problem(password) is None
        ):
            return password
    raise CliError("could not generate a password that satisfies the password rules")


def _password_problem(password: str) -> str | None:
    """What is wrong with ``password`` according to ``services.auth.check_password_rules``, or None."""
    from services.auth import check_password_rules

    try:
        result = check_password_rules(password)
    except ServiceError as exc:
        return exc.message
    if result is None or result is True:
        return None
    if result is False:
        return "the password does not satisfy the password rules"
    if isinstance(result, str):
        return result or None
    if isinstance(result, (list, tuple, set)):
        return "; ".join(str(p) for p in result) or None
    return None


def _obtain_password(given: str | None, who: str) -> tuple[str, bool]:
    """The password to use and whether it was generated here (and so must be printed once).

    ``--password`` wins; on a terminal it is asked twice (hidden); otherwise a strong one is generated.
    """
    if given is not None:
        problem = _password_problem(given)
        if problem:
            raise CliError(f"password rejected: {problem}")
        return given, False
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {who}: ")
        if not password:
            raise CliError("no password entered")
        problem = _password_problem(password)
        if problem:
            raise CliError(f"password rejected: {problem}")
        if getpass.getpass("Repeat the password: ") != password:
            raise CliError("the two passwords do not match")
        return password, False
    return generate_password(), True


def _describe_counts(counts: object) -> str:
    if counts is None:
        return ""
    if dataclasses.is_dataclass(counts) and not isinstance(counts, type):
        items = dataclasses.asdict(counts).items()
    elif isinstance(counts, dict):
        items = counts.items()
    else:
        return str(counts)
    return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in items)


def login_url(subdomain: str | None = None) -> str:
    """The login page of the platform (no subdomain) or of an orchestra, derived from the public URL."""
    settings = get_settings()
    parts = urlsplit(settings.public_url)
    host = parts.hostname or settings.base_domain
    if subdomain:
        host = f"{subdomain}.{host}"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme or 'http'}://{host}{port}/login"


def _write_private(path: Path, text: str, *, append: bool = False) -> None:
    """Write (or append to) a file only its owner can read (mode 600, also when it already existed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    with os.fdopen(fd, "a" if append else "w", encoding="utf-8") as fh:
        fh.write(text)


# ----- commands ------------------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    from services.migrations import migrate_all

    report = migrate_all()
    _print_migration_report(report)
    if not report.ok:
        failed = [o.subdomain for o in report.orchestras if o.error]
        _err(f"error: migration failed for {len(failed)} orchestra(s): {', '.join(failed)}")
        return EXIT_FAILURE
    return EXIT_OK


def _print_migration_report(report) -> None:
    _out(f"Central database: at revision {report.central_revision}")
    if not report.orchestras:
        _out("Orchestra databases: none yet")
    for item in report.orchestras:
        if item.error:
            _err(f"Orchestra {item.subdomain}: FAILED: {item.error}")
        else:
            _out(f"Orchestra {item.subdomain}: at revision {item.revision}")


def cmd_create_superadmin(args: argparse.Namespace) -> int:
    from services.auth import create_user

    password, generated = _obtain_password(args.password, f"superadmin {args.username}")
    user = create_user(username=args.username, email=args.email, password=password, role="superadmin")
    _out(f"Created superadmin {getattr(user, 'username', args.username)} <{getattr(user, 'email', args.email)}>.")
    _out(f"Log in at {login_url()}")
    if generated:
        _out(f"Generated password (shown only this once; store it safely): {password}")
    return EXIT_OK


def cmd_create_orchestra(args: argparse.Namespace) -> int:
    from services.provisioning import create_orchestra

    result = create_orchestra(
        name=args.name, subdomain=args.subdomain, contact_name=args.contact_name,
        contact_email=args.contact_email, database_url=args.database_url,
    )
    orchestra = result.orchestra
    _out(f"Created orchestra {orchestra.name} (subdomain {orchestra.subdomain}, id {orchestra.id}).")
    seeded = _describe_counts(result.counts)
    if seeded:
        _out(f"Seeded: {seeded}")
    _out(f"Log in at {login_url(orchestra.subdomain)}")
    if result.admin_username:
        _out("Admin login (shown only this once; store it safely):")
        _out(f"  username: {result.admin_username}")
        _out(f"  password: {result.admin_password}")
    return EXIT_OK


def cmd_create_user(args: argparse.Namespace) -> int:
    from services.auth import create_user

    password, generated = _obtain_password(args.password, f"{args.role} {args.username}")
    user = create_user(
        username=args.username, email=args.email, password=password, role=args.role,
        orchestra_subdomain=args.orchestra,
    )
    _out(f"Created {args.role} {getattr(user, 'username', args.username)} "
         f"<{getattr(user, 'email', args.email)}> in orchestra {args.orchestra}.")
    _out(f"Log in at {login_url(args.orchestra)}")
    if generated:
        _out(f"Generated password (shown only this once; store it safely): {password}")
    return EXIT_OK


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from services.provisioning import seed_demo_orchestra

    result = seed_demo_orchestra()
    orchestra = result.orchestra
    if result.created:
        _out(f"Created the demo orchestra {orchestra.name} (subdomain {orchestra.subdomain}).")
    else:
        _out(f"The demo orchestra {orchestra.name} (subdomain {orchestra.subdomain}) already exists; "
             "no logins were created.")
    seeded = _describe_counts(result.counts)
    if seeded:
        _out(f"Demo data: {seeded}")
    _out(f"Log in at {login_url(orchestra.subdomain)}")
    if result.logins:
        _out("Logins (shown only this once; store them safely):")
        for role, username, password in result.logins:
            _out(f"  {role:<10} {username:<24} {password}")
    return EXIT_OK


def _logins_header() -> str:
    from services import clock

    stamp = clock.now().strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"# StageSub development logins, created by `make run` (services.cli bootstrap-dev) on {stamp}.\n"
        "# Keep this file private. `make clean-data` deletes all data (and this file) to start over.\n"
        "# The superadmin logs in on the platform host (localhost), the others on the demo orchestra's host\n"
        "# (demo.localhost); `make run` prints both URLs.\n"
        f"# {'role':<11} {'username':<24} password\n"
    )


def _login_line(role: str, username: str, password: str) -> str:
    return f"  {role:<11} {username:<24} {password}\n"


def cmd_bootstrap_dev(args: argparse.Namespace) -> int:
    from services import tenancy
    from services.auth import count_superadmins, create_user
    from services.migrations import migrate_all
    from services.provisioning import seed_demo_orchestra

    settings = get_settings()
    logins_file = settings.data_dir / DEMO_LOGINS_FILE

    report = migrate_all()
    _print_migration_report(report)
    if not report.ok:
        _err("error: some orchestra databases could not be migrated (see above)")
        return EXIT_FAILURE

    empty = count_superadmins() == 0 and not tenancy.list_orchestras()
    created_now = False
    if empty and settings.env == "prod":
        _out("STAGESUB_ENV=prod: the installation is empty, but no demo logins are created in production.")
        _out("Create the first superadmin with: python -m services.cli create-superadmin --username U --email E")
    elif empty:
        _out("Empty installation: creating a superadmin and the demo orchestra ...")
        password = generate_password()
        create_user(username=DEV_SUPERADMIN_USERNAME, email=DEV_SUPERADMIN_EMAIL, password=password,
                    role="superadmin")
        # Written at once, so a failure in the demo step below does not lose the superadmin's password.
        _write_private(logins_file, _logins_header() + _login_line("superadmin", DEV_SUPERADMIN_USERNAME, password))
        created_now = True
        demo = seed_demo_orchestra()
        lines = "".join(_login_line(role, username, pw) for role, username, pw in demo.logins if pw)
        if lines:
            _write_private(logins_file, lines, append=True)

    port = settings.port
    _out("")
    _out("StageSub is starting at:")
    _out(f"  demo orchestra:      http://{DEMO_SUBDOMAIN}.localhost:{port}/login")
    _out(f"  platform/superadmin: http://localhost:{port}/login")
    if logins_file.is_file():
        _out(f"Logins ({'just created' if created_now else 'created by an earlier run'}; from {logins_file}):")
        _out(logins_file.read_text(encoding="utf-8").rstrip("\n"))
    else:
        _out(f"No {logins_file} here: the existing accounts were not created by `make run`, so no passwords are")
        _out("known to it. Use your own logins, or `make clean-data` to start over with demo logins.")
    return EXIT_OK


def cmd_create_api_key(args: argparse.Namespace) -> int:
    from services.api_keys import create_api_key

    raw, info = create_api_key(args.orchestra, args.name)
    _out(f"Created API key {info.prefix} ({info.name}, id {info.id}) for orchestra {info.subdomain}.")
    _out("The key (shown only this once; store it safely; send it as 'Authorization: Bearer <key>'):")
    _out(f"  {raw}")
    return EXIT_OK


def cmd_revoke_api_key(args: argparse.Namespace) -> int:
    from services.api_keys import revoke_api_key

    info = revoke_api_key(args.prefix)
    when = info.revokedAt.strftime("%Y-%m-%d %H:%M UTC") if info.revokedAt else ""
    _out(f"API key {info.prefix} ({info.name}, id {info.id}) of orchestra {info.subdomain} is revoked "
         f"(since {when}).")
    return EXIT_OK


def cmd_list_api_keys(args: argparse.Namespace) -> int:
    from services.api_keys import list_api_keys

    keys = list_api_keys(args.orchestra)
    if not keys:
        _out(f"Orchestra {args.orchestra} has no API keys.")
        return EXIT_OK

    def stamp(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else "-"

    _out(f"{'id':>4}  {'prefix':<13} {'created':<16} {'last used':<16} {'revoked':<16} name")
    for key in keys:
        _out(f"{key.id:>4}  {key.prefix:<13} {stamp(key.createdAt):<16} {stamp(key.lastUsedAt):<16} "
             f"{stamp(key.revokedAt):<16} {key.name}")
    return EXIT_OK


# ----- parser --------------------------------------------------------------------------------------------


def cmd_scheduler(args: argparse.Namespace) -> int:
    from services import scheduler

    if args.once:
        for subdomain, result in scheduler.run_pass().items():
            _out(f"{subdomain}: " + ", ".join(f"{key} {value}" for key, value in result.items()))
        return 0
    loop = scheduler.SchedulerLoop(interval=args.interval)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    loop.start()
    _out(f"scheduler: running every {args.interval:g} s (Ctrl-C to stop)")
    stop.wait()
    loop.stop()
    _out("scheduler: stopped")
    return 0


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from exc
    if number <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return number


def _non_empty(value: str) -> str:
    value = value.strip()
    if not value:
        raise argparse.ArgumentTypeError("must not be empty")
    return value


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors name the command and point to --help."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\nRun '{self.prog} --help' for details.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m services.cli",
        description="StageSub operator commands: database migrations, accounts, orchestras and demo data. "
                    "Configuration comes from the STAGESUB_* environment variables (see README.md).",
    )
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show log messages and, for unexpected errors, the full traceback")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def add(name: str, summary: str, description: str, handler) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=summary, description=description)
        p.set_defaults(handler=handler)
        return p

    add("migrate", "migrate the central and every orchestra database",
        "Bring the central database and every orchestra's database to the newest schema. Safe to run again: "
        "an up-to-date database is left unchanged. Exit status 1 if any database failed.", cmd_migrate)

    p = add("create-superadmin", "create a platform superadmin",
            "Create a superadmin account (manages all orchestras). Without --password the password is asked "
            "twice when run in a terminal; otherwise a strong one is generated and printed once.",
            cmd_create_superadmin)
    p.add_argument("--username", required=True, type=_non_empty, help="login name")
    p.add_argument("--email", required=True, type=_non_empty, help="e-mail address")
    p.add_argument("--password", help="the password (visible in the process list; prefer the prompt)")

    p = add("create-orchestra", "create an orchestra with its own database and an admin",
            "Create an orchestra: its central record, its own database (a SQLite file in the data directory, a "
            "new database on STAGESUB_ORCHESTRA_DB_SERVER_URL, or --database-url), the standard instruments, "
            "lists and templates, and an admin login that is printed once.", cmd_create_orchestra)
    p.add_argument("--subdomain", required=True, help="the orchestra's host name part: a-z, 0-9 and hyphens")
    p.add_argument("--name", required=True, type=_non_empty, help="the orchestra's name")
    p.add_argument("--contact-name", required=True, type=_non_empty, help="contact person")
    p.add_argument("--contact-email", required=True, type=_non_empty,
                   help="contact e-mail address (also the admin's e-mail)")
    p.add_argument("--database-url", help="use this existing (PostgreSQL) database for the orchestra")

    p = add("create-user", "create an admin or user account in an orchestra",
            "Create a staff account in an orchestra. Without --password the password is asked twice when run in "
            "a terminal; otherwise a strong one is generated and printed once.", cmd_create_user)
    p.add_argument("--orchestra", required=True, metavar="SUBDOMAIN", help="the orchestra's subdomain")
    p.add_argument("--username", required=True, type=_non_empty, help="login name")
    p.add_argument("--email", required=True, type=_non_empty, help="e-mail address")
    p.add_argument("--role", required=True, choices=("admin", "user"), help="admin or user")
    p.add_argument("--password", help="the password (visible in the process list; prefer the prompt)")

    add("seed-demo", "create the demo orchestra with demo data",
        "Create the demo orchestra (subdomain 'demo') with musicians, ranking lists and projects, and an admin "
        "and a user login that are printed once. If it exists already, nothing is created.", cmd_seed_demo)

    add("bootstrap-dev", "prepare a development installation (used by make run)",
        "Migrate all databases; on an empty installation (no superadmin, no orchestra) create the superadmin "
        f"'{DEV_SUPERADMIN_USERNAME}' and the demo orchestra and write their logins to "
        f"<data dir>/{DEMO_LOGINS_FILE} (mode 600). Every run prints the URLs and the logins file.",
        cmd_bootstrap_dev)

    p = add("scheduler", "run the scheduler (reminders, timeouts, message delivery) as its own process",
            "Run the scheduler loop: reminders, timeouts, refills and outbox delivery for every active "
            "orchestra. Only one leader works at a time (PostgreSQL advisory lock, or a file lock with SQLite), "
            "so starting it beside the app (STAGESUB_RUN_SCHEDULER=1) is safe. --once runs one pass and "
            "prints what it did.", cmd_scheduler)
    p.add_argument("--once", action="store_true", help="run one pass and exit")
    p.add_argument("--interval", type=_positive_float, default=5.0, help="seconds between passes (default 5)")

    p = add("create-api-key", "create a REST API key for an orchestra (printed once)",
            "Create a key for the orchestra's REST API (/api/v1). The key is printed once and stored only as a "
            "hash; give it to the orchestra's integration, which sends it as 'Authorization: Bearer <key>'.",
            cmd_create_api_key)
    p.add_argument("--orchestra", required=True, metavar="SUBDOMAIN", help="the orchestra's subdomain")
    p.add_argument("--name", default="API key", type=_non_empty,
                   help="what the key is for, e.g. the planning system's name (default: 'API key')")

    p = add("revoke-api-key", "revoke a REST API key",
            "Revoke an API key by the prefix shown when it was created (ssk_…, see list-api-keys) or by its id. "
            "It stops working at once; revoking a revoked key changes nothing.", cmd_revoke_api_key)
    p.add_argument("--prefix", required=True, type=_non_empty, metavar="PREFIX_OR_ID",
                   help="the key's prefix (ssk_ and eight characters) or its numeric id")

    p = add("list-api-keys", "list an orchestra's REST API keys",
            "List the orchestra's API keys (never the keys themselves): id, prefix, when each was created, last "
            "used and revoked, and its name.", cmd_list_api_keys)
    p.add_argument("--orchestra", required=True, metavar="SUBDOMAIN", help="the orchestra's subdomain")
    return parser


# ----- error handling and entry point --------------------------------------------------------------------


class _ShortFormatter(logging.Formatter):
    """Log records without tracebacks: the exception is reduced to its type and message."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {_first_line(exc)})"
            record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return super().format(record)


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if verbose:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(_ShortFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _database_error_message(exc: BaseException) -> str | None:
    """A short message for database errors (unreachable server, locked or unwritable file), else None."""
    try:
        from sqlalchemy import exc as sa_exc
    except ImportError:  # pragma: no cover - SQLAlchemy is a runtime dependency
        return None
    if isinstance(exc, sa_exc.OperationalError):
        return f"database unavailable: {_first_line(exc.orig if exc.orig is not None else exc)}"
    if isinstance(exc, sa_exc.SQLAlchemyError):
        detail = getattr(exc, "orig", None) or exc
        return f"database error ({type(exc).__name__}): {_first_line(detail)}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    _configure_logging(args.verbose)
    try:
        return args.handler(args)
    except ServiceError as exc:
        _err(f"error: {exc.message}")
        for field_name, problem in (exc.fields or {}).items():
            if str(problem) != exc.message:
                _err(f"  {field_name}: {problem}")
        return EXIT_FAILURE
    except ConfigError as exc:
        _err(f"configuration error: {exc}")
        return EXIT_FAILURE
    except CliError as exc:
        _err(f"error: {exc}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except EOFError:
        _err("error: no password could be read (end of input)")
        return EXIT_FAILURE
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        _err(f"error: {exc.strerror or _first_line(exc)}{where}")
        return EXIT_FAILURE
    except Exception as exc:
        message = _database_error_message(exc)
        if message is None:
            message = f"unexpected error ({type(exc).__name__}): {_first_line(exc)}"
            if args.verbose:
                logging.getLogger(__name__).exception("unexpected error")
            else:
                message += " (run with --verbose for details)"
        _err(f"error: {message}")
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
