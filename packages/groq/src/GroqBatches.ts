/**
 * The Groq batch API adapter: OpenAI's wire format under `/openai/v1`, with Groq's differences: the list
 * pages by an opaque cursor (`?cursor=` → `paging.next_cursor`, no `after`, `limit` or `has_more`),
 * `errors` may be a bare array (`[{code, message, param, line}]`) instead of `{data: […]}`, a
 * `completion_window` from `24h` to `7d`, and `file_` ids.
 *
 * @since 0.1.0
 */
import * as Adapter from "@batchctl/core/Adapter"
import type * as Batch from "@batchctl/core/Batch"
import * as BatchProvider from "@batchctl/core/BatchProvider"
import * as Paging from "@batchctl/core/Paging"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import * as Wire from "@batchctl/core/Wire"
import * as OpenAiCompatible from "@batchctl/openai-compatible/OpenAiCompatible"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { version } from "./version.js"

/**
 * @since 0.1.0
 * @category tags
 */
export class GroqBatches extends Context.Tag("@batchctl/groq/GroqBatches")<GroqBatches, BatchProvider.Service>() {}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.groq.com/openai/v1"

/**
 * @since 0.1.0
 * @category models
 */
export type Options = VendorHttp.ClientOptions

/**
 * A list page: `{ object: "list", data, paging: { next_cursor } }`; no `next_cursor` on the last page.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WirePage = Schema.Struct({
  data: Schema.Array(OpenAiCompatible.WireBatch),
  paging: Wire.optionalOrNull(Schema.Struct({ next_cursor: Wire.optionalOrNull(Schema.String) }))
})

/**
 * Groq's create: the OpenAI way (upload a `purpose=batch` file, then `POST /batches` with
 * `input_file_id`), with Groq's limits: ≤50,000 lines and ≤200 MB per file, the endpoints
 * `/v1/chat/completions`, `/v1/audio/transcriptions`, `/v1/audio/translations`, a window from `24h` to
 * `7d` ([DOC] console.groq.com/docs/batch, [SDK] groq-typescript). Assumed (UNVERIFIED): metadata kept
 * with OpenAI's bounds (the create body takes `metadata` [SDK]; its bounds are not documented), and
 * requests of one file may name different models (no one-model rule is documented).
 *
 * @since 0.1.0
 * @category constants
 */
export const groqCreate: OpenAiCompatible.CreateQuirks = {
  mode: "file",
  maxRequests: 50_000,
  maxBytes: 200 * 2 ** 20,
  endpoints: ["/v1/chat/completions", "/v1/audio/transcriptions", "/v1/audio/translations"],
  windows: [
    ...Array.from({ length: 145 }, (_, i) => `${i + 24}h`),
    ...Array.from({ length: 7 }, (_, i) => `${i + 1}d`)
  ],
  windowsText: "24h to 168h, or 1d to 7d",
  sameModel: false
}

/**
 * The wire quirks: the batch routes and statuses are OpenAI's. What a cancel of a finished batch answers
 * is not documented; a 400 or 409 to it is read as about the batch's state.
 *
 * @since 0.1.0
 * @category quirks
 */
export const quirks: OpenAiCompatible.Quirks = {
  provider: "groq",
  defaultBaseUrl,
  userAgent: VendorHttp.userAgent("@batchctl/groq", version),
  invalidState: VendorHttp.refusedOnCancel(400, 409),
  create: groqCreate
}

/**
 * The adapter over an already-built `VendorHttp`: OpenAI's calls, Groq's cursor listing. `limit` is
 * not sent (Groq's list takes no page size); each page is as long as Groq makes it. A create whose answer
 * is lost is looked up in that list (its token in `metadata`, or its `input_file_id`) before it is sent
 * again.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAdapter = (http: VendorHttp.VendorHttp): BatchProvider.Adapter => {
  const base = OpenAiCompatible.makeAdapter(quirks, http)
  const list = (options: Batch.ListOptions) =>
    Effect.gen(function* () {
      yield* Paging.refuseBackward("groq", options)
      const urlParams: Record<string, string> = options.after === undefined ? {} : { cursor: options.after }
      const { value, raw } = yield* http.json(WirePage, HttpClientRequest.get("/batches", { urlParams }), {
        operation: "list"
      })
      const rawItems = Predicate.isRecord(raw) && Array.isArray(raw.data) ? raw.data : []
      const batches = value.data.map((wire, i) => OpenAiCompatible.toBatch("groq", wire, rawItems[i]))
      return yield* Paging.fromToken("groq", batches, value.paging?.next_cursor)
    })
  return { ...base, list, create: OpenAiCompatible.makeCreatorFor({ ...quirks, create: groqCreate }, http, list) }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<BatchProvider.Service, never, HttpClient.HttpClient> =>
  Effect.map(VendorHttp.makeFor({ ...quirks, auth: VendorHttp.bearer }, options), (http) =>
    BatchProvider.make(makeAdapter(http))
  )

const kit = Adapter.kit<GroqBatches, Options>({ provider: "groq", tag: GroqBatches, envPrefix: "GROQ", make })

/**
 * Provides {@link GroqBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `GROQ_API_KEY`, `GROQ_BASE_URL`, `GROQ_TIMEOUT` and `GROQ_MAX_RETRIES`.
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

const ErrorEntries = Schema.Array(OpenAiCompatible.BatchErrorEntry)

/**
 * The typed vendor fields of a batch (OpenAI's `extras`), with `errors` read in both of Groq's shapes:
 * the documented bare array is returned as `{ data: [...] }`, like OpenAI's. Plus Groq's `project_id`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const extras = (batch: Batch.Batch): OpenAiCompatible.Extras & { readonly project_id?: string | undefined } => {
  const base = OpenAiCompatible.extras(batch)
  const bare = Wire.field(ErrorEntries, batch.raw, "errors")
  const project = Wire.field(Schema.String, batch.raw, "project_id")
  return {
    ...base,
    ...(bare === undefined ? {} : { errors: { data: bare } }),
    ...(project === undefined ? {} : { project_id: project })
  }
}
