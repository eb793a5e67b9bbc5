#!/usr/bin/env bash
# Soak test: a bounded mixed load (public reads, logins, authenticated reads and
# writes, logouts; scripts/soak.lua) with wrk against the real binary on a fresh
# PostgreSQL database, created here and dropped afterwards.
#
#   scripts/soak.sh                          # 60 s against the release binary
#   DURATION=5s MC_BIN=target/debug/mission-control scripts/soak.sh   # what CI runs
#
# Settings: DURATION (60s), WARMUP (10s), SOAK_THREADS (2), SOAK_CONNECTIONS (32),
# MC_BIN (target/release/mission-control, built if missing), TEST_DATABASE_URL
# (postgres://postgres@127.0.0.1:5432), SOAK_PORT (18011), SOAK_BCRYPT_COST (4),
# MAX_RSS_GROWTH_PERCENT (20).
#
# Prints total requests, 5xx responses, socket errors, the server's RSS after the
# warm-up and at the end, and their ratio. Exits non-zero on any 5xx, any socket
# error, RSS growth over MAX_RSS_GROWTH_PERCENT, or a server that died. Not a
# timed test: wrk runs as fast as the machine allows, and the rate is reported.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

DURATION="${DURATION:-60s}"
WARMUP="${WARMUP:-10s}"
THREADS="${SOAK_THREADS:-2}"
CONNECTIONS="${SOAK_CONNECTIONS:-32}"
PG="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${SOAK_PORT:-18011}"
MAX_GROWTH="${MAX_RSS_GROWTH_PERCENT:-20}"
BIN="${MC_BIN:-target/release/mission-control}"
URL="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "soak: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
if [[ ! -x "$BIN" ]]; then
  if [[ "$BIN" == target/release/mission-control ]]; then
    cargo build --release --locked --bin mission-control
  else
    echo "soak: $BIN does not exist" >&2
    exit 1
  fi
fi

mkdir -p target
db="mc_soak_$$_$(date +%s)"
log="target/soak-server.log"
psql "$PG/postgres" -qAtc "CREATE DATABASE $db" >/dev/null
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  psql "$PG/postgres" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

DATABASE_URL="$PG/$db" BIND_ADDR="127.0.0.1:$PORT" BCRYPT_COST="${SOAK_BCRYPT_COST:-4}" \
  LOGIN_MAX_ATTEMPTS=1000000 SHUTDOWN_GRACE_SECONDS=5 RUST_LOG=warn \
  "$BIN" serve --seed >"$log" 2>&1 &
server=$!
wait_healthy "$URL" 30 "$server" || { cat "$log"; echo "soak: the server did not start" >&2; exit 1; }

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
run_wrk() { # duration, output file
  SOAK_RUN="$db-$1" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" --timeout 10s -s scripts/soak.lua "$URL" >"$2" 2>&1 || {
    cat "$2"; echo "soak: wrk failed" >&2; exit 1; }
}
value() { sed -n "s/^SOAK $1=//p" "$2"; }

echo "soak: $BIN on PostgreSQL database $db, $THREADS threads x $CONNECTIONS connections"
echo "soak: warm-up $WARMUP"
run_wrk "$WARMUP" target/soak-warmup.txt
rss_warm=$(rss_kib)
echo "soak: load $DURATION"
run_wrk "$DURATION" target/soak.txt
kill -0 "$server" 2>/dev/null || { cat "$log"; echo "soak: the server died" >&2; exit 1; }
rss_end=$(rss_kib)

requests=$(value requests target/soak.txt)
seconds=$(value seconds target/soak.txt)
fivexx=$(value 5xx target/soak.txt)
fourxx=$(value 4xx target/soak.txt)
socket=$(value socket_errors target/soak.txt)
detail=$(value socket_detail target/soak.txt)
p99=$(value p99_ms target/soak.txt)
statuses=$(value statuses target/soak.txt)
warm_5xx=$(value 5xx target/soak-warmup.txt)
warm_socket=$(value socket_errors target/soak-warmup.txt)
ratio=$(awk -v a="$rss_end" -v b="$rss_warm" 'BEGIN { printf "%.3f", a / b }')
rate=$(awk -v r="$requests" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }')

cat <<REPORT
soak: total requests      $requests in ${seconds}s ($rate/s, p99 ${p99} ms)
soak: 5xx responses       $fivexx (warm-up: $warm_5xx)
soak: 4xx responses       $fourxx (by status: $statuses)
soak: socket errors       $socket ($detail; warm-up: $warm_socket)
soak: RSS after warm-up   $rss_warm KiB
soak: RSS at the end      $rss_end KiB
soak: RSS ratio           $ratio (limit 1 + $MAX_GROWTH %)
REPORT

failed=0
[[ "$fivexx" == 0 && "$warm_5xx" == 0 ]] || { echo "soak: FAILED: 5xx responses" >&2; failed=1; }
[[ "$socket" == 0 && "$warm_socket" == 0 ]] || { echo "soak: FAILED: socket errors" >&2; failed=1; }
awk -v r="$ratio" -v m="$MAX_GROWTH" 'BEGIN { exit !(r > 1 + m / 100) }' &&
  { echo "soak: FAILED: RSS grew more than $MAX_GROWTH %" >&2; failed=1; }
if grep -q "panicked" "$log"; then echo "soak: FAILED: the server panicked" >&2; failed=1; fi
exit "$failed"
