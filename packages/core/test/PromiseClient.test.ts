import { Batch, BatchError, BatchProvider, PromiseClient } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

const item = (i: number) => Batch.makeResult({ customId: `r${i}`, outcome: "succeeded" })

/** A provider whose results are `stream`, counting the items it has produced. */
const clientOf = (
  stream: (produced: { count: number; ended: boolean }) => Stream.Stream<Batch.ResultItem, BatchError.BatchError>
) => {
  const produced = { count: 0, ended: false }
  const unused = Effect.die("not used")
  const layer = Layer.succeed(BatchProvider.BatchProvider, {
    provider: "p",
    cancel: () => unused,
    retrieve: () => unused,
    list: () => unused,
    results: () => stream(produced)
  } as unknown as BatchProvider.Service)
  return { client: PromiseClient.make(layer, "p"), produced }
}

/** `n` items in chunks of 10, counted as they are produced, `ended` set when the stream is done or stopped. */
const counted = (n: number) => (produced: { count: number; ended: boolean }) =>
  Stream.range(0, n - 1).pipe(
    Stream.rechunk(10),
    Stream.map((i) => {
      produced.count++
      return item(i)
    }),
    Stream.ensuring(
      Effect.sync(() => {
        produced.ended = true
      })
    )
  )

describe("PromiseClient results", () => {
  it("hands over every item in order, reading no further ahead than the chunk the consumer is in", async () => {
    const { client, produced } = clientOf(counted(25))
    const seen: Array<string> = []
    for await (const result of client.results("b1")) {
      seen.push(result.customId)
      // The fiber waits for the next call: nothing is produced past the current chunk of 10.
      assert.strictEqual(produced.count, Math.min(25, Math.ceil(seen.length / 10) * 10))
    }
    assert.deepStrictEqual(
      seen,
      Array.from({ length: 25 }, (_, i) => `r${i}`)
    )
    await client.close()
  })

  it("breaking out of the loop stops the read", async () => {
    const { client, produced } = clientOf(counted(1_000))
    let taken = 0
    for await (const _ of client.results("b1")) if (++taken === 3) break
    assert.strictEqual(produced.count, 10)
    assert.isTrue(produced.ended)
    await client.close()
  })

  it("a failure comes after the items before it, with the caller's frames, once", async () => {
    const failure = new BatchError.TransportFailure({
      provider: "p",
      operation: "results",
      method: "GET",
      url: "u",
      itemsDelivered: 2,
      message: "broke off"
    })
    const { client } = clientOf(() => Stream.concat(Stream.make(item(0), item(1)), Stream.fail(failure)))
    const iterator = client.results("b1")[Symbol.asyncIterator]()
    assert.strictEqual((await iterator.next()).value?.customId, "r0")
    assert.strictEqual((await iterator.next()).value?.customId, "r1")
    const error = await iterator.next().catch((e: unknown) => e)
    assert.instanceOf(error, BatchError.TransportFailure)
    assert.include(String((error as Error).stack), "batchctl call site")
    assert.deepStrictEqual(await iterator.next(), { done: true, value: undefined })
    await client.close()
  })

  it("calls of next made together are answered in order", async () => {
    const { client } = clientOf(counted(3))
    const iterator = client.results("b1")[Symbol.asyncIterator]()
    const all = await Promise.all([iterator.next(), iterator.next(), iterator.next(), iterator.next()])
    assert.deepStrictEqual(
      all.map((r) => (r.done === true ? "done" : r.value.customId)),
      ["r0", "r1", "r2", "done"]
    )
    await client.close()
  })

  it("an aborted signal stops the read with its reason", async () => {
    const { client, produced } = clientOf(counted(1_000))
    const controller = new AbortController()
    let taken = 0
    const error = await (async () => {
      for await (const _ of client.results("b1", { signal: controller.signal }))
        if (++taken === 2) controller.abort(new Error("enough"))
    })().catch((e: unknown) => e)
    assert.strictEqual((error as Error).message, "enough")
    assert.isTrue(produced.ended)
    assert.strictEqual(produced.count, 10)
    await client.close()
  })

  it("an abort while a call waits rejects that call with the reason, not with an item the fiber had ready", async () => {
    const { client, produced } = clientOf(counted(1_000))
    const controller = new AbortController()
    const iterator = client.results("b1", { signal: controller.signal })[Symbol.asyncIterator]()
    assert.strictEqual((await iterator.next()).value?.customId, "r0")
    const waiting = iterator.next()
    const reason = new Error("stop now")
    controller.abort(reason)
    assert.strictEqual(await waiting.catch((e: unknown) => e), reason)
    assert.deepStrictEqual(await iterator.next(), { done: true, value: undefined })
    for (let i = 0; i < 100 && !produced.ended; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.isTrue(produced.ended)
    await client.close()
  })

  it("return after close ends the loop quietly, and every later call is the end", async () => {
    const { client, produced } = clientOf(counted(1_000))
    const iterator = client.results("b1")[Symbol.asyncIterator]()
    assert.strictEqual((await iterator.next()).value?.customId, "r0")
    await client.close()
    assert.deepStrictEqual(await iterator.return?.(), { done: true, value: undefined })
    assert.deepStrictEqual(await iterator.next(), { done: true, value: undefined })
    assert.isTrue(produced.ended)
  })

  it("an error rejected twice (a layer that failed to build) carries one call site, the first", async () => {
    const failure = new BatchError.InvalidRequest({ provider: "p", operation: "configure", message: "p: no key" })
    const client = PromiseClient.make(Layer.fail(failure), "p")
    const first = await client.retrieve("b1").catch((e: unknown) => e)
    const second = await client.retrieve("b2").catch((e: unknown) => e)
    assert.strictEqual(first, second)
    assert.strictEqual(String((second as Error).stack).split("(batchctl call site)").length, 2)
    await client.close()
  })
})
