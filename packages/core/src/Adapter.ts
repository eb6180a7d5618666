/**
 * What turns an adapter's `make` into the layers and the Promise client every provider package exports,
 * so that each package stays a thin description of its vendor.
 *
 * Settings come from the options, else from the environment, as the official SDKs do it:
 * `<PREFIX>_API_KEY`, `<PREFIX>_BASE_URL`, `<PREFIX>_TIMEOUT`, `<PREFIX>_MAX_RETRIES`, the bounds
 * (`<PREFIX>_DEADLINE`, `_IDLE_TIMEOUT`, `_MIN_BODY_RATE`, `_MAX_BODY_BYTES`, `_MAX_LINE_LENGTH`), plus each
 * vendor's own (e.g. `OPENAI_ORG_ID`). A missing or unusable setting is an `InvalidRequest` (operation
 * `configure`) that names the option or the variable, and nothing is sent.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { InvalidRequest } from "./BatchError.js"
import { BatchProvider, type Service } from "./BatchProvider.js"
import * as DurationText from "./DurationText.js"
import * as PromiseClient from "./PromiseClient.js"
import * as NodeClient from "./NodeClient.js"
import type { ClientOptions } from "./VendorHttp.js"

/**
 * Options of a Promise client: the same as the layer's, every one optional (read from the environment
 * when left out), with the key as a plain string allowed.
 *
 * @since 0.1.0
 * @category models
 */
export type PlainOptions<O extends ClientOptions> = Omit<O, "apiKey"> & {
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
}

/**
 * A string setting a vendor reads from the environment besides the common ones, e.g. OpenAI's
 * `organization` from `OPENAI_ORG_ID`.
 *
 * @since 0.1.0
 * @category models
 */
export interface EnvSetting<O> {
  readonly option: Exclude<keyof O, keyof ClientOptions> & string
  readonly variable: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Kit<Self, O extends ClientOptions> {
  /** Provides the adapter's own tag and the generic `BatchProvider`; an empty key fails it. */
  readonly layer: (options: O) => Layer.Layer<Self | BatchProvider, InvalidRequest, HttpClient.HttpClient>
  /** Reads every setting from the environment ({@link Kit.variables}) unless given another config. */
  readonly layerConfig: (
    config?: Config.Config<O>
  ) => Layer.Layer<Self | BatchProvider, InvalidRequest, HttpClient.HttpClient>
  /** The default config: every setting of {@link Kit.variables}. */
  readonly config: Config.Config<O>
  /** The environment variables this adapter reads, with the option each one sets. */
  readonly variables: ReadonlyArray<{ readonly variable: string; readonly option: string }>
  /** A Promise client over `node:http` (`NodeClient`). Options left out are read from the environment. */
  readonly client: (options?: PlainOptions<O>) => PromiseClient.BatchClient
}

const configure = (provider: string, message: string) =>
  new InvalidRequest({ provider, operation: "configure", message: `${provider}: ${message}` })

/** A duration in `DurationText`'s grammar (`30s`, `2m`, `30 seconds`), or a bare number of milliseconds (as in 0.1). */
const durationConfig = (name: string): Config.Config<Option.Option<Duration.Duration>> =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const ms = /^\s*\d+\s*$/.test(text) ? Option.some(Number(text.trim())) : DurationText.parse(text)
      return Either.fromOption(Option.map(ms, Duration.millis), () =>
        ConfigError.InvalidData(
          [],
          `${name} is "${text}", which is not a duration (e.g. 30s, 2m, 500ms; a bare number is milliseconds)`
        )
      )
    }),
    Config.option
  )

/** A whole number of at least 0. */
const countConfig = (name: string): Config.Config<Option.Option<number>> =>
  Config.integer(name).pipe(
    Config.validate({ message: `${name} must be a whole number of at least 0`, validation: (n) => n >= 0 }),
    Config.option
  )

const settings = (
  prefix: string,
  keyRequired: boolean,
  keyAliases: ReadonlyArray<string> = []
): Config.Config<Omit<ClientOptions, "apiKey"> & { readonly apiKey?: Redacted.Redacted<string> }> =>
  Config.all({
    apiKey: keyAliases
      .reduce(
        // The vendor SDK's other names for the key, read in turn when `<PREFIX>_API_KEY` is not set.
        (key, alias) => Config.orElse(key, () => Config.redacted(alias)),
        Config.redacted(`${prefix}_API_KEY`)
      )
      .pipe(
        Config.orElse(() => Config.fail(`${prefix}_API_KEY is not set: set it to your API key, or pass apiKey`)),
        Config.validate({
          message: `${prefix}_API_KEY is empty: set it to your API key, or pass apiKey`,
          validation: (key) => Redacted.value(key).trim().length > 0
        }),
        (key) => (keyRequired ? Config.map(key, Option.some) : Config.option(key))
      ),
    baseUrl: Config.string(`${prefix}_BASE_URL`).pipe(Config.option),
    timeout: durationConfig(`${prefix}_TIMEOUT`),
    maxRetries: countConfig(`${prefix}_MAX_RETRIES`),
    deadline: durationConfig(`${prefix}_DEADLINE`),
    idleTimeout: durationConfig(`${prefix}_IDLE_TIMEOUT`),
    minBodyRate: countConfig(`${prefix}_MIN_BODY_RATE`),
    maxBodyBytes: countConfig(`${prefix}_MAX_BODY_BYTES`),
    maxLineLength: countConfig(`${prefix}_MAX_LINE_LENGTH`)
  }).pipe(
    Config.map(({ apiKey, baseUrl, maxRetries, ...bounds }) => ({
      ...(Option.isSome(apiKey) ? { apiKey: apiKey.value } : {}),
      ...(Option.isSome(baseUrl) && baseUrl.value.trim().length > 0 ? { baseUrl: baseUrl.value.trim() } : {}),
      ...(Option.isSome(maxRetries) ? { retry: { maxAttempts: maxRetries.value + 1 } } : {}),
      ...Object.fromEntries(
        Object.entries(bounds as Record<string, Option.Option<unknown>>).flatMap(([option, value]) =>
          Option.isSome(value) ? [[option, value.value]] : []
        )
      )
    }))
  )

/**
 * The environment-variable config every adapter reads by default: `<PREFIX>_API_KEY` (redacted,
 * required), `<PREFIX>_BASE_URL`, `<PREFIX>_TIMEOUT` (milliseconds or a duration),
 * `<PREFIX>_MAX_RETRIES` (retries after the first attempt), `<PREFIX>_DEADLINE` and
 * `<PREFIX>_IDLE_TIMEOUT` (durations), `<PREFIX>_MIN_BODY_RATE` (bytes per second),
 * `<PREFIX>_MAX_BODY_BYTES` and `<PREFIX>_MAX_LINE_LENGTH`.
 *
 * @since 0.1.0
 * @category config
 */
export const envConfig = (prefix: string, keyAliases?: ReadonlyArray<string>): Config.Config<ClientOptions> =>
  settings(prefix, true, keyAliases) as Config.Config<ClientOptions>

/** Every message of a config error, in plain words (`Config.fail` messages stand alone). */
const configMessages = (error: ConfigError.ConfigError): ReadonlyArray<string> => {
  switch (error._op) {
    case "And":
      return [...configMessages(error.left), ...configMessages(error.right)]
    case "Or":
      // Every alternative failed; the last one (a fallback such as `Config.fail`) says it best.
      return configMessages(error.right)
    default:
      return [error.path.length === 0 ? error.message : `${error.path.join(".")}: ${error.message}`]
  }
}

/**
 * Turns a config error into the `InvalidRequest` of a missing or wrong setting.
 *
 * @since 0.1.0
 * @category config
 */
export const fromConfigError = (provider: string, error: ConfigError.ConfigError): InvalidRequest =>
  configure(provider, [...new Set(configMessages(error))].join("; "))

const isUrl = (text: string) => {
  try {
    const url = new URL(text)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const kit = <Self, O extends ClientOptions>(spec: {
  readonly provider: string
  readonly tag: Context.Tag<Self, Service>
  readonly envPrefix: string
  readonly make: (options: O) => Effect.Effect<Service, never, HttpClient.HttpClient>
  /** Further string settings read from the environment. */
  readonly env?: ReadonlyArray<EnvSetting<O>> | undefined
  /**
   * Other variables the vendor's SDK reads the key from, in turn, when `<PREFIX>_API_KEY` is not set
   * (Gemini: `GOOGLE_API_KEY`).
   *
   * @since 0.2.0
   */
  readonly keyAliases?: ReadonlyArray<string> | undefined
}): Kit<Self, O> => {
  const provider = spec.provider
  const prefix = spec.envPrefix
  const extra = spec.env ?? []

  const check = (options: O): Effect.Effect<O, InvalidRequest> => {
    if (!Redacted.isRedacted(options.apiKey) || Redacted.value(options.apiKey).trim().length === 0) {
      return Effect.fail(configure(provider, `the API key is empty: pass apiKey, or set ${prefix}_API_KEY`))
    }
    if (options.baseUrl !== undefined && !isUrl(options.baseUrl)) {
      return Effect.fail(
        configure(provider, `the base URL "${options.baseUrl}" is not an http(s) URL (baseUrl or ${prefix}_BASE_URL)`)
      )
    }
    return Effect.succeed(options)
  }

  const layer = (options: O) =>
    Layer.effectContext(
      check(options).pipe(
        Effect.flatMap(spec.make),
        Effect.map((service) => Context.make(spec.tag, service).pipe(Context.add(BatchProvider, service)))
      )
    )

  const extraConfig: Config.Config<Record<string, string>> =
    extra.length === 0
      ? Config.succeed({})
      : Config.all(
          Object.fromEntries(extra.map(({ option, variable }) => [option, Config.string(variable).pipe(Config.option)]))
        ).pipe(
          Config.map((values) => {
            const out: Record<string, string> = {}
            for (const [option, value] of Object.entries(values)) {
              if (Option.isSome(value) && value.value.trim().length > 0) out[option] = value.value.trim()
            }
            return out
          })
        )

  // O only adds optional fields to ClientOptions, and the extra settings are string options of O.
  const aliases = spec.keyAliases ?? []
  const config = Config.map(Config.all([envConfig(prefix, aliases), extraConfig]), ([common, more]) => ({
    ...more,
    ...common
  })) as Config.Config<ClientOptions> as Config.Config<O>

  const layerConfig = (c: Config.Config<O> = config) =>
    Layer.unwrapEffect(Effect.mapError(c, (error) => fromConfigError(provider, error)).pipe(Effect.map(layer)))

  const client = (options: PlainOptions<O> = {} as PlainOptions<O>) => {
    const given = options.apiKey
    const apiKey = given === undefined ? undefined : Redacted.isRedacted(given) ? given : Redacted.make(String(given))
    // What the caller passed wins; the environment fills in the rest. The key is required from the
    // environment only when it was not passed.
    const fromEnv = Config.map(
      Config.all([settings(prefix, apiKey === undefined, aliases), extraConfig]),
      ([common, more]) => ({
        ...more,
        ...common
      })
    )
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
    const resolved = Effect.mapError(fromEnv, (error) => fromConfigError(provider, error)).pipe(
      // O only adds optional fields to ClientOptions; the key is checked by `layer`.
      Effect.map((env) => ({ ...env, ...defined, ...(apiKey === undefined ? {} : { apiKey }) }) as unknown as O)
    )
    return PromiseClient.make(
      Layer.provideMerge(Layer.unwrapEffect(Effect.map(resolved, layer)), NodeClient.layer),
      provider
    )
  }

  const variables = [
    { variable: `${prefix}_API_KEY`, option: "apiKey" },
    ...aliases.map((variable) => ({ variable, option: "apiKey" })),
    { variable: `${prefix}_BASE_URL`, option: "baseUrl" },
    { variable: `${prefix}_TIMEOUT`, option: "timeout" },
    { variable: `${prefix}_MAX_RETRIES`, option: "retry.maxAttempts (+1)" },
    { variable: `${prefix}_DEADLINE`, option: "deadline" },
    { variable: `${prefix}_IDLE_TIMEOUT`, option: "idleTimeout" },
    { variable: `${prefix}_MIN_BODY_RATE`, option: "minBodyRate" },
    { variable: `${prefix}_MAX_BODY_BYTES`, option: "maxBodyBytes" },
    { variable: `${prefix}_MAX_LINE_LENGTH`, option: "maxLineLength" },
    ...extra.map(({ option, variable }) => ({ variable, option }))
  ]

  return { layer, layerConfig, config, variables, client }
}
