import { capture, captureRef, captureUrl } from "./captures.mjs"

// Vendor wire facts used by synthesize.mjs. Every `ref` is a URL or a file in ../sources: vendors.md
// (section and source key), vendor-examples.json (by index, #N) or a capture, each of which names where
// it came from (see ../sources/README.md). Free-text explanations go in `note`.

export const iso = (seconds) => new Date(seconds * 1000).toISOString()
const T0 = 1761083220 // a real created_at (ELLMER state-capitals.json, Oct 2025)

const jsonl = (lines) => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`
const synthetic = (ref, note) => ({ kind: "synthetic", ref, ...(note === undefined ? {} : { note }) })
const documented = (ref, note) => ({ kind: "documented", ref, ...(note === undefined ? {} : { note }) })
const recorded = (ref, note) => ({ kind: "recorded", ref, ...(note === undefined ? {} : { note }) })

// ---------------------------------------------------------------------------------------------------
// The OpenAI family: OpenAI itself, Moonshot, Respan, MeshAPI.

const STATUSES = ["validating", "in_progress", "finalizing", "cancelling", "cancelled", "completed", "failed", "expired"]
const slug = (status) => status.replace("_", "-")

/** Timestamps (unix seconds) and counts an OpenAI batch has in each status. */
const oaiState = (status) => {
  const s = {
    in_progress_at: null, finalizing_at: null, completed_at: null, failed_at: null, expired_at: null,
    cancelling_at: null, cancelled_at: null, output_file_id: null, error_file_id: null,
    request_counts: { total: 100, completed: 0, failed: 0 }, errors: null
  }
  if (status !== "validating" && status !== "failed") s.in_progress_at = T0 + 2
  switch (status) {
    case "validating": s.request_counts = { total: 0, completed: 0, failed: 0 }; break
    case "in_progress": s.request_counts = { total: 100, completed: 40, failed: 2 }; break
    case "finalizing": s.finalizing_at = T0 + 3600; s.request_counts = { total: 100, completed: 97, failed: 3 }; break
    case "completed":
      Object.assign(s, { finalizing_at: T0 + 3600, completed_at: T0 + 3660, output_file_id: "file-cvaTdG8h2wR1mX4Lq9pS3n", error_file_id: "file-HOWS94kYz7Qd2VbN5rTa1e" })
      s.request_counts = { total: 100, completed: 97, failed: 3 }; break
    case "failed":
      s.failed_at = T0 + 5; s.request_counts = { total: 0, completed: 0, failed: 0 }
      s.errors = { object: "list", data: [{ code: "token_limit_exceeded", message: "Enqueued token limit reached for gpt-4o-mini in organization org-abc. Limit: 2,000,000 enqueued tokens. Please try again once some in_progress batches have been completed.", param: null, line: null }] }
      break
    case "expired":
      Object.assign(s, { expired_at: T0 + 86400 + 60, output_file_id: "file-Exp1rEdOutPut00000000001", error_file_id: "file-Exp1rEdErr0r000000000001" })
      s.request_counts = { total: 100, completed: 60, failed: 0 }; break
    case "cancelling": s.cancelling_at = T0 + 600; s.request_counts = { total: 100, completed: 23, failed: 1 }; break
    case "cancelled":
      Object.assign(s, { cancelling_at: T0 + 600, cancelled_at: T0 + 900, output_file_id: "file-CanCeLLedOutput0000001", error_file_id: "file-CanCeLLedErr0r00000001" })
      s.request_counts = { total: 100, completed: 23, failed: 1 }; break
  }
  return s
}

const ENDED = { completed: "completed_at", failed: "failed_at", expired: "expired_at", cancelled: "cancelled_at" }

/** The normalized subset a fixture expects for an OpenAI-family batch. */
const oaiExpect = (body, { counts = true } = {}) => {
  const status = STATUSES.includes(body.status) ? body.status : "unknown"
  const e = {
    id: body.id,
    status,
    vendorStatus: body.status,
    terminal: ["cancelled", "completed", "failed", "expired"].includes(status)
  }
  if (counts && body.request_counts) {
    e.counts = { total: body.request_counts.total, succeeded: body.request_counts.completed, failed: body.request_counts.failed }
  }
  if (typeof body.created_at === "number") e.createdAt = iso(body.created_at)
  if (typeof body.expires_at === "number") e.expiresAt = iso(body.expires_at)
  if (typeof body.cancelling_at === "number") e.cancelRequestedAt = iso(body.cancelling_at)
  const ended = ENDED[status] && body[ENDED[status]]
  if (typeof ended === "number") e.endedAt = iso(ended)
  return e
}

const chat = (content, n) => ({
  id: `chatcmpl-9758Iw${n}`, object: "chat.completion", created: T0 + 100 + n, model: "gpt-4o-mini-2024-07-18",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 24, completion_tokens: 15, total_tokens: 39 }, system_fingerprint: null
})

/** OpenAI-family hooks for family(): OpenAI's batch object, paths under the base, `after`/`limit` paging. */
export const oaiHooks = (v) => {
  const url = (path, query) => `${v.base}${path}${v.slash ? "/" : ""}${query ?? ""}`
  const batch = (status, extra = {}, bid = v.id) =>
    v.shape({ id: bid, ...v.base_fields, status, created_at: T0, expires_at: T0 + 86400, ...oaiState(status), ...extra })
  return {
    url,
    batchUrl: (bid) => url(`/batches/${encodeURIComponent(bid)}`),
    cancelUrl: (bid) => url(`/batches/${encodeURIComponent(bid)}/cancel`),
    listUrl: ({ limit, after } = {}) => {
      const q = [limit === undefined ? undefined : `limit=${limit}`, after === undefined ? undefined : `after=${after}`].filter(Boolean)
      return url("/batches", q.length ? `?${q.join("&")}` : "")
    },
    batch,
    unknownStatus: (word = "paused") => batch("in_progress", { status: word }),
    unknownWord: "paused",
    cancelled: (from, bid = v.id) => v.shape({ id: bid, ...v.base_fields, created_at: T0, expires_at: T0 + 86400, ...oaiState(from), status: "cancelling", cancelling_at: T0 + 600 }),
    expect: (body) => oaiExpect(body, { counts: v.counts !== false }),
    statuses: STATUSES,
    cancellable: ["validating", "in_progress", "finalizing"],
    vendorWord: (status) => status,
    ...v
  }
}

export function family(v) {
  const id = v.id
  // Where a vendor's body names its batch (`name` for Gemini, `batch_id` for xAI); `id` by default.
  const idOf = v.idOf ?? ((body) => body.id)
  const { url, batchUrl, cancelUrl, listUrl, batch, expect } = v
  const req = (method, u, extra = {}) => ({ method, url: u, headers: v.requestHeaders ?? {}, auth: v.auth ?? "bearer", ...extra })
  const cancelReq = (bid = id) => req("POST", cancelUrl(bid), v.cancelBody === undefined ? {} : { body: v.cancelBody })
  const ok = (body, headers = {}) => ({ status: 200, headers: { "content-type": "application/json", ...v.okHeaders, ...headers }, body })
  const err = (status, body, headers = {}) => ({ status, headers: { "content-type": "application/json", ...v.errHeaders(status), ...headers }, body })
  const fixtures = []
  const add = (f) => fixtures.push(f)
  const has = (status) => v.statuses.includes(status)

  // cancel: accepted
  for (const [scenario, from] of [["validating", "validating"], ["in-progress", "in_progress"], ["finalizing", "finalizing"]]) {
    if (!v.cancellable.includes(from)) continue
    const body = v.documentedCancel?.(from) ?? v.cancelled(from)
    // A documented example names its own batch: the request asks for that one (an answer about
    // another batch is not an answer, FORMAT.md "Cancel is idempotent").
    const bid = typeof idOf(body) === "string" ? idOf(body) : id
    add({
      operation: "cancel", scenario,
      description: `Cancel of a ${from} batch answers 200 with the cancelling status`,
      source: v.cancelSource?.(from) ?? synthetic(`${v.ref}: cancel → 200 with the batch in its cancelling status`),
      input: { batchId: bid },
      exchanges: [{ request: cancelReq(bid), response: ok(body) }],
      expect: { batch: expect(body) }
    })
  }
  // cancel: refused, then one retrieve
  const refusal = (status) => err(v.refusal.status, v.refusal.body(status))
  add({
    operation: "cancel", scenario: "already-cancelling",
    description: "A second cancel of a cancelling batch: the refusal is followed by one retrieve, and the cancel succeeds (idempotent)",
    source: synthetic(`${v.ref}: refusal shape of cancel on a finished batch; FORMAT.md 'Cancel is idempotent'`),
    input: { batchId: id },
    exchanges: [
      { request: cancelReq(), response: refusal("cancelling") },
      { request: req("GET", batchUrl(id)), response: ok(batch("cancelling")) }
    ],
    expect: { batch: { ...expect(batch("cancelling")) } }
  })
  for (const status of ["completed", "failed", "expired", "cancelled"]) {
    if (!has(status)) continue
    const after = batch(status)
    const succeeds = status === "cancelled"
    add({
      operation: "cancel", scenario: status,
      description: succeeds
        ? "Cancel of an already-cancelled batch: refusal, then a retrieve that shows it cancelled, so the cancel succeeds (idempotent)"
        : `Cancel of a ${status} batch: the vendor refuses, one retrieve shows ${status}, so InvalidBatchState`,
      source: v.refusalSource?.(status) ?? synthetic(`${v.ref}: cancel refused with ${v.refusal.status}`),
      input: { batchId: id },
      exchanges: [
        { request: cancelReq(), response: refusal(status) },
        { request: req("GET", batchUrl(id)), response: ok(after) }
      ],
      expect: succeeds
        ? { batch: expect(after) }
        : { error: { _tag: "InvalidBatchState", provider: v.provider, operation: "cancel", batchId: id, httpStatus: v.refusal.status, vendorStatus: v.vendorWord(status, after) } }
    })
  }
  // cancel: HTTP failures
  const e = v.errors
  add({ operation: "cancel", scenario: "unauthorized", description: "401 becomes Unauthorized; no retry", source: e.unauthorized.source, input: { batchId: id },
    exchanges: [{ request: cancelReq(), response: err(401, e.unauthorized.body) }],
    expect: { error: { _tag: "Unauthorized", httpStatus: 401, provider: v.provider, operation: "cancel", ...e.unauthorized.expect } } })
  add({ operation: "cancel", scenario: "forbidden", description: "403 becomes PermissionDenied", source: e.forbidden.source, input: { batchId: id },
    exchanges: [{ request: cancelReq(), response: err(403, e.forbidden.body) }],
    expect: { error: { _tag: "PermissionDenied", httpStatus: 403 } } })
  const missing = v.missingId
  add({ operation: "cancel", scenario: "not-found", description: "404 becomes BatchNotFound with the batch id", source: e.notFound.source, input: { batchId: missing },
    exchanges: [{ request: cancelReq(missing), response: err(404, e.notFound.body(missing)) }],
    expect: { error: { _tag: "BatchNotFound", httpStatus: 404, batchId: missing } } })
  add({ operation: "retrieve", scenario: "not-found", description: "404 on retrieve becomes BatchNotFound", source: e.notFound.source, input: { batchId: missing },
    exchanges: [{ request: req("GET", batchUrl(missing)), response: err(404, e.notFound.body(missing)) }],
    expect: { error: { _tag: "BatchNotFound", httpStatus: 404, batchId: missing, operation: "retrieve" } } })
  add({ operation: "cancel", scenario: "rate-limited-then-ok", description: "429 with retry-after is retried; the second attempt succeeds", source: synthetic(`${v.ref}: 429 rate limit error shape; retry-after header`), input: { batchId: id },
    exchanges: [
      { request: cancelReq(), response: err(429, e.rateLimit.body, { "retry-after": "1" }) },
      { request: cancelReq(), response: ok(batch("cancelling")) }
    ],
    expect: { batch: expect(batch("cancelling")) } })
  add({ operation: "cancel", scenario: "rate-limited-exhausted", description: "429 on every attempt: RateLimited after 3 attempts, retryAfterMs from the last answer", source: synthetic(`${v.ref}: 429 rate limit error shape`), input: { batchId: id },
    exchanges: [1, 2, 3].map(() => ({ request: cancelReq(), response: err(429, e.rateLimit.body, e.rateLimit.headers) })),
    expect: { error: { _tag: "RateLimited", httpStatus: 429, retryAfterMs: e.rateLimit.retryAfterMs } } })
  add({ operation: "cancel", scenario: "quota-exceeded", description: "A quota / spend-cap refusal becomes QuotaExceeded and is not retried", source: e.quota.source, input: { batchId: id },
    exchanges: [{ request: cancelReq(), response: err(e.quota.status, e.quota.body) }],
    expect: { error: { _tag: "QuotaExceeded", httpStatus: e.quota.status } } })
  add({ operation: "cancel", scenario: "server-error-then-ok", description: "500 then 503 are retried; the third attempt succeeds", source: synthetic(`${v.ref}: 5xx error envelope`), input: { batchId: id },
    exchanges: [
      { request: cancelReq(), response: err(500, e.server.body) },
      { request: cancelReq(), response: err(503, e.server.body) },
      { request: cancelReq(), response: ok(batch("cancelling")) }
    ],
    expect: { batch: expect(batch("cancelling")) } })
  add({ operation: "cancel", scenario: "server-error-exhausted", description: "5xx on every attempt: ProviderUnavailable with the last status", source: synthetic(`${v.ref}: 5xx error envelope`), input: { batchId: id },
    exchanges: [502, 503, 500].map((s) => ({ request: cancelReq(), response: err(s, e.server.body) })),
    expect: { error: { _tag: "ProviderUnavailable", httpStatus: 500 } } })
  add({ operation: "cancel", scenario: "html-error-page", description: "A 200 HTML page (a proxy or captive portal in the way) is UnexpectedResponse, not a crash", source: synthetic("FORMAT.md: UnexpectedResponse for an HTML error page"), input: { batchId: id },
    exchanges: [{ request: cancelReq(), response: { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, bodyText: "<!DOCTYPE html>\n<html><head><title>Sign in to continue</title></head><body><h1>Proxy authentication required</h1></body></html>\n" } }],
    expect: { error: { _tag: "UnexpectedResponse", httpStatus: 200 } } })
  add({ operation: "retrieve", scenario: "html-bad-gateway", description: "A 502 HTML page from a gateway, on every attempt: ProviderUnavailable", source: synthetic("Cloudflare-style 502 page"), input: { batchId: id },
    exchanges: [1, 2, 3].map(() => ({ request: req("GET", batchUrl(id)), response: { status: 502, headers: { "content-type": "text/html" }, bodyText: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n" } })),
    expect: { error: { _tag: "ProviderUnavailable", httpStatus: 502 } } })
  // retrieve in every status
  for (const status of v.statuses) {
    const body = v.recordedRetrieve?.[status]?.body ?? batch(status)
    add({ operation: "retrieve", scenario: slug(status), description: `Retrieve of a ${status} batch`,
      source: v.recordedRetrieve?.[status]?.source ?? synthetic(`${v.ref}: batch object fields and status values`), input: { batchId: idOf(body) },
      exchanges: [{ request: req("GET", batchUrl(idOf(body))), response: ok(body) }],
      expect: { batch: expect(body) } })
  }
  add({ operation: "retrieve", scenario: "unknown-status", description: "A status the adapter does not know becomes unknown, keeping vendorStatus", source: synthetic("FORMAT.md status mapping: anything else → unknown"), input: { batchId: id },
    exchanges: [{ request: req("GET", batchUrl(id)), response: ok(v.unknownStatus()) }],
    expect: { batch: { status: "unknown", vendorStatus: v.unknownWord, terminal: false } } })
  add({ operation: "retrieve", scenario: "malformed-body", description: "A 200 whose JSON is cut off is UnexpectedResponse", source: synthetic("truncated body"), input: { batchId: id },
    exchanges: [{ request: req("GET", batchUrl(id)), response: { status: 200, headers: { "content-type": "application/json" }, bodyText: JSON.stringify(batch("in_progress")).slice(0, 60) } }],
    expect: { error: { _tag: "UnexpectedResponse", httpStatus: 200 } } })
  add({ operation: "retrieve", scenario: "wrong-shape", description: "A 200 JSON body that is not a batch (id is a number) is UnexpectedResponse", source: synthetic("valid JSON, wrong shape"), input: { batchId: id },
    exchanges: [{ request: req("GET", batchUrl(id)), response: ok({ id: 42, status: "completed" }) }],
    expect: { error: { _tag: "UnexpectedResponse", httpStatus: 200 } } })
  add({ operation: "retrieve", scenario: "empty-body", description: "A 200 with an empty body is UnexpectedResponse", source: synthetic("empty body"), input: { batchId: id },
    exchanges: [{ request: req("GET", batchUrl(id)), response: { status: 200, headers: { "content-type": "application/json" }, bodyText: "" } }],
    expect: { error: { _tag: "UnexpectedResponse", httpStatus: 200 } } })
  add({ operation: "retrieve", scenario: "hostile-id", description: "An id with / ? # is percent-encoded into one path segment", source: synthetic("batch id encoding"), input: { batchId: "../files?x=1#y" },
    exchanges: [{ request: req("GET", batchUrl("../files?x=1#y")), response: err(404, e.notFound.body("../files?x=1#y")) }],
    expect: { error: { _tag: "BatchNotFound", batchId: "../files?x=1#y" } } })
  add({ operation: "retrieve", scenario: "inherited-name-status", description: "A status word that names an Object.prototype member (constructor) is unknown like any other word",
    source: synthetic("FORMAT.md status mapping: anything else → unknown; hostile input"), input: { batchId: id },
    exchanges: [{ request: req("GET", batchUrl(id)), response: ok(v.unknownStatus("constructor")) }],
    expect: { batch: { status: "unknown", vendorStatus: "constructor", terminal: false } } })
  add({ operation: "retrieve", scenario: "lone-surrogate-id", description: "An id that is not well-formed Unicode cannot be percent-encoded: InvalidRequest before any request",
    source: synthetic("batch id checks: an id is refused rather than let encodeURIComponent throw"), input: { batchId: "batch_\ud800x" },
    exchanges: [],
    expect: { error: { _tag: "InvalidRequest", operation: "retrieve" } } })
  // list
  if (v.listFixtures) {
    for (const f of v.listFixtures({ batch, req, ok, expect })) add(f)
  } else {
    const page1 = [batch("in_progress", {}, v.ids[0]), batch("completed", {}, v.ids[1])]
    const page2 = [batch("cancelled", {}, v.ids[2])]
    add({ operation: "list", scenario: "first-page", description: "First page with has_more: nextCursor is the last id of the page", source: synthetic(`${v.ref}: list response`), input: { limit: 2 },
      exchanges: [{ request: req("GET", listUrl({ limit: 2 })), response: ok(v.listPage(page1, true)) }],
      expect: { page: { hasMore: true, nextCursor: v.ids[1], batches: page1.map(expect) } } })
    add({ operation: "list", scenario: "next-page", description: "The next page, requested with the cursor; the last page has no cursor", source: synthetic(`${v.ref}: list paging`), input: { limit: 2, after: v.ids[1] },
      exchanges: [{ request: req("GET", listUrl({ limit: 2, after: v.ids[1] })), response: ok(v.listPage(page2, false)) }],
      expect: { page: { hasMore: false, batches: page2.map(expect) } } })
    add({ operation: "list", scenario: "empty", description: "No batches at all", source: synthetic(`${v.ref}: list response`), input: {},
      exchanges: [{ request: req("GET", listUrl()), response: ok(v.listPage([], false)) }],
      expect: { page: { hasMore: false, batches: [] } } })
  }
  // results
  for (const f of v.results({ batch, req, batchUrl: () => batchUrl(id), url, ok, expect })) add(f)
  for (const f of v.extra?.({ batch, req, batchUrl, cancelUrl, cancelReq, url, ok, err, expect, id }) ?? []) add(f)
  return fixtures
}

/** Skip reasons for the standard scenarios a vendor cannot have. */
export const skips = {}

export const fileResults = (v) => ({ batch, req, batchUrl, url, ok }) => {
  // Respan serves files under /api/files/…, beside (not under) its /api/v1 batches.
  const content = (fileId) => (v.filesBase === undefined ? url(`/files/${fileId}/content`) : `${v.filesBase}/files/${fileId}/content/`)
  const jsonlOk = (lines) => ({ status: 200, headers: { "content-type": "application/octet-stream" }, bodyText: jsonl(lines) })
  const completed = batch("completed")
  const outputLines = [
    { id: "batch_req_wnaDys", custom_id: "request-1", response: { status_code: 200, request_id: "0d3a3b1e9d2c4f0aa1b2c3d4e5f60718", body: chat("2 + 2 equals 4.", 1) }, error: null },
    { id: "batch_req_x9Lk2p", custom_id: "request-2", response: { status_code: 200, request_id: "6c1f1a1e9d2c4f0aa1b2c3d4e5f60719", body: chat("The capital of France is Paris.", 2) }, error: null }
  ]
  const errorLines = [
    { id: "batch_req_Qm3R8s", custom_id: "request-3", response: { status_code: 400, request_id: "7e2a1a1e9d2c4f0aa1b2c3d4e5f60720", body: { error: { message: "Invalid 'messages': empty array.", type: "invalid_request_error", param: "messages", code: "empty_array" } } }, error: null }
  ]
  const cancelled = batch("cancelled")
  const cancelledOutput = [outputLines[0]]
  const cancelledErrors = [
    { id: "batch_req_Zt4Y1c", custom_id: "request-2", response: null, error: { code: "batch_cancelled", message: "This request could not be executed before the batch was cancelled." } },
    { id: "batch_req_Zt4Y1d", custom_id: "request-3", response: null, error: { code: "batch_cancelled", message: "This request could not be executed before the batch was cancelled." } }
  ]
  const expired = batch("expired")
  const expiredErrors = [{ id: "batch_req_Ex1", custom_id: "request-2", response: null, error: { code: "batch_expired", message: "This request could not be executed before the completion window expired." } }]
  return [
    { operation: "results", scenario: "completed", description: "Results of a completed batch: the output file, then the error file (a per-request 400 sits in the error file with error=null)",
      source: (v.documented ? documented : synthetic)(`${v.ref}; output line shape from sources/vendor-examples.json #11 (openai-openapi BatchRequestOutput), error-file shape from openai/openai-openapi#302`), input: { batchId: completed.id },
      exchanges: [
        { request: req("GET", batchUrl()), response: ok(completed) },
        { request: req("GET", content(completed.output_file_id)), response: jsonlOk(outputLines) },
        { request: req("GET", content(completed.error_file_id)), response: jsonlOk(errorLines) }
      ],
      expect: { results: [{ customId: "request-1", outcome: "succeeded" }, { customId: "request-2", outcome: "succeeded" }, { customId: "request-3", outcome: "errored" }] } },
    { operation: "results", scenario: "cancelled", description: "Partial results of a cancelled batch: what finished is in the output file, the rest in the error file as batch_cancelled",
      source: synthetic(`${v.ref}: 'cancelled, where it will have partial results (if any) available in the output file'; the batch_cancelled code is not documented`), input: { batchId: cancelled.id },
      exchanges: [
        { request: req("GET", batchUrl()), response: ok(cancelled) },
        { request: req("GET", content(cancelled.output_file_id)), response: jsonlOk(cancelledOutput) },
        { request: req("GET", content(cancelled.error_file_id)), response: jsonlOk(cancelledErrors) }
      ],
      expect: { results: [{ customId: "request-1", outcome: "succeeded" }, { customId: "request-2", outcome: "cancelled" }, { customId: "request-3", outcome: "cancelled" }] } },
    { operation: "results", scenario: "expired", description: "Partial results of an expired batch",
      source: synthetic(`${v.ref}: expired batches keep partial results; the batch_expired code is not documented here`), input: { batchId: expired.id },
      exchanges: [
        { request: req("GET", batchUrl()), response: ok(expired) },
        { request: req("GET", content(expired.output_file_id)), response: jsonlOk([outputLines[0]]) },
        { request: req("GET", content(expired.error_file_id)), response: jsonlOk(expiredErrors) }
      ],
      expect: { results: [{ customId: "request-1", outcome: "succeeded" }, { customId: "request-2", outcome: "expired" }] } },
    { operation: "results", scenario: "file-not-found", description: "The output file the batch names answers 404: ResultsUnavailable (file-gone) naming the file (the batch itself exists), not BatchNotFound",
      source: synthetic(`${v.ref}: files API 404 (OpenAI-style envelope)`), input: { batchId: completed.id },
      exchanges: [
        { request: req("GET", batchUrl()), response: ok(completed) },
        { request: req("GET", content(completed.output_file_id)), response: { status: 404, headers: { "content-type": "application/json" }, body: { error: { message: `No such File object: ${completed.output_file_id}`, type: "invalid_request_error", param: "id", code: null } } } }
      ],
      expect: { error: { _tag: "ResultsUnavailable", operation: "results", reason: "file-gone", httpStatus: 404, fileId: completed.output_file_id } } },
    { operation: "results", scenario: "dot-dot-file-id", description: "A batch naming its output file \"..\" would send the request to another path: UnexpectedResponse, nothing fetched",
      source: synthetic("hostile vendor body: file ids get the batch-id checks"), input: { batchId: completed.id },
      exchanges: [{ request: req("GET", batchUrl()), response: ok(batch("completed", { output_file_id: "..", error_file_id: null })) }],
      expect: { error: { _tag: "UnexpectedResponse", operation: "results" } } },
    { operation: "results", scenario: "not-terminal", description: "Results of a batch still in progress: InvalidBatchState after the one retrieve",
      source: synthetic("FORMAT.md: results of a batch that is not terminal fail with InvalidBatchState"), input: { batchId: completed.id },
      exchanges: [{ request: req("GET", batchUrl()), response: ok(batch("in_progress")) }],
      expect: { error: { _tag: "InvalidBatchState", operation: "results", vendorStatus: "in_progress" } } }
  ]
}

const openaiError = (message, type, code = null, param = null) => ({ error: { message, type, param, code } })
const reqIdHeaders = (n) => ({ "x-request-id": `req_${(n * 7919).toString(16).padStart(8, "0")}4c2b9e1f0a3d5e7f8a9b0c1d` })

const openai = () =>
  family(oaiHooks({
    provider: "openai",
    ref: "sources/vendors.md §2 (OAI-SPEC, OAI-PY)",
    base: "https://api.openai.com/v1",
    id: "batch_6a6fcf1fda048190a33075b0eac6fc9b",
    ids: ["batch_68f7ff542af88190b06dfa89be842cd1", "batch_68f7ff542af88190b06dfa89be842cd2", "batch_68f7ff542af88190b06dfa89be842cd3"],
    missingId: "batch_00000000000000000000000000000000",
    base_fields: { object: "batch", endpoint: "/v1/chat/completions", model: "gpt-4o-mini-2024-07-18", input_file_id: "file-QfS3MFavM27tAdxDTqSM1z", completion_window: "24h", metadata: {} },
    shape: (b) => ({ ...b, usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } } }),
    okHeaders: reqIdHeaders(1),
    errHeaders: (status) => reqIdHeaders(status),
    refusal: { status: 409, body: (status) => openaiError(`Cannot cancel a batch with status '${status}'.`, "invalid_request_error") },
    refusalSource: (status) => status === "completed"
      ? documented("sources/vendors.md §2", "no captured exchange: the 409 is what a live-API test expects (https://github.com/BerriAI/litellm/blob/main/tests/batches_tests/test_openai_batches_and_files.py catches openai.ConflictError with this text) and the body is quoted in a comment of a Ruby client (lib/gpt_function/batch.rb); was `recorded` until 2026-12")
      : synthetic(`sources/vendors.md §2: 409 as for completed; the message for '${status}' is presumed analogous`),
    documentedCancel: (from) => from === "in_progress" ? JSON.parse(docCancelText.replace(/,(\s*})/g, "$1")) : undefined,
    cancelSource: (from) => from === "in_progress"
      ? documented("sources/vendor-examples.json #9: openai-openapi x-oaiMeta cancel example (its trailing comma inside metadata removed so that it parses)")
      : undefined,
    recordedRetrieve: {
      validating: {
        source: documented(captureRef("state-capitals@006e0dce.json"), `real bytes from the live API (ellmer's maintainers, 2025-10-21; ${captureUrl("state-capitals@006e0dce.json")}), but ellmer saves its state after the create (POST /v1/batches) as well as after each poll, and this file does not say which answer it holds, so it is not counted as a recorded retrieve; R's {} read back as null; was \`recorded\` until 2026-12`),
        body: capture("state-capitals@006e0dce.json")
      },
      completed: {
        source: documented("sources/vendor-examples.json #8: openai-openapi x-oaiMeta retrieve example (trailing comma removed)"),
        body: JSON.parse(docRetrieveText.replace(/,(\s*})/g, "$1"))
      }
    },
    listPage: (data, hasMore) => ({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore }),
    errors: {
      unauthorized: { source: synthetic("sources/vendors.md §2 error envelope; OpenAI's 401 message shows a masked key"), body: openaiError("Incorrect API key provided: sk-batch***1e3. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"), expect: { requestId: "req_000007d04c2b9e1f0a3d5e7f8a9b0c1d".replace("000007d0", (401 * 7919).toString(16).padStart(8, "0")) } },
      forbidden: { source: synthetic("sources/vendors.md §2 error envelope"), body: openaiError("You have insufficient permissions for this operation. Missing scopes: api.batch.write. Check that you have the correct role in your organization (Reader, Writer, Owner) and project (Member, Owner), and if you're using a restricted API key, that it has the necessary scopes.", "invalid_request_error") },
      notFound: { source: synthetic("sources/vendors.md §2 error envelope"), body: (bid) => openaiError(`No batch found with id '${bid}'.`, "invalid_request_error") },
      rateLimit: { body: openaiError("Rate limit reached for requests. Limit: 500 / min. Please try again in 1.5s.", "requests", "rate_limit_exceeded"), headers: { "retry-after-ms": "1500", "retry-after": "2" }, retryAfterMs: 1500 },
      quota: { status: 429, source: synthetic("sources/vendors.md §2 / FORMAT.md: OpenAI insufficient_quota 429"), body: openaiError("You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.", "insufficient_quota", "insufficient_quota") },
      server: { body: openaiError("The server had an error while processing your request. Sorry about that!", "server_error") }
    },
    results: fileResults({ ref: "sources/vendors.md §2", documented: true })
  }))

const docCancelText = "{\n  \"id\": \"batch_abc123\",\n  \"object\": \"batch\",\n  \"endpoint\": \"/v1/chat/completions\",\n  \"errors\": null,\n  \"input_file_id\": \"file-abc123\",\n  \"completion_window\": \"24h\",\n  \"status\": \"cancelling\",\n  \"output_file_id\": null,\n  \"error_file_id\": null,\n  \"created_at\": 1711471533,\n  \"in_progress_at\": 1711471538,\n  \"expires_at\": 1711557933,\n  \"finalizing_at\": null,\n  \"completed_at\": null,\n  \"failed_at\": null,\n  \"expired_at\": null,\n  \"cancelling_at\": 1711475133,\n  \"cancelled_at\": null,\n  \"request_counts\": {\n    \"total\": 100,\n    \"completed\": 23,\n    \"failed\": 1\n  },\n  \"metadata\": {\n    \"customer_id\": \"user_123456789\",\n    \"batch_description\": \"Nightly eval job\",\n  }\n}\n"
const docRetrieveText = "{\n  \"id\": \"batch_abc123\",\n  \"object\": \"batch\",\n  \"endpoint\": \"/v1/completions\",\n  \"errors\": null,\n  \"input_file_id\": \"file-abc123\",\n  \"completion_window\": \"24h\",\n  \"status\": \"completed\",\n  \"output_file_id\": \"file-cvaTdG\",\n  \"error_file_id\": \"file-HOWS94\",\n  \"created_at\": 1711471533,\n  \"in_progress_at\": 1711471538,\n  \"expires_at\": 1711557933,\n  \"finalizing_at\": 1711493133,\n  \"completed_at\": 1711493163,\n  \"failed_at\": null,\n  \"expired_at\": null,\n  \"cancelling_at\": null,\n  \"cancelled_at\": null,\n  \"request_counts\": {\n    \"total\": 100,\n    \"completed\": 95,\n    \"failed\": 5\n  },\n  \"metadata\": {\n    \"customer_id\": \"user_123456789\",\n    \"batch_description\": \"Nightly eval job\",\n  }\n}\n"


// --- Moonshot -------------------------------------------------------------------------------------
const kimiError = (message, type) => ({ error: { type, message } })
const moonshot = () =>
  family(oaiHooks({
    provider: "moonshot",
    ref: "sources/vendors.md §3 (KIMI-DOCS)",
    base: "https://api.moonshot.ai/v1",
    id: "batch_d2k4m8q1r7s3t5u9",
    ids: ["batch_d2k4m8q1r7s3t5a1", "batch_d2k4m8q1r7s3t5a2", "batch_d2k4m8q1r7s3t5a3"],
    missingId: "batch_does_not_exist",
    base_fields: { object: "batch", endpoint: "/v1/chat/completions", input_file_id: "file-kimi-9a8b7c", completion_window: "1d", metadata: {} },
    // Moonshot's documented BatchObject has no errors, expired_at, model or usage.
    shape: ({ errors, expired_at, model, usage, ...rest }) => rest,
    okHeaders: {},
    errHeaders: () => ({}),
    refusal: { status: 400, body: (status) => kimiError(`Batch cannot be cancelled in status ${status}: only tasks in validating, in_progress, or finalizing status can be cancelled`, "invalid_request_error") },
    refusalSource: () => synthetic("sources/vendors.md §3: cancel only in validating / in_progress / finalizing (KIMI-DOCS batch-cancel); the 400 body is UNVERIFIED, written in the documented {error:{type,message}} envelope"),
    listPage: (data, hasMore) => ({ object: "list", data, has_more: hasMore }),
    errors: {
      unauthorized: { source: documented("sources/vendor-examples.json #16: KIMI-DOCS errors, 401 invalid_authentication_error"), body: { error: { message: "Invalid Authentication", type: "invalid_authentication_error" } }, expect: {} },
      forbidden: { source: synthetic("sources/vendors.md §3: 403 type name UNVERIFIED; documented envelope"), body: kimiError("The API key has no permission to access this resource", "permission_denied_error") },
      notFound: { source: synthetic("sources/vendors.md §3: 404 type name UNVERIFIED; documented envelope"), body: (bid) => kimiError(`batch ${bid} not found`, "resource_not_found_error") },
      rateLimit: { body: kimiError("The engine is currently overloaded, please try again later", "rate_limit_error"), headers: { "retry-after": "3" }, retryAfterMs: 3000 },
      quota: { status: 429, source: synthetic("sources/vendors.md §3: 429 quota type UNVERIFIED; Kimi names it exceeded_current_quota_error"), body: kimiError("Your account is suspended because your quota is exceeded, please recharge", "exceeded_current_quota_error") },
      server: { body: kimiError("Internal server error", "server_error") }
    },
    results: fileResults({ ref: "sources/vendors.md §3: results through GET /v1/files/{id}/content (KIMI-DOCS use-batch-api)" }),
    extra: ({ req, cancelReq, ok, id }) => [
      {
        operation: "cancel", scenario: "documented-example",
        description: "The documented cancel answer, verbatim: its rendering has no status at all, so the batch reads as unknown (not a crash)",
        source: documented("sources/vendor-examples.json #14: KIMI-DOCS batch-cancel OpenAPI example (autogen; omits status)"),
        input: { batchId: "<string>" },
        exchanges: [{ request: req("POST", "https://api.moonshot.ai/v1/batches/%3Cstring%3E/cancel"), response: ok({ id: "<string>", object: "batch", endpoint: "<string>", input_file_id: "<string>", completion_window: "<string>", created_at: 123, request_counts: { completed: 123, failed: 123, total: 123 }, output_file_id: "<string>", error_file_id: "<string>", in_progress_at: 123, expires_at: 123, finalizing_at: 123, completed_at: 123, failed_at: 123, cancelling_at: 123, cancelled_at: 123, metadata: {} }) }],
        expect: { batch: { id: "<string>", status: "unknown", vendorStatus: "", terminal: false, counts: { total: 123, succeeded: 123, failed: 123 }, createdAt: "1970-01-01T00:02:03.000Z", cancelRequestedAt: "1970-01-01T00:02:03.000Z" } }
      },
      {
        operation: "list", scenario: "documented-example",
        description: "The documented list page, verbatim: has_more without first_id/last_id, so the cursor is the last id of the page",
        source: documented("sources/vendor-examples.json #13: KIMI-DOCS batch-list OpenAPI example"),
        input: { limit: 20, after: "batch_prev" },
        exchanges: [{ request: req("GET", "https://api.moonshot.ai/v1/batches?limit=20&after=batch_prev"), response: ok({ object: "list", data: [{ id: "<string>", object: "batch", endpoint: "<string>", input_file_id: "<string>", completion_window: "<string>", status: "validating", created_at: 123, request_counts: { completed: 123, failed: 123, total: 123 }, output_file_id: "<string>", error_file_id: "<string>", in_progress_at: 123, expires_at: 123, finalizing_at: 123, completed_at: 123, failed_at: 123, cancelling_at: 123, cancelled_at: 123, metadata: {} }], has_more: true }) }],
        expect: { page: { hasMore: true, nextCursor: "<string>", batches: [{ id: "<string>", status: "validating", terminal: false }] } }
      },
      {
        operation: "cancel", scenario: "content-filter-400",
        description: "A 400 to cancel is read as an invalid-state refusal (Moonshot refuses with 400); the one retrieve shows the batch running, so InvalidBatchState as FORMAT.md says; its message keeps the vendor's own words and the running status",
        source: documented("sources/vendor-examples.json #15: KIMI-DOCS errors, 400 envelope"),
        input: { batchId: id },
        exchanges: [
          { request: cancelReq(), response: { status: 400, headers: { "content-type": "application/json" }, body: { error: { type: "content_filter", message: "The request was rejected because it was considered high risk" } } } },
          { request: req("GET", `https://api.moonshot.ai/v1/batches/${id}`), response: ok({ id, object: "batch", status: "in_progress", created_at: T0 }) }
        ],
        expect: { error: { _tag: "InvalidBatchState", httpStatus: 400, vendorStatus: "in_progress" } }
      }
    ]
  }))

// --- Respan -----------------------------------------------------------------------------------------
const respanDocBatch = { id: "batch_abc123", object: "batch", endpoint: "/v1/chat/completions", errors: null, input_file_id: "file-abc123", completion_window: "24h", status: "cancelling", output_file_id: null, error_file_id: null, created_at: 1711471533, in_progress_at: 1711471538, expires_at: 1711557933, finalizing_at: null, completed_at: null, failed_at: null, expired_at: null, cancelling_at: 1711475163, cancelled_at: null, request_counts: { total: 100, completed: 23, failed: 1 }, metadata: {} }
const respanDocCompleted = { id: "batch_abc123", object: "batch", endpoint: "/v1/chat/completions", errors: null, input_file_id: "file-abc123", completion_window: "24h", status: "completed", output_file_id: "file-xyz789", error_file_id: null, created_at: 1711471533, in_progress_at: 1711471538, expires_at: 1711557933, finalizing_at: 1711493133, completed_at: 1711493163, failed_at: null, expired_at: null, cancelling_at: null, cancelled_at: null, request_counts: { total: 100, completed: 95, failed: 5 }, metadata: { description: "Customer analysis batch" } }
const respan = () =>
  family(oaiHooks({
    provider: "respan",
    ref: "sources/vendors.md §5 (RESPAN-DOCS, KWAI-DOCS)",
    base: "https://api.respan.ai/api/v1",
    slash: true,
    id: "batch_abc123",
    ids: ["batch_abc123", "batch_def456", "batch_ghi789"],
    missingId: "batch_missing000",
    base_fields: { object: "batch", endpoint: "/v1/chat/completions", input_file_id: "file-abc123", completion_window: "24h", metadata: {} },
    shape: ({ model, usage, ...rest }) => rest,
    okHeaders: {},
    errHeaders: () => ({}),
    refusal: { status: 400, body: (status) => ({ error: { message: `Batch is already ${status} and cannot be cancelled`, type: "invalid_request_error" } }) },
    refusalSource: (status) => status === "completed"
      ? documented("sources/vendor-examples.json #25: RESPAN-DOCS cancel, 400 'Batch is already completed and cannot be cancelled'")
      : synthetic("sources/vendors.md §5: the documented 400 refusal, with this status in its message"),
    documentedCancel: (from) => (from === "in_progress" ? respanDocBatch : undefined),
    cancelSource: (from) => (from === "in_progress" ? documented("sources/vendor-examples.json #23: RESPAN-DOCS cancel 200 example") : undefined),
    recordedRetrieve: { completed: { source: documented("sources/vendor-examples.json #27: RESPAN-DOCS retrieve example (trailing slash on the path inferred)"), body: respanDocCompleted } },
    listPage: (data, hasMore) => ({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore }),
    errors: {
      unauthorized: { source: documented("sources/vendor-examples.json #26: RESPAN-DOCS cancel 401 {error: string}"), body: { error: "Authentication credentials were not provided." }, expect: {} },
      forbidden: { source: synthetic("sources/vendors.md §5: DRF's PermissionDenied shape {detail}"), body: { detail: "You do not have permission to perform this action." } },
      notFound: { source: documented("sources/vendor-examples.json #24 / #28: RESPAN-DOCS 404"), body: (bid) => ({ error: { message: `No such batch: ${bid}`, type: "invalid_request_error" } }) },
      rateLimit: { body: { detail: "Rate limit exceeded", retry_after: 60 }, headers: {}, retryAfterMs: 60000 },
      quota: { status: 429, source: synthetic("sources/vendors.md §5: batches run on the customer's own OpenAI key, so OpenAI's insufficient_quota passes through (UNVERIFIED)"), body: { error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota" } } },
      server: { body: { detail: "A server error occurred." } }
    },
    results: fileResults({ ref: "sources/vendors.md §5: files through /api/files/{id}/content/ (beside the /api/v1 batches; see results.files-under-api-files)", filesBase: "https://api.respan.ai/api" }),
    extra: ({ req, ok, id }) => [
      {
        operation: "cancel", scenario: "with-respan-params",
        description: "Tracking fields set on the client go in X-Data-Respan-Params as Base64-encoded JSON",
        source: documented("sources/vendors.md §5 / sources/vendor-examples.json #23: X-Data-Respan-Params is a Base64-encoded JSON object (RESPAN-DOCS reference)"),
        input: { batchId: id, clientOptions: { params: { customer_identifier: "user123", environment: "staging" } } },
        exchanges: [{ request: req("POST", `https://api.respan.ai/api/v1/batches/${id}/cancel/`, { headers: { "X-Data-Respan-Params": Buffer.from(JSON.stringify({ customer_identifier: "user123", environment: "staging" })).toString("base64") } }), response: ok(respanDocBatch) }],
        expect: { batch: { status: "cancelling" } }
      },
      {
        operation: "cancel", scenario: "with-respan-params-json",
        description: "With paramsEncoding json the header carries the raw JSON, as the older Keywords AI pages send it",
        source: documented("sources/vendors.md §5: KWAI-DOCS send json.dumps(...) as the header value"),
        input: { batchId: id, clientOptions: { params: { customer_identifier: "user123" }, paramsEncoding: "json" } },
        exchanges: [{ request: req("POST", `https://api.respan.ai/api/v1/batches/${id}/cancel/`, { headers: { "X-Data-Respan-Params": "{\"customer_identifier\":\"user123\"}" } }), response: ok(respanDocBatch) }],
        expect: { batch: { status: "cancelling" } }
      },
      {
        operation: "retrieve", scenario: "unauthorized-detail",
        description: "The Keywords AI {detail} 401 shape is Unauthorized too",
        source: documented("sources/vendor-examples.json #31: KWAI-DOCS error-handling 401"),
        input: { batchId: id },
        exchanges: [{ request: req("GET", `https://api.respan.ai/api/v1/batches/${id}/`), response: { status: 401, headers: { "content-type": "application/json" }, body: { detail: "Your API key is invalid or expired, please check your API key at https://platform.keywordsai.co/platform/api/api-keys" } } }],
        expect: { error: { _tag: "Unauthorized", httpStatus: 401 } }
      },
      {
        operation: "list", scenario: "documented-example",
        description: "The documented list page, verbatim",
        source: documented("sources/vendor-examples.json #29: RESPAN-DOCS list example"),
        input: { limit: 10 },
        exchanges: [{ request: req("GET", "https://api.respan.ai/api/v1/batches/?limit=10"), response: ok({ object: "list", data: [{ id: "batch_abc123", object: "batch", endpoint: "/v1/chat/completions", status: "completed", created_at: 1711471533, completed_at: 1711493163, request_counts: { total: 100, completed: 95, failed: 5 } }, { id: "batch_def456", object: "batch", endpoint: "/v1/chat/completions", status: "in_progress", created_at: 1711475163, request_counts: { total: 50, completed: 23, failed: 0 } }], first_id: "batch_abc123", last_id: "batch_def456", has_more: false }) }],
        expect: { page: { hasMore: false, batches: [{ id: "batch_abc123", status: "completed", endedAt: iso(1711493163), counts: { total: 100, succeeded: 95, failed: 5 } }, { id: "batch_def456", status: "in_progress" }] } }
      }
    ]
  }))

// --- MeshAPI ----------------------------------------------------------------------------------------
const meshError = (code, message, extra = {}) => ({ error: { code, message, ...extra }, request_id: "req_01HZQ3V8K2M4N6P8R0T2W4Y6A8" })
const meshResults = (statusCount) => Array.from({ length: statusCount }, (_, i) => ({ custom_id: `req-${i + 1}`, response: { status_code: 200, body: { id: `chatcmpl-${i + 1}`, choices: [{ message: { content: `answer ${i + 1}` } }] } }, error: null }))
const meshapi = () =>
  family(oaiHooks({
    provider: "meshapi",
    ref: "sources/vendors.md §6 (MESH-DOCS, MESH-PY)",
    base: "https://api.meshapi.ai/v1",
    id: "batch_01J9Z8Y7X6W5V4T3S2R1Q0P9N8",
    ids: ["batch_01J9Z8Y7X6W5V4T3S2R1Q0P9A1", "batch_01J9Z8Y7X6W5V4T3S2R1Q0P9A2", "batch_01J9Z8Y7X6W5V4T3S2R1Q0P9A3"],
    missingId: "batch_01J9Z8Y7X6W5V4T3S2R1Q0MISS",
    cancelBody: {},
    base_fields: { object: "batch", endpoint: "/v1/chat/completions", model: "openai/gpt-5-nano", provider: "openai", metadata: {}, usage_synced: false },
    // MESH-PY BatchObject: no expires_at / in_progress_at / finalizing_at / cancelling_at … timestamps.
    shape: ({ in_progress_at, finalizing_at, failed_at, expired_at, cancelling_at, cancelled_at, expires_at, errors, usage, ...rest }) => {
      const out = { ...rest }
      if (out.completed_at === null) delete out.completed_at
      if (out.status === "completed" || out.status === "cancelled" || out.status === "expired") {
        out.results = meshResults(out.status === "completed" ? 2 : 1)
      }
      return out
    },
    okHeaders: { "x-request-id": "req_01HZQ3V8K2M4N6P8R0T2W4Y6A8" },
    errHeaders: () => ({ "x-request-id": "req_01HZQ3V8K2M4N6P8R0T2W4Y6A8" }),
    refusal: { status: 409, body: (status) => meshError("conflict", `Batch is ${status} and can no longer be cancelled.`) },
    refusalSource: () => synthetic("sources/vendors.md §6: MESH-PY maps 409 to conflict; the cancel refusal itself is UNVERIFIED"),
    listPage: (data, hasMore) => ({ object: "list", data, has_more: hasMore }),
    errors: {
      unauthorized: { source: documented("sources/vendor-examples.json #36: MESH-PY live test, 401"), body: { error: { code: "unauthorized", message: "Invalid or missing API key." }, request_id: "req_01HZXYZ" }, expect: { requestId: "req_01HZQ3V8K2M4N6P8R0T2W4Y6A8" } },
      forbidden: { source: synthetic("sources/vendors.md §6: MESH-PY 403 forbidden"), body: meshError("forbidden", "This key may not manage batches.") },
      notFound: { source: synthetic("sources/vendors.md §6: MESH-PY 404 not_found"), body: (bid) => meshError("not_found", `Batch ${bid} not found.`) },
      rateLimit: { body: { error: { code: "rate_limit_exceeded", message: "Rate limit exceeded.", retry_after_seconds: 5 }, request_id: "req_01HZDEF" }, headers: {}, retryAfterMs: 5000 },
      quota: { status: 402, source: synthetic("sources/vendors.md §6: MESH-PY 402 spend_limit_exceeded"), body: meshError("spend_limit_exceeded", "This key has reached its spend cap.") },
      server: { body: meshError("upstream_error", "The upstream provider failed.") }
    },
    results: ({ batch, req, batchUrl, ok }) => {
      const completed = batch("completed")
      const cancelled = batch("cancelled")
      return [
        { operation: "results", scenario: "completed", description: "Results come inline in the retrieved batch: one exchange, no file download",
          source: synthetic("sources/vendors.md §6: results inline when completed (MESH-DOCS guides/batch-api)"), input: { batchId: completed.id },
          exchanges: [{ request: req("GET", batchUrl()), response: ok(completed) }],
          expect: { results: [{ customId: "req-1", outcome: "succeeded" }, { customId: "req-2", outcome: "succeeded" }] } },
        { operation: "results", scenario: "cancelled", description: "Partial inline results of a cancelled batch ('Partial results may still be available')",
          source: synthetic("seeds: MESH-DOCS cancel-batch 'Partial results may still be available'"), input: { batchId: cancelled.id },
          exchanges: [{ request: req("GET", batchUrl()), response: ok(cancelled) }],
          expect: { results: [{ customId: "req-1", outcome: "succeeded" }] } },
        { operation: "results", scenario: "documented-example", description: "The documented retrieve with inline results, verbatim",
          source: documented("sources/vendor-examples.json #33: MESH-DOCS guides/batch-api"), input: { batchId: "batch_xyz789" },
          exchanges: [{ request: req("GET", "https://api.meshapi.ai/v1/batches/batch_xyz789"), response: ok({ id: "batch_xyz789", status: "completed", request_counts: { total: 1, completed: 1, failed: 0 }, results: [{ custom_id: "doc-001", response: { status_code: 200, body: { choices: [{ message: { content: "The note says..." } }], usage: { prompt_tokens: 12, completion_tokens: 40 } } }, error: null }] }) }],
          expect: { results: [{ customId: "doc-001", outcome: "succeeded", response: { status_code: 200 } }] } },
        { operation: "results", scenario: "completed-without-results", description: "A completed batch that counts finished requests but has no results list and names no file: ResultsUnavailable (no-results), not an empty list",
          source: synthetic("results are never silently dropped"), input: { batchId: completed.id },
          exchanges: [{ request: req("GET", batchUrl()), response: ok((({ results, output_file_id, error_file_id, ...rest }) => rest)(completed)) }],
          expect: { error: { _tag: "ResultsUnavailable", operation: "results", reason: "no-results" } } },
        { operation: "results", scenario: "failed-without-results", description: "A failed batch that finished no request and has no results list: no results",
          source: synthetic("sources/vendors.md §6: results inline when completed"), input: { batchId: completed.id },
          exchanges: [{ request: req("GET", batchUrl()), response: ok(batch("failed", { request_counts: { total: 2, completed: 0, failed: 0 } })) }],
          expect: { results: [] } },
        { operation: "results", scenario: "not-terminal", description: "Results of a running batch: InvalidBatchState",
          source: synthetic("FORMAT.md"), input: { batchId: completed.id },
          exchanges: [{ request: req("GET", batchUrl()), response: ok(batch("in_progress")) }],
          expect: { error: { _tag: "InvalidBatchState", vendorStatus: "in_progress" } } }
      ]
    },
    extra: ({ req, ok, cancelReq, err, id }) => [
      { operation: "cancel", scenario: "documented-example", description: "The SDK test's cancel: POST with body {}, an id with a slash percent-encoded",
        source: documented("sources/vendor-examples.json #35: MESH-PY tests, cancel POSTs {}"), input: { batchId: "batch/123" },
        exchanges: [{ request: req("POST", "https://api.meshapi.ai/v1/batches/batch%2F123/cancel", { body: {} }), response: ok({ id: "batch/123", object: "batch", status: "cancelling" }) }],
        expect: { batch: { id: "batch/123", status: "cancelling", vendorStatus: "cancelling", terminal: false, counts: {} } } },
      { operation: "retrieve", scenario: "documented-example", description: "The SDK fixture's completed batch, verbatim",
        source: documented("sources/vendor-examples.json #34: MESH-PY tests fixture"), input: { batchId: "batch_abc123" },
        exchanges: [{ request: req("GET", "https://api.meshapi.ai/v1/batches/batch_abc123"), response: ok({ id: "batch_abc123", object: "batch", status: "completed", endpoint: "/v1/chat/completions", input_file_id: "file-input-abc", output_file_id: "file-output-abc", error_file_id: null, created_at: 1710000000, completed_at: 1710003600, expires_at: 1710086400, completion_window: "24h", request_counts: { total: 2, completed: 2, failed: 0 }, metadata: { job: "batch-test" }, results: [{ custom_id: "req-1", response: { status_code: 200, body: { id: "chatcmpl-1" } } }, { custom_id: "req-2", response: { status_code: 200, body: { id: "chatcmpl-2" } } }], errors_detail: [] }) }],
        expect: { batch: { status: "completed", terminal: true, createdAt: iso(1710000000), endedAt: iso(1710003600), expiresAt: iso(1710086400), counts: { total: 2, succeeded: 2, failed: 0 } } } },
      { operation: "cancel", scenario: "validation-error-422", description: "422 in Mesh's envelope is InvalidRequest with the details",
        source: documented("sources/vendor-examples.json #37: MESH-PY tests/fixtures/error_422.json"), input: { batchId: id },
        exchanges: [{ request: cancelReq(), response: err(422, { error: { code: "validation_error", message: "Request validation failed.", details: [{ type: "missing", loc: ["body", "messages"], msg: "Field required" }] }, request_id: "req_01HZABC" }) }],
        expect: { error: { _tag: "InvalidRequest", httpStatus: 422, details: [{ type: "missing", loc: ["body", "messages"], msg: "Field required" }] } } },
      { operation: "cancel", scenario: "validation-error-422-fastapi", description: "422 in FastAPI's {detail:[…]} shape is InvalidRequest with the details",
        source: documented("sources/vendors.md §6: the OpenAPI declares FastAPI's HTTPValidationError for every operation"), input: { batchId: id },
        exchanges: [{ request: cancelReq(), response: { status: 422, headers: { "content-type": "application/json" }, body: { detail: [{ loc: ["path", "batch_id"], msg: "String should match pattern '^batch_'", type: "string_pattern_mismatch" }] } } }],
        expect: { error: { _tag: "InvalidRequest", httpStatus: 422, details: [{ loc: ["path", "batch_id"], msg: "String should match pattern '^batch_'", type: "string_pattern_mismatch" }] } } },
      { operation: "retrieve", scenario: "not-found-detail", description: "FastAPI's {detail:\"…\"} 404 is BatchNotFound",
        source: synthetic("sources/vendors.md §6: MESH-PY falls back to {detail} (used by some 404s)"), input: { batchId: id },
        exchanges: [{ request: req("GET", `https://api.meshapi.ai/v1/batches/${id}`), response: { status: 404, headers: { "content-type": "application/json" }, body: { detail: "Not Found" } } }],
        expect: { error: { _tag: "BatchNotFound", httpStatus: 404 } } },
      { operation: "cancel", scenario: "not-implemented-501", description: "501 not_implemented (the resolved provider cannot batch) is Unsupported, not retried",
        source: synthetic("sources/vendors.md §6: MESH-DOCS batches create: 501 not_implemented"), input: { batchId: id },
        exchanges: [{ request: cancelReq(), response: err(501, meshError("not_implemented", "The resolved provider does not support batch cancel.")) }],
        expect: { error: { _tag: "Unsupported", requestId: "req_01HZQ3V8K2M4N6P8R0T2W4Y6A8" } } },
      { operation: "cancel", scenario: "rate-limited-body-hint", description: "retry_after_seconds in the body counts like retry-after; documented 429, then success",
        source: documented("sources/vendor-examples.json #38: MESH-PY 429 fixture"), input: { batchId: id },
        exchanges: [
          { request: cancelReq(), response: { status: 429, headers: { "content-type": "application/json" }, body: { error: { code: "rate_limit_exceeded", message: "Rate limit exceeded.", retry_after_seconds: 5 }, request_id: "req_01HZDEF" } } },
          { request: cancelReq(), response: ok({ id, object: "batch", status: "cancelling" }) }
        ],
        expect: { batch: { status: "cancelling" } } }
    ]
  }))

// --- Anthropic --------------------------------------------------------------------------------------
/** Anthropic's real wire form: `+00:00` offsets with microseconds (ELLMER recordings). */
const antTs = (seconds) => `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(((seconds * 1000) % 1000) * 1000 + 417).padStart(6, "0")}+00:00`
const ANT_STATUS = { in_progress: "in_progress", cancelling: "canceling", cancelled: "ended", completed: "ended", expired: "ended" }
const antCounts = {
  in_progress: { processing: 100, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
  cancelling: { processing: 100, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
  cancelled: { processing: 0, succeeded: 40, errored: 2, canceled: 58, expired: 0 },
  completed: { processing: 0, succeeded: 97, errored: 3, canceled: 0, expired: 0 },
  expired: { processing: 0, succeeded: 60, errored: 0, canceled: 0, expired: 40 }
}
const antBase = "https://api.anthropic.com/v1/messages/batches"
const antBatch = (status, extra = {}, id = "msgbatch_01XPZPiH1ni3dsLAD9cBDeew") => {
  const ended = { cancelled: T0 + 900, completed: T0 + 3660, expired: T0 + 86400 }[status]
  return {
    id, type: "message_batch", processing_status: ANT_STATUS[status] ?? status,
    request_counts: antCounts[status] ?? antCounts.in_progress,
    ended_at: ended === undefined ? null : antTs(ended),
    created_at: antTs(T0), expires_at: antTs(T0 + 86400),
    archived_at: null,
    cancel_initiated_at: status === "cancelling" || status === "cancelled" ? antTs(T0 + 600) : null,
    results_url: ended === undefined ? null : `${antBase}/${id}/results`,
    ...extra
  }
}
const antIso = (ts) => {
  if (typeof ts !== "string") return undefined
  const m = /^(.{19})(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts)
  const ms = (m[2] ?? "").slice(0, 3).padEnd(3, "0")
  return new Date(`${m[1]}.${ms}${m[3]}`).toISOString()
}
/**
 * succeeded, errored, canceled and expired are "zero until processing of the entire Message Batch has
 * ended" (MessageBatchRequestCounts, sources/vendors.md §1): before `ended` those zeros are no counts, so
 * the batch must not carry them; processing and the total it does.
 */
const antCountsExpect = (b) => {
  const c = b.request_counts
  const total = c.processing + c.succeeded + c.errored + c.canceled + c.expired
  if (b.processing_status === "ended") return { processing: c.processing, succeeded: c.succeeded, failed: c.errored, cancelled: c.canceled, expired: c.expired, total }
  const absent = { $absent: true }
  return { processing: c.processing, total, succeeded: absent, failed: absent, cancelled: absent, expired: absent }
}
const antExpect = (b) => {
  const c = b.request_counts
  const status = b.processing_status === "in_progress" ? "in_progress" : b.processing_status === "canceling" ? "cancelling"
    : b.processing_status === "ended" ? (b.cancel_initiated_at ? "cancelled" : c.expired > 0 ? "expired" : "completed") : "unknown"
  const e = { id: b.id, status, vendorStatus: b.processing_status, terminal: ["cancelled", "completed", "expired"].includes(status),
    counts: antCountsExpect(b) }
  for (const [k, f] of [["createdAt", "created_at"], ["expiresAt", "expires_at"], ["cancelRequestedAt", "cancel_initiated_at"], ["endedAt", "ended_at"]]) {
    const v = antIso(b[f]); if (v !== undefined) e[k] = v
  }
  return e
}
const antError = (type, message, requestId = "req_011CSHoEeqs5C35K2UUqR7Fy") => ({ type: "error", error: { type, message }, request_id: requestId })
const antLines = (lines) => ({ status: 200, headers: { "content-type": "application/binary" }, bodyText: jsonl(lines) })
const antMessage = (text) => ({ id: "msg_0135vLESKjqLqkkze25gdKB3", type: "message", role: "assistant", model: "claude-sonnet-4-6", content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 21, output_tokens: 7, service_tier: "batch" } })
const anthropic = () =>
  family({
    provider: "anthropic",
    ref: "sources/vendors.md §1 (ANT-PY, ANT-DOCS)",
    id: "msgbatch_01XPZPiH1ni3dsLAD9cBDeew",
    ids: ["msgbatch_011R1x8g28xYbJecnEni5jca", "msgbatch_011R1x8g28xYbJecnEni5jcb", "msgbatch_011R1x8g28xYbJecnEni5jcc"],
    missingId: "msgbatch_01NotThereAtAll000000000",
    auth: "x-api-key",
    requestHeaders: { "anthropic-version": "2023-06-01" },
    url: (path) => `https://api.anthropic.com${path}`,
    batchUrl: (bid) => `${antBase}/${encodeURIComponent(bid)}`,
    cancelUrl: (bid) => `${antBase}/${encodeURIComponent(bid)}/cancel`,
    listUrl: ({ limit, after } = {}) => {
      const q = [limit === undefined ? undefined : `limit=${limit}`, after === undefined ? undefined : `after_id=${after}`].filter(Boolean)
      return `${antBase}${q.length ? `?${q.join("&")}` : ""}`
    },
    batch: antBatch,
    cancelled: () => antBatch("cancelling"),
    expect: antExpect,
    statuses: ["in_progress", "cancelling", "cancelled", "completed", "expired"],
    cancellable: ["in_progress"],
    vendorWord: (_status, after) => after.processing_status,
    unknownStatus: (word = "paused") => antBatch("in_progress", { processing_status: word }),
    unknownWord: "paused",
    okHeaders: { "request-id": "req_011CSHoEeqs5C35K2UUqR7Fy" },
    errHeaders: () => ({ "request-id": "req_011CSHoEeqs5C35K2UUqR7Fy" }),
    refusal: { status: 400, body: (status) => antError("invalid_request_error", `Batch msgbatch_01XPZPiH1ni3dsLAD9cBDeew cannot be canceled: processing_status is ${ANT_STATUS[status] ?? status}.`) },
    refusalSource: () => synthetic("sources/vendors.md §1: the answer to a cancel of an ended batch is UNVERIFIED; written as a 400 invalid_request_error in the documented envelope"),
    documentedCancel: (from) => (from === "in_progress" ? { id: "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF", type: "message_batch", processing_status: "canceling", request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 }, ended_at: null, created_at: "2024-09-24T18:37:24.100435Z", expires_at: "2024-09-25T18:37:24.100435Z", cancel_initiated_at: "2024-09-24T18:39:03.114875Z", results_url: null } : undefined),
    cancelSource: (from) => (from === "in_progress" ? documented("sources/vendor-examples.json #1: ANT-DOCS batch-processing, canceling a message batch") : undefined),
    recordedRetrieve: {
      completed: {
        source: recorded(captureRef("state-capitals-anthropic@5a65709b.json"), `a real GET of an ended batch, captured from the live API by ellmer's maintainers (2026-07-02; ${captureUrl("state-capitals-anthropic@5a65709b.json")}): +00:00 microsecond timestamps; R's {} read back as null`),
        body: capture("state-capitals-anthropic@5a65709b.json")
      }
    },
    listPage: (data, hasMore) => ({ data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }),
    errors: {
      unauthorized: { source: synthetic("sources/vendors.md §1: 401 authentication_error in the documented envelope"), body: antError("authentication_error", "invalid x-api-key"), expect: { requestId: "req_011CSHoEeqs5C35K2UUqR7Fy" } },
      forbidden: { source: synthetic("sources/vendors.md §1: 403 permission_error"), body: antError("permission_error", "Your API key does not have permission to use the specified resource.") },
      notFound: { source: documented("https://github.com/ogx-ai/ogx/issues/6019", "a real 404 body pasted in an issue (sources/vendors.md §1), but not an answer to a batch request we can see; was `recorded` until 2026-12"), body: () => antError("not_found_error", "Not found", "req_011CbkLgZ1ns3Q9bdbENkLy5") },
      rateLimit: { body: antError("rate_limit_error", "This request would exceed the rate limit for your organization of 1,000 requests per minute."), headers: { "retry-after": "7" }, retryAfterMs: 7000 },
      quota: { status: 429, source: documented("sources/vendor-examples.json #6: ANT-DOCS 429 spend cap, details.error_code enforced_spend_limit_reached, no retry-after"), body: { type: "error", error: { type: "rate_limit_error", message: "You have reached your API usage limits: your organization has crossed its monthly API usage threshold, set based on your organization's API tier. You will regain access on 2026-09-01 at 00:00 UTC.", details: { error_code: "enforced_spend_limit_reached" } }, request_id: "req_018EeWyXxfu5pfWkrYcMdjWG" } },
      server: { body: antError("api_error", "Internal server error", "req_011CbGwJbzjfDGN6vNFPYMGA") }
    },
    results: ({ batch, req, ok }) => {
      const docId = "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"
      const completed = antBatch("completed", { request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 } }, docId)
      const cancelled = batch("cancelled")
      const expired = batch("expired")
      const docLines = "{\"custom_id\":\"my-second-request\",\"result\":{\"type\":\"succeeded\",\"message\":{\"id\":\"msg_014VwiXbi91y3JMjcpyGBHX5\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-opus-5\",\"content\":[{\"type\":\"text\",\"text\":\"Hello again! It's nice to see you. How can I assist you today? Is there anything specific you'd like to chat about or any questions you have?\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":11,\"output_tokens\":36}}}}\n{\"custom_id\":\"my-first-request\",\"result\":{\"type\":\"succeeded\",\"message\":{\"id\":\"msg_01FqfsLoHwgeFbguDgpz48m7\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-opus-5\",\"content\":[{\"type\":\"text\",\"text\":\"Hello! How can I assist you today? Feel free to ask me any questions or let me know if there's anything you'd like to chat about.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":34}}}}\n"
      return [
        { operation: "results", scenario: "completed", description: "Results of an ended batch from its results_url, lines in no fixed order",
          source: documented("sources/vendor-examples.json #4: ANT-DOCS results .jsonl example"), input: { batchId: docId },
          exchanges: [
            { request: req("GET", `${antBase}/${docId}`), response: ok(completed) },
            { request: req("GET", `${antBase}/${docId}/results`), response: { status: 200, headers: { "content-type": "application/binary" }, bodyText: docLines } }
          ],
          expect: { results: [{ customId: "my-second-request", outcome: "succeeded", response: { id: "msg_014VwiXbi91y3JMjcpyGBHX5" } }, { customId: "my-first-request", outcome: "succeeded" }] } },
        { operation: "results", scenario: "cancelled", description: "Partial results of a cancelled batch: succeeded, errored and canceled lines",
          source: synthetic("sources/vendors.md §1: result types succeeded / errored / canceled / expired (ANT-PY message_batch_*_result.py)"), input: { batchId: cancelled.id },
          exchanges: [
            { request: req("GET", `${antBase}/${cancelled.id}`), response: ok(cancelled) },
            { request: req("GET", `${antBase}/${cancelled.id}/results`), response: antLines([
              { custom_id: "q-1", result: { type: "succeeded", message: antMessage("Des Moines") } },
              { custom_id: "q-2", result: { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message: "max_tokens: Field required" } } } },
              { custom_id: "q-3", result: { type: "canceled" } }
            ]) }
          ],
          expect: { results: [{ customId: "q-1", outcome: "succeeded" }, { customId: "q-2", outcome: "errored", error: { error: { type: "invalid_request_error" } } }, { customId: "q-3", outcome: "cancelled" }] } },
        { operation: "results", scenario: "expired", description: "Partial results of an expired batch",
          source: synthetic("sources/vendors.md §1: expired result type"), input: { batchId: expired.id },
          exchanges: [
            { request: req("GET", `${antBase}/${expired.id}`), response: ok(expired) },
            { request: req("GET", `${antBase}/${expired.id}/results`), response: antLines([{ custom_id: "q-1", result: { type: "succeeded", message: antMessage("Albany") } }, { custom_id: "q-2", result: { type: "expired" } }]) }
          ],
          expect: { results: [{ customId: "q-1", outcome: "succeeded" }, { customId: "q-2", outcome: "expired" }] } },
        { operation: "results", scenario: "inherited-name-type", description: "A result line typed \"constructor\" is not a result type: UnexpectedResponse, not a crash or a made-up outcome",
          source: synthetic("hostile vendor body"), input: { batchId: expired.id },
          exchanges: [
            { request: req("GET", `${antBase}/${expired.id}`), response: ok(expired) },
            { request: req("GET", `${antBase}/${expired.id}/results`), response: antLines([{ custom_id: "q-1", result: { type: "constructor" } }]) }
          ],
          expect: { error: { _tag: "UnexpectedResponse", operation: "results" } } },
        { operation: "results", scenario: "not-terminal", description: "Results of a batch still processing: InvalidBatchState",
          source: synthetic("FORMAT.md; the SDK also refuses when results_url is null"), input: { batchId: cancelled.id },
          exchanges: [{ request: req("GET", `${antBase}/${cancelled.id}`), response: ok(batch("cancelling")) }],
          expect: { error: { _tag: "InvalidBatchState", vendorStatus: "canceling" } } }
      ]
    },
    extra: ({ req, ok, cancelReq, err, id }) => [
      { operation: "cancel", scenario: "documented-autogen", description: "The API reference's autogenerated cancel example, verbatim: processing_status in_progress with every field filled; read as is",
        source: documented("sources/vendor-examples.json #2: ANT-DOCS canceling-message-batches API reference (autogenerated)"), input: { batchId: "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF" },
        exchanges: [{ request: req("POST", `${antBase}/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/cancel`), response: ok({ id: "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF", archived_at: "2024-08-20T18:37:24.100435Z", cancel_initiated_at: "2024-08-20T18:37:24.100435Z", created_at: "2024-08-20T18:37:24.100435Z", ended_at: "2024-08-20T18:37:24.100435Z", expires_at: "2024-08-20T18:37:24.100435Z", processing_status: "in_progress", request_counts: { canceled: 10, errored: 30, expired: 10, processing: 100, succeeded: 50 }, results_url: "https://api.anthropic.com/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results", type: "message_batch" }) }],
        expect: { batch: { status: "in_progress", vendorStatus: "in_progress", terminal: false, counts: { total: 200, processing: 100, succeeded: { $absent: true }, failed: { $absent: true }, cancelled: { $absent: true }, expired: { $absent: true } }, createdAt: "2024-08-20T18:37:24.100Z", resultsUrl: "https://api.anthropic.com/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results" } } },
      { operation: "list", scenario: "documented-example", description: "The documented list page, verbatim: next page after last_id",
        source: documented("sources/vendor-examples.json #3: ANT-DOCS list example"), input: {},
        exchanges: [{ request: req("GET", antBase), response: ok({ data: [{ id: "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF", archived_at: "2024-08-20T18:37:24.100435Z", cancel_initiated_at: "2024-08-20T18:37:24.100435Z", created_at: "2024-08-20T18:37:24.100435Z", ended_at: "2024-08-20T18:37:24.100435Z", expires_at: "2024-08-20T18:37:24.100435Z", processing_status: "in_progress", request_counts: { canceled: 10, errored: 30, expired: 10, processing: 100, succeeded: 50 }, results_url: "https://api.anthropic.com/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results", type: "message_batch" }], first_id: "first_id", has_more: true, last_id: "last_id" }) }],
        expect: { page: { hasMore: true, nextCursor: "last_id", batches: [{ id: "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF", status: "in_progress" }] } } },
      { operation: "retrieve", scenario: "not-found-documented", description: "The documented 404 envelope; request-id header and body agree",
        source: documented("sources/vendor-examples.json #5: ANT-DOCS errors"), input: { batchId: id },
        exchanges: [{ request: req("GET", `${antBase}/${id}`), response: { status: 404, headers: { "content-type": "application/json" }, body: antError("not_found_error", "The requested resource could not be found.") } }],
        expect: { error: { _tag: "BatchNotFound", requestId: "req_011CSHoEeqs5C35K2UUqR7Fy", batchId: id } } },
      { operation: "cancel", scenario: "overloaded-529-then-ok", description: "529 overloaded_error is retried like a 5xx",
        source: synthetic("sources/vendors.md §1: 529 overloaded_error; the SDK retries >= 500"), input: { batchId: id },
        exchanges: [
          { request: cancelReq(), response: err(529, antError("overloaded_error", "Overloaded")) },
          { request: cancelReq(), response: err(529, antError("overloaded_error", "Overloaded")) },
          { request: cancelReq(), response: ok(antBatch("cancelling")) }
        ],
        expect: { batch: { status: "cancelling", vendorStatus: "canceling" } } },
      { operation: "cancel", scenario: "overloaded-529-exhausted", description: "529 on every attempt: ProviderUnavailable",
        source: synthetic("sources/vendors.md §1: 529 overloaded_error"), input: { batchId: id },
        exchanges: [1, 2, 3].map(() => ({ request: cancelReq(), response: err(529, antError("overloaded_error", "Overloaded")) })),
        expect: { error: { _tag: "ProviderUnavailable", httpStatus: 529 } } },
      { operation: "retrieve", scenario: "billing-402", description: "402 billing_error is QuotaExceeded",
        source: synthetic("sources/vendors.md §1: 402 billing_error"), input: { batchId: id },
        exchanges: [{ request: req("GET", `${antBase}/${id}`), response: err(402, antError("billing_error", "Your credit balance is too low to access the Anthropic API.")) }],
        expect: { error: { _tag: "QuotaExceeded", httpStatus: 402 } } },
      { operation: "retrieve", scenario: "bearer-auth", description: "With auth: bearer the token goes in Authorization, and no x-api-key is sent",
        source: synthetic("sources/vendors.md §1: Authorization: Bearer accepted (ANT-PY _client.py)"), input: { batchId: id, clientOptions: { auth: "bearer" } },
        exchanges: [{ request: { method: "GET", url: `${antBase}/${id}`, headers: { "anthropic-version": "2023-06-01" }, auth: "bearer" }, response: ok(antBatch("in_progress")) }],
        expect: { batch: { status: "in_progress" } } },
      { operation: "retrieve", scenario: "z-timestamps", description: "Timestamps with Z and microseconds (the docs' form) read like the +00:00 ones",
        source: documented("sources/vendors.md §1: docs and SDK examples use the Z form"), input: { batchId: id },
        exchanges: [{ request: req("GET", `${antBase}/${id}`), response: ok(antBatch("cancelled", { created_at: "2024-09-24T18:37:24.100435Z", cancel_initiated_at: "2024-09-24T18:39:03.114875Z", ended_at: "2024-09-24T18:49:03.999999Z" })) }],
        expect: { batch: { status: "cancelled", createdAt: "2024-09-24T18:37:24.100Z", cancelRequestedAt: "2024-09-24T18:39:03.114Z", endedAt: "2024-09-24T18:49:03.999Z" } } }
    ]
  })

// --- Together ----------------------------------------------------------------------------------------
const TG_WORD = { validating: "VALIDATING", in_progress: "IN_PROGRESS", cancelling: "CANCELING", cancelled: "CANCELLED", completed: "COMPLETED", failed: "FAILED", expired: "EXPIRED" }
const TG_PROGRESS = { validating: 0, in_progress: 42.5, cancelling: 42.5, cancelled: 42.5, completed: 100, failed: 0, expired: 80 }
const tgIso = (s) => new Date(s * 1000).toISOString()
const tgBase = "https://api.together.xyz/v1"
const tgBatch = (status, extra = {}, id = "7f9c2b1e-4d3a-4b8c-9e2f-1a2b3c4d5e6f") => {
  const terminal = ["cancelled", "completed", "failed", "expired"].includes(status)
  return {
    id, user_id: "66f0a1b2c3d4e5f601234567", input_file_id: "file-3b2a1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d", file_size_bytes: 1048576,
    status: TG_WORD[status] ?? status, job_deadline: "2026-08-13T11:59:59.999998Z", created_at: "2026-08-12T12:00:00Z",
    endpoint: "/v1/chat/completions", progress: TG_PROGRESS[status] ?? 0, model_id: "openai/gpt-oss-20b",
    output_file_id: terminal && status !== "failed" ? "file-0a1b2c3d-output" : null,
    error_file_id: terminal ? "file-0a1b2c3d-errors" : null,
    ...(status === "failed" ? { error: "input file failed validation: line 3 is not valid JSON" } : {}),
    completed_at: terminal ? "2026-08-12T13:30:00.250Z" : null,
    ...extra
  }
}
const tgExpect = (b) => {
  const map = { VALIDATING: "validating", IN_PROGRESS: "in_progress", CANCELING: "cancelling", CANCELLING: "cancelling", CANCELLED: "cancelled", COMPLETED: "completed", FAILED: "failed", EXPIRED: "expired" }
  const status = map[b.status] ?? "unknown"
  const terminal = ["cancelled", "completed", "failed", "expired"].includes(status)
  const e = { id: b.id, status, vendorStatus: b.status, terminal, counts: {} }
  if (typeof b.progress === "number") e.progress = b.progress / 100
  if (b.created_at) e.createdAt = new Date(b.created_at).toISOString()
  if (b.job_deadline) e.expiresAt = b.job_deadline.replace(/\.(\d{3})\d*Z$/, ".$1Z")
  if (terminal && b.completed_at) e.endedAt = new Date(b.completed_at).toISOString()
  return e
}
const together = () =>
  family({
    provider: "together",
    ref: "sources/vendors.md §4 (TOG-SPEC, TOG-PY1, TOG-TS)",
    id: "7f9c2b1e-4d3a-4b8c-9e2f-1a2b3c4d5e6f",
    ids: ["0b1c2d3e-0000-4000-8000-000000000001", "0b1c2d3e-0000-4000-8000-000000000002", "0b1c2d3e-0000-4000-8000-000000000003"],
    missingId: "00000000-0000-4000-8000-000000000000",
    url: (path) => `${tgBase}${path}`,
    batchUrl: (bid) => `${tgBase}/batches/${encodeURIComponent(bid)}`,
    cancelUrl: (bid) => `${tgBase}/batches/${encodeURIComponent(bid)}/cancel`,
    listUrl: () => `${tgBase}/batches`,
    batch: tgBatch,
    cancelled: () => tgBatch("cancelling"),
    expect: tgExpect,
    statuses: ["validating", "in_progress", "cancelling", "cancelled", "completed", "failed", "expired"],
    cancellable: ["validating", "in_progress"],
    vendorWord: (status) => TG_WORD[status],
    unknownStatus: (word = "QUEUED") => tgBatch("in_progress", { status: word }),
    unknownWord: "QUEUED",
    okHeaders: {},
    errHeaders: () => ({}),
    refusal: { status: 400, body: (status) => ({ error: `batch job cannot be cancelled in status ${TG_WORD[status]}` }) },
    refusalSource: () => synthetic("sources/vendors.md §4: the spec lists 400 for cancel; the message is UNVERIFIED; {error: string} envelope (TOG-SPEC BatchErrorResponse)"),
    cancelSource: () => synthetic("sources/vendors.md §4: cancel answers CANCELING (TOG-PY1 BatchJobStatus; any-llm test)"),
    listPage: (data) => data,
    listFixtures: ({ batch, req, ok, expect }) => {
      const all = [batch("in_progress", {}, "0b1c2d3e-0000-4000-8000-000000000001"), batch("completed", {}, "0b1c2d3e-0000-4000-8000-000000000002"), batch("cancelled", {}, "0b1c2d3e-0000-4000-8000-000000000003")]
      return [
        { operation: "list", scenario: "first-page", description: "The list is a bare array with no paging parameters; limit is applied by the adapter, which then offers a cursor",
          source: synthetic("sources/vendors.md §4: list is a bare JSON array of BatchJob, no pagination params (TOG-SPEC)"), input: { limit: 2 },
          exchanges: [{ request: req("GET", `${tgBase}/batches`), response: ok(all) }],
          expect: { page: { hasMore: true, nextCursor: all[1].id, batches: all.slice(0, 2).map(expect) } } },
        { operation: "list", scenario: "next-page", description: "The next page: the whole list again, cut after the cursor by the adapter; no query is sent",
          source: synthetic("sources/vendors.md §4: no pagination params"), input: { limit: 2, after: all[1].id },
          exchanges: [{ request: req("GET", `${tgBase}/batches`), response: ok(all) }],
          expect: { page: { hasMore: false, batches: [expect(all[2])] } } },
        { operation: "list", scenario: "all", description: "Without limit: every batch, hasMore false",
          source: synthetic("sources/vendors.md §4"), input: {},
          exchanges: [{ request: req("GET", `${tgBase}/batches`), response: ok(all) }],
          expect: { page: { hasMore: false, batches: all.map(expect) } } },
        { operation: "list", scenario: "empty-null", description: "No batches: the body is a literal null",
          source: documented("sources/vendor-examples.json #21: any-llm test of together's list (an empty list comes back as null)"), input: {},
          exchanges: [{ request: req("GET", `${tgBase}/batches`), response: { status: 200, headers: { "content-type": "application/json" }, bodyText: "null" } }],
          expect: { page: { hasMore: false, batches: [] } } }
      ]
    },
    errors: {
      unauthorized: { source: synthetic("sources/vendors.md §4: {error: string} for 401 (TOG-SPEC)"), body: { error: "Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys." }, expect: {} },
      forbidden: { source: synthetic("sources/vendors.md §4: {error: string} for 403"), body: { error: "Forbidden: you do not have access to this batch job" } },
      notFound: { source: synthetic("sources/vendors.md §4: 404 batch not found (docs error table)"), body: (bid) => ({ error: `batch job ${bid} not found` }) },
      rateLimit: { body: { error: "rate limit exceeded" }, headers: { "retry-after": "30" }, retryAfterMs: 30000 },
      quota: { status: 402, source: synthetic("UNVERIFIED: a credit-limit refusal written as 402"), body: { error: "Credit limit exceeded. Please add credits to your account." } },
      server: { body: { error: "internal server error" } }
    },
    results: ({ batch, req, ok }) => {
      const content = (f) => `${tgBase}/files/${f}/content`
      const lines = (ls) => ({ status: 200, headers: { "content-type": "application/octet-stream" }, bodyText: jsonl(ls) })
      const completed = batch("completed")
      const cancelled = batch("cancelled")
      const line = (n, content) => ({ id: `req-${n}`, custom_id: `request-${n}`, response: { status_code: 200, body: { id: `gen-${n}`, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] } } })
      return [
        { operation: "results", scenario: "completed", description: "Output file then error file through /files/{id}/content",
          source: synthetic("sources/vendors.md §4: results GET /v1/files/{output_file_id}/content and error file; the line format is assumed OpenAI's"), input: { batchId: completed.id },
          exchanges: [
            { request: req("GET", `${tgBase}/batches/${completed.id}`), response: ok(completed) },
            { request: req("GET", content(completed.output_file_id)), response: lines([line(1, "Paris"), line(2, "Rome")]) },
            { request: req("GET", content(completed.error_file_id)), response: lines([{ id: "req-3", custom_id: "request-3", error: { message: "max_tokens too large", code: "invalid_request" } }]) }
          ],
          expect: { results: [{ customId: "request-1", outcome: "succeeded" }, { customId: "request-2", outcome: "succeeded" }, { customId: "request-3", outcome: "errored" }] } },
        { operation: "results", scenario: "cancelled", description: "Partial results of a cancelled batch",
          source: synthetic("sources/vendors.md §4: results files; partial results after cancel assumed as for OpenAI"), input: { batchId: cancelled.id },
          exchanges: [
            { request: req("GET", `${tgBase}/batches/${cancelled.id}`), response: ok(cancelled) },
            { request: req("GET", content(cancelled.output_file_id)), response: lines([line(1, "Paris")]) },
            { request: req("GET", content(cancelled.error_file_id)), response: lines([{ id: "req-2", custom_id: "request-2", error: { code: "batch_cancelled", message: "cancelled" } }]) }
          ],
          expect: { results: [{ customId: "request-1", outcome: "succeeded" }, { customId: "request-2", outcome: "cancelled" }] } },
        { operation: "results", scenario: "failed-no-output", description: "A failed batch has only an error file",
          source: synthetic("sources/vendors.md §4"), input: { batchId: completed.id },
          exchanges: [
            { request: req("GET", `${tgBase}/batches/${completed.id}`), response: ok(batch("failed")) },
            { request: req("GET", content("file-0a1b2c3d-errors")), response: lines([]) }
          ],
          expect: { results: [] } },
        { operation: "results", scenario: "dot-dot-file-id", description: "A batch naming its output file \"..\" would send the request to another path: UnexpectedResponse, nothing fetched",
          source: synthetic("hostile vendor body: file ids get the batch-id checks"), input: { batchId: completed.id },
          exchanges: [{ request: req("GET", `${tgBase}/batches/${completed.id}`), response: ok(batch("completed", { output_file_id: "..", error_file_id: null })) }],
          expect: { error: { _tag: "UnexpectedResponse", operation: "results" } } }
      ]
    },
    extra: ({ req, ok, cancelReq, id }) => [
      { operation: "list", scenario: "unknown-cursor", description: "A cursor that is no longer in the list (the batch was deleted): InvalidRequest rather than a silently empty last page",
        source: synthetic("sources/vendors.md §4: no server-side paging, the adapter pages the full list"), input: { limit: 2, after: "0b1c2d3e-0000-4000-8000-00000000dead" },
        exchanges: [{ request: req("GET", `${tgBase}/batches`), response: ok([tgBatch("in_progress", {}, "0b1c2d3e-0000-4000-8000-000000000001")]) }],
        expect: { error: { _tag: "InvalidRequest", operation: "list" } } },
      { operation: "cancel", scenario: "observed-canceling", description: "The cancel answer a third-party test reports from the live API: CANCELING (one L), job_deadline a fraction short of the hour",
        source: documented("sources/vendor-examples.json #20: mozilla-ai/any-llm tests/unit/providers/test_together_batch.py (serialized from its fixture)"), input: { batchId: "batch-123" },
        exchanges: [{ request: req("POST", `${tgBase}/batches/batch-123/cancel`), response: ok({ id: "batch-123", status: "CANCELING", endpoint: "/v1/chat/completions", input_file_id: "file-in", created_at: "2026-08-12T12:00:00Z", job_deadline: "2026-08-13T11:59:59.999998Z", model_id: "openai/gpt-oss-20b", output_file_id: null, error_file_id: null, completed_at: null }) }],
        expect: { batch: { id: "batch-123", status: "cancelling", vendorStatus: "CANCELING", terminal: false, createdAt: "2026-08-12T12:00:00.000Z", expiresAt: "2026-08-13T11:59:59.999Z", counts: {} } } },
      { operation: "cancel", scenario: "double-l-cancelling", description: "CANCELLING (two Ls) reads as cancelling too",
        source: synthetic("FORMAT.md: CANCELING/CANCELLING → cancelling"), input: { batchId: id },
        exchanges: [{ request: cancelReq(), response: ok(tgBatch("in_progress", { status: "CANCELLING" })) }],
        expect: { batch: { status: "cancelling", vendorStatus: "CANCELLING" } } },
      { operation: "cancel", scenario: "documented-example", description: "The OpenAPI schema example for cancel, verbatim (status IN_PROGRESS): read as is",
        source: documented("sources/vendor-examples.json #18: TOG-SPEC batch-cancel schema example"), input: { batchId: "01234567-8901-2345-6789-012345678901" },
        exchanges: [{ request: req("POST", `${tgBase}/batches/01234567-8901-2345-6789-012345678901/cancel`), response: ok({ id: "01234567-8901-2345-6789-012345678901", user_id: "user_789xyz012", input_file_id: "file-input123abc456def", file_size_bytes: 1048576, status: "IN_PROGRESS", job_deadline: "2024-01-15T15:30:00Z", created_at: "2024-01-15T14:30:00Z", endpoint: "/v1/chat/completions", progress: 75, model_id: "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo", output_file_id: "file-output789xyz012ghi", error_file_id: "file-errors456def789jkl", error: "<string>", completed_at: "2024-01-15T15:45:30Z" }) }],
        expect: { batch: { status: "in_progress", vendorStatus: "IN_PROGRESS", progress: 0.75, terminal: false, createdAt: "2024-01-15T14:30:00.000Z", expiresAt: "2024-01-15T15:30:00.000Z" } } },
      { operation: "retrieve", scenario: "documented-example", description: "The documented BatchJob, verbatim: progress 75.0 → 0.75, no counts",
        source: documented("sources/vendor-examples.json #19: TOG-SPEC BatchJob property examples"), input: { batchId: "01234567-8901-2345-6789-012345678901" },
        exchanges: [{ request: req("GET", `${tgBase}/batches/01234567-8901-2345-6789-012345678901`), response: ok({ id: "01234567-8901-2345-6789-012345678901", user_id: "user_789xyz012", input_file_id: "file-input123abc456def", file_size_bytes: 1048576, status: "IN_PROGRESS", job_deadline: "2024-01-15T15:30:00Z", created_at: "2024-01-15T14:30:00Z", endpoint: "/v1/chat/completions", progress: 75.0, model_id: "Qwen/Qwen3.5-9B", output_file_id: "file-output789xyz012ghi", error_file_id: "file-errors456def789jkl", completed_at: "2024-01-15T15:45:30Z" }) }],
        expect: { batch: { status: "in_progress", progress: 0.75, counts: {} } } },
      { operation: "retrieve", scenario: "error-string-400", description: "The documented {error: \"<string>\"} body on a 400 is InvalidRequest",
        source: documented("sources/vendor-examples.json #22: TOG-SPEC BatchErrorResponse"), input: { batchId: id },
        exchanges: [{ request: req("GET", `${tgBase}/batches/${id}`), response: { status: 400, headers: { "content-type": "application/json" }, body: { error: "<string>" } } }],
        expect: { error: { _tag: "InvalidRequest", httpStatus: 400 } } }
    ]
  })

export const providers = { anthropic, meshapi, moonshot, openai, respan, together }

export const skipReasons = {
  anthropic: {
    "cancel.validating": "Anthropic batches have no validating state (processing_status is in_progress, canceling or ended)",
    "cancel.failed": "Anthropic batches have no failed state; failures show as errored requests of an ended batch",
    "retrieve.validating": "Anthropic batches have no validating state",
    "retrieve.finalizing": "Anthropic batches have no finalizing state",
    "retrieve.failed": "Anthropic batches have no failed state"
  },
  together: {
    "retrieve.finalizing": "Together's BatchJob status enum has no FINALIZING"
  }
}
