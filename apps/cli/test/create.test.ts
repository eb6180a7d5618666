/**
 * submit and run, as a subprocess against the emulator: the id printed, the results as JSON lines,
 * --dry-run sending nothing (and needing no key), a bad line refused before anything is sent, Ctrl-C
 * cancelling the batch a run started when asked, and the canary key never printed.
 */
import { Emulator } from "@batchctl/emulator"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CANARY, jsonLines, printed, run, start } from "./helpers.js"

let emulator: Emulator.Handle
let dir: string

const envFor = (provider: Emulator.Provider) => ({
  [`${provider.toUpperCase()}_API_KEY`]: CANARY,
  [`${provider.toUpperCase()}_BASE_URL`]: emulator.baseUrl(provider)
})

const jsonl = (name: string, n: number, extra: ReadonlyArray<string> = []) => {
  const path = join(dir, name)
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      custom_id: `c-${i}`,
      body: { model: "m-1", max_tokens: 8, messages: [{ role: "user", content: `hi ${i}` }] }
    })
  )
  writeFileSync(path, `${[...lines, ...extra].join("\n")}\n`)
  return path
}

/** How many batches the emulator holds for a provider. */
const count = async (provider: Emulator.Provider) => {
  const r = await run(["list", provider, "--all", "--json"], { env: envFor(provider) })
  return jsonLines(r.stdout).length
}

beforeAll(async () => {
  // Fast enough that a small batch ends within a second of real time.
  emulator = await Emulator.start({ apiKey: CANARY, speed: 50 })
  dir = mkdtempSync(join(tmpdir(), "batchctl-cli-create-"))
})

afterAll(async () => {
  await emulator.close()
  rmSync(dir, { recursive: true, force: true })
  expect(printed.length).toBeGreaterThan(0)
  for (const text of printed) expect(text).not.toContain(CANARY)
})

describe("submit", () => {
  it("prints the id of the batch it started; --json prints the batch", async () => {
    const file = jsonl("three.jsonl", 3)
    const r = await run(["submit", file, "--provider", "openai"], { env: envFor("openai") })
    expect(r.code).toBe(0)
    const id = r.stdout.trim()
    expect(id).toMatch(/^batch_/)
    const got = await run(["get", "openai", id, "--json"], { env: envFor("openai") })
    expect(JSON.parse(got.stdout).id).toBe(id)
    const j = await run(["submit", file, "--provider", "anthropic", "--json"], { env: envFor("anthropic") })
    expect(j.code).toBe(0)
    expect(JSON.parse(j.stdout)).toMatchObject({ provider: "anthropic", status: "in_progress" })
  })

  it("reads stdin for -", async () => {
    const text = readFileSync(jsonl("stdin.jsonl", 2), "utf8")
    const r = await run(["submit", "--provider", "meshapi", "--metadata", "team=ml", "-"], {
      env: envFor("meshapi"),
      stdin: text
    })
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toMatch(/^batch_/)
  })

  it("refuses a bad line before anything is sent: InvalidRequest naming the line, exit 2", async () => {
    const before = await count("together")
    const file = jsonl("bad.jsonl", 3, ["{not json"])
    const r = await run(["submit", file, "--provider", "together"], { env: envFor("together") })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("InvalidRequest")
    expect(r.stderr).toContain("line 4 is not valid JSON")
    expect(await count("together")).toBe(before)
  })

  it("--dry-run checks and prints the calls without a key and without sending", async () => {
    const before = await count("openai")
    const file = jsonl("dry.jsonl", 4)
    const r = await run(["submit", file, "--provider", "openai", "--dry-run", "--json"], {
      env: { OPENAI_BASE_URL: emulator.baseUrl("openai") }
    })
    expect(r.code).toBe(0)
    const plan = JSON.parse(r.stdout)
    expect(plan).toMatchObject({ dryRun: true, requests: 4, endpoint: "/v1/chat/completions", model: "m-1" })
    expect(plan.calls.map((c: { path: string }) => c.path)).toEqual(["/files", "/batches"])
    expect(await count("openai")).toBe(before)
  })
})

describe("run", () => {
  it("creates, waits and writes the results as JSON lines to stdout", async () => {
    const file = jsonl("run.jsonl", 4)
    const r = await run(["run", file, "--provider", "together", "--interval", "100ms"], { env: envFor("together") })
    expect(r.code).toBe(0)
    const items = jsonLines(r.stdout) as unknown as ReadonlyArray<{ customId: string; outcome: string }>
    expect(items.map((i) => i.customId).sort()).toEqual(["c-0", "c-1", "c-2", "c-3"])
    expect(r.stderr).toContain("created together batch")
  })

  it("--output FILE: the results go to the file", async () => {
    const file = jsonl("run-out.jsonl", 3)
    const out = join(dir, "results.jsonl")
    const r = await run(["run", file, "--provider", "anthropic", "--interval", "100ms", "--output", out], {
      env: envFor("anthropic")
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toBe("")
    expect(jsonLines(readFileSync(out, "utf8"))).toHaveLength(3)
  })

  it("Ctrl-C with --cancel-on-interrupt cancels the batch it started", async () => {
    const file = jsonl("run-cancel.jsonl", 50)
    const p = start(["run", file, "--provider", "openai", "--interval", "100ms", "--cancel-on-interrupt"], {
      env: envFor("openai")
    })
    while (!p.stderr().includes("created openai batch")) await new Promise((r) => setTimeout(r, 50))
    const id = /created openai batch (\S+)/.exec(p.stderr())?.[1] ?? ""
    p.child.kill("SIGINT")
    const r = await p.done
    expect(r.code).toBe(130)
    expect(r.stderr).toContain(`cancel of ${id} requested`)
    const got = await run(["get", "openai", id, "--json"], { env: envFor("openai") })
    expect(["cancelling", "cancelled"]).toContain(JSON.parse(got.stdout).status)
  })
})
