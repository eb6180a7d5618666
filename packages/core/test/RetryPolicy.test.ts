import { NodeClient, RetryPolicy, Transport, VendorErrorBody, VendorHttp } from "@batchctl/core"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as Operation from "../src/internal/operation.js"
import { type Scripted, scripted, scriptedServer } from "./utils.js"

const KEY = "sk-test-0123456789abcdef"

/** A transport, and where it sends. */
interface Wire {
  readonly transport: Transport.Service
  readonly baseUrl: string
}

/** The two transports, each answering from the same script. */
const transports: ReadonlyArray<{
  readonly name: string
  readonly wire: (script: ReadonlyArray<Scripted>) => Effect.Effect<Wire, never, Scope.Scope>
}> = [
  {
    name: "Transport.fromHttpClient",
    wire: (script) =>
      Effect.sync(() => ({
        transport: Transport.fromHttpClient(scripted(script).client),
        baseUrl: "https://api.example.com/v1/"
      }))
  },
  {
    name: "NodeClient's transport over loopback",
    wire: (script) =>
      Effect.gen(function* () {
        const server = yield* Effect.acquireRelease(
          Effect.promise(() => scriptedServer(script)),
          (server) => Effect.promise(() => server.close())
        )
        const context = yield* Layer.build(NodeClient.layer)
        return { transport: Context.get(context, Transport.Transport), baseUrl: `${server.url}/v1/` }
      })
  }
]

/** Records, on the fiber's clock, when each request was sent and how many answers came back. */
const spied = (transport: Transport.Service) => {
  const sent: Array<number> = []
  const answered = { count: 0 }
  const wrap =
    <A>(send: Transport.Send<A>): Transport.Send<A> =>
    (request) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => {
        sent.push(at)
        return Effect.tap(send(request), () => Effect.sync(() => answered.count++))
      })
  return { transport: { exchange: wrap(transport.exchange), download: wrap(transport.download) }, sent, answered }
}

/** Real time passing, for real I/O to happen while the test clock stands still. */
const settle = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 15)))

/** Waits (in real time) until `count` answers came back and the call went on to its next step. */
const answered = (spy: { readonly answered: { count: number } }, count: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < 400 && spy.answered.count < count; i++) yield* settle
    yield* settle
  })

/**
 * Moves the test clock by `step` until the fiber is done (real timers fire meanwhile); with `spy`, only
 * while no request is on the wire, so that a slow loopback answer does not widen the gaps measured.
 */
const finish = <A, E>(fiber: Fiber.RuntimeFiber<A, E>, step: Duration.DurationInput, spy?: ReturnType<typeof spied>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 1000; i++) {
      if (Option.isSome(yield* Fiber.poll(fiber))) break
      if (spy === undefined || spy.sent.length === spy.answered.count) yield* TestClock.adjust(step)
      yield* settle
    }
    return yield* Fiber.join(fiber)
  })

const ok = { status: 200, body: { ok: true } }

describe.each(transports)("RetryPolicy through $name", ({ wire }) => {
  const setup = (script: ReadonlyArray<Scripted>, options: Partial<VendorHttp.Options> = {}, operation = "cancel") =>
    Effect.map(wire(script), ({ transport, baseUrl }) => {
      const spy = spied(transport)
      const http = VendorHttp.makeWith(spy.transport, {
        provider: "p",
        baseUrl,
        apiKey: Redacted.make(KEY),
        auth: VendorHttp.bearer,
        ...options
      })
      const call = http.execute(
        operation === "cancel" ? HttpClientRequest.post("/batches/b1/cancel") : HttpClientRequest.get("/batches"),
        operation === "cancel" ? { operation, batchId: "b1" } : { operation }
      )
      return { spy, call }
    })

  it.scoped("honours retry-after in seconds: nothing is sent before it is due", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([{ status: 429, headers: { "retry-after": "2" } }, ok])
      const fiber = yield* Effect.fork(call)
      yield* answered(spy, 1)
      yield* TestClock.adjust("1999 millis")
      yield* settle
      assert.strictEqual(spy.sent.length, 1)
      yield* TestClock.adjust("1 millis")
      const response = yield* Fiber.join(fiber)
      assert.strictEqual(spy.sent.length, 2)
      assert.strictEqual(response.status, 200)
      assert.strictEqual(spy.sent[1]! - spy.sent[0]!, 2000)
    })
  )

  it.scoped("retry-after-ms wins over retry-after; an HTTP date is read too", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([
        { status: 503, headers: { "retry-after-ms": "250", "retry-after": "9" } },
        ok
      ])
      const fiber = yield* Effect.fork(call)
      yield* answered(spy, 1)
      yield* TestClock.adjust("250 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(spy.sent[1]! - spy.sent[0]!, 250)

      yield* TestClock.setTime(Date.parse("2026-01-01T00:00:00Z"))
      const dated = yield* setup([{ status: 429, headers: { "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" } }, ok])
      const second = yield* Effect.fork(dated.call)
      yield* answered(dated.spy, 1)
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(second)
      assert.strictEqual(dated.spy.sent[1]! - dated.spy.sent[0]!, 5000)
    })
  )

  it.scoped("a vendor's wait beyond maxDelay fails at once with RateLimited carrying the wait", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([{ status: 429, headers: { "retry-after": "3600" } }, ok], {
        retry: { maxDelay: "3 seconds" }
      })
      const error = yield* Effect.flip(call)
      assert.strictEqual(spy.sent.length, 1)
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag === "RateLimited") assert.strictEqual(error.retryAfterMs, 3_600_000)
    })
  )

  it.scoped("inside a bulk cancel a call's own retries wait little, and a longer wait asked for ends the call", () =>
    Effect.gen(function* () {
      // What `Lifecycle`'s bulk cancels set for their workers: the bulk queue, not the call, waits.
      const inBulk = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.locally(effect, Operation.currentBulkCall, {
          baseDelayMs: 100,
          maxDelayMs: 400,
          attemptTimeoutMs: undefined
        })
      const policy: Partial<VendorHttp.Options> = {
        retry: { maxAttempts: 3, baseDelay: "1 second", maxDelay: "1 minute" }
      }
      const { spy, call } = yield* setup([{ status: 500 }, { status: 502 }, ok], policy)
      const fiber = yield* Effect.fork(inBulk(call))
      yield* finish(fiber, "10 millis", spy)
      const gaps = [spy.sent[1]! - spy.sent[0]!, spy.sent[2]! - spy.sent[1]!]
      assert.isTrue(gaps[0]! >= 50 && gaps[0]! <= 110, `first gap ${gaps[0]}`)
      assert.isTrue(gaps[1]! >= 100 && gaps[1]! <= 210, `second gap ${gaps[1]}`)

      const limited = yield* setup([{ status: 429, headers: { "retry-after": "2" } }, ok], policy)
      const error = yield* Effect.flip(inBulk(limited.call))
      assert.strictEqual(limited.spy.sent.length, 1, "the 2 s wait goes back to the bulk queue")
      assert.strictEqual(error._tag === "RateLimited" && error.retryAfterMs, 2_000)
    })
  )

  it.scoped("backs off exponentially with jitter in [d/2, d] when the vendor gives no hint", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([{ status: 500 }, { status: 502 }, { status: 504 }, ok], {
        retry: { maxAttempts: 4, baseDelay: "1 second", maxDelay: "1 minute" }
      })
      const fiber = yield* Effect.fork(call)
      yield* finish(fiber, "100 millis", spy)
      const gaps = [spy.sent[1]! - spy.sent[0]!, spy.sent[2]! - spy.sent[1]!, spy.sent[3]! - spy.sent[2]!]
      assert.isTrue(gaps[0]! >= 500 && gaps[0]! <= 1100, `first gap ${gaps[0]}`)
      assert.isTrue(gaps[1]! >= 1000 && gaps[1]! <= 2100, `second gap ${gaps[1]}`)
      assert.isTrue(gaps[2]! >= 2000 && gaps[2]! <= 4100, `third gap ${gaps[2]}`)
    })
  )

  it.scoped(
    "paces by the vendor's rate-limit headers: after 'none left in this window', the next call waits for the reset",
    () =>
      Effect.gen(function* () {
        for (const headers of [
          { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s" },
          // Anthropic's reset is a time; the test clock starts at the epoch.
          {
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": "1970-01-01T00:00:01.500Z"
          }
        ]) {
          yield* TestClock.setTime(0)
          const { spy, call } = yield* setup([{ ...ok, headers }, ok])
          yield* Effect.fork(call)
          yield* answered(spy, 1)
          const second = yield* Effect.fork(call)
          yield* settle
          yield* TestClock.adjust("1499 millis")
          yield* settle
          assert.strictEqual(spy.sent.length, 1, "nothing sent before the window resets")
          yield* TestClock.adjust("2 millis")
          yield* finish(second, "10 millis")
          assert.deepStrictEqual(spy.sent, [0, 1500])
        }
      })
  )

  it.scoped("a 429 with retry-after holds only the call it answered, not the client's other calls", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([{ status: 429, headers: { "retry-after": "2" } }, ok, ok])
      const first = yield* Effect.fork(call)
      yield* answered(spy, 1)
      yield* call
      assert.deepStrictEqual(spy.sent, [0, 0])
      yield* TestClock.adjust("2 seconds")
      yield* finish(first, "10 millis")
      assert.deepStrictEqual(spy.sent, [0, 0, 2000])
    })
  )

  it.scoped("a window with requests left, or a reset it cannot read, holds nothing", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([
        { ...ok, headers: { "x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "20s" } },
        { ...ok, headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "soon" } },
        ok
      ])
      yield* call
      yield* call
      yield* call
      assert.deepStrictEqual(spy.sent, [0, 0, 0])
    })
  )

  it.scoped("gives up after maxAttempts with the last status, its retry hint and request id", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([{ status: 429, headers: { "retry-after": "1", "x-request-id": "req_9" } }], {
        retry: VendorHttp.immediateRetries(3)
      })
      const error = yield* Effect.flip(call)
      assert.strictEqual(spy.sent.length, 3)
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag === "RateLimited") {
        assert.strictEqual(error.retryAfterMs, 1000)
        assert.strictEqual(error.requestId, "req_9")
      }
    })
  )

  it.scoped("does not retry a quota 429, a 4xx, a 501, or x-should-retry: false; retries a 529", () =>
    Effect.gen(function* () {
      for (const [step, attempts] of [
        [{ status: 429, body: { error: { type: "insufficient_quota", message: "quota" } } }, 1],
        [{ status: 400, body: { error: "bad" } }, 1],
        [{ status: 501 }, 1],
        [{ status: 503, headers: { "x-should-retry": "false" } }, 1],
        [{ status: 529 }, 3]
      ] as const) {
        const { spy, call } = yield* setup([step], { retry: VendorHttp.immediateRetries(3) })
        yield* Effect.flip(call)
        assert.strictEqual(spy.sent.length, attempts, JSON.stringify(step))
      }
    })
  )

  it.scoped("never retries a used-up quota, even when x-should-retry: true asks for it", () =>
    Effect.gen(function* () {
      for (const step of [
        {
          status: 429,
          headers: { "x-should-retry": "true" },
          body: { error: { type: "insufficient_quota", message: "quota" } }
        },
        {
          status: 402,
          headers: { "x-should-retry": "true" },
          body: { error: { code: "spend_limit_exceeded", message: "cap" } }
        }
      ]) {
        const { spy, call } = yield* setup([step, ok], { retry: VendorHttp.immediateRetries(3) })
        const error = yield* Effect.flip(call)
        assert.strictEqual(error._tag, "QuotaExceeded")
        assert.strictEqual(spy.sent.length, 1, JSON.stringify(step))
      }
    })
  )

  it.scoped(
    "a 409 to a cancel is a refusal, not retried; elsewhere it is retried, and x-should-retry: true retries it anywhere",
    () =>
      Effect.gen(function* () {
        const refused = yield* setup([{ status: 409, body: { error: { message: "cannot cancel" } } }, ok], {
          retry: VendorHttp.immediateRetries(3)
        })
        const error = yield* Effect.flip(refused.call)
        assert.strictEqual(error._tag, "InvalidBatchState")
        assert.strictEqual(refused.spy.sent.length, 1)
        const locked = yield* setup([{ status: 409 }, ok], { retry: VendorHttp.immediateRetries(3) }, "list")
        yield* locked.call
        assert.strictEqual(locked.spy.sent.length, 2)
        const asked = yield* setup([{ status: 409, headers: { "x-should-retry": "true" } }, ok], {
          retry: VendorHttp.immediateRetries(3)
        })
        yield* asked.call
        assert.strictEqual(asked.spy.sent.length, 2)
      })
  )

  it.scoped("retries a connection reset, then fails with TransportFailure", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([{ transport: "ECONNRESET" }], { retry: VendorHttp.immediateRetries(2) })
      const error = yield* Effect.flip(call)
      assert.strictEqual(spy.sent.length, 2)
      assert.strictEqual(error._tag, "TransportFailure")
      assert.include(error.message, "after 2 attempt(s)")
      assert.notInclude(JSON.stringify(error), KEY)
    })
  )

  it.scoped("times out each attempt", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([{ hang: true }], {
        retry: VendorHttp.immediateRetries(2),
        timeout: "300 millis"
      })
      const fiber = yield* Effect.fork(call)
      const error = yield* Effect.flip(finish(fiber, "100 millis"))
      assert.strictEqual(spy.sent.length, 2)
      assert.strictEqual(error._tag, "TransportFailure")
      assert.include(error.message, "no response within 300ms")
    })
  )

  // On the live clock: the deadline and NodeClient's timers then count the same time.
  it.live("the call's deadline bounds its attempts and the waits between them", () =>
    Effect.gen(function* () {
      // Three attempts of 10 s would take 30 s; the deadline cuts the first short, and no retry starts.
      const hung = yield* setup([{ hang: true }], {
        retry: VendorHttp.immediateRetries(3),
        timeout: "10 seconds",
        deadline: "400 millis"
      })
      const error = yield* Effect.flip(hung.call)
      assert.strictEqual(hung.spy.sent.length, 1)
      assert.strictEqual(error._tag, "TransportFailure")
      assert.include(error.message, "after 1 attempt(s): the call's deadline of 400ms passed")
      // A retry whose wait ends past the deadline is not started: the failure comes at once.
      const busy = yield* setup([{ status: 503, headers: { "retry-after": "5" } }, ok], { deadline: "4 seconds" })
      const failed = yield* Effect.flip(busy.call)
      assert.strictEqual(busy.spy.sent.length, 1)
      assert.strictEqual(failed._tag, "ProviderUnavailable")
    }).pipe(Effect.scoped)
  )

  it.scoped("a retry option left undefined keeps the default instead of dying", () =>
    Effect.gen(function* () {
      const { spy, call } = yield* setup([{ status: 503 }, ok], {
        retry: { maxAttempts: 2, baseDelay: undefined as never }
      })
      const fiber = yield* Effect.fork(call)
      yield* finish(fiber, "100 millis", spy)
      assert.strictEqual(spy.sent.length, 2)
      assert.isAtLeast(spy.sent[1]! - spy.sent[0]!, 250)
    })
  )
})

describe("RetryPolicy", () => {
  const status = (
    code: number,
    headers: Record<string, string> = {},
    refusal = false,
    body: unknown = {}
  ): RetryPolicy.Failure => ({
    _tag: "Status",
    status: code,
    headers: Headers.fromInput(headers),
    body: VendorErrorBody.fromText(JSON.stringify(body)),
    retryAfterMs: undefined,
    refusal
  })
  it("classify is the README's table", () => {
    for (const code of [408, 429, 500, 502, 503, 504, 505, 520, 524, 529])
      assert.strictEqual(RetryPolicy.classify(status(code)), "retry", `${code}`)
    for (const code of [400, 401, 403, 404, 422, 501])
      assert.strictEqual(RetryPolicy.classify(status(code)), "final", `${code}`)
    assert.strictEqual(RetryPolicy.classify(status(409)), "retry")
    assert.strictEqual(RetryPolicy.classify(status(409, {}, true)), "refusal")
    assert.strictEqual(RetryPolicy.classify(status(402)), "final")
    assert.strictEqual(RetryPolicy.classify(status(429, {}, false, { error: { code: "insufficient_quota" } })), "final")
    assert.strictEqual(
      RetryPolicy.classify(status(429, { "x-should-retry": "true" }, false, { error: { code: "insufficient_quota" } })),
      "final"
    )
    assert.strictEqual(RetryPolicy.classify(status(400, { "x-should-retry": "true" })), "retry")
    assert.strictEqual(RetryPolicy.classify(status(503, { "x-should-retry": "false" })), "final")
    assert.strictEqual(RetryPolicy.classify({ _tag: "NoResponse", reason: "reset" }), "retry")
  })
  it("retry-after takes delta seconds or an IMF-fixdate, nothing else", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    const read = (value: string) => RetryPolicy.retryAfterMillis(Headers.fromInput({ "retry-after": value }), now)
    assert.strictEqual(read("3"), 3000)
    assert.strictEqual(read("1.5"), 1500)
    assert.strictEqual(read("Thu, 01 Jan 2026 00:00:04 GMT"), 4000)
    assert.strictEqual(read("Wed, 31 Dec 2025 23:00:00 GMT"), 0)
    // Date.parse would read each of these as some date.
    for (const junk of ["-1", "abc 12", "1e3", "Thursday", "2026-01-01"]) assert.isUndefined(read(junk), junk)
  })
  it("resolve: undefined fields take the default, unusable values fall back", () => {
    const undef = undefined as unknown as number
    assert.deepStrictEqual(RetryPolicy.resolve({ maxAttempts: 5, baseDelay: undef, maxDelay: undef }), {
      maxAttempts: 5,
      baseDelayMs: 500,
      maxDelayMs: 30_000
    })
    // A negative duration is zero (Effect's Duration clamps it); a word that is not a duration is the default.
    assert.deepStrictEqual(RetryPolicy.resolve({ maxAttempts: Number.NaN, baseDelay: "soon" as never, maxDelay: -5 }), {
      maxAttempts: 3,
      baseDelayMs: 500,
      maxDelayMs: 0
    })
    assert.deepStrictEqual(RetryPolicy.resolve({ maxAttempts: 0.5, baseDelay: "2 seconds", maxDelay: 0 }), {
      maxAttempts: 1,
      baseDelayMs: 2000,
      maxDelayMs: 0
    })
  })
})
