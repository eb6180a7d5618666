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
 * Shorter waits between the attempts of one call, set by a caller that retries on its own (the bulk
 * cancels of `Lifecycle`): its waits never hold a worker, so a call's own retries should not either.
 * The vendor's `retry-after` beyond `maxDelayMs` ends the call at once (the caller schedules it).
 *
 * @internal
 */
export interface RetryDelays {
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/** @internal */
export const currentRetryDelays: FiberRef.FiberRef<RetryDelays | undefined> = globalValue(
  "@batchctl/core/VendorHttp/currentRetryDelays",
  () => FiberRef.unsafeMake<RetryDelays | undefined>(undefined)
)
