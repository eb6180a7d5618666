/**
 * A bulk cancel stopped part-way through the Promise client reports every cancel that took effect: the
 * `stopSignal` lets those in flight finish, and `onOutcome` sees each outcome as it is decided.
 */
import { OpenAiBatches } from "@batchctl/openai"
import { Emulator } from "@batchctl/emulator"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"

const KEY = "sk-e2e-bulk-stop-0000"
let emulator: Emulator.Handle

beforeAll(async () => {
  emulator = await Emulator.start({
    apiKey: KEY,
    timings: { validatingMs: 0, requestMs: 86_400_000, cancellingMs: 0 },
    // every cancel answers after 150 ms: a stop always finds some in flight
    faults: [{ kind: "delay", millis: 150, provider: "openai", route: "cancel", rate: 1 }]
  })
})
afterAll(() => emulator.close())

describe("Promise cancelMany with stopSignal", () => {
  it("stops starting cancels, finishes those in flight, and reports every one that took effect", async () => {
    const ids: Array<string> = []
    for (let i = 0; i < 40; i++) ids.push((await emulator.createBatch({ provider: "openai" })).id)
    const openai = OpenAiBatches.client({ apiKey: KEY, baseUrl: emulator.baseUrl("openai") })
    try {
      const stop = new AbortController()
      const seen: Array<string> = []
      const outcomes = await openai.cancelMany(ids, {
        concurrency: 4,
        stopSignal: stop.signal,
        onOutcome: (o) => {
          seen.push(o.batchId)
          if (seen.length === 6) stop.abort()
        }
      })
      assert.isAbove(outcomes.length, 6)
      assert.isBelow(outcomes.length, 40)
      assert.deepStrictEqual([...seen].sort(), outcomes.map((o) => o.batchId).sort())
      // Every batch the emulator shows cancelled is among the outcomes: nothing that took effect is lost.
      const page = await openai.list({ limit: 100 })
      const taken = page.batches.filter((b) => b.status === "cancelling" || b.status === "cancelled").map((b) => b.id)
      assert.deepStrictEqual(
        [...taken].sort(),
        outcomes
          .filter((o) => o._tag === "Cancelled")
          .map((o) => o.batchId)
          .sort()
      )
    } finally {
      await openai.close()
    }
  })
})
