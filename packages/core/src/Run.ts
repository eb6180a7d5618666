/**
 * A batch's whole life as one call: create it, wait until it is terminal, stream its results; and, when
 * asked, cancel at the vendor the batch it started if the run is interrupted before the batch ends.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { Batch, ResultItem } from "./Batch.js"
import type { BatchError, WaitTimedOut } from "./BatchError.js"
import { BatchProvider } from "./BatchProvider.js"
import type * as Create from "./Create.js"
import * as Lifecycle from "./Lifecycle.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options extends Create.Options {
  /** Called once the vendor has the batch (before the wait). */
  readonly onCreated?: ((batch: Batch) => void) | undefined
  /** Called with the batch after each poll of the wait, the terminal one included. */
  readonly onPoll?: ((batch: Batch) => void) | undefined
  /**
   * Interrupted (an abort, Ctrl-C) before the batch is terminal, cancel it at the vendor; default
   * `false`: the batch runs on and can be picked up by its id.
   */
  readonly cancelOnInterrupt?: boolean | undefined
  /** When to poll again; default `Lifecycle.defaultPollSchedule`. */
  readonly schedule?: Schedule.Schedule<unknown, Batch> | undefined
  /** Give up waiting after this long (`WaitTimedOut`); default: as long as it takes. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Creates a batch from `input`, waits until it is terminal and streams its results. A failure of the
 * cancel that an interruption asked for is not reported (the interruption is what the caller sees); the
 * batch id was given to `onCreated`.
 *
 * @since 0.2.0
 * @category running
 */
export const run = (
  input: Create.Input,
  options: Options = {}
): Stream.Stream<ResultItem, BatchError | Create.CreateUnconfirmed | WaitTimedOut, BatchProvider> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const provider = yield* BatchProvider
      const batch = yield* provider.create(input, options)
      options.onCreated?.(batch)
      let settled = batch.terminal
      if (options.cancelOnInterrupt === true) {
        yield* Effect.addFinalizer((exit) =>
          settled || !Exit.isInterrupted(exit) ? Effect.void : Effect.ignore(provider.cancel(batch.id))
        )
      }
      const onPoll = options.onPoll
      const base = options.schedule ?? Lifecycle.defaultPollSchedule
      const schedule = onPoll === undefined ? base : Schedule.tapInput(base, (b: Batch) => Effect.sync(() => onPoll(b)))
      const final = batch.terminal
        ? batch
        : yield* Lifecycle.awaitTerminal(batch.id, {
            schedule,
            ...(options.timeout === undefined ? {} : { timeout: options.timeout })
          })
      settled = true
      onPoll?.(final)
      return provider.results(final.id)
    })
  ).pipe(Stream.withSpan("Run.run", { captureStackTrace: false }))
