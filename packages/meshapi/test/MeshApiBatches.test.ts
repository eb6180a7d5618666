import { BatchError } from "@batchctl/core"
import * as Loopback from "@batchctl/core/testing"
import { MeshApiBatches } from "@batchctl/meshapi"
import { assert, describe, it } from "@effect/vitest"

describe("MeshAPI Promise client over real HTTP", () => {
  it("cancels with a {} body and reads results inline from one retrieve", async () => {
    const server = await Loopback.start(({ method, path }) => {
      if (method === "POST") return { status: 200, body: { id: "batch_1", object: "batch", status: "cancelling" } }
      if (path.endsWith("batch_2"))
        return {
          status: 501,
          body: { error: { code: "not_implemented", message: "no batch cancel upstream" }, request_id: "req_01X" }
        }
      return {
        status: 200,
        body: {
          id: "batch_1",
          status: "cancelled",
          created_at: 1710000000,
          results: [
            { custom_id: "r1", response: { status_code: 200, body: { id: "c1" } }, error: null },
            { custom_id: "r2", response: { status_code: 429, body: { error: "upstream rate limit" } }, error: null }
          ]
        }
      }
    })
    const client = MeshApiBatches.client({ apiKey: "rsk_test", baseUrl: `${server.url}/v1` })
    try {
      const cancelled = await client.cancel("batch_1")
      assert.strictEqual(cancelled.status, "cancelling")
      assert.strictEqual(server.seen[0]?.body, "{}")
      assert.strictEqual(server.seen[0]?.headers["content-type"], "application/json")
      const results = await client.resultsArray("batch_1")
      assert.deepStrictEqual(
        results.map((r) => [r.customId, r.outcome]),
        [
          ["r1", "succeeded"],
          ["r2", "errored"]
        ]
      )
      assert.strictEqual(server.seen.length, 2)
      const error = await client.retrieve("batch_2").catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.Unsupported)
      assert.strictEqual((error as BatchError.Unsupported).requestId, "req_01X")
    } finally {
      await client.close()
      await server.close()
    }
  })

  it("reads a completed batch whose inline results pass the core's 16 MiB default, within its own bound", async () => {
    // 40,000 results of ~500 bytes: about 20 MiB in one batch object.
    const results = Array.from({ length: 40_000 }, (_, i) => ({
      custom_id: `r${i}`,
      response: { status_code: 200, body: { id: `c${i}`, text: "y".repeat(440) } },
      error: null
    }))
    const server = await Loopback.start(() => ({
      status: 200,
      body: { id: "batch_big", status: "completed", created_at: 1710000000, results }
    }))
    const client = MeshApiBatches.client({ apiKey: "rsk_test", baseUrl: `${server.url}/v1` })
    const bounded = MeshApiBatches.client({
      apiKey: "rsk_test",
      baseUrl: `${server.url}/v1`,
      maxBodyBytes: 16 * 2 ** 20
    })
    try {
      assert.isAbove(MeshApiBatches.defaultMaxBodyBytes, 20 * 2 ** 20)
      const batch = await client.retrieve("batch_big")
      assert.strictEqual(batch.status, "completed")
      const error = await bounded.retrieve("batch_big").catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.UnexpectedResponse)
      assert.strictEqual((error as BatchError.UnexpectedResponse).maxBodyBytes, 16 * 2 ** 20)
    } finally {
      await client.close()
      await bounded.close()
      await server.close()
    }
  })
})
