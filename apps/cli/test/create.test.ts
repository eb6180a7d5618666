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

/** `AZURE_OPENAI`, `GROQ`, …: the provider's environment prefix. */
const prefix = (provider: Emulator.VendorName) => provider.toUpperCase().replaceAll("-", "_")

const envFor = (provider: Emulator.VendorName) => ({
  [`${prefix(provider)}_API_KEY`]: CANARY,
  [`${prefix(provider)}_BASE_URL`]: emulator.baseUrl(provider)
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

describe("--model", () => {
  it("names the batch's model where the create has one, and leaves the lines as written (as --help says)", async () => {
    const help = await run(["run", "--help"])
    expect(help.stdout).toContain("neither fills nor replaces a line's body.model")
    const file = jsonl("model.jsonl", 2)
    const dry = async (provider: Emulator.Provider) => {
      const r = await run(["submit", file, "--provider", provider, "--model", "X", "--dry-run", "--json"], {
        env: { [`${prefix(provider)}_BASE_URL`]: emulator.baseUrl(provider) }
      })
      expect(r.code, r.stderr).toBe(0)
      return JSON.stringify(JSON.parse(r.stdout))
    }
    const together = await dry("together")
    expect(together).toContain('"model_id":"X"')
    expect(together).toContain('"model":"m-1"')
    const openai = await dry("openai")
    expect(openai).not.toContain('"X"')
    expect(openai).toContain('"model":"m-1"')
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

/** The five newer vendors: each creates its own way (a file, inline, an empty batch then its requests). */
const newer: ReadonlyArray<{ readonly provider: Emulator.VendorName; readonly id: RegExp }> = [
  { provider: "azure-openai", id: /^batch_/ },
  { provider: "groq", id: /^batch_/ },
  { provider: "mistral", id: /^[0-9a-f-]{36}$/ },
  { provider: "gemini", id: /^batches\/\S+$/ },
  { provider: "xai", id: /^batch_/ }
]

describe("submit and run on the newer vendors", () => {
  for (const { provider, id: idShape } of newer) {
    it(`${provider}: submit prints the id; the emulator holds exactly that one new batch, with the requests`, async () => {
      const before = emulator.batchIds(provider)
      const file = jsonl(`${provider}-submit.jsonl`, 3)
      const r = await run(["submit", file, "--provider", provider], { env: envFor(provider) })
      expect(r.code, r.stderr).toBe(0)
      const id = r.stdout.trim()
      expect(id).toMatch(idShape)
      const added = emulator.batchIds(provider).filter((b) => !before.includes(b))
      expect(added).toEqual([id.replace(/^batches\//, "")])
      // the batch as the vendor shows it, read back through batchctl's own get, holds the three requests
      await emulator.advance(48 * 3600_000)
      const got = await run(["get", provider, id, "--json"], { env: envFor(provider) })
      expect(got.code, got.stderr).toBe(0)
      expect(JSON.parse(got.stdout)).toMatchObject({ id, counts: { total: 3 } })
    })

    it(`${provider}: run creates, waits and streams the results as JSON lines`, async () => {
      const before = emulator.batchIds(provider).length
      const file = jsonl(`${provider}-run.jsonl`, 4)
      const r = await run(["run", file, "--provider", provider, "--interval", "100ms"], { env: envFor(provider) })
      expect(r.code, r.stderr).toBe(0)
      const items = jsonLines(r.stdout) as unknown as ReadonlyArray<{ customId: string; outcome: string }>
      expect(items.map((i) => i.customId).sort()).toEqual(["c-0", "c-1", "c-2", "c-3"])
      expect(items.every((i) => i.outcome === "succeeded")).toBe(true)
      expect(r.stderr).toContain(`created ${provider} batch`)
      expect(emulator.batchIds(provider).length).toBe(before + 1)
    })
  }

  it("azure-openai without an endpoint: the typed message, a non-zero exit, nothing sent, the key never printed", async () => {
    const before = emulator.batchIds("azure-openai").length
    const file = jsonl("azure-no-endpoint.jsonl", 2)
    for (const command of ["submit", "run"]) {
      const r = await run([command, file, "--provider", "azure-openai"], { env: { AZURE_OPENAI_API_KEY: CANARY } })
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain("InvalidRequest")
      expect(r.stderr).toContain("the resource endpoint is required")
      expect(r.stderr).toContain("AZURE_OPENAI_ENDPOINT")
      expect(`${r.stdout}${r.stderr}`).not.toContain(CANARY)
    }
    expect(emulator.batchIds("azure-openai").length).toBe(before)
  })
})
