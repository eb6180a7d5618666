import { BatchError, NodeClient } from "@batchctl/core"
import * as Loopback from "@batchctl/core/testing"
import { GeminiBatches } from "@batchctl/gemini"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

const decode = Schema.decodeUnknownSync(GeminiBatches.WireOperation)
const operation = (
  name: string,
  state: string,
  batchStats: Record<string, string> = { requestCount: "3", pendingRequestCount: "3" }
) => ({
  name,
  metadata: { state, batchStats, createTime: "2025-12-10T18:27:01.407650525Z", name }
})

describe("GeminiBatches", () => {
  it("reads BATCH_STATE_* and the SDKs' JOB_STATE_*; anything else is unknown", () => {
    const table: Array<[string, string]> = [
      ["BATCH_STATE_PENDING", "validating"],
      ["JOB_STATE_PENDING", "validating"],
      ["BATCH_STATE_RUNNING", "in_progress"],
      ["BATCH_STATE_SUCCEEDED", "completed"],
      ["JOB_STATE_SUCCEEDED", "completed"],
      ["BATCH_STATE_FAILED", "failed"],
      ["BATCH_STATE_CANCELLED", "cancelled"],
      ["BATCH_STATE_EXPIRED", "expired"],
      ["BATCH_STATE_UNSPECIFIED", "unknown"],
      ["BATCH_STATE_constructor", "unknown"],
      ["SUCCEEDED", "unknown"],
      ["", "unknown"]
    ]
    for (const [vendor, normalized] of table) assert.strictEqual(GeminiBatches.toStatus(vendor), normalized, vendor)
  })

  it("counts sent as strings, zero ones left out; pending is queued; nanosecond times truncated", () => {
    const pending = GeminiBatches.toBatch(decode(operation("batches/a", "BATCH_STATE_PENDING")), {})
    assert.isTrue(pending.queued)
    assert.deepStrictEqual({ ...pending.counts }, { total: 3, succeeded: 0, failed: 0, processing: 3 })
    assert.strictEqual(pending.createdAt?.toISOString(), "2025-12-10T18:27:01.407Z")
    const done = GeminiBatches.toBatch(
      decode(operation("batches/a", "BATCH_STATE_SUCCEEDED", { requestCount: "3", successfulRequestCount: "3" })),
      {}
    )
    assert.deepStrictEqual({ ...done.counts }, { total: 3, succeeded: 3, failed: 0, processing: 0 })
    assert.isUndefined(done.queued)
    // Without the total, nothing is inferred.
    assert.deepStrictEqual(
      { ...GeminiBatches.toBatch(decode(operation("batches/a", "BATCH_STATE_RUNNING", {})), {}).counts },
      {}
    )
    // A count that is not a whole number is skipped, not a crash.
    assert.deepStrictEqual(
      {
        ...GeminiBatches.toBatch(decode(operation("batches/a", "BATCH_STATE_RUNNING", { requestCount: "x3" })), {})
          .counts
      },
      {}
    )
  })

  it("downloads a responses file below /download before the API version", () => {
    assert.strictEqual(
      GeminiBatches.downloadUrl("https://generativelanguage.googleapis.com/v1beta", "files/batch-abc"),
      "https://generativelanguage.googleapis.com/download/v1beta/files/batch-abc:download?alt=media"
    )
    assert.strictEqual(
      GeminiBatches.downloadUrl("http://127.0.0.1:9/gemini/v1beta/", "files/batch-abc"),
      "http://127.0.0.1:9/gemini/download/v1beta/files/batch-abc:download?alt=media"
    )
  })

  it("cancel posts :cancel with x-goog-api-key, takes its {} and reads the batch again", async () => {
    let cancelled = false
    const server = await Loopback.start(({ method, path }) => {
      if (method === "POST" && path === "/v1beta/batches/abc:cancel") {
        cancelled = true
        return { status: 200, body: {} }
      }
      if (method === "GET" && path === "/v1beta/batches/abc") {
        return {
          status: 200,
          body: operation("batches/abc", cancelled ? "BATCH_STATE_CANCELLED" : "BATCH_STATE_RUNNING")
        }
      }
      return {
        status: 404,
        body: { error: { code: 404, message: "Requested entity was not found.", status: "NOT_FOUND" } }
      }
    })
    const client = GeminiBatches.client({ apiKey: "AIza-test-key", baseUrl: `${server.url}/v1beta` })
    try {
      const batch = await client.cancel("batches/abc")
      assert.strictEqual(batch.status, "cancelled")
      assert.deepStrictEqual(
        server.seen.map((s) => `${s.method} ${s.path}`),
        ["POST /v1beta/batches/abc:cancel", "GET /v1beta/batches/abc"]
      )
      assert.isTrue(
        server.seen.every(
          (s) => s.headers["x-goog-api-key"] === "AIza-test-key" && s.headers.authorization === undefined
        )
      )
      const bare = await client.retrieve("abc").catch((e: unknown) => e)
      assert.instanceOf(bare, BatchError.InvalidRequest)
      assert.strictEqual(server.seen.length, 2)
    } finally {
      await client.close()
      await server.close()
    }
  })

  it("reads the key from GOOGLE_API_KEY when GEMINI_API_KEY is not set, as the google-genai SDK does", async () => {
    const server = await Loopback.start(() => ({ status: 200, body: operation("batches/abc", "BATCH_STATE_RUNNING") }))
    const run = (env: Record<string, string>) =>
      Effect.runPromise(
        Effect.flatMap(GeminiBatches.GeminiBatches, (g) => g.retrieve("batches/abc")).pipe(
          Effect.provide(GeminiBatches.layerConfig().pipe(Layer.provide(NodeClient.layer))),
          Effect.withConfigProvider(
            ConfigProvider.fromMap(new Map(Object.entries({ GEMINI_BASE_URL: `${server.url}/v1beta`, ...env })))
          )
        )
      )
    try {
      await run({ GOOGLE_API_KEY: "google-key" })
      assert.strictEqual(server.seen.at(-1)?.headers["x-goog-api-key"], "google-key")
      await run({ GOOGLE_API_KEY: "google-key", GEMINI_API_KEY: "gemini-key" })
      assert.strictEqual(server.seen.at(-1)?.headers["x-goog-api-key"], "gemini-key")
      const missing = await run({}).catch((e: unknown) => e)
      assert.include(String(missing), "GEMINI_API_KEY")
      assert.deepStrictEqual(
        GeminiBatches.variables.filter((v) => v.option === "apiKey").map((v) => v.variable),
        ["GEMINI_API_KEY", "GOOGLE_API_KEY"]
      )
    } finally {
      await server.close()
    }
  })

  it("result lines: keyed, positioned when unkeyed, google.rpc CANCELLED as cancelled", () => {
    assert.deepInclude(GeminiBatches.resultItem({ key: "k", response: { candidates: [] } }, 1), {
      customId: "k",
      outcome: "succeeded"
    })
    assert.deepInclude(GeminiBatches.resultItem({ metadata: { key: "m" }, error: { code: 3 } }, 2), {
      customId: "m",
      outcome: "errored"
    })
    assert.deepInclude(GeminiBatches.resultItem({ response: {} }, 7), { customId: "7", outcome: "succeeded" })
    assert.deepInclude(GeminiBatches.resultItem({ key: "c", error: { code: 1, status: "CANCELLED" } }, 3), {
      outcome: "cancelled"
    })
    assert.isUndefined(GeminiBatches.resultItem({ key: "nothing" }, 4))
    assert.isUndefined(GeminiBatches.resultItem("text", 5))
  })
})
