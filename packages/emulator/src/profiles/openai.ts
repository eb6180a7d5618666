/**
 * OpenAI's Batch API (`vendors.md` §2): files, `batch_<32 hex>` ids, unix-second timestamps, the eight
 * lower-case statuses, 409 on cancelling an ended batch, `after` paging, output and error files.
 *
 * @since 0.2.0
 */
import {
  goDuration,
  openAiBatchFields,
  openAiErrors,
  openAiFile,
  openAiLine,
  openAiLineSpec,
  openAiRoutes,
  openAiStatuses,
  parseOpenAiCreate,
  type VendorProfile
} from "../Profile.js"

/**
 * @since 0.2.0
 * @category profiles
 */
export const openai: VendorProfile = {
  name: "openai",
  basePath: "/openai/v1",
  routes: openAiRoutes(),
  auth: { bearer: true },
  ids: {
    batch: (g) => g.hex(32, "batch_"),
    file: (g) => g.alnum(22, "file-"),
    request: (g) => `req_${g.hex(32)}`
  },
  requestIdHeader: "x-request-id",
  statuses: openAiStatuses,
  defaultModel: "gpt-4o-mini-2024-07-18",
  render: {
    batch: (b) => ({
      id: b.id,
      object: "batch",
      endpoint: b.endpoint,
      model: b.phase === "validating" ? null : b.model,
      errors: openAiErrors(b),
      ...openAiBatchFields(b),
      usage: {
        input_tokens: b.succeeded * 12,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: b.succeeded * 9,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: b.succeeded * 21
      },
      metadata: b.metadata
    })
  },
  list: {
    paging: { style: "after", afterParam: "after", limitParam: "limit", defaultLimit: 20, maxLimit: 100 },
    page: (p) => ({ object: "list", data: p.data, first_id: p.firstId, last_id: p.lastId, has_more: p.hasMore })
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    // a file past the limit: 400 "File is too large." [REC]
    status: (e) => (e.kind === "too_large" ? 400 : undefined),
    body: (e) => ({
      error: {
        message: e.message,
        type: e.status === 429 ? "requests" : e.status >= 500 ? "server_error" : "invalid_request_error",
        param: e.param ?? null,
        code: e.kind === "wrong_key" ? "invalid_api_key" : e.status === 429 ? "rate_limit_exceeded" : null
      }
    }),
    messages: {
      missingKey:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      wrongKey:
        "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
      notFound: (what, id) =>
        what === "route"
          ? `Unknown request URL: ${id}`
          : what === "file"
            ? `No such File object: ${id}`
            : `No batch found with id '${id}'.`,
      refused: (_id, status) => `Cannot cancel a batch with status '${status}'.`,
      rateLimited: "Rate limit reached for requests. Please try again later.",
      server: (status) =>
        status === 529 ? "Overloaded" : "The server had an error while processing your request. Sorry about that!",
      tooLarge: () => "File is too large."
    }
  },
  results: { files: { error: true, purpose: "batch_output" }, line: openAiLine },
  create: {
    parse: parseOpenAiCreate,
    line: openAiLineSpec,
    validation: "deferred",
    limits: {
      maxRequests: 50_000,
      maxBytes: 200 * 1024 * 1024,
      windows: (w) => w === "24h",
      windowMessage: (w) => `Invalid value for 'completion_window': '${w}'. Supported values are: '24h'.`,
      endpoints: [
        "/v1/responses",
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/completions",
        "/v1/moderations",
        "/v1/images/generations",
        "/v1/images/edits",
        "/v1/videos"
      ],
      sameModel: true
    }
  },
  files: { render: openAiFile },
  rateLimit: {
    // OpenAI's request headers (the token ones are not emulated: nothing here counts tokens)
    headers: (s) => ({
      "x-ratelimit-limit-requests": String(s.limit),
      "x-ratelimit-remaining-requests": String(s.remaining),
      "x-ratelimit-reset-requests": goDuration(s.resetMs)
    })
  },
  seed: { fromFile: true, metadata: {} }
}
