/**
 * Anthropic's results stream from `results_url` as the bytes arrive: the first item comes before a tenth
 * of a large file is sent, a body that stalls fails with a typed error after the idle timeout, saying how
 * many items came, and a connection reset mid-body does the same; neither is downloaded again. Over real
 * HTTP on loopback.
 */
import { BatchError } from "@batchctl/core"
import { AnthropicBatches } from "@batchctl/anthropic"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { createServer, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

const line = (i: number) =>
  `${JSON.stringify({
    custom_id: `request-${String(i).padStart(7, "0")}`,
    result: {
      type: "succeeded",
      message: {
        id: `msg_${i}`,
        type: "message",
        role: "assistant",
        content: [{ type: "text", text: "x".repeat(400) }]
      }
    }
  })}\n`
const LINES = 60_000 // ~30 MB
const total = (() => {
  let bytes = 0
  for (let i = 0; i < LINES; i++) bytes += Buffer.byteLength(line(i))
  return bytes
})()

let server: Server
let origin = ""
const sent = { big: 0, bigRequests: 0, stallRequests: 0, resetRequests: 0 }

/** 64 KiB chunks, two milliseconds apart (so that a tenth of the file takes ~100 ms), honouring back-pressure; `cut` ends the body early without `end`. */
const pump = (
  res: ServerResponse,
  lines: number,
  onChunk: (bytes: number) => void,
  cut?: { at: number; how: "stall" | "reset" }
) => {
  let i = 0
  const next = () => {
    let chunk = ""
    while (i < lines && chunk.length < 64 * 1024) chunk += line(i++)
    if (cut !== undefined && i >= cut.at) {
      res.write(chunk)
      if (cut.how === "reset") setTimeout(() => res.socket?.destroy(), 50)
      return
    }
    onChunk(Buffer.byteLength(chunk))
    const more = res.write(chunk)
    if (i >= lines) return void res.end()
    if (more) setTimeout(next, 2)
    else res.once("drain", () => setTimeout(next, 2))
  }
  next()
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? ""
    const id = path.match(/^\/v1\/messages\/batches\/([^/]+)$/)?.[1]
    if (id !== undefined) {
      res.writeHead(200, { "content-type": "application/json" })
      return void res.end(
        JSON.stringify({
          id,
          type: "message_batch",
          processing_status: "ended",
          request_counts: { processing: 0, succeeded: LINES, errored: 0, canceled: 0, expired: 0 },
          created_at: "2024-09-24T18:37:24.100435Z",
          ended_at: "2024-09-24T19:37:24.100435Z",
          results_url: `${origin}/v1/messages/batches/${id}/results`
        })
      )
    }
    res.writeHead(200, { "content-type": "application/binary" })
    if (path === "/v1/messages/batches/msgbatch_big/results") {
      sent.bigRequests++
      return pump(res, LINES, (bytes) => {
        sent.big += bytes
      })
    }
    if (path === "/v1/messages/batches/msgbatch_stall/results") {
      sent.stallRequests++
      return pump(res, LINES, () => {}, { at: 2_000, how: "stall" })
    }
    if (path === "/v1/messages/batches/msgbatch_reset/results") {
      sent.resetRequests++
      return pump(res, LINES, () => {}, { at: 2_000, how: "reset" })
    }
    res.statusCode = 404
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const client = () => AnthropicBatches.client({ apiKey: "sk-ant-stream-0000", baseUrl: origin, idleTimeout: 400 })

describe.sequential("Anthropic results stream", () => {
  it("the first item arrives before a tenth of the file is sent, and every line is read once", async () => {
    const anthropic = client()
    let items = 0
    let sentAtFirst = -1
    try {
      for await (const item of anthropic.results("msgbatch_big")) {
        if (items === 0) sentAtFirst = sent.big
        assert.strictEqual(item.outcome, "succeeded")
        items++
      }
    } finally {
      await anthropic.close()
    }
    assert.strictEqual(items, LINES)
    assert.strictEqual(sent.bigRequests, 1)
    assert.isAbove(sentAtFirst, 0)
    assert.isBelow(sentAtFirst, total * 0.1, `first item after ${sentAtFirst} of ${total} bytes`)
  }, 60_000)

  for (const how of ["stall", "reset"] as const) {
    it(`a body that ${how === "stall" ? "stalls" : "is reset"} mid-way is TransportFailure saying how many items came, read once`, async () => {
      const anthropic = client()
      let items = 0
      const error = await (async () => {
        for await (const _ of anthropic.results(`msgbatch_${how}`)) items++
      })().catch((e: unknown) => e)
      await anthropic.close()
      assert.instanceOf(error, BatchError.TransportFailure)
      const failure = error as BatchError.TransportFailure
      assert.strictEqual(failure.operation, "results")
      assert.strictEqual(failure.itemsDelivered, items)
      assert.isAbove(items, 0)
      assert.isBelow(items, LINES)
      assert.include(failure.message, `after ${items} item(s) were delivered`)
      if (how === "stall") assert.include(failure.message, "idle timeout")
      assert.strictEqual(failure.url, `${origin}/v1/messages/batches/msgbatch_${how}/results`)
      assert.strictEqual(how === "stall" ? sent.stallRequests : sent.resetRequests, 1)
    }, 30_000)
  }
})
