// Vendor wire facts used by synthesize.mjs. Every `ref` points at ../shared/reference/vendors.md
// (section and source key) or vendor-examples.json (by index), where the source is named.

export const iso = (seconds) => new Date(seconds * 1000).toISOString()
const T0 = 1761083220 // a real created_at (ELLMER state-capitals.json, Oct 2025)

const jsonl = (lines) => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`
const synthetic = (ref) => ({ kind: "synthetic", ref })
const documented = (ref) => ({ kind: "documented", ref })
const recorded = (ref) => ({ kind: "recorded", ref })

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

function openaiFamily(v) {
  const id = v.id
  const url = (path, query) => `${v.base}${path}${v.slash ? "/" : ""}${query ?? ""}`
  const batchUrl = (bid = id) => url(`/batches/${encodeURIComponent(bid)}`)
  const cancelUrl = (bid = id) => url(`/batches/${encodeURIComponent(bid)}/cancel`)
  const req = (method, u, extra = {}) => ({ method, url: u, headers: v.requestHeaders ?? {}, auth: "bearer", ...extra })
  const cancelReq = (bid = id) => req("POST", cancelUrl(bid), v.cancelBody === undefined ? {} : { body: v.cancelBody })
  const ok = (body, headers = {}) => ({ status: 200, headers: { "content-type": "application/json", ...v.okHeaders, ...headers }, body })
  const batch = (status, extra = {}, bid = id) => v.shape({ id: bid, ...v.base_fields, status, created_at: T0, expires_at: T0 + 86400, ...oaiState(status), ...extra })
  const expect = (body) => oaiExpect(body, { counts: v.counts !== false })
  const err = (status, body, headers = {}) => ({ status, headers: { "content-type": "application/json", ...v.errHeaders(status), ...headers }, body })
  const fixtures = []
  const add = (f) => fixtures.push(f)

  // cancel: accepted
  for (const [scenario, from] of [["validating", "validating"], ["in-progress", "in_progress"], ["finalizing", "finalizing"]]) {
    if (v.skipCancelFrom?.includes(from)) continue
    const body = batch("cancelling", { ...oaiState(from), status: "cancelling", cancelling_at: T0 + 600, request_counts: oaiState(from).request_counts })
    add({
      operation: "cancel", scenario,
      description: `Cancel of a ${from} batch answers 200 with status cancelling`,
      source: v.cancelSource?.(from) ?? synthetic(`${v.ref}: cancel → 200 Batch with status "cancelling" and cancelling_at set`),
      input: { batchId: id },
      exchanges: [{ request: cancelReq(), response: ok(v.documentedCancel?.(from) ?? body) }],
      expect: { batch: expect(v.documentedCancel?.(from) ?? body) }
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
      { request: req("GET", batchUrl()), response: ok(batch("cancelling")) }
    ],
    expect: { batch: { ...expect(batch("cancelling")) } }
  })
  for (const status of ["completed", "failed", "expired", "cancelled"]) {
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
        { request: req("GET", batchUrl()), response: ok(after) }
      ],
      expect: succeeds
        ? { batch: expect(after) }
        : { error: { _tag: "InvalidBatchState", provider: v.provider, operation: "cancel", batchId: id, httpStatus: v.refusal.status, vendorStatus: status } }
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
    exchanges: [1, 2, 3].map(() => ({ request: req("GET", batchUrl()), response: { status: 502, headers: { "content-type": "text/html" }, bodyText: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n" } })),
    expect: { error: { _tag: "ProviderUnavailable", httpStatus: 502 } } })
  // retrieve in every status
  for (const status of STATUSES) {
    const body = v.recordedRetrieve?.[status]?.body ?? batch(status)
    add({ operation: "retrieve", scenario: slug(status), description: `Retrieve of a ${status} batch`,
      source: v.recordedRetrieve?.[status]?.source ?? synthetic(`${v.ref}: batch object fields and status values`), input: { batchId: body.id },
      exchanges: [{ request: req("GET", batchUrl(body.id)), response: ok(body) }],
      expect: { batch: expect(body) } })
  }
  add({ operation: "retrieve", scenario: "unknown-status", description: "A status the adapter does not know becomes unknown, keeping vendorStatus", source: synthetic("FORMAT.md status mapping: anything else → unknown"), input: { batchId: id },
    exchanges: [{ request: req("GET", batchUrl()), response: ok(batch("in_progress", { status: "paused" })) }],
    expect: { batch: { status: "unknown", vendorStatus: "paused", terminal: false } } })
  add({ operation: "retrieve", scenario: "malformed-body", description: "A 200 whose JSON is cut off is UnexpectedResponse", source: synthetic("truncated body"), input: { batchId: id },
    exchanges: [{ request: req("GET", batchUrl()), response: { status: 200, headers: { "content-type": "application/json" }, bodyText: `{"id": "${id}", "object": "batch", "status": "in_pro` } }],
    expect: { error: { _tag: "UnexpectedResponse", httpStatus: 200 } } })
  add({ operation: "retrieve", scenario: "wrong-shape", description: "A 200 JSON body that is not a batch (id is a number) is UnexpectedResponse", source: synthetic("valid JSON, wrong shape"), input: { batchId: id },
    exchanges: [{ request: req("GET", batchUrl()), response: ok({ id: 42, status: "completed" }) }],
    expect: { error: { _tag: "UnexpectedResponse", httpStatus: 200 } } })
  add({ operation: "retrieve", scenario: "empty-body", description: "A 200 with an empty body is UnexpectedResponse", source: synthetic("empty body"), input: { batchId: id },
    exchanges: [{ request: req("GET", batchUrl()), response: { status: 200, headers: { "content-type": "application/json" }, bodyText: "" } }],
    expect: { error: { _tag: "UnexpectedResponse", httpStatus: 200 } } })
  add({ operation: "retrieve", scenario: "hostile-id", description: "An id with / ? # is percent-encoded into one path segment", source: synthetic("batch id encoding"), input: { batchId: "../files?x=1#y" },
    exchanges: [{ request: req("GET", url("/batches/..%2Ffiles%3Fx%3D1%23y")), response: err(404, e.notFound.body("../files?x=1#y")) }],
    expect: { error: { _tag: "BatchNotFound", batchId: "../files?x=1#y" } } })
  // list
  const page1 = [batch("in_progress", {}, v.ids[0]), batch("completed", {}, v.ids[1])]
  const page2 = [batch("cancelled", {}, v.ids[2])]
  add({ operation: "list", scenario: "first-page", description: "First page with has_more: nextCursor is the last id of the page", source: synthetic(`${v.ref}: list response`), input: { limit: 2 },
    exchanges: [{ request: req("GET", url("/batches", "?limit=2")), response: ok(v.listPage(page1, true)) }],
    expect: { page: { hasMore: true, nextCursor: v.ids[1], batches: page1.map(expect) } } })
  add({ operation: "list", scenario: "next-page", description: "The next page, requested with after=<cursor>; the last page has no cursor", source: synthetic(`${v.ref}: list paging with after`), input: { limit: 2, after: v.ids[1] },
    exchanges: [{ request: req("GET", url("/batches", `?limit=2&after=${v.ids[1]}`)), response: ok(v.listPage(page2, false)) }],
    expect: { page: { hasMore: false, batches: page2.map(expect) } } })
  add({ operation: "list", scenario: "empty", description: "No batches at all", source: synthetic(`${v.ref}: list response`), input: {},
    exchanges: [{ request: req("GET", url("/batches")), response: ok(v.listPage([], false)) }],
    expect: { page: { hasMore: false, batches: [] } } })
  // results
  for (const f of v.results({ batch, req, batchUrl, url, ok })) add(f)
  for (const f of v.extra?.({ batch, req, batchUrl, cancelUrl, cancelReq, url, ok, err, expect, id }) ?? []) add(f)
  return fixtures
}

const fileResults = (v) => ({ batch, req, batchUrl, url, ok }) => {
  const content = (fileId) => url(`/files/${fileId}/content`)
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
      source: documented(`${v.ref}; output line shape from vendor-examples.json #11 (openai-openapi BatchRequestOutput), error-file shape from openai/openai-openapi#302`), input: { batchId: completed.id },
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
    { operation: "results", scenario: "not-terminal", description: "Results of a batch still in progress: InvalidBatchState after the one retrieve",
      source: synthetic("FORMAT.md: results of a batch that is not terminal fail with InvalidBatchState"), input: { batchId: completed.id },
      exchanges: [{ request: req("GET", batchUrl()), response: ok(batch("in_progress")) }],
      expect: { error: { _tag: "InvalidBatchState", operation: "results", vendorStatus: "in_progress" } } }
  ]
}

const openaiError = (message, type, code = null, param = null) => ({ error: { message, type, param, code } })
const reqIdHeaders = (n) => ({ "x-request-id": `req_${(n * 7919).toString(16).padStart(8, "0")}4c2b9e1f0a3d5e7f8a9b0c1d` })

const openai = () =>
  openaiFamily({
    provider: "openai",
    ref: "vendors.md §2 (OAI-SPEC, OAI-PY)",
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
      ? recorded("vendors.md §2: 409 and its body captured from the live API (litellm test_openai_batches_and_files.py catches ConflictError; body from a Ruby client's lib/gpt_function/batch.rb)")
      : synthetic(`vendors.md §2: 409 as for completed; the message for '${status}' is presumed analogous`),
    documentedCancel: (from) => from === "in_progress" ? JSON.parse(docCancelText.replace(/,(\s*})/g, "$1")) : undefined,
    cancelSource: (from) => from === "in_progress"
      ? documented("vendor-examples.json #9: openai-openapi x-oaiMeta cancel example (its trailing comma inside metadata removed so that it parses)")
      : undefined,
    recordedRetrieve: {
      validating: {
        source: recorded("ELLMER tests/testthat/batch/state-capitals.json @006e0dce: a real GET /v1/batches/{id} body (R's {} for null turned back into null)"),
        body: {
          id: "batch_68f7ff542af88190b06dfa89be842cd1", object: "batch", endpoint: "/v1/chat/completions", model: null, errors: null,
          input_file_id: "file-QfS3MFavM27tAdxDTqSM1z", completion_window: "24h", status: "validating", output_file_id: null, error_file_id: null,
          created_at: 1761083220, in_progress_at: null, expires_at: 1761169620, finalizing_at: null, completed_at: null, failed_at: null,
          expired_at: null, cancelling_at: null, cancelled_at: null, request_counts: { total: 0, completed: 0, failed: 0 },
          usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
          metadata: {}
        }
      },
      completed: {
        source: documented("vendor-examples.json #8: openai-openapi x-oaiMeta retrieve example (trailing comma removed)"),
        body: JSON.parse(docRetrieveText.replace(/,(\s*})/g, "$1"))
      }
    },
    listPage: (data, hasMore) => ({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore }),
    errors: {
      unauthorized: { source: synthetic("vendors.md §2 error envelope; OpenAI's 401 message shows a masked key"), body: openaiError("Incorrect API key provided: sk-batch***1e3. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"), expect: { requestId: "req_000007d04c2b9e1f0a3d5e7f8a9b0c1d".replace("000007d0", (401 * 7919).toString(16).padStart(8, "0")) } },
      forbidden: { source: synthetic("vendors.md §2 error envelope"), body: openaiError("You have insufficient permissions for this operation. Missing scopes: api.batch.write. Check that you have the correct role in your organization (Reader, Writer, Owner) and project (Member, Owner), and if you're using a restricted API key, that it has the necessary scopes.", "invalid_request_error") },
      notFound: { source: synthetic("vendors.md §2 error envelope"), body: (bid) => openaiError(`No batch found with id '${bid}'.`, "invalid_request_error") },
      rateLimit: { body: openaiError("Rate limit reached for requests. Limit: 500 / min. Please try again in 1.5s.", "requests", "rate_limit_exceeded"), headers: { "retry-after-ms": "1500", "retry-after": "2" }, retryAfterMs: 1500 },
      quota: { status: 429, source: synthetic("vendors.md §2 / FORMAT.md: OpenAI insufficient_quota 429"), body: openaiError("You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.", "insufficient_quota", "insufficient_quota") },
      server: { body: openaiError("The server had an error while processing your request. Sorry about that!", "server_error") }
    },
    results: fileResults({ ref: "vendors.md §2" })
  })

const docCancelText = "{\n  \"id\": \"batch_abc123\",\n  \"object\": \"batch\",\n  \"endpoint\": \"/v1/chat/completions\",\n  \"errors\": null,\n  \"input_file_id\": \"file-abc123\",\n  \"completion_window\": \"24h\",\n  \"status\": \"cancelling\",\n  \"output_file_id\": null,\n  \"error_file_id\": null,\n  \"created_at\": 1711471533,\n  \"in_progress_at\": 1711471538,\n  \"expires_at\": 1711557933,\n  \"finalizing_at\": null,\n  \"completed_at\": null,\n  \"failed_at\": null,\n  \"expired_at\": null,\n  \"cancelling_at\": 1711475133,\n  \"cancelled_at\": null,\n  \"request_counts\": {\n    \"total\": 100,\n    \"completed\": 23,\n    \"failed\": 1\n  },\n  \"metadata\": {\n    \"customer_id\": \"user_123456789\",\n    \"batch_description\": \"Nightly eval job\",\n  }\n}\n"
const docRetrieveText = "{\n  \"id\": \"batch_abc123\",\n  \"object\": \"batch\",\n  \"endpoint\": \"/v1/completions\",\n  \"errors\": null,\n  \"input_file_id\": \"file-abc123\",\n  \"completion_window\": \"24h\",\n  \"status\": \"completed\",\n  \"output_file_id\": \"file-cvaTdG\",\n  \"error_file_id\": \"file-HOWS94\",\n  \"created_at\": 1711471533,\n  \"in_progress_at\": 1711471538,\n  \"expires_at\": 1711557933,\n  \"finalizing_at\": 1711493133,\n  \"completed_at\": 1711493163,\n  \"failed_at\": null,\n  \"expired_at\": null,\n  \"cancelling_at\": null,\n  \"cancelled_at\": null,\n  \"request_counts\": {\n    \"total\": 100,\n    \"completed\": 95,\n    \"failed\": 5\n  },\n  \"metadata\": {\n    \"customer_id\": \"user_123456789\",\n    \"batch_description\": \"Nightly eval job\",\n  }\n}\n"

export const providers = { openai }
