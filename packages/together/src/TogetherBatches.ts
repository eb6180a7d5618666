/**
 * The Together AI batch adapter: upper-case statuses (`CANCELING` and `CANCELLING` both read), UUID
 * ids, `progress` 0–100 and no counts, RFC 3339 timestamps, errors as `{error:"…"}`, a list that is a
 * bare array (or a literal `null`) with no paging, results through `/files/{id}/content`.
 *
 * Together's list has no paging parameters; `limit` and `after` are applied here, on the full list,
 * so that paging works the same as for every other provider.
 *
 * @since 0.1.0
 */
import * as Adapter from "@batchctl/core/Adapter"
import * as Batch from "@batchctl/core/Batch"
import * as BatchError from "@batchctl/core/BatchError"
import * as BatchProvider from "@batchctl/core/BatchProvider"
import * as Results from "@batchctl/core/Results"
import * as Timestamp from "@batchctl/core/Timestamp"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import { version } from "./version.js"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category tags
 */
export class TogetherBatches extends Context.Tag("@batchctl/together/TogetherBatches")<
  TogetherBatches,
  BatchProvider.Service
>() {}

/**
 * The v1 SDK's host; `https://api.together.ai/v1` (the newer SDKs' host) works as `baseUrl` too.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.together.xyz/v1"

/**
 * @since 0.1.0
 * @category models
 */
export type Options = VendorHttp.ClientOptions

const maybe = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * A BatchJob as Together sends it; unknown fields pass.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireBatch = Schema.Struct({
  id: Schema.String,
  status: maybe(Schema.String),
  progress: Schema.optional(Schema.Unknown),
  created_at: Schema.optional(Schema.Unknown),
  job_deadline: Schema.optional(Schema.Unknown),
  completed_at: Schema.optional(Schema.Unknown),
  output_file_id: maybe(Schema.String),
  error_file_id: maybe(Schema.String)
})

/**
 * @since 0.1.0
 * @category schemas
 */
export type WireBatch = typeof WireBatch.Type

const WireList = Schema.NullOr(Schema.Array(WireBatch))

// A Map, not an object literal: a vendor status such as `constructor` or `__proto__` must not reach
// `Object.prototype` and come back as a "status".
const STATUSES: ReadonlyMap<string, Batch.BatchStatus> = new Map([
  ["VALIDATING", "validating"],
  ["IN_PROGRESS", "in_progress"],
  ["COMPLETED", "completed"],
  ["FAILED", "failed"],
  ["EXPIRED", "expired"],
  ["CANCELLED", "cancelled"],
  ["CANCELING", "cancelling"],
  ["CANCELLING", "cancelling"]
])

/**
 * @since 0.1.0
 * @category normalizing
 */
export const toStatus = (vendorStatus: string): Batch.BatchStatus => STATUSES.get(vendorStatus) ?? "unknown"

/**
 * @since 0.1.0
 * @category normalizing
 */
export const toBatch = (wire: WireBatch, raw: unknown): Batch.Batch => {
  const status = toStatus(wire.status ?? "")
  const progress =
    typeof wire.progress === "number" && Number.isFinite(wire.progress)
      ? Math.min(1, Math.max(0, wire.progress / 100))
      : undefined
  return Batch.make({
    id: wire.id,
    provider: "together",
    status,
    vendorStatus: wire.status ?? "",
    progress,
    createdAt: Timestamp.fromVendor(wire.created_at),
    expiresAt: Timestamp.fromVendor(wire.job_deadline),
    endedAt: Batch.isTerminalStatus(status) ? Timestamp.fromVendor(wire.completed_at) : undefined,
    outputFileId: wire.output_file_id,
    errorFileId: wire.error_file_id,
    raw
  })
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<BatchProvider.Service, never, HttpClient.HttpClient> =>
  Effect.map(
    VendorHttp.makeFor(
      {
        provider: "together",
        defaultBaseUrl,
        userAgent: VendorHttp.userAgent("@batchctl/together", version),
        auth: VendorHttp.bearer,
        // Cancel is allowed "while it is VALIDATING or IN_PROGRESS"; a 400 or 409 to it is about the state.
        invalidState: VendorHttp.refusedOnCancel(400, 409)
      },
      options
    ),
    (http) => BatchProvider.make(makeAdapter(http))
  )

const makeAdapter = (http: VendorHttp.VendorHttp): BatchProvider.Adapter => {
  const one = (request: HttpClientRequest.HttpClientRequest, operation: string, batchId: string) =>
    Effect.map(http.json(WireBatch, request, { operation, batchId }), ({ value, raw }) => toBatch(value, raw))

  // Together answers every batch at once; `limit` and `after` page through that answer here.
  const list = (options: Batch.ListOptions) =>
    Effect.flatMap(http.json(WireList, HttpClientRequest.get("/batches"), { operation: "list" }), ({ value, raw }) => {
      const rawItems = Array.isArray(raw) ? raw : []
      let batches = (value ?? []).map((wire, i) => toBatch(wire, rawItems[i]))
      if (options.after !== undefined) {
        const at = batches.findIndex((b) => b.id === options.after)
        // An empty page here would end a listing early without a word: say the cursor is gone instead.
        if (at === -1) {
          return Effect.fail(
            new BatchError.InvalidRequest({
              provider: "together",
              operation: "list",
              message: `together list: the cursor ${options.after} is not in the list any more (Together has no server-side paging); list again from the start`
            })
          )
        }
        batches = batches.slice(at + 1)
      }
      const hasMore = options.limit !== undefined && batches.length > options.limit
      return Effect.succeed(Batch.pageOf(options.limit === undefined ? batches : batches.slice(0, options.limit), hasMore))
    })

  return {
    provider: "together",
    cancel: (ref) => one(HttpClientRequest.post(`/batches/${ref.segment}/cancel`), "cancel", ref.id),
    retrieve: (ref) => one(HttpClientRequest.get(`/batches/${ref.segment}`), "retrieve", ref.id),
    list,
    results: (batch) => Results.fromFiles(http, batch, (fileId) => `/files/${fileId}/content`)
  }
}

const kit = Adapter.kit<TogetherBatches, Options>({ provider: "together", tag: TogetherBatches, envPrefix: "TOGETHER", make })

/**
 * Provides {@link TogetherBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `TOGETHER_API_KEY` and `TOGETHER_BASE_URL`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = kit.layerConfig

/**
 * A Promise client over `fetch`.
 *
 * @since 0.1.0
 * @category promise
 */
export const client = kit.client

/**
 * The environment variables this adapter reads (`client()`, `layerConfig()`), with the option each sets.
 *
 * @since 0.2.0
 * @category config
 */
export const variables = kit.variables
