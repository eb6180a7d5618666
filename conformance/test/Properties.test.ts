/**
 * Property tests over every built-in adapter: any status with any body, and any JSON as a 200 body,
 * give a typed outcome (a batch, a page, results, or a BatchError), never a defect.
 */
import { BatchError, BatchProvider, VendorHttp } from "@batchctl/core"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import { builtIn } from "./builtIn.js"

const KEY = "sk-property-canary-91c0ffee"

const answering = (status: number, text: string, contentType: string) =>
  HttpClient.make((request) =>
    Effect.succeed(
      HttpClientResponse.fromWeb(
        request,
        new Response(status === 204 || status === 205 || status === 304 ? null : text, {
          status,
          headers: { "content-type": contentType }
        })
      )
    )
  )

const operations = (p: BatchProvider.Service) => [
  p.cancel("batch_1"),
  p.retrieve("batch_1"),
  p.list({ limit: 2 }),
  Stream.runDrain(p.results("batch_1"))
]

const typedOutcome = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure) && BatchError.isBatchError(failure.value)) {
    const text = `${failure.value.message} ${JSON.stringify(failure.value)}`
    return text.includes(KEY) ? "the key leaked into the error" : undefined
  }
  return Cause.pretty(exit.cause)
}

// Each run gives the event loop a turn: thousands of runs chained through promises alone would keep
// the worker from answering vitest's own messages (it then fails with "Timeout calling onTaskUpdate").
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve))

const check = async (provider: string, status: number, text: string, contentType: string) => {
  await breathe()
  const layer = builtIn[provider]!({ apiKey: Redacted.make(KEY), retry: VendorHttp.immediateRetries(2) }).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, answering(status, text, contentType)))
  )
  return Effect.flatMap(BatchProvider.BatchProvider, (p) =>
    Effect.forEach(operations(p), (op) => Effect.map(Effect.exit(op), typedOutcome))
  ).pipe(
    Effect.provide(layer),
    Effect.catchAllCause((cause) => Effect.succeed([`layer failed: ${Cause.pretty(cause)}`])),
    Effect.runPromise
  )
}

const body = fc.oneof(
  fc.json().map((j) => ({ text: j, type: "application/json" })),
  fc.string().map((s) => ({ text: s, type: "text/plain" })),
  fc.constant({ text: "", type: "application/json" }),
  fc.constant({ text: "<html><title>oops</title></html>", type: "text/html" }),
  fc.constant({ text: `{"error":{"message":"bad key ${KEY}"}}`, type: "application/json" })
)

describe.each(Object.keys(builtIn))("%s", (provider) => {
  it("any status with any body gives a typed outcome, never a defect", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 200, max: 599 }), body, async (status, b) => {
        const problems = (await check(provider, status, b.text, b.type)).filter((p) => p !== undefined)
        assert.deepStrictEqual(problems, [], `HTTP ${status} ${b.text.slice(0, 80)}`)
      }),
      { numRuns: 150 }
    )
  })
  it("any JSON as a 200 body gives a typed outcome, never a defect", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (json) => {
        const problems = (await check(provider, 200, JSON.stringify(json), "application/json")).filter(
          (p) => p !== undefined
        )
        assert.deepStrictEqual(problems, [])
      }),
      { numRuns: 150 }
    )
  })
  it("batch-shaped 200 bodies with random fields and statuses decode or fail typed", async () => {
    const batchish = fc.record(
      {
        id: fc.oneof(fc.string(), fc.integer()),
        status: fc.oneof(
          fc.constantFrom("validating", "in_progress", "ended", "CANCELING", "completed", "cancelled"),
          fc.string(),
          fc.constant(null)
        ),
        processing_status: fc.oneof(fc.constantFrom("in_progress", "canceling", "ended"), fc.string()),
        created_at: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
        request_counts: fc.oneof(fc.constant(null), fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string()))),
        progress: fc.oneof(fc.double(), fc.string()),
        data: fc.array(fc.jsonValue(), { maxLength: 3 }),
        results: fc.array(fc.jsonValue(), { maxLength: 3 })
      },
      { requiredKeys: [] }
    )
    await fc.assert(
      fc.asyncProperty(batchish, async (json) => {
        const problems = (await check(provider, 200, JSON.stringify(json), "application/json")).filter(
          (p) => p !== undefined
        )
        assert.deepStrictEqual(problems, [])
      }),
      { numRuns: 150 }
    )
  })
})
