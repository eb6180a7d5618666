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
import * as Create from "@batchctl/core/Create"
import * as Results from "@batchctl/core/Results"
import * as Timestamp from "@batchctl/core/Timestamp"
import * as Wire from "@batchctl/core/Wire"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import { version } from "./version.js"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
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

const maybe = Wire.optionalOrNull
const timestamp = Schema.optional(Timestamp.Lenient)

/**
 * A BatchJob as Together sends it; unknown fields pass.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireBatch = Schema.Struct({
  id: Schema.String,
  status: maybe(Schema.String),
  progress: Wire.lenientField(Schema.Finite),
  created_at: timestamp,
  job_deadline: timestamp,
  completed_at: timestamp,
  output_file_id: maybe(Schema.String),
  error_file_id: maybe(Schema.String),
  /** Why a failed batch failed (BatchJob.error), a plain string. */
  error: Wire.lenientField(Schema.NullOr(Schema.String))
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
  const progress = wire.progress === undefined ? undefined : Math.min(1, Math.max(0, wire.progress / 100))
  return Batch.make({
    id: wire.id,
    provider: "together",
    status,
    vendorStatus: wire.status ?? "",
    progress,
    createdAt: wire.created_at,
    expiresAt: wire.job_deadline,
    endedAt: Batch.isTerminalStatus(status) ? wire.completed_at : undefined,
    outputFileId: wire.output_file_id,
    errorFileId: wire.error_file_id,
    errors: wire.error == null || wire.error.trim() === "" ? undefined : [{ message: wire.error }],
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

/**
 * Together's fields of a batch that the normalized batch does not carry, typed, each as Together sent it
 * (absent when not sent or of another shape). `error` is a plain string (BatchJob.error).
 *
 * @since 0.1.0
 * @category models
 */
export interface Extras {
  readonly error?: string | null | undefined
  readonly model_id?: string | null | undefined
  readonly endpoint?: string | undefined
  readonly input_file_id?: string | undefined
  readonly user_id?: string | undefined
  readonly file_size_bytes?: number | undefined
}

const field = Wire.field

/**
 * The typed Together extras of a batch, read from `batch.raw` without a cast.
 *
 * @since 0.1.0
 * @category accessors
 */
export const extras = (batch: Batch.Batch): Extras => {
  const out: { -readonly [K in keyof Extras]: Extras[K] } = {}
  const error = field(Schema.NullOr(Schema.String), batch.raw, "error")
  if (error !== undefined) out.error = error
  const model = field(Schema.NullOr(Schema.String), batch.raw, "model_id")
  if (model !== undefined) out.model_id = model
  const endpoint = field(Schema.String, batch.raw, "endpoint")
  if (endpoint !== undefined) out.endpoint = endpoint
  const input = field(Schema.String, batch.raw, "input_file_id")
  if (input !== undefined) out.input_file_id = input
  const user = field(Schema.String, batch.raw, "user_id")
  if (user !== undefined) out.user_id = user
  const size = field(Schema.Number, batch.raw, "file_size_bytes")
  if (size !== undefined) out.file_size_bytes = size
  return out
}

/** How long the answer of one `GET /batches` serves the pages of a listing. */
const SNAPSHOT_MS = 60_000

const makeAdapter = (http: VendorHttp.VendorHttp): BatchProvider.Adapter => {
  const one = (request: HttpClientRequest.HttpClientRequest, operation: string, batchId: string) =>
    Effect.map(http.json(WireBatch, request, { operation, batchId }), ({ value, raw }) => toBatch(value, raw))

  // Together answers every batch at once; `limit` and `after` page through that answer here. The answer
  // is kept with the cursors handed out from it, so that the pages of one listing (`Lifecycle.listAll`)
  // cost one request, not one each: a cursor this adapter issued within the last minute pages through the
  // same answer; any other `after` (or an older one) asks Together again.
  let snapshot:
    | { readonly batches: ReadonlyArray<Batch.Batch>; readonly cursors: Set<string>; readonly at: number }
    | undefined

  const page = (all: ReadonlyArray<Batch.Batch>, options: Batch.ListOptions, cursors: Set<string>) => {
    let batches = all
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
    const result = Batch.pageOf(options.limit === undefined ? batches : batches.slice(0, options.limit), hasMore)
    if (result.nextCursor !== undefined) cursors.add(result.nextCursor)
    return Effect.succeed(result)
  }

  const list = (options: Batch.ListOptions) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (options.before !== undefined) {
        return Effect.fail(
          new BatchError.Unsupported({
            provider: "together",
            operation: "list",
            message: "together list: Together has no paging; before is not supported"
          })
        )
      }
      const kept = snapshot
      if (
        kept !== undefined &&
        options.after !== undefined &&
        kept.cursors.has(options.after) &&
        now - kept.at < SNAPSHOT_MS
      ) {
        return page(kept.batches, options, kept.cursors)
      }
      return Effect.flatMap(
        http.json(WireList, HttpClientRequest.get("/batches"), { operation: "list" }),
        ({ value, raw }) => {
          const rawItems = Array.isArray(raw) ? raw : []
          const batches = (value ?? []).map((wire, i) => toBatch(wire, rawItems[i]))
          const fresh = { batches, cursors: new Set<string>(), at: now }
          snapshot = fresh
          return page(batches, options, fresh.cursors)
        }
      )
    })

  return {
    provider: "together",
    cancel: (ref) => one(HttpClientRequest.post(`/batches/${ref.segment}/cancel`), "cancel", ref.id),
    retrieve: (ref) => one(HttpClientRequest.get(`/batches/${ref.segment}`), "retrieve", ref.id),
    list,
    results: (batch) => Results.fromFiles(http, batch, (fileId) => `/files/${fileId}/content`),
    create: makeCreator(http, list)
  }
}

/**
 * Together's create: ≤50,000 requests and ≤100 MB per file, uploaded with purpose `batch-api`; lines
 * `{custom_id, body}`; the window is `24h` and cannot be changed [DOC] (batch overview, tutorial);
 * endpoints as the SDK's `BatchCreateParams` (and the v1 SDK's `/v1/completions`).
 *
 * @since 0.2.0
 * @category create
 */
export const createSpec: Create.Spec = {
  provider: "together",
  transport: "file",
  maxRequests: 50_000,
  maxBytes: 100 * 2 ** 20,
  endpoints: ["/v1/chat/completions", "/v1/completions", "/v1/audio/transcriptions", "/v1/audio/translations"],
  windows: ["24h"],
  sameModel: false,
  line: (request) => ({ custom_id: request.customId, body: request.body }),
  lineKeys: ["custom_id", "body"]
}

/** The create's answer: 201 `{job, warning?}`; a bare BatchJob is read too. */
const WireCreated = Schema.Union(Schema.Struct({ job: WireBatch }), WireBatch)

const WireFile = Schema.Struct({ id: Schema.String })

const makeCreator = (
  http: VendorHttp.VendorHttp,
  list: (options: Batch.ListOptions) => Effect.Effect<Batch.Page, BatchError.BatchError>
): BatchProvider.Creator => {
  const fields = (prepared: Create.Prepared, options: Create.Options) => ({
    endpoint: prepared.endpoint,
    ...(options.completionWindow === undefined ? {} : { completion_window: options.completionWindow }),
    ...(options.model === undefined ? {} : { model_id: options.model }),
    ...Create.vendorFields(options)
  })
  const plan = (prepared: Create.Prepared, options: Create.Options) => [
    {
      method: "POST",
      path: "/files",
      body: { purpose: "batch-api", file: `<${prepared.bytes} bytes, ${prepared.requests} request(s)>` }
    },
    {
      method: "POST",
      path: "/batches",
      body: { input_file_id: "<the uploaded file's id>", ...fields(prepared, options) }
    }
  ]
  const create = (prepared: Create.Prepared, options: Create.Options) => {
    const upload = HttpClientRequest.setBody(
      HttpClientRequest.post("/files"),
      Create.multipart(prepared, { purpose: "batch-api" }, { onProgress: options.onProgress })
    )
    return Effect.flatMap(
      http.json(WireFile, upload, { operation: "create", timeoutMs: Create.uploadTimeoutMs(prepared.bytes) }),
      ({ value: file }) =>
        Create.submitOnce({
          provider: "together",
          requests: prepared.requests,
          send: Effect.map(
            http.json(
              WireCreated,
              HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post("/batches"), {
                input_file_id: file.id,
                ...fields(prepared, options)
              }),
              { operation: "create", retry: { maxAttempts: 1 } }
            ),
            ({ value, raw }) =>
              "job" in value && Predicate.isRecord(raw) ? toBatch(value.job, raw.job) : toBatch(value as WireBatch, raw)
          ),
          // Together keeps no metadata, but the file was uploaded for this create alone: its batch names it.
          lookup: (since) =>
            Create.findInList(
              (after) => list({ limit: 100, ...(after === undefined ? {} : { after }) }),
              (batch) => extras(batch).input_file_id === file.id,
              since
            ),
          check: `list the batches and look for input_file_id ${file.id}`
        })
    )
  }
  return { spec: createSpec, plan, create }
}

const kit = Adapter.kit<TogetherBatches, Options>({
  provider: "together",
  tag: TogetherBatches,
  envPrefix: "TOGETHER",
  make
})

/**
 * Provides {@link TogetherBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `TOGETHER_API_KEY`, `TOGETHER_BASE_URL`, `TOGETHER_TIMEOUT` and `TOGETHER_MAX_RETRIES`.
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
