-- wrk script for every bench: POSTs, request k of a thread uses the next line of BENCH_LINES in that thread's
-- stride (each line is used once before any repeats); answers are counted by status.
-- BENCH_MODE=bearer: the line is a bearer token, BENCH_BODY the fixed body. BENCH_MODE=body: the line is the body.
local lines = {}
for line in io.lines(os.getenv("BENCH_LINES")) do lines[#lines + 1] = line end
local mode, path, fixed_body = os.getenv("BENCH_MODE"), os.getenv("BENCH_PATH"), os.getenv("BENCH_BODY")
local content_type = os.getenv("BENCH_CONTENT_TYPE")
local stride = tonumber(os.getenv("BENCH_THREADS"))
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  next_index, created, ok, other = tid, 0, 0, 0
end

function request()
  local line = lines[(next_index % #lines) + 1]
  next_index = next_index + stride
  local headers = {["Content-Type"] = content_type}
  if mode == "bearer" then
    headers["Authorization"] = "Bearer " .. line
    return wrk.format("POST", path, headers, fixed_body)
  end
  return wrk.format("POST", path, headers, line)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 elseif status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o, x = 0, 0, 0
  for _, thread in ipairs(threads) do
    c, o, x = c + thread:get("created"), o + thread:get("ok"), x + thread:get("other")
  end
  io.write(string.format("bench: 201=%d 200=%d other=%d\n", c, o, x))
end
