# Sourced by run.sh and test.sh: Reflex offline, with bun and node 22 from .tools, no telemetry, no version
# check, and the npm registry npm already uses (skips Reflex's probe of a mirror that is not reachable here).
export PATH="$ROOT/.venv/bin:$ROOT/.tools/node_modules/.bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false
export NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
if [ -z "${NPM_CONFIG_REGISTRY:-}" ]; then
  NPM_CONFIG_REGISTRY="$(npm config get registry 2>/dev/null || true)"
fi
export NPM_CONFIG_REGISTRY
