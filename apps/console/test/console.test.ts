/**
 * The console's server in process, against the emulator through the OpenAI and Anthropic adapters: the
 * live feed (everything, then what changed, waiting for a change), cancel, results, and the refusals.
 * The browser tests are in apps/cli/test/console.test.ts (they run the built CLI).
 */
import { AnthropicBatches } from "@batchctl/anthropic"
import { BatchProvider, NodeClient } from "@batchctl/core"
import { Emulator } from "@batchctl/emulator"
import { OpenAiBatches } from "@batchctl/openai"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Console } from "../src/index.js"
import * as Security from "../src/internal/Security.js"

const KEY = "sk-console-unit-canary-5b4a39"
let emulator: Emulator.Handle
let scope: Scope.CloseableScope
let handle: Console.Handle
const logged: Array<string> = []
let cookie: string
let token: string

beforeAll(async () => {
  emulator = await Emulator.start({ apiKey: KEY, timings: { cancellingMs: 1_000 } })
  for (let i = 0; i < 30; i++) await emulator.createBatch({ provider: "openai", requests: 10_000, completed: i })
  await emulator.createBatch({ provider: "openai", status: "completed", requests: 30, completed: 30 })
  for (let i = 0; i < 5; i++) await emulator.createBatch({ provider: "anthropic", requests: 10_000 })
  scope = Effect.runSync(Scope.make())
  const build = (layer: Layer.Layer<BatchProvider.BatchProvider, unknown, never>) =>
    Effect.map(Layer.build(layer), (ctx) => Context.get(ctx, BatchProvider.BatchProvider))
  handle = await Effect.runPromise(
    Effect.gen(function* () {
      const openai = yield* build(
        Layer.provide(
          OpenAiBatches.layer({ apiKey: Redacted.make(KEY), baseUrl: emulator.baseUrl("openai") }),
          NodeClient.layer
        )
      )
      const anthropic = yield* build(
        Layer.provide(
          AnthropicBatches.layer({ apiKey: Redacted.make(KEY), baseUrl: emulator.baseUrl("anthropic") }),
          NodeClient.layer
        )
      )
      return yield* Console.make({
        sources: [
          { provider: "openai", service: openai },
          { provider: "anthropic", service: anthropic }
        ],
        // Listings far apart: batches being cancelled move on screen because they are followed.
        refreshMillis: 60_000,
        log: (line) => logged.push(line)
      })
    }).pipe(Scope.extend(scope))
  )
  token = new URL(handle.openUrl).searchParams.get("token")!
  const r = await fetch(handle.openUrl, { redirect: "manual" })
  expect(r.status).toBe(303)
  cookie = r.headers.get("set-cookie")!.split(";")[0]!
})

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await emulator.close()
})

interface Row {
  readonly key: string
  readonly provider: string
  readonly id: string
  readonly status: string
  readonly terminal: boolean
  readonly error?: { readonly tag: string; readonly requestId?: string }
}
interface Answer {
  readonly version: number
  readonly reset: boolean
  readonly rows: ReadonlyArray<Row>
  readonly row: Row
  readonly items: ReadonlyArray<unknown>
  readonly more: boolean
  readonly providers: ReadonlyArray<{ readonly refreshedAt?: number; readonly refreshing: boolean }>
}
interface Outcome {
  readonly key: string
  readonly ok: boolean
  readonly status?: string
  readonly error: { readonly tag: string; readonly requestId?: string }
}

const get = async (path: string) => {
  const r = await fetch(new URL(path, handle.url), { headers: { cookie } })
  expect(r.status).toBe(200)
  return (await r.json()) as Answer
}

const everything = async () => {
  for (;;) {
    const d = await get("/api/batches")
    if (d.rows.length >= 36 && d.providers.every((p) => p.refreshedAt !== undefined && !p.refreshing)) return d
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe("Console", () => {
  it("lists every batch of every source and answers a wait for changes as soon as one comes", async () => {
    const first = await everything()
    expect(new Set(first.rows.map((r) => r.provider))).toEqual(new Set(["openai", "anthropic"]))
    const waiting = get(`/api/batches?since=${first.version}&wait=1`)
    let answered = false
    void waiting.then(() => {
      answered = true
    })
    await new Promise((r) => setTimeout(r, 300))
    // Nothing changed yet (the next listing is a minute away): the request waits.
    expect(answered).toBe(false)
    const { id } = await emulator.createBatch({ provider: "openai", status: "completed", requests: 2, completed: 2 })
    // A look at one batch changes the store: the waiting request gets that change.
    await get(`/api/batch?provider=openai&id=${id}`)
    const next = await waiting
    expect(next.reset).toBe(false)
    expect(next.version).toBeGreaterThan(first.version)
    expect(next.rows.map((r) => r.id)).toEqual([id])
  })

  it("cancels through the adapters, follows the batches to cancelled, and shows a refusal with its request id", async () => {
    const { rows } = await everything()
    const running = rows.filter((r) => r.provider === "openai" && !r.terminal).slice(0, 3)
    const done = rows.find((r) => r.status === "completed")!
    const r = await fetch(new URL("/api/cancel", handle.url), {
      method: "POST",
      headers: {
        cookie,
        origin: handle.url.replace(/\/$/, ""),
        "x-batchctl-token": token,
        "content-type": "application/json"
      },
      body: JSON.stringify({ batches: [...running, done].map((b) => ({ provider: b.provider, id: b.id })) })
    })
    expect(r.status).toBe(200)
    const { outcomes } = (await r.json()) as { outcomes: Array<Outcome> }
    expect(outcomes.filter((o) => o.ok).map((o) => o.status)).toEqual(["cancelling", "cancelling", "cancelling"])
    const refused = outcomes.find((o) => !o.ok)!
    expect(refused.error.tag).toBe("InvalidBatchState")
    expect(refused.error.requestId).toMatch(/^req_/)
    for (;;) {
      const now = await get("/api/batches")
      const states = running.map((b) => now.rows.find((x) => x.key === b.key)?.status)
      if (states.every((s) => s === "cancelled")) break
      await new Promise((r) => setTimeout(r, 200))
    }
    const detail = await get(`/api/batch?provider=openai&id=${done.id}`)
    expect(detail.row.error?.requestId).toBe(refused.error.requestId)
    expect(logged.some((l) => l.startsWith("cancel: 4 batches asked (openai 4)"))).toBe(true)
    const preview = await get(`/api/results?provider=openai&id=${running[0]!.id}&limit=5`)
    expect(preview.items).toHaveLength(5)
    expect(preview.more).toBe(true)
    const download = await fetch(new URL(`/api/results.jsonl?provider=openai&id=${running[0]!.id}`, handle.url), {
      headers: { cookie }
    })
    expect(download.headers.get("content-disposition")).toContain("attachment")
    expect((await download.text()).trim().split("\n")).toHaveLength(10_000)
    expect(JSON.stringify(logged)).not.toContain(KEY)
  })
})

describe("Security", () => {
  it("takes addresses and localhost as Host, with this port only", () => {
    expect(Security.hostAllowed("127.0.0.1:8080", 8080)).toBe(true)
    expect(Security.hostAllowed("localhost:8080", 8080)).toBe(true)
    expect(Security.hostAllowed("[::1]:8080", 8080)).toBe(true)
    expect(Security.hostAllowed("127.0.0.1:8081", 8080)).toBe(false)
    expect(Security.hostAllowed("evil.example:8080", 8080)).toBe(false)
    expect(Security.hostAllowed("127.0.0.1.nip.io:8080", 8080)).toBe(false)
    expect(Security.hostAllowed(undefined, 8080)).toBe(false)
  })

  it("refuses a change without its own origin, the token or a JSON body", () => {
    const ok = {
      host: "127.0.0.1:1",
      origin: "http://127.0.0.1:1",
      "x-batchctl-token": "t",
      "content-type": "application/json"
    }
    expect(Security.refuseChange(ok, "t")).toBeUndefined()
    expect(Security.refuseChange({ ...ok, origin: "http://evil.example" }, "t")).toContain("cross-origin")
    expect(Security.refuseChange({ ...ok, origin: undefined }, "t")).toBe("no Origin header")
    expect(Security.refuseChange({ ...ok, "sec-fetch-site": "cross-site" }, "t")).toContain("Sec-Fetch-Site")
    expect(Security.refuseChange({ ...ok, "x-batchctl-token": "u" }, "t")).toContain("token")
    expect(Security.refuseChange({ ...ok, "content-type": "text/plain" }, "t")).toContain("application/json")
  })

  it("reads one cookie among several", () => {
    expect(Security.cookieValue("a=1; batchctl_console_9=xyz; b=2", "batchctl_console_9")).toBe("xyz")
    expect(Security.cookieValue("a=1", "batchctl_console_9")).toBeUndefined()
  })
})
