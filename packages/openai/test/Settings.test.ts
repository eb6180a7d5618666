/**
 * Settings: a missing or wrong one is a typed error before any request, and every documented one is
 * read from the environment, by `client()` as by `layerConfig`. Over real HTTP on loopback.
 */
import { BatchError, BatchProvider, Lifecycle } from "@batchctl/core"
import * as LoopbackServer from "@batchctl/core/testing"
import { OpenAiBatches } from "@batchctl/openai"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

let server: LoopbackServer.LoopbackServer
const batch = (id: string) => ({ id, status: "in_progress", created_at: 1711471533 })

beforeAll(async () => {
  server = await LoopbackServer.start((request) =>
    request.path.includes("/flaky")
      ? { status: 500, body: { error: { message: "boom" } } }
      : // the batch asked for: /v1/batches/{id} and /v1/batches/{id}/cancel
        {
          status: 200,
          body: batch(decodeURIComponent(request.path.split("?")[0]?.split("/batches/")[1]?.split("/")[0] ?? "b1"))
        }
  )
})
afterAll(() => server.close())

// These tests change process.env: they run one after the other and put it back.
const saved = { ...process.env }
afterEach(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith("OPENAI_")) delete process.env[name]
  for (const [name, value] of Object.entries(saved)) if (name.startsWith("OPENAI_")) process.env[name] = value
})
const clearEnv = () => {
  for (const name of Object.keys(process.env)) if (name.startsWith("OPENAI_")) delete process.env[name]
}

const seenSince = (before: number) => server.seen.slice(before)

describe.sequential("OpenAI settings", () => {
  it("client() with no key and no OPENAI_API_KEY rejects with InvalidRequest naming the variable, and sends nothing", async () => {
    clearEnv()
    const before = server.seen.length
    const openai = OpenAiBatches.client({ baseUrl: `${server.url}/v1` })
    const error = await openai.retrieve("b1").catch((e: unknown) => e)
    await openai.close()
    assert.instanceOf(error, BatchError.InvalidRequest)
    assert.strictEqual((error as BatchError.InvalidRequest).operation, "configure")
    assert.include((error as Error).message, "OPENAI_API_KEY is not set")
    assert.strictEqual(seenSince(before).length, 0)
  })

  it("client({ apiKey: undefined }) sends neither `Bearer undefined` nor anything else, and does not throw a TypeError", async () => {
    clearEnv()
    const before = server.seen.length
    const openai = OpenAiBatches.client({ apiKey: undefined, baseUrl: `${server.url}/v1` })
    const error = await openai.cancel("b1").catch((e: unknown) => e)
    await openai.close()
    assert.isTrue(BatchError.isBatchError(error))
    assert.strictEqual((error as BatchError.BatchError)._tag, "InvalidRequest")
    assert.strictEqual(seenSince(before).length, 0)
  })

  it("client() reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID from the environment", async () => {
    clearEnv()
    process.env.OPENAI_API_KEY = "sk-from-env-1234"
    process.env.OPENAI_BASE_URL = `${server.url}/env/v1`
    process.env.OPENAI_ORG_ID = "org-env"
    process.env.OPENAI_PROJECT_ID = "proj_env"
    const before = server.seen.length
    const openai = OpenAiBatches.client()
    const b = await openai.retrieve("b1")
    await openai.close()
    assert.strictEqual(b.id, "b1")
    const [seen] = seenSince(before)
    assert.strictEqual(seen?.path, "/env/v1/batches/b1")
    assert.strictEqual(seen?.headers.authorization, "Bearer sk-from-env-1234")
    assert.strictEqual(seen?.headers["openai-organization"], "org-env")
    assert.strictEqual(seen?.headers["openai-project"], "proj_env")
  })

  it("options passed to client() win over the environment", async () => {
    clearEnv()
    process.env.OPENAI_API_KEY = "sk-from-env-1234"
    process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/unused"
    const before = server.seen.length
    const openai = OpenAiBatches.client({ apiKey: "sk-passed-5678", baseUrl: `${server.url}/v1` })
    await openai.retrieve("b1")
    await openai.close()
    const [seen] = seenSince(before)
    assert.strictEqual(seen?.headers.authorization, "Bearer sk-passed-5678")
    assert.strictEqual(seen?.path, "/v1/batches/b1")
  })

  it("OPENAI_MAX_RETRIES is the number of retries: 0 sends a failing call once", async () => {
    clearEnv()
    process.env.OPENAI_API_KEY = "sk-from-env-1234"
    process.env.OPENAI_BASE_URL = `${server.url}/v1`
    process.env.OPENAI_MAX_RETRIES = "0"
    const before = server.seen.length
    const openai = OpenAiBatches.client()
    const error = await openai.retrieve("flaky").catch((e: unknown) => e)
    await openai.close()
    assert.instanceOf(error, BatchError.ProviderUnavailable)
    assert.strictEqual(seenSince(before).length, 1)
  })

  it("the bounds come from the environment too: OPENAI_MAX_BODY_BYTES limits a JSON answer", async () => {
    clearEnv()
    process.env.OPENAI_API_KEY = "sk-from-env-1234"
    process.env.OPENAI_BASE_URL = `${server.url}/v1`
    process.env.OPENAI_MAX_BODY_BYTES = "10"
    process.env.OPENAI_DEADLINE = "30 seconds"
    process.env.OPENAI_IDLE_TIMEOUT = "5000"
    process.env.OPENAI_MIN_BODY_RATE = "0"
    process.env.OPENAI_MAX_LINE_LENGTH = "1000"
    const before = server.seen.length
    const openai = OpenAiBatches.client()
    const error = await openai.retrieve("b1").catch((e: unknown) => e)
    await openai.close()
    assert.instanceOf(error, BatchError.UnexpectedResponse)
    assert.include((error as Error).message, "larger than 10 bytes (maxBodyBytes)")
    // Not retried: the same body would come again.
    assert.strictEqual(seenSince(before).length, 1)
    const names = OpenAiBatches.variables.map(({ variable }) => variable)
    for (const name of [
      "OPENAI_DEADLINE",
      "OPENAI_IDLE_TIMEOUT",
      "OPENAI_MIN_BODY_RATE",
      "OPENAI_MAX_BODY_BYTES",
      "OPENAI_MAX_LINE_LENGTH"
    ]) {
      assert.include(names, name)
    }
  })

  it("a bound that is not a count or a duration is refused, naming its variable", async () => {
    for (const [name, value] of [
      ["OPENAI_MAX_BODY_BYTES", "lots"],
      ["OPENAI_MIN_BODY_RATE", "-1"],
      ["OPENAI_DEADLINE", "soon"]
    ] as const) {
      clearEnv()
      process.env.OPENAI_API_KEY = "sk-from-env-1234"
      process.env[name] = value
      const before = server.seen.length
      const openai = OpenAiBatches.client({ baseUrl: `${server.url}/v1` })
      const error = await openai.retrieve("b1").catch((e: unknown) => e)
      await openai.close()
      assert.instanceOf(error, BatchError.InvalidRequest, name)
      assert.include((error as Error).message, name)
      assert.strictEqual(seenSince(before).length, 0)
    }
  })

  it("a timeout that is not a duration is refused, naming OPENAI_TIMEOUT", async () => {
    clearEnv()
    process.env.OPENAI_API_KEY = "sk-from-env-1234"
    process.env.OPENAI_TIMEOUT = "soon"
    const openai = OpenAiBatches.client({ baseUrl: `${server.url}/v1` })
    const error = await openai.retrieve("b1").catch((e: unknown) => e)
    await openai.close()
    assert.instanceOf(error, BatchError.InvalidRequest)
    assert.include((error as Error).message, "OPENAI_TIMEOUT")
  })

  it("a base URL that is not a URL is refused before anything is sent", async () => {
    clearEnv()
    const openai = OpenAiBatches.client({ apiKey: "sk-passed-5678", baseUrl: "api.openai.com/v1" })
    const error = await openai.retrieve("b1").catch((e: unknown) => e)
    await openai.close()
    assert.instanceOf(error, BatchError.InvalidRequest)
    assert.include((error as Error).message, "is not an http(s) URL")
  })

  it.effect("layer(...) given an empty key fails with InvalidRequest and sends nothing", () =>
    Effect.gen(function* () {
      const before = server.seen.length
      const error = yield* Effect.flip(
        Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve("b1")).pipe(
          Effect.provide(
            OpenAiBatches.layer({ apiKey: Redacted.make(" "), baseUrl: `${server.url}/v1` }).pipe(
              Layer.provide(FetchHttpClient.layer)
            )
          )
        )
      )
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.include(error.message, "OPENAI_API_KEY")
      assert.strictEqual(seenSince(before).length, 0)
    })
  )

  it.live("layerConfig reads organization, project, timeout and max retries", () =>
    Effect.gen(function* () {
      const before = server.seen.length
      const error = yield* Effect.flip(
        Effect.flatMap(BatchProvider.BatchProvider, (p) => p.retrieve("flaky")).pipe(
          Effect.provide(OpenAiBatches.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))),
          Effect.withConfigProvider(
            ConfigProvider.fromMap(
              new Map([
                ["OPENAI_API_KEY", "sk-cfg-0000"],
                ["OPENAI_BASE_URL", `${server.url}/cfg/v1`],
                ["OPENAI_ORG_ID", "org-cfg"],
                ["OPENAI_PROJECT_ID", "proj_cfg"],
                ["OPENAI_TIMEOUT", "5 seconds"],
                ["OPENAI_MAX_RETRIES", "1"]
              ])
            )
          )
        )
      )
      assert.strictEqual(error._tag, "ProviderUnavailable")
      const seen = seenSince(before)
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(seen[0]?.headers["openai-organization"], "org-cfg")
      assert.strictEqual(seen[0]?.headers["openai-project"], "proj_cfg")
      assert.strictEqual(seen[0]?.path, "/cfg/v1/batches/flaky")
    })
  )

  it("cancelMany refuses a string (which is iterable) and a concurrency that is not a positive whole number", async () => {
    const before = server.seen.length
    const openai = OpenAiBatches.client({ apiKey: "sk-passed-5678", baseUrl: `${server.url}/v1` })
    // @ts-expect-error a string is not a list of ids
    const byString = await openai.cancelMany("batch_1").catch((e: unknown) => e)
    assert.instanceOf(byString, BatchError.InvalidRequest)
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      const error = await openai.cancelMany(["b1"], { concurrency }).catch((e: unknown) => e)
      assert.instanceOf(error, BatchError.InvalidRequest, String(concurrency))
    }
    await openai.close()
    assert.strictEqual(seenSince(before).length, 0)
  })

  it("cancelEach yields one outcome per id over HTTP; breaking out stops the rest; a string is refused", async () => {
    const before = server.seen.length
    const openai = OpenAiBatches.client({ apiKey: "sk-passed-5678", baseUrl: `${server.url}/v1` })
    const ids = Array.from({ length: 12 }, (_, i) => `batch_each_${i}`)
    const seenIds: Array<string> = []
    for await (const outcome of openai.cancelEach(ids, { concurrency: 3 })) seenIds.push(outcome.batchId)
    assert.deepStrictEqual([...seenIds].sort(), [...ids].sort())
    const sent = seenSince(before).length
    assert.strictEqual(sent, 12)
    let taken = 0
    for await (const _ of openai.cancelEach(ids, { concurrency: 2 })) if (++taken === 3) break
    assert.isTrue(
      seenSince(before).length - sent <= 3 + 2,
      `sent ${seenSince(before).length - sent} after breaking at 3`
    )
    const iterator = openai.cancelEach("batch_1" as never)[Symbol.asyncIterator]()
    const error = await iterator.next().catch((e: unknown) => e)
    assert.instanceOf(error, BatchError.InvalidRequest)
    await openai.close()
  })

  it("isBatchError covers WaitTimedOut, so one predicate serves a Promise user's catch", async () => {
    const openai = OpenAiBatches.client({ apiKey: "sk-passed-5678", baseUrl: `${server.url}/v1` })
    const error = await openai.awaitTerminal("b1", { pollIntervalMs: 10, timeoutMs: 50 }).catch((e: unknown) => e)
    await openai.close()
    assert.instanceOf(error, Lifecycle.WaitTimedOut)
    assert.isTrue(BatchError.isBatchError(error))
  })
})
