-- wrk script for bench/http_latency.py: ask `insights serve` many distinct questions.
--
--   wrk -t2 -c8 -d30s --latency -s bench/wrk_search.lua http://127.0.0.1:8000 -- QUESTIONS [HTML_SHARE] [LIMIT]
--
-- QUESTIONS is a text file with one question per line. Each request asks the next question, as
-- GET /api/v1/search?q=...&limit=LIMIT, or, for a share HTML_SHARE (0-1, default 0) of the requests, as the
-- HTML search page GET /?q=... . Each wrk thread starts at a different place in the list. At the end, done()
-- prints one line "WRK_JSON {...}" with latency percentiles in microseconds, the request count and the errors.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local function urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local path = args[1] or error("usage: wrk ... -s wrk_search.lua URL -- QUESTIONS [HTML_SHARE] [LIMIT]")
  html_share = tonumber(args[2] or "0")
  limit = tonumber(args[3] or "10")
  questions = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(questions, urlencode(line)) end
  end
  assert(#questions > 0, "no questions in " .. path)
  position = (id or 0) * math.floor(#questions / 4)  -- threads start apart
  owed = 0  -- the HTML share, paid out evenly
  non2xx = 0
  html = 0
end

function request()
  position = position % #questions + 1
  local q = questions[position]
  owed = owed + html_share
  if owed >= 1 then
    owed = owed - 1
    html = html + 1
    return wrk.format("GET", "/?q=" .. q)
  end
  return wrk.format("GET", "/api/v1/search?q=" .. q .. "&limit=" .. limit)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total, html_total = 0, 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    html_total = html_total + thread:get("html")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us": %d, "requests": %d, "bytes": %d, "html_requests_sent": %d, '
      .. '"latency_us": {"p50": %d, "p75": %d, "p90": %d, "p95": %d, "p99": %d, "min": %d, "max": %d, '
      .. '"mean": %.1f, "stdev": %.1f}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "non2xx": %d}}\n',
    summary.duration, summary.requests, summary.bytes, html_total,
    latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.min, latency.max, latency.mean, latency.stdev,
    e.connect, e.read, e.write, e.status, e.timeout, non2xx_total))
end
