#!/usr/bin/env node
// Cold start of `batchctl --help`: the median wall time of N runs of `node dist/bin.js --help` (each a
// fresh process, output discarded), next to bare `node -e ""` on the same machine and to the full
// @effect/cli path (BATCHCTL_HELP_CACHE=0) for reference. Uses hyperfine when it is installed.
//
//   node bench/cold-start.mjs [--runs 10] [--check 0.3]
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
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

const measure = (label, args, env = {}) => {
  if (hasHyperfine) {
    const out = execFileSync(
      "hyperfine",
      ["--runs", String(runs), "--warmup", "1", "--export-json", "/dev/stdout", "--style", "none",
        [process.execPath, ...args].map((a) => `'${a}'`).join(" ")],
      { env: { ...process.env, ...env }, encoding: "utf8" }
    )
    const times = JSON.parse(out.slice(out.indexOf("{"))).results[0].times
    return report(label, times)
  }
  spawnSync(process.execPath, args, { stdio: "ignore", env: { ...process.env, ...env } }) // warm the file cache
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(process.execPath, args, { stdio: "ignore", env: { ...process.env, ...env } })
    const t1 = process.hrtime.bigint()
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`)
    times.push(Number(t1 - t0) / 1e9)
  }
  return report(label, times)
}

const report = (label, times) => {
  const m = median(times)
  console.log(
    `${label.padEnd(44)} median ${m.toFixed(3)} s   min ${Math.min(...times).toFixed(3)} s   max ${Math.max(...times).toFixed(3)} s   (${times.length} runs${hasHyperfine ? ", hyperfine" : ""})`
  )
  return m
}

console.log(`node ${process.version}, ${runs} runs each`)
measure('node -e ""  (baseline)', ["-e", ""])
const help = measure("batchctl --help", [bin, "--help"])
measure("batchctl cancel-all --help", [bin, "cancel-all", "--help"])
measure("batchctl --help, live @effect/cli render", [bin, "--help"], { BATCHCTL_HELP_CACHE: "0" })
if (budget !== undefined && help > budget) {
  console.error(`batchctl --help median ${help.toFixed(3)} s is over the budget of ${budget} s`)
  process.exit(1)
}
