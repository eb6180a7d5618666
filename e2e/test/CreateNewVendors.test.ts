/**
 * create and run on the five newer adapters (Azure OpenAI, Groq, Mistral, Gemini, xAI), end to end over
 * real loopback HTTP against the emulator: each vendor gets its own calls (an uploaded file, inline
 * requests, an empty batch and then its requests), the batch runs, its results come back one per request;
 * a bad input is refused before anything is sent.
 */
import { AzureOpenAiBatches } from "@batchctl/azure-openai"
import { type Batch, BatchProvider, type Create, Lifecycle, Run } from "@batchctl/core"
import type { Emulator } from "@batchctl/emulator"
import { GeminiBatches } from "@batchctl/gemini"
import { GroqBatches } from "@batchctl/groq"
import { MistralBatches } from "@batchctl/mistral"
import { XaiBatches } from "@batchctl/xai"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { type Factory, requests, useEmulator } from "./createSetup.js"

const adapters: ReadonlyArray<{
  readonly provider: Emulator.VendorName
  readonly layer: Factory
  /** Where the stored input file of a batch is read, for the vendors that upload one. */
  readonly inputFile?: (base: string, batch: Batch.Batch) => string | undefined
}> = [
  {
    provider: "azure-openai",
    layer: AzureOpenAiBatches.layer,
    inputFile: (base, b) =>
      `${base}/files/${(b.raw as { input_file_id: string }).input_file_id}/content?api-version=2024-10-21`
  },
  {
    provider: "groq",
    layer: GroqBatches.layer,
    inputFile: (base, b) => `${base}/files/${(b.raw as { input_file_id: string }).input_file_id}/content`
  },
  { provider: "mistral", layer: MistralBatches.layer },
  { provider: "gemini", layer: GeminiBatches.layer },
  { provider: "xai", layer: XaiBatches.layer }
]

const KEY = "sk-e2e-create-new-0001"
const setup = useEmulator({ apiKey: KEY, seed: 13 })
const layerFor = setup.layer

const auth = (provider: Emulator.VendorName): Record<string, string> =>
  provider === "azure-openai"
    ? { "api-key": KEY }
    : provider === "gemini"
      ? { "x-goog-api-key": KEY }
      : { authorization: `Bearer ${KEY}` }

describe.sequential("create and run on the newer vendors, against the emulator", () => {
  for (const { provider, layer, inputFile } of adapters) {
    it(`${provider}: create from an array, the vendor's own calls, run to the results`, async () => {
      const program = Effect.gen(function* () {
        const p = yield* BatchProvider.BatchProvider
        const progress: Array<Create.Progress> = []
        const created = yield* p.create(requests(5), { onProgress: (x) => progress.push(x) })
        const again = yield* p.retrieve(created.id)
        return { created, again, progress }
      })
      const r = await Effect.runPromise(program.pipe(Effect.provide(layerFor(layer, provider))))
      assert.strictEqual(r.created.id, r.again.id)
      assert.isFalse(r.created.terminal)
      assert.isTrue(
        r.progress.some((x) => x.phase === "uploading" && x.bytes === x.totalBytes),
        JSON.stringify(r.progress)
      )
      const url = inputFile?.(setup.emu.baseUrl(provider), r.created)
      if (url !== undefined) {
        const res = await fetch(url, { headers: auth(provider) })
        assert.strictEqual(res.status, 200)
        const lines = (await res.text())
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
        assert.strictEqual(lines.length, 5)
        assert.strictEqual(lines[3].custom_id, "req-3")
        assert.strictEqual(lines[3].body.messages[0].content, "question 3")
      }
      const timer = setInterval(() => void setup.emu.advance(60_000), 20)
      try {
        const items = await Effect.runPromise(
          Stream.runCollect(Run.run(requests(4), { schedule: Lifecycle.fixedPoll(10) })).pipe(
            Effect.map(Chunk.toReadonlyArray),
            Effect.provide(layerFor(layer, provider))
          )
        )
        assert.sameMembers(
          items.map((i) => i.customId),
          ["req-0", "req-1", "req-2", "req-3"]
        )
        assert.isTrue(items.every((i) => i.outcome === "succeeded"))
      } finally {
        clearInterval(timer)
      }
    })

    it(`${provider}: a JSONL file with a repeated custom_id is refused naming the line, nothing sent`, () =>
      setup.refusesRepeatedCustomId(layer, provider))
  }

  const clients = {
    "azure-openai": AzureOpenAiBatches.client,
    groq: GroqBatches.client,
    mistral: MistralBatches.client,
    gemini: GeminiBatches.client,
    xai: XaiBatches.client
  } as const
  for (const [provider, make] of Object.entries(clients)) {
    it(`${provider}: the Promise client creates, and runs to the results`, async () => {
      const client = make({ apiKey: KEY, baseUrl: setup.emu.baseUrl(provider) })
      const timer = setInterval(() => void setup.emu.advance(60_000), 20)
      try {
        const batch = await client.create(requests(2))
        assert.include(setup.emu.batchIds(provider), batch.id.replace(/^batches\//, ""))
        const ids: Array<string> = []
        for await (const item of client.run(requests(3), { pollIntervalMs: 10 })) ids.push(item.customId)
        assert.sameMembers(ids, ["req-0", "req-1", "req-2"])
        const refused = await client.create([]).catch((e: unknown) => e)
        assert.strictEqual((refused as { _tag?: string })._tag, "InvalidRequest")
      } finally {
        clearInterval(timer)
        await client.close()
      }
    })
  }

  it("mistral: past 10,000 requests the input is uploaded as a file and the job names it", async () => {
    const created = await Effect.runPromise(
      Effect.flatMap(BatchProvider.BatchProvider, (p) => p.create(requests(10_001), { model: "mistral-small" })).pipe(
        Effect.provide(layerFor(MistralBatches.layer, "mistral"))
      )
    )
    const raw = created.raw as { input_files: ReadonlyArray<string>; model: string; metadata: Record<string, string> }
    assert.strictEqual(raw.input_files.length, 1)
    assert.strictEqual(raw.model, "mistral-small")
    assert.match(raw.metadata.batchctl_token ?? "", /^bc_/)
    const res = await fetch(`${setup.emu.baseUrl("mistral")}/files/${raw.input_files[0]}/content`, {
      headers: auth("mistral")
    })
    const text = await res.text()
    assert.strictEqual(text.trim().split("\n").length, 10_001)
  })

  it("gemini: the model comes from the requests' body.model, the token rides in display_name", async () => {
    const created = await Effect.runPromise(
      Effect.flatMap(BatchProvider.BatchProvider, (p) =>
        p.create(requests(2, "gemini-2.5-flash"), { token: "bc_e2e_gemini", vendor: { display_name: "nightly" } })
      ).pipe(Effect.provide(layerFor(GeminiBatches.layer, "gemini")))
    )
    const raw = created.raw as { metadata: { model: string; displayName: string } }
    assert.strictEqual(raw.metadata.model, "models/gemini-2.5-flash")
    assert.strictEqual(raw.metadata.displayName, "nightly [bc_e2e_gemini]")
  })

  it("xai: an input past one add call's 25 MB goes in several add calls, all of it in the one batch", async () => {
    const big = "x".repeat(400_000)
    const many = Array.from({ length: 70 }, (_, i) => ({
      customId: `big-${i}`,
      body: { model: "grok-4", messages: [{ role: "user", content: `${i} ${big}` }] }
    }))
    const progress: Array<Create.Progress> = []
    const created = await Effect.runPromise(
      Effect.flatMap(BatchProvider.BatchProvider, (p) => p.create(many, { onProgress: (x) => progress.push(x) })).pipe(
        Effect.provide(layerFor(XaiBatches.layer, "xai"))
      )
    )
    assert.strictEqual(created.counts.total, 70)
    const adds = progress.filter((x) => x.phase === "uploading")
    assert.isAtLeast(adds.length, 2, JSON.stringify(adds))
    assert.strictEqual(adds.at(-1)?.requests, 70)
  })
})
