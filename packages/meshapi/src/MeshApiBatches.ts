/**
 * The MeshAPI batch adapter: OpenAI-compatible gateway; cancel is a POST with body `{}`, results come
 * inline in the retrieved batch, errors as `{error:{code,message,details?,retry_after_seconds?},request_id}`
 * or FastAPI's `{detail}`. 422 → `InvalidRequest` with the details, 402 → `QuotaExceeded`,
 * 501 → `Unsupported`; `retry_after_seconds` counts like a `retry-after` header.
 *
 * Note: MeshAPI bills usage "on the first terminal observation" of a retrieve.
 *
 * @since 0.1.0
 */
import * as Adapter from "@batchctl/core/Adapter"
import type * as BatchProvider from "@batchctl/core/BatchProvider"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import * as OpenAiCompatible from "@batchctl/openai-compatible/OpenAiCompatible"
import * as Context from "effect/Context"
import { version } from "./version.js"

/**
 * @since 0.1.0
 * @category tags
 */
export class MeshApiBatches extends Context.Tag("@batchctl/meshapi/MeshApiBatches")<
  MeshApiBatches,
  BatchProvider.Service
>() {}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.meshapi.ai/v1"

/**
 * Options; the key is a Router Service Key (`rsk_…`).
 *
 * @since 0.1.0
 * @category models
 */
export type Options = VendorHttp.ClientOptions

/**
 * @since 0.1.0
 * @category quirks
 */
export const quirks: OpenAiCompatible.Quirks = {
  userAgent: VendorHttp.userAgent("@batchctl/meshapi", version),
  provider: "meshapi",
  defaultBaseUrl,
  cancelBody: {},
  // Requests inline, one model for all [DOC] (POST /v1/batches); no size limit is documented, so the
  // upstream's (OpenAI's) hold.
  create: {
    mode: "inline",
    maxRequests: 50_000,
    maxBytes: 200 * 2 ** 20,
    endpoints: ["/v1/chat/completions"],
    windows: ["24h"],
    sameModel: true
  },
  results: "inline-or-files",
  invalidState: ({ status, operation, body }) =>
    operation === "cancel" &&
    (status === 409 || (status === 400 && body.codes.some((c) => /state|status|conflict|cancel/i.test(c))))
}

/**
 * The default bound on one answer's body: MeshAPI puts every result of a completed batch inline in the
 * batch object, so a single batch of tens of thousands of requests passes the core's 16 MiB default.
 * Still a bound (`maxBodyBytes` or `MESHAPI_MAX_BODY_BYTES` changes it); a list page past it is read in
 * smaller pages (`Lifecycle.listPage`).
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxBodyBytes = 256 * 2 ** 20

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options) =>
  OpenAiCompatible.make(quirks, { ...options, maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes })

const kit = Adapter.kit<MeshApiBatches, Options>({
  provider: "meshapi",
  tag: MeshApiBatches,
  envPrefix: "MESHAPI",
  make
})

/**
 * Provides {@link MeshApiBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `MESHAPI_API_KEY`, `MESHAPI_BASE_URL`, `MESHAPI_TIMEOUT` and `MESHAPI_MAX_RETRIES`.
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

/**
 * The typed vendor fields of a batch that the normalized batch does not carry (`metadata`, `model`,
 * `endpoint`, `input_file_id`, …), each as the vendor sent it; no cast of `raw` needed.
 *
 * @since 0.1.0
 * @category accessors
 */
export const extras = OpenAiCompatible.extras
