/**
 * Pacing by the vendors' rate-limit headers: when an answer says no request is left in the current
 * window, how long until it resets. Read from every answer, 2xx included, so that a client stops before
 * the vendor has to say 429.
 *
 * - OpenAI and its family (Groq, Together, Moonshot, …): `x-ratelimit-remaining-requests` and
 *   `x-ratelimit-reset-requests`, a Go-style duration (`1s`, `6m0s`, `20ms`, `1h2m3.5s`);
 * - Anthropic: `anthropic-ratelimit-requests-remaining` and `anthropic-ratelimit-requests-reset`, an
 *   RFC 3339 time;
 * - the IETF draft's `ratelimit-remaining` and `ratelimit-reset` (delta seconds).
 */
import type * as Headers from "@effect/platform/Headers"

const sources: ReadonlyArray<readonly [remaining: string, reset: string]> = [
  ["x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"],
  ["anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset"],
  ["ratelimit-remaining", "ratelimit-reset"]
]

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 }
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g
const SECONDS = /^\d+(?:\.\d+)?$/
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/

/** Milliseconds in a reset value: a Go-style duration, delta seconds, or an RFC 3339 time after `now`. */
export const resetValueMillis = (value: string, now: number): number | undefined => {
  const text = value.trim()
  if (text.length === 0 || text.length > 64) return undefined
  if (SECONDS.test(text)) return Math.round(Number(text) * 1000)
  if (DURATION.test(text)) {
    let ms = 0
    for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit as string] as number)
    return Math.round(ms)
  }
  if (RFC3339.test(text)) {
    const at = Date.parse(text)
    return Number.isNaN(at) ? undefined : Math.max(0, at - now)
  }
  return undefined
}

/**
 * How long until the vendor takes requests again, when an answer's headers say none is left in the
 * window (remaining `0`); `undefined` when they say nothing of the kind.
 */
export const exhaustedFor = (headers: Headers.Headers, now: number): number | undefined => {
  for (const [remaining, reset] of sources) {
    const left = headers[remaining]
    if (left === undefined || left.trim() !== "0") continue
    const value = headers[reset]
    return value === undefined ? undefined : resetValueMillis(value, now)
  }
  return undefined
}
