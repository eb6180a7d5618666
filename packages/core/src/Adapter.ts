/**
 * What turns an adapter's `make` into the layers and the Promise client every provider package exports,
 * so that each package stays a thin description of its vendor.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { BatchProvider, type Service } from "./BatchProvider.js"
import * as PromiseClient from "./PromiseClient.js"
import type { ClientOptions } from "./VendorHttp.js"

/**
 * Options of a Promise client: the same as the layer's, with the key as a plain string allowed.
 *
 * @since 0.1.0
 * @category models
 */
export type PlainOptions<O extends ClientOptions> = Omit<O, "apiKey"> & {
  readonly apiKey: string | Redacted.Redacted<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Kit<Self, O extends ClientOptions> {
  /** Provides the adapter's own tag and the generic `BatchProvider`. */
  readonly layer: (options: O) => Layer.Layer<Self | BatchProvider, never, HttpClient.HttpClient>
  /** Reads `<ENV>_API_KEY` and `<ENV>_BASE_URL` unless given another config. */
  readonly layerConfig: (
    config?: Config.Config<O>
  ) => Layer.Layer<Self | BatchProvider, ConfigError.ConfigError, HttpClient.HttpClient>
  /** The default config: `<ENV>_API_KEY` (redacted) and optional `<ENV>_BASE_URL`. */
  readonly config: Config.Config<O>
  /** A Promise client over `fetch`. */
  readonly client: (options: PlainOptions<O>) => PromiseClient.BatchClient
}

/**
 * The environment-variable config every adapter reads by default.
 *
 * @since 0.1.0
 * @category config
 */
export const envConfig = (prefix: string): Config.Config<ClientOptions> =>
  Config.all({
    apiKey: Config.redacted(`${prefix}_API_KEY`),
    baseUrl: Config.string(`${prefix}_BASE_URL`).pipe(Config.option, Config.map(Option.getOrUndefined))
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const kit = <Self, O extends ClientOptions>(spec: {
  readonly provider: string
  readonly tag: Context.Tag<Self, Service>
  readonly envPrefix: string
  readonly make: (options: O) => Effect.Effect<Service, never, HttpClient.HttpClient>
}): Kit<Self, O> => {
  const layer = (options: O) =>
    Layer.effectContext(
      Effect.map(spec.make(options), (service) =>
        Context.make(spec.tag, service).pipe(Context.add(BatchProvider, service))
      )
    )
  // O only adds optional fields to ClientOptions, so the env config is a valid O.
  const config = envConfig(spec.envPrefix) as Config.Config<ClientOptions> as Config.Config<O>
  const layerConfig = (c: Config.Config<O> = config) => Layer.unwrapEffect(Effect.map(c, layer))
  const client = (options: PlainOptions<O>) => {
    const apiKey = Redacted.isRedacted(options.apiKey) ? options.apiKey : Redacted.make(options.apiKey)
    const full = { ...options, apiKey } as unknown as O
    return PromiseClient.make(Layer.provide(layer(full), FetchHttpClient.layer), spec.provider)
  }
  return { layer, layerConfig, config, client }
}
