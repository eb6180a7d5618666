/**
 * Compressed bodies, as `fetch` handles them: every request asks for gzip, and whatever comes back
 * compressed, deflate (zlib-wrapped or raw) and br included (a results file, a batch, an error body), is
 * read decompressed, on the fast path and on the general `HttpClient` path alike; a compressed file cut
 * short fails rather than ending early, a 2xx body that does not decompress fails, and an error body that
 * does not decompress keeps its status. Over real HTTP on loopback.
 */
import { BatchError } from "@batchctl/core"
import { OpenAiBatches } from "@batchctl/openai"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import {
  brotliCompressSync,
  constants,
  createDeflate,
  createGzip,
  type Deflate,
  deflateRawSync,
  deflateSync,
  type Gzip,
  gzipSync
} from "node:zlib"

const LINES = 2_000
const file = Array.from(
  { length: LINES },
  (_, i) =>
    `${JSON.stringify({ custom_id: `r-${i}`, response: { status_code: 200, body: { text: "x".repeat(200) } }, error: null })}\n`
).join("")
const encoders: Record<string, (text: string) => Buffer> = {
  gzip: (text) => gzipSync(text),
  deflate: (text) => deflateSync(text),
  br: (text) => brotliCompressSync(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
}

let server: Server
let baseUrl = ""
const seen: Array<IncomingHttpHeaders> = []

/** The bytes a compressor has written after the first `lines` lines and a sync flush. */
const flushedPrefix = (compressor: Gzip | Deflate, lines: number) =>
  new Promise<Buffer>((resolve) => {
    const out: Array<Buffer> = []
    compressor.on("data", (chunk: Buffer) => out.push(chunk))
    compressor.write(
      file
        .split("\n")
        .slice(0, lines)
        .map((l) => `${l}\n`)
        .join("")
    )
    compressor.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(out)))
  })
const prefixes: Record<string, Buffer> = {}

beforeAll(async () => {
  prefixes.gzip = await flushedPrefix(createGzip(), 500)
  prefixes.deflate = await flushedPrefix(createDeflate(), 500)
  server = createServer((req, res) => {
    seen.push({ ...req.headers, path: req.url })
    // /v1/<encoding>/batches/… : that encoding whatever the request asked for, as some servers do.
    const [, , encoding = "gzip", ...rest] = (req.url ?? "").split("/")
    const path = `/${rest.join("/")}`
    const send = (status: number, text: string, type: string) => {
      const body = encoders[encoding]!(text)
      res.writeHead(status, {
        "content-type": type,
        "content-encoding": encoding,
        "content-length": String(body.length)
      })
      // In two writes, so that the decompressor sees a body that arrives in parts.
      res.write(body.subarray(0, body.length >> 1))
      setTimeout(() => res.end(body.subarray(body.length >> 1)), 5)
    }
    if (path === "/batches/done") {
      return send(
        200,
        JSON.stringify({ id: "done", object: "batch", status: "completed", output_file_id: "file-out" }),
        "application/json"
      )
    }
    if (path === "/files/file-out/content") return send(200, file, "application/octet-stream")
    if (path === "/batches/cut") {
      return send(
        200,
        JSON.stringify({ id: "cut", object: "batch", status: "completed", output_file_id: "file-cut" }),
        "application/json"
      )
    }
    if (path === "/files/file-cut/content") {
      // Whole HTTP framing, a compressed stream flushed after 500 whole lines and cut there: it decodes to
      // whole lines, but the end of the body is not the end of the stream.
      const cut = prefixes[encoding]!
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-encoding": encoding,
        "content-length": String(cut.length)
      })
      return void res.end(cut)
    }
    if (path === "/batches/garbled-ok") {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": encoding })
      return void res.end("this is not compressed either")
    }
    if (path === "/batches/raw-deflate") {
      const body = deflateRawSync(JSON.stringify({ id: "raw-deflate", object: "batch", status: "completed" }))
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "deflate" })
      return void res.end(body)
    }
    if (path === "/batches/garbled") {
      res.writeHead(404, { "content-type": "application/json", "content-encoding": encoding })
      return void res.end("this is not compressed")
    }
    send(
      404,
      JSON.stringify({ error: { message: "No batch found with id 'gone'.", type: "invalid_request_error" } }),
      "application/json"
    )
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe.sequential("compressed bodies", () => {
  for (const encoding of Object.keys(encoders)) {
    for (const propagateTracing of [false, true]) {
      it(`${encoding}, ${propagateTracing ? "the general HttpClient path" : "the fast path"}: a batch, a results file and an error body are read decompressed`, async () => {
        const openai = OpenAiBatches.client({
          apiKey: "sk-gzip-0000",
          baseUrl: `${baseUrl}/${encoding}`,
          propagateTracing,
          retry: { maxAttempts: 1 }
        })
        try {
          const before = seen.length
          const batch = await openai.retrieve("done")
          assert.strictEqual(batch.status, "completed")
          const items = await openai.resultsArray("done")
          assert.strictEqual(items.length, LINES)
          assert.strictEqual(items[LINES - 1]?.customId, `r-${LINES - 1}`)
          const gone = await openai.retrieve("gone").catch((e: unknown) => e)
          assert.instanceOf(gone, BatchError.BatchNotFound)
          assert.include((gone as BatchError.BatchNotFound).message, "No batch found with id 'gone'.")
          for (const headers of seen.slice(before)) assert.strictEqual(headers["accept-encoding"], "gzip")
        } finally {
          await openai.close()
        }
      })
    }
  }

  // Not br: Node 20's brotli stream ends quietly when cut short, which is why br is not asked for.
  for (const encoding of ["gzip", "deflate"]) {
    it(`${encoding}: a results file cut short fails after the items before the cut, instead of ending early`, async () => {
      const openai = OpenAiBatches.client({
        apiKey: "sk-gzip-0000",
        baseUrl: `${baseUrl}/${encoding}`,
        retry: { maxAttempts: 1 }
      })
      let items = 0
      const error = await (async () => {
        for await (const _ of openai.results("cut")) items++
      })().catch((e: unknown) => e)
      await openai.close()
      assert.instanceOf(error, BatchError.TransportFailure, String(error))
      assert.strictEqual(items, 500)
      assert.strictEqual((error as BatchError.TransportFailure).itemsDelivered, 500)
    })
  }

  it.each([false, true])(
    "an error body that does not decompress keeps its status: a 404 is BatchNotFound, sent once (general path: %s)",
    async (propagateTracing) => {
      const openai = OpenAiBatches.client({ apiKey: "sk-gzip-0000", baseUrl: `${baseUrl}/gzip`, propagateTracing })
      try {
        const before = seen.length
        const error = await openai.retrieve("garbled").catch((e: unknown) => e)
        assert.instanceOf(error, BatchError.BatchNotFound)
        assert.strictEqual(seen.length - before, 1)
      } finally {
        await openai.close()
      }
    }
  )

  it.each([false, true])(
    "a 2xx body that does not decompress fails as a broken response, not as an empty one (general path: %s)",
    async (propagateTracing) => {
      const openai = OpenAiBatches.client({
        apiKey: "sk-gzip-0000",
        baseUrl: `${baseUrl}/gzip`,
        propagateTracing,
        retry: { maxAttempts: 1 }
      })
      try {
        const error = await openai.retrieve("garbled-ok").catch((e: unknown) => e)
        assert.isTrue(BatchError.isBatchError(error), String(error))
        assert.notInclude(String((error as Error).message), "empty body")
      } finally {
        await openai.close()
      }
    }
  )

  it("a deflate body without its zlib header (raw deflate) is read too", async () => {
    const openai = OpenAiBatches.client({ apiKey: "sk-gzip-0000", baseUrl: `${baseUrl}/gzip` })
    try {
      assert.strictEqual((await openai.retrieve("raw-deflate")).status, "completed")
    } finally {
      await openai.close()
    }
  })

  it("a caller's own accept-encoding is sent as given", async () => {
    const openai = OpenAiBatches.client({
      apiKey: "sk-gzip-0000",
      baseUrl: `${baseUrl}/gzip`,
      headers: { "accept-encoding": "gzip" }
    })
    try {
      const before = seen.length
      await openai.retrieve("done")
      assert.strictEqual(seen[before]?.["accept-encoding"], "gzip")
    } finally {
      await openai.close()
    }
  })
})
