#!/usr/bin/env bash
# Browser tests of the single-page client (e2e/browser.test.mjs) and of Swagger UI at /docs
# (e2e/docs.test.mjs), against a server that is already running.
#
#   BASE_URL=http://127.0.0.1:8001 scripts/e2e.sh
#
# Start the server first, with CORS for the test's second origin, e.g.
#   DATABASE_URL=sqlite:///tmp/e2e.db CORS_ALLOWED_ORIGINS=http://localhost:3000 \
#     target/debug/mission-control serve --seed
#
# Installs e2e/'s node dependencies (playwright-core, no browser download) and Debian's chromium
# when /usr/bin/chromium is missing (as root). Screenshots land in target/e2e/.
# Environment: BASE_URL (http://127.0.0.1:8001), WAIT_SECONDS (30: how long to wait for /health),
# CHROMIUM_PATH, E2E_CORS_PORT (3000), E2E_EMAIL, E2E_PASSWORD, E2E_TIMEOUT_MS.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh
export BASE_URL="${BASE_URL:-http://127.0.0.1:8001}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
WAIT_SECONDS="${WAIT_SECONDS:-30}"

log() { printf 'e2e: %s\n' "$*" >&2; }
die() { printf 'e2e: error: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"

# Chromium from Debian (the browser builds playwright would download are not reachable).
if [[ ! -x "$CHROMIUM_PATH" ]]; then
  if [[ "$CHROMIUM_PATH" == /usr/bin/chromium && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    log "installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
  else
    die "no Chromium at $CHROMIUM_PATH: run 'apt-get install -y chromium' as root, or set CHROMIUM_PATH"
  fi
fi

# Node dependencies; playwright-core downloads no browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ ! -d e2e/node_modules/playwright-core ]] || [[ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]]; then
  log "installing e2e/ node dependencies"
  if [[ -f e2e/package-lock.json ]]; then
    (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd e2e && npm install --no-audit --no-fund --loglevel=error)
  fi
fi

# The server is started by the caller; give it a moment to come up.
log "waiting up to ${WAIT_SECONDS}s for $BASE_URL/health"
wait_healthy "$BASE_URL" "$WAIT_SECONDS" ||
  die "$BASE_URL/health did not answer 200 within ${WAIT_SECONDS}s: is the server running? (CORS_ALLOWED_ORIGINS=http://localhost:${E2E_CORS_PORT:-3000} target/debug/mission-control serve --seed)"

mkdir -p target/e2e
rm -f target/e2e/failure-*.png
log "running the browser test against $BASE_URL"
status=0
node --test e2e/browser.test.mjs e2e/docs.test.mjs || status=$?
if ((status != 0)); then
  log "FAILED (exit $status); screenshots of failing steps are in target/e2e/"
  exit "$status"
fi
log "passed; screenshots: target/e2e/logged-in.png target/e2e/phone.png target/e2e/docs.png"
