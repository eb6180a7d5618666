/**
 * How batches, results and errors look: human text and JSON.
 */
import { Batch } from "@batchctl/core"
import * as Schema from "effect/Schema"
import * as Output from "./Output.js"

const encodeBatch = Schema.encodeSync(Batch.Batch)
const encodeResult = Schema.encodeSync(Batch.ResultItem)

/** The batch's JSON form; the vendor's raw object only with `--verbose`. */
export const batchJson = (batch: Batch.Batch, verbose: boolean): Record<string, unknown> => {
  const { raw, ...rest } = encodeBatch(batch)
  return verbose ? { ...rest, raw } : rest
}

export const resultJson = (item: Batch.ResultItem): Record<string, unknown> => ({ ...encodeResult(item) })

/** `cancelled`, or `cancelled (vendor: canceled)` when the vendor says it otherwise. */
export const statusText = (batch: Batch.Batch, stream?: NodeJS.WriteStream): string =>
  batch.vendorStatus === batch.status
    ? Output.status(batch.status, stream)
    : `${Output.status(batch.status, stream)} (${batch.vendorStatus})`

/** `4 succeeded, 6 cancelled of 10`: only the counts the vendor gave. */
export const countsText = (counts: Batch.Counts): string => {
  const parts: Array<string> = []
  if (counts.succeeded !== undefined) parts.push(`${counts.succeeded} succeeded`)
  if (counts.failed !== undefined && counts.failed > 0) parts.push(`${counts.failed} failed`)
  if (counts.cancelled !== undefined && counts.cancelled > 0) parts.push(`${counts.cancelled} cancelled`)
  if (counts.expired !== undefined && counts.expired > 0) parts.push(`${counts.expired} expired`)
  if (counts.processing !== undefined && counts.processing > 0) parts.push(`${counts.processing} processing`)
  const total = counts.total === undefined ? "" : ` of ${counts.total}`
  return parts.length === 0 ? (total === "" ? "-" : `${counts.total} requests`) : `${parts.join(", ")}${total}`
}

const time = (date: Date | undefined) => (date === undefined ? undefined : date.toISOString())

/**
 * One reason a batch failed, for a terminal: the vendor's words with control characters shown as `?`
 * (a vendor's text must not move the cursor or recolour the screen), cut at 300 characters.
 */
export const reasonText = (reason: Batch.FailureReason): string => {
  const where = [reason.code, reason.line === undefined ? undefined : `line ${reason.line}`, reason.param].filter(
    (p) => p !== undefined
  )
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const message = reason.message.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?")
  const text = `${where.length === 0 ? "" : `${where.join(", ")}: `}${message}`
  return text.length > 300 ? `${text.slice(0, 299)}…` : text
}

/** Why a batch failed, each reason on its own line; at most `max`, then how many more. */
export const reasonsText = (reasons: ReadonlyArray<Batch.FailureReason>, max = 5): ReadonlyArray<string> => [
  ...reasons.slice(0, max).map(reasonText),
  ...(reasons.length > max ? [`… and ${reasons.length - max} more`] : [])
]

/** The key/value block of `get` and `wait`. */
export const batchBlock = (batch: Batch.Batch): string => {
  const rows: Array<[string, string | undefined]> = [
    ["id", Output.bold(batch.id)],
    ["provider", batch.provider],
    ["status", statusText(batch)],
    ["terminal", batch.terminal ? "yes" : "no"],
    ["requests", countsText(batch.counts)],
    ["progress", batch.progress === undefined ? undefined : `${Math.round(batch.progress * 100)}%`],
    ["created", time(batch.createdAt)],
    ["expires", time(batch.expiresAt)],
    ["cancel requested", time(batch.cancelRequestedAt)],
    ["ended", time(batch.endedAt)],
    ["output file", batch.outputFileId],
    ["error file", batch.errorFileId],
    ["results url", batch.resultsUrl],
    ...reasonsText(batch.errors ?? []).map((text, i): [string, string] => [i === 0 ? "why" : "", text])
  ]
  return rows.flatMap(([k, v]) => (v === undefined ? [] : [`${Output.dim(k.padEnd(17))}${v}`])).join("\n")
}

/** The rows of `list`. */
export const batchTable = (batches: ReadonlyArray<Batch.Batch>): string =>
  Output.table(
    ["BATCH", "STATUS", "REQUESTS", "CREATED"],
    batches.map((b) => [b.id, statusText(b), countsText(b.counts), time(b.createdAt) ?? "-"])
  )

export { errorJson } from "./Failure.js"
