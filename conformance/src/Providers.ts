/** The adapters of this repository, by provider id. */
import { AnthropicBatches } from "@batchctl/anthropic"
import { MeshApiBatches } from "@batchctl/meshapi"
import { MoonshotBatches } from "@batchctl/moonshot"
import { OpenAiBatches } from "@batchctl/openai"
import { RespanBatches } from "@batchctl/respan"
import { TogetherBatches } from "@batchctl/together"
import type { ProviderFactory } from "./Runner.js"

export const builtIn: Readonly<Record<string, ProviderFactory>> = {
  anthropic: AnthropicBatches.layer,
  meshapi: MeshApiBatches.layer,
  moonshot: MoonshotBatches.layer,
  openai: OpenAiBatches.layer,
  respan: RespanBatches.layer,
  together: TogetherBatches.layer
}
