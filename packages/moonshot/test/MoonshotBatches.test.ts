import { BatchError } from "@batchctl/core"
import * as Loopback from "@batchctl/core/testing"
import { MoonshotBatches } from "@batchctl/moonshot"
import { assert, describe, it } from "@effect/vitest"

describe("Moonshot Promise client over real HTTP", () => {
  it("a 400 refusal to cancel, then one retrieve: InvalidBatchState with the status seen", async () => {
    const server = await Loopback.start(({ method }) =>
      method === "POST"
        ? { status: 400, body: { error: { type: "invalid_request_error", message: "batch cannot be cancelled" } } }
        : {
            status: 200,
            body: { id: "b1", object: "batch", status: "completed", created_at: 1711471533, completed_at: 1711493163 }
          }
    )
    const client = MoonshotBatches.client({ apiKey: "sk-kimi-test", baseUrl: `${server.url}/v1` })
    try {
      const error = await client.cancel("b1").catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.InvalidBatchState)
      const e = error as BatchError.InvalidBatchState
      assert.strictEqual(e.vendorStatus, "completed")
      assert.strictEqual(e.httpStatus, 400)
      assert.deepStrictEqual(
        server.seen.map((s) => `${s.method} ${s.path}`),
        ["POST /v1/batches/b1/cancel", "GET /v1/batches/b1"]
      )
    } finally {
      await client.close()
      await server.close()
    }
  })
  it("list pages without last_id use the last item's id as the cursor", async () => {
    const server = await Loopback.start(({ path }) =>
      path.includes("after=b2")
        ? { status: 200, body: { object: "list", data: [{ id: "b3", status: "failed" }], has_more: false } }
        : {
            status: 200,
            body: {
              object: "list",
              data: [
                { id: "b1", status: "completed" },
                { id: "b2", status: "expired" }
              ],
              has_more: true
            }
          }
    )
    const client = MoonshotBatches.client({ apiKey: "sk-kimi-test", baseUrl: `${server.url}/v1` })
    try {
      const first = await client.list({ limit: 2 })
      assert.strictEqual(first.nextCursor, "b2")
      const ids: Array<string> = []
      for await (const b of client.listAll({ limit: 2 })) ids.push(b.id)
      assert.deepStrictEqual(ids, ["b1", "b2", "b3"])
    } finally {
      await client.close()
      await server.close()
    }
  })
})
