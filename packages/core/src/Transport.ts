/**
 * The seam between `VendorHttp` (what to send, retries, errors) and the wire: one request in, one
 * answer out, never failing. Two implementations: {@link fromHttpClient} over any `HttpClient` (its
 * timeouts on the fiber's clock, so a `TestClock` moves them), and `NodeClient`'s over `node:http`
 * (plain timers, one asynchronous step per request). `VendorHttp` uses the `Transport` in context, else
 * {@link fromHttpClient} of the `HttpClient` in context; `NodeClient.layer` provides both tags.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as Headers from "@effect/platform/Headers"
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"

/**
 * One request as `VendorHttp` built it: `headers` final but for the body's own (`content-type`,
 * `content-length`, which a transport derives from `body`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: HttpBody.HttpBody
  /** No whole answer (or, on a download, no 2xx head) within this many milliseconds: `TimedOut`. */
  readonly timeoutMs: number
  /** The most bytes a body read whole may have, as sent and decompressed: past it, `TooLarge`. */
  readonly maxBodyBytes: number
}

/**
 * What {@link Service.exchange} answers: the whole exchange of a small request, or why there was none.
 *
 * @since 0.1.0
 * @category models
 */
export type Exchange =
  | {
      readonly _tag: "Response"
      readonly status: number
      /** Lower-case names, repeated headers joined with `, `. */
      readonly headers: Headers.Headers
      readonly text: string
    }
  /** The body is larger than `maxBodyBytes` (as sent, or once decompressed); it was not read further. */
  | { readonly _tag: "TooLarge"; readonly status: number; readonly headers: Headers.Headers }
  /** No answer: the socket failed (`cause`: `ECONNREFUSED`, a reset, a body that does not decompress, …). */
  | { readonly _tag: "NoResponse"; readonly cause: Error }
  /** No whole answer within the timeout (the request is destroyed). */
  | { readonly _tag: "TimedOut" }
  /** The request was refused before anything was sent (a header value Node will not send, a URL, …). */
  | { readonly _tag: "Invalid"; readonly reason: string }

/**
 * A response body read as it arrives: its chunks, failing with `"idle"` when no bytes come for
 * `idleMs`, and with the transport's error when it breaks off. Read it once (a second read fails); a
 * read that stops early closes the connection.
 *
 * @since 0.1.0
 * @category models
 */
export type BodyReader = (idleMs: number) => Stream.Stream<Uint8Array, Error | "idle">

/**
 * What {@link Service.download} answers: a 2xx head with its body still to read, or, as
 * {@link Service.exchange} answers, a whole (error) response or why there was none.
 *
 * @since 0.1.0
 * @category models
 */
export type Downloaded =
  | {
      readonly _tag: "Head"
      readonly status: number
      /** Lower-case names, repeated headers joined with `, `. */
      readonly headers: Headers.Headers
      readonly body: BodyReader
    }
  | Exchange

/**
 * One request on a transport. It never fails: a missing response is an answer too.
 *
 * @since 0.1.0
 * @category models
 */
export type Send<A> = (request: Request) => Effect.Effect<A>

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** A request and its whole (small) body: JSON calls. */
  readonly exchange: Send<Exchange>
  /** A request whose 2xx body is handed over unread (a results file); the timeout covers the head. */
  readonly download: Send<Downloaded>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Transport extends Context.Tag("@batchctl/core/Transport")<Transport, Service>() {}

/** The request on an `HttpClient`: the body's headers set by the body itself. */
const toHttpClientRequest = (request: Request): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.setBody(
    HttpClientRequest.make(request.method as HttpClientRequest.HttpClientRequest["method"])(request.url, {
      headers: request.headers
    }),
    request.body
  )

const isOk = (status: number) => status >= 200 && status < 300

/** Errors the platform raises before anything is sent: no retry can help. */
const isSetupError = (error: unknown): boolean =>
  Predicate.isTagged(error, "RequestError") &&
  Predicate.hasProperty(error, "reason") &&
  (error.reason === "InvalidUrl" || error.reason === "Encode")

/** The error under a platform error (never the platform error, which holds the request and its key). */
const innerError = (error: unknown): Error => {
  const inner = Predicate.hasProperty(error, "cause") && error.cause instanceof Error ? error.cause : undefined
  const description =
    Predicate.hasProperty(error, "description") && typeof error.description === "string" ? error.description : undefined
  const reason = Predicate.hasProperty(error, "reason") && typeof error.reason === "string" ? error.reason : "Transport"
  if (inner !== undefined && description === undefined) return inner
  const out = new Error([reason, description, inner?.message].filter((p) => p !== undefined && p !== "").join(": "))
  if (inner !== undefined) out.cause = inner
  return out
}

const utf8 = new TextDecoder()

/** A body read whole, at most `max` bytes: the text, or `undefined` past `max`. */
const readWhole = (response: HttpClientResponse.HttpClientResponse, max: number) =>
  Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return Stream.runForEachChunk(response.stream, (chunk) =>
      Effect.suspend(() => {
        for (const bytes of chunk) {
          size += bytes.byteLength
          if (size > max) return Effect.fail("TooLarge" as const)
          chunks.push(bytes)
        }
        return Effect.void
      })
    ).pipe(
      Effect.map(() => utf8.decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))),
      Effect.catchIf(
        (e): e is "TooLarge" => e === "TooLarge",
        () => Effect.succeed(undefined)
      )
    )
  })

// Redirects are not followed: fetch would resend named auth headers (`x-api-key`) to wherever a
// `Location` points. With `FetchHttpClient` this asks for `redirect: "manual"` (keeping the user's other
// `RequestInit` options); other clients (Node's, undici's) do not follow redirects anyway. Providing a
// service copies the fiber's context, so it is done only when `RequestInit` does not say so already.
const withoutRedirects = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
    Option.isSome(init) && init.value.redirect === "manual"
      ? self
      : Effect.provideService(self, FetchHttpClient.RequestInit, {
          ...Option.getOrElse(init, () => ({})),
          redirect: "manual"
        })
  )

/** A response's body read whole within the attempt, as an `Exchange`. */
const wholeExchange = (
  response: HttpClientResponse.HttpClientResponse,
  max: number
): Effect.Effect<Exchange, unknown> => {
  const length = Number(response.headers["content-length"])
  if (Number.isFinite(length) && length > max) {
    return Effect.succeed({ _tag: "TooLarge", status: response.status, headers: response.headers })
  }
  const read = Effect.map(
    readWhole(response, max),
    (text): Exchange =>
      text === undefined
        ? { _tag: "TooLarge", status: response.status, headers: response.headers }
        : { _tag: "Response", status: response.status, headers: response.headers, text }
  )
  // An error body that cannot be read (it does not decompress) says no more than its status; a 2xx that
  // cannot be read is as good as no answer.
  return isOk(response.status)
    ? read
    : Effect.catchAll(read, () =>
        Effect.succeed<Exchange>({ _tag: "Response", status: response.status, headers: response.headers, text: "" })
      )
}

/** A failure of the platform's pipeline as an `Exchange`. */
const failed = (error: unknown): Exchange =>
  error === "TimedOut"
    ? { _tag: "TimedOut" }
    : isSetupError(error)
      ? { _tag: "Invalid", reason: innerError(error).message }
      : { _tag: "NoResponse", cause: innerError(error) }

/**
 * The transport over any `HttpClient`: its whole pipeline per request, the timeout and the body's idle
 * timeout on the fiber's clock, redirects not followed (`redirect: "manual"` for `FetchHttpClient`).
 * What `VendorHttp` uses when no {@link Transport} is provided.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpClient = (client: HttpClient.HttpClient): Service => {
  const send = <A>(
    request: Request,
    onResponse: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, unknown>
  ) =>
    client
      .execute(toHttpClientRequest(request))
      .pipe(
        Effect.flatMap(onResponse),
        Effect.timeoutFail({ duration: Duration.millis(request.timeoutMs), onTimeout: () => "TimedOut" as const }),
        withoutRedirects
      )
  return {
    exchange: (request) =>
      Effect.catchAll(
        send(request, (response) => wholeExchange(response, request.maxBodyBytes)),
        (error) => Effect.succeed(failed(error))
      ),
    download: (request) =>
      // The body outlives the attempt: it is read in its own scope, after the head is handed over.
      Effect.catchAll(
        send(request, (response): Effect.Effect<Downloaded, unknown> => {
          if (!isOk(response.status)) return wholeExchange(response, request.maxBodyBytes)
          return Effect.succeed({
            _tag: "Head",
            status: response.status,
            headers: response.headers,
            body: once((idleMs) =>
              response.stream.pipe(
                Stream.mapError(innerError),
                Stream.timeoutFail(() => "idle" as const, Duration.millis(idleMs))
              )
            )
          })
        }),
        (error) => Effect.succeed(failed(error))
      )
  }
}

/** A body reader that fails on a second read rather than looking like an empty file. */
const once = (reader: BodyReader): BodyReader => {
  let started = false
  return (idleMs) =>
    Stream.suspend(() => {
      if (started) return Stream.fail(new Error("the response body was already read"))
      started = true
      return reader(idleMs)
    })
}

/**
 * {@link fromHttpClient} of the `HttpClient` in context, as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient: Layer.Layer<Transport, never, HttpClient.HttpClient> = Layer.effect(
  Transport,
  Effect.map(HttpClient.HttpClient, fromHttpClient)
)

/**
 * A body given whole, as a reader (a transport that read a 2xx body whole hands it over so).
 *
 * @since 0.1.0
 * @category constructors
 */
export const readerOfText =
  (text: string): BodyReader =>
  () =>
    Stream.fromChunk(Chunk.of(new TextEncoder().encode(text)))

/**
 * A part of a {@link FileBody}: bytes as they are, or `length` bytes of the file at `path` from `from`.
 *
 * @since 0.2.0
 * @category models
 */
export type FilePart = Uint8Array | { readonly path: string; readonly from: number; readonly length: number }

/**
 * What a streamed body is made of when it is a file between fixed bytes (an upload): a transport that
 * reads files itself sends it with buffers it reuses once each is written, instead of the stream's
 * chunks (fresh ones, since a stream cannot know when its consumer is done with one), so that a 200 MB
 * upload leaves no 200 MB of buffers for the collector. `sending` is called as each sending starts (an
 * attempt), and what it answers hears the bytes of the file parts as they are written. Any other
 * transport sends the stream: the same bytes.
 *
 * @since 0.2.0
 * @category models
 */
export interface FileBody {
  readonly parts: ReadonlyArray<FilePart>
  readonly sending?: (() => (bytes: number) => void) | undefined
}

const FileBodyKey: unique symbol = Symbol.for("@batchctl/core/Transport/FileBody")

/**
 * `body`, saying it is `file` (see {@link FileBody}); the stream stays what every other transport sends.
 *
 * @since 0.2.0
 * @category constructors
 */
export const withFileBody = (body: HttpBody.Stream, file: FileBody): HttpBody.Stream =>
  Object.defineProperty(body, FileBodyKey, { value: file, enumerable: false })

/**
 * The {@link FileBody} a streamed body was built from, when it says.
 *
 * @since 0.2.0
 * @category getters
 */
export const fileBodyOf = (body: HttpBody.HttpBody): FileBody | undefined =>
  body._tag === "Stream" ? (body as HttpBody.Stream & { readonly [FileBodyKey]?: FileBody })[FileBodyKey] : undefined
