/**
 * The scenarios every provider covers, or skips with a reason in `expectations.json`. This list is the
 * coverage contract: the repository's own fixtures are held to it, and `--coverage` holds anyone's.
 */
import type { Operation } from "./Fixture.js"

/** A case every provider must cover: an operation in a situation, what the adapter must do, and what to expect. */
export interface Scenario {
  /** `<operation>.<scenario>`, as in the fixture file name. */
  readonly key: string
  readonly operation: Operation
  readonly scenario: string
  /** What the case is about, and what the adapter must do. */
  readonly description: string
  /** What the fixture's `expect` should say, roughly. */
  readonly expect: string
}

const s = (key: string, description: string, expect: string): Scenario => {
  const [operation, ...rest] = key.split(".")
  return { key, operation: operation as Operation, scenario: rest.join("."), description, expect }
}

/** Every scenario, in the order the matrix shows them. */
export const all: ReadonlyArray<Scenario> = [
  s(
    "cancel.validating",
    "cancel of a batch still validating: the vendor accepts it",
    "batch: status cancelling (or cancelled)"
  ),
  s(
    "cancel.in-progress",
    "cancel of a running batch: the vendor accepts it",
    "batch: status cancelling (or cancelled)"
  ),
  s(
    "cancel.already-cancelling",
    "cancel of a batch already cancelling: the refusal, then one retrieve; the cancel succeeds",
    "batch: status cancelling"
  ),
  s(
    "cancel.completed",
    "cancel of a completed batch: the refusal, then one retrieve",
    "error: InvalidBatchState, vendorStatus"
  ),
  s("cancel.failed", "cancel of a failed batch: the refusal, then one retrieve", "error: InvalidBatchState"),
  s("cancel.expired", "cancel of an expired batch: the refusal, then one retrieve", "error: InvalidBatchState"),
  s(
    "cancel.cancelled",
    "cancel of a cancelled batch: the refusal, then one retrieve; idempotent, so it succeeds",
    "batch: status cancelled"
  ),
  s("cancel.unauthorized", "401 on cancel; not retried", "error: Unauthorized, httpStatus 401"),
  s("cancel.forbidden", "403 on cancel", "error: PermissionDenied, httpStatus 403"),
  s("cancel.not-found", "404 on cancel", "error: BatchNotFound with the batch id"),
  s("cancel.rate-limited-then-ok", "429 then 200: retried", "batch"),
  s(
    "cancel.rate-limited-exhausted",
    "429 on every one of the 3 attempts",
    "error: RateLimited, retryAfterMs when the vendor sent one"
  ),
  s(
    "cancel.quota-exceeded",
    "a quota or spend-cap refusal (402, or a 429 that says so); not retried",
    "error: QuotaExceeded"
  ),
  s("cancel.server-error-then-ok", "5xx then 200: retried", "batch"),
  s(
    "cancel.server-error-exhausted",
    "5xx on every one of the 3 attempts",
    "error: ProviderUnavailable with the last status"
  ),
  s("cancel.html-error-page", "an HTML page instead of JSON", "error: UnexpectedResponse"),
  s("retrieve.unknown-status", "a status word the adapter does not know", "batch: status unknown, vendorStatus kept"),
  s("retrieve.validating", "retrieve of a validating batch", "batch: status validating"),
  s("retrieve.in-progress", "retrieve of a running batch", "batch: status in_progress, counts"),
  s("retrieve.finalizing", "retrieve of a finalizing batch", "batch: status finalizing"),
  s("retrieve.cancelling", "retrieve of a cancelling batch", "batch: status cancelling"),
  s("retrieve.cancelled", "retrieve of a cancelled batch", "batch: status cancelled, terminal"),
  s("retrieve.completed", "retrieve of a completed batch", "batch: status completed, terminal, endedAt"),
  s("retrieve.failed", "retrieve of a failed batch", "batch: status failed, terminal"),
  s("retrieve.expired", "retrieve of an expired batch", "batch: status expired, terminal"),
  s("retrieve.not-found", "404 on retrieve", "error: BatchNotFound"),
  s("retrieve.malformed-body", "a 200 whose JSON is cut off", "error: UnexpectedResponse"),
  s("retrieve.empty-body", "a 200 with an empty body", "error: UnexpectedResponse"),
  s("list.first-page", "the first page of a list with more to come", "page: hasMore true, nextCursor"),
  s("list.next-page", "the next page, asked for with the cursor", "page: hasMore false"),
  s(
    "results.completed",
    "results of a completed batch: one retrieve, then the results",
    "results: customId and outcome of each request"
  ),
  s("results.cancelled", "partial results of a cancelled batch", "results: succeeded ones and cancelled ones")
]

/** The scenario keys every provider must cover (a fixture, or a skip with a reason). */
export const required: ReadonlyArray<string> = all.map((x) => x.key)

/** The list `--scenarios` prints. */
export const render = (): string => {
  const width = Math.max(...all.map((x) => x.key.length))
  return all.map((x) => `${x.key.padEnd(width)}  ${x.description} → ${x.expect}`).join("\n")
}
