-- wrk script for every bench. BENCH_LINES holds one request a line, tab-separated: method, path, bearer token
-- (may be empty), body (may be empty). Thread t sends lines t, t + stride, t + 2·stride, … so each line is sent
-- once before any repeats. Answers are counted by status; done() prints the counts and exact percentiles.
local requests = {}
local stride = tonumber(os.getenv("BENCH_THREADS"))
local content_type = os.getenv("BENCH_CONTENT_TYPE")
local threads = {}

local function split(line)
  local fields, start = {}, 1
  while true do
    local i = string.find(line, "\t", start, true)
    if not i then
      fields[#fields + 1] = string.sub(line, start)
      return fields
    end
    fields[#fields + 1] = string.sub(line, start, i - 1)
    start = i + 1
  end
end

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_LINES")) do
    local f = split(line)
    local headers = {}
    if f[3] ~= "" then headers["Authorization"] = "Bearer " .. f[3] end
    if f[4] ~= "" then headers["Content-Type"] = content_type end
    requests[#requests + 1] = wrk.format(f[1], f[2], headers, f[4] ~= "" and f[4] or nil)
  end
  -- BENCH_OFFSET: the first line index of this run (a run that continues an earlier one sends fresh lines).
  local offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
  next_index, created, ok, too_many, client_error, server_error, other = tid + offset, 0, 0, 0, 0, 0, 0
end

function request()
  local r = requests[(next_index % #requests) + 1]
  next_index = next_index + stride
  return r
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 200 then ok = ok + 1
  elseif status == 429 then too_many = too_many + 1
  elseif status >= 500 then server_error = server_error + 1
  elseif status >= 400 then client_error = client_error + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local totals = {created = 0, ok = 0, too_many = 0, client_error = 0, server_error = 0, other = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
  end
  io.write(string.format("bench-status: 201=%d 200=%d 429=%d 4xx=%d 5xx=%d other=%d\n", totals.created, totals.ok,
                         totals.too_many, totals.client_error, totals.server_error, totals.other))
  io.write(string.format("bench-latency-us: p50=%d p95=%d p99=%d max=%d\n", latency:percentile(50),
                         latency:percentile(95), latency:percentile(99), latency.max))
  -- Where a following run should start (past every line any thread sent), and the latency quantiles at every
  -- 0.1 % so that runs can be merged into one distribution.
  local next_line = 0
  for _, thread in ipairs(threads) do next_line = math.max(next_line, thread:get("next_index")) end
  io.write(string.format("bench-next: %d\n", next_line))
  local quantiles = {}
  for k = 1, 1000 do quantiles[k] = tostring(latency:percentile(k / 10)) end
  io.write("bench-quantiles-us: " .. table.concat(quantiles, " ") .. "\n")
end
