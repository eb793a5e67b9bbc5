-- One workload for scripts/bench.sh (wrk -s). Environment:
--   BENCH_MODE    get (default) | post_planet | login
--   BENCH_TOKEN   Bearer token sent with every request (optional)
--   BENCH_BODY, BENCH_CT   the login body and its Content-Type (mode login)
--   BENCH_RUN_ID  mixed into created planet names, so every run's names are new
-- done() prints one line that bench.sh parses:
--   BENCHRESULT requests=N duration_us=N p50_us=N p99_us=N non2xx=N connect=N read=N write=N timeout=N
-- Statuses outside 2xx are counted per thread in response(); wrk's own
-- errors.status counts only >= 400, so a 3xx would slip through there.

local threads = {}

function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

local mode = os.getenv("BENCH_MODE") or "get"
local token = os.getenv("BENCH_TOKEN") or ""
local run_id = os.getenv("BENCH_RUN_ID") or tostring(os.time())

function init(args)
  non2xx = 0
  sent = 0
  wrk.headers["Accept"] = "application/json"
  if token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if mode == "login" then
    wrk.method = "POST"
    wrk.body = os.getenv("BENCH_BODY")
    wrk.headers["Content-Type"] = os.getenv("BENCH_CT") or "application/json"
  elseif mode == "post_planet" then
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  if mode == "post_planet" then
    sent = sent + 1
    -- Unique per run, thread and request: the name is case-insensitively unique.
    local body = string.format('{"name":"Bench %s-%d-%d","diameter_km":%d}',
      run_id, thread_no, sent, sent % 100000 + 1)
    return wrk.format("POST", nil, nil, body)
  end
  return wrk.format()
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local total_non2xx = 0
  for _, thread in ipairs(threads) do
    total_non2xx = total_non2xx + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "BENCHRESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    total_non2xx, e.connect, e.read, e.write, e.timeout))
end
