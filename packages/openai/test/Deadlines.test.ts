/**
 * Deadlines mean what they say: the per-attempt timeout covers the wait for the response head, not the
 * download that follows; a timeout read from the environment (`client()`) or from config (`layerConfig`)
 * is the one applied; and a `results` call whose own retrieve fails says `results`. Over real HTTP.
 */
import { BatchError, BatchProvider } from "@batchctl/core"
import { OpenAiBatches } from "@batchctl/openai"
import * as NodeClient from "@batchctl/core/NodeClient"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

const LINES = 30
const GAP_MS = 60
const line = (i: number) =>
  `${JSON.stringify({ custom_id: `r-${i}`, response: { status_code: 200, body: {} }, error: null })}\n`
const batch = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, object: "batch", status: "completed", ...extra })

let server: Server
let baseUrl = ""
const hits = { slowHead: 0 }

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? ""
    const json = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/json" })
      res.end(body)
    }
    if (path.endsWith("/batches/slow-head")) {
      hits.slowHead++
      // Far later than any timeout below: a call that waited for it would succeed instead of failing.
      return void setTimeout(() => json(200, batch("slow-head")), 10_000).unref()
    }
    if (path.endsWith("/batches/trickle")) return json(200, batch("trickle", { output_file_id: "file-trickle" }))
    if (path.endsWith("/files/file-trickle/content")) {
      // The head at once, then one line every GAP_MS: LINES × GAP_MS = 1.8 s, six times the timeout.
      res.writeHead(200, { "content-type": "application/octet-stream" })
      let i = 0
      const timer = setInterval(() => {
        res.write(line(i++))
        if (i === LINES) {
          clearInterval(timer)
          res.end()
        }
      }, GAP_MS)
      return
    }
    if (path.endsWith("/batches/halfway"))
      return json(200, batch("halfway", { output_file_id: "file-three", error_file_id: "file-down" }))
    if (path.endsWith("/batches/badline")) return json(200, batch("badline", { output_file_id: "file-bad" }))
    if (path.endsWith("/files/file-three/content")) return json(200, line(0) + line(1) + line(2))
    if (path.endsWith("/files/file-down/content"))
      return json(503, JSON.stringify({ error: { message: "overloaded" } }))
    if (path.endsWith("/files/file-bad/content")) return json(200, `${line(0)}${line(1)}not json\n${line(3)}`)
    if (path.endsWith("/batches/gone"))
      return json(
        404,
        JSON.stringify({ error: { message: "No batch found with id 'gone'.", type: "invalid_request_error" } })
      )
    if (path.endsWith("/batches/down")) return json(503, JSON.stringify({ error: { message: "overloaded" } }))
    json(404, JSON.stringify({ error: { message: "not found" } }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const saved = { ...process.env }
afterEach(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith("OPENAI_")) delete process.env[name]
  for (const [name, value] of Object.entries(saved)) if (name.startsWith("OPENAI_")) process.env[name] = value
})

const assertHeadTimeout = (error: unknown) => {
  assert.instanceOf(error, BatchError.TransportFailure)
  assert.include((error as BatchError.TransportFailure).message, "no response within 300ms")
}

describe.sequential("deadlines", () => {
  it("the timeout covers the head only: a results body that takes six times the timeout is read whole", async () => {
    const openai = OpenAiBatches.client({ apiKey: "sk-deadline-0000", baseUrl, timeout: 300 })
    const started = Date.now()
    try {
      const items = await openai.resultsArray("trickle")
      assert.strictEqual(items.length, LINES)
      assert.isAtLeast(Date.now() - started, LINES * GAP_MS * 0.8)
    } finally {
      await openai.close()
    }
  })

  it("a head later than the timeout is TransportFailure, after the timeout and not the head", async () => {
    const openai = OpenAiBatches.client({
      apiKey: "sk-deadline-0000",
      baseUrl,
      timeout: 300,
      retry: { maxAttempts: 1 }
    })
    const error = await openai.retrieve("slow-head").catch((e: unknown) => e)
    await openai.close()
    // The head comes after 10 s: failing with the 300 ms timeout is failing before it, with no clock read
    // here (a wall-clock bound flakes on a loaded machine).
    assertHeadTimeout(error)
  })

  it("client() applies OPENAI_TIMEOUT and OPENAI_MAX_RETRIES from the environment", async () => {
    process.env.OPENAI_API_KEY = "sk-deadline-env-0000"
    process.env.OPENAI_BASE_URL = baseUrl
    process.env.OPENAI_TIMEOUT = "300"
    process.env.OPENAI_MAX_RETRIES = "0"
    const before = hits.slowHead
    const openai = OpenAiBatches.client()
    const error = await openai.retrieve("slow-head").catch((e: unknown) => e)
    await openai.close()
    assertHeadTimeout(error)
    assert.strictEqual(hits.slowHead - before, 1)
  })

  it.live("layerConfig applies OPENAI_TIMEOUT from config", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve("slow-head")).pipe(
          Effect.provide(OpenAiBatches.layerConfig().pipe(Layer.provide(NodeClient.layer))),
          Effect.withConfigProvider(
            ConfigProvider.fromMap(
              new Map([
                ["OPENAI_API_KEY", "sk-deadline-cfg-0000"],
                ["OPENAI_BASE_URL", baseUrl],
                ["OPENAI_TIMEOUT", "300 millis"],
                ["OPENAI_MAX_RETRIES", "0"]
              ])
            )
          )
        )
      )
      assertHeadTimeout(error)
    })
  )

  it("a results read that fails after items were delivered says how many: the error file's 503, a bad line", async () => {
    const openai = OpenAiBatches.client({ apiKey: "sk-deadline-0000", baseUrl, retry: { maxAttempts: 1 } })
    try {
      let items = 0
      const down = await (async () => {
        for await (const _ of openai.results("halfway")) items++
      })().catch((e: unknown) => e)
      assert.strictEqual(items, 3)
      assert.instanceOf(down, BatchError.ProviderUnavailable)
      assert.strictEqual((down as BatchError.ProviderUnavailable).itemsDelivered, 3)
      assert.strictEqual((down as BatchError.ProviderUnavailable).httpStatus, 503)
      assert.include((down as BatchError.ProviderUnavailable).message, "after 3 item(s) had been delivered")
      const bad = await openai.resultsArray("badline").catch((e: unknown) => e)
      assert.instanceOf(bad, BatchError.UnexpectedResponse)
      assert.strictEqual((bad as BatchError.UnexpectedResponse).itemsDelivered, 2)
      assert.include((bad as BatchError.UnexpectedResponse).message, "line 3 of output file file-bad is not JSON")
    } finally {
      await openai.close()
    }
  })

  it("a results call whose retrieve fails names results as the failing operation", async () => {
    const openai = OpenAiBatches.client({ apiKey: "sk-deadline-0000", baseUrl, retry: { maxAttempts: 1 } })
    try {
      const gone = await openai.resultsArray("gone").catch((e: unknown) => e)
      assert.instanceOf(gone, BatchError.BatchNotFound)
      assert.strictEqual((gone as BatchError.BatchNotFound).operation, "results")
      assert.include((gone as BatchError.BatchNotFound).message, "results")
      const down = await openai.resultsArray("down").catch((e: unknown) => e)
      assert.instanceOf(down, BatchError.ProviderUnavailable)
      assert.strictEqual((down as BatchError.ProviderUnavailable).operation, "results")
    } finally {
      await openai.close()
    }
  })
})
