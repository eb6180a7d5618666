/**
 * Never submitted twice: a create whose answer is lost after the vendor stored the batch, tried again,
 * makes exactly one batch, on every provider that creates. The emulator's own fault plays the loss: the
 * create is stored and then the connection is dropped before the answer is sent (`{kind: "drop", after:
 * true}`), or a 502 answers in its place (`{kind: "status", after: true}`); a plain drop loses a create
 * that was never stored. A vendor with a token to look up by (metadata, the input file, the display name
 * or batch name) finds the batch and answers it; Anthropic, which keeps nothing to look up by, is not sent
 * again and says what to check. xAI's second step (adding the requests) is proven the same way: the batch's
 * request count says whether a lost add was stored.
 */
import { AnthropicBatches } from "@batchctl/anthropic"
import { AzureOpenAiBatches } from "@batchctl/azure-openai"
import { BatchProvider, type Create, NodeClient } from "@batchctl/core"
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
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

type Factory = (options: {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
}) => Layer.Layer<BatchProvider.BatchProvider, unknown, HttpClient.HttpClient>

const KEY = "sk-e2e-never-twice-0001"
let emu: Emulator.Handle

beforeAll(async () => {
  emu = await Emulator.start({ speed: 0, apiKey: KEY, seed: 3 })
})
afterEach(() => emu.setFaults([]))
afterAll(async () => {
  await emu.close()
})

const layers: Record<string, Factory> = {
  openai: OpenAiBatches.layer,
  anthropic: AnthropicBatches.layer,
  moonshot: MoonshotBatches.layer,
  together: TogetherBatches.layer,
  respan: RespanBatches.layer,
  meshapi: MeshApiBatches.layer,
  "azure-openai": AzureOpenAiBatches.layer,
  groq: GroqBatches.layer,
  mistral: MistralBatches.layer,
  gemini: GeminiBatches.layer,
  xai: XaiBatches.layer
}

const create = (provider: Emulator.VendorName, input: ReadonlyArray<Create.Request>) =>
  Effect.runPromise(
    Effect.either(Effect.flatMap(BatchProvider.BatchProvider, (p) => p.create(input))).pipe(
      Effect.provide(
        (layers[provider] as Factory)({ apiKey: Redacted.make(KEY), baseUrl: emu.baseUrl(provider) }).pipe(
          Layer.provide(NodeClient.layer)
        )
      )
    )
  )

const requests = (tag: string, n = 3): ReadonlyArray<Create.Request> =>
  Array.from({ length: n }, (_, i) => ({
    customId: `${tag}-${i}`,
    body: { model: "m-1", max_tokens: 8, messages: [{ role: "user", content: `${tag} ${i}` }] }
  }))

/** The emulator's id of a batch (Gemini's ids are names, `batches/<id>`). */
const stored = (id: string) => id.replace(/^batches\//, "")

/** How the answer of the next create is lost. */
const losses = {
  "stored, then dropped": { kind: "drop", after: true },
  "stored, then a 502": { kind: "status", status: 502, after: true }
} as const

/** Every provider that creates and has something to look a lost create up by. */
const withLookup: ReadonlyArray<Emulator.VendorName> = [
  "openai",
  "moonshot",
  "together",
  "respan",
  "meshapi",
  "azure-openai",
  "groq",
  "mistral",
  "gemini",
  "xai"
]

/** Runs a create under one fault on one route; answers the result and the batches it made. */
const under = async (
  provider: Emulator.VendorName,
  fault: Emulator.FaultRule,
  tag: string,
  n = 3
): Promise<{ result: Awaited<ReturnType<typeof create>>; made: ReadonlyArray<string> }> => {
  const before = new Set(emu.batchIds(provider))
  emu.setFaults([fault])
  const result = await create(provider, requests(tag, n))
  emu.setFaults([])
  return { result, made: emu.batchIds(provider).filter((id) => !before.has(id)) }
}

describe.sequential("a create whose answer is lost makes exactly one batch", () => {
  for (const provider of withLookup) {
    for (const [name, loss] of Object.entries(losses)) {
      it(`${provider}: ${name}: the retry finds the stored batch instead of sending again`, async () => {
        const { result, made } = await under(
          provider,
          { ...loss, rate: 1, times: 1, provider, route: "create" },
          `${provider}-${loss.kind}`
        )
        assert.isTrue(Either.isRight(result), JSON.stringify(result))
        if (Either.isRight(result))
          assert.deepStrictEqual(made, [stored(result.right.id)], "exactly one batch, the one answered")
      })
    }
    it(`${provider}: dropped before it was stored: the look-up finds nothing, so it is sent again, once`, async () => {
      const { result, made } = await under(
        provider,
        { kind: "drop", rate: 1, times: 1, provider, route: "create" },
        `${provider}-before`
      )
      assert.isTrue(Either.isRight(result), JSON.stringify(result))
      if (Either.isRight(result)) assert.deepStrictEqual(made, [stored(result.right.id)])
    })
  }

  for (const [name, loss] of Object.entries(losses)) {
    it(`anthropic: ${name}: nothing to look up by, so no second send and CreateUnconfirmed says what to check`, async () => {
      const { result, made } = await under(
        "anthropic",
        { ...loss, rate: 1, times: 1, provider: "anthropic", route: "create" },
        `anthropic-${loss.kind}`,
        4
      )
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        const error = result.left
        assert.strictEqual(error._tag, "CreateUnconfirmed")
        if (error._tag === "CreateUnconfirmed") {
          assert.strictEqual(error.requests, 4)
          assert.strictEqual(error.lost, loss.kind === "drop" ? "TransportFailure" : "ProviderUnavailable")
          assert.include(error.message, "list the batches")
          assert.include(error.message, error.since)
          assert.notInclude(JSON.stringify(error), KEY)
        }
      }
      assert.strictEqual(made.length, 1, "the one batch the lost answer made, and no other")
    })
  }

  for (const [name, loss] of Object.entries({
    ...losses,
    "dropped before it was stored": { kind: "drop" }
  } as const)) {
    it(`xai: an add of requests ${name}: the batch's count decides, and every request is in the one batch once`, async () => {
      const { result, made } = await under(
        "xai",
        { ...loss, rate: 1, times: 1, provider: "xai", route: "add-requests" },
        `xai-add-${loss.kind}`,
        5
      )
      assert.isTrue(Either.isRight(result), JSON.stringify(result))
      if (Either.isRight(result)) {
        assert.deepStrictEqual(made, [result.right.id])
        assert.strictEqual(result.right.counts.total, 5)
      }
    })
  }
})
