/**
 * xAI's batch API (`vendors-more.md` §5): an empty named batch is created, then requests are added to it
 * (`POST /batches/{id}/requests`); the batch has **no status field** (clients derive it from `cancel_time`,
 * `state.num_pending` and `expire_time`); cancel is `POST /batches/{id}:cancel` and is accepted even for a
 * batch whose requests are all done (200, `cancel_time` set); results are paged JSON
 * (`/batches/{id}/results?limit&pagination_token`), readable while the batch runs; lists page with
 * `pagination_token`; a bad key answers **400**; errors are `{code, error}`.
 *
 * Assumed where the documents are silent (UNVERIFIED in vendors-more.md): timestamps as RFC 3339 (the
 * reference shows dates only); a cancel drains `num_pending` at once into `num_cancelled`; a second cancel
 * answers 200 again; the 404 and 429 bodies (`not-found`, `resource-exhausted`); list order (newest first)
 * and page sizes; the request-id header. The status names `createBatch` takes (`queued`, `in_progress`,
 * `done`, `expired`, `cancelled`) are the emulator's own.
 *
 * @since 0.2.0
 */
import { chatCompletion, type Phase, rfc3339, type VendorProfile } from "../Profile.js"

const statuses: Readonly<Record<Phase, string>> = {
  validating: "queued",
  in_progress: "in_progress",
  finalizing: "in_progress",
  completed: "done",
  failed: "failed",
  expired: "expired",
  cancelling: "cancelled",
  cancelled: "cancelled"
}

const ADD_MAX = 25_000_000

const grpc = (e: { readonly kind: string; readonly status: number }): string => {
  if (e.kind === "missing_key" || e.kind === "wrong_key") return "invalid-argument"
  if (e.status === 404) return "not-found"
  if (e.status === 429) return "resource-exhausted"
  if (e.status === 409) return "failed-precondition"
  if (e.status === 503 || e.status === 529) return "unavailable"
  if (e.status === 504) return "deadline-exceeded"
  if (e.status >= 500) return "internal"
  return "invalid-argument"
}

/**
 * @since 0.2.0
 * @category profiles
 */
export const xai: VendorProfile = {
  name: "xai",
  basePath: "/xai/v1",
  routes: [
    { method: "POST", path: "/batches", route: "create" },
    { method: "GET", path: "/batches", route: "list" },
    { method: "GET", path: "/batches/{id}", route: "retrieve" },
    { method: "POST", path: "/batches/{id}:cancel", route: "cancel" },
    { method: "POST", path: "/batches/{id}/requests", route: "add-requests" },
    { method: "GET", path: "/batches/{id}/results", route: "results" }
  ],
  auth: { bearer: true, status: 400 },
  ids: {
    batch: (g) => `batch_${g.uuid()}`,
    file: (g) => `file_${g.uuid()}`,
    request: (g) => g.uuid()
  },
  requestIdHeader: "x-request-id",
  statuses,
  defaultModel: "grok-4",
  render: {
    batch: (b) => {
      const cancelled = b.phase === "cancelled" || b.phase === "cancelling"
      const unrun = b.total - b.done
      return {
        batch_id: b.id,
        name: b.name ?? "",
        create_time: rfc3339(b.createdAt),
        expire_time: rfc3339(b.expiresAt),
        create_api_key_id: "00000000-0000-4000-8000-000000000000",
        cancel_time: rfc3339(b.cancelRequestedAt),
        cancel_by_xai_message: null,
        state: {
          num_requests: b.total,
          num_pending: cancelled ? 0 : unrun,
          num_success: b.succeeded,
          num_error: b.failed,
          num_cancelled: cancelled ? unrun : 0
        }
      }
    }
  },
  list: {
    paging: { style: "token", tokenParam: "pagination_token", sizeParam: "limit", defaultSize: 100, maxSize: 1000 },
    // the reference omits pagination_token on the last page
    page: (p) => ({ batches: p.data, ...(p.next === null ? {} : { pagination_token: p.next }) })
  },
  cancel: { interim: false, terminal: "accept" },
  errors: {
    body: (e) => ({ code: grpc(e), error: e.message }),
    messages: {
      missingKey: "No API key provided. You can obtain an API key from https://console.x.ai.",
      wrongKey: "Incorrect API key provided. You can obtain an API key from https://console.x.ai.",
      notFound: (what, id) => (what === "route" ? `No handler found for ${id}` : `Batch ${id} not found`),
      refused: (id) => `Batch ${id} cannot be cancelled.`,
      rateLimited: "Too many requests: the rate limit of your team was exceeded.",
      server: () => "Internal server error",
      tooLarge: (limit) => `Request body exceeds ${limit} bytes.`
    }
  },
  results: {
    paged: {
      item: (b, r) => ({
        batch_request_id: r.customId,
        batch_result:
          r.outcome === "succeeded"
            ? { response: { chat_get_completion: chatCompletion(b, r) } }
            : { error: "The request was rejected by the emulator (its batch_request_id asks it to fail)." }
      }),
      page: (items, next) => ({ results: items, pagination_token: next }),
      tokenParam: "pagination_token",
      sizeParam: "limit",
      defaultSize: 100,
      maxSize: 1000
    }
  },
  create: {
    // `name` is required [DOC]
    parse: (body) =>
      typeof body.name === "string" && body.name !== ""
        ? { source: { kind: "empty" }, name: body.name, endpoint: "/v1/chat/completions" }
        : "name: field is required",
    addRequests: (body) => {
      if (!Array.isArray(body.batch_requests)) return "batch_requests: field is required"
      // ≤25 MB per add call [DOC]
      if (JSON.stringify(body.batch_requests).length > ADD_MAX)
        return `The request body exceeds ${ADD_MAX} bytes: add the requests in several calls.`
      return body.batch_requests
    },
    line: {
      customId: (l) => l.batch_request_id,
      body: (l) => {
        const r = l.batch_request
        return typeof r === "object" && r !== null ? (r as Record<string, unknown>).chat_get_completion : undefined
      }
    },
    validation: "create",
    // ≤25 MB per add call [DOC]
    limits: { maxBytes: 25 * 1024 * 1024 }
  },
  rateLimit: { headers: () => ({}) },
  seed: { fromFile: false, metadata: null }
}
