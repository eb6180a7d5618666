/**
 * `batchctl conformance …`: the conformance suite's own command line (`Cli.main` of
 * `@batchctl/conformance`, the code behind `batchctl-conformance`), loaded only when asked for. The
 * bundle hands it the adapters it carries (one per registry entry), and the build copies the suite's fixtures and
 * expectations next to it (dist/fixtures, dist/expectations.json), where the suite looks for them.
 */
import { AnthropicBatches } from "@batchctl/anthropic"
import { AzureOpenAiBatches } from "@batchctl/azure-openai"
import { Cli, type Registry, type Runner } from "@batchctl/conformance"
import { GeminiBatches } from "@batchctl/gemini"
import { GroqBatches } from "@batchctl/groq"
import { MeshApiBatches } from "@batchctl/meshapi"
import { MistralBatches } from "@batchctl/mistral"
import { MoonshotBatches } from "@batchctl/moonshot"
import { OpenAiBatches } from "@batchctl/openai"
import { RespanBatches } from "@batchctl/respan"
import { TogetherBatches } from "@batchctl/together"
import { XaiBatches } from "@batchctl/xai"

// A Record over the registry's ids: a provider missing here is a type error.
const providers: { readonly [P in Registry.Id]: Runner.ProviderFactory } = {
  anthropic: AnthropicBatches.layer,
  meshapi: MeshApiBatches.layer,
  moonshot: MoonshotBatches.layer,
  openai: OpenAiBatches.layer,
  respan: RespanBatches.layer,
  together: TogetherBatches.layer,
  mistral: MistralBatches.layer,
  gemini: GeminiBatches.layer,
  "azure-openai": AzureOpenAiBatches.layer,
  groq: GroqBatches.layer,
  xai: XaiBatches.layer
}

/** `--version` alone, of the suite or of one of its subcommands. */
const asksVersion = (argv: ReadonlyArray<string>): boolean =>
  argv.at(-1) === "--version" &&
  (argv.length === 1 || (argv.length === 2 && ["run", "record", "scaffold"].includes(argv[0] ?? "")))

export const conformance = (argv: ReadonlyArray<string>): Promise<number> => {
  // The suite reads its version from its package.json, which a bundle does not carry: the suite bundled
  // here is the one of this build, so its version is batchctl's.
  if (asksVersion(argv)) {
    process.stdout.write(`${process.env.BATCHCTL_BUILD_VERSION ?? "0.0.0-dev"}\n`)
    return Promise.resolve(0)
  }
  return Cli.main(argv, { providers })
}
