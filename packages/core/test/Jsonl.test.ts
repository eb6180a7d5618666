import { Jsonl } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

const context = { provider: "p", operation: "results", what: "output file f" }

describe("Jsonl", () => {
  it.effect("reads one value per line, skipping blank lines and CRLF endings", () =>
    Effect.gen(function* () {
      const values = yield* Jsonl.parse('{"a":1}\r\n\n  \n[2]\n"three"\nnull\n', context)
      assert.deepStrictEqual(values, [{ a: 1 }, [2], "three", null])
    })
  )

  it.effect("fails on a line that is not JSON, naming it, rather than dropping it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Jsonl.parse('{"a":1}\n\n{"a":\n{"a":3}', context))
      assert.strictEqual(error._tag, "UnexpectedResponse")
      assert.strictEqual(error.message, "p results: line 3 of output file f is not JSON")
    })
  )
})
