import { BatchError, NodeClient, Results, Transport, VendorHttp } from "@batchctl/core"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Chunk from "effect/Chunk"
import * as NodeHttp from "node:http"
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http"
import * as NodeHttps from "node:https"
import { Readable } from "node:stream"
import type { AddressInfo } from "node:net"
import * as NodeZlib from "node:zlib"

const KEY = "sk-node-0123456789abcdef"

interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** Files whose download the client closed before their end. */
const cutOff = new Set<string>()

/** A result line of a file under `/v1/files/`. */
const resultLine = (i: number) =>
  `${JSON.stringify({ custom_id: `r${i}`, response: { status_code: 200, body: { key: KEY.slice(0, 3) } }, error: null })}\n`

/** Results files: `ok` (3 lines), `trickle` (a line every 60 ms), `stall` and `break` (2 lines, then nothing or a reset), `gone` (404). */
const serveFile = (name: string, res: ServerResponse) => {
  if (name === "gone") {
    res.writeHead(404, { "content-type": "application/json", "x-request-id": "req_gone" })
    return res.end(`{"error":{"message":"No such File object: gone","type":"invalid_request_error"}}`)
  }
  res.writeHead(200, { "content-type": "application/octet-stream", "x-request-id": "req_file" })
  if (name === "ok") return res.end(resultLine(0) + resultLine(1) + resultLine(2))
  if (name === "trickle") {
    let i = 0
    res.on("close", () => {
      if (!res.writableEnded) cutOff.add(name)
    })
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer)
      res.write(resultLine(i++))
      if (i === 6) {
        clearInterval(timer)
        res.end()
      }
    }, 60)
    return
  }
  res.write(resultLine(0) + resultLine(1))
  if (name === "break") setTimeout(() => res.socket?.destroy(), 30)
}

// A loopback server: `/slow` never answers, `/flaky` answers 503 once per `?n=`, `/files/<name>/content`
// serves results files, everything else echoes.
let server: Server
let base = ""
const seen: Array<Seen> = []
const flaky = new Set<string>()
const closed = new Set<string>()

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const path = req.url ?? ""
      seen.push({ method: req.method ?? "", path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
      if (path.startsWith("/v1/slow")) {
        res.on("close", () => closed.add(path))
        return
      }
      const file = /^\/v1\/files\/(\w+)\/content/.exec(path)
      if (file !== null) return serveFile(file[1]!, res)
      if (path.startsWith("/v1/bom")) {
        res.writeHead(200, { "content-type": "application/json" })
        return res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`{"id":"b1"}`)]))
      }
      if (path.startsWith("/v1/flaky") && !flaky.has(path)) {
        flaky.add(path)
        res.writeHead(503, { "content-type": "application/json", "retry-after-ms": "1" })
        return res.end(`{"error":{"message":"busy, key ${KEY}"}}`)
      }
      res.writeHead(200, { "content-type": "application/json", "x-request-id": "req_1", "set-cookie": ["a=1", "b=2"] })
      res.end(JSON.stringify({ path, echoed: KEY.slice(0, 3) }))
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(
  () =>
    new Promise<void>((done) => {
      server.closeAllConnections()
      server.close(() => done())
    })
)

const options = (overrides: Partial<VendorHttp.Options> = {}): VendorHttp.Options => ({
  provider: "p",
  baseUrl: `${base}/v1`,
  apiKey: Redacted.make(KEY),
  auth: VendorHttp.bearer,
  headers: { "user-agent": "batchctl-test" },
  retry: { maxAttempts: 2 },
  timeout: "200 millis",
  ...overrides
})

/** The same calls through `NodeClient`'s transport and through its `HttpClient` on `Transport.fromHttpClient`. */
const both = <A, E>(
  body: (http: VendorHttp.VendorHttp) => Effect.Effect<A, E>,
  overrides: Partial<VendorHttp.Options> = {}
) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const fast = yield* Effect.either(body(VendorHttp.makeWith(yield* Transport.Transport, options(overrides))))
    // As `VendorHttp.make` uses an HttpClient: no trace headers.
    const quiet = HttpClient.withTracerPropagation(client, false)
    const slow = yield* Effect.either(body(VendorHttp.makeWith(Transport.fromHttpClient(quiet), options(overrides))))
    return { fast, slow }
  }).pipe(Effect.provide(NodeClient.layer))

const call = { operation: "retrieve", batchId: "b1" }

/** A GET as a transport takes it. */
const get = (url: string, timeoutMs: number, headers: Record<string, string> = {}): Transport.Request => ({
  method: "GET",
  url: new URL(url),
  headers,
  body: HttpBody.empty,
  timeoutMs,
  maxBodyBytes: 2 ** 20
})

// One request at a time: each test reads what the server saw since it started.
describe.sequential("NodeClient's transport", () => {
  it.live("NodeClient.layer provides its Transport beside its HttpClient, and VendorHttp.make sends on it", () =>
    Effect.gen(function* () {
      // An HttpClient that cannot answer, beside NodeClient's transport.
      const pipeline = HttpClient.make((request) => Effect.die(`the pipeline was used for ${request.url}`))
      const http = yield* VendorHttp.make(options()).pipe(Effect.provideService(HttpClient.HttpClient, pipeline))
      const response = yield* http.execute(HttpClientRequest.get("/batches/b1"), call)
      assert.strictEqual(response.status, 200)
      // With tracing propagated, the HttpClient (and its span per request) is used.
      const traced = yield* VendorHttp.make(options({ propagateTracing: true })).pipe(
        Effect.provideService(HttpClient.HttpClient, pipeline)
      )
      const exit = yield* Effect.exit(traced.execute(HttpClientRequest.get("/batches/b1"), call))
      assert.include(String(exit), "the pipeline was used for")
    }).pipe(Effect.provide(NodeClient.layer))
  )

  it.live("the download answers a 2xx head with its body unread, which its reader reads whole", () =>
    Effect.gen(function* () {
      const { download } = yield* Transport.Transport
      const head = yield* download(get(`${base}/v1/batches/b1`, 5_000, { accept: "application/binary" }))
      assert.strictEqual(head._tag, "Head")
      if (head._tag !== "Head") return
      assert.strictEqual(head.status, 200)
      assert.strictEqual(head.headers["x-request-id"], "req_1")
      const bytes = yield* Stream.runCollect(head.body(5_000))
      assert.deepStrictEqual(JSON.parse(Buffer.concat([...bytes]).toString("utf8")), {
        path: "/v1/batches/b1",
        echoed: "sk-"
      })
    }).pipe(Effect.provide(NodeClient.layer))
  )

  it.live("a body is read once, and one nobody starts to read is given up after the timeout", () =>
    Effect.gen(function* () {
      const { download } = yield* Transport.Transport
      const twice = yield* download(get(`${base}/v1/batches/b1`, 5_000))
      if (twice._tag !== "Head") return assert.fail(twice._tag)
      const reader = twice.body(5_000)
      assert.isAbove((yield* Stream.runCollect(reader)).length, 0)
      const again = yield* Effect.flip(Stream.runCollect(twice.body(5_000)))
      assert.include(String(again), "already read")
      // Head within 150 ms, then nobody reads: the connection is closed before the file's last line.
      cutOff.delete("trickle")
      const unread = yield* download(get(`${base}/v1/files/trickle/content`, 150))
      assert.strictEqual(unread._tag, "Head")
      for (let i = 0; i < 40 && !cutOff.has("trickle"); i++) yield* Effect.sleep("10 millis")
      assert.isTrue(cutOff.has("trickle"))
      cutOff.delete("trickle")
    }).pipe(Effect.provide(NodeClient.layer))
  )

  it.live("sends the same request and reads the same response as the HttpClient pipeline", () =>
    Effect.gen(function* () {
      const request = HttpClientRequest.post("/batches/b1/cancel").pipe(
        HttpClientRequest.setUrlParam("limit", "2"),
        HttpClientRequest.setHeader("X-Own", "mine"),
        HttpClientRequest.bodyText(`{"reason":"é"}`, "application/json")
      )
      const from = seen.length
      const { fast, slow } = yield* both((http) =>
        http.execute(request, call).pipe(VendorHttp.withHeaders({ "X-Per-Call": "1" }))
      )
      const [a, b] = seen.slice(from)
      assert.isTrue(Either.isRight(fast) && Either.isRight(slow))
      if (Either.isLeft(fast) || Either.isLeft(slow)) return
      const { date: _d1, ...fastHeaders } = fast.right.headers
      const { date: _d2, ...slowHeaders } = slow.right.headers
      assert.deepStrictEqual({ ...fast.right, headers: fastHeaders }, { ...slow.right, headers: slowHeaders })
      assert.strictEqual(fast.right.requestId, "req_1")
      assert.strictEqual(fast.right.headers["set-cookie"], "a=1, b=2")
      assert.deepStrictEqual(JSON.parse(fast.right.text), { path: "/v1/batches/b1/cancel?limit=2", echoed: "sk-" })
      const { connection: _a, ...sentFast } = a!.headers
      const { connection: _b, ...sentSlow } = b!.headers
      assert.deepStrictEqual(sentFast, sentSlow)
      assert.strictEqual(sentFast.authorization, `Bearer ${KEY}`)
      assert.strictEqual(sentFast["x-own"], "mine")
      assert.strictEqual(sentFast["x-per-call"], "1")
      assert.strictEqual(sentFast["content-length"], String(Buffer.byteLength(`{"reason":"é"}`)))
      assert.strictEqual(a!.body, `{"reason":"é"}`)
      assert.deepStrictEqual([a!.method, a!.path], ["POST", "/v1/batches/b1/cancel?limit=2"])
    })
  )

  it.live("reads a body with a byte-order mark as the pipeline does (mark dropped)", () =>
    Effect.gen(function* () {
      const { fast, slow } = yield* both((http) => http.execute(HttpClientRequest.get("/bom"), call))
      assert.isTrue(Either.isRight(fast) && Either.isRight(slow))
      if (Either.isLeft(fast) || Either.isLeft(slow)) return
      assert.strictEqual(fast.right.text, `{"id":"b1"}`)
      assert.strictEqual(fast.right.text, slow.right.text)
    })
  )

  it.live("sends the key to the API's origin only", () =>
    Effect.gen(function* () {
      const elsewhere = base.replace("127.0.0.1", "localhost")
      const from = seen.length
      const { fast, slow } = yield* both((http) =>
        http.execute(HttpClientRequest.get(`${elsewhere}/v1/files/f1`), call)
      )
      assert.isTrue(Either.isRight(fast) && Either.isRight(slow))
      const [a, b] = seen.slice(from)
      assert.isUndefined(a!.headers.authorization)
      assert.isUndefined(b!.headers.authorization)
    })
  )

  it.live("retries a 503 and scrubs the key from what it read", () =>
    Effect.gen(function* () {
      const from = seen.length
      const transport = yield* Transport.Transport
      const http = VendorHttp.makeWith(transport, options())
      const response = yield* http.execute(HttpClientRequest.get("/flaky?n=retry"), call)
      assert.strictEqual(response.status, 200)
      assert.strictEqual(seen.length - from, 2)
      const failing = VendorHttp.makeWith(transport, options({ retry: { maxAttempts: 1 } }))
      const error = yield* Effect.flip(failing.execute(HttpClientRequest.get("/flaky?n=once"), call))
      assert.notInclude(JSON.stringify(error), KEY)
      assert.include(String(error.message), "[REDACTED]")
    }).pipe(Effect.provide(NodeClient.layer))
  )

  it.live("a response that does not come in time is a TransportFailure, as on the pipeline", () =>
    Effect.gen(function* () {
      const { fast, slow } = yield* both((http) =>
        http.execute(HttpClientRequest.get("/slow").pipe(HttpClientRequest.setUrlParam("after", "b9")), call)
      )
      assert.isTrue(Either.isLeft(fast) && Either.isLeft(slow))
      if (Either.isRight(fast) || Either.isRight(slow)) return
      assert.instanceOf(fast.left, BatchError.TransportFailure)
      assert.strictEqual(fast.left.message, slow.left.message)
      // The URL without its query, as on the pipeline.
      assert.include(
        fast.left.message,
        `GET ${base}/v1/slow got no HTTP response after 2 attempt(s): no response within 200ms`
      )
    })
  )

  it.live("a refused connection is a TransportFailure that keeps its cause and never the key", () =>
    Effect.gen(function* () {
      const closed = createServer()
      yield* Effect.promise(() => new Promise<void>((done) => closed.listen(0, "127.0.0.1", done)))
      const port = (closed.address() as AddressInfo).port
      yield* Effect.promise(() => new Promise<void>((done) => closed.close(() => done())))
      const transport = yield* Transport.Transport
      const http = VendorHttp.makeWith(
        transport,
        options({ baseUrl: `http://127.0.0.1:${port}/v1`, retry: { maxAttempts: 1 } })
      )
      const error = yield* Effect.flip(http.execute(HttpClientRequest.get("/batches/b1"), call))
      assert.instanceOf(error, BatchError.TransportFailure)
      if (!(error instanceof BatchError.TransportFailure)) return
      assert.include(error.message, `GET http://127.0.0.1:${port}/v1/batches/b1 got no HTTP response`)
      assert.include(error.message, "ECONNREFUSED")
      assert.strictEqual((error.cause as { readonly code?: unknown }).code, "ECONNREFUSED")
      assert.notInclude(JSON.stringify(error), KEY)
    }).pipe(Effect.provide(NodeClient.layer))
  )

  it.live("a header Node will not send is an InvalidRequest, not a defect, and nothing is sent", () =>
    Effect.gen(function* () {
      const from = seen.length
      const transport = yield* Transport.Transport
      const http = VendorHttp.makeWith(transport, options())
      const error = yield* Effect.flip(
        http.execute(HttpClientRequest.get("/batches/b1").pipe(HttpClientRequest.setHeader("x-bad", "a\r\nb")), call)
      )
      assert.instanceOf(error, BatchError.InvalidRequest)
      assert.strictEqual(seen.length, from)
      assert.notInclude(JSON.stringify(error), KEY)
    }).pipe(Effect.provide(NodeClient.layer))
  )

  it.live("an interrupted call aborts its request", () =>
    Effect.gen(function* () {
      const transport = yield* Transport.Transport
      const http = VendorHttp.makeWith(transport, options({ timeout: "10 seconds" }))
      const outcome = yield* http
        .execute(HttpClientRequest.get("/slow?n=interrupt"), call)
        .pipe(Effect.timeoutOption("100 millis"))
      assert.isTrue(outcome._tag === "None")
      // The server sees the request go away, well before the 10 s timeout.
      for (let i = 0; i < 250 && !closed.has("/v1/slow?n=interrupt"); i++) yield* Effect.sleep("20 millis")
      assert.isTrue(closed.has("/v1/slow?n=interrupt"))
    }).pipe(Effect.provide(NodeClient.layer))
  )
})

/** A NodeClient whose `http.request` calls are counted. */
const counted = Effect.acquireRelease(
  Effect.sync(() => {
    const calls = { count: 0 }
    const request = ((...args: Array<unknown>) => {
      calls.count++
      return Reflect.apply(NodeHttp.request, NodeHttp, args) as NodeHttp.ClientRequest
    }) as typeof NodeHttp.request
    const agents = { http: new NodeHttp.Agent({ keepAlive: true }), https: new NodeHttps.Agent({ keepAlive: true }) }
    const transport = NodeClient.makeTransport(
      { http: { ...NodeHttp, request }, https: NodeHttps, zlib: NodeZlib, toWeb: (source) => Readable.toWeb(source) },
      agents
    )
    return { transport, calls, agents }
  }),
  ({ agents }) =>
    Effect.sync(() => {
      agents.http.destroy()
      agents.https.destroy()
    })
)

const results = (http: VendorHttp.VendorHttp, name: string) =>
  Results.streamJsonl(
    http,
    HttpClientRequest.get(`/files/${name}/content`, { headers: { accept: "application/binary" } }),
    { provider: "p", batchId: "b1", what: `output file ${name}`, fileId: name },
    Results.openAiLine
  )

describe.sequential("NodeClient's download", () => {
  it.live("results are read on the download, one node:http request, not through the HttpClient pipeline", () =>
    Effect.gen(function* () {
      const { transport, calls } = yield* counted
      const from = seen.length
      const items = yield* Stream.runCollect(results(VendorHttp.makeWith(transport, options()), "ok"))
      assert.deepStrictEqual(Chunk.toReadonlyArray(Chunk.map(items, (item) => item.customId)), ["r0", "r1", "r2"])
      assert.strictEqual(calls.count, 1)
      const [sent] = seen.slice(from)
      assert.strictEqual(sent!.headers.accept, "application/binary")
      assert.strictEqual(sent!.headers.authorization, `Bearer ${KEY}`)
      assert.strictEqual(sent!.headers["user-agent"], "batchctl-test")
    }).pipe(Effect.scoped)
  )

  it.live("the same lines as the HttpClient pipeline, and the same 404 → ResultsUnavailable", () =>
    Effect.gen(function* () {
      const { fast, slow } = yield* both((http) => Stream.runCollect(results(http, "ok")))
      assert.isTrue(Either.isRight(fast) && Either.isRight(slow))
      if (Either.isLeft(fast) || Either.isLeft(slow)) return
      assert.deepStrictEqual(Chunk.toReadonlyArray(fast.right), Chunk.toReadonlyArray(slow.right))
      const gone = yield* both((http) => Stream.runCollect(results(http, "gone")))
      assert.isTrue(Either.isLeft(gone.fast) && Either.isLeft(gone.slow))
      if (Either.isRight(gone.fast) || Either.isRight(gone.slow)) return
      assert.instanceOf(gone.fast.left, BatchError.ResultsUnavailable)
      assert.deepStrictEqual(gone.fast.left, gone.slow.left)
      if (gone.fast.left instanceof BatchError.ResultsUnavailable) {
        assert.strictEqual(gone.fast.left.fileId, "gone")
        assert.strictEqual(gone.fast.left.requestId, "req_gone")
      }
    })
  )

  it.live("a head that does not come in time is retried, then a TransportFailure, as on the pipeline", () =>
    Effect.gen(function* () {
      const from = seen.length
      const { fast, slow } = yield* both((http) =>
        http.lines(HttpClientRequest.get("/slow/file", { headers: { accept: "application/binary" } }), call)
      )
      assert.strictEqual(seen.length - from, 4)
      assert.isTrue(Either.isLeft(fast) && Either.isLeft(slow))
      if (Either.isRight(fast) || Either.isRight(slow)) return
      assert.instanceOf(fast.left, BatchError.TransportFailure)
      assert.strictEqual(fast.left.message, slow.left.message)
      assert.include(
        fast.left.message,
        `GET ${base}/v1/slow/file got no HTTP response after 2 attempt(s): no response within 200ms`
      )
    })
  )

  it.live("a 503 before the head is retried; the timeout covers the head only, not a body slower than it", () =>
    Effect.gen(function* () {
      const { transport, calls } = yield* counted
      const http = VendorHttp.makeWith(transport, options({ idleTimeout: "1 second" }))
      const flaky = yield* http.lines(
        HttpClientRequest.get("/flaky?n=download", { headers: { accept: "application/binary" } }),
        call
      )
      assert.strictEqual(calls.count, 2)
      assert.deepStrictEqual(JSON.parse(Chunk.toReadonlyArray(yield* Stream.runCollect(flaky.lines)).join("")), {
        path: "/v1/flaky?n=download",
        echoed: "sk-"
      })
      // Six lines 60 ms apart: ~360 ms, past the 200 ms timeout, never idle for a second.
      const items = yield* Stream.runCollect(results(http, "trickle"))
      assert.strictEqual(items.length, 6)
    }).pipe(Effect.scoped)
  )

  it.live(
    "a body that stalls fails after the idle timeout, one BodyFailure after the items before it, on both paths",
    () =>
      Effect.gen(function* () {
        const { fast, slow } = yield* both(
          (http) => {
            let items = 0
            return results(http, "stall").pipe(
              Stream.runForEach(() => Effect.sync(() => items++)),
              Effect.mapError((error) => ({ error, items }))
            )
          },
          { idleTimeout: "300 millis" }
        )
        assert.isTrue(Either.isLeft(fast) && Either.isLeft(slow))
        if (Either.isRight(fast) || Either.isRight(slow)) return
        assert.instanceOf(fast.left.error, BatchError.TransportFailure)
        assert.deepStrictEqual(fast.left, slow.left)
        assert.strictEqual(fast.left.items, 2)
        if (fast.left.error instanceof BatchError.TransportFailure) {
          assert.strictEqual(fast.left.error.itemsDelivered, 2)
          assert.include(
            fast.left.error.message,
            "broke off after 2 item(s) were delivered: no bytes for 300ms (the idle timeout)"
          )
        }
      })
  )

  it.live("a body whose connection breaks off fails once, with the items before it delivered and the key nowhere", () =>
    Effect.gen(function* () {
      const { transport, calls } = yield* counted
      const http = VendorHttp.makeWith(transport, options())
      let items = 0
      const error = yield* Effect.flip(Stream.runForEach(results(http, "break"), () => Effect.sync(() => items++)))
      assert.strictEqual(calls.count, 1)
      assert.strictEqual(items, 2)
      assert.instanceOf(error, BatchError.TransportFailure)
      if (!(error instanceof BatchError.TransportFailure)) return
      assert.strictEqual(error.itemsDelivered, 2)
      assert.include(error.message, "broke off after 2 item(s) were delivered")
      assert.strictEqual(error.url, `${base}/v1/files/break/content`)
      assert.notInclude(JSON.stringify(error), KEY)
    }).pipe(Effect.scoped)
  )

  it.live("breaking off a read closes its connection", () =>
    Effect.gen(function* () {
      cutOff.delete("trickle")
      const { transport } = yield* counted
      const http = VendorHttp.makeWith(transport, options())
      const items = yield* Stream.runCollect(Stream.take(results(http, "trickle"), 1))
      assert.strictEqual(items.length, 1)
      // The server sees the download go away before its last line (~360 ms in).
      for (let i = 0; i < 25 && !cutOff.has("trickle"); i++) yield* Effect.sleep("10 millis")
      assert.isTrue(cutOff.has("trickle"))
    }).pipe(Effect.scoped)
  )
})
