/**
 * The create scenarios: asked of an adapter that creates (its `plan` is not `Unsupported`), never of one
 * without create, ours or an outsider's, which keeps passing on the scenarios it had.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { BatchError, BatchProvider } from "@batchctl/core"
import { OpenAiBatches } from "@batchctl/openai"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { fileURLToPath } from "node:url"
import { Fixture, type Runner, Scenarios, Suite } from "../src/index.js"
import { builtIn } from "./builtIn.js"

const fixturesDir = fileURLToPath(new URL("../fixtures", import.meta.url))

/** An outsider's adapter that cannot create: every call fails, and it has no creator. */
const noCreate: Runner.ProviderFactory = () => {
  const nope = () =>
    Effect.fail(new BatchError.InvalidRequest({ provider: "acme", operation: "x", message: "acme: not reached" }))
  return Layer.succeed(
    BatchProvider.BatchProvider,
    BatchProvider.make({
      provider: "acme",
      cancel: nope,
      retrieve: nope,
      list: nope,
      results: () =>
        Stream.fail(new BatchError.InvalidRequest({ provider: "acme", operation: "results", message: "x" }))
    })
  )
}

describe("create scenarios", () => {
  it.effect("every built-in adapter declares create; an adapter without a creator does not", () =>
    Effect.gen(function* () {
      const loaded = yield* Fixture.loadDir(fixturesDir).pipe(Effect.provide(NodeContext.layer))
      for (const [id, factory] of Object.entries(builtIn)) {
        const options = loaded.flatMap((l) =>
          l._tag === "Fixture" && l.fixture.provider === id ? [l.fixture.input.clientOptions ?? {}] : []
        )[0]
        assert.isTrue(yield* Scenarios.declaresCreate(factory, options ?? {}), id)
      }
      assert.isFalse(yield* Scenarios.declaresCreate(noCreate))
    })
  )

  it.effect("an adapter that creates is asked for every create scenario it has no fixture for", () =>
    Effect.gen(function* () {
      const report = yield* Suite.run([], {
        providers: { openai: OpenAiBatches.layer },
        required: [],
        requiredIfCreates: Scenarios.requiredCreate,
        only: "openai"
      })
      assert.deepStrictEqual(
        report.cases.map((c) => `${c.operation}.${c.scenario} ${c.verdict}`),
        Scenarios.requiredCreate.map((k) => `${k} fail`)
      )
      assert.isFalse(report.ok)
    })
  )

  it.effect("an adapter without create is not asked for them, and passes on what it was asked before", () =>
    Effect.gen(function* () {
      const report = yield* Suite.run([], {
        providers: { acme: noCreate },
        expectations: { acme: { skip: { "cancel.validating": "acme has no validating state" }, expectedFailures: {} } },
        required: ["cancel.validating"],
        requiredIfCreates: Scenarios.requiredCreate,
        only: "acme"
      })
      assert.deepStrictEqual(
        report.cases.map((c) => `${c.operation}.${c.scenario} ${c.verdict}`),
        ["cancel.validating skipped"]
      )
      assert.isTrue(report.ok)
    })
  )

  it.effect("a caller that passes only required (as before the create scenarios) is asked for nothing more", () =>
    Effect.gen(function* () {
      const report = yield* Suite.run([], {
        providers: { openai: OpenAiBatches.layer },
        required: [],
        only: "openai"
      })
      assert.deepStrictEqual(report.cases, [])
      assert.deepStrictEqual(Scenarios.requiredFor(false), Scenarios.required)
      assert.deepStrictEqual(Scenarios.requiredFor(true), [...Scenarios.required, ...Scenarios.requiredCreate])
      assert.isFalse(Scenarios.required.some((k) => k.startsWith("create.")))
    })
  )
})
