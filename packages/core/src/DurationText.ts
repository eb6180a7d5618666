/**
 * The one way batchctl reads a duration written as text, in settings (`OPENAI_TIMEOUT`, `…_DEADLINE`)
 * and on the command line (`--timeout`, `--interval`): a number with a unit, `500ms`, `90s`, `10m`,
 * `2h`, `1d`, several in a row (`1h30m`, `1m 30s`), or Effect's words (`30 seconds`, `1.5 minutes`).
 *
 * A bare number has no unit: {@link parse} does not read it. Where a bare number was read before units
 * were required, the caller says what it means: the `<PREFIX>_*` settings read it as milliseconds (as the
 * options of the vendors' SDKs, and as in 0.1); the CLI refuses it and asks for a unit (it read `30` as
 * seconds, a thousand times what the same `30` meant in a setting).
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000
}

const PARTS = /(\d+(?:\.\d+)?)\s*(ms|sec|s|min|m|h|d)(?![a-z])/g
const BARE = /^\d+(?:\.\d+)?$/

/**
 * Milliseconds in `text`, or `None` when it is not a duration with units (a bare number included).
 *
 * @since 0.2.0
 * @category parsing
 */
export const parse = (text: string): Option.Option<number> => {
  const trimmed = text.trim()
  if (trimmed.length === 0 || trimmed.length > 64 || BARE.test(trimmed)) return Option.none()
  const compact = trimmed.replace(/\s+/g, "")
  const parts = [...trimmed.matchAll(PARTS)]
  if (parts.length > 0 && parts.map((p) => p[0].replace(/\s+/g, "")).join("") === compact) {
    let total = 0
    for (const p of parts) total += Number(p[1]) * (UNITS[p[2] as string] as number)
    return Number.isFinite(total) ? Option.some(total) : Option.none()
  }
  // Effect's own grammar: "30 seconds", "1.5 minutes", "2 hours".
  return Option.flatMap(Duration.decodeUnknown(trimmed), (d) => {
    const ms = Duration.toMillis(d)
    return Number.isFinite(ms) ? Option.some(ms) : Option.none()
  })
}

/**
 * Whether `text` is a bare number (no unit), which {@link parse} does not read.
 *
 * @since 0.2.0
 * @category parsing
 */
export const isBare = (text: string): boolean => BARE.test(text.trim())
