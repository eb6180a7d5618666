import { Batch, ResultsSource } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const batch = (counts: Batch.Counts | undefined) =>
  Batch.make({ id: "b1", provider: "p", status: "completed", vendorStatus: "completed", counts, raw: {} })
const item = (value: unknown) =>
  typeof value === "string" ? new Batch.ResultItem({ customId: value, outcome: "succeeded", response: {} }) : undefined
const files = () => Stream.make(new Batch.ResultItem({ customId: "from-file", outcome: "succeeded", response: {} }))
const ids = (stream: Stream.Stream<Batch.ResultItem, unknown>) =>
  Effect.map(Stream.runCollect(stream), (c) => Chunk.toReadonlyArray(c).map((i) => i.customId))

describe("ResultsSource.inlineOrFiles", () => {
  it.effect("inline results first, then files, then none", () =>
    Effect.gen(function* () {
      const base = { provider: "p", inlineItem: item, files }
      const inline = ResultsSource.inlineOrFiles({ ...base, batch: batch({}), inline: ["a", "b"], hasFiles: true })
      assert.deepStrictEqual(yield* ids(inline), ["a", "b"])
      const fromFiles = ResultsSource.inlineOrFiles({ ...base, batch: batch({}), inline: undefined, hasFiles: true })
      assert.deepStrictEqual(yield* ids(fromFiles), ["from-file"])
      const none = ResultsSource.inlineOrFiles({
        ...base,
        batch: batch({ succeeded: 0, failed: 0 }),
        inline: undefined,
        hasFiles: false
      })
      assert.deepStrictEqual(yield* ids(none), [])
    })
  )

  it.effect("no results although requests finished is ResultsUnavailable, not an empty stream", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Stream.runDrain(
          ResultsSource.inlineOrFiles({
            provider: "p",
            batch: batch({ succeeded: 2, failed: 1 }),
            inline: undefined,
            inlineItem: item,
            hasFiles: false,
            files
          })
        )
      )
      assert.strictEqual(error._tag, "ResultsUnavailable")
      assert.include(error.message, "3 finished request(s)")
    })
  )
})
