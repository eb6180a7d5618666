/**
 * The one list of this repository's providers. Everything that names the providers reads it: the
 * CLI (`batchctl --provider`, `layerFor`, `conformance`), the conformance suite's built-in adapters,
 * and the tests that check the places that cannot import TypeScript (the selective-install script,
 * the bench, the README tables, e2e, the emulator): `docs/test/Registry.test.ts` fails when a
 * provider is missing from any of them.
 *
 * Data only, no imports: the CLI reads it for `--help` without loading any adapter.
 *
 * @since 0.1.0
 */

/**
 * One provider of the repository.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  /** The provider id fixtures, the CLI and the emulator use. */
  readonly id: string
  /** The npm package (`packages/<directory>`). */
  readonly package: string
  readonly directory: string
  /** The namespace the package exports, holding `layer` (and `layerConfig`). */
  readonly namespace: string
  /** `<PREFIX>_API_KEY` and `<PREFIX>_BASE_URL` are what the CLI and `record` read. */
  readonly envPrefix: string
  /** Which wire the vendor speaks: decides the family base package and the `--init` template. */
  readonly family: "openai" | "anthropic" | "together" | "mistral" | "gemini" | "xai"
  /** The workspace packages it depends on, besides `effect` and `@effect/platform`. */
  readonly dependsOn: ReadonlyArray<string>
  /**
   * Environment variables the adapter reads beyond `<PREFIX>_*` (as its vendor's SDK names them, e.g.
   * Azure's `OPENAI_API_VERSION`), which the CLI passes on to it.
   *
   * @since 0.2.0
   */
  readonly alsoReads?: ReadonlyArray<string>
  /**
   * Where the key is read, in order, when `<PREFIX>_API_KEY` is not set (as the vendor's SDK reads it,
   * e.g. google-genai's `GOOGLE_API_KEY`).
   *
   * @since 0.2.0
   */
  readonly keyAliases?: ReadonlyArray<string>
}

/**
 * The providers, in the order the CLI and the README show them.
 *
 * @since 0.1.0
 * @category registry
 */
export const entries = [
  {
    id: "anthropic",
    package: "@batchctl/anthropic",
    directory: "anthropic",
    namespace: "AnthropicBatches",
    envPrefix: "ANTHROPIC",
    family: "anthropic",
    dependsOn: ["core"]
  },
  {
    id: "openai",
    package: "@batchctl/openai",
    directory: "openai",
    namespace: "OpenAiBatches",
    envPrefix: "OPENAI",
    family: "openai",
    dependsOn: ["core", "openai-compatible"]
  },
  {
    id: "moonshot",
    package: "@batchctl/moonshot",
    directory: "moonshot",
    namespace: "MoonshotBatches",
    envPrefix: "MOONSHOT",
    family: "openai",
    dependsOn: ["core", "openai-compatible"]
  },
  {
    id: "together",
    package: "@batchctl/together",
    directory: "together",
    namespace: "TogetherBatches",
    envPrefix: "TOGETHER",
    family: "together",
    dependsOn: ["core"]
  },
  {
    id: "respan",
    package: "@batchctl/respan",
    directory: "respan",
    namespace: "RespanBatches",
    envPrefix: "RESPAN",
    family: "openai",
    dependsOn: ["core", "openai-compatible"]
  },
  {
    id: "meshapi",
    package: "@batchctl/meshapi",
    directory: "meshapi",
    namespace: "MeshApiBatches",
    envPrefix: "MESHAPI",
    family: "openai",
    dependsOn: ["core", "openai-compatible"]
  },
  {
    id: "mistral",
    package: "@batchctl/mistral",
    directory: "mistral",
    namespace: "MistralBatches",
    envPrefix: "MISTRAL",
    family: "mistral",
    dependsOn: ["core"]
  },
  {
    id: "gemini",
    package: "@batchctl/gemini",
    directory: "gemini",
    namespace: "GeminiBatches",
    envPrefix: "GEMINI",
    family: "gemini",
    dependsOn: ["core"],
    alsoReads: ["GOOGLE_API_KEY"],
    keyAliases: ["GOOGLE_API_KEY"]
  },
  {
    id: "azure-openai",
    package: "@batchctl/azure-openai",
    directory: "azure-openai",
    namespace: "AzureOpenAiBatches",
    envPrefix: "AZURE_OPENAI",
    family: "openai",
    dependsOn: ["core", "openai-compatible"],
    alsoReads: ["OPENAI_API_VERSION"]
  },
  {
    id: "groq",
    package: "@batchctl/groq",
    directory: "groq",
    namespace: "GroqBatches",
    envPrefix: "GROQ",
    family: "openai",
    dependsOn: ["core", "openai-compatible"]
  },
  {
    id: "xai",
    package: "@batchctl/xai",
    directory: "xai",
    namespace: "XaiBatches",
    envPrefix: "XAI",
    family: "xai",
    dependsOn: ["core"]
  }
] as const satisfies ReadonlyArray<Entry>

/**
 * A provider id of this repository.
 *
 * @since 0.1.0
 * @category models
 */
export type Id = (typeof entries)[number]["id"]

/**
 * The ids, in registry order.
 *
 * @since 0.1.0
 * @category registry
 */
export const ids: ReadonlyArray<Id> = entries.map((e) => e.id)

/**
 * @since 0.1.0
 * @category registry
 */
export const isId = (value: string): value is Id => (ids as ReadonlyArray<string>).includes(value)

/**
 * The entry of a provider id.
 *
 * @since 0.1.0
 * @category registry
 */
export const get = (id: Id): Entry => entries.find((e) => e.id === id) as Entry

/**
 * The ids as prose, for help texts: `anthropic, openai, … and meshapi`.
 *
 * @since 0.1.0
 * @category registry
 */
export const prose = (): string => `${ids.slice(0, -1).join(", ")} and ${ids[ids.length - 1]}`
