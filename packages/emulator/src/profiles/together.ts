/**
 * Together AI (`vendors.md` §4): uuid ids, RFC 3339 `Z` timestamps, UPPER-CASE statuses with `CANCELING`,
 * `progress` instead of counts, create answering 201 `{job}`, the list a bare array (`null` when empty),
 * `{error:"string"}` errors. No rate-limit headers are documented.
 *
 * @since 0.2.0
 */
import {
  openAiLine,
  openAiLineSpec,
  openAiRoutes,
  type Phase,
  rfc3339,
  str,
  unix,
  type VendorProfile
} from "../Profile.js"

const statuses: Readonly<Record<Phase, string>> = {
  validating: "VALIDATING",
  in_progress: "IN_PROGRESS",
  finalizing: "IN_PROGRESS",
  completed: "COMPLETED",
  failed: "FAILED",
  expired: "EXPIRED",
  cancelling: "CANCELING",
  cancelled: "CANCELLED"
}

/**
 * @since 0.2.0
 * @category profiles
 */
export const together: VendorProfile = {
  name: "together",
  basePath: "/together/v1",
  routes: openAiRoutes(),
  auth: { bearer: true },
  ids: {
    batch: (g) => g.uuid(),
    file: (g) => `file-${g.uuid()}`,
    request: (g) => g.uuid()
  },
  requestIdHeader: "x-request-id",
  statuses,
  defaultModel: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
  render: {
    batch: (b) => ({
      id: b.id,
      user_id: "user_emulator",
      input_file_id: b.inputFileId,
      file_size_bytes: b.inputBytes,
      status: b.status,
      // "a fraction of a second short of a whole hour" after created_at [TEST]
      job_deadline: rfc3339(b.expiresAt - 0.002),
      created_at: rfc3339(b.createdAt),
      endpoint: b.endpoint,
      progress: b.total === 0 ? 0 : Math.round((b.done / b.total) * 10000) / 100,
      model_id: b.model,
      output_file_id: b.outputFileId,
      error_file_id: b.errorFileId,
      error: b.phase === "failed" ? (b.errors?.[0]?.message ?? "input file validation failed") : null,
      completed_at: rfc3339(b.phase === "completed" ? b.completedAt : b.endedAt)
    })
  },
  list: {
    paging: { style: "none" },
    page: (p) => (p.data.length === 0 ? null : p.data)
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    // the message of a refused cancel is UNVERIFIED
    status: (e) => (e.kind === "refused" ? 400 : undefined),
    body: (e) => ({ error: e.message }),
    messages: {
      missingKey: "Unauthorized: no API key provided",
      wrongKey: "Invalid API key provided.",
      notFound: (what, id) =>
        what === "route"
          ? `Unknown request URL: ${id}`
          : what === "file"
            ? `File ${id} not found`
            : `batch job ${id} not found`,
      refused: (_id, status) => `Cannot cancel batch job with status ${status}`,
      rateLimited: "Rate limit exceeded",
      server: (status) => (status === 529 ? "Overloaded" : "Internal server error"),
      tooLarge: (limit) => `File size exceeds the maximum of ${limit} bytes`
    }
  },
  results: { files: { error: true, purpose: "batch-api" }, line: openAiLine },
  create: {
    parse: (body) => {
      const fileId = body.input_file_id
      if (typeof fileId !== "string") return "Missing required parameter: 'input_file_id'."
      const endpoint = body.endpoint
      if (typeof endpoint !== "string") return "Missing required parameter: 'endpoint'."
      // the window "defaults to 24h and cannot be changed" [DOC]; whether another value is refused or ignored is UNVERIFIED
      return { source: { kind: "file", fileId }, endpoint, window: "24h", model: str(body.model_id) }
    },
    line: openAiLineSpec,
    answer: (b, ctx) => ({ status: 201, body: { job: together.render.batch(b, ctx) } }),
    validation: "deferred",
    limits: {
      maxRequests: 50_000,
      maxBytes: 100 * 1024 * 1024,
      endpoints: ["/v1/chat/completions", "/v1/completions", "/v1/audio/transcriptions", "/v1/audio/translations"]
    }
  },
  files: {
    render: (f) => ({
      id: f.id,
      object: "file",
      created_at: unix(f.createdAt),
      filename: f.filename,
      bytes: f.bytes,
      purpose: f.purpose,
      FileType: "jsonl",
      Processed: true
    })
  },
  seed: { fromFile: true, metadata: null }
}
