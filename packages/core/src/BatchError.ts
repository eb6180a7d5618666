/**
 * Every failure of every adapter, as `Schema.TaggedError`s (conformance contract v1, section 1), and
 * the one place where an HTTP status plus a vendor error body becomes a tag: {@link fromHttp}.
 *
 * No error ever holds the API key: messages come from vendor bodies that the HTTP layer has already
 * scrubbed of the key, and no error carries request headers.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { BatchStatus } from "./Batch.js"
import type { VendorErrorBody } from "./VendorErrorBody.js"

const common = {
  provider: Schema.String,
  operation: Schema.String,
  message: Schema.String,
  requestId: Schema.optional(Schema.String),
  /** For a results read that failed after it had delivered items: how many (they are not read again). */
  itemsDelivered: Schema.optional(Schema.Number)
}

const id = (tag: string) => `@batchctl/core/BatchError/${tag}`

/**
 * The batch's state forbids the operation (cancel of a finished batch, results of a running one).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidBatchState extends Schema.TaggedError<InvalidBatchState>(id("InvalidBatchState"))(
  "InvalidBatchState",
  {
    ...common,
    batchId: Schema.String,
    httpStatus: Schema.optional(Schema.Number),
    vendorStatus: Schema.optional(Schema.String),
    /**
     * The normalized status behind `vendorStatus`, when the adapter saw the batch. A refused
     * cancel whose `status` is not terminal is a temporary refusal: the batch is still running.
     */
    status: Schema.optional(BatchStatus),
    /** For a refused cancel whose follow-up retrieve failed: that failure (the status is then unknown). */
    cause: Schema.optional(Schema.Defect)
  }
) {}

/**
 * 404 for the batch.
 *
 * @since 0.1.0
 * @category errors
 */
export class BatchNotFound extends Schema.TaggedError<BatchNotFound>(id("BatchNotFound"))("BatchNotFound", {
  ...common,
  batchId: Schema.String,
  httpStatus: Schema.Number
}) {}

/**
 * 401: the key is missing, wrong or revoked.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>(id("Unauthorized"))("Unauthorized", {
  ...common,
  httpStatus: Schema.Number
}) {}

/**
 * 403: the key is valid but may not do this.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>(id("PermissionDenied"))("PermissionDenied", {
  ...common,
  httpStatus: Schema.Number
}) {}

/**
 * 402, or a 429 whose body says the quota or spend cap is used up. Never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class QuotaExceeded extends Schema.TaggedError<QuotaExceeded>(id("QuotaExceeded"))("QuotaExceeded", {
  ...common,
  httpStatus: Schema.Number
}) {}

/**
 * Any other 4xx (400, 413, 422 …), and ids or options refused before any request is sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>(id("InvalidRequest"))("InvalidRequest", {
  ...common,
  httpStatus: Schema.optional(Schema.Number),
  details: Schema.optional(Schema.Unknown)
}) {}

/**
 * 429 still failing after the retries.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>(id("RateLimited"))("RateLimited", {
  ...common,
  httpStatus: Schema.Number,
  retryAfterMs: Schema.optional(Schema.Number)
}) {}

/**
 * 500, 502, 503, 504, 529 (and 408) still failing after the retries.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProviderUnavailable extends Schema.TaggedError<ProviderUnavailable>(id("ProviderUnavailable"))(
  "ProviderUnavailable",
  { ...common, httpStatus: Schema.Number }
) {}

/**
 * No HTTP response at all (refused, reset, DNS, timed out), or a streamed body (results) that broke off
 * or stalled after its head arrived. `method` and `url` name the request (never the key); `cause` is the
 * underlying error (e.g. `ECONNREFUSED`); `itemsDelivered` says, for a results read that broke off, how
 * many items had already been delivered (the read is not started again: the caller has them).
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportFailure extends Schema.TaggedError<TransportFailure>(id("TransportFailure"))("TransportFailure", {
  ...common,
  method: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * A response the adapter cannot read: a 2xx that does not decode, an HTML page, an empty body, or a
 * body larger than the adapter's `maxBodyBytes` (then `maxBodyBytes` says the bound it passed, so that a
 * caller can ask for less, as `Lifecycle.listPage` does).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>(id("UnexpectedResponse"))(
  "UnexpectedResponse",
  { ...common, httpStatus: Schema.optional(Schema.Number), maxBodyBytes: Schema.optional(Schema.Number) }
) {}

/**
 * The vendor or the adapter cannot do the operation (501).
 *
 * @since 0.1.0
 * @category errors
 */
export class Unsupported extends Schema.TaggedError<Unsupported>(id("Unsupported"))("Unsupported", common) {}

/**
 * The batch exists and is terminal, but its results cannot be read any more (or were never published):
 * `archived` (Anthropic `archived_at` is set: "its results became unavailable"), `no-results-url`
 * (an ended Anthropic batch without `results_url`: no URL is guessed), `file-gone` (the output or error
 * file the batch names answers 404, e.g. an OpenAI output file past its expiry), `no-results` (the batch
 * names neither inline results nor files although it counts finished requests). Not retried: waiting does
 * not bring them back.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResultsUnavailable extends Schema.TaggedError<ResultsUnavailable>(id("ResultsUnavailable"))(
  "ResultsUnavailable",
  {
    ...common,
    batchId: Schema.String,
    reason: Schema.Literal("archived", "no-results-url", "file-gone", "no-results"),
    httpStatus: Schema.optional(Schema.Number),
    /** The file that answered 404, for `file-gone`. */
    fileId: Schema.optional(Schema.String)
  }
) {}

/**
 * `awaitTerminal` (or `cancelAndWait`) gave up at its deadline. `lastStatus` is the status it saw last.
 * Not a vendor failure, so not in {@link BatchError}; {@link isBatchError} recognises it all the same.
 *
 * @since 0.1.0
 * @category errors
 */
export class WaitTimedOut extends Schema.TaggedError<WaitTimedOut>("@batchctl/core/Lifecycle/WaitTimedOut")(
  "WaitTimedOut",
  {
    provider: Schema.String,
    batchId: Schema.String,
    message: Schema.String,
    lastStatus: Schema.optional(Schema.String)
  }
) {}

/**
 * @since 0.1.0
 * @category errors
 */
export type BatchError =
  | InvalidBatchState
  | BatchNotFound
  | Unauthorized
  | PermissionDenied
  | QuotaExceeded
  | InvalidRequest
  | RateLimited
  | ProviderUnavailable
  | TransportFailure
  | UnexpectedResponse
  | Unsupported
  | ResultsUnavailable

/**
 * The same error, saying that a results read failed after it had delivered `count` items: a failure
 * opening the second file of an OpenAI-style batch, or a line that cannot be read, after the items
 * before it. An error that already says how many is returned as is.
 *
 * @since 0.1.0
 * @category constructors
 */
export const withItemsDelivered = (error: BatchError, count: number): BatchError =>
  error.itemsDelivered !== undefined
    ? error
    : rebuild(error, {
        message: `${error.message} (after ${count} item(s) had been delivered; they are not read again)`,
        itemsDelivered: count
      })

/**
 * The same error with `scrub` applied to every text it shows: the message, the request id, the URL and
 * every string inside the vendor's details (its ids and statuses are data, and stay as they are). For the
 * HTTP layer, which scrubs the key from what is shown, never from the data it decodes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const redacted = (error: BatchError, scrub: (text: string) => string): BatchError => {
  const more: { message: string; requestId?: string; url?: string; details?: unknown } = {
    message: scrub(error.message)
  }
  if (error.requestId !== undefined) more.requestId = scrub(error.requestId)
  if (error._tag === "TransportFailure" && error.url !== undefined) more.url = scrub(error.url)
  if (error._tag === "InvalidRequest" && error.details !== undefined) more.details = scrubDeep(error.details, scrub, 32)
  const changed =
    more.message !== error.message ||
    more.requestId !== error.requestId ||
    (error._tag === "TransportFailure" && more.url !== error.url) ||
    (error._tag === "InvalidRequest" &&
      more.details !== undefined &&
      JSON.stringify(more.details) !== JSON.stringify(error.details))
  return changed ? rebuild(error, more) : error
}

const scrubDeep = (value: unknown, scrub: (text: string) => string, depth: number): unknown => {
  if (typeof value === "string") return scrub(value)
  if (depth <= 0 || typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub, depth - 1))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrub(k), scrubDeep(v, scrub, depth - 1)]))
}

/** The same error with some fields replaced. `message` and `cause` are not enumerable on an error: carried over by name. */
const rebuild = (
  error: BatchError,
  more: Partial<Record<string, unknown>> & { readonly message: string }
): BatchError => {
  switch (error._tag) {
    case "InvalidBatchState":
      return new InvalidBatchState({ ...error, ...more, ...(error.cause === undefined ? {} : { cause: error.cause }) })
    case "BatchNotFound":
      return new BatchNotFound({ ...error, ...more })
    case "Unauthorized":
      return new Unauthorized({ ...error, ...more })
    case "PermissionDenied":
      return new PermissionDenied({ ...error, ...more })
    case "QuotaExceeded":
      return new QuotaExceeded({ ...error, ...more })
    case "InvalidRequest":
      return new InvalidRequest({ ...error, ...more })
    case "RateLimited":
      return new RateLimited({ ...error, ...more })
    case "ProviderUnavailable":
      return new ProviderUnavailable({ ...error, ...more })
    case "TransportFailure":
      return new TransportFailure({ ...error, ...more, ...(error.cause === undefined ? {} : { cause: error.cause }) })
    case "UnexpectedResponse":
      return new UnexpectedResponse({ ...error, ...more })
    case "Unsupported":
      return new Unsupported({ ...error, ...more })
    case "ResultsUnavailable":
      return new ResultsUnavailable({ ...error, ...more })
  }
}

/**
 * Decodes any error of the vocabulary from its JSON form (e.g. a fixture's `expect.error` or a CLI report).
 *
 * @since 0.1.0
 * @category schemas
 */
export const BatchError = Schema.Union(
  InvalidBatchState,
  BatchNotFound,
  Unauthorized,
  PermissionDenied,
  QuotaExceeded,
  InvalidRequest,
  RateLimited,
  ProviderUnavailable,
  TransportFailure,
  UnexpectedResponse,
  Unsupported,
  ResultsUnavailable
)

/**
 * @since 0.1.0
 * @category models
 */
export type Tag = BatchError["_tag"]

const tags: ReadonlySet<string> = new Set<Tag | "WaitTimedOut">([
  "WaitTimedOut",
  "InvalidBatchState",
  "BatchNotFound",
  "Unauthorized",
  "PermissionDenied",
  "QuotaExceeded",
  "InvalidRequest",
  "RateLimited",
  "ProviderUnavailable",
  "TransportFailure",
  "UnexpectedResponse",
  "Unsupported",
  "ResultsUnavailable"
])

/**
 * Whether `u` is any error batchctl rejects or fails with: a {@link BatchError}, or {@link WaitTimedOut}
 * from the waiting helpers. The one predicate a Promise user needs in a `catch`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isBatchError = (u: unknown): u is BatchError | WaitTimedOut =>
  typeof u === "object" &&
  u !== null &&
  "_tag" in u &&
  typeof u._tag === "string" &&
  tags.has(u._tag) &&
  u instanceof Error

/**
 * Whether trying again later can help (rate limits, outages, transport failures).
 *
 * @since 0.1.0
 * @category guards
 */
export const isRetryable = (error: BatchError): boolean =>
  error._tag === "RateLimited" || error._tag === "ProviderUnavailable" || error._tag === "TransportFailure"

/**
 * Statuses that are retried with backoff before the failure is reported, as the official SDKs do: 408,
 * 429 and every 5xx (505, Cloudflare's 520–524 and Anthropic's 529 included) except 501, which says the
 * operation is not implemented (MeshAPI's `not_implemented`) and does not change on a retry. A 409 is
 * retried too, but only outside a cancel (a lock timeout), which the HTTP layer decides.
 *
 * @since 0.1.0
 * @category mapping
 */
export const isTransientStatus = (status: number): boolean =>
  status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501)

/**
 * The error codes that say, whatever the vendor, that the quota or spend cap is used up (compared
 * lower-cased). A vendor with another code names it in `VendorHttp.Vendor.quotaCodes`, or decides in
 * its own error-body reader (`VendorErrorBody.quota`).
 *
 * @since 0.2.0
 * @category mapping
 */
export const quotaCodes: ReadonlyArray<string> = [
  "insufficient_quota",
  "billing_error",
  "billing_hard_limit_reached",
  "spend_limit_exceeded",
  "enforced_spend_limit_reached",
  "quota_exceeded",
  // Azure OpenAI's Microsoft-style `quotaExceeded`, compared lower-cased.
  "quotaexceeded",
  "insufficient_balance",
  "exceeded_current_quota_error"
]

const QUOTA_CODES = new Set(quotaCodes)

/**
 * Whether a vendor error body says, by its error code, that the quota or spend cap is used up (as
 * opposed to a rate limit): its `quota` when a vendor's own reader set it, else one of {@link quotaCodes}.
 * Only codes count, never the message's words: a gateway's upstream "Quota exceeded for metric … per
 * minute" is a rate limit that passes.
 *
 * @since 0.1.0
 * @category mapping
 */
export const isQuotaBody = (body: VendorErrorBody): boolean =>
  body.quota ?? body.codes.some((code) => QUOTA_CODES.has(code.toLowerCase()))

/**
 * Whether a failed response is a used-up quota or spend cap: 402, or a 429 whose body says so. Such a
 * failure is `QuotaExceeded` and is never retried (waiting does not refill it).
 *
 * @since 0.1.0
 * @category mapping
 */
export const isQuotaFailure = (status: number, body: VendorErrorBody): boolean =>
  status === 402 || (status === 429 && isQuotaBody(body))

/**
 * What the HTTP layer knows about a failed response.
 *
 * @since 0.1.0
 * @category mapping
 */
export interface HttpFailure {
  readonly provider: string
  readonly operation: string
  readonly status: number
  readonly body: VendorErrorBody
  readonly batchId?: string | undefined
  readonly requestId?: string | undefined
  readonly retryAfterMs?: number | undefined
  /** The adapter has recognised an invalid-state refusal (e.g. OpenAI's 409 on cancel). */
  readonly invalidState?: boolean | undefined
}

const describe = (f: HttpFailure, what: string): string => {
  const subject = f.batchId === undefined ? f.operation : `${f.operation} ${f.batchId}`
  const vendor = f.body.message === undefined ? "" : `: ${f.body.message}`
  return `${f.provider} ${subject} failed with HTTP ${f.status} (${what})${vendor}`
}

/**
 * The one place where an HTTP status and a leniently parsed vendor error body become an error tag.
 *
 * @since 0.1.0
 * @category mapping
 */
export const fromHttp = (f: HttpFailure): BatchError => {
  const base = {
    provider: f.provider,
    operation: f.operation,
    ...(f.requestId === undefined ? {} : { requestId: f.requestId })
  }
  const status = f.status
  if (f.invalidState === true && f.batchId !== undefined) {
    return new InvalidBatchState({
      ...base,
      batchId: f.batchId,
      httpStatus: status,
      message: describe(f, "invalid batch state")
    })
  }
  if (status === 401) return new Unauthorized({ ...base, httpStatus: status, message: describe(f, "unauthorized") })
  if (isQuotaFailure(status, f.body)) {
    return new QuotaExceeded({ ...base, httpStatus: status, message: describe(f, "quota exceeded") })
  }
  if (status === 403) {
    return new PermissionDenied({ ...base, httpStatus: status, message: describe(f, "permission denied") })
  }
  if (status === 404 && f.batchId !== undefined) {
    return new BatchNotFound({ ...base, batchId: f.batchId, httpStatus: status, message: describe(f, "not found") })
  }
  if (status === 429) {
    return new RateLimited({
      ...base,
      httpStatus: status,
      message: describe(f, "rate limited"),
      ...(f.retryAfterMs === undefined ? {} : { retryAfterMs: f.retryAfterMs })
    })
  }
  if (status === 501) return new Unsupported({ ...base, message: describe(f, "not supported") })
  if (status === 408 || status >= 500) {
    return new ProviderUnavailable({ ...base, httpStatus: status, message: describe(f, "provider unavailable") })
  }
  if (status >= 400 && f.body.garbled === true) {
    // A 400/409/422 is a verdict only through its body (a refusal for the batch's state, or a bad
    // request): cut off, it says nothing certain. Not final for a bulk cancel, which sends it again.
    return new UnexpectedResponse({
      ...base,
      httpStatus: status,
      message: describe(f, "an error answer whose body was cut off or garbled")
    })
  }
  if (status >= 400) {
    return new InvalidRequest({
      ...base,
      httpStatus: status,
      message: describe(f, "invalid request"),
      ...(f.body.details === undefined ? {} : { details: f.body.details })
    })
  }
  return new UnexpectedResponse({ ...base, httpStatus: status, message: describe(f, "unexpected status") })
}
