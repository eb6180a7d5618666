/**
 * What batchctl creates, read back with the vendors' official SDKs against the emulator: the input file
 * the `openai` and `together-ai` SDKs download is byte for byte what batchctl sent (the vendor's lines of
 * the requests given), and `@anthropic-ai/sdk` sees the batch, its requests and their results.
 */
import { AnthropicBatches } from "@batchctl/anthropic"
import { Create } from "@batchctl/core"
import { Emulator } from "@batchctl/emulator"
import { OpenAiBatches } from "@batchctl/openai"
import { TogetherBatches } from "@batchctl/together"
import Anthropic from "@anthropic-ai/sdk"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import OpenAI from "openai"
import Together from "together-ai"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const KEY = "sk-e2e-sdk-read-back-0001"
let emu: Emulator.Handle
let dir: string

beforeAll(async () => {
  emu = await Emulator.start({ speed: 0, apiKey: KEY, seed: 5 })
  dir = mkdtempSync(join(tmpdir(), "batchctl-e2e-sdk-"))
})
afterAll(async () => {
  await emu.close()
  rmSync(dir, { recursive: true, force: true })
})

const requests = (n: number): ReadonlyArray<Create.Request> =>
  Array.from({ length: n }, (_, i) => ({
    customId: `q-${i}`,
    body: {
      model: "m-1",
      max_tokens: 32,
      messages: [{ role: "user", content: `Capital of country #${i}? "quoted" ünïcödé` }]
    }
  }))

describe.sequential("the official SDKs read back what batchctl created", () => {
  it("openai: the input file is exactly the lines batchctl sent, from a JSONL file", async () => {
    // A JSONL file in the OpenAI shape, read and re-sent as the same lines.
    const lines = requests(7).map((r) =>
      JSON.stringify({ custom_id: r.customId, method: "POST", url: "/v1/chat/completions", body: r.body })
    )
    const path = join(dir, "openai.jsonl")
    writeFileSync(path, `${lines.join("\n")}\n`)
    const client = OpenAiBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("openai") })
    try {
      const batch = await client.create(Create.jsonlFile(path), { metadata: { project: "read-back" } })
      const sdk = new OpenAI({ apiKey: KEY, baseURL: emu.baseUrl("openai"), maxRetries: 0 })
      const seen = await sdk.batches.retrieve(batch.id)
      assert.strictEqual(seen.endpoint, "/v1/chat/completions")
      assert.strictEqual(seen.completion_window, "24h")
      assert.strictEqual(seen.metadata?.project, "read-back")
      assert.match(seen.metadata?.batchctl_token ?? "", /^bc_[0-9a-f]{24}$/)
      const file = await sdk.files.retrieve(seen.input_file_id)
      assert.strictEqual(file.purpose, "batch")
      const content = await (await sdk.files.content(seen.input_file_id)).text()
      assert.strictEqual(content, `${lines.join("\n")}\n`)
    } finally {
      await client.close()
    }
  })

  it("together-ai: the input file is the {custom_id, body} lines of the requests", async () => {
    const client = TogetherBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("together") })
    try {
      const batch = await client.create(requests(5), { model: "m-1" })
      const sdk = new Together({ apiKey: KEY, baseURL: emu.baseUrl("together"), maxRetries: 0 })
      const seen = await sdk.batches.retrieve(batch.id)
      assert.strictEqual(seen.endpoint, "/v1/chat/completions")
      const expected = requests(5)
        .map((r) => `${JSON.stringify({ custom_id: r.customId, body: r.body })}\n`)
        .join("")
      const content = await (await sdk.files.content(seen.input_file_id!)).text()
      assert.strictEqual(content, expected)
    } finally {
      await client.close()
    }
  })

  it("@anthropic-ai/sdk: the batch holds the requests sent inline, and their results come back by custom_id", async () => {
    const client = AnthropicBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("anthropic") })
    try {
      const batch = await client.create(requests(6))
      const sdk = new Anthropic({ apiKey: KEY, baseURL: emu.baseUrl("anthropic"), maxRetries: 0 })
      const seen = await sdk.messages.batches.retrieve(batch.id)
      assert.strictEqual(seen.processing_status, "in_progress")
      assert.strictEqual(seen.request_counts.processing, 6)
      await emu.advance(24 * 3600_000)
      const ids: Array<string> = []
      for await (const r of await sdk.messages.batches.results(batch.id)) ids.push(r.custom_id)
      assert.sameMembers(
        ids,
        requests(6).map((r) => r.customId)
      )
    } finally {
      await client.close()
    }
  })
})
