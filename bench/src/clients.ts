/**
 * How each implementation is set up for a vendor: the batchctl layers and Promise clients, the official
 * SDKs, and the headers a raw client sends.
 */
import type { BatchProvider, PromiseClient } from "@batchctl/core"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Layer from "effect/Layer"
import type { Vendor } from "./vendors.js"
import { baseUrl } from "./vendors.js"

// Everything heavy is imported when an implementation is set up, not before: each run loads only what
// it measures (the memory and RSS figures would otherwise carry every SDK).

/** A key that looks like one (the scrubbing code only looks for keys of 4+ characters). */
export const API_KEY = "sk-bench-0123456789abcdefghijklmnopqrstuv"

/** What a raw client sends, as the SDKs would. */
export const rawHeaders = (vendor: Vendor): Record<string, string> =>
  vendor === "anthropic"
    ? { "x-api-key": API_KEY, "anthropic-version": "2023-06-01", accept: "application/json" }
    : { authorization: `Bearer ${API_KEY}`, accept: "application/json" }

/** The vendor's batchctl layer (its own tag and `BatchProvider`), still needing an `HttpClient`. */
export const providerLayer = async (
  vendor: Vendor,
  origin: string
): Promise<Layer.Layer<BatchProvider.BatchProvider, unknown, HttpClient.HttpClient>> => {
  const Redacted = await import("effect/Redacted")
  const options = { apiKey: Redacted.make(API_KEY), baseUrl: baseUrl(origin, vendor) }
  switch (vendor) {
    case "openai":
      return (await import("@batchctl/openai")).OpenAiBatches.layer(options)
    case "anthropic":
      return (await import("@batchctl/anthropic")).AnthropicBatches.layer(options)
    case "together":
      return (await import("@batchctl/together")).TogetherBatches.layer(options)
  }
}

/** The layer as the README shows it: on `NodeClient.layer` from `@batchctl/core`. */
export const providerOnNodeClient = async (vendor: Vendor, origin: string) => {
  const [Layer, { NodeClient }] = await Promise.all([import("effect/Layer"), import("@batchctl/core")])
  return (await providerLayer(vendor, origin)).pipe(Layer.provide(NodeClient.layer))
}

/** The same layer on `NodeHttpClient.layerUndici`: what every other `HttpClient` costs (the general pipeline). */
export const providerOnUndici = async (vendor: Vendor, origin: string) => {
  const [Layer, NodeHttpClient] = await Promise.all([
    import("effect/Layer"),
    import("@effect/platform-node/NodeHttpClient")
  ])
  return (await providerLayer(vendor, origin)).pipe(Layer.provide(NodeHttpClient.layerUndici))
}

/** The vendor's batchctl Promise client, as a user makes it. */
export const promiseClient = async (vendor: Vendor, origin: string): Promise<PromiseClient.BatchClient> => {
  const options = { apiKey: API_KEY, baseUrl: baseUrl(origin, vendor) }
  switch (vendor) {
    case "openai":
      return (await import("@batchctl/openai")).OpenAiBatches.client(options)
    case "anthropic":
      return (await import("@batchctl/anthropic")).AnthropicBatches.client(options)
    case "together":
      return (await import("@batchctl/together")).TogetherBatches.client(options)
  }
}

/** The vendor's official SDK, reduced to a cancel. */
export const officialCancel = async (vendor: Vendor, origin: string): Promise<(id: string) => Promise<unknown>> => {
  const baseURL = baseUrl(origin, vendor)
  switch (vendor) {
    case "openai": {
      const client = await officialOpenAi(origin)
      return (id) => client.batches.cancel(id)
    }
    case "anthropic": {
      const client = await officialAnthropic(origin)
      return (id) => client.messages.batches.cancel(id)
    }
    case "together": {
      const { default: Together } = await import("together-ai")
      const client = new Together({ apiKey: API_KEY, baseURL })
      return (id) => client.batches.cancel(id)
    }
  }
}

export const officialOpenAi = async (origin: string) => {
  const { default: OpenAI } = await import("openai")
  return new OpenAI({ apiKey: API_KEY, baseURL: baseUrl(origin, "openai") })
}

export const officialAnthropic = async (origin: string) => {
  const { default: Anthropic } = await import("@anthropic-ai/sdk")
  return new Anthropic({ apiKey: API_KEY, baseURL: baseUrl(origin, "anthropic") })
}

/** Runs `one` over `items`, `concurrency` at a time; resolves to how many succeeded. */
export const pool = async <T>(
  items: ReadonlyArray<T>,
  concurrency: number,
  one: (item: T) => Promise<boolean>
): Promise<number> => {
  let next = 0
  let ok = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T
      try {
        if (await one(item)) ok++
      } catch {
        // counted as not ok
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return ok
}

/** Parses one JSON argument given on the command line. */
export const argument = <A>(): A => JSON.parse(process.argv[2] ?? "{}") as A

export const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10

/** Peak resident set size of this process so far, in bytes. */
export const maxRss = () => process.resourceUsage().maxRSS * 1024
