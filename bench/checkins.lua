-- wrk script: every request is a check-in by the next member (each member once), counting answers by status.
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local path, body = os.getenv("BENCH_PATH"), os.getenv("BENCH_BODY")
local stride = tonumber(os.getenv("BENCH_THREADS"))
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  next_index, created, repeated, other = tid, 0, 0, 0
end

function request()
  local token = tokens[(next_index % #tokens) + 1]
  next_index = next_index + stride
  return wrk.format("POST", path, {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 elseif status == 200 then repeated = repeated + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, r, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    c, r, o = c + thread:get("created"), r + thread:get("repeated"), o + thread:get("other")
  end
  io.write(string.format("bench: 201=%d 200=%d other=%d\n", c, r, o))
end
