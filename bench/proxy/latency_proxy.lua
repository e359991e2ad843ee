-- Latency and fault injection for bench/latency-proxy.sh (nginx + lua module).
--
-- configure() runs once in init_by_lua (master, before the fork); access()
-- runs in access_by_lua for every request, log() in log_by_lua.
--
-- Per request, in this order:
--   1. --max-concurrent: a shared-dict counter of requests being served
--      (incremented here, decremented in the log phase); beyond the cap the
--      request is answered 503 SlowDown.
--   2. --error-rate-503 / --error-rate-500: a random fraction is answered
--      503 SlowDown / 500 InternalError.
--   3. The delay: fixed + uniform jitter in [-jitter, +jitter] ms, never below
--      0, slept with the non-blocking ngx.sleep. Injected errors get the delay
--      too (a real server's errors also cost a round trip), so retry loops see
--      realistic timing.
-- Anything not answered here is proxied to radosgw unchanged.
local _M = {}

local cfg = {
  delay_ms = 0,
  jitter_ms = 0,
  max_concurrent = 0, -- 0 = no cap
  rate_503 = 0,
  rate_500 = 0,
}

local DICT = "latency_proxy"
local KEY = "inflight"

local ngx = ngx
local random = math.random
local max = math.max

local bodies = {
  [503] = '<?xml version="1.0" encoding="UTF-8"?>\n'
    .. '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>'
    .. '<RequestId>latency-proxy</RequestId></Error>',
  [500] = '<?xml version="1.0" encoding="UTF-8"?>\n'
    .. '<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message>'
    .. '<RequestId>latency-proxy</RequestId></Error>',
}

function _M.configure(c)
  for k, v in pairs(c) do
    if cfg[k] == nil then error("latency_proxy: unknown setting " .. k) end
    cfg[k] = v
  end
end

function _M.init_worker()
  -- One worker (worker_processes 1): a fresh worker has nothing in flight,
  -- even if its predecessor died with requests counted.
  ngx.shared[DICT]:set(KEY, 0)
  math.randomseed(ngx.now() * 1000 + ngx.worker.pid())
end

local function sleep_delay()
  local ms = cfg.delay_ms
  if cfg.jitter_ms > 0 then
    ms = max(0, ms + (2 * random() - 1) * cfg.jitter_ms)
  end
  if ms > 0 then ngx.sleep(ms / 1000) end
end

-- Answers with an S3 XML error instead of proxying. why: an X-Latency-Proxy
-- header value, so tests can tell injected errors from radosgw's own.
local function fail(status, why)
  -- Read and drop any request body, so the client connection stays usable.
  ngx.req.discard_body()
  sleep_delay()
  local body = bodies[status]
  ngx.status = status
  ngx.header["Content-Type"] = "application/xml"
  ngx.header["Content-Length"] = #body
  ngx.header["X-Latency-Proxy"] = why
  if status == 503 then ngx.header["Retry-After"] = "1" end
  ngx.print(body)
  return ngx.exit(ngx.HTTP_OK)
end

function _M.access()
  if cfg.max_concurrent > 0 then
    local dict = ngx.shared[DICT]
    local n = dict:incr(KEY, 1, 0)
    if n > cfg.max_concurrent then
      dict:incr(KEY, -1, 0)
      return fail(503, "max-concurrent")
    end
    ngx.ctx.latency_proxy_counted = true
  end
  if cfg.rate_503 > 0 or cfg.rate_500 > 0 then
    local r = random()
    if r < cfg.rate_503 then return fail(503, "error-rate-503") end
    if r < cfg.rate_503 + cfg.rate_500 then return fail(500, "error-rate-500") end
  end
  sleep_delay()
end

function _M.log()
  if ngx.ctx.latency_proxy_counted then
    ngx.shared[DICT]:incr(KEY, -1, 0)
  end
end

return _M
