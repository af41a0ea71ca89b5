#!/usr/bin/env bash
# Idempotent setup, run by `make run` / `make test` / `make setup`:
#   * .venv (Python 3.11+) with the pinned packages of requirements.txt;
#   * with the argument `dev`, also requirements-dev.txt (tests, lint);
#   * bun (from the npm registry) in .tools, which Reflex uses to build the frontend.
# A requirements file is installed again only when its content (sha256) differs from the last successful
# install, recorded in .venv/.installed-<file>.sha256. Set PYTHON=/path/to/python3.11 to choose the interpreter.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE="${1:-run}"
case "$MODE" in
  run | dev) ;;
  *) echo "usage: scripts/setup.sh [dev]" >&2; exit 2 ;;
esac

BUN_VERSION=1.4.5
NODE_VERSION=22.23.3
VENV="$ROOT/.venv"
TOOLS="$ROOT/.tools"
export NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

# One setup at a time (e.g. `make run` and `make test` started together).
mkdir -p "$TOOLS"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.setup.lock"
  flock 9
fi

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# --- virtual environment -------------------------------------------------------------------------------
if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
  PY="$(find_python)" || die "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"
  log "creating .venv with $PY"
  "$PY" -m venv --clear "$VENV" || die "could not create .venv (on Debian: apt-get install python3-venv)"
  rm -f "$VENV"/.installed-*.sha256
fi

# install_requirements FILE [FILES THAT DECIDE...]: pip install -r FILE unless their sha256 is unchanged.
install_requirements() {
  local file="$1"
  shift
  local stamp="$VENV/.installed-$file.sha256"
  local want
  want="$(cat "$@" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "installing $file into .venv (this takes about half a minute the first time)"
  "$VENV/bin/python" -m pip install --no-input --quiet -r "$file" || die "pip install -r $file failed"
  echo "$want" >"$stamp"
}

install_requirements requirements.txt requirements.txt
if [ "$MODE" = dev ]; then
  install_requirements requirements-dev.txt requirements-dev.txt requirements.txt
fi

# --- bun and node 22 for Reflex (GitHub, where Reflex would download bun from, is not reachable; npm is) ---
# Reflex builds with bun; it wants node >= 22.22 beside it (Debian's node 20 only earns a warning), so a
# node 22 from the npm registry goes into .tools too. Both are first on PATH in run.sh and test.sh.
BUN="$TOOLS/node_modules/.bin/bun"
NODE="$TOOLS/node_modules/.bin/node"
if [ ! -x "$BUN" ] || [ "$("$BUN" --version 2>/dev/null || true)" != "$BUN_VERSION" ] \
   || [ ! -x "$NODE" ] || [ "$("$NODE" --version 2>/dev/null || true)" != "v$NODE_VERSION" ]; then
  command -v npm >/dev/null 2>&1 || die "npm is needed to install bun and node (apt-get install nodejs npm)"
  log "installing bun $BUN_VERSION and node $NODE_VERSION into .tools"
  npm install --prefix "$TOOLS" --no-fund --no-audit --loglevel=error "bun@$BUN_VERSION" "node@$NODE_VERSION" \
    || die "npm install bun@$BUN_VERSION node@$NODE_VERSION failed"
  [ "$("$BUN" --version 2>/dev/null || true)" = "$BUN_VERSION" ] || die "bun $BUN_VERSION did not install into .tools"
  [ "$("$NODE" --version 2>/dev/null || true)" = "v$NODE_VERSION" ] || die "node $NODE_VERSION did not install"
fi
