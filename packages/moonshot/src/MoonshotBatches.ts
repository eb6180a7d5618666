/**
 * The Moonshot / Kimi Batch API adapter (OpenAI's wire format, with differences: no `errors`,
 * `expired_at`, `model` or `usage` on the batch; list pages without `first_id`/`last_id`; cancel refused
 * with 400 outside validating / in_progress / finalizing).
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
export class MoonshotBatches extends Context.Tag("@batchctl/moonshot/MoonshotBatches")<
  MoonshotBatches,
  BatchProvider.Service
>() {}

/**
 * International endpoint; `https://api.moonshot.cn/v1` serves keys from platform.kimi.com.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.moonshot.ai/v1"

/**
 * @since 0.1.0
 * @category models
 */
export type Options = VendorHttp.ClientOptions

/**
 * @since 0.1.0
 * @category quirks
 */
export const quirks: OpenAiCompatible.Quirks = {
  // Only /v1/chat/completions, a .jsonl file of at most 100 MB uploaded with purpose "batch", one model
  // for every line, a window from 12h to 7d, no temperature or top_p [DOC] (platform.kimi.ai batch
  // guide). No request count is documented: OpenAI's 50,000.
  create: {
    mode: "file",
    maxRequests: 50_000,
    maxBytes: 100 * 2 ** 20,
    endpoints: ["/v1/chat/completions"],
    windows: [
      ...Array.from({ length: 157 }, (_, i) => `${i + 12}h`),
      ...Array.from({ length: 7 }, (_, i) => `${i + 1}d`)
    ],
    windowsText: "12h to 168h, or 1d to 7d",
    sameModel: true,
    checkBody: (body) =>
      body.temperature !== undefined || body.top_p !== undefined
        ? "Moonshot's batch takes no temperature or top_p"
        : undefined
  },
  userAgent: VendorHttp.userAgent("@batchctl/moonshot", version),
  provider: "moonshot",
  defaultBaseUrl,
  // "Only tasks in validating, in_progress, or finalizing status can be cancelled": refused with 400.
  invalidState: VendorHttp.refusedOnCancel(400, 409)
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options) => OpenAiCompatible.make(quirks, options)

const kit = Adapter.kit<MoonshotBatches, Options>({
  provider: "moonshot",
  tag: MoonshotBatches,
  envPrefix: "MOONSHOT",
  make
})

/**
 * Provides {@link MoonshotBatches} and the generic `BatchProvider`; needs an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, reading `MOONSHOT_API_KEY`, `MOONSHOT_BASE_URL`, `MOONSHOT_TIMEOUT` and `MOONSHOT_MAX_RETRIES`.
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
