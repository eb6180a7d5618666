#!/usr/bin/env node
// Bulk cancel (c=32, and c=1 with --c1) for scratch variants of the sources, interleaved:
//   node bench/ablation/compare.mjs <variants dir> [--variants a,b] [--impls batchctl-effect,batchctl-promise]
//        [--vendor openai] [--reps 5] [--n 3000]
// <variants dir> is what protos.mjs wrote; "base" is the reference. Prints median req/s and µs of CPU
// per request for each variant and its ratio to base (CPU per request is steadier on a busy machine).
import { spawn, spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const bench = join(dirname(fileURLToPath(import.meta.url)), "..")
const [dir, ...rest] = process.argv.slice(2)
const opt = (name, fallback) => {
  const i = rest.indexOf(`--${name}`)
  return i === -1 ? fallback : rest[i + 1]
}
const variants = opt("variants", readdirSync(dir).sort().join(",")).split(",")
if (!variants.includes("base")) variants.unshift("base")
const impls = opt("impls", "batchctl-effect,batchctl-promise").split(",")
const vendor = opt("vendor", "openai")
const reps = Number(opt("reps", "5"))
const n = Number(opt("n", "3000"))
const concurrency = rest.includes("--c1") ? [1, 32] : [32]
// Output directories are bench/.out-<tag>-<variant>, so that two comparisons can run side by side.
const tag = opt("tag", "proto")

for (const v of variants) {
  const built = spawnSync(process.execPath, [join(bench, "run.mjs"), "--build-only"], {
    env: { ...process.env, BATCHCTL_SRC: join(dir, v, "packages"), BENCH_OUT: `.out-${tag}-${v}` },
    stdio: ["ignore", "ignore", "inherit"]
  })
  if (built.status !== 0) process.exit(1)
}

const server = spawn(process.execPath, [join(bench, `.out-${tag}-base`, "server.mjs")], { stdio: ["pipe", "pipe", "inherit"] })
const port = await new Promise((resolve) => createInterface({ input: server.stdout }).once("line", (l) => resolve(JSON.parse(l).port)))
const origin = `http://127.0.0.1:${port}`

const run = (v, impl) =>
  new Promise((resolve) => {
    const args = { impl, vendor, origin, n, warmup: 500, concurrency }
    const child = spawn(process.execPath, [join(bench, `.out-${tag}-${v}`, "cancel.mjs"), JSON.stringify(args)], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (d) => {
      out += d
    })
    child.on("close", () => resolve(out.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((l) => "concurrency" in l)))
  })

const samples = new Map()
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const report = () => {
  const out = ["| variant | impl | c | req/s | × base | µs CPU/req | × base |", "|---|---|---:|---:|---:|---:|---:|"]
  for (const c of concurrency) {
    for (const impl of impls) {
      const base = samples.get(`base|${impl}|${c}`)
      for (const v of variants) {
        const s = samples.get(`${v}|${impl}|${c}`)
        if (s === undefined || base === undefined) continue
        const r = median(s.rate)
        const u = median(s.cpu)
        out.push(
          `| ${v} | ${impl} | ${c} | ${Math.round(r)} | ${(r / median(base.rate)).toFixed(2)} | ${Math.round(u)} | ${(u / median(base.cpu)).toFixed(2)} |`
        )
      }
    }
  }
  return out.join("\n")
}

const jobs = variants.flatMap((v) => impls.map((impl) => [v, impl]))
for (let rep = 0; rep < reps; rep++) {
  for (let j = 0; j < jobs.length; j++) {
    const [v, impl] = jobs[(j + rep * 3) % jobs.length]
    for (const line of await run(v, impl)) {
      const key = `${v}|${impl}|${line.concurrency}`
      const s = samples.get(key) ?? { rate: [], cpu: [] }
      if (line.ok === line.n) {
        s.rate.push((line.n / line.ms) * 1000)
        s.cpu.push(line.cpuUs / line.n)
      }
      samples.set(key, s)
    }
  }
  process.stderr.write(`rep ${rep + 1}/${reps}\n${report()}\n`)
}
server.stdin.end()
server.kill()

console.log(report())
