/**
 * `record` over real HTTP: against the emulator (the way a recording is made here), and against a
 * hostile loopback server that echoes the key, cookies and organization ids everywhere it can, to prove
 * that none of them reaches the file.
 */
import { Emulator } from "@batchctl/emulator"
import * as LoopbackServer from "@batchctl/core/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cli, type Fixture, Recorder } from "../src/index.js"

const CANARY = "sk-canary-7b1e0c94d2a84f6fb3e5a1c0d9e8f7a6"

const run = async (argv: ReadonlyArray<string>, env: Record<string, string>, cwd: string) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await Cli.main(argv, { cwd, env, stdout: (t) => out.push(t), stderr: (t) => err.push(t) })
  return { code, out: out.join("\n"), err: err.join("\n") }
}

const only = (dir: string) => {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json"))
  expect(files).toHaveLength(1)
  const file = join(dir, files[0] ?? "")
  return { file, text: readFileSync(file, "utf8"), json: JSON.parse(readFileSync(file, "utf8")) as Fixture.Fixture }
}

describe("record against the emulator", () => {
  let emulator: Emulator.Handle
  beforeAll(async () => {
    emulator = await Emulator.start({ apiKey: CANARY, speed: 0 })
  })
  afterAll(() => emulator.close())

  it("writes a scrubbed fixture on the vendor's URL that the suite then passes", async () => {
    const { id } = await emulator.createBatch({ provider: "openai", status: "in_progress" })
    const cwd = mkdtempSync(join(tmpdir(), "record-openai-"))
    const r = await run(
      [
        "record",
        "--provider",
        "openai",
        "--operation",
        "cancel",
        "--id",
        id,
        "--base-url",
        emulator.baseUrl("openai"),
        "--out",
        "recorded"
      ],
      { OPENAI_API_KEY: CANARY },
      cwd
    )
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    const { file, text, json } = only(join(cwd, "recorded"))
    expect(file.startsWith(join(cwd, "recorded", "openai"))).toBe(true)
    expect(r.out).toContain(file)
    expect(text).not.toContain(CANARY)
    expect(JSON.stringify([json.exchanges, json.expect])).not.toContain(`127.0.0.1:${emulator.port}`)
    expect(json.exchanges[0]?.request).toMatchObject({
      method: "POST",
      url: `https://api.openai.com/v1/batches/${id}/cancel`,
      auth: "bearer"
    })
    expect(json.exchanges[0]?.request.headers?.authorization).toBeUndefined()
    expect("batch" in json.expect && json.expect.batch).toMatchObject({ id, status: "cancelling", terminal: false })
    // From a local server it is no evidence of the vendor: not `recorded`.
    expect(json.source).toMatchObject({ kind: "synthetic", baseUrl: emulator.baseUrl("openai") })
    expect(typeof json.source.recordedAt).toBe("string")
    expect(json.source.adapter).toMatch(/^@batchctl\/openai@/)
    expect(r.out).toContain("it replays")
    const replay = await run(["--fixtures", "recorded", "--provider", "openai"], {}, cwd)
    expect(replay.code).toBe(0)
    expect(replay.out).toContain("1 passed, 0 failed")
  })

  it("rebases Anthropic's results_url too, and puts the key where x-api-key says", async () => {
    const { id } = await emulator.createBatch({ provider: "anthropic", status: "ended", requests: 3, completed: 3 })
    const cwd = mkdtempSync(join(tmpdir(), "record-anthropic-"))
    const r = await run(
      [
        "record",
        "--provider",
        "anthropic",
        "--operation",
        "results",
        "--id",
        id,
        "--base-url",
        emulator.baseUrl("anthropic"),
        "--out",
        "f"
      ],
      { ANTHROPIC_API_KEY: CANARY },
      cwd
    )
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    const { text, json } = only(join(cwd, "f"))
    expect(text).not.toContain(CANARY)
    expect(JSON.stringify([json.exchanges, json.expect])).not.toContain("127.0.0.1")
    expect(json.exchanges.map((x) => x.request.url)).toEqual([
      `https://api.anthropic.com/v1/messages/batches/${id}`,
      `https://api.anthropic.com/v1/messages/batches/${id}/results`
    ])
    expect(json.exchanges[0]?.request.auth).toBe("x-api-key")
    expect("results" in json.expect && json.expect.results).toHaveLength(3)
    const replay = await run(["--fixtures", "f"], {}, cwd)
    expect(replay.out).toContain("1 passed, 0 failed")
  })

  it("rebases URLs beside the base too: Respan's files under /api/files, next to /api/v1", async () => {
    const { id } = await emulator.createBatch({ provider: "respan", status: "completed", requests: 2, completed: 2 })
    const cwd = mkdtempSync(join(tmpdir(), "record-respan-"))
    const r = await run(
      [
        "record",
        "--provider",
        "respan",
        "--operation",
        "results",
        "--id",
        id,
        "--base-url",
        emulator.baseUrl("respan"),
        "--out",
        "f"
      ],
      { RESPAN_API_KEY: CANARY },
      cwd
    )
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    const { text, json } = only(join(cwd, "f"))
    expect(text).not.toContain(CANARY)
    expect(JSON.stringify([json.exchanges, json.expect])).not.toContain("127.0.0.1")
    expect(json.exchanges[0]?.request.url).toBe(`https://api.respan.ai/api/v1/batches/${id}/`)
    expect(json.exchanges.slice(1).every((x) => x.request.url.startsWith("https://api.respan.ai/api/files/"))).toBe(
      true
    )
    expect((await run(["--fixtures", "f"], {}, cwd)).out).toContain("1 passed, 0 failed")
  })

  it("records a list page with the query it sent", async () => {
    await emulator.createBatch({ provider: "openai", status: "completed" })
    await emulator.createBatch({ provider: "openai", status: "in_progress" })
    const cwd = mkdtempSync(join(tmpdir(), "record-list-"))
    const r = await run(
      [
        "record",
        "--provider",
        "openai",
        "--operation",
        "list",
        "--limit",
        "1",
        "--base-url",
        emulator.baseUrl("openai"),
        "--out",
        "f",
        "--scenario",
        "one"
      ],
      { OPENAI_API_KEY: CANARY },
      cwd
    )
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    const { file, text, json } = only(join(cwd, "f"))
    expect(file.endsWith(join("openai", "list.one.json"))).toBe(true)
    expect(text).not.toContain(CANARY)
    expect(json.input).toEqual({ limit: 1 })
    expect(json.exchanges[0]?.request.url).toBe("https://api.openai.com/v1/batches?limit=1")
    expect("page" in json.expect && json.expect.page.batches).toHaveLength(1)
    expect((await run(["--fixtures", "f"], {}, cwd)).out).toContain("1 passed, 0 failed")
  })

  it("without the key in the environment it says which variable, and writes nothing", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "record-nokey-"))
    const r = await run(
      ["record", "--provider", "openai", "--operation", "retrieve", "--id", "b", "--out", "f"],
      {},
      cwd
    )
    expect(r.code).toBe(2)
    expect(r.err).toContain("OPENAI_API_KEY")
    expect(readdirSync(cwd)).toEqual([])
  })
})

describe("rebasing", () => {
  it("drops the path segments both bases end with", () => {
    expect(Recorder.rebaseBases("http://127.0.0.1:8080/respan/api/v1", "https://api.respan.ai/api/v1")).toEqual({
      from: "http://127.0.0.1:8080/respan",
      to: "https://api.respan.ai"
    })
    expect(Recorder.rebaseBases("http://127.0.0.1:8080/anthropic", "https://api.anthropic.com")).toEqual({
      from: "http://127.0.0.1:8080/anthropic",
      to: "https://api.anthropic.com"
    })
    expect(Recorder.rebaseBases("http://localhost/v1", "https://api.openai.com/v1")).toEqual({
      from: "http://localhost",
      to: "https://api.openai.com"
    })
  })
})

describe("record scrubs what a hostile server echoes", () => {
  it("the canary key, cookies, organization and project ids appear nowhere in the file", async () => {
    const COOKIE = "sessionid=Zq8vB3kL0pX7wR2t"
    const server = await LoopbackServer.start((req) => ({
      status: 200,
      headers: {
        "set-cookie": `${COOKIE}; Path=/; HttpOnly`,
        "openai-organization": "org-Hx4kQ9wZ2mB7",
        "openai-project": "proj_Lm3nP8qR5sT1",
        "x-request-id": "req_abc123",
        "x-echo-key": String(req.headers.authorization)
      },
      body: {
        id: "batch_1",
        object: "batch",
        status: "in_progress",
        created_at: 1761083220,
        metadata: {
          echoed: String(req.headers.authorization),
          organization: "org-Hx4kQ9wZ2mB7",
          note: `key ${CANARY} cookie Zq8vB3kL0pX7wR2t`
        },
        organization_id: "org-Hx4kQ9wZ2mB7",
        project_id: "proj_Lm3nP8qR5sT1"
      }
    }))
    try {
      const cwd = mkdtempSync(join(tmpdir(), "record-hostile-"))
      const r = await run(
        [
          "record",
          "--provider",
          "openai",
          "--operation",
          "retrieve",
          "--id",
          "batch_1",
          "--base-url",
          `${server.url}/v1`,
          "--out",
          "f"
        ],
        { OPENAI_API_KEY: CANARY },
        cwd
      )
      expect(r.err).toBe("")
      expect(r.code).toBe(0)
      expect(r.out).not.toContain(CANARY)
      const { text, json } = only(join(cwd, "f"))
      for (const secret of [CANARY, "Zq8vB3kL0pX7wR2t", "org-Hx4kQ9wZ2mB7", "proj_Lm3nP8qR5sT1", "Bearer"]) {
        expect(text).not.toContain(secret)
      }
      expect(json.exchanges[0]?.response.headers).toEqual({
        "content-type": "application/json",
        "x-request-id": "req_abc123"
      })
      expect(
        (json.exchanges[0]?.response.body as { metadata?: { echoed?: string } } | undefined)?.metadata?.echoed
      ).toBe("[REDACTED]")
      expect(json.exchanges[0]?.request.url).toBe("https://api.openai.com/v1/batches/batch_1")
      expect(server.seen[0]?.headers.authorization).toBe(`Bearer ${CANARY}`)
    } finally {
      await server.close()
    }
  })
})
