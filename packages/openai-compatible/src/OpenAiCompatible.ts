/**
 * The OpenAI Batch API wire format, shared by every vendor that follows it (OpenAI, Moonshot, Respan,
 * MeshAPI), with hooks for each vendor's quirks: paths with trailing slashes, a body on cancel, inline
 * results, list pages without `last_id`, other invalid-state refusals.
 *
 * @since 0.1.0
 */
import * as Batch from "@batchctl/core/Batch"
import * as BatchError from "@batchctl/core/BatchError"
import * as BatchProvider from "@batchctl/core/BatchProvider"
import * as Create from "@batchctl/core/Create"
import * as Results from "@batchctl/core/Results"
import * as ResultsSource from "@batchctl/core/ResultsSource"
import * as Timestamp from "@batchctl/core/Timestamp"
import * as Wire from "@batchctl/core/Wire"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Predicate from "effect/Predicate"

const maybe = Wire.optionalOrNull
const timestamp = Schema.optional(Timestamp.Lenient)

/**
 * One entry of OpenAI's `errors.data` (why a batch failed, e.g. `token_limit_exceeded`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const BatchErrorEntry = Schema.Struct({
  code: Schema.optional(Schema.NullOr(Schema.String)),
  message: Schema.optional(Schema.NullOr(Schema.String)),
  param: Schema.optional(Schema.NullOr(Schema.String)),
  line: Schema.optional(Schema.NullOr(Schema.Number))
})

/**
 * The batch object as the OpenAI family sends it; unknown fields pass, every field but `id` may be
 * missing or `null`, timestamps are `Date`s read whether unix seconds or RFC 3339 (`undefined` when not a
 * timestamp).
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireBatch = Schema.Struct({
  id: Schema.String,
  status: maybe(Schema.String),
  request_counts: maybe(
    Schema.Struct({ total: maybe(Schema.Number), completed: maybe(Schema.Number), failed: maybe(Schema.Number) })
  ),
  created_at: timestamp,
  expires_at: timestamp,
  cancelling_at: timestamp,
  completed_at: timestamp,
  failed_at: timestamp,
  expired_at: timestamp,
  cancelled_at: timestamp,
  output_file_id: maybe(Schema.String),
  error_file_id: maybe(Schema.String),
  /**
   * Why a failed batch failed: OpenAI's `{data: […]}`, or a bare list (Groq); read leniently, another
   * shape is as if it were not sent.
   */
  errors: Wire.lenientField(
    Schema.NullOr(Schema.Union(Schema.Struct({ data: Schema.Array(BatchErrorEntry) }), Schema.Array(BatchErrorEntry)))
  )
})

/**
 * @since 0.1.0
 * @category schemas
 */
export type WireBatch = typeof WireBatch.Type

/**
 * A list page: `data` plus `has_more`; `last_id` when the vendor sends it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WirePage = Schema.Struct({
  data: Schema.Array(WireBatch),
  has_more: maybe(Schema.Boolean),
  last_id: maybe(Schema.String)
})

/**
 * A vendor's differences from OpenAI.
 *
 * @since 0.1.0
 * @category models
 */
export interface Quirks {
  readonly provider: string
  readonly defaultBaseUrl: string
  /** Django-style paths: `/batches/{id}/cancel/` (Respan). */
  readonly trailingSlash?: boolean | undefined
  /** A JSON body sent with cancel (MeshAPI sends `{}`); default none. */
  readonly cancelBody?: unknown
  /**
   * Where results are: the output and error files (default), or inline in the retrieved batch when it
   * carries a `results` list and else the files it names (MeshAPI: `"inline-or-files"`).
   */
  readonly results?: "files" | "inline-or-files" | undefined
  /**
   * Where files live when not under the batch base: turns the configured base URL into the absolute base
   * of `/files/{id}/content` (Respan: `…/api/v1` → `…/api`). Default: the base URL itself.
   */
  readonly filesBase?: ((baseUrl: string) => string) | undefined
  /** Which failures are invalid-state refusals; default {@link VendorHttp.defaultInvalidState}. */
  readonly invalidState?: VendorHttp.InvalidStatePredicate | undefined
  /** Headers sent on every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The `user-agent`, e.g. `VendorHttp.userAgent("@batchctl/openai", version)`. */
  readonly userAgent?: string | undefined
  /** How the vendor starts batches; without it the adapter cannot create (`Unsupported`). */
  readonly create?: CreateQuirks | undefined
}

/**
 * How a vendor of the family starts batches: from an uploaded file (`file`, the OpenAI way) or with the
 * requests inline (`inline`, MeshAPI), and its documented limits.
 *
 * @since 0.2.0
 * @category models
 */
export interface CreateQuirks {
  readonly mode: "file" | "inline"
  /** The upload's `purpose`; default `batch`. */
  readonly purpose?: string | undefined
  readonly maxRequests: number
  readonly maxBytes: number
  readonly endpoints: ReadonlyArray<string>
  readonly windows: ReadonlyArray<string>
  /** How a refusal names the windows when the list is long. */
  readonly windowsText?: string | undefined
  readonly sameModel: boolean
  /** The vendor takes `output_expires_after`. */
  readonly outputExpiry?: boolean | undefined
  /** What the vendor refuses in a request's body: why, or undefined. */
  readonly checkBody?: ((body: Readonly<Record<string, unknown>>) => string | undefined) | undefined
}

/**
 * OpenAI's create: ≤50,000 requests and ≤200 MB per input file, its eight endpoints, the `24h` window,
 * one model per file, `output_expires_after` ([DOC] `CreateBatchRequest`, the batch guide).
 *
 * @since 0.2.0
 * @category constants
 */
export const openAiCreate: CreateQuirks = {
  mode: "file",
  maxRequests: 50_000,
  maxBytes: 200 * 2 ** 20,
  endpoints: [
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos"
  ],
  windows: ["24h"],
  sameModel: true,
  outputExpiry: true
}

/** OpenAI's metadata bounds: ≤16 pairs, keys ≤64 characters, values ≤512. */
const METADATA = { maxPairs: 16, maxKey: 64, maxValue: 512 }

const WireFile = Schema.Struct({ id: Schema.String })

const endedAtField = {
  completed: "completed_at",
  failed: "failed_at",
  expired: "expired_at",
  cancelled: "cancelled_at"
} as const

/**
 * Normalizes one wire batch.
 *
 * @since 0.1.0
 * @category normalizing
 */
export const toBatch = (provider: string, wire: WireBatch, raw: unknown): Batch.Batch => {
  const vendorStatus = wire.status ?? ""
  const status = Batch.statusFromWord(vendorStatus)
  const counts = wire.request_counts
  const ended = status in endedAtField ? wire[endedAtField[status as keyof typeof endedAtField]] : undefined
  return Batch.make({
    id: wire.id,
    provider,
    status,
    vendorStatus,
    counts: counts == null ? {} : { total: counts.total, succeeded: counts.completed, failed: counts.failed },
    createdAt: wire.created_at,
    expiresAt: wire.expires_at,
    cancelRequestedAt: wire.cancelling_at,
    endedAt: ended,
    outputFileId: wire.output_file_id,
    errorFileId: wire.error_file_id,
    errors:
      wire.errors == null ? undefined : ("data" in wire.errors ? wire.errors.data : wire.errors).flatMap(reasonOf),
    raw
  })
}

/** An `errors.data` entry as a reason; one without a message says its code. */
const reasonOf = (entry: typeof BatchErrorEntry.Type): ReadonlyArray<Batch.FailureReason> => {
  const message = entry.message ?? entry.code
  if (message == null) return []
  return [
    {
      message,
      ...(entry.code == null ? {} : { code: entry.code }),
      ...(entry.line == null ? {} : { line: entry.line }),
      ...(entry.param == null ? {} : { param: entry.param })
    }
  ]
}

const isRecord = Predicate.isRecord

const field = Wire.field

/**
 * OpenAI's `usage` of a batch ("only populated on batches created after September 7, 2025").
 *
 * @since 0.1.0
 * @category schemas
 */
export const Usage = Schema.Struct({
  input_tokens: Schema.optional(Schema.Number),
  output_tokens: Schema.optional(Schema.Number),
  total_tokens: Schema.optional(Schema.Number),
  input_tokens_details: Schema.optional(
    Schema.NullOr(Schema.Struct({ cached_tokens: Schema.optional(Schema.Number) }))
  ),
  output_tokens_details: Schema.optional(
    Schema.NullOr(Schema.Struct({ reasoning_tokens: Schema.optional(Schema.Number) }))
  )
})

/**
 * The vendor fields of an OpenAI-family batch that the normalized batch does not carry, typed, each as the
 * vendor sent it (`null` stays `null`) and absent when the vendor did not send it or sent another shape.
 *
 * @since 0.1.0
 * @category models
 */
export interface Extras {
  readonly metadata?: Readonly<Record<string, string>> | null | undefined
  readonly model?: string | null | undefined
  readonly endpoint?: string | undefined
  readonly input_file_id?: string | undefined
  readonly completion_window?: string | undefined
  readonly errors?: { readonly data: ReadonlyArray<typeof BatchErrorEntry.Type> } | null | undefined
  readonly usage?: typeof Usage.Type | null | undefined
}

const drop = <A extends Record<string, unknown>>(record: A): A => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value
  return out as A
}

/**
 * The typed vendor extras of a batch of this family, read from `batch.raw` without a cast. The normalized
 * fields stay the contract; these are the vendor's words.
 *
 * @since 0.1.0
 * @category accessors
 */
export const extras = (batch: Batch.Batch): Extras =>
  drop({
    metadata: field(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.String })), batch.raw, "metadata"),
    model: field(Schema.NullOr(Schema.String), batch.raw, "model"),
    endpoint: field(Schema.String, batch.raw, "endpoint"),
    input_file_id: field(Schema.String, batch.raw, "input_file_id"),
    completion_window: field(Schema.String, batch.raw, "completion_window"),
    errors: field(Schema.NullOr(Schema.Struct({ data: Schema.Array(BatchErrorEntry) })), batch.raw, "errors"),
    usage: field(Schema.NullOr(Usage), batch.raw, "usage")
  })

/**
 * The failure of `list({ before })` for a vendor that pages only forward (`after`).
 *
 * @since 0.1.0
 * @category errors
 */
export const backwardUnsupported = (provider: string): BatchError.Unsupported =>
  new BatchError.Unsupported({
    provider,
    operation: "list",
    message: `${provider} list: the vendor pages only forward (after); before is not supported`
  })

/**
 * Builds the provider service for a vendor of the OpenAI family.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  quirks: Quirks,
  options: VendorHttp.ClientOptions
): Effect.Effect<BatchProvider.Service, never, HttpClient.HttpClient> =>
  Effect.map(VendorHttp.makeFor({ ...quirks, auth: VendorHttp.bearer }, options), (http) =>
    BatchProvider.make(makeAdapter(quirks, http))
  )

/**
 * The adapter over an already-built {@link VendorHttp.VendorHttp}, for vendors that wrap it further.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAdapter = (quirks: Quirks, http: VendorHttp.VendorHttp): BatchProvider.Adapter => {
  const provider = quirks.provider
  const slash = quirks.trailingSlash === true ? "/" : ""

  const retrieve = (ref: { readonly id: string; readonly segment: string }) =>
    Effect.map(
      http.json(WireBatch, HttpClientRequest.get(`/batches/${ref.segment}${slash}`), {
        operation: "retrieve",
        batchId: ref.id
      }),
      ({ value, raw }) => toBatch(provider, value, raw)
    )

  const cancel = (ref: { readonly id: string; readonly segment: string }) => {
    const request = HttpClientRequest.post(`/batches/${ref.segment}/cancel${slash}`)
    return Effect.map(
      http.json(
        WireBatch,
        quirks.cancelBody === undefined ? request : HttpClientRequest.bodyUnsafeJson(request, quirks.cancelBody),
        { operation: "cancel", batchId: ref.id }
      ),
      ({ value, raw }) => toBatch(provider, value, raw)
    )
  }

  const list = (options: Batch.ListOptions) => {
    if (options.before !== undefined) return Effect.fail(backwardUnsupported(provider))
    const params: Record<string, string> = {}
    if (options.limit !== undefined) params.limit = String(options.limit)
    if (options.after !== undefined) params.after = options.after
    return Effect.map(
      http.json(WirePage, HttpClientRequest.get(`/batches${slash}`, { urlParams: params }), { operation: "list" }),
      ({ value, raw }) => {
        const rawItems = isRecord(raw) && Array.isArray(raw.data) ? raw.data : []
        const batches = value.data.map((wire, i) => toBatch(provider, wire, rawItems[i]))
        return Batch.pageOf(batches, value.has_more === true, value.last_id)
      }
    )
  }

  const filesBase = quirks.filesBase === undefined ? "" : quirks.filesBase(http.baseUrl)
  const fromFiles = (batch: Batch.Batch) =>
    Results.fromFiles(http, batch, (fileId) => `${filesBase}/files/${fileId}/content${slash}`)

  const results = (batch: Batch.Batch) => {
    if (quirks.results !== "inline-or-files") return fromFiles(batch)
    const inline = isRecord(batch.raw) && Array.isArray(batch.raw.results) ? batch.raw.results : undefined
    return ResultsSource.inlineOrFiles({
      provider,
      batch,
      inline,
      inlineItem: Results.openAiLine,
      hasFiles: batch.outputFileId !== undefined || batch.errorFileId !== undefined,
      files: () => fromFiles(batch)
    })
  }

  const create =
    quirks.create === undefined ? undefined : makeCreator(quirks, quirks.create, http, filesBase, slash, list)

  return { provider, cancel, retrieve, list, results, create }
}

/** The OpenAI line: `{custom_id, method, url, body}`. */
const openAiLine = (request: Create.Request, endpoint: string | undefined) => ({
  custom_id: request.customId,
  method: "POST",
  url: endpoint,
  body: request.body
})

/**
 * What a vendor that wraps the family's adapter changes in its creator: query parameters sent on every
 * create call (Azure's `api-version`), how a batch is normalized (Azure's statuses without case).
 *
 * @since 0.2.0
 * @category models
 */
export interface CreatorHooks {
  readonly urlParams?: Readonly<Record<string, string>> | undefined
  readonly toBatch?: ((wire: WireBatch, raw: unknown) => Batch.Batch) | undefined
}

/**
 * The family's creator (upload a `purpose=batch` file, then create with `input_file_id`; or inline),
 * looking a lost answer up through `list`: for vendors that build their own adapter around
 * {@link makeAdapter} (Groq's cursor list, Azure's `api-version`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeCreatorFor = (
  quirks: Quirks & { readonly create: CreateQuirks },
  http: VendorHttp.VendorHttp,
  list: (options: Batch.ListOptions) => Effect.Effect<Batch.Page, BatchError.BatchError>,
  hooks: CreatorHooks = {}
): BatchProvider.Creator => {
  const slash = quirks.trailingSlash === true ? "/" : ""
  const filesBase = quirks.filesBase === undefined ? "" : quirks.filesBase(http.baseUrl)
  return makeCreator(quirks, quirks.create, http, filesBase, slash, list, hooks)
}

const makeCreator = (
  quirks: Quirks,
  c: CreateQuirks,
  http: VendorHttp.VendorHttp,
  filesBase: string,
  slash: string,
  list: (options: Batch.ListOptions) => Effect.Effect<Batch.Page, BatchError.BatchError>,
  hooks: CreatorHooks = {}
): BatchProvider.Creator => {
  const provider = quirks.provider
  const urlParams = hooks.urlParams ?? {}
  const normalize = hooks.toBatch ?? ((wire: WireBatch, raw: unknown) => toBatch(provider, wire, raw))
  const spec: Create.Spec = {
    provider,
    transport: c.mode,
    maxRequests: c.maxRequests,
    maxBytes: c.maxBytes,
    endpoints: c.endpoints,
    windows: c.windows,
    windowsText: c.windowsText,
    sameModel: c.sameModel,
    checkBody: c.checkBody,
    metadata: METADATA,
    outputExpiry: c.outputExpiry,
    line: openAiLine,
    lineKeys: ["custom_id", "method", "url", "body"]
  }
  const purpose = c.purpose ?? "batch"
  const uploadPath = `${filesBase}/files${slash}`
  const batchesPath = `/batches${slash}`

  const fields = (prepared: Create.Prepared, options: Create.Options, token: string): Record<string, unknown> => ({
    ...(c.mode === "file" ? { endpoint: prepared.endpoint } : {}),
    completion_window: options.completionWindow ?? "24h",
    metadata: { ...options.metadata, [Create.TOKEN_KEY]: token },
    ...(options.outputExpiresAfterSeconds === undefined
      ? {}
      : { output_expires_after: { anchor: "created_at", seconds: options.outputExpiresAfterSeconds } }),
    ...Create.vendorFields(options)
  })

  const plan = (prepared: Create.Prepared, options: Create.Options, token: string) =>
    c.mode === "file"
      ? [
          {
            method: "POST",
            path: uploadPath,
            body: { purpose, file: `<${prepared.bytes} bytes, ${prepared.requests} request(s)>` }
          },
          {
            method: "POST",
            path: batchesPath,
            body: { input_file_id: "<the uploaded file's id>", ...fields(prepared, options, token) }
          }
        ]
      : [
          {
            method: "POST",
            path: batchesPath,
            body: { requests: `<${prepared.requests} request(s)>`, ...fields(prepared, options, token) }
          }
        ]

  const toCreated = ({ value, raw }: VendorHttp.Decoded<WireBatch>) => normalize(value, raw)
  const once = { operation: "create", retry: { maxAttempts: 1 } }

  /** This create's batch in the list: its token in the metadata, or the file only it was made from. */
  const lookup = (token: string, fileId: string | undefined) => (since: Date) =>
    Create.findInList(
      (after) => list({ limit: 100, ...(after === undefined ? {} : { after }) }),
      (batch) =>
        Create.tokenOf(batch.raw) === token || (fileId !== undefined && extras(batch).input_file_id === fileId),
      since
    )

  const check = (fileId: string | undefined) =>
    `list the batches${fileId === undefined ? "" : ` and look for input_file_id ${fileId}`} or metadata ${Create.TOKEN_KEY}`

  const create = (prepared: Create.Prepared, options: Create.Options, token: string) => {
    if (c.mode === "inline") {
      const body = Create.inlineJson(prepared, "requests", fields(prepared, options, token), {
        onProgress: options.onProgress
      })
      return Create.submitOnce({
        provider,
        requests: prepared.requests,
        send: Effect.map(
          http.json(WireBatch, HttpClientRequest.setBody(HttpClientRequest.post(batchesPath, { urlParams }), body), {
            ...once,
            timeoutMs: Create.uploadTimeoutMs(prepared.bytes)
          }),
          toCreated
        ),
        lookup: lookup(token, undefined),
        check: check(undefined),
        token
      })
    }
    const upload = HttpClientRequest.setBody(
      HttpClientRequest.post(uploadPath, { urlParams }),
      Create.multipart(prepared, { purpose }, { onProgress: options.onProgress })
    )
    return Effect.flatMap(
      // An upload sent twice leaves an unused file, not a second batch: it is retried as any call is.
      http.json(WireFile, upload, { operation: "create", timeoutMs: Create.uploadTimeoutMs(prepared.bytes) }),
      ({ value: file }) =>
        Create.submitOnce({
          provider,
          requests: prepared.requests,
          send: Effect.map(
            http.json(
              WireBatch,
              HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(batchesPath, { urlParams }), {
                input_file_id: file.id,
                ...fields(prepared, options, token)
              }),
              once
            ),
            toCreated
          ),
          lookup: lookup(token, file.id),
          check: check(file.id),
          token
        })
    )
  }

  return { spec, plan, create }
}
