/**
 * The bulk cancel, over a scripted provider under the test clock: which failures are sent again and how
 * often, `attempts`, a `retry-after` that would stall the run, and a stop that reports the waiting retries.
 */
import { Batch, BatchError, BatchProvider, Lifecycle, Transport, VendorHttp } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

/** A 200 whose body is not JSON, as `VendorHttp` reports it. */
const garbled = (operation: "cancel" | "retrieve") =>
  new BatchError.UnexpectedResponse({
    provider: "test",
    operation,
    httpStatus: 200,
    message: "HTTP 200 with a body that is not JSON"
  })

/**
 * A provider whose cancel answers, per id, from a script of answers (the last one repeats); a retrieve
 * answers the status in `states` (default `in_progress`), except its first `retrieveFails` calls for that
 * id, which get an unreadable answer; each is counted in `retrieved`.
 */
const scripted = (
  script: Record<string, ReadonlyArray<"ok" | "slow" | BatchError.BatchError>>,
  states: Record<string, Batch.BatchStatus> = {},
  retrieveFails: Record<string, number> = {}
) => {
  const sent: Record<string, number> = {}
  const retrieved: Record<string, number> = {}
  const service = BatchProvider.make({
    provider: "test",
    cancel: (ref) =>
      Effect.suspend(() => {
        const n = (sent[ref.id] ?? 0) + 1
        sent[ref.id] = n
        const answers = script[ref.id] ?? ["ok"]
        const answer = answers[Math.min(n, answers.length) - 1] ?? "ok"
        const ok = Effect.succeed(
          Batch.make({ id: ref.id, provider: "test", status: "cancelling", vendorStatus: "cancelling", raw: {} })
        )
        return answer === "ok" ? ok : answer === "slow" ? Effect.delay(ok, "5 seconds") : Effect.fail(answer)
      }),
    retrieve: (ref) =>
      Effect.suspend(() => {
        const n = (retrieved[ref.id] ?? 0) + 1
        retrieved[ref.id] = n
        if (n <= (retrieveFails[ref.id] ?? 0)) return Effect.fail(garbled("retrieve"))
        const status = states[ref.id] ?? "in_progress"
        return Effect.succeed(Batch.make({ id: ref.id, provider: "test", status, vendorStatus: status, raw: {} }))
      }),
    list: () => Effect.die("unused"),
    results: () => Stream.empty
  })
  return { sent, retrieved, layer: Layer.succeed(BatchProvider.BatchProvider, service) }
}

const unavailable = new BatchError.ProviderUnavailable({
  provider: "test",
  operation: "cancel",
  httpStatus: 503,
  message: "busy"
})
const finished = new BatchError.InvalidBatchState({
  provider: "test",
  operation: "cancel",
  batchId: "done",
  vendorStatus: "completed",
  status: "completed",
  message: "finished"
})
const running = new BatchError.InvalidBatchState({
  provider: "test",
  operation: "cancel",
  batchId: "busy",
  vendorStatus: "in_progress",
  status: "in_progress",
  message: "try later"
})
const stalling = new BatchError.RateLimited({
  provider: "test",
  operation: "cancel",
  httpStatus: 429,
  retryAfterMs: 999_999_999,
  message: "slow down"
})

/**
 * A provider over `VendorHttp` and an `HttpClient` under the test clock (the client's timeout: a minute):
 * `answer(id, n)` says how many milliseconds the `n`th cancel of `id` takes to answer 200, or `never`.
 * Every send is in `sent` with its time.
 */
const overHttp = (answer: (id: string, n: number) => number | "never") => {
  const sent: Array<{ readonly id: string; readonly at: number }> = []
  const client = HttpClient.make((request) =>
    Effect.gen(function* () {
      const id = request.url.split("/").at(-2) ?? ""
      sent.push({ id, at: yield* TestClock.currentTimeMillis })
      const millis = answer(id, sent.filter((s) => s.id === id).length)
      if (millis === "never") return yield* Effect.never
      if (millis > 0) yield* Effect.sleep(millis)
      return HttpClientResponse.fromWeb(request, new Response("{}", { status: 200 }))
    })
  )
  const http = VendorHttp.makeWith(Transport.fromHttpClient(client), {
    provider: "test",
    baseUrl: "https://vendor.example/v1",
    apiKey: Redacted.make("sk-test"),
    auth: VendorHttp.bearer,
    timeout: "1 minute"
  })
  const service = BatchProvider.make({
    provider: "test",
    cancel: (ref) =>
      Effect.as(
        http.execute(HttpClientRequest.post(`/batches/${ref.id}/cancel`), { operation: "cancel", batchId: ref.id }),
        Batch.make({ id: ref.id, provider: "test", status: "cancelling", vendorStatus: "cancelling", raw: {} })
      ),
    retrieve: (ref) =>
      Effect.succeed(
        Batch.make({ id: ref.id, provider: "test", status: "in_progress", vendorStatus: "in_progress", raw: {} })
      ),
    list: () => Effect.die("unused"),
    results: () => Stream.empty
  })
  return { sent, layer: Layer.succeed(BatchProvider.BatchProvider, service) }
}

/** Runs `effect` while the test clock moves `step` ms at a time; fails the test if it is not done within 100 s. */
const untilDone = <A, E, R>(effect: Effect.Effect<A, E, R>, step = 10) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < 100_000 / step && Option.isNone(yield* Fiber.poll(fiber)); i++) yield* TestClock.adjust(step)
    assert.isTrue(Option.isSome(yield* Fiber.poll(fiber)), "done within 100 s of the test clock")
    return yield* Fiber.join(fiber)
  })

/** Runs `effect` while the test clock moves a second at a time, up to `seconds`. */
const withClock = <A, E, R>(effect: Effect.Effect<A, E, R>, seconds: number) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < seconds; i++) {
      if (Option.isSome(yield* Fiber.poll(fiber))) break
      yield* TestClock.adjust("1 second")
    }
    const done = yield* Fiber.poll(fiber)
    assert.isTrue(Option.isSome(done), `not done after ${seconds} s of test clock`)
    return yield* Fiber.join(fiber)
  })

describe("bulk cancel", () => {
  it.effect("sends again what can pass (up to `retries` more times), never what cannot; `attempts` says how many", () =>
    Effect.gen(function* () {
      const { sent, layer } = scripted({
        flaky: [unavailable, unavailable, "ok"],
        down: [unavailable],
        done: [finished],
        busy: [running, "ok"]
      })
      const outcomes = yield* withClock(
        Lifecycle.cancelMany(["flaky", "down", "done", "busy", "fine"], { concurrency: 2 }),
        120
      ).pipe(Effect.provide(layer))
      const by = Object.fromEntries(outcomes.map((o) => [o.batchId, o]))
      assert.deepStrictEqual(
        outcomes.map((o) => o.batchId),
        ["flaky", "down", "done", "busy", "fine"]
      )
      assert.strictEqual(by.flaky?._tag, "Cancelled")
      assert.strictEqual(by.flaky?.attempts, 3)
      assert.strictEqual(by.down?._tag === "Failed" && by.down.error._tag, "ProviderUnavailable")
      assert.strictEqual(sent.down, 4)
      assert.strictEqual(by.done?._tag === "Failed" && by.done.error._tag, "InvalidBatchState")
      assert.strictEqual(sent.done, 1)
      assert.strictEqual(by.busy?._tag, "Cancelled")
      assert.strictEqual(sent.busy, 2)
      assert.strictEqual(by.fine?.attempts, 1)
      const none = scripted({ down: [unavailable] })
      const once = yield* Lifecycle.cancelMany(["down"], { retries: 0 }).pipe(Effect.provide(none.layer))
      assert.strictEqual(once[0]?._tag, "Failed")
      assert.strictEqual(none.sent.down, 1)
    })
  )

  it.effect(
    "after the last unusable answer, one retrieve: a batch the vendor is cancelling all the same is Cancelled",
    () =>
      Effect.gen(function* () {
        const { sent, retrieved, layer } = scripted(
          { acted: [garbled("cancel")], running: [garbled("cancel")], down: [unavailable], done: [finished] },
          { acted: "cancelled", down: "cancelling", done: "completed" }
        )
        const outcomes = yield* withClock(
          Lifecycle.cancelMany(["acted", "running", "down", "done"], { concurrency: 2 }),
          120
        ).pipe(Effect.provide(layer))
        const by = Object.fromEntries(outcomes.map((o) => [o.batchId, o]))
        assert.strictEqual(by.acted?._tag, "Cancelled")
        assert.strictEqual(by.acted?._tag === "Cancelled" && by.acted.batch.status, "cancelled")
        assert.strictEqual(by.acted?.attempts, 4)
        assert.strictEqual(sent.acted, 4)
        // still running at the vendor: the failure stands, with its last error
        assert.strictEqual(by.running?._tag === "Failed" && by.running.error._tag, "UnexpectedResponse")
        assert.strictEqual(by.down?._tag, "Cancelled")
        // a refusal says the vendor did not act: no retrieve
        assert.strictEqual(by.done?._tag === "Failed" && by.done.error._tag, "InvalidBatchState")
        assert.deepStrictEqual(retrieved, { acted: 1, running: 1, down: 1 })
      })
  )

  it.effect(
    "a refusal whose follow-up retrieve failed each time is checked once more: a batch already cancelled is Cancelled",
    () =>
      Effect.gen(function* () {
        // The vendor refuses the cancel without saying the state (Mistral's 400 for a cancelled batch);
        // BatchProvider retrieves after each refusal, and here those retrieves come back unreadable.
        const unknown = new BatchError.InvalidBatchState({
          provider: "test",
          operation: "cancel",
          batchId: "gone",
          message: "Batch job gone is CANCELLED and cannot be cancelled"
        })
        const { sent, retrieved, layer } = scripted(
          { gone: [unknown], still: [unknown] },
          { gone: "cancelled", still: "in_progress" },
          { gone: 4, still: 4 }
        )
        const outcomes = yield* withClock(Lifecycle.cancelMany(["gone", "still"], { concurrency: 2 }), 120).pipe(
          Effect.provide(layer)
        )
        const by = Object.fromEntries(outcomes.map((o) => [o.batchId, o]))
        assert.strictEqual(sent.gone, 4)
        assert.strictEqual(by.gone?._tag, "Cancelled")
        assert.strictEqual(by.gone?._tag === "Cancelled" && by.gone.batch.status, "cancelled")
        // still running at the vendor: the refusal stands
        assert.strictEqual(by.still?._tag === "Failed" && by.still.error._tag, "InvalidBatchState")
        // four follow-ups that failed, then the bulk's own check
        assert.deepStrictEqual(retrieved, { gone: 5, still: 5 })
      })
  )

  it.effect("a retry-after of days does not stall the run: the pause is capped at a minute", () =>
    Effect.gen(function* () {
      const { layer } = scripted({ a: [stalling, "ok"] })
      const outcomes = yield* withClock(Lifecycle.cancelMany(["a", "b", "c"], { concurrency: 2 }), 90).pipe(
        Effect.provide(layer)
      )
      assert.deepStrictEqual(
        outcomes.map((o) => o._tag),
        ["Cancelled", "Cancelled", "Cancelled"]
      )
      assert.strictEqual(outcomes[0]?.attempts, 2)
    })
  )

  it.effect("a cancel the vendor rate-limits is sent again after each wait, apart from `retries`, up to 10 times", () =>
    Effect.gen(function* () {
      const busy = new BatchError.RateLimited({
        provider: "test",
        operation: "cancel",
        httpStatus: 429,
        retryAfterMs: 2_000,
        message: "slow down"
      })
      const { sent, layer } = scripted({
        patient: [busy, busy, busy, busy, busy, unavailable, "ok"],
        hopeless: [busy],
        off: [busy, "ok"]
      })
      const outcomes = yield* withClock(
        Lifecycle.cancelMany(["patient", "hopeless"], { concurrency: 2, retries: 3 }),
        120
      ).pipe(Effect.provide(layer))
      const [patient, hopeless] = outcomes
      // Five 429s and a 503 before it went through: more than `retries` (3) sends, all needed.
      assert.strictEqual(patient?._tag, "Cancelled")
      assert.strictEqual(patient?.attempts, 7)
      assert.strictEqual(hopeless?._tag === "Failed" && hopeless.error._tag, "RateLimited")
      // 10 resends after 429s, then 3 more (`retries`), then final.
      assert.strictEqual(sent.hopeless, 14)
      const none = yield* Lifecycle.cancelMany(["off"], { retries: 0 }).pipe(Effect.provide(layer))
      assert.strictEqual(none[0]?._tag, "Failed", "retries: 0 sends nothing again, 429 or not")
      assert.strictEqual(sent.off, 1)
    })
  )

  it.effect(
    "a cancel that does not answer is sent again after the attempt timeout the run's answers set, not the client's",
    () =>
      Effect.gen(function* () {
        // Answers at once, except the first cancel of each "stuck" id, which never answers; one cancel at a
        // time, so no worker is idle to send it again sooner.
        const vendor = overHttp((id, n) => (id.startsWith("stuck") && n === 1 ? "never" : 0))
        const fast = (from: number) => Array.from({ length: 20 }, (_, i) => `fast${from + i}`)
        const ids = [...fast(0), "stuck0", ...fast(20), "stuck1"]
        const outcomes = yield* untilDone(
          Lifecycle.cancelMany(ids, { concurrency: 1 }).pipe(Effect.provide(vendor.layer))
        )
        assert.isTrue(outcomes.every((o) => o._tag === "Cancelled"))
        for (const id of ["stuck0", "stuck1"]) {
          const stuck = vendor.sent.filter((s) => s.id === id)
          assert.strictEqual(stuck.length, 2)
          // The floor of the attempt timeout (1 s) plus the call's own short wait, not a minute; and for the
          // second, not a timeout fitted to the first one's whole call (its timeout and its retry).
          const gap = stuck[1]!.at - stuck[0]!.at
          assert.isTrue(gap >= 1_000 && gap <= 1_300, `${id} sent again after ${gap} ms`)
        }
      })
  )

  it.effect(
    "a vendor that turns slow mid-run is waited for: each timed-out attempt doubles the next one's timeout",
    () =>
      Effect.gen(function* () {
        // Twenty answers at once set the attempt timeout to its floor (1 s); then every answer takes 3 s.
        const vendor = overHttp((id) => (id.startsWith("fast") ? 0 : 3_000))
        const ids = [...Array.from({ length: 20 }, (_, i) => `fast${i}`), "slow0", "slow1", "slow2"]
        const outcomes = yield* untilDone(
          Lifecycle.cancelMany(ids, { concurrency: 1 }).pipe(Effect.provide(vendor.layer)),
          50
        )
        assert.deepStrictEqual(
          outcomes.filter((o) => o._tag !== "Cancelled").map((o) => o.batchId),
          [],
          "none cut off by a timeout fitted to the fast answers"
        )
        // The first slow cancel times out at 1 s and 2 s, and is answered on its third attempt (4 s); the
        // next ones are waited for at once.
        assert.strictEqual(vendor.sent.filter((s) => s.id === "slow0").length, 3)
        assert.strictEqual(vendor.sent.filter((s) => s.id === "slow2").length, 1)
      })
  )

  it.effect("at the end of a run an idle worker sends a hung cancel again, and the first answer settles it", () =>
    Effect.gen(function* () {
      // Four workers; the first cancel of "stuck" (sent once the run has seen its answers) never answers.
      const vendor = overHttp((id, n) => (id === "stuck" && n === 1 ? "never" : 0))
      const ids = [...Array.from({ length: 30 }, (_, i) => `fast${i}`), "stuck", "fast30", "fast31"]
      const started = yield* TestClock.currentTimeMillis
      const outcomes = yield* untilDone(
        Lifecycle.cancelMany(ids, { concurrency: 4 }).pipe(Effect.provide(vendor.layer))
      )
      const ended = (yield* TestClock.currentTimeMillis) - started
      assert.deepStrictEqual(
        outcomes.map((o) => o.batchId),
        ids,
        "each id reported once"
      )
      const stuck = outcomes.find((o) => o.batchId === "stuck")
      assert.strictEqual(stuck?._tag, "Cancelled")
      assert.strictEqual(stuck?.attempts, 2, "the hedge counts as a send")
      const sends = vendor.sent.filter((s) => s.id === "stuck")
      assert.strictEqual(sends.length, 2)
      // Sent again after the hedge's floor (250 ms), not the attempt timeout (1 s); and the run is over then,
      // without waiting for the hung send.
      const gap = sends[1]!.at - sends[0]!.at
      assert.isTrue(gap >= 250 && gap < 400, `sent again after ${gap} ms`)
      assert.isTrue(ended < 500, `the run took ${ended} ms`)
    })
  )

  it.effect("cancelEach over a stream of ids cancels each as it comes, not once the stream ends", () =>
    Effect.gen(function* () {
      const { sent, layer } = scripted({ b: [unavailable, "ok"] })
      // Three ids, then nothing for ten seconds (a slow list page), then two more.
      const ids = Stream.concat(
        Stream.make("a", "b", "c"),
        Stream.fromEffect(Effect.sleep("10 seconds")).pipe(Stream.flatMap(() => Stream.make("d", "e")))
      )
      const seen: Array<{ readonly id: string; readonly at: number }> = []
      const fiber = yield* Effect.fork(
        Stream.runForEach(Lifecycle.cancelEach(ids, { concurrency: 2 }), (o) =>
          Effect.map(TestClock.currentTimeMillis, (at) => {
            seen.push({ id: o.batchId, at })
          })
        ).pipe(Effect.provide(layer))
      )
      for (let i = 0; i < 120 && Option.isNone(yield* Fiber.poll(fiber)); i++) yield* TestClock.adjust("100 millis")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(seen.map((s) => s.id).sort(), ["a", "b", "c", "d", "e"], "each id reported once")
      for (const s of seen.filter((s) => ["a", "b", "c"].includes(s.id)))
        assert.isTrue(s.at < 10_000, `${s.id} reported at ${s.at} ms, before the stream's next ids`)
      assert.strictEqual(sent.b, 2, "a failure of a streamed id is retried as any other")

      // A stream of a million ids is read a little ahead of the cancels, not whole.
      let pulled = 0
      const many = Stream.range(1, 1_000_000).pipe(
        Stream.map((n) => `id${n}`),
        Stream.tap(() => Effect.sync(() => pulled++))
      )
      const first = yield* Stream.runCollect(
        Lifecycle.cancelEach(many, { concurrency: 2 }).pipe(Stream.take(5), Stream.provideLayer(layer))
      )
      assert.strictEqual(first.length, 5)
      assert.isTrue(pulled < 200, `${pulled} ids read for 5 outcomes`)
    })
  )

  it.effect("a hedged cancel's first send makes no further attempt once the hedge answered", () =>
    Effect.gen(function* () {
      // The first send of "stuck" never answers; its hedge answers. The ids go on coming for 10 s more, so
      // the run is not over when the hedge answers: the first send's call must not try again.
      const vendor = overHttp((id, n) => (id === "stuck" && n === 1 ? "never" : 0))
      const ids = Stream.concat(
        Stream.fromIterable([...Array.from({ length: 30 }, (_, i) => `fast${i}`), "stuck", "fast30", "fast31"]),
        Stream.fromEffect(Effect.sleep("10 seconds")).pipe(Stream.flatMap(() => Stream.make("late")))
      )
      const outcomes = yield* untilDone(
        Stream.runCollect(Lifecycle.cancelEach(ids, { concurrency: 4 })).pipe(Effect.provide(vendor.layer)),
        50
      )
      assert.strictEqual(Chunk.size(outcomes), 34)
      assert.strictEqual(
        vendor.sent.filter((s) => s.id === "stuck").length,
        2,
        "the first send and its hedge, no retry"
      )
    })
  )

  it.effect("attempts that time out together double the attempt timeout once, not once each", () =>
    Effect.gen(function* () {
      // Twenty answers at once (attempt timeout: its floor, 1 s); then four cancels at once whose first two
      // sends never answer.
      const vendor = overHttp((id, n) => (id.startsWith("hang") && n <= 2 ? "never" : 0))
      const ids = [...Array.from({ length: 20 }, (_, i) => `fast${i}`), "hang0", "hang1", "hang2", "hang3"]
      const outcomes = yield* untilDone(
        Lifecycle.cancelMany(ids, { concurrency: 4 }).pipe(Effect.provide(vendor.layer)),
        50
      )
      assert.isTrue(outcomes.every((o) => o._tag === "Cancelled"))
      for (const id of ["hang0", "hang1", "hang2", "hang3"]) {
        const sends = vendor.sent.filter((s) => s.id === id)
        const second = sends[2]!.at - sends[1]!.at
        assert.isTrue(second <= 2_500, `${id}: its second attempt waited ${second} ms (twice 1 s, not 2^4 s)`)
      }
    })
  )

  it.effect("onStart sees each id once, just before its first cancel is sent, retries or not", () =>
    Effect.gen(function* () {
      const { sent, layer } = scripted({ b: [unavailable, "ok"] })
      const started: Array<string> = []
      const sentBefore: Array<number> = []
      const outcomes = yield* withClock(
        Lifecycle.cancelMany(["a", "b", "c"], {
          concurrency: 1,
          onStart: (id) => {
            started.push(id)
            sentBefore.push(sent[id] ?? 0)
          }
        }).pipe(Effect.provide(layer)),
        10
      )
      assert.strictEqual(outcomes.length, 3)
      assert.deepStrictEqual(started, ["a", "b", "c"])
      assert.deepStrictEqual(sentBefore, [0, 0, 0], "called before the first send, not after")
      assert.strictEqual(sent.b, 2)
    })
  )

  it.effect("a stream of ids that dies fails the run after the outcomes of the ids it gave", () =>
    Effect.gen(function* () {
      const { layer } = scripted({})
      const ids = Stream.concat(Stream.make("a", "b"), Stream.dieMessage("the listing broke"))
      const seen: Array<string> = []
      const exit = yield* Effect.exit(
        Stream.runForEach(Lifecycle.cancelEach(ids, { concurrency: 2 }), (o) =>
          Effect.sync(() => {
            seen.push(o.batchId)
          })
        ).pipe(Effect.provide(layer))
      )
      assert.deepStrictEqual(seen.sort(), ["a", "b"])
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause), "a defect, not a run that looks complete")
    })
  )

  it.effect("a stop: no new cancel starts, and an id waiting for a retry is reported with its last failure", () =>
    Effect.gen(function* () {
      const { sent, layer } = scripted({ a: [unavailable], b: ["slow"], c: ["ok"] })
      const stop = yield* Deferred.make<void>()
      const seen: Array<string> = []
      const run = Lifecycle.cancelMany(["a", "b", "c"], {
        concurrency: 1,
        stop: Deferred.await(stop),
        onOutcome: (o) => {
          seen.push(o.batchId)
        }
      }).pipe(Effect.provide(layer))
      const fiber = yield* Effect.fork(run)
      // "a" failed once and waits for its retry; "b" is in flight (5 s); then the stop.
      yield* TestClock.adjust("100 millis")
      yield* Deferred.succeed(stop, undefined)
      yield* TestClock.adjust("10 seconds")
      const outcomes = yield* Fiber.join(fiber)
      const a = outcomes.find((o) => o.batchId === "a")
      assert.strictEqual(a?._tag === "Failed" && a.error._tag, "ProviderUnavailable")
      assert.strictEqual(
        outcomes.find((o) => o.batchId === "b")?._tag,
        "Cancelled",
        "the cancel in flight finished and is reported"
      )
      assert.isUndefined(sent.c, "no cancel started after the stop")
      assert.strictEqual(sent.a, 1)
      assert.deepStrictEqual([...seen].sort(), outcomes.map((o) => o.batchId).sort())
    })
  )

  it.effect("a burst of 429s from one window halves the concurrency once, not once per answer", () =>
    Effect.gen(function* () {
      // Eight cancels in flight at once, each answered 429 "retry after 1 s" at the same moment; then
      // every cancel succeeds. The concurrency right after the 429s shows how often it was halved.
      const attempts: Record<string, number> = {}
      let inFlight = 0
      const startedAfter429s: Array<number> = []
      const secondAt: Array<number> = []
      const service = BatchProvider.make({
        provider: "test",
        cancel: (ref) =>
          Effect.gen(function* () {
            const n = (attempts[ref.id] ?? 0) + 1
            attempts[ref.id] = n
            inFlight++
            const now = yield* TestClock.currentTimeMillis
            if (ref.id.startsWith("w") && n === 2) secondAt.push(now)
            if (now >= 100 && now < 200) startedAfter429s.push(inFlight)
            yield* Effect.sleep("100 millis")
            inFlight--
            if (ref.id.startsWith("w") && n === 1) {
              return yield* Effect.fail(
                new BatchError.RateLimited({
                  provider: "test",
                  operation: "cancel",
                  httpStatus: 429,
                  retryAfterMs: 1_000,
                  message: "slow down"
                })
              )
            }
            return Batch.make({
              id: ref.id,
              provider: "test",
              status: "cancelling",
              vendorStatus: "cancelling",
              raw: {}
            })
          }),
        retrieve: () => Effect.die("unused"),
        list: () => Effect.die("unused"),
        results: () => Stream.empty
      })
      const ids = [...Array.from({ length: 8 }, (_, i) => `w${i}`), ...Array.from({ length: 40 }, (_, i) => `x${i}`)]
      const fiber = yield* Effect.fork(
        Lifecycle.cancelMany(ids, { concurrency: 8 }).pipe(
          Effect.provide(Layer.succeed(BatchProvider.BatchProvider, service))
        )
      )
      for (let i = 0; i < 200 && Option.isNone(yield* Fiber.poll(fiber)); i++) yield* TestClock.adjust("50 millis")
      const outcomes = yield* Fiber.join(fiber)
      assert.isTrue(outcomes.every((o) => o._tag === "Cancelled"))
      // Halved once (8 → 4): four cancels at once right after the 429s; once per 429 would leave one.
      assert.strictEqual(Math.max(...startedAfter429s), 4)
      // The rate-limited ones were sent again after the wait asked for (1 s), not before.
      for (let i = 0; i < 8; i++) assert.strictEqual(attempts[`w${i}`], 2)
      assert.isTrue(secondAt.every((t) => t >= 1_100))
    })
  )

  it.effect("an onOutcome that throws is the caller's bug: logged, and no outcome is lost, nor the run stopped", () =>
    Effect.gen(function* () {
      const { layer } = scripted({})
      const seen: Array<string> = []
      const onOutcome = (o: Lifecycle.CancelOutcome) => {
        seen.push(o.batchId)
        if (o.batchId === "b") throw new Error("the report's disk is full")
      }
      const outcomes = yield* Lifecycle.cancelMany(["a", "b", "c"], { concurrency: 1, onOutcome }).pipe(
        Effect.provide(layer)
      )
      assert.deepStrictEqual(
        outcomes.map((o) => [o.batchId, o._tag]),
        [
          ["a", "Cancelled"],
          ["b", "Cancelled"],
          ["c", "Cancelled"]
        ]
      )
      const streamed = yield* Stream.runCollect(
        Lifecycle.cancelEach(["d", "b", "e"], { concurrency: 1, onOutcome })
      ).pipe(Effect.provide(layer))
      assert.deepStrictEqual(
        [...streamed].map((o) => o.batchId),
        ["d", "b", "e"]
      )
      assert.deepStrictEqual(seen, ["a", "b", "c", "d", "b", "e"])
    })
  )
})
