-- wrk script: POST realistic Azure DevOps `git.push` service-hook events.
--
--   WRK_COMMITS=5 WRK_NONCE=1a2b WRK_CLOSE=0 WRK_RATE=0 WRK_THREADS=2 \
--     wrk -t2 -c16 -d10s -s bench/lua/push.lua http://127.0.0.1:PORT/hooks/azure-devops
--
--   WRK_COMMITS  commits per push (5 -> ~6 KB body, 100 -> ~60 KB body)
--   WRK_NONCE    run-unique hex number, folded into every event id so ids
--                never repeat across cells or runs
--   WRK_CLOSE    1: send "Connection: close" (a new TCP connection per request)
--   WRK_RATE     total target rate in requests/s (0 or unset: as fast as
--                possible). Paced per wrk thread from a fixed schedule, so the
--                offered load does not depend on response latency as long as
--                a connection is free; see docs/performance.md for caveats.
--   WRK_THREADS  the -t value (needed to split WRK_RATE between threads)
--
-- Every request carries a unique event id (run nonce + wrk thread id +
-- per-thread counter), the repository/branch of the bench config's
-- deployment, so shiplog answers {"status":"stored"}.
--
-- done() prints one machine-readable line that bench/run parses:
--   BENCH requests=.. ok200=.. stored=.. non200=.. sockerr=.. connect=.. read=..
--         write=.. timeout=.. duration_us=.. p50_us=.. p99_us=.. p999_us=..
--         max_us=.. body_bytes=..

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

-- ---------------------------------------------------------------- threads --
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

-- ---------------------------------------------------------------- payload --
local people = {
  { "Mira Okafor", "mira.okafor" }, { "Jonas Lindqvist", "jonas.lindqvist" },
  { "Priya Raman", "priya.raman" }, { "Tomás Herrera", "tomas.herrera" },
  { "Aiko Tanaka", "aiko.tanaka" }, { "Lena Vogel", "lena.vogel" },
}
local messages = {
  "Retry payment webhook on 503 (AB#4812)",
  "Fix rounding in invoice totals, fixes #4790 and #4791; see also #4790\\n\\n" ..
    "The old code rounded each line item before summing, which drifted by a cent on long invoices " ..
    "and made the reconciliation job flag them as mismatched. Sum first, round once, and add a " ..
    "regression test with the 212-line invoice from the support ticket...",
  "Bump Azure.Storage.Blobs to 12.19.1 and drop the retry shim we carried for the old SDK",
  "Merged PR 1188: Add structured logging to the order pipeline\\n\\n" ..
    "Replaces the ad-hoc string formatting in OrderService with message templates so the " ..
    "log analytics queries can filter on orderId and tenant. No behaviour change intended.",
  "Make the health probe independent of the cache warm-up (AB#4833)",
  "Tidy up feature flags that shipped to 100% last sprint; remove dead branches in CheckoutController",
}

local function hex(n, width)
  return string.format("%0" .. width .. "x", n)
end

-- A deterministic 40-hex commit id for commit number i.
local function sha(i)
  return hex((i * 2654435761) % 4294967296, 8) .. hex((i * 40503 + 7) % 4294967296, 8) ..
    hex((i * 2246822519) % 4294967296, 8) .. hex((i * 3266489917) % 4294967296, 8) ..
    hex((i * 668265263) % 4294967296, 8)
end

local repo_id = "93249743-006e-4349-b85a-1e532e6644a4"
local repo_url = "https://dev.azure.com/contoso/_apis/git/repositories/" .. repo_id

local function commit_json(i)
  local p = people[(i % #people) + 1]
  local c = people[((i + 1) % #people) + 1]
  local day = 10 + (i % 18)
  local date_a = string.format("2026-11-%02dT%02d:%02d:%02dZ", day, i % 24, i % 60, (i * 7) % 60)
  local date_c = string.format("2026-11-%02dT%02d:%02d:%02dZ", day, i % 24, (i + 3) % 60, (i * 7) % 60)
  local msg = messages[(i % #messages) + 1]
  local truncated = #msg > 200 and ',"commentTruncated":true' or ""
  local id = sha(i)
  return '{"commitId":"' .. id .. '",' ..
    '"author":{"name":"' .. p[1] .. '","email":"' .. p[2] .. '@contoso.example","date":"' .. date_a .. '"},' ..
    '"committer":{"name":"' .. c[1] .. '","email":"' .. c[2] .. '@contoso.example","date":"' .. date_c .. '"},' ..
    '"comment":"' .. msg .. '"' .. truncated .. ',' ..
    '"url":"' .. repo_url .. '/commits/' .. id .. '"}'
end

-- The body is prefix .. <event id> .. suffix; only the id changes per request.
local function build_template(commits)
  local list = {}
  for i = 1, commits do list[i] = commit_json(i) end
  local head_sha, old_sha = sha(1), sha(commits + 1)
  local text = "Mira Okafor pushed updates to web-api:main"
  -- Azure DevOps links every name in the html/markdown messages.
  local user_url = "https://dev.azure.com/contoso/_usersSettings/about?id=e198f7ba-4878-41c0-8f0a-55d5f6b29e26"
  local repo_web = "https://dev.azure.com/contoso/Contoso/_git/web-api"
  local html = '<a href=\\"' .. user_url .. '\\">Mira Okafor</a> pushed updates to <a href=\\"' .. repo_web ..
    '\\">web-api</a>:<a href=\\"' .. repo_web .. '/?version=GBmain\\">main</a>'
  local md = '[Mira Okafor](' .. user_url .. ') pushed updates to [web-api](' .. repo_web .. '):[main](' ..
    repo_web .. '/?version=GBmain)'
  local dtext, dhtml, dmd = text, html, md
  local prefix = '{"subscriptionId":"1273fa09-607e-43ed-afa0-15b3fd3af9e8","notificationId":4211,"id":"'
  local suffix = '","eventType":"git.push","publisherId":"tfs",' ..
    '"message":{"text":"' .. text .. '","html":"' .. html .. '","markdown":"' .. md .. '"},' ..
    '"detailedMessage":{"text":"' .. dtext .. '","html":"' .. dhtml .. '","markdown":"' .. dmd .. '"},' ..
    '"resource":{"commits":[' .. table.concat(list, ",") .. '],' ..
    '"refUpdates":[{"name":"refs/heads/main","oldObjectId":"' .. old_sha .. '","newObjectId":"' .. head_sha .. '"}],' ..
    '"repository":{"id":"' .. repo_id .. '","name":"web-api","url":"' .. repo_url .. '",' ..
    '"project":{"id":"aa6546cf-b860-4947-8a45-6dacaa3675ed","name":"Contoso",' ..
    '"url":"https://dev.azure.com/contoso/_apis/projects/aa6546cf-b860-4947-8a45-6dacaa3675ed",' ..
    '"state":"wellFormed","visibility":"private"},' ..
    '"defaultBranch":"refs/heads/main","remoteUrl":"https://dev.azure.com/contoso/Contoso/_git/web-api"},' ..
    '"pushedBy":{"displayName":"Mira Okafor",' ..
    '"url":"https://spsprodweu5.vssps.visualstudio.com/_apis/Identities/e198f7ba-4878-41c0-8f0a-55d5f6b29e26",' ..
    '"id":"e198f7ba-4878-41c0-8f0a-55d5f6b29e26","uniqueName":"mira.okafor@contoso.example",' ..
    '"imageUrl":"https://dev.azure.com/contoso/_api/_common/identityImage?id=e198f7ba-4878-41c0-8f0a-55d5f6b29e26"},' ..
    '"pushId":1187,"date":"2026-11-19T16:42:30.1234567Z",' ..
    '"url":"' .. repo_url .. '/pushes/1187"},' ..
    '"resourceVersion":"1.0",' ..
    '"resourceContainers":{"collection":{"id":"ca944240-c994-4031-8e60-feb2bd298aa2","baseUrl":"https://dev.azure.com/contoso/"},' ..
    '"account":{"id":"d1fb297b-8fe0-423f-be47-c7b7a8d19bf1","baseUrl":"https://dev.azure.com/contoso/"},' ..
    '"project":{"id":"aa6546cf-b860-4947-8a45-6dacaa3675ed","baseUrl":"https://dev.azure.com/contoso/"}},' ..
    '"createdDate":"2026-11-19T16:42:31.4407812Z"}'
  return prefix, suffix
end

-- ------------------------------------------------------------ per thread --
-- Settings come from the environment (bench/run sets them), because done()
-- runs in wrk's main Lua state, which never sees init()'s arguments.
local function env_num(name, default)
  return tonumber(os.getenv(name) or "") or default
end
local commits = env_num("WRK_COMMITS", 5)
local rate = env_num("WRK_RATE", 0)

local prefix, suffix
local nonce = 0
local counter = 0
-- globals, not locals: done() reads them with thread:get()
ok200, stored, non200 = 0, 0, 0
local interval_ms, next_ms = 0, nil

function init(args)
  nonce = (tonumber(os.getenv("WRK_NONCE") or "1", 16) or 1) % 4294967296
  prefix, suffix = build_template(commits)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json; charset=utf-8"
  if os.getenv("WRK_CLOSE") == "1" then wrk.headers["Connection"] = "close" end
  -- wrk does not tell a thread how many threads there are: WRK_THREADS.
  if rate > 0 then interval_ms = 1000.0 * env_num("WRK_THREADS", 1) / rate end
end

function request()
  counter = counter + 1
  -- GUID-shaped: nonce - thread - counter
  local id = string.format("%08x-%04x-4%03x-8%03x-%012x", nonce, tid % 65536,
    math.floor(counter / 4096) % 4096, counter % 4096, counter)
  return wrk.format(nil, nil, nil, prefix .. id .. suffix)
end

if rate > 0 then
  -- Fixed schedule per thread: the thread's k-th request is due at
  -- start + k * interval, whichever of its connections is free sends it.
  -- A thread that fell behind catches up without waiting.
  function delay()
    local now = now_ms()
    if next_ms == nil then next_ms = now end
    local due = next_ms
    next_ms = next_ms + interval_ms
    if due <= now then return 0 end
    return math.floor(due - now + 0.5)
  end
end

function response(status, headers, body)
  if status == 200 then
    ok200 = ok200 + 1
    if body and string.find(body, '"stored"', 1, true) then stored = stored + 1 end
  else
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local ok, st, bad = 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + (t:get("ok200") or 0)
    st = st + (t:get("stored") or 0)
    bad = bad + (t:get("non200") or 0)
  end
  local e = summary.errors
  local p, s = build_template(commits)
  io.write(string.format(
    "BENCH requests=%d ok200=%d stored=%d non200=%d sockerr=%d connect=%d read=%d write=%d " ..
    "timeout=%d duration_us=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d body_bytes=%d\n",
    summary.requests, ok, st, bad, e.connect + e.read + e.write + e.timeout,
    e.connect, e.read, e.write, e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    #p + 36 + #s))
end
