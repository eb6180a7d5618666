/**
 * create and run for every adapter, end to end over real loopback HTTP against the emulator: the
 * requests reach the vendor as its own lines (read back from the emulator), the batch runs, its results
 * come back one per request; a bad input is refused before anything is sent.
 */
import { AnthropicBatches } from "@batchctl/anthropic"
import { type Batch, BatchProvider, type Create, Lifecycle, Run } from "@batchctl/core"
import type { Emulator } from "@batchctl/emulator"
import { MeshApiBatches } from "@batchctl/meshapi"
import { MoonshotBatches } from "@batchctl/moonshot"
import { OpenAiBatches } from "@batchctl/openai"
import { RespanBatches } from "@batchctl/respan"
import { TogetherBatches } from "@batchctl/together"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { type Factory, requests, useEmulator } from "./createSetup.js"

const adapters: ReadonlyArray<{
  readonly provider: Emulator.Provider
  readonly layer: Factory
  readonly file: boolean
}> = [
  { provider: "openai", layer: OpenAiBatches.layer, file: true },
  { provider: "anthropic", layer: AnthropicBatches.layer, file: false },
  { provider: "moonshot", layer: MoonshotBatches.layer, file: true },
  { provider: "together", layer: TogetherBatches.layer, file: true },
  { provider: "respan", layer: RespanBatches.layer, file: true },
  { provider: "meshapi", layer: MeshApiBatches.layer, file: false }
]

const KEY = "sk-e2e-create-key-0001"
const setup = useEmulator({ apiKey: KEY, seed: 11 })
const provide = (layer: Factory, provider: Emulator.Provider) => Effect.provide(setup.layer(layer, provider))

/** The input file of a batch as the emulator stored it. */
const inputOf = async (provider: Emulator.Provider, batch: Batch.Batch): Promise<string> => {
  const raw = batch.raw as { input_file_id?: string }
  const base = setup.emu.baseUrl(provider).replace(/\/v1$/, provider === "respan" ? "" : "/v1")
  const res = await fetch(`${base}/files/${raw.input_file_id}/content${provider === "respan" ? "/" : ""}`, {
    headers: { authorization: `Bearer ${KEY}` }
  })
  assert.strictEqual(res.status, 200, await res.clone().text())
  return res.text()
}

describe.sequential("create and run against the emulator", () => {
  for (const { provider, layer, file } of adapters) {
    it(`${provider}: create from an array, the vendor's lines as sent, run to the results`, async () => {
      const program = Effect.gen(function* () {
        const p = yield* BatchProvider.BatchProvider
        const progress: Array<Create.Progress> = []
        const created = yield* p.create(requests(5), { onProgress: (x) => progress.push(x) })
        const again = yield* p.retrieve(created.id)
        return { created, again, progress }
      })
      const r = await Effect.runPromise(program.pipe(provide(layer, provider)))
      assert.strictEqual(r.created.id, r.again.id)
      assert.isFalse(r.created.terminal)
      assert.isTrue(
        r.progress.some((x) => x.phase === "uploading" && x.bytes === x.totalBytes),
        JSON.stringify(r.progress)
      )
      if (file) {
        const lines = (await inputOf(provider, r.created))
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
        assert.strictEqual(lines.length, 5)
        assert.deepStrictEqual(lines[3].custom_id, "req-3")
        assert.deepStrictEqual(lines[3].body.messages[0].content, "question 3")
        if (provider !== "together") assert.strictEqual(lines[3].url, "/v1/chat/completions")
      }
      // The whole life in one call: the emulator's clock is stepped while the run waits.
      const timer = setInterval(() => void setup.emu.advance(60_000), 20)
      try {
        const items = await Effect.runPromise(
          Stream.runCollect(Run.run(requests(4), { schedule: Lifecycle.fixedPoll(10) })).pipe(
            Effect.map(Chunk.toReadonlyArray),
            provide(layer, provider)
          )
        )
        assert.strictEqual(items.length, 4)
        assert.sameMembers(
          items.map((i) => i.customId),
          ["req-0", "req-1", "req-2", "req-3"]
        )
      } finally {
        clearInterval(timer)
      }
    })

    it(`${provider}: a JSONL file with a repeated custom_id is refused naming the line, nothing sent`, () =>
      setup.refusesRepeatedCustomId(layer, provider))
  }
})
