/**
 * The provider commands: get, list, cancel, wait, cancel-all, results. Loaded on first use.
 */
import {
  Batch,
  type BatchError,
  BatchError as BatchErrorTags,
  BatchProvider,
  Lifecycle,
  NodeClient,
  RetryPolicy
} from "@batchctl/core"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync
} from "node:fs"
import { createInterface } from "node:readline"
import {
  BadInput,
  type Context,
  details,
  ExitCode,
  exitCodeOf,
  FileFailure,
  line,
  NotConfirmed,
  type Reportable,
  Reported
} from "./Failure.js"
import * as Output from "./Output.js"
import type { Mode } from "./Output.js"
import * as Argv from "./Argv.js"
import * as Parse from "./Parse.js"
import * as Providers from "./Providers.js"
import type { Connection, ConnectionFlags, Provider } from "./Providers.js"
import * as Render from "./Render.js"
import * as Stop from "./Stop.js"

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
export const withProvider = <A, E extends Reportable>(
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
    : Effect.flatMap(Parse.durationMillis(interval, "--interval"), (ms) =>
        // Polling faster than this only spends the vendor's rate limit.
        ms < 100
          ? Effect.fail(new BadInput({ message: `--interval must be at least 100ms, not ${interval}` }))
          : Effect.succeed<Schedule.Schedule<unknown>>(Schedule.spaced(ms))
      )

/** Notes each status change of a batch being waited on (stderr, human mode only). */
const watching = (schedule: Schedule.Schedule<unknown>, mode: Mode): Schedule.Schedule<unknown, Batch.Batch> => {
  if (mode.json || mode.quiet) return schedule
  const last = new Map<string, string>()
  return Schedule.tapInput(schedule, (batch: Batch.Batch) =>
    Effect.sync(() => {
      const now = `${batch.vendorStatus}|${Render.countsText(batch.counts)}`
      if (now !== last.get(batch.id)) {
        last.set(batch.id, now)
        Output.err(
          Output.dim(`  ${batch.id}: ${batch.vendorStatus}, ${Render.countsText(batch.counts)}`, process.stderr)
        )
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
  withProvider(o, (service) => Effect.map(service.retrieve(o.id), (batch) => printBatch(batch, o.mode)))

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
    }).pipe(Effect.onInterrupt(() => Effect.sync(() => Output.err(`batchctl: stopped waiting for ${o.id}`))))
  )

// list -----------------------------------------------------------------------------------------------

const statusFilter = (wanted: ReadonlyArray<string> | undefined) => {
  if (wanted === undefined) return () => true
  const set = new Set(wanted)
  return (b: Batch.Batch) => set.has(b.status)
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
      if (o.limit !== undefined && o.limit < 1)
        return yield* Effect.fail(new BadInput({ message: "--limit must be at least 1" }))
      if (o.all && o.after !== undefined) {
        return yield* Effect.fail(new BadInput({ message: "--all starts at the first page: drop --after" }))
      }
      const wanted = o.status === undefined ? undefined : yield* Parse.statuses(o.status)
      const keep = statusFilter(wanted)
      // A status filter looks through every page (one page may hold none of the batches asked for).
      const all = o.all || (wanted !== undefined && o.after === undefined)
      const seen: Array<Batch.Batch> = []
      const emit = (batch: Batch.Batch) => {
        if (!keep(batch)) return
        if (o.mode.json) Output.json(Render.batchJson(batch, o.mode.verbose))
        else if (o.mode.quiet) Output.out(batch.id)
        else seen.push(batch)
      }
      let next: string | undefined
      if (all) {
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
  const onError = (e: Error) =>
    resume(Effect.fail(new FileFailure({ path: "-", message: `cannot read stdin: ${e.message}` })))
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

const expandIds = (ids: ReadonlyArray<Argv.Operand>) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    if (ids.filter((id) => id === Argv.Stdin).length > 1) {
      return yield* Effect.fail(new BadInput({ message: "stdin (-) can be read once: give - once" }))
    }
    for (const id of ids) {
      if (id === Argv.Stdin) out.push(...(yield* Effect.flatMap(readStdin, Parse.idsFromLines)))
      else out.push(id)
    }
    const unique = [...new Set(out)]
    if (unique.length === 0) return yield* Effect.fail(new BadInput({ message: "no batch ids (stdin was empty)" }))
    return unique
  })

const concurrencyOf = (n: number | undefined) =>
  n === undefined
    ? Effect.succeed(8)
    : n >= 1 && n <= 256
      ? Effect.succeed(n)
      : Effect.fail(new BadInput({ message: "--concurrency must be between 1 and 256" }))

/**
 * Where each outcome goes as it happens: `--report FILE` (appended, one JSON line each, written before
 * the next outcome is taken), so that a run killed at any point has reported everything that took effect.
 */
interface ReportFile {
  readonly write: (line: Record<string, unknown>) => void
  readonly close: () => void
  /** Ids an earlier run reported cancelled in this file: a re-run skips them. */
  readonly done: ReadonlySet<string>
  /**
   * Ids an earlier run sent a cancel for without reporting its outcome (it was killed meanwhile): the
   * cancel may have taken effect, so a re-run cancels them again (idempotent) to report them.
   */
  readonly inFlight: ReadonlySet<string>
  /** Why the file could not be written, once a write failed (the run goes on; it fails at the end). */
  readonly failure: () => string | undefined
  /** Notes `batchId` in the file (`"outcome": "sending"`): for `onStart`, as its first cancel starts. */
  readonly sending: (batchId: string) => void
}

const openReport = (
  file: string | undefined,
  provider: Provider
): Effect.Effect<ReportFile | undefined, FileFailure> =>
  file === undefined
    ? Effect.succeed(undefined)
    : Effect.try({
        try: () => {
          const done = new Set<string>()
          const inFlight = new Set<string>()
          if (existsSync(file)) {
            for (const text of readFileSync(file, "utf8").split("\n")) {
              if (!text.startsWith("{")) continue
              try {
                const line: unknown = JSON.parse(text)
                if (!Predicate.isRecord(line) || line.provider !== provider || typeof line.batchId !== "string")
                  continue
                // Sent but never answered (killed), or failed for a reason that can pass (a stopped run
                // reports its waiting retries so): a re-run tries it again.
                if (line.outcome === "sending" || (line.outcome === "failed" && mayPass(line.error)))
                  inFlight.add(line.batchId)
                else inFlight.delete(line.batchId)
                if (line.ok === true) done.add(line.batchId)
              } catch {
                // a line cut by a kill: its outcome is unknown, so its id is tried again
              }
            }
          }
          const fd = openSync(file, "a+")
          let closed = false
          let broken: string | undefined
          // A line cut by an earlier kill must not swallow the first line of this run.
          if (existsSync(file)) {
            const size = statSync(file).size
            if (size > 0) {
              const last = Buffer.alloc(1)
              readSync(fd, last, 0, 1, size - 1)
              if (last[0] !== 0x0a) writeSync(fd, "\n")
            }
          }
          const write = (line: Record<string, unknown>) => {
            if (broken !== undefined) return
            try {
              writeSync(fd, `${Output.scrub(JSON.stringify(Output.bounded(line)))}\n`)
            } catch (e) {
              // Reported once the run ends (a typed FileFailure), not as a crash mid-run.
              broken = e instanceof Error ? e.message : String(e)
              Output.err(`batchctl: cannot write the report ${file}: ${broken}; outcomes are still printed`)
            }
          }
          return {
            done,
            inFlight,
            write,
            failure: () => broken,
            sending: (batchId: string) => write({ provider, batchId, outcome: "sending" }),
            close: () => {
              if (closed) return
              closed = true
              closeSync(fd)
            }
          }
        },
        catch: (e) =>
          new FileFailure({ path: file, message: `cannot use ${file} as the report: ${(e as Error).message}` })
      })

/** Whether a failure in a report (its JSON form) could pass if tried again: the library's own rule. */
const decodeError = Schema.decodeUnknownOption(BatchErrorTags.BatchError)
const mayPass = (error: unknown): boolean =>
  Option.match(decodeError(error), { onNone: () => false, onSome: Lifecycle.isRetryableCancelFailure })

/** The first failure in the order the ids were given decides the exit code, whatever finished first. */
const firstFailure = <T extends { readonly index: number; readonly error: Reportable }>(failures: ReadonlyArray<T>) =>
  failures.reduce<T | undefined>((a, b) => (a === undefined || b.index < a.index ? b : a), undefined)

/** A graceful stop for the first Ctrl-C: no new cancels; those in flight finish and are reported. */
const gracefulStop = Effect.gen(function* () {
  const stop = yield* Deferred.make<void>()
  let stopped = false
  const unregister = Stop.register(() => {
    stopped = true
    Deferred.unsafeDone(stop, Exit.void)
  })
  return { stop: Deferred.await(stop), stopped: () => stopped, unregister }
})

const failedText = (failed: Readonly<Record<string, number>>) => {
  const parts = Object.entries(failed).map(([tag, n]) => `${tag} ${n}`)
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`
}

export const cancel = (
  o: Common & {
    readonly ids: ReadonlyArray<Argv.Operand>
    readonly wait: boolean
    readonly timeout: string | undefined
    readonly interval: string | undefined
    readonly concurrency: number | undefined
    readonly report: string | undefined
  }
) =>
  withProvider(o, (_service, connection) =>
    Effect.gen(function* () {
      const given = yield* expandIds(o.ids)
      const concurrency = yield* concurrencyOf(o.concurrency)
      const timeout = o.wait ? yield* Parse.durationMillis(o.timeout ?? "10m", "--timeout") : undefined
      const schedule = yield* pollSchedule(o.interval ?? (o.wait ? "1s" : undefined))
      const file = yield* openReport(o.report, o.provider)
      const ids = file === undefined ? given : given.filter((id) => !file.done.has(id))
      if (file !== undefined && ids.length < given.length && !o.mode.quiet) {
        Output.err(
          `batchctl: ${given.length - ids.length} of ${given.length} ids are already cancelled in ${o.report}: skipped`
        )
      }
      const indexOf = new Map(ids.map((id, i) => [id, i]))
      const many = given.length > 1
      const context = contextOf(connection)
      const failures: Array<{ index: number; error: Reportable }> = []
      let cancelled = 0
      const byTag: Record<string, number> = {}
      const graceful = yield* gracefulStop
      const print = (
        batchId: string,
        result: Either.Either<Batch.Batch, BatchError.BatchError | Lifecycle.WaitTimedOut>,
        attempts: number | undefined
      ) => {
        const line = Either.isRight(result)
          ? {
              provider: o.provider,
              batchId,
              ok: true,
              outcome: "cancelled",
              status: result.right.status,
              attempts,
              batch: Render.batchJson(result.right, o.mode.verbose)
            }
          : {
              provider: o.provider,
              batchId,
              ok: false,
              outcome: "failed",
              attempts,
              error: Render.errorJson(result.left)
            }
        file?.write(line)
        if (Either.isRight(result)) {
          cancelled++
          const batch = result.right
          if (o.mode.json) Output.json(line)
          else if (o.mode.quiet) Output.out(`${batch.id} ${batch.status}`)
          else Output.out(`${Output.bold(batch.id)}  ${Render.statusText(batch)}  ${Render.countsText(batch.counts)}`)
          return
        }
        const error = result.left
        failures.push({ index: indexOf.get(batchId) ?? 0, error })
        byTag[error._tag] = (byTag[error._tag] ?? 0) + 1
        if (o.mode.json) {
          Output.json(line)
          if (!many) report(error, { ...o.mode, json: false }, context)
        } else {
          report(error, o.mode, context, many ? batchId : undefined)
        }
      }
      // A batch that ended another way while it was waited on was not cancelled: never a success.
      const settled = (batchId: string, batch: Batch.Batch): Either.Either<Batch.Batch, BatchError.BatchError> =>
        Batch.isCancelStatus(batch.status)
          ? Either.right(batch)
          : Either.left(
              new BatchErrorTags.InvalidBatchState({
                provider: o.provider,
                operation: "cancel",
                batchId,
                vendorStatus: batch.vendorStatus,
                status: batch.status,
                message: `${o.provider} cancel ${batchId}: the batch ended ${batch.status} before the cancel took hold`
              })
            )
      // An outcome that needs no wait is printed where it comes out of the stream; only the waits run as
      // fibers of their own (as many as cancels: one slow batch holds up no other). A fiber per outcome
      // without `--wait` cost more than the cancel itself (100,000 ids: 68.8 s instead of 18.6).
      const printNow = (outcome: Lifecycle.CancelOutcome) =>
        outcome._tag === "Failed"
          ? print(outcome.batchId, Either.left(outcome.error), outcome.attempts)
          : print(outcome.batchId, settled(outcome.batchId, outcome.batch), outcome.attempts)
      const outcomes = Lifecycle.cancelEach(ids, {
        concurrency,
        stop: graceful.stop,
        ...(file === undefined ? {} : { onStart: file.sending })
      })
      const drained = o.wait
        ? Stream.runDrain(
            Stream.mapEffect(
              outcomes,
              (outcome) =>
                outcome._tag === "Failed" || outcome.batch.terminal
                  ? Effect.sync(() => printNow(outcome))
                  : Effect.map(
                      Effect.either(
                        Lifecycle.awaitTerminal(outcome.batchId, { schedule: watching(schedule, o.mode), timeout })
                      ),
                      (waited) =>
                        print(
                          outcome.batchId,
                          Either.flatMap(waited, (batch) => settled(outcome.batchId, batch)),
                          outcome.attempts
                        )
                    ),
              { concurrency, unordered: true }
            )
          )
        : Stream.runForEach(outcomes, (outcome) => Effect.sync(() => printNow(outcome)))
      yield* drained.pipe(
        Effect.ensuring(Effect.sync(() => graceful.unregister())),
        Effect.onError(() => Effect.sync(() => file?.close()))
      )
      const reported = cancelled + failures.length
      if (many || graceful.stopped()) {
        const summary =
          `${o.provider}: ${cancelled} of ${given.length} cancelled, ${failures.length} failed${failedText(byTag)}` +
          (given.length > ids.length ? `, ${given.length - ids.length} skipped (already in the report)` : "") +
          (graceful.stopped() ? `; stopped, ${ids.length - reported} not attempted` : "")
        file?.write({
          provider: o.provider,
          summary: true,
          cancelled,
          failed: byTag,
          notAttempted: ids.length - reported,
          stopped: graceful.stopped()
        })
        Output.err(summary)
      }
      file?.close()
      const unwritten = file?.failure()
      if (unwritten !== undefined && o.report !== undefined) {
        return yield* Effect.fail(
          new FileFailure({ path: o.report, message: `the report ${o.report} is incomplete: ${unwritten}` })
        )
      }
      if (graceful.stopped())
        return yield* Effect.fail(new Reported({ exitCode: ExitCode.interrupted, message: "stopped" }))
      const first = firstFailure(failures)
      if (first !== undefined) {
        return yield* Effect.fail(
          new Reported({
            exitCode: exitCodeOf(first.error),
            message: `${failures.length} of ${given.length} cancels failed`
          })
        )
      }
    })
  )

// cancel-all -----------------------------------------------------------------------------------------

const defaultCancelStatuses = "validating,in_progress,finalizing"

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

/**
 * A list page, tried again through failures that can pass (a page lost is every batch on it unseen); a
 * page too large for the body bound is read in smaller pages (`Lifecycle.listPage`).
 */
const listPage = (
  service: BatchProvider.Service,
  options: Batch.ListOptions,
  attempt = 1
): Effect.Effect<{ readonly page: Batch.Page; readonly limit: number | undefined }, BatchError.BatchError> =>
  Effect.catchAll(Lifecycle.listPage(service, options), (error) => {
    const retryable = error._tag !== "InvalidBatchState" && Lifecycle.isRetryableCancelFailure(error)
    if (!retryable || attempt >= 6) return Effect.fail(error)
    const hint = error._tag === "RateLimited" ? error.retryAfterMs : undefined
    return Random.next.pipe(
      Effect.flatMap((jitter) => Effect.sleep(RetryPolicy.delayMillis(listBackoff, attempt, hint, jitter))),
      Effect.zipRight(listPage(service, options, attempt + 1))
    )
  })

/** Between list retries: from half a second, doubling; a vendor's `retry-after` up to two minutes. */
const listBackoff: RetryPolicy.Resolved = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 120_000 }

/**
 * Every batch, page by page, as each page comes; a page that fails for good ends the listing with what was
 * seen before it, and `onFailure` is told why.
 */
const listing = (
  service: BatchProvider.Service,
  onFailure: (error: BatchError.BatchError) => void
): Stream.Stream<Batch.Batch> => {
  const seen = new Set<string>()
  return Stream.unfoldChunkEffect<
    { readonly after: string | undefined; readonly limit: number | undefined; readonly more: boolean },
    Batch.Batch,
    never,
    never
  >({ after: undefined, limit: 100, more: true }, (state) =>
    !state.more
      ? Effect.succeed(Option.none())
      : Effect.map(
          Effect.either(
            listPage(service, { limit: state.limit, ...(state.after === undefined ? {} : { after: state.after }) })
          ),
          (listed) => {
            if (Either.isLeft(listed)) {
              onFailure(listed.left)
              return Option.none()
            }
            const { page, limit } = listed.right
            const after = Lifecycle.nextCursor(page, seen)
            return Option.some([Chunk.fromIterable(page.batches), { after, limit, more: after !== undefined }])
          }
        )
  )
}

export const cancelAll = (
  o: Common & {
    readonly status: string | undefined
    readonly createdBefore: string | undefined
    readonly dryRun: boolean
    readonly concurrency: number | undefined
    readonly yes: boolean
    readonly report: string | undefined
  }
) =>
  withProvider(o, (service, connection) =>
    Effect.gen(function* () {
      const statuses = yield* Parse.statuses(o.status ?? defaultCancelStatuses)
      const keep = statusFilter(statuses)
      const before = o.createdBefore === undefined ? undefined : yield* Parse.instant(o.createdBefore)
      const concurrency = yield* concurrencyOf(o.concurrency)
      const human = !o.mode.json && !o.mode.quiet
      const context = contextOf(connection)
      const beforeOf = new Map<string, { readonly batch: Batch.Batch; readonly index: number }>()

      if (human) Output.err(Output.dim(`finding ${statuses.join(", ")} batches on ${o.provider}…`, process.stderr))
      const matches = (b: Batch.Batch) =>
        keep(b) &&
        !b.terminal &&
        (before === undefined || (b.createdAt !== undefined && b.createdAt.getTime() < before.getTime()))
      // Cancels an earlier, killed run sent without reporting them: the batch may be cancelling already (so
      // no longer listed as running); cancelled again (idempotent) so that its outcome is reported.
      const unfinishedOf = (file: ReportFile | undefined, listed: ReadonlySet<string>): Array<Batch.Batch> =>
        file === undefined
          ? []
          : [...file.inFlight]
              .filter((id) => !listed.has(id) && !file.done.has(id))
              .map(
                (id): Batch.Batch => ({
                  id,
                  provider: o.provider,
                  status: "unknown",
                  vendorStatus: "",
                  terminal: false,
                  counts: {},
                  raw: undefined
                })
              )
      let listingFailure: BatchError.BatchError | undefined
      const listingFailed = (error: BatchError.BatchError) => {
        listingFailure = error
      }
      let seenCount = 0
      const matched: Array<Batch.Batch> = []
      const todo: Array<Batch.Batch> = []
      let file: ReportFile | undefined
      // With --yes, nothing to show first: each page's batches are cancelled while the next page is read
      // (a slow or failing page holds up no cancel of the pages before it). Otherwise the whole listing comes
      // first, for the dry run's table or the question.
      const pipelined = o.yes && !o.dryRun
      let source: Iterable<string> | Stream.Stream<string>
      if (pipelined) {
        file = yield* openReport(o.report, o.provider)
        const opened = file
        const listed = new Set<string>()
        source = listing(service, (error) => {
          listingFailed(error)
          report(error, o.mode, context, `listing stopped after ${seenCount} batches`)
        }).pipe(
          Stream.filter((b) => {
            seenCount++
            if (!matches(b)) return false
            matched.push(b)
            listed.add(b.id)
            return opened === undefined || !opened.done.has(b.id)
          }),
          Stream.concat(Stream.suspend(() => Stream.fromIterable(unfinishedOf(opened, listed)))),
          Stream.map((b) => {
            beforeOf.set(b.id, { batch: b, index: todo.length })
            todo.push(b)
            return b.id
          })
        )
      } else {
        const all = Chunk.toReadonlyArray(yield* Stream.runCollect(listing(service, listingFailed)))
        seenCount = all.length
        if (listingFailure !== undefined) {
          report(listingFailure, o.mode, context, `listing stopped after ${all.length} batches`)
        }
        matched.push(...all.filter(matches))
        file = o.dryRun ? undefined : yield* openReport(o.report, o.provider)
        const opened = file
        const pending = opened === undefined ? 0 : [...opened.inFlight].filter((id) => !opened.done.has(id)).length
        if ((matched.length === 0 && pending === 0) || o.dryRun) {
          file?.close()
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
          if (listingFailure !== undefined)
            return yield* Effect.fail(new Reported({ exitCode: exitCodeOf(listingFailure), message: "listing failed" }))
          return
        }
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
        const listed = new Set(matched.map((b) => b.id))
        todo.push(
          ...(opened === undefined ? matched : matched.filter((b) => !opened.done.has(b.id))),
          ...unfinishedOf(opened, listed)
        )
        for (const [index, b] of todo.entries()) beforeOf.set(b.id, { batch: b, index })
        source = todo.map((b) => b.id)
      }
      const failures: Array<{ index: number; error: Reportable }> = []
      const failed: Record<string, number> = {}
      let cancelled = 0
      let alreadyFinished = 0
      let reported = 0
      const bar = Output.progressOn(o.mode)
      const graceful = yield* gracefulStop
      const emit = (outcome: Lifecycle.CancelOutcome) => {
        const seen = beforeOf.get(outcome.batchId)
        const was = seen?.batch.status
        reported++
        let line: Record<string, unknown>
        let human: ReadonlyArray<string>
        if (outcome._tag === "Cancelled") {
          cancelled++
          line = {
            provider: o.provider,
            batchId: outcome.batchId,
            id: outcome.batchId,
            before: was,
            ok: true,
            outcome: "cancelled",
            status: outcome.batch.status,
            attempts: outcome.attempts
          }
          human = [outcome.batchId, was ?? "", Output.green("cancelled"), Render.statusText(outcome.batch)]
        } else {
          const error = outcome.error
          // Only a batch seen terminal had already finished: a refusal of a running batch (a temporary 409
          // or 400) leaves it running and spending, so it is a failure.
          if (
            error._tag === "InvalidBatchState" &&
            error.status !== undefined &&
            Batch.isTerminalStatus(error.status)
          ) {
            alreadyFinished++
            line = {
              provider: o.provider,
              batchId: outcome.batchId,
              id: outcome.batchId,
              before: was,
              ok: true,
              outcome: "already-finished",
              status: error.status,
              vendorStatus: error.vendorStatus,
              attempts: outcome.attempts
            }
            human = [outcome.batchId, was ?? "", Output.yellow("already finished"), error.vendorStatus ?? error.status]
          } else {
            failed[error._tag] = (failed[error._tag] ?? 0) + 1
            failures.push({ index: seen?.index ?? 0, error })
            line = {
              provider: o.provider,
              batchId: outcome.batchId,
              id: outcome.batchId,
              before: was,
              ok: false,
              outcome: "failed",
              attempts: outcome.attempts,
              error: Render.errorJson(error)
            }
            human = [
              outcome.batchId,
              was ?? "",
              Output.red(`failed: ${error._tag}`),
              error.requestId === undefined ? "" : `request id ${error.requestId}`
            ]
          }
        }
        file?.write(line)
        if (bar) Output.progressDone()
        if (o.mode.json) Output.json(line)
        else if (o.mode.quiet) {
          if (outcome._tag === "Cancelled") Output.out(outcome.batchId)
        } else Output.out(human.filter((x) => x !== "").join("  "))
        if (outcome._tag === "Failed" && line.outcome === "failed" && !o.mode.json) {
          report(outcome.error, { ...o.mode, quiet: false }, context, outcome.batchId)
        }
        if (bar) Output.progress(reported, todo.length, "cancelling")
      }
      if (bar) Output.progress(0, todo.length, "cancelling")
      yield* Stream.runForEach(
        Lifecycle.cancelEach(source, {
          concurrency,
          stop: graceful.stop,
          // Each id is noted "sending" as its first cancel starts (ids are read a little ahead of it).
          ...(file === undefined ? {} : { onStart: file.sending })
        }),
        (outcome) => Effect.sync(() => emit(outcome))
      ).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            graceful.unregister()
            if (bar) Output.progressDone()
          })
        ),
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            file?.close()
            Output.err(
              `${o.provider}: interrupted: ${cancelled} cancelled, ${alreadyFinished} already finished, ${failures.length} failed; ${todo.length - reported} not reported (see the lines above)`
            )
          })
        )
      )
      const stopped = graceful.stopped()
      if (pipelined && matched.length === 0 && todo.length === 0 && !stopped) {
        // Nothing matched (and nothing left from a killed run): said as without --yes.
        file?.close()
        if (o.mode.json) Output.json({ provider: o.provider, dryRun: false, matched: 0, batches: [] })
        else if (!o.mode.quiet) Output.out(`nothing to cancel on ${o.provider} (${seenCount} batches seen)`)
        if (listingFailure !== undefined)
          return yield* Effect.fail(new Reported({ exitCode: exitCodeOf(listingFailure), message: "listing failed" }))
        return
      }
      const notAttempted = todo.length - reported
      const summaryLine = {
        provider: o.provider,
        summary: true,
        matched: matched.length,
        skipped: matched.length - todo.length,
        cancelled,
        alreadyFinished,
        failed,
        notAttempted,
        interrupted: stopped,
        ...(listingFailure === undefined ? {} : { listing: Render.errorJson(listingFailure) })
      }
      file?.write(summaryLine)
      file?.close()
      const failedCount = failures.length
      const summary =
        `${o.provider}: ${cancelled} cancelled, ${alreadyFinished} already finished, ${failedCount} failed${failedText(failed)}` +
        (matched.length > todo.length ? `, ${matched.length - todo.length} skipped (already in the report)` : "") +
        (stopped ? `; interrupted, ${notAttempted} not attempted` : "") +
        (listingFailure === undefined
          ? ""
          : `; the listing failed (${listingFailure._tag}): batches after the first ${seenCount} were not seen`)
      if (o.mode.json) Output.json(summaryLine)
      else if (o.mode.quiet) Output.err(summary)
      else Output.out(summary)
      if (stopped) return yield* Effect.fail(new Reported({ exitCode: ExitCode.interrupted, message: "stopped" }))
      const unwritten = file?.failure()
      if (unwritten !== undefined && o.report !== undefined) {
        return yield* Effect.fail(
          new FileFailure({ path: o.report, message: `the report ${o.report} is incomplete: ${unwritten}` })
        )
      }
      const first = firstFailure(failures)
      if (first !== undefined) {
        return yield* Effect.fail(new Reported({ exitCode: exitCodeOf(first.error), message: "some cancels failed" }))
      }
      if (listingFailure !== undefined)
        return yield* Effect.fail(new Reported({ exitCode: exitCodeOf(listingFailure), message: "listing failed" }))
    })
  )

// results --------------------------------------------------------------------------------------------

/**
 * Where `--out FILE` results go: `FILE.partial`, which replaces FILE once every result was read, so that a
 * call that fails (result files expire at the vendor) never empties what an earlier run wrote.
 * `results --out` and `run --output` share it.
 */
export interface ResultsFile {
  readonly write: (line: string) => void
  readonly close: () => void
  /** After a failure: the partial file removed when nothing was written, else where the `count` lines are. */
  readonly abandon: (count: number) => void
  readonly commit: Effect.Effect<void, FileFailure>
}

export const resultsFile = (file: string): Effect.Effect<ResultsFile, FileFailure> => {
  const partial = `${file}.partial`
  return Effect.map(
    Effect.try({
      try: () => openSync(partial, "w"),
      catch: (e) => new FileFailure({ path: partial, message: `cannot write ${partial}: ${(e as Error).message}` })
    }),
    (fd) => ({
      write: (line) => writeSync(fd, `${line}\n`),
      close: () => closeSync(fd),
      abandon: (count) => {
        if (count === 0) rmSync(partial, { force: true })
        else
          Output.err(
            `batchctl: the ${count} results read before the failure are in ${partial}${existsSync(file) ? `; ${file} is unchanged` : ""}`
          )
      },
      commit: Effect.try({
        try: () => renameSync(partial, file),
        catch: (e) =>
          new FileFailure({ path: file, message: `cannot move ${partial} to ${file}: ${(e as Error).message}` })
      })
    })
  )
}

export const results = (o: Common & { readonly id: string; readonly out: string | undefined }) =>
  withProvider(o, (service) =>
    Effect.gen(function* () {
      const counts: Record<string, number> = {}
      let n = 0
      const file = o.out
      const out = file === undefined ? undefined : yield* resultsFile(file)
      const write = (item: Batch.ResultItem) =>
        Effect.try({
          try: () => {
            n++
            counts[item.outcome] = (counts[item.outcome] ?? 0) + 1
            const text = JSON.stringify(Render.resultJson(item))
            if (out !== undefined) out.write(text)
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
        Effect.ensuring(Effect.sync(() => out?.close())),
        Effect.onInterrupt(() => Effect.sync(() => Output.err(`batchctl: interrupted after ${summary()}`))),
        Effect.tapError(() => Effect.sync(() => out?.abandon(n)))
      )
      if (out !== undefined) yield* out.commit
      if (file !== undefined && o.mode.json) Output.json({ file, count: n, outcomes: counts })
      else if (!o.mode.quiet && !o.mode.json) {
        if (file !== undefined) Output.out(summary())
        else Output.err(Output.dim(summary(), process.stderr))
      }
      // No results: a failed batch says why, and the command fails (a failed batch has nothing to read).
      if (n === 0) {
        const batch = yield* service.retrieve(o.id)
        if (batch.status === "failed") {
          const reasons = Render.reasonsText(batch.errors ?? [])
          Output.err(
            `batchctl: ${batch.provider} batch ${batch.id} failed${reasons.length === 0 ? " (the vendor says no more)" : `:\n  ${reasons.join("\n  ")}`}`
          )
          return yield* Effect.fail(new Reported({ exitCode: 1, message: "the batch failed" }))
        }
      }
    })
  )

const outcomeText = (outcome: string) =>
  outcome === "succeeded" ? Output.green(outcome) : outcome === "errored" ? Output.red(outcome) : Output.yellow(outcome)
