import { VendorHttp } from "@batchctl/core"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as LoopbackServer from "../src/testing/LoopbackServer.js"
import { type Scripted, scripted } from "./utils.js"

const KEY = "sk-test-0123456789abcdef"

const setup = (script: ReadonlyArray<Scripted>, options: Partial<VendorHttp.Options> = {}) => {
  const { client, seen } = scripted(script)
  const http = VendorHttp.makeWith(client, {
    provider: "p",
    baseUrl: "https://api.example.com/v1/",
    apiKey: Redacted.make(KEY),
    auth: VendorHttp.bearer,
    ...options
  })
  const call = http.execute(HttpClientRequest.post("/batches/b1/cancel"), { operation: "cancel", batchId: "b1" })
  return { http, seen, call }
}

const ok = { status: 200, body: { ok: true } }

describe("VendorHttp retries", () => {
  it.effect("honours retry-after in seconds: nothing is sent before it is due", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([{ status: 429, headers: { "retry-after": "2" } }, ok])
      const fiber = yield* Effect.fork(call)
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(seen.length, 1)
      yield* TestClock.adjust("1 millis")
      const response = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(response.status, 200)
      assert.strictEqual(seen[1]!.at - seen[0]!.at, 2000)
    })
  )
  it.effect("retry-after-ms wins over retry-after", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([{ status: 503, headers: { "retry-after-ms": "250", "retry-after": "9" } }, ok])
      const fiber = yield* Effect.fork(call)
      yield* TestClock.adjust("250 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(seen[1]!.at - seen[0]!.at, 250)
    })
  )
  it.effect("reads retry-after as an HTTP date", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-01-01T00:00:00Z"))
      const { seen, call } = setup([{ status: 429, headers: { "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" } }, ok])
      const fiber = yield* Effect.fork(call)
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(seen[1]!.at - seen[0]!.at, 5000)
    })
  )
  it.effect("a vendor's wait beyond maxDelay fails at once with RateLimited carrying the wait, instead of retrying early", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([{ status: 429, headers: { "retry-after": "3600" } }, ok], { retry: { maxDelay: "3 seconds" } })
      const error = yield* Effect.flip(call)
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag === "RateLimited") assert.strictEqual(error.retryAfterMs, 3_600_000)
    })
  )
  it.effect("backs off exponentially with jitter in [d/2, d] when the vendor gives no hint", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([{ status: 500 }, { status: 502 }, { status: 504 }, ok], {
        retry: { maxAttempts: 4, baseDelay: "1 second", maxDelay: "1 minute" }
      })
      const fiber = yield* Effect.fork(call)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const gaps = [seen[1]!.at - seen[0]!.at, seen[2]!.at - seen[1]!.at, seen[3]!.at - seen[2]!.at]
      assert.isTrue(gaps[0]! >= 500 && gaps[0]! <= 1000, `first gap ${gaps[0]}`)
      assert.isTrue(gaps[1]! >= 1000 && gaps[1]! <= 2000, `second gap ${gaps[1]}`)
      assert.isTrue(gaps[2]! >= 2000 && gaps[2]! <= 4000, `third gap ${gaps[2]}`)
    })
  )
  it("retryDelayMillis: hint, exponential growth, cap", () => {
    const policy = { maxAttempts: 5, baseDelay: 100, maxDelay: 1000 }
    assert.strictEqual(VendorHttp.retryDelayMillis(policy, 1, 5000, 0.5), 1000)
    assert.strictEqual(VendorHttp.retryDelayMillis(policy, 1, 0, 0.5), 0)
    assert.strictEqual(VendorHttp.retryDelayMillis(policy, 1, undefined, 0), 50)
    assert.strictEqual(VendorHttp.retryDelayMillis(policy, 3, undefined, 0.999999), 400)
    assert.strictEqual(VendorHttp.retryDelayMillis(policy, 10, undefined, 0), 500)
    assert.strictEqual(VendorHttp.retryDelayMillis(VendorHttp.immediateRetries(3), 2, 5000, 0.9), 0)
  })
  it.effect("gives up after maxAttempts with the last status and its retry hint", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([{ status: 429, headers: { "retry-after": "1", "x-request-id": "req_9" } }], {
        retry: VendorHttp.immediateRetries(3)
      })
      const error = yield* Effect.flip(call)
      assert.strictEqual(seen.length, 3)
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag === "RateLimited") {
        assert.strictEqual(error.retryAfterMs, 1000)
        assert.strictEqual(error.requestId, "req_9")
      }
    })
  )
  it.effect("does not retry a quota 429, a 4xx, or x-should-retry: false", () =>
    Effect.gen(function* () {
      for (const step of [
        { status: 429, body: { error: { type: "insufficient_quota", message: "quota" } } },
        { status: 400, body: { error: "bad" } },
        { status: 503, headers: { "x-should-retry": "false" } }
      ]) {
        const { seen, call } = setup([step], { retry: VendorHttp.immediateRetries(3) })
        yield* Effect.flip(call)
        assert.strictEqual(seen.length, 1, JSON.stringify(step))
      }
    })
  )
  it.effect("never retries a used-up quota, even when x-should-retry: true asks for it", () =>
    Effect.gen(function* () {
      for (const step of [
        { status: 429, headers: { "x-should-retry": "true" }, body: { error: { type: "insufficient_quota", message: "quota" } } },
        { status: 402, headers: { "x-should-retry": "true" }, body: { error: { code: "spend_limit_exceeded", message: "cap" } } }
      ]) {
        const { seen, call } = setup([step, ok], { retry: VendorHttp.immediateRetries(3) })
        const error = yield* Effect.flip(call)
        assert.strictEqual(error._tag, "QuotaExceeded")
        assert.strictEqual(seen.length, 1, JSON.stringify(step))
      }
    })
  )
  it.effect("retries what x-should-retry: true asks for", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([{ status: 409, headers: { "x-should-retry": "true" } }, ok], {
        retry: VendorHttp.immediateRetries(3)
      })
      yield* call
      assert.strictEqual(seen.length, 2)
    })
  )
  it.effect("retries transport failures, then fails with TransportFailure", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([{ transport: "ECONNREFUSED" }], { retry: VendorHttp.immediateRetries(2) })
      const error = yield* Effect.flip(call)
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(error._tag, "TransportFailure")
      assert.include(error.message, "ECONNREFUSED")
    })
  )
  it.effect("times out each attempt", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([{ hang: true }], { retry: VendorHttp.immediateRetries(2), timeout: "5 seconds" })
      const fiber = yield* Effect.fork(call)
      yield* TestClock.adjust("10 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(error._tag, "TransportFailure")
      assert.include(error.message, "no response within 5s")
    })
  )
})

describe("VendorHttp retry options", () => {
  it("retry-after takes delta seconds or an IMF-fixdate, nothing else", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    const read = (value: string) => VendorHttp.retryAfterMillis(Headers.fromInput({ "retry-after": value }), now)
    assert.strictEqual(read("3"), 3000)
    assert.strictEqual(read("1.5"), 1500)
    assert.strictEqual(read("Thu, 01 Jan 2026 00:00:04 GMT"), 4000)
    assert.strictEqual(read("Wed, 31 Dec 2025 23:00:00 GMT"), 0)
    // Date.parse would read each of these as some date.
    for (const junk of ["-1", "abc 12", "1e3", "Thursday", "2026-01-01"]) assert.isUndefined(read(junk), junk)
  })
  it("resolvePolicy: undefined fields take the default, unusable values fall back", () => {
    const undef = undefined as unknown as number
    assert.deepStrictEqual(VendorHttp.resolvePolicy({ maxAttempts: 5, baseDelay: undef, maxDelay: undef }), {
      maxAttempts: 5,
      baseDelayMs: 500,
      maxDelayMs: 30_000
    })
    // A negative duration is zero (Effect's Duration clamps it); a word that is not a duration is the default.
    assert.deepStrictEqual(VendorHttp.resolvePolicy({ maxAttempts: Number.NaN, baseDelay: "soon" as never, maxDelay: -5 }), {
      maxAttempts: 3,
      baseDelayMs: 500,
      maxDelayMs: 0
    })
    assert.deepStrictEqual(VendorHttp.resolvePolicy({ maxAttempts: 0.5, baseDelay: "2 seconds", maxDelay: 0 }), {
      maxAttempts: 1,
      baseDelayMs: 2000,
      maxDelayMs: 0
    })
    assert.strictEqual(VendorHttp.retryDelayMillis({ maxAttempts: 3, baseDelay: undef, maxDelay: "10 seconds" }, 2, undefined, 0), 500)
  })
  it.effect("a retry option left undefined keeps the default instead of dying", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([{ status: 503 }, ok], { retry: { maxAttempts: 2, baseDelay: undefined as never } })
      const fiber = yield* Effect.fork(call)
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 2)
      assert.isAtLeast(seen[1]!.at - seen[0]!.at, 250)
    })
  )
})

describe("VendorHttp requests", () => {
  it.effect("joins the base URL, places bearer auth, fixed and per-call headers", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([ok], { headers: { "X-Fixed": "1" } })
      yield* VendorHttp.withHeaders(call, { "x-per-call": "2" })
      assert.strictEqual(seen[0]!.url, "https://api.example.com/v1/batches/b1/cancel")
      assert.strictEqual(seen[0]!.headers.authorization, `Bearer ${KEY}`)
      assert.strictEqual(seen[0]!.headers["x-fixed"], "1")
      assert.strictEqual(seen[0]!.headers["x-per-call"], "2")
    })
  )
  it.effect("places a named auth header", () =>
    Effect.gen(function* () {
      const { seen, call } = setup([ok], { auth: VendorHttp.header("x-api-key") })
      yield* call
      assert.strictEqual(seen[0]!.headers["x-api-key"], KEY)
      assert.isUndefined(seen[0]!.headers.authorization)
    })
  )
  it.effect("never sends the key to another origin than the API's", () =>
    Effect.gen(function* () {
      const { client, seen } = scripted([ok, ok])
      const http = VendorHttp.makeWith(client, { provider: "p", baseUrl: "https://api.example.com", apiKey: Redacted.make(KEY), auth: VendorHttp.bearer })
      yield* http.execute(HttpClientRequest.get("https://evil.example.net/results"), { operation: "results" })
      yield* http.execute(HttpClientRequest.get("https://api.example.com/v1/results"), { operation: "results" })
      assert.isUndefined(seen[0]!.headers.authorization)
      assert.strictEqual(seen[1]!.headers.authorization, `Bearer ${KEY}`)
    })
  )
})

describe("VendorHttp redirects (real fetch over loopback)", () => {
  it.effect("does not follow a redirect, so a named key header never reaches the other host", () =>
    Effect.gen(function* () {
      const elsewhere = yield* Effect.promise(() => LoopbackServer.start(() => ({ status: 200, body: { id: "b1" } })))
      const api = yield* Effect.promise(() =>
        LoopbackServer.start(() => ({ status: 307, headers: { location: `${elsewhere.url}/steal?k=1` } }))
      )
      const http = yield* VendorHttp.make({
        provider: "p",
        baseUrl: api.url,
        apiKey: Redacted.make(KEY),
        auth: VendorHttp.header("x-api-key"),
        retry: VendorHttp.immediateRetries(1)
      })
      const error = yield* Effect.flip(
        http.execute(HttpClientRequest.post("/batches/b1/cancel"), { operation: "cancel", batchId: "b1" }).pipe(
          // A user's own fetch options are kept; only `redirect` is set.
          Effect.provideService(FetchHttpClient.RequestInit, { headers: { "x-from-init": "yes" }, redirect: "follow" })
        )
      )
      yield* Effect.promise(() => Promise.all([api.close(), elsewhere.close()]))
      assert.strictEqual(elsewhere.seen.length, 0)
      assert.strictEqual(api.seen.length, 1)
      assert.strictEqual(api.seen[0]!.headers["x-from-init"], "yes")
      assert.strictEqual(error._tag, "UnexpectedResponse")
      if (error._tag === "UnexpectedResponse") assert.strictEqual(error.httpStatus, 307)
      assert.include(error.message, "not followed")
      assert.include(error.message, "/steal")
      assert.notInclude(error.message, KEY)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("VendorHttp setup errors", () => {
  it.effect("a base URL that is not a URL fails at once with InvalidRequest, not after retries as a transport failure", () =>
    Effect.gen(function* () {
      const http = yield* VendorHttp.make({
        provider: "p",
        baseUrl: "not a url",
        apiKey: Redacted.make(KEY),
        auth: VendorHttp.bearer,
        retry: { maxAttempts: 3, baseDelay: "1 hour", maxDelay: "1 hour" }
      })
      const error = yield* Effect.flip(http.execute(HttpClientRequest.get("/batches"), { operation: "list" }))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.include(error.message, "base URL")
      assert.notInclude(error.message, KEY)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
