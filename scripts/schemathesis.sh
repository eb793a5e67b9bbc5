#!/usr/bin/env bash
# Property-based API test: schemathesis generates requests from GET /openapi.json
# and checks that no answer is a 5xx and that every answer matches the documented
# response schema. Runs against the real binary on a temporary, seeded SQLite
# database, with a Bearer token of the seeded user (test@example.com / password).
#
#   scripts/schemathesis.sh
#
# Settings: MC_BIN (target/debug/mission-control, built if missing),
# SCHEMATHESIS_PORT (18021), SCHEMATHESIS_MAX_EXAMPLES (25 per operation),
# SCHEMATHESIS_SEED (fixed, so a CI failure can be replayed). schemathesis is
# installed with pip into a virtualenv under target/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

BIN="${MC_BIN:-target/debug/mission-control}"
PORT="${SCHEMATHESIS_PORT:-18021}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
SEED="${SCHEMATHESIS_SEED:-20261204}"
VERSION="4.*"
URL="http://127.0.0.1:$PORT"
VENV=target/schemathesis-venv
mkdir -p target

if [[ ! -x "$VENV/bin/schemathesis" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi
[[ -x "$BIN" ]] || cargo build --locked --bin mission-control

work="$(mktemp -d)"
log=target/schemathesis-server.log
DATABASE_URL="sqlite://$work/schemathesis.db" BIND_ADDR="127.0.0.1:$PORT" BCRYPT_COST=4 \
  LOGIN_MAX_ATTEMPTS=1000000 RUST_LOG=warn \
  "$BIN" serve --seed >"$log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_healthy "$URL" 10 "$server" || { cat "$log"; echo "schemathesis: the server did not start" >&2; exit 1; }
curl -fsS "$URL/openapi.json" >/dev/null || { echo "schemathesis: no GET /openapi.json" >&2; exit 1; }

token=$(curl -fsS -X POST "$URL/api/login" -H 'Content-Type: application/json' \
  -d '{"email": "test@example.com", "password": "password", "device_name": "schemathesis"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# Logging out or revoking every token (DELETE /tokens) would leave the rest of
# the run with a dead token (401s only), so /logout and /tokens are left out.
"$VENV/bin/schemathesis" run "$URL/openapi.json" \
  --url "$URL" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "$MAX_EXAMPLES" \
  --seed "$SEED" \
  --exclude-path-regex '/(logout|tokens)$' \
  --no-color
if grep -q "panicked" "$log"; then echo "schemathesis: the server panicked" >&2; exit 1; fi
echo "schemathesis: no 5xx and no schema violation in $MAX_EXAMPLES examples per operation"
