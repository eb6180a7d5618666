/**
 * Plays fixtures against adapters and judges each case: every request checked, every exchange used,
 * the outcome matched by subset, the fake key nowhere in it, and no defect.
 */
import * as Batch from "@batchctl/core/Batch"
import * as BatchError from "@batchctl/core/BatchError"
import * as BatchProvider from "@batchctl/core/BatchProvider"
import * as Create from "@batchctl/core/Create"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { assumedCount, type Fixture, type Operation, type SourceKind } from "./Fixture.js"
import * as Replay from "./Replay.js"

/** The key the runner injects. Any trace of it in an outcome fails the case. */
export const FAKE_KEY = "sk-batchctl-conformance-7f3a9c2e51d84b06a1e3"

/** How to build a provider from its options; every adapter package's `layer` fits. */
/**
 * The options the runner builds every adapter with: its fake key and at most 3 attempts per HTTP call
 * with no delay. A ready-made `Layer` given instead of a factory must be built with these.
 */
export const clientOptions: VendorHttp.ClientOptions = {
  apiKey: Redacted.make(FAKE_KEY),
  retry: VendorHttp.immediateRetries(3)
}

/** A layer that provides `BatchProvider` over an `HttpClient`. */
export type ProviderLayer = Layer.Layer<BatchProvider.BatchProvider, unknown, HttpClient.HttpClient>

/** An adapter for the runner: a factory (preferred: it gets each case's own `clientOptions`), or a layer built with {@link clientOptions}. */
export type ProviderSource = ProviderFactory | ProviderLayer

/** An adapter's `layer` function: client options in, a layer providing `BatchProvider` out. */
export type ProviderFactory = (
  options: VendorHttp.ClientOptions
) => Layer.Layer<BatchProvider.BatchProvider, unknown, HttpClient.HttpClient>

/** A case's outcome; `expected-failure` and `unexpected-pass` come from the expectations file. */
export type Verdict = "pass" | "fail" | "expected-failure" | "unexpected-pass" | "skipped"

/** One fixture run against one adapter: its verdict, and why when it did not pass. */
export interface CaseResult {
  readonly provider: string
  readonly operation: string
  readonly scenario: string
  readonly file?: string | undefined
  readonly sourceKind?: SourceKind | undefined
  /** How many of its exchanges are marked `assumed` (FORMAT.md extension); absent when none. */
  readonly assumed?: number | undefined
  readonly verdict: Verdict
  /** Why it failed (the diff), why it is skipped, or why it is expected to fail. */
  readonly reasons: ReadonlyArray<string>
  /** The operation died (a defect or an untyped failure): a failure no expected-failure entry excuses. */
  readonly defect?: boolean | undefined
}

/**
 * Extension (v1-compatible): `{ "$absent": true }` in an expectation says the field must not be there
 * (a plain subset match cannot say so). Under v1 alone such an expectation could never pass, so no
 * existing fixture changes meaning.
 */
export const isAbsentMarker = (u: unknown): boolean =>
  typeof u === "object" &&
  u !== null &&
  !Array.isArray(u) &&
  Object.keys(u).length === 1 &&
  (u as Record<string, unknown>).$absent === true

/**
 * Compares by subset: every listed field equal, lists element by element and of equal length;
 * `{ "$absent": true }` asks for a field to be missing.
 */
export const subsetDiff = (expected: unknown, actual: unknown, path = "$"): Array<string> => {
  if (isAbsentMarker(expected)) return actual === undefined ? [] : [`${path}: expected nothing, got ${show(actual)}`]
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected a list, got ${show(actual)}`]
    if (expected.length !== actual.length) {
      return [`${path}: expected ${expected.length} item(s), got ${actual.length}`]
    }
    return expected.flatMap((e, i) => subsetDiff(e, actual[i], `${path}[${i}]`))
  }
  if (typeof expected === "object" && expected !== null) {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${show(actual)}`]
    }
    return Object.entries(expected).flatMap(([k, v]) =>
      subsetDiff(v, Object.hasOwn(actual, k) ? (actual as Record<string, unknown>)[k] : undefined, `${path}.${k}`)
    )
  }
  return Object.is(expected, actual) || expected === actual
    ? []
    : [`${path}: expected ${show(expected)}, got ${show(actual)}`]
}

const show = (u: unknown) => (u === undefined ? "nothing" : JSON.stringify(u))

const encodeBatch = Schema.encodeSync(Batch.Batch)
const encodePage = Schema.encodeSync(Batch.Page)
const encodeResult = Schema.encodeSync(Batch.ResultItem)
const encodeError = (u: unknown) =>
  Schema.encodeUnknownEither(Schema.Union(BatchError.BatchError, Create.CreateUnconfirmed))(u) as Either.Either<
    Record<string, unknown>,
    unknown
  >

/** A typed failure of any operation: the vocabulary's, or a create's `CreateUnconfirmed`. */
const isTypedFailure = (u: unknown): u is { readonly message: string; readonly stack?: string } =>
  BatchError.isBatchError(u) || (Predicate.isTagged(u, "CreateUnconfirmed") && u instanceof Create.CreateUnconfirmed)

/** The outcome in the fixture's vocabulary: `{ batch }`, `{ page }`, `{ results }` or `{ error }`. */
export type Outcome = Record<string, unknown>

/** A typed failure as a fixture's `expect.error` sees it. */
export const encodeFailure = (error: unknown): Record<string, unknown> =>
  Either.getOrElse(encodeError(error), () => ({ ...(error as Record<string, unknown>) }))

/** What an operation's input can hold. */
export interface Input {
  readonly batchId?: string | undefined
  readonly limit?: number | undefined
  readonly after?: string | undefined
  readonly requests?: ReadonlyArray<unknown> | undefined
  readonly jsonl?: string | undefined
  readonly createOptions?: Readonly<Record<string, unknown>> | undefined
}

/** A create's input: the JSONL text when the fixture gives one, else its requests (as given, checked by the adapter). */
const createInput = (input: Input): Create.Input =>
  input.jsonl !== undefined
    ? Create.jsonl(Stream.make(input.jsonl))
    : ((input.requests ?? []) as ReadonlyArray<Create.Request>)

const operationOf = (
  operation: Operation,
  input: Input,
  provider: BatchProvider.Service
): Effect.Effect<Outcome, BatchError.BatchError | Create.CreateUnconfirmed> => {
  const batchId = input.batchId ?? ""
  switch (operation) {
    case "cancel":
      return Effect.map(provider.cancel(batchId), (b) => ({ batch: encodeBatch(b) }))
    case "retrieve":
      return Effect.map(provider.retrieve(batchId), (b) => ({ batch: encodeBatch(b) }))
    case "list":
      return Effect.map(
        provider.list({
          ...(input.limit === undefined ? {} : { limit: input.limit }),
          ...(input.after === undefined ? {} : { after: input.after })
        }),
        (p) => ({ page: encodePage(p) })
      )
    case "results":
      return Effect.map(Stream.runCollect(provider.results(batchId)), (items) => ({
        results: Chunk.toReadonlyArray(items).map((item) => encodeResult(item))
      }))
    case "create":
      return Effect.map(provider.create(createInput(input), (input.createOptions ?? {}) as Create.Options), (b) => ({
        batch: encodeBatch(b)
      }))
  }
}

/** Runs one operation against a provider layer (its `HttpClient` already provided); typed failures stay failures. */
export const outcomeOf = (
  operation: Operation,
  input: Input,
  layer: Layer.Layer<BatchProvider.BatchProvider, unknown>
): Effect.Effect<Outcome, unknown> =>
  Effect.flatMap(BatchProvider.BatchProvider, (provider) => operationOf(operation, input, provider)).pipe(
    Effect.provide(layer)
  )

/** Every string value of the fixture that still starts with `TODO`, with where it sits. */
const todoStrings = (u: unknown, path: string): Array<string> => {
  if (typeof u === "string") return /^\s*TODO\b/.test(u) ? [`${path}: ${u}`] : []
  if (Array.isArray(u)) return u.flatMap((x, i) => todoStrings(x, `${path}[${i}]`))
  if (typeof u === "object" && u !== null) return Object.entries(u).flatMap(([k, v]) => todoStrings(v, `${path}.${k}`))
  return []
}

/**
 * A template (`--init`) is never a pass: its `todo` list and every `TODO…` value it still holds fail
 * the case, whatever the adapter does.
 */
export const todos = (fixture: Fixture): Array<string> => {
  const { todo, ...rest } = fixture
  const open = [...(todo ?? []).map((t) => `todo: ${t}`), ...todoStrings(rest, "$")]
  return open.length === 0
    ? []
    : [`template not filled in (${open.length} TODO): ${open.slice(0, 3).join("; ")}${open.length > 3 ? "; …" : ""}`]
}

/** Runs one fixture against one provider factory. */
export const runCase = (fixture: Fixture, factory: ProviderSource, file?: string): Effect.Effect<CaseResult> =>
  Effect.gen(function* () {
    const replay = Replay.make(fixture.exchanges, FAKE_KEY)
    const built: ProviderLayer =
      typeof factory === "function" ? factory({ ...fixture.input.clientOptions, ...clientOptions }) : factory
    const layer = built.pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, replay.client)))
    const exit = yield* Effect.exit(
      outcomeOf(fixture.operation, fixture.input, layer).pipe(Effect.timeout("10 seconds"))
    )
    const reasons: Array<string> = [...todos(fixture), ...replay.problems()]
    const unused = replay.unused()
    if (unused > 0) reasons.push(`${unused} exchange(s) never requested (the adapter sent ${replay.sent().length})`)
    let outcome: Outcome | undefined
    let message = ""
    let defect = false
    if (Exit.isSuccess(exit)) {
      outcome = exit.value
    } else {
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure) && isTypedFailure(failure.value)) {
        outcome = { error: encodeFailure(failure.value) }
        message = `${failure.value.message}\n${String(failure.value)}\n${failure.value.stack ?? ""}`
      } else {
        defect = true
        reasons.push(`defect or untyped failure: ${Cause.pretty(exit.cause).split("\n").slice(0, 4).join(" ")}`)
      }
    }
    if (outcome !== undefined) {
      const [kind, expected] = Object.entries(fixture.expect)[0] as [string, unknown]
      if (!(kind in outcome)) {
        const got = Object.keys(outcome)[0]
        const detail =
          got === "error"
            ? ` ${show((outcome.error as Record<string, unknown>)._tag)}: ${(outcome.error as Record<string, unknown>).message}`
            : ""
        reasons.push(`expected ${kind}, got ${got}${detail}`)
      } else {
        reasons.push(...subsetDiff(expected, outcome[kind], `$.${kind}`))
      }
      // An error shows its text: the key must never be in it. A batch, page or result is data: it holds
      // the key only where the vendor sent it (an echo in its metadata is kept as sent, never rewritten).
      const echoed = fixture.exchanges.some((e) => JSON.stringify(e.response).includes(FAKE_KEY))
      const shown = ("error" in outcome ? JSON.stringify(outcome) : "") + message
      if (shown.includes(FAKE_KEY) || (!echoed && JSON.stringify(outcome).includes(FAKE_KEY))) {
        reasons.push("the fake API key appears in the outcome")
      }
    }
    return {
      provider: fixture.provider,
      operation: fixture.operation,
      scenario: fixture.scenario,
      file,
      sourceKind: fixture.source.kind,
      ...(assumedCount(fixture) > 0 ? { assumed: assumedCount(fixture) } : {}),
      verdict: reasons.length === 0 ? "pass" : "fail",
      reasons,
      ...(defect ? { defect } : {})
    } satisfies CaseResult
  })
