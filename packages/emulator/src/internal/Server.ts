/**
 * The HTTP side: one `@effect/platform` app on `@effect/platform-node`'s server, routing to the engine,
 * applying faults, and streaming JSONL bodies.
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { VendorProfile } from "../Profile.js"
import type { Body, BodyKind, Engine } from "./Engine.js"
import type { Fault } from "./Faults.js"
import type { Reply } from "./Reply.js"

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
  for (let x = it.next(); !x.done; x = it.next(), n++)
    yield n % 2 === 1 ? x.value.slice(0, Math.max(1, x.value.length >> 1)) : x.value
}

const textOf = (r: Reply): string =>
  r.text !== undefined
    ? r.text
    : r.bytes !== undefined
      ? Buffer.from(r.bytes).toString("utf8")
      : r.json === undefined
        ? ""
        : JSON.stringify(r.json)

const contentTypeOf = (r: Reply): string => r.contentType ?? "application/json"

const toResponse = (r: Reply, headers: Record<string, string>): HttpServerResponse.HttpServerResponse => {
  const all = r.headers === undefined ? headers : { ...headers, ...r.headers }
  if (r.bytes !== undefined)
    return HttpServerResponse.uint8Array(r.bytes, { status: r.status, headers: all, contentType: contentTypeOf(r) })
  if (r.lines === undefined) {
    // a string body goes to node:http as is: it writes the head and the body in one go
    const text = textOf(r)
    return HttpServerResponse.raw(text, {
      status: r.status,
      headers: all,
      contentType: contentTypeOf(r),
      contentLength: Buffer.byteLength(text)
    })
  }
  const chunks = chunksOf(r.lines())
  const first = chunks.next()
  if (first.done) return HttpServerResponse.text("", { status: r.status, headers: all, contentType: contentTypeOf(r) })
  const second = chunks.next()
  if (second.done)
    return HttpServerResponse.uint8Array(first.value, { status: r.status, headers: all, contentType: contentTypeOf(r) })
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

/** The whole body, up to `max` bytes; past it (by `content-length` or as it streams) "too_large", and the rest is discarded. */
const readRaw = (
  request: HttpServerRequest.HttpServerRequest,
  max: number
): Effect.Effect<Buffer | "too_large" | "aborted"> =>
  Effect.async<Buffer | "too_large" | "aborted">((resume) => {
    const req = NodeHttpServerRequest.toIncomingMessage(request)
    const declared = Number(req.headers["content-length"])
    if (Number.isFinite(declared) && declared > max) {
      // node reads and drops the rest once the answer is sent, so the client gets the answer, not a reset
      resume(Effect.succeed("too_large"))
      return
    }
    // with a declared length the bytes go straight into one buffer as they arrive: no copy of the whole
    // body at the end (a 50 MB Buffer.concat stalled every other client for half a second)
    let whole: Buffer | undefined = Number.isFinite(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined
    const chunks: Array<Buffer> = []
    let n = 0
    const cleanup = () => {
      req.off("data", onData)
      req.off("end", onEnd)
      req.off("error", onError)
      req.off("aborted", onError)
    }
    const onData = (chunk: Buffer) => {
      if (n + chunk.length > max) {
        cleanup()
        chunks.length = 0
        whole = undefined
        req.resume()
        resume(Effect.succeed("too_large"))
        return
      }
      if (whole !== undefined && n + chunk.length <= whole.length) {
        chunk.copy(whole, n)
      } else {
        // more than declared: keep what came so far as chunks
        if (whole !== undefined) chunks.push(whole.subarray(0, n))
        whole = undefined
        chunks.push(chunk)
      }
      n += chunk.length
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(whole !== undefined ? whole.subarray(0, n) : Buffer.concat(chunks, n)))
    }
    const onError = () => {
      cleanup()
      chunks.length = 0
      whole = undefined
      resume(Effect.succeed("aborted"))
    }
    req.on("data", onData)
    req.on("end", onEnd)
    req.on("error", onError)
    req.on("aborted", onError)
  })

/** A multipart/form-data body, parsed in one linear pass (`indexOf` over the bytes). */
export const parseMultipart = (buffer: Buffer, contentType: string): Body => {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  const boundary = m?.[1] ?? m?.[2]
  if (boundary === undefined) return { kind: "bad_json" }
  const delimiter = Buffer.from(`--${boundary.trim()}`)
  const fields = new Map<string, string>()
  const files = new Map<string, { name: string; data: Buffer }>()
  let pos = buffer.indexOf(delimiter)
  if (pos === -1) return { kind: "bad_json" }
  for (;;) {
    pos += delimiter.length
    // "--" after a delimiter ends the body
    if (buffer[pos] === 45 && buffer[pos + 1] === 45) break
    const headerStart = buffer.indexOf("\r\n", pos) + 2
    if (headerStart === 1) return { kind: "bad_json" }
    const headerEnd = buffer.indexOf("\r\n\r\n", headerStart)
    if (headerEnd === -1) return { kind: "bad_json" }
    const next = buffer.indexOf(delimiter, headerEnd + 4)
    if (next === -1) return { kind: "bad_json" }
    const headers = buffer.toString("utf8", headerStart, headerEnd)
    // the part's data ends with the CRLF before the next delimiter
    const data = buffer.subarray(headerEnd + 4, Math.max(headerEnd + 4, next - 2))
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? ""
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1]
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1]
    if (name !== undefined) {
      if (filename !== undefined) files.set(name, { name: filename, data })
      else fields.set(name, data.toString("utf8"))
    }
    pos = next
  }
  return { kind: "form", fields, files }
}

const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  kind: BodyKind,
  max: number
): Effect.Effect<Body | "too_large" | "aborted"> => {
  if (kind === "none") return Effect.succeed({ kind: "none" })
  const contentType = request.headers["content-type"] ?? ""
  if (kind === "form" && !contentType.toLowerCase().startsWith("multipart/form-data"))
    return Effect.succeed({ kind: "bad_json" })
  return Effect.map(readRaw(request, max), (raw): Body | "too_large" | "aborted" => {
    if (typeof raw === "string") return raw
    if (kind === "form") return parseMultipart(raw, contentType)
    const text = raw.toString("utf8")
    if (text.trim() === "") return { kind: "json", value: {} }
    try {
      return { kind: "json", value: JSON.parse(text) as unknown }
    } catch {
      return { kind: "bad_json" }
    }
  })
}

/** Applies a fault that replaces or breaks the reply; answers undefined when the reply goes out as is. */
const breakReply = (
  fault: Fault,
  engine: Engine,
  profile: VendorProfile,
  request: HttpServerRequest.HttpServerRequest,
  real: () => Reply,
  headers: Record<string, string>,
  requestId: string
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  switch (fault.kind) {
    case "delay":
      return Effect.succeed(toResponse(real(), headers))
    case "status": {
      // `after`: the request is acted on (a create stores its batch) and its answer is lost to this status.
      if (fault.after === true) real()
      const reply = engine.fault(profile, fault.status, fault.retryAfter, requestId)
      return Effect.succeed(toResponse(reply, headers))
    }
    case "drop":
      return Effect.zipRight(
        Effect.sync(() => {
          // `after`: the request is acted on (a create stores its batch), then the answer is never sent.
          if (fault.after === true) real()
          NodeHttpServerRequest.toServerResponse(request).destroy()
        }),
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
        toResponse(
          {
            status: r.status,
            text: `${text.slice(0, Math.max(1, text.length >> 1))}}{"`,
            contentType: contentTypeOf(r)
          },
          headers
        )
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
      return Effect.succeed(
        HttpServerResponse.stream(half, {
          status: r.status,
          headers: { ...headers, ...r.headers },
          contentType: contentTypeOf(r)
        })
      )
    }
  }
}

/** The HTTP app over an engine: synchronous wherever no body has to be read and no fault delays. */
export const app = (engine: Engine, maxUploadBytes: number) => {
  const handle = (
    request: HttpServerRequest.HttpServerRequest
  ): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
    const url = request.url
    const q = url.indexOf("?")
    const path = q === -1 ? url : url.slice(0, q)
    const m = engine.match(request.method, path)
    const origin = `http://${request.headers.host ?? "127.0.0.1"}`
    if (m.kind === "unknown") {
      return Effect.succeed(
        HttpServerResponse.unsafeJson(
          { error: { message: `No route for ${request.method} ${path}`, type: "not_found" } },
          { status: 404 }
        )
      )
    }
    if (m.kind === "control") {
      return readBody(request, request.method === "GET" ? "none" : "json", maxUploadBytes).pipe(
        Effect.map((body) =>
          typeof body === "string"
            ? toResponse({ status: 413, json: { error: "the body is too large" } }, {})
            : toResponse(engine.control(m.name, request.method, body, origin), {})
        )
      )
    }
    const profile = m.profile
    const requestId = engine.requestId(profile)
    const headers: Record<string, string> = { [profile.requestIdHeader]: requestId }
    let query: URLSearchParams | undefined
    const incoming = {
      method: request.method,
      // parsed only by the routes that read it
      get query() {
        query ??= new URLSearchParams(q === -1 ? "" : url.slice(q + 1))
        return query
      },
      header: (name: string) => request.headers[name],
      origin
    }
    const authorized = engine.authorize(profile, incoming, m.rest, requestId)
    if (!("key" in authorized)) return Effect.succeed(toResponse(authorized, headers))
    const rate = engine.rate(profile, authorized.key, requestId)
    for (const name in rate.headers) headers[name] = rate.headers[name] as string
    if (rate.refused !== undefined) return Effect.succeed(toResponse(rate.refused, headers))
    if (m.kind === "vendor-unknown")
      return Effect.succeed(toResponse(engine.notFoundRoute(profile, path, requestId), headers))
    const faults = engine.pickFaults(profile, m.route)
    if (faults.length === 0 && m.body === "none")
      return Effect.succeed(toResponse(engine.handle(m, incoming, { kind: "none" }, requestId), headers))
    return Effect.gen(function* () {
      for (const f of faults) if (f.kind === "delay") yield* Effect.sleep(Duration.millis(f.millis))
      const body = yield* readBody(request, m.body, maxUploadBytes)
      if (body === "aborted") return yield* Effect.interrupt
      if (body === "too_large") return toResponse(engine.tooLarge(profile, maxUploadBytes, requestId), headers)
      const real = () => engine.handle(m, incoming, body, requestId)
      const breaking = faults.find((f) => f.kind !== "delay")
      if (breaking !== undefined) return yield* breakReply(breaking, engine, profile, request, real, headers, requestId)
      return toResponse(real(), headers)
    })
  }
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, handle)
}
