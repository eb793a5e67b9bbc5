#!/usr/bin/env bash
# Starts the real binary on a temporary SQLite database (with CORS for the
# browser test's second origin), then runs the browser test and the Postman
# collection against it. Used by scripts/test.sh; needs a built target/debug binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

BIN="${MC_BIN:-target/debug/mission-control}"
PORT="${LIVE_PORT:-18001}"
export BASE_URL="http://127.0.0.1:$PORT"
work="$(mktemp -d)"
log="target/live-server.log"
mkdir -p target

DATABASE_URL="sqlite://$work/live.db" BIND_ADDR="127.0.0.1:$PORT" BCRYPT_COST=4 \
  CORS_ALLOWED_ORIGINS=http://localhost:3000 RUST_LOG=info \
  "$BIN" serve --seed >"$log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_healthy "$BASE_URL" 10 "$server" || { cat "$log"; echo "live-tests: the server did not start" >&2; exit 1; }

scripts/e2e.sh
scripts/newman.sh
echo "live-tests: browser test and Postman collection passed against $BASE_URL"
