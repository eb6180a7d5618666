import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { Fixture, Suite } from "../src/index.js"
import { builtIn } from "./builtIn.js"

const file = fileURLToPath(new URL("../fixtures/openai/cancel.completed.json", import.meta.url))

const load = Effect.map(Fixture.loadDir(file), (loaded) => {
  const one = loaded[0]
  if (one?._tag !== "Fixture") throw new Error(`cannot read ${file}`)
  return one
}).pipe(Effect.provide(NodeContext.layer))

const why = "the docs say a finished batch cannot be cancelled, but show no body for the 409"

describe("an exchange marked assumed (FORMAT.md extension)", () => {
  it.effect("replays the same, and the report counts the case as resting on an assumption", () =>
    Effect.gen(function* () {
      const plain = yield* load
      const marked: Fixture.Loaded = {
        ...plain,
        fixture: {
          ...plain.fixture,
          exchanges: plain.fixture.exchanges.map((e, i) => (i === 0 ? { ...e, assumed: why } : e))
        }
      }
      const report = yield* Suite.run([plain, marked], { providers: builtIn })
      assert.deepStrictEqual(
        report.cases.map((c) => c.verdict),
        ["pass", "pass"]
      )
      assert.deepStrictEqual(
        report.cases.map((c) => c.assumed),
        [undefined, 1]
      )
      assert.deepStrictEqual(report.evidence.openai?.assumed, { cases: 1, passed: 1 })
      const text = Suite.render(report)
      assert.match(text, /evidence: assumed\s+1\/1/)
      assert.include(text, "pass:d?")
    })
  )
  it("is read from a file, and a v1 file without it has none", () => {
    const fixture = {
      format: 1,
      provider: "acme",
      operation: "retrieve",
      scenario: "x",
      source: { kind: "documented", ref: "https://docs.acme.test/batches" },
      input: { batchId: "b1" },
      exchanges: [
        {
          request: { method: "GET", url: "https://api.acme.test/v1/batches/b1" },
          response: { status: 200, body: { id: "b1" } },
          assumed: why
        }
      ],
      expect: { batch: { id: "b1" } }
    }
    const read = Fixture.parse("x.json", JSON.stringify(fixture))
    assert.strictEqual(read._tag === "Fixture" ? read.fixture.exchanges[0]?.assumed : "invalid", why)
    assert.strictEqual(read._tag === "Fixture" ? Fixture.assumedCount(read.fixture) : -1, 1)
    const { assumed: _, ...bare } = fixture.exchanges[0]!
    const v1 = Fixture.parse("x.json", JSON.stringify({ ...fixture, exchanges: [bare] }))
    assert.strictEqual(v1._tag === "Fixture" ? Fixture.assumedCount(v1.fixture) : -1, 0)
    // An empty reason says nothing: the file is invalid, not silently unmarked.
    assert.strictEqual(
      Fixture.parse("x.json", JSON.stringify({ ...fixture, exchanges: [{ ...bare, assumed: "" }] }))._tag,
      "Invalid"
    )
  })
})
