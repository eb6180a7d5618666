// Fixtures built from real captures in ../sources/captures (see ../sources/README.md for where each
// came from and what R changed in them). Used by synthesize.mjs beside the vendor facts of vendors.mjs.
import { readFileSync } from "node:fs"
import { join } from "node:path"

const dir = join(import.meta.dirname, "..", "sources", "captures", "ellmer")
const read = (name) => JSON.parse(readFileSync(join(dir, name), "utf8"))
const iso = (seconds) => new Date(seconds * 1000).toISOString()
const ms = (rfc3339) => new Date(rfc3339).toISOString()

/** R writes JSON null as {}: read every {} as null, except `metadata`, which is {} on the wire too. */
export const fromR = (u, key) => {
  if (Array.isArray(u)) return u.map((x) => fromR(x))
  if (typeof u === "object" && u !== null) {
    if (Object.keys(u).length === 0 && key !== "metadata") return null
    return Object.fromEntries(Object.entries(u).map(([k, v]) => [k, fromR(v, k)]))
  }
  return u
}

const ref = (name) => `sources/captures/ellmer/${name}`
/** Where the copy in sources/ came from. */
export const captureUrl = (name) => {
  const [file, commit] = name.replace(/\.json$/, "").split("@")
  return `https://github.com/tidyverse/ellmer/blob/${commit}/tests/testthat/batch/${file}.json`
}
const jsonl = (lines) => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`
const json = (body) => ({ status: 200, headers: { "content-type": "application/json" }, body })

// --- OpenAI --------------------------------------------------------------------------------------
const oaBase = "https://api.openai.com/v1"
const oaReq = (method, url) => ({ method, url, headers: {}, auth: "bearer" })
const oaExpect = (b) => ({
  id: b.id,
  status: b.status,
  vendorStatus: b.status,
  terminal: true,
  counts: { total: b.request_counts.total, succeeded: b.request_counts.completed, failed: b.request_counts.failed },
  createdAt: iso(b.created_at),
  expiresAt: iso(b.expires_at),
  endedAt: iso(b.completed_at),
  outputFileId: b.output_file_id,
  errorFileId: { $absent: true }
})

const openaiCaptures = () => {
  const out = []
  for (const [name, when] of [
    ["state-capitals@31a75820.json", "2025-05"],
    ["state-capitals@1096418a.json", "2025-10"],
    ["state-capitals@7a4f5830.json", "2026-08"]
  ]) {
    const capture = read(name)
    const batch = fromR(capture.batch)
    const lines = fromR(capture.results).map((response, i) => ({ custom_id: `chat-${i + 1}`, response, error: null }))
    const source = (what) => ({
      kind: "recorded",
      ref: ref(name),
      note: `${what}, captured from the live API by the ellmer maintainers (${when}; ${captureUrl(name)}); R's {} read back as null${what.includes("lines") ? "; each line's custom_id restored as ellmer set it (chat-N) and its batch_req id, which ellmer drops, left out" : ""}`
    })
    out.push({
      operation: "retrieve",
      scenario: `completed-ellmer-${when}`,
      description: `A real GET of a completed ${batch.endpoint} batch (${when})`,
      source: source("the GET /v1/batches/{id} answer"),
      input: { batchId: batch.id },
      exchanges: [{ request: oaReq("GET", `${oaBase}/batches/${batch.id}`), response: json(batch) }],
      expect: { batch: oaExpect(batch) }
    })
    out.push({
      operation: "results",
      scenario: `completed-ellmer-${when}`,
      description: `Results of a real completed batch (${when}): the batch, then its output file; it names no error file, so none is fetched`,
      source: source("the batch and its output-file lines"),
      input: { batchId: batch.id },
      exchanges: [
        { request: oaReq("GET", `${oaBase}/batches/${batch.id}`), response: json(batch) },
        {
          request: oaReq("GET", `${oaBase}/files/${batch.output_file_id}/content`),
          response: { status: 200, headers: { "content-type": "application/octet-stream" }, bodyText: jsonl(lines) }
        }
      ],
      expect: {
        results: lines.map((l) => ({ customId: l.custom_id, outcome: "succeeded", response: { status_code: 200, request_id: l.response.request_id } }))
      }
    })
  }
  return out
}

// --- Anthropic -----------------------------------------------------------------------------------
const antBase = "https://api.anthropic.com/v1/messages/batches"
const antReq = (method, url) => ({ method, url, headers: { "anthropic-version": "2023-06-01" }, auth: "x-api-key" })
const antExpect = (b) => {
  const c = b.request_counts
  return {
    id: b.id,
    status: "completed",
    vendorStatus: "ended",
    terminal: true,
    counts: { total: c.processing + c.succeeded + c.errored + c.canceled + c.expired, processing: c.processing, succeeded: c.succeeded, failed: c.errored, cancelled: c.canceled, expired: c.expired },
    createdAt: ms(b.created_at),
    expiresAt: ms(b.expires_at),
    endedAt: ms(b.ended_at),
    cancelRequestedAt: { $absent: true },
    resultsUrl: b.results_url
  }
}

const anthropicCaptures = () => {
  const out = []
  for (const [name, when] of [
    ["state-capitals-anthropic@434750cd.json", "2025-11"],
    ["state-capitals-anthropic@f6e326d0.json", "2026-06"],
    ["state-capitals-anthropic@7a4f5830.json", "2026-08"]
  ]) {
    const capture = read(name)
    const batch = fromR(capture.batch)
    const lines = fromR(capture.results).map((result, i) => ({ custom_id: `chat-${i + 1}`, result }))
    const source = (what) => ({
      kind: "recorded",
      ref: ref(name),
      note: `${what}, captured from the live API by the ellmer maintainers (${when}; ${captureUrl(name)}); R's {} read back as null${what.includes("lines") ? "; each line's custom_id restored as ellmer set it (chat-N), in custom_id order (the vendor's own order is not kept)" : ""}`
    })
    out.push({
      operation: "retrieve",
      scenario: `ended-ellmer-${when}`,
      description: `A real GET of an ended batch (${when}): +00:00 timestamps with microseconds`,
      source: source("the GET /v1/messages/batches/{id} answer"),
      input: { batchId: batch.id },
      exchanges: [{ request: antReq("GET", `${antBase}/${batch.id}`), response: json(batch) }],
      expect: { batch: antExpect(batch) }
    })
    out.push({
      operation: "results",
      scenario: `ended-ellmer-${when}`,
      description: `Results of a real ended batch (${when}): the batch, then its results_url`,
      source: source("the batch and its result lines"),
      input: { batchId: batch.id },
      exchanges: [
        { request: antReq("GET", `${antBase}/${batch.id}`), response: json(batch) },
        {
          request: antReq("GET", batch.results_url),
          response: { status: 200, headers: { "content-type": "application/binary" }, bodyText: jsonl(lines) }
        }
      ],
      expect: {
        results: lines.map((l) => ({ customId: l.custom_id, outcome: "succeeded", response: { id: l.result.message.id, content: l.result.message.content } }))
      }
    })
  }
  return out
}

export const captures = { openai: openaiCaptures, anthropic: anthropicCaptures }

/** The retrieve bodies vendors.mjs already builds fixtures on, read from the same files. */
export const capture = (name) => fromR(read(name).batch)
export const captureRef = ref
