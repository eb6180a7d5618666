import { BatchError, Lifecycle } from "@batchctl/core"
import * as Loopback from "@batchctl/core/testing"
import { AnthropicBatches } from "@batchctl/anthropic"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"

/** A wire batch as the adapter reads it: decoded by `WireBatch`. */
const wire = (over: Record<string, unknown>) =>
  Schema.decodeUnknownSync(AnthropicBatches.WireBatch)({
    id: "msgbatch_1",
    processing_status: "ended",
    request_counts: { processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 0 },
    ...over
  })

describe("AnthropicBatches.toStatus", () => {
  it("splits ended into cancelled / expired / completed", () => {
    assert.strictEqual(
      AnthropicBatches.toStatus(wire({ cancel_initiated_at: "2024-09-24T18:39:03.114875Z" })),
      "cancelled"
    )
    assert.strictEqual(
      AnthropicBatches.toStatus(
        wire({ request_counts: { processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 2 } })
      ),
      "expired"
    )
    assert.strictEqual(AnthropicBatches.toStatus(wire({})), "completed")
    assert.strictEqual(AnthropicBatches.toStatus(wire({ cancel_initiated_at: null })), "completed")
    // Set but not a timestamp: the cancel still happened.
    const odd = { id: "msgbatch_1", processing_status: "ended", cancel_initiated_at: "sometime yesterday" }
    assert.strictEqual(
      AnthropicBatches.toBatch(Schema.decodeUnknownSync(AnthropicBatches.WireBatch)(odd), odd).status,
      "cancelled"
    )
    assert.isUndefined(
      AnthropicBatches.toBatch(Schema.decodeUnknownSync(AnthropicBatches.WireBatch)(odd), odd).cancelRequestedAt
    )
    const cancelled = {
      id: "msgbatch_1",
      processing_status: "ended",
      cancel_initiated_at: "2024-09-24T18:39:03.114875Z"
    }
    assert.strictEqual(
      AnthropicBatches.toBatch(wire(cancelled), cancelled).cancelRequestedAt?.toISOString(),
      "2024-09-24T18:39:03.114Z"
    )
    assert.strictEqual(AnthropicBatches.toStatus(wire({ processing_status: "canceling" })), "cancelling")
    assert.strictEqual(AnthropicBatches.toStatus(wire({ processing_status: "in_progress" })), "in_progress")
    assert.strictEqual(AnthropicBatches.toStatus(wire({ processing_status: "archived" })), "unknown")
  })
  it("counts five buckets and their sum, and nothing when the vendor sends none", () => {
    const b = AnthropicBatches.toBatch(
      wire({ request_counts: { processing: 1, succeeded: 2, errored: 3, canceled: 4, expired: 5 } }),
      {}
    )
    assert.deepStrictEqual(
      { ...b.counts },
      { processing: 1, succeeded: 2, failed: 3, cancelled: 4, expired: 5, total: 15 }
    )
    assert.deepStrictEqual({ ...AnthropicBatches.toBatch(wire({ request_counts: null }), {}).counts }, {})
    // With a bucket missing the sum would undercount: no total rather than a wrong one.
    const partial = AnthropicBatches.toBatch(wire({ request_counts: { processing: 1, succeeded: 2 } }), {})
    assert.deepStrictEqual({ ...partial.counts }, { processing: 1, succeeded: 2 })
  })
  it("reads result lines of every type and refuses lines it cannot read", () => {
    assert.strictEqual(
      AnthropicBatches.toResult({ custom_id: "a", result: { type: "canceled" } })?.outcome,
      "cancelled"
    )
    assert.strictEqual(AnthropicBatches.toResult({ custom_id: "a", result: { type: "expired" } })?.outcome, "expired")
    assert.strictEqual(
      AnthropicBatches.toResult({ custom_id: "a", result: { type: "errored", error: { type: "error" } } })?.outcome,
      "errored"
    )
    assert.isUndefined(AnthropicBatches.toResult({ custom_id: "a", result: { type: "teleported" } }))
    assert.isUndefined(AnthropicBatches.toResult({ custom_id: "a", result: { type: "constructor" } }))
    assert.isUndefined(AnthropicBatches.toResult({ custom_id: "a", result: { type: "__proto__" } }))
    assert.isUndefined(AnthropicBatches.toResult({ result: { type: "succeeded" } }))
  })
})

describe("Anthropic Promise client over real HTTP", () => {
  it("sends x-api-key and anthropic-version; reads results through the base URL, not results_url's host", async () => {
    const server = await Loopback.start(({ path }) => {
      if (path.endsWith("/results"))
        return { status: 200, text: `${JSON.stringify({ custom_id: "q1", result: { type: "canceled" } })}\n` }
      if (path.includes("missing"))
        return {
          status: 404,
          body: { type: "error", error: { type: "not_found_error", message: "Not found" }, request_id: "req_1" }
        }
      return {
        status: 200,
        body: {
          id: "msgbatch_1",
          type: "message_batch",
          processing_status: "ended",
          cancel_initiated_at: "2026-08-02T17:47:04.374913+00:00",
          request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 1, expired: 0 },
          results_url: "https://api.anthropic.com/v1/messages/batches/msgbatch_1/results"
        }
      }
    })
    const client = AnthropicBatches.client({ apiKey: "sk-ant-test", baseUrl: server.url })
    try {
      const results: Array<[string, string]> = []
      for await (const r of client.results("msgbatch_1")) results.push([r.customId, r.outcome])
      assert.deepStrictEqual(results, [["q1", "cancelled"]])
      assert.strictEqual(server.seen[1]?.path, "/v1/messages/batches/msgbatch_1/results")
      for (const s of server.seen) {
        assert.strictEqual(s.headers["x-api-key"], "sk-ant-test")
        assert.strictEqual(s.headers["anthropic-version"], "2023-06-01")
      }
      const error = await client.retrieve("missing").catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.BatchNotFound)
    } finally {
      await client.close()
      await server.close()
    }
  })
})

describe("AnthropicBatches fidelity", () => {
  it("counts: only processing and the total until the batch has ended (the other buckets are zero until then)", () => {
    const running = AnthropicBatches.toBatch(
      wire({
        processing_status: "in_progress",
        request_counts: { processing: 7, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
      }),
      {}
    )
    assert.deepStrictEqual({ ...running.counts }, { processing: 7, total: 7 })
    const ended = AnthropicBatches.toBatch(wire({}), {})
    assert.deepStrictEqual(
      { ...ended.counts },
      { processing: 0, succeeded: 1, failed: 0, cancelled: 0, expired: 0, total: 1 }
    )
  })
  it("a retry-after beyond maxDelay fails at once with RateLimited carrying the wait, over real HTTP", async () => {
    const server = await Loopback.start(() => ({
      status: 429,
      headers: { "retry-after": "120" },
      body: { type: "error", error: { type: "rate_limit_error", message: "slow down" } }
    }))
    const client = AnthropicBatches.client({
      apiKey: "sk-ant-test",
      baseUrl: server.url,
      retry: { maxAttempts: 3, baseDelay: "10 millis", maxDelay: "1 second" }
    })
    try {
      const error = await client.retrieve("msgbatch_1").catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.RateLimited)
      assert.strictEqual((error as BatchError.RateLimited).retryAfterMs, 120_000)
      assert.strictEqual(server.seen.length, 1)
    } finally {
      await client.close()
      await server.close()
    }
  })
  it("a cancel refused with 400 is a state refusal only when the message is about the state", () => {
    const body = (message: string) => ({ message, codes: ["invalid_request_error"] })
    assert.isTrue(
      AnthropicBatches.invalidState({
        status: 400,
        operation: "cancel",
        body: body("Batch msgbatch_1 cannot be canceled: processing_status is ended.")
      })
    )
    assert.isFalse(
      AnthropicBatches.invalidState({
        status: 400,
        operation: "cancel",
        body: body("You have reached your specified API usage limits.")
      })
    )
    assert.isTrue(AnthropicBatches.invalidState({ status: 409, operation: "cancel", body: body("") }))
    assert.isFalse(
      AnthropicBatches.invalidState({ status: 400, operation: "retrieve", body: body("processing_status is ended") })
    )
  })
  it("extras: archived_at, results_url and the counts as sent, typed without a cast", () => {
    const raw = {
      id: "msgbatch_1",
      type: "message_batch",
      processing_status: "in_progress",
      archived_at: null,
      results_url: null,
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
    }
    const b = AnthropicBatches.toBatch(wire(raw), raw)
    const extras = AnthropicBatches.extras(b)
    const archived: string | null | undefined = extras.archived_at
    assert.isNull(archived)
    assert.deepStrictEqual(extras, {
      archived_at: null,
      results_url: null,
      type: "message_batch",
      request_counts: raw.request_counts
    })
  })
})

describe("AnthropicBatches delete and backward paging", () => {
  const run = <A>(
    server: Loopback.LoopbackServer,
    effect: Effect.Effect<A, BatchError.BatchError, AnthropicBatches.AnthropicBatches>
  ) =>
    effect.pipe(
      Effect.either,
      Effect.provide(
        AnthropicBatches.layer({
          apiKey: Redacted.make("sk-ant-test"),
          baseUrl: server.url,
          retry: { maxAttempts: 3, baseDelay: 0, maxDelay: 0 }
        }).pipe(Layer.provide(FetchHttpClient.layer))
      ),
      Effect.runPromise
    )
  const running = {
    id: "msgbatch_1",
    type: "message_batch",
    processing_status: "in_progress",
    request_counts: { processing: 1, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
  }

  it("deletes an ended batch with DELETE on its path", async () => {
    const server = await Loopback.start(({ method }) =>
      method === "DELETE"
        ? { status: 200, body: { id: "msgbatch_1", type: "message_batch_deleted" } }
        : { status: 405, body: {} }
    )
    try {
      const result = await run(server, AnthropicBatches.deleteBatch("msgbatch_1"))
      assert.deepStrictEqual(Either.getOrThrow(result), { id: "msgbatch_1", type: "message_batch_deleted" })
      assert.deepStrictEqual(
        server.seen.map((s) => `${s.method} ${s.path}`),
        ["DELETE /v1/messages/batches/msgbatch_1"]
      )
    } finally {
      await server.close()
    }
  })
  it("delete and listBefore are spans named after them, with the provider and batch id", async () => {
    const server = await Loopback.start(({ method }) =>
      method === "DELETE"
        ? { status: 200, body: { id: "msgbatch_1", type: "message_batch_deleted" } }
        : { status: 200, body: { data: [], has_more: false, first_id: null, last_id: null } }
    )
    const spans: Array<Tracer.Span> = []
    try {
      const traced = Effect.flatMap(Effect.tracer, (native) =>
        Effect.zip(
          AnthropicBatches.deleteBatch("msgbatch_1"),
          AnthropicBatches.listBefore({ before: "msgbatch_9" })
        ).pipe(
          Effect.withTracer(
            Tracer.make({
              span: (...args) => {
                const span = native.span(...args)
                spans.push(span)
                return span
              },
              context: native.context
            })
          )
        )
      )
      assert.isTrue(Either.isRight(await run(server, traced)))
      const [deleted] = spans.filter((span) => span.name === "AnthropicBatches.delete")
      assert.strictEqual(deleted?.attributes.get("provider"), "anthropic")
      assert.strictEqual(deleted?.attributes.get("batchId"), "msgbatch_1")
      assert.strictEqual(spans.filter((span) => span.name === "AnthropicBatches.listBefore").length, 1)
    } finally {
      await server.close()
    }
  })
  it("a delete refused for a running batch is InvalidBatchState with the status, not retried", async () => {
    const server = await Loopback.start(({ method }) =>
      method === "DELETE"
        ? {
            status: 409,
            body: {
              type: "error",
              error: {
                type: "invalid_request_error",
                message: "Batch msgbatch_1 cannot be deleted: it is still processing."
              }
            }
          }
        : { status: 200, body: running }
    )
    try {
      const result = await run(server, AnthropicBatches.deleteBatch("msgbatch_1"))
      assert.isTrue(Either.isLeft(result))
      const error = Either.isLeft(result) ? result.left : undefined
      assert.instanceOf(error, BatchError.InvalidBatchState)
      assert.strictEqual((error as BatchError.InvalidBatchState).vendorStatus, "in_progress")
      assert.deepStrictEqual(
        server.seen.map((s) => s.method),
        ["DELETE", "GET"]
      )
    } finally {
      await server.close()
    }
  })
  it("listBefore sends before_id and pages further back from first_id", async () => {
    const server = await Loopback.start(() => ({
      status: 200,
      body: {
        data: [
          { ...running, id: "msgbatch_2" },
          { ...running, id: "msgbatch_3" }
        ],
        has_more: true,
        first_id: "msgbatch_2",
        last_id: "msgbatch_3"
      }
    }))
    try {
      const page = Either.getOrThrow(await run(server, AnthropicBatches.listBefore({ before: "msgbatch_9", limit: 2 })))
      assert.deepStrictEqual(
        page.batches.map((b) => b.id),
        ["msgbatch_2", "msgbatch_3"]
      )
      assert.strictEqual(page.nextCursor, "msgbatch_2")
      assert.strictEqual(server.seen[0]!.path, "/v1/messages/batches?limit=2&before_id=msgbatch_9")
    } finally {
      await server.close()
    }
  })
})

describe("AnthropicBatches backward listing", () => {
  it("Lifecycle.listAll({ before }) walks back with before_id, continuing from each page's first_id", async () => {
    const pages: Record<string, { ids: Array<string>; more: boolean }> = {
      msgbatch_9: { ids: ["msgbatch_7", "msgbatch_8"], more: true },
      msgbatch_7: { ids: ["msgbatch_6"], more: false }
    }
    const server = await Loopback.start(({ path }) => {
      const before = new URL(path, "http://x").searchParams.get("before_id") ?? ""
      const page = pages[before]
      if (page === undefined)
        return {
          status: 400,
          body: { type: "error", error: { type: "invalid_request_error", message: `unexpected ${path}` } }
        }
      const data = page.ids.map((id) => ({ id, type: "message_batch", processing_status: "ended" }))
      return { status: 200, body: { data, has_more: page.more, first_id: page.ids[0], last_id: page.ids.at(-1) } }
    })
    try {
      const ids = await Stream.runCollect(Lifecycle.listAll({ before: "msgbatch_9", limit: 2 })).pipe(
        Effect.map((chunk) => Chunk.toReadonlyArray(chunk).map((b) => b.id)),
        Effect.provide(
          AnthropicBatches.layer({ apiKey: Redacted.make("sk-ant-test"), baseUrl: server.url }).pipe(
            Layer.provide(FetchHttpClient.layer)
          )
        ),
        Effect.runPromise
      )
      assert.deepStrictEqual(ids, ["msgbatch_7", "msgbatch_8", "msgbatch_6"])
      assert.deepStrictEqual(
        server.seen.map((s) => s.path),
        ["/v1/messages/batches?limit=2&before_id=msgbatch_9", "/v1/messages/batches?limit=2&before_id=msgbatch_7"]
      )
    } finally {
      await server.close()
    }
  })
})
