/** The adapters of this repository (one per registry entry), imported statically for the tests (the package imports them lazily). */
import { AnthropicBatches } from "@batchctl/anthropic"
import { AzureOpenAiBatches } from "@batchctl/azure-openai"
import { GeminiBatches } from "@batchctl/gemini"
import { GroqBatches } from "@batchctl/groq"
import { MistralBatches } from "@batchctl/mistral"
import { MeshApiBatches } from "@batchctl/meshapi"
import { MoonshotBatches } from "@batchctl/moonshot"
import { OpenAiBatches } from "@batchctl/openai"
import { RespanBatches } from "@batchctl/respan"
import { TogetherBatches } from "@batchctl/together"
import { XaiBatches } from "@batchctl/xai"
import type { Registry, Runner } from "../src/index.js"

// Over the registry's ids: a provider missing here is a type error.
export const builtIn: Readonly<Record<string, Runner.ProviderFactory>> = {
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
} satisfies { readonly [P in Registry.Id]: Runner.ProviderFactory }
