/**
 * Google's Gemini API batch mode (`vendors-more.md` §2): every batch is a long-running Operation
 * (`{name:"batches/…", metadata:{…GenerateContentBatch}, done, response}`), `BATCH_STATE_*` states, counts
 * sent as strings with zero fields omitted, RFC 3339 timestamps with nanoseconds, create at
 * `models/{model}:batchGenerateContent`, cancel answering `{}` and going straight to cancelled, inline
 * responses (`inlinedResponses.inlinedResponses`) or one responses file (no error file), `pageToken` paging
 * under `operations`, Google's `{error:{code,message,status}}` envelope, `x-goog-api-key` (or `?key=`).
 *
 * Assumed where the documents are silent (UNVERIFIED in vendors-more.md): cancelling an ended batch answers
 * 400 FAILED_PRECONDITION (sources disagree: it may also answer `{}`); a cancelled Operation carries
 * `error:{code:1}`; the error line of a responses file; the default and maximum page size; a missing key
 * answers 403 PERMISSION_DENIED and a wrong one 400 INVALID_ARGUMENT; no rate-limit headers and no
 * `retry-after`; files upload as multipart/form-data at `/upload/v1beta/files` (the real API uses its
 * resumable protocol); the request-id header (`x-request-id`) is the emulator's.
 *
 * @since 0.2.0
 */
import {
  derivedHex,
  type ErrorInput,
  type Phase,
  type RequestResult,
  rfc3339,
  str,
  type VendorProfile
} from "../Profile.js"

const statuses: Readonly<Record<Phase, string>> = {
  validating: "BATCH_STATE_PENDING",
  in_progress: "BATCH_STATE_RUNNING",
  finalizing: "BATCH_STATE_RUNNING",
  completed: "BATCH_STATE_SUCCEEDED",
  failed: "BATCH_STATE_FAILED",
  expired: "BATCH_STATE_EXPIRED",
  cancelling: "BATCH_STATE_CANCELLED",
  cancelled: "BATCH_STATE_CANCELLED"
}

const googleStatus = (e: ErrorInput & { readonly status: number }): string => {
  if (e.kind === "refused") return "FAILED_PRECONDITION"
  switch (e.status) {
    case 401:
      return "UNAUTHENTICATED"
    case 403:
      return "PERMISSION_DENIED"
    case 404:
      return "NOT_FOUND"
    case 409:
      return "ABORTED"
    case 429:
      return "RESOURCE_EXHAUSTED"
    case 500:
      return "INTERNAL"
    case 503:
    case 529:
      return "UNAVAILABLE"
    case 504:
      return "DEADLINE_EXCEEDED"
    default:
      return e.status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT"
  }
}

const response = (b: { readonly id: string; readonly model: string }, r: RequestResult) => ({
  candidates: [{ content: { parts: [{ text: r.text }], role: "model" }, finishReason: "STOP", index: 0 }],
  usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 9, totalTokenCount: 21 },
  modelVersion: b.model,
  responseId: derivedHex(b.id, r.index, 24)
})

const errorOf = (r: RequestResult) =>
  r.outcome === "errored"
    ? {
        code: 400,
        message: "The request was rejected by the emulator (its key asks it to fail).",
        status: "INVALID_ARGUMENT"
      }
    : {
        code: 1,
        message:
          r.outcome === "expired"
            ? "The batch expired before this request ran."
            : "The batch was cancelled before this request ran.",
        status: "CANCELLED"
      }

/** proto3 JSON: int64 as strings, zero values left out. */
const int64 = (n: number): string | undefined => (n === 0 ? undefined : String(n))

const operation = (b: Parameters<NonNullable<VendorProfile["render"]["listItem"]>>[0], withResults: boolean) => {
  const ended = b.endedAt !== null
  const output =
    !ended || b.phase === "failed"
      ? undefined
      : b.inline
        ? withResults
          ? {
              inlinedResponses: {
                inlinedResponses: Array.from(b.results(), (r) =>
                  r.outcome === "succeeded"
                    ? { response: response(b, r), metadata: { key: r.customId } }
                    : { error: errorOf(r), metadata: { key: r.customId } }
                )
              }
            }
          : undefined
        : b.outputFileId === null
          ? undefined
          : { responsesFile: `files/${b.outputFileId}` }
  const pending = ended ? 0 : b.total - b.done
  const updated = Math.max(b.createdAt, b.inProgressAt ?? 0, b.endedAt ?? 0, b.cancellingAt ?? 0)
  const name = `batches/${b.id}`
  return {
    name,
    metadata: {
      "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
      model: `models/${b.model}`,
      displayName: b.name ?? undefined,
      ...(output === undefined ? {} : { output }),
      createTime: rfc3339(b.createdAt, "nanos"),
      ...(ended ? { endTime: rfc3339(b.endedAt, "nanos") } : {}),
      updateTime: rfc3339(updated, "nanos"),
      batchStats: {
        requestCount: int64(b.phase === "validating" ? b.total : b.total),
        successfulRequestCount: int64(b.succeeded),
        failedRequestCount: int64(b.failed),
        pendingRequestCount: int64(pending)
      },
      state: b.status,
      name
    },
    ...(ended ? { done: true } : {}),
    ...(b.phase === "cancelled" ? { error: { code: 1, message: "CANCELLED" } } : {}),
    ...(b.phase === "failed"
      ? {
          error: {
            code: 3,
            message:
              b.errors?.map((e) => (e.line === null ? e.message : `line ${e.line}: ${e.message}`)).join("; ") ??
              "The batch failed."
          }
        }
      : {}),
    ...(output !== undefined && b.phase !== "cancelled"
      ? {
          response: {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
            ...output
          }
        }
      : {})
  }
}

const INLINE_MAX = 20 * 1024 * 1024

const snakeOrCamel = (o: Readonly<Record<string, unknown>>, snake: string, camel: string): unknown =>
  o[snake] ?? o[camel]

/**
 * @since 0.2.0
 * @category profiles
 */
export const gemini: VendorProfile = {
  name: "gemini",
  basePath: "/gemini/v1beta",
  mount: "/gemini",
  routes: [
    { method: "POST", path: "/v1beta/models/{model}:batchGenerateContent", route: "create" },
    { method: "GET", path: "/v1beta/batches", route: "list" },
    { method: "GET", path: "/v1beta/batches/{id}", route: "retrieve" },
    { method: "POST", path: "/v1beta/batches/{id}:cancel", route: "cancel" },
    { method: "DELETE", path: "/v1beta/batches/{id}", route: "delete" },
    { method: "POST", path: "/upload/v1beta/files", route: "upload" },
    { method: "GET", path: "/v1beta/files", route: "files" },
    { method: "GET", path: "/v1beta/files/{id}", route: "file" },
    { method: "DELETE", path: "/v1beta/files/{id}", route: "delete-file" },
    { method: "GET", path: "/download/v1beta/files/{id}:download", route: "content" }
  ],
  auth: { bearer: false, headers: ["x-goog-api-key"], query: "key" },
  ids: {
    batch: (g) => g.alnum(36).toLowerCase(),
    file: (g) => `batch-${g.alnum(36).toLowerCase()}`,
    request: (g) => g.hex(32)
  },
  requestIdHeader: "x-request-id",
  statuses,
  parseStatus: (name) => {
    const bare = name.replace(/^(BATCH|JOB)_STATE_/, "")
    const table: Record<string, Phase> = {
      PENDING: "validating",
      RUNNING: "in_progress",
      SUCCEEDED: "completed",
      FAILED: "failed",
      EXPIRED: "expired",
      CANCELLED: "cancelled"
    }
    return name === bare ? undefined : table[bare]
  },
  defaultModel: "gemini-2.5-flash",
  render: {
    batch: (b) => operation(b, true),
    // batches.list does not return inlined responses [REC]
    listItem: (b) => operation(b, false),
    // delete "does not cancel" the job and answers {} [DOC]
    deleted: () => ({}),
    deleteWhileRunning: true
  },
  list: {
    paging: { style: "token", tokenParam: "pageToken", sizeParam: "pageSize", defaultSize: 50, maxSize: 1000 },
    page: (p) => ({ operations: p.data, ...(p.next === null ? {} : { nextPageToken: p.next }) })
  },
  cancel: { interim: false, terminal: "refuse", answer: () => ({}) },
  errors: {
    status: (e) =>
      e.kind === "missing_key"
        ? 403
        : e.kind === "wrong_key" || e.kind === "too_large" || e.kind === "refused"
          ? 400
          : undefined,
    body: (e) => ({
      error: {
        code: e.status,
        message: e.message,
        status: googleStatus(e),
        ...(e.status === 429
          ? {
              details: [
                {
                  "@type": "type.googleapis.com/google.rpc.Help",
                  links: [
                    {
                      description: "Learn more about Gemini API quotas",
                      url: "https://ai.google.dev/gemini-api/docs/rate-limits"
                    }
                  ]
                },
                ...(e.retryAfter === undefined
                  ? []
                  : [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${e.retryAfter}s` }])
              ]
            }
          : {})
      }
    }),
    messages: {
      missingKey:
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      wrongKey: "API key not valid. Please pass a valid API key.",
      notFound: (what, id) =>
        what === "route"
          ? `The requested URL ${id} was not found on this server.`
          : `Requested entity was not found: ${what === "file" ? "files" : "batches"}/${id}`,
      refused: (id, status) => `Batch batches/${id} is in state ${status} and cannot be cancelled.`,
      rateLimited:
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
      server: (status) =>
        status === 503 || status === 529
          ? "The model is overloaded. Please try again later."
          : "An internal error has occurred.",
      tooLarge: (limit) => `Request payload size exceeds the limit: ${limit} bytes.`
    }
  },
  results: {
    files: { error: false, purpose: "batch", filesOnlyFromFile: true },
    line: (b, r) =>
      JSON.stringify(
        r.outcome === "succeeded"
          ? { response: response(b, r), key: r.customId }
          : { error: errorOf(r), key: r.customId }
      )
  },
  create: {
    parse: (body, params) => {
      const batch = body.batch
      if (typeof batch !== "object" || batch === null || Array.isArray(batch)) return "batch: field is required"
      const b = batch as Record<string, unknown>
      const config = snakeOrCamel(b, "input_config", "inputConfig")
      if (typeof config !== "object" || config === null) return "batch.input_config: field is required"
      const c = config as Record<string, unknown>
      // "Required. The user-defined name of this batch" [DOC]
      const name = str(snakeOrCamel(b, "display_name", "displayName"))
      if (name === undefined || name === "") return "batch.display_name: field is required"
      const common = {
        model: (params.model ?? "").replace(/^models\//, ""),
        name,
        endpoint: "batchGenerateContent"
      }
      const fileName = snakeOrCamel(c, "file_name", "fileName")
      if (typeof fileName === "string")
        return { ...common, source: { kind: "file", fileId: fileName.replace(/^files\//, "") } }
      const requests = c.requests
      const list =
        typeof requests === "object" && requests !== null ? (requests as Record<string, unknown>).requests : undefined
      if (Array.isArray(list)) {
        // inline requests ≤20 MB [DOC]; a larger batch goes by file
        if (JSON.stringify(list).length > INLINE_MAX)
          return `Request payload size exceeds the limit: ${INLINE_MAX} bytes. Use input_config.file_name for a larger batch.`
        return { ...common, source: { kind: "inline", lines: list } }
      }
      return "batch.input_config: either file_name or requests is required"
    },
    line: {
      customId: (l) => {
        const metadata = l.metadata
        return (
          l.key ??
          (typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>).key : undefined)
        )
      },
      body: (l) => l.request,
      model: () => undefined
    },
    validation: "deferred",
    // inline ≤20 MB, file ≤2 GB [DOC]
    limits: { maxBytes: 2 * 1024 * 1024 * 1024 }
  },
  files: {
    render: (f, ctx) => ({
      name: `files/${f.id}`,
      displayName: f.filename,
      mimeType: "application/jsonl",
      sizeBytes: String(f.bytes),
      createTime: rfc3339(f.createdAt, "nanos"),
      updateTime: rfc3339(f.createdAt, "nanos"),
      expirationTime: rfc3339(f.createdAt + 48 * 3600 * 1000, "nanos"),
      uri: `${ctx.baseUrl}/files/${f.id}`,
      state: "ACTIVE",
      source: f.kind === "input" ? "UPLOADED" : "GENERATED"
    }),
    uploaded: (f, ctx) => ({ file: gemini.files?.render(f, ctx) }),
    list: (data) => ({ files: data }),
    deleted: () => ({}),
    defaultPurpose: "batch"
  },
  rateLimit: { headers: () => ({}), retryAfter: false },
  seed: { fromFile: false, metadata: null }
}
