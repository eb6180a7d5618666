/**
 * Every public operation is a span named after it, with the provider and batch id as attributes, retries
 * and polls counted on it, and a failing call's span pointing at the caller's line.
 */
import { BatchProvider, Lifecycle, VendorHttp } from "@batchctl/core"
import { OpenAiBatches } from "@batchctl/openai"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"

const batch = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  object: "batch",
  status,
  created_at: 1711471533,
  request_counts: { total: 2, completed: 1, failed: 0 },
  ...extra
})

/** A vendor where `flaky` answers 500 once, `gone` is missing, `done` is completed with an output file. */
const vendor = () => {
  let flaky = 0
  let polls = 0
  return HttpClient.make((request, url) =>
    Effect.sync(() => {
      const path = url.pathname
      const answer = (status: number, body: unknown) =>
        HttpClientResponse.fromWeb(
          request,
          new Response(typeof body === "string" ? body : JSON.stringify(body), {
            status,
            headers: { "content-type": "application/json" }
          })
        )
      if (path === "/v1/batches")
        return answer(200, { object: "list", data: [batch("a", "completed")], has_more: false })
      if (path === "/v1/files/file-out/content") {
        return answer(
          200,
          `${JSON.stringify({ custom_id: "r1", response: { status_code: 200, body: {} }, error: null })}\n`
        )
      }
      const id = path.split("/")[3] ?? ""
      if (id === "gone") return answer(404, { error: { message: "No batch found with id 'gone'." } })
      if (id === "flaky" && flaky++ === 0) return answer(500, { error: { message: "try again" } })
      if (id === "done") return answer(200, batch("done", "completed", { output_file_id: "file-out" }))
      if (id === "slow") return answer(200, batch("slow", ++polls >= 3 ? "cancelled" : "cancelling"))
      return answer(200, batch(id, "cancelling"))
    })
  )
}

/** Runs `effect` against the vendor with a tracer that records every span it starts. */
const traced = <A, E>(effect: Effect.Effect<A, E, BatchProvider.BatchProvider>) =>
  Effect.gen(function* () {
    const native = yield* Effect.tracer
    const spans: Array<Tracer.Span> = []
    const recording = Tracer.make({
      span: (...args) => {
        const span = native.span(...args)
        spans.push(span)
        return span
      },
      context: native.context
    })
    const layer = OpenAiBatches.layer({
      apiKey: Redacted.make("sk-spans"),
      retry: VendorHttp.immediateRetries(3)
    }).pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, vendor())))
    const exit = yield* Effect.exit(effect.pipe(Effect.provide(layer), Effect.withTracer(recording)))
    const named = (name: string) => spans.filter((span) => span.name === name)
    return { exit, spans, named }
  })

const attribute = (span: Tracer.Span | undefined, key: string) => span?.attributes.get(key)

describe("spans", () => {
  it.live("cancel, retrieve, list and results are spans with the provider and batch id", () =>
    Effect.gen(function* () {
      const { exit, named } = yield* traced(
        Effect.gen(function* () {
          const provider = yield* BatchProvider.BatchProvider
          yield* provider.cancel("b1")
          yield* provider.retrieve("b2")
          yield* provider.list({ limit: 5 })
          return yield* Stream.runCollect(provider.results("done"))
        })
      )
      assert.isTrue(exit._tag === "Success")
      for (const [name, batchId] of [
        ["BatchProvider.cancel", "b1"],
        ["BatchProvider.retrieve", "b2"],
        ["BatchProvider.results", "done"]
      ] as const) {
        const [span] = named(name)
        assert.isDefined(span, name)
        assert.strictEqual(attribute(span, "provider"), "openai", name)
        assert.strictEqual(attribute(span, "batchId"), batchId, name)
      }
      assert.strictEqual(attribute(named("BatchProvider.list")[0], "provider"), "openai")
    })
  )

  it.live("a retried call counts its attempts on the operation's span", () =>
    Effect.gen(function* () {
      const { exit, named } = yield* traced(Effect.flatMap(BatchProvider.BatchProvider, (p) => p.cancel("flaky")))
      assert.isTrue(exit._tag === "Success")
      assert.strictEqual(attribute(named("BatchProvider.cancel")[0], "batchctl.attempts"), 2)
    })
  )

  it.live("a failing call's span carries the caller's frame", () =>
    Effect.gen(function* () {
      const { exit, named } = yield* traced(Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve("gone")))
      assert.isTrue(exit._tag === "Failure")
      const span = named("BatchProvider.retrieve")[0]
      assert.strictEqual(span?.status._tag, "Ended")
      assert.include(String(attribute(span, "code.stacktrace")), "Spans.test.ts")
    })
  )

  it.live("the life-cycle helpers are spans around the calls they make", () =>
    Effect.gen(function* () {
      const { exit, named } = yield* traced(
        Effect.gen(function* () {
          yield* Lifecycle.cancelMany(["b1", "gone", "b3"], { concurrency: 2 })
          yield* Lifecycle.cancelAndWait("slow", { schedule: Lifecycle.fixedPoll(1) })
          yield* Stream.runDrain(Lifecycle.cancelEach(["b4", "b5"], { concurrency: 2 }))
          yield* Stream.runDrain(Lifecycle.listAll())
        })
      )
      assert.isTrue(exit._tag === "Success")
      const [many] = named("Lifecycle.cancelMany")
      assert.strictEqual(attribute(many, "provider"), "openai")
      assert.strictEqual(attribute(many, "batchctl.concurrency"), 2)
      assert.strictEqual(attribute(many, "batchctl.cancelled"), 2)
      assert.strictEqual(attribute(many, "batchctl.failed"), 1)
      const parentOf = (span: Tracer.Span) => Option.getOrUndefined(span.parent)?.spanId
      const children = named("BatchProvider.cancel").filter(
        (span) => many !== undefined && parentOf(span) === many.spanId
      )
      assert.deepStrictEqual(children.map((span) => attribute(span, "batchId")).sort(), ["b1", "b3", "gone"])

      const [wait] = named("Lifecycle.cancelAndWait")
      const [awaited] = named("Lifecycle.awaitTerminal")
      assert.strictEqual(attribute(wait, "batchId"), "slow")
      assert.strictEqual(awaited !== undefined && parentOf(awaited), wait?.spanId)
      // The cancel answered `cancelling` (1), then two polls: `cancelling`, `cancelled`.
      assert.strictEqual(attribute(awaited, "batchctl.polls"), 2)

      const [each] = named("Lifecycle.cancelEach")
      assert.strictEqual(attribute(each, "batchctl.concurrency"), 2)
      const eachChildren = named("BatchProvider.cancel").filter(
        (span) => each !== undefined && parentOf(span) === each.spanId
      )
      assert.strictEqual(eachChildren.length, 2)
      const [all] = named("Lifecycle.listAll")
      assert.isTrue(named("BatchProvider.list").some((span) => all !== undefined && parentOf(span) === all.spanId))
    })
  )
})
