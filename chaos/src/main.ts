/**
 * `npm run chaos [-- --batches 10000 --paths effect-each,promise-many,cli --seed 7 --concurrency 16 --latency 0]`:
 * each path once without faults (the time baseline) and once with them, then one `cancel-all` killed
 * half-way (SIGKILL) and resumed from its report. Prints one summary line per run and exits 1 on anything
 * lost, duplicated, falsely successful or untyped.
 *
 * `--latency MS` holds every answer of the vendor that long (default 0: the emulator answers as fast as
 * it can, on the machine the client runs on, so both sides are busy and every extra request a fault
 * costs is time; with a vendor's own time to answer, the time is the waits and the vendor's limits).
 */
import * as Chaos from "./Chaos.js"

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}

const batches = Number(arg("batches", "10000"))
const seed = Number(arg("seed", "7"))
const concurrency = Number(arg("concurrency", "16"))
const latencyMs = Number(arg("latency", "0"))
const paths = arg("paths", "effect-each,promise-many,cli").split(",") as Array<Chaos.Path>

let bad = 0
for (const path of paths) {
  const baseline = await Chaos.run({ batches, path, seed, concurrency, faults: false, cli: "dist", latencyMs })
  const report = await Chaos.run({ batches, path, seed, concurrency, cli: "dist", latencyMs })
  console.log(Chaos.summary(report, baseline))
  for (const e of report.examples) console.log(`  e.g. ${e}`)
  const problems = [...Chaos.problems(baseline), ...Chaos.problems(report)]
  // The time with faults against the same run without them (issue #19: within 1.5x).
  if (report.millis > 1.5 * baseline.millis)
    problems.push(`${(report.millis / baseline.millis).toFixed(2)}x the time without faults (over 1.5x)`)
  if (problems.length > 0) {
    bad++
    console.log(`  FAILED: ${problems.join(", ")}`)
  }
}
if (paths.includes("cli")) {
  for (const kill of ["SIGTERM", "SIGKILL"] as const) {
    const report = await Chaos.run({ batches, path: "cli", seed, concurrency, kill, cli: "dist", latencyMs })
    console.log(`${Chaos.summary(report)} [${kill} half-way, resumed]`)
    // A cancel in flight at a SIGKILL is in the report as "sending": nothing that took effect may be missing.
    const problems = Chaos.problems(report)
    if (problems.length > 0) {
      bad++
      console.log(`  FAILED: ${problems.join(", ")}`)
    }
  }
}
// Exit now: keep-alive sockets of the clients and the proxy would hold the process a while longer.
process.exit(bad === 0 ? 0 : 1)
