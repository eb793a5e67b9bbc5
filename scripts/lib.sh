# Sourced by the scripts that start a server or wait for one.

# wait_healthy BASE_URL SECONDS [PID]: returns 0 as soon as BASE_URL/health answers
# 200, and 1 after SECONDS, or at once when PID (the server being started) has exited.
wait_healthy() {
  local url=$1 deadline=$((SECONDS + $2)) pid=${3:-}
  until curl -fsS -o /dev/null --max-time 2 "$url/health" 2>/dev/null; do
    if ((SECONDS >= deadline)); then return 1; fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
}
