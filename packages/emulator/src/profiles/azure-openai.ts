/**
 * Azure OpenAI batch (`vendors-more.md` §3): OpenAI's batch and file routes below `/openai`, with
 * `?api-version=` on the classic paths (`/openai/batches`) or none on `/openai/v1/…`; the key in an `api-key`
 * header or an Entra `Authorization: Bearer` token; `batch_<uuid>` and `file-<32 hex>` ids; no `model` or
 * `usage` in the batch (2024-10-21 spec); Microsoft's error envelope `{error:{code,message}}` with codes such
 * as `"429"`, `invalidPayload`, `notFound`; a completion window other than 24h fails the job (it is accepted
 * at create); every line must name the same deployment.
 *
 * Assumed where the documents are silent (UNVERIFIED in vendors-more.md): cancelling an ended batch answers
 * 409 `conflict`; the 404 body for an unknown batch (`notFound`); the rate-limit headers on batch routes
 * (`x-ratelimit-remaining-requests`, `retry-after`); the request-id header.
 *
 * @since 0.2.0
 */
import {
  openAiBatchFields,
  openAiErrors,
  openAiFile,
  openAiLine,
  openAiRoutes,
  openAiStatuses,
  parseOpenAiCreate,
  str,
  type VendorProfile
} from "../Profile.js"

const code = (e: { readonly kind: string; readonly status: number; readonly message: string }): string => {
  if (e.kind === "missing_key" || e.kind === "wrong_key") return "401"
  if (e.kind === "refused") return "conflict"
  // a wrong path or api-version: {"code":"404","message":"Resource not found"} [REC]
  if (e.status === 404) return e.message === "Resource not found" ? "404" : "notFound"
  if (e.status === 429) return "429"
  if (e.status === 503) return "serviceUnavailable"
  if (e.status >= 500) return "internalFailure"
  return "invalidPayload"
}

/**
 * @since 0.2.0
 * @category profiles
 */
export const azureOpenai: VendorProfile = {
  name: "azure-openai",
  basePath: "/azure-openai/openai",
  routes: [...openAiRoutes(), ...openAiRoutes("/v1")],
  auth: { bearer: true, headers: ["api-key"] },
  // the classic paths need api-version; a wrong path or version answers 404 "Resource not found" [REC]
  check: (req) =>
    req.path.startsWith("/v1/") || req.query.has("api-version")
      ? undefined
      : { kind: "not_found", message: "Resource not found", status: 404 },
  ids: {
    batch: (g) => `batch_${g.uuid()}`,
    file: (g) => g.hex(32, "file-"),
    request: (g) => g.uuid()
  },
  requestIdHeader: "x-request-id",
  statuses: openAiStatuses,
  defaultModel: "gpt-4o-mini-batch",
  render: {
    batch: (b) => ({
      id: b.id,
      object: "batch",
      endpoint: b.endpoint,
      errors: openAiErrors(b),
      ...openAiBatchFields(b),
      metadata: b.metadata
    })
  },
  list: {
    paging: { style: "after", afterParam: "after", limitParam: "limit", defaultLimit: 20, maxLimit: 100 },
    page: (p) => ({ object: "list", data: p.data, first_id: p.firstId, last_id: p.lastId, has_more: p.hasMore })
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    status: (e) => (e.kind === "too_large" ? 400 : undefined),
    body: (e) => ({
      error: { code: code(e), message: e.message, ...(e.param === undefined ? {} : { target: e.param }) }
    }),
    messages: {
      missingKey:
        "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
      wrongKey:
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
      notFound: (what, id) =>
        what === "route"
          ? "Resource not found"
          : what === "file"
            ? `File with id ${id} not found.`
            : `Batch with id ${id} not found.`,
      refused: (id, status) => `Batch ${id} is in status ${status} and cannot be cancelled.`,
      rateLimited:
        "Requests to the Batch Operation under Azure OpenAI API have exceeded call rate limit of your current pricing tier. Please retry after 1 second.",
      server: () => "The server had an error while processing your request.",
      tooLarge: (limit) => `The file is larger than the limit of ${limit} bytes.`
    }
  },
  results: { files: { error: true, purpose: "batch_output" }, line: openAiLine },
  create: {
    parse: (body) => {
      const req = parseOpenAiCreate(body)
      if (typeof req === "string") return req
      // "If you set any other value than 24h your job will fail" [DOC]: accepted, then failed
      return req.window === "24h"
        ? req
        : {
            ...req,
            problems: [
              {
                code: "invalid_request",
                line: null,
                message: "The completion window must be 24h.",
                param: "completion_window"
              }
            ]
          }
    },
    // lines carry "url": "/v1/chat/completions" while the batch's endpoint is "/chat/completions": not compared
    line: {
      customId: (l) => l.custom_id,
      body: (l) => l.body,
      model: (l) =>
        typeof l.body === "object" && l.body !== null ? str((l.body as Record<string, unknown>).model) : undefined
    },
    validation: "deferred",
    limits: {
      maxRequests: 100_000,
      maxBytes: 200 * 1024 * 1024,
      endpoints: [
        "/chat/completions",
        "/embeddings",
        "/responses",
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/responses"
      ],
      sameModel: true
    }
  },
  files: { render: openAiFile },
  rateLimit: {
    headers: (s) => ({ "x-ratelimit-remaining-requests": String(s.remaining) })
  },
  seed: { fromFile: true, metadata: null }
}
