/**
 * Moonshot / Kimi (`vendors.md` §3): OpenAI-shaped without `errors`, `expired_at`, `model` or `usage`;
 * windows from 12h to 7d; only `/v1/chat/completions`; one model per batch; `{object, data, has_more}` pages;
 * `{error:{message,type}}` errors. No rate-limit headers are documented.
 *
 * @since 0.2.0
 */
import {
  openAiCounts,
  openAiFile,
  openAiLine,
  openAiLineSpec,
  openAiRoutes,
  openAiStatuses,
  parseOpenAiCreate,
  unix,
  type VendorProfile
} from "../Profile.js"

const hours = (w: string): number | undefined => {
  const m = /^(\d+)([hd])$/.exec(w)
  return m === null ? undefined : Number(m[1]) * (m[2] === "d" ? 24 : 1)
}

/**
 * @since 0.2.0
 * @category profiles
 */
export const moonshot: VendorProfile = {
  name: "moonshot",
  basePath: "/moonshot/v1",
  routes: openAiRoutes(),
  auth: { bearer: true },
  ids: {
    // the id format is not documented [UNVERIFIED]
    batch: (g) => g.alnum(20, "batch_").toLowerCase(),
    file: (g) => g.alnum(22, "file-"),
    request: (g) => `req_${g.hex(32)}`
  },
  requestIdHeader: "x-request-id",
  statuses: openAiStatuses,
  defaultModel: "kimi-k2.5",
  render: {
    batch: (b) => ({
      id: b.id,
      object: "batch",
      endpoint: b.endpoint,
      input_file_id: b.inputFileId,
      completion_window: b.completionWindow,
      status: b.status,
      output_file_id: b.outputFileId,
      error_file_id: b.errorFileId,
      created_at: unix(b.createdAt),
      in_progress_at: unix(b.inProgressAt),
      expires_at: unix(b.expiresAt),
      finalizing_at: unix(b.finalizingAt),
      completed_at: unix(b.completedAt),
      failed_at: unix(b.failedAt),
      cancelling_at: unix(b.cancellingAt),
      cancelled_at: unix(b.cancelledAt),
      request_counts: openAiCounts(b),
      metadata: b.metadata
    })
  },
  list: {
    paging: { style: "after", afterParam: "after", limitParam: "limit", defaultLimit: 20, maxLimit: 100 },
    page: (p) => ({ object: "list", data: p.data, has_more: p.hasMore })
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    // the body of a refused cancel is UNVERIFIED: 400 invalid_request_error, like the other refusals
    status: (e) => (e.kind === "refused" ? 400 : undefined),
    body: (e) => ({
      error: {
        message: e.message,
        type:
          e.kind === "missing_key"
            ? "invalid_authentication_error"
            : e.kind === "wrong_key"
              ? "incorrect_api_key_error"
              : e.status === 404
                ? "resource_not_found_error"
                : e.status === 429
                  ? "rate_limit_reached_error"
                  : e.status >= 500
                    ? "server_error"
                    : "invalid_request_error"
      }
    }),
    messages: {
      missingKey: "Invalid Authentication",
      wrongKey: "Incorrect API key provided",
      notFound: (what, id) =>
        what === "route"
          ? `Unknown request URL: ${id}`
          : what === "file"
            ? `File ${id} not found`
            : `batch ${id} not found`,
      refused: (id, status) =>
        `Batch ${id} has status ${status}; only tasks in validating, in_progress, or finalizing status can be cancelled.`,
      rateLimited: "The engine is currently overloaded, please try again later",
      server: (status) => (status === 529 ? "Overloaded" : "Internal server error"),
      tooLarge: (limit) => `File size exceeds the limit of ${limit} bytes`
    }
  },
  results: { files: { error: true, purpose: "batch_output" }, line: openAiLine },
  create: {
    parse: parseOpenAiCreate,
    line: openAiLineSpec,
    validation: "deferred",
    limits: {
      maxBytes: 100 * 1024 * 1024,
      windows: (w) => {
        const h = hours(w)
        return h !== undefined && h >= 12 && h <= 168
      },
      windowMessage: (w) => `Invalid completion_window '${w}': it must be between 12h and 7d.`,
      endpoints: ["/v1/chat/completions"],
      sameModel: true
    }
  },
  files: { render: openAiFile },
  seed: { fromFile: true, metadata: null }
}
