/**
 * The CLI's sharp edges, as a new user meets them: a results file never emptied by a failed call, one
 * exit code for several failed ids whatever finished first, status words checked and looked for on every
 * page, a polling interval with a floor.
 */
import { Emulator } from "@batchctl/emulator"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CANARY, jsonLines, printed, run } from "./helpers.js"

const timings = { validatingMs: 0, requestMs: 600_000, cancellingMs: 200 }
let emulator: Emulator.Handle
const env = (provider: Emulator.Provider = "openai") => ({
  [`${provider.toUpperCase()}_API_KEY`]: CANARY,
  [`${provider.toUpperCase()}_BASE_URL`]: emulator.baseUrl(provider)
})

beforeAll(async () => {
  emulator = await Emulator.start({ apiKey: CANARY, timings })
})
afterAll(async () => {
  await emulator.close()
  for (const text of printed) expect(text).not.toContain(CANARY)
})

describe("edges", () => {
  it("results --out: a call that fails leaves an existing file as it was", async () => {
    const dir = mkdtempSync(join(tmpdir(), "batchctl-out-"))
    const file = join(dir, "results.jsonl")
    writeFileSync(file, "earlier results\n")
    const missing = await run(["results", "openai", "batch_00000000000000000000000000000000", "--out", file], {
      env: env()
    })
    expect(missing.code).toBe(3)
    expect(readFileSync(file, "utf8")).toBe("earlier results\n")
    const { id } = await emulator.createBatch({ provider: "openai", status: "completed", requests: 3 })
    const ok = await run(["results", "openai", id, "--out", file], { env: env() })
    expect(ok.code).toBe(0)
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(3)
  })

  it("several ids: the exit code is the first failed id's in the order given, and a summary says how many failed", async () => {
    const running = (await emulator.createBatch({ provider: "openai" })).id
    const done = (await emulator.createBatch({ provider: "openai", status: "completed", requests: 2 })).id
    const gone = "batch_00000000000000000000000000000000"
    for (const [ids, code] of [
      [[running, gone, done], 3],
      [[running, done, gone], 4]
    ] as const) {
      const r = await run(["cancel", "openai", ...ids, "--json"], { env: env() })
      expect(r.code).toBe(code)
      expect(r.stderr).toContain("openai: 1 of 3 cancelled, 2 failed (")
      expect(jsonLines(r.stdout)).toHaveLength(3)
    }
  })

  it("--status takes the normalized statuses only, and list --status looks through every page", async () => {
    const bad = await run(["list", "openai", "--status", "runing"], { env: env() })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('not a status: "runing"')
    const badAll = await run(["cancel-all", "openai", "--status", "in-progress", "--dry-run"], { env: env() })
    expect(badAll.code).toBe(2)
    const own = await Emulator.start({ apiKey: CANARY, timings })
    try {
      const done = (await own.createBatch({ provider: "openai", status: "completed", requests: 1 })).id
      for (let i = 0; i < 25; i++) await own.createBatch({ provider: "openai" })
      const r = await run(["list", "openai", "--status", "completed", "--limit", "10", "--json"], {
        env: { OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: own.baseUrl("openai") }
      })
      expect(r.code).toBe(0)
      expect(jsonLines(r.stdout).map((b) => b.id)).toEqual([done])
    } finally {
      await own.close()
    }
  })

  it("wait --interval below 100ms is refused instead of polling hundreds of times a second", async () => {
    const r = await run(["wait", "openai", "batch_1", "--interval", "1ms"], { env: env() })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("--interval must be at least 100ms")
  })

  it("a failed batch says why: get shows the vendor's reason, results says it and exits non-zero", async () => {
    const { id } = await emulator.createBatch({ provider: "openai", status: "failed" })
    const got = await run(["get", "openai", id], { env: env() })
    expect(got.code).toBe(0)
    expect(got.stdout).toMatch(/why\s+token_limit_exceeded: Enqueued token limit reached/)
    const json = JSON.parse((await run(["get", "openai", id, "--json"], { env: env() })).stdout) as {
      errors?: Array<{ code?: string }>
    }
    expect(json.errors?.map((e) => e.code)).toEqual(["token_limit_exceeded"])
    const results = await run(["results", "openai", id], { env: env() })
    expect(results.code).toBe(1)
    expect(results.stderr).toContain(`openai batch ${id} failed:`)
    expect(results.stderr).toContain("token_limit_exceeded: Enqueued token limit reached")
  })

  it("a duration without a unit is refused, not read as seconds where OPENAI_TIMEOUT reads milliseconds", async () => {
    const r = await run(["wait", "openai", "batch_1", "--timeout", "30"], { env: env() })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--timeout: "30" has no unit: write 30s for seconds')
    // Every duration flag reads the one grammar: the console's refresh too.
    const refresh = await run(["console", "--refresh", "5"], { env: env() })
    expect(refresh.code).toBe(2)
    expect(refresh.stderr).toContain('--refresh: "5" has no unit: write 5s for seconds')
  })

  it("cancel --report: each outcome is appended as it happens, and a re-run skips what it reports cancelled", async () => {
    const dir = mkdtempSync(join(tmpdir(), "batchctl-report-"))
    const report = join(dir, "report.jsonl")
    const a = (await emulator.createBatch({ provider: "openai" })).id
    const first = await run(["cancel", "--report", report, "openai", a], { env: env() })
    expect(first.code).toBe(0)
    const lines = jsonLines(readFileSync(report, "utf8"))
    expect(lines.map((l) => l.outcome)).toEqual(["sending", "cancelled"])
    const b = (await emulator.createBatch({ provider: "openai" })).id
    const again = await run(["cancel", "--report", report, "openai", a, b, "--json"], { env: env() })
    expect(again.code).toBe(0)
    expect(again.stderr).toContain("1 of 2 ids are already cancelled in")
    expect(jsonLines(again.stdout).map((l) => l.batchId)).toEqual([b])
  })
})
