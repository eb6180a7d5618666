import { Results } from "@batchctl/core"
import { OpenAiCompatible } from "@batchctl/openai-compatible"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"

/** A wire batch as the adapter reads it: decoded by `WireBatch`. */
const wire = (over: Record<string, unknown>) =>
  Schema.decodeUnknownSync(OpenAiCompatible.WireBatch)({ id: "batch_1", status: "completed", ...over })

describe("OpenAiCompatible.toBatch", () => {
  it("maps counts, never guessing a missing one, and picks endedAt by status", () => {
    const b = OpenAiCompatible.toBatch(
      "p",
      wire({ request_counts: { total: 3, completed: 2 }, completed_at: 1711493163, failed_at: 1 }),
      {}
    )
    assert.deepStrictEqual({ ...b.counts }, { total: 3, succeeded: 2 })
    assert.strictEqual(b.endedAt?.toISOString(), "2024-03-26T22:46:03.000Z")
    const cancelled = OpenAiCompatible.toBatch(
      "p",
      wire({ status: "cancelled", cancelled_at: 1711475133, completed_at: 1 }),
      {}
    )
    assert.strictEqual(cancelled.endedAt?.toISOString(), "2024-03-26T17:45:33.000Z")
    assert.isUndefined(OpenAiCompatible.toBatch("p", wire({ status: "in_progress", completed_at: 1 }), {}).endedAt)
  })
  it("unknown and missing statuses are unknown, keeping the vendor's word", () => {
    const b = OpenAiCompatible.toBatch("p", wire({ status: "paused" }), {})
    assert.strictEqual(b.status, "unknown")
    assert.strictEqual(b.vendorStatus, "paused")
    assert.isFalse(b.terminal)
    assert.strictEqual(
      OpenAiCompatible.toBatch("p", Schema.decodeUnknownSync(OpenAiCompatible.WireBatch)({ id: "x" }), {}).vendorStatus,
      ""
    )
  })
  it("keeps the raw vendor object", () => {
    const raw = { id: "batch_1", status: "completed", model: "gpt-x", extra: [1] }
    assert.strictEqual(
      OpenAiCompatible.toBatch("p", Schema.decodeUnknownSync(OpenAiCompatible.WireBatch)(raw), raw).raw,
      raw
    )
  })
})

describe("Results.openAiLine", () => {
  it("classifies output and error lines", () => {
    const line = (over: Record<string, unknown>) => Results.openAiLine({ custom_id: "r", ...over })?.outcome
    assert.strictEqual(line({ response: { status_code: 200, body: {} }, error: null }), "succeeded")
    assert.strictEqual(line({ response: { status_code: 400, body: {} }, error: null }), "errored")
    assert.strictEqual(line({ response: null, error: { code: "server_error" } }), "errored")
    assert.strictEqual(line({ response: null, error: { code: "batch_expired" } }), "expired")
    assert.strictEqual(line({ response: null, error: { code: "batch_cancelled" } }), "cancelled")
    assert.isUndefined(Results.openAiLine({ response: {} }))
    assert.isUndefined(Results.openAiLine("text"))
  })
})

describe("OpenAiCompatible.extras", () => {
  it("types metadata, model, endpoint, input_file_id, errors and usage as sent; leaves out other shapes", () => {
    const raw = {
      id: "batch_1",
      status: "failed",
      endpoint: "/v1/chat/completions",
      model: null,
      input_file_id: "file-in",
      metadata: { team: "a" },
      errors: {
        object: "list",
        data: [{ code: "token_limit_exceeded", message: "Enqueued token limit reached", param: null, line: null }]
      },
      usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
      completion_window: 24
    }
    const batch = OpenAiCompatible.toBatch("openai", Schema.decodeUnknownSync(OpenAiCompatible.WireBatch)(raw), raw)
    const extras = OpenAiCompatible.extras(batch)
    const code: string | null | undefined = extras.errors?.data[0]?.code
    assert.strictEqual(code, "token_limit_exceeded")
    assert.isNull(extras.model)
    assert.deepStrictEqual(extras.metadata, { team: "a" })
    assert.strictEqual(extras.usage?.total_tokens, 0)
    assert.strictEqual(extras.input_file_id, "file-in")
    assert.isFalse("completion_window" in extras)
  })
})
