#!/usr/bin/env bash
# `make test`: every test (unit, integration, e2e): two pytest runs side by side, exit status = the first failure's.
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

UNIT_PID=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$UNIT_PID" ]; then
    kill "$UNIT_PID" 2>/dev/null || true
    wait "$UNIT_PID" 2>/dev/null || true
  fi
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

# Two pytest processes side by side on the two cores: the unit tests in one, the PostgreSQL and browser tests
# (which wait on servers and the browser much of the time) in the other; the unit tests' report follows the
# other's. The unit tests run at a lower CPU priority (nice) so the servers and browser the other tests wait on
# are never starved by them. The status is the first failure's. TEST_PROCESSES=1 runs every tier in one process instead.
# Extra arguments go to both; a process whose tier has nothing selected (exit 5) is not a failure on its own.
unit=() rest=()
[ -d tests/unit ] && unit=(tests/unit)
for dir in tests/integration tests/e2e; do
  [ -d "$dir" ] && rest+=("$dir")
done

run_pytest() { python -m pytest -p no:cacheprovider "$@"; }

set +e
if [ "${TEST_PROCESSES:-2}" = 1 ] || [ ${#unit[@]} -eq 0 ] || [ ${#rest[@]} -eq 0 ]; then
  run_pytest "${unit[@]}" "${rest[@]}" "$@"
  status=$?
else
  unit_log="$(mktemp)"
  nice -n 5 python -m pytest -p no:cacheprovider "${unit[@]}" "$@" >"$unit_log" 2>&1 &
  UNIT_PID=$!
  log "unit tests running beside the others (pid $UNIT_PID); their report follows"
  run_pytest "${rest[@]}" "$@"
  rest_status=$?
  wait "$UNIT_PID"
  unit_status=$?
  UNIT_PID=""
  echo
  echo "test: ===== unit tests (tests/unit) ====="
  cat "$unit_log"
  rm -f "$unit_log"
  log "integration and browser tests: exit $rest_status; unit tests: exit $unit_status"
  if [ "$rest_status" -eq 5 ] && [ "$unit_status" -eq 5 ]; then
    status=5
  elif [ "$rest_status" -ne 0 ] && [ "$rest_status" -ne 5 ]; then
    status=$rest_status
  elif [ "$unit_status" -ne 0 ] && [ "$unit_status" -ne 5 ]; then
    status=$unit_status
  else
    status=0
  fi
fi
set -e
if [ "$status" -eq 5 ]; then
  echo "test: error: pytest collected no tests (exit 5); that is a failure" >&2
fi
exit "$status"
