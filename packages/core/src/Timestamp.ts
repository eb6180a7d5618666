/**
 * Vendor timestamps → `Date`. Unix seconds, RFC 3339 with `Z` and with `±hh:mm` offsets are all read;
 * digits below the millisecond are truncated (`…04.374913+00:00` is `…04.374Z`). A value that is not a
 * timestamp gives `undefined`, never a failure: a bad date must not make a batch unreadable.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category parsing
 */
export const fromUnixSeconds = (value: unknown): Date | undefined => {
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined
  const date = new Date(Math.trunc(value * 1000))
  return Number.isNaN(date.getTime()) ? undefined : date
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/

// `Date.UTC` reads years 0–99 as 1900–1999; setting the full year afterwards does not.
const utc = (year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number) => {
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second, ms))
  date.setUTCFullYear(year, month, day)
  return date.getTime()
}

/**
 * @since 0.1.0
 * @category parsing
 */
export const fromRfc3339 = (value: unknown): Date | undefined => {
  if (typeof value !== "string") return undefined
  const m = RFC3339.exec(value.trim())
  if (m === null) return undefined
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, "0"))
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number]
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60 || Number(oh ?? 0) > 23 || Number(om ?? 0) > 59) {
    return undefined
  }
  const day0 = new Date(utc(year, month - 1, day, 0, 0, 0, 0))
  if (day < 1 || day0.getUTCDate() !== day) return undefined
  let time = utc(year, month - 1, day, hour, minute, Math.min(second, 59), ms)
  if (sign !== undefined) {
    const offset = (Number(oh) * 60 + Number(om)) * 60_000
    time = sign === "+" ? time - offset : time + offset
  }
  const date = new Date(time)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/**
 * Reads either form: a number is unix seconds, a string is RFC 3339.
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromVendor = (value: unknown): Date | undefined =>
  typeof value === "number" ? fromUnixSeconds(value) : fromRfc3339(value)
