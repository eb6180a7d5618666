/**
 * When a failed HTTP call is tried again, and after how long: the table of "Retries" in this package's
 * README, as code. {@link classify} says what one failed attempt is (`retry`, `refusal`, `final`);
 * {@link schedule} is the `Schedule` `VendorHttp` retries with (`Effect.retry`).
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import { type BatchError, isQuotaFailure, isTransientStatus } from "./BatchError.js"
import type { VendorErrorBody } from "./VendorErrorBody.js"

/**
 * How failed HTTP calls are retried. `maxAttempts` counts every attempt of one HTTP call (3 = one call
 * and two retries). The delay before retry `n` is `baseDelay · 2^(n-1)` with jitter, or what the vendor
 * asked for (`retry-after-ms`, `retry-after`, a body hint); either way never more than `maxDelay`.
 * `{ maxAttempts: 3, baseDelay: 0, maxDelay: 0 }` retries at once, as the conformance runner does.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  readonly maxAttempts: number
  readonly baseDelay: Duration.DurationInput
  readonly maxDelay: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 3, baseDelay: "500 millis", maxDelay: "30 seconds" }

/**
 * @since 0.1.0
 * @category constructors
 */
export const immediateRetries = (maxAttempts: number): RetryPolicy => ({ maxAttempts, baseDelay: 0, maxDelay: 0 })

/**
 * A failed attempt, as far as retrying it goes: a non-2xx answer, or no answer at all.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure =
  | {
      readonly _tag: "Status"
      readonly status: number
      /** Scrubbed of the key. */
      readonly headers: Headers.Headers
      readonly body: VendorErrorBody
      /** What the vendor asked to wait: `retry-after-ms`, `retry-after`, or a hint in the body. */
      readonly retryAfterMs: number | undefined
      /** The adapter reads this answer as a refusal for the batch's state (a 409 to a cancel). */
      readonly refusal: boolean
    }
  /** No response (refused, reset, timed out, undecodable); `reason` is scrubbed. */
  | { readonly _tag: "NoResponse"; readonly reason: string; readonly cause?: unknown }
  /** An answer no retry can change (a redirect, a body past its limit, a request that cannot be sent). */
  | { readonly _tag: "Final"; readonly error: BatchError }

/**
 * What a failed attempt is: `retry` (tried again while attempts are left), `refusal` (the vendor says no
 * for the batch's state: `InvalidBatchState`), `final` (reported as it is).
 *
 * - no response at all, 408, 429, every 5xx but 501, and a 409 that is not a refusal: `retry`;
 * - `x-should-retry: true|false` overrides that either way, but a used-up quota (402, or a 429 whose
 *   error code says so) is never retried: waiting does not refill it.
 *
 * @since 0.1.0
 * @category classification
 */
export const classify = (failure: Failure): "retry" | "refusal" | "final" => {
  switch (failure._tag) {
    case "NoResponse":
      return "retry"
    case "Final":
      return "final"
    case "Status": {
      const { status, body, refusal } = failure
      if (isQuotaFailure(status, body)) return "final"
      const asked = failure.headers["x-should-retry"]
      const transient =
        asked === "true" ? true : asked === "false" ? false : isTransientStatus(status) || (status === 409 && !refusal)
      return transient ? "retry" : refusal ? "refusal" : "final"
    }
  }
}

/**
 * Reads `retry-after-ms`, then `retry-after` (delta seconds or an HTTP date, relative to `now`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const retryAfterMillis = (headers: Headers.Headers, now: number): number | undefined => {
  const ms = headers["retry-after-ms"]
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms))
  const value = headers["retry-after"]
  if (value === undefined) return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000)
  // Only an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`), the form RFC 9110 requires senders to use;
  // `Date.parse` alone would take "-1" or "abc 12" for dates.
  if (!HTTP_DATE.test(value)) return undefined
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const HTTP_DATE =
  /^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT\s*$/

/**
 * Milliseconds of a duration option, or `fallback` when it is missing or not a usable duration; at most
 * 2^31 − 1 (Node's timers fire at once past it, ~24.8 days: longer is as good as never).
 *
 * @since 0.1.0
 * @category parsing
 */
export const millisOf = (input: unknown, fallback: number): number => {
  if (input === undefined) return fallback
  const ms = Option.match(Duration.decodeUnknown(input), { onNone: () => Number.NaN, onSome: Duration.toMillis })
  return Number.isNaN(ms) || ms < 0 ? fallback : Math.min(ms, MAX_TIMER_MS)
}

const MAX_TIMER_MS = 2_147_483_647

/**
 * The policy with every field usable: fields left `undefined` take the default, counts are whole numbers
 * of at least 1, durations non-negative milliseconds (an unusable one falls back to the default).
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (partial: Partial<RetryPolicy> | undefined): Resolved => {
  const attempts = partial?.maxAttempts
  return {
    maxAttempts:
      typeof attempts === "number" && !Number.isNaN(attempts)
        ? Math.max(1, Math.floor(attempts))
        : defaultRetryPolicy.maxAttempts,
    baseDelayMs: millisOf(partial?.baseDelay, DEFAULT_BASE_DELAY_MS),
    maxDelayMs: millisOf(partial?.maxDelay, DEFAULT_MAX_DELAY_MS)
  }
}

const DEFAULT_BASE_DELAY_MS = millisOf(defaultRetryPolicy.baseDelay, 0)
const DEFAULT_MAX_DELAY_MS = millisOf(defaultRetryPolicy.maxDelay, 0)

/**
 * One decision of {@link schedule}: the failure, which attempt failed (1 for the first), and the wait
 * before the next.
 *
 * @since 0.1.0
 * @category models
 */
export interface Step {
  readonly failure: Failure
  readonly attempt: number
  readonly delayMs: number
}

/**
 * The retry schedule of `policy`, its input the failure of each attempt. It goes on while the failure
 * is to be retried (see {@link classify}) and attempts are left, waiting the vendor's hint when it gave
 * one, else `baseDelay · 2^(n-1)` with "equal jitter" (half fixed, half random), at most `maxDelay`. It
 * stops at once, for the caller to schedule, when the vendor asks for a wait beyond `maxDelay` (unless
 * `maxDelay` is 0, which asks for no waiting at all), and when the next attempt would start at or
 * after `deadline` (milliseconds on the fiber's `Clock`).
 *
 * @since 0.1.0
 * @category scheduling
 */
export const schedule = (
  policy: Resolved,
  options: { readonly deadline?: number | undefined } = {}
): Schedule.Schedule<Step, Failure> =>
  Schedule.zipWith(Schedule.identity<Failure>(), Schedule.count, (failure, n) => ({ failure, attempt: n + 1 })).pipe(
    Schedule.mapEffect(({ failure, attempt }) =>
      Effect.map(
        Random.next,
        (jitter): Step => ({ failure, attempt, delayMs: delayMillis(policy, attempt, hintOf(failure), jitter) })
      )
    ),
    Schedule.checkEffect((_, step) => {
      const { failure } = step
      if (step.attempt >= policy.maxAttempts || classify(failure) !== "retry") return Effect.succeed(false)
      const hint = hintOf(failure)
      // A wait asked for beyond `maxDelay` is not cut short into the same wall.
      if (hint !== undefined && policy.maxDelayMs > 0 && hint > policy.maxDelayMs) return Effect.succeed(false)
      const deadline = options.deadline
      return deadline === undefined
        ? Effect.succeed(true)
        : Effect.map(Clock.currentTimeMillis, (now) => now + step.delayMs < deadline)
    }),
    Schedule.addDelay((step) => Duration.millis(step.delayMs))
  )

const hintOf = (failure: Failure): number | undefined => (failure._tag === "Status" ? failure.retryAfterMs : undefined)

/**
 * The wait before retry `attempt` (1 for the first retry): `hintMs` (what the vendor asked for) when
 * given, else `baseDelay · 2^(attempt-1)` with "equal jitter" (half fixed, half `jitter` ∈ [0, 1) of it);
 * never more than `maxDelay`. The one backoff formula of batchctl: the per-call {@link schedule}, the
 * bulk cancels' second passes (`Lifecycle`) and the CLI's list retries use it.
 *
 * @since 0.2.0
 * @category scheduling
 */
export const delayMillis = (policy: Resolved, attempt: number, hintMs: number | undefined, jitter: number): number => {
  if (hintMs !== undefined) return Math.min(policy.maxDelayMs, hintMs)
  const bounded = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return Math.round(bounded / 2 + (bounded / 2) * jitter)
}
