-- verify.lua: wrk script for scripts/bench-http.sh. It sends correct-PIN verifications, spread
-- round-robin over the accounts (and tokens) of a targets file, each with its own Idempotency-Key
-- as pindesk's client sends, and prints one machine-readable line at the end.
--
--   wrk -t2 -c64 -d10s --latency -s verify.lua http://127.0.0.1:PORT -- TARGETS RUN_ID THREADS
--
-- TARGETS has one verification per line: PATH <tab> TOKEN <tab> BODY. bench-http.sh writes it from
-- its VERIFY_PATH and VERIFY_BODY templates, so the API's shape (route, body) is written in one
-- place only, at the top of bench-http.sh; this script knows nothing of it. RUN_ID makes the
-- idempotency keys of one run unique against every other run on the same database; THREADS is
-- wrk's -t, so the threads can start evenly spaced through the targets.
--
-- Every request is formatted once in init() (as two halves around the idempotency key), so wrk
-- spends per request only a string concatenation: on a shared 2-core machine the load generator's
-- CPU is taken from the server under test.

local next_id = 0

-- setup runs in the main state once per thread: number the threads so that each starts at a
-- different place in the targets and they do not verify the same holders in step.
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

local heads, tails = {}, {}
local n, i, seq = 0, 0, 0
local key_prefix = ""
local placeholder = "@@IDEMPOTENCY_KEY@@"

function init(args)
  local file, run_id, nthreads = args[1], args[2] or "run", tonumber(args[3]) or 1
  if file == nil then
    error("verify.lua: pass the targets file after --")
  end
  for line in io.lines(file) do
    local path, token, body = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
    if path == nil then
      error("verify.lua: a targets line is not PATH<tab>TOKEN<tab>BODY: " .. line)
    end
    local req = wrk.format("POST", path, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = placeholder,
    }, body)
    local at = req:find(placeholder, 1, true)
    n = n + 1
    heads[n] = req:sub(1, at - 1)
    tails[n] = req:sub(at + #placeholder)
  end
  if n == 0 then
    error("verify.lua: " .. file .. " holds no targets")
  end
  local tid = tonumber(thread_id) or 0 -- thread_id is the global setup() gave this thread
  i = (tid * math.floor(n / nthreads)) % n
  key_prefix = run_id .. "-" .. tid .. "-"
end

function request()
  i = i % n + 1
  seq = seq + 1
  return heads[i] .. key_prefix .. seq .. tails[i]
end

-- done prints the figures bench-http.sh reads: latencies in microseconds, status_errors counts
-- answers with a status of 400 or more (wrk's own tally), the socket errors apart.
function done(summary, latency, requests)
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d status_errors=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, math.floor(latency:percentile(50)),
    math.floor(latency:percentile(99)), latency.max,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
end
