/**
 * The xAI batch API adapter (REST, `https://api.x.ai/v1`). xAI's batch has **no status field**: it is a
 * named container that requests are added to, with `state` counters (`num_requests`, `num_pending`,
 * `num_success`, `num_error`, `num_cancelled`), `cancel_time` and `expire_time`. The status is derived
 * here (see {@link toStatus}) and `vendorStatus` is empty. Cancel is `POST /batches/{id}:cancel`,
 * answered with the batch; a batch whose requests are all done can still be cancelled (200). Results are
 * paged JSON (`/batches/{id}/results?pagination_token=`), not files; the list pages with `limit` and
 * `pagination_token`. Errors are `{"code": "<gRPC status text>", "error": "<message>"}`, and a wrong key
 * is answered 400, read here as `Unauthorized`.
 *
 * @since 0.1.0
 */
import * as Adapter from "@batchctl/core/Adapter"
import * as Batch from "@batchctl/core/Batch"
import * as BatchError from "@batchctl/core/BatchError"
import type * as BatchId from "@batchctl/core/BatchId"
import * as BatchProvider from "@batchctl/core/BatchProvider"
import * as Create from "@batchctl/core/Create"
import * as Paging from "@batchctl/core/Paging"
import * as Timestamp from "@batchctl/core/Timestamp"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import * as Wire from "@batchctl/core/Wire"
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { version } from "./version.js"

/**
 * @since 0.1.0
 * @category tags
 */
export class XaiBatches extends Context.Tag("@batchctl/xai/XaiBatches")<XaiBatches, BatchProvider.Service>() {}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.x.ai/v1"

/**
 * @since 0.1.0
 * @category models
 */
export type Options = VendorHttp.ClientOptions

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/**
 * A time as xAI's reference shows it (a date, `"2025-11-11"`, read as its midnight UTC) or as RFC 3339;
 * `undefined` when it is neither.
 *
 * @since 0.1.0
 * @category schemas
 */
export const XaiTime: Schema.Schema<Date | undefined, unknown> = Schema.transform(Schema.Unknown, Schema.Unknown, {
  strict: true,
  decode: (value) =>
    typeof value === "string" && DATE_ONLY.test(value.trim())
      ? Timestamp.fromRfc3339(`${value.trim()}T00:00:00Z`)
      : Timestamp.fromRfc3339(value),
  encode: (value) => value
}) as unknown as Schema.Schema<Date | undefined, unknown>

const time = Schema.optional(XaiTime)
const count = Wire.lenientField(Schema.NonNegativeInt)

/**
 * A batch as xAI sends it; unknown fields pass.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireBatch = Schema.Struct({
  batch_id: Schema.String,
  create_time: time,
  expire_time: time,
  cancel_time: time,
  cancel_by_xai_message: Wire.optionalOrNull(Schema.String),
  state: Wire.optionalOrNull(
    Schema.Struct({
      num_requests: count,
      num_pending: count,
      num_success: count,
      num_error: count,
      num_cancelled: count
    })
  )
})

/**
 * @since 0.1.0
 * @category schemas
 */
export type WireBatch = typeof WireBatch.Type

/**
 * A list page: `{ batches, pagination_token }`; the token is absent, null or empty on the last page.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WirePage = Schema.Struct({
  batches: Wire.optionalOrNull(Schema.Array(WireBatch)),
  pagination_token: Wire.optionalOrNull(Schema.String)
})

/**
 * A results page: `{ results: [{ batch_request_id, batch_result: { response } | { error } }], pagination_token }`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireResults = Schema.Struct({
  results: Wire.optionalOrNull(Schema.Array(Schema.Unknown)),
  pagination_token: Wire.optionalOrNull(Schema.String)
})

/**
 * The status of a batch that has none, from what it says (the rule third-party adapters use too):
 * - `cancel_by_xai_message` set → `failed` (xAI stopped it, e.g. its input failed validation)
 * - `cancel_time` set → `cancelled`, or `cancelling` while requests are still pending
 * - requests, none pending → `completed`
 * - past `expire_time` → `expired`
 * - no request yet → `validating` (queued: waiting for requests to be added)
 * - else `in_progress`
 *
 * A `completed` batch can still take requests (xAI does not close it); batchctl reads "none pending" as
 * done, since that is when its results are all there.
 *
 * @since 0.1.0
 * @category normalizing
 */
export const toStatus = (wire: WireBatch, now: number): Batch.BatchStatus => {
  const state = wire.state
  const total = state?.num_requests
  const pending = state?.num_pending
  if (
    wire.cancel_by_xai_message !== undefined &&
    wire.cancel_by_xai_message !== null &&
    wire.cancel_by_xai_message !== ""
  ) {
    return "failed"
  }
  if (wire.cancel_time !== undefined) return pending !== undefined && pending > 0 ? "cancelling" : "cancelled"
  if (total !== undefined && total > 0 && pending === 0) return "completed"
  if (wire.expire_time !== undefined && wire.expire_time.getTime() < now) return "expired"
  if (total === 0) return "validating"
  if (total === undefined || pending === undefined) return "unknown"
  return "in_progress"
}

/**
 * @since 0.1.0
 * @category normalizing
 */
export const toBatch = (wire: WireBatch, raw: unknown, now: number): Batch.Batch => {
  const status = toStatus(wire, now)
  const state = wire.state
  return Batch.make({
    id: wire.batch_id,
    provider: "xai",
    status,
    // xAI sends no status word.
    vendorStatus: "",
    queued: status === "validating",
    counts:
      state === undefined || state === null
        ? {}
        : {
            total: state.num_requests,
            processing: state.num_pending,
            succeeded: state.num_success,
            failed: state.num_error,
            cancelled: state.num_cancelled
          },
    createdAt: wire.create_time,
    expiresAt: wire.expire_time,
    cancelRequestedAt: wire.cancel_time,
    endedAt: status === "cancelled" ? wire.cancel_time : status === "expired" ? wire.expire_time : undefined,
    raw
  })
}

const ResultLine = Schema.Struct({
  batch_request_id: Schema.String,
  batch_result: Schema.Struct({ response: Schema.optional(Schema.Unknown), error: Schema.optional(Schema.Unknown) })
})
const decodeResult = Schema.decodeUnknownOption(ResultLine)

/**
 * One result: `{batch_request_id, batch_result: {response} | {error}}` (the error a plain string in the
 * REST reference, a `google.rpc.Status` in the proto; kept as sent).
 *
 * @since 0.1.0
 * @category decoding
 */
export const resultItem = (value: unknown): Batch.ResultItem | undefined => {
  const line = decodeResult(value)
  if (Option.isNone(line)) return undefined
  const { batch_request_id, batch_result } = line.value
  const error = batch_result.error ?? undefined
  const response = batch_result.response ?? undefined
  if (error === undefined && response === undefined) return undefined
  return Batch.makeResult({
    customId: batch_request_id,
    outcome: error === undefined || error === null ? "succeeded" : "errored",
    response,
    error
  })
}

const WRONG_KEY = /incorrect api key|invalid api key|no api key/i
const NO_CREDITS = /available credits|spending limit/i

/**
 * xAI's own words over its statuses: a wrong key is answered 400 (`Unauthorized` here), and credits used
 * up 403 (`QuotaExceeded` here, not retried, as every vendor's used-up quota).
 */
const wrongKey = <A, E extends BatchError.BatchError, R>(
  effect: Effect.Effect<A, E | BatchError.Unauthorized | BatchError.QuotaExceeded, R>
) =>
  Effect.catchIf(
    effect,
    (e): e is E & (BatchError.InvalidRequest | BatchError.PermissionDenied) =>
      (e._tag === "InvalidRequest" && e.httpStatus === 400 && WRONG_KEY.test(e.message)) ||
      (e._tag === "PermissionDenied" && NO_CREDITS.test(e.message)),
    (e) => {
      const fields = {
        provider: e.provider,
        operation: e.operation,
        message: e.message,
        httpStatus: e._tag === "InvalidRequest" ? 400 : 403,
        ...(e.requestId === undefined ? {} : { requestId: e.requestId })
      }
      return Effect.fail(
        e._tag === "InvalidRequest" ? new BatchError.Unauthorized(fields) : new BatchError.QuotaExceeded(fields)
      )
    }
  )

const RESULTS_PAGE = 1000

/**
 * The adapter over an already-built `VendorHttp`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAdapter = (http: VendorHttp.VendorHttp): BatchProvider.Adapter => {
  const one = (request: HttpClientRequest.HttpClientRequest, operation: string, batchId: string) =>
    wrongKey(
      Effect.flatMap(http.json(WireBatch, request, { operation, batchId }), ({ value, raw }) =>
        Effect.map(Clock.currentTimeMillis, (now) => toBatch(value, raw, now))
      )
    )

  const list = (options: Batch.ListOptions) =>
    wrongKey(
      Effect.gen(function* () {
        yield* Paging.refuseBackward("xai", options)
        const urlParams: Record<string, string> = {}
        if (options.limit !== undefined) urlParams.limit = String(options.limit)
        if (options.after !== undefined) urlParams.pagination_token = options.after
        const { value, raw } = yield* http.json(WirePage, HttpClientRequest.get("/batches", { urlParams }), {
          operation: "list"
        })
        const now = yield* Clock.currentTimeMillis
        const rawItems = Predicate.isRecord(raw) && Array.isArray(raw.batches) ? raw.batches : []
        const batches = (value.batches ?? []).map((wire, i) => toBatch(wire, rawItems[i], now))
        return yield* Paging.fromToken("xai", batches, value.pagination_token)
      })
    )

  const resultsPage = (ref: BatchId.BatchRef, token: string | undefined) => {
    const urlParams: Record<string, string> = { limit: String(RESULTS_PAGE) }
    if (token !== undefined) urlParams.pagination_token = token
    return wrongKey(
      http.json(WireResults, HttpClientRequest.get(`/batches/${ref.segment}/results`, { urlParams }), {
        operation: "results",
        batchId: ref.id
      })
    ).pipe(
      Effect.flatMap(({ value }) => {
        const items: Array<Batch.ResultItem> = []
        for (const [i, entry] of (value.results ?? []).entries()) {
          const item = resultItem(entry)
          if (item === undefined) {
            return Effect.fail(
              new BatchError.UnexpectedResponse({
                provider: "xai",
                operation: "results",
                message: `xai results ${ref.id}: item ${i + 1} of a results page is not a result`
              })
            )
          }
          items.push(item)
        }
        const next = value.pagination_token ?? undefined
        // A token that comes back unchanged would page forever.
        if (next !== undefined && next !== "" && next === token) {
          return Effect.fail(
            new BatchError.UnexpectedResponse({
              provider: "xai",
              operation: "results",
              message: `xai results ${ref.id}: the results page token did not advance`
            })
          )
        }
        return Effect.succeed([items, next === "" ? undefined : next] as const)
      })
    )
  }

  const results = (_batch: Batch.Batch, ref: BatchId.BatchRef) =>
    Stream.paginateEffect(undefined as string | undefined, (token) =>
      Effect.map(
        resultsPage(ref, token),
        ([items, next]) => [items, next === undefined ? Option.none() : Option.some<string | undefined>(next)] as const
      )
    ).pipe(Stream.flattenIterables)

  const cancel = (ref: BatchId.BatchRef) =>
    one(HttpClientRequest.post(`/batches/${ref.segment}:cancel`), "cancel", ref.id)
  const retrieve = (ref: BatchId.BatchRef) => one(HttpClientRequest.get(`/batches/${ref.segment}`), "retrieve", ref.id)

  return {
    provider: "xai",
    cancel,
    retrieve,
    list,
    results,
    create: makeCreator(http, { list, retrieve, cancel })
  }
}

/**
 * The most bytes of one add call (`POST /batches/{id}/requests`): "≤25 MB per add call" [DOC], read as
 * 25,000,000 bytes (the smaller reading of MB).
 *
 * @since 0.1.0
 * @category create
 */
export const MAX_ADD_BYTES = 25_000_000

/**
 * xAI's create: an empty named batch (`POST /batches {name}`), then the requests added to it in calls of
 * at most {@link MAX_ADD_BYTES} (`{batch_requests: [{batch_request_id, batch_request: {chat_get_completion:
 * body}}]}`) [DOC] (docs.x.ai batch API). Chat completions only; no window, no metadata; no request count
 * limit (batches past 1M requests are throttled, not refused [DOC]). Each request must fit in one add call
 * (checked before anything is sent).
 *
 * @since 0.1.0
 * @category create
 */
export const createSpec: Create.Spec = {
  provider: "xai",
  transport: "inline",
  maxRequests: Number.MAX_SAFE_INTEGER,
  maxBytes: Number.MAX_SAFE_INTEGER,
  endpoints: ["/v1/chat/completions"],
  sameModel: false,
  line: (request) => ({ batch_request_id: request.customId, batch_request: { chat_get_completion: request.body } })
}

/**
 * The `name` a create sends: the given one (vendor field `name`, else `batchctl`) with the create's token,
 * which a retry after a lost answer looks for in the list (an xAI batch keeps no metadata).
 *
 * @since 0.1.0
 * @category create
 */
export const batchName = (given: unknown, token: string): string =>
  `${typeof given === "string" && given !== "" ? given : "batchctl"} [${token}]`

const ADD_OPEN = '{"batch_requests":['
const ADD_CLOSE = "]}"
const encoder = new TextEncoder()

/** The lines of the prepared file in add calls: `(lines, bytes of the call)` for each, in order. */
const addCalls = <E>(
  prepared: Create.Prepared,
  onCall: (lines: ReadonlyArray<string>, bytes: number) => Effect.Effect<void, E>
): Effect.Effect<void, E | Error> => {
  const envelope = ADD_OPEN.length + ADD_CLOSE.length
  let lines: Array<string> = []
  let bytes = envelope
  const flush = Effect.suspend(() => {
    if (lines.length === 0) return Effect.void
    const call = onCall(lines, bytes)
    lines = []
    bytes = envelope
    return call
  })
  return prepared.read().pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.filter((line) => line.trim() !== ""),
    Stream.runForEach((line) => {
      const size = encoder.encode(line).byteLength + (lines.length === 0 ? 0 : 1)
      const next = bytes + size > MAX_ADD_BYTES ? flush : Effect.void
      return Effect.zipRight(
        next,
        Effect.sync(() => {
          bytes += size
          lines.push(line)
        })
      )
    }),
    Effect.zipRight(flush)
  )
}

const makeCreator = (
  http: VendorHttp.VendorHttp,
  adapter: {
    readonly list: (options: Batch.ListOptions) => Effect.Effect<Batch.Page, BatchError.BatchError>
    readonly retrieve: (ref: BatchId.BatchRef) => Effect.Effect<Batch.Batch, BatchError.BatchError>
    readonly cancel: (ref: BatchId.BatchRef) => Effect.Effect<Batch.Batch, BatchError.BatchError>
  }
): BatchProvider.Creator => {
  const createBody = (options: Create.Options, token: string) => {
    const { name, ...vendor } = Create.vendorFields(options)
    return { name: batchName(name, token), ...vendor }
  }
  const plan = (prepared: Create.Prepared, options: Create.Options, token: string) => [
    { method: "POST", path: "/batches", body: createBody(options, token) },
    {
      method: "POST",
      path: "/batches/<the batch's id>/requests",
      body: { batch_requests: `<${prepared.requests} request(s), in calls of at most ${MAX_ADD_BYTES} bytes>` }
    }
  ]
  const invalid = (message: string) =>
    new BatchError.InvalidRequest({ provider: "xai", operation: "create", message: `xai create: ${message}` })
  const asInvalid = (cause: unknown) =>
    cause instanceof BatchError.InvalidRequest
      ? cause
      : invalid(`cannot read the prepared requests: ${cause instanceof Error ? cause.message : String(cause)}`)
  const refOf = (id: string): BatchId.BatchRef => ({ id, segment: encodeURIComponent(id) })

  const create = (prepared: Create.Prepared, options: Create.Options, token: string) =>
    Effect.gen(function* () {
      // Every request must fit in one add call: checked before the batch is made.
      yield* Effect.mapError(
        addCalls(prepared, (lines, bytes) =>
          lines.length === 1 && bytes > MAX_ADD_BYTES
            ? Effect.fail(invalid(`a request is longer than ${MAX_ADD_BYTES} bytes, the most one add call takes`))
            : Effect.void
        ),
        asInvalid
      )
      // Step 1: the empty batch, found by the token in its name when the answer is lost.
      const batch = yield* Create.submitOnce({
        provider: "xai",
        requests: prepared.requests,
        send: wrongKey(
          Effect.flatMap(
            http.json(
              WireBatch,
              HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post("/batches"), createBody(options, token)),
              {
                operation: "create",
                retry: { maxAttempts: 1 }
              }
            ),
            ({ value, raw }) => Effect.map(Clock.currentTimeMillis, (now) => toBatch(value, raw, now))
          )
        ),
        lookup: (since) =>
          Create.findInList(
            (after) => adapter.list({ limit: 100, ...(after === undefined ? {} : { after }) }),
            (b) => Predicate.isRecord(b.raw) && typeof b.raw.name === "string" && b.raw.name.includes(`[${token}]`),
            since
          ),
        check: `list the batches and look for a name containing [${token}]`,
        token
      })
      const ref = refOf(batch.id)
      // Step 2: the requests, one add call after another. The batch was empty and only this create adds
      // to it, so its num_requests says whether a call whose answer was lost was stored.
      let added = 0
      let sent = 0
      const total = prepared.bytes
      const addOne = (lines: ReadonlyArray<string>, bytes: number) => {
        const before = added
        const after = before + lines.length
        const body = HttpBody.text(`${ADD_OPEN}${lines.join(",")}${ADD_CLOSE}`, "application/json")
        return Create.submitOnce({
          provider: "xai",
          requests: lines.length,
          send: wrongKey(
            Effect.zipRight(
              http.json(
                Schema.Unknown,
                HttpClientRequest.setBody(HttpClientRequest.post(`/batches/${ref.segment}/requests`), body),
                {
                  operation: "create",
                  batchId: batch.id,
                  retry: { maxAttempts: 1 },
                  timeoutMs: Create.uploadTimeoutMs(bytes)
                }
              ),
              Effect.succeed(batch)
            )
          ),
          lookup: () =>
            Effect.flatMap(adapter.retrieve(ref), (now) => {
              const count = now.counts.total
              if (count === after) return Effect.succeed(now)
              if (count === before) return Effect.succeed(undefined)
              return Effect.fail(
                new BatchError.UnexpectedResponse({
                  provider: "xai",
                  operation: "create",
                  message: `xai create: batch ${batch.id} holds ${count ?? "an unknown number of"} requests, neither ${before} nor ${after}`
                })
              )
            }),
          check: `retrieve batch ${batch.id}: state.num_requests is ${after} if requests ${before + 1} to ${after} were added, ${before} if not; add the rest with POST /batches/${batch.id}/requests`,
          token
        }).pipe(
          Effect.tap(() =>
            Effect.sync(() => {
              added = after
              sent += bytes
              options.onProgress?.({
                phase: "uploading",
                requests: added,
                bytes: Math.min(sent, total),
                totalBytes: total
              })
            })
          )
        )
      }
      yield* addCalls(prepared, addOne).pipe(
        Effect.catchAll((error) =>
          error instanceof Error && !("_tag" in error)
            ? Effect.fail(asInvalid(error))
            : Effect.fail(error as BatchError.BatchError | Create.CreateUnconfirmed)
        ),
        // A refused add leaves a batch with only some of the requests: it is cancelled (no more adds), so
        // that it does not run as if it were the whole. A lost answer that could not be confirmed is left
        // as it is, for the caller to check.
        Effect.tapError((error) =>
          error._tag === "CreateUnconfirmed" ? Effect.void : Effect.ignore(adapter.cancel(ref))
        )
      )
      return yield* adapter.retrieve(ref)
    })
  return { spec: createSpec, plan, create }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<BatchProvider.Service, never, HttpClient.HttpClient> =>
  Effect.map(
    VendorHttp.makeFor(
      {
        provider: "xai",
        defaultBaseUrl,
        userAgent: VendorHttp.userAgent("@batchctl/xai", version),
        auth: VendorHttp.bearer
      },
      options
    ),
    (http) => BatchProvider.make(makeAdapter(http))
  )

const kit = Adapter.kit<XaiBatches, Options>({ provider: "xai", tag: XaiBatches, envPrefix: "XAI", make })

/**
 * Provides {@link XaiBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `XAI_API_KEY`, `XAI_BASE_URL`, `XAI_TIMEOUT` and `XAI_MAX_RETRIES`.
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
