#!/usr/bin/env bash
# `make test`: every test (unit, integration, e2e) in one pytest run, with exit status = pytest's.
#   * setup with the test dependencies; Chromium (Debian package) for the browser tests;
#   * PostgreSQL on 127.0.0.1:5432 (started when it is not answering) with a fresh database for this run,
#     exported as STAGESUB_TEST_PG_URL (and the server as STAGESUB_TEST_PG_SERVER_URL); that database and any
#     stagesub_test_<run>_* database created by the tests are dropped on exit;
#   * STAGESUB_* variables of the caller's shell are cleared, so tests never touch a configured installation.
# Extra arguments go to pytest, e.g. scripts/test.sh -k cli -x
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "test: $*"; }
die() { echo "test: error: $*" >&2; exit 1; }

"$ROOT/scripts/setup.sh" dev

# shellcheck source=scripts/reflex-env.sh
source "$ROOT/scripts/reflex-env.sh"

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}

# --- Chromium for the browser tests ---------------------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  log "installing chromium (apt-get; about a minute)"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
    || die "Chromium is missing and could not be installed; run: sudo apt-get install chromium"
fi

# --- PostgreSQL -----------------------------------------------------------------------------------------
PG_SERVER_URL="postgresql://postgres@127.0.0.1:5432/postgres"

pg_answers() {
  python - "$PG_SERVER_URL" >/dev/null 2>&1 <<'PY'
import sys
import psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}

if ! pg_answers; then
  log "PostgreSQL does not answer on 127.0.0.1:5432; starting it"
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for version in $(ls /etc/postgresql); do
      as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  fi
  for _ in $(seq 1 30); do
    pg_answers && break
    sleep 1
  done
  pg_answers || die "PostgreSQL is not reachable at $PG_SERVER_URL (user postgres, trust auth) and could not be started"
fi

RUN_ID="$(python -c 'import secrets; print(secrets.token_hex(4))')"
TEST_DB="stagesub_test_$RUN_ID"

# pg_admin create|drop NAME: create the database, or drop it and every NAME_* database.
pg_admin() {
  python - "$PG_SERVER_URL" "$@" <<'PY'
import sys
import psycopg
from psycopg import sql

server_url, action, name = sys.argv[1:4]
with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
    if action == "create":
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    else:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR starts_with(datname, %s) ORDER BY datname",
            (name, name + "_"),
        ).fetchall()
        for (db,) in rows:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
PY
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  pg_admin drop "$TEST_DB" || echo "test: warning: could not drop the database $TEST_DB (and ${TEST_DB}_*)" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_admin create "$TEST_DB"
log "PostgreSQL test database: $TEST_DB"

# --- the suite ------------------------------------------------------------------------------------------
while IFS= read -r var; do
  unset "$var"
done < <(compgen -e | grep '^STAGESUB_' || true)
export STAGESUB_TEST_PG_URL="postgresql://postgres@127.0.0.1:5432/$TEST_DB"
export STAGESUB_TEST_PG_SERVER_URL="$PG_SERVER_URL"

paths=()
for dir in tests/unit tests/integration tests/e2e; do
  [ -d "$dir" ] && paths+=("$dir")
done

set +e
python -m pytest -p no:cacheprovider "${paths[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test: error: pytest collected no tests (exit 5); that is a failure" >&2
fi
exit "$status"
