/**
 * Respan, formerly Keywords AI (`vendors.md` §5): an OpenAI batch proxy with Django-style trailing slashes
 * (with or without the slash), files also under `/api/files/`, only `/v1/chat/completions` and `24h`, and
 * three error shapes (`{error:"…"}` without a key, `{detail}` for a wrong key and 429, `{error:{message,type}}`).
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
  type VendorProfile
} from "../Profile.js"
import { openai } from "./openai.js"

const fileRoutes = openAiRoutes().filter((r) => r.path.startsWith("/files"))

/**
 * @since 0.2.0
 * @category profiles
 */
export const respan: VendorProfile = {
  name: "respan",
  basePath: "/respan/api/v1",
  mount: "/respan/api",
  // the file paths are UNVERIFIED (by analogy /api/v1/files/ and /api/files/)
  routes: [...openAiRoutes("/v1"), ...fileRoutes],
  auth: { bearer: true },
  ids: {
    batch: (g) => g.hex(32, "batch_"),
    file: (g) => g.alnum(22, "file-"),
    request: (g) => g.uuid()
  },
  requestIdHeader: "x-request-id",
  statuses: openAiStatuses,
  defaultModel: "gpt-4o-mini-2024-07-18",
  render: {
    batch: (b) => ({
      id: b.id,
      object: "batch",
      endpoint: b.endpoint,
      errors: openAiErrors(b),
      ...openAiBatchFields(b),
      metadata: b.metadata ?? {}
    })
  },
  list: {
    paging: { style: "after", afterParam: "after", limitParam: "limit", defaultLimit: 20, maxLimit: 100 },
    page: (p) => ({ object: "list", data: p.data, first_id: p.firstId, last_id: p.lastId, has_more: p.hasMore })
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    status: (e) => (e.kind === "refused" ? 400 : undefined),
    body: (e) => {
      if (e.kind === "missing_key") return { error: e.message }
      if (e.kind === "wrong_key") return { detail: e.message }
      if (e.status === 429)
        return { detail: e.message, ...(e.retryAfter === undefined ? {} : { retry_after: e.retryAfter }) }
      return { error: { message: e.message, type: e.status >= 500 ? "server_error" : "invalid_request_error" } }
    },
    messages: {
      missingKey: "Authentication credentials were not provided.",
      wrongKey:
        "Your API key is invalid or expired, please check your API key at https://platform.keywordsai.co/platform/api/api-keys",
      notFound: (what, id) =>
        what === "route"
          ? `Unknown request URL: ${id}`
          : what === "file"
            ? `File ${id} not found`
            : `No such batch: ${id}`,
      refused: (_id, status) => `Batch is already ${status} and cannot be cancelled`,
      rateLimited: "Rate limit exceeded",
      server: (status) => (status === 529 ? "Overloaded" : "Internal server error"),
      tooLarge: () => "File is too large."
    }
  },
  results: { files: { error: true, purpose: "batch_output" }, line: openAiLine },
  // OpenAI's create, for chat completions only.
  create: { ...openai.create, limits: { ...openai.create.limits, endpoints: ["/v1/chat/completions"] } },
  files: { render: openAiFile },
  seed: { fromFile: true, metadata: {} }
}
