/**
 * The chaos run at a small size (the full one is `npm run chaos`): every path cancels every batch through
 * seeded faults or reports a final typed reason, with nothing lost, duplicated, falsely successful or
 * untyped; a `cancel-all` killed half-way (SIGKILL) and resumed from its report loses nothing.
 */
import { describe, expect, it } from "vitest"
import * as Chaos from "../src/Chaos.js"

const check = (report: Chaos.Report) => {
  console.log(Chaos.summary(report))
  expect(Chaos.problems(report)).toEqual([])
  expect(report.lost + report.duplicated + report.falseSuccesses + report.defects + report.unaccounted).toBe(0)
  // The faults were real: some ids needed more than one cancel.
  expect(Object.keys(report.attempts).some((k) => Number(k) > 1)).toBe(true)
}

describe("chaos", () => {
  it("Effect cancelEach over every provider, about 27% of cancel answers faulty", async () => {
    check(await Chaos.run({ batches: 600, path: "effect-each", seed: 11 }))
  })

  it("Promise cancelMany over every provider", async () => {
    check(await Chaos.run({ batches: 300, path: "promise-many", seed: 12 }))
  })

  it("batchctl cancel-all killed half-way (SIGKILL), resumed from its report: nothing lost", async () => {
    const report = await Chaos.run({
      batches: 240,
      path: "cli",
      seed: 13,
      providers: ["openai", "anthropic"],
      kill: "SIGKILL"
    })
    check(report)
    expect(report.killed?.missing).toBe(0)
    expect(report.killed?.tookEffect).toBeGreaterThan(0)
  })
})
