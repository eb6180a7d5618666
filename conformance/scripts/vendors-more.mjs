// Vendor wire facts for the five providers of sources/vendors-more.md (Mistral, Gemini API, Azure OpenAI,
// Groq, xAI), used by synthesize.mjs beside vendors.mjs and built on its `family` generator. Every `ref`
// is a URL or sources/vendors-more.md (its section and source key in the note). Where vendors-more.md says
// UNVERIFIED, the fixture is `synthetic` and its note says what was assumed.
import { family, fileResults, iso, oaiHooks } from "./vendors.mjs"

const synthetic = (ref, note) => ({ kind: "synthetic", ref, ...(note === undefined ? {} : { note }) })
const documented = (ref, note) => ({ kind: "documented", ref, ...(note === undefined ? {} : { note }) })
const recorded = (ref, note) => ({ kind: "recorded", ref, ...(note === undefined ? {} : { note }) })
const MORE = "sources/vendors-more.md"
const jsonl = (lines) => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`
const jsonlOk = (lines) => ({ status: 200, headers: { "content-type": "application/octet-stream" }, bodyText: jsonl(lines) })
const json = (status, body, headers = {}) => ({ status, headers: { "content-type": "application/json", ...headers }, body })
const TERMINAL = ["cancelled", "completed", "failed", "expired"]
const enc = encodeURIComponent
/** The fixtures written here by hand in a vendor's `extra`: `without` keeps them. */
const own = new WeakSet()
const mine = (fixtures) => {
  for (const f of fixtures) own.add(f)
  return fixtures
}
/** Drops the generated fixtures of these scenario keys (a vendor's own version of them is added by hand). */
const without = (fixtures, keys) => fixtures.filter((f) => own.has(f) || !keys.includes(`${f.operation}.${f.scenario}`))

/** The normalized subset for an OpenAI-shaped batch, the status compared without case (Azure). */
const oaiExpect = (body) => {
  const word = (body.status ?? "").toLowerCase()
  const status = ["validating", "in_progress", "finalizing", "cancelling", ...TERMINAL].includes(word) ? word : "unknown"
  const e = { id: body.id, status, vendorStatus: body.status, terminal: TERMINAL.includes(status) }
  const rc = body.request_counts
  if (rc && typeof rc.total === "number") e.counts = { total: rc.total, succeeded: rc.completed, failed: rc.failed }
  const when = (v) => (typeof v === "number" ? iso(v) : typeof v === "string" ? new Date(v).toISOString() : undefined)
  if (when(body.created_at)) e.createdAt = when(body.created_at)
  if (when(body.expires_at)) e.expiresAt = when(body.expires_at)
  if (when(body.cancelling_at)) e.cancelRequestedAt = when(body.cancelling_at)
  const ended = { completed: "completed_at", failed: "failed_at", expired: "expired_at", cancelled: "cancelled_at" }[status]
  if (ended && when(body[ended])) e.endedAt = when(body[ended])
  return e
}

// ---------------------------------------------------------------------------------------------------
// Mistral: /v1/batch/jobs, UPPER-CASE statuses, *_requests counters, output_file / error_file, page numbers.

const MIS = "https://api.mistral.ai/v1"
const MIS_T0 = 1732400351 // created_at of the cookbook's real run (MIS-COOK)
const MIS_WORD = { validating: "QUEUED", in_progress: "RUNNING", cancelling: "CANCELLATION_REQUESTED", cancelled: "CANCELLED", completed: "SUCCESS", failed: "FAILED", expired: "TIMEOUT_EXCEEDED" }
const misError = (message, type = "invalid_request_error", code = null) => ({ object: "error", message, type, param: null, code })
const misBatch = (status, extra = {}, id = "5befe8c6-b8cb-4858-a068-d600cf5ed73f") => {
  const counts = {
    validating: [0, 0, 0, 0], in_progress: [10, 4, 4, 0], cancelling: [10, 3, 3, 0], cancelled: [10, 3, 3, 0],
    completed: [10, 10, 9, 1], failed: [0, 0, 0, 0], expired: [10, 6, 6, 0]
  }[status] ?? [10, 4, 4, 0]
  const ended = TERMINAL.includes(status)
  const files = {
    completed: ["950fae83-2802-40c0-a677-c7839a4e238a", "b7a1c3d2-1f0e-4c8b-9a7d-6e5f4c3b2a10"],
    cancelled: ["c4d2e1f0-9b8a-4c7d-8e6f-5a4b3c2d1e0f", null],
    expired: ["e1d2c3b4-a5f6-4e7d-8c9b-0a1b2c3d4e5f", null]
  }[status] ?? [null, null]
  return {
    id, object: "batch", input_files: ["30f63bb3-6f9e-4dd5-9295-a9cdbdeabf75"], metadata: { job_type: "testing" },
    endpoint: "/v1/chat/completions", model: "pixtral-large-latest", output_file: files[0], error_file: files[1],
    errors: status === "failed" ? [{ message: "Input file could not be parsed: line 3 is not valid JSON", count: 1 }] : [],
    status: MIS_WORD[status] ?? status, created_at: MIS_T0,
    total_requests: counts[0], completed_requests: counts[1], succeeded_requests: counts[2], failed_requests: counts[3],
    started_at: status === "validating" || status === "failed" ? null : MIS_T0, completed_at: ended ? MIS_T0 + 25 : null,
    ...extra
  }
}
const misExpect = (body) => {
  const status = Object.entries(MIS_WORD).find(([, w]) => w === body.status)?.[0] ?? "unknown"
  const e = { id: body.id, status, vendorStatus: body.status, terminal: TERMINAL.includes(status), createdAt: iso(body.created_at) }
  if (body.status === "QUEUED") {
    e.queued = true
    e.counts = { total: { $absent: true }, succeeded: { $absent: true }, failed: { $absent: true } }
  } else {
    e.queued = { $absent: true }
    e.counts = { total: body.total_requests, succeeded: body.succeeded_requests, failed: body.failed_requests }
  }
  if (TERMINAL.includes(status) && typeof body.completed_at === "number") e.endedAt = iso(body.completed_at)
  if (body.output_file) e.outputFileId = body.output_file
  if (body.error_file) e.errorFileId = body.error_file
  return e
}
const misChat = (content, n) => ({ id: `7f3874116cb943fea58853d60cf17ff${n}`, object: "chat.completion", model: "pixtral-large-latest", usage: { prompt_tokens: 14, total_tokens: 31, completion_tokens: 17 }, created: MIS_T0 + 2, choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] })
const misLine = (customId, content, n) => ({ id: `0-61c18c3c-1873-4288-9f92-af97f696fb2${n}`, custom_id: customId, response: { status_code: 200, body: misChat(content, n) }, error: null })

const mistral = () => {
  const recordedQueued = { id: "5befe8c6-b8cb-4858-a068-d600cf5ed73f", object: "batch", input_files: ["30f63bb3-6f9e-4dd5-9295-a9cdbdeabf75"], metadata: { job_type: "testing" }, endpoint: "/v1/chat/completions", model: "pixtral-large-latest", output_file: null, error_file: null, errors: [], status: "QUEUED", created_at: 1732400351, total_requests: 0, completed_requests: 0, succeeded_requests: 0, failed_requests: 0, started_at: null, completed_at: null }
  const recordedDone = { ...recordedQueued, status: "SUCCESS", total_requests: 10, completed_requests: 10, succeeded_requests: 10, failed_requests: 0, output_file: "950fae83-2802-40c0-a677-c7839a4e238a", error_file: null, started_at: 1732400351, completed_at: 1732400376 }
  const cookNote = "the cookbook's outputs of a real run (Nov 2024), printed as pydantic reprs and turned into JSON: real values, but key order and null-omission on the wire are UNVERIFIED, so not counted as recorded"
  const fixtures = family({
    provider: "mistral",
    ref: `${MORE}: §1 Mistral (MIS-PY, MIS-SPEC)`,
    id: "5befe8c6-b8cb-4858-a068-d600cf5ed73f",
    missingId: "00000000-0000-4000-8000-000000000000",
    batchUrl: (bid) => `${MIS}/batch/jobs/${enc(bid)}`,
    cancelUrl: (bid) => `${MIS}/batch/jobs/${enc(bid)}/cancel`,
    batch: misBatch,
    cancelled: (from, bid) => misBatch("cancelling", { started_at: from === "validating" ? null : MIS_T0, ...(from === "validating" ? { total_requests: 0, completed_requests: 0, succeeded_requests: 0, failed_requests: 0 } : {}) }, bid),
    cancelSource: () => synthetic(`${MORE}: §1 cancel answers the BatchJob; whether it shows CANCELLATION_REQUESTED at once is UNVERIFIED (the status name implies an asynchronous cancel)`),
    expect: misExpect,
    statuses: ["validating", "in_progress", "cancelling", "cancelled", "completed", "failed", "expired"],
    cancellable: ["validating", "in_progress"],
    vendorWord: (_status, after) => after.status,
    unknownStatus: (word = "PAUSED") => misBatch("in_progress", { status: word }),
    unknownWord: "PAUSED",
    okHeaders: {},
    errHeaders: () => ({}),
    refusal: { status: 400, body: (status) => misError(`Cannot cancel a batch job with status ${MIS_WORD[status] ?? status}`) },
    refusalSource: () => synthetic(`${MORE}: §1 the answer to a cancel of a finished job is UNVERIFIED (no doc, SDK branch or recording); written as a 400 in the recorded {object:"error"} envelope`),
    recordedRetrieve: {
      validating: { source: documented(`${MORE}: §1 Examples, In progress (QUEUED), MIS-COOK`, `${cookNote}; all four counters are 0 while QUEUED, total_requests too: not an empty batch`), body: recordedQueued },
      completed: { source: documented(`${MORE}: §1 Examples, Finished, MIS-COOK`, cookNote), body: recordedDone }
    },
    errors: {
      unauthorized: { source: documented(`${MORE}: §1 Errors, 401 (cline/cline#1734)`, "a real body pasted in an issue, from another Mistral route"), body: { message: "Unauthorized", request_id: "c61f2f15feca71626a990e3740f99245" }, expect: {} },
      forbidden: { source: synthetic(`${MORE}: §1 Errors: no 403 body is known; written in the recorded {"detail"} shape`), body: { detail: "Forbidden" } },
      notFound: { source: synthetic(`${MORE}: §1 Errors: 404 for an unknown job is UNVERIFIED; written in the recorded {object:"error"} envelope`), body: (bid) => misError(`Batch job ${bid} not found`, "invalid_request_error") },
      rateLimit: { body: misError("Rate limit exceeded", "rate_limited", "1300"), headers: { "retry-after": "2" }, retryAfterMs: 2000 },
      quota: { status: 429, source: synthetic("FORMAT.md"), body: {} }, // no such case: dropped below
      server: { body: misError("Internal server error", "internal_server_error") }
    },
    listFixtures: ({ req, ok }) => {
      const ids = ["a1b2c3d4-0000-4000-8000-000000000001", "a1b2c3d4-0000-4000-8000-000000000002", "a1b2c3d4-0000-4000-8000-000000000003"]
      const page1 = [misBatch("in_progress", {}, ids[0]), misBatch("completed", {}, ids[1])]
      const page2 = [misBatch("cancelled", {}, ids[2])]
      return [
        { operation: "list", scenario: "first-page", description: "Page 0 of 2 per page with total 3: a next page, whose cursor names page 1",
          source: synthetic(`${MORE}: §1 List paging: {object:"list", data, total}, page and page_size (zero-based), no cursor`), input: { limit: 2 },
          exchanges: [{ request: req("GET", `${MIS}/batch/jobs?page=0&page_size=2`), response: ok({ object: "list", data: page1, total: 3 }) }],
          expect: { page: { hasMore: true, nextCursor: "page:1", batches: page1.map(misExpect) } } },
        { operation: "list", scenario: "next-page", description: "Page 1: the items seen reach the total, so it is the last",
          source: synthetic(`${MORE}: §1 List paging: stop when (page+1)*page_size >= total`), input: { limit: 2, after: "page:1" },
          exchanges: [{ request: req("GET", `${MIS}/batch/jobs?page=1&page_size=2`), response: ok({ object: "list", data: page2, total: 3 }) }],
          expect: { page: { hasMore: false, batches: page2.map(misExpect) } } },
        { operation: "list", scenario: "empty", description: "No jobs: page 0 at the default page size (100), total 0",
          source: synthetic(`${MORE}: §1 List: page_size default 100`), input: {},
          exchanges: [{ request: req("GET", `${MIS}/batch/jobs?page=0&page_size=100`), response: ok({ object: "list", data: [], total: 0 }) }],
          expect: { page: { hasMore: false, batches: [] } } },
        { operation: "list", scenario: "foreign-cursor", description: "A cursor that did not come from this listing (an id) is InvalidRequest, nothing sent",
          source: synthetic("FORMAT.md: Paging.pageNumberOf refuses a cursor it did not write"), input: { after: ids[0] },
          exchanges: [],
          expect: { error: { _tag: "InvalidRequest", operation: "list" } } }
      ]
    },
    results: ({ req, ok }) => {
      const done = misBatch("completed")
      const cancelled = misBatch("cancelled")
      const expired = misBatch("expired")
      const content = (f) => `${MIS}/files/${f}/content`
      const cookLine = { id: "0-61c18c3c-1873-4288-9f92-af97f696fb2c", custom_id: "0", response: { status_code: 200, body: { id: "7f3874116cb943fea58853d60cf17ff3", object: "chat.completion", model: "pixtral-large-latest", usage: { prompt_tokens: 1327, total_tokens: 1374, completion_tokens: 47 }, created: 1732400353, choices: [{ index: 0, message: { role: "assistant", content: "The image shows a group of people…", tool_calls: null }, finish_reason: "stop" }] } }, error: null }
      const errLine = { id: "0-61c18c3c-1873-4288-9f92-af97f696fb2d", custom_id: "9", response: { status_code: 400, body: misError("Invalid model: pixtral-large-lates") }, error: null }
      const inlineJob = misBatch("completed", { input_files: [], output_file: null, error_file: null, total_requests: 2, completed_requests: 2, succeeded_requests: 2, failed_requests: 0, outputs: [misLine("a", "Paris.", 1), misLine("b", "Rome.", 2)] }, "d3b07384-d9a0-4c1b-8e2f-6a5b4c3d2e1f")
      const inlineBare = { ...inlineJob, outputs: null }
      return [
        { operation: "results", scenario: "completed", description: "A finished job: output_file, then error_file, through /v1/files/{id}/content (not *_file_id)",
          source: synthetic(`${MORE}: §1 Results: the output line is MIS-COOK's (a real line); the error-file line shape is UNVERIFIED, written as the same envelope with a 400 response`), input: { batchId: done.id },
          exchanges: [
            { request: req("GET", `${MIS}/batch/jobs/${done.id}`), response: ok(done) },
            { request: req("GET", content(done.output_file)), response: jsonlOk([cookLine, misLine("1", "Two cats.", 4)]) },
            { request: req("GET", content(done.error_file)), response: jsonlOk([errLine]) }
          ],
          expect: { results: [{ customId: "0", outcome: "succeeded", response: { status_code: 200 } }, { customId: "1", outcome: "succeeded" }, { customId: "9", outcome: "errored" }] } },
        { operation: "results", scenario: "cancelled", description: "Partial results of a cancelled job: what finished is in its output file",
          source: synthetic(`${MORE}: §1 Cancel: whether output_file is produced for the completed part is UNVERIFIED`), input: { batchId: cancelled.id },
          exchanges: [
            { request: req("GET", `${MIS}/batch/jobs/${cancelled.id}`), response: ok(cancelled) },
            { request: req("GET", content(cancelled.output_file)), response: jsonlOk([misLine("0", "A.", 1), misLine("1", "B.", 2), misLine("2", "C.", 3)]) }
          ],
          expect: { results: [{ customId: "0", outcome: "succeeded" }, { customId: "1", outcome: "succeeded" }, { customId: "2", outcome: "succeeded" }] } },
        { operation: "results", scenario: "expired", description: "Partial results of a job that hit its timeout (TIMEOUT_EXCEEDED is terminal: expired)",
          source: synthetic(`${MORE}: §1 Statuses: TIMEOUT_EXCEEDED is terminal; its output file is UNVERIFIED`), input: { batchId: expired.id },
          exchanges: [
            { request: req("GET", `${MIS}/batch/jobs/${expired.id}`), response: ok(expired) },
            { request: req("GET", content(expired.output_file)), response: jsonlOk([misLine("0", "A.", 1)]) }
          ],
          expect: { results: [{ customId: "0", outcome: "succeeded" }] } },
        { operation: "results", scenario: "inline-outputs", description: "An inline job (requests in the create body) carries its results in outputs: no file is read",
          source: synthetic(`${MORE}: §1 Results, inline mode: outputs in the job, same line shape (MIS-PY example reads res["response"]["body"])`), input: { batchId: inlineJob.id },
          exchanges: [{ request: req("GET", `${MIS}/batch/jobs/${inlineJob.id}`), response: ok(inlineJob) }],
          expect: { results: [{ customId: "a", outcome: "succeeded" }, { customId: "b", outcome: "succeeded" }] } },
        { operation: "results", scenario: "inline-asked-for", description: "An inline job answered without outputs and without files: the job is read again with inline=true",
          source: synthetic(`${MORE}: §1 retrieve ?inline=true "If True, return results inline in the response"; whether outputs is filled without it is not stated`), input: { batchId: inlineJob.id },
          exchanges: [
            { request: req("GET", `${MIS}/batch/jobs/${inlineJob.id}`), response: ok(inlineBare) },
            { request: req("GET", `${MIS}/batch/jobs/${inlineJob.id}?inline=true`), response: ok(inlineJob) }
          ],
          expect: { results: [{ customId: "a", outcome: "succeeded" }, { customId: "b", outcome: "succeeded" }] } },
        { operation: "results", scenario: "not-terminal", description: "Results of a running job: InvalidBatchState",
          source: synthetic("FORMAT.md: results of a batch that is not terminal fail with InvalidBatchState"), input: { batchId: done.id },
          exchanges: [{ request: req("GET", `${MIS}/batch/jobs/${done.id}`), response: ok(misBatch("in_progress")) }],
          expect: { error: { _tag: "InvalidBatchState", operation: "results", vendorStatus: "RUNNING" } } }
      ]
    },
    extra: ({ req, id }) => [
      { operation: "retrieve", scenario: "validation-422-detail", description: "FastAPI's 422 {detail:[…]}: InvalidRequest whose message keeps the vendor's words",
        source: documented(`${MORE}: §1 Errors, 422 (Gitlawb/openclaude#739)`, "a real body pasted in an issue, from another Mistral route"), input: { batchId: id },
        exchanges: [{ request: req("GET", `${MIS}/batch/jobs/${id}`), response: json(422, { detail: [{ type: "extra_forbidden", loc: ["body", "store"], msg: "Extra inputs are not permitted", input: false }] }) }],
        expect: { error: { _tag: "InvalidRequest", httpStatus: 422 } } },
      { operation: "cancel", scenario: "rate-limited-recorded-body", description: "The recorded Mistral 429 ({type: rate_limited, code: \"1300\"}) on every attempt: RateLimited, not QuotaExceeded",
        source: documented(`${MORE}: §1 Errors, 429 (cline/cline#9085)`, "a real body pasted in an issue, from another Mistral route"), input: { batchId: id },
        exchanges: [1, 2, 3].map(() => ({ request: req("POST", `${MIS}/batch/jobs/${id}/cancel`), response: json(429, misError("Rate limit exceeded", "rate_limited", "1300")) })),
        expect: { error: { _tag: "RateLimited", httpStatus: 429 } } }
    ]
  })
  return without(fixtures, ["cancel.quota-exceeded"])
}

// ---------------------------------------------------------------------------------------------------
// Groq: OpenAI's batch under /openai/v1, cursor listing, errors as a bare array.

const GROQ = "https://api.groq.com/openai/v1"
const groqError = (message, type, code = null) => ({ error: { message, type, code } })
const groq = () => {
  const ellmer = { id: "batch_01ks9k0ecaejs8t0d24qwb3nk7", object: "batch", endpoint: "/v1/chat/completions", input_file_id: "file_01ks9k0e22e2sbwyh5rpcc5wry", completion_window: "24h", status: "completed", output_file_id: "file_01ks9k0gpve6erm10zrd6mcdh8", error_file_id: null, created_at: 1779512129, in_progress_at: 1779512132, finalizing_at: 1779512132, completed_at: 1779512132, failed_at: null, cancelling_at: null, cancelled_at: null, expires_at: 1779598529, expired_at: null, request_counts: { completed: 4, failed: 0, total: 4 }, metadata: null, errors: null, project_id: "project_01jtkfs8evfhctdnt5dc12rh0j" }
  const docInProgress = { id: "batch_01jh6xa7reempvjyh6n3yst222", object: "batch", endpoint: "/v1/chat/completions", errors: null, input_file_id: "file_01jh6x76wtemjr74t1fh0faj6u", completion_window: "24h", status: "in_progress", output_file_id: null, error_file_id: null, finalizing_at: null, failed_at: null, expired_at: null, cancelled_at: null, request_counts: { total: 100, completed: 15, failed: 0 }, metadata: null, created_at: 1736472650, expires_at: 1736559050, cancelling_at: null, completed_at: null, in_progress_at: 1736472651 }
  const hooks = oaiHooks({
    provider: "groq",
    ref: `${MORE}: §4 Groq (GROQ-TS, GROQ-DOCS)`,
    base: GROQ,
    id: "batch_01jh6xa7reempvjyh6n3yst222",
    ids: ["batch_01jh6xa7reempvjyh6n3yst111", "batch_01jh6xa7reempvjyh6n3yst222", "batch_01jh6xa7reempvjyh6n3yst333"],
    missingId: "batch_01jh6xa7reempvjyh6n3yst000",
    base_fields: { object: "batch", endpoint: "/v1/chat/completions", input_file_id: "file_01jh6x76wtemjr74t1fh0faj6u", completion_window: "24h", metadata: null },
    shape: ({ model, usage, ...rest }) => rest,
    okHeaders: {},
    errHeaders: () => ({}),
    refusal: { status: 400, body: (status) => groqError(`Batch cannot be cancelled: it is already ${status}`, "invalid_request_error") },
    refusalSource: () => synthetic(`${MORE}: §4 Cancel of a finished batch is UNVERIFIED (OpenAI answers 409); written as a 400 in the recorded OpenAI envelope`),
    recordedRetrieve: {
      in_progress: { source: documented(`${MORE}: §4 Examples, In progress (GROQ-DOCS multi-get)`), body: docInProgress },
      completed: { source: recorded("https://github.com/tidyverse/ellmer/blob/86aa9439/tests/testthat/batch/state-capitals-groq.json", `a real GET of a finished batch, captured from the live API by ellmer's maintainers (2026-05-23, the batch's created_at; commit 86aa9439, ${MORE} §4 ELLMER): stored by batch_poll() from GET /openai/v1/batches/{id}; R's {} read back as null`), body: ellmer }
    },
    errors: {
      unauthorized: { source: synthetic(`${MORE}: §4 Errors: OpenAI envelope; the 401 text is UNVERIFIED`), body: groqError("Invalid API Key", "invalid_request_error", "invalid_api_key"), expect: {} },
      forbidden: { source: synthetic(`${MORE}: §4 Errors: OpenAI envelope; the 403 text is UNVERIFIED`), body: groqError("Forbidden", "permissions_error") },
      notFound: { source: synthetic(`${MORE}: §4 Errors: the 404 for an unknown batch id is UNVERIFIED; OpenAI envelope`), body: (bid) => groqError(`batch ${bid} not found`, "invalid_request_error", "not_found") },
      rateLimit: { body: groqError("Rate limit reached for model `llama3-70b-8192` in organization `org_01` on tokens per minute (TPM): Limit 6000, Used 5869, Requested 303. Please try again in 1.72s.", "tokens", "rate_limit_exceeded"), headers: { "retry-after": "2" }, retryAfterMs: 2000 },
      quota: { status: 429, source: synthetic("FORMAT.md"), body: {} }, // no such case: dropped below
      server: { body: groqError("Internal Server Error", "internal_server_error") }
    },
    listFixtures: ({ batch, req, ok, expect }) => {
      const page1 = [batch("in_progress", {}, "batch_01jh6xa7reempvjyh6n3yst111"), batch("completed", {}, "batch_01jh6xa7reempvjyh6n3yst222")]
      const page2 = [batch("cancelled", {}, "batch_01jh6xa7reempvjyh6n3yst333")]
      const cursor = "cursor_eyJpZCI6ImJhdGNoXzAxamg2eGE3cmVlbXB2ankifQ"
      return [
        { operation: "list", scenario: "first-page", description: "A page with paging.next_cursor: that cursor is nextCursor; limit is not sent (Groq's list takes none)",
          source: synthetic(`${MORE}: §4 List paging: ?cursor= → paging.next_cursor; no after, limit, has_more`), input: { limit: 2 },
          exchanges: [{ request: req("GET", `${GROQ}/batches`), response: ok({ object: "list", data: page1, paging: { next_cursor: cursor } }) }],
          expect: { page: { hasMore: true, nextCursor: cursor, batches: page1.map(expect) } } },
        { operation: "list", scenario: "next-page", description: "The next page, asked with ?cursor=; no next_cursor ends the listing",
          source: synthetic(`${MORE}: §4 List paging: stop when paging.next_cursor is absent`), input: { limit: 2, after: cursor },
          exchanges: [{ request: req("GET", `${GROQ}/batches?cursor=${cursor}`), response: ok({ object: "list", data: page2, paging: {} }) }],
          expect: { page: { hasMore: false, batches: page2.map(expect) } } },
        { operation: "list", scenario: "documented-example", description: "The documented list page, verbatim: one batch and a next cursor",
          source: documented(`${MORE}: §4 Examples, List page (GROQ-DOCS)`), input: {},
          exchanges: [{ request: req("GET", `${GROQ}/batches`), response: ok({ object: "list", data: [{ id: "batch_01jh6xa7reempvjyh6n3yst111", object: "batch", status: "completed", created_at: 1736472600 }], paging: { next_cursor: cursor } }) }],
          expect: { page: { hasMore: true, nextCursor: cursor, batches: [{ id: "batch_01jh6xa7reempvjyh6n3yst111", status: "completed", terminal: true, createdAt: iso(1736472600) }] } } }
      ]
    },
    results: fileResults({ ref: `${MORE}: §4 Results: files through /openai/v1/files/{id}/content, OpenAI's line shape` }),
    extra: ({ req, ok, id }) => [
      { operation: "retrieve", scenario: "errors-bare-array", description: "A failed batch whose errors is a bare array (as Groq's docs show it), not {data: […]}: read, not refused",
        source: documented(`${MORE}: §4 errors shape (GROQ-DOCS completed example)`), input: { batchId: id },
        exchanges: [{ request: req("GET", `${GROQ}/batches/${id}`), response: ok({ ...docInProgress, status: "failed", failed_at: 1736472700, request_counts: { total: 5, completed: 0, failed: 0 }, errors: [{ code: "invalid_method", message: "Invalid value: 'GET'. Supported values are: 'POST'", param: "method", line: 4 }] }) }],
        expect: { batch: { id, status: "failed", terminal: true, endedAt: iso(1736472700), raw: { errors: [{ code: "invalid_method", line: 4 }] } } } }
    ]
  })
  return without(family(hooks), ["cancel.quota-exceeded"])
}

// ---------------------------------------------------------------------------------------------------
// Azure OpenAI: OpenAI's batch on the resource endpoint, api-key header, api-version or /openai/v1.

const AZ_ENDPOINT = "https://my-resource.openai.azure.com"
const AZ = `${AZ_ENDPOINT}/openai/v1`
const msError = (code, message, extra = {}) => ({ error: { code, message, ...extra } })
const azure = () => {
  const docCancel = { object: "batch", id: "batch_72a2792ef7d24ba7b82c7fe4a37e379f", endpoint: "/chat/completions", errors: null, input_file_id: "file-b4fa7277f3eb4722ac18b90f46102c3f", completion_window: "24h", status: "cancelling", output_file_id: null, error_file_id: null, created_at: 1646126127, in_progress_at: 1646126130, expires_at: 1646126170, finalizing_at: null, completed_at: null, failed_at: null, expired_at: null, cancelling_at: 1646126138, cancelled_at: null, request_counts: { total: 500, completed: 100, failed: 5 }, metadata: { batch_description: "Evaluation job" } }
  const docValidating = { completion_window: "24h", created_at: "2024-07-19T17:33:29.1619286+00:00", expires_at: "2024-07-20T17:33:29.1578141+00:00", id: "batch_e0a7ee28-82c4-46a2-a3a0-c13b3c4e390b", input_file_id: "file-c55ec4e859d54738a313d767718a2ac5", errors: null, metadata: null, object: "batch", output_file_id: null, request_counts: { total: null, completed: null, failed: null }, status: "Validating" }
  const hooks = oaiHooks({
    provider: "azure-openai",
    ref: `${MORE}: §3 Azure OpenAI (AZ-SPEC, AZ-DOCS)`,
    base: AZ,
    auth: "api-key",
    id: "batch_fe3f047a-de39-4068-9008-346795bfc1db",
    ids: ["batch_fe3f047a-de39-4068-9008-346795bfc1a1", "batch_fe3f047a-de39-4068-9008-346795bfc1a2", "batch_fe3f047a-de39-4068-9008-346795bfc1a3"],
    missingId: "batch_00000000-0000-0000-0000-000000000000",
    base_fields: { object: "batch", endpoint: "/chat/completions", input_file_id: "file-c55ec4e859d54738a313d767718a2ac5", completion_window: "24h", metadata: null },
    shape: ({ model, usage, ...rest }) => rest,
    okHeaders: { "apim-request-id": "3b0e1c2a-6a7d-4c1e-9f0a-2b3c4d5e6f70" },
    listPage: (data, hasMore) => ({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore }),
    errHeaders: () => ({}),
    refusal: { status: 409, body: (status) => msError("conflict", `Batch cannot be cancelled because it is ${status}.`) },
    refusalSource: () => synthetic(`${MORE}: §3 Cancel of a finished batch is UNVERIFIED; written as 409 with the spec's Microsoft code conflict (AZ-SPEC ErrorResponse)`),
    documentedCancel: (from) => (from === "in_progress" ? docCancel : undefined),
    cancelSource: (from) => (from === "in_progress" ? documented(`${MORE}: §3 Examples, After cancel (AZ-SPEC examples/cancel_batch.json)`) : undefined),
    recordedRetrieve: {
      validating: { source: documented(`${MORE}: §3 Examples, In progress (AZ-DOCS batch-rest.md)`, "ISO timestamps, a capitalised status and null counts, as the how-to shows them; whether current API versions still send these is UNVERIFIED"), body: docValidating }
    },
    errors: {
      unauthorized: { source: synthetic(`${MORE}: §3 Errors: Microsoft envelope; the 401 text is UNVERIFIED`), body: msError("401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."), expect: {} },
      forbidden: { source: synthetic(`${MORE}: §3 Errors: spec code forbidden`), body: msError("forbidden", "Principal does not have access to API/Operation.") },
      notFound: { source: documented(`${MORE}: §3 Errors, 404 (microsoft/graphrag#1863)`, "a real body for a wrong path or api-version, not for an unknown batch id (UNVERIFIED)"), body: () => msError("404", "Resource not found") },
      rateLimit: { body: msError("429", "Requests to the Batch Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after 2 seconds."), headers: { "retry-after": "2" }, retryAfterMs: 2000 },
      quota: { status: 429, source: synthetic(`${MORE}: §3 Errors: spec code quotaExceeded (a used-up quota, not retried)`), body: msError("quotaExceeded", "Enqueued token quota for this subscription and model is exhausted.") },
      server: { body: msError("internalFailure", "The server had an error while processing your request.") }
    },
    results: fileResults({ ref: `${MORE}: §3 Results: output/error files through /openai/files/{id}/content, OpenAI's line shape` }),
    expect: oaiExpect,
    extra: ({ req, ok, id }) => [
      { operation: "retrieve", scenario: "api-version", description: "With apiVersion, the classic routes: {endpoint}/openai/batches/{id}?api-version=…",
        source: documented(`${MORE}: §3 Base URL: versioned (classic) routes need api-version (OAI-NODE azure.ts adds it as a default query)`), input: { batchId: id, clientOptions: { endpoint: AZ_ENDPOINT, apiVersion: "2024-10-21" } },
        exchanges: [{ request: req("GET", `${AZ_ENDPOINT}/openai/batches/${id}?api-version=2024-10-21`), response: ok(docCancel.id === id ? docCancel : { ...docCancel, id }) }],
        expect: { batch: { id, status: "cancelling", counts: { total: 500, succeeded: 100, failed: 5 } } } },
      { operation: "results", scenario: "api-version", description: "With apiVersion, file contents are read with api-version too",
        source: synthetic(`${MORE}: §3 Endpoints: GET /openai/files/{id}/content; every request of the classic routes needs api-version`), input: { batchId: id, clientOptions: { endpoint: AZ_ENDPOINT, apiVersion: "2024-10-21" } },
        exchanges: [
          { request: req("GET", `${AZ_ENDPOINT}/openai/batches/${id}?api-version=2024-10-21`), response: ok({ ...docCancel, id, status: "cancelled", cancelled_at: 1646126200, output_file_id: "file-f2ddaf43-b48b-46dd-b264-90da10c7a85b" }) },
          { request: req("GET", `${AZ_ENDPOINT}/openai/files/file-f2ddaf43-b48b-46dd-b264-90da10c7a85b/content?api-version=2024-10-21`), response: jsonlOk([{ id: "batch_req_1", custom_id: "task-0", response: { status_code: 200, request_id: "r1", body: { choices: [] } }, error: null }]) }
        ],
        expect: { results: [{ customId: "task-0", outcome: "succeeded" }] } },
      { operation: "retrieve", scenario: "base-url-classic", description: "A base URL naming the classic routes ({endpoint}/openai, as the openai SDK's baseURL) gets the GA api-version",
          source: synthetic(`${MORE}: §3 Base URL: the SDK's base URL is {endpoint}/openai and every classic request needs api-version (2024-10-21 is the GA spec's)`), input: { batchId: id, clientOptions: { baseUrl: `${AZ_ENDPOINT}/openai` } },
          exchanges: [{ request: req("GET", `${AZ_ENDPOINT}/openai/batches/${id}?api-version=2024-10-21`), response: ok({ ...docCancel, id }) }],
          expect: { batch: { id, status: "cancelling" } } },
      { operation: "cancel", scenario: "unexpected-entity-state", description: "A 400 with Microsoft's unexpectedEntityState code to a cancel is a state refusal: one retrieve follows",
        source: synthetic(`${MORE}: §3 Cancel: the spec's codes include unexpectedEntityState; its use for a finished batch is UNVERIFIED`), input: { batchId: id },
        exchanges: [
          { request: req("POST", `${AZ}/batches/${id}/cancel`), response: json(400, msError("unexpectedEntityState", "The batch is in a state that does not allow this operation.")) },
          { request: req("GET", `${AZ}/batches/${id}`), response: ok({ ...docCancel, id, status: "completed", cancelling_at: null, completed_at: 1646126160 }) }
        ],
        expect: { error: { _tag: "InvalidBatchState", httpStatus: 400, vendorStatus: "completed" } } },
      { operation: "retrieve", scenario: "capitalised-terminal", description: "A capitalised terminal status (Completed) and ISO timestamps read like OpenAI's; vendorStatus as sent",
        source: synthetic(`${MORE}: §3 Timestamps: the how-to and the preview $filter use capitalised statuses (status eq 'Completed'); compare case-insensitively`), input: { batchId: id },
        exchanges: [{ request: req("GET", `${AZ}/batches/${id}`), response: ok({ ...docValidating, id, status: "Completed", completed_at: "2024-07-19T18:01:02.5+00:00", request_counts: { total: 3, completed: 3, failed: 0 } }) }],
        expect: { batch: { id, status: "completed", vendorStatus: "Completed", terminal: true, endedAt: "2024-07-19T18:01:02.500Z", counts: { total: 3, succeeded: 3, failed: 0 } } } },
      { operation: "retrieve", scenario: "no-endpoint", description: "Without endpoint or baseUrl nothing is sent: InvalidRequest (configure) naming AZURE_OPENAI_ENDPOINT",
        source: synthetic(`${MORE}: §3 Base URL: there is no default host`), input: { batchId: id, clientOptions: { endpoint: "" } },
        exchanges: [],
        expect: { error: { _tag: "InvalidRequest", operation: "configure" } } }
    ]
  })
  // Every case runs on the resource endpoint (v1 routes) unless it names its own options.
  return family(hooks).map((f) =>
    f.input.clientOptions === undefined ? { ...f, input: { ...f.input, clientOptions: { endpoint: AZ_ENDPOINT } } } : f
  )
}

// ---------------------------------------------------------------------------------------------------
// Gemini API: an Operation named batches/<id>, BATCH_STATE_*, counts as strings, cancel answers {}.

const GEM = "https://generativelanguage.googleapis.com/v1beta"
const GEM_ID = "batches/4m855v7q30kc7gtzcigdg9m72o87s08w33vp"
const GEM_T = "2025-12-10T18:27:01.407650525Z"
const GEM_END = "2025-12-10T18:28:31.548158795Z"
const gErr = (code, status, message) => ({ error: { code, message, status } })
const GEM_WORD = { validating: "BATCH_STATE_PENDING", in_progress: "BATCH_STATE_RUNNING", completed: "BATCH_STATE_SUCCEEDED", failed: "BATCH_STATE_FAILED", cancelled: "BATCH_STATE_CANCELLED", expired: "BATCH_STATE_EXPIRED" }
const gemResponse = (text, n) => ({ candidates: [{ content: { parts: [{ text }], role: "model" }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 3, totalTokenCount: 11 }, modelVersion: "gemini-2.5-flash", responseId: `rrs5adCnN4Lg_uMPtr-RyQ${n}` })
const gemBatch = (status, extra = {}, name = GEM_ID) => {
  const stats = {
    validating: { requestCount: "3", pendingRequestCount: "3" },
    in_progress: { requestCount: "3", successfulRequestCount: "1", pendingRequestCount: "2" },
    completed: { requestCount: "3", successfulRequestCount: "3" },
    failed: { requestCount: "3", failedRequestCount: "3" },
    cancelled: { requestCount: "3", successfulRequestCount: "1" },
    expired: { requestCount: "3", successfulRequestCount: "1" }
  }[status] ?? { requestCount: "3", pendingRequestCount: "3" }
  const ended = TERMINAL.includes(status)
  const inlined = status === "completed" ? [1, 2, 3] : status === "cancelled" || status === "expired" ? [1] : []
  const output = ended && inlined.length > 0 ? { inlinedResponses: { inlinedResponses: inlined.map((n) => ({ response: gemResponse(`answer ${n}`, n), metadata: { key: `req_${n}` } })) } } : undefined
  const metadata = {
    "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
    model: "models/gemini-2.5-flash", displayName: "test-batch-job", createTime: GEM_T, updateTime: ended ? GEM_END : GEM_T,
    batchStats: stats, state: GEM_WORD[status] ?? status, name,
    ...(ended ? { endTime: GEM_END } : {}),
    ...(output ? { output } : {})
  }
  const { metadata: more, ...rest } = extra
  return {
    name,
    metadata: { ...metadata, ...more },
    ...(ended ? { done: true } : {}),
    ...(status === "cancelled" ? { error: { code: 1, message: "Batch was cancelled." } } : {}),
    ...(output ? { response: { "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput", ...output } } : {}),
    ...rest
  }
}
const gemExpect = (body) => {
  const word = /^(?:BATCH_STATE|JOB_STATE)_(.*)$/.exec(body.metadata.state ?? "")?.[1]
  const status = { PENDING: "validating", RUNNING: "in_progress", SUCCEEDED: "completed", FAILED: "failed", CANCELLED: "cancelled", EXPIRED: "expired" }[word] ?? "unknown"
  const s = body.metadata.batchStats ?? {}
  const e = { id: body.name, status, vendorStatus: body.metadata.state, terminal: TERMINAL.includes(status), createdAt: "2025-12-10T18:27:01.407Z" }
  if (s.requestCount !== undefined) {
    e.counts = { total: Number(s.requestCount), succeeded: Number(s.successfulRequestCount ?? 0), failed: Number(s.failedRequestCount ?? 0), processing: Number(s.pendingRequestCount ?? 0) }
  }
  e.queued = word === "PENDING" ? true : { $absent: true }
  if (TERMINAL.includes(status) && body.metadata.endTime) e.endedAt = "2025-12-10T18:28:31.548Z"
  return e
}
const gemini = () => {
  const url = (name) => `${GEM}/batches/${enc(name.slice("batches/".length))}`
  const recordedRunning = { name: GEM_ID, metadata: { "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch", model: "models/gemini-2.5-flash", displayName: "test-batch-job", createTime: "2025-12-10T18:27:01.407650525Z", updateTime: "2025-12-10T18:27:38.619743501Z", batchStats: { requestCount: "3", pendingRequestCount: "3" }, state: "BATCH_STATE_RUNNING", name: GEM_ID } }
  const recNote = "a real GET transcript (GEM-REC, 2025-12-10) published in a public markdown file with a live key in it; the exchange is copied from there, not captured by us, so it counts as documented"
  const fixtures = family({
    provider: "gemini",
    idOf: (body) => body.name,
    ref: `${MORE}: §2 Gemini API (GEM-REF, GENAI-JS)`,
    id: GEM_ID,
    missingId: "batches/doesnotexist0000000000000000000000000",
    auth: "x-goog-api-key",
    batchUrl: url,
    cancelUrl: (name) => `${url(name)}:cancel`,
    batch: gemBatch,
    cancelled: () => gemBatch("cancelled"),
    expect: gemExpect,
    statuses: ["validating", "in_progress", "cancelled", "completed", "failed", "expired"],
    cancellable: [],
    vendorWord: (_status, after) => after.metadata.state,
    unknownStatus: (word = "BATCH_STATE_PAUSED") => gemBatch("in_progress", { metadata: { state: word } }),
    unknownWord: "BATCH_STATE_PAUSED",
    okHeaders: {},
    errHeaders: () => ({}),
    refusal: { status: 400, body: () => gErr(400, "FAILED_PRECONDITION", "The batch is not in a cancellable state.") },
    refusalSource: () => synthetic(`${MORE}: §2 Cancel of a finished batch: sources disagree (langchain4j: throws; the SDK test hints {}); written as Google's 400 FAILED_PRECONDITION (see cancel.completed-answers-empty for the other reading)`),
    recordedRetrieve: {
      in_progress: { source: documented(`${MORE}: §2 Examples, In progress (GEM-REC)`, recNote), body: recordedRunning }
    },
    errors: {
      unauthorized: { source: synthetic(`${MORE}: §2 Errors: google.rpc UNAUTHENTICATED in the Google envelope; the batch-route body is UNVERIFIED`), body: gErr(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."), expect: {} },
      forbidden: { source: synthetic(`${MORE}: §2 Errors: google.rpc PERMISSION_DENIED; batch-route body UNVERIFIED`), body: gErr(403, "PERMISSION_DENIED", "The caller does not have permission") },
      notFound: { source: documented(`${MORE}: §2 Errors, 404 NOT_FOUND (public log, archived copy id 71465720552)`, "a real body from a model route; the batch-route 404 text is UNVERIFIED"), body: () => gErr(404, "NOT_FOUND", "models/gemini-1.5-flash is not found for API version v1beta, or is not supported for generateContent. Call ModelService.ListModels to see the list of available models and their supported methods.") },
      rateLimit: { body: gErr(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."), headers: { "retry-after": "2" }, retryAfterMs: 2000 },
      quota: { status: 429, source: synthetic("FORMAT.md"), body: {} }, // no such case: dropped below
      server: { body: gErr(500, "INTERNAL", "Internal error encountered.") }
    },
    listFixtures: ({ req, ok }) => {
      const a = gemBatch("in_progress", {}, "batches/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1")
      const b = gemBatch("completed", {}, "batches/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2")
      const c = gemBatch("cancelled", {}, "batches/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3")
      const token = "CgwI1e3yxAYQgM3Y6QIaGGJhdGNoZXMvYWFhYWFhYWFhYWFhYWFh"
      return [
        { operation: "list", scenario: "first-page", description: "operations with a nextPageToken: the token is nextCursor",
          source: synthetic(`${MORE}: §2 List paging: GET /batches?pageSize&pageToken → {operations, nextPageToken}`), input: { limit: 2 },
          exchanges: [{ request: req("GET", `${GEM}/batches?pageSize=2`), response: ok({ operations: [a, b], nextPageToken: token }) }],
          expect: { page: { hasMore: true, nextCursor: token, batches: [gemExpect(a), gemExpect(b)] } } },
        { operation: "list", scenario: "next-page", description: "The next page with pageToken; no nextPageToken ends the listing",
          source: synthetic(`${MORE}: §2 List paging: stop when nextPageToken is absent/empty`), input: { limit: 2, after: token },
          exchanges: [{ request: req("GET", `${GEM}/batches?pageSize=2&pageToken=${token}`), response: ok({ operations: [c] }) }],
          expect: { page: { hasMore: false, batches: [gemExpect(c)] } } },
        { operation: "list", scenario: "empty", description: "No batches: {} (operations left out when empty)",
          source: synthetic(`${MORE}: §2 proto3 JSON leaves empty fields out`), input: {},
          exchanges: [{ request: req("GET", `${GEM}/batches?pageSize=100`), response: ok({}) }],
          expect: { page: { hasMore: false, batches: [] } } },
        { operation: "list", scenario: "quota-429-recorded", description: "The 429 RESOURCE_EXHAUSTED answer to batches.list on every attempt: RateLimited (Google sends quota windows and rate limits alike)",
          source: documented(`${MORE}: §2 Errors, 429 (langchain4j#3942 CI log on batches.list)`, "a real body from a CI log; its headers were not recorded"), input: {},
          exchanges: [1, 2, 3].map(() => ({ request: req("GET", `${GEM}/batches?pageSize=100`), response: json(429, { error: { code: 429, message: "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.", status: "RESOURCE_EXHAUSTED", details: [{ "@type": "type.googleapis.com/google.rpc.Help", links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }] }] } }) })),
          expect: { error: { _tag: "RateLimited", httpStatus: 429 } } }
      ]
    },
    results: ({ req, ok }) => {
      const done = gemBatch("completed")
      const cancelled = gemBatch("cancelled")
      const fileDone = gemBatch("completed", { metadata: { output: { responsesFile: "files/batch-o08hk76gv328ihxcssjsgwt3g6omtfysxi46" } }, response: undefined }, "batches/o08hk76gv328ihxcssjsgwt3g6omtfysxi46")
      delete fileDone.response
      const noOutput = gemBatch("cancelled", { metadata: { output: undefined } })
      delete noOutput.metadata.output
      delete noOutput.response
      return [
        { operation: "results", scenario: "completed", description: "Inline results in the operation (response.inlinedResponses.inlinedResponses), keyed by metadata.key, in request order",
          source: documented(`${MORE}: §2 Examples, Finished (GEM-REC, abridged)`, recNote), input: { batchId: done.name },
          exchanges: [{ request: req("GET", url(done.name)), response: ok(done) }],
          expect: { results: [{ customId: "req_1", outcome: "succeeded", response: { responseId: "rrs5adCnN4Lg_uMPtr-RyQ1" } }, { customId: "req_2", outcome: "succeeded" }, { customId: "req_3", outcome: "succeeded" }] } },
        { operation: "results", scenario: "responses-file", description: "A responses file: downloaded from /download/v1beta/{file}:download?alt=media; success and error lines in one file",
          source: synthetic(`${MORE}: §2 Results: the file name and the success line are GEM-COOK's (a real run); the error-line shape is UNVERIFIED ("each line is either a GenerateContentResponse or a status object")`), input: { batchId: fileDone.name },
          exchanges: [
            { request: req("GET", url(fileDone.name)), response: ok(fileDone) },
            { request: req("GET", "https://generativelanguage.googleapis.com/download/v1beta/files/batch-o08hk76gv328ihxcssjsgwt3g6omtfysxi46:download?alt=media"), response: jsonlOk([{ response: { ...gemResponse("Hello!", 1), responseId: "6VFkaIDwEPXVjMcP4-XW6Qo" }, key: "request_1" }, { error: { code: 3, message: "Request contains an invalid argument." }, key: "request_2" }]) }
          ],
          expect: { results: [{ customId: "request_1", outcome: "succeeded" }, { customId: "request_2", outcome: "errored", error: { code: 3 } }] } },
        { operation: "results", scenario: "cancelled", description: "Partial results of a cancelled batch: the inline responses it carries",
          source: synthetic(`${MORE}: §2 Cancel: whether partial inlinedResponses survive a cancel is UNVERIFIED`), input: { batchId: cancelled.name },
          exchanges: [{ request: req("GET", url(cancelled.name)), response: ok(cancelled) }],
          expect: { results: [{ customId: "req_1", outcome: "succeeded" }] } },
        { operation: "results", scenario: "cancelled-without-output", description: "A cancelled batch that counts a finished request but carries no output: ResultsUnavailable (no-results), not an empty list",
          source: synthetic(`${MORE}: §2 Cancel: "a terminal-with-no-results batch" (tobert/kaibo#8)`), input: { batchId: noOutput.name },
          exchanges: [{ request: req("GET", url(noOutput.name)), response: ok(noOutput) }],
          expect: { error: { _tag: "ResultsUnavailable", reason: "no-results" } } },
        { operation: "results", scenario: "not-terminal", description: "Results of a running batch: InvalidBatchState",
          source: synthetic("FORMAT.md: results of a batch that is not terminal fail with InvalidBatchState"), input: { batchId: done.name },
          exchanges: [{ request: req("GET", url(done.name)), response: ok(gemBatch("in_progress")) }],
          expect: { error: { _tag: "InvalidBatchState", operation: "results", vendorStatus: "BATCH_STATE_RUNNING" } } }
      ]
    },
    extra: ({ req, ok, err, id }) => mine((() => {
      const cancelReq = () => req("POST", `${url(id)}:cancel`)
      const empty = ok({})
      const accepted = (scenario, from, exchangesBefore = [], description, source) => ({
        operation: "cancel", scenario, description, source, input: { batchId: id },
        exchanges: [...exchangesBefore, { request: cancelReq(), response: empty }, { request: req("GET", url(id)), response: ok(gemBatch("cancelled")) }],
        expect: { batch: gemExpect(gemBatch("cancelled")) }
      })
      return [
        accepted("validating", "validating", [], "Cancel of a pending batch answers {}: the batch is read again and is already cancelled (no cancelling state)",
          synthetic(`${MORE}: §2 Cancel: answers {} (GEM-REF); "instant-terminal" (tobert/kaibo#8, a live probe); the pending case is assumed the same`)),
        accepted("in-progress", "in_progress", [], "Cancel of a running batch answers {}: the batch is read again and is cancelled",
          synthetic(`${MORE}: §2 Cancel: answers {} (GEM-REF); the next GET shows the cancelled state (GEM-GUIDE); instant-terminal (tobert/kaibo#8, a live probe)`)),
        accepted("rate-limited-then-ok", "in_progress", [{ request: cancelReq(), response: err(429, gErr(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."), { "retry-after": "1" }) }],
          "429 then {}: retried, then the batch is read", synthetic(`${MORE}: §2 Errors: 429 RESOURCE_EXHAUSTED (google.rpc)`)),
        accepted("server-error-then-ok", "in_progress", [
          { request: cancelReq(), response: err(500, gErr(500, "INTERNAL", "Internal error encountered.")) },
          { request: cancelReq(), response: err(503, gErr(503, "UNAVAILABLE", "The service is currently unavailable.")) }
        ], "500 then 503 are retried; the third attempt answers {} and the batch is read", synthetic(`${MORE}: §2 Errors: 500 INTERNAL, 503 UNAVAILABLE (google.rpc)`)),
        { operation: "cancel", scenario: "completed-answers-empty", description: "The other reading of a cancel of a finished batch: {} and the batch still SUCCEEDED, so InvalidBatchState (the cancel did not take)",
          source: synthetic(`${MORE}: §2 Cancel of a finished batch: the google-genai test keeps a live cancel of a long-finished batch enabled, which hints it answers {}`), input: { batchId: id },
          exchanges: [{ request: cancelReq(), response: empty }, { request: req("GET", url(id)), response: ok(gemBatch("completed")) }],
          expect: { error: { _tag: "InvalidBatchState", operation: "cancel", vendorStatus: "BATCH_STATE_SUCCEEDED", status: "completed" } } },
        { operation: "cancel", scenario: "answers-another-batch", description: "Cancel answered {} and the batch read again names another batch: UnexpectedResponse",
          source: synthetic("FORMAT.md 'Cancel is idempotent': an answer about another batch is not an answer"), input: { batchId: id },
          exchanges: [{ request: cancelReq(), response: empty }, { request: req("GET", url(id)), response: ok(gemBatch("cancelled", {}, "batches/someoneelse")) }],
          expect: { error: { _tag: "UnexpectedResponse", operation: "cancel" } } },
        { operation: "retrieve", scenario: "job-state-spelling", description: "The SDKs' JOB_STATE_* spelling reads the same as BATCH_STATE_*",
          source: synthetic(`${MORE}: §2 States: the SDKs rename BATCH_STATE_X to JOB_STATE_X and the guide's REST sample tests JOB_STATE_SUCCEEDED`), input: { batchId: id },
          exchanges: [{ request: req("GET", url(id)), response: ok(gemBatch("completed", { metadata: { state: "JOB_STATE_SUCCEEDED" } })) }],
          expect: { batch: { status: "completed", vendorStatus: "JOB_STATE_SUCCEEDED", terminal: true } } },
        { operation: "retrieve", scenario: "wrong-key-400", description: "Google answers a key that is not valid with 400 INVALID_ARGUMENT (reason API_KEY_INVALID): Unauthorized all the same",
          source: synthetic(`${MORE}: §2 Errors: 400 INVALID_ARGUMENT per google.rpc; the wrong-key body is Google's common one, not shown for batch routes in vendors-more.md`), input: { batchId: id },
          exchanges: [{ request: req("GET", url(id)), response: json(400, { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }] } }) }],
          expect: { error: { _tag: "Unauthorized", httpStatus: 400 } } },
        { operation: "retrieve", scenario: "bare-id", description: "A bare id is not a Gemini batch name (batches/<id>): InvalidRequest, nothing sent",
          source: synthetic(`${MORE}: §2 Endpoints: the JS SDK refuses a bare id (GENAI-JS tBatchJobName)`), input: { batchId: "4m855v7q30kc7gtzcigdg9m72o87s08w33vp" },
          exchanges: [],
          expect: { error: { _tag: "InvalidRequest", operation: "retrieve" } } },
        { operation: "retrieve", scenario: "hostile-id", description: "An id with / ? # that is not a batch name: InvalidRequest, nothing sent",
          source: synthetic("batch id encoding"), input: { batchId: "../files?x=1#y" },
          exchanges: [],
          expect: { error: { _tag: "InvalidRequest", batchId: { $absent: true } } } },
        { operation: "retrieve", scenario: "hostile-name", description: "batches/<id> whose id holds ? and #: one percent-encoded segment",
          source: synthetic("batch id encoding"), input: { batchId: "batches/x?y=1#z" },
          exchanges: [{ request: req("GET", `${GEM}/batches/x%3Fy%3D1%23z`), response: err(404, gErr(404, "NOT_FOUND", "Requested entity was not found.")) }],
          expect: { error: { _tag: "BatchNotFound", batchId: "batches/x?y=1#z" } } }
      ]
    })())
  })
  return without(fixtures, ["cancel.already-cancelling", "cancel.rate-limited-then-ok", "cancel.server-error-then-ok", "cancel.quota-exceeded", "retrieve.hostile-id"])
}

// ---------------------------------------------------------------------------------------------------
// xAI: a batch with no status (derived), :cancel answering the batch, paged JSON results.

const XAI = "https://api.x.ai/v1"
const XAI_ID = "batch_1934e8b5-f3dc-45f1-8329-9841b0aee9d8"
const xErr = (code, error) => ({ code, error })
// Non-terminal batches carry no expire_time here (the reference allows null): a past date would make
// them read as expired on any later day.
const xBatch = (status, extra = {}, id = XAI_ID) => {
  const state = {
    validating: [0, 0, 0, 0, 0], in_progress: [100, 25, 70, 5, 0], cancelling: [100, 20, 70, 5, 5], cancelled: [100, 0, 70, 5, 25],
    completed: [100, 0, 95, 5, 0], failed: [0, 0, 0, 0, 0], expired: [100, 30, 65, 5, 0]
  }[status] ?? [100, 25, 70, 5, 0]
  // An expired batch is one past its expire_time by the clock: its dates lie before 1970 so that it reads
  // expired under a test clock at 0 as well as today.
  const expired = status === "expired"
  return {
    batch_id: id, name: "My New Batch", create_time: expired ? "1969-12-30T10:00:00Z" : "2025-11-11T10:00:00Z",
    expire_time: expired ? "1969-12-31T10:00:00Z" : status === "completed" || status === "cancelled" || status === "failed" ? "2025-11-12T10:00:00Z" : null,
    create_api_key_id: "********-****-****-****-************",
    cancel_time: status === "cancelling" || status === "cancelled" || status === "failed" ? "2025-11-11T11:00:00Z" : null,
    cancel_by_xai_message: status === "failed" ? "JSONL file validation failed: Model grok-4.6 is not supported for batch processing." : null,
    state: { num_requests: state[0], num_pending: state[1], num_success: state[2], num_error: state[3], num_cancelled: state[4] },
    ...extra
  }
}
const xDate = (v) => (v === null || v === undefined ? undefined : new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v).toISOString())
const xStatus = (b) => {
  const s = b.state
  if (b.cancel_by_xai_message) return "failed"
  if (b.cancel_time) return s.num_pending > 0 ? "cancelling" : "cancelled"
  if (s.num_requests > 0 && s.num_pending === 0) return "completed"
  if (b.expire_time && new Date(xDate(b.expire_time)).getTime() < Date.now()) return "expired"
  if (s.num_requests === 0) return "validating"
  return "in_progress"
}
const xExpect = (b) => {
  const status = xStatus(b)
  const e = {
    id: b.batch_id, status, vendorStatus: "", terminal: TERMINAL.includes(status),
    counts: { total: b.state.num_requests, processing: b.state.num_pending, succeeded: b.state.num_success, failed: b.state.num_error, cancelled: b.state.num_cancelled },
    createdAt: xDate(b.create_time)
  }
  if (b.expire_time) e.expiresAt = xDate(b.expire_time)
  if (b.cancel_time) e.cancelRequestedAt = xDate(b.cancel_time)
  e.queued = status === "validating" ? true : { $absent: true }
  return e
}
const xai = () => {
  const url = (bid) => `${XAI}/batches/${enc(bid)}`
  const docCreated = { batch_id: XAI_ID, name: "My New Batch", create_time: "2025-11-11", expire_time: "2099-11-12", create_api_key_id: "********-****-****-****-************", cancel_time: null, cancel_by_xai_message: null, state: { num_requests: 0, num_pending: 0, num_success: 0, num_error: 0, num_cancelled: 0 } }
  const docCancelled = { batch_id: XAI_ID, name: "My New Batch", create_time: "2025-11-11", expire_time: "2025-11-12", create_api_key_id: "********-****-****-****-************", cancel_time: "2025-11-11", cancel_by_xai_message: null, state: { num_requests: 1, num_pending: 0, num_success: 1, num_error: 0, num_cancelled: 0 } }
  const chat = (content, n) => ({ id: `e7c2162b-ca73-c181-2364-1feabef778f${n}_us-east-1`, object: "chat.completion", created: 1762801725, model: "grok-4", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }, system_fingerprint: "fp_1944a19e1f" })
  const ok200 = (body) => json(200, body)
  const fixtures = family({
    provider: "xai",
    idOf: (body) => body.batch_id,
    ref: `${MORE}: §5 xAI (XAI-REF, XAI-DOCS)`,
    id: XAI_ID,
    missingId: "batch_00000000-0000-0000-0000-000000000000",
    batchUrl: url,
    cancelUrl: (bid) => `${url(bid)}:cancel`,
    batch: xBatch,
    cancelled: (from, bid) => xBatch("cancelling", from === "validating" ? { state: { num_requests: 0, num_pending: 0, num_success: 0, num_error: 0, num_cancelled: 0 } } : {}, bid),
    cancelSource: () => synthetic(`${MORE}: §5 Cancel: 200 with the batch, cancel_time set; how fast num_pending drains is UNVERIFIED (pending requests > 0 read as cancelling)`),
    expect: xExpect,
    statuses: ["validating", "in_progress", "cancelling", "cancelled", "completed", "failed", "expired"],
    cancellable: ["validating", "in_progress"],
    vendorWord: () => "",
    unknownStatus: () => xBatch("in_progress", { state: null }),
    unknownWord: "",
    okHeaders: {},
    errHeaders: () => ({}),
    refusal: { status: 409, body: () => xErr("Failed precondition", "unused") },
    errors: {
      unauthorized: { source: synthetic(`${MORE}: §5 Errors: xAI answers a bad key with 400 (see cancel.wrong-key-400); a 401 is assumed to be possible from a gateway`), body: xErr("Unauthenticated", "Missing or invalid authorization"), expect: {} },
      forbidden: { source: synthetic(`${MORE}: §5 Errors: xAI's {code, error} envelope; the 403 for a missing permission is UNVERIFIED`), body: xErr("The caller does not have permission to execute the specified operation", "The API key does not have permission to manage batches.") },
      notFound: { source: synthetic(`${MORE}: §5 Errors: the 404 text for an unknown batch is UNVERIFIED (expect the same code as the recorded model 404)`), body: (bid) => xErr("Some requested entity was not found", `Batch ${bid} not found.`) },
      rateLimit: { body: xErr("Some resource has been exhausted", "Too many requests, please slow down."), headers: { "retry-after": "2" }, retryAfterMs: 2000 },
      quota: { status: 403, source: synthetic(`${MORE}: §5 Errors: 403 "used all available credits" [REC]; the full text here is written around those words`), body: xErr("The caller does not have permission to execute the specified operation", "Your team has either used all available credits or reached its monthly spending limit. To continue making API requests, please purchase more credits or raise your spending limit.") },
      server: { body: xErr("Internal error", "Internal server error.") }
    },
    recordedRetrieve: {
      validating: { source: documented(`${MORE}: §5 Examples, Just created (XAI-REF)`, "the reference's expire_time (2025-11-12) moved to 2099 so that the case does not read as expired on a later day"), body: docCreated },
      failed: { source: synthetic(`${MORE}: §5 xAI can cancel a batch itself (a third-party test, archived copy id 71413693964): cancel_by_xai_message set, read as failed`), body: xBatch("failed") }
    },
    listFixtures: ({ req, ok }) => {
      const a = xBatch("in_progress", {}, "batch_aaaaaaaa-0000-4000-8000-000000000001")
      const b = xBatch("completed", {}, "batch_aaaaaaaa-0000-4000-8000-000000000002")
      const c = xBatch("cancelled", {}, "batch_aaaaaaaa-0000-4000-8000-000000000003")
      const docList = { batches: [{ ...docCancelled, cancel_time: null, expire_time: "2099-11-12" }, { batch_id: "batch_bac0e657-6bbf-46ba-a671-1d73a67c132a", name: "MyNewBatch", create_time: "2025-11-09", expire_time: "2025-11-10", cancel_time: "2025-11-09", cancel_by_xai_message: null, state: { num_requests: 1, num_pending: 0, num_success: 1, num_error: 0, num_cancelled: 0 }, create_api_key_id: "********-****-****-****-************" }] }
      return [
        { operation: "list", scenario: "first-page", description: "limit and a pagination_token for the next page",
          source: synthetic(`${MORE}: §5 List paging: ?limit=N&pagination_token=T → {batches, pagination_token}`), input: { limit: 2 },
          exchanges: [{ request: req("GET", `${XAI}/batches?limit=2`), response: ok({ batches: [a, b], pagination_token: "Cg5iYXRjaF9hYWFhYWFhYQ" }) }],
          expect: { page: { hasMore: true, nextCursor: "Cg5iYXRjaF9hYWFhYWFhYQ", batches: [xExpect(a), xExpect(b)] } } },
        { operation: "list", scenario: "next-page", description: "The last page leaves pagination_token out, as the reference's example does",
          source: synthetic(`${MORE}: §5 List paging: the reference example omits pagination_token on the last page`), input: { limit: 2, after: "Cg5iYXRjaF9hYWFhYWFhYQ" },
          exchanges: [{ request: req("GET", `${XAI}/batches?limit=2&pagination_token=Cg5iYXRjaF9hYWFhYWFhYQ`), response: ok({ batches: [c] }) }],
          expect: { page: { hasMore: false, batches: [xExpect(c)] } } },
        { operation: "list", scenario: "documented-example", description: "The reference's list page, verbatim but for one expire_time: date-only times, one batch cancelled with all its requests done",
          source: documented(`${MORE}: §5 Examples, List page (XAI-REF)`, "the first batch's expire_time moved to 2099 and its cancel_time cleared so that it reads as a finished batch on any day"), input: {},
          exchanges: [{ request: req("GET", `${XAI}/batches`), response: ok(docList) }],
          expect: { page: { hasMore: false, batches: [{ id: XAI_ID, status: "completed", createdAt: "2025-11-11T00:00:00.000Z" }, { id: "batch_bac0e657-6bbf-46ba-a671-1d73a67c132a", status: "cancelled", cancelRequestedAt: "2025-11-09T00:00:00.000Z", endedAt: "2025-11-09T00:00:00.000Z" }] } } }
      ]
    },
    results: ({ req, ok }) => {
      const done = xBatch("completed")
      const cancelled = xBatch("cancelled")
      const resultsUrl = (token) => `${url(XAI_ID)}/results?limit=1000${token ? `&pagination_token=${token}` : ""}`
      const ok1 = (n) => ({ batch_request_id: `test_request_${n}`, batch_result: { response: { chat_get_completion: chat(`answer ${n}`, n) } } })
      return [
        { operation: "results", scenario: "completed", description: "Paged JSON results: two pages, a response and an error (a plain string)",
          source: synthetic(`${MORE}: §5 Results: the item shape is XAI-REF's; paging by pagination_token ("empty if this is the last page")`), input: { batchId: XAI_ID },
          exchanges: [
            { request: req("GET", url(XAI_ID)), response: ok(done) },
            { request: req("GET", resultsUrl()), response: ok({ results: [ok1(0), ok1(1)], pagination_token: "page-2" }) },
            { request: req("GET", resultsUrl("page-2")), response: ok({ results: [{ batch_request_id: "test_request_2", batch_result: { error: "Request failed: invalid model." } }], pagination_token: "" }) }
          ],
          expect: { results: [{ customId: "test_request_0", outcome: "succeeded", response: { chat_get_completion: { model: "grok-4" } } }, { customId: "test_request_1", outcome: "succeeded" }, { customId: "test_request_2", outcome: "errored", error: "Request failed: invalid model." }] } },
        { operation: "results", scenario: "cancelled", description: "Partial results of a cancelled batch: what finished; cancelled requests have no result",
          source: synthetic(`${MORE}: §5 Cancel: "Already-processed requests remain available in the results" (XAI-DOCS)`), input: { batchId: XAI_ID },
          exchanges: [
            { request: req("GET", url(XAI_ID)), response: ok(cancelled) },
            { request: req("GET", resultsUrl()), response: ok({ results: [ok1(0)], pagination_token: null }) }
          ],
          expect: { results: [{ customId: "test_request_0", outcome: "succeeded" }] } },
        { operation: "results", scenario: "documented-example", description: "The reference's results page, verbatim",
          source: documented(`${MORE}: §5 Examples, Results page (XAI-REF)`), input: { batchId: XAI_ID },
          exchanges: [
            { request: req("GET", url(XAI_ID)), response: ok(done) },
            { request: req("GET", resultsUrl()), response: ok({ results: [{ batch_request_id: "test_request_0", batch_result: { response: { chat_get_completion: { id: "e7c2162b-ca73-c181-2364-1feabef778fe_us-east-1", object: "chat.completion", created: 1762801725, model: "grok-4", choices: [], usage: {}, system_fingerprint: "fp_1944a19e1f" } } } }], pagination_token: null }) }
          ],
          expect: { results: [{ customId: "test_request_0", outcome: "succeeded" }] } },
        { operation: "results", scenario: "token-not-advancing", description: "A results page whose token comes back unchanged would page forever: UnexpectedResponse after the items delivered",
          source: synthetic("hostile vendor body: paging must end"), input: { batchId: XAI_ID },
          exchanges: [
            { request: req("GET", url(XAI_ID)), response: ok(done) },
            { request: req("GET", resultsUrl()), response: ok({ results: [ok1(0)], pagination_token: "same" }) },
            { request: req("GET", resultsUrl("same")), response: ok({ results: [ok1(1)], pagination_token: "same" }) }
          ],
          expect: { error: { _tag: "UnexpectedResponse", operation: "results" } } },
        { operation: "results", scenario: "not-terminal", description: "Results of a running batch: InvalidBatchState (xAI serves partial results at any time; batchctl reads them once the batch is done)",
          source: synthetic("FORMAT.md: results of a batch that is not terminal fail with InvalidBatchState"), input: { batchId: XAI_ID },
          exchanges: [{ request: req("GET", url(XAI_ID)), response: ok(xBatch("in_progress")) }],
          expect: { error: { _tag: "InvalidBatchState", operation: "results", status: "in_progress" } } }
      ]
    },
    extra: ({ req, id }) => mine((() => {
      const cancelReq = () => req("POST", `${url(id)}:cancel`)
      return [
        { operation: "cancel", scenario: "completed", description: "Cancel of a batch whose requests are all done answers 200 with cancel_time set: on xAI that is a cancelled batch (it takes no more requests)",
          source: documented(`${MORE}: §5 Examples, After cancel (XAI-REF)`), input: { batchId: id },
          exchanges: [{ request: cancelReq(), response: ok200(docCancelled) }],
          expect: { batch: { id, status: "cancelled", vendorStatus: "", terminal: true, counts: { total: 1, succeeded: 1, processing: 0 }, cancelRequestedAt: "2025-11-11T00:00:00.000Z" } } },
        { operation: "cancel", scenario: "cancelled", description: "Cancel of a cancelled batch: assumed to answer 200 with the batch unchanged; idempotent",
          source: synthetic(`${MORE}: §5 Cancel of an already-cancelled batch is UNVERIFIED; assumed the same 200 as for a finished one`), input: { batchId: id },
          exchanges: [{ request: cancelReq(), response: ok200(xBatch("cancelled")) }],
          expect: { batch: xExpect(xBatch("cancelled")) } },
        { operation: "cancel", scenario: "already-cancelling", description: "Cancel of a batch still draining after a cancel: 200, cancelling",
          source: synthetic(`${MORE}: §5 Cancel: a second cancel is UNVERIFIED; assumed 200 with the batch`), input: { batchId: id },
          exchanges: [{ request: cancelReq(), response: ok200(xBatch("cancelling")) }],
          expect: { batch: xExpect(xBatch("cancelling")) } },
        { operation: "cancel", scenario: "failed", description: "Cancel of a batch xAI itself stopped (cancel_by_xai_message): 200 with it unchanged; it reads failed, so InvalidBatchState",
          source: synthetic(`${MORE}: §5 the xAI-cancelled batch is a third-party test's; what a cancel of it answers is UNVERIFIED`), input: { batchId: id },
          exchanges: [{ request: cancelReq(), response: ok200(xBatch("failed")) }],
          expect: { error: { _tag: "InvalidBatchState", operation: "cancel", status: "failed" } } },
        { operation: "cancel", scenario: "expired", description: "Cancel of a batch past its expire_time with requests never run: 200 with it unchanged; it reads expired, so InvalidBatchState",
          source: synthetic(`${MORE}: §5 a cancel of an expired batch is UNVERIFIED`), input: { batchId: id },
          exchanges: [{ request: cancelReq(), response: ok200(xBatch("expired")) }],
          expect: { error: { _tag: "InvalidBatchState", operation: "cancel", status: "expired" } } },
        { operation: "cancel", scenario: "wrong-key-400", description: "xAI answers a wrong key with 400, not 401: Unauthorized all the same",
          source: documented(`${MORE}: §5 Errors, 400 for a bad key (public code and tests, archived copy ids 61404779830, 69119375889)`, "the real 2026 body, from other routes"), input: { batchId: id },
          exchanges: [{ request: cancelReq(), response: json(400, xErr("invalid-argument", "Incorrect API key provided. You can obtain an API key from https://console.x.ai.")) }],
          expect: { error: { _tag: "Unauthorized", httpStatus: 400 } } },
        { operation: "retrieve", scenario: "unknown-state", description: "No state counters at all: no status can be derived, so unknown",
          source: synthetic("FORMAT.md status mapping: what cannot be placed is unknown"), input: { batchId: id },
          exchanges: [{ request: req("GET", url(id)), response: ok200(xBatch("in_progress", { state: null })) }],
          expect: { batch: { status: "unknown", vendorStatus: "", terminal: false } } }
      ]
    })())
  })
  return without(fixtures, ["cancel.completed", "cancel.cancelled", "cancel.already-cancelling", "cancel.failed", "cancel.expired", "retrieve.unknown-status", "retrieve.inherited-name-status"])
}

export const moreProviders = { "azure-openai": azure, gemini, groq, mistral, xai }

export const moreSkipReasons = {
  mistral: {
    "retrieve.finalizing": "Mistral's BatchJobStatus has no finalizing state",
    "cancel.quota-exceeded": "Mistral documents no quota or spend-cap refusal (pending requests over the workspace limit are refused at create, not at cancel)"
  },
  gemini: {
    "retrieve.finalizing": "Gemini's BatchState has no finalizing state",
    "retrieve.cancelling": "Gemini's cancel is instant-terminal: there is no cancelling state",
    "cancel.already-cancelling": "Gemini has no cancelling state",
    "cancel.quota-exceeded": "Google answers a used-up quota window and a rate limit alike (429 RESOURCE_EXHAUSTED); no distinct quota refusal is documented, so it is RateLimited (list.quota-429-recorded)"
  },
  groq: {
    "cancel.quota-exceeded": "Groq documents no quota or spend-cap error body"
  },
  xai: {
    "retrieve.finalizing": "xAI's batch has no status, and nothing to derive a finalizing state from",
    "retrieve.unknown-status": "xAI's batch has no status word to be unknown; a batch without state counters is unknown (retrieve.unknown-state)"
  }
}
