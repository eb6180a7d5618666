#!/usr/bin/env node
// Cold start of `batchctl --help`: the median wall time of N runs of `node dist/bin.js --help` (each a
// fresh process, output discarded), next to bare `node -e ""` on the same machine and to the full
// @effect/cli path (BATCHCTL_HELP_CACHE=0) for reference. Uses hyperfine when it is installed.
//
//   node bench/cold-start.mjs [--runs 10] [--check 0.3]
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const bin = join(here, "..", "dist", "bin.js")
if (!existsSync(bin)) {
  console.error("dist/bin.js is missing: run `node build.mjs` first")
  process.exit(2)
}
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const runs = arg("--runs", 10)
const budget = arg("--check", undefined)

const hasHyperfine = spawnSync("hyperfine", ["--version"], { stdio: "ignore" }).status === 0

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

const cases = [
  { label: 'node -e ""  (baseline)', args: ["-e", ""], env: {} },
  { label: "batchctl --help", args: [bin, "--help"], env: {} },
  { label: "batchctl cancel-all --help", args: [bin, "cancel-all", "--help"], env: {} },
  { label: "batchctl --help, live @effect/cli render", args: [bin, "--help"], env: { BATCHCTL_HELP_CACHE: "0" } }
]

const viaHyperfine = (c) => {
  const out = execFileSync(
    "hyperfine",
    ["--runs", String(runs), "--warmup", "1", "--export-json", "/dev/stdout", "--style", "none",
      [process.execPath, ...c.args].map((a) => `'${a}'`).join(" ")],
    { env: { ...process.env, ...c.env }, encoding: "utf8" }
  )
  return JSON.parse(out.slice(out.indexOf("{"))).results[0].times
}

// CPU time (user + system) of each run too, from GNU time when it is there: on a machine shared with
// other work, wall time swings with the load; CPU time much less.
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined
const cpuFile = join(tmpdir(), `batchctl-cold-start-${process.pid}.txt`)
const cpu = cases.map(() => [])

const once = (c, k) => {
  const env = { ...process.env, ...c.env }
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, c.args, { stdio: "ignore", env })
  const t1 = process.hrtime.bigint()
  if (r.status !== 0) throw new Error(`${c.args.join(" ")} exited ${r.status}`)
  if (gnuTime !== undefined && k !== undefined) {
    spawnSync(gnuTime, ["-f", "%U %S", "-o", cpuFile, process.execPath, ...c.args], { stdio: "ignore", env })
    const [user, sys] = readFileSync(cpuFile, "utf8").trim().split("\n").at(-1).split(" ").map(Number)
    cpu[k].push(user + sys)
  }
  return Number(t1 - t0) / 1e9
}

// Without hyperfine the cases take turns, run by run, so that a busy machine weighs on all alike.
const measureAll = () => {
  if (hasHyperfine) return cases.map(viaHyperfine)
  for (const c of cases) once(c) // warm the file cache
  const times = cases.map(() => [])
  for (let i = 0; i < runs; i++) {
    cases.forEach((c, k) => {
      times[k].push(once(c, k))
    })
  }
  return times
}

const report = (label, times, k) => {
  const m = median(times)
  const c = cpu[k]?.length ? `   cpu median ${median(cpu[k]).toFixed(2)} s` : ""
  console.log(
    `${label.padEnd(44)} median ${m.toFixed(3)} s   min ${Math.min(...times).toFixed(3)} s   max ${Math.max(...times).toFixed(3)} s${c}`
  )
  return m
}

console.log(`node ${process.version}, ${runs} runs each${hasHyperfine ? " (hyperfine)" : ", interleaved"}`)
const medians = measureAll().map((times, k) => report(cases[k].label, times, k))
if (existsSync(cpuFile)) rmSync(cpuFile)
const help = medians[1]
console.log(`batchctl --help over bare node: ${((help - medians[0]) * 1000).toFixed(0)} ms`)
if (budget !== undefined && help > budget) {
  console.error(`batchctl --help median ${help.toFixed(3)} s is over the budget of ${budget} s`)
  process.exit(1)
}
