/**
 * Groq's batch API (`vendors-more.md` §4): OpenAI-compatible under `/openai/v1`, lower-case ULID ids with
 * prefixes (`batch_01…`, `file_01…` with an underscore), windows from 24h to 7d, `project_id` in the batch,
 * `errors` as a bare array, cursor listing (`?cursor=` → `paging.next_cursor`).
 *
 * Assumed where the documents are silent (UNVERIFIED in vendors-more.md): cancelling an ended batch
 * answers 409 like OpenAI; the 404 body; the page size of a list (100). The rate-limit headers
 * (`x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests`) are those of
 * Groq's rate-limit page, not checked on batch routes.
 *
 * @since 0.2.0
 */
import {
  goDuration,
  openAiBatchFields,
  openAiFile,
  openAiLine,
  openAiLineSpec,
  openAiRoutes,
  openAiStatuses,
  parseOpenAiCreate,
  type VendorProfile
} from "../Profile.js"
import { openai } from "./openai.js"

const hours = (w: string): number | undefined => {
  const m = /^(\d+)([hd])$/.exec(w)
  return m === null ? undefined : Number(m[1]) * (m[2] === "d" ? 24 : 1)
}

/**
 * @since 0.2.0
 * @category profiles
 */
export const groq: VendorProfile = {
  name: "groq",
  basePath: "/groq/openai/v1",
  routes: openAiRoutes(),
  auth: { bearer: true },
  ids: {
    batch: (g, now) => `batch_${g.ulid(now).toLowerCase()}`,
    file: (g, now) => `file_${g.ulid(now).toLowerCase()}`,
    request: (g, now) => `req_${g.ulid(now).toLowerCase()}`
  },
  requestIdHeader: "x-request-id",
  statuses: openAiStatuses,
  defaultModel: "llama-3.1-8b-instant",
  render: {
    batch: (b) => ({
      id: b.id,
      object: "batch",
      endpoint: b.endpoint,
      // the docs' example has a bare array [DOC]; the SDK types the OpenAI form
      errors:
        b.phase === "failed"
          ? (b.errors ?? [{ code: "batch_failed", message: "The batch failed.", param: null, line: null }])
          : null,
      ...openAiBatchFields(b),
      metadata: b.metadata,
      project_id: "project_01emulator0000000000000000"
    })
  },
  list: {
    paging: { style: "cursor", tokenParam: "cursor", defaultSize: 100, maxSize: 100 },
    page: (p) => ({ object: "list", data: p.data, paging: p.next === null ? {} : { next_cursor: p.next } })
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    status: openai.errors.status,
    body: openai.errors.body,
    messages: {
      ...openai.errors.messages,
      missingKey: "Invalid API Key",
      wrongKey: "Invalid API Key",
      notFound: (what, id) =>
        what === "route"
          ? `Unknown request URL: ${id}`
          : what === "file"
            ? `file ${id} not found`
            : `batch ${id} not found`
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
      // "24h to 7d" [SDK]
      windows: (w) => {
        const h = hours(w)
        return h !== undefined && h >= 24 && h <= 168
      },
      windowMessage: (w) => `Invalid completion_window '${w}': it must be between 24h and 7d.`,
      endpoints: ["/v1/chat/completions", "/v1/audio/transcriptions", "/v1/audio/translations"]
    }
  },
  files: { render: openAiFile },
  rateLimit: {
    headers: (s) => ({
      "x-ratelimit-limit-requests": String(s.limit),
      "x-ratelimit-remaining-requests": String(s.remaining),
      "x-ratelimit-reset-requests": goDuration(s.resetMs)
    })
  },
  seed: { fromFile: true, metadata: null }
}
