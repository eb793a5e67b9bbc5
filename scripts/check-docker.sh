#!/usr/bin/env bash
# Checks the Docker files without a Docker engine (none runs on the dev/CI machines):
#   - docker-compose.yml parses (`docker compose config -q`, or the `docker-compose` of Debian's
#     package, installed with apt-get when missing and running as root; skipped otherwise);
#   - the Dockerfile has the structure we rely on (hadolint is not available, so: greps);
#   - .dockerignore keeps local state out of the build context.
# Prints one line per check and "check-docker: N passed, N failed[, N skipped]"; exits 1 on a failure.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

passed=0
failed=0
skipped=0
ok() { passed=$((passed + 1)); printf 'ok   - %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL - %s\n' "$1"; }
skip() { skipped=$((skipped + 1)); printf 'skip - %s\n' "$1"; }
check() { # check "description" command...
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}

# ---------------------------------------------------------------- Dockerfile

if [[ ! -f Dockerfile ]]; then
  fail "Dockerfile exists"
  df=""
else
  ok "Dockerfile exists"
  # Instructions one per line: comments dropped, continuation lines joined, blanks squeezed.
  df=$(sed -e '/^[[:space:]]*#/d' Dockerfile | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | tr -s ' \t' '  ')
fi
has() { grep -Eiq -- "$1" <<<"$df"; }

from_count=$(grep -Eic '^ *FROM ' <<<"$df" || true)
if ((from_count >= 2)); then ok "multi-stage build ($from_count FROM lines)"; else fail "multi-stage build (found $from_count FROM line(s))"; fi
check "builder stage: FROM rust:1-bookworm AS builder" has '^ *FROM rust:1-bookworm +AS +builder *$'
check "builder runs cargo build --release --locked" has '^ *RUN .*cargo build --release --locked'
last_from=$(grep -Ei '^ *FROM ' <<<"$df" | tail -n 1)
if grep -Eiq '^ *FROM debian:bookworm-slim( |$)' <<<"$last_from"; then
  ok "runtime stage is debian:bookworm-slim"
else
  fail "runtime stage is debian:bookworm-slim (last FROM: ${last_from:-none})"
fi
# Everything after the last FROM is the runtime stage.
runtime=$(awk 'BEGIN{IGNORECASE=1} /^ *FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' <<<"$df")
rt() { grep -Eiq -- "$1" <<<"$runtime"; }
runtime_installs() { rt 'apt-get install.*ca-certificates' && rt 'apt-get install.*curl'; }
check "runtime installs ca-certificates and curl" runtime_installs
check "runtime copies the binary from the builder (COPY --from=builder)" rt '^ *COPY --from=builder .*mission-control'
check "runtime creates user mc with uid 10001" rt 'useradd .*(--uid|-u) 10001 .*mc'
last_user=$(grep -Ei '^ *USER ' <<<"$runtime" | tail -n 1 | awk '{print $2}')
if [[ -n "$last_user" && ! "$last_user" =~ ^(root|0)(:.*)?$ ]]; then
  ok "runs as a non-root USER ($last_user)"
else
  fail "runs as a non-root USER (last USER in the runtime stage: ${last_user:-none})"
fi
check "WORKDIR /app" rt '^ *WORKDIR /app/? *$'
check "EXPOSE 8001" rt '^ *EXPOSE 8001( |/tcp|$)'
check "ENV BIND_ADDR=0.0.0.0:8001" rt '^ *ENV .*BIND_ADDR=0\.0\.0\.0:8001'
check "HEALTHCHECK curl -fsS http://127.0.0.1:8001/health" rt '^ *HEALTHCHECK .*CMD .*curl -fsS http://127\.0\.0\.1:8001/health'
check 'ENTRYPOINT ["mission-control"]' rt '^ *ENTRYPOINT \[ *"mission-control" *\] *$'
check 'CMD ["serve", "--seed"]' rt '^ *CMD \[ *"serve" *, *"--seed" *\] *$'
if rt '^ *ADD +https?://'; then fail "no ADD of remote URLs"; else ok "no ADD of remote URLs"; fi

# ---------------------------------------------------------------- .dockerignore

if [[ -f .dockerignore ]]; then
  for pattern in target .git node_modules '*.db'; do
    check ".dockerignore lists $pattern" grep -Fxq -- "$pattern" .dockerignore
  done
else
  fail ".dockerignore exists"
fi

# ---------------------------------------------------------------- what the build needs from the repo

if [[ -f Cargo.toml ]]; then
  check "Cargo.lock exists (cargo build --locked needs it)" test -f Cargo.lock
  check 'Cargo.toml builds a binary named mission-control' grep -Eq '^ *name *= *"mission-control"' Cargo.toml
else
  skip "Cargo.toml not there yet: Cargo.lock and binary name not checked"
fi
for f in web/index.html web/app.js web/app.css; do
  check "$f exists (embedded in the binary)" test -f "$f"
done

# ---------------------------------------------------------------- docker-compose.yml

compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "# installing Debian's docker-compose" >&2
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
  fi
fi

if [[ ! -f docker-compose.yml ]]; then
  fail "docker-compose.yml exists"
else
  if ((${#compose[@]} == 0)); then
    skip "docker-compose config -q (no docker compose / docker-compose; install Debian's docker-compose as root)"
  else
    if out=$("${compose[@]}" -f docker-compose.yml config -q 2>&1); then
      ok "${compose[*]} config -q"
    else
      fail "${compose[*]} config -q: $out"
    fi
  fi
  # Structure, on the file itself (works without compose too).
  yml=$(sed -e 's/#.*$//' docker-compose.yml)
  y() { grep -Eq -- "$1" <<<"$yml"; }
  check "compose: db uses postgres:16" y '^ +image: *"?postgres:16"?'
  postgres_env() {
    local k
    for k in USER PASSWORD DB; do y "POSTGRES_$k(:|=) *\"?mission_control\"?" || return 1; done
  }
  check "compose: POSTGRES_USER/PASSWORD/DB are mission_control" postgres_env
  check "compose: db healthcheck pg_isready -U mission_control" y 'pg_isready -U mission_control'
  pgdata_volume() { y '^volumes:' && y '^  pgdata:' && y 'pgdata:/var/lib/postgresql/data'; }
  check "compose: named volume pgdata" pgdata_volume
  check "compose: app waits for db (condition: service_healthy)" y 'condition: *service_healthy'
  check "compose: app DATABASE_URL points at db" y 'DATABASE_URL(:|=) *"?postgres://mission_control:mission_control@db:5432/mission_control'
  check 'compose: app publishes "8001:8001"' y '"?8001:8001"?'
  check 'compose: app command ["serve", "--seed"]' y 'command: *\[ *"serve" *, *"--seed" *\]'
fi

# ---------------------------------------------------------------- summary

summary="check-docker: $passed passed, $failed failed"
((skipped > 0)) && summary+=", $skipped skipped"
echo "$summary"
((failed == 0))
