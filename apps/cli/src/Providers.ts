/**
 * The providers (from the registry, `@batchctl/conformance/Registry`), their environment variables, and how the CLI connects to one: the key and base
 * URL it resolves itself (so it needs nothing from the environment reading of the adapters) and the
 * adapter layer, loaded on demand so that `--help` never loads an adapter.
 */
import type { BatchError, BatchProvider } from "@batchctl/core"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Registry from "@batchctl/conformance/Registry"
import * as Effect from "effect/Effect"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { BadInput, MissingApiKey } from "./Failure.js"
import * as Output from "./Output.js"

export const providers: ReadonlyArray<Registry.Id> = Registry.ids

export type Provider = Registry.Id

export const isProvider = Registry.isId

/** `anthropic, openai, … and meshapi`, for the help text. */
export const providersProse: string = Registry.prose()

/** `OPENAI`, `ANTHROPIC`, … */
export const envPrefix = (provider: Provider): string => Registry.get(provider).envPrefix

export const keyVariable = (provider: Provider): string => `${envPrefix(provider)}_API_KEY`

export const baseUrlVariable = (provider: Provider): string => `${envPrefix(provider)}_BASE_URL`

/** How to reach one provider. The key is `Redacted` from the moment it is read. */
export interface Connection {
  readonly provider: Provider
  readonly apiKey: Redacted.Redacted<string>
  readonly keyVariable: string
  /** `undefined`: the adapter's default (the vendor's public API). */
  readonly baseUrl: string | undefined
  readonly baseUrlVariable: string
}

/** What the user passed on the command line. */
export interface ConnectionFlags {
  readonly apiKeyEnv: string | undefined
  readonly baseUrl: string | undefined
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Reads the key from `--api-key-env NAME` or `<PROVIDER>_API_KEY` (or, when that is unset, where the
 * vendor's SDK also reads it: Gemini's `GOOGLE_API_KEY`), and the base URL from `--base-url`
 * or `<PROVIDER>_BASE_URL`. A missing or empty key fails with `MissingApiKey` naming the variable.
 */
export const resolve = (
  provider: Provider,
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env
): Effect.Effect<Connection, MissingApiKey | BadInput> =>
  Effect.suspend((): Effect.Effect<Connection, MissingApiKey | BadInput> => {
    // The provider's own variable, else (unless --api-key-env names one) where its vendor's SDK also reads
    // the key: the first that is set.
    const variable =
      flags.apiKeyEnv ??
      [keyVariable(provider), ...(Registry.get(provider).keyAliases ?? [])].find(
        (name) => (env[name]?.trim() ?? "") !== ""
      ) ??
      keyVariable(provider)
    if (!ENV_NAME.test(variable)) {
      // Someone may have passed the key itself: never echo it.
      Output.addSecret(variable)
      return Effect.fail(
        new BadInput({
          message: "--api-key-env takes the name of an environment variable (letters, digits, _), not a key"
        })
      )
    }
    const raw = env[variable]?.trim()
    if (raw === undefined || raw === "") {
      return Effect.fail(
        new MissingApiKey({
          provider,
          variable,
          message: `no API key for ${provider}: ${variable} is ${raw === undefined ? "not set" : "empty"}`
        })
      )
    }
    Output.addSecret(raw)
    const apiKey = Redacted.make(raw)
    const baseUrlVariableName = baseUrlVariable(provider)
    const baseUrl = flags.baseUrl ?? (env[baseUrlVariableName]?.trim() || undefined)
    if (baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(baseUrl)) {
      return Effect.fail(
        new BadInput({ message: `the base URL must be an http(s) URL, got ${JSON.stringify(baseUrl)}` })
      )
    }
    // A path is appended to the base URL: after a `?` or `#` it would land in the query or the fragment,
    // and every call would go to the wrong path.
    if (baseUrl !== undefined && /[?#]/.test(baseUrl)) {
      return Effect.fail(
        new BadInput({
          message: `the base URL must not have a query or a fragment (? or #): ${JSON.stringify(baseUrl)}`
        })
      )
    }
    return Effect.succeed({ provider, apiKey, keyVariable: variable, baseUrl, baseUrlVariable: baseUrlVariableName })
  })

type ProviderLayer = Layer.Layer<BatchProvider.BatchProvider, BatchError.BatchError, HttpClient.HttpClient>

/**
 * Each provider's adapter, imported only when it is used. The import specifiers are literal so the
 * bundler splits each adapter into its own chunk; the `Record` over the registry's ids makes a
 * provider missing here a type error. Each is the adapter's own `layerConfig()`.
 */
const loaders: { readonly [P in Provider]: () => Promise<ProviderLayer> } = {
  anthropic: () => import("@batchctl/anthropic").then((m) => m.AnthropicBatches.layerConfig()),
  openai: () => import("@batchctl/openai").then((m) => m.OpenAiBatches.layerConfig()),
  moonshot: () => import("@batchctl/moonshot").then((m) => m.MoonshotBatches.layerConfig()),
  together: () => import("@batchctl/together").then((m) => m.TogetherBatches.layerConfig()),
  respan: () => import("@batchctl/respan").then((m) => m.RespanBatches.layerConfig()),
  meshapi: () => import("@batchctl/meshapi").then((m) => m.MeshApiBatches.layerConfig()),
  mistral: () => import("@batchctl/mistral").then((m) => m.MistralBatches.layerConfig()),
  gemini: () => import("@batchctl/gemini").then((m) => m.GeminiBatches.layerConfig()),
  "azure-openai": () => import("@batchctl/azure-openai").then((m) => m.AzureOpenAiBatches.layerConfig()),
  groq: () => import("@batchctl/groq").then((m) => m.GroqBatches.layerConfig()),
  xai: () => import("@batchctl/xai").then((m) => m.XaiBatches.layerConfig())
}

/**
 * The adapter's layer for a connection, read from the environment with the key and base URL the CLI
 * resolved, so the CLI honours every setting the library reads (`<PROVIDER>_TIMEOUT`,
 * `<PROVIDER>_MAX_RETRIES`, `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`, …) the same way.
 */
export const layerFor = (
  connection: Connection,
  env: NodeJS.ProcessEnv = process.env
): Effect.Effect<ProviderLayer> => {
  const prefix = envPrefix(connection.provider)
  const settings = new Map<string, string>()
  const alsoReads: ReadonlyArray<string> = Registry.get(connection.provider).alsoReads ?? []
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (name.startsWith(`${prefix}_`) || alsoReads.includes(name))) settings.set(name, value)
  }
  settings.set(`${prefix}_API_KEY`, Redacted.value(connection.apiKey))
  if (connection.baseUrl === undefined) settings.delete(`${prefix}_BASE_URL`)
  else settings.set(`${prefix}_BASE_URL`, connection.baseUrl)
  const fromSettings = Layer.setConfigProvider(ConfigProvider.fromMap(settings))
  return Effect.map(Effect.promise(loaders[connection.provider]), (layer) => Layer.provide(layer, fromSettings))
}
