/**
 * `batchctl demo` (and `npm run demo`): the embedded emulator, a batch on each of the providers,
 * cancelled mid-way through its adapter, followed until terminal, its partial results read, and one
 * table. No keys, no network: everything is on loopback.
 */
import { type Batch, type BatchError, BatchProvider, Lifecycle, NodeClient } from "@batchctl/core"
import { Emulator } from "@batchctl/emulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { BadInput, Reported } from "./Failure.js"
import * as Output from "./Output.js"
import { type Provider, providers } from "./Providers.js"
import * as Providers from "./Providers.js"
import * as Render from "./Render.js"

const REQUESTS = 10
const DONE_BEFORE_CANCEL = 4
/**
 * Slow requests and a quick cancel: the remaining requests take seconds, so each cancel lands mid-way
 * even on a busy machine, and the cancel settles in well under a second.
 */
const timings = { validatingMs: 100, requestMs: 10_000, cancellingMs: 300 }

interface Row {
  readonly provider: Provider
  readonly batchId: string
  readonly before?: Batch.Batch
  readonly cancel?: Batch.Batch
  readonly after?: Batch.Batch
  readonly results: Record<string, number>
  readonly resultsRead: number
  readonly millis: number
  readonly error?: BatchError.BatchError | Lifecycle.WaitTimedOut
}

/**
 * The id the vendor's API names a created batch by: the emulator's id, or the resource name its body
 * gives when that ends with it (Gemini's Operation `name`, `batches/<id>`).
 */
const idOf = (created: { readonly id: string; readonly body: unknown }): string => {
  const body = created.body
  const name = typeof body === "object" && body !== null && "name" in body ? body.name : undefined
  return typeof name === "string" && name.endsWith(`/${created.id}`) ? name : created.id
}

const runOne = (handle: Emulator.Handle, provider: Provider) =>
  Effect.gen(function* () {
    const started = Date.now()
    const created = yield* Effect.tryPromise({
      try: () => handle.createBatch({ provider, requests: REQUESTS, completed: DONE_BEFORE_CANCEL }),
      catch: (e) => new BadInput({ message: `the emulator could not create a ${provider} batch: ${String(e)}` })
    }).pipe(Effect.map((c) => ({ id: idOf(c) })))
    const connection: Providers.Connection = {
      provider,
      apiKey: Redacted.make("batchctl-demo-key"),
      keyVariable: Providers.keyVariable(provider),
      baseUrl: handle.baseUrl(provider),
      baseUrlVariable: Providers.baseUrlVariable(provider)
    }
    const layer = Layer.provide(yield* Providers.layerFor(connection), NodeClient.layer)
    const state: { -readonly [K in keyof Row]: Row[K] } = {
      provider,
      batchId: created.id,
      results: {},
      resultsRead: 0,
      millis: 0
    }
    const steps = Effect.gen(function* () {
      const service = yield* BatchProvider.BatchProvider
      state.before = yield* service.retrieve(created.id)
      state.cancel = yield* service.cancel(created.id)
      state.after = yield* Lifecycle.awaitTerminal(created.id, {
        schedule: Lifecycle.fixedPoll(100),
        timeout: "30 seconds"
      })
      yield* Stream.runForEach(service.results(created.id), (item) =>
        Effect.sync(() => {
          state.resultsRead++
          state.results[item.outcome] = (state.results[item.outcome] ?? 0) + 1
        })
      )
    }).pipe(Effect.provide(layer))
    yield* steps.pipe(
      Effect.catchAll((error) =>
        Effect.sync(() => {
          state.error = error
        })
      )
    )
    state.millis = Date.now() - started
    return state as Row
  })

const done = (batch: Batch.Batch | undefined) => {
  if (batch === undefined) return "-"
  const c = batch.counts
  // Anthropic counts nothing but `processing` until a batch has ended: say so rather than "0/6 done".
  if (c.succeeded === undefined && c.failed === undefined && c.processing !== undefined) {
    return `${Output.status(batch.status)}, ${c.processing} processing`
  }
  if (c.total === undefined) return Output.status(batch.status)
  const finished = (c.succeeded ?? 0) + (c.failed ?? 0)
  return `${Output.status(batch.status)}, ${finished}/${c.total} done`
}

const resultsText = (row: Row) => {
  const parts = Object.entries(row.results).map(([k, v]) => `${v} ${k}`)
  return parts.length === 0 ? String(row.resultsRead) : `${row.resultsRead}: ${parts.join(", ")}`
}

export const demo = (flags: { readonly json: boolean }) =>
  Effect.scoped(
    Effect.gen(function* () {
      const started = Date.now()
      const handle = yield* Emulator.make({ timings }).pipe(
        Effect.mapError((e) => new BadInput({ message: e.message }))
      )
      if (!flags.json) {
        Output.out(
          `batchctl demo: ${providers.length} providers through their adapters, against the emulator at ${handle.url}`
        )
        Output.out(
          Output.dim(
            `each: create a batch of ${REQUESTS} requests (${DONE_BEFORE_CANCEL} already done), cancel it, wait until terminal, read the partial results`
          )
        )
        Output.out("")
      }
      const rows = yield* Effect.forEach(providers, (p) => runOne(handle, p), { concurrency: "unbounded" })
      const failed = rows.filter((r) => r.error !== undefined)
      if (flags.json) {
        Output.json({
          emulator: handle.url,
          ok: failed.length === 0,
          millis: Date.now() - started,
          rows: rows.map((r) => ({
            provider: r.provider,
            batchId: r.batchId,
            before:
              r.before === undefined
                ? undefined
                : { status: r.before.status, vendorStatus: r.before.vendorStatus, counts: r.before.counts },
            afterCancel:
              r.cancel === undefined ? undefined : { status: r.cancel.status, vendorStatus: r.cancel.vendorStatus },
            after:
              r.after === undefined
                ? undefined
                : { status: r.after.status, vendorStatus: r.after.vendorStatus, counts: r.after.counts },
            resultsRead: r.resultsRead,
            results: r.results,
            millis: r.millis,
            error: r.error === undefined ? undefined : Render.errorJson(r.error)
          }))
        })
      } else {
        Output.out(
          Output.table(
            ["PROVIDER", "BATCH", "BEFORE", "CANCEL → AFTER", "RESULTS READ", "TIME"],
            rows.map((r) => [
              Output.bold(r.provider),
              r.batchId.length > 26 ? `${r.batchId.slice(0, 25)}…` : r.batchId,
              done(r.before),
              r.error !== undefined
                ? Output.red(`failed: ${r.error._tag}`)
                : `${r.cancel === undefined ? "-" : Output.status(r.cancel.status)} → ${done(r.after)}`,
              resultsText(r),
              `${(r.millis / 1000).toFixed(1)} s`
            ])
          )
        )
        for (const r of failed)
          if (r.error !== undefined) Output.err(`batchctl: ${r.provider}: ${r.error._tag}: ${r.error.message}`)
        Output.out("")
        Output.out(
          failed.length === 0
            ? `${Output.green("ok")}: ${providers.length} providers cancelled mid-way with partial results, in ${((Date.now() - started) / 1000).toFixed(1)} s`
            : `${Output.red("failed")}: ${failed.length} of ${providers.length} providers`
        )
      }
      if (failed.length > 0) {
        return yield* Effect.fail(new Reported({ exitCode: 1, message: `${failed.length} providers failed` }))
      }
    })
  )
