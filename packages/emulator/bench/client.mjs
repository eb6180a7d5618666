// The load generator, run as its own process by bench/load.ts: `concurrency` loops over keep-alive sockets,
// each sending the next request of the list and timing it. Prints one JSON line with the figures.
import { readFileSync } from "node:fs"
import http from "node:http"

const [url, targetsFile, op, concurrencyArg, countArg] = process.argv.slice(2)
const concurrency = Number(concurrencyArg)
const count = Number(countArg)
const targets = readFileSync(targetsFile, "utf8").trim().split("\n").map((l) => JSON.parse(l))
const { hostname, port } = new URL(url)
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })

const one = (t) =>
  new Promise((resolve) => {
    const path = op === "cancel" ? t.cancel : t.retrieve
    const req = http.request(
      { hostname, port, path, method: op === "cancel" ? "POST" : "GET", agent, headers: { authorization: "Bearer bench", "x-api-key": "bench", "anthropic-version": "2023-06-01", "content-length": 0 } },
      (res) => {
        res.on("data", () => {})
        res.on("end", () => resolve(res.statusCode))
      }
    )
    req.on("error", () => resolve(0))
    req.end()
  })

const latencies = new Float64Array(count)
const statuses = new Map()
let next = 0
const started = performance.now()
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (;;) {
      const i = next++
      if (i >= count) return
      const t0 = performance.now()
      const status = await one(targets[i % targets.length])
      latencies[i] = performance.now() - t0
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
  })
)
const seconds = (performance.now() - started) / 1000
latencies.sort()
const q = (p) => latencies[Math.min(count - 1, Math.floor(p * count))]
console.log(
  JSON.stringify({
    op,
    requests: count,
    concurrency,
    seconds: Number(seconds.toFixed(2)),
    rps: Math.round(count / seconds),
    p50: Number(q(0.5).toFixed(2)),
    p99: Number(q(0.99).toFixed(2)),
    max: Number(latencies[count - 1].toFixed(2)),
    statuses: Object.fromEntries(statuses)
  })
)
agent.destroy()
