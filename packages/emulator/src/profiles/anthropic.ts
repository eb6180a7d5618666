/**
 * Anthropic's Message Batches (`vendors.md` §1): inline requests, `msgbatch_01…` ids, RFC 3339 timestamps
 * with `+00:00`, `in_progress` / `canceling` / `ended`, counts that stay `processing` until the whole batch
 * ends, `after_id` / `before_id` paging, results streamed from `results_url`.
 *
 * @since 0.2.0
 */
import { derivedHex, type ErrorInput, type Phase, type RequestResult, rfc3339, type VendorProfile } from "../Profile.js"

const errorType = (e: ErrorInput & { readonly status: number }): string => {
  if (e.kind === "missing_key" || e.kind === "wrong_key") return "authentication_error"
  if (e.kind === "too_large") return "request_too_large"
  if (e.status === 404) return "not_found_error"
  if (e.status === 429) return "rate_limit_error"
  if (e.status === 529) return "overloaded_error"
  if (e.status === 504) return "timeout_error"
  if (e.status >= 500) return "api_error"
  return "invalid_request_error"
}

const line = (b: { readonly id: string; readonly model: string }, r: RequestResult): string => {
  switch (r.outcome) {
    case "canceled":
    case "expired":
      return JSON.stringify({ custom_id: r.customId, result: { type: r.outcome } })
    case "errored":
      return JSON.stringify({
        custom_id: r.customId,
        result: {
          type: "errored",
          error: {
            type: "error",
            error: {
              type: "invalid_request_error",
              message: "The request was rejected by the emulator (its custom_id asks it to fail)."
            },
            request_id: null
          }
        }
      })
    case "succeeded":
      return JSON.stringify({
        custom_id: r.customId,
        result: {
          type: "succeeded",
          message: {
            id: `msg_01${derivedHex(b.id, r.index, 22)}`,
            type: "message",
            role: "assistant",
            model: b.model,
            content: [{ type: "text", text: r.text }],
            stop_reason: "end_turn",
            stop_sequence: null,
            usage: {
              input_tokens: 12,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
              output_tokens: 9,
              service_tier: "batch"
            }
          }
        }
      })
  }
}

const statuses: Readonly<Record<Phase, string>> = {
  validating: "in_progress",
  in_progress: "in_progress",
  finalizing: "in_progress",
  completed: "ended",
  failed: "ended",
  expired: "ended",
  cancelling: "canceling",
  cancelled: "ended"
}

/**
 * @since 0.2.0
 * @category profiles
 */
export const anthropic: VendorProfile = {
  name: "anthropic",
  basePath: "/anthropic",
  routes: [
    { method: "POST", path: "/v1/messages/batches", route: "create" },
    { method: "GET", path: "/v1/messages/batches", route: "list" },
    { method: "GET", path: "/v1/messages/batches/{id}", route: "retrieve" },
    { method: "DELETE", path: "/v1/messages/batches/{id}", route: "delete" },
    { method: "POST", path: "/v1/messages/batches/{id}/cancel", route: "cancel" },
    { method: "GET", path: "/v1/messages/batches/{id}/results", route: "results" }
  ],
  auth: {
    bearer: true,
    headers: ["x-api-key"],
    required: [{ header: "anthropic-version", message: "anthropic-version: header is required" }]
  },
  ids: {
    batch: (g) => g.alnum(22, "msgbatch_01"),
    file: (g) => g.alnum(22, "file_"),
    request: (g) => `req_011C${g.alnum(20)}`
  },
  requestIdHeader: "request-id",
  statuses,
  parseStatus: (name) =>
    name === "in_progress"
      ? "in_progress"
      : name === "canceling"
        ? "cancelling"
        : name === "ended"
          ? "ended"
          : undefined,
  defaultModel: "claude-sonnet-4-5-20250929",
  render: {
    batch: (b, ctx) => {
      const ended = b.endedAt !== null
      const canceled = ended && (b.phase === "cancelled" || b.phase === "failed") ? b.total - b.done : 0
      const expired = ended && b.phase === "expired" ? b.total - b.done : 0
      return {
        id: b.id,
        type: "message_batch",
        processing_status: b.status,
        // "zero until processing of the entire Message Batch has ended": every request stays processing until then
        request_counts: ended
          ? { processing: 0, succeeded: b.succeeded, errored: b.failed, canceled, expired }
          : { processing: b.total, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
        ended_at: rfc3339(b.endedAt, "+00:00"),
        created_at: rfc3339(b.createdAt, "+00:00"),
        expires_at: rfc3339(b.expiresAt, "+00:00"),
        archived_at: null,
        cancel_initiated_at: rfc3339(b.cancellingAt, "+00:00"),
        results_url: ended ? `${ctx.baseUrl}/v1/messages/batches/${b.id}/results` : null
      }
    },
    deleted: (b) => ({ id: b.id, type: "message_batch_deleted" })
  },
  list: {
    paging: {
      style: "after",
      afterParam: "after_id",
      beforeParam: "before_id",
      limitParam: "limit",
      defaultLimit: 20,
      maxLimit: 1000
    },
    page: (p) => ({ data: p.data, has_more: p.hasMore, first_id: p.firstId, last_id: p.lastId })
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    status: (e) => (e.kind === "refused" ? 400 : undefined),
    body: (e) => ({ type: "error", error: { type: errorType(e), message: e.message }, request_id: e.requestId }),
    messages: {
      missingKey: "x-api-key header is required",
      wrongKey: "invalid x-api-key",
      notFound: () => "Not found",
      refused: (id) => `Batch ${id} has already ended and can no longer be canceled.`,
      rateLimited: "Number of requests has exceeded your rate limit. Please try again later.",
      server: (status) => (status === 529 ? "Overloaded" : "Internal server error"),
      tooLarge: (limit) => `Request exceeds the maximum allowed number of bytes (${limit}).`
    }
  },
  results: { route: { contentType: "application/binary" }, line },
  create: {
    parse: (body) => {
      const requests = body.requests
      if (!Array.isArray(requests)) return "requests: Field required (a non-empty array)"
      return { source: { kind: "inline", lines: requests } }
    },
    line: { customId: (l) => l.custom_id, body: (l) => l.params },
    validation: "create",
    limits: { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024, customId: /^[a-zA-Z0-9_-]{1,64}$/ }
  },
  rateLimit: {
    headers: (s) => ({
      "anthropic-ratelimit-requests-limit": String(s.limit),
      "anthropic-ratelimit-requests-remaining": String(s.remaining),
      "anthropic-ratelimit-requests-reset": new Date(s.resetAt).toISOString().replace(/\.\d{3}Z$/, "Z")
    })
  },
  seed: { fromFile: false, metadata: null }
}
