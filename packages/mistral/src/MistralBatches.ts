/**
 * The Mistral AI batch jobs adapter (`/v1/batch/jobs`): UPPER-CASE statuses with `QUEUED`,
 * `CANCELLATION_REQUESTED` and `TIMEOUT_EXCEEDED`; `output_file` / `error_file` (not `*_file_id`);
 * `*_requests` counters that are all 0 while the job is queued (not an empty batch, so they are left out
 * then); page-number listing (`page`, `page_size`, `total`); inline jobs' results in `outputs`.
 *
 * @since 0.1.0
 */
import * as Adapter from "@batchctl/core/Adapter"
import * as Batch from "@batchctl/core/Batch"
import * as BatchError from "@batchctl/core/BatchError"
import * as BatchId from "@batchctl/core/BatchId"
import * as BatchProvider from "@batchctl/core/BatchProvider"
import * as Create from "@batchctl/core/Create"
import * as Paging from "@batchctl/core/Paging"
import * as Results from "@batchctl/core/Results"
import * as ResultsSource from "@batchctl/core/ResultsSource"
import * as Timestamp from "@batchctl/core/Timestamp"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import * as Wire from "@batchctl/core/Wire"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
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
export class MistralBatches extends Context.Tag("@batchctl/mistral/MistralBatches")<
  MistralBatches,
  BatchProvider.Service
>() {}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.mistral.ai/v1"

/**
 * @since 0.1.0
 * @category models
 */
export type Options = VendorHttp.ClientOptions

const maybe = Wire.optionalOrNull
const timestamp = Schema.optional(Timestamp.Lenient)
const count = Wire.lenientField(Schema.NonNegativeInt)

/**
 * A BatchJob as Mistral sends it; unknown fields pass, timestamps are unix seconds.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireBatch = Schema.Struct({
  id: Schema.String,
  status: maybe(Schema.String),
  total_requests: count,
  completed_requests: count,
  succeeded_requests: count,
  failed_requests: count,
  created_at: timestamp,
  started_at: timestamp,
  completed_at: timestamp,
  output_file: maybe(Schema.String),
  error_file: maybe(Schema.String)
})

/**
 * @since 0.1.0
 * @category schemas
 */
export type WireBatch = typeof WireBatch.Type

/**
 * A list page: `{ object: "list", data, total }`, numbered from 0.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WirePage = Schema.Struct({
  data: Schema.Array(WireBatch),
  total: Wire.lenientField(Schema.NonNegativeInt)
})

// A Map, not an object literal: a vendor status such as `constructor` must not reach Object.prototype.
const STATUSES: ReadonlyMap<string, Batch.BatchStatus> = new Map([
  ["QUEUED", "validating"],
  ["RUNNING", "in_progress"],
  ["SUCCESS", "completed"],
  ["FAILED", "failed"],
  ["TIMEOUT_EXCEEDED", "expired"],
  ["CANCELLATION_REQUESTED", "cancelling"],
  ["CANCELLED", "cancelled"]
])

/**
 * `QUEUED` → `validating` (with `queued`), `RUNNING` → `in_progress`, `SUCCESS` → `completed`,
 * `TIMEOUT_EXCEEDED` → `expired`, `CANCELLATION_REQUESTED` → `cancelling`; anything else → `unknown`.
 *
 * @since 0.1.0
 * @category normalizing
 */
export const toStatus = (vendorStatus: string): Batch.BatchStatus => STATUSES.get(vendorStatus) ?? "unknown"

/**
 * @since 0.1.0
 * @category normalizing
 */
export const toBatch = (wire: WireBatch, raw: unknown): Batch.Batch => {
  const vendorStatus = wire.status ?? ""
  const status = toStatus(vendorStatus)
  const queued = vendorStatus === "QUEUED"
  return Batch.make({
    id: wire.id,
    provider: "mistral",
    status,
    vendorStatus,
    queued,
    // While QUEUED every counter is 0, total_requests too: the input has not been read yet.
    counts: queued
      ? {}
      : { total: wire.total_requests, succeeded: wire.succeeded_requests, failed: wire.failed_requests },
    createdAt: wire.created_at,
    endedAt: Batch.isTerminalStatus(status) ? wire.completed_at : undefined,
    outputFileId: wire.output_file,
    errorFileId: wire.error_file,
    errors: Wire.field(MistralErrors, raw, "errors")?.map((e) => ({
      message: e.count === undefined ? e.message : `${e.message} (${e.count}×)`
    })),
    raw
  })
}

/** Mistral's `errors`: `[{message, count}]`, why a job failed. */
const MistralErrors = Schema.Array(Schema.Struct({ message: Schema.String, count: Schema.optional(Schema.Number) }))

/**
 * Mistral's fields of a job that the normalized batch does not carry, typed, each as Mistral sent it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Extras {
  readonly model?: string | null | undefined
  readonly endpoint?: string | undefined
  readonly input_files?: ReadonlyArray<string> | undefined
  readonly metadata?: Readonly<Record<string, unknown>> | null | undefined
  readonly errors?: ReadonlyArray<{ readonly message: string; readonly count?: number | undefined }> | undefined
  readonly started_at?: number | null | undefined
}

/**
 * The typed Mistral extras of a batch, read from `batch.raw` without a cast.
 *
 * @since 0.1.0
 * @category accessors
 */
export const extras = (batch: Batch.Batch): Extras => {
  const out: { -readonly [K in keyof Extras]: Extras[K] } = {}
  const model = Wire.field(Schema.NullOr(Schema.String), batch.raw, "model")
  if (model !== undefined) out.model = model
  const endpoint = Wire.field(Schema.String, batch.raw, "endpoint")
  if (endpoint !== undefined) out.endpoint = endpoint
  const inputs = Wire.field(Schema.Array(Schema.String), batch.raw, "input_files")
  if (inputs !== undefined) out.input_files = inputs
  const metadata = Wire.field(
    Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    batch.raw,
    "metadata"
  )
  if (metadata !== undefined) out.metadata = metadata
  const errors = Wire.field(
    Schema.Array(Schema.Struct({ message: Schema.String, count: Schema.optional(Schema.Number) })),
    batch.raw,
    "errors"
  )
  if (errors !== undefined) out.errors = errors
  const started = Wire.field(Schema.NullOr(Schema.Number), batch.raw, "started_at")
  if (started !== undefined) out.started_at = started
  return out
}

const PAGE_SIZE = 100

const ErrorCode = Schema.Struct({ error: Schema.Struct({ code: Schema.String }) })
const decodeErrorCode = Schema.decodeUnknownOption(ErrorCode)
const NEVER_RAN: ReadonlyMap<string, Batch.ResultOutcome> = new Map([
  ["cancelled", "cancelled"],
  ["canceled", "cancelled"],
  ["batch_cancelled", "cancelled"],
  ["expired", "expired"],
  ["timeout_exceeded", "expired"],
  ["batch_expired", "expired"]
])

/**
 * One result line, OpenAI's shape (`{custom_id, response: {status_code, body}, error}`). Mistral's
 * error-file line is not documented: an `error.code` that says the request never ran (`cancelled`,
 * `expired`, `timeout_exceeded`, or OpenAI's `batch_cancelled` / `batch_expired`) makes it `cancelled` or
 * `expired`; any other line of the error file is `errored`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const resultLine =
  (file: "output" | "error") =>
  (value: unknown): Batch.ResultItem | undefined => {
    const item = file === "output" ? Results.openAiLine(value) : Results.errorFileLine(value)
    if (item === undefined || item.outcome !== "errored") return item
    const code = Option.getOrUndefined(decodeErrorCode(value))?.error.code.toLowerCase()
    const outcome = code === undefined ? undefined : NEVER_RAN.get(code)
    return outcome === undefined ? item : Batch.makeResult({ ...item, outcome })
  }

const inlineOutputs = (raw: unknown): ReadonlyArray<unknown> | undefined =>
  Predicate.isRecord(raw) && Array.isArray(raw.outputs) ? raw.outputs : undefined

/**
 * The adapter over an already-built `VendorHttp`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAdapter = (http: VendorHttp.VendorHttp): BatchProvider.Adapter => {
  const one = (request: HttpClientRequest.HttpClientRequest, operation: string, batchId: string) =>
    Effect.map(http.json(WireBatch, request, { operation, batchId }), ({ value, raw }) => toBatch(value, raw))

  const list = (options: Batch.ListOptions) =>
    Effect.gen(function* () {
      yield* Paging.refuseBackward("mistral", options)
      const page = yield* Paging.pageNumberOf("mistral", options.after)
      const pageSize = options.limit ?? PAGE_SIZE
      const { value, raw } = yield* http.json(
        WirePage,
        HttpClientRequest.get("/batch/jobs", { urlParams: { page: String(page), page_size: String(pageSize) } }),
        { operation: "list" }
      )
      const rawItems = Predicate.isRecord(raw) && Array.isArray(raw.data) ? raw.data : []
      const batches = value.data.map((wire, i) => toBatch(wire, rawItems[i]))
      return Paging.fromPageNumber({ batches, page, pageSize, total: value.total })
    })

  // The output file, then the error file, each only when the job names it; one count of delivered items.
  const fromFiles = (batch: Batch.Batch) =>
    Stream.suspend(() => {
      const delivered: Results.Delivered = { count: 0 }
      const files = [
        [batch.outputFileId, "output"],
        [batch.errorFileId, "error"]
      ] as const
      return Stream.fromIterable(files).pipe(
        Stream.flatMap(([fileId, kind]) => {
          if (fileId === undefined) return Stream.empty
          const why = BatchId.problem(fileId, `the ${kind} file id`)
          return why === undefined
            ? Results.streamJsonl(
                http,
                HttpClientRequest.get(`/files/${encodeURIComponent(fileId)}/content`, {
                  headers: { accept: "application/binary" }
                }),
                { provider: "mistral", batchId: batch.id, what: `${kind} file ${fileId}`, fileId },
                resultLine(kind),
                delivered
              )
            : Stream.fail(
                new BatchError.UnexpectedResponse({
                  provider: "mistral",
                  operation: "results",
                  message: `mistral results: job ${batch.id} names a file that cannot be requested: ${why}`
                })
              )
        })
      )
    })

  const results = (batch: Batch.Batch, ref: { readonly segment: string }) => {
    const source = (b: Batch.Batch) =>
      ResultsSource.inlineOrFiles({
        provider: "mistral",
        batch: b,
        inline: inlineOutputs(b.raw),
        inlineItem: resultLine("output"),
        hasFiles: b.outputFileId !== undefined || b.errorFileId !== undefined,
        files: () => fromFiles(b)
      })
    if (inlineOutputs(batch.raw) !== undefined || batch.outputFileId !== undefined || batch.errorFileId !== undefined) {
      return source(batch)
    }
    // An inline job names no file; its results come back in `outputs` when asked with `inline=true`.
    return Stream.unwrap(
      Effect.map(
        one(
          HttpClientRequest.get(`/batch/jobs/${ref.segment}`, { urlParams: { inline: "true" } }),
          "results",
          batch.id
        ),
        source
      )
    )
  }

  return {
    provider: "mistral",
    cancel: (ref) => one(HttpClientRequest.post(`/batch/jobs/${ref.segment}/cancel`), "cancel", ref.id),
    retrieve: (ref) => one(HttpClientRequest.get(`/batch/jobs/${ref.segment}`), "retrieve", ref.id),
    list,
    results,
    create: makeCreator(http, list)
  }
}

/**
 * The most requests Mistral takes inline, in the create body (`requests`, maxItems 10000 [DOC]); a
 * larger input is uploaded as a file.
 *
 * @since 0.1.0
 * @category create
 */
export const MAX_INLINE_REQUESTS = 10_000

/**
 * The most bytes sent inline: an input past it is uploaded as a file. Mistral documents no bound on the
 * create body; this one is batchctl's (assumed), so that a large body goes the documented file way.
 *
 * @since 0.1.0
 * @category create
 */
export const MAX_INLINE_BYTES = 10 * 2 ** 20

/**
 * Mistral's create: lines `{custom_id, body}`; the ten endpoints of `CreateBatchJobRequest`; the window
 * is `timeout_hours` ("should be lower than 7 days": `1h` to `167h`, default 24); metadata keys of 1-32
 * characters and values of ≤512 [DOC] (openapi.yaml, the batch guide). ≤1,000,000 requests (the pending
 * requests a workspace may hold [DOC]). Assumed (UNVERIFIED): 512 MB per uploaded file (the files API's
 * bound, not stated for batches), at most 16 metadata pairs, and that one job's requests may name
 * different models (the job's `model` is sent when they name one, or when `model` is given).
 *
 * @since 0.1.0
 * @category create
 */
export const createSpec: Create.Spec = {
  provider: "mistral",
  transport: "file",
  maxRequests: 1_000_000,
  maxBytes: 512 * 2 ** 20,
  endpoints: [
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/fim/completions",
    "/v1/moderations",
    "/v1/chat/moderations",
    "/v1/ocr",
    "/v1/classifications",
    "/v1/chat/classifications",
    "/v1/conversations",
    "/v1/audio/transcriptions"
  ],
  windows: Array.from({ length: 167 }, (_, i) => `${i + 1}h`),
  windowsText: "1h to 167h (timeout_hours, lower than 7 days)",
  sameModel: false,
  metadata: { maxPairs: 16, maxKey: 32, maxValue: 512 },
  line: (request) => ({ custom_id: request.customId, body: request.body }),
  lineKeys: ["custom_id", "body"]
}

const WireFile = Schema.Struct({ id: Schema.String })

const makeCreator = (
  http: VendorHttp.VendorHttp,
  list: (options: Batch.ListOptions) => Effect.Effect<Batch.Page, BatchError.BatchError>
): BatchProvider.Creator => {
  const inline = (prepared: Create.Prepared) =>
    prepared.requests <= MAX_INLINE_REQUESTS && prepared.bytes <= MAX_INLINE_BYTES
  const fields = (prepared: Create.Prepared, options: Create.Options, token: string): Record<string, unknown> => {
    const model = options.model ?? prepared.model
    return {
      endpoint: prepared.endpoint,
      ...(model === undefined ? {} : { model }),
      metadata: { ...options.metadata, [Create.TOKEN_KEY]: token },
      ...(options.completionWindow === undefined
        ? {}
        : { timeout_hours: Number(options.completionWindow.slice(0, -1)) }),
      ...Create.vendorFields(options)
    }
  }
  const plan = (prepared: Create.Prepared, options: Create.Options, token: string) =>
    inline(prepared)
      ? [
          {
            method: "POST",
            path: "/batch/jobs",
            body: { requests: `<${prepared.requests} request(s)>`, ...fields(prepared, options, token) }
          }
        ]
      : [
          {
            method: "POST",
            path: "/files",
            body: { purpose: "batch", file: `<${prepared.bytes} bytes, ${prepared.requests} request(s)>` }
          },
          {
            method: "POST",
            path: "/batch/jobs",
            body: { input_files: ["<the uploaded file's id>"], ...fields(prepared, options, token) }
          }
        ]
  const toCreated = ({ value, raw }: VendorHttp.Decoded<WireBatch>) => toBatch(value, raw)
  const once = { operation: "create", retry: { maxAttempts: 1 } }
  /** This create's job in the list (newest first): its token in `metadata`, or the file only it was made from. */
  const lookup = (token: string, fileId: string | undefined) => (since: Date) =>
    Create.findInList(
      (after) => list({ limit: 100, ...(after === undefined ? {} : { after }) }),
      (batch) =>
        Create.tokenOf(batch.raw) === token ||
        (fileId !== undefined && (extras(batch).input_files ?? []).includes(fileId)),
      since
    )
  const check = (fileId: string | undefined) =>
    `list the batch jobs and look for metadata ${Create.TOKEN_KEY}${fileId === undefined ? "" : ` or input_files ${fileId}`}`
  const submit = (
    prepared: Create.Prepared,
    token: string,
    request: HttpClientRequest.HttpClientRequest,
    fileId: string | undefined,
    timeoutMs?: number
  ) =>
    Create.submitOnce({
      provider: "mistral",
      requests: prepared.requests,
      send: Effect.map(
        http.json(WireBatch, request, { ...once, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
        toCreated
      ),
      lookup: lookup(token, fileId),
      check: check(fileId),
      token
    })
  const create = (prepared: Create.Prepared, options: Create.Options, token: string) => {
    if (inline(prepared)) {
      const body = Create.inlineJson(prepared, "requests", fields(prepared, options, token), {
        onProgress: options.onProgress
      })
      return submit(
        prepared,
        token,
        HttpClientRequest.setBody(HttpClientRequest.post("/batch/jobs"), body),
        undefined,
        Create.uploadTimeoutMs(prepared.bytes)
      )
    }
    const upload = HttpClientRequest.setBody(
      HttpClientRequest.post("/files"),
      Create.multipart(prepared, { purpose: "batch" }, { onProgress: options.onProgress })
    )
    return Effect.flatMap(
      // An upload sent twice leaves an unused file, not a second job: it is retried as any call is.
      http.json(WireFile, upload, { operation: "create", timeoutMs: Create.uploadTimeoutMs(prepared.bytes) }),
      ({ value: file }) =>
        submit(
          prepared,
          token,
          HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post("/batch/jobs"), {
            input_files: [file.id],
            ...fields(prepared, options, token)
          }),
          file.id
        )
    )
  }
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
        provider: "mistral",
        defaultBaseUrl,
        userAgent: VendorHttp.userAgent("@batchctl/mistral", version),
        auth: VendorHttp.bearer,
        // What a cancel of a finished job answers is not documented; a 400 or 409 to it is read as about
        // the job's state, and the one retrieve that follows decides.
        invalidState: VendorHttp.refusedOnCancel(400, 409)
      },
      options
    ),
    (http) => BatchProvider.make(makeAdapter(http))
  )

const kit = Adapter.kit<MistralBatches, Options>({
  provider: "mistral",
  tag: MistralBatches,
  envPrefix: "MISTRAL",
  make
})

/**
 * Provides {@link MistralBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `MISTRAL_API_KEY`, `MISTRAL_BASE_URL`, `MISTRAL_TIMEOUT` and `MISTRAL_MAX_RETRIES`.
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
