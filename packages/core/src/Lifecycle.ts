/**
 * Life-cycle helpers over any {@link BatchProvider}: wait until terminal, cancel and wait, cancel many,
 * and every batch across pages.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Take from "effect/Take"
import type { Batch, ListOptions } from "./Batch.js"
import type { BatchError } from "./BatchError.js"
import * as BatchErrors from "./BatchError.js"
import { BatchProvider, type Service } from "./BatchProvider.js"

/**
 * `awaitTerminal` gave up at its deadline (defined in `BatchError`, kept here for imports of 0.1).
 *
 * @since 0.1.0
 * @category errors
 */
export const WaitTimedOut = BatchErrors.WaitTimedOut

/**
 * @since 0.1.0
 * @category errors
 */
export type WaitTimedOut = BatchErrors.WaitTimedOut

/**
 * The default polling: every second at first, growing by half each time, at most every 30 seconds.
 *
 * @since 0.1.0
 * @category polling
 */
export const defaultPollSchedule: Schedule.Schedule<unknown> = Schedule.exponential("1 second", 1.5).pipe(
  Schedule.union(Schedule.spaced("30 seconds"))
)

/**
 * @since 0.1.0
 * @category models
 */
export interface AwaitOptions {
  /** When to poll again; default {@link defaultPollSchedule}. */
  readonly schedule?: Schedule.Schedule<unknown, Batch> | undefined
  /** Give up after this long with `WaitTimedOut`; default: wait as long as it takes. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Polls `retrieve` until the batch is terminal, then returns it.
 *
 * @since 0.1.0
 * @category waiting
 */
export const awaitTerminal: (
  batchId: string,
  options?: AwaitOptions
) => Effect.Effect<Batch, BatchError | WaitTimedOut, BatchProvider> = Effect.fn("Lifecycle.awaitTerminal")(
  function* (batchId: string, options: AwaitOptions = {}) {
    const provider = yield* BatchProvider
    yield* Effect.annotateCurrentSpan({ provider: provider.provider, batchId })
    const last = yield* Ref.make(Option.none<Batch>())
    let polls = 0
    const poll = Effect.tap(provider.retrieve(batchId), (batch) => {
      polls++
      return Ref.set(last, Option.some(batch))
    })
    const schedule: Schedule.Schedule<unknown, Batch> = options.schedule ?? defaultPollSchedule
    const waited = Effect.repeat(poll, { schedule: Schedule.passthrough(schedule), until: (batch) => batch.terminal }).pipe(
      Effect.ensuring(Effect.suspend(() => Effect.annotateCurrentSpan("batchctl.polls", polls)))
    )
    if (options.timeout === undefined) return yield* waited
    const timeout = Duration.decode(options.timeout)
    const done = yield* Effect.timeoutOption(waited, timeout)
    if (Option.isSome(done)) return done.value
    const seen = Option.getOrUndefined(yield* Ref.get(last))
    return yield* Effect.fail(
      new WaitTimedOut({
        provider: provider.provider,
        batchId,
        message: `${provider.provider} batch ${batchId} was not terminal after ${Duration.format(timeout)}${seen === undefined ? "" : ` (last seen ${seen.status})`}`,
        ...(seen === undefined ? {} : { lastStatus: seen.status })
      })
    )
  }
)

/**
 * Cancels, then waits until the batch is terminal (normally `cancelled`; a batch that finished first
 * makes the cancel fail with `InvalidBatchState`).
 *
 * @since 0.1.0
 * @category cancel
 */
export const cancelAndWait: (
  batchId: string,
  options?: AwaitOptions
) => Effect.Effect<Batch, BatchError | WaitTimedOut, BatchProvider> = Effect.fn("Lifecycle.cancelAndWait")(
  function* (batchId: string, options: AwaitOptions = {}) {
    const provider = yield* BatchProvider
    yield* Effect.annotateCurrentSpan({ provider: provider.provider, batchId })
    const batch = yield* provider.cancel(batchId)
    return batch.terminal ? batch : yield* awaitTerminal(batchId, options)
  }
)

/**
 * The outcome of one cancel in {@link cancelMany}.
 *
 * @since 0.1.0
 * @category models
 */
export type CancelOutcome =
  | { readonly _tag: "Cancelled"; readonly batchId: string; readonly batch: Batch }
  | { readonly _tag: "Failed"; readonly batchId: string; readonly error: BatchError }

/**
 * @since 0.1.0
 * @category models
 */
export interface CancelManyOptions {
  /** How many cancels are in flight at once; default 16. */
  readonly concurrency?: number | undefined
}

/**
 * Ids for {@link cancelMany}: an iterable of strings, but not a string itself (which is iterable, and would
 * be cancelled one character at a time).
 *
 * @since 0.1.0
 * @category models
 */
export type Ids<I extends Iterable<string>> = I extends string ? never : I

/**
 * Cancels every id, `concurrency` at a time. Never fails for one batch's failure: returns one outcome per
 * id, in the order of `ids`. A string instead of a list of ids, or a concurrency that is not a positive
 * whole number, fails the whole call with `InvalidRequest` before anything is sent.
 *
 * @since 0.1.0
 * @category cancel
 */
export const cancelMany = <I extends Iterable<string>>(
  ids: Ids<I>,
  options: CancelManyOptions = {}
): Effect.Effect<ReadonlyArray<CancelOutcome>, BatchErrors.InvalidRequest, BatchProvider> => cancelManyTraced(ids, options)

const cancelManyTraced = Effect.fn("Lifecycle.cancelMany")(function* (ids: Iterable<string>, options: CancelManyOptions = {}) {
  const provider = yield* BatchProvider
  const concurrency = options.concurrency ?? 16
  yield* Effect.annotateCurrentSpan({ provider: provider.provider, "batchctl.concurrency": concurrency })
  const refused = refuse(provider.provider, "cancelMany", ids, options)
  if (refused !== undefined) return yield* Effect.fail(refused)
  const outcomes = yield* Effect.forEach(ids, (batchId) => outcomeOf(provider, batchId), { concurrency })
  let failed = 0
  for (const outcome of outcomes) if (outcome._tag === "Failed") failed++
  yield* Effect.annotateCurrentSpan({ "batchctl.cancelled": outcomes.length - failed, "batchctl.failed": failed })
  return outcomes
})

/**
 * {@link cancelMany} as a stream: each outcome as its cancel finishes (in that order, not the order of
 * `ids`), `concurrency` at a time, with nothing kept once it is consumed. `ids` is read as cancels
 * start, so it may be a generator over millions of ids. For bulk cancels whose outcomes need not all be
 * held at once: `cancelMany` keeps every `Batch` (with its raw vendor body) until the end, about 1 KB
 * each.
 *
 * @since 0.1.0
 * @category cancel
 */
export const cancelEach = <I extends Iterable<string>>(
  ids: Ids<I>,
  options: CancelManyOptions = {}
): Stream.Stream<CancelOutcome, BatchErrors.InvalidRequest, BatchProvider> =>
  Stream.unwrap(
    Effect.map(BatchProvider, (provider) => {
      const refused = refuse(provider.provider, "cancelEach", ids, options)
      if (refused !== undefined) return Stream.fail(refused)
      const concurrency = options.concurrency ?? 16
      // Up to `concurrency` workers, each taking the next id when it is free and handing its outcome
      // over a queue as long as `concurrency`: a consumer that stops early stops the reading of ids too.
      // (A `Stream.mapEffect` with this concurrency costs several times the CPU per outcome.)
      return Stream.unwrapScoped(
        Effect.gen(function* () {
          const queue = yield* Effect.acquireRelease(Queue.bounded<Take.Take<CancelOutcome>>(concurrency), Queue.shutdown)
          const iterator = ids[Symbol.iterator]()
          // Stopping early lets the caller's generator run its `finally`.
          yield* Effect.addFinalizer(() => Effect.sync(() => iterator.return?.()))
          const work = (batchId: string): Effect.Effect<void> =>
            Effect.flatMap(outcomeOf(provider, batchId), (outcome) =>
              Effect.zipRight(
                Queue.offer(queue, Take.of(outcome)),
                Effect.suspend(() => {
                  const next = iterator.next()
                  return next.done === true ? Effect.void : work(next.value)
                })
              )
            )
          // Workers start as ids come: never more fibers than ids, whatever the concurrency.
          const workers = Effect.suspend(() => {
            const first: Array<Effect.Effect<void>> = []
            for (let i = 0; i < concurrency; i++) {
              const next = iterator.next()
              if (next.done === true) break
              first.push(work(next.value))
            }
            return Effect.all(first, { concurrency: "unbounded", discard: true })
          })
          // The end, or a defect (an `ids` iterator that throws), reaches the consumer: it never waits on
          // a queue that nobody will fill.
          yield* Effect.forkScoped(
            Effect.flatMap(Effect.exit(workers), (exit) =>
              Queue.offer(queue, Exit.isSuccess(exit) ? Take.end : Take.failCause(exit.cause))
            )
          )
          return Stream.flattenTake(Stream.fromQueue(queue))
        })
      ).pipe(Stream.withSpan("Lifecycle.cancelEach", { attributes: { provider: provider.provider, "batchctl.concurrency": concurrency } }))
    })
  )

const outcomeOf = (provider: Service, batchId: string): Effect.Effect<CancelOutcome> =>
  Effect.match(provider.cancel(batchId), {
    onFailure: (error): CancelOutcome => ({ _tag: "Failed", batchId, error }),
    onSuccess: (batch): CancelOutcome => ({ _tag: "Cancelled", batchId, batch })
  })

/** Why a bulk cancel is refused before anything is sent, if it is. */
const refuse = (
  provider: string,
  operation: string,
  ids: unknown,
  options: CancelManyOptions
): BatchErrors.InvalidRequest | undefined => {
  const invalid = (message: string) =>
    new BatchErrors.InvalidRequest({ provider, operation, message: `${provider} ${operation}: ${message}` })
  if (typeof ids === "string") return invalid("ids must be a list of batch ids, not one string (wrap it: [id])")
  if (typeof ids !== "object" || ids === null || !(Symbol.iterator in ids)) return invalid("ids must be an iterable of batch ids")
  const concurrency = options.concurrency ?? 16
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    return invalid(`concurrency must be a positive whole number, not ${String(concurrency)}`)
  }
  return undefined
}

/**
 * Every batch, following `nextCursor` across pages.
 *
 * @since 0.1.0
 * @category listing
 */
export const listAll = (options: Omit<ListOptions, "after"> = {}): Stream.Stream<Batch, BatchError, BatchProvider> =>
  Stream.unwrap(
    Effect.map(BatchProvider, (provider) =>
      Stream.paginateEffect(undefined as string | undefined, (after) =>
        Effect.map(provider.list({ ...options, ...(after === undefined ? {} : { after }) }), (page) => [
          page.batches,
          page.hasMore && page.nextCursor !== undefined && page.nextCursor !== after
            ? Option.some(page.nextCursor)
            : Option.none()
        ])
      ).pipe(Stream.flattenIterables, Stream.withSpan("Lifecycle.listAll", { attributes: { provider: provider.provider } }))
    )
  )

/**
 * Polls every `millis` milliseconds.
 *
 * @since 0.1.0
 * @category polling
 */
export const fixedPoll = (millis: number): Schedule.Schedule<unknown> => Schedule.spaced(Duration.millis(millis))
