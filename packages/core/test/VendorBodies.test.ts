/**
 * Error bodies of the vendors beyond the first six, as recorded in public logs
 * (shared/reference/vendors-more.md): what the reader takes from each, and the tag they map to.
 */
import { BatchError, VendorErrorBody } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"

const read = (body: unknown) => VendorErrorBody.fromText(JSON.stringify(body))
const map = (status: number, body: unknown) =>
  BatchError.fromHttp({ provider: "p", operation: "list", status, body: read(body) })

describe("VendorErrorBody, more vendors", () => {
  it("Mistral: a top-level type and code are codes; the message is kept", () => {
    const body = read({
      object: "error",
      message: "Rate limit exceeded",
      type: "rate_limited",
      param: null,
      code: "1300"
    })
    assert.deepStrictEqual(body.codes, ["rate_limited", "1300"])
    assert.strictEqual(body.message, "Rate limit exceeded")
  })

  it("Mistral: a 422 validation list keeps each location and message", () => {
    const body = read({
      detail: [{ type: "extra_forbidden", loc: ["body", "store"], msg: "Extra inputs are not permitted", input: false }]
    })
    assert.strictEqual(body.message, "body.store: Extra inputs are not permitted")
    assert.ok(Array.isArray(body.details))
    assert.strictEqual(map(422, { detail: [{ loc: ["body"], msg: "bad" }] })._tag, "InvalidRequest")
  })

  it('Anthropic\'s top-level type "error" is not a code', () => {
    const body = read({ type: "error", error: { type: "not_found_error", message: "no" } })
    assert.deepStrictEqual(body.codes, ["not_found_error"])
  })

  it("Gemini: the canonical status is a code; the numeric code is skipped, not a failure", () => {
    const body = read({ error: { code: 404, message: "batches/x is not found", status: "NOT_FOUND" } })
    assert.deepStrictEqual(body.codes, ["NOT_FOUND"])
    assert.strictEqual(body.message, "batches/x is not found")
  })

  it('Azure: quotaExceeded is a used-up quota, a string "429" code a rate limit', () => {
    assert.strictEqual(map(429, { error: { code: "quotaExceeded", message: "quota" } })._tag, "QuotaExceeded")
    assert.strictEqual(map(429, { error: { code: "429", message: "retry after 86400 seconds" } })._tag, "RateLimited")
  })
})
