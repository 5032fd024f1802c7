-- wrk script: POSTs one GraphQL request (the JSON body in the file $BODY_FILE) over and over,
-- counts answers that carry GraphQL errors (they come with status 200, which wrk would count
-- as successes), and prints one JSON line of results at the end for run.sh to read.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  graphql_errors = 0
end

function response(status, headers, body)
  if body and body:find('"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local errors = 0
  for _, t in ipairs(threads) do
    errors = errors + (t:get("graphql_errors") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,' ..
    '"non2xx":%d,"socket_errors":%d,"graphql_errors":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, errors))
end
