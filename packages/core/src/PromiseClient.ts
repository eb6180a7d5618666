/**
 * A Promise API for people who do not use Effect. Methods return Promises that reject with the same
 * error classes (so `instanceof` and `_tag` work) and accept an `AbortSignal`.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Batch, ListOptions, Page, ResultItem } from "./Batch.js"
import type { BatchError } from "./BatchError.js"
import { BatchProvider } from "./BatchProvider.js"
import * as Lifecycle from "./Lifecycle.js"
import { withHeaders } from "./VendorHttp.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined
  /** Extra headers for this call only. */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions extends CallOptions {
  /** Milliseconds between polls; default: from 1 s growing to 30 s. */
  readonly pollIntervalMs?: number | undefined
  /** Give up after this many milliseconds with `WaitTimedOut`. */
  readonly timeoutMs?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BatchClient extends AsyncDisposable {
  readonly provider: string
  cancel(batchId: string, options?: CallOptions): Promise<Batch>
  retrieve(batchId: string, options?: CallOptions): Promise<Batch>
  list(options?: ListOptions & CallOptions): Promise<Page>
  /** Every batch across pages. */
  listAll(options?: Omit<ListOptions, "after"> & CallOptions): AsyncIterable<Batch>
  /** Every result of a terminal batch, partial results of cancelled and expired ones included. */
  results(batchId: string, options?: CallOptions): Promise<ReadonlyArray<ResultItem>>
  awaitTerminal(batchId: string, options?: WaitOptions): Promise<Batch>
  cancelAndWait(batchId: string, options?: WaitOptions): Promise<Batch>
  /** Never rejects for one batch's failure: one outcome per id. */
  cancelMany(
    ids: Iterable<string>,
    options?: Lifecycle.CancelManyOptions & CallOptions
  ): Promise<ReadonlyArray<Lifecycle.CancelOutcome>>
  /** Releases the runtime (connections, fibers). */
  close(): Promise<void>
}

/**
 * Builds a Promise client over a provider layer (each adapter's `client` function calls this).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E>(layer: Layer.Layer<BatchProvider, E>, provider: string): BatchClient => {
  const runtime = ManagedRuntime.make(layer)

  const run = <A>(
    effect: Effect.Effect<A, BatchError | Lifecycle.WaitTimedOut | E, BatchProvider>,
    options: CallOptions | undefined
  ): Promise<A> => {
    const withExtra = options?.headers === undefined ? effect : withHeaders(effect, options.headers)
    const signal = options?.signal
    return runtime.runPromiseExit(withExtra, signal === undefined ? undefined : { signal }).then((exit) => {
      if (Exit.isSuccess(exit)) return exit.value
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure)) throw failure.value
      if (Cause.isInterruptedOnly(exit.cause)) {
        throw signal?.reason ?? new DOMException("The operation was aborted.", "AbortError")
      }
      throw Cause.squash(exit.cause)
    })
  }

  const waitOptions = (options: WaitOptions | undefined): Lifecycle.AwaitOptions => ({
    ...(options?.pollIntervalMs === undefined ? {} : { schedule: Lifecycle.fixedPoll(options.pollIntervalMs) }),
    ...(options?.timeoutMs === undefined ? {} : { timeout: options.timeoutMs })
  })

  const client: BatchClient = {
    provider,
    cancel: (batchId, options) => run(Effect.flatMap(BatchProvider, (p) => p.cancel(batchId)), options),
    retrieve: (batchId, options) => run(Effect.flatMap(BatchProvider, (p) => p.retrieve(batchId)), options),
    list: (options) =>
      run(
        Effect.flatMap(BatchProvider, (p) =>
          p.list({
            ...(options?.limit === undefined ? {} : { limit: options.limit }),
            ...(options?.after === undefined ? {} : { after: options.after })
          })
        ),
        options
      ),
    listAll: (options) => ({
      async *[Symbol.asyncIterator]() {
        let after: string | undefined
        for (;;) {
          const page = await client.list({ ...options, after })
          yield* page.batches
          if (!page.hasMore || page.nextCursor === undefined || page.nextCursor === after) return
          after = page.nextCursor
        }
      }
    }),
    results: (batchId, options) =>
      run(
        Effect.flatMap(BatchProvider, (p) => Stream.runCollect(p.results(batchId))).pipe(Effect.map(Chunk.toReadonlyArray)),
        options
      ),
    awaitTerminal: (batchId, options) => run(Lifecycle.awaitTerminal(batchId, waitOptions(options)), options),
    cancelAndWait: (batchId, options) => run(Lifecycle.cancelAndWait(batchId, waitOptions(options)), options),
    cancelMany: (ids, options) =>
      run(Lifecycle.cancelMany(ids, { concurrency: options?.concurrency }), options),
    close: () => runtime.dispose(),
    [Symbol.asyncDispose]: () => runtime.dispose()
  }
  return client
}
