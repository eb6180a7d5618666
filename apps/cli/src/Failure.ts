/**
 * The CLI's own failures, the exit code of every outcome, and the one-line error report.
 *
 * Kept free of adapter and HTTP imports: `bin.ts` loads it at start-up.
 */
import * as Schema from "effect/Schema"

/**
 * Exit codes by outcome; printed by `batchctl --help`.
 */
export const ExitCode = {
  success: 0,
  other: 1,
  badInput: 2,
  notFound: 3,
  invalidState: 4,
  auth: 5,
  unavailable: 6,
  timedOut: 7,
  interrupted: 130
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export const exitCodeHelp = [
  "exit codes:",
  "  0    success",
  "  1    other failure (transport, unexpected response, unsupported)",
  "  2    bad input (usage, invalid id or option, refused confirmation)",
  "  3    not found (the batch, or its results: archived, expired files)",
  "  4    invalid state (e.g. cancel of a batch that already completed)",
  "  5    auth (missing, wrong or insufficient API key)",
  "  6    rate limited, quota exceeded or provider unavailable",
  "  7    timed out (wait --timeout)",
  "  130  interrupted (Ctrl-C)"
].join("\n")

/** No API key: named after the variable that was read. Raised before any request. */
export class MissingApiKey extends Schema.TaggedError<MissingApiKey>("batchctl/MissingApiKey")("MissingApiKey", {
  provider: Schema.String,
  variable: Schema.String,
  message: Schema.String
}) {}

/** Arguments the CLI refuses before doing anything (bad duration, bad date, no ids, …). */
export class BadInput extends Schema.TaggedError<BadInput>("batchctl/BadInput")("BadInput", {
  message: Schema.String
}) {}

/** `cancel-all` without `--yes`, declined or without a terminal to ask on. */
export class NotConfirmed extends Schema.TaggedError<NotConfirmed>("batchctl/NotConfirmed")("NotConfirmed", {
  message: Schema.String
}) {}

/** A file the CLI had to read or write. */
export class FileFailure extends Schema.TaggedError<FileFailure>("batchctl/FileFailure")("FileFailure", {
  path: Schema.String,
  message: Schema.String
}) {}

/** A part of the CLI that is not in this build (e.g. the conformance suite). */
export class NotAvailable extends Schema.TaggedError<NotAvailable>("batchctl/NotAvailable")("NotAvailable", {
  message: Schema.String
}) {}

/** The outcome has been reported already (per-item report); only the exit code is left to set. */
export class Reported extends Schema.TaggedError<Reported>("batchctl/Reported")("Reported", {
  exitCode: Schema.Number,
  message: Schema.String
}) {}

export type CliFailure = MissingApiKey | BadInput | NotConfirmed | FileFailure | NotAvailable | Reported

/** The fields of a batch error, or of the CLI's own failures, that the report uses. */
export interface Reportable {
  readonly _tag: string
  readonly message: string
  readonly provider?: string | undefined
  readonly operation?: string | undefined
  readonly requestId?: string | undefined
  readonly httpStatus?: number | undefined
  readonly vendorStatus?: string | undefined
  readonly batchId?: string | undefined
  readonly retryAfterMs?: number | undefined
  readonly lastStatus?: string | undefined
  readonly variable?: string | undefined
  readonly exitCode?: number | undefined
  readonly reason?: string | undefined
}

/** The exit code of a failure, by its tag. */
export const exitCodeOf = (error: Reportable): number => {
  switch (error._tag) {
    case "Reported":
      return error.exitCode ?? ExitCode.other
    case "BatchNotFound":
    case "ResultsUnavailable":
      return ExitCode.notFound
    case "InvalidBatchState":
      return ExitCode.invalidState
    case "Unauthorized":
    case "PermissionDenied":
    case "MissingApiKey":
      return ExitCode.auth
    case "RateLimited":
    case "ProviderUnavailable":
    case "QuotaExceeded":
      return ExitCode.unavailable
    case "InvalidRequest":
    case "BadInput":
    case "NotConfirmed":
      return ExitCode.badInput
    case "WaitTimedOut":
      return ExitCode.timedOut
    default:
      return ExitCode.other
  }
}

/** Where the CLI looked for the key and base URL of the provider in use. */
export interface Context {
  readonly keyVariable?: string | undefined
  readonly baseUrlVariable?: string | undefined
  readonly baseUrl?: string | undefined
}

/** What to do next, by tag. */
export const hintFor = (error: Reportable, context: Context = {}): string | undefined => {
  const key =
    context.keyVariable ??
    (error.provider === undefined ? "the API key variable" : `${error.provider.toUpperCase()}_API_KEY`)
  const base =
    context.baseUrlVariable ??
    (error.provider === undefined ? "the base URL" : `${error.provider.toUpperCase()}_BASE_URL`)
  switch (error._tag) {
    case "MissingApiKey":
      return `export ${error.variable ?? key}=… or pass --api-key-env NAME`
    case "Unauthorized":
      return `check ${key}: the key is missing, wrong or revoked for this provider`
    case "PermissionDenied":
      return `the key in ${key} is valid but may not do this; check its project or permissions`
    case "BatchNotFound":
      return `check the id, and that ${key} belongs to the account or project that owns the batch`
    case "ResultsUnavailable":
      return error.reason === "archived"
        ? "the vendor has archived the batch: its results are gone"
        : error.reason === "file-gone"
          ? "the results file is gone (vendors expire them some time after the batch ends)"
          : "the vendor published no results for this batch"
    case "InvalidBatchState":
      return error.vendorStatus === undefined
        ? "`batchctl get` shows the batch's state"
        : `the batch is ${error.vendorStatus}; \`batchctl get\` shows its state`
    case "RateLimited":
      return error.retryAfterMs === undefined
        ? "rate limited: try again later"
        : `rate limited: try again in ${Math.ceil(error.retryAfterMs / 1000)}s`
    case "QuotaExceeded":
      return "the quota or spend cap is used up: check the account's billing"
    case "ProviderUnavailable":
      return "the provider is unavailable: try again later"
    case "TransportFailure":
      return `no answer from ${context.baseUrl ?? "the provider"}: check the network, or ${base}`
    case "UnexpectedResponse":
      return `is ${base} pointing at the provider's batch API?`
    case "InvalidRequest":
      return "the provider refused the request: check the id and options"
    case "Unsupported":
      return "this provider cannot do that"
    case "WaitTimedOut":
      return "still running: wait longer with --timeout, or check later with `batchctl get`"
    case "NotConfirmed":
      return "pass --yes to cancel without a prompt, or --dry-run to only list"
    default:
      return undefined
  }
}

/** The one-line report: tag, message, request id, hint. */
export const line = (error: Reportable, context: Context = {}): string => {
  const parts = [`${error._tag}: ${error.message}`]
  if (error.requestId !== undefined) parts.push(`(request id ${error.requestId})`)
  const hint = hintFor(error, context)
  if (hint !== undefined) parts.push(`— ${hint}`)
  return parts.join(" ")
}

/** The `--verbose` detail lines under the report. */
export const details = (error: Reportable, context: Context = {}): ReadonlyArray<string> => {
  const rows: Array<[string, string | number | undefined]> = [
    ["tag", error._tag],
    ["provider", error.provider],
    ["operation", error.operation],
    ["batch", error.batchId],
    ["http status", error.httpStatus],
    ["vendor status", error.vendorStatus ?? error.lastStatus],
    ["request id", error.requestId],
    ["retry after", error.retryAfterMs === undefined ? undefined : `${error.retryAfterMs} ms`],
    ["base url", context.baseUrl],
    ["key from", context.keyVariable],
    ["exit code", exitCodeOf(error)]
  ]
  return rows.flatMap(([k, v]) => (v === undefined ? [] : [`  ${k.padEnd(14)} ${v}`]))
}

/** A plain object of an error's own fields, for `--json`. */
export const errorJson = (error: Reportable): Record<string, unknown> => {
  const out: Record<string, unknown> = { _tag: error._tag, message: error.message }
  for (const [key, value] of Object.entries(error)) {
    if (key !== "stack" && value !== undefined && typeof value !== "function") out[key] = value
  }
  return out
}
