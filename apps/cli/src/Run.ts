/**
 * The provider commands: get, list, cancel, wait, cancel-all, results. Loaded on first use.
 */
import { type Batch, type BatchError, BatchProvider, Lifecycle, NodeClient } from "@batchctl/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { closeSync, openSync, writeSync } from "node:fs"
import { createInterface } from "node:readline"
import {
  BadInput,
  type Context,
  details,
  exitCodeOf,
  FileFailure,
  line,
  NotConfirmed,
  type Reportable,
  Reported
} from "./Failure.js"
import * as Output from "./Output.js"
import type { Mode } from "./Output.js"
import * as Parse from "./Parse.js"
import * as Providers from "./Providers.js"
import type { Connection, ConnectionFlags, Provider } from "./Providers.js"
import * as Render from "./Render.js"

export type Flags = ConnectionFlags

interface Common {
  readonly provider: Provider
  readonly mode: Mode
  readonly flags: Flags
}

// Reporting ------------------------------------------------------------------------------------------

const contextOf = (connection: Connection | undefined): Context =>
  connection === undefined
    ? {}
    : { keyVariable: connection.keyVariable, baseUrlVariable: connection.baseUrlVariable, baseUrl: connection.baseUrl }

/** Prints one failure (a line, or a JSON line on stderr with `--json`). */
export const report = (error: Reportable, mode: Mode, context: Context = {}, subject?: string): void => {
  if (mode.json) {
    Output.err(JSON.stringify({ error: Render.errorJson(error), exitCode: exitCodeOf(error) }))
    return
  }
  Output.err(`batchctl: ${subject === undefined ? "" : `${subject}: `}${line(error, context)}`)
  if (mode.verbose) for (const d of details(error, context)) Output.err(d)
}

/**
 * Resolves the connection, provides the adapter, runs `f`; any failure is reported here, with the
 * variable names in the hint, and becomes `Reported` with its exit code.
 */
const withProvider = <A, E extends Reportable>(
  common: Common,
  f: (service: BatchProvider.Service, connection: Connection) => Effect.Effect<A, E, BatchProvider.BatchProvider>
): Effect.Effect<A, Reported> => {
  let connection: Connection | undefined
  return Effect.gen(function* () {
    connection = yield* Providers.resolve(common.provider, common.flags)
    const layer = yield* Providers.layerFor(connection)
    const conn = connection
    return yield* Effect.flatMap(BatchProvider.BatchProvider, (service) => f(service, conn)).pipe(
      Effect.provide(Layer.provide(layer, NodeClient.layer))
    )
  }).pipe(
    Effect.catchAll((error) => {
      if (error instanceof Reported) return Effect.fail(error)
      report(error, common.mode, contextOf(connection))
      return Effect.fail(new Reported({ exitCode: exitCodeOf(error), message: error.message }))
    })
  )
}

const pollSchedule = (interval: string | undefined) =>
  interval === undefined
    ? Effect.succeed(Lifecycle.defaultPollSchedule)
    : Effect.map(Parse.durationMillis(interval, "--interval"), (ms): Schedule.Schedule<unknown> => Schedule.spaced(ms))

/** Notes each status change of a batch being waited on (stderr, human mode only). */
const watching = (schedule: Schedule.Schedule<unknown>, mode: Mode): Schedule.Schedule<unknown, Batch.Batch> => {
  if (mode.json || mode.quiet) return schedule
  const last = new Map<string, string>()
  return Schedule.tapInput(schedule, (batch: Batch.Batch) =>
    Effect.sync(() => {
      const now = `${batch.vendorStatus}|${Render.countsText(batch.counts)}`
      if (now !== last.get(batch.id)) {
        last.set(batch.id, now)
        Output.err(Output.dim(`  ${batch.id}: ${batch.vendorStatus}, ${Render.countsText(batch.counts)}`, process.stderr))
      }
    })
  )
}

// get ------------------------------------------------------------------------------------------------

const printBatch = (batch: Batch.Batch, mode: Mode) => {
  if (mode.json) Output.json(Render.batchJson(batch, mode.verbose))
  else if (mode.quiet) Output.out(`${batch.id} ${batch.status}`)
  else Output.out(Render.batchBlock(batch))
}

export const get = (o: Common & { readonly id: string }) =>
  withProvider(o, (service) =>
    Effect.map(service.retrieve(o.id), (batch) => printBatch(batch, o.mode))
  )

// wait -----------------------------------------------------------------------------------------------

export const wait = (
  o: Common & { readonly id: string; readonly timeout: string | undefined; readonly interval: string | undefined }
) =>
  withProvider(o, () =>
    Effect.gen(function* () {
      const schedule = yield* pollSchedule(o.interval)
      const timeout = o.timeout === undefined ? undefined : yield* Parse.durationMillis(o.timeout, "--timeout")
      const batch = yield* Lifecycle.awaitTerminal(o.id, { schedule: watching(schedule, o.mode), timeout })
      printBatch(batch, o.mode)
    }).pipe(
      Effect.onInterrupt(() => Effect.sync(() => Output.err(`batchctl: stopped waiting for ${o.id}`)))
    )
  )

// list -----------------------------------------------------------------------------------------------

const statusFilter = (text: string | undefined) => {
  if (text === undefined) return () => true
  const wanted = new Set(Parse.csv(text))
  return (b: Batch.Batch) => wanted.has(b.status) || wanted.has(b.vendorStatus)
}

export const list = (
  o: Common & {
    readonly status: string | undefined
    readonly limit: number | undefined
    readonly after: string | undefined
    readonly all: boolean
  }
) =>
  withProvider(o, (service) =>
    Effect.gen(function* () {
      if (o.limit !== undefined && o.limit < 1) return yield* Effect.fail(new BadInput({ message: "--limit must be at least 1" }))
      if (o.all && o.after !== undefined) {
        return yield* Effect.fail(new BadInput({ message: "--all starts at the first page: drop --after" }))
      }
      const keep = statusFilter(o.status)
      const seen: Array<Batch.Batch> = []
      const emit = (batch: Batch.Batch) => {
        if (!keep(batch)) return
        if (o.mode.json) Output.json(Render.batchJson(batch, o.mode.verbose))
        else if (o.mode.quiet) Output.out(batch.id)
        else seen.push(batch)
      }
      let next: string | undefined
      if (o.all) {
        yield* Stream.runForEach(Lifecycle.listAll({ limit: o.limit ?? 100 }), (b) => Effect.sync(() => emit(b)))
      } else {
        const page = yield* service.list({ limit: o.limit, after: o.after })
        for (const b of page.batches) emit(b)
        next = page.hasMore ? page.nextCursor : undefined
      }
      if (!o.mode.json && !o.mode.quiet) {
        Output.out(seen.length === 0 ? Output.dim("no batches") : Render.batchTable(seen))
      }
      if (next !== undefined && !o.mode.quiet) {
        if (o.mode.json) Output.err(JSON.stringify({ nextCursor: next }))
        else Output.err(Output.dim(`more: batchctl list ${o.provider} --after ${next}   (or --all)`, process.stderr))
      }
    })
  )

// cancel ---------------------------------------------------------------------------------------------

const readStdin = Effect.async<string, FileFailure>((resume) => {
  if (process.stdin.isTTY === true) {
    Output.err("batchctl: reading ids from stdin, one a line; end with Ctrl-D")
  }
  const chunks: Array<Buffer> = []
  const onData = (c: Buffer) => chunks.push(c)
  const onEnd = () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
  const onError = (e: Error) => resume(Effect.fail(new FileFailure({ path: "-", message: `cannot read stdin: ${e.message}` })))
  process.stdin.on("data", onData)
  process.stdin.once("end", onEnd)
  process.stdin.once("error", onError)
  return Effect.sync(() => {
    process.stdin.off("data", onData)
    process.stdin.off("end", onEnd)
    process.stdin.off("error", onError)
    process.stdin.pause()
  })
})

const expandIds = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    for (const id of ids) {
      if (id === "-") out.push(...(yield* Effect.flatMap(readStdin, Parse.idsFromLines)))
      else out.push(id)
    }
    const unique = [...new Set(out)]
    if (unique.length === 0) return yield* Effect.fail(new BadInput({ message: "no batch ids (stdin was empty)" }))
    return unique
  })

type Outcome =
  | { readonly _tag: "Done"; readonly batchId: string; readonly batch: Batch.Batch }
  | { readonly _tag: "Failed"; readonly batchId: string; readonly error: Reportable }

const concurrencyOf = (n: number | undefined) =>
  n === undefined
    ? Effect.succeed(8)
    : n >= 1 && n <= 256
      ? Effect.succeed(n)
      : Effect.fail(new BadInput({ message: "--concurrency must be between 1 and 256" }))

export const cancel = (
  o: Common & {
    readonly ids: ReadonlyArray<string>
    readonly wait: boolean
    readonly timeout: string | undefined
    readonly interval: string | undefined
    readonly concurrency: number | undefined
  }
) =>
  withProvider(o, (service, connection) =>
    Effect.gen(function* () {
      const ids = yield* expandIds(o.ids)
      const concurrency = yield* concurrencyOf(o.concurrency)
      const timeout = o.wait ? yield* Parse.durationMillis(o.timeout ?? "10m", "--timeout") : undefined
      const schedule = yield* pollSchedule(o.interval ?? (o.wait ? "1s" : undefined))
      const outcomes: Array<Outcome> = []
      const one = (batchId: string) =>
        service.cancel(batchId).pipe(
          Effect.flatMap((batch) =>
            o.wait && !batch.terminal
              ? Lifecycle.awaitTerminal(batchId, { schedule: watching(schedule, o.mode), timeout })
              : Effect.succeed(batch)
          ),
          Effect.match({
            onSuccess: (batch): Outcome => ({ _tag: "Done", batchId, batch }),
            onFailure: (error): Outcome => ({ _tag: "Failed", batchId, error })
          }),
          Effect.tap((outcome) =>
            Effect.sync(() => {
              outcomes.push(outcome)
              printCancel(outcome, o.mode, contextOf(connection), ids.length > 1)
            })
          )
        )
      yield* Effect.forEach(ids, one, { concurrency, discard: true }).pipe(
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            const done = outcomes.filter((x) => x._tag === "Done").map((x) => x.batchId)
            const pending = ids.filter((id) => !outcomes.some((x) => x.batchId === id))
            Output.err(
              `batchctl: interrupted: ${done.length} of ${ids.length} cancelled${done.length === 0 ? "" : ` (${done.join(", ")})`}` +
                (pending.length === 0 ? "" : `; not finished: ${pending.join(", ")}`)
            )
          })
        )
      )
      const failed = outcomes.filter((x) => x._tag === "Failed")
      const first = failed[0]
      if (first !== undefined && first._tag === "Failed") {
        return yield* Effect.fail(
          new Reported({ exitCode: exitCodeOf(first.error), message: `${failed.length} of ${ids.length} cancels failed` })
        )
      }
    })
  )

const printCancel = (outcome: Outcome, mode: Mode, context: Context, many: boolean) => {
  if (outcome._tag === "Failed") {
    if (mode.json) {
      Output.json({ batchId: outcome.batchId, ok: false, error: Render.errorJson(outcome.error) })
      if (!many) report(outcome.error, { ...mode, json: false }, context)
    } else {
      report(outcome.error, mode, context, many ? outcome.batchId : undefined)
    }
    return
  }
  const { batch } = outcome
  if (mode.json) Output.json({ batchId: outcome.batchId, ok: true, batch: Render.batchJson(batch, mode.verbose) })
  else if (mode.quiet) Output.out(`${batch.id} ${batch.status}`)
  else Output.out(`${Output.bold(batch.id)}  ${Render.statusText(batch)}  ${Render.countsText(batch.counts)}`)
}

// cancel-all -----------------------------------------------------------------------------------------

const defaultCancelStatuses = "validating,in_progress,finalizing"

type AllOutcome =
  | { readonly _tag: "Cancelled"; readonly before: Batch.Batch; readonly batch: Batch.Batch }
  | { readonly _tag: "AlreadyFinished"; readonly before: Batch.Batch; readonly status: string }
  | { readonly _tag: "Failed"; readonly before: Batch.Batch; readonly error: BatchError.BatchError }

const confirm = (question: string) =>
  Effect.async<boolean>((resume) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    let settled = false
    // Ctrl-C at the prompt (the terminal is in raw mode, so readline sees it): interrupt as anywhere else,
    // right away (a signal sent to ourselves could come after the event loop has run dry).
    rl.on("SIGINT", () => {
      settled = true
      rl.close()
      process.emit("SIGINT", "SIGINT")
    })
    rl.question(question, (answer) => {
      settled = true
      rl.close()
      resume(Effect.succeed(/^y(es)?$/i.test(answer.trim())))
    })
    rl.once("close", () => {
      if (!settled) resume(Effect.succeed(false))
    })
    return Effect.sync(() => {
      settled = true
      rl.close()
    })
  })

export const cancelAll = (
  o: Common & {
    readonly status: string | undefined
    readonly createdBefore: string | undefined
    readonly dryRun: boolean
    readonly concurrency: number | undefined
    readonly yes: boolean
  }
) =>
  withProvider(o, (service, connection) =>
    Effect.gen(function* () {
      const statuses = Parse.csv(o.status ?? defaultCancelStatuses)
      if (statuses.length === 0) return yield* Effect.fail(new BadInput({ message: "--status needs at least one status" }))
      const keep = statusFilter(statuses.join(","))
      const before = o.createdBefore === undefined ? undefined : yield* Parse.instant(o.createdBefore)
      const concurrency = yield* concurrencyOf(o.concurrency)
      const human = !o.mode.json && !o.mode.quiet

      if (human) Output.err(Output.dim(`finding ${statuses.join(", ")} batches on ${o.provider}…`, process.stderr))
      const all = yield* Stream.runCollect(Lifecycle.listAll({ limit: 100 }))
      const matched = [...all].filter(
        (b) =>
          keep(b) &&
          !b.terminal &&
          (before === undefined || (b.createdAt !== undefined && b.createdAt.getTime() < before.getTime()))
      )

      if (matched.length === 0 || o.dryRun) {
        if (o.mode.json) {
          Output.json({
            provider: o.provider,
            dryRun: o.dryRun,
            matched: matched.length,
            batches: matched.map((b) => Render.batchJson(b, o.mode.verbose))
          })
        } else if (o.mode.quiet) {
          for (const b of matched) Output.out(b.id)
        } else if (matched.length === 0) {
          Output.out(`nothing to cancel on ${o.provider} (${all.length} batches seen)`)
        } else {
          Output.out(Render.batchTable(matched))
          Output.out(`dry run: ${matched.length} batches would be cancelled`)
        }
        return
      }

      if (!o.yes) {
        if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) {
          return yield* Effect.fail(
            new NotConfirmed({
              message: `refusing to cancel ${matched.length} batches on ${o.provider} without confirmation: no terminal to ask on`
            })
          )
        }
        if (!o.mode.json) Output.err(Render.batchTable(matched))
        const ok = yield* confirm(`Cancel ${matched.length} batches on ${o.provider}? [y/N] `)
        if (!ok) return yield* Effect.fail(new NotConfirmed({ message: "not confirmed: nothing was cancelled" }))
      }

      const outcomes: Array<AllOutcome> = []
      const bar = Output.progressOn(o.mode)
      if (bar) Output.progress(0, matched.length, "cancelling")
      const one = (b: Batch.Batch) =>
        service.cancel(b.id).pipe(
          Effect.match({
            onSuccess: (batch): AllOutcome => ({ _tag: "Cancelled", before: b, batch }),
            onFailure: (error): AllOutcome =>
              error._tag === "InvalidBatchState" && error.vendorStatus !== undefined
                ? { _tag: "AlreadyFinished", before: b, status: error.vendorStatus }
                : { _tag: "Failed", before: b, error }
          }),
          Effect.tap((outcome) =>
            Effect.sync(() => {
              outcomes.push(outcome)
              if (bar) Output.progress(outcomes.length, matched.length, "cancelling")
            })
          )
        )
      const finish = (interrupted: boolean) => {
        if (bar) Output.progressDone()
        printCancelAll(o.provider, matched, outcomes, o.mode, contextOf(connection), interrupted)
      }
      yield* Effect.forEach(matched, one, { concurrency, discard: true }).pipe(
        Effect.onInterrupt(() => Effect.sync(() => finish(true)))
      )
      finish(false)
      const failed = outcomes.find((x) => x._tag === "Failed")
      if (failed !== undefined && failed._tag === "Failed") {
        return yield* Effect.fail(
          new Reported({ exitCode: exitCodeOf(failed.error), message: "some cancels failed" })
        )
      }
    })
  )

const totalsOf = (outcomes: ReadonlyArray<AllOutcome>) => {
  const failed: Record<string, number> = {}
  let cancelled = 0
  let alreadyFinished = 0
  for (const x of outcomes) {
    if (x._tag === "Cancelled") cancelled++
    else if (x._tag === "AlreadyFinished") alreadyFinished++
    else failed[x.error._tag] = (failed[x.error._tag] ?? 0) + 1
  }
  return { cancelled, alreadyFinished, failed }
}

const printCancelAll = (
  provider: Provider,
  matched: ReadonlyArray<Batch.Batch>,
  outcomes: ReadonlyArray<AllOutcome>,
  mode: Mode,
  context: Context,
  interrupted: boolean
) => {
  const totals = totalsOf(outcomes)
  const notAttempted = matched.filter((b) => !outcomes.some((x) => x.before.id === b.id))
  if (mode.json) {
    Output.json({
      provider,
      matched: matched.length,
      interrupted,
      cancelled: totals.cancelled,
      alreadyFinished: totals.alreadyFinished,
      failed: totals.failed,
      notAttempted: notAttempted.map((b) => b.id),
      batches: outcomes.map((x) =>
        x._tag === "Cancelled"
          ? { id: x.before.id, before: x.before.status, outcome: "cancelled", status: x.batch.status }
          : x._tag === "AlreadyFinished"
            ? { id: x.before.id, before: x.before.status, outcome: "already-finished", status: x.status }
            : { id: x.before.id, before: x.before.status, outcome: "failed", error: Render.errorJson(x.error) }
      )
    })
    return
  }
  if (mode.quiet) {
    for (const x of outcomes) if (x._tag === "Cancelled") Output.out(x.before.id)
  } else {
    Output.out(
      Output.table(
        ["BATCH", "BEFORE", "OUTCOME", "DETAIL"],
        outcomes.map((x) =>
          x._tag === "Cancelled"
            ? [x.before.id, x.before.status, Output.green("cancelled"), Render.statusText(x.batch)]
            : x._tag === "AlreadyFinished"
              ? [x.before.id, x.before.status, Output.yellow("already finished"), x.status]
              : [x.before.id, x.before.status, Output.red(`failed: ${x.error._tag}`), x.error.requestId === undefined ? "" : `request id ${x.error.requestId}`]
        )
      )
    )
  }
  for (const x of outcomes) if (x._tag === "Failed") report(x.error, { ...mode, quiet: false }, context, x.before.id)
  const failedText = Object.entries(totals.failed)
    .map(([tag, n]) => `${tag} ${n}`)
    .join(", ")
  const failedCount = Object.values(totals.failed).reduce((a, b) => a + b, 0)
  const summary =
    `${provider}: ${totals.cancelled} cancelled, ${totals.alreadyFinished} already finished, ${failedCount} failed` +
    (failedText === "" ? "" : ` (${failedText})`) +
    (interrupted ? `; interrupted, ${notAttempted.length} not attempted` : "")
  if (mode.quiet) Output.err(summary)
  else Output.out(summary)
}

// results --------------------------------------------------------------------------------------------

export const results = (o: Common & { readonly id: string; readonly out: string | undefined }) =>
  withProvider(o, (service) =>
    Effect.gen(function* () {
      const counts: Record<string, number> = {}
      let n = 0
      const file = o.out
      const fd =
        file === undefined
          ? undefined
          : yield* Effect.try({
              try: () => openSync(file, "w"),
              catch: (e) => new FileFailure({ path: file, message: `cannot write ${file}: ${(e as Error).message}` })
            })
      const write = (item: Batch.ResultItem) =>
        Effect.try({
          try: () => {
            n++
            counts[item.outcome] = (counts[item.outcome] ?? 0) + 1
            const text = JSON.stringify(Render.resultJson(item))
            if (fd !== undefined) writeSync(fd, `${text}\n`)
            else if (o.mode.json) Output.out(text)
            else if (o.mode.quiet) Output.out(item.customId)
            else Output.out(`${item.customId}  ${outcomeText(item.outcome)}`)
          },
          catch: (e) => new FileFailure({ path: file ?? "-", message: `cannot write results: ${(e as Error).message}` })
        })
      const summary = () => {
        const parts = Object.entries(counts).map(([k, v]) => `${v} ${k}`)
        return `${n} results${parts.length === 0 ? "" : ` (${parts.join(", ")})`}${file === undefined ? "" : ` written to ${file}`}`
      }
      yield* Stream.runForEach(service.results(o.id), write).pipe(
        Effect.ensuring(Effect.sync(() => fd !== undefined && closeSync(fd))),
        Effect.onInterrupt(() => Effect.sync(() => Output.err(`batchctl: interrupted after ${summary()}`)))
      )
      if (file !== undefined && o.mode.json) Output.json({ file, count: n, outcomes: counts })
      else if (!o.mode.quiet && !o.mode.json) {
        if (file !== undefined) Output.out(summary())
        else Output.err(Output.dim(summary(), process.stderr))
      }
    })
  )

const outcomeText = (outcome: string) =>
  outcome === "succeeded" ? Output.green(outcome) : outcome === "errored" ? Output.red(outcome) : Output.yellow(outcome)
