/**
 * Never submitted twice: a create whose answer is lost after the vendor stored the batch, tried again,
 * makes exactly one batch. The emulator's own faults all strike before it acts, so a small proxy here
 * forwards the create, lets the emulator store the batch, and then loses the answer: a reset, or a 502
 * in its place. A vendor with a token to look up by (metadata, the input file) finds the batch and
 * answers it; Anthropic, which keeps nothing to look up by, is not sent again and says what to check.
 */
import { AnthropicBatches } from "@batchctl/anthropic"
import { BatchProvider, type Create, NodeClient } from "@batchctl/core"
import { Emulator } from "@batchctl/emulator"
import { MeshApiBatches } from "@batchctl/meshapi"
import { MoonshotBatches } from "@batchctl/moonshot"
import { OpenAiBatches } from "@batchctl/openai"
import { RespanBatches } from "@batchctl/respan"
import { TogetherBatches } from "@batchctl/together"
import type * as HttpClient from "@effect/platform/HttpClient"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { createServer, request as httpRequest, type Server } from "node:http"
import type { AddressInfo } from "node:net"

type Factory = (options: {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
}) => Layer.Layer<BatchProvider.BatchProvider, unknown, HttpClient.HttpClient>

const KEY = "sk-e2e-never-twice-0001"
let emu: Emulator.Handle

/** How the proxy loses the answer of the next create it forwards. */
type Loss = "reset-after" | "502-after" | "reset-before"

interface Proxy {
  readonly origin: string
  lose: Loss | undefined
  creates: number
  readonly close: () => Promise<void>
}

const isCreate = (method: string | undefined, path: string) =>
  method === "POST" && /\/batches\/?$/.test(path.split("?")[0] ?? "")

/** Forwards to the emulator; the next create after `lose` is set loses its answer. */
const startProxy = async (target: URL): Promise<Proxy> => {
  const proxy: Proxy = { origin: "", lose: undefined, creates: 0, close: async () => undefined }
  const server: Server = createServer((req, res) => {
    const create = isCreate(req.method, req.url ?? "")
    if (create) proxy.creates++
    const loss = create ? proxy.lose : undefined
    if (loss !== undefined) proxy.lose = undefined
    if (loss === "reset-before") {
      req.resume()
      req.on("end", () => res.socket?.destroy())
      return
    }
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Array<Buffer> = []
        answer.on("data", (c: Buffer) => chunks.push(c))
        answer.on("end", () => {
          // The emulator has stored the batch by now: the answer is what gets lost.
          if (loss === "reset-after") return res.socket?.destroy()
          if (loss === "502-after") {
            res.writeHead(502, { "content-type": "text/html" })
            return res.end("<html><body>502 Bad Gateway</body></html>")
          }
          res.writeHead(answer.statusCode ?? 500, answer.headers)
          res.end(Buffer.concat(chunks))
        })
      }
    )
    upstream.on("error", () => res.socket?.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(proxy, {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  })
}

let proxy: Proxy

beforeAll(async () => {
  emu = await Emulator.start({ speed: 0, apiKey: KEY, seed: 3 })
  proxy = await startProxy(new URL(emu.url))
})
afterAll(async () => {
  await proxy.close()
  await emu.close()
})

const viaProxy = (provider: Emulator.Provider) => {
  const base = new URL(emu.baseUrl(provider))
  return `${proxy.origin}${base.pathname}`
}

const provide = (layer: Factory, provider: Emulator.Provider) =>
  Effect.provide(
    layer({ apiKey: Redacted.make(KEY), baseUrl: viaProxy(provider) }).pipe(
      // Retries at once: the test is about what is sent, not about waiting.
      Layer.provide(NodeClient.layer)
    )
  )

const requests = (tag: string, n = 3): ReadonlyArray<Create.Request> =>
  Array.from({ length: n }, (_, i) => ({
    customId: `${tag}-${i}`,
    body: { model: "m-1", max_tokens: 8, messages: [{ role: "user", content: `${tag} ${i}` }] }
  }))

/** Every batch of the provider, straight from the emulator. */
const allBatches = async (provider: Emulator.Provider): Promise<ReadonlyArray<string>> => {
  const ids: Array<string> = []
  let after: string | undefined
  for (;;) {
    const page = await Effect.runPromise(
      Effect.flatMap(BatchProvider.BatchProvider, (p) =>
        p.list({ limit: 100, ...(after === undefined ? {} : { after }) })
      ).pipe(
        Effect.provide(
          layerOf(provider)({ apiKey: Redacted.make(KEY), baseUrl: emu.baseUrl(provider) }).pipe(
            Layer.provide(NodeClient.layer)
          )
        )
      )
    )
    ids.push(...page.batches.map((b) => b.id))
    if (!page.hasMore || page.nextCursor === undefined) return ids
    after = page.nextCursor
  }
}

const layers: Record<Emulator.Provider, Factory> = {
  openai: OpenAiBatches.layer,
  anthropic: AnthropicBatches.layer,
  moonshot: MoonshotBatches.layer,
  together: TogetherBatches.layer,
  respan: RespanBatches.layer,
  meshapi: MeshApiBatches.layer
} as Record<Emulator.Provider, Factory>
const layerOf = (provider: Emulator.Provider) => layers[provider]

const withLookup: ReadonlyArray<Emulator.Provider> = ["openai", "moonshot", "together", "respan", "meshapi"]

describe.sequential("a create whose answer is lost makes exactly one batch", () => {
  for (const provider of withLookup) {
    for (const loss of ["reset-after", "502-after"] as const) {
      it(`${provider}: ${loss}: the retry finds the stored batch instead of sending again`, async () => {
        const before = new Set(await allBatches(provider))
        proxy.creates = 0
        proxy.lose = loss
        const batch = await Effect.runPromise(
          Effect.flatMap(BatchProvider.BatchProvider, (p) => p.create(requests(`${provider}-${loss}`))).pipe(
            provide(layerOf(provider), provider)
          )
        )
        const made = (await allBatches(provider)).filter((id) => !before.has(id))
        assert.deepStrictEqual(made, [batch.id], "exactly one batch, the one answered")
        assert.strictEqual(proxy.creates, 1, "the create was sent once")
      })
    }
    it(`${provider}: reset-before: the look-up finds nothing, so the create is sent again, once`, async () => {
      const before = new Set(await allBatches(provider))
      proxy.creates = 0
      proxy.lose = "reset-before"
      const batch = await Effect.runPromise(
        Effect.flatMap(BatchProvider.BatchProvider, (p) => p.create(requests(`${provider}-before`))).pipe(
          provide(layerOf(provider), provider)
        )
      )
      const made = (await allBatches(provider)).filter((id) => !before.has(id))
      assert.deepStrictEqual(made, [batch.id])
      assert.strictEqual(proxy.creates, 2)
    })
  }

  for (const loss of ["reset-after", "502-after"] as const) {
    it(`anthropic: ${loss}: nothing to look up by, so no second send and CreateUnconfirmed says what to check`, async () => {
      const before = new Set(await allBatches("anthropic"))
      proxy.creates = 0
      proxy.lose = loss
      const result = await Effect.runPromise(
        Effect.either(
          Effect.flatMap(BatchProvider.BatchProvider, (p) => p.create(requests(`anthropic-${loss}`, 4)))
        ).pipe(provide(AnthropicBatches.layer, "anthropic"))
      )
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        const error = result.left
        assert.strictEqual(error._tag, "CreateUnconfirmed")
        if (error._tag === "CreateUnconfirmed") {
          assert.strictEqual(error.requests, 4)
          assert.strictEqual(error.lost, loss === "reset-after" ? "TransportFailure" : "ProviderUnavailable")
          assert.include(error.message, "list the batches")
          assert.include(error.message, error.since)
          assert.notInclude(JSON.stringify(error), KEY)
        }
      }
      const made = (await allBatches("anthropic")).filter((id) => !before.has(id))
      assert.strictEqual(made.length, 1, "the one batch the lost answer made, and no other")
      assert.strictEqual(proxy.creates, 1)
    })
  }
})
