/** The adapters of this repository, by provider id. */
import { OpenAiBatches } from "@batchctl/openai"
import type { ProviderFactory } from "./Runner.js"

export const builtIn: Readonly<Record<string, ProviderFactory>> = {
  openai: OpenAiBatches.layer
}
