#!/usr/bin/env bash
# Runs the Postman collection against a server that is already running.
#
#   BASE_URL=http://127.0.0.1:8001 scripts/newman.sh [extra newman options, e.g. -n 2]
#
# Newman is installed once with npm into target/node (never globally) and run from there; it is
# the same as `npx --yes newman@6 run ... --bail`. The collection creates uniquely named planets
# and cleans up after itself, so it can run again and again against the same database.
# Environment: BASE_URL (http://127.0.0.1:8001), NEWMAN_VERSION (6.2.2), WAIT_SECONDS (30: how
# long to wait for /health).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh
BASE_URL="${BASE_URL:-http://127.0.0.1:8001}"
NEWMAN_VERSION="${NEWMAN_VERSION:-6.2.2}"
WAIT_SECONDS="${WAIT_SECONDS:-30}"
PREFIX=target/node
NEWMAN="$PREFIX/node_modules/.bin/newman"

log() { printf 'newman.sh: %s\n' "$*" >&2; }
die() { printf 'newman.sh: error: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is not installed"

installed_version() {
  node -p "require('./$PREFIX/node_modules/newman/package.json').version" 2>/dev/null || true
}
if [[ ! -x "$NEWMAN" || "$(installed_version)" != "$NEWMAN_VERSION" ]]; then
  log "installing newman@$NEWMAN_VERSION into $PREFIX"
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "newman@$NEWMAN_VERSION" >&2
fi

log "waiting up to ${WAIT_SECONDS}s for $BASE_URL/health"
wait_healthy "$BASE_URL" "$WAIT_SECONDS" ||
  die "$BASE_URL/health did not answer 200 within ${WAIT_SECONDS}s: is the server running (target/debug/mission-control serve --seed)?"

exec "$NEWMAN" run postman/mission-control.postman_collection.json \
  -e postman/mission-control.postman_environment.json \
  --env-var "baseUrl=$BASE_URL" \
  --bail \
  --color off \
  "$@"
