import { AzureOpenAiBatches } from "@batchctl/azure-openai"
import { BatchError, NodeClient } from "@batchctl/core"
import * as Loopback from "@batchctl/core/testing"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const batch = (id: string, status = "in_progress") => ({
  id,
  object: "batch",
  status,
  created_at: 1646126127,
  request_counts: { total: 2, completed: 1, failed: 0 }
})

describe("AzureOpenAiBatches", () => {
  it("routes: the v1 routes from an endpoint, the classic ones with an api-version, none without either", () => {
    const E = "https://r.openai.azure.com"
    assert.deepStrictEqual(AzureOpenAiBatches.routesOf({ endpoint: E }), {
      baseUrl: `${E}/openai/v1`,
      apiVersion: undefined
    })
    assert.deepStrictEqual(AzureOpenAiBatches.routesOf({ endpoint: `${E}/`, apiVersion: "2025-04-01-preview" }), {
      baseUrl: `${E}/openai`,
      apiVersion: "2025-04-01-preview"
    })
    assert.deepStrictEqual(AzureOpenAiBatches.routesOf({ baseUrl: `${E}/openai` }), {
      baseUrl: `${E}/openai`,
      apiVersion: "2024-10-21"
    })
    assert.deepStrictEqual(AzureOpenAiBatches.routesOf({ baseUrl: `${E}/openai/v1/` }), {
      baseUrl: `${E}/openai/v1`,
      apiVersion: undefined
    })
    assert.isUndefined(AzureOpenAiBatches.routesOf({}))
    assert.isUndefined(AzureOpenAiBatches.routesOf({ endpoint: "  " }))
  })

  it("reads a capitalised status as OpenAI's word and keeps it as vendorStatus", () => {
    const b = AzureOpenAiBatches.toBatch({ id: "b", status: "Validating", created_at: new Date(0) }, {})
    assert.strictEqual(b.status, "validating")
    assert.strictEqual(b.vendorStatus, "Validating")
    assert.isFalse(b.terminal)
    const done = AzureOpenAiBatches.toBatch({ id: "b", status: "Completed", completed_at: new Date(1000) }, {})
    assert.strictEqual(done.status, "completed")
    assert.isTrue(done.terminal)
    assert.strictEqual(done.endedAt?.getTime(), 1000)
    assert.strictEqual(AzureOpenAiBatches.toBatch({ id: "b", status: "Paused" }, {}).status, "unknown")
  })

  it("sends the key as api-key (never as a bearer) and api-version on every classic request, files included", async () => {
    const server = await Loopback.start(({ path }) =>
      path.startsWith("/openai/batches/b1")
        ? { status: 200, body: { ...batch("b1", "completed"), output_file_id: "file-1" } }
        : { status: 200, text: `${JSON.stringify({ custom_id: "t", response: { status_code: 200, body: {} } })}\n` }
    )
    const client = AzureOpenAiBatches.client({ apiKey: "az-key", endpoint: server.url, apiVersion: "2024-10-21" })
    try {
      const items: Array<string> = []
      for await (const item of client.results("b1")) items.push(item.customId)
      assert.deepStrictEqual(items, ["t"])
      assert.deepStrictEqual(
        server.seen.map((s) => s.path),
        ["/openai/batches/b1?api-version=2024-10-21", "/openai/files/file-1/content?api-version=2024-10-21"]
      )
      assert.isTrue(
        server.seen.every((s) => s.headers["api-key"] === "az-key" && s.headers.authorization === undefined)
      )
    } finally {
      await client.close()
      await server.close()
    }
  })

  it("without an endpoint every call fails with a configure error naming AZURE_OPENAI_ENDPOINT, sending nothing", async () => {
    const client = AzureOpenAiBatches.client({ apiKey: "az-key" })
    try {
      const error = await client.retrieve("b1").catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.InvalidRequest)
      assert.strictEqual((error as BatchError.InvalidRequest).operation, "configure")
      assert.include((error as Error).message, "AZURE_OPENAI_ENDPOINT")
      // create too: the configure error, not `Unsupported` (the adapter creates once it has an endpoint)
      const refused = await client
        .create([{ customId: "a", body: { model: "dep", messages: [] } }])
        .catch((e: unknown) => e)
      assert.instanceOf(refused, BatchError.InvalidRequest)
      assert.strictEqual((refused as BatchError.InvalidRequest).operation, "configure")
      assert.include((refused as Error).message, "azure-openai create: the resource endpoint is required")
    } finally {
      await client.close()
    }
  })

  it("reads AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION from the environment", async () => {
    const server = await Loopback.start(() => ({ status: 200, body: batch("b1") }))
    try {
      await Effect.runPromise(
        Effect.flatMap(AzureOpenAiBatches.AzureOpenAiBatches, (a) => a.retrieve("b1")).pipe(
          Effect.provide(AzureOpenAiBatches.layerConfig().pipe(Layer.provide(NodeClient.layer))),
          Effect.withConfigProvider(
            ConfigProvider.fromMap(
              new Map([
                ["AZURE_OPENAI_API_KEY", "az-key"],
                ["AZURE_OPENAI_ENDPOINT", server.url],
                ["OPENAI_API_VERSION", "2025-04-01-preview"]
              ])
            )
          )
        )
      )
      assert.strictEqual(server.seen[0]?.path, "/openai/batches/b1?api-version=2025-04-01-preview")
    } finally {
      await server.close()
    }
  })

  it("with an Entra ID token provider: the token as a bearer, asked before each call, no api-key; a failing provider is a typed error", async () => {
    const server = await Loopback.start(({ path }) => ({
      status: 200,
      body: batch(path.split("/")[4]?.split("?")[0] ?? "")
    }))
    const tokens = ["token-1", "token-2"]
    let asked = 0
    const layer = AzureOpenAiBatches.layerWithTokenProvider({
      endpoint: server.url,
      azureADTokenProvider: async () => {
        const token = tokens[asked++]
        if (token === undefined) throw new Error("the credential is gone")
        return token
      }
    }).pipe(Layer.provide(NodeClient.layer))
    try {
      const program = Effect.flatMap(AzureOpenAiBatches.AzureOpenAiBatches, (a) =>
        Effect.all([a.retrieve("b1"), a.retrieve("b2"), Effect.flip(a.retrieve("b3"))])
      )
      const [first, second, failed] = await Effect.runPromise(program.pipe(Effect.provide(layer)))
      assert.strictEqual(first.id, "b1")
      assert.strictEqual(second.id, "b2")
      assert.deepStrictEqual(
        server.seen.map((s) => s.headers.authorization),
        ["Bearer token-1", "Bearer token-2"]
      )
      assert.isTrue(server.seen.every((s) => s.headers["api-key"] === undefined))
      assert.strictEqual(server.seen[0]?.path, "/openai/v1/batches/b1")
      assert.strictEqual(failed._tag, "InvalidRequest")
      assert.include(failed.message, "the credential is gone")
    } finally {
      await server.close()
    }
  })
})
