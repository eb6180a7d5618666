import { BatchError } from "@batchctl/core"
import * as Loopback from "@batchctl/core/testing"
import { MistralBatches } from "@batchctl/mistral"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"

const job = (id: string, status: string, counts: [number, number, number, number] = [10, 4, 4, 0]) => ({
  id,
  object: "batch",
  status,
  created_at: 1732400351,
  total_requests: counts[0],
  completed_requests: counts[1],
  succeeded_requests: counts[2],
  failed_requests: counts[3],
  output_file: null,
  error_file: null,
  errors: []
})
const decode = Schema.decodeUnknownSync(MistralBatches.WireBatch)

describe("MistralBatches", () => {
  it("maps the UPPER-CASE statuses; anything else is unknown", () => {
    const table: Array<[string, string]> = [
      ["QUEUED", "validating"],
      ["RUNNING", "in_progress"],
      ["SUCCESS", "completed"],
      ["FAILED", "failed"],
      ["TIMEOUT_EXCEEDED", "expired"],
      ["CANCELLATION_REQUESTED", "cancelling"],
      ["CANCELLED", "cancelled"],
      ["success", "unknown"],
      ["constructor", "unknown"],
      ["", "unknown"]
    ]
    for (const [vendor, normalized] of table) assert.strictEqual(MistralBatches.toStatus(vendor), normalized, vendor)
  })

  it("a QUEUED job is queued and its all-zero counters are not counts; a running one keeps them", () => {
    const queued = MistralBatches.toBatch(decode(job("q", "QUEUED", [0, 0, 0, 0])), {})
    assert.strictEqual(queued.status, "validating")
    assert.isTrue(queued.queued)
    assert.deepStrictEqual({ ...queued.counts }, {})
    const running = MistralBatches.toBatch(decode(job("r", "RUNNING", [10, 4, 3, 1])), {})
    assert.isUndefined(running.queued)
    assert.deepStrictEqual({ ...running.counts }, { total: 10, succeeded: 3, failed: 1 })
    // A finished job with 0 requests is an empty batch: its zeros are counts.
    assert.deepStrictEqual(
      { ...MistralBatches.toBatch(decode(job("e", "SUCCESS", [0, 0, 0, 0])), {}).counts },
      { total: 0, succeeded: 0, failed: 0 }
    )
  })

  it("reads output_file and error_file (not *_file_id) as the results files", () => {
    const b = MistralBatches.toBatch(
      decode({ ...job("d", "SUCCESS"), output_file: "o-1", error_file: "e-1", output_file_id: "wrong" }),
      {}
    )
    assert.strictEqual(b.outputFileId, "o-1")
    assert.strictEqual(b.errorFileId, "e-1")
  })

  it("error-file lines that say the request never ran are cancelled or expired, others errored", () => {
    const read = MistralBatches.resultLine("error")
    assert.strictEqual(
      read({ custom_id: "a", response: null, error: { message: "Cancelled", code: "cancelled" } })?.outcome,
      "cancelled"
    )
    assert.strictEqual(
      read({ custom_id: "b", response: null, error: { message: "x", code: "TIMEOUT_EXCEEDED" } })?.outcome,
      "expired"
    )
    assert.strictEqual(
      read({ custom_id: "c", response: null, error: { message: "x", code: "1300" } })?.outcome,
      "errored"
    )
    assert.strictEqual(
      MistralBatches.resultLine("output")({ custom_id: "d", response: { status_code: 200, body: {} } })?.outcome,
      "succeeded"
    )
  })

  it("lists every page by number over real HTTP, with the key as a bearer and never in an error", async () => {
    const all = ["a", "b", "c", "d", "e"].map((id) => job(id, "SUCCESS"))
    const server = await Loopback.start(({ path }) => {
      const url = new URL(path, "http://x")
      if (url.pathname === "/v1/batch/jobs") {
        const page = Number(url.searchParams.get("page"))
        const size = Number(url.searchParams.get("page_size"))
        return {
          status: 200,
          body: { object: "list", data: all.slice(page * size, (page + 1) * size), total: all.length }
        }
      }
      return { status: 404, body: { detail: "Not Found" } }
    })
    const client = MistralBatches.client({ apiKey: "mistral-test-key", baseUrl: `${server.url}/v1` })
    try {
      const ids: Array<string> = []
      for await (const b of client.listAll({ limit: 2 })) ids.push(b.id)
      assert.deepStrictEqual(ids, ["a", "b", "c", "d", "e"])
      assert.deepStrictEqual(
        server.seen.map((s) => s.path),
        ["/v1/batch/jobs?page=0&page_size=2", "/v1/batch/jobs?page=1&page_size=2", "/v1/batch/jobs?page=2&page_size=2"]
      )
      assert.isTrue(server.seen.every((s) => s.headers.authorization === "Bearer mistral-test-key"))
      const error = await client.retrieve("5befe8c6-b8cb-4858-a068-d600cf5ed73f").catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.BatchNotFound)
      assert.notInclude(JSON.stringify(error), "mistral-test-key")
    } finally {
      await client.close()
      await server.close()
    }
  })
})
