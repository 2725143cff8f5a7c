-- wrk script of `cargo run -p bench --bin checkin` (see bench/README.md): check-ins
-- (`POST /api/v1/checkins`) or `GET /healthz`, as the plan file named by SANDOQ_WRK_PLAN says.
--
-- The plan's first line: `sandoq-wrk-plan <mode> <secs> <threads> (<offset> <count>)…`, one
-- offset/count pair per wrk thread, the offset in bytes from the end of that line. Then, for
-- mode `checkin`, one line per request, `<token> <station> <national_id>`; each thread reads only
-- its own slice, one line per request sent, and a line is never sent twice.
--
-- Every thread stops sending when its `secs` are up (counted from its first request) or its slice
-- runs out, waits for the replies still due and then stops itself, so that no request is left
-- unanswered (the benchmark counts the 201s against the store). wrk's `-d` is set a little longer
-- than `secs`, as a backstop. `done` prints one line, `SANDOQ_WRK_RESULT {json}`.
--
-- This file runs in wrk's main Lua state (setup, done) and in each thread's (init, request,
-- response).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } sandoq_timespec;
int clock_gettime(int clk_id, sandoq_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("sandoq_timespec")

-- Seconds on the monotonic clock (the same for every thread of the process).
local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end

local function fail(message)
  io.stderr:write("sandoq wrk script: " .. message .. "\n")
  os.exit(2)
end

-- ---------------------------------------------------------------------------------------------
-- Main state: number the threads, and gather their results at the end.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- ---------------------------------------------------------------------------------------------
-- Thread state

local mode, secs = nil, 0
local plan = nil
local count, taken = 0, 0
-- wrk calls `request` once on the first thread before it runs, to check the request parses
-- (script_verify_request): that call sends nothing, so its line is kept for the first real one.
local dry_run = false
local peeked = nil
local deadline = nil
local stopping = false
local headers = { ["Content-Type"] = "application/json" }
local healthz = nil

-- What this thread did, read by `done` through `thread:get`: plain numbers and strings only, as
-- wrk 4.1's thread:get corrupts Lua's stack when copying a table.
r_sent, r_answered, r_unexpected, r_exhausted = 0, 0, 0, 0
r_started, r_last = -1, -1
r_200, r_201, r_409, r_other = 0, 0, 0, 0
-- Any other status, as `status=count,…`.
r_other_statuses = ""
local others = {}

function init(args)
  local path = os.getenv("SANDOQ_WRK_PLAN")
  if not path then
    fail("SANDOQ_WRK_PLAN is not set")
  end
  local file, err = io.open(path, "rb")
  if not file then
    fail("cannot open the plan: " .. tostring(err))
  end
  plan = file
  local fields = {}
  for field in (plan:read("*l") or ""):gmatch("%S+") do
    fields[#fields + 1] = field
  end
  if fields[1] ~= "sandoq-wrk-plan" then
    fail("not a plan: " .. path)
  end
  mode = fields[2]
  if mode ~= "checkin" and mode ~= "healthz" then
    fail("unknown mode " .. tostring(mode))
  end
  secs = tonumber(fields[3])
  local slices = tonumber(fields[4])
  if id >= slices then
    fail("wrk thread " .. id .. " but the plan has " .. slices .. " slices")
  end
  local base = plan:seek("cur")
  local offset = tonumber(fields[5 + 2 * id])
  count = tonumber(fields[6 + 2 * id])
  plan:seek("set", base + offset)
  dry_run = id == 0
  healthz = wrk.format("GET", "/healthz")
end

local function next_line()
  if peeked then
    local line = peeked
    peeked = nil
    return line
  end
  if taken >= count then
    return nil
  end
  taken = taken + 1
  local line = plan:read("*l")
  if not line then
    fail("the plan ends before slice " .. id .. " does")
  end
  return line
end

local function checkin(line)
  local token, station, national_id = line:match("^(%S+) (%S+) (%S+)$")
  if not token then
    fail("a plan line that is not `token station national_id`: " .. line)
  end
  headers["Authorization"] = "Bearer " .. token
  local body = '{"station":"' .. station .. '","national_id":"' .. national_id .. '"}'
  return wrk.format("POST", "/api/v1/checkins", headers, body)
end

-- Stops the thread once every request sent has been answered.
local function maybe_stop()
  if stopping and r_answered >= r_sent then
    wrk.thread:stop()
  end
end

-- An empty request: the connection sends nothing more and waits.
local function idle()
  stopping = true
  maybe_stop()
  return ""
end

function request()
  if dry_run then
    dry_run = false
    if mode == "checkin" then
      peeked = next_line()
      if peeked then
        return checkin(peeked)
      end
    end
    return healthz
  end
  local t = now()
  if not deadline then
    deadline = t + secs
    r_started = t
  end
  if stopping or t >= deadline then
    return idle()
  end
  local req = healthz
  if mode == "checkin" then
    local line = next_line()
    if not line then
      r_exhausted = 1
      return idle()
    end
    req = checkin(line)
  end
  r_sent = r_sent + 1
  return req
end

function response(status, headers, body)
  r_answered = r_answered + 1
  r_last = now()
  local ok = false
  if status == 201 then
    r_201 = r_201 + 1
    ok = mode == "checkin" and body:find('"ballot_token"', 1, true) ~= nil
  elseif status == 409 then
    r_409 = r_409 + 1
    ok = mode == "checkin" and body:find('"already_voted"', 1, true) ~= nil
  elseif status == 200 then
    r_200 = r_200 + 1
    ok = mode == "healthz"
  else
    r_other = r_other + 1
    others[status] = (others[status] or 0) + 1
    local parts = {}
    for code, n in pairs(others) do
      parts[#parts + 1] = code .. "=" .. n
    end
    r_other_statuses = table.concat(parts, ",")
  end
  if not ok then
    r_unexpected = r_unexpected + 1
    if r_unexpected <= 3 then
      io.stderr:write("sandoq wrk script: unexpected reply " .. status .. ": " .. body:sub(1, 300) .. "\n")
    end
  end
  maybe_stop()
end

-- ---------------------------------------------------------------------------------------------
-- Main state, at the end

function done(summary, latency, requests)
  local sent, answered, unexpected, exhausted = 0, 0, 0, 0
  local started, last = nil, nil
  local statuses = {}
  local function add(status, n)
    if n > 0 then
      statuses[status] = (statuses[status] or 0) + n
    end
  end
  for _, thread in ipairs(threads) do
    sent = sent + thread:get("r_sent")
    answered = answered + thread:get("r_answered")
    unexpected = unexpected + thread:get("r_unexpected")
    exhausted = exhausted + thread:get("r_exhausted")
    local first, final = thread:get("r_started"), thread:get("r_last")
    if first >= 0 and (not started or first < started) then
      started = first
    end
    if final >= 0 and (not last or final > last) then
      last = final
    end
    add(200, thread:get("r_200"))
    add(201, thread:get("r_201"))
    add(409, thread:get("r_409"))
    for code, n in thread:get("r_other_statuses"):gmatch("(%d+)=(%d+)") do
      add(tonumber(code), tonumber(n))
    end
  end
  local parts = {}
  for status, n in pairs(statuses) do
    parts[#parts + 1] = string.format('"%d":%d', status, n)
  end
  local span = (started and last and last > started) and (last - started) or 0
  local e = summary.errors
  io.write(string.format(
    'SANDOQ_WRK_RESULT {"threads":%d,"sent":%d,"answered":%d,"unexpected":%d,'
      .. '"threads_exhausted":%d,"secs":%.6f,"statuses":{%s},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},'
      .. '"summary":{"requests":%d,"duration_us":%d,"bytes":%d},'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    #threads, sent, answered, unexpected, exhausted, span, table.concat(parts, ","),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout
  ))
end
