/**
 * The Gemini API batch mode adapter (`generativelanguage.googleapis.com`, `x-goog-api-key`). A batch is a
 * long-running `Operation` (`{name, metadata: GenerateContentBatch, done, error, response}`), named
 * `batches/<id>`; its state is `BATCH_STATE_*` on the wire (`JOB_STATE_*` in the SDKs; both are read);
 * `batchStats` counts are int64 sent as strings, and zero ones are left out (proto3 JSON). Cancel is
 * `POST batches/<id>:cancel`, answered `{}`: the batch is retrieved after it, and goes straight to
 * cancelled (there is no cancelling state). Results are inline in the operation
 * (`inlinedResponses.inlinedResponses`) or in one responses file, with errors on its lines. The list
 * pages with `pageToken` / `nextPageToken`.
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
import * as HttpBody from "@effect/platform/HttpBody"
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
export class GeminiBatches extends Context.Tag("@batchctl/gemini/GeminiBatches")<
  GeminiBatches,
  BatchProvider.Service
>() {}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://generativelanguage.googleapis.com/v1beta"

/**
 * @since 0.1.0
 * @category models
 */
export type Options = VendorHttp.ClientOptions

const maybe = Wire.optionalOrNull
const timestamp = Schema.optional(Timestamp.Lenient)

/** An int64 as Google sends it (a decimal string), or a plain number. */
const Int64 = Wire.lenientField(
  Schema.Union(Schema.NonNegativeInt, Schema.compose(Schema.NumberFromString, Schema.NonNegativeInt))
)

/**
 * `batchStats`: every count an int64 string, each left out when zero.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BatchStats = Schema.Struct({
  requestCount: Int64,
  successfulRequestCount: Int64,
  failedRequestCount: Int64,
  pendingRequestCount: Int64
})

/**
 * The operation as Gemini sends it; unknown fields pass.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireOperation = Schema.Struct({
  name: Schema.String,
  done: Wire.lenientField(Schema.Boolean),
  metadata: maybe(
    Schema.Struct({
      state: maybe(Schema.String),
      batchStats: Wire.lenientField(BatchStats),
      createTime: timestamp,
      endTime: timestamp
    })
  )
})

/**
 * @since 0.1.0
 * @category schemas
 */
export type WireOperation = typeof WireOperation.Type

/**
 * A list page: `{ operations, nextPageToken }`; no token on the last page.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WirePage = Schema.Struct({
  operations: Wire.optionalOrNull(Schema.Array(WireOperation)),
  nextPageToken: Wire.optionalOrNull(Schema.String)
})

const STATES: ReadonlyMap<string, Batch.BatchStatus> = new Map([
  ["PENDING", "validating"],
  ["QUEUED", "validating"],
  ["RUNNING", "in_progress"],
  ["SUCCEEDED", "completed"],
  ["FAILED", "failed"],
  ["CANCELLING", "cancelling"],
  ["CANCELLED", "cancelled"],
  ["EXPIRED", "expired"]
])

const stateWord = (vendorState: string): string | undefined => {
  const m = /^(?:BATCH_STATE|JOB_STATE)_([A-Z_]+)$/.exec(vendorState)
  return m === null ? undefined : m[1]
}

/**
 * `BATCH_STATE_PENDING` (or `JOB_STATE_PENDING`) → `validating` (with `queued`), `…_RUNNING` →
 * `in_progress`, `…_SUCCEEDED` → `completed`, `…_FAILED`, `…_CANCELLED`, `…_EXPIRED` as named; anything
 * else (`…_UNSPECIFIED` included) → `unknown`.
 *
 * @since 0.1.0
 * @category normalizing
 */
export const toStatus = (vendorState: string): Batch.BatchStatus => {
  const word = stateWord(vendorState)
  return word === undefined ? "unknown" : (STATES.get(word) ?? "unknown")
}

/**
 * @since 0.1.0
 * @category normalizing
 */
export const toBatch = (wire: WireOperation, raw: unknown): Batch.Batch => {
  const vendorStatus = wire.metadata?.state ?? ""
  const status = toStatus(vendorStatus)
  const word = stateWord(vendorStatus)
  const stats = wire.metadata?.batchStats
  // Zero counts are left out of the JSON (proto3): with the total there, a missing count is a zero.
  const counts =
    stats?.requestCount === undefined
      ? {}
      : {
          total: stats.requestCount,
          succeeded: stats.successfulRequestCount ?? 0,
          failed: stats.failedRequestCount ?? 0,
          processing: stats.pendingRequestCount ?? 0
        }
  return Batch.make({
    id: wire.name,
    provider: "gemini",
    status,
    vendorStatus,
    queued: word === "PENDING" || word === "QUEUED",
    counts,
    createdAt: wire.metadata?.createTime,
    endedAt: Batch.isTerminalStatus(status) ? wire.metadata?.endTime : undefined,
    outputFileId: responsesFile(raw),
    raw
  })
}

const record = (value: unknown, key: string): Record<string, unknown> | undefined => {
  if (!Predicate.isRecord(value)) return undefined
  const inner = value[key]
  return Predicate.isRecord(inner) ? inner : undefined
}

const responsesFile = (raw: unknown): string | undefined => {
  const file = record(record(raw, "metadata"), "output")?.responsesFile
  return typeof file === "string" && file.length > 0 ? file : undefined
}

/** `inlinedResponses.inlinedResponses` of the operation's `response`, else of `metadata.output`. */
const inlined = (raw: unknown): ReadonlyArray<unknown> | undefined => {
  for (const holder of [record(raw, "response"), record(record(raw, "metadata"), "output")]) {
    const list = record(holder, "inlinedResponses")?.inlinedResponses
    if (Array.isArray(list)) return list
  }
  return undefined
}

const Key = Schema.Struct({ key: Schema.String })
const decodeKey = Schema.decodeUnknownOption(Key)
const keyOf = (value: unknown): string | undefined => Option.getOrUndefined(decodeKey(value))?.key

const present = (value: unknown) => (value === null ? undefined : value)

/**
 * One result: an inline `{metadata: {key}, response | error}` or a file line `{key, response | error |
 * status}`. A request without a key is named by its position (1-based: `"1"`, `"2"`, …), as Gemini
 * answers in the order of the requests. Only a line with a `response` and no error is `succeeded`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const resultItem = (value: unknown, position: number): Batch.ResultItem | undefined => {
  if (!Predicate.isRecord(value)) return undefined
  const customId = keyOf(value) ?? keyOf(value.metadata) ?? String(position)
  const error = present(value.error) ?? present(value.status)
  const response = present(value.response)
  if (error === undefined && response === undefined) return undefined
  return Batch.makeResult({ customId, outcome: error === undefined ? "succeeded" : outcomeOf(error), response, error })
}

const RpcStatus = Schema.Struct({ code: Schema.optional(Schema.Number), status: Schema.optional(Schema.String) })
const decodeRpcStatus = Schema.decodeUnknownOption(RpcStatus)

/**
 * A `google.rpc.Status` of code 1 (`CANCELLED`) is a request the batch never ran: `cancelled`; code 4
 * (`DEADLINE_EXCEEDED`) one it ran out of time for: `expired`; any other is `errored`.
 */
const outcomeOf = (error: unknown): Batch.ResultOutcome => {
  const status = Option.getOrUndefined(decodeRpcStatus(error))
  if (status?.code === 1 || status?.status === "CANCELLED") return "cancelled"
  if (status?.code === 4 || status?.status === "DEADLINE_EXCEEDED") return "expired"
  return "errored"
}

const notAName = (operation: string, id: string) =>
  new BatchError.InvalidRequest({
    provider: "gemini",
    operation,
    message: `gemini ${operation}: ${JSON.stringify(id.slice(0, 300))} is not a batch name: Gemini batch ids are names, batches/<id>`
  })

/** The path of a batch name: `/batches/<id>` with the id as one encoded segment. */
const pathOf = (operation: string, id: string): Effect.Effect<string, BatchError.InvalidRequest> => {
  const rest = id.startsWith("batches/") ? id.slice("batches/".length) : undefined
  if (rest === undefined || rest.includes("/") || BatchId.problem(rest) !== undefined)
    return Effect.fail(notAName(operation, id))
  return Effect.succeed(`/batches/${encodeURIComponent(rest)}`)
}

/**
 * Where a responses file is downloaded: `/download` before the API version of the base URL
 * (`https://generativelanguage.googleapis.com/download/v1beta/files/…:download?alt=media`).
 *
 * @since 0.1.0
 * @category results
 */
export const downloadUrl = (baseUrl: string, file: string): string => {
  const url = new URL(baseUrl.replace(/\/+$/, ""))
  const segments = url.pathname.split("/")
  const versionAt = segments.length - 1
  segments.splice(versionAt, 0, "download")
  const name = file.split("/").map(encodeURIComponent).join("/")
  return `${url.origin}${segments.join("/")}/${name}:download?alt=media`
}

const PAGE_SIZE = 100

const WRONG_KEY = /API key not valid|API_KEY_INVALID/

/** Google answers a wrong key with 400 INVALID_ARGUMENT ("API key not valid"): that is `Unauthorized`. */
const wrongKey = <A, E extends BatchError.BatchError, R>(effect: Effect.Effect<A, E | BatchError.Unauthorized, R>) =>
  Effect.catchIf(
    effect,
    (e): e is E & BatchError.InvalidRequest =>
      e._tag === "InvalidRequest" && e.httpStatus === 400 && WRONG_KEY.test(e.message),
    (e) =>
      Effect.fail(
        new BatchError.Unauthorized({
          provider: e.provider,
          operation: e.operation,
          message: e.message,
          httpStatus: 400,
          ...(e.requestId === undefined ? {} : { requestId: e.requestId })
        })
      )
  )

/**
 * On cancel: a 409 (`ABORTED`), a `FAILED_PRECONDITION`, or what the default reads as a state refusal.
 * What a cancel of a finished batch answers is not settled (an error, or `{}`).
 *
 * @since 0.1.0
 * @category quirks
 */
export const invalidState: VendorHttp.InvalidStatePredicate = (failure) =>
  VendorHttp.defaultInvalidState(failure) ||
  (failure.operation === "cancel" && failure.body.codes.includes("FAILED_PRECONDITION"))

/**
 * The adapter over an already-built `VendorHttp`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAdapter = (http: VendorHttp.VendorHttp): BatchProvider.Adapter => {
  const get = (operation: string, id: string) =>
    wrongKey(
      Effect.flatMap(pathOf(operation, id), (path) =>
        Effect.map(
          http.json(WireOperation, HttpClientRequest.get(path), { operation, batchId: id }),
          ({ value, raw }) => toBatch(value, raw)
        )
      )
    )

  // Answered `{}`: the batch is read again to say where the cancel left it.
  const cancel = (ref: BatchId.BatchRef) =>
    wrongKey(
      Effect.flatMap(pathOf("cancel", ref.id), (path) =>
        http.json(Schema.Unknown, HttpClientRequest.post(`${path}:cancel`), { operation: "cancel", batchId: ref.id })
      )
    ).pipe(Effect.zipRight(VendorHttp.asOperation(get("retrieve", ref.id), "cancel")))

  const list = (options: Batch.ListOptions) =>
    wrongKey(
      Effect.gen(function* () {
        yield* Paging.refuseBackward("gemini", options)
        const urlParams: Record<string, string> = { pageSize: String(options.limit ?? PAGE_SIZE) }
        if (options.after !== undefined) urlParams.pageToken = options.after
        const { value, raw } = yield* http.json(WirePage, HttpClientRequest.get("/batches", { urlParams }), {
          operation: "list"
        })
        const rawItems = Predicate.isRecord(raw) && Array.isArray(raw.operations) ? raw.operations : []
        const batches = (value.operations ?? []).map((wire, i) => toBatch(wire, rawItems[i]))
        return yield* Paging.fromToken("gemini", batches, value.nextPageToken)
      })
    )

  const results = (batch: Batch.Batch) => {
    const inline = inlined(batch.raw)
    const file = batch.outputFileId
    return ResultsSource.inlineOrFiles({
      provider: "gemini",
      batch,
      inline: inline?.map((value, i) => ({ value, position: i + 1 })),
      inlineItem: (entry) => {
        const { value, position } = entry as { readonly value: unknown; readonly position: number }
        return resultItem(value, position)
      },
      hasFiles: file !== undefined,
      files: () => {
        if (file === undefined) return Stream.empty
        const why = BatchId.problem(file, "the responses file name")
        if (why !== undefined || !/^files\/[^/]+$/.test(file)) {
          return Stream.fail(
            new BatchError.UnexpectedResponse({
              provider: "gemini",
              operation: "results",
              message: `gemini results: batch ${batch.id} names a responses file that cannot be requested: ${why ?? "not files/<id>"}`
            })
          )
        }
        let position = 0
        return Results.streamJsonl(
          http,
          HttpClientRequest.get(downloadUrl(http.baseUrl, file), { headers: { accept: "application/binary" } }),
          { provider: "gemini", batchId: batch.id, what: `responses file ${file}`, fileId: file },
          (value) => resultItem(value, ++position)
        )
      }
    })
  }

  return {
    provider: "gemini",
    cancel,
    retrieve: (ref) => get("retrieve", ref.id),
    list,
    results,
    create: makeCreator(http, list)
  }
}

/**
 * Gemini's create: `POST models/{model}:batchGenerateContent` with the requests inline,
 * `{batch: {display_name, input_config: {requests: {requests: [{request, metadata: {key}}]}}}}`, ≤20 MB
 * [DOC] (ai.google.dev batch mode). One model per batch (it is in the path): `model`, or the `body.model`
 * every request names. No endpoint, window or metadata: the batch expires after 48 hours. Vendor fields
 * (`priority`, …) go into `batch`. The input-file way (≤2 GB) needs Google's resumable upload protocol
 * and is not sent by this adapter; an input past 20 MB is refused before anything is sent.
 *
 * @since 0.1.0
 * @category create
 */
export const createSpec: Create.Spec = {
  provider: "gemini",
  transport: "inline",
  maxRequests: Number.MAX_SAFE_INTEGER,
  maxBytes: 20 * 2 ** 20,
  sameModel: true,
  line: (request) => ({ request: request.body, metadata: { key: request.customId } })
}

/**
 * The `display_name` a create sends: the given one (vendor field `display_name`, else `batchctl`) with
 * the create's token, which a retry after a lost answer looks for in the list (Gemini keeps no metadata;
 * "creation is not idempotent" [DOC]).
 *
 * @since 0.1.0
 * @category create
 */
export const displayName = (given: unknown, token: string): string =>
  `${typeof given === "string" && given !== "" ? given : "batchctl"} [${token}]`

const displayNameOf = (raw: unknown): string | undefined => {
  const metadata = record(raw, "metadata")
  const name = metadata?.displayName ?? metadata?.display_name
  return typeof name === "string" ? name : undefined
}

const encoder = new TextEncoder()

const makeCreator = (
  http: VendorHttp.VendorHttp,
  list: (options: Batch.ListOptions) => Effect.Effect<Batch.Page, BatchError.BatchError>
): BatchProvider.Creator => {
  const modelOf = (prepared: Create.Prepared, options: Create.Options) => {
    const model = (options.model ?? prepared.model)?.replace(/^models\//, "")
    return model === undefined || model === "" || model.includes("/") ? undefined : model
  }
  const batchFields = (options: Create.Options, token: string) => {
    const { display_name: given, ...vendor } = Create.vendorFields(options)
    return { display_name: displayName(given, token), ...vendor }
  }
  const pathOfModel = (model: string | undefined) =>
    `/models/${model === undefined ? "<model>" : encodeURIComponent(model)}:batchGenerateContent`
  const plan = (prepared: Create.Prepared, options: Create.Options, token: string) => [
    {
      method: "POST",
      path: pathOfModel(modelOf(prepared, options)),
      body: {
        batch: {
          ...batchFields(options, token),
          input_config: { requests: { requests: `<${prepared.requests} request(s)>` } }
        }
      }
    }
  ]
  /** `{"batch":{…fields,"input_config":{"requests":{"requests":[lines]}}}}`, streamed from the lines file. */
  const body = (prepared: Create.Prepared, options: Create.Options, token: string): HttpBody.HttpBody => {
    const inner = Create.inlineJson(prepared, "requests", {}, { onProgress: options.onProgress })
    const fields = JSON.stringify(batchFields(options, token))
    const open = encoder.encode(`{"batch":${fields.slice(0, -1)},"input_config":{"requests":`)
    const close = encoder.encode("}}}")
    if (inner._tag !== "Stream") return inner
    return HttpBody.stream(
      Stream.make(open).pipe(Stream.concat(inner.stream), Stream.concat(Stream.make(close))),
      "application/json",
      inner.contentLength === undefined ? undefined : open.byteLength + inner.contentLength + close.byteLength
    )
  }
  const create = (prepared: Create.Prepared, options: Create.Options, token: string) => {
    const model = modelOf(prepared, options)
    if (model === undefined) {
      return Effect.fail(
        new BatchError.InvalidRequest({
          provider: "gemini",
          operation: "create",
          message:
            "gemini create: no model to create the batch for: pass model, or name one model as body.model in every request"
        })
      )
    }
    return Create.submitOnce({
      provider: "gemini",
      requests: prepared.requests,
      send: wrongKey(
        Effect.map(
          http.json(
            WireOperation,
            HttpClientRequest.setBody(HttpClientRequest.post(pathOfModel(model)), body(prepared, options, token)),
            { operation: "create", retry: { maxAttempts: 1 }, timeoutMs: Create.uploadTimeoutMs(prepared.bytes) }
          ),
          ({ value, raw }) => toBatch(value, raw)
        )
      ),
      // The token is in the display name: the newest batches are listed and the one bearing it is the answer.
      lookup: (since) =>
        Create.findInList(
          (after) => list({ limit: 100, ...(after === undefined ? {} : { after }) }),
          (batch) => displayNameOf(batch.raw)?.includes(`[${token}]`) === true,
          since
        ),
      check: `list the batches and look for displayName containing [${token}]`,
      token
    })
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
        provider: "gemini",
        defaultBaseUrl,
        userAgent: VendorHttp.userAgent("@batchctl/gemini", version),
        auth: VendorHttp.header("x-goog-api-key"),
        invalidState
      },
      options
    ),
    (http) => BatchProvider.make(makeAdapter(http))
  )

const kit = Adapter.kit<GeminiBatches, Options>({
  provider: "gemini",
  tag: GeminiBatches,
  envPrefix: "GEMINI",
  make,
  // The google-genai SDK reads GEMINI_API_KEY, else GOOGLE_API_KEY.
  keyAliases: ["GOOGLE_API_KEY"]
})

/**
 * Provides {@link GeminiBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `GEMINI_API_KEY` (else `GOOGLE_API_KEY`, as the google-genai SDK does),
 * `GEMINI_BASE_URL`, `GEMINI_TIMEOUT` and `GEMINI_MAX_RETRIES`.
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
