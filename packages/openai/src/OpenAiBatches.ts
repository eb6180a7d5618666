/**
 * The OpenAI Batch API adapter.
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
export class OpenAiBatches extends Context.Tag("@batchctl/openai/OpenAiBatches")<
  OpenAiBatches,
  BatchProvider.Service
>() {}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.openai.com/v1"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends VendorHttp.ClientOptions {
  /** Sent as `OpenAI-Organization`. */
  readonly organization?: string | undefined
  /** Sent as `OpenAI-Project`. */
  readonly project?: string | undefined
}

/**
 * The wire quirks: none, this is the reference. Cancel of a finished batch is refused with 409.
 *
 * @since 0.1.0
 * @category quirks
 */
export const quirks: OpenAiCompatible.Quirks = {
  userAgent: VendorHttp.userAgent("@batchctl/openai", version),
  provider: "openai",
  defaultBaseUrl,
  create: OpenAiCompatible.openAiCreate
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options) =>
  OpenAiCompatible.make(quirks, {
    ...options,
    headers: {
      ...(options.organization === undefined ? {} : { "openai-organization": options.organization }),
      ...(options.project === undefined ? {} : { "openai-project": options.project }),
      ...options.headers
    }
  })

const kit = Adapter.kit<OpenAiBatches, Options>({
  provider: "openai",
  tag: OpenAiBatches,
  envPrefix: "OPENAI",
  make,
  // The names the official SDK reads.
  env: [
    { option: "organization", variable: "OPENAI_ORG_ID" },
    { option: "project", variable: "OPENAI_PROJECT_ID" }
  ]
})

/**
 * Provides {@link OpenAiBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`,
 * `OPENAI_TIMEOUT` and `OPENAI_MAX_RETRIES` unless given another config.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = kit.layerConfig

/**
 * A Promise client over `node:http` (`NodeClient`): `const openai = client({ apiKey }); await openai.cancel(id)`.
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
 * The typed OpenAI fields of a batch that the normalized batch does not carry (`metadata`, `model`,
 * `endpoint`, `input_file_id`, `errors`, `usage`), each as OpenAI sent it; no cast of `raw` needed.
 *
 * @since 0.1.0
 * @category accessors
 */
export const extras = OpenAiCompatible.extras
