-- wrk script: POST the snapshot file named by the environment variable SNAPSHOT as JSON.
local file = assert(io.open(os.getenv("SNAPSHOT"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

-- Counts answers that are not 200, so a run of errors cannot pass for throughput.
local bad = 0
function response(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
    io.write(string.format("non200=%d\n", bad))
end
