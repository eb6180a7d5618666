/** The six adapters of this repository, imported statically for the tests (the package imports them lazily). */
import { AnthropicBatches } from "@batchctl/anthropic"
import { MeshApiBatches } from "@batchctl/meshapi"
import { MoonshotBatches } from "@batchctl/moonshot"
import { OpenAiBatches } from "@batchctl/openai"
import { RespanBatches } from "@batchctl/respan"
import { TogetherBatches } from "@batchctl/together"
import type { Runner } from "../src/index.js"

export const builtIn: Readonly<Record<string, Runner.ProviderFactory>> = {
  anthropic: AnthropicBatches.layer,
  meshapi: MeshApiBatches.layer,
  moonshot: MoonshotBatches.layer,
  openai: OpenAiBatches.layer,
  respan: RespanBatches.layer,
  together: TogetherBatches.layer
}
