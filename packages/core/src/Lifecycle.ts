/**
 * Life-cycle helpers over any {@link BatchProvider}: wait until terminal, cancel and wait, cancel many,
 * and every batch across pages.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { type Batch, isCancelStatus, isTerminalStatus, type ListOptions, type Page } from "./Batch.js"
import type { BatchError } from "./BatchError.js"
import * as BatchErrors from "./BatchError.js"
import * as BatchProviders from "./BatchProvider.js"
import { BatchProvider, type Service } from "./BatchProvider.js"
import * as RetryPolicy from "./RetryPolicy.js"
import * as AttemptTimeout from "./internal/attemptTimeout.js"
import * as Operation from "./internal/operation.js"

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
) => Effect.Effect<Batch, BatchError | WaitTimedOut, BatchProvider> = Effect.fn("Lifecycle.awaitTerminal")(function* (
  batchId: string,
  options: AwaitOptions = {}
) {
  const provider = yield* BatchProvider
  yield* Effect.annotateCurrentSpan({ provider: provider.provider, batchId })
  const last = yield* Ref.make(Option.none<Batch>())
  let polls = 0
  const poll = Effect.tap(provider.retrieve(batchId), (batch) => {
    polls++
    return Ref.set(last, Option.some(batch))
  })
  const schedule: Schedule.Schedule<unknown, Batch> = options.schedule ?? defaultPollSchedule
  const waited = Effect.repeat(poll, {
    schedule: Schedule.passthrough(schedule),
    until: (batch) => batch.terminal
  }).pipe(Effect.ensuring(Effect.suspend(() => Effect.annotateCurrentSpan("batchctl.polls", polls))))
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
})

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
) => Effect.Effect<Batch, BatchError | WaitTimedOut, BatchProvider> = Effect.fn("Lifecycle.cancelAndWait")(function* (
  batchId: string,
  options: AwaitOptions = {}
) {
  const provider = yield* BatchProvider
  yield* Effect.annotateCurrentSpan({ provider: provider.provider, batchId })
  const batch = yield* provider.cancel(batchId)
  return batch.terminal ? batch : yield* awaitTerminal(batchId, options)
})

/**
 * The outcome of one cancel in {@link cancelMany} and {@link cancelEach}: final, after any retries.
 * `attempts` is how many cancels were sent for the id (1 unless a failure that can pass was retried).
 *
 * @since 0.1.0
 * @category models
 */
export type CancelOutcome =
  | {
      readonly _tag: "Cancelled"
      readonly batchId: string
      readonly batch: Batch
      readonly attempts?: number | undefined
    }
  | {
      readonly _tag: "Failed"
      readonly batchId: string
      readonly error: BatchError
      readonly attempts?: number | undefined
    }

/**
 * @since 0.1.0
 * @category models
 */
export interface CancelManyOptions {
  /** How many cancels are in flight at once, at most; default 16. Halved on a rate limit, regained as cancels succeed. */
  readonly concurrency?: number | undefined
  /**
   * More cancels for an id whose cancel failed for a reason that can pass ({@link isRetryableCancelFailure}):
   * rate limits, 5xx, no answer, a garbled answer, a refusal while the batch still runs. Cancel is
   * idempotent, so sending it again is safe. Default 3; 0 turns them off. A cancel the vendor rate-limits
   * is sent again once the wait it asked for is over, without holding up the other cancels, and up to 10
   * times apart from these. (On top of the retries of each call, which see only one request; inside a bulk
   * cancel those wait at most 400 ms, and a longer wait the vendor asks for comes back here.)
   */
  readonly retries?: number | undefined
  /**
   * When this completes, no further cancel starts: those in flight finish and are reported, ids not yet
   * started are not (nothing was sent for them), and ids waiting for a retry are reported with their last
   * failure. For a graceful stop on Ctrl-C; interrupting instead abandons the cancels in flight.
   */
  readonly stop?: Effect.Effect<void> | undefined
  /**
   * Called with each outcome as it is decided (before `cancelEach` streams it). If it throws, the throw
   * is logged as a warning and the run goes on; the outcome is still returned or streamed.
   */
  readonly onOutcome?: ((outcome: CancelOutcome) => void) | undefined
  /**
   * Called with an id just before its first cancel is sent (to note it in a report that must survive a
   * kill: a cancel sent may take effect). If it throws, the throw is logged as a warning and the cancel is
   * sent all the same.
   */
  readonly onStart?: ((batchId: string) => void) | undefined
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
 * Whether a failed cancel may succeed if sent again: the vendor was busy or rate limited, there was no
 * answer or one that could not be read, or the vendor refused while the batch still runs (a temporary
 * 409/400). A refusal of a finished batch, a missing batch, a bad key or a bad id are final.
 *
 * @since 0.1.0
 * @category cancel
 */
export const isRetryableCancelFailure = (error: BatchError): boolean => {
  switch (error._tag) {
    case "RateLimited":
    case "ProviderUnavailable":
    case "TransportFailure":
    case "UnexpectedResponse":
      return true
    case "InvalidBatchState":
      // No status: the retrieve after the refusal failed, so whether it had finished is unknown.
      return error.status === undefined || !isTerminalStatus(error.status)
    default:
      return false
  }
}

/**
 * Backoff between attempts of one id: the vendor's `retry-after` when it gave one (at most a minute),
 * else exponential from a quarter of a second with jitter (at most 30 s after 429s, 5 s otherwise).
 * Short, because the run's concurrency, not these waits, bounds the load on the vendor: a retry takes a
 * worker as any other cancel does.
 */
const idBackoff: RetryPolicy.Resolved = { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 250, maxDelayMs: 60_000 }

const retryDelayMillis = (attempt: number, error: BatchError, jitter: number): number =>
  RetryPolicy.delayMillis(
    {
      ...idBackoff,
      maxDelayMs: error._tag !== "RateLimited" ? 5_000 : error.retryAfterMs !== undefined ? 60_000 : 30_000
    },
    attempt,
    error._tag === "RateLimited" && error.retryAfterMs !== undefined ? Math.max(error.retryAfterMs, 0) : undefined,
    jitter
  )

/**
 * Inside a bulk cancel, the attempt timeout of a cancel: from the answer times of the run's attempts as
 * TCP sets its retransmission timeout (`internal/attemptTimeout.ts`), at least {@link MIN_ATTEMPT_MS},
 * after a timeout twice that attempt's timeout until the next answer, never longer than the client's; the
 * client's timeout until {@link ATTEMPT_WARMUP} answers were seen.
 */
const MIN_ATTEMPT_MS = 1_000
const ATTEMPT_WARMUP = 16

/** A cancel in flight is hedged (sent again by an idle worker) after at least this long. */
const MIN_HEDGE_MS = 250

/**
 * Failures after which the vendor may have cancelled the batch all the same: an answer that could not be
 * read, none at all, or a 5xx (sent after acting, as a gateway does); and a refusal whose state is unknown
 * because the retrieve that followed it failed (Mistral refuses the cancel of a cancelled batch with a
 * 400, and a cancel the vendor acted on, then sent again, meets that refusal). A refusal with a known
 * state, or a 429, says it did not.
 */
const mayHaveActed = (error: BatchError): boolean =>
  error._tag === "UnexpectedResponse" ||
  error._tag === "TransportFailure" ||
  error._tag === "ProviderUnavailable" ||
  (error._tag === "InvalidBatchState" && error.status === undefined)

/** How many times one id is sent again after a 429 (the vendor's wait each time), apart from `retries`. */
const RATE_LIMITED_RESENDS = 10

/**
 * Cancels every id, `concurrency` at a time, retrying failures that can pass. Never fails for one batch's
 * failure: returns one outcome per id, in the order of `ids`. A string instead of a list of ids, or a
 * concurrency that is not a positive whole number, fails the whole call with `InvalidRequest` before
 * anything is sent.
 *
 * @since 0.1.0
 * @category cancel
 */
export const cancelMany = <I extends Iterable<string>>(
  ids: Ids<I>,
  options: CancelManyOptions = {}
): Effect.Effect<ReadonlyArray<CancelOutcome>, BatchErrors.InvalidRequest, BatchProvider> =>
  cancelManyTraced(ids, options)

const cancelManyTraced = Effect.fn("Lifecycle.cancelMany")(function* (
  ids: Iterable<string>,
  options: CancelManyOptions = {}
) {
  const provider = yield* BatchProvider
  const concurrency = options.concurrency ?? 16
  yield* Effect.annotateCurrentSpan({ provider: provider.provider, "batchctl.concurrency": concurrency })
  const refused = refuse(provider.provider, "cancelMany", ids, options)
  if (refused !== undefined) return yield* Effect.fail(refused)
  const outcomes: Array<CancelOutcome | undefined> = []
  const onOutcome = options.onOutcome
  let failed = 0
  yield* bulk(provider, ids, options, (outcome, index) => {
    outcomes[index] = outcome
    if (outcome._tag === "Failed") failed++
    return notify(onOutcome, outcome)
  })
  const done = outcomes.filter((o): o is CancelOutcome => o !== undefined)
  yield* Effect.annotateCurrentSpan({ "batchctl.cancelled": done.length - failed, "batchctl.failed": failed })
  return done
})

/**
 * {@link cancelMany} as a stream: each outcome as it is decided (in that order, not the order of `ids`),
 * `concurrency` at a time, with nothing kept once it is consumed. `ids` is read as cancels start, so it
 * may be a generator over millions of ids; or a `Stream` of ids, read a little ahead of the cancels as
 * its ids come (cancels start with its first id, not its last: `batchctl cancel-all --yes` cancels each
 * page of the listing while the next is read). The stream cannot fail: catch its failures first (a
 * stream that ends early ends the run once the cancels of its ids are reported; one that dies fails it
 * after them). For bulk cancels whose outcomes need not all be held at once:
 * `cancelMany` keeps every `Batch` (with its raw vendor body) until the end, about 1 KB each.
 *
 * @since 0.1.0
 * @category cancel
 */
export const cancelEach = <I extends Iterable<string>>(
  ids: Ids<I> | Stream.Stream<string>,
  options: CancelManyOptions = {}
): Stream.Stream<CancelOutcome, BatchErrors.InvalidRequest, BatchProvider> =>
  Stream.unwrap(
    Effect.map(BatchProvider, (provider) => {
      const stream = typeof ids === "object" && ids !== null && Stream.StreamTypeId in ids ? ids : undefined
      const refused = refuse(provider.provider, "cancelEach", stream === undefined ? ids : [], options)
      if (refused !== undefined) return Stream.fail(refused)
      const concurrency = options.concurrency ?? 16
      // Outcomes go to the consumer through a buffer as long as `concurrency` (workers wait while it is
      // full): a consumer that stops early stops the reading of ids too. The buffer is plain code, and
      // the consumer takes everything in it at each pull: a `Queue` of `Take`s (or `Stream.mapEffect`)
      // costs several times the CPU per outcome.
      return Stream.unwrapScoped(
        Effect.gen(function* () {
          const buffer = outcomeBuffer(Math.min(concurrency, 1024))
          let source: Iterable<string> | Feed
          if (stream !== undefined) {
            // Read ahead a little (its own fiber, ended with the scope): ids as they come, e.g. as listed.
            source = yield* feedOf(stream, Math.max(64, 2 * concurrency))
          } else {
            const iterator = (ids as Iterable<string>)[Symbol.iterator]()
            // Stopping early lets the caller's generator run its `finally`.
            yield* Effect.addFinalizer(() => Effect.sync(() => iterator.return?.()))
            source = { [Symbol.iterator]: () => iterator }
          }
          const onOutcome = options.onOutcome
          const feed = isFeed(source) ? source : undefined
          const work = Effect.zipRight(
            bulk(provider, source, options, (outcome) =>
              Effect.zipRight(notify(onOutcome, outcome), buffer.offer(outcome))
            ),
            // A stream of ids that died ends the run as an `ids` iterator that throws does: a defect, after
            // the outcomes of every id it gave.
            Effect.suspend(() => {
              const failure = feed?.failure()
              return failure === undefined ? Effect.void : Effect.failCause(failure)
            })
          )
          // The end, or a defect (an `ids` iterator that throws), reaches the consumer: it never waits on
          // a buffer that nobody will fill.
          yield* Effect.forkScoped(Effect.flatMap(Effect.exit(work), (exit) => Effect.sync(() => buffer.end(exit))))
          return Stream.repeatEffectChunkOption(buffer.pull)
        })
      ).pipe(
        Stream.withSpan("Lifecycle.cancelEach", {
          attributes: { provider: provider.provider, "batchctl.concurrency": concurrency }
        })
      )
    })
  )

/**
 * The hand-over of `cancelEach`: workers `offer` (waiting while `capacity` outcomes are unread), the
 * stream `pull`s every unread outcome at once (waiting while there is none), and `end` says the run is
 * over (the stream ends, or fails with the run's defect).
 */
const outcomeBuffer = (capacity: number) => {
  let items: Array<CancelOutcome> = []
  let ended: Exit.Exit<void> | undefined
  let consumer: (() => void) | undefined
  const producers: Array<() => void> = []
  const wakeConsumer = () => {
    const wake = consumer
    consumer = undefined
    wake?.()
  }
  const offer = (outcome: CancelOutcome): Effect.Effect<void> =>
    Effect.suspend(() => {
      items.push(outcome)
      wakeConsumer()
      if (items.length < capacity) return Effect.void
      return Effect.async<void>((resume) => {
        const go = () => resume(Effect.void)
        producers.push(go)
        return Effect.sync(() => {
          const i = producers.indexOf(go)
          if (i >= 0) producers.splice(i, 1)
        })
      })
    })
  const pull: Effect.Effect<Chunk.Chunk<CancelOutcome>, Option.Option<never>> = Effect.suspend(() => {
    if (items.length > 0) {
      const taken = items
      items = []
      for (const go of producers.splice(0)) go()
      return Effect.succeed(Chunk.unsafeFromArray(taken))
    }
    if (ended !== undefined) return Exit.isSuccess(ended) ? Effect.fail(Option.none()) : Effect.failCause(ended.cause)
    return Effect.zipRight(
      Effect.async<void>((resume) => {
        consumer = () => resume(Effect.void)
        return Effect.sync(() => {
          consumer = undefined
        })
      }),
      pull
    )
  })
  const end = (exit: Exit.Exit<void>) => {
    ended = exit
    wakeConsumer()
  }
  return { offer, pull, end }
}

/**
 * Hands an outcome to the caller's `onOutcome`. A throw there is the caller's bug: it is logged (at
 * warning level, with the error) and neither stops the run nor loses the outcome, which is still
 * returned or streamed.
 */
const notify = (
  onOutcome: ((outcome: CancelOutcome) => void) | undefined,
  outcome: CancelOutcome
): Effect.Effect<void> =>
  onOutcome === undefined
    ? Effect.void
    : Effect.catchAll(
        Effect.try(() => onOutcome(outcome)),
        (e) =>
          Effect.logWarning(`Lifecycle: onOutcome threw for ${outcome.batchId}; the outcome is still returned`, e.error)
      )

/** Runs `onStart` for an id about to be sent; a throw is logged, and the cancel is sent all the same. */
const started = (onStart: (batchId: string) => void, batchId: string): Effect.Effect<void> =>
  Effect.catchAll(
    Effect.try(() => onStart(batchId)),
    (e) => Effect.logWarning(`Lifecycle: onStart threw for ${batchId}; the cancel is sent all the same`, e.error)
  )

interface Job {
  readonly batchId: string
  readonly index: number
  attempts: number
  /** of the attempts, those the vendor rate-limited (counted apart from `retries`) */
  rateLimited: number
  due: number
  error: BatchError | undefined
  /** Sends of it so far that were not hedges: the send an answer belongs to. */
  round: number
  /** This round's first send (when its current attempt went out), and whether it was hedged. */
  current: Operation.BulkSend | undefined
  hedged: boolean
  /** Sends of this round in flight (two once hedged). */
  sends: number
  /** Of the attempts, the hedges (not counted against `retries`). */
  hedges: number
}

/**
 * Ids that come from a stream, read ahead into a small buffer by a fiber of their own: `next` takes one
 * if there is one, `ended` says none will come, `arrival` completes when either may have changed.
 */
interface Feed {
  readonly [FeedTypeId]: typeof FeedTypeId
  readonly next: () => string | undefined
  readonly ended: () => boolean
  readonly arrival: () => Effect.Effect<void>
  /** Why the stream ended early, if it died (a defect in it, or in what made it). */
  readonly failure: () => Cause.Cause<never> | undefined
}

const FeedTypeId: unique symbol = Symbol.for("@batchctl/core/Lifecycle/Feed")

const isFeed = (u: unknown): u is Feed => typeof u === "object" && u !== null && FeedTypeId in u

/**
 * A {@link Feed} of `ids`, read in a fiber of the current scope, at most `capacity` ahead of the cancels.
 */
const feedOf = (ids: Stream.Stream<string>, capacity: number): Effect.Effect<Feed, never, Scope.Scope> =>
  Effect.gen(function* () {
    let buffer: Array<string> = []
    let head = 0
    let ended = false
    // Made only when someone waits: workers for an id (`arrived`), the reader for room (`taken`).
    let arrived: Deferred.Deferred<void> | undefined
    let taken: Deferred.Deferred<void> | undefined
    const wake = (waiting: Deferred.Deferred<void> | undefined) => {
      if (waiting !== undefined) Deferred.unsafeDone(waiting, Exit.void)
    }
    const signal = () => {
      wake(arrived)
      arrived = undefined
    }
    const push = (id: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (buffer.length - head < capacity) {
          buffer.push(id)
          signal()
          return Effect.void
        }
        // Full: wait until a cancel takes one.
        taken ??= Deferred.unsafeMake<void>(FiberId.none)
        return Effect.zipRight(Deferred.await(taken), push(id))
      })
    let failure: Cause.Cause<never> | undefined
    yield* Effect.forkScoped(
      Effect.onExit(Stream.runForEach(ids, push), (exit) =>
        Effect.sync(() => {
          if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) failure = exit.cause
          ended = true
          signal()
        })
      )
    )
    return {
      [FeedTypeId]: FeedTypeId,
      next: () => {
        if (head >= buffer.length) return undefined
        const id = buffer[head++] as string
        if (head > 1024 && head * 2 > buffer.length) {
          buffer = buffer.slice(head)
          head = 0
        }
        wake(taken)
        taken = undefined
        return id
      },
      ended: () => ended && head >= buffer.length,
      arrival: () => {
        arrived ??= Deferred.unsafeMake<void>(FiberId.none)
        return Deferred.await(arrived)
      },
      failure: () => failure
    }
  })

/**
 * The bulk cancel both entry points share: up to `concurrency` workers (never more than ids), one fiber
 * each, every one taking the next due retry or else the next id. Each id's outcome is emitted once, when
 * it is final.
 */
const bulk = (
  provider: Service,
  ids: Iterable<string> | Feed,
  options: CancelManyOptions,
  report: (outcome: CancelOutcome, index: number) => Effect.Effect<void>
): Effect.Effect<void> =>
  Effect.suspend(() => {
    // Once every id read is reported (after the last was read), the run is over, even while a send whose
    // hedge answered first still waits (see `send`).
    let reported = 0
    const allReported = Deferred.unsafeMake<void>(FiberId.none)
    const emit = (outcome: CancelOutcome, index: number): Effect.Effect<void> =>
      Effect.tap(report(outcome, index), () => {
        if (++reported === read && exhausted) Deferred.unsafeDone(allReported, Exit.void)
      })
    const max = options.concurrency ?? 16
    const retries = Math.max(0, Math.floor(options.retries ?? 3))
    // One span for the run: a cancel is a span of its own only when a tracer is installed.
    const cancel = BatchProviders.call(provider, "cancel")
    const retrieve = BatchProviders.call(provider, "retrieve")
    const feed = isFeed(ids) ? ids : undefined
    const iterator = isFeed(ids) ? undefined : ids[Symbol.iterator]()
    let read = 0
    let exhausted = false
    let stopped = false
    const waiting: Array<Job> = []
    // Adaptive concurrency: halved on a rate limit (once per window), one more after `limit` cancels in
    // a row succeed, never above `max`.
    let limit = max
    let active = 0
    let streak = 0
    let windowEnds = 0
    // What each cancel's call is asked (see `Operation.BulkCall`): short waits between its own attempts,
    // and an attempt timeout from how fast the vendor has been answering this run.
    const timer = AttemptTimeout.make({ minMs: MIN_ATTEMPT_MS, warmup: ATTEMPT_WARMUP })
    const call: Operation.BulkCall = {
      baseDelayMs: 100,
      maxDelayMs: 400,
      get attemptTimeoutMs() {
        return timer.current()
      },
      // Each attempt's answer or timeout (not each call's: one whose first attempt timed out took the timeout).
      answered: timer.answered,
      timedOut: timer.timedOut
    }

    const fresh = (): Job | undefined => {
      if (exhausted) return undefined
      let batchId: string
      if (iterator !== undefined) {
        const next = iterator.next()
        if (next.done === true) {
          exhausted = true
          return undefined
        }
        batchId = next.value
      } else {
        const next = (feed as Feed).next()
        if (next === undefined) {
          if ((feed as Feed).ended()) {
            exhausted = true
            if (reported === read) Deferred.unsafeDone(allReported, Exit.void)
          }
          return undefined
        }
        batchId = next
      }
      return {
        batchId,
        index: read++,
        attempts: 0,
        rateLimited: 0,
        due: 0,
        error: undefined,
        round: 0,
        current: undefined,
        hedged: false,
        sends: 0,
        hedges: 0
      }
    }
    const due = (now: number): Job | undefined => {
      let best = -1
      for (let i = 0; i < waiting.length; i++) {
        const job = waiting[i] as Job
        if (job.due <= now && (best < 0 || job.due < (waiting[best] as Job).due)) best = i
      }
      return best < 0 ? undefined : waiting.splice(best, 1)[0]
    }

    const settle = (
      job: Job,
      exit: Either.Either<Batch, BatchError>,
      now: number,
      jitter: number
    ): Effect.Effect<void> => {
      job.attempts++
      if (Either.isRight(exit)) {
        if (++streak >= limit && limit < max) {
          limit++
          streak = 0
        }
        return emit({ _tag: "Cancelled", batchId: job.batchId, batch: exit.right, attempts: job.attempts }, job.index)
      }
      const error = exit.left
      job.error = error
      if (error._tag === "RateLimited") {
        // Once per window: the 429s of cancels sent before this window began say nothing new.
        if (now >= windowEnds) {
          limit = Math.max(1, Math.ceil(limit / 2))
          streak = 0
        }
        // Capped: a `retry-after` of days (or past 2^31 ms, which a timer reads as never) must not stall the run.
        windowEnds = Math.max(windowEnds, now + Math.min(Math.max(error.retryAfterMs ?? 1_000, 0), 60_000))
        // Sent again once the wait the vendor asked for is over, while the other cancels go on (a window
        // the vendor's headers say is used up holds every call of the client, in `VendorHttp`).
        if (!stopped && retries > 0 && job.rateLimited < RATE_LIMITED_RESENDS) {
          job.rateLimited++
          job.due = now + retryDelayMillis(job.attempts, error, jitter)
          waiting.push(job)
          return Effect.void
        }
      }
      if (!stopped && job.attempts - job.rateLimited - job.hedges <= retries && isRetryableCancelFailure(error)) {
        job.due = now + retryDelayMillis(job.attempts, error, jitter)
        waiting.push(job)
        return Effect.void
      }
      const failed = emit({ _tag: "Failed", batchId: job.batchId, error, attempts: job.attempts }, job.index)
      if (stopped || !mayHaveActed(error)) return failed
      // The last answer could not be used (garbled, cut, none, a 5xx), yet the vendor may have acted on one
      // of the sends: one retrieve says whether the batch is being cancelled before the id is reported
      // failed. It takes a worker's place, as a cancel does.
      active++
      return Effect.flatMap(
        Effect.ensuring(
          Effect.either(retrieve(job.batchId)),
          Effect.sync(() => {
            active--
          })
        ),
        (checked) =>
          Either.isRight(checked) && isCancelStatus(checked.right.status)
            ? emit({ _tag: "Cancelled", batchId: job.batchId, batch: checked.right, attempts: job.attempts }, job.index)
            : failed
      )
    }

    // Cancels in flight, for the hedges: at the end of a run, a worker with nothing left to start sends a
    // cancel again whose current attempt has been out longer than nearly every answer so far (once per
    // round; never in a wait between attempts, in a rate-limit window, or while attempts time out). The
    // first success settles the id (a failure waits for the other send, if one is still out); the other
    // send makes no further attempt, and the run ends once every id is settled, interrupting an attempt
    // still out. A hung request then costs the run that long, not the attempt timeout. Cancel is
    // idempotent, and a worker hedges only while fewer than `concurrency` cancels are in flight.
    const inFlight = new Set<Job>()
    const hedgeAt = (job: Job): number => {
      const slow = timer.slow()
      const at = job.current?.attemptAt
      return slow === undefined || at === undefined || job.hedged
        ? Number.POSITIVE_INFINITY
        : at + Math.max(MIN_HEDGE_MS, slow)
    }
    /** When a hedge may be sent next, if ever: not in a rate-limit window, nor while attempts time out. */
    const nextHedge = (now: number): { readonly job: Job | undefined; readonly at: number } => {
      if (timer.backedOff()) return { job: undefined, at: Number.POSITIVE_INFINITY }
      let job: Job | undefined
      let at = Number.POSITIVE_INFINITY
      for (const j of inFlight) {
        const t = hedgeAt(j)
        if (t < at) {
          at = t
          job = j
        }
      }
      const open = Math.max(at, windowEnds)
      return open <= now ? { job, at: open } : { job: undefined, at: open }
    }

    /** One send of `job`'s cancel in `round`, by the worker whose slot is `slot`. */
    const send = (job: Job, round: number, slot: Operation.BulkSlot, first: boolean): Effect.Effect<void> =>
      Effect.suspend(() => {
        const open = () => job.round === round && inFlight.has(job)
        const mine: Operation.BulkSend = { wanted: open, attemptAt: undefined }
        if (first) job.current = mine
        slot.send = mine
        job.sends++
        active++
        return Effect.flatMap(
          Effect.ensuring(
            Effect.either(cancel(job.batchId)),
            Effect.sync(() => {
              active--
              job.sends--
              slot.send = undefined
            })
          ),
          (exit) => {
            // Not this round's (already settled, or sent again since), or a failure while the other send of
            // the round is still out (that one decides).
            if (!open() || (Either.isLeft(exit) && job.sends > 0)) return Effect.void
            job.current = undefined
            inFlight.delete(job)
            return Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Either.isLeft(exit)
                ? Effect.flatMap(Random.next, (jitter) => settle(job, exit, now, jitter))
                : settle(job, exit, now, 0)
            )
          }
        )
      })

    const worker = (first: Job | undefined): Effect.Effect<void> => {
      const slot: Operation.BulkSlot = { send: undefined }
      return Effect.locally(
        Effect.gen(function* () {
          let job: Job | undefined = first
          for (;;) {
            if (job === undefined) {
              if (stopped) return
              const now = yield* Clock.currentTimeMillis
              if (active >= limit) {
                yield* Effect.sleep(50)
                continue
              }
              job = due(now) ?? fresh()
              if (job === undefined) {
                const hedge = nextHedge(now)
                if (hedge.job !== undefined) {
                  hedge.job.hedged = true
                  hedge.job.attempts++
                  hedge.job.hedges++
                  yield* send(hedge.job, hedge.job.round, slot, false)
                  continue
                }
                // Nothing to start: done unless a retry is waiting (its worker, still looping, or this one
                // takes it) or a cancel in flight may be hedged.
                let soonest = hedge.at
                for (const w of waiting) soonest = Math.min(soonest, w.due)
                const pause = Effect.sleep(Math.max(1, Math.min(soonest - now, 1_000)))
                if (!exhausted && feed !== undefined) {
                  // More ids may come: until one does (or the feed ends), or a retry or a hedge is due.
                  yield* Effect.raceFirst(feed.arrival(), pause)
                  continue
                }
                if (soonest === Number.POSITIVE_INFINITY) return
                yield* pause
                continue
              }
            }
            // Nothing was sent for it: after a stop it is not attempted (and not reported).
            if (stopped && job.attempts === 0) return
            if (job.round === 0 && options.onStart !== undefined) yield* started(options.onStart, job.batchId)
            job.round++
            job.hedged = false
            inFlight.add(job)
            yield* send(job, job.round, slot, true)
            job = undefined
          }
        }),
        Operation.currentBulkSlot,
        slot
      )
    }

    // Workers start as ids come: never more fibers than ids, whatever the concurrency (for a feed, whose
    // ids come later, all of them at once).
    const first: Array<Effect.Effect<void>> = []
    for (let i = 0; i < max; i++) {
      const job = fresh()
      if (job === undefined && feed === undefined) break
      first.push(worker(job))
    }
    // A call's own retries wait little here: the run's concurrency, not the waits, keeps the load on the
    // vendor bounded, and a long wait (a `retry-after`) goes back to this queue instead of holding a worker.
    const workers = Effect.raceFirst(
      Effect.all(first, { concurrency: "unbounded", discard: true }),
      Deferred.await(allReported)
    ).pipe(Effect.locally(Operation.currentBulkCall, call), Effect.locally(Operation.callSpans, false))
    const run =
      options.stop === undefined
        ? workers
        : Effect.raceFirst(
            workers,
            Effect.zipRight(
              Effect.zipRight(
                options.stop,
                Effect.sync(() => {
                  stopped = true
                })
              ),
              Effect.never
            )
          )
    // After a stop, ids waiting for a retry are final with their last failure.
    return Effect.zipRight(
      run,
      Effect.suspend(() =>
        Effect.forEach(
          waiting.splice(0).sort((a, b) => a.index - b.index),
          (job) =>
            emit(
              { _tag: "Failed", batchId: job.batchId, error: job.error as BatchError, attempts: job.attempts },
              job.index
            ),
          { discard: true }
        )
      )
    )
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
  if (typeof ids !== "object" || ids === null || !(Symbol.iterator in ids))
    return invalid("ids must be an iterable of batch ids")
  const concurrency = options.concurrency ?? 16
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    return invalid(`concurrency must be a positive whole number, not ${String(concurrency)}`)
  }
  const retries = options.retries ?? 3
  if (!Number.isSafeInteger(retries) || retries < 0)
    return invalid(`retries must be a whole number ≥ 0, not ${String(retries)}`)
  return undefined
}

/** The page size to ask for after a page too large: half, or below the vendors' defaults (20) if none was named. */
const smallerPage = (limit: number | undefined): number => (limit === undefined ? 10 : Math.floor(limit / 2))

/**
 * One list page. A page whose body is larger than the adapter's `maxBodyBytes` (a vendor that puts each
 * batch's results inline in its list, as MeshAPI may) is asked again with half as many batches, down to
 * one, instead of failing the listing: the bound still holds for every read. Returns the page and the
 * page size that fit, for the next page to start from.
 *
 * @since 0.2.0
 * @category listing
 */
export const listPage = (
  provider: Service,
  options: ListOptions
): Effect.Effect<{ readonly page: Page; readonly limit: number | undefined }, BatchError> =>
  Effect.catchIf(
    Effect.map(provider.list(options), (page) => ({ page, limit: options.limit })),
    (error) => error._tag === "UnexpectedResponse" && error.maxBodyBytes !== undefined && (options.limit ?? 2) > 1,
    () => listPage(provider, { ...options, limit: smallerPage(options.limit) })
  )

/**
 * Every batch, following `nextCursor` across pages; a page too large for the adapter's `maxBodyBytes`
 * is read in smaller pages ({@link listPage}).
 *
 * @since 0.1.0
 * @category listing
 */
export const listAll = (options: Omit<ListOptions, "after"> = {}): Stream.Stream<Batch, BatchError, BatchProvider> =>
  Stream.unwrap(
    Effect.map(BatchProvider, (provider) => {
      const seen = new Set<string>()
      return Stream.paginateEffect(
        { after: undefined as string | undefined, limit: options.limit },
        ({ after, limit }) =>
          Effect.map(
            listPage(provider, {
              ...options,
              ...(limit === undefined ? {} : { limit }),
              ...(after === undefined ? {} : { after })
            }),
            ({ page, limit }) => {
              const next = nextCursor(page, seen)
              return [page.batches, next === undefined ? Option.none() : Option.some({ after: next, limit })]
            }
          )
      ).pipe(
        Stream.flattenIterables,
        Stream.withSpan("Lifecycle.listAll", { attributes: { provider: provider.provider } })
      )
    })
  )

/**
 * Where the listing goes on after `page`, or `undefined` at the end: no more pages, or a cursor already
 * followed (a vendor whose cursors cycle, A → B → A, would otherwise be listed forever). Adds it to `seen`.
 *
 * @since 0.2.0
 * @category listing
 */
export const nextCursor = (page: Page, seen: Set<string>): string | undefined => {
  const next = page.hasMore ? page.nextCursor : undefined
  if (next === undefined || seen.has(next)) return undefined
  seen.add(next)
  return next
}

/**
 * Polls every `millis` milliseconds.
 *
 * @since 0.1.0
 * @category polling
 */
export const fixedPoll = (millis: number): Schedule.Schedule<unknown> => Schedule.spaced(Duration.millis(millis))
