/**
 * get, list, cancel, wait and results, run as a subprocess against the emulator: JSON output parsed,
 * exit codes by outcome, error lines, and the canary key never printed.
 */
import { Emulator } from "@batchctl/emulator"
import { readFileSync } from "node:fs"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CANARY, jsonLines, printed, run, start } from "./helpers.js"

let emulator: Emulator.Handle
// Requests take a minute of emulated time: a batch stays in progress until the test steps the clock.
const timings = { validatingMs: 0, requestMs: 60_000, cancellingMs: 200 }

const envFor = (provider: Emulator.Provider) => ({
  [`${provider.toUpperCase()}_API_KEY`]: CANARY,
  [`${provider.toUpperCase()}_BASE_URL`]: emulator.baseUrl(provider)
})

beforeAll(async () => {
  emulator = await Emulator.start({ apiKey: CANARY, timings })
})

afterAll(async () => {
  await emulator.close()
  // Whatever any command printed, on stdout or stderr, in any mode: never the key.
  expect(printed.length).toBeGreaterThan(0)
  for (const text of printed) expect(text).not.toContain(CANARY)
  for (const text of printed) expect(text).not.toContain(CANARY.slice(0, 16))
})

describe("get", () => {
  it("prints the normalized batch as one JSON document", async () => {
    const { id } = await emulator.createBatch({ provider: "openai", requests: 5, completed: 2 })
    const r = await run(["get", "openai", id, "--json"], { env: envFor("openai") })
    expect(r.code).toBe(0)
    const batch = JSON.parse(r.stdout) as Record<string, unknown>
    expect(batch.id).toBe(id)
    expect(batch.provider).toBe("openai")
    expect(batch.status).toBe("in_progress")
    expect(batch.counts).toMatchObject({ total: 5, succeeded: 2 })
    expect(batch.raw).toBeUndefined()
    expect(r.stderr).toBe("")
  })

  it("prints a readable block by default, and the vendor's raw object with --json --verbose", async () => {
    const { id } = await emulator.createBatch({ provider: "anthropic", requests: 3 })
    const human = await run(["get", "anthropic", id], { env: envFor("anthropic") })
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(new RegExp(`^id\\s+${id}$`, "m"))
    expect(human.stdout).toMatch(/^status\s+in_progress$/m)
    expect(human.stdout).not.toContain("\u001b[")
    const verbose = await run(["get", "anthropic", id, "--json", "--verbose"], { env: envFor("anthropic") })
    expect(JSON.parse(verbose.stdout).raw).toMatchObject({ id, type: "message_batch" })
  })

  it("a missing batch: BatchNotFound, the request id, a hint, exit 3", async () => {
    const r = await run(["get", "openai", "batch_doesnotexist"], { env: envFor("openai") })
    expect(r.code).toBe(3)
    expect(r.stdout).toBe("")
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^batchctl: BatchNotFound: .*batch_doesnotexist.*\(request id [^)]+\) — check the id/)
    const json = await run(["get", "openai", "batch_doesnotexist", "--json"], { env: envFor("openai") })
    expect(json.code).toBe(3)
    const error = JSON.parse(json.stderr) as { error: Record<string, unknown>; exitCode: number }
    expect(error.exitCode).toBe(3)
    expect(error.error).toMatchObject({ _tag: "BatchNotFound", provider: "openai", httpStatus: 404 })
    expect(typeof error.error.requestId).toBe("string")
  })

  it("--verbose adds the detail under the line", async () => {
    const r = await run(["get", "moonshot", "batch_nope", "--verbose"], { env: envFor("moonshot") })
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/^\s+http status\s+404$/m)
    expect(r.stderr).toContain(`base url       ${emulator.baseUrl("moonshot")}`)
    expect(r.stderr).toMatch(/^\s+key from\s+MOONSHOT_API_KEY$/m)
  })
})

describe("keys and base URLs", () => {
  it("a missing key is one line naming the variable, exit 5, before any request", async () => {
    const r = await run(["get", "together", "x"], { env: { TOGETHER_BASE_URL: "http://127.0.0.1:9/" } })
    expect(r.code).toBe(5)
    expect(r.stderr.trim().split("\n")).toEqual([
      "batchctl: MissingApiKey: no API key for together: TOGETHER_API_KEY is not set — export TOGETHER_API_KEY=… or pass --api-key-env NAME"
    ])
  })

  it("Gemini's key is also read from GOOGLE_API_KEY, as google-genai reads it, when GEMINI_API_KEY is unset", async () => {
    const base = { GEMINI_BASE_URL: emulator.baseUrl("gemini") }
    const r = await run(["list", "gemini", "--json", "--limit", "1"], { env: { ...base, GOOGLE_API_KEY: CANARY } })
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain(CANARY)
    // GEMINI_API_KEY wins when both are set (a wrong one here: refused, not silently replaced).
    const both = await run(["list", "gemini", "--limit", "1"], {
      env: { ...base, GOOGLE_API_KEY: CANARY, GEMINI_API_KEY: `${CANARY}-wrong` }
    })
    expect(both.code).toBe(5)
    expect(both.stderr).toContain("GEMINI_API_KEY")
  })

  it("--api-key-env and --base-url take the place of the provider's variables", async () => {
    const { id } = await emulator.createBatch({ provider: "respan" })
    const r = await run(
      ["get", "--api-key-env", "MY_RESPAN_KEY", "--base-url", emulator.baseUrl("respan"), "respan", id, "--json"],
      {
        env: { MY_RESPAN_KEY: CANARY }
      }
    )
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).id).toBe(id)
    const missing = await run(["get", "--api-key-env", "MY_RESPAN_KEY", "respan", id], {})
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain("MY_RESPAN_KEY is not set")
  })

  it("a wrong key: Unauthorized, exit 5, the hint names the variable, neither key is printed", async () => {
    const wrong = `${CANARY}-wrong`
    const r = await run(["list", "meshapi"], { env: { ...envFor("meshapi"), MESHAPI_API_KEY: wrong } })
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/^batchctl: Unauthorized: .* — check MESHAPI_API_KEY/)
    expect(r.stderr + r.stdout).not.toContain(wrong)
  })

  it("a key passed by mistake to --api-key-env is refused without being echoed", async () => {
    const r = await run(["get", "--api-key-env", `${CANARY}!`, "openai", "x"], {})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("--api-key-env takes the name of an environment variable")
  })

  it("nothing listening at the base URL: TransportFailure, exit 1, the hint names the variable", async () => {
    const r = await run(["get", "openai", "batch_x"], {
      env: { OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /TransportFailure: .* — no answer from http:\/\/127\.0\.0\.1:9\/v1: check the network, or OPENAI_BASE_URL/
    )
  })
})

describe("list", () => {
  it("--json prints one batch a line; --all follows every page; --status filters", async () => {
    const ids: Array<string> = []
    for (let i = 0; i < 3; i++) ids.push((await emulator.createBatch({ provider: "together", requests: 2 })).id)
    const done = (await emulator.createBatch({ provider: "together", status: "COMPLETED", requests: 2 })).id
    const all = await run(["list", "together", "--all", "--limit", "1", "--json"], { env: envFor("together") })
    expect(all.code).toBe(0)
    const seen = jsonLines(all.stdout).map((b) => b.id)
    for (const id of [...ids, done]) expect(seen).toContain(id)
    const running = await run(["list", "together", "--all", "--status", "in_progress", "--json"], {
      env: envFor("together")
    })
    const statuses = new Set(jsonLines(running.stdout).map((b) => b.status))
    expect([...statuses]).toEqual(["in_progress"])
    expect(jsonLines(running.stdout).map((b) => b.id)).not.toContain(done)
  })

  it("one page: a table, and the cursor of the next page on stderr", async () => {
    for (let i = 0; i < 3; i++) await emulator.createBatch({ provider: "moonshot" })
    const r = await run(["list", "moonshot", "--limit", "2"], { env: envFor("moonshot") })
    expect(r.code).toBe(0)
    const rows = r.stdout.trim().split("\n")
    expect(rows[0]).toMatch(/^BATCH\s+STATUS\s+REQUESTS\s+CREATED$/)
    expect(rows).toHaveLength(3)
    const cursor = /--after (\S+)/.exec(r.stderr)?.[1]
    expect(cursor).toBeDefined()
    const next = await run(["list", "moonshot", "--limit", "2", "--after", cursor ?? "", "--json"], {
      env: envFor("moonshot")
    })
    expect(next.code).toBe(0)
    expect(jsonLines(next.stdout).map((b) => b.id)).not.toContain(rows[1]?.split(/\s+/)[0])
  })

  it("--quiet prints the ids only", async () => {
    const { id } = await emulator.createBatch({ provider: "respan" })
    const r = await run(["list", "respan", "--all", "--quiet"], { env: envFor("respan") })
    expect(r.code).toBe(0)
    expect(r.stdout.split("\n")).toContain(id)
    for (const l of r.stdout.trim().split("\n")) expect(l).toMatch(/^\S+$/)
  })
})

describe("cancel", () => {
  it("cancels, is idempotent, and refuses a finished batch with exit 4", async () => {
    const { id } = await emulator.createBatch({ provider: "openai", requests: 4, completed: 1 })
    const first = await run(["cancel", "openai", id, "--json"], { env: envFor("openai") })
    expect(first.code).toBe(0)
    const [outcome] = jsonLines(first.stdout)
    expect(outcome).toMatchObject({ batchId: id, ok: true })
    expect(["cancelling", "cancelled"]).toContain((outcome?.batch as Record<string, unknown> | undefined)?.status)
    const again = await run(["cancel", "openai", id], { env: envFor("openai") })
    expect(again.code).toBe(0)
    const finished = (await emulator.createBatch({ provider: "openai", status: "completed" })).id
    const refused = await run(["cancel", "openai", finished], { env: envFor("openai") })
    expect(refused.code).toBe(4)
    expect(refused.stderr).toMatch(/^batchctl: InvalidBatchState: .*completed.* — the batch is completed/)
  })

  it("reads ids from stdin (`list --json` lines) and reports each", async () => {
    const a = (await emulator.createBatch({ provider: "anthropic" })).id
    const b = (await emulator.createBatch({ provider: "anthropic" })).id
    const listed = await run(["get", "anthropic", a, "--json"], { env: envFor("anthropic") })
    const stdin = `${listed.stdout.trim()}\n${b}\n\n`
    const r = await run(["cancel", "anthropic", "-", "--json"], { env: envFor("anthropic"), stdin })
    expect(r.code).toBe(0)
    const outcomes = jsonLines(r.stdout)
    expect(outcomes.map((o) => o.batchId).sort()).toEqual([a, b].sort())
    for (const o of outcomes) expect(o.ok).toBe(true)
  })

  it("several ids: the failures are reported per id and set the exit code", async () => {
    const ok = (await emulator.createBatch({ provider: "moonshot" })).id
    const r = await run(["cancel", "moonshot", ok, "batch_missing_1"], { env: envFor("moonshot") })
    expect(r.code).toBe(3)
    expect(r.stdout).toContain(ok)
    expect(r.stderr).toMatch(/^batchctl: batch_missing_1: BatchNotFound/m)
  })

  it("--wait follows the batch until it is cancelled", async () => {
    const { id } = await emulator.createBatch({ provider: "meshapi", requests: 6, completed: 2 })
    const r = await run(["cancel", "meshapi", id, "--wait", "--interval", "100ms", "--json"], {
      env: envFor("meshapi")
    })
    expect(r.code).toBe(0)
    const [outcome] = jsonLines(r.stdout)
    expect(outcome?.batch).toMatchObject({ id, status: "cancelled", terminal: true })
  })

  it("no ids on stdin is bad input (exit 2)", async () => {
    const r = await run(["cancel", "openai", "-"], { env: envFor("openai"), stdin: "\n" })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("no batch ids")
  })
})

describe("wait", () => {
  it("returns the terminal batch once it ends", async () => {
    const { id } = await emulator.createBatch({ provider: "together", requests: 2 })
    const p = start(["wait", "together", id, "--interval", "100ms", "--json"], { env: envFor("together") })
    await new Promise((r) => setTimeout(r, 500))
    await emulator.advance(10 * 60_000)
    const r = await p.done
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ id, status: "completed", terminal: true })
  })

  it("--timeout: WaitTimedOut, exit 7, with the last status", async () => {
    const { id } = await emulator.createBatch({ provider: "openai", requests: 50 })
    const r = await run(["wait", "openai", id, "--timeout", "1s", "--interval", "200ms"], { env: envFor("openai") })
    expect(r.code).toBe(7)
    expect(r.stderr).toMatch(/WaitTimedOut: .*last seen in_progress.* — still running/)
  })

  it("a bad duration is bad input (exit 2)", async () => {
    const r = await run(["wait", "openai", "batch_x", "--timeout", "soon"], { env: envFor("openai") })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('not a duration: "soon"')
  })
})

describe("results", () => {
  it("streams the partial results of a cancelled batch as JSON lines, or into a file", async () => {
    const { id } = await emulator.createBatch({ provider: "openai", requests: 5, completed: 2 })
    const cancelled = await run(["cancel", "openai", id, "--wait", "--interval", "100ms"], { env: envFor("openai") })
    expect(cancelled.code).toBe(0)
    const r = await run(["results", "openai", id, "--json"], { env: envFor("openai") })
    expect(r.code).toBe(0)
    const items = jsonLines(r.stdout)
    expect(items).toHaveLength(5)
    expect(items.filter((i) => i.outcome === "succeeded")).toHaveLength(2)
    expect(items.filter((i) => i.outcome === "cancelled")).toHaveLength(3)
    const dir = mkdtempSync(join(tmpdir(), "batchctl-cli-"))
    const file = join(dir, "out.jsonl")
    const written = await run(["results", "openai", id, "--out", file, "--json"], { env: envFor("openai") })
    expect(written.code).toBe(0)
    expect(JSON.parse(written.stdout)).toEqual({ file, count: 5, outcomes: { succeeded: 2, cancelled: 3 } })
    expect(jsonLines(readFileSync(file, "utf8"))).toEqual(items)
  })

  it("a running batch has no results yet: InvalidBatchState, exit 4", async () => {
    const { id } = await emulator.createBatch({ provider: "anthropic" })
    const r = await run(["results", "anthropic", id], { env: envFor("anthropic") })
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/InvalidBatchState: .*results exist once it is terminal/)
  })
})

describe("usage", () => {
  it("an unknown provider or command is bad input (exit 2)", async () => {
    const provider = await run(["get", "acme", "batch_1"], {})
    expect(provider.code).toBe(2)
    const command = await run(["frobnicate"], {})
    expect(command.code).toBe(2)
  })

  it("output piped to a file has no colour codes", async () => {
    const { id } = await emulator.createBatch({ provider: "openai" })
    const r = await run(["list", "openai"], { env: envFor("openai") })
    expect(r.stdout).toContain(id)
    expect(r.stdout).not.toContain("\u001b[")
  })
})
