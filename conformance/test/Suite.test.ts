import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Batch, BatchProvider } from "@batchctl/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { fileURLToPath } from "node:url"
import { Fixture, Replay, Runner, Scenarios, Suite } from "../src/index.js"
import { builtIn } from "./builtIn.js"

const fixturesDir = fileURLToPath(new URL("../fixtures", import.meta.url))
const expectationsFile = fileURLToPath(new URL("../expectations.json", import.meta.url))

const load = Effect.gen(function* () {
  const loaded = yield* Fixture.loadDir(fixturesDir)
  const expectations = yield* Suite.loadExpectations(expectationsFile)
  return { loaded, expectations }
}).pipe(Effect.provide(NodeContext.layer))

const first = (loaded: ReadonlyArray<Fixture.Loaded>, file: string): Fixture.Fixture => {
  // A whole path segment: "openai/…" must not find "azure-openai/…".
  const hit = loaded.find((l) => l._tag === "Fixture" && l.file.endsWith(`/${file}`))
  if (hit === undefined || hit._tag !== "Fixture") throw new Error(`no fixture ${file}`)
  return hit.fixture
}

describe("the repository's fixtures", () => {
  it.effect("every case passes or is skipped with a reason, for every built-in provider", () =>
    Effect.gen(function* () {
      const { loaded, expectations } = yield* load
      const report = yield* Suite.run(loaded, { providers: builtIn, expectations, required: Scenarios.required })
      const failures = report.cases.filter((c) => c.verdict === "fail" || c.verdict === "unexpected-pass")
      assert.deepStrictEqual(
        failures.map((c) => `${c.provider} ${c.operation}.${c.scenario}: ${c.reasons.join("; ")}`),
        []
      )
      assert.deepStrictEqual(report.invalidFiles, [])
      assert.isTrue(report.ok)
      assert.deepStrictEqual(report.providers, Object.keys(builtIn).sort())
      for (const c of report.cases.filter((c) => c.verdict === "skipped")) assert.isAbove(c.reasons[0]?.length ?? 0, 10)
    })
  )
})

describe("the runner fails what is wrong", () => {
  const mutate = (file: string, f: (fx: Fixture.Fixture) => Fixture.Fixture) =>
    Effect.gen(function* () {
      const { loaded } = yield* load
      const fixture = f(first(loaded, file))
      const factory = builtIn[fixture.provider]!
      return yield* Runner.runCase(fixture, factory)
    })

  it.effect("a request to another URL", () =>
    Effect.gen(function* () {
      const r = yield* mutate("openai/cancel.in-progress.json", (fx) => ({
        ...fx,
        exchanges: fx.exchanges.map((e) => ({
          ...e,
          request: { ...e.request, url: e.request.url.replace("/cancel", "/stop") }
        }))
      }))
      assert.strictEqual(r.verdict, "fail")
      assert.isTrue(
        r.reasons.some((x) => x.includes("url: expected")),
        r.reasons.join("\n")
      )
    })
  )
  it.effect("a missing query parameter, a header with another value, the key in the wrong place", () =>
    Effect.gen(function* () {
      const r = yield* mutate("openai/list.next-page.json", (fx) => ({
        ...fx,
        exchanges: fx.exchanges.map((e) => ({
          ...e,
          request: {
            ...e.request,
            url: `${e.request.url}&order=desc`,
            headers: { "X-Trace": "1" },
            auth: "x-api-key" as const
          }
        }))
      }))
      assert.strictEqual(r.verdict, "fail")
      const text = r.reasons.join("\n")
      assert.include(text, "query: expected")
      assert.include(text, "header X-Trace")
      assert.include(text, "auth: the key is not sent as x-api-key")
    })
  )
  it.effect("an exchange never used, and a request never expected", () =>
    Effect.gen(function* () {
      const extra = yield* mutate("openai/retrieve.completed.json", (fx) => ({
        ...fx,
        exchanges: [...fx.exchanges, fx.exchanges[0]!]
      }))
      assert.isTrue(extra.reasons.some((x) => x.includes("never requested")))
      const missing = yield* mutate("openai/cancel.completed.json", (fx) => ({
        ...fx,
        exchanges: fx.exchanges.slice(0, 1)
      }))
      assert.strictEqual(missing.verdict, "fail")
      assert.isTrue(
        missing.reasons.some((x) => x.includes("was not expected")),
        missing.reasons.join("\n")
      )
    })
  )
  it.effect("an outcome that differs from expect, by subset", () =>
    Effect.gen(function* () {
      const r = yield* mutate("openai/retrieve.failed.json", (fx) => ({
        ...fx,
        expect: { batch: { status: "completed", counts: { total: 1 } } }
      }))
      assert.deepStrictEqual(r.reasons, [
        '$.batch.status: expected "completed", got "failed"',
        "$.batch.counts.total: expected 1, got 0"
      ])
      const tag = yield* mutate("openai/cancel.unauthorized.json", (fx) => ({
        ...fx,
        expect: { error: { _tag: "PermissionDenied" } }
      }))
      assert.deepStrictEqual(tag.reasons, ['$.error._tag: expected "PermissionDenied", got "Unauthorized"'])
      const kind = yield* mutate("openai/cancel.unauthorized.json", (fx) => ({
        ...fx,
        expect: { batch: { status: "cancelling" } }
      }))
      assert.include(kind.reasons[0], "expected batch, got error")
    })
  )
  it.effect("the fake key in the outcome", () =>
    Effect.gen(function* () {
      const r = yield* mutate("openai/retrieve.in-progress.json", (fx) => ({
        ...fx,
        exchanges: [
          {
            ...fx.exchanges[0]!,
            response: {
              ...fx.exchanges[0]!.response,
              body: { ...(fx.exchanges[0]!.response.body as object), metadata: { note: Runner.FAKE_KEY } }
            }
          }
        ]
      }))
      // The vendor's data echoes the key: it is data, kept as sent (scrubbing is for what errors show).
      assert.strictEqual(r.verdict, "pass", r.reasons.join("\n"))
    })
  )
  it.effect("an adapter that leaks the key into its outcome", () =>
    Effect.gen(function* () {
      const { loaded } = yield* load
      const fixture = first(loaded, "openai/retrieve.in-progress.json")
      const leaky: Runner.ProviderFactory = (options) =>
        Layer.succeed(
          BatchProvider.BatchProvider,
          BatchProvider.make({
            provider: "openai",
            retrieve: (ref) =>
              Effect.succeed(
                Batch.make({
                  id: ref.id,
                  provider: "openai",
                  status: "in_progress",
                  vendorStatus: "in_progress",
                  raw: { key: Redacted.value(options.apiKey) }
                })
              ),
            cancel: () => Effect.die("unused"),
            list: () => Effect.die("unused"),
            results: () => Stream.empty
          })
        )
      const r = yield* Runner.runCase({ ...fixture, exchanges: [] }, leaky)
      assert.include(r.reasons, "the fake API key appears in the outcome")
    })
  )
  it("subset comparison: lists by length and element, nested objects, extra fields ignored", () => {
    assert.deepStrictEqual(Runner.subsetDiff({ a: [1, { b: 2 }] }, { a: [1, { b: 2, c: 3 }], d: 4 }), [])
    assert.deepStrictEqual(Runner.subsetDiff({ a: [1] }, { a: [1, 2] }), ["$.a: expected 1 item(s), got 2"])
    assert.deepStrictEqual(Runner.subsetDiff({ a: { b: 1 } }, { a: null }), ["$.a: expected an object, got null"])
    assert.deepStrictEqual(Runner.subsetDiff({ a: 1 }, {}), ["$.a: expected 1, got nothing"])
    // Inherited properties are not fields: `constructor` is nothing on a plain object.
    assert.deepStrictEqual(Runner.subsetDiff({ constructor: "x" }, {}), ['$.constructor: expected "x", got nothing'])
  })
  it("the $absent marker asks for a missing field", () => {
    assert.deepStrictEqual(Runner.subsetDiff({ a: { $absent: true } }, { b: 1 }), [])
    assert.deepStrictEqual(Runner.subsetDiff({ a: { $absent: true } }, { a: 5 }), ["$.a: expected nothing, got 5"])
    assert.deepStrictEqual(Runner.subsetDiff({ a: { $absent: true } }, { a: null }), [
      "$.a: expected nothing, got null"
    ])
    // Only the exact marker: an object with more keys is compared as usual.
    assert.deepStrictEqual(Runner.subsetDiff({ a: { $absent: true, b: 1 } }, {}), [
      "$.a: expected an object, got nothing"
    ])
  })
  it("with no auth in the fixture the key may be in a standard place only", () => {
    const sent = (headers: Record<string, string>) => ({
      method: "GET",
      url: "https://x.test/v1/batches/b",
      headers,
      body: undefined
    })
    const request = { method: "GET", url: "https://x.test/v1/batches/b" }
    const key = Runner.FAKE_KEY
    assert.deepStrictEqual(Replay.compare(request, sent({ authorization: `Bearer ${key}` }), key), [])
    assert.deepStrictEqual(Replay.compare(request, sent({ "x-api-key": key }), key), [])
    assert.deepStrictEqual(Replay.compare(request, sent({ "x-debug": key }), key), [
      "auth: the key also appears in header x-debug"
    ])
    assert.deepStrictEqual(
      Replay.compare({ ...request, auth: "none" }, sent({ authorization: `Bearer ${key}` }), key),
      ["auth: the key also appears in header authorization"]
    )
  })
})

describe("expectations", () => {
  it.effect("an expected failure that passes fails the run; a skip is reported with its reason", () =>
    Effect.gen(function* () {
      const { loaded } = yield* load
      const only = loaded.filter(
        (l) => l.file.includes("/openai/") && /retrieve\.(failed|completed)\.json$/.test(l.file)
      )
      const report = yield* Suite.run(only, {
        providers: builtIn,
        expectations: {
          openai: {
            expectedFailures: { "retrieve.failed": "pretend it is broken" },
            skip: { "retrieve.completed": "pretend the vendor cannot" }
          }
        }
      })
      const verdicts = Object.fromEntries(report.cases.map((c) => [c.scenario, c.verdict]))
      // A skip covers a scenario with no fixture; a fixture that exists runs, and passing it is news.
      assert.deepStrictEqual(verdicts, { failed: "unexpected-pass", completed: "unexpected-pass" })
      assert.isFalse(report.ok)
      assert.include(Suite.render(report), "pretend the vendor cannot")
    })
  )
  it.effect("a skip without a fixture is a skipped row with its reason", () =>
    Effect.gen(function* () {
      const report = yield* Suite.run([], {
        providers: builtIn,
        only: "openai",
        required: [],
        expectations: {
          openai: { skip: { "retrieve.teleported": "the vendor has no teleported state" }, expectedFailures: {} }
        }
      })
      assert.deepStrictEqual(
        report.cases.map((c) => [c.scenario, c.verdict, c.reasons[0]]),
        [["teleported", "skipped", "the vendor has no teleported state"]]
      )
      assert.isTrue(report.ok)
    })
  )
  it.effect("an expected failure does not excuse a defect", () =>
    Effect.gen(function* () {
      const { loaded } = yield* load
      const fixture = first(loaded, "openai/retrieve.in-progress.json")
      const dying: Runner.ProviderFactory = () =>
        Layer.succeed(
          BatchProvider.BatchProvider,
          BatchProvider.make({
            provider: "openai",
            retrieve: () => Effect.die("boom"),
            cancel: () => Effect.die("unused"),
            list: () => Effect.die("unused"),
            results: () => Stream.empty
          })
        )
      const report = yield* Suite.run([{ _tag: "Fixture", file: "x.json", fixture: { ...fixture, exchanges: [] } }], {
        providers: { openai: dying },
        expectations: { openai: { skip: {}, expectedFailures: { "retrieve.in-progress": "known broken" } } }
      })
      assert.strictEqual(report.cases[0]?.verdict, "fail")
      assert.isTrue(report.cases[0]?.defect)
      assert.isFalse(report.ok)
    })
  )
  it.effect("a required scenario without a fixture or a skip fails", () =>
    Effect.gen(function* () {
      const report = yield* Suite.run([], { providers: builtIn, required: ["cancel.teleported"], only: "openai" })
      assert.isFalse(report.ok)
      assert.strictEqual(report.cases[0]?.reasons[0], "no fixture for this required scenario and no skip reason")
    })
  )
  it.effect("a fixture for a provider nobody registered fails with a clear reason", () =>
    Effect.gen(function* () {
      const { loaded } = yield* load
      const one = loaded.find((l) => l._tag === "Fixture")!
      const foreign = {
        ...one,
        fixture: { ...(one as { fixture: Fixture.Fixture }).fixture, provider: "acme" }
      } as Fixture.Loaded
      const report = yield* Suite.run([foreign], { providers: builtIn })
      assert.include(
        report.cases[0]?.reasons[0],
        'no adapter for provider "acme" (give one: --adapter MODULE --provider acme'
      )
    })
  )
  it("an invalid fixture file is reported, not crashed on", () => {
    assert.strictEqual(Fixture.parse("x.json", "{")._tag, "Invalid")
    const bad = Fixture.parse("x.json", JSON.stringify({ format: 2 }))
    assert.strictEqual(bad._tag, "Invalid")
  })
  it("an expect with two outcomes is invalid, not read as whichever decodes first", () => {
    const fixture = {
      format: 1,
      provider: "openai",
      operation: "retrieve",
      scenario: "x",
      source: { kind: "synthetic" },
      input: { batchId: "b1" },
      exchanges: [],
      expect: { batch: { status: "completed" }, error: { _tag: "BatchNotFound" } }
    }
    const two = Fixture.parse("x.json", JSON.stringify(fixture))
    assert.strictEqual(two._tag, "Invalid")
    assert.include(two._tag === "Invalid" ? two.problem : "", "exactly one")
    assert.strictEqual(Fixture.parse("x.json", JSON.stringify({ ...fixture, expect: { batch: {} } }))._tag, "Fixture")
  })
})

describe("a ready-made Layer instead of a factory", () => {
  it.effect("passes when built with Runner.clientOptions, and fails on the key when built with another", () =>
    Effect.gen(function* () {
      const { loaded } = yield* load
      const openai = loaded.filter(
        (l) => l.file.includes("/openai/") && /cancel\.(in-progress|completed)\.json$/.test(l.file)
      )
      assert.strictEqual(openai.length, 2)
      const good = yield* Suite.run(openai, { providers: { openai: builtIn.openai!(Runner.clientOptions) } })
      assert.deepStrictEqual(
        good.cases.map((c) => c.verdict),
        ["pass", "pass"]
      )
      const bad = yield* Suite.run(openai, {
        providers: {
          openai: builtIn.openai!({ ...Runner.clientOptions, apiKey: Redacted.make("sk-some-other-key-0000") })
        }
      })
      assert.deepStrictEqual(
        bad.cases.map((c) => c.verdict),
        ["fail", "fail"]
      )
      assert.isTrue(
        bad.cases.every((c) => c.reasons.some((r) => r.includes("auth"))),
        JSON.stringify(bad.cases.map((c) => c.reasons))
      )
    })
  )
})
