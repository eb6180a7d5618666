/**
 * Mistral AI batch jobs (`vendors-more.md` §1): `/v1/batch/jobs`, bare-UUID ids, UPPER-CASE statuses
 * (QUEUED, RUNNING, SUCCESS, FAILED, TIMEOUT_EXCEEDED, CANCELLATION_REQUESTED, CANCELLED), `*_requests`
 * counters that are all zero while QUEUED, `output_file` / `error_file` (or `outputs` for inline jobs),
 * page-number listing with `total`, `timeout_hours` instead of a completion window.
 *
 * Assumed where the vendor's documents are silent (UNVERIFIED in vendors-more.md): the answer to cancelling
 * an ended job (400 `{"object":"error",…}`), the 404 body, the error-file line shape, the request-id header,
 * the maximum `page_size`, and that a cancel answers `CANCELLATION_REQUESTED` first.
 *
 * @since 0.2.0
 */
import {
  chatCompletion,
  derivedHex,
  metadataOf,
  type Phase,
  type RequestResult,
  str,
  unix,
  type VendorProfile
} from "../Profile.js"

const statuses: Readonly<Record<Phase, string>> = {
  validating: "QUEUED",
  in_progress: "RUNNING",
  finalizing: "RUNNING",
  completed: "SUCCESS",
  failed: "FAILED",
  expired: "TIMEOUT_EXCEEDED",
  cancelling: "CANCELLATION_REQUESTED",
  cancelled: "CANCELLED"
}

const endpoints = [
  "/v1/chat/completions",
  "/v1/embeddings",
  "/v1/fim/completions",
  "/v1/moderations",
  "/v1/chat/moderations",
  "/v1/ocr",
  "/v1/classifications",
  "/v1/chat/classifications",
  "/v1/conversations",
  "/v1/audio/transcriptions"
]

// a recorded line: {"id":"0-<uuid>","custom_id":"0","response":{"status_code":200,"body":{…}},"error":null}; no request_id
const resultLine = (
  b: { readonly id: string; readonly model: string; readonly endpoint: string } & Parameters<typeof chatCompletion>[0],
  r: RequestResult
) => {
  const h = derivedHex(b.id, r.index, 32)
  const id = `0-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
  switch (r.outcome) {
    case "succeeded":
      return { id, custom_id: r.customId, response: { status_code: 200, body: chatCompletion(b, r) }, error: null }
    case "errored":
      return {
        id,
        custom_id: r.customId,
        response: {
          status_code: 400,
          body: {
            object: "error",
            message: "The request was rejected by the emulator.",
            type: "invalid_request_error",
            param: null,
            code: null
          }
        },
        error: null
      }
    default:
      // the error-file line shape is UNVERIFIED: the same envelope with response null and an error
      return {
        id,
        custom_id: r.customId,
        response: null,
        error: { message: r.outcome === "expired" ? "Timeout exceeded" : "Cancelled", code: r.outcome }
      }
  }
}

/**
 * @since 0.2.0
 * @category profiles
 */
export const mistral: VendorProfile = {
  name: "mistral",
  basePath: "/mistral/v1",
  routes: [
    { method: "POST", path: "/batch/jobs", route: "create" },
    { method: "GET", path: "/batch/jobs", route: "list" },
    { method: "GET", path: "/batch/jobs/{id}", route: "retrieve" },
    { method: "DELETE", path: "/batch/jobs/{id}", route: "delete" },
    { method: "POST", path: "/batch/jobs/{id}/cancel", route: "cancel" },
    { method: "POST", path: "/files", route: "upload" },
    { method: "GET", path: "/files", route: "files" },
    { method: "GET", path: "/files/{id}", route: "file" },
    { method: "DELETE", path: "/files/{id}", route: "delete-file" },
    { method: "GET", path: "/files/{id}/content", route: "content" }
  ],
  auth: { bearer: true },
  ids: {
    batch: (g) => g.uuid(),
    file: (g) => g.uuid(),
    request: (g) => g.hex(32)
  },
  requestIdHeader: "x-request-id",
  statuses,
  defaultModel: "mistral-small-latest",
  render: {
    batch: (b) => {
      const queued = b.phase === "validating" || (b.phase === "failed" && b.done === 0)
      const outputs: Array<unknown> = []
      if (b.inline && b.endedAt !== null) for (const r of b.results()) outputs.push(resultLine(b, r))
      return {
        id: b.id,
        object: "batch",
        input_files: b.inputFileId === null ? [] : [b.inputFileId],
        metadata: b.metadata,
        endpoint: b.endpoint,
        model: b.model,
        agent_id: null,
        output_file: b.outputFileId,
        error_file: b.errorFileId,
        errors: (b.phase === "failed" ? (b.errors ?? [{ line: null, message: "The batch failed." }]) : []).map((e) => ({
          message: e.line === null ? e.message : `line ${e.line}: ${e.message}`,
          count: 1
        })),
        outputs: b.inline && b.endedAt !== null ? outputs : null,
        status: b.status,
        created_at: unix(b.createdAt),
        // all four are zero while QUEUED, even the total: the file has not been read yet [REC]
        total_requests: queued ? 0 : b.total,
        completed_requests: queued ? 0 : b.done,
        succeeded_requests: queued ? 0 : b.succeeded,
        failed_requests: queued ? 0 : b.failed,
        started_at: unix(b.inProgressAt),
        completed_at: unix(b.endedAt)
      }
    },
    deleted: (b) => ({ id: b.id, object: "batch", deleted: true }),
    deleteWhileRunning: true
  },
  list: {
    paging: { style: "page", pageParam: "page", sizeParam: "page_size", firstPage: 0, defaultSize: 100, maxSize: 1000 },
    page: (p) => ({ object: "list", data: p.data, total: p.total })
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    status: (e) => (e.kind === "refused" ? 400 : e.kind === "invalid" && e.param !== undefined ? 422 : undefined),
    body: (e) => {
      if (e.kind === "missing_key" || e.kind === "wrong_key")
        return { message: "Unauthorized", request_id: e.requestId }
      if (e.status === 429) return { message: "Requests rate limit exceeded" }
      if (e.kind === "invalid" && e.param !== undefined) {
        // FastAPI's validation error, as recorded on other routes
        return { detail: [{ type: "value_error", loc: ["body", ...e.param.split(".")], msg: e.message, input: null }] }
      }
      return {
        object: "error",
        message: e.message,
        type: e.status === 404 ? "not_found_error" : e.status >= 500 ? "server_error" : "invalid_request_error",
        param: null,
        code: null
      }
    },
    messages: {
      missingKey: "Unauthorized",
      wrongKey: "Unauthorized",
      notFound: (what, id) =>
        what === "route" ? "Not Found" : what === "file" ? `File ${id} not found` : `Batch job ${id} not found`,
      refused: (id, status) => `Batch job ${id} is ${status} and cannot be cancelled.`,
      rateLimited: "Requests rate limit exceeded",
      server: (status) => (status === 529 ? "Overloaded" : "Internal server error"),
      tooLarge: (limit) => `File size exceeds the limit of ${limit} bytes.`
    }
  },
  results: {
    files: { error: true, purpose: "batch_result", filesOnlyFromFile: true },
    line: (b, r) => JSON.stringify(resultLine(b, r))
  },
  create: {
    parse: (body) => {
      const endpoint = body.endpoint
      if (typeof endpoint !== "string") return "Field required: endpoint"
      const hours = body.timeout_hours ?? 24
      if (typeof hours !== "number" || !Number.isInteger(hours)) return "timeout_hours must be an integer"
      // metadata keys of 1-32 characters, values of at most 512 [DOC]
      const meta = body.metadata
      if (typeof meta === "object" && meta !== null && !Array.isArray(meta)) {
        for (const [key, value] of Object.entries(meta)) {
          if (key.length < 1 || key.length > 32) return `metadata: keys must be 1 to 32 characters (got '${key}')`
          if (typeof value === "string" && value.length > 512)
            return `metadata.${key}: values must be at most 512 characters`
        }
      }
      const common = { endpoint, window: `${hours}h`, model: str(body.model), metadata: metadataOf(body.metadata) }
      const files = body.input_files
      if (Array.isArray(files) && files.length > 0) {
        // one input file per job here; Mistral takes several (the emulator reads the first)
        const first = files[0]
        if (typeof first !== "string") return "input_files must be a list of file ids"
        return { ...common, source: { kind: "file", fileId: first } }
      }
      const requests = body.requests
      if (Array.isArray(requests)) {
        // inline jobs take at most 10,000 requests [DOC]
        if (requests.length > 10_000) return "requests: at most 10000 items"
        return { ...common, source: { kind: "inline", lines: requests } }
      }
      return "Either input_files or requests is required"
    },
    line: { customId: (l) => l.custom_id, body: (l) => l.body },
    validation: "deferred",
    limits: {
      // "should be lower than 7 days" [DOC]
      windows: (w) => {
        const h = Number(w.slice(0, -1))
        return Number.isInteger(h) && h >= 1 && h < 168
      },
      windowMessage: () => "timeout_hours must be between 1 and 167",
      endpoints
    }
  },
  files: {
    render: (f) => ({
      id: f.id,
      object: "file",
      bytes: f.bytes,
      created_at: unix(f.createdAt),
      filename: f.filename,
      purpose: f.purpose,
      sample_type: f.kind === "input" ? "batch_request" : "batch_result",
      num_lines: f.kind === "input" ? f.lines : null,
      source: f.kind === "input" ? "upload" : "mistral"
    }),
    list: (data) => ({ data, object: "list", total: data.length }),
    deleted: (f) => ({ id: f.id, object: "file", deleted: true })
  },
  rateLimit: {
    headers: (s) => ({
      "x-ratelimit-limit-req-minute": String(s.limit),
      "x-ratelimit-remaining-req-minute": String(s.remaining)
    })
  },
  seed: { fromFile: true, metadata: null }
}
