import { BatchError, VendorErrorBody, VendorHttp, Wire } from "@batchctl/core"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { type Scripted, scripted } from "./utils.js"

// A vendor whose envelope no built-in reader knows: `{"fault":{"reason","text"}}`.
const Fault = Schema.Struct({ reason: Schema.String, text: Schema.String })
const faultReader = VendorErrorBody.extend((body, json) => {
  const fault = Wire.field(Fault, json, "fault")
  return fault === undefined
    ? body
    : {
        ...body,
        message: fault.text,
        codes: [...body.codes, fault.reason],
        quota: fault.reason === "credits_exhausted"
      }
})

const cancel = (script: ReadonlyArray<Scripted>, vendor: Partial<VendorHttp.Vendor> = {}) => {
  const { client, seen } = scripted(script)
  const http = Effect.runSync(
    VendorHttp.makeFor(
      { provider: "p", defaultBaseUrl: "https://api.example.com/v1", auth: VendorHttp.bearer, ...vendor },
      { apiKey: Redacted.make("sk-test-0123456789abcdef"), retry: VendorHttp.immediateRetries(3) }
    ).pipe(Effect.provideService(HttpClient.HttpClient, client))
  )
  return {
    seen,
    call: Effect.flip(
      http.execute(HttpClientRequest.post("/batches/b1/cancel"), { operation: "cancel", batchId: "b1" })
    )
  }
}

describe("a vendor's own error-body reader (Vendor.errorBody)", () => {
  it.effect("reads a message and codes from an envelope no built-in reader knows", () =>
    Effect.gen(function* () {
      const { call } = cancel(
        [{ status: 400, body: { fault: { reason: "bad_model", text: "model lumen-9 is retired" } } }],
        {
          errorBody: faultReader
        }
      )
      const error = yield* call
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.include(error.message, "model lumen-9 is retired")
    })
  )
  it.effect("without it, the same body says nothing but its status", () =>
    Effect.gen(function* () {
      const error = yield* cancel([
        { status: 400, body: { fault: { reason: "bad_model", text: "model lumen-9 is retired" } } }
      ]).call
      assert.notInclude(error.message, "lumen-9")
    })
  )
  it.effect("decides the quota: a 429 it marks is QuotaExceeded and is sent once", () =>
    Effect.gen(function* () {
      const { call, seen } = cancel(
        [{ status: 429, body: { fault: { reason: "credits_exhausted", text: "no credits left" } } }],
        {
          errorBody: faultReader
        }
      )
      const error = yield* call
      assert.strictEqual(error._tag, "QuotaExceeded")
      assert.strictEqual(seen.length, 1)
    })
  )
  it.effect("quota: false from the reader makes a built-in quota code a rate limit (retried)", () =>
    Effect.gen(function* () {
      const { call, seen } = cancel([{ status: 429, body: { error: { code: "insufficient_quota" } } }], {
        errorBody: VendorErrorBody.extend((body) => ({ ...body, quota: false }))
      })
      assert.strictEqual((yield* call)._tag, "RateLimited")
      assert.strictEqual(seen.length, 3)
    })
  )
  it.effect("a reader that throws is not used: the default reader's answer is, and nothing dies", () =>
    Effect.gen(function* () {
      const { call } = cancel([{ status: 400, body: { error: { message: "the default envelope" } } }], {
        errorBody: () => {
          throw new Error("boom")
        }
      })
      const error = yield* call
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.include(error.message, "the default envelope")
    })
  )
})

describe("a vendor's own quota codes (Vendor.quotaCodes)", () => {
  const body = { error: { code: "CREDITS_EXHAUSTED", message: "no credits left" } }
  it.effect("a 429 with one of them is QuotaExceeded and is not retried", () =>
    Effect.gen(function* () {
      const { call, seen } = cancel([{ status: 429, body }], { quotaCodes: ["credits_exhausted"] })
      assert.strictEqual((yield* call)._tag, "QuotaExceeded")
      assert.strictEqual(seen.length, 1)
    })
  )
  it.effect("without them it is a rate limit, retried", () =>
    Effect.gen(function* () {
      const { call, seen } = cancel([{ status: 429, body }])
      assert.strictEqual((yield* call)._tag, "RateLimited")
      assert.strictEqual(seen.length, 3)
    })
  )
})

describe("VendorErrorBody.read", () => {
  it("marks quota only when the reader did not decide", () => {
    const text = JSON.stringify({ error: { code: "x_quota" } })
    assert.strictEqual(VendorErrorBody.read(text, { quotaCodes: ["X_QUOTA"] }).quota, true)
    assert.strictEqual(VendorErrorBody.read(text).quota, undefined)
    const undecided = VendorErrorBody.read(text, {
      reader: VendorErrorBody.extend((b) => ({ ...b, quota: false })),
      quotaCodes: ["x_quota"]
    })
    assert.strictEqual(undecided.quota, false)
  })
  it("a reader's answer that is not a body is not used", () => {
    const reader = (() => "nonsense") as unknown as VendorErrorBody.Reader
    assert.strictEqual(VendorErrorBody.read('{"message":"m"}', { reader }).message, "m")
  })
  it("BatchError.quotaCodes is the list isQuotaBody reads", () => {
    for (const code of BatchError.quotaCodes) assert.isTrue(BatchError.isQuotaBody({ codes: [code.toUpperCase()] }))
    assert.isFalse(BatchError.isQuotaBody({ codes: ["rate_limit_exceeded"] }))
    assert.isFalse(BatchError.isQuotaBody({ codes: ["insufficient_quota"], quota: false }))
  })
})
