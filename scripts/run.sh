#!/usr/bin/env bash
# `make run`: set up, migrate, create the demo logins on an empty installation, then serve StageSub on one
# port (default 3000): http://localhost:PORT (platform, superadmin) and http://demo.localhost:PORT (demo
# orchestra). Honours every STAGESUB_* variable (README.md). Stop with Ctrl-C.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

# shellcheck source=scripts/reflex-env.sh
source "$ROOT/scripts/reflex-env.sh"

export STAGESUB_PORT="${STAGESUB_PORT:-3000}"
case "$STAGESUB_PORT" in
  '' | *[!0-9]*) echo "run: error: STAGESUB_PORT must be a port number, got '$STAGESUB_PORT'" >&2; exit 1 ;;
esac

if ! python - "$STAGESUB_PORT" <<'PY'; then
import socket, sys
with socket.socket() as s:
    try:
        s.bind(("0.0.0.0", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
  echo "run: error: port $STAGESUB_PORT is already in use; stop the other server or set STAGESUB_PORT" >&2
  exit 1
fi

python -m services.cli bootstrap-dev

echo "run: building the frontend and starting the server (about 10 s; the first build takes longer) ..."
exec reflex run --env prod --single-port --backend-port "$STAGESUB_PORT"
