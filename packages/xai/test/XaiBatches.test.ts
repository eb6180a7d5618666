import { BatchError } from "@batchctl/core"
import * as Loopback from "@batchctl/core/testing"
import { XaiBatches } from "@batchctl/xai"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"

const decode = Schema.decodeUnknownSync(XaiBatches.WireBatch)
const state = (num_requests: number, num_pending: number, num_success = 0, num_error = 0, num_cancelled = 0) => ({
  num_requests,
  num_pending,
  num_success,
  num_error,
  num_cancelled
})
const NOW = Date.parse("2025-11-11T12:00:00Z")

describe("XaiBatches", () => {
  it("derives a status from a batch that has none", () => {
    const at = (fields: Record<string, unknown>) => XaiBatches.toStatus(decode({ batch_id: "b", ...fields }), NOW)
    assert.strictEqual(at({ state: state(0, 0) }), "validating")
    assert.strictEqual(at({ state: state(10, 4, 6) }), "in_progress")
    assert.strictEqual(at({ state: state(10, 0, 9, 1) }), "completed")
    assert.strictEqual(at({ state: state(10, 4, 6), cancel_time: "2025-11-11T11:00:00Z" }), "cancelling")
    assert.strictEqual(at({ state: state(10, 0, 6, 0, 4), cancel_time: "2025-11-11" }), "cancelled")
    assert.strictEqual(at({ state: state(10, 4, 6), expire_time: "2025-11-11" }), "expired")
    assert.strictEqual(at({ state: state(10, 4, 6), expire_time: "2025-11-12" }), "in_progress")
    assert.strictEqual(
      at({ state: state(0, 0), cancel_time: "2025-11-11", cancel_by_xai_message: "JSONL file validation failed" }),
      "failed"
    )
    assert.strictEqual(at({ state: null }), "unknown")
  })

  it("reads date-only and RFC 3339 times; vendorStatus is empty (xAI sends none); counts as sent", () => {
    const b = XaiBatches.toBatch(
      decode({
        batch_id: "b",
        create_time: "2025-11-11",
        expire_time: "2025-11-12T10:00:00.5Z",
        state: state(5, 2, 2, 1)
      }),
      {},
      NOW
    )
    assert.strictEqual(b.createdAt?.toISOString(), "2025-11-11T00:00:00.000Z")
    assert.strictEqual(b.expiresAt?.toISOString(), "2025-11-12T10:00:00.500Z")
    assert.strictEqual(b.vendorStatus, "")
    assert.deepStrictEqual({ ...b.counts }, { total: 5, processing: 2, succeeded: 2, failed: 1, cancelled: 0 })
    assert.isUndefined(XaiBatches.toBatch(decode({ batch_id: "b", create_time: "11/11/2025" }), {}, NOW).createdAt)
  })

  it("pages the results JSON until the token runs out; a wrong key's 400 is Unauthorized", async () => {
    const done = { batch_id: "batch_1", create_time: "2025-11-11", state: state(3, 0, 2, 1) }
    const pages: Record<string, unknown> = {
      "": {
        results: [{ batch_request_id: "r0", batch_result: { response: { chat_get_completion: { id: "c0" } } } }],
        pagination_token: "p2"
      },
      p2: {
        results: [
          { batch_request_id: "r1", batch_result: { response: { chat_get_completion: { id: "c1" } } } },
          { batch_request_id: "r2", batch_result: { error: "boom" } }
        ]
      }
    }
    const server = await Loopback.start(({ path, headers }) => {
      if (headers.authorization !== "Bearer xai-key") {
        return {
          status: 400,
          body: {
            code: "invalid-argument",
            error: "Incorrect API key provided. You can obtain an API key from https://console.x.ai."
          }
        }
      }
      const url = new URL(path, "http://x")
      if (url.pathname === "/v1/batches/batch_1") return { status: 200, body: done }
      return { status: 200, body: pages[url.searchParams.get("pagination_token") ?? ""] }
    })
    const client = XaiBatches.client({ apiKey: "xai-key", baseUrl: `${server.url}/v1` })
    const wrong = XaiBatches.client({ apiKey: "xai-wrong-key", baseUrl: `${server.url}/v1` })
    try {
      const items: Array<string> = []
      for await (const item of client.results("batch_1")) items.push(`${item.customId}:${item.outcome}`)
      assert.deepStrictEqual(items, ["r0:succeeded", "r1:succeeded", "r2:errored"])
      assert.deepStrictEqual(
        server.seen.slice(1).map((s) => s.path),
        ["/v1/batches/batch_1/results?limit=1000", "/v1/batches/batch_1/results?limit=1000&pagination_token=p2"]
      )
      const error = await wrong.retrieve("batch_1").catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.Unauthorized)
      assert.strictEqual((error as BatchError.Unauthorized).httpStatus, 400)
      assert.notInclude(JSON.stringify(error), "xai-wrong-key")
    } finally {
      await client.close()
      await wrong.close()
      await server.close()
    }
  })
})
