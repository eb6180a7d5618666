/**
 * batchctl demo: cancel, retrieve, list and read partial results through the OpenAI adapter, against a
 * small OpenAI-shaped Batch API served on loopback by this script (until the emulator app lands).
 *
 *   npm run demo
 */
import { Lifecycle } from "@batchctl/core"
import { OpenAiBatches } from "@batchctl/openai"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { startLocalBatchApi } from "./local-api.js"

const program = (baseUrl: string) =>
  Effect.gen(function* () {
    const openai = yield* OpenAiBatches.OpenAiBatches

    yield* Console.log("\n1. list the batches, page by page")
    const all = yield* Stream.runCollect(Lifecycle.listAll({ limit: 2 }))
    for (const b of all) yield* Console.log(`   ${b.id.padEnd(14)} ${b.status.padEnd(12)} vendor: ${b.vendorStatus}`)

    yield* Console.log("\n2. cancel a running batch, twice (cancel is idempotent)")
    const first = yield* openai.cancel("batch_running")
    const second = yield* openai.cancel("batch_running")
    yield* Console.log(`   first:  ${first.status}, cancel requested at ${first.cancelRequestedAt?.toISOString()}`)
    yield* Console.log(`   second: ${second.status} (the vendor refused; one retrieve showed it ${second.vendorStatus}, so the cancel succeeds)`)

    yield* Console.log("\n3. cancel a finished batch: a typed failure, not an exception")
    const refused = yield* Effect.flip(openai.cancel("batch_done"))
    yield* Console.log(`   ${refused._tag}: ${refused.message}`)

    yield* Console.log("\n4. cancel many at once: one outcome per id, never a failure as a whole")
    const outcomes = yield* Lifecycle.cancelMany(["batch_a", "batch_b", "batch_done", "batch_nope", ""], { concurrency: 4 })
    for (const o of outcomes) {
      yield* Console.log(`   ${JSON.stringify(o.batchId).padEnd(14)} ${o._tag === "Cancelled" ? `cancelled → ${o.batch.status}` : `failed → ${o.error._tag}`}`)
    }

    yield* Console.log("\n5. wait until the cancel is done, then read the partial results")
    const ended = yield* Lifecycle.awaitTerminal("batch_running", { schedule: Lifecycle.fixedPoll(100), timeout: "10 seconds" })
    yield* Console.log(`   ${ended.id} is ${ended.status} (terminal: ${ended.terminal}); counts ${JSON.stringify(ended.counts)}`)
    const results = yield* Stream.runCollect(openai.results("batch_running"))
    for (const r of Chunk.toReadonlyArray(results)) yield* Console.log(`   ${r.customId}: ${r.outcome}`)

    yield* Console.log("\n6. the same through the Promise client")
    const client = OpenAiBatches.client({ apiKey: "sk-demo-not-a-real-key", baseUrl })
    const viaPromise = yield* Effect.promise(() => client.retrieve("batch_done"))
    yield* Console.log(`   retrieve → ${viaPromise.status}, created ${viaPromise.createdAt?.toISOString()}`)
    const rejected = yield* Effect.promise(() => client.retrieve("batch_nope").then(() => undefined, (e: Error) => e))
    yield* Console.log(`   rejected → ${rejected?.constructor.name}: ${rejected?.message}`)
    yield* Effect.promise(() => client.close())
  })

const main = Effect.gen(function* () {
  const api = yield* startLocalBatchApi
  yield* Console.log(`batchctl demo — OpenAI adapter against a local Batch API at ${api.baseUrl}`)
  const openai = OpenAiBatches.layer({ apiKey: Redacted.make("sk-demo-not-a-real-key"), baseUrl: api.baseUrl }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )
  yield* program(api.baseUrl).pipe(Effect.provide(openai))
  yield* Console.log(`\n${api.requests()} HTTP requests served. Done.`)
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
