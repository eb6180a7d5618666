/**
 * The scenarios every built-in provider covers, or skips with a reason in `expectations.json`.
 * This list is the coverage contract of the repository's own fixtures.
 */
export const required: ReadonlyArray<string> = [
  "cancel.validating",
  "cancel.in-progress",
  "cancel.already-cancelling",
  "cancel.completed",
  "cancel.failed",
  "cancel.expired",
  "cancel.cancelled",
  "cancel.unauthorized",
  "cancel.forbidden",
  "cancel.not-found",
  "cancel.rate-limited-then-ok",
  "cancel.rate-limited-exhausted",
  "cancel.quota-exceeded",
  "cancel.server-error-then-ok",
  "cancel.server-error-exhausted",
  "cancel.html-error-page",
  "retrieve.unknown-status",
  "retrieve.validating",
  "retrieve.in-progress",
  "retrieve.finalizing",
  "retrieve.cancelling",
  "retrieve.cancelled",
  "retrieve.completed",
  "retrieve.failed",
  "retrieve.expired",
  "retrieve.not-found",
  "retrieve.malformed-body",
  "retrieve.empty-body",
  "list.first-page",
  "list.next-page",
  "results.completed",
  "results.cancelled"
]
