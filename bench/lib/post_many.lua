-- wrk script: as post.lua, but each request comes from one of BENCH_CLIENTS (1000) client
-- addresses, named in X-Forwarded-For (a server that trusts 127.0.0.1 as a proxy believes it):
-- the common case of many clients, each with a query budget of its own. The addresses are
-- 10.x.y.z, taken in turn, each thread from its own starting point.
dofile(os.getenv("BENCH_LIB") .. "/post.lua")
local clients = tonumber(os.getenv("BENCH_CLIENTS") or "1000")
local base_setup, base_init = setup, init
local started = 0

function setup(thread)
  started = started + 1
  thread:set("offset", started * 7919)
  base_setup(thread)
end

function init(args)
  base_init(args)
  next_client = (offset or 0) % clients
end

function request()
  next_client = (next_client + 1) % clients
  local headers = {}
  for k, v in pairs(wrk.headers) do
    headers[k] = v
  end
  headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(next_client / 65536) % 256,
    math.floor(next_client / 256) % 256, next_client % 256)
  return wrk.format(nil, nil, headers, nil)
end
