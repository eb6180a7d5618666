/**
 * The key is scrubbed from every rendering of an error, whatever form the vendor echoes it in, and never
 * from the data: over real HTTP on loopback, through the Promise client and the Effect layer.
 */
import { BatchError, BatchProvider, NodeClient } from "@batchctl/core"
import * as LoopbackServer from "@batchctl/core/testing"
import { OpenAiBatches } from "@batchctl/openai"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { inspect } from "node:util"

const KEY = "sk-secret-4f9a2c7e1b"
/** Every character as a JSON \uXXXX escape. */
const escaped = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")

let server: LoopbackServer.LoopbackServer

beforeAll(async () => {
  server = await LoopbackServer.start((request) => {
    const id = decodeURIComponent(request.path.split("?")[0]?.split("/batches/")[1]?.split("/")[0] ?? "")
    const auth = String(request.headers.authorization ?? "").replace(/^Bearer /, "")
    if (id === "escaped") {
      return {
        status: 401,
        text: `{"error":{"message":"Incorrect API key provided: ${escaped}","type":"invalid_request_error","code":"invalid_api_key"}}`,
        headers: { "content-type": "application/json" }
      }
    }
    if (id === "echo") {
      // The key as the server received it, in the message, a detail and the request id.
      return {
        status: 400,
        body: { error: { message: `bad key ${auth}`, param: { key: auth, list: [auth] } } },
        headers: { "x-request-id": `req_${auth}` }
      }
    }
    if (id === "not-json")
      return {
        status: 502,
        text: `<html><title>Bad gateway for /login?k=${[...auth].map((c) => `%${c.charCodeAt(0).toString(16)}`).join("")}</title></html>`
      }
    // A batch whose data holds the key's words: they stay as they are.
    return {
      status: 200,
      body: { id, object: "batch", status: "cancelled", created_at: 1711471533, metadata: { note: `status ${auth}` } }
    }
  })
})
afterAll(() => server.close())

const renderings = (error: unknown): string =>
  [
    String(error),
    (error as Error).message,
    (error as Error).stack,
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
    Cause.pretty(Cause.fail(error))
  ].join("\n")

describe("the key in errors", () => {
  it("echoed JSON-escaped: scrubbed from message, stack, inspect, JSON and Cause.pretty", async () => {
    const openai = OpenAiBatches.client({ apiKey: KEY, baseUrl: `${server.url}/v1`, retry: { maxAttempts: 1 } })
    try {
      const error = await openai.retrieve("escaped").then(
        () => undefined,
        (e: unknown) => e
      )
      assert.instanceOf(error, BatchError.Unauthorized)
      const all = renderings(error)
      assert.notInclude(all, KEY)
      assert.include(all, "[REDACTED]")
    } finally {
      await openai.close()
    }
  })

  it("given with surrounding whitespace: sent trimmed, and its echo scrubbed from message, details and request id", async () => {
    const openai = OpenAiBatches.client({
      apiKey: `  ${KEY}\n`,
      baseUrl: `${server.url}/v1`,
      retry: { maxAttempts: 1 }
    })
    try {
      const error = await openai.retrieve("echo").then(
        () => undefined,
        (e: unknown) => e
      )
      const sent = server.seen.filter((r) => r.path.includes("/batches/echo"))
      assert.deepStrictEqual(
        sent.map((r) => r.headers.authorization),
        [`Bearer ${KEY}`]
      )
      assert.instanceOf(error, BatchError.InvalidRequest)
      assert.notInclude(renderings(error), KEY)
      assert.include(String((error as BatchError.InvalidRequest).requestId), "[REDACTED]")
    } finally {
      await openai.close()
    }
  })

  it("percent-encoded inside an HTML error page: scrubbed", async () => {
    const openai = OpenAiBatches.client({ apiKey: KEY, baseUrl: `${server.url}/v1`, retry: { maxAttempts: 1 } })
    try {
      const error = await openai.retrieve("not-json").then(
        () => undefined,
        (e: unknown) => e
      )
      assert.instanceOf(error, BatchError.ProviderUnavailable)
      const all = renderings(error)
      assert.notInclude(all, KEY)
      // Nor in the form it was echoed in, from which anyone could read it back.
      assert.notInclude(all, [...KEY].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(""))
      assert.include(all, "[REDACTED]")
    } finally {
      await openai.close()
    }
  })
})

describe("the data is never scrubbed", () => {
  it.effect("a short, common key ('status') leaves ids, statuses and metadata as sent", () =>
    Effect.gen(function* () {
      const provider = yield* BatchProvider.BatchProvider
      const batch = yield* provider.retrieve("batch_status_1")
      assert.strictEqual(batch.id, "batch_status_1")
      assert.strictEqual(batch.status, "cancelled")
      assert.deepStrictEqual((batch.raw as { metadata: unknown }).metadata, { note: "status status" })
    }).pipe(
      Effect.provide(
        OpenAiBatches.layer({ apiKey: Redacted.make("status"), baseUrl: `${server.url}/v1` }).pipe(
          Layer.provide(NodeClient.layer)
        )
      )
    )
  )
})
