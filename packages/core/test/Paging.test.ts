import { Batch, Paging } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

const batch = (id: string) => Batch.make({ id, provider: "p", status: "in_progress", vendorStatus: "RUNNING", raw: {} })
const two = [batch("a"), batch("b")]

describe("Paging", () => {
  it("page numbers: a next page while the pages seen hold fewer than the total", () => {
    const first = Paging.fromPageNumber({ batches: two, page: 0, pageSize: 2, total: 5 })
    assert.isTrue(first.hasMore)
    assert.strictEqual(first.nextCursor, "page:1")
    const third = Paging.fromPageNumber({ batches: [batch("e")], page: 2, pageSize: 2, total: 5 })
    assert.isFalse(third.hasMore)
    assert.isUndefined(third.nextCursor)
    // One-based pages.
    assert.isFalse(Paging.fromPageNumber({ batches: two, page: 1, pageSize: 2, total: 2, firstPage: 1 }).hasMore)
    assert.isTrue(Paging.fromPageNumber({ batches: two, page: 1, pageSize: 2, total: 3, firstPage: 1 }).hasMore)
  })

  it("page numbers: an empty page or no total ends the listing", () => {
    assert.isFalse(Paging.fromPageNumber({ batches: [], page: 3, pageSize: 2, total: 100 }).hasMore)
    assert.isFalse(Paging.fromPageNumber({ batches: two, page: 0, pageSize: 2, total: undefined }).hasMore)
  })

  it.effect("page numbers: the cursor reads back; a foreign cursor is InvalidRequest", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* Paging.pageNumberOf("mistral", undefined), 0)
      assert.strictEqual(yield* Paging.pageNumberOf("mistral", "page:7"), 7)
      for (const bad of ["batch_1", "page:", "page:-1", "page:1e3", "page:99999999999"]) {
        const error = yield* Effect.flip(Paging.pageNumberOf("mistral", bad))
        assert.strictEqual(error._tag, "InvalidRequest", bad)
      }
      const below = yield* Effect.flip(Paging.pageNumberOf("p", "page:0", 1))
      assert.strictEqual(below._tag, "InvalidRequest")
    })
  )

  it.effect("tokens: the token is the cursor; none, null or empty ends; one that cannot come back fails", () =>
    Effect.gen(function* () {
      const page = yield* Paging.fromToken("gemini", two, "CiAKGjBpNDd2")
      assert.isTrue(page.hasMore)
      assert.strictEqual(page.nextCursor, "CiAKGjBpNDd2")
      for (const end of [undefined, null, ""]) assert.isFalse((yield* Paging.fromToken("gemini", two, end)).hasMore)
      const long = yield* Effect.flip(Paging.fromToken("gemini", two, "x".repeat(300)))
      assert.strictEqual(long._tag, "UnexpectedResponse")
      assert.include(long.message, "256")
    })
  )

  it.effect("backward: refused before any request when asked, passed through otherwise", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Paging.refuseBackward("groq", { before: "batch_1" }))
      assert.strictEqual(error._tag, "Unsupported")
      assert.include(error.message, "cannot page backward")
      assert.deepStrictEqual(yield* Paging.refuseBackward("groq", { limit: 5 }), { limit: 5 })
    })
  )
})
