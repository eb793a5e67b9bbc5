#!/usr/bin/env bash
# The "Performance" benchmark: builds the release binary, runs it on PostgreSQL
# (a fresh database, dropped afterwards) and on SQLite (a temp file), drives it
# with wrk the way the peers' harness does (wrk -t2 -c64 --timeout 10s, 2 s warm-up,
# then DURATION, every status outside 2xx counted), and
# prints ONE table plus each target of the issue with PASS/FAIL. The wrk script is
# ours (scripts/bench.lua); ../shared/peers is needed only with PEERS=1.
#
#   scripts/bench.sh                      # ours on both backends, ~3 min
#   PEERS=1 scripts/bench.sh              # plus the FastAPI and knox peers (same run)
#   DURATION=1s SETTLE=0 scripts/bench.sh # CI smoke run: proves it works, asserts no speed
#
# Workloads, per backend, in this order (W3 last: it grows the planets table):
#   H    GET /health?database=skip      the ceiling: a trivial endpoint, no DB
#   W1   GET /api/v1/planets            public list (count + one page)
#   W2   GET /api/v1/user               Bearer token (cached verification)
#   W4   POST /api/v1/login             bcrypt-bound
#   W1+  W1 while a second wrk saturates W4 (login must not starve reads)
#   W3   POST /api/v1/planets           Bearer, unique names
# Peak RSS is the server's VmHWM, reset (/proc/PID/clear_refs) before each workload.
# The bcrypt bound is nproc / (one verify at BCRYPT_COST, timed by
# examples/bcrypt_time.rs on one thread).
#
# Env (defaults): DURATION=10s WARMUP=2s THREADS=2 CONNS=64 TIMEOUT=10s BCRYPT_COST=10
#   BACKENDS="postgres sqlite"  PEERS=0 (1: also the two Python peers, through their own
#   pg.sh/fastapi.sh/knox.sh; needs PEERS_VENV, default /tmp/peers-venv)
#   SETTLE=1 (wait up to 30 s for an idle CPU before each wrk run; 0 in CI)
#   PROFILE=release (debug: reuse target/debug, for a quick smoke run)
#   MC_BIN=path (benchmark this binary instead, e.g. an older commit's for before/after)
#   PG_SSLMODE=disable (loopback: no TLS between the service and PostgreSQL, like the
#   peers' cluster, which runs without SSL)
#   PG_URL (default $TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432)
#   PORT=18181  RESULTS_DIR (raw wrk output; default a new /tmp/mc-bench.* folder)
#   STRICT=0 (1: exit 1 when a target FAILs)
#   The server sees the usual settings (WORKERS, BCRYPT_THREADS, DB_POOL_SIZE,
#   TOKEN_CACHE_TTL_SECONDS, ...) from the environment; RUST_LOG defaults to warn.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh
ROOT=$PWD

PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/peers}
LUA=$ROOT/scripts/bench.lua
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
TIMEOUT=${TIMEOUT:-10s}
export BCRYPT_COST=${BCRYPT_COST:-10}
BACKENDS=${BACKENDS:-postgres sqlite}
PEERS=${PEERS:-0}
SETTLE=${SETTLE:-1}
PROFILE=${PROFILE:-release}
PG_URL=${PG_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}}
PORT=${PORT:-18181}
STRICT=${STRICT:-0}
OUT=${RESULTS_DIR:-$(mktemp -d /tmp/mc-bench.XXXXXX)}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export BENCH_COUNT_NON2XX=1
export RUST_LOG=${RUST_LOG:-warn}
mkdir -p "$OUT/raw"
RESULTS=$OUT/results.tsv
: >"$RESULTS"

die() { echo "bench.sh: $*" >&2; exit 1; }
note() { echo "bench.sh: $*" >&2; }
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y wrk curl python3)"
done
if [ "$PEERS" = 1 ] && [ ! -x "$PEERS_DIR/bench.sh" ]; then
  die "PEERS=1 needs the peer implementations at $PEERS_DIR (set PEERS_DIR)"
fi

# --- build, and the bcrypt bound --------------------------------------------
if [ "$PROFILE" = release ]; then
  note "building the release binary"
  cargo build --release --locked --bin mission-control --example bcrypt_time >&2
else
  cargo build --locked --bin mission-control --example bcrypt_time >&2
fi
BIN=${MC_BIN:-$TARGET_DIR/$PROFILE/mission-control}
BCRYPT_TIME=$TARGET_DIR/$PROFILE/examples/bcrypt_time
[ -x "$BIN" ] || die "no binary at $BIN"
CORES=$(nproc)
BCRYPT_MS=$("$BCRYPT_TIME" "$BCRYPT_COST" 9 | sed -n 's/^bcrypt_verify_ms=\([0-9.]*\).*/\1/p')
[ -n "$BCRYPT_MS" ] || die "could not time bcrypt"
note "one bcrypt verify at cost $BCRYPT_COST: $BCRYPT_MS ms on one thread; $CORES cores"

# --- cleanup ------------------------------------------------------------------
SERVER_PID=""
PG_DB=""
SQLITE_DIR=""
PEERS_PG_STARTED=0
cleanup() {
  set +e
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  if [ -n "$PG_DB" ]; then
    psql "$PG_URL/postgres" -XqAt -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
  fi
  [ -n "$SQLITE_DIR" ] && rm -rf "$SQLITE_DIR"
  if [ "$PEERS" = 1 ]; then
    "$PEERS_DIR/fastapi.sh" stop >/dev/null 2>&1
    "$PEERS_DIR/knox.sh" stop >/dev/null 2>&1
    [ "$PEERS_PG_STARTED" = 1 ] && "$PEERS_DIR/pg.sh" stop >/dev/null 2>&1
  fi
}
trap cleanup EXIT

# --- one wrk run ----------------------------------------------------------------
cpu_busy_pct() { # CPU busy % over one second, from /proc/stat
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
  python3 -c 'import sys; b0,i0,b1,i1=map(int,sys.argv[1:]); t=(b1-b0)+(i1-i0); print(int(100*(b1-b0)/t) if t else 0)' $a $b
}

settle() { # wait up to 30 s until the CPU is below 15 % busy (other jobs share the machine)
  [ "$SETTLE" = 1 ] || return 0
  local _i
  for _i in $(seq 1 30); do
    [ "$(cpu_busy_pct)" -lt 15 ] && return 0
  done
  note "CPU not idle before a run (see uptime)"
}

# wrk_once NAME DURATION URL -> prints the BENCHRESULT line (env BENCH_* set by the caller)
wrk_once() {
  local out
  export BENCH_RUN_ID="$(date +%s%N)-$$" # unique W3 planet names per run
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$2" --timeout "$TIMEOUT" -s "$LUA" "$3" 2>&1) ||
    die "wrk failed for $1: $out"
  printf '%s\n' "$out" >"$OUT/raw/$1.txt"
  printf '%s\n' "$out" | grep '^BENCHRESULT' || die "no result from wrk for $1: $out"
}

# workload_env MODE TOKEN LOGIN_BODY LOGIN_CT
workload_env() {
  unset BENCH_TOKEN BENCH_BODY BENCH_CT
  export BENCH_MODE=$1
  [ -n "$2" ] && export BENCH_TOKEN=$2
  if [ "$1" = login ]; then export BENCH_BODY=$3 BENCH_CT=$4; fi
  return 0
}

hwm_reset() { [ -n "${1:-}" ] && echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }
hwm_kb() { if [ -n "${1:-}" ]; then awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; else echo 0; fi; }

# record SERVER BACKEND WORKLOAD RSS_KB BENCHRESULT...
record() {
  python3 - "$@" >>"$RESULTS" <<'PY'
import sys
server, backend, workload, rss = sys.argv[1:5]
kv = dict(p.split("=", 1) for p in " ".join(sys.argv[5:]).split() if "=" in p)
n = {k: int(v) for k, v in kv.items() if k != "BENCHRESULT"}
rps = n["requests"] / (n["duration_us"] / 1e6)
sock = n["connect"] + n["read"] + n["write"] + n["timeout"]
print("\t".join(map(str, [server, backend, workload, f"{rps:.1f}", n["p50_us"] / 1000,
                          n["p99_us"] / 1000, n["non2xx"], sock, rss])))
PY
}

# run_workload SERVER BACKEND W URL MODE TOKEN LOGIN_BODY LOGIN_CT PID
run_workload() {
  local server=$1 backend=$2 w=$3 url=$4 pid=${9:-} res
  workload_env "$5" "$6" "$7" "$8"
  settle
  wrk_once "$server-$backend-$w-warmup" "$WARMUP" "$url" >/dev/null
  if [ "$5" = login ]; then
    # Logins queue (FIFO) behind bcrypt: one more login returns once the warm-up's
    # backlog is gone, so it does not eat into the measured run.
    curl -sS -o /dev/null -m 60 -X POST "$url" -H "Content-Type: $8" --data-binary "$7" || true
  fi
  settle
  hwm_reset "$pid"
  res=$(wrk_once "$server-$backend-$w" "$DURATION" "$url")
  record "$server" "$backend" "$w" "$(hwm_kb "$pid")" $res
  note "$server $backend $w: $res"
}

secs() { # "10s" / "1m" / "500ms" -> whole seconds, at least 1
  python3 -c 'import re,sys; m=re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", sys.argv[1]); v=float(m[1]); u=m[2] or "s"; print(max(1, round(v*{"ms":0.001,"s":1,"m":60,"h":3600}[u])))' "$1"
}

# w1_during_w4 SERVER BACKEND BASE LOGIN_BODY LOGIN_CT PID: W1 measured while another wrk
# keeps the login endpoint saturated (it starts WARMUP earlier and ends after W1).
w1_during_w4() {
  local server=$1 backend=$2 base=$3 body=$4 ct=$5 pid=${6:-} w4pid res
  local total=$(( $(secs "$DURATION") + 2 * $(secs "$WARMUP") + 2 ))
  settle
  (
    workload_env login "" "$body" "$ct"
    wrk -t1 -c"$CONNS" -d"${total}s" --timeout "$TIMEOUT" -s "$LUA" "$base/login" \
      >"$OUT/raw/$server-$backend-W4-background.txt" 2>&1
  ) &
  w4pid=$!
  sleep "$(secs "$WARMUP")"
  workload_env get "" "" ""
  wrk_once "$server-$backend-W1-during-W4-warmup" "$WARMUP" "$base/planets" >/dev/null
  hwm_reset "$pid"
  res=$(wrk_once "$server-$backend-W1-during-W4" "$DURATION" "$base/planets")
  record "$server" "$backend" "W1 during W4" "$(hwm_kb "$pid")" $res
  note "$server $backend W1 during W4: $res"
  wait "$w4pid" || die "the background W4 wrk failed"
  res=$(grep '^BENCHRESULT' "$OUT/raw/$server-$backend-W4-background.txt") ||
    die "no result from the background W4 wrk"
  record "$server" "$backend" "W4 under W1" "$(hwm_kb "$pid")" $res
}

# token BASE STYLE(json|form) FIELD
login_token() {
  local base=$1 style=$2 field=$3 out
  if [ "$style" = form ]; then
    out=$(curl -fsS -m 30 -X POST "$base/login" -H 'Accept: application/json' \
      --data-urlencode 'username=test@example.com' --data-urlencode 'password=password')
  else
    out=$(curl -fsS -m 30 -X POST "$base/login" -H 'Accept: application/json' \
      -H 'Content-Type: application/json' --data '{"email":"test@example.com","password":"password"}')
  fi
  FIELD=$field python3 -c 'import json,os,sys; print(json.load(sys.stdin)[os.environ["FIELD"]])' <<<"$out"
}

JSON_LOGIN='{"email":"test@example.com","password":"password"}'

# --- ours ---------------------------------------------------------------------
bench_ours() {
  local backend=$1 url base token
  case $backend in
    postgres)
      if ! psql "$PG_URL/postgres" -XqAt -c 'select 1' >/dev/null 2>&1; then
        note "SKIPPED postgres: no PostgreSQL at $PG_URL"
        return 0
      fi
      PG_DB="mc_bench_$$_$(date +%s)"
      psql "$PG_URL/postgres" -XqAt -c "CREATE DATABASE $PG_DB" >/dev/null
      url="$PG_URL/$PG_DB?sslmode=${PG_SSLMODE:-disable}" ;;
    sqlite)
      SQLITE_DIR=$(mktemp -d /tmp/mc-bench-sqlite.XXXXXX)
      url=sqlite://$SQLITE_DIR/bench.db ;;
    *) die "unknown backend $backend" ;;
  esac
  DATABASE_URL=$url BIND_ADDR=127.0.0.1:$PORT LOGIN_MAX_ATTEMPTS=1000000 \
    "$BIN" serve --seed >"$OUT/server-$backend.log" 2>&1 &
  SERVER_PID=$!
  wait_healthy "http://127.0.0.1:$PORT" 30 "$SERVER_PID" ||
    die "the server did not come up on $backend; see $OUT/server-$backend.log"
  base=http://127.0.0.1:$PORT/api/v1
  token=$(login_token "$base" json token) || die "login failed on $backend"

  run_workload ours "$backend" H "http://127.0.0.1:$PORT/health?database=skip" get "" "" "" "$SERVER_PID"
  run_workload ours "$backend" W1 "$base/planets" get "" "" "" "$SERVER_PID"
  run_workload ours "$backend" W2 "$base/user" get "$token" "" "" "$SERVER_PID"
  run_workload ours "$backend" W4 "$base/login" login "" "$JSON_LOGIN" application/json "$SERVER_PID"
  w1_during_w4 ours "$backend" "$base" "$JSON_LOGIN" application/json "$SERVER_PID"
  run_workload ours "$backend" W3 "$base/planets" post_planet "$token" "" "" "$SERVER_PID"

  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  if grep -qi 'database is locked' "$OUT/server-$backend.log"; then
    note "'database is locked' in $OUT/server-$backend.log"
    echo "locked	$backend" >>"$OUT/locked.tsv"
  fi
  if [ -n "$PG_DB" ]; then
    psql "$PG_URL/postgres" -XqAt -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
    PG_DB=""
  fi
  [ -n "$SQLITE_DIR" ] && rm -rf "$SQLITE_DIR"
  SQLITE_DIR=""
}

# --- the peers (their own scripts), one at a time -------------------------------
bench_peer() { # NAME PORT STYLE FIELD
  local name=$1 port=$2 style=$3 field=$4 base token body ct
  base=http://127.0.0.1:$port/api/v1
  "$PEERS_DIR/$name.sh" seed >&2
  "$PEERS_DIR/$name.sh" start >&2
  token=$(login_token "$base" "$style" "$field") || die "login failed on $name"
  if [ "$style" = form ]; then
    body='username=test%40example.com&password=password' ct=application/x-www-form-urlencoded
  else
    body=$JSON_LOGIN ct=application/json
  fi
  run_workload "$name" postgres W1 "$base/planets" get "" "" ""
  run_workload "$name" postgres W2 "$base/user" get "$token" "" ""
  run_workload "$name" postgres W3 "$base/planets" post_planet "$token" "" ""
  run_workload "$name" postgres W4 "$base/login" login "" "$body" "$ct"
  "$PEERS_DIR/$name.sh" stop >&2
}

for b in $BACKENDS; do bench_ours "$b"; done

if [ "$PEERS" = 1 ]; then
  if [ -z "${PEERS_VENV:-}" ] && [ ! -x "$PEERS_DIR/.venv/bin/python" ]; then
    export PEERS_VENV=/tmp/peers-venv
  fi
  export PEERS_RUN=${PEERS_RUN:-/tmp/peers-run}
  "$PEERS_DIR/pg.sh" status >/dev/null 2>&1 || PEERS_PG_STARTED=1
  "$PEERS_DIR/pg.sh" start >&2
  bench_peer fastapi 8101 form access_token
  bench_peer knox 8102 json token
fi

# --- the table and the targets --------------------------------------------------
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
TIMEOUT=$TIMEOUT python3 - "$RESULTS" "$CORES" "$BCRYPT_MS" "$BCRYPT_COST" "$DURATION" "$CPU_MODEL" "$OUT" "$STRICT" <<'PY'
import os, sys, datetime
path, cores, bcrypt_ms, cost, duration, cpu, out, strict = sys.argv[1:9]
cores, bcrypt_ms = int(cores), float(bcrypt_ms)
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
R = {}
print(f"\nmission-control benchmark, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
      f"nproc {cores}, {cpu}; wrk -t2 -c64, {duration} after a warm-up; BCRYPT_COST={cost}\n")
print("| server | backend | workload | req/s | p50 | p99 | non-2xx | socket errors | peak RSS |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
for server, backend, w, rps, p50, p99, non2xx, sock, rss in rows:
    R[(server, backend, w)] = dict(rps=float(rps), p50=float(p50), p99=float(p99),
                                   err=int(non2xx) + int(sock), non2xx=int(non2xx), sock=int(sock),
                                   rss=int(rss))
    rss_txt = f"{int(rss) / 1024:.1f} MiB" if int(rss) else "n/a"
    print(f"| {server} | {backend} | {w} | {float(rps):,.1f} | {float(p50):.2f} ms | "
          f"{float(p99):.2f} ms | {non2xx} | {sock} | {rss_txt} |")
bound = cores / (bcrypt_ms / 1000)
print(f"\nbcrypt bound: {cores} cores / {bcrypt_ms:.1f} ms per verify (cost {cost}) = {bound:.1f} logins/s\n")

results = []
def check(name, value, ok, shown):
    results.append(ok)
    verdict = "n/a " if ok is None else ("PASS" if ok else "FAIL")
    print(f"{verdict}  {name}: {shown}")

def get(server, backend, w):
    return R.get((server, backend, w))

def ratio(name, a, b, target, higher=True, fmt="{:.2f}"):
    if a is None or b is None:
        check(name, None, None, "not measured")
        return
    r = a / b if b else float("inf")
    ok = r >= target if higher else r <= target
    check(name, r, ok, f"{fmt.format(r)} (target {'>=' if higher else '<='} {fmt.format(target)})")

def v(server, backend, w, key):
    row = get(server, backend, w)
    return None if row is None else row[key]

pg, sq = "postgres", "sqlite"
print("Targets (PostgreSQL):")
ratio("W2 / ceiling (H)", v("ours", pg, "W2", "rps"), v("ours", pg, "H", "rps"), 0.5)
ratio("W2 / FastAPI W2", v("ours", pg, "W2", "rps"), v("fastapi", pg, "W2", "rps"), 50, fmt="{:.1f}")
ratio("W1 / FastAPI W1", v("ours", pg, "W1", "rps"), v("fastapi", pg, "W1", "rps"), 20, fmt="{:.1f}")
ratio("W3 / FastAPI W3", v("ours", pg, "W3", "rps"), v("fastapi", pg, "W3", "rps"), 10, fmt="{:.1f}")
ratio("W4 / bcrypt bound", v("ours", pg, "W4", "rps"), bound, 0.9)
ratio("W1 p99 during W4 / W1 idle p99", v("ours", pg, "W1 during W4", "p99"), v("ours", pg, "W1", "p99"), 5, higher=False)
rss = v("ours", pg, "W2", "rss")
check("peak RSS under W2", rss, None if rss is None else rss < 64 * 1024,
      "not measured" if rss is None else f"{rss / 1024:.1f} MiB (target < 64 MiB)")
# The background login flood of "W1 during W4" is overload by design (64 clients
# against ~cores/bcrypt logins/s, with reads taking precedence): its logins may
# outlast wrk's 10 s timeout. It is reported below, not counted as an error.
MEASURED = ("H", "W1", "W2", "W3", "W4", "W1 during W4")
def errors(backend):
    if not get("ours", backend, "H"):
        return None
    return sum(r["err"] for (s, b, w), r in R.items() if s == "ours" and b == backend and w in MEASURED)
pg_err = errors(pg)
check("errors (non-2xx + socket; H, W1-W4, W1 during W4)", pg_err, None if pg_err is None else pg_err == 0,
      "not measured" if pg_err is None else f"{pg_err} (target 0)")
print("Targets (SQLite):")
locked = os.path.exists(os.path.join(out, "locked.tsv"))
sq_err = errors(sq)
check("errors (non-2xx + socket, 'database is locked')", sq_err,
      None if sq_err is None else (sq_err == 0 and not locked),
      "not measured" if sq_err is None else f"{sq_err}{', database is locked logged' if locked else ''} (target 0)")
ratio("W2 / ceiling (H)", v("ours", sq, "W2", "rps"), v("ours", sq, "H", "rps"), 0.25)
for b in (pg, sq):
    row = get("ours", b, "W4 under W1")
    if row:
        print(f"info  {b}: the background login flood during W1: {row['rps']:.1f} logins/s, "
              f"p99 {row['p99']:.0f} ms, {row['sock']} client timeouts (wrk --timeout {os.environ.get('TIMEOUT', '10s')})")
failed = sum(1 for r in results if r is False)
print(f"\n{sum(1 for r in results if r)} PASS, {failed} FAIL, {sum(1 for r in results if r is None)} not measured; raw wrk output in {out}/raw")
sys.exit(1 if strict == "1" and failed else 0)
PY
