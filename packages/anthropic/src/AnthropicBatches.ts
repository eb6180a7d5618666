/**
 * The Anthropic Message Batches adapter: `x-api-key` (or a bearer token) plus `anthropic-version`,
 * paths under `/v1/messages/batches`, `ended` split into cancelled / expired / completed, five count
 * buckets, `after_id` paging, results as JSONL from `results_url`.
 *
 * @since 0.1.0
 */
import * as Adapter from "@batchctl/core/Adapter"
import * as Batch from "@batchctl/core/Batch"
import * as BatchError from "@batchctl/core/BatchError"
import * as BatchId from "@batchctl/core/BatchId"
import * as BatchProvider from "@batchctl/core/BatchProvider"
import * as Create from "@batchctl/core/Create"
import * as Results from "@batchctl/core/Results"
import * as Timestamp from "@batchctl/core/Timestamp"
import * as Wire from "@batchctl/core/Wire"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import { version } from "./version.js"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Predicate from "effect/Predicate"

/**
 * @since 0.1.0
 * @category tags
 */
export class AnthropicBatches extends Context.Tag("@batchctl/anthropic/AnthropicBatches")<
  AnthropicBatches,
  BatchProvider.Service
>() {}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.anthropic.com"

/**
 * @since 0.1.0
 * @category constants
 */
export const apiVersion = "2023-06-01"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends VendorHttp.ClientOptions {
  /** `"x-api-key"` (default) for API keys, `"bearer"` for OAuth / bearer tokens. */
  readonly auth?: "x-api-key" | "bearer" | undefined
  /** Sent as `anthropic-workspace-id`. */
  readonly workspaceId?: string | undefined
}

const maybe = Wire.optionalOrNull
const timestamp = Schema.optional(Timestamp.Lenient)

/**
 * A MessageBatch as Anthropic sends it; unknown fields pass.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireBatch = Schema.Struct({
  id: Schema.String,
  processing_status: maybe(Schema.String),
  request_counts: maybe(
    Schema.Struct({
      processing: maybe(Schema.Number),
      succeeded: maybe(Schema.Number),
      errored: maybe(Schema.Number),
      canceled: maybe(Schema.Number),
      expired: maybe(Schema.Number)
    })
  ),
  created_at: timestamp,
  expires_at: timestamp,
  ended_at: timestamp,
  // Kept as sent: that it is set decides `cancelled`, whether or not it reads as a timestamp.
  cancel_initiated_at: Schema.optional(Schema.Unknown),
  archived_at: Schema.optional(Schema.Unknown),
  results_url: maybe(Schema.String)
})

/**
 * @since 0.1.0
 * @category schemas
 */
export type WireBatch = typeof WireBatch.Type

const WirePage = Schema.Struct({
  data: Schema.Array(WireBatch),
  has_more: maybe(Schema.Boolean),
  first_id: maybe(Schema.String),
  last_id: maybe(Schema.String)
})

/**
 * `in_progress` → `in_progress`; `canceling` → `cancelling`; `ended` → `cancelled` if a cancel was
 * initiated (`cancel_initiated_at` set, whether or not it reads as a timestamp), else `expired` if any
 * request expired, else `completed`.
 *
 * @since 0.1.0
 * @category normalizing
 */
export const toStatus = (wire: WireBatch): Batch.BatchStatus => {
  switch (wire.processing_status) {
    case "in_progress":
      return "in_progress"
    case "canceling":
      return "cancelling"
    case "ended":
      if (wire.cancel_initiated_at !== undefined && wire.cancel_initiated_at !== null) return "cancelled"
      if ((wire.request_counts?.expired ?? 0) > 0) return "expired"
      return "completed"
    default:
      return "unknown"
  }
}

/**
 * @since 0.1.0
 * @category normalizing
 */
export const toBatch = (wire: WireBatch, raw: unknown): Batch.Batch => {
  const c = wire.request_counts
  const buckets = c == null ? [] : [c.processing, c.succeeded, c.errored, c.canceled, c.expired]
  const known = buckets.filter((n): n is number => typeof n === "number")
  // "Requests start as processing and move to one of the other statuses only once processing of the
  // entire batch ends"; succeeded, errored, canceled and expired are each "zero until processing of the
  // entire Message Batch has ended" (MessageBatchRequestCounts in the official SDK). Before `ended` those
  // zeros are not counts, so they are left out; `processing` and the total are.
  const ended = wire.processing_status === "ended"
  return Batch.make({
    id: wire.id,
    provider: "anthropic",
    status: toStatus(wire),
    vendorStatus: wire.processing_status ?? "",
    counts:
      c == null
        ? {}
        : {
            processing: c.processing,
            succeeded: ended ? c.succeeded : undefined,
            failed: ended ? c.errored : undefined,
            cancelled: ended ? c.canceled : undefined,
            expired: ended ? c.expired : undefined,
            // The total is the sum of the five buckets, so it is only known when all five are.
            total: known.length === buckets.length ? known.reduce((a, b) => a + b, 0) : undefined
          },
    createdAt: wire.created_at,
    expiresAt: wire.expires_at,
    cancelRequestedAt: Timestamp.fromVendor(wire.cancel_initiated_at),
    endedAt: wire.ended_at,
    resultsUrl: wire.results_url,
    raw
  })
}

const isRecord = Predicate.isRecord

/**
 * Anthropic's fields of a batch that the normalized batch does not carry (or carries normalized), typed,
 * each as Anthropic sent it: `archived_at` (set once "its results became unavailable"), `results_url`,
 * `request_counts` with all five buckets as sent (zeros included), `type`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Extras {
  readonly archived_at?: string | null | undefined
  readonly results_url?: string | null | undefined
  readonly type?: string | undefined
  readonly request_counts?:
    | {
        readonly processing?: number | undefined
        readonly succeeded?: number | undefined
        readonly errored?: number | undefined
        readonly canceled?: number | undefined
        readonly expired?: number | undefined
      }
    | undefined
}

const field = Wire.field

const Count = Schema.optional(Schema.Number)

/**
 * The typed Anthropic extras of a batch, read from `batch.raw` without a cast.
 *
 * @since 0.1.0
 * @category accessors
 */
export const extras = (batch: Batch.Batch): Extras => {
  const out: { -readonly [K in keyof Extras]: Extras[K] } = {}
  const archived = field(Schema.NullOr(Schema.String), batch.raw, "archived_at")
  if (archived !== undefined) out.archived_at = archived
  const url = field(Schema.NullOr(Schema.String), batch.raw, "results_url")
  if (url !== undefined) out.results_url = url
  const type = field(Schema.String, batch.raw, "type")
  if (type !== undefined) out.type = type
  const counts = field(
    Schema.Struct({ processing: Count, succeeded: Count, errored: Count, canceled: Count, expired: Count }),
    batch.raw,
    "request_counts"
  )
  if (counts !== undefined) out.request_counts = counts
  return out
}

// A Map so that a line typed `constructor` or `toString` is not read off `Object.prototype`.
const OUTCOMES: ReadonlyMap<string, Batch.ResultOutcome> = new Map([
  ["succeeded", "succeeded"],
  ["errored", "errored"],
  ["canceled", "cancelled"],
  ["cancelled", "cancelled"],
  ["expired", "expired"]
])

/**
 * A line of Anthropic's results JSONL as Anthropic writes it:
 * `{"custom_id", "result": {"type", "message"?, "error"?}}`; `message` and `error` are kept as sent
 * (`null` read as absent).
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireResultLine = Schema.Struct({
  custom_id: Schema.String,
  result: Schema.Struct({
    type: Schema.String,
    message: Schema.optional(Schema.Unknown),
    error: Schema.optional(Schema.Unknown)
  })
})

/**
 * @since 0.1.0
 * @category schemas
 */
export type WireResultLine = typeof WireResultLine.Type

// Derived from the schema, run as plain code: it runs once per line of a results file.
const decodeResultLine = Results.lineDecoder(WireResultLine)

/**
 * One line of the results JSONL, read with {@link WireResultLine}; a line whose `result.type` is not one
 * of Anthropic's outcomes cannot be read.
 *
 * @since 0.1.0
 * @category normalizing
 */
export const toResult = (value: unknown): Batch.ResultItem | undefined => {
  const line = decodeResultLine(value)
  if (line === undefined) return undefined
  const { custom_id, result } = line
  const outcome = OUTCOMES.get(result.type)
  if (outcome === undefined) return undefined
  return Batch.makeResult({
    customId: custom_id,
    outcome,
    response: result.message ?? undefined,
    error: result.error ?? undefined
  })
}

/**
 * What Anthropic answers to a delete: `{"id", "type": "message_batch_deleted"}`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DeletedBatch = Schema.Struct({ id: Schema.String, type: Schema.optional(Schema.String) })

/**
 * @since 0.1.0
 * @category models
 */
export type DeletedBatch = typeof DeletedBatch.Type

/**
 * Anthropic's batch calls beyond the common four: `delete` and backward paging (`before_id`).
 *
 * @since 0.1.0
 * @category models
 */
export interface More {
  /**
   * Deletes an ended batch (`DELETE /v1/messages/batches/{id}`). "Message Batches can only be deleted once
   * they've finished processing": the vendor's refusal (409, or a 400 about the state) fails with
   * `InvalidBatchState`, carrying the status one retrieve then sees.
   */
  readonly delete: (batchId: string) => Effect.Effect<DeletedBatch, BatchError.BatchError>
  /**
   * One page of the batches created before `before` (`before_id`); `nextCursor` pages further back. The
   * same as `list({ before, limit })`, which the Promise client has too.
   */
  readonly listBefore: (options: {
    readonly before: string
    readonly limit?: number | undefined
  }) => Effect.Effect<Batch.Page, BatchError.BatchError>
}

// The calls beyond the common four, found from the service the layer provides (no cast, no second client).
const more = new WeakMap<BatchProvider.Service, More>()

const notThisAdapter = (operation: string) =>
  new BatchError.Unsupported({
    provider: "anthropic",
    operation,
    message: `anthropic ${operation}: the AnthropicBatches service in context was not built by this adapter`
  })

/**
 * Deletes an ended batch; see {@link More.delete}.
 *
 * @since 0.1.0
 * @category operations
 */
export const deleteBatch = (batchId: string): Effect.Effect<DeletedBatch, BatchError.BatchError, AnthropicBatches> =>
  Effect.flatMap(AnthropicBatches, (service) => {
    const calls = more.get(service)
    return calls === undefined ? Effect.fail(notThisAdapter("delete")) : calls.delete(batchId)
  })

/**
 * One page of batches created before `before`; see {@link More.listBefore}.
 *
 * @since 0.1.0
 * @category operations
 */
export const listBefore = (options: {
  readonly before: string
  readonly limit?: number | undefined
}): Effect.Effect<Batch.Page, BatchError.BatchError, AnthropicBatches> =>
  Effect.flatMap(AnthropicBatches, (service) => {
    const calls = more.get(service)
    return calls === undefined ? Effect.fail(notThisAdapter("list")) : calls.listBefore(options)
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<BatchProvider.Service, never, HttpClient.HttpClient> =>
  Effect.map(
    VendorHttp.makeFor(
      {
        provider: "anthropic",
        defaultBaseUrl,
        userAgent: VendorHttp.userAgent("@batchctl/anthropic", version),
        auth: options.auth === "bearer" ? VendorHttp.bearer : VendorHttp.header("x-api-key"),
        headers: {
          "anthropic-version": apiVersion,
          ...(options.workspaceId === undefined ? {} : { "anthropic-workspace-id": options.workspaceId })
        },
        invalidState
      },
      options
    ),
    (http) => {
      const adapter = makeAdapter(http)
      const service = BatchProvider.make(adapter)
      more.set(service, moreCalls(http, adapter))
      return service
    }
  )

const base = "/v1/messages/batches"

const DELETE_STATE_TEXT =
  /(cannot|can't|can not|unable to) (be )?delete|still processing|finished processing|not (yet )?ended|in progress|cancel it first/i

const ANTHROPIC_STATE_TEXT = /processing[_ ]status|\b(ended|canceling|in_progress)\b/i

/**
 * Which failures of a cancel are invalid-state refusals: a 409, or a 400 whose message talks about the
 * batch's state (`cannot be canceled`, `processing_status is ended`). Any other 400 (a spend limit, a
 * malformed request) keeps its own tag: every Anthropic 400 is `invalid_request_error`, so only the
 * message can tell them apart.
 *
 * @since 0.1.0
 * @category mapping
 */
export const invalidState: VendorHttp.InvalidStatePredicate = (failure) =>
  VendorHttp.defaultInvalidState(failure) ||
  (failure.operation === "cancel" && failure.status === 400 && ANTHROPIC_STATE_TEXT.test(failure.body.message ?? "")) ||
  (failure.operation === "delete" &&
    (failure.status === 409 ||
      (failure.status === 400 &&
        (ANTHROPIC_STATE_TEXT.test(failure.body.message ?? "") || DELETE_STATE_TEXT.test(failure.body.message ?? "")))))

const makeAdapter = (http: VendorHttp.VendorHttp): BatchProvider.Adapter => {
  const one = (request: HttpClientRequest.HttpClientRequest, operation: string, batchId: string) =>
    Effect.map(http.json(WireBatch, request, { operation, batchId }), ({ value, raw }) => toBatch(value, raw))

  const list = (options: Batch.ListOptions) => {
    const params: Record<string, string> = {}
    if (options.limit !== undefined) params.limit = String(options.limit)
    // Backward (`before`): `after` is then the cursor a previous backward page handed out.
    const backward = options.before !== undefined
    const before = options.before === undefined ? undefined : (options.after ?? options.before)
    if (before !== undefined) params.before_id = before
    else if (options.after !== undefined) params.after_id = options.after
    const checked = before === undefined ? Effect.void : BatchId.check("anthropic", "list", before)
    return Effect.flatMap(checked, () =>
      Effect.map(
        http.json(WirePage, HttpClientRequest.get(base, { urlParams: params }), { operation: "list" }),
        ({ value, raw }) => {
          const rawItems = isRecord(raw) && Array.isArray(raw.data) ? raw.data : []
          const batches = value.data.map((wire, i) => toBatch(wire, rawItems[i]))
          // Backward, the next page is before the first batch of this one.
          return backward
            ? Batch.pageOf(batches, value.has_more === true, value.first_id ?? batches.at(0)?.id)
            : Batch.pageOf(batches, value.has_more === true, value.last_id)
        }
      )
    )
  }

  // The results live at `results_url`, and only there: no URL is built when the vendor gave none. It is
  // used as is when it is on the configured API origin; otherwise (a proxy, the emulator) its path is
  // resolved against the base URL so the key never leaves it.
  const resultsRequest = (url: string): HttpClientRequest.HttpClientRequest | undefined => {
    try {
      const target = new URL(url)
      const api = new URL(http.baseUrl)
      if (target.origin === api.origin) return HttpClientRequest.get(url)
      return HttpClientRequest.get(`${target.pathname}${target.search}`)
    } catch {
      return undefined
    }
  }

  const unavailable = (batch: Batch.Batch, reason: "archived" | "no-results-url", why: string) =>
    Stream.fail(
      new BatchError.ResultsUnavailable({
        provider: "anthropic",
        operation: "results",
        batchId: batch.id,
        reason,
        message: `anthropic results ${batch.id}: ${why}`
      })
    )

  const results = (batch: Batch.Batch) => {
    const archivedAt = isRecord(batch.raw) ? batch.raw.archived_at : undefined
    if (archivedAt !== undefined && archivedAt !== null) {
      return unavailable(
        batch,
        "archived",
        `the batch was archived at ${String(archivedAt)} and its results became unavailable`
      )
    }
    if (batch.resultsUrl === undefined) {
      return unavailable(batch, "no-results-url", `the batch is ${batch.vendorStatus} but names no results_url`)
    }
    const request = resultsRequest(batch.resultsUrl)
    if (request === undefined) {
      return unavailable(batch, "no-results-url", `the batch's results_url is not a URL: ${batch.resultsUrl}`)
    }
    return Results.streamJsonl(
      http,
      HttpClientRequest.setHeader(request, "accept", "application/binary"),
      { provider: "anthropic", batchId: batch.id, what: "the results file" },
      toResult
    )
  }

  return {
    provider: "anthropic",
    cancel: (ref) => one(HttpClientRequest.post(`${base}/${ref.segment}/cancel`), "cancel", ref.id),
    retrieve: (ref) => one(HttpClientRequest.get(`${base}/${ref.segment}`), "retrieve", ref.id),
    list,
    results,
    create: creator(http)
  }
}

/**
 * Anthropic's create: the requests inline as `{custom_id, params}`, ≤100,000 requests or 256 MB per
 * batch, `custom_id` matching `^[a-zA-Z0-9_-]{1,64}$`, `max_tokens` ≥ 1 and no `stream` [DOC]
 * (batch-processing, the Message Batches reference). No endpoint, window or metadata: the window is a
 * fixed 24 h.
 *
 * @since 0.2.0
 * @category create
 */
export const createSpec: Create.Spec = {
  provider: "anthropic",
  transport: "inline",
  maxRequests: 100_000,
  maxBytes: 256 * 2 ** 20,
  sameModel: false,
  customIdPattern: /^[a-zA-Z0-9_-]{1,64}$/,
  line: (request) => ({ custom_id: request.customId, params: request.body }),
  lineKeys: ["custom_id", "params"],
  checkBody: (body) => {
    if (body.stream === true) return "stream is not allowed in a batch"
    const max = body.max_tokens
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1)
      return "max_tokens must be a whole number of at least 1"
    return undefined
  }
}

const creator = (http: VendorHttp.VendorHttp): BatchProvider.Creator => ({
  spec: createSpec,
  plan: (prepared, options) => [
    {
      method: "POST",
      path: base,
      body: { requests: `<${prepared.requests} request(s)>`, ...Create.vendorFields(options) }
    }
  ],
  // Anthropic keeps nothing of a create that a list shows (no metadata, no file): a lost answer is not
  // sent again, and the caller is told what to look for.
  create: (prepared, options) =>
    Create.submitOnce({
      provider: "anthropic",
      requests: prepared.requests,
      send: Effect.map(
        http.json(
          WireBatch,
          HttpClientRequest.setBody(
            HttpClientRequest.post(base),
            Create.inlineJson(prepared, "requests", Create.vendorFields(options), { onProgress: options.onProgress })
          ),
          { operation: "create", retry: { maxAttempts: 1 }, timeoutMs: Create.uploadTimeoutMs(prepared.bytes) }
        ),
        ({ value, raw }) => toBatch(value, raw)
      ),
      check: `list the batches (newest first) and look for one with ${prepared.requests} request(s)`
    })
})

const moreCalls = (http: VendorHttp.VendorHttp, adapter: BatchProvider.Adapter): More => {
  const refused = (ref: BatchId.BatchRef, batch: Batch.Batch, httpStatus?: number) =>
    new BatchError.InvalidBatchState({
      provider: "anthropic",
      operation: "delete",
      batchId: ref.id,
      vendorStatus: batch.vendorStatus,
      message: `anthropic delete ${ref.id}: the batch is ${batch.vendorStatus} and can only be deleted once it has ended (cancel it first)`,
      ...(httpStatus === undefined ? {} : { httpStatus })
    })

  const span = { attributes: { provider: "anthropic" } }
  const deleteRef = (ref: BatchId.BatchRef): Effect.Effect<DeletedBatch, BatchError.BatchError> =>
    http
      .json(DeletedBatch, HttpClientRequest.del(`${base}/${ref.segment}`), { operation: "delete", batchId: ref.id })
      .pipe(
        Effect.map(({ value }) => value),
        // The vendor's refusal says the state forbids it; one retrieve says which state (kept as is when
        // that retrieve fails).
        Effect.catchTag("InvalidBatchState", (refusal) =>
          adapter.retrieve(ref).pipe(
            Effect.matchEffect({
              onFailure: () => Effect.fail(refusal),
              onSuccess: (batch) =>
                Effect.fail(
                  batch.terminal
                    ? new BatchError.InvalidBatchState({ ...refusal, vendorStatus: batch.vendorStatus })
                    : refused(ref, batch, refusal.httpStatus)
                )
            })
          )
        )
      )

  const remove = Effect.fn(
    "AnthropicBatches.delete",
    span
  )((batchId: string) =>
    Effect.zipRight(
      Effect.annotateCurrentSpan("batchId", batchId),
      Effect.flatMap(BatchId.check("anthropic", "delete", batchId), deleteRef)
    )
  )

  const listBefore = Effect.fn(
    "AnthropicBatches.listBefore",
    span
  )((options: { readonly before: string; readonly limit?: number | undefined }) => {
    const { limit } = options
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      return Effect.fail(
        new BatchError.InvalidRequest({
          provider: "anthropic",
          operation: "list",
          message: "anthropic list: limit must be a positive integer"
        })
      )
    }
    return adapter.list(options)
  })

  return { delete: remove, listBefore }
}

const kit = Adapter.kit<AnthropicBatches, Options>({
  provider: "anthropic",
  tag: AnthropicBatches,
  envPrefix: "ANTHROPIC",
  make
})

/**
 * Provides {@link AnthropicBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`, `ANTHROPIC_TIMEOUT` and `ANTHROPIC_MAX_RETRIES`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = kit.layerConfig

/**
 * A Promise client over `node:http` (`NodeClient`).
 *
 * @since 0.1.0
 * @category promise
 */
export const client = kit.client

/**
 * The environment variables this adapter reads (`client()`, `layerConfig()`), with the option each sets.
 *
 * @since 0.1.0
 * @category config
 */
export const variables = kit.variables
