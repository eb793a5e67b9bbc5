#!/usr/bin/env bash
# Validates the OpenAPI document the server serves at /openapi.json with
# openapi-spec-validator (as OpenAPI 3.1), installed into a venv under target/.
#
#   scripts/openapi-validate.sh                 # starts target/debug/mission-control itself
#   OPENAPI_URL=http://127.0.0.1:8001/openapi.json scripts/openapi-validate.sh
#   scripts/openapi-validate.sh path/to/openapi.json
#
# Without an argument or OPENAPI_URL it brings the binary up to date (cargo build --bin
# mission-control; MC_BIN skips that), serves it on a temporary SQLite database and fetches the
# document, so what is validated is exactly what clients get. The fetched document is kept in target/openapi.json.
# Environment: OPENAPI_URL, MC_BIN (target/debug/mission-control), OPENAPI_PORT (18002),
# OPENAPI_SPEC_VALIDATOR_VERSION (0.9.0).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

VENV=target/openapi-venv
VERSION="${OPENAPI_SPEC_VALIDATOR_VERSION:-0.9.0}"
BIN="${MC_BIN:-target/debug/mission-control}"
PORT="${OPENAPI_PORT:-18002}"
SPEC=target/openapi.json

log() { printf 'openapi-validate: %s\n' "$*" >&2; }
die() { printf 'openapi-validate: error: %s\n' "$*" >&2; exit 1; }

mkdir -p target

# --- the validator, in a venv of its own ---------------------------------------
installed() { "$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('openapi-spec-validator'))" 2>/dev/null || true; }
if [[ "$(installed)" != "$VERSION" ]]; then
  log "installing openapi-spec-validator==$VERSION into $VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==$VERSION"
fi

# --- the document ----------------------------------------------------------------
if [[ $# -ge 1 ]]; then
  SPEC="$1"
  [[ -f "$SPEC" ]] || die "no such file: $SPEC"
elif [[ -n "${OPENAPI_URL:-}" ]]; then
  log "fetching $OPENAPI_URL"
  curl -fsS --max-time 10 "$OPENAPI_URL" -o "$SPEC"
else
  if [[ -z "${MC_BIN:-}" ]]; then
    # Up to date with the sources (a no-op after cargo test or cargo build).
    cargo build --quiet --locked --bin mission-control
  fi
  [[ -x "$BIN" ]] || die "no binary at $BIN"
  work="$(mktemp -d)"
  DATABASE_URL="sqlite://$work/openapi.db" BIND_ADDR="127.0.0.1:$PORT" RUST_LOG=warn \
    "$BIN" serve >"$work/server.log" 2>&1 &
  server=$!
  cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
  trap cleanup EXIT
  wait_healthy "http://127.0.0.1:$PORT" 10 "$server" || true # the fetch below reports it
  curl -fsS --max-time 10 "http://127.0.0.1:$PORT/openapi.json" -o "$SPEC" ||
    { cat "$work/server.log" >&2; die "could not fetch /openapi.json from $BIN"; }
fi

# --- validate --------------------------------------------------------------------
"$VENV/bin/python" - "$SPEC" <<'PY'
import json
import sys

from openapi_spec_validator import OpenAPIV31SpecValidator, validate

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    spec = json.load(f)
if spec.get("openapi") != "3.1.0":
    sys.exit(f"openapi-validate: {path}: openapi is {spec.get('openapi')!r}, not '3.1.0'")
try:
    validate(spec, cls=OpenAPIV31SpecValidator)
except Exception as e:  # the validator's errors can quote the whole document
    sys.exit(f"openapi-validate: {path} is NOT a valid OpenAPI 3.1 document: "
             f"{type(e).__name__}: {str(e)[:600]}")
operations = sum(
    1
    for item in spec["paths"].values()
    for method in item
    if method in {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
)
print(f"openapi-validate: {path} is a valid OpenAPI 3.1.0 document "
      f"({len(spec['paths'])} paths, {operations} operations)")
PY
