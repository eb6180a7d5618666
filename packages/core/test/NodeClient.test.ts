import { BatchError, NodeClient, VendorHttp } from "@batchctl/core"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"

const KEY = "sk-node-0123456789abcdef"

interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

// A loopback server: `/slow` never answers, `/flaky` answers 503 once per `?n=`, everything else echoes.
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

/** The same calls through `NodeClient`'s transport and through its `HttpClient` pipeline. */
const both = <A, E>(body: (http: VendorHttp.VendorHttp) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const fast = yield* Effect.either(body(VendorHttp.makeWith(client, options())))
    // Any derived client drops the transport: the general pipeline.
    const slow = yield* Effect.either(body(VendorHttp.makeWith(HttpClient.mapRequest(client, (r) => r), options())))
    return { fast, slow }
  }).pipe(Effect.provide(NodeClient.layer))

const call = { operation: "retrieve", batchId: "b1" }

// One request at a time: each test reads what the server saw since it started.
describe.sequential("NodeClient's transport", () => {
  it.live("is carried by NodeClient's client only, not by a derived one nor by fetch", () =>
    Effect.gen(function* () {
      const node = yield* HttpClient.HttpClient.pipe(Effect.provide(NodeClient.layer))
      assert.isFunction(VendorHttp.transportOf(node))
      assert.isUndefined(VendorHttp.transportOf(HttpClient.mapRequest(node, (r) => r)))
      const fetch = yield* HttpClient.HttpClient.pipe(Effect.provide(FetchHttpClient.layer))
      assert.isUndefined(VendorHttp.transportOf(fetch))
    })
  )

  it.live("a file download carries a body reader with its own idle timer, which reads the whole body", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.get(`${base}/v1/batches/b1`).pipe(HttpClientRequest.setHeader("accept", "application/binary"))
      )
      // `HttpClient.make` wraps its client's response; the reader is on the one it wraps.
      const original = (response as unknown as { readonly original?: Record<symbol, unknown> }).original
      const reader = original?.[VendorHttp.BodyReaderId]
      assert.isFunction(reader)
      const bytes = yield* Stream.runCollect((reader as VendorHttp.BodyReader)(5_000))
      assert.deepStrictEqual(JSON.parse(Buffer.concat([...bytes]).toString("utf8")), { path: "/v1/batches/b1", echoed: "sk-" })
    }).pipe(Effect.scoped, Effect.provide(NodeClient.layer))
  )

  it.live("VendorHttp sends JSON calls on the transport, not through the HttpClient pipeline", () =>
    Effect.gen(function* () {
      const node = yield* HttpClient.HttpClient
      // A client whose pipeline cannot answer, carrying NodeClient's transport.
      const pipeline = HttpClient.make((request) => Effect.die(`the pipeline was used for ${request.url}`))
      const client = Object.defineProperty(pipeline, VendorHttp.TransportId, { value: VendorHttp.transportOf(node) })
      const response = yield* VendorHttp.makeWith(client, options()).execute(HttpClientRequest.get("/batches/b1"), call)
      assert.strictEqual(response.status, 200)
      // With tracing propagated, the pipeline (and its span per request) is used.
      const traced = VendorHttp.makeWith(client, options({ propagateTracing: true }))
      const exit = yield* Effect.exit(traced.execute(HttpClientRequest.get("/batches/b1"), call))
      assert.include(String(exit), "the pipeline was used for")
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
      const { fast, slow } = yield* both((http) => http.execute(HttpClientRequest.get(`${elsewhere}/v1/files/f1`), call))
      assert.isTrue(Either.isRight(fast) && Either.isRight(slow))
      const [a, b] = seen.slice(from)
      assert.isUndefined(a!.headers.authorization)
      assert.isUndefined(b!.headers.authorization)
    })
  )

  it.live("retries a 503 and scrubs the key from what it read", () =>
    Effect.gen(function* () {
      const from = seen.length
      const client = yield* HttpClient.HttpClient
      const http = VendorHttp.makeWith(client, options())
      const response = yield* http.execute(HttpClientRequest.get("/flaky?n=retry"), call)
      assert.strictEqual(response.status, 200)
      assert.strictEqual(seen.length - from, 2)
      const failing = VendorHttp.makeWith(client, options({ retry: { maxAttempts: 1 } }))
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
      assert.include(fast.left.message, `GET ${base}/v1/slow got no HTTP response after 2 attempt(s): no response within 200ms`)
    })
  )

  it.live("a refused connection is a TransportFailure that keeps its cause and never the key", () =>
    Effect.gen(function* () {
      const closed = createServer()
      yield* Effect.promise(() => new Promise<void>((done) => closed.listen(0, "127.0.0.1", done)))
      const port = (closed.address() as AddressInfo).port
      yield* Effect.promise(() => new Promise<void>((done) => closed.close(() => done())))
      const client = yield* HttpClient.HttpClient
      const http = VendorHttp.makeWith(client, options({ baseUrl: `http://127.0.0.1:${port}/v1`, retry: { maxAttempts: 1 } }))
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
      const client = yield* HttpClient.HttpClient
      const http = VendorHttp.makeWith(client, options())
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
      const client = yield* HttpClient.HttpClient
      const http = VendorHttp.makeWith(client, options({ timeout: "10 seconds" }))
      const outcome = yield* http.execute(HttpClientRequest.get("/slow?n=interrupt"), call).pipe(Effect.timeoutOption("100 millis"))
      assert.isTrue(outcome._tag === "None")
      // The server sees the request go away, well before the 10 s timeout.
      for (let i = 0; i < 50 && !closed.has("/v1/slow?n=interrupt"); i++) yield* Effect.sleep("20 millis")
      assert.isTrue(closed.has("/v1/slow?n=interrupt"))
    }).pipe(Effect.provide(NodeClient.layer))
  )
})
