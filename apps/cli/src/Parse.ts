/**
 * Parsing of the CLI's own values: durations, dates and ages, status lists, ids from stdin.
 */
import * as DurationText from "@batchctl/core/DurationText"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { BadInput } from "./Failure.js"

/**
 * A duration in core's one grammar (`DurationText`): `90s`, `10m`, `1h30m`, `500ms`, `2d`, `30 seconds`.
 * A bare number is refused: it once meant seconds here and milliseconds in `*_TIMEOUT`.
 */
export const durationMillis = (text: string, what: string): Effect.Effect<number, BadInput> => {
  if (DurationText.isBare(text)) {
    return Effect.fail(
      new BadInput({
        message: `${what}: ${JSON.stringify(text.trim())} has no unit: write ${text.trim()}s for seconds, or e.g. 10m, 500ms`
      })
    )
  }
  return Option.match(DurationText.parse(text), {
    onNone: () =>
      Effect.fail(
        new BadInput({ message: `${what}: not a duration: ${JSON.stringify(text)} (use e.g. 90s, 10m, 2h, 1d)` })
      ),
    onSome: (ms) =>
      ms > 0
        ? Effect.succeed(ms)
        : Effect.fail(new BadInput({ message: `${what}: must be longer than 0, not ${JSON.stringify(text)}` }))
  })
}

/** An ISO date/time, or an age (`2h` = two hours ago), as a Date. */
export const instant = (text: string, now: Date = new Date()): Effect.Effect<Date, BadInput> => {
  const trimmed = text.trim()
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const date = new Date(trimmed)
    return Number.isNaN(date.getTime())
      ? Effect.fail(new BadInput({ message: `--created-before: not a date: ${JSON.stringify(text)}` }))
      : Effect.succeed(date)
  }
  return Effect.map(
    Effect.mapError(
      durationMillis(trimmed, "--created-before"),
      () =>
        new BadInput({
          message: `--created-before: not a date or an age: ${JSON.stringify(text)} (use 2026-01-31, 2026-01-31T12:00:00Z or 2h, 3d)`
        })
    ),
    (ms) => new Date(now.getTime() - ms)
  )
}

const STATUSES: ReadonlyArray<string> = [
  "validating",
  "in_progress",
  "finalizing",
  "cancelling",
  "cancelled",
  "completed",
  "failed",
  "expired",
  "unknown"
]

/** A comma-separated list of normalized statuses; any other word is refused (a typo must not match nothing). */
export const statuses = (text: string): Effect.Effect<ReadonlyArray<string>, BadInput> => {
  const words = csv(text)
  if (words.length === 0) return Effect.fail(new BadInput({ message: "--status needs at least one status" }))
  const bad = words.filter((w) => !STATUSES.includes(w))
  return bad.length === 0
    ? Effect.succeed(words)
    : Effect.fail(
        new BadInput({
          message: `--status: not a status: ${bad.map((w) => JSON.stringify(w)).join(", ")} (use ${STATUSES.join(", ")})`
        })
      )
}

/** A comma-separated list, trimmed, without empty entries. */
export const csv = (text: string): ReadonlyArray<string> =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")

/**
 * Ids from lines of text: a plain id a line, or a JSON object with an `id` (the lines of
 * `batchctl list --json`). Lines end at LF or CRLF. Blank lines (nothing but whitespace) and `#`
 * comments are skipped; duplicates are dropped. An id is never trimmed or otherwise altered: ` abc ` is
 * sent as ` abc ` (and refused by the vendor), never as another batch's `abc`.
 */
export const idsFromLines = (text: string): Effect.Effect<ReadonlyArray<string>, BadInput> =>
  Effect.suspend(() => {
    const ids: Array<string> = []
    const lines = text.split(/\r?\n/)
    for (const [index, raw] of lines.entries()) {
      const lineText = raw
      if (lineText.trim() === "" || lineText.startsWith("#")) continue
      if (lineText.startsWith("{")) {
        let parsed: unknown
        try {
          parsed = JSON.parse(lineText)
        } catch {
          return Effect.fail(new BadInput({ message: `stdin line ${index + 1}: not JSON and not an id` }))
        }
        const id = typeof parsed === "object" && parsed !== null && "id" in parsed ? parsed.id : undefined
        if (typeof id !== "string") {
          return Effect.fail(new BadInput({ message: `stdin line ${index + 1}: a JSON line without a string "id"` }))
        }
        ids.push(id)
      } else {
        ids.push(lineText)
      }
    }
    return Effect.succeed([...new Set(ids)])
  })
