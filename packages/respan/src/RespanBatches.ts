/**
 * The Respan (formerly Keywords AI) adapter: an OpenAI batch proxy under `/api/v1`, with Django-style
 * trailing slashes, errors as `{error:{message,type}}`, `{error:"…"}` or `{detail:"…"}`, cancel refused
 * with 400, and optional `X-Data-Respan-Params` tracking fields per client or per call.
 *
 * @since 0.1.0
 */
import * as Adapter from "@batchctl/core/Adapter"
import type * as BatchProvider from "@batchctl/core/BatchProvider"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import * as OpenAiCompatible from "@batchctl/openai-compatible/OpenAiCompatible"
import * as Context from "effect/Context"
import { version } from "./version.js"
import type * as Effect from "effect/Effect"

/**
 * @since 0.1.0
 * @category tags
 */
export class RespanBatches extends Context.Tag("@batchctl/respan/RespanBatches")<
  RespanBatches,
  BatchProvider.Service
>() {}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.respan.ai/api/v1"

/**
 * The header that carries Respan's tracking parameters.
 *
 * @since 0.1.0
 * @category constants
 */
export const paramsHeader = "x-data-respan-params"

/**
 * Respan tracking parameters (customer identifier and friends); other fields pass through.
 *
 * @since 0.1.0
 * @category models
 */
export interface Params {
  readonly customer_identifier?: string | undefined
  readonly environment?: string | undefined
  readonly custom_identifier?: string | undefined
  readonly thread_identifier?: string | undefined
  readonly metadata?: Readonly<Record<string, unknown>> | undefined
  readonly [key: string]: unknown
}

/**
 * How the header value is written. Respan's current reference asks for Base64-encoded JSON; its older
 * pages (and Keywords AI's) send the JSON as is.
 *
 * @since 0.1.0
 * @category models
 */
export type ParamsEncoding = "base64" | "json"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends VendorHttp.ClientOptions {
  /** Tracking parameters sent with every request of this client. */
  readonly params?: Params | undefined
  /** Default `"base64"`. */
  readonly paramsEncoding?: ParamsEncoding | undefined
}

/**
 * The header value for `params`.
 *
 * @since 0.1.0
 * @category params
 */
export const encodeParams = (params: Params, encoding: ParamsEncoding = "base64"): string => {
  const json = JSON.stringify(params)
  if (encoding === "json") return json
  let binary = ""
  for (const byte of new TextEncoder().encode(json)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/**
 * Headers for one call, e.g. `client.cancel(id, { headers: Respan.headersFor({ customer_identifier }) })`.
 *
 * @since 0.1.0
 * @category params
 */
export const headersFor = (params: Params, encoding: ParamsEncoding = "base64"): Record<string, string> => ({
  [paramsHeader]: encodeParams(params, encoding)
})

/**
 * Sends `params` with every Respan request made inside `effect` (overrides the client's).
 *
 * @since 0.1.0
 * @category params
 */
export const withParams =
  (params: Params, encoding: ParamsEncoding = "base64") =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    VendorHttp.withHeaders(effect, headersFor(params, encoding))

/**
 * @since 0.1.0
 * @category quirks
 */
export const quirks: OpenAiCompatible.Quirks = {
  userAgent: VendorHttp.userAgent("@batchctl/respan", version),
  provider: "respan",
  defaultBaseUrl,
  trailingSlash: true,
  // Only /v1/chat/completions and 24h [DOC] (create-batch); the batch runs on OpenAI, whose limits hold.
  create: { ...OpenAiCompatible.openAiCreate, endpoints: ["/v1/chat/completions"], outputExpiry: false },
  // Files are not under the batch base: Respan's "retrieve file content" and "list files" pages put them
  // at `https://api.respan.ai/api/files/{file_id}/content/`, beside `/api/v1/batches/`.
  filesBase: (baseUrl) => baseUrl.replace(/\/v1\/?$/, ""),
  invalidState: VendorHttp.refusedOnCancel(400, 409)
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options) =>
  OpenAiCompatible.make(quirks, {
    ...options,
    headers: {
      ...(options.params === undefined ? {} : headersFor(options.params, options.paramsEncoding)),
      ...options.headers
    }
  })

const kit = Adapter.kit<RespanBatches, Options>({ provider: "respan", tag: RespanBatches, envPrefix: "RESPAN", make })

/**
 * Provides {@link RespanBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `RESPAN_API_KEY`, `RESPAN_BASE_URL`, `RESPAN_TIMEOUT` and `RESPAN_MAX_RETRIES`.
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
