/**
 * The `HttpClient` the Promise clients use: on Node, a small client over `node:http` / `node:https`
 * with keep-alive agents; elsewhere, `fetch`.
 *
 * Why not `fetch` on Node: its WHATWG streams cost several times the CPU and memory of `node:http` for
 * the same bytes (a 100 MB results file read through `fetch` grows RSS by ~50 MB, through `node:http`
 * by ~15 MB on the same machine), and its per-request overhead caps bulk cancels well below what the
 * socket allows. Its client carries a `VendorHttp.Transport`, on which `VendorHttp` sends JSON calls in
 * one step each; Effect users get the same speed by providing `layer`, or choose any other client.
 *
 * @since 0.2.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Cookies from "@effect/platform/Cookies"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Http from "node:http"
import { bodyOf, setBodyHeaders, unsupported } from "./internal/requestBody.js"
import { type BodyReader, BodyReaderId, type Exchange, type Transport, TransportId } from "./VendorHttp.js"

type NodeHttp = typeof import("node:http")
type NodeHttps = typeof import("node:https")

const isNode = (): boolean =>
  typeof globalThis.process === "object" && typeof globalThis.process?.versions?.node === "string"

/** A response of {@link make}. */
class NodeResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly headers: Headers.Headers
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly source: Http.IncomingMessage,
    private readonly toWeb: (source: Http.IncomingMessage) => unknown
  ) {
    super()
    const input: Record<string, string> = {}
    for (const [name, value] of Object.entries(source.headers)) {
      if (value !== undefined) input[name] = Array.isArray(value) ? value.join(", ") : value
    }
    this.headers = Headers.fromInput(input)
  }
  get status() {
    return this.source.statusCode ?? 0
  }
  get remoteAddress() {
    return Option.fromNullable(this.source.socket?.remoteAddress)
  }
  get cookies() {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }
  decodeError(cause: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    // Through a web stream, as `fetch` would: measured, this keeps a 100 MB results read in less memory
    // than pulling the Node stream directly (whose buffers outlive the hand-over to the reader).
    return Stream.fromReadableStream({
      evaluate: () => this.toWeb(this.source) as ReadableStream<Uint8Array>,
      onError: (cause) => this.decodeError(cause)
    })
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.async<ArrayBuffer, HttpClientError.ResponseError>((resume) => {
      const chunks: Array<Buffer> = []
      const source = this.source
      const onData = (chunk: Buffer) => chunks.push(chunk)
      const onEnd = () => {
        const all = Buffer.concat(chunks)
        resume(Effect.succeed(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer))
      }
      const onError = (cause: unknown) => resume(Effect.fail(this.decodeError(cause)))
      source.on("data", onData)
      source.once("end", onEnd)
      source.once("error", onError)
      source.once("aborted", () => onError(new Error("the response was aborted")))
      return Effect.sync(() => {
        source.off("data", onData)
        source.off("end", onEnd)
        source.off("error", onError)
        source.destroy()
      })
    })
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.arrayBuffer, (buffer) => new TextDecoder().decode(buffer))
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({ try: () => (text === "" ? null : (JSON.parse(text) as unknown)), catch: (cause) => this.decodeError(cause) })
    )
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.fail(this.decodeError(new Error("form data responses are not supported")))
  }
  toJSON() {
    return { _id: "@effect/platform/HttpClientResponse", status: this.status, headers: Headers.redact(this.headers, []) }
  }
}

/**
 * A file download (`accept: application/binary`, as results are fetched) goes through `fetch`: read
 * as a stream, its buffers are let go sooner than `node:http`'s (a 100 MB results file: ~50 MB of RSS
 * growth against ~80 MB measured through `node:http`), while small JSON answers are several times cheaper
 * through `node:http`. The response carries a `VendorHttp.BodyReader`, so that results are read with one
 * idle timer set only while waiting, not a timed-out pull (a fiber and a timer) per chunk.
 */
const download = (request: HttpClientRequest.HttpClientRequest, url: URL, signal: AbortSignal) =>
  Effect.tryPromise({
    try: () => globalThis.fetch(url, { method: request.method, headers: request.headers, signal, redirect: "manual" }),
    catch: (cause) => new HttpClientError.RequestError({ request, reason: "Transport", cause })
  }).pipe(
    Effect.map((response) => {
      const web = HttpClientResponse.fromWeb(request, response)
      const reader: BodyReader = (idleMs) => readWeb(response, idleMs, (cause) =>
        new HttpClientError.ResponseError({ request, response: web, reason: "Decode", cause })
      )
      return Object.defineProperty(web, BodyReaderId, { value: reader })
    })
  )

/** A `fetch` body with an idle timeout: one read per pull, a timer only while it waits. */
const readWeb = (
  response: Response,
  idleMs: number,
  onError: (cause: unknown) => HttpClientError.ResponseError
): Stream.Stream<Uint8Array, HttpClientError.ResponseError | "idle"> =>
  Stream.suspend(() => {
    const body = response.body
    if (body === null) return Stream.empty
    const reader = body.getReader()
    const pull = Effect.async<Chunk.Chunk<Uint8Array>, Option.Option<HttpClientError.ResponseError | "idle">>((resume) => {
      let done = false
      const timer = setTimeout(() => {
        done = true
        resume(Effect.fail(Option.some("idle" as const)))
      }, idleMs)
      reader.read().then(
        (next) => {
          if (done) return
          done = true
          clearTimeout(timer)
          resume(next.done ? Effect.fail(Option.none()) : Effect.succeed(Chunk.of(next.value)))
        },
        (cause: unknown) => {
          if (done) return
          done = true
          clearTimeout(timer)
          resume(Effect.fail(Option.some(onError(cause))))
        }
      )
      return Effect.sync(() => {
        done = true
        clearTimeout(timer)
      })
    })
    return Stream.repeatEffectChunkOption(pull).pipe(Stream.ensuring(Effect.promise(() => reader.cancel().catch(() => undefined))))
  })

const headersOf = (source: Http.IncomingMessage): Headers.Headers => {
  const raw = source.headers
  const out: Record<string, string> = {}
  for (const name in raw) {
    const value = raw[name]
    if (value !== undefined) out[name] = typeof value === "string" ? value : value.join(", ")
  }
  return Headers.unsafeFromRecord(out)
}

const utf8 = new TextDecoder()

const makeTransport = (modules: Modules, agents: Agents): Transport =>
(method, url, headers, body, timeoutMs) =>
  Effect.async<Exchange>((resume) => {
    let done = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (exchange: Exchange) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resume(Effect.succeed(exchange))
    }
    const fail = (cause: unknown) =>
      finish({ _tag: "NoResponse", cause: cause instanceof Error ? cause : new Error(String(cause)) })
    const secure = url.protocol === "https:"
    let req: Http.ClientRequest
    try {
      req = (secure ? modules.https : modules.http).request(url, { method, headers, agent: secure ? agents.https : agents.http })
    } catch (cause) {
      // Node refuses some requests before sending anything (a header value with a line break, …).
      done = true
      return resume(Effect.succeed({ _tag: "Invalid", reason: cause instanceof Error ? cause.message : String(cause) }))
    }
    timer = setTimeout(() => {
      finish({ _tag: "TimedOut" })
      req.destroy()
    }, timeoutMs)
    req.once("response", (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.once("end", () =>
        finish({
          _tag: "Response",
          status: response.statusCode ?? 0,
          headers: headersOf(response),
          // As `response.text` decodes: UTF-8, a leading byte-order mark dropped.
          text: utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
        })
      )
      response.once("error", fail)
      response.once("aborted", () => fail(new Error("the response was aborted")))
    })
    req.once("error", fail)
    req.end(body)
    return Effect.sync(() => {
      done = true
      clearTimeout(timer)
      req.destroy()
    })
  })

/**
 * An `HttpClient` over `node:http` / `node:https` with the given agents, carrying a `VendorHttp.Transport`
 * for the JSON calls.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (modules: Modules, agents: Agents): HttpClient.HttpClient =>
  Object.defineProperty(makeClient(modules, agents), TransportId, { value: makeTransport(modules, agents) })

/**
 * @since 0.2.0
 * @category models
 */
export interface Modules {
  readonly http: NodeHttp
  readonly https: NodeHttps
  readonly toWeb: (source: Http.IncomingMessage) => unknown
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Agents {
  readonly http: Http.Agent
  readonly https: Http.Agent
}

const makeClient = (modules: Modules, agents: Agents): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) => {
    if (request.headers.accept === "application/binary" && request.body._tag === "Empty") return download(request, url, signal)
    const body = bodyOf(request)
    if (body === unsupported) {
      return Effect.fail(
        new HttpClientError.RequestError({ request, reason: "Encode", description: `a ${request.body._tag} body is not supported here` })
      )
    }
    const headers: Record<string, string> = { ...request.headers }
    setBodyHeaders(headers, request, body)
    const secure = url.protocol === "https:"
    return Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
      let req: Http.ClientRequest
      try {
        req = (secure ? modules.https : modules.http).request(url, {
          method: request.method,
          headers,
          agent: secure ? agents.https : agents.http,
          signal
        })
      } catch (cause) {
        // Node refuses some requests before sending anything (a header value with a line break, …).
        return resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Encode", cause })))
      }
      req.once("response", (response) => resume(Effect.succeed(new NodeResponse(request, response, modules.toWeb))))
      req.once("error", (cause) => resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause }))))
      req.end(body)
      return Effect.sync(() => req.destroy())
    })
  })

/**
 * The Promise clients' `HttpClient`: `node:http` with keep-alive agents on Node (closed with the
 * layer), `fetch` elsewhere; with `FetchHttpClient.RequestInit` saying `redirect: "manual"` once, so
 * that no request has to say it again.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient | FetchHttpClient.RequestInit> = Layer.merge(
  Layer.unwrapScoped(
    isNode()
      ? Effect.gen(function* () {
          const [http, https, stream] = yield* Effect.promise(() =>
            Promise.all([import("node:http"), import("node:https"), import("node:stream")])
          )
          const agents = yield* Effect.acquireRelease(
            Effect.sync(() => ({
              http: new http.Agent({ keepAlive: true, scheduling: "lifo" }),
              https: new https.Agent({ keepAlive: true, scheduling: "lifo" })
            })),
            (agents) =>
              Effect.sync(() => {
                agents.http.destroy()
                agents.https.destroy()
              })
          )
          const toWeb = (source: Http.IncomingMessage) => stream.Readable.toWeb(source)
          return Layer.succeed(HttpClient.HttpClient, make({ http, https, toWeb }, agents))
        })
      : Effect.succeed(FetchHttpClient.layer)
  ),
  Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" })
)
