import { BatchError, VendorErrorBody } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"

const map = (status: number, body: unknown, extra: Partial<BatchError.HttpFailure> = {}) =>
  BatchError.fromHttp({
    provider: "p",
    operation: "cancel",
    status,
    body: VendorErrorBody.fromText(typeof body === "string" ? body : JSON.stringify(body)),
    batchId: "b1",
    ...extra
  })

describe("BatchError.fromHttp", () => {
  it("maps each status to its tag", () => {
    const table: Array<[number, BatchError.Tag]> = [
      [400, "InvalidRequest"],
      [401, "Unauthorized"],
      [402, "QuotaExceeded"],
      [403, "PermissionDenied"],
      [404, "BatchNotFound"],
      [408, "ProviderUnavailable"],
      [409, "InvalidRequest"],
      [413, "InvalidRequest"],
      [422, "InvalidRequest"],
      [429, "RateLimited"],
      [500, "ProviderUnavailable"],
      [501, "Unsupported"],
      [502, "ProviderUnavailable"],
      [503, "ProviderUnavailable"],
      [504, "ProviderUnavailable"],
      [529, "ProviderUnavailable"],
      [302, "UnexpectedResponse"]
    ]
    for (const [status, tag] of table) assert.strictEqual(map(status, {})._tag, tag, `HTTP ${status}`)
  })
  it("a 404 without a batch id (list) is InvalidRequest, not BatchNotFound", () => {
    assert.strictEqual(map(404, {}, { batchId: undefined, operation: "list" })._tag, "InvalidRequest")
  })
  it("an invalid-state refusal wins over the status", () => {
    const e = map(409, { error: { message: "Cannot cancel a batch with status 'completed'." } }, { invalidState: true })
    assert.strictEqual(e._tag, "InvalidBatchState")
    if (e._tag === "InvalidBatchState") {
      assert.strictEqual(e.httpStatus, 409)
      assert.strictEqual(e.batchId, "b1")
      assert.include(e.message, "Cannot cancel a batch with status 'completed'.")
    }
  })
  it("a 429 whose error code says the quota is used up is QuotaExceeded; the message's words decide nothing", () => {
    assert.strictEqual(map(429, { error: { type: "insufficient_quota", message: "x" } })._tag, "QuotaExceeded")
    assert.strictEqual(map(429, { error: { code: "spend_limit_exceeded", message: "cap" } })._tag, "QuotaExceeded")
    assert.strictEqual(
      map(429, {
        type: "error",
        error: { type: "rate_limit_error", message: "m", details: { error_code: "enforced_spend_limit_reached" } }
      })._tag,
      "QuotaExceeded"
    )
    assert.strictEqual(map(429, { error: { message: "You exceeded your current quota" } })._tag, "RateLimited")
    assert.strictEqual(
      map(429, {
        error: { code: "rate_limit_exceeded", message: "Quota exceeded for metric: x, limit: 15 per minute" }
      })._tag,
      "RateLimited"
    )
    assert.strictEqual(
      map(429, { error: { type: "rate_limit_error", message: "Too many requests" } })._tag,
      "RateLimited"
    )
  })
  it("RateLimited carries retryAfterMs and the request id", () => {
    const e = map(429, { error: "slow down" }, { retryAfterMs: 1500, requestId: "req_1" })
    assert.strictEqual(e._tag, "RateLimited")
    if (e._tag === "RateLimited") {
      assert.strictEqual(e.retryAfterMs, 1500)
      assert.strictEqual(e.requestId, "req_1")
    }
  })
  it("InvalidRequest keeps the vendor's details", () => {
    const detail = [{ loc: ["body", "limit"], msg: "Input should be less than 101", type: "less_than_equal" }]
    const e = map(422, { detail })
    assert.strictEqual(e._tag, "InvalidRequest")
    if (e._tag === "InvalidRequest") assert.deepStrictEqual(e.details, detail)
    assert.include(e.message, "body.limit: Input should be less than 101")
  })
})

describe("an error answer whose JSON body was cut off", () => {
  const cut = '{"type":"error","error":{"type":"invalid_request_error","message":"Batch msgbatch_01qnArUzo5tvSkAfMF5'
  it("is not a verdict where the body decides (400, 409, 422): UnexpectedResponse, which a bulk cancel sends again", () => {
    for (const status of [400, 409, 422]) {
      const error = map(status, cut)
      assert.strictEqual(error._tag, "UnexpectedResponse", String(status))
      assert.strictEqual(error._tag === "UnexpectedResponse" ? error.httpStatus : undefined, status)
      assert.include(error.message, "cut off or garbled")
    }
    assert.isTrue(VendorErrorBody.fromText(cut).garbled)
  })
  it("keeps the tag its status alone decides, and a text or HTML body is no JSON cut off", () => {
    assert.strictEqual(map(401, cut)._tag, "Unauthorized")
    assert.strictEqual(map(404, cut)._tag, "BatchNotFound")
    assert.strictEqual(map(429, cut)._tag, "RateLimited")
    assert.strictEqual(map(503, cut)._tag, "ProviderUnavailable")
    assert.strictEqual(map(400, "<html><title>Bad Request</title></html>")._tag, "InvalidRequest")
    assert.strictEqual(map(400, "bad request")._tag, "InvalidRequest")
    assert.isUndefined(VendorErrorBody.fromText('{"error":"bad"}').garbled)
  })
})

describe("withItemsDelivered", () => {
  it("is the same error with the count and a message that says so; one that has a count keeps it", () => {
    const cause = new Error("the retrieve that followed failed")
    const refusal = new BatchError.InvalidBatchState({
      provider: "p",
      operation: "results",
      batchId: "b",
      message: "refused",
      requestId: "req_1",
      cause
    })
    const counted = BatchError.withItemsDelivered(refusal, 7)
    assert.instanceOf(counted, BatchError.InvalidBatchState)
    assert.strictEqual(counted._tag, "InvalidBatchState")
    assert.strictEqual(counted.itemsDelivered, 7)
    assert.strictEqual(counted.message, "refused (after 7 item(s) had been delivered; they are not read again)")
    if (counted._tag === "InvalidBatchState") {
      assert.strictEqual(counted.batchId, "b")
      assert.strictEqual(counted.cause, cause)
    }
    assert.strictEqual(counted.requestId, "req_1")
    assert.strictEqual(BatchError.withItemsDelivered(counted, 9), counted)
    const unavailable = BatchError.withItemsDelivered(
      new BatchError.ProviderUnavailable({ provider: "p", operation: "results", message: "503", httpStatus: 503 }),
      3
    )
    assert.deepStrictEqual(JSON.parse(JSON.stringify(unavailable)), {
      _tag: "ProviderUnavailable",
      provider: "p",
      operation: "results",
      message: "503 (after 3 item(s) had been delivered; they are not read again)",
      itemsDelivered: 3,
      httpStatus: 503
    })
  })
})

describe("VendorErrorBody", () => {
  it("reads every vendor envelope", () => {
    const cases: Array<[unknown, Partial<VendorErrorBody.VendorErrorBody>]> = [
      [
        { error: { message: "m1", type: "invalid_request_error", param: null, code: "c1" } },
        { message: "m1", codes: ["invalid_request_error", "c1"] }
      ],
      [
        { type: "error", error: { type: "not_found_error", message: "Not found" }, request_id: "req_011C" },
        { message: "Not found", codes: ["not_found_error"], requestId: "req_011C" }
      ],
      [{ error: "Batch not found" }, { message: "Batch not found", codes: [] }],
      [
        { detail: "Rate limit exceeded", retry_after: 60 },
        { message: "Rate limit exceeded", retryAfterMs: 60_000 }
      ],
      [
        { error: { code: "rate_limit_exceeded", message: "slow", retry_after_seconds: 2.5 }, request_id: "req_01H" },
        { message: "slow", retryAfterMs: 2500, requestId: "req_01H" }
      ],
      [{ message: "plain" }, { message: "plain" }]
    ]
    for (const [body, want] of cases) {
      const got = VendorErrorBody.fromText(JSON.stringify(body))
      for (const [k, v] of Object.entries(want))
        assert.deepStrictEqual(got[k as keyof typeof got], v, `${k} of ${JSON.stringify(body)}`)
    }
  })
  it("reads each field on its own: a field of an unexpected type is skipped, the rest still read", () => {
    const got = VendorErrorBody.fromText(
      JSON.stringify({
        error: { message: 42, type: "rate_limit_error", code: ["x"], retry_after_seconds: "2" },
        request_id: 7,
        retry_after: 3
      })
    )
    assert.deepStrictEqual(got, {
      codes: ["rate_limit_error"],
      message: undefined,
      requestId: undefined,
      retryAfterMs: 3000
    })
    assert.deepStrictEqual(
      VendorErrorBody.fromText(JSON.stringify({ error: "", message: "fallback" })).message,
      "fallback"
    )
    assert.deepStrictEqual(
      VendorErrorBody.fromText(JSON.stringify({ error: { message: "m", details: { error_code: "E42", hint: "h" } } })),
      {
        codes: ["E42"],
        message: "m",
        details: { error_code: "E42", hint: "h" },
        requestId: undefined,
        retryAfterMs: undefined
      }
    )
  })
  it("keeps FastAPI's validation list as sent and joins its messages", () => {
    const detail = [
      { loc: [], msg: "first", type: "t", input: 1 },
      "stray",
      { loc: ["body", "limit"], message: "second" },
      { msg: "" }
    ]
    const got = VendorErrorBody.fromText(JSON.stringify({ detail }))
    assert.strictEqual(got.message, "first; body.limit: second")
    assert.deepStrictEqual(got.details, detail)
  })
  it("takes an HTML page's title and never fails on text", () => {
    assert.strictEqual(
      VendorErrorBody.fromText("<html><head><title>502 Bad Gateway</title></head></html>").message,
      "502 Bad Gateway"
    )
    assert.strictEqual(VendorErrorBody.fromText("").message, undefined)
    assert.strictEqual(VendorErrorBody.fromText("upstream connect error").message, "upstream connect error")
    assert.strictEqual(VendorErrorBody.fromText("null").message, undefined)
    assert.strictEqual(VendorErrorBody.fromText("[1,2]").codes.length, 0)
    assert.isTrue((VendorErrorBody.fromText("x".repeat(5000)).message?.length ?? 0) <= 201)
  })
})
