/**
 * The built-in profiles, in the order `Emulator.vendors` lists them.
 */
import type { VendorProfile } from "../Profile.js"
import { anthropic } from "../profiles/anthropic.js"
import { azureOpenai } from "../profiles/azure-openai.js"
import { gemini } from "../profiles/gemini.js"
import { groq } from "../profiles/groq.js"
import { meshapi } from "../profiles/meshapi.js"
import { mistral } from "../profiles/mistral.js"
import { moonshot } from "../profiles/moonshot.js"
import { openai } from "../profiles/openai.js"
import { respan } from "../profiles/respan.js"
import { together } from "../profiles/together.js"
import { xai } from "../profiles/xai.js"

export const builtins: ReadonlyArray<VendorProfile> = [
  openai,
  anthropic,
  moonshot,
  together,
  respan,
  meshapi,
  mistral,
  gemini,
  azureOpenai,
  groq,
  xai
]
