/**
 * Which public operation a request serves, when it differs from the request's own: kept apart from the
 * HTTP modules so that the spec (`BatchProvider`) can set it without importing HTTP.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"

/** @internal */
export const currentOperation: FiberRef.FiberRef<string | undefined> = globalValue(
  "@batchctl/core/VendorHttp/currentOperation",
  () => FiberRef.unsafeMake<string | undefined>(undefined)
)

/** @internal */
export const asOperation: {
  (operation: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, operation: string): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, operation: string): Effect.Effect<A, E, R> =>
    Effect.locally(self, currentOperation, operation)
)

/**
 * What a caller that retries on its own (the bulk cancels of `Lifecycle`) asks of each call: shorter
 * waits between its attempts (a wait never holds a worker: the vendor's `retry-after` beyond
 * `maxDelayMs` ends the call at once, for the caller to schedule), and, once it has seen how fast the
 * vendor answers, a shorter attempt timeout (`attemptTimeoutMs`, which the caller updates as it goes:
 * an idempotent cancel that has not answered in several times the slowest recent answer is sent again
 * rather than waited on for the client's whole timeout).
 *
 * @internal
 */
export interface BulkCall {
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly attemptTimeoutMs: number | undefined
  /**
   * Told how long each attempt's answer took, from its send to its answer (any status): the vendor's pace,
   * which the caller's `attemptTimeoutMs` follows. Each attempt, never a whole call: a call whose first
   * attempt timed out and whose retry answered at once took the timeout and more.
   */
  readonly answered?: ((millis: number) => void) | undefined
  /**
   * Told of each attempt that had no answer within its timeout (not one cut short by the call's
   * deadline), with that timeout.
   */
  readonly timedOut?: ((attemptMs: number) => void) | undefined
}

/**
 * One send of a bulk cancel, as its call goes: when its current attempt was sent (`undefined` between
 * attempts: in a wait before a retry), and whether it is still wanted (another send of the same cancel,
 * a hedge, may have answered first: then the call makes no further attempt).
 *
 * @internal
 */
export interface BulkSend {
  readonly wanted: () => boolean
  attemptAt: number | undefined
}

/**
 * A bulk worker's slot for its current send: set once per worker (a `FiberRef`), its `send` field
 * replaced by plain assignment at each send, so that a send costs no `FiberRef` change.
 *
 * @internal
 */
export interface BulkSlot {
  send: BulkSend | undefined
}

/** @internal */
export const currentBulkSlot: FiberRef.FiberRef<BulkSlot | undefined> = globalValue(
  "@batchctl/core/VendorHttp/currentBulkSlot",
  () => FiberRef.unsafeMake<BulkSlot | undefined>(undefined)
)

/** @internal */
export const currentBulkCall: FiberRef.FiberRef<BulkCall | undefined> = globalValue(
  "@batchctl/core/VendorHttp/currentBulkCall",
  () => FiberRef.unsafeMake<BulkCall | undefined>(undefined)
)

/**
 * Whether calls make spans when no tracer is installed (their call-site frame shows in `Cause.pretty`);
 * a bulk cancel turns it off (one span for the run), and so do the Promise clients, as they reject with
 * the caller's own frames.
 *
 * @internal
 */
export const callSpans: FiberRef.FiberRef<boolean> = globalValue("@batchctl/core/VendorHttp/callSpans", () =>
  FiberRef.unsafeMake<boolean>(true)
)
