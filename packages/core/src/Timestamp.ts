/**
 * Vendor timestamps → `Date`. Unix seconds, RFC 3339 with `Z` and with `±hh:mm` offsets are all read;
 * digits below the millisecond are truncated (`…04.374913+00:00` is `…04.374Z`). A value that is not a
 * timestamp gives `undefined`, never a failure: a bad date must not make a batch unreadable.
 *
 * As schemas: {@link UnixSeconds}, {@link Rfc3339} and {@link FromVendor} decode strictly (a value that
 * is not a timestamp fails); {@link Lenient} is the one vendor wire schemas use for their timestamp
 * fields. RFC 3339 is read by hand on purpose: `Date.parse` (and so `Schema.Date`) also accepts forms
 * that are not RFC 3339, reads an offset-less time as local time, and reads years 0–99 as 1900–1999.
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

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
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number
  ]
  if (
    month < 1 ||
    month > 12 ||
    hour > 23 ||
    minute > 59 ||
    second > 60 ||
    Number(oh ?? 0) > 23 ||
    Number(om ?? 0) > 59
  ) {
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

const dateOrFail =
  <I>(read: (value: I) => Date | undefined, what: string) =>
  (value: I, _: unknown, ast: Schema.Schema.Any["ast"]) => {
    const date = read(value)
    return date === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, value, `Expected ${what}, got ${JSON.stringify(value)}`))
      : ParseResult.succeed(date)
  }

/**
 * Unix seconds (fractions kept to the millisecond) ⇄ `Date`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnixSeconds: Schema.Schema<Date, number> = Schema.transformOrFail(Schema.Number, Schema.DateFromSelf, {
  strict: true,
  decode: dateOrFail(fromUnixSeconds, "unix seconds"),
  encode: (date) => ParseResult.succeed(date.getTime() / 1000)
}).annotations({ identifier: "UnixSeconds" })

/**
 * An RFC 3339 timestamp ⇄ `Date` (encoded in UTC, `…Z`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Rfc3339: Schema.Schema<Date, string> = Schema.transformOrFail(Schema.String, Schema.DateFromSelf, {
  strict: true,
  decode: dateOrFail(fromRfc3339, "an RFC 3339 timestamp"),
  encode: (date) => ParseResult.succeed(date.toISOString())
}).annotations({ identifier: "Rfc3339" })

/**
 * Either form a vendor sends: a number is unix seconds, a string is RFC 3339.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FromVendor: Schema.Schema<Date, number | string> = Schema.Union(UnixSeconds, Rfc3339)

/**
 * A vendor timestamp field as wire schemas read it: a `Date` when the value is a timestamp in either form
 * and `undefined` otherwise (missing, `null`, or garbage), never a failure. Encodes to RFC 3339.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Lenient: Schema.Schema<Date | undefined, unknown> = Schema.declare<Date | undefined, unknown, readonly []>(
  [],
  {
    decode: () => (value) => ParseResult.succeed(fromVendor(value)),
    encode: () => (date) => ParseResult.succeed(date instanceof Date ? date.toISOString() : undefined)
  },
  { identifier: "Timestamp" }
)
