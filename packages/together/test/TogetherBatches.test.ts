import { BatchError } from "@batchctl/core"
import * as Loopback from "@batchctl/core/testing"
import { TogetherBatches } from "@batchctl/together"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"

describe("TogetherBatches", () => {
  it("maps upper-case statuses, both spellings of CANCELING, and anything else to unknown", () => {
    const table: Array<[string, string]> = [
      ["VALIDATING", "validating"],
      ["IN_PROGRESS", "in_progress"],
      ["CANCELING", "cancelling"],
      ["CANCELLING", "cancelling"],
      ["CANCELLED", "cancelled"],
      ["COMPLETED", "completed"],
      ["FAILED", "failed"],
      ["EXPIRED", "expired"],
      ["completed", "unknown"],
      ["FINALIZING", "unknown"],
      ["", "unknown"]
    ]
    for (const [vendor, normalized] of table) assert.strictEqual(TogetherBatches.toStatus(vendor), normalized, vendor)
  })
  it("progress 0–100 becomes a fraction, clamped; no counts are invented", () => {
    const b = (progress: unknown) =>
      TogetherBatches.toBatch(
        Schema.decodeUnknownSync(TogetherBatches.WireBatch)({ id: "x", status: "IN_PROGRESS", progress }),
        {}
      )
    assert.strictEqual(b(75).progress, 0.75)
    assert.strictEqual(b(100).progress, 1)
    assert.strictEqual(b(250).progress, 1)
    assert.isUndefined(b("75").progress)
    assert.isUndefined(b(null).progress)
    assert.deepStrictEqual({ ...b(10).counts }, {})
  })
  it("pages a bare-array list itself, over real HTTP, sending no paging parameters", async () => {
    const all = ["a", "b", "c"].map((id) => ({ id, status: "COMPLETED", created_at: "2026-08-12T12:00:00Z" }))
    const server = await Loopback.start(({ path }) =>
      path === "/v1/batches" ? { status: 200, body: all } : { status: 404, body: { error: "batch job not found" } }
    )
    const client = TogetherBatches.client({ apiKey: "tg-test", baseUrl: `${server.url}/v1` })
    try {
      const ids: Array<string> = []
      for await (const b of client.listAll({ limit: 2 })) ids.push(b.id)
      assert.deepStrictEqual(ids, ["a", "b", "c"])
      assert.isTrue(server.seen.every((s) => s.path === "/v1/batches"))
      const error = await client.cancel("nope").catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.BatchNotFound)
      assert.include((error as Error).message, "batch job not found")
    } finally {
      await client.close()
      await server.close()
    }
  })
})

describe("TogetherBatches listing and extras", () => {
  it("asks Together once per listing, however many pages listAll walks; a fresh listing asks again", async () => {
    const all = ["a", "b", "c", "d"].map((id) => ({ id, status: "COMPLETED", created_at: "2026-08-12T12:00:00Z" }))
    const server = await Loopback.start(() => ({ status: 200, body: all }))
    const client = TogetherBatches.client({ apiKey: "tg-test", baseUrl: `${server.url}/v1` })
    try {
      const ids: Array<string> = []
      for await (const b of client.listAll({ limit: 1 })) ids.push(b.id)
      assert.deepStrictEqual(ids, ["a", "b", "c", "d"])
      assert.strictEqual(server.seen.length, 1)
      // A fresh listing asks again, and hands out only its own cursors ("b" here).
      for await (const _ of client.listAll({ limit: 2 })) void _
      assert.strictEqual(server.seen.length, 2)
      // A cursor the adapter did not hand out from that answer is asked about again.
      const page = await client.list({ after: "a", limit: 1 })
      assert.deepStrictEqual(
        page.batches.map((b) => b.id),
        ["b"]
      )
      assert.strictEqual(server.seen.length, 3)
      assert.deepStrictEqual(
        (await client.list({ after: "b" })).batches.map((b) => b.id),
        ["c", "d"]
      )
      assert.strictEqual(server.seen.length, 3)
    } finally {
      await client.close()
      await server.close()
    }
  })
  it("extras: error as the plain string Together sends, model_id, input_file_id; other shapes left out", () => {
    const b = TogetherBatches.toBatch(
      { id: "x", status: "FAILED" },
      {
        id: "x",
        status: "FAILED",
        error: "input file invalid",
        model_id: null,
        input_file_id: "file-1",
        file_size_bytes: "big"
      }
    )
    const extras = TogetherBatches.extras(b)
    assert.deepStrictEqual(extras, { error: "input file invalid", model_id: null, input_file_id: "file-1" })
    const error: string | null | undefined = extras.error
    assert.strictEqual(error, "input file invalid")
  })
})
