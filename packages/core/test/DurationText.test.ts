import { DurationText } from "@batchctl/core"
import { describe, expect, it } from "vitest"
import * as Option from "effect/Option"

describe("DurationText: one grammar for settings and the command line", () => {
  it("reads units, several in a row, and Effect's words", () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ["500ms", 500],
      ["90s", 90_000],
      ["1.5s", 1_500],
      ["10m", 600_000],
      ["10min", 600_000],
      ["2h", 7_200_000],
      ["1d", 86_400_000],
      ["1h30m", 5_400_000],
      ["1m 30s", 90_000],
      ["30 seconds", 30_000],
      ["1.5 minutes", 90_000],
      [" 2 hours ", 7_200_000]
    ]
    for (const [text, ms] of cases) expect(DurationText.parse(text), text).toEqual(Option.some(ms))
  })

  it("does not read a bare number (its unit is the caller's to say), nor anything else", () => {
    for (const text of [
      "30",
      "2000",
      "1.5",
      "",
      "   ",
      "s",
      "10 parsecs",
      "5x",
      "-5s",
      "1h 30",
      "10m10",
      "9".repeat(80) + "s"
    ]) {
      expect(DurationText.parse(text), text).toEqual(Option.none())
    }
    expect(DurationText.isBare(" 30 ")).toBe(true)
    expect(DurationText.isBare("30s")).toBe(false)
  })
})
