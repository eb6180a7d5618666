/**
 * Every adapter end to end, over real loopback HTTP, against the emulator (which is written from the
 * vendors' documents, not from the adapters): cancel mid-way, wait until terminal, read the partial
 * results, list everything, and each typed error. The emulator's clock is stepped, so nothing sleeps.
 */
import { AnthropicBatches } from "@batchctl/anthropic"
import { AzureOpenAiBatches } from "@batchctl/azure-openai"
import { type Batch, BatchProvider, Lifecycle } from "@batchctl/core"
import { Emulator } from "@batchctl/emulator"
import { GeminiBatches } from "@batchctl/gemini"
import { GroqBatches } from "@batchctl/groq"
import { MeshApiBatches } from "@batchctl/meshapi"
import { MistralBatches } from "@batchctl/mistral"
import { MoonshotBatches } from "@batchctl/moonshot"
import { OpenAiBatches } from "@batchctl/openai"
import { RespanBatches } from "@batchctl/respan"
import { TogetherBatches } from "@batchctl/together"
import { XaiBatches } from "@batchctl/xai"
import type * as HttpClient from "@effect/platform/HttpClient"
import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

type Factory = (options: {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
}) => Layer.Layer<BatchProvider.BatchProvider, unknown, HttpClient.HttpClient>

const adapters: ReadonlyArray<{
  readonly provider: Emulator.VendorName
  readonly layer: Factory
  /** The vendor's finished status, for a batch created finished. */
  readonly finished: string
  /** The status word the adapter reports for it, when not `finished` (xAI sends none). */
  readonly finishedWord?: string
  /** The id the vendor's API names the batch by, from what the emulator created (Gemini: `batches/<id>`). */
  readonly idOf?: (created: { readonly id: string; readonly body: unknown }) => string
  /** xAI accepts a cancel of a batch whose requests are all done (200, `cancel_time` set). */
  readonly cancelsFinished?: boolean
}> = [
  { provider: "openai", layer: OpenAiBatches.layer, finished: "completed" },
  { provider: "anthropic", layer: AnthropicBatches.layer, finished: "ended" },
  { provider: "moonshot", layer: MoonshotBatches.layer, finished: "completed" },
  { provider: "together", layer: TogetherBatches.layer, finished: "COMPLETED" },
  { provider: "respan", layer: RespanBatches.layer, finished: "completed" },
  { provider: "meshapi", layer: MeshApiBatches.layer, finished: "completed" },
  { provider: "mistral", layer: MistralBatches.layer, finished: "SUCCESS" },
  {
    provider: "gemini",
    layer: GeminiBatches.layer,
    finished: "BATCH_STATE_SUCCEEDED",
    idOf: (created) => nameOf(created)
  },
  { provider: "azure-openai", layer: AzureOpenAiBatches.layer, finished: "completed" },
  { provider: "groq", layer: GroqBatches.layer, finished: "completed" },
  { provider: "xai", layer: XaiBatches.layer, finished: "done", finishedWord: "", cancelsFinished: true }
]

/** Gemini's batch is an Operation named `batches/<id>`: its name is the id its API takes. */
function nameOf(created: { readonly id: string; readonly body: unknown }): string {
  const body = created.body
  return typeof body === "object" && body !== null && "name" in body && typeof body.name === "string"
    ? body.name
    : created.id
}

const KEY = "sk-e2e-emulator-key-0001"
let emu: Emulator.Handle

beforeAll(async () => {
  emu = await Emulator.start({ speed: 0, apiKey: KEY, seed: 7 })
})
afterAll(() => emu.close())

const provide = (layer: Factory, provider: Emulator.VendorName, key = KEY) =>
  Effect.provide(
    layer({ apiKey: Redacted.make(key), baseUrl: emu.baseUrl(provider) }).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    )
  )

describe.sequential("every adapter against the emulator", () => {
  for (const {
    provider,
    layer,
    finished,
    finishedWord,
    idOf = (c: { readonly id: string }) => c.id,
    cancelsFinished = false
  } of adapters) {
    it(`${provider}: cancel mid-way, wait until terminal, partial results, list`, async () => {
      const id = idOf(await emu.createBatch({ provider, requests: 6, completed: 2 }))
      const program = Effect.gen(function* () {
        const p = yield* BatchProvider.BatchProvider
        const before = yield* p.retrieve(id)
        const cancelled = yield* p.cancel(id)
        const again = yield* p.cancel(id) // idempotent
        yield* Effect.promise(() => emu.advance(60_000))
        const final = yield* Lifecycle.awaitTerminal(id, { schedule: Lifecycle.fixedPoll(10), timeout: "5 seconds" })
        const results = Chunk.toReadonlyArray(yield* Stream.runCollect(p.results(id)))
        const listed: Array<Batch.Batch> = Chunk.toArray(yield* Stream.runCollect(Lifecycle.listAll({ limit: 2 })))
        return { before, cancelled, again, final, results, listed }
      })
      const r = await Effect.runPromise(program.pipe(provide(layer, provider)))
      assert.strictEqual(r.before.status, "in_progress")
      assert.include(["cancelling", "cancelled"], r.cancelled.status)
      assert.include(["cancelling", "cancelled"], r.again.status)
      assert.strictEqual(r.final.status, "cancelled")
      const outcomes = r.results.map((item) => item.outcome)
      assert.strictEqual(outcomes.filter((o) => o === "succeeded").length, 2, JSON.stringify(outcomes))
      // Requests that never ran: listed as cancelled where the vendor lists them, absent otherwise.
      assert.isTrue(
        outcomes.every((o) => o === "succeeded" || o === "cancelled"),
        JSON.stringify(outcomes)
      )
      assert.isTrue(
        r.listed.some((b) => b.id === id),
        "listAll finds the batch across pages"
      )
      assert.strictEqual(new Set(r.listed.map((b) => b.id)).size, r.listed.length, "no batch listed twice")
    })

    it(`${provider}: typed errors for a finished batch, an unknown id and a wrong key`, async () => {
      const id = idOf(await emu.createBatch({ provider, status: finished, requests: 2 }))
      if (cancelsFinished) {
        const accepted = await Effect.runPromise(
          Effect.flatMap(BatchProvider.BatchProvider, (p) => p.cancel(id)).pipe(provide(layer, provider))
        )
        assert.strictEqual(accepted.status, "cancelled")
      } else {
        const refused = await Effect.runPromise(
          Effect.flip(Effect.flatMap(BatchProvider.BatchProvider, (p) => p.cancel(id))).pipe(provide(layer, provider))
        )
        assert.strictEqual(refused._tag, "InvalidBatchState")
        if (refused._tag === "InvalidBatchState") assert.strictEqual(refused.vendorStatus, finishedWord ?? finished)
      }
      const running = { id: idOf(await emu.createBatch({ provider, requests: 2 })) }
      const unknownId = `${running.id.slice(0, -4)}zzzz`
      const notFound = await Effect.runPromise(
        Effect.flip(Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve(unknownId))).pipe(
          provide(layer, provider)
        )
      )
      assert.strictEqual(notFound._tag, "BatchNotFound")
      const unauthorized = await Effect.runPromise(
        Effect.flip(Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve(running.id))).pipe(
          provide(layer, provider, "sk-wrong-key-9999")
        )
      )
      assert.strictEqual(unauthorized._tag, "Unauthorized")
      assert.notInclude(JSON.stringify(unauthorized), "sk-wrong-key-9999")
      const notTerminal = await Effect.runPromise(
        Effect.flip(
          Stream.runDrain(Stream.unwrap(Effect.map(BatchProvider.BatchProvider, (p) => p.results(running.id))))
        ).pipe(provide(layer, provider))
      )
      assert.strictEqual(notTerminal._tag, "InvalidBatchState")
      assert.strictEqual(notTerminal.operation, "results")
    })
  }

  it("the Promise client streams a 100-request batch's results from the emulator with for await", async () => {
    const { id } = await emu.createBatch({ provider: "openai", status: "completed", requests: 100 })
    const openai = OpenAiBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("openai") })
    const seen: Array<string> = []
    for await (const item of openai.results(id)) seen.push(item.customId)
    await openai.close()
    assert.strictEqual(seen.length, 100)
    assert.strictEqual(new Set(seen).size, 100)
  })
})
