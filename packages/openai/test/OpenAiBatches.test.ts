import { BatchProvider, Lifecycle, VendorHttp } from "@batchctl/core"
import { OpenAiBatches } from "@batchctl/openai"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

type Route = (method: string, url: URL) => { status: number; body?: unknown; headers?: Record<string, string> }

const batch = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  object: "batch",
  status,
  created_at: 1711471533,
  request_counts: { total: 10, completed: 4, failed: 1 },
  ...extra
})

/** An HTTP client that answers with `route`, counting requests in flight. */
const routed = (route: Route) => {
  const stats = { requests: 0, inFlight: 0, maxInFlight: 0, urls: [] as Array<string> }
  const client = HttpClient.make((request, url) =>
    Effect.gen(function* () {
      stats.requests++
      stats.urls.push(`${request.method} ${url.pathname}${url.search}`)
      stats.inFlight++
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
      yield* Effect.yieldNow()
      yield* Effect.sleep(1)
      stats.inFlight--
      const r = route(request.method, url)
      return HttpClientResponse.fromWeb(
        request,
        new Response(r.body === undefined ? "" : JSON.stringify(r.body), {
          status: r.status,
          headers: { "content-type": "application/json", ...r.headers }
        })
      )
    })
  )
  return { stats, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

const provide = (route: Route) => {
  const { stats, layer } = routed(route)
  const provider = OpenAiBatches.layer({
    apiKey: Redacted.make("sk-test"),
    retry: VendorHttp.immediateRetries(3)
  }).pipe(Layer.provide(layer))
  return { stats, provider }
}

describe("Lifecycle over the OpenAI adapter", () => {
  it.live("cancelMany returns one outcome per id, in order, never failing as a whole, within the concurrency", () =>
    Effect.gen(function* () {
      const { stats, provider } = provide((method, url) => {
        const id = decodeURIComponent(url.pathname.split("/")[3] ?? "")
        if (id.startsWith("gone")) return { status: 404, body: { error: { message: "No batch found" } } }
        if (id.startsWith("done")) {
          return method === "POST"
            ? { status: 409, body: { error: { message: "Cannot cancel a batch with status 'completed'." } } }
            : { status: 200, body: batch(id, "completed") }
        }
        return { status: 200, body: batch(id, "cancelling") }
      })
      const ids = Array.from({ length: 40 }, (_, i) =>
        i % 10 === 3 ? `gone-${i}` : i % 10 === 7 ? `done-${i}` : `batch-${i}`
      )
      const outcomes = yield* Lifecycle.cancelMany([...ids, ""], { concurrency: 4 }).pipe(Effect.provide(provider))
      assert.strictEqual(outcomes.length, 41)
      assert.deepStrictEqual(
        outcomes.map((o) => o.batchId),
        [...ids, ""]
      )
      for (const o of outcomes) {
        if (o.batchId.startsWith("gone")) assert.strictEqual(o._tag === "Failed" && o.error._tag, "BatchNotFound")
        else if (o.batchId.startsWith("done"))
          assert.strictEqual(o._tag === "Failed" && o.error._tag, "InvalidBatchState")
        else if (o.batchId === "") assert.strictEqual(o._tag === "Failed" && o.error._tag, "InvalidRequest")
        else assert.strictEqual(o._tag === "Cancelled" && o.batch.status, "cancelling")
      }
      assert.isTrue(stats.maxInFlight <= 4, `max in flight ${stats.maxInFlight}`)
      assert.isTrue(stats.maxInFlight >= 2, "ran concurrently")
      // 36 cancels + 4 refusal retrieves; the empty id never reaches the network
      assert.strictEqual(stats.requests, 40 + 4)
    })
  )

  it.live(
    "cancelEach streams the same outcomes as they finish, reads ids lazily, and stops when the consumer does",
    () =>
      Effect.gen(function* () {
        const { stats, provider } = provide((_method, url) => {
          const id = decodeURIComponent(url.pathname.split("/")[3] ?? "")
          if (id.startsWith("gone")) return { status: 404, body: { error: { message: "No batch found" } } }
          return { status: 200, body: batch(id, "cancelling") }
        })
        let pulled = 0
        const ids = function* () {
          for (let i = 0; i < 1_000_000; i++) {
            pulled++
            yield i % 5 === 2 ? `gone-${i}` : `batch-${i}`
          }
        }
        // Take 30 outcomes of a million ids: only about that many are read and sent.
        const outcomes = yield* Lifecycle.cancelEach(ids(), { concurrency: 4 }).pipe(
          Stream.take(30),
          Stream.runCollect,
          Effect.provide(provider)
        )
        const list = Chunk.toReadonlyArray(outcomes)
        assert.strictEqual(list.length, 30)
        assert.isTrue(pulled < 30 + 4 * 3, `pulled ${pulled} ids`)
        assert.isTrue(stats.requests < 30 + 4 * 3, `sent ${stats.requests}`)
        assert.isTrue(stats.maxInFlight <= 4 && stats.maxInFlight >= 2, `max in flight ${stats.maxInFlight}`)
        for (const o of list) {
          if (o.batchId.startsWith("gone")) assert.strictEqual(o._tag === "Failed" && o.error._tag, "BatchNotFound")
          else assert.strictEqual(o._tag === "Cancelled" && o.batch.id, o.batchId)
        }
        const refused = yield* Effect.flip(
          Lifecycle.cancelEach(["b1"], { concurrency: 0 }).pipe(Stream.runDrain, Effect.provide(provider))
        )
        assert.strictEqual(refused._tag, "InvalidRequest")
        assert.include(refused.message, "cancelEach: concurrency must be a positive whole number")
      })
  )

  it.live(
    "cancelEach: a throwing ids iterator ends the stream with its defect (no hang); a huge concurrency starts one worker per id; stopping early closes the generator",
    () =>
      Effect.gen(function* () {
        const { provider } = provide((_method, url) => ({
          status: 200,
          body: batch(decodeURIComponent(url.pathname.split("/")[3] ?? ""), "cancelling")
        }))
        const throwing = function* () {
          yield "batch-1"
          throw new Error("the id source broke")
        }
        const exit = yield* Lifecycle.cancelEach(throwing(), { concurrency: 4 }).pipe(
          Stream.runDrain,
          Effect.provide(provider),
          Effect.timeout("5 seconds"),
          Effect.exit
        )
        assert.isTrue(exit._tag === "Failure" && String(exit.cause).includes("the id source broke"), String(exit))
        const three = yield* Lifecycle.cancelEach(["a", "b", "c"], { concurrency: Number.MAX_SAFE_INTEGER }).pipe(
          Stream.runCollect,
          Effect.provide(provider)
        )
        assert.strictEqual(Chunk.size(three), 3)
        let closed = false
        const endless = function* () {
          try {
            for (let i = 0; ; i++) yield `batch-${i}`
          } finally {
            closed = true
          }
        }
        yield* Lifecycle.cancelEach(endless(), { concurrency: 2 }).pipe(
          Stream.take(5),
          Stream.runDrain,
          Effect.provide(provider)
        )
        assert.isTrue(closed)
      })
  )

  it.effect("awaitTerminal polls on its schedule until the batch is terminal", () =>
    Effect.gen(function* () {
      const statuses = ["in_progress", "finalizing", "completed"]
      let polls = 0
      const { provider } = provide(() => ({ status: 200, body: batch("b1", statuses[Math.min(polls++, 2)]!) }))
      const fiber = yield* Effect.fork(
        Lifecycle.awaitTerminal("b1", { schedule: Lifecycle.fixedPoll(1000) }).pipe(Effect.provide(provider))
      )
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(polls, 1)
      yield* TestClock.adjust("5 seconds")
      const done = yield* Fiber.join(fiber)
      assert.strictEqual(done.status, "completed")
      assert.strictEqual(polls, 3)
    })
  )

  it.effect("awaitTerminal gives up at its deadline with the last status seen", () =>
    Effect.gen(function* () {
      const { provider } = provide(() => ({ status: 200, body: batch("b1", "in_progress") }))
      const fiber = yield* Effect.fork(
        Lifecycle.awaitTerminal("b1", { schedule: Lifecycle.fixedPoll(1000), timeout: "10 seconds" }).pipe(
          Effect.provide(provider)
        )
      )
      yield* TestClock.adjust("11 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "WaitTimedOut")
      if (error._tag === "WaitTimedOut") assert.strictEqual(error.lastStatus, "in_progress")
    })
  )

  it.effect("cancelAndWait cancels, then waits for cancelled", () =>
    Effect.gen(function* () {
      let gets = 0
      const { provider } = provide((method) =>
        method === "POST"
          ? { status: 200, body: batch("b1", "cancelling") }
          : { status: 200, body: batch("b1", gets++ < 1 ? "cancelling" : "cancelled") }
      )
      const fiber = yield* Effect.fork(
        Lifecycle.cancelAndWait("b1", { schedule: Lifecycle.fixedPoll(10) }).pipe(Effect.provide(provider))
      )
      yield* TestClock.adjust("1 second")
      const done = yield* Fiber.join(fiber)
      assert.strictEqual(done.status, "cancelled")
      assert.isTrue(done.terminal)
    })
  )

  it.live("listAll follows nextCursor across pages", () =>
    Effect.gen(function* () {
      const { stats, provider } = provide((_, url) => {
        const after = url.searchParams.get("after")
        if (after === null)
          return {
            status: 200,
            body: {
              object: "list",
              data: [batch("a", "completed"), batch("b", "failed")],
              has_more: true,
              last_id: "b"
            }
          }
        if (after === "b")
          return { status: 200, body: { object: "list", data: [batch("c", "expired")], has_more: true } }
        return { status: 200, body: { object: "list", data: [], has_more: false } }
      })
      const all = yield* Stream.runCollect(Lifecycle.listAll({ limit: 2 })).pipe(Effect.provide(provider))
      assert.deepStrictEqual(
        Chunk.toReadonlyArray(all).map((b) => b.id),
        ["a", "b", "c"]
      )
      assert.deepStrictEqual(stats.urls, [
        "GET /v1/batches?limit=2",
        "GET /v1/batches?limit=2&after=b",
        "GET /v1/batches?limit=2&after=c"
      ])
    })
  )

  it.live("a failed batch's errors.data become Batch.errors; errors of another shape leave the batch readable", () =>
    Effect.gen(function* () {
      const { provider } = provide((_, url) => {
        const id = url.pathname.split("/").at(-1) ?? ""
        if (id === "odd") return { status: 200, body: batch(id, "failed", { errors: { data: "not a list" } }) }
        return {
          status: 200,
          body: batch(id, "failed", {
            errors: {
              object: "list",
              data: [
                {
                  code: "invalid_json_line",
                  message: "This line is not parseable as valid JSON.",
                  param: null,
                  line: 3
                },
                { code: "x" },
                {}
              ]
            }
          })
        }
      })
      const failed = yield* Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve("bad")).pipe(
        Effect.provide(provider)
      )
      assert.deepStrictEqual(failed.errors, [
        { message: "This line is not parseable as valid JSON.", code: "invalid_json_line", line: 3 },
        { message: "x", code: "x" }
      ])
      const odd = yield* Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve("odd")).pipe(
        Effect.provide(provider)
      )
      assert.strictEqual(odd.status, "failed")
      assert.isUndefined(odd.errors)
    })
  )

  it.live("listAll ends when a vendor's cursors cycle (A → B → A) instead of listing forever", () =>
    Effect.gen(function* () {
      const { stats, provider } = provide((_, url) => {
        const after = url.searchParams.get("after")
        if (after === "b")
          return {
            status: 200,
            body: { object: "list", data: [batch("c", "completed")], has_more: true, last_id: "a" }
          }
        return {
          status: 200,
          body: { object: "list", data: [batch("a", "completed"), batch("b", "failed")], has_more: true, last_id: "b" }
        }
      })
      const all = yield* Stream.runCollect(Lifecycle.listAll({ limit: 2 }).pipe(Stream.take(50))).pipe(
        Effect.provide(provider)
      )
      assert.deepStrictEqual(
        Chunk.toReadonlyArray(all).map((b) => b.id),
        ["a", "b", "c", "a", "b"]
      )
      assert.deepStrictEqual(stats.urls, [
        "GET /v1/batches?limit=2",
        "GET /v1/batches?limit=2&after=b",
        "GET /v1/batches?limit=2&after=a"
      ])
    })
  )

  it.live("listAll reads a page too large for maxBodyBytes again in smaller pages, and keeps the size that fit", () =>
    Effect.gen(function* () {
      // 40 batches whose inline payload makes any page of more than 5 too large for a 4 KiB bound.
      const fleet = Array.from({ length: 40 }, (_, i) =>
        batch(`b${String(i).padStart(2, "0")}`, "completed", { note: "x".repeat(600) })
      )
      const { stats, layer } = routed((_, url) => {
        const limit = Number(url.searchParams.get("limit") ?? "20")
        const after = url.searchParams.get("after")
        const from = after === null ? 0 : fleet.findIndex((b) => b.id === after) + 1
        const data = fleet.slice(from, from + limit)
        return {
          status: 200,
          body: { object: "list", data, has_more: from + limit < fleet.length, last_id: data.at(-1)?.id ?? null }
        }
      })
      const provider = OpenAiBatches.layer({ apiKey: Redacted.make("sk-test"), maxBodyBytes: 4096 }).pipe(
        Layer.provide(layer)
      )
      const all = yield* Stream.runCollect(Lifecycle.listAll({ limit: 40 })).pipe(Effect.provide(provider))
      assert.deepStrictEqual(
        Chunk.toReadonlyArray(all).map((b) => b.id),
        fleet.map((b) => b.id)
      )
      // 40 → 20 → 10 → 5 on the first page, then pages of 5 from there on.
      assert.deepStrictEqual(stats.urls.slice(0, 5), [
        "GET /v1/batches?limit=40",
        "GET /v1/batches?limit=20",
        "GET /v1/batches?limit=10",
        "GET /v1/batches?limit=5",
        "GET /v1/batches?limit=5&after=b04"
      ])
      assert.strictEqual(stats.urls.length, 3 + 8)
      // Where even one batch is too large, the listing fails with the bound it passed, typed.
      const tiny = OpenAiBatches.layer({ apiKey: Redacted.make("sk-test"), maxBodyBytes: 256 }).pipe(
        Layer.provide(layer)
      )
      const failure = yield* Effect.flip(Stream.runCollect(Lifecycle.listAll({ limit: 4 })).pipe(Effect.provide(tiny)))
      assert.strictEqual(failure._tag, "UnexpectedResponse")
      assert.strictEqual(failure._tag === "UnexpectedResponse" ? failure.maxBodyBytes : undefined, 256)
    })
  )

  it.effect("layerConfig reads OPENAI_API_KEY and OPENAI_BASE_URL", () =>
    Effect.gen(function* () {
      const { client, seen } = (() => {
        const seen: Array<{ url: string; auth: string | undefined }> = []
        const client = HttpClient.make((request, url) => {
          seen.push({ url: url.href, auth: request.headers.authorization })
          return Effect.succeed(
            HttpClientResponse.fromWeb(
              request,
              new Response(JSON.stringify(batch("b1", "in_progress")), { status: 200 })
            )
          )
        })
        return { client, seen }
      })()
      const layer = OpenAiBatches.layerConfig().pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, client)))
      const b = yield* Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve("b1")).pipe(
        Effect.provide(layer),
        Effect.withConfigProvider(
          ConfigProvider.fromMap(
            new Map([
              ["OPENAI_API_KEY", "sk-env"],
              ["OPENAI_BASE_URL", "http://127.0.0.1:9/v1"]
            ])
          )
        )
      )
      assert.strictEqual(b.provider, "openai")
      assert.deepStrictEqual(seen, [{ url: "http://127.0.0.1:9/v1/batches/b1", auth: "Bearer sk-env" }])
    })
  )

  it.effect(
    "layerConfig without a key fails with InvalidRequest naming the variable in plain words, not a defect",
    () =>
      Effect.gen(function* () {
        const { layer } = routed(() => ({ status: 200 }))
        const error = yield* Effect.flip(
          Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve("b1")).pipe(
            Effect.provide(OpenAiBatches.layerConfig().pipe(Layer.provide(layer))),
            Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
          )
        )
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.strictEqual(error.operation, "configure")
        assert.strictEqual(error.message, "openai: OPENAI_API_KEY is not set: set it to your API key, or pass apiKey")
      })
  )
})
