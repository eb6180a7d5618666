/**
 * MeshAPI (`vendors.md` §6): inline creates, one model per batch, 429 `batch_limit_exceeded` past 10
 * unfinished batches, results inline once terminal, `{object, data, has_more}` pages, 422
 * `validation_error`, `{error:{code,message,retry_after_seconds?},request_id}` errors.
 *
 * @since 0.2.0
 */
import { chatCompletion, openAiCounts, openAiStatuses, unix, type VendorProfile } from "../Profile.js"

const code = (e: { readonly kind: string; readonly status: number }): string => {
  if (e.kind === "batch_limit") return "batch_limit_exceeded"
  if (e.status === 401) return "unauthorized"
  if (e.status === 404) return "not_found"
  if (e.status === 409) return "conflict"
  if (e.status === 413) return "payload_too_large"
  if (e.status === 422) return "validation_error"
  if (e.status === 429) return "rate_limit_exceeded"
  if (e.status >= 500) return "upstream_error"
  return "invalid_request"
}

/**
 * @since 0.2.0
 * @category profiles
 */
export const meshapi: VendorProfile = {
  name: "meshapi",
  basePath: "/meshapi/v1",
  routes: [
    { method: "POST", path: "/batches", route: "create" },
    { method: "GET", path: "/batches", route: "list" },
    { method: "GET", path: "/batches/{id}", route: "retrieve" },
    { method: "POST", path: "/batches/{id}/cancel", route: "cancel" }
  ],
  auth: { bearer: true },
  ids: {
    // the real id format is UNVERIFIED
    batch: (g) => g.alnum(24, "batch_"),
    file: (g) => g.alnum(22, "file-"),
    request: (g, now) => `req_${g.ulid(now)}`
  },
  requestIdHeader: "x-request-id",
  statuses: openAiStatuses,
  defaultModel: "openai/gpt-5-nano",
  render: {
    batch: (b) => {
      const terminal = b.endedAt !== null
      const results: Array<unknown> = []
      if (terminal) {
        for (const r of b.results()) {
          if (r.outcome === "succeeded")
            results.push({
              custom_id: r.customId,
              response: { status_code: 200, body: chatCompletion(b, r) },
              error: null
            })
          else if (r.outcome === "errored") {
            const error = { code: "invalid_request", message: "The request was rejected by the emulator." }
            results.push({ custom_id: r.customId, response: { status_code: 400, body: { error } }, error })
          }
        }
      }
      return {
        id: b.id,
        object: "batch",
        endpoint: b.endpoint,
        input_file_id: b.inputFileId,
        output_file_id: b.outputFileId,
        error_file_id: b.errorFileId,
        status: b.status,
        model: b.model,
        provider: b.model.split("/")[0] ?? "openai",
        completion_window: b.completionWindow,
        created_at: unix(b.createdAt),
        completed_at: unix(b.completedAt),
        expires_at: unix(b.expiresAt),
        usage_synced: terminal,
        request_counts: openAiCounts(b),
        metadata: b.metadata,
        ...(terminal ? { results } : {})
      }
    }
  },
  list: {
    paging: { style: "after", afterParam: "after", limitParam: "limit", defaultLimit: 20, maxLimit: 100 },
    page: (p) => ({ object: "list", data: p.data, has_more: p.hasMore })
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    status: (e) => (e.kind === "invalid" ? 422 : undefined),
    body: (e) => ({
      error: {
        code: code(e),
        message: e.message,
        ...(e.status === 429 && e.retryAfter !== undefined ? { retry_after_seconds: e.retryAfter } : {})
      },
      request_id: e.requestId
    }),
    messages: {
      missingKey: "Invalid or missing API key.",
      wrongKey: "Invalid or missing API key.",
      notFound: (what, id) =>
        what === "route"
          ? `Unknown request URL: ${id}`
          : what === "file"
            ? `File ${id} not found`
            : `Batch '${id}' not found.`,
      refused: (id, status) => `Batch ${id} is already ${status} and cannot be cancelled.`,
      rateLimited: "Rate limit exceeded.",
      server: (status) => (status === 529 ? "Overloaded" : "Internal server error"),
      tooLarge: (limit) => `The request body exceeds ${limit} bytes.`
    }
  },
  results: {},
  create: {
    parse: (body) => {
      const requests = body.requests
      if (!Array.isArray(requests)) return "requests: Field required (a non-empty array)"
      const window = body.completion_window
      const metadata = body.metadata
      return {
        source: { kind: "inline", lines: requests },
        window: typeof window === "string" ? window : undefined,
        metadata:
          typeof metadata === "object" && metadata !== null && !Array.isArray(metadata)
            ? Object.fromEntries(
                Object.entries(metadata).filter((e): e is [string, string] => typeof e[1] === "string")
              )
            : null
      }
    },
    line: { customId: (l) => l.custom_id, body: (l) => l.body },
    validation: "create",
    // "All requests must target the same model" [DOC]; 10 unfinished batches per owner [DOC]
    limits: { sameModel: true, activeBatches: 10 }
  },
  seed: { fromFile: false, metadata: null }
}
