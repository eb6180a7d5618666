/**
 * The HTTP plumbing every adapter shares: base URL, auth placement, fixed headers, retries of
 * 408/429/5xx/529 with capped exponential backoff and jitter that honours `retry-after` (seconds or HTTP
 * date), `retry-after-ms` and body hints, a per-attempt timeout, request-id capture, scrubbing of the key
 * from anything the vendor sends back, and the mapping of every failure to a {@link BatchError}.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as BatchError from "./BatchError.js"
import { bodyOf, setBodyHeaders, unsupported } from "./internal/requestBody.js"
import { version as coreVersion } from "./version.js"
import * as VendorErrorBody from "./VendorErrorBody.js"

/**
 * Where the API key goes: `Authorization: Bearer <key>` or a named header such as `x-api-key`.
 *
 * @since 0.1.0
 * @category models
 */
export type Auth = { readonly _tag: "Bearer" } | { readonly _tag: "Header"; readonly name: string }

/**
 * @since 0.1.0
 * @category constructors
 */
export const bearer: Auth = { _tag: "Bearer" }

/**
 * @since 0.1.0
 * @category constructors
 */
export const header = (name: string): Auth => ({ _tag: "Header", name: name.toLowerCase() })

/**
 * How failed HTTP calls are retried. `maxAttempts` counts every attempt of one HTTP call (3 = one call
 * and two retries). The delay before retry `n` is `baseDelay · 2^(n-1)` with jitter, or what the vendor
 * asked for (`retry-after-ms`, `retry-after`, a body hint); either way never more than `maxDelay`.
 * `{ maxAttempts: 3, baseDelay: 0, maxDelay: 0 }` retries at once, as the conformance runner does.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  readonly maxAttempts: number
  readonly baseDelay: Duration.DurationInput
  readonly maxDelay: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 3, baseDelay: "500 millis", maxDelay: "30 seconds" }

/**
 * @since 0.1.0
 * @category constructors
 */
export const immediateRetries = (maxAttempts: number): RetryPolicy => ({ maxAttempts, baseDelay: 0, maxDelay: 0 })

/**
 * What decides whether a failed response is an invalid-state refusal, so that it becomes
 * `InvalidBatchState` (and cancel can do its one retrieve).
 *
 * @since 0.1.0
 * @category models
 */
export type InvalidStatePredicate = (failure: {
  readonly status: number
  readonly operation: string
  readonly body: VendorErrorBody.VendorErrorBody
}) => boolean

const STATE_TEXT =
  /(cannot|can't|can not|unable to|not allowed to) (be )?cancel|already (been )?(completed|cancel|ended|finished|expired|failed)|with status|in (status|state)/i

/**
 * The default: on cancel, a 409, or a 400 whose message talks about the batch's state.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultInvalidState: InvalidStatePredicate = ({ status, operation, body }) =>
  operation === "cancel" && (status === 409 || (status === 400 && STATE_TEXT.test(body.message ?? "")))

/**
 * On cancel, any of `statuses` is an invalid-state refusal (for vendors that answer a cancel, which has
 * no body to be wrong, with a plain 400 when the batch's state forbids it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const refusedOnCancel =
  (...statuses: ReadonlyArray<number>): InvalidStatePredicate =>
  ({ status, operation }) =>
    operation === "cancel" && statuses.includes(status)

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Adapter id, as in the normalized batch's `provider`. */
  readonly provider: string
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly auth: Auth
  /** Headers sent on every request (e.g. `anthropic-version`). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
  /**
   * Timeout of each attempt until the response head arrives (for small JSON answers, until the body is
   * read too); default 60 seconds.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** How long a streamed body (a results file) may send no bytes before the read fails; default 60 seconds. */
  readonly idleTimeout?: Duration.DurationInput | undefined
  readonly invalidState?: InvalidStatePredicate | undefined
  /**
   * Send the current span as `traceparent` / `b3` headers. Off by default: a vendor is a third party,
   * and your trace ids are not theirs to see.
   */
  readonly propagateTracing?: boolean | undefined
}

/**
 * The options every adapter's `layer` accepts on top of its own.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions {
  readonly apiKey: Redacted.Redacted<string>
  /** Defaults to the vendor's public API; point it at a proxy or the batchctl emulator. */
  readonly baseUrl?: string | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
  /** Timeout of each attempt until the response head arrives; default 60 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  /** How long a results download may send no bytes before it fails; default 60 seconds. */
  readonly idleTimeout?: Duration.DurationInput | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Send `traceparent` / `b3` headers of the current span to the vendor; default `false`. */
  readonly propagateTracing?: boolean | undefined
}

/**
 * Which operation a request belongs to, for error messages and mapping.
 *
 * @since 0.1.0
 * @category models
 */
export interface Call {
  readonly operation: string
  readonly batchId?: string | undefined
}

/**
 * A response with a 2xx status, its body read as text (scrubbed of the key).
 *
 * @since 0.1.0
 * @category models
 */
export interface Response {
  readonly status: number
  readonly headers: Headers.Headers
  readonly text: string
  readonly requestId?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface VendorHttp {
  readonly provider: string
  readonly baseUrl: string
  /** Sends with retries; any non-2xx or transport failure becomes a typed error. */
  readonly execute: (request: HttpClientRequest.HttpClientRequest, call: Call) => Effect.Effect<Response, BatchError.BatchError>
  /** `execute`, then the body as JSON decoded with `schema`; `raw` is the parsed JSON as sent. */
  readonly json: <A, I>(
    schema: Schema.Schema<A, I>,
    request: HttpClientRequest.HttpClientRequest,
    call: Call
  ) => Effect.Effect<Decoded<A>, BatchError.BatchError>
  /**
   * Sends with the same retries until a 2xx response head arrives, then hands over its body as a stream
   * of text lines (scrubbed of the key) without reading it whole. The attempt timeout covers the head;
   * the body has its own idle timeout. A body that breaks off or stalls ends the stream with
   * {@link BodyFailure} and is not sent again: the caller already has the lines before it. Run the
   * stream once, and soon: on `NodeClient`'s download, a body nobody starts reading within the attempt
   * timeout is given up (its connection closed) and a second run fails.
   */
  readonly lines: (request: HttpClientRequest.HttpClientRequest, call: Call) => Effect.Effect<Lines, BatchError.BatchError>
}

/**
 * A 2xx response whose body is read as it arrives, one text line at a time.
 *
 * @since 0.1.0
 * @category models
 */
export interface Lines {
  readonly status: number
  readonly headers: Headers.Headers
  readonly requestId?: string | undefined
  /** The method and URL (scrubbed), for messages. */
  readonly method: string
  readonly url: string
  readonly lines: Stream.Stream<string, BodyFailure>
}

/**
 * A streamed body broke off (connection reset, stalled past the idle timeout) after its head arrived.
 *
 * @since 0.1.0
 * @category errors
 */
export class BodyFailure extends Schema.TaggedError<BodyFailure>("@batchctl/core/VendorHttp/BodyFailure")(
  "BodyFailure",
  { reason: Schema.String, cause: Schema.optional(Schema.Defect) }
) {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Decoded<A> {
  readonly value: A
  readonly raw: unknown
  readonly response: Response
}

/**
 * What {@link Transport} answers: the whole exchange of a small request, or why there was none.
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
  /** No answer: the socket failed (`cause`: `ECONNREFUSED`, a reset, …). */
  | { readonly _tag: "NoResponse"; readonly cause: Error }
  /** No whole answer within the timeout (the request is destroyed). */
  | { readonly _tag: "TimedOut" }
  /** The request was refused before anything was sent (a header value Node will not send, …). */
  | { readonly _tag: "Invalid"; readonly reason: string }

/**
 * One request and its whole (small) response body in a single asynchronous step, with the timeout a
 * plain timer: what `execute` uses for JSON calls when the `HttpClient` it is given carries one (`NodeClient`'s does),
 * instead of the general `HttpClient.execute` pipeline (which costs several times the socket's own CPU
 * per request). It never fails: a missing response is an `Exchange` too. `headers` is not copied and
 * must not be changed afterwards.
 *
 * @since 0.1.0
 * @category models
 */
export type Transport = Send<Exchange>

/**
 * One request as a {@link Transport} or a {@link Download} sends it: `headers` already final (auth,
 * content type and length), `timeoutMs` a plain timer.
 *
 * @since 0.1.0
 * @category models
 */
export type Send<A> = (
  method: string,
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array | string | undefined,
  timeoutMs: number
) => Effect.Effect<A>

/** The function an `HttpClient` keeps under `id`, if it keeps one. */
const carried = <A extends Send<unknown>>(client: HttpClient.HttpClient, id: symbol): A | undefined => {
  const value: unknown = Reflect.get(client, id)
  return typeof value === "function" ? (value as A) : undefined
}

/**
 * Where an `HttpClient` (`NodeClient.make`'s) keeps its {@link Transport}.
 *
 * @since 0.1.0
 * @category symbols
 */
export const TransportId: unique symbol = Symbol.for("@batchctl/core/VendorHttp/Transport")

/**
 * The {@link Transport} an `HttpClient` carries (`NodeClient`'s does); `undefined` for any other client,
 * including one derived from it (`HttpClient.mapRequest`, …), whose changes the transport would skip.
 *
 * @since 0.1.0
 * @category accessors
 */
export const transportOf = (client: HttpClient.HttpClient): Transport | undefined => carried<Transport>(client, TransportId)

/**
 * A response body read with its own idle timeout: the body's chunks, failing with `"idle"` when no bytes
 * come for `idleMs` (the timer set only while the reader waits: no fiber or timer per chunk) and with
 * the socket's error when it breaks off. Read it once (a second read fails); a read that stops early
 * closes the connection.
 *
 * @since 0.1.0
 * @category models
 */
export type BodyReader = (idleMs: number) => Stream.Stream<Uint8Array, Error | "idle">

/**
 * What {@link Download} answers: a 2xx head with its body still to read, or, as {@link Transport}
 * answers, a whole (error) response or why there was none.
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
 * {@link Transport} for a response read as it arrives (a results file): a 2xx head is handed over with
 * its body unread, the timeout covering the head only; any other status is read whole within the
 * timeout, as {@link Transport} reads it. What {@link make}'s `lines` uses when the `HttpClient` it is
 * given carries one (`NodeClient`'s does), instead of `HttpClient.execute` and the response's stream.
 *
 * @since 0.1.0
 * @category models
 */
export type Download = Send<Downloaded>

/**
 * Where an `HttpClient` (`NodeClient.make`'s) keeps its {@link Download}.
 *
 * @since 0.1.0
 * @category symbols
 */
export const DownloadId: unique symbol = Symbol.for("@batchctl/core/VendorHttp/Download")

/**
 * The {@link Download} an `HttpClient` carries (`NodeClient`'s does); `undefined` for any other client,
 * including one derived from it.
 *
 * @since 0.1.0
 * @category accessors
 */
export const downloadOf = (client: HttpClient.HttpClient): Download | undefined => carried<Download>(client, DownloadId)

/**
 * Extra headers for every request made inside an effect, e.g. Respan's `X-Data-Respan-Params` per call.
 *
 * @since 0.1.0
 * @category fiber refs
 */
export const currentHeaders: FiberRef.FiberRef<Readonly<Record<string, string>>> = globalValue(
  "@batchctl/core/VendorHttp/currentHeaders",
  () => FiberRef.unsafeMake<Readonly<Record<string, string>>>({})
)

/**
 * The public operation a request serves when it differs from the request's own (the retrieve that
 * `results` makes first reports its failures as `results`).
 *
 * @since 0.1.0
 * @category fiber refs
 */
export const currentOperation: FiberRef.FiberRef<string | undefined> = globalValue(
  "@batchctl/core/VendorHttp/currentOperation",
  () => FiberRef.unsafeMake<string | undefined>(undefined)
)

/**
 * Runs `self` with every request's failures named after `operation`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const asOperation: {
  (operation: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, operation: string): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, operation: string): Effect.Effect<A, E, R> =>
    Effect.locally(self, currentOperation, operation)
)

/**
 * @since 0.1.0
 * @category combinators
 */
export const withHeaders: {
  (headers: Readonly<Record<string, string>>): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, headers: Readonly<Record<string, string>>): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, headers: Readonly<Record<string, string>>): Effect.Effect<A, E, R> =>
    Effect.locallyWith(self, currentHeaders, (current) => ({ ...current, ...headers }))
)

/**
 * Reads `retry-after-ms`, then `retry-after` (delta seconds or an HTTP date, relative to `now`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const retryAfterMillis = (headers: Headers.Headers, now: number): number | undefined => {
  const ms = headers["retry-after-ms"]
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms))
  const value = headers["retry-after"]
  if (value === undefined) return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000)
  // Only an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`), the form RFC 9110 requires senders to use;
  // `Date.parse` alone would take "-1" or "abc 12" for dates.
  if (!HTTP_DATE.test(value)) return undefined
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const HTTP_DATE = /^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT\s*$/

/** Milliseconds of a duration option, or `fallback` when it is missing or not a usable duration. */
const millisOf = (input: unknown, fallback: number): number => {
  if (input === undefined) return fallback
  const ms = Option.match(Duration.decodeUnknown(input), { onNone: () => Number.NaN, onSome: Duration.toMillis })
  // Node's timers fire at once past 2^31 - 1 ms (~24.8 days): longer is as good as never.
  return Number.isNaN(ms) || ms < 0 ? fallback : Math.min(ms, MAX_TIMER_MS)
}

const MAX_TIMER_MS = 2_147_483_647

const DEFAULT_BASE_DELAY_MS = millisOf(defaultRetryPolicy.baseDelay, 0)
const DEFAULT_MAX_DELAY_MS = millisOf(defaultRetryPolicy.maxDelay, 0)

/** The retry policy in milliseconds, every field usable. */
interface ResolvedPolicy {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/**
 * The policy with every field usable: fields left `undefined` take the default, counts are whole
 * numbers of at least 1, durations are non-negative (an unusable one falls back to the default).
 *
 * @since 0.1.0
 * @category retries
 */
export const resolvePolicy = (partial: Partial<RetryPolicy> | undefined): ResolvedPolicy => {
  const attempts = partial?.maxAttempts
  return {
    maxAttempts:
      typeof attempts === "number" && !Number.isNaN(attempts) ? Math.max(1, Math.floor(attempts)) : defaultRetryPolicy.maxAttempts,
    baseDelayMs: millisOf(partial?.baseDelay, DEFAULT_BASE_DELAY_MS),
    maxDelayMs: millisOf(partial?.maxDelay, DEFAULT_MAX_DELAY_MS)
  }
}

const delayMillis = (policy: ResolvedPolicy, attempt: number, hintMs: number | undefined, jitter: number): number => {
  if (hintMs !== undefined) return Math.min(policy.maxDelayMs, hintMs)
  const bounded = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return Math.round(bounded / 2 + (bounded / 2) * jitter)
}

/**
 * The delay before attempt `attempt + 1`, in milliseconds: the vendor's hint when it gave one,
 * otherwise exponential backoff with "equal jitter" (`jitter` in [0, 1)); always capped by `maxDelay`.
 *
 * @since 0.1.0
 * @category retries
 */
export const retryDelayMillis = (
  policy: RetryPolicy,
  attempt: number,
  hintMs: number | undefined,
  jitter: number
): number => delayMillis(resolvePolicy(policy), attempt, hintMs, jitter)

const requestIdOf = (headers: Headers.Headers): string | undefined => headers["request-id"] ?? headers["x-request-id"]

const isAbsolute = (url: string) => /^https?:\/\//i.test(url)

type Attempt<A> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Failed"; readonly status: number; readonly headers: Headers.Headers; readonly text: string }
  | { readonly _tag: "Transport"; readonly reason: string; readonly cause: unknown }
  /** The request could not even be built (a base URL that is not a URL): no retry can help. */
  | { readonly _tag: "Setup"; readonly reason: string }

/** A 2xx head from a {@link Download}, its body unread. */
interface Head {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: BodyReader
}

const bodyOfText = (text: string): BodyReader => () => Stream.succeed(new TextEncoder().encode(text))

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<VendorHttp, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (client) => makeWith(client, options))

/**
 * What an adapter knows about its vendor, to be combined with the user's {@link ClientOptions}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Vendor {
  readonly provider: string
  readonly defaultBaseUrl: string
  /** Sent as `user-agent` unless the user sets one: see {@link userAgent}. */
  readonly userAgent?: string | undefined
  readonly auth: Auth
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly invalidState?: InvalidStatePredicate | undefined
}

/**
 * The `user-agent` an adapter sends: `batchctl/<core version> (<package>/<version>)`, so a vendor's
 * logs say which release sent a request, as the official SDKs' do.
 *
 * @since 0.1.0
 * @category constructors
 */
export const userAgent = (pkg: string, pkgVersion: string): string => `batchctl/${coreVersion} (${pkg}/${pkgVersion})`

/**
 * {@link make} from the user's options and the vendor's facts; the user's headers win.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeFor = (
  vendor: Vendor,
  options: ClientOptions
): Effect.Effect<VendorHttp, never, HttpClient.HttpClient> =>
  make({
    provider: vendor.provider,
    baseUrl: options.baseUrl ?? vendor.defaultBaseUrl,
    apiKey: options.apiKey,
    auth: vendor.auth,
    headers: {
      ...(vendor.userAgent === undefined ? {} : { "user-agent": vendor.userAgent }),
      ...vendor.headers,
      ...options.headers
    },
    retry: options.retry,
    timeout: options.timeout,
    idleTimeout: options.idleTimeout,
    propagateTracing: options.propagateTracing,
    invalidState: vendor.invalidState
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (httpClient: HttpClient.HttpClient, options: Options): VendorHttp => {
  const provider = options.provider
  // The operation's own span (`BatchProvider.cancel`, …) is always there. The HTTP client's span per
  // request, and the trace headers it would send, only when asked for: both cost per request, and trace
  // ids are not the vendor's to see.
  const client =
    options.propagateTracing === true
      ? httpClient
      : HttpClient.withTracerDisabledWhen(HttpClient.withTracerPropagation(httpClient, false), () => true)
  const baseUrl = options.baseUrl.replace(/\/+$/, "")
  const baseOrigin = safeOrigin(baseUrl)
  const policy = resolvePolicy(options.retry)
  const maxAttempts = policy.maxAttempts
  const timeout = Duration.millis(millisOf(options.timeout, 60_000))
  const timeoutMs = Duration.toMillis(timeout)
  // With tracing propagated, requests go through the `HttpClient`, whose span per request they carry.
  const transport = options.propagateTracing === true ? undefined : transportOf(httpClient)
  const download = options.propagateTracing === true ? undefined : downloadOf(httpClient)
  const idleTimeout = Duration.millis(millisOf(options.idleTimeout, 60_000))
  const invalidState = options.invalidState ?? defaultInvalidState
  const key = Redacted.value(options.apiKey)
  const fixedHeaders: Readonly<Record<string, string>> = { accept: "application/json", ...lowerKeys(options.headers ?? {}) }
  const scrub = (text: string): string =>
    key.length >= 4 && text.includes(key) ? text.split(key).join("[REDACTED]") : text

  const scrubHeaders = (headers: Headers.Headers): Headers.Headers => {
    if (key.length < 4 || !Object.values(headers).some((v) => v.includes(key))) return headers
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(headers)) out[name] = scrub(value)
    return Headers.fromInput(out)
  }

  const prepare = (request: HttpClientRequest.HttpClientRequest, extra: Readonly<Record<string, string>>) => {
    const absolute = isAbsolute(request.url)
    let req = absolute ? request : HttpClientRequest.prependUrl(request, baseUrl)
    // Headers the request sets itself (e.g. a results download's `accept`) win over the fixed ones.
    const defaults: Record<string, string> = {}
    for (const [name, value] of Object.entries({ ...fixedHeaders, ...lowerKeys(extra) })) {
      if (request.headers[name] === undefined) defaults[name] = value
    }
    req = HttpClientRequest.setHeaders(req, defaults)
    // The key goes only to the configured API origin, never to a URL a response pointed elsewhere.
    if (!absolute || safeOrigin(request.url) === baseOrigin) {
      req =
        options.auth._tag === "Bearer"
          ? HttpClientRequest.bearerToken(req, options.apiKey)
          : HttpClientRequest.setHeader(req, options.auth.name, key)
    }
    return req
  }

  /** One attempt: `onOk` runs on a 2xx head inside the attempt timeout; other statuses read their body. */
  const attemptOnce = <A>(
    request: HttpClientRequest.HttpClientRequest,
    onOk: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, HttpClientError.ResponseError>
  ): Effect.Effect<Attempt<A>> =>
    client.execute(request).pipe(
      Effect.flatMap((response) =>
        response.status >= 200 && response.status < 300
          ? Effect.map(onOk(response), (value): Attempt<A> => ({ _tag: "Ok", value }))
          : Effect.map(response.text, (text): Attempt<A> => ({
              _tag: "Failed",
              status: response.status,
              headers: scrubHeaders(response.headers),
              text: scrub(text)
            }))
      ),
      (attempt) => withDeadline(attempt, timeout, () => `no response within ${Duration.format(timeout)}`),
      Effect.catchAll((error) =>
        Effect.succeed<Attempt<A>>(
          isSetupError(error)
            ? { _tag: "Setup", reason: scrub(transportReason(error)) }
            : typeof error === "string"
              ? { _tag: "Transport", reason: error, cause: undefined }
              : { _tag: "Transport", reason: scrub(transportReason(error)), cause: causeOf(error, scrub) }
        )
      )
    )

  const subjectOf = (operation: string, call: Call) =>
    `${provider} ${operation}${call.batchId === undefined ? "" : ` ${call.batchId}`}`

  const send = <A>(
    request: HttpClientRequest.HttpClientRequest,
    call: Call,
    onOk: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, HttpClientError.ResponseError>
  ): Effect.Effect<A, BatchError.BatchError> =>
    // The common case (the first attempt answers 2xx) is one step; the retry loop starts only after a
    // failure.
    Effect.withFiberRuntime<A, BatchError.BatchError>((fiber) => {
      const operation = fiber.getFiberRef(currentOperation) ?? call.operation
      const prepared = prepare(request, fiber.getFiberRef(currentHeaders))
      const attempt = attemptOnce(prepared, onOk)
      return Effect.flatMap(attempt, (first) =>
        first._tag === "Ok" ? Effect.succeed(first.value) : retry(attempt, prepared.method, prepared.url, call, operation, first)
      )
    }).pipe(withoutRedirects)

  /** Headers of a request on the transport: the fixed ones and the key, built once, shared when nothing is added. */
  const transportHeaders: Readonly<Record<string, string>> = {
    ...fixedHeaders,
    ...(options.auth._tag === "Bearer" ? { authorization: `Bearer ${key}` } : { [options.auth.name]: key })
  }

  const headersFor = (
    request: HttpClientRequest.HttpClientRequest,
    extra: Readonly<Record<string, string>>,
    body: Uint8Array | string | undefined,
    withKey: boolean
  ): Readonly<Record<string, string>> => {
    const own = Object.keys(request.headers)
    const extraNames = Object.keys(extra)
    if (withKey && own.length === 0 && extraNames.length === 0 && body === undefined) return transportHeaders
    const out: Record<string, string> = {}
    for (const name in fixedHeaders) out[name] = fixedHeaders[name]!
    for (const name of extraNames) out[name.toLowerCase()] = extra[name]!
    // Headers the request sets itself win over the fixed ones; the key, to the API origin only, over all.
    for (const name of own) out[name] = request.headers[name]!
    setBodyHeaders(out, request, body)
    if (withKey) {
      if (options.auth._tag === "Bearer") out.authorization = `Bearer ${key}`
      else out[options.auth.name] = key
    }
    return out
  }

  /** An exchange that brought no 2xx response, as an attempt. */
  const notOk = (exchange: Exchange): Attempt<never> => {
    switch (exchange._tag) {
      case "Response":
        return { _tag: "Failed", status: exchange.status, headers: scrubHeaders(exchange.headers), text: scrub(exchange.text) }
      case "TimedOut":
        return { _tag: "Transport", reason: `no response within ${Duration.format(timeout)}`, cause: undefined }
      case "NoResponse":
        return {
          _tag: "Transport",
          reason: scrub(transportReason({ reason: "Transport", cause: exchange.cause })),
          cause: scrubbedCopy(exchange.cause, scrub)
        }
      case "Invalid":
        return { _tag: "Setup", reason: scrub(`Encode: ${exchange.reason}`) }
    }
  }

  const fromExchange = (exchange: Exchange): Attempt<Response> => {
    if (exchange._tag === "Response" && exchange.status >= 200 && exchange.status < 300) {
      const headers = scrubHeaders(exchange.headers)
      return { _tag: "Ok", value: { status: exchange.status, headers, text: scrub(exchange.text), requestId: requestIdOf(headers) } }
    }
    return notOk(exchange)
  }

  const fromDownloaded = (downloaded: Downloaded): Attempt<Head> =>
    downloaded._tag === "Head"
      ? { _tag: "Ok", value: { status: downloaded.status, headers: downloaded.headers, body: downloaded.body } }
      : downloaded._tag === "Response" && downloaded.status >= 200 && downloaded.status < 300
        ? // A `Download` hands every 2xx over as a head; should one read it whole, its text is the body.
          { _tag: "Ok", value: { status: downloaded.status, headers: downloaded.headers, body: bodyOfText(downloaded.text) } }
        : notOk(downloaded)

  /** Where a request on the client's transport goes, and with which headers; or why it cannot go. */
  const target = (
    request: HttpClientRequest.HttpClientRequest,
    extra: Readonly<Record<string, string>>,
    body: Uint8Array | string | undefined
  ): { readonly path: string; readonly url: URL; readonly headers: Readonly<Record<string, string>> } | { readonly path: string; readonly setup: Attempt<never> } => {
    const absolute = isAbsolute(request.url)
    const path = absolute ? request.url : joinUrl(baseUrl, request.url)
    const url = UrlParams.makeUrl(path, request.urlParams, request.hash)
    if (Either.isLeft(url)) {
      return { path, setup: { _tag: "Setup", reason: scrub(transportReason({ reason: "InvalidUrl", cause: url.left })) } }
    }
    return { path, url: url.right, headers: headersFor(request, extra, body, !absolute || url.right.origin === baseOrigin) }
  }

  /**
   * `execute` on the client's {@link Transport}: one asynchronous step per attempt, headers built once
   * per client, no redirect guard (Node does not follow redirects).
   */
  const sendFast = (
    transport: Transport,
    request: HttpClientRequest.HttpClientRequest,
    body: Uint8Array | string | undefined,
    call: Call
  ): Effect.Effect<Response, BatchError.BatchError> =>
    Effect.withFiberRuntime<Response, BatchError.BatchError>((fiber) => {
      const operation = fiber.getFiberRef(currentOperation) ?? call.operation
      const to = target(request, fiber.getFiberRef(currentHeaders), body)
      if ("setup" in to) return retry(Effect.succeed(to.setup), request.method, to.path, call, operation, to.setup)
      const attempt = Effect.map(transport(request.method, to.url, to.headers, body, timeoutMs), fromExchange)
      return Effect.flatMap(attempt, (first) =>
        // Failures name the URL without its query, as on the `HttpClient` path.
        first._tag === "Ok" ? Effect.succeed(first.value) : retry(attempt, request.method, to.path, call, operation, first)
      )
    })

  /** `lines` on the client's {@link Download}: as {@link sendFast}, until a 2xx head arrives. */
  const linesFast = (
    download: Download,
    request: HttpClientRequest.HttpClientRequest,
    body: Uint8Array | string | undefined,
    call: Call
  ): Effect.Effect<Lines, BatchError.BatchError> =>
    Effect.withFiberRuntime<Lines, BatchError.BatchError>((fiber) => {
      const operation = fiber.getFiberRef(currentOperation) ?? call.operation
      const to = target(request, fiber.getFiberRef(currentHeaders), body)
      if ("setup" in to) return retry(Effect.succeed(to.setup), request.method, to.path, call, operation, to.setup)
      const attempt = Effect.map(download(request.method, to.url, to.headers, body, timeoutMs), fromDownloaded)
      const toLines = (head: Head) =>
        linesOfHead(head.status, head.headers, request.method, to.path, head.body(Duration.toMillis(idleTimeout)), undefined, brokeOff)
      return Effect.flatMap(attempt, (first) =>
        first._tag === "Ok"
          ? Effect.succeed(toLines(first.value))
          : Effect.map(retry(attempt, request.method, to.path, call, operation, first), toLines)
      )
    })

  const retry = <A>(
    again: Effect.Effect<Attempt<A>>,
    method: string,
    rawUrl: string,
    call: Call,
    operation: string,
    first: Attempt<A>
  ): Effect.Effect<A, BatchError.BatchError> =>
    Effect.gen(function* () {
      for (let attempt = 1; ; attempt++) {
        const outcome = attempt === 1 ? first : yield* again
        if (attempt > 1) yield* Effect.annotateCurrentSpan("batchctl.attempts", attempt)
        if (outcome._tag === "Ok") return outcome.value
        if (outcome._tag === "Setup") {
          return yield* Effect.fail(
            new BatchError.InvalidRequest({
              provider,
              operation,
              message: `${provider} ${operation}: the request cannot be sent (check the base URL ${scrub(baseUrl)}): ${outcome.reason}`
            })
          )
        }
        if (outcome._tag === "Transport") {
          if (attempt < maxAttempts) {
            yield* sleepBeforeRetry(attempt, undefined)
            continue
          }
          const url = scrub(rawUrl)
          return yield* Effect.fail(
            new BatchError.TransportFailure({
              provider,
              operation,
              method,
              url,
              message: `${subjectOf(operation, call)}: ${method} ${url} got no HTTP response after ${attempt} attempt(s): ${outcome.reason}`,
              ...(outcome.cause === undefined ? {} : { cause: outcome.cause })
            })
          )
        }
        const { status, headers, text } = outcome
        if (status >= 300 && status < 400) {
          const requestId = requestIdOf(headers)
          return yield* Effect.fail(
            new BatchError.UnexpectedResponse({
              provider,
              operation,
              httpStatus: status,
              message: `${subjectOf(operation, call)}: HTTP ${status} redirect${describeLocation(headers.location, baseUrl)}, not followed so that the key is only ever sent to ${baseOrigin ?? baseUrl}; set the base URL to where it points`,
              ...(requestId === undefined ? {} : { requestId })
            })
          )
        }
        const body = VendorErrorBody.fromText(text)
        const now = yield* Clock.currentTimeMillis
        const retryAfterMs = retryAfterMillis(headers, now) ?? body.retryAfterMs
        const shouldRetryHeader = headers["x-should-retry"]
        // As the official SDKs: 408, 409 (a lock timeout; to a cancel it is the invalid-state refusal), 429
        // and every 5xx but 501, unless `x-should-retry` says otherwise either way. A used-up quota is never
        // retried, whatever `x-should-retry` says: waiting does not refill it.
        const transient =
          !BatchError.isQuotaFailure(status, body) &&
          (shouldRetryHeader === "true"
            ? true
            : shouldRetryHeader === "false"
              ? false
              : BatchError.isTransientStatus(status) ||
                (status === 409 && !invalidState({ status, operation, body })))
        // A wait asked for beyond `maxDelay` is not cut short into the same wall: the failure (`RateLimited`
        // with `retryAfterMs`) comes at once, for the caller to schedule. `maxDelay` 0 asks for no waiting.
        const waitTooLong = retryAfterMs !== undefined && policy.maxDelayMs > 0 && retryAfterMs > policy.maxDelayMs
        if (transient && !waitTooLong && attempt < maxAttempts) {
          yield* sleepBeforeRetry(attempt, retryAfterMs)
          continue
        }
        return yield* Effect.fail(
          BatchError.fromHttp({
            provider,
            operation,
            status,
            body,
            batchId: call.batchId,
            requestId: requestIdOf(headers) ?? body.requestId,
            retryAfterMs,
            invalidState: invalidState({ status, operation, body })
          })
        )
      }
    })

  const sleepBeforeRetry = (attempt: number, hintMs: number | undefined) =>
    Effect.flatMap(Random.next, (jitter) => {
      const ms = delayMillis(policy, attempt, hintMs, jitter)
      return ms > 0 ? Effect.sleep(Duration.millis(ms)) : Effect.void
    })

  const readText = (response: HttpClientResponse.HttpClientResponse) =>
    Effect.map(response.text, (text): Response => {
      const headers = scrubHeaders(response.headers)
      return { status: response.status, headers, text: scrub(text), requestId: requestIdOf(headers) }
    })

  const execute = (request: HttpClientRequest.HttpClientRequest, call: Call): Effect.Effect<Response, BatchError.BatchError> => {
    const body = transport === undefined ? unsupported : bodyOf(request)
    if (transport === undefined || body === unsupported) return send(request, call, readText)
    // Under a test clock, through `send`, whose timeouts follow that clock.
    return onClock(
      () => sendFast(transport, request, body, call),
      () => send(request, call, readText)
    )
  }

  const stalled = () => new BodyFailure({ reason: `no bytes for ${Duration.format(idleTimeout)} (the idle timeout)` })

  /** A body read on the client's {@link Download} that broke off: the socket's error, scrubbed. */
  const brokeOff = (error: Error) =>
    new BodyFailure({ reason: scrub(transportReason({ reason: "Transport", cause: error })), cause: scrubbedCopy(error, scrub) })

  /**
   * The lines of a 2xx response's body. `idle` is the timeout of each pull, for bodies without an idle
   * timer of their own (`undefined` when the body fails with `"idle"` itself).
   */
  const linesOfHead = <E>(
    status: number,
    rawHeaders: Headers.Headers,
    method: string,
    url: string,
    bytes: Stream.Stream<Uint8Array, E | "idle">,
    idle: Duration.Duration | undefined,
    onError: (error: E) => BodyFailure
  ): Lines => {
    const headers = scrubHeaders(rawHeaders)
    const body = linesOf(textOf(bytes), idle, stalled, onError)
    return {
      status,
      headers,
      requestId: requestIdOf(headers),
      method,
      url: scrub(url),
      lines: key.length >= 4 ? Stream.mapChunks(body, Chunk.map(scrub)) : body
    }
  }

  const lines = (request: HttpClientRequest.HttpClientRequest, call: Call): Effect.Effect<Lines, BatchError.BatchError> => {
    const body = download === undefined ? unsupported : bodyOf(request)
    const general = () =>
      Effect.map(send(request, call, Effect.succeed), (response) =>
        // Each pull timed on the fiber's clock (a test clock's, under one).
        linesOfHead(response.status, response.headers, response.request.method, response.request.url, response.stream, idleTimeout, (error) =>
          new BodyFailure({ reason: scrub(transportReason(error)), cause: causeOf(error, scrub) })
        )
      )
    if (download === undefined || body === unsupported) return general()
    // Under a test clock, through `send`, whose timeouts follow that clock.
    return onClock(() => linesFast(download, request, body, call), general)
  }

  const json = <A, I>(schema: Schema.Schema<A, I>, request: HttpClientRequest.HttpClientRequest, call: Call) => {
    const decode = decoderOf(schema)
    return Effect.flatMap(execute(request, call), (response) => {
      // The operation's name is looked up only when there is a failure to name.
      const unexpected = (why: string) =>
        Effect.flatMap(FiberRef.get(currentOperation), (override) => {
          const operation = override ?? call.operation
          return Effect.fail(
            new BatchError.UnexpectedResponse({
              provider,
              operation,
              httpStatus: response.status,
              message: `${subjectOf(operation, call)}: HTTP ${response.status} ${why}`,
              ...(response.requestId === undefined ? {} : { requestId: response.requestId })
            })
          )
        })
      if (BLANK.test(response.text)) return unexpected("with an empty body")
      let raw: unknown
      try {
        raw = JSON.parse(response.text)
      } catch {
        const type = response.headers["content-type"] ?? "no content-type"
        return unexpected(`with a body that is not JSON (${type})`)
      }
      const decoded = decode(raw)
      if (Either.isLeft(decoded)) {
        const issue = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)[0]
        const where = issue === undefined || issue.path.length === 0 ? "" : ` at ${issue.path.join(".")}`
        return unexpected(`with a body that does not decode${where}: ${issue?.message ?? "invalid"}`)
      }
      return Effect.succeed<Decoded<A>>({ value: decoded.right, raw, response })
    })
  }

  return { provider, baseUrl, execute, json, lines }
}

const BLANK = /^\s*$/

/** As `HttpClientRequest.prependUrl`. */
const joinUrl = (base: string, url: string): string => (base.endsWith("/") && url.startsWith("/") ? base + url.slice(1) : base + url)

// Decoders are built once per schema, not per response.
const decoders = globalValue("@batchctl/core/VendorHttp/decoders", () => new WeakMap<object, (u: unknown) => unknown>())
const decoderOf = <A, I>(schema: Schema.Schema<A, I>) => {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = Schema.decodeUnknownEither(schema)
    decoders.set(schema, decode)
  }
  return decode as (u: unknown) => Either.Either<A, ParseResult.ParseError>
}

/** The class of the clock Effect runs with by default: under it, timers can be plain timers. */
const liveClock = globalValue("@batchctl/core/VendorHttp/liveClock", () => Effect.runSync(Effect.clock).constructor)

/** `live` under Effect's own clock, `testable` under another (a `TestClock`), whose time tests move. */
const onClock = <A, E, R>(
  live: () => Effect.Effect<A, E, R>,
  testable: () => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => Effect.clockWith((clock) => (clock.constructor === liveClock ? live() : testable()))

/**
 * `Effect.timeoutFail` for the common case at a third of its cost: the attempt runs in one forked fiber
 * and a plain timer interrupts it, instead of racing two fibers with a `Deferred`. Under another clock
 * (a `TestClock`) it is `Effect.timeoutFail` itself, so tests can move time.
 */
const withDeadline = <A, E, T>(
  self: Effect.Effect<A, E>,
  duration: Duration.Duration,
  onTimeout: () => T
): Effect.Effect<A, E | T> =>
  onClock(
    () =>
      Effect.flatMap(Effect.fork(self), (fiber) =>
        Effect.async<A, E | T>((resume) => {
          let settled = false
          const timer = setTimeout(() => {
            if (settled) return
            settled = true
            resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(onTimeout())))
          }, Duration.toMillis(duration))
          fiber.addObserver((exit) => {
            if (settled) return
            settled = true
            clearTimeout(timer)
            resume(exit)
          })
          return Effect.suspend(() => {
            settled = true
            clearTimeout(timer)
            return Fiber.interrupt(fiber)
          })
        })
      ),
    () => Effect.timeoutFail(self, { duration, onTimeout })
  )

/**
 * Text to lines with one step per network chunk: split on `\n` (a trailing `\r` dropped), carry the
 * unfinished line over. Each pull gets the idle timeout. Hand-rolled over `Stream.toPull` because the
 * general-purpose operators (`splitLines`, `timeoutFail` on the stream) cost several effects per chunk,
 * which at 100 MB shows.
 */
const linesOf = <E>(
  text: Stream.Stream<string, E | "idle">,
  idleTimeout: Duration.Duration | undefined,
  stalled: () => BodyFailure,
  onError: (error: E) => BodyFailure
): Stream.Stream<string, BodyFailure> =>
  Stream.unwrapScoped(
    Effect.map(Stream.toPull(text), (pull) => {
      let carry = ""
      let ended = false
      const split = (text: string, final: boolean): Chunk.Chunk<string> => {
        const out: Array<string> = []
        let from = 0
        for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
          const line = from === 0 && carry.length > 0 ? carry + text.slice(0, nl) : text.slice(from, nl)
          out.push(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line)
          if (from === 0) carry = ""
          from = nl + 1
        }
        const rest = from === 0 ? carry + text : text.slice(from)
        carry = ""
        if (final) {
          if (rest.length > 0) out.push(rest.endsWith("\r") ? rest.slice(0, -1) : rest)
        } else {
          carry = rest
        }
        return Chunk.unsafeFromArray(out)
      }
      const read = Effect.mapError(pull, Option.map((error) => (error === "idle" ? stalled() : onError(error))))
      const timed =
        idleTimeout === undefined
          ? read
          : Effect.timeoutFail(read, { duration: idleTimeout, onTimeout: () => Option.some(stalled()) })
      const step: Effect.Effect<Chunk.Chunk<string>, Option.Option<BodyFailure>> = Effect.suspend(() => {
        if (ended) return Effect.fail(Option.none())
        return timed.pipe(
          Effect.matchEffect({
            onFailure: (error) => {
              if (Option.isSome(error)) return Effect.fail(error)
              ended = true
              return Effect.succeed(split("", true))
            },
            onSuccess: (chunk) => Effect.succeed(split(chunk.length === 1 ? Chunk.unsafeGet(chunk, 0) : Chunk.join(chunk, ""), false))
          })
        )
      })
      return Stream.repeatEffectChunkOption(step)
    })
  )

/** The body as text, decoded as it arrives (code points split across chunks kept whole). */
const textOf = <E>(bytes: Stream.Stream<Uint8Array, E>): Stream.Stream<string, E> => Stream.suspend(() => {
    const decoder = new TextDecoder("utf-8")
    return bytes.pipe(
      Stream.mapChunks(Chunk.map((bytes) => decoder.decode(bytes, { stream: true }))),
      Stream.concat(Stream.sync(() => decoder.decode()))
    )
  })

const lowerKeys = (record: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(record)) out[k.toLowerCase()] = v
  return out
}

// Redirects are not followed: fetch would resend named auth headers (`x-api-key`) to wherever a
// `Location` points. With `FetchHttpClient` this asks for `redirect: "manual"` (keeping the user's other
// `RequestInit` options); other clients (Node's, undici's) do not follow redirects anyway. Providing a
// service copies the fiber's context, so it is done only when `RequestInit` does not say so already
// (the Promise clients provide it once for their runtime).
const withoutRedirects = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
    Option.isSome(init) && init.value.redirect === "manual"
      ? self
      : Effect.provideService(self, FetchHttpClient.RequestInit, { ...Option.getOrElse(init, () => ({})), redirect: "manual" })
  )

const describeLocation = (location: string | undefined, base: string): string => {
  if (location === undefined) return ""
  try {
    const url = new URL(location, base)
    return ` to ${url.origin}${url.pathname}`
  } catch {
    return ""
  }
}

const safeOrigin = (url: string): string | undefined => {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

const isSetupError = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  (error as { readonly _tag?: unknown })._tag === "RequestError" &&
  ((error as { readonly reason?: unknown }).reason === "InvalidUrl" || (error as { readonly reason?: unknown }).reason === "Encode")

/**
 * What is kept as a transport failure's `cause`: the underlying error (e.g. `ECONNREFUSED`), never the
 * platform's `RequestError`, which holds the request and so its auth header.
 */
const causeOf = (error: unknown, scrub: (text: string) => string): unknown => {
  const inner = Predicate.hasProperty(error, "cause") ? error.cause : undefined
  return inner instanceof Error ? scrubbedCopy(inner, scrub) : undefined
}

/** An error's name, message (scrubbed), `code` and cause chain, and nothing else it may hold. */
const scrubbedCopy = (error: Error, scrub: (text: string) => string): Error => {
  const copy = new Error(scrub(error.message))
  copy.name = error.name
  const code = (error as { readonly code?: unknown }).code
  if (typeof code === "string") Object.assign(copy, { code })
  if (error.cause instanceof Error) copy.cause = scrubbedCopy(error.cause, scrub)
  return copy
}

const transportReason = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const e = error as { readonly reason?: unknown; readonly cause?: unknown; readonly description?: unknown }
    const cause = e.cause instanceof Error ? e.cause.message : undefined
    // `fetch failed` says nothing: the reason (`connect ECONNREFUSED 127.0.0.1:443`) is one level down.
    const inner = e.cause instanceof Error && e.cause.cause instanceof Error ? e.cause.cause : undefined
    const innerText =
      inner === undefined
        ? undefined
        : inner.message.length > 0
          ? inner.message
          : typeof (inner as { readonly code?: unknown }).code === "string"
            ? String((inner as { readonly code?: unknown }).code)
            : undefined
    const parts = [e.reason, e.description, cause, innerText].filter(
      (p, i, all): p is string => typeof p === "string" && p.length > 0 && all.indexOf(p) === i
    )
    if (parts.length > 0) return parts.join(": ")
  }
  return "transport error"
}
