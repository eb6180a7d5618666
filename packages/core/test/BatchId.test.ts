import { BatchId } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

describe("BatchId", () => {
  it.effect("refuses empty, too long, relative segments and control characters before any request", () =>
    Effect.gen(function* () {
      for (const bad of [
        "",
        "x".repeat(257),
        ".",
        "..",
        "batch\n1",
        "a\u0000b",
        "tab\there",
        "del\u007f",
        "c1\u0085"
      ]) {
        const error = yield* Effect.flip(BatchId.check("openai", "cancel", bad))
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.strictEqual(error.provider, "openai")
        assert.strictEqual(error.operation, "cancel")
      }
    })
  )
  it.effect("accepts 256 characters and ids that merely contain dots", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* BatchId.check("p", "retrieve", "x".repeat(256))).id.length, 256)
      assert.strictEqual((yield* BatchId.check("p", "retrieve", "...")).segment, "...")
      assert.strictEqual((yield* BatchId.check("p", "retrieve", "a.b")).segment, "a.b")
    })
  )
  it.effect("percent-encodes everything that could change the path or the query", () =>
    Effect.gen(function* () {
      const ref = yield* BatchId.check("p", "retrieve", "../files?x=1#y z/%2F")
      assert.strictEqual(ref.segment, "..%2Ffiles%3Fx%3D1%23y%20z%2F%252F")
      assert.notInclude(ref.segment, "/")
      assert.strictEqual(ref.id, "../files?x=1#y z/%2F")
    })
  )
  it.effect("refuses ids that are not well-formed Unicode; accepts proper surrogate pairs", () =>
    Effect.gen(function* () {
      for (const bad of ["a\uD800", "\uDC00b", "x\uDBFFy", "\uDC00\uD800"]) {
        const error = yield* Effect.flip(BatchId.check("p", "cancel", bad))
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.include(error.message, "lone surrogate")
      }
      assert.strictEqual((yield* BatchId.check("p", "cancel", "emoji-\u{1F600}")).segment, "emoji-%F0%9F%98%80")
    })
  )
})
