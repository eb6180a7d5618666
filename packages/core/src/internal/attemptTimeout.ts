/**
 * The attempt timeout of a bulk cancel's calls, set as TCP sets its retransmission timeout (RFC 6298): a
 * smoothed answer time plus four times its smoothed variation, at least a floor; after an attempt that
 * timed out, twice that attempt's timeout, until the next answer sets it again. It follows the vendor's
 * pace both ways: a vendor that answers in 50 ms has a hung request sent again after the floor, and one
 * that turns slow mid-run (every attempt timing out) is soon waited for as long as it takes (up to the
 * client's own timeout).
 *
 * @internal
 */

/** @internal */
export interface AttemptTimeout {
  /** The timeout for the next attempt, in milliseconds; `undefined` until `warmup` answers were seen. */
  readonly current: () => number | undefined
  /** One attempt answered (any status) this many milliseconds after it was sent. */
  readonly answered: (millis: number) => void
  /**
   * One attempt had no answer within `attemptMs`, the timeout it was given: the next attempts get twice
   * that (several attempts that time out together double it once, not once each).
   */
  readonly timedOut: (attemptMs: number) => void
  /** The last event was a timeout (no answer since): the vendor may have turned slow. */
  readonly backedOff: () => boolean
  /**
   * How long an attempt takes before it is slower than nearly every answer so far (the smoothed time plus
   * four times its variation, without the floor and the doubling); `undefined` until `warmup` answers.
   */
  readonly slow: () => number | undefined
}

/** Node's timers fire at once past 2^31 − 1 ms. */
const MAX_MS = 2_147_483_647

/** @internal */
export const make = (options: { readonly minMs: number; readonly warmup: number }): AttemptTimeout => {
  let samples = 0
  let smoothed = 0
  let variation = 0
  let timeout: number | undefined
  let backedOff = false
  return {
    current: () => timeout,
    answered: (millis) => {
      const sample = Math.max(0, millis)
      if (samples === 0) {
        smoothed = sample
        variation = sample / 2
      } else {
        variation = 0.75 * variation + 0.25 * Math.abs(smoothed - sample)
        smoothed = 0.875 * smoothed + 0.125 * sample
      }
      samples++
      backedOff = false
      if (samples >= options.warmup) timeout = Math.min(MAX_MS, Math.max(options.minMs, smoothed + 4 * variation))
    },
    timedOut: (attemptMs) => {
      if (timeout === undefined) return
      timeout = Math.min(MAX_MS, Math.max(timeout, 2 * attemptMs))
      backedOff = true
    },
    backedOff: () => backedOff,
    slow: () => (samples >= options.warmup ? smoothed + 4 * variation : undefined)
  }
}
