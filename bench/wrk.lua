-- bench/serve.py's wrk script: the request of one target, and its figures as one JSON line.
--
-- Environment: BENCH_HEADERS ("Name: value" lines separated by "\n"), BENCH_METHOD (GET),
-- BENCH_SAVE ("path-with-%d|field|id:version,id:version,…") for inline saves: each request
-- saves the next client of the list with a new value, under the version its last answer gave.

local headers = {}
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end

local save = os.getenv("BENCH_SAVE")
local save_path, save_field, clients, versions = nil, nil, {}, {}
if save and save ~= "" then
  local spec
  save_path, save_field, spec = save:match("^([^|]+)|([^|]+)|(.*)$")
  for id, version in spec:gmatch("(%d+):(%d+)") do
    clients[#clients + 1] = tonumber(id)
    versions[tonumber(id)] = tonumber(version)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
end

local index, counter = 0, 0

request = function()
  if save_path == nil then
    return wrk.format(nil, nil, headers)
  end
  index = index % #clients + 1
  counter = counter + 1
  local id = clients[index]
  local body = "version=" .. versions[id] .. "&" .. save_field .. "=bench" .. counter .. "%40example.com"
  return wrk.format("POST", string.format(save_path, id), headers, body)
end

if save then
  response = function(status, headers, body)
    local id = body:match("/clients/(%d+)/fields/")
    local version = body:match('name="version" value="(%d+)"')
    if id and version then versions[tonumber(id)] = tonumber(version) end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, e.connect, e.read, e.write,
    e.status, e.timeout))
end
