/**
 * The HTTP side: one `@effect/platform` app on `@effect/platform-node`'s server, routing to the engine,
 * applying faults, and streaming JSONL bodies.
 */
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Body, Engine } from "./Engine.js"
import { match } from "./Engine.js"
import type { Fault } from "./Faults.js"
import type { Provider } from "./Provider.js"
import type { Reply } from "./Reply.js"
import * as V from "./Vendors.js"

const encoder = new TextEncoder()
const CHUNK = 64 * 1024

function* chunksOf(it: Iterator<string>): Generator<Uint8Array> {
  let buf = ""
  for (let x = it.next(); !x.done; x = it.next()) {
    buf += `${x.value}\n`
    if (buf.length >= CHUNK) {
      yield encoder.encode(buf)
      buf = ""
    }
  }
  if (buf.length > 0) yield encoder.encode(buf)
}

/** Lines with every other line after the first cut short: a malformed JSONL body. */
function* malformedLines(it: Iterator<string>): Generator<string> {
  let n = 0
  for (let x = it.next(); !x.done; x = it.next(), n++) yield n % 2 === 1 ? x.value.slice(0, Math.max(1, x.value.length >> 1)) : x.value
}

const textOf = (r: Reply): string => (r.text !== undefined ? r.text : r.json === undefined ? "" : JSON.stringify(r.json))

const contentTypeOf = (r: Reply): string => r.contentType ?? "application/json"

const toResponse = (r: Reply, headers: Record<string, string>): HttpServerResponse.HttpServerResponse => {
  const all = r.headers === undefined ? headers : { ...headers, ...r.headers }
  if (r.lines === undefined) {
    // a string body goes to node:http as is: it writes the head and the body in one go
    const text = textOf(r)
    return HttpServerResponse.raw(text, { status: r.status, headers: all, contentType: contentTypeOf(r), contentLength: Buffer.byteLength(text) })
  }
  const chunks = chunksOf(r.lines())
  const first = chunks.next()
  if (first.done) return HttpServerResponse.text("", { status: r.status, headers: all, contentType: contentTypeOf(r) })
  const second = chunks.next()
  if (second.done) return HttpServerResponse.uint8Array(first.value, { status: r.status, headers: all, contentType: contentTypeOf(r) })
  function* rest(): Generator<Uint8Array> {
    yield first.value as Uint8Array
    yield second.value as Uint8Array
    yield* chunks
  }
  return HttpServerResponse.stream(Stream.fromIteratorSucceed(rest(), 1), {
    status: r.status,
    headers: all,
    contentType: contentTypeOf(r)
  })
}

const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  kind: "json" | "form" | "none"
): Effect.Effect<Body> => {
  if (kind === "none") return Effect.succeed({ kind: "none" })
  if (kind === "json") {
    return request.text.pipe(
      Effect.map((text): Body => {
        if (text.trim() === "") return { kind: "json", value: {} }
        try {
          return { kind: "json", value: JSON.parse(text) as unknown }
        } catch {
          return { kind: "bad_json" }
        }
      }),
      Effect.orElseSucceed((): Body => ({ kind: "bad_json" }))
    )
  }
  const contentType = request.headers["content-type"] ?? ""
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) return Effect.succeed({ kind: "bad_json" })
  return request.arrayBuffer.pipe(
    Effect.flatMap((buffer) =>
      Effect.tryPromise(async (): Promise<Body> => {
        const form = await new Response(buffer, { headers: { "content-type": contentType } }).formData()
        const fields = new Map<string, string>()
        let file: { name: string; text: string } | undefined
        const files: Array<File> = []
        form.forEach((value, name) => {
          if (typeof value === "string") fields.set(name, value)
          else if (name === "file") files.push(value)
        })
        const upload = files[0]
        if (upload !== undefined) file = { name: upload.name, text: await upload.text() }
        return { kind: "form", fields, file }
      })
    ),
    Effect.orElseSucceed((): Body => ({ kind: "bad_json" }))
  )
}

/** Applies a fault that replaces or breaks the reply; answers undefined when the reply goes out as is. */
const breakReply = (
  fault: Fault,
  provider: Provider,
  request: HttpServerRequest.HttpServerRequest,
  real: () => Reply,
  headers: Record<string, string>,
  requestId: string
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  switch (fault.kind) {
    case "delay":
      return Effect.succeed(toResponse(real(), headers))
    case "status": {
      const reply =
        fault.status === 429
          ? V.errorReply(provider, { kind: "rate_limited", message: V.messages.rateLimited(provider), retryAfter: fault.retryAfter ?? 1, requestId })
          : V.errorReply(provider, { kind: "server", status: fault.status, message: V.messages.server(provider, fault.status), requestId })
      return Effect.succeed(toResponse(reply, headers))
    }
    case "drop":
      return Effect.zipRight(
        Effect.sync(() => NodeHttpServerRequest.toServerResponse(request).destroy()),
        Effect.never
      )
    case "malformed": {
      const r = real()
      if (r.lines !== undefined) {
        const lines = r.lines
        return Effect.succeed(toResponse({ ...r, lines: () => malformedLines(lines()) }, headers))
      }
      const text = textOf(r)
      return Effect.succeed(
        toResponse({ status: r.status, text: `${text.slice(0, Math.max(1, text.length >> 1))}}{"`, contentType: contentTypeOf(r) }, headers)
      )
    }
    case "truncated": {
      const r = real()
      const res = NodeHttpServerRequest.toServerResponse(request)
      const all = { ...headers, ...r.headers, "content-type": contentTypeOf(r) }
      if (r.lines === undefined) {
        const bytes = encoder.encode(textOf(r))
        return Effect.zipRight(
          Effect.sync(() => {
            res.writeHead(r.status, { ...all, "content-length": String(bytes.length) })
            res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy())
          }),
          Effect.never
        )
      }
      // count the chunks (generated and dropped), then stream the first half and end the TCP connection
      // without the terminating chunk; a body of one chunk is cut in the middle instead
      let count = 0
      for (const _ of chunksOf(r.lines())) count++
      if (count <= 1) {
        const bytes = count === 0 ? new Uint8Array(0) : (chunksOf(r.lines()).next().value as Uint8Array)
        return Effect.zipRight(
          Effect.sync(() => {
            res.writeHead(r.status, all)
            res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy())
          }),
          Effect.never
        )
      }
      const cut = Stream.fromEffect(
        Effect.zipRight(
          Effect.sync(() => res.socket?.end()),
          Effect.never
        )
      )
      const half = Stream.fromIteratorSucceed(chunksOf(r.lines()), 1).pipe(Stream.take(count >> 1), Stream.concat(cut))
      return Effect.succeed(HttpServerResponse.stream(half, { status: r.status, headers: { ...headers, ...r.headers }, contentType: contentTypeOf(r) }))
    }
  }
}

/** The HTTP app over an engine: synchronous wherever no body has to be read and no fault delays. */
export const app = (engine: Engine, maxUploadBytes: number) => {
  const withBody = HttpIncomingMessage.withMaxBodySize(Option.some(maxUploadBytes))
  const handle = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
    const url = request.url
    const q = url.indexOf("?")
    const path = q === -1 ? url : url.slice(0, q)
    const m = match(request.method, path)
    const origin = `http://${request.headers.host ?? "127.0.0.1"}`
    if (m.kind === "unknown") {
      return Effect.succeed(
        HttpServerResponse.unsafeJson({ error: { message: `No route for ${request.method} ${path}`, type: "not_found" } }, { status: 404 })
      )
    }
    if (m.kind === "control") {
      return readBody(request, request.method === "GET" ? "none" : "json").pipe(
        withBody,
        Effect.map((body) => toResponse(engine.control(m.name, request.method, body, origin), {}))
      )
    }
    const provider = m.provider
    const requestId = engine.requestId(provider)
    const headers: Record<string, string> = { [V.requestIdHeader(provider)]: requestId }
    let query: URLSearchParams | undefined
    const incoming = {
      method: request.method,
      // parsed only by the routes that read it (list)
      get query() {
        query ??= new URLSearchParams(q === -1 ? "" : url.slice(q + 1))
        return query
      },
      header: (name: string) => request.headers[name],
      origin
    }
    const denied = engine.authorize(provider, incoming, requestId)
    if (denied !== undefined) return Effect.succeed(toResponse(denied, headers))
    if (m.kind === "vendor-unknown") {
      return Effect.succeed(
        toResponse(V.errorReply(provider, { kind: "not_found", message: V.messages.notFound(provider, "route", path), requestId }), headers)
      )
    }
    const faults = engine.pickFaults(provider, m.route)
    if (faults.length === 0 && m.body === "none") return Effect.succeed(toResponse(engine.handle(m, incoming, { kind: "none" }, requestId), headers))
    return Effect.gen(function* () {
      for (const f of faults) if (f.kind === "delay") yield* Effect.sleep(Duration.millis(f.millis))
      const body = yield* withBody(readBody(request, m.body))
      const real = () => engine.handle(m, incoming, body, requestId)
      const breaking = faults.find((f) => f.kind !== "delay")
      if (breaking !== undefined) return yield* breakReply(breaking, provider, request, real, headers, requestId)
      return toResponse(real(), headers)
    })
  }
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, handle)
}
