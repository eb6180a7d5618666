/**
 * The `HttpClient` the Promise clients use: on Node, a small client over `node:http` / `node:https`
 * with keep-alive agents, and for the transport's JSON calls (cancel, retrieve, list, create) a smaller
 * HTTP/1.1 client over `node:net` / `node:tls` (`makeConnections`); elsewhere, `fetch`.
 *
 * Why not `fetch` on Node: its WHATWG streams cost more CPU and memory than reading `node:http` directly
 * for the same bytes, and its per-request overhead caps bulk cancels well below what the socket allows.
 * Like `fetch`, it asks for gzip bodies and decompresses them (deflate and br too, when sent). Its
 * `layer` provides, besides the `HttpClient`, a `Transport` on which `VendorHttp` sends JSON calls in one
 * step each and reads results files as they arrive; Effect users get the same speed by providing
 * `layer`, or choose any other client.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Cookies from "@effect/platform/Cookies"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Http from "node:http"
import type { Readable } from "node:stream"
import * as Http1 from "./internal/http1.js"
import { bodyOf, unsupported, withBodyHeaders } from "./internal/requestBody.js"
import * as Transport from "./Transport.js"
import type { BodyReader, Downloaded, Exchange } from "./Transport.js"

type NodeHttp = typeof import("node:http")
type NodeHttps = typeof import("node:https")
type NodeZlib = typeof import("node:zlib")

const isNode = (): boolean =>
  typeof globalThis.process === "object" && typeof globalThis.process?.versions?.node === "string"

/** A response of {@link make}. */
class NodeResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly headers: Headers.Headers
  private decoded: Readable | undefined
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly source: Http.IncomingMessage,
    private readonly modules: Modules
  ) {
    super()
    this.headers = headersOf(source)
  }
  /** The body's bytes as a stream, decompressed as they come; made once. */
  private get body(): Readable {
    this.decoded ??= decodedBody(this.modules.zlib, this.source)
    return this.decoded
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
    // The general path, through a web stream as `fetch` would; results files take `makeTransport`'s `download`, which
    // reads the Node stream directly.
    return Stream.fromReadableStream({
      evaluate: () => this.modules.toWeb(this.body) as ReadableStream<Uint8Array>,
      onError: (cause) => this.decodeError(cause)
    })
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.async<ArrayBuffer, HttpClientError.ResponseError>((resume) => {
      const tooLarge = () =>
        resume(Effect.fail(this.decodeError(new Error(`the response body is larger than ${MAX_WHOLE_BYTES} bytes`))))
      const stop = collect(
        this.source,
        (raw) => {
          const all = wholeBody(this.modules.zlib, this.source, raw, MAX_WHOLE_BYTES)
          if (all === "TooLarge") return tooLarge()
          resume(
            all instanceof Error
              ? Effect.fail(this.decodeError(all))
              : Effect.succeed(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer)
          )
        },
        (cause) => resume(Effect.fail(this.decodeError(cause))),
        MAX_WHOLE_BYTES,
        tooLarge
      )
      return Effect.sync(() => {
        stop()
        this.source.destroy()
      })
    })
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.arrayBuffer, (buffer) => utf8.decode(buffer))
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : (JSON.parse(text) as unknown)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.fail(this.decodeError(new Error("form data responses are not supported")))
  }
  toJSON() {
    return {
      _id: "@effect/platform/HttpClientResponse",
      status: this.status,
      headers: Headers.redact(this.headers, [])
    }
  }
}

const headersOf = (source: Http.IncomingMessage): Headers.Headers => {
  const raw = source.headers
  const out: Record<string, string> = {}
  for (const name in raw) {
    const value = raw[name]
    if (value !== undefined) out[name] = typeof value === "string" ? value : value.join(", ")
  }
  return Headers.unsafeFromRecord(out)
}

const asError = (cause: unknown): Error => (cause instanceof Error ? cause : new Error(String(cause)))

/**
 * Sends one request (`body` in one write); the response head goes to `onHead`, a socket failure to
 * `onError` (repeatedly, should Node report more than one; after the head, the body's reader hears it
 * too). The request, or the error with which Node refused it before sending anything (a header value
 * with a line break, …).
 */
const issue = (
  modules: Modules,
  agents: Agents,
  method: string,
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array | string | undefined | Pump,
  signal: AbortSignal | undefined,
  onHead: (response: Http.IncomingMessage) => void,
  onError: (cause: Error) => void
): Http.ClientRequest | Error => {
  const secure = url.protocol === "https:"
  let req: Http.ClientRequest
  try {
    req = (secure ? modules.https : modules.http).request(url, {
      method,
      headers,
      agent: secure ? agents.https : agents.http,
      ...(signal === undefined ? {} : { signal })
    })
  } catch (cause) {
    return asError(cause)
  }
  // As `fetch` does: ask for a compressed body (results files shrink several times), decompressed by
  // `decodedWhole` or `decodedBody`; a caller's own accept-encoding is kept.
  if (!req.hasHeader("accept-encoding")) req.setHeader("accept-encoding", ACCEPT_ENCODING)
  req.once("response", onHead)
  req.on("error", (cause) => onError(asError(cause)))
  if (typeof body === "function") body(req)
  else req.end(body)
  return req
}

/** Writes a streamed body into a request, as it is read: see {@link pumpOf}. */
type Pump = (req: Http.ClientRequest) => void

/**
 * A `Stream` body written chunk by chunk with back-pressure (an upload of hundreds of megabytes is never
 * held whole), on the caller's runtime. A request destroyed under it (a timeout, a reset, an
 * interruption) stops the read; a read that fails destroys the request, which then has no answer.
 */
const pumpOf =
  (runtime: Runtime.Runtime<never>, stream: Stream.Stream<Uint8Array, unknown>): Pump =>
  (req) => {
    const write = (chunk: Uint8Array) =>
      Effect.async<void, Error>((resume) => {
        if (req.destroyed) return resume(Effect.fail(new Error("the request was closed")))
        if (req.write(chunk)) return resume(Effect.void)
        const onDrain = () => {
          req.off("close", onClose)
          resume(Effect.void)
        }
        const onClose = () => {
          req.off("drain", onDrain)
          resume(Effect.fail(new Error("the request was closed")))
        }
        req.once("drain", onDrain)
        req.once("close", onClose)
        return Effect.sync(() => {
          req.off("drain", onDrain)
          req.off("close", onClose)
        })
      })
    const fiber = Runtime.runFork(runtime)(Stream.runForEach(stream, write))
    req.once("close", () => fiber.unsafeInterruptAsFork(fiber.id()))
    fiber.addObserver((exit) => {
      if (Exit.isSuccess(exit)) req.end()
      else if (!req.destroyed)
        req.destroy(new Error(`the request body could not be read: ${Cause.pretty(exit.cause).split("\n")[0]}`))
    })
  }

const UPLOAD_CHUNK = 256 * 1024

/**
 * A file body (`Transport.FileBody`) written with two buffers in turn: the next read fills one while the
 * other is written, and a buffer is filled again only once its write is done (Node keeps a reference to
 * what it has not written yet). Back-pressure as the stream pump's: one write in flight. A file shorter
 * than said (changed since it was checked) or unreadable destroys the request, which then has no answer.
 */
const pumpFile =
  (body: Transport.FileBody): Pump =>
  (req) => {
    const sent = body.sending?.()
    let closed = false
    req.once("close", () => {
      closed = true
    })
    const write = (bytes: Uint8Array) =>
      new Promise<void>((resolve, reject) => {
        if (closed || req.destroyed) return reject(new Error("the request was closed"))
        const onClose = () => reject(new Error("the request was closed"))
        req.once("close", onClose)
        req.write(bytes, (error) => {
          req.off("close", onClose)
          if (error === undefined || error === null) resolve()
          else reject(error)
        })
      })
    const run = async () => {
      const fs = await import("node:fs")
      const buffers = [Buffer.allocUnsafe(UPLOAD_CHUNK), Buffer.allocUnsafe(UPLOAD_CHUNK)] as const
      for (const part of body.parts) {
        if (part instanceof Uint8Array) {
          await write(part)
          continue
        }
        const handle = await fs.promises.open(part.path, "r")
        try {
          let position = part.from
          let left = part.length
          let turn = 0
          const read = (buffer: Buffer) =>
            left <= 0
              ? Promise.resolve(0)
              : handle.read(buffer, 0, Math.min(buffer.byteLength, left), position).then(({ bytesRead }) => {
                  if (bytesRead === 0) throw new Error(`the file ${part.path} ended ${left} bytes early`)
                  position += bytesRead
                  left -= bytesRead
                  return bytesRead
                })
          let filled = await read(buffers[0])
          while (filled > 0) {
            const buffer = buffers[turn] as Buffer
            const [, next] = await Promise.all([write(buffer.subarray(0, filled)), read(buffers[1 - turn] as Buffer)])
            sent?.(filled)
            filled = next
            turn = 1 - turn
            if (closed) throw new Error("the request was closed")
          }
        } finally {
          await handle.close().catch(() => undefined)
        }
      }
    }
    run().then(
      () => {
        if (!req.destroyed) req.end()
      },
      (error: unknown) => {
        if (!req.destroyed) req.destroy(new Error(`the request body could not be read: ${asError(error).message}`))
      }
    )
  }

/** The headers of a streamed body: its type, and its length when known (else it goes chunked). */
const streamHeaders = (
  headers: Readonly<Record<string, string>>,
  body: HttpBody.Stream
): Readonly<Record<string, string>> => {
  const out: Record<string, string> = { ...headers }
  if (out["content-type"] === undefined) out["content-type"] = body.contentType
  if (body.contentLength !== undefined) out["content-length"] = String(body.contentLength)
  return out
}

// gzip only. Not br: on Node 20 a brotli stream cut short ends quietly instead of failing, so a
// truncated results file could pass for a whole one. Not deflate: servers disagree on whether it is
// zlib-wrapped or raw. Either is still decoded when a server sends it unasked.
const ACCEPT_ENCODING = "gzip"

/**
 * The most a body read whole through the `HttpClient` (`response.text`, …) may have, as sent or
 * decompressed; past it, it is undecodable. The transport takes its limit from each request instead.
 */
const MAX_WHOLE_BYTES = 64 * 2 ** 20

/** How to undo one `content-encoding`: in one step for a body read whole, as a stream for one read as it comes. */
interface Coding {
  readonly whole: (zlib: NodeZlib, bytes: Buffer, limit: { readonly maxOutputLength: number }) => Buffer
  /** Each chunk decoded as it comes (`flush`); the end checked as a whole (default `finishFlush`). */
  readonly stream: (zlib: NodeZlib) => Readable & NodeJS.WritableStream
}

const gzip: Coding = {
  whole: (zlib, bytes, limit) => zlib.gunzipSync(bytes, limit),
  stream: (zlib) => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH })
}

const CODINGS: ReadonlyMap<string, Coding> = new Map([
  ["gzip", gzip],
  ["x-gzip", gzip],
  [
    "deflate",
    {
      // zlib-wrapped (RFC 1950, as the spec says) or raw, as some servers send it; streamed, zlib-wrapped only.
      whole: (zlib, bytes, limit) =>
        (bytes[0]! & 0x0f) === 8 ? zlib.inflateSync(bytes, limit) : zlib.inflateRawSync(bytes, limit),
      stream: (zlib) => zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH })
    }
  ],
  [
    "br",
    {
      whole: (zlib, bytes, limit) => zlib.brotliDecompressSync(bytes, limit),
      stream: (zlib) => zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH })
    }
  ]
])

/** What decoding reads of a response: its status and its `content-encoding`. */
interface Head {
  readonly statusCode?: number | undefined
  readonly headers: { readonly "content-encoding"?: string | undefined }
}

/** The codings of a response to undo, in the order to undo them; `undefined` when it is to be read as sent. */
const codingsOf = (response: Head): ReadonlyArray<Coding> | undefined => {
  const header = response.headers["content-encoding"]
  // No body to decode, whatever the header says (as undici does).
  if (header === undefined || response.statusCode === 204 || response.statusCode === 205 || response.statusCode === 304)
    return undefined
  const names = header
    .toLowerCase()
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "" && name !== "identity")
  const codings = names.reverse().flatMap((name) => {
    const coding = CODINGS.get(name)
    return coding === undefined ? [] : [coding]
  })
  return codings.length === 0 || codings.length !== names.length ? undefined : codings
}

/**
 * A whole body, decompressed in one synchronous step per coding: for the small bodies read whole (JSON
 * answers, error bodies) a fraction of the cost of a decompressor stream (~15 µs against ~100 µs for a
 * 1 KB batch). `undefined` when the bytes are not what `content-encoding` says, `"TooLarge"` when they
 * decompress past `max` (zlib stops there: a gzip bomb costs `max` bytes, not what it expands to).
 */
const decodedWhole = (zlib: NodeZlib, response: Head, bytes: Buffer, max: number): Buffer | "TooLarge" | undefined => {
  const codings = codingsOf(response)
  if (codings === undefined) return bytes
  const limit = { maxOutputLength: max }
  try {
    return codings.reduce((out, coding) => coding.whole(zlib, out, limit), bytes)
  } catch (cause) {
    return (cause as { readonly code?: unknown }).code === "ERR_BUFFER_TOO_LARGE" ? "TooLarge" : undefined
  }
}

/**
 * A whole body as its reader gets it: decompressed; a 2xx body that does not decompress is an `Error`
 * (as good as none, as with `fetch`), any other reads as empty and its status decides what it means.
 */
const wholeBody = (zlib: NodeZlib, response: Head, raw: Buffer, max: number): Buffer | Error | "TooLarge" => {
  const decoded = decodedWhole(zlib, response, raw, max)
  if (decoded !== undefined) return decoded
  const status = response.statusCode ?? 0
  return status >= 200 && status < 300
    ? new Error(
        `the response body is not the ${String(response.headers["content-encoding"])} its content-encoding says`
      )
    : Buffer.alloc(0)
}

const aborted = () => new Error("the response was aborted")

/**
 * The body of a response as a readable of its decoded bytes, for bodies read as they arrive (results
 * files, the general path's `stream`): the response itself, or the response piped through a
 * decompressor for each `content-encoding` it names (last applied, first undone). A list with an
 * encoding it does not know is left as sent, as `fetch` leaves it. A failure on either side fails the
 * readable; a body cut short fails it too ("unexpected end of file"), rather than ending early.
 */
const decodedBody = (zlib: NodeZlib, response: Http.IncomingMessage): Readable => {
  const codings = codingsOf(response)
  if (codings === undefined) return response
  let source: Readable = response
  for (const coding of codings) {
    const step = coding.stream(zlib)
    const from = source
    // A failure or an early end on either side reaches the other: `pipe` alone forwards neither.
    from.once("error", (cause) => step.destroy(cause))
    from.once("close", () => {
      if (!from.readableEnded) step.destroy(aborted())
    })
    step.once("close", () => {
      if (!from.destroyed) from.destroy()
    })
    from.pipe(step)
    source = step
  }
  return source
}

/**
 * Reads a whole body of at most `max` bytes (past it, `onTooLarge`, and the rest is not read); returns
 * what stops reading it (the listeners removed, nothing destroyed).
 */
const collect = (
  source: Readable,
  onDone: (all: Buffer) => void,
  onError: (cause: Error) => void,
  max: number,
  onTooLarge: () => void
): (() => void) => {
  const chunks: Array<Buffer> = []
  let size = 0
  const onData = (chunk: Buffer) => {
    size += chunk.byteLength
    if (size > max) {
      stop()
      return onTooLarge()
    }
    chunks.push(chunk)
  }
  const onEnd = () => onDone(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
  const onAborted = () => onError(aborted())
  source.on("data", onData)
  source.once("end", onEnd)
  source.once("error", onError)
  source.once("aborted", onAborted)
  const stop = () => {
    source.off("data", onData)
    source.off("end", onEnd)
    source.off("error", onError)
    source.off("aborted", onAborted)
  }
  return stop
}

/**
 * A body read as it arrives: one `read()` per pull, whatever Node has buffered, and a timer only while
 * the reader waits for more. It listens from the moment the head arrives, so that a connection lost
 * before the read starts is its error, not an unheard event. Ending the read before the body's end
 * destroys the response (and its socket); a body read to its end leaves the socket to the agent.
 */
const readerOf = (source: Readable, unclaimedMs: number): BodyReader => {
  let ended = false
  let started = false
  let failure: Error | undefined
  let waiting: (() => void) | undefined
  const wake = () => {
    const w = waiting
    waiting = undefined
    w?.()
  }
  const onEnd = () => {
    ended = true
    wake()
  }
  const onError = (cause: Error) => {
    failure ??= cause
    wake()
  }
  const onClose = () => {
    if (!ended) onError(aborted())
  }
  source.on("readable", wake)
  source.once("end", onEnd)
  source.on("error", onError)
  source.once("close", onClose)
  const detach = () => {
    source.off("readable", wake)
    source.off("end", onEnd)
    source.off("error", onError)
    source.off("close", onClose)
  }
  // A head whose body nobody starts to read (the caller interrupted between the two) gives its socket
  // back after a while rather than holding it until the server gives up.
  const unclaimed = setTimeout(() => {
    if (started) return
    started = true
    detach()
    source.destroy()
  }, unclaimedMs)
  unclaimed.unref?.()
  /** What is there now: a chunk, the end, the failure; `undefined` to wait. */
  const now = (): Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<Error | "idle">> | undefined => {
    if (failure !== undefined) return Effect.fail(Option.some(failure))
    const chunk: unknown = source.read()
    if (chunk instanceof Uint8Array) return Effect.succeed(Chunk.of(chunk))
    return ended ? Effect.fail(Option.none()) : undefined
  }
  const read = (idleMs: number) =>
    Stream.repeatEffectChunkOption(
      Effect.suspend(
        () =>
          now() ??
          Effect.async<Chunk.Chunk<Uint8Array>, Option.Option<Error | "idle">>((resume) => {
            const timer = setTimeout(() => {
              waiting = undefined
              resume(Effect.fail(Option.some("idle")))
            }, idleMs)
            const check = () => {
              const step = now()
              if (step === undefined) {
                waiting = check
                return
              }
              clearTimeout(timer)
              resume(step)
            }
            waiting = check
            return Effect.sync(() => {
              waiting = undefined
              clearTimeout(timer)
            })
          })
      )
    ).pipe(
      Stream.ensuring(
        Effect.sync(() => {
          detach()
          if (!ended) source.destroy()
        })
      )
    )
  // A body is read once: a second read fails rather than looking like an empty file.
  return (idleMs) =>
    Stream.suspend(() => {
      if (started) return Stream.fail(new Error("the response body was already read, or given up unread"))
      started = true
      clearTimeout(unclaimed)
      return read(idleMs)
    })
}

/**
 * One request with a plain timer for its timeout: an `Exchange` with the whole body read (what
 * `Transport.exchange` answers), or, with `onOk`, a 2xx head handed over as it arrives, the timer
 * stopped there. Plain timers whatever the fiber's clock: this is the transport of production, and a
 * timer per request costs a fraction of `Effect.timeout`'s racing fibers.
 */
const exchange = <H = never>(
  modules: Modules,
  agents: Agents,
  onOk?: (status: number, response: Http.IncomingMessage, timeoutMs: number) => H,
  connections?: Connections
): ((request: Transport.Request) => Effect.Effect<Exchange | H>) => {
  return (request: Transport.Request): Effect.Effect<Exchange | H> => {
    const pool = connections === undefined ? undefined : pools.get(connections)
    if (pool !== undefined && onOk === undefined && request.body._tag !== "Stream") {
      return small(modules.zlib, pool, request)
    }
    const streamed = request.body._tag === "Stream" ? request.body : undefined
    const file = streamed === undefined ? undefined : Transport.fileBodyOf(streamed)
    if (streamed !== undefined && file !== undefined) {
      return send(request, pumpFile(file), streamHeaders(request.headers, streamed))
    }
    if (streamed !== undefined) {
      return Effect.flatMap(Effect.runtime<never>(), (runtime) =>
        send(request, pumpOf(runtime, streamed.stream), streamHeaders(request.headers, streamed))
      )
    }
    return send(request, undefined, undefined)
  }

  function send(
    request: Transport.Request,
    pump: Pump | undefined,
    pumpHeaders: Readonly<Record<string, string>> | undefined
  ) {
    return Effect.async<Exchange | H>((resume) => {
      const body = pump ?? bodyOf(request.body)
      if (body === unsupported) {
        return resume(Effect.succeed({ _tag: "Invalid", reason: `a ${request.body._tag} body is not supported here` }))
      }
      const { timeoutMs, maxBodyBytes } = request
      let done = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const finish = (answer: Exchange | H) => {
        if (done) return
        done = true
        clearTimeout(timer)
        resume(Effect.succeed(answer))
      }
      const fail = (cause: Error) => finish({ _tag: "NoResponse", cause })
      const headers =
        pumpHeaders ?? withBodyHeaders(request.headers, request.body, body as Uint8Array | string | undefined)
      const req = issue(
        modules,
        agents,
        request.method,
        request.url,
        headers,
        body,
        undefined,
        (response) => {
          const status = response.statusCode ?? 0
          if (onOk !== undefined && status >= 200 && status < 300) return finish(onOk(status, response, timeoutMs))
          const tooLarge = () => {
            finish({ _tag: "TooLarge", status, headers: headersOf(response) })
            response.destroy()
          }
          const declared = Number(response.headers["content-length"])
          if (declared > maxBodyBytes) return tooLarge()
          collect(
            response,
            (raw) => {
              const answer = wholeAnswer(modules.zlib, response, () => headersOf(response), raw, maxBodyBytes)
              if (answer._tag === "TooLarge") return tooLarge()
              finish(answer)
            },
            fail,
            maxBodyBytes,
            tooLarge
          )
        },
        fail
      )
      if (req instanceof Error) {
        done = true
        return resume(Effect.succeed({ _tag: "Invalid", reason: req.message }))
      }
      timer = setTimeout(() => {
        finish({ _tag: "TimedOut" })
        req.destroy()
      }, timeoutMs)
      return Effect.sync(() => {
        done = true
        clearTimeout(timer)
        req.destroy()
      })
    })
  }
}

const utf8 = new TextDecoder()

/**
 * A body read whole, as the exchange's answer: decompressed and bounded. An undecodable 2xx is no
 * response (retried as a broken connection is); the text decodes as `response.text` does (UTF-8, a
 * leading byte-order mark dropped).
 */
const wholeAnswer = (
  zlib: NodeZlib,
  head: Head,
  headers: () => Headers.Headers,
  raw: Buffer,
  max: number
): Exchange => {
  const status = head.statusCode ?? 0
  const all = wholeBody(zlib, head, raw, max)
  if (all === "TooLarge") return { _tag: "TooLarge", status, headers: headers() }
  if (all instanceof Error) return { _tag: "NoResponse", cause: all }
  return { _tag: "Response", status, headers: headers(), text: utf8.decode(all) }
}

/**
 * One JSON call on the small HTTP/1.1 client ({@link makeConnections}): as `exchange`'s, the whole body
 * read (at most `maxBodyBytes`, as sent and decompressed), a plain timer for the timeout.
 */
const small = (zlib: NodeZlib, pool: Http1.Pool, request: Transport.Request): Effect.Effect<Exchange> =>
  Effect.async<Exchange>((resume) => {
    const body = bodyOf(request.body)
    if (body === unsupported) {
      return resume(Effect.succeed({ _tag: "Invalid", reason: `a ${request.body._tag} body is not supported here` }))
    }
    const { timeoutMs, maxBodyBytes } = request
    let done = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (answer: Exchange) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resume(Effect.succeed(answer))
    }
    const abort = pool.send(
      {
        method: request.method,
        url: request.url,
        headers: withBodyHeaders(request.headers, request.body, body),
        body,
        maxBodyBytes
      },
      (answer) => {
        switch (answer._tag) {
          case "Response":
            return finish(
              wholeAnswer(
                zlib,
                { statusCode: answer.status, headers: answer.headers },
                () => Headers.unsafeFromRecord(answer.headers),
                answer.body,
                maxBodyBytes
              )
            )
          case "TooLarge":
            return finish({
              _tag: "TooLarge",
              status: answer.status,
              headers: Headers.unsafeFromRecord(answer.headers)
            })
          case "NoResponse":
            return finish(answer)
          case "Invalid":
            return finish(answer)
        }
      }
    )
    if (done) return
    timer = setTimeout(() => {
      finish({ _tag: "TimedOut" })
      abort()
    }, timeoutMs)
    return Effect.sync(() => {
      done = true
      clearTimeout(timer)
      abort()
    })
  })

/**
 * The transport over `node:http` / `node:https` with the given agents: what `layer` provides as
 * `Transport`, for the JSON calls and results files.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTransport = (
  modules: Modules,
  agents: Agents,
  options?: { readonly connections?: Connections | undefined }
): Transport.Service => ({
  exchange: exchange(modules, agents, undefined, options?.connections),
  download: exchange(
    modules,
    agents,
    (status, response, timeoutMs): Downloaded => ({
      _tag: "Head",
      status,
      headers: headersOf(response),
      // Unread for as long as the head may take, the body is given up.
      body: readerOf(decodedBody(modules.zlib, response), timeoutMs)
    })
  )
})

/**
 * An `HttpClient` over `node:http` / `node:https` with the given agents.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (modules: Modules, agents: Agents): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) => {
    const body = bodyOf(request.body)
    if (body === unsupported) {
      return Effect.fail(
        new HttpClientError.RequestError({
          request,
          reason: "Encode",
          description: `a ${request.body._tag} body is not supported here`
        })
      )
    }
    const headers = withBodyHeaders(request.headers, request.body, body)
    return Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
      const req = issue(
        modules,
        agents,
        request.method,
        url,
        headers,
        body,
        signal,
        (response) => resume(Effect.succeed(new NodeResponse(request, response, modules))),
        (cause) => resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
      )
      if (req instanceof Error)
        return resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Encode", cause: req })))
      return Effect.sync(() => req.destroy())
    })
  })

/**
 * @since 0.1.0
 * @category models
 */
export interface Modules {
  readonly http: NodeHttp
  readonly https: NodeHttps
  /** Decompresses bodies sent with `content-encoding` gzip (asked for, as `fetch` does), deflate or br. */
  readonly zlib: NodeZlib
  /** `stream.Readable.toWeb`: a response body as a web `ReadableStream`, for the general `HttpClient` path. */
  readonly toWeb: (source: Readable) => unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Agents {
  readonly http: Http.Agent
  readonly https: Http.Agent
}

/**
 * Keep-alive connections for the small HTTP/1.1 client that {@link makeTransport} sends JSON calls on
 * when given them (results files and uploads still go through `node:http`): a cancel costs a fraction
 * of the CPU of `node:http`'s request and response streams. `layer` makes and closes them.
 *
 * @since 0.2.0
 * @category models
 */
export interface Connections {
  /** Closes every connection, idle or in use. */
  readonly close: () => void
}

/**
 * @since 0.2.0
 * @category constructors
 */
export const makeConnections = (modules: {
  readonly net: typeof import("node:net")
  readonly tls: typeof import("node:tls")
}): Connections => {
  const pool = Http1.makePool(modules)
  const connections: Connections = { close: () => pool.close() }
  pools.set(connections, pool)
  return connections
}

/** The pool behind each `Connections` (a hand-made one has none: its transport uses `node:http`). */
const pools = new WeakMap<Connections, Http1.Pool>()

/**
 * The Promise clients' `HttpClient` and `Transport`, one layer for both tags: `node:http` with
 * keep-alive agents on Node (closed with the layer); elsewhere `fetch`, and the transport over it; with
 * `FetchHttpClient.RequestInit` saying `redirect: "manual"` once, so that no request has to say it again.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient | Transport.Transport | FetchHttpClient.RequestInit> =
  Layer.merge(
    Layer.unwrapScoped(
      isNode()
        ? Effect.gen(function* () {
            const [http, https, stream, zlib, net, tls] = yield* Effect.promise(() =>
              Promise.all([
                import("node:http"),
                import("node:https"),
                import("node:stream"),
                import("node:zlib"),
                import("node:net"),
                import("node:tls")
              ])
            )
            const connections = yield* Effect.acquireRelease(
              Effect.sync(() => makeConnections({ net, tls })),
              (connections) => Effect.sync(() => connections.close())
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
            const modules: Modules = { http, https, zlib, toWeb: (source: Readable) => stream.Readable.toWeb(source) }
            return Layer.succeedContext(
              Context.make(HttpClient.HttpClient, make(modules, agents)).pipe(
                Context.add(Transport.Transport, makeTransport(modules, agents, { connections }))
              )
            )
          })
        : Effect.succeed(Layer.provideMerge(Transport.layerHttpClient, FetchHttpClient.layer))
    ),
    Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" })
  )
