/**
 * The normalized vocabulary every adapter speaks (conformance contract v1, section 1):
 * the batch, its status and counts, a page of batches and one result item.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Normalized batch status.
 *
 * @since 0.1.0
 * @category models
 */
export const BatchStatus = Schema.Literal(
  "validating",
  "in_progress",
  "finalizing",
  "cancelling",
  "cancelled",
  "completed",
  "failed",
  "expired",
  "unknown"
)

/**
 * @since 0.1.0
 * @category models
 */
export type BatchStatus = typeof BatchStatus.Type

const terminal: ReadonlySet<BatchStatus> = new Set<BatchStatus>(["cancelled", "completed", "failed", "expired"])

/**
 * `true` for `cancelled`, `completed`, `failed` and `expired`.
 *
 * @since 0.1.0
 * @category status
 */
export const isTerminalStatus = (status: BatchStatus): boolean => terminal.has(status)

/**
 * `true` when a cancel has taken hold: the batch is `cancelling` or `cancelled`.
 *
 * @since 0.1.0
 * @category status
 */
export const isCancelStatus = (status: BatchStatus): boolean => status === "cancelling" || status === "cancelled"

const words: ReadonlySet<string> = new Set<BatchStatus>([
  "validating",
  "in_progress",
  "finalizing",
  "cancelling",
  "cancelled",
  "completed",
  "failed",
  "expired"
])

/**
 * The OpenAI family's status words (`validating` … `cancelled`) as they are; anything else is `unknown`.
 *
 * @since 0.1.0
 * @category status
 */
export const statusFromWord = (word: string): BatchStatus => (words.has(word) ? (word as BatchStatus) : "unknown")

/**
 * Request counts. Each field is present **only when the vendor says it**; never a guessed 0.
 *
 * @since 0.1.0
 * @category models
 */
export const Counts = Schema.Struct({
  total: Schema.optional(Schema.Number),
  processing: Schema.optional(Schema.Number),
  succeeded: Schema.optional(Schema.Number),
  failed: Schema.optional(Schema.Number),
  cancelled: Schema.optional(Schema.Number),
  expired: Schema.optional(Schema.Number)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Counts = typeof Counts.Type

/**
 * Why a batch failed, as the vendor says it: OpenAI-family `errors.data` entries (`code` such as
 * `invalid_json_line` or `token_limit_exceeded`, the input `line`, the `param`), Together's `error`.
 *
 * @since 0.2.0
 * @category models
 */
export const FailureReason = Schema.Struct({
  message: Schema.String,
  code: Schema.optional(Schema.String),
  line: Schema.optional(Schema.Number),
  param: Schema.optional(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export type FailureReason = typeof FailureReason.Type

/**
 * A batch as every adapter returns it from `cancel`, `retrieve` and `list`.
 *
 * Timestamps are `Date`s (encoded as ISO-8601 UTC with milliseconds). `raw` is the vendor's own
 * object, untouched, for users who need a field the normalized view does not carry.
 *
 * @since 0.1.0
 * @category models
 */
export class Batch extends Schema.Class<Batch>("@batchctl/core/Batch")({
  id: Schema.String,
  provider: Schema.String,
  status: BatchStatus,
  vendorStatus: Schema.String,
  terminal: Schema.Boolean,
  counts: Counts,
  progress: Schema.optional(Schema.Number),
  createdAt: Schema.optional(Schema.Date),
  expiresAt: Schema.optional(Schema.Date),
  cancelRequestedAt: Schema.optional(Schema.Date),
  endedAt: Schema.optional(Schema.Date),
  /** OpenAI family: the output file, when the vendor names one. */
  outputFileId: Schema.optional(Schema.String),
  /** OpenAI family: the error file, when the vendor names one. */
  errorFileId: Schema.optional(Schema.String),
  /** Anthropic: where the results JSONL is served. */
  resultsUrl: Schema.optional(Schema.String),
  /**
   * Why the batch failed, when the vendor says (a `failed` batch whose input was refused, …): absent
   * when it says nothing.
   *
   * @since 0.2.0
   */
  errors: Schema.optional(Schema.Array(FailureReason)),
  /**
   * `true` when the vendor says the batch is accepted but waiting for its turn (Mistral `QUEUED`, Gemini
   * `BATCH_STATE_PENDING`); its `status` is then `validating`, and zero counts the vendor sends while it
   * waits are not counts (Mistral's `total_requests` is 0 until the batch starts). Absent otherwise.
   *
   * @since 0.2.0
   */
  queued: Schema.optional(Schema.Literal(true)),
  /**
   * `true` when the vendor says a terminal batch ended with only part of its requests done (Vertex
   * `JOB_STATE_PARTIALLY_SUCCEEDED`, Bedrock `PartiallyCompleted`); its `status` is then `completed`,
   * and the results say which requests ran. Absent otherwise.
   *
   * @since 0.2.0
   */
  partial: Schema.optional(Schema.Literal(true)),
  /** The vendor's body exactly as decoded from the wire. */
  raw: Schema.Unknown
}) {}

/**
 * The encoded (JSON) form of a batch, as written in fixtures and printed by the CLI.
 *
 * @since 0.1.0
 * @category models
 */
export type BatchJson = typeof Batch.Encoded

type Optional<T> = { readonly [K in keyof T]?: T[K] | null | undefined }

/**
 * Builds a batch, deriving `terminal` from `status` and dropping fields the vendor did not send.
 * Adapters decode first, so the constructor's own validation is skipped on this hot path.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  fields: {
    readonly id: string
    readonly provider: string
    readonly status: BatchStatus
    readonly vendorStatus: string
    readonly counts?: Optional<Counts> | undefined
    readonly raw: unknown
  } & Optional<{
    readonly progress: number
    readonly createdAt: Date
    readonly expiresAt: Date
    readonly cancelRequestedAt: Date
    readonly endedAt: Date
    readonly outputFileId: string
    readonly errorFileId: string
    readonly resultsUrl: string
    /** Kept only when not empty. */
    readonly errors: ReadonlyArray<FailureReason>
  }> & {
      /** Only `true` is kept: a batch that is not queued says nothing, as in FORMAT v1. */
      readonly queued?: boolean | undefined
      /** Only `true` is kept, on a terminal batch. */
      readonly partial?: boolean | undefined
    }
): Batch => {
  // On every cancel's path: one pass over the fields, no entry arrays, no `delete` (which turns the
  // object into a slow dictionary).
  const terminal = isTerminalStatus(fields.status)
  const props: Record<string, unknown> = { terminal, counts: {} }
  const record = fields as Record<string, unknown>
  for (const key in record) {
    const value = record[key]
    if (value === undefined || value === null || !Object.hasOwn(record, key)) continue
    switch (key) {
      case "counts":
        props.counts = dropUndefined(value as Record<string, unknown>)
        break
      case "errors":
        if ((value as ReadonlyArray<FailureReason>).length > 0) props.errors = value
        break
      case "queued":
        if (value === true) props.queued = true
        break
      case "partial":
        if (value === true && terminal) props.partial = true
        break
      default:
        props[key] = value
    }
  }
  return new Batch(props as ConstructorParameters<typeof Batch>[0], true)
}

const dropUndefined = (record: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key in record) {
    const value = record[key]
    if (value !== undefined && value !== null && Object.hasOwn(record, key)) out[key] = value
  }
  return out
}

/**
 * One page of `list`. `nextCursor` is what the caller passes as `after` to get the next page.
 *
 * @since 0.1.0
 * @category models
 */
export class Page extends Schema.Class<Page>("@batchctl/core/Page")({
  batches: Schema.Array(Batch),
  hasMore: Schema.Boolean,
  nextCursor: Schema.optional(Schema.String)
}) {}

/**
 * A page from a vendor's `has_more` and, when it sends one, its `last_id`; the cursor falls back to the
 * last id of the page.
 *
 * @since 0.1.0
 * @category constructors
 */
export const pageOf = (batches: ReadonlyArray<Batch>, hasMore: boolean, lastId?: string | null): Page => {
  const nextCursor = hasMore ? (lastId ?? batches.at(-1)?.id) : undefined
  return new Page({ batches, hasMore, ...(nextCursor === undefined ? {} : { nextCursor }) }, true)
}

/**
 * Options of `list`: only the parameters named here are sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListOptions {
  readonly limit?: number | undefined
  readonly after?: string | undefined
  /**
   * Page backward, from the batches created just before this id (Anthropic's `before_id`); adapters whose
   * vendor cannot page backward fail with `Unsupported`. With `before`, a page's `nextCursor` is where to
   * continue backward, passed as `after` (as `listAll` does) or as `before`.
   *
   * @since 0.1.0
   */
  readonly before?: string | undefined
}

/**
 * How one request of a batch ended.
 *
 * @since 0.1.0
 * @category models
 */
export const ResultOutcome = Schema.Literal("succeeded", "errored", "cancelled", "expired")

/**
 * @since 0.1.0
 * @category models
 */
export type ResultOutcome = typeof ResultOutcome.Type

/**
 * One result per request of the batch, read from results files (or inline results).
 *
 * @since 0.1.0
 * @category models
 */
export class ResultItem extends Schema.Class<ResultItem>("@batchctl/core/ResultItem")({
  customId: Schema.String,
  outcome: ResultOutcome,
  response: Schema.optional(Schema.Unknown),
  error: Schema.optional(Schema.Unknown)
}) {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeResult = (fields: {
  readonly customId: string
  readonly outcome: ResultOutcome
  readonly response?: unknown
  readonly error?: unknown
}): ResultItem => {
  // One object per item, not three: results come by the hundred thousand, and the class constructor
  // (validation off) would copy the fields twice more.
  const item: { -readonly [K in keyof ResultItem]: ResultItem[K] } = Object.create(ResultItem.prototype)
  item.customId = fields.customId
  item.outcome = fields.outcome
  if (fields.response !== undefined && fields.response !== null) item.response = fields.response
  if (fields.error !== undefined && fields.error !== null) item.error = fields.error
  return item as ResultItem
}
