/**
 * The requests every adapter makes: one request builder (base URL, header precedence, auth to the API's
 * origin only), sent with the retry policy of {@link RetryPolicy} on whichever {@link Transport} is in
 * context (`NodeClient.layer` provides its own; any other `HttpClient` is used through
 * `Transport.fromHttpClient`), with its bounds: a timeout per attempt, a deadline per call, a size limit
 * on bodies read whole, a line-length limit, an idle timeout and a minimum rate on bodies streamed.
 * Every failure becomes a {@link BatchError.BatchError}; the key is scrubbed from what an error shows (message, request id, URL, details), never from the data.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as BatchError from "./BatchError.js"
import * as Lines_ from "./internal/lines.js"
import * as Operation from "./internal/operation.js"
import * as RateLimit from "./internal/rateLimit.js"
import * as Redact from "./internal/redact.js"
import * as RetryPolicy_ from "./RetryPolicy.js"
import * as Transport from "./Transport.js"
import * as VendorErrorBody from "./VendorErrorBody.js"
import { version as coreVersion } from "./version.js"

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
 * How failed HTTP calls are retried: see {@link RetryPolicy_.RetryPolicy}.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryPolicy = RetryPolicy_.RetryPolicy

/**
 * @since 0.1.0
 * @category constructors
 */
export const defaultRetryPolicy: RetryPolicy = RetryPolicy_.defaultRetryPolicy

/**
 * @since 0.1.0
 * @category constructors
 */
export const immediateRetries: (maxAttempts: number) => RetryPolicy = RetryPolicy_.immediateRetries

/**
 * Reads `retry-after-ms`, then `retry-after` (delta seconds or an HTTP date, relative to `now`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const retryAfterMillis: (headers: Headers.Headers, now: number) => number | undefined =
  RetryPolicy_.retryAfterMillis

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
 * The bounds of every call, each a typed failure when crossed. Left `undefined`, each keeps its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Bounds {
  /**
   * Timeout of each attempt until the response head arrives (for small JSON answers, until the body is
   * read too); default 60 seconds. An attempt that passes it is retried: `TransportFailure` at the end.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * The most one call may take, its attempts and the waits between them together (for a results
   * download, until its head arrives); default 2 minutes, or `timeout` when that is longer. Past it, the
   * attempt under way is given up and no retry is started: `TransportFailure`.
   */
  readonly deadline?: Duration.DurationInput | undefined
  /** How long a streamed body (a results file) may send no bytes before the read fails; default 60 seconds. */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /**
   * The least bytes per second a streamed body must bring while it is waited for, averaged over each
   * `idleTimeout`; default 1,024 (a body dripped at a byte a second fails after the first `idleTimeout`);
   * 0 for none. Below it: `TransportFailure` with `itemsDelivered`.
   */
  readonly minBodyRate?: number | undefined
  /**
   * The most bytes a body read whole (a JSON answer, an error body) may have, as sent and once
   * decompressed; default 16 MiB. A 2xx past it is `UnexpectedResponse`; an error body past it is read as
   * empty (its status decides).
   */
  readonly maxBodyBytes?: number | undefined
  /** The most characters one line of a results file may have; default 32 Mi (2^25). Past it: `UnexpectedResponse`. */
  readonly maxLineLength?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Bounds {
  /** Adapter id, as in the normalized batch's `provider`. */
  readonly provider: string
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly auth: Auth
  /** Headers sent on every request (e.g. `anthropic-version`). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
  readonly invalidState?: InvalidStatePredicate | undefined
  /**
   * How this vendor's error bodies are read; default `VendorErrorBody.fromText`, which knows the
   * envelopes listed there. Build one with `VendorErrorBody.extend`.
   *
   * @since 0.2.0
   */
  readonly errorBody?: VendorErrorBody.Reader | undefined
  /**
   * Error codes of this vendor that say the quota or spend cap is used up, besides
   * `BatchError.quotaCodes`: a 429 carrying one is `QuotaExceeded` and is not retried.
   *
   * @since 0.2.0
   */
  readonly quotaCodes?: ReadonlyArray<string> | undefined
  /**
   * Send the current span as `traceparent` / `b3` headers (through the `HttpClient`, with its span per
   * request). Off by default: a vendor is a third party, and your trace ids are not theirs to see.
   */
  readonly propagateTracing?: boolean | undefined
}

/**
 * The options every adapter's `layer` accepts on top of its own.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions extends Bounds {
  readonly apiKey: Redacted.Redacted<string>
  /** Defaults to the vendor's public API; point it at a proxy or the batchctl emulator. */
  readonly baseUrl?: string | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
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
  /**
   * The retry policy of this call only, over the client's: a create that must not be sent twice blindly
   * sends with `{ maxAttempts: 1 }` and decides itself what to do when the answer is lost.
   */
  readonly retry?: Partial<RetryPolicy> | undefined
  /**
   * The attempt timeout of this call only, when longer than the client's (an upload of many megabytes);
   * the call's deadline grows with it.
   */
  readonly timeoutMs?: number | undefined
}

/**
 * A response with a 2xx status, its body read as text, as sent (the key is scrubbed from errors, never from data).
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
  readonly execute: (
    request: HttpClientRequest.HttpClientRequest,
    call: Call
  ) => Effect.Effect<Response, BatchError.BatchError>
  /** `execute`, then the body as JSON decoded with `schema`; `raw` is the parsed JSON as sent. */
  readonly json: <A, I>(
    schema: Schema.Schema<A, I>,
    request: HttpClientRequest.HttpClientRequest,
    call: Call
  ) => Effect.Effect<Decoded<A>, BatchError.BatchError>
  /**
   * Sends with the same retries until a 2xx response head arrives, then hands over its body as a stream
   * of text lines, as sent, without reading it whole. The attempt timeout covers the head;
   * the body has its own idle timeout, minimum rate and line-length limit. A body that breaks off,
   * stalls or crosses a bound ends the stream with {@link BodyFailure} and is not sent again: the caller
   * already has the lines before it. Run the stream once, and soon: on `NodeClient`'s transport, a body
   * nobody starts reading within the attempt timeout is given up (its connection closed).
   */
  readonly lines: (
    request: HttpClientRequest.HttpClientRequest,
    call: Call
  ) => Effect.Effect<Lines, BatchError.BatchError>
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
 * A streamed body ended before its end after its head arrived: it `broke` off (a reset), `stalled`
 * past the idle timeout, came `slow`er than the minimum rate, or had a line `tooLong`.
 *
 * @since 0.1.0
 * @category errors
 */
export class BodyFailure extends Schema.TaggedError<BodyFailure>("@batchctl/core/VendorHttp/BodyFailure")(
  "BodyFailure",
  {
    reason: Schema.String,
    kind: Schema.optional(Schema.Literal("broke", "stalled", "slow", "tooLong")),
    cause: Schema.optional(Schema.Defect)
  }
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
export const currentOperation: FiberRef.FiberRef<string | undefined> = Operation.currentOperation

/**
 * Runs `self` with every request's failures named after `operation`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const asOperation: {
  (operation: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, operation: string): Effect.Effect<A, E, R>
} = Operation.asOperation

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
  /**
   * How this vendor's error bodies are read; default `VendorErrorBody.fromText`, which knows the
   * envelopes listed there. Build one with `VendorErrorBody.extend`.
   *
   * @since 0.2.0
   */
  readonly errorBody?: VendorErrorBody.Reader | undefined
  /**
   * Error codes of this vendor that say the quota or spend cap is used up, besides
   * `BatchError.quotaCodes`: a 429 carrying one is `QuotaExceeded` and is not retried.
   *
   * @since 0.2.0
   */
  readonly quotaCodes?: ReadonlyArray<string> | undefined
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
 * On the {@link Transport.Transport} in context, else on the `HttpClient` in context (through
 * `Transport.fromHttpClient`). With `propagateTracing`, always on the `HttpClient`, whose span per
 * request and trace headers it is.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<VendorHttp, never, HttpClient.HttpClient> =>
  Effect.flatMap(Effect.serviceOption(Transport.Transport), (transport) =>
    Effect.map(HttpClient.HttpClient, (client) => {
      if (options.propagateTracing === true) return makeWith(Transport.fromHttpClient(client), options)
      if (Option.isSome(transport)) return makeWith(transport.value, options)
      // The operation's own span (`BatchProvider.cancel`, …) is always there; the client's span per
      // request, and the trace headers it would send, only when asked for.
      const quiet = HttpClient.withTracerDisabledWhen(HttpClient.withTracerPropagation(client, false), () => true)
      return makeWith(Transport.fromHttpClient(quiet), options)
    })
  )

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
    ...boundsOf(options),
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
    propagateTracing: options.propagateTracing,
    invalidState: vendor.invalidState,
    errorBody: vendor.errorBody,
    quotaCodes: vendor.quotaCodes
  })

const boundsOf = (options: Bounds): Bounds => ({
  timeout: options.timeout,
  deadline: options.deadline,
  idleTimeout: options.idleTimeout,
  minBodyRate: options.minBodyRate,
  maxBodyBytes: options.maxBodyBytes,
  maxLineLength: options.maxLineLength
})

const MiB = 2 ** 20

/** The longest a client holds its requests for a vendor's rate-limit window. */
const MAX_PACE_MS = 60_000

/** A count option: a whole number of at least 0, else `fallback`. */
const countOf = (input: unknown, fallback: number): number =>
  typeof input === "number" && Number.isFinite(input) && input >= 0 ? Math.floor(input) : fallback

const requestIdOf = (headers: Headers.Headers): string | undefined => headers["request-id"] ?? headers["x-request-id"]

const isAbsolute = (url: string) => /^https?:\/\//i.test(url)

const isOk = (status: number) => status >= 200 && status < 300

/** As `HttpClientRequest.prependUrl`. */
const joinUrl = (base: string, url: string): string =>
  base.endsWith("/") && url.startsWith("/") ? base + url.slice(1) : base + url

const lowerKeys = (record: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(record)) out[k.toLowerCase()] = v
  return out
}

const safeOrigin = (url: string): string | undefined => {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

const describeLocation = (location: string | undefined, base: string): string => {
  if (location === undefined) return ""
  try {
    const url = new URL(location, base)
    return ` to ${url.origin}${url.pathname}`
  } catch {
    return ""
  }
}

const BLANK = /^\s*$/

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

/** One request of a call, built; `path` is its URL without the query, for messages. */
interface Target {
  readonly path: string
  readonly request: Transport.Request
}

/**
 * {@link make} on a given transport.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (transport: Transport.Service, options: Options): VendorHttp => {
  const provider = options.provider
  const baseUrl = options.baseUrl.replace(/\/+$/, "")
  const baseOrigin = safeOrigin(baseUrl)
  const policy = RetryPolicy_.resolve(options.retry)
  const timeoutMs = RetryPolicy_.millisOf(options.timeout, 60_000)
  const timeout = Duration.format(Duration.millis(timeoutMs))
  const deadlineMs = RetryPolicy_.millisOf(options.deadline, Math.max(120_000, timeoutMs))
  const idleMs = RetryPolicy_.millisOf(options.idleTimeout, 60_000)
  const maxBodyBytes = countOf(options.maxBodyBytes, 16 * MiB)
  const bounds: Lines_.Bounds = {
    maxLineLength: countOf(options.maxLineLength, 32 * MiB),
    minBytesPerSecond: countOf(options.minBodyRate, 1024),
    windowMs: idleMs
  }
  const invalidState = options.invalidState ?? defaultInvalidState
  const errorBodyOptions = { reader: options.errorBody, quotaCodes: options.quotaCodes }
  // A key is never meant with surrounding whitespace (a pasted newline): it is sent, and scrubbed, trimmed.
  const key = Redacted.value(options.apiKey).trim()
  const redact = Redact.make(key)
  const scrub = redact.scrub
  const fixedHeaders: Readonly<Record<string, string>> = {
    accept: "application/json",
    ...lowerKeys(options.headers ?? {})
  }
  const authHeader: readonly [string, string] =
    options.auth._tag === "Bearer" ? ["authorization", `Bearer ${key}`] : [options.auth.name, key]
  /** The fixed headers and the key: built once, shared by every request that adds nothing. */
  const keyedHeaders: Readonly<Record<string, string>> = { ...fixedHeaders, [authHeader[0]]: authHeader[1] }

  const subjectOf = (operation: string, call: Call) =>
    `${provider} ${operation}${call.batchId === undefined ? "" : ` ${call.batchId}`}`

  /**
   * The one request builder: the URL joined to the base (an absolute URL kept), then the headers, each
   * over the one before: the fixed ones, the per-call ones (`withHeaders`), the request's own, and the
   * key, sent to the API's origin only (never to a URL a response pointed elsewhere).
   */
  const target = (
    request: HttpClientRequest.HttpClientRequest,
    extra: Readonly<Record<string, string>>
  ): Target | string => {
    const absolute = isAbsolute(request.url)
    const path = absolute ? request.url : joinUrl(baseUrl, request.url)
    const url = UrlParams.makeUrl(path, request.urlParams, request.hash)
    if (Either.isLeft(url)) return `InvalidUrl: ${url.left.message}`
    const withKey = !absolute || url.right.origin === baseOrigin
    const own = Object.keys(request.headers)
    const extraNames = Object.keys(extra)
    let headers: Readonly<Record<string, string>>
    if (own.length === 0 && extraNames.length === 0) {
      headers = withKey ? keyedHeaders : fixedHeaders
    } else {
      const out: Record<string, string> = { ...fixedHeaders }
      for (const name of extraNames) out[name.toLowerCase()] = extra[name]!
      for (const name of own) out[name] = request.headers[name]!
      if (withKey) out[authHeader[0]] = authHeader[1]
      headers = out
    }
    return {
      path,
      request: { method: request.method, url: url.right, headers, body: request.body, timeoutMs, maxBodyBytes }
    }
  }

  /** The one failure that says the request could not be built or sent: no retry can help. */
  const cannotSend = (operation: string, reason: string) =>
    new BatchError.InvalidRequest({
      provider,
      operation,
      message: `${provider} ${operation}: the request cannot be sent (check the base URL ${scrub(baseUrl)}): ${scrub(reason)}`
    })

  /** The end of a bulk cancel's send that another send of the same cancel answered before. */
  const abandoned = (operation: string, call: Call): RetryPolicy_.Failure => ({
    _tag: "Final",
    error: new BatchError.TransportFailure({
      provider,
      operation,
      message: `${subjectOf(operation, call)}: not sent again: another send of it answered first`
    })
  })

  /** Whether the vendor answered at all (any status), as opposed to a timeout, a broken or an unsent request. */
  const answered = (answer: { readonly _tag: string }): boolean =>
    answer._tag !== "TimedOut" && answer._tag !== "NoResponse" && answer._tag !== "Invalid"

  /** An answer that is not a 2xx, as a failed attempt; `cut` when the deadline, not the timeout, ended it. */
  const failureOf = (
    answer: Transport.Exchange,
    operation: string,
    call: Call,
    now: number,
    cut: boolean,
    attemptMs: number
  ): RetryPolicy_.Failure => {
    switch (answer._tag) {
      case "TimedOut":
        return {
          _tag: "NoResponse",
          reason: cut
            ? `the call's deadline of ${Duration.format(Duration.millis(deadlineMs))} passed`
            : `no response within ${attemptMs === timeoutMs ? timeout : Duration.format(Duration.millis(attemptMs))}`
        }
      case "NoResponse":
        return { _tag: "NoResponse", reason: scrub(Redact.reasonOf(answer.cause)), cause: redact.error(answer.cause) }
      case "Invalid":
        return { _tag: "Final", error: cannotSend(operation, `Encode: ${answer.reason}`) }
      case "TooLarge":
        if (isOk(answer.status)) {
          const requestId = requestIdOf(answer.headers)
          return {
            _tag: "Final",
            error: new BatchError.UnexpectedResponse({
              provider,
              operation,
              httpStatus: answer.status,
              message: `${subjectOf(operation, call)}: HTTP ${answer.status} with a body larger than ${maxBodyBytes} bytes (maxBodyBytes), not read further`,
              maxBodyBytes,
              ...(requestId === undefined ? {} : { requestId: scrub(requestId) })
            })
          }
        }
        // An error body past the limit says nothing more than its status.
        return statusFailure(answer.status, answer.headers, "", operation, now)
      case "Response": {
        const { status } = answer
        if (status >= 300 && status < 400) {
          const headers = redact.headers(answer.headers)
          const requestId = requestIdOf(headers)
          return {
            _tag: "Final",
            error: new BatchError.UnexpectedResponse({
              provider,
              operation,
              httpStatus: status,
              message: `${subjectOf(operation, call)}: HTTP ${status} redirect${describeLocation(headers.location, baseUrl)}, not followed so that the key is only ever sent to ${baseOrigin ?? baseUrl}; set the base URL to where it points`,
              ...(requestId === undefined ? {} : { requestId })
            })
          }
        }
        return statusFailure(status, answer.headers, answer.text, operation, now)
      }
    }
  }

  const statusFailure = (
    status: number,
    rawHeaders: Headers.Headers,
    text: string,
    operation: string,
    now: number
  ): RetryPolicy_.Failure => {
    const headers = redact.headers(rawHeaders)
    // Read as sent (the refusal and quota rules read its words); what is shown of it is scrubbed in `report`.
    const body = VendorErrorBody.read(text, errorBodyOptions)
    return {
      _tag: "Status",
      status,
      headers,
      body,
      retryAfterMs: RetryPolicy_.retryAfterMillis(headers, now) ?? body.retryAfterMs,
      refusal: invalidState({ status, operation, body })
    }
  }

  /** The failure of the last attempt, as the caller gets it. */
  const errorOf = (
    failure: RetryPolicy_.Failure,
    method: string,
    path: string,
    call: Call,
    operation: string,
    attempts: number
  ): BatchError.BatchError => {
    switch (failure._tag) {
      case "Final":
        return failure.error
      case "NoResponse": {
        const url = scrub(path)
        return new BatchError.TransportFailure({
          provider,
          operation,
          method,
          url,
          message: `${subjectOf(operation, call)}: ${method} ${url} got no HTTP response after ${attempts} attempt(s): ${failure.reason}`,
          ...(failure.cause === undefined ? {} : { cause: failure.cause })
        })
      }
      case "Status":
        return BatchError.fromHttp({
          provider,
          operation,
          status: failure.status,
          body: failure.body,
          batchId: call.batchId,
          requestId: requestIdOf(failure.headers) ?? failure.body.requestId,
          retryAfterMs: failure.retryAfterMs,
          invalidState: failure.refusal
        })
    }
  }

  /**
   * When this client may send again: an answer that said the vendor's request window is used up
   * (remaining `0` in its rate-limit headers) holds every request of the client until the window resets
   * (at most the policy's `maxDelay`, and a minute; a `maxDelay` of 0 asks for no waiting at all),
   * instead of each finding out with a 429. A 429's `retry-after` holds only the call it answered (as
   * the vendors' SDKs do): a 429 from one busy backend says nothing of the client's other calls.
   */
  let openAt = 0
  const paceCapMs = Math.min(policy.maxDelayMs, MAX_PACE_MS)
  const pace = (answer: unknown, now: number): void => {
    const { headers } = answer as { readonly headers?: Headers.Headers }
    if (headers === undefined) return
    const wait = RateLimit.exhaustedFor(headers, now)
    if (wait !== undefined && wait > 0) openAt = Math.max(openAt, now + Math.min(wait, paceCapMs))
  }

  /**
   * Sends `request` on `send` until an answer `ok` accepts, with the retry policy and the call's
   * deadline. The common case (the first attempt answers 2xx) is one step; `Effect.retry` starts only
   * after a failure.
   */
  const run = <D extends { readonly _tag: string }, A>(
    request: HttpClientRequest.HttpClientRequest,
    call: Call,
    send: Transport.Send<D | Transport.Exchange>,
    ok: (answer: D | Transport.Exchange, path: string) => A | undefined
  ): Effect.Effect<A, BatchError.BatchError> =>
    Effect.withFiberRuntime<A, BatchError.BatchError>((fiber) => {
      const operation = fiber.getFiberRef(currentOperation) ?? call.operation
      const own = target(request, fiber.getFiberRef(currentHeaders))
      if (typeof own === "string") return Effect.fail(cannotSend(operation, own))
      const { path } = own
      const bulk = fiber.getFiberRef(Operation.currentBulkCall)
      // This call's send, when a bulk worker makes it: told of each attempt, and asked before each retry.
      const mine = bulk === undefined ? undefined : fiber.getFiberRef(Operation.currentBulkSlot)?.send
      const longer = call.timeoutMs !== undefined && call.timeoutMs > timeoutMs ? call.timeoutMs : undefined
      // Each attempt's timeout: a bulk's (read per attempt: it follows the vendor's pace as the run goes),
      // or a longer one the call asked for, or the client's.
      const attemptTimeout = (): number => {
        if (longer !== undefined) return longer
        const shorter = bulk?.attemptTimeoutMs
        return shorter !== undefined && shorter < timeoutMs ? shorter : timeoutMs
      }
      const own_ = call.retry === undefined ? policy : RetryPolicy_.resolve({ ...options.retry, ...call.retry })
      const callPolicy =
        bulk === undefined
          ? own_
          : {
              maxAttempts: own_.maxAttempts,
              baseDelayMs: Math.min(own_.baseDelayMs, bulk.baseDelayMs),
              maxDelayMs: Math.min(own_.maxDelayMs, bulk.maxDelayMs)
            }
      const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
      // Only a call that asked for a longer attempt (an upload) moves the deadline.
      const deadline =
        clock.unsafeCurrentTimeMillis() + (longer === undefined ? deadlineMs : Math.max(deadlineMs, longer))
      let attempts = 0
      const sendNow = (): Effect.Effect<A, RetryPolicy_.Failure> => {
        attempts++
        const attemptMs = attemptTimeout()
        const sentAt = clock.unsafeCurrentTimeMillis()
        const left = deadline - sentAt
        const cut = left < attemptMs
        const request =
          cut || attemptMs !== timeoutMs
            ? { ...own.request, timeoutMs: cut ? Math.max(0, left) : attemptMs }
            : own.request
        if (mine !== undefined) mine.attemptAt = sentAt
        return Effect.flatMap(send(request), (answer) => {
          const now = clock.unsafeCurrentTimeMillis()
          if (bulk !== undefined) {
            if (mine !== undefined) mine.attemptAt = undefined
            if (answered(answer)) bulk.answered?.(now - sentAt)
            else if (answer._tag === "TimedOut" && !cut) bulk.timedOut?.(attemptMs)
          }
          pace(answer, now)
          const value = ok(answer, path)
          if (value !== undefined) return Effect.succeed(value)
          // `ok` accepts every 2xx it is given; what is left is an `Exchange`.
          return Effect.fail(failureOf(answer as Transport.Exchange, operation, call, now, cut, attemptMs))
        })
      }
      // Held while the vendor's window is used up (never past the call's deadline).
      const attemptNow = (): Effect.Effect<A, RetryPolicy_.Failure> => {
        const wait = Math.min(openAt, deadline) - clock.unsafeCurrentTimeMillis()
        return wait > 0 ? Effect.zipRight(Effect.sleep(Duration.millis(wait)), Effect.suspend(sendNow)) : sendNow()
      }
      const attempt = Effect.suspend(attemptNow)
      const report = (failure: RetryPolicy_.Failure) =>
        Effect.zipRight(
          attempts > 1 ? Effect.annotateCurrentSpan("batchctl.attempts", attempts) : Effect.void,
          Effect.fail(BatchError.redacted(errorOf(failure, request.method, path, call, operation, attempts), scrub))
        )
      return Effect.catchAll(attemptNow(), (first) => {
        let replay: RetryPolicy_.Failure | undefined = first
        const again = Effect.suspend(() => {
          // Another send of the same bulk cancel answered first: no further attempt (its answer is ignored).
          if (mine !== undefined && !mine.wanted()) return Effect.fail(abandoned(operation, call))
          if (replay === undefined) return attempt
          const failure = replay
          replay = undefined
          return Effect.fail(failure)
        })
        return Effect.retry(again, RetryPolicy_.schedule(callPolicy, { deadline })).pipe(
          Effect.tap(() => (attempts > 1 ? Effect.annotateCurrentSpan("batchctl.attempts", attempts) : Effect.void)),
          Effect.catchAll(report)
        )
      })
    })

  const responseOf = (answer: {
    readonly status: number
    readonly headers: Headers.Headers
    readonly text: string
  }): Response => {
    const headers = redact.headers(answer.headers)
    // The body is data: never rewritten (a short or common key would corrupt it); errors scrub what they show.
    return { status: answer.status, headers, text: answer.text, requestId: requestIdOf(headers) }
  }

  const execute = (
    request: HttpClientRequest.HttpClientRequest,
    call: Call
  ): Effect.Effect<Response, BatchError.BatchError> =>
    run(request, call, transport.exchange, (answer) =>
      answer._tag === "Response" && isOk(answer.status) ? responseOf(answer) : undefined
    )

  const bodyFailures = (): Lines_.Failures<Error | "idle", BodyFailure> => ({
    error: (error) =>
      error === "idle"
        ? new BodyFailure({
            kind: "stalled",
            reason: `no bytes for ${Duration.format(Duration.millis(idleMs))} (the idle timeout)`
          })
        : new BodyFailure({ kind: "broke", reason: scrub(Redact.reasonOf(error)), cause: redact.error(error) }),
    tooLong: () =>
      new BodyFailure({
        kind: "tooLong",
        reason: `a line longer than ${bounds.maxLineLength} characters (maxLineLength)`
      }),
    tooSlow: (bytes, ms) =>
      new BodyFailure({
        kind: "slow",
        reason: `${bytes} bytes in ${Duration.format(Duration.millis(ms))}, slower than ${bounds.minBytesPerSecond} bytes per second (minBodyRate)`
      })
  })

  const linesOfHead = (
    status: number,
    rawHeaders: Headers.Headers,
    method: string,
    path: string,
    body: Transport.BodyReader
  ): Lines => {
    const headers = redact.headers(rawHeaders)
    const lines = Lines_.linesOf(body(idleMs), bounds, bodyFailures())
    return {
      status,
      headers,
      requestId: requestIdOf(headers),
      method,
      url: scrub(path),
      lines
    }
  }

  const lines = (
    request: HttpClientRequest.HttpClientRequest,
    call: Call
  ): Effect.Effect<Lines, BatchError.BatchError> =>
    run(request, call, transport.download, (answer, path) =>
      answer._tag === "Head"
        ? linesOfHead(answer.status, answer.headers, request.method, path, answer.body)
        : answer._tag === "Response" && isOk(answer.status)
          ? // A transport that read a 2xx body whole hands it over so; its text is the body.
            linesOfHead(answer.status, answer.headers, request.method, path, Transport.readerOfText(answer.text))
          : undefined
    )

  const json = <A, I>(schema: Schema.Schema<A, I>, request: HttpClientRequest.HttpClientRequest, call: Call) => {
    const decode = decoderOf(schema)
    return Effect.flatMap(execute(request, call), (response) => {
      // The operation's name is looked up only when there is a failure to name.
      const unexpected = (why: string) =>
        Effect.flatMap(FiberRef.get(currentOperation), (override) => {
          const operation = override ?? call.operation
          return Effect.fail(
            BatchError.redacted(
              new BatchError.UnexpectedResponse({
                provider,
                operation,
                httpStatus: response.status,
                message: `${subjectOf(operation, call)}: HTTP ${response.status} ${why}`,
                ...(response.requestId === undefined ? {} : { requestId: response.requestId })
              }),
              scrub
            )
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
