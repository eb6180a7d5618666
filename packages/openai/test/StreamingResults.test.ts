/**
 * Results stream at any size: a 100 MB output file served slowly over loopback is read line by line in
 * a child process (so that its memory is the reader's alone), the first item comes long before the
 * download ends, and a body that stalls fails with a typed error after the idle timeout, once.
 */
import { BatchError } from "@batchctl/core"
import { OpenAiBatches } from "@batchctl/openai"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { createServer, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"

const TOTAL_BYTES = 100 * 2 ** 20
const line = (i: number) =>
  `${JSON.stringify({
    id: `batch_req_${String(i).padStart(8, "0")}`,
    custom_id: `request-${String(i).padStart(8, "0")}`,
    response: {
      status_code: 200,
      request_id: `req_${String(i).padStart(8, "0")}`,
      body: {
        id: `chatcmpl-${String(i).padStart(8, "0")}`,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "x".repeat(700) } }]
      }
    },
    error: null
  })}\n`
const LINE_BYTES = Buffer.byteLength(line(0))
const LINES = Math.ceil(TOTAL_BYTES / LINE_BYTES)

let server: Server
let baseUrl = ""
const sent = { bytes: 0, contentRequests: 0, stalledRequests: 0 }

/** Writes `lines` lines in 64 KiB chunks, pausing so that 100 MB take a few seconds, honouring back-pressure. */
const serveSlowly = (res: ServerResponse, lines: number, stallAfter?: number) => {
  let i = 0
  const pump = () => {
    let chunk = ""
    while (i < lines && chunk.length < 64 * 1024) chunk += line(i++)
    if (stallAfter !== undefined && i >= stallAfter) {
      res.write(chunk)
      return // never ends: a stalled body
    }
    sent.bytes += Buffer.byteLength(chunk)
    const more = res.write(chunk)
    if (i >= lines) return void res.end()
    if (more) setTimeout(pump, 1)
    else res.once("drain", () => setTimeout(pump, 1))
  }
  pump()
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? ""
    if (path === "/v1/batches/batch_warm") {
      res.writeHead(200, { "content-type": "application/json" })
      return void res.end(JSON.stringify({ id: "batch_warm", status: "completed", output_file_id: "file-batch_warm" }))
    }
    if (path === "/v1/files/file-batch_warm/content") {
      res.writeHead(200, { "content-type": "application/octet-stream" })
      let text = ""
      for (let i = 0; i < Math.ceil(LINES / 4); i++) text += line(i)
      return void res.end(text)
    }
    if (path === "/v1/batches/batch_big" || path === "/v1/batches/batch_stall") {
      const id = path.split("/").at(-1)!
      res.writeHead(200, { "content-type": "application/json" })
      return void res.end(
        JSON.stringify({
          id,
          status: "completed",
          output_file_id: `file-${id}`,
          request_counts: { total: LINES, completed: LINES, failed: 0 }
        })
      )
    }
    if (path === "/v1/files/file-batch_big/content") {
      sent.contentRequests++
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(LINES * LINE_BYTES) })
      return serveSlowly(res, LINES)
    }
    if (path === "/v1/files/file-batch_stall/content") {
      sent.stalledRequests++
      res.writeHead(200, { "content-type": "application/octet-stream" })
      return serveSlowly(res, 10_000, 2_000)
    }
    res.writeHead(404, { "content-type": "application/json" })
    res.end(JSON.stringify({ error: { message: "not found" } }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe("results of a 100 MB file", () => {
  it("arrive before 10% of the bytes are sent, in bounded memory, every line read once", async () => {
    /** One read of the whole file in a fresh child process. */
    const measure = async () => {
      sent.bytes = 0
      sent.contentRequests = 0
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          fileURLToPath(new URL("./fixtures/read-results.ts", import.meta.url)),
          baseUrl,
          "batch_big",
          "batch_warm"
        ],
        { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "inherit"] }
      )
      let bytesAtFirst = -1
      let done: { items: number; ms: number; peakGrowthMb: number; coldGrowthMb: number } | undefined
      let buffered = ""
      child.stdout.setEncoding("utf8")
      child.stdout.on("data", (text: string) => {
        buffered += text
        for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
          const event = JSON.parse(buffered.slice(0, nl)) as { event: string }
          buffered = buffered.slice(nl + 1)
          // Bytes only grow: what the server has sent when the message arrives bounds what it had sent
          // when the first item was read.
          if (event.event === "first") bytesAtFirst = sent.bytes
          if (event.event === "done") done = event as unknown as typeof done
        }
      })
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
      assert.strictEqual(code, 0)
      if (done === undefined) return assert.fail("the child reported no result")
      assert.strictEqual(done.items, LINES)
      assert.strictEqual(sent.contentRequests, 1)
      assert.isAbove(bytesAtFirst, 0)
      assert.isBelow(bytesAtFirst, TOTAL_BYTES * 0.1, `first item after ${bytesAtFirst} bytes`)
      console.log(
        `100 MB results: first item after ${(bytesAtFirst / 2 ** 20).toFixed(1)} MB sent; peak RSS growth ${done.peakGrowthMb.toFixed(1)} MB (${done.coldGrowthMb.toFixed(1)} MB from rest); ${done.ms.toFixed(0)} ms`
      )
      return done
    }
    // Bounded, not proportional to the file (reading it whole took ~650 MB): under the issue's 64 MB,
    // from rest (the client after one retrieve) as past the warm-up read of a quarter of the file.
    // Measured 20-39 MB from rest and 1-9 MB past the warm-up, also with other suites running beside it.
    // When V8 collects matters more than what is kept: a read over the bound is measured once more, in a
    // new process, and the second has to be under it.
    const within = (d: { peakGrowthMb: number; coldGrowthMb: number }) => d.peakGrowthMb < 64 && d.coldGrowthMb < 64
    const first = await measure()
    const done = within(first) ? first : await measure()
    assert.isBelow(done.peakGrowthMb, 64, `peak RSS growth ${done.peakGrowthMb.toFixed(1)} MB past the warm-up`)
    assert.isBelow(done.coldGrowthMb, 64, `peak RSS growth ${done.coldGrowthMb.toFixed(1)} MB from rest`)
  }, 300_000)

  it("a body that stalls fails with TransportFailure after the idle timeout, saying how many items came, and is not downloaded again", async () => {
    const openai = OpenAiBatches.client({ apiKey: "sk-stream-test-0000", baseUrl, idleTimeout: 400 })
    let items = 0
    const started = Date.now()
    const error = await (async () => {
      for await (const _ of openai.results("batch_stall")) items++
    })().catch((e: unknown) => e)
    const elapsed = Date.now() - started
    await openai.close()
    assert.instanceOf(error, BatchError.TransportFailure)
    const failure = error as BatchError.TransportFailure
    assert.strictEqual(failure.operation, "results")
    assert.strictEqual(failure.itemsDelivered, items)
    assert.isAbove(items, 0)
    assert.isBelow(items, 10_000)
    assert.include(failure.message, `after ${items} item(s) were delivered`)
    assert.include(failure.message, "idle timeout")
    assert.strictEqual(failure.method, "GET")
    assert.strictEqual(failure.url, `${baseUrl}/files/file-batch_stall/content`)
    assert.strictEqual(sent.stalledRequests, 1)
    assert.isAtLeast(elapsed, 400)
  }, 30_000)
})
