-- Mixed load for scripts/soak.sh (wrk): public reads, logins, authenticated
-- reads and writes, logouts. Each wrk thread keeps the tokens its logins got
-- and logs the oldest out again; planet names are unique per thread and request.
-- done() prints "SOAK key=value" lines that soak.sh reads.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  fivexx = 0
  other4xx = 0
  tokens = {}
  statuses = {}
  run = os.getenv("SOAK_RUN") or tostring(os.time())
  email = os.getenv("SOAK_EMAIL") or "test@example.com"
  password = os.getenv("SOAK_PASSWORD") or "password"
end

local json = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

local function authed(token)
  return {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
end

local function newest()
  return tokens[#tokens]
end

function request()
  counter = counter + 1
  local step = counter % 10
  if step == 5 or (#tokens == 0 and step >= 6) then
    return wrk.format("POST", "/api/login", json,
      '{"email":"' .. email .. '","password":"' .. password .. '","device_name":"soak"}')
  elseif step <= 2 then
    return wrk.format("GET", "/api/planets?page=" .. (counter % 3 + 1), json)
  elseif step == 3 then
    return wrk.format("GET", "/api/planets/" .. (counter % 8 + 1), json)
  elseif step == 4 then
    return wrk.format("GET", "/health", json)
  elseif step == 6 then
    return wrk.format("POST", "/api/planets", authed(newest()),
      '{"name":"Soak ' .. run .. '-' .. id .. '-' .. counter .. '","diameter_km":' .. (counter % 100000 + 1) .. '}')
  elseif step == 7 or step == 8 then
    return wrk.format("GET", "/api/user", authed(newest()))
  elseif #tokens > 2 then
    -- step 9: log the oldest token out; it leaves the pool first.
    local token = table.remove(tokens, 1)
    return wrk.format("POST", "/api/logout", authed(token))
  else
    return wrk.format("GET", "/api/planets?per_page=100", json)
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 500 then
    fivexx = fivexx + 1
  elseif status >= 400 then
    other4xx = other4xx + 1
  end
  if status == 200 and body then
    local token = string.match(body, '"token":"([^"]+)"')
    if token then
      table.insert(tokens, token)
      if #tokens > 20 then
        table.remove(tokens, 1)
      end
    end
  end
end

function done(summary, latency, requests)
  local fivexx_total, fourxx_total, by_status = 0, 0, {}
  for _, thread in ipairs(threads) do
    fivexx_total = fivexx_total + thread:get("fivexx")
    fourxx_total = fourxx_total + thread:get("other4xx")
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(by_status) do
    table.insert(parts, status .. ":" .. n)
  end
  table.sort(parts)
  io.write("SOAK statuses=" .. table.concat(parts, ",") .. "\n")
  local e = summary.errors
  io.write(string.format("SOAK requests=%d\n", summary.requests))
  io.write(string.format("SOAK seconds=%.1f\n", summary.duration / 1e6))
  io.write(string.format("SOAK 5xx=%d\n", fivexx_total))
  io.write(string.format("SOAK 4xx=%d\n", fourxx_total))
  io.write(string.format("SOAK socket_errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("SOAK socket_detail=connect:%d,read:%d,write:%d,timeout:%d\n",
    e.connect, e.read, e.write, e.timeout))
  io.write(string.format("SOAK p99_ms=%.1f\n", latency:percentile(99) / 1000))
end
