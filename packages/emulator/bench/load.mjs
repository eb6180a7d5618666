/**
 * Benchmark (not a test): cancel and retrieve requests/s and latency at concurrency 64 against an emulator
 * holding 100,000 batches, with the emulator and the load generator each in their own process.
 *
 *   cd packages/emulator && npm run bench
 *   (builds dist/ first; the emulator process runs with default Node flags unless --server-flags "..."; options: --batches N (100000) --requests N per phase (60000) --concurrency N (64))
 *
 * Prints one JSON document: the figures of a bare node:http server and of the smallest @effect/platform
 * HttpServer answering a fixed JSON body (bench/bare.mjs, bench/effect-floor.mjs: calibration), the
 * emulator's cancel and retrieve figures, and the emulator process's memory (RSS after seeding, after the
 * load, and its peak, VmHWM). On a shared machine the wall-clock figures depend on what else runs, so
 * each phase also reports the server's own CPU time per request (from /proc) and the requests/s that
 * would give on one free core.
 */
import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const batches = arg("batches", 100_000)
const requests = arg("requests", 60_000)
const concurrency = arg("concurrency", 64)
const serverFlagsAt = process.argv.indexOf("--server-flags")
/** Node flags for the emulator process only, e.g. --server-flags "--max-old-space-size=256" */
const serverFlags = serverFlagsAt === -1 ? [] : process.argv[serverFlagsAt + 1].split(" ").filter((f) => f !== "")
const here = (f) => fileURLToPath(new URL(f, import.meta.url))
const mb = (n) => Math.round(n / 1024 / 1024)

const startProcess = (script, args = [], flags = []) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, here(script), ...args], { stdio: ["ignore", "pipe", "inherit"] })
    child.once("error", reject)
    child.stdout.once("data", (d) => resolve({ child, url: String(d).trim() }))
  })

const load = (url, targets, op) =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, [here("./client.mjs"), url, targets, op, String(concurrency), String(requests)], (error, stdout) =>
      error === null ? resolve(JSON.parse(stdout)) : reject(error)
    )
  )

/** CPU seconds (user + system) the process has used so far (Linux /proc, clock ticks of 1/100 s). */
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Runs a load phase and adds the server's CPU time per request and the req/s one free core would give. */
const measured = async (pid, url, targets, op) => {
  const before = cpuSeconds(pid)
  const result = await load(url, targets, op)
  const cpu = cpuSeconds(pid) - before
  const cpuMsPerRequest = (cpu * 1000) / result.requests
  return { ...result, serverCpuSeconds: Number(cpu.toFixed(2)), serverCpuMsPerRequest: Number(cpuMsPerRequest.toFixed(3)), rpsPerFreeCore: Math.round(1000 / cpuMsPerRequest) }
}

const vm = (pid, field) => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field))
  return line === undefined ? undefined : Math.round(Number(line.split(/\s+/)[1]) / 1024)
}

const dir = mkdtempSync(join(tmpdir(), "emulator-bench-"))
try {
  // calibration
  const bare = await startProcess("./bare.mjs")
  const bareTargets = join(dir, "bare.jsonl")
  writeFileSync(bareTargets, Array.from({ length: 1000 }, (_, i) => JSON.stringify({ cancel: `/b/${i}/cancel`, retrieve: `/b/${i}` })).join("\n"))
  const bareRetrieve = await measured(bare.child.pid, bare.url, bareTargets, "retrieve")
  bare.child.kill("SIGTERM")
  const floor = await startProcess("./effect-floor.mjs")
  const floorRetrieve = await measured(floor.child.pid, floor.url, bareTargets, "retrieve")
  floor.child.kill("SIGTERM")

  // the emulator with `batches` stored batches, half OpenAI and half Anthropic, all in progress
  const emu = await startProcess("./server.mjs", [String(batches + 10)], serverFlags)
  const seed = async (provider, count) => {
    const r = await fetch(`${emu.url}/_emulator/batches/bulk`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider, status: "in_progress", requests: 10, count })
    })
    return (await r.json()).ids
  }
  const health = async () => (await (await fetch(`${emu.url}/_emulator/health`)).json())
  const rssBefore = (await health()).memory.rss
  const t0 = performance.now()
  const openai = await seed("openai", Math.ceil(batches / 2))
  const anthropic = await seed("anthropic", Math.floor(batches / 2))
  const seedingSeconds = Number(((performance.now() - t0) / 1000).toFixed(2))
  const afterSeeding = await health()
  const targets = join(dir, "targets.jsonl")
  const lines = []
  for (let i = 0; i < Math.max(openai.length, anthropic.length); i++) {
    if (openai[i] !== undefined) lines.push(JSON.stringify({ cancel: `/openai/v1/batches/${openai[i]}/cancel`, retrieve: `/openai/v1/batches/${openai[i]}` }))
    if (anthropic[i] !== undefined) {
      lines.push(JSON.stringify({ cancel: `/anthropic/v1/messages/batches/${anthropic[i]}/cancel`, retrieve: `/anthropic/v1/messages/batches/${anthropic[i]}` }))
    }
  }
  writeFileSync(targets, lines.join("\n"))
  const cancel = await measured(emu.child.pid, emu.url, targets, "cancel")
  const retrieve = await measured(emu.child.pid, emu.url, targets, "retrieve")
  const afterLoad = await health()
  const peak = vm(emu.child.pid, "VmHWM:")
  emu.child.kill("SIGTERM")

  console.log(
    JSON.stringify(
      {
        node: process.version,
        emulatorNodeFlags: serverFlags,
        cpus: (await import("node:os")).cpus().length,
        loadAverage: (await import("node:os")).loadavg().map((x) => Number(x.toFixed(2))),
        calibration: { bareNodeHttp: bareRetrieve, smallestEffectHttpServer: floorRetrieve },
        storedBatches: afterSeeding.batches,
        seedingSeconds,
        cancel,
        retrieve,
        emulatorMemoryMB: {
          rssBeforeSeeding: mb(rssBefore),
          rssAfterSeeding: mb(afterSeeding.memory.rss),
          heapUsedAfterSeeding: mb(afterSeeding.memory.heapUsed),
          rssAfterLoad: mb(afterLoad.memory.rss),
          heapUsedAfterLoad: mb(afterLoad.memory.heapUsed),
          peakRss: peak
        }
      },
      null,
      2
    )
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
