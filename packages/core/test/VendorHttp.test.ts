import { Transport, VendorHttp } from "@batchctl/core"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as LoopbackServer from "../src/testing/LoopbackServer.js"
import { type Scripted, scripted } from "./utils.js"

const KEY = "sk-test-0123456789abcdef"

const setup = (script: ReadonlyArray<Scripted>, options: Partial<VendorHttp.Options> = {}) => {
  const { client, seen } = scripted(script)
  const http = VendorHttp.makeWith(Transport.fromHttpClient(client), {
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
      const http = VendorHttp.makeWith(Transport.fromHttpClient(client), {
        provider: "p",
        baseUrl: "https://api.example.com",
        apiKey: Redacted.make(KEY),
        auth: VendorHttp.bearer
      })
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
  it.effect(
    "a base URL that is not a URL fails at once with InvalidRequest, not after retries as a transport failure",
    () =>
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
