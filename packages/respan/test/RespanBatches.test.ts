import { BatchError } from "@batchctl/core"
import * as Loopback from "@batchctl/core/testing"
import { RespanBatches } from "@batchctl/respan"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"

const decode = (value: string | string[] | undefined) =>
  JSON.parse(Buffer.from(String(value), "base64").toString("utf8"))

describe("RespanBatches params", () => {
  it("encodes Base64 JSON by default (UTF-8 safe) and raw JSON on request", () => {
    const params = { customer_identifier: "usér-1", metadata: { team: "ml" } }
    assert.deepStrictEqual(decode(RespanBatches.encodeParams(params)), params)
    assert.strictEqual(RespanBatches.encodeParams({ customer_identifier: "u" }, "json"), '{"customer_identifier":"u"}')
  })

  it("sends client params on every call, per-call params over them, to trailing-slash paths, over real HTTP", async () => {
    const server = await Loopback.start(() => ({
      status: 200,
      body: { id: "batch_1", object: "batch", status: "cancelling" }
    }))
    try {
      const layer = RespanBatches.layer({
        apiKey: Redacted.make("rk-test"),
        baseUrl: `${server.url}/api/v1`,
        params: { customer_identifier: "client-wide" }
      }).pipe(Layer.provide(FetchHttpClient.layer))
      await Effect.gen(function* () {
        const respan = yield* RespanBatches.RespanBatches
        yield* respan.cancel("batch_1")
        yield* respan.cancel("batch_1").pipe(RespanBatches.withParams({ customer_identifier: "this-call" }))
      }).pipe(Effect.provide(layer), Effect.runPromise)
      assert.deepStrictEqual(
        server.seen.map((s) => s.path),
        ["/api/v1/batches/batch_1/cancel/", "/api/v1/batches/batch_1/cancel/"]
      )
      assert.deepStrictEqual(decode(server.seen[0]?.headers["x-data-respan-params"]), {
        customer_identifier: "client-wide"
      })
      assert.deepStrictEqual(decode(server.seen[1]?.headers["x-data-respan-params"]), {
        customer_identifier: "this-call"
      })
      assert.strictEqual(server.seen[0]?.headers.authorization, "Bearer rk-test")
    } finally {
      await server.close()
    }
  })

  it("the Promise client takes per-call headers", async () => {
    const server = await Loopback.start(() => ({ status: 200, body: { id: "batch_1", status: "in_progress" } }))
    const client = RespanBatches.client({ apiKey: "rk-test", baseUrl: `${server.url}/api/v1` })
    try {
      await client.retrieve("batch_1", { headers: RespanBatches.headersFor({ thread_identifier: "t-9" }) })
      assert.strictEqual(server.seen[0]?.path, "/api/v1/batches/batch_1/")
      assert.deepStrictEqual(decode(server.seen[0]?.headers["x-data-respan-params"]), { thread_identifier: "t-9" })
    } finally {
      await client.close()
      await server.close()
    }
  })
})

describe("RespanBatches results", () => {
  it("reads files under /api/files/{id}/content/, beside the batch base /api/v1, over real HTTP", async () => {
    const server = await Loopback.start(({ path }) => {
      if (path === "/api/v1/batches/batch_1/") {
        return {
          status: 200,
          body: { id: "batch_1", status: "completed", output_file_id: "file-out", error_file_id: null }
        }
      }
      if (path === "/api/files/file-out/content/") {
        return {
          status: 200,
          text: `${JSON.stringify({ custom_id: "r1", response: { status_code: 200, body: {} }, error: null })}\n`
        }
      }
      return { status: 404, body: { error: { message: `no route ${path}`, type: "invalid_request_error" } } }
    })
    const client = RespanBatches.client({ apiKey: "rs-test", baseUrl: `${server.url}/api/v1` })
    try {
      const items: Array<string> = []
      for await (const item of client.results("batch_1")) items.push(`${item.customId}:${item.outcome}`)
      assert.deepStrictEqual(items, ["r1:succeeded"])
      assert.deepStrictEqual(
        server.seen.map((s) => s.path),
        ["/api/v1/batches/batch_1/", "/api/files/file-out/content/"]
      )
      assert.strictEqual(server.seen[1]!.headers.accept, "application/binary")
    } finally {
      await client.close()
      await server.close()
    }
  })
})

describe("RespanBatches list({ before })", () => {
  it("is Unsupported, without a request: the OpenAI family pages only forward", async () => {
    const server = await Loopback.start(() => ({ status: 200, body: { data: [], has_more: false } }))
    try {
      const error = await RespanBatches.RespanBatches.pipe(
        Effect.flatMap((respan) => Effect.flip(respan.list({ before: "batch_1" }))),
        Effect.provide(
          RespanBatches.layer({ apiKey: Redacted.make("rs-test"), baseUrl: `${server.url}/api/v1` }).pipe(
            Layer.provide(FetchHttpClient.layer)
          )
        ),
        Effect.runPromise
      )
      assert.instanceOf(error, BatchError.Unsupported)
      assert.strictEqual(server.seen.length, 0)
    } finally {
      await server.close()
    }
  })
})
