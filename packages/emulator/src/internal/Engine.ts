/**
 * The emulator without HTTP: routing by vendor prefix and path, auth, every route, and the control API.
 * Plain synchronous code, so that the server around it stays thin and fast.
 */
import { isRecord } from "effect/Predicate"
import { Clock } from "./clock.js"
import { type Fault, type FaultRule, Faults, type Route, validateRules } from "./Faults.js"
import { isProvider, type Provider, providers } from "./Provider.js"
import { Ids } from "./random.js"
import { json, type Reply } from "./Reply.js"
import {
  type BatchRecord,
  cancel,
  defaultTimings,
  type FileRecord,
  failingOf,
  type Phase,
  type RequestSpec,
  Store,
  type Timings,
  terminalPhases,
  type View,
  view
} from "./Store.js"
import * as V from "./Vendors.js"

export interface EngineOptions {
  readonly apiKey?: string | undefined
  readonly seed: number
  readonly speed: number
  readonly maxBatches: number
  readonly timings: Timings
  readonly faults: ReadonlyArray<FaultRule>
  /** MeshAPI refuses a create with 429 batch_limit_exceeded when this many of its batches are not terminal */
  readonly meshapiActiveLimit: number
  /** uploads past this many stored bytes get the vendor's 429 */
  readonly maxStoredBytes: number
}

export const defaultEngineOptions: EngineOptions = {
  seed: 0,
  speed: 1,
  maxBatches: 200_000,
  timings: defaultTimings,
  faults: [],
  meshapiActiveLimit: 10,
  maxStoredBytes: 1024 * 1024 * 1024
}

export type Body =
  | { readonly kind: "none" }
  | { readonly kind: "json"; readonly value: unknown }
  | { readonly kind: "bad_json" }
  | {
      readonly kind: "form"
      readonly fields: ReadonlyMap<string, string>
      readonly file: { readonly name: string; readonly text: string } | undefined
    }

export type Match =
  | {
      readonly kind: "vendor"
      readonly provider: Provider
      readonly route: Route
      readonly id: string | undefined
      readonly body: "json" | "form" | "none"
    }
  | { readonly kind: "vendor-unknown"; readonly provider: Provider }
  | { readonly kind: "control"; readonly name: "health" | "batches" | "bulk" | "clock" | "faults" }
  | { readonly kind: "unknown" }

export interface Incoming {
  readonly method: string
  readonly query: URLSearchParams
  readonly header: (name: string) => string | undefined
  /** scheme://host:port as the client reached us */
  readonly origin: string
}

const decode = (s: string): string => {
  if (!s.includes("%")) return s
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

const vendorRoute = (
  provider: Provider,
  route: Route,
  id: string | undefined,
  body: "json" | "form" | "none" = "none"
): Match => ({ kind: "vendor", provider, route, id, body })

/** OpenAI-shaped paths below a base: batches and files. */
const openAiFamily = (provider: Provider, method: string, seg: ReadonlyArray<string>): Match => {
  const [a, b, c, d] = seg
  const n = seg.length
  if (a === "batches") {
    if (n === 1) {
      if (method === "POST") return vendorRoute(provider, "create", undefined, "json")
      if (method === "GET") return vendorRoute(provider, "list", undefined)
    }
    if (n === 2 && method === "GET") return vendorRoute(provider, "retrieve", b)
    if (n === 3 && c === "cancel" && method === "POST") return vendorRoute(provider, "cancel", b)
  }
  if (a === "files" && provider !== "meshapi") {
    if (n === 1 && method === "POST") return vendorRoute(provider, "upload", undefined, "form")
    if (n === 2 && method === "GET") return vendorRoute(provider, "file", b)
    if (n === 3 && c === "content" && method === "GET" && d === undefined) return vendorRoute(provider, "content", b)
  }
  return { kind: "vendor-unknown", provider }
}

/** Routes a method and a path (without the query). */
export const match = (method: string, path: string): Match => {
  const raw = path.split("/")
  // leading "" and, for Respan's Django-style paths, a trailing "" are not segments
  const seg = raw.slice(1)
  if (seg.length > 0 && seg[seg.length - 1] === "") seg.pop()
  const [p0, p1, p2, p3] = seg
  if (p0 === "_emulator") {
    if (p1 === "health" && seg.length === 2 && method === "GET") return { kind: "control", name: "health" }
    if (p1 === "batches" && seg.length === 2 && method === "POST") return { kind: "control", name: "batches" }
    if (p1 === "batches" && p2 === "bulk" && seg.length === 3 && method === "POST") return { kind: "control", name: "bulk" }
    if (p1 === "clock" && seg.length === 2) return { kind: "control", name: "clock" }
    if (p1 === "faults" && seg.length === 2) return { kind: "control", name: "faults" }
    return { kind: "unknown" }
  }
  if (!isProvider(p0)) return { kind: "unknown" }
  const provider = p0
  switch (provider) {
    case "openai":
    case "moonshot":
    case "together":
    case "meshapi":
      if (p1 !== "v1") return { kind: "vendor-unknown", provider }
      return openAiFamily(provider, method, seg.slice(2).map(decode))
    case "respan":
      if (p1 !== "api") return { kind: "vendor-unknown", provider }
      if (p2 === "v1") return openAiFamily(provider, method, seg.slice(3).map(decode))
      if (p2 === "files") return openAiFamily(provider, method, seg.slice(2).map(decode))
      return { kind: "vendor-unknown", provider }
    case "anthropic": {
      if (p1 !== "v1" || p2 !== "messages" || p3 !== "batches") return { kind: "vendor-unknown", provider }
      const rest = seg.slice(4).map(decode)
      const [id, action] = rest
      if (rest.length === 0) {
        if (method === "POST") return vendorRoute(provider, "create", undefined, "json")
        if (method === "GET") return vendorRoute(provider, "list", undefined)
      }
      if (rest.length === 1 && method === "GET") return vendorRoute(provider, "retrieve", id)
      if (rest.length === 1 && method === "DELETE") return vendorRoute(provider, "delete", id)
      if (rest.length === 2 && action === "cancel" && method === "POST") return vendorRoute(provider, "cancel", id)
      if (rest.length === 2 && action === "results" && method === "GET") return vendorRoute(provider, "results", id)
      return { kind: "vendor-unknown", provider }
    }
  }
}

const defaultModel: Readonly<Record<Provider, string>> = {
  openai: "gpt-4o-mini-2024-07-18",
  anthropic: "claude-sonnet-4-5-20250929",
  moonshot: "kimi-k2.5",
  together: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
  respan: "gpt-4o-mini-2024-07-18",
  meshapi: "openai/gpt-5-nano"
}

const emptyMetadata: Readonly<Record<string, string>> = Object.freeze({})

const fileVendors: ReadonlySet<Provider> = new Set(["openai", "moonshot", "together", "respan"])


const modelOf = (body: unknown): string | undefined => (isRecord(body) && typeof body.model === "string" ? body.model : undefined)

const metadataOf = (u: unknown): Record<string, string> | null => {
  if (!isRecord(u)) return null
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(u)) if (typeof v === "string") out[k] = v
  return out
}

export interface SeedInput {
  readonly provider: Provider
  readonly status?: string | undefined
  readonly requests?: number | ReadonlyArray<unknown> | undefined
  readonly completed?: number | undefined
  /** bytes of filler text in every successful answer, for big result files */
  readonly padding?: number | undefined
}

export class Engine {
  readonly clock: Clock
  readonly store = new Store()
  readonly faults: Faults
  readonly timings: Timings
  private readonly ids: Ids
  private storedBytes = 0
  private readonly sizes = new Map<string, number>()

  constructor(readonly options: EngineOptions) {
    this.clock = new Clock(options.speed)
    this.ids = new Ids(options.seed)
    this.faults = new Faults(options.seed, options.faults)
    this.timings = options.timings
  }

  requestId(provider: Provider): string {
    return V.requestId(provider, this.ids, this.clock.now())
  }

  /** The fault(s) the n-th request of this vendor route gets. */
  pickFaults(provider: Provider, route: Route): ReadonlyArray<Fault> {
    return this.faults.pick(provider, route)
  }

  // -------------------------------------------------------------------------------------------------
  // auth

  authorize(provider: Provider, incoming: Incoming, requestId: string): Reply | undefined {
    let key: string | undefined
    const auth = incoming.header("authorization")
    if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === "bearer ") key = auth.slice(7).trim()
    if (provider === "anthropic") {
      const x = incoming.header("x-api-key")
      if (x !== undefined && x.length > 0) key = x
    }
    if (key === undefined || key.length === 0) {
      return V.errorReply(provider, { kind: "missing_key", message: V.messages.missingKey(provider), requestId })
    }
    if (this.options.apiKey !== undefined && key !== this.options.apiKey) {
      return V.errorReply(provider, { kind: "wrong_key", message: V.messages.wrongKey(provider), requestId })
    }
    if (provider === "anthropic" && (incoming.header("anthropic-version") ?? "") === "") {
      return V.errorReply(provider, { kind: "invalid", message: "anthropic-version: header is required", requestId })
    }
    return undefined
  }

  // -------------------------------------------------------------------------------------------------
  // vendor routes

  handle(m: Extract<Match, { kind: "vendor" }>, incoming: Incoming, body: Body, requestId: string): Reply {
    const p = m.provider
    const ctx = { origin: incoming.origin }
    const notFound = (what: "batch" | "file", id: string) =>
      V.errorReply(p, { kind: "not_found", message: V.messages.notFound(p, what, id), requestId })
    const invalid = (message: string) => V.errorReply(p, { kind: "invalid", message, requestId })
    switch (m.route) {
      case "list":
        return this.list(p, incoming.query, ctx, requestId)
      case "retrieve": {
        const b = this.store.get(p, m.id ?? "")
        if (b === undefined) return notFound("batch", m.id ?? "")
        return json(200, this.render(b, ctx))
      }
      case "cancel": {
        const b = this.store.get(p, m.id ?? "")
        if (b === undefined) return notFound("batch", m.id ?? "")
        const now = this.clock.now()
        const r = cancel(b, now, this.timings)
        if (!r.accepted) {
          const status = V.statusName(p, r.view.phase)
          return V.errorReply(p, { kind: "refused", message: V.messages.refused(p, b.id, status), requestId })
        }
        return json(200, this.render(b, ctx))
      }
      case "create":
        return this.create(p, body, ctx, requestId, invalid)
      case "results": {
        const b = this.store.get(p, m.id ?? "")
        if (b === undefined) return notFound("batch", m.id ?? "")
        const v = this.viewOf(b)
        if (v.endedAt === null) return invalid(`Batch ${b.id} is still processing; its results are available once it has ended.`)
        return {
          status: 200,
          contentType: "application/binary",
          lines: () => anthropicLines(b, v)
        }
      }
      case "delete": {
        const b = this.store.get(p, m.id ?? "")
        if (b === undefined) return notFound("batch", m.id ?? "")
        const v = this.viewOf(b)
        if (v.endedAt === null) return invalid(`Batch ${b.id} cannot be deleted while it is processing; cancel it first.`)
        this.store.remove(b)
        return json(200, { id: b.id, type: "message_batch_deleted" })
      }
      case "upload":
        return this.upload(p, body, invalid, requestId)
      case "file": {
        const f = this.store.file(p, m.id ?? "")
        if (f === undefined) return notFound("file", m.id ?? "")
        return json(200, this.renderFile(f))
      }
      case "content": {
        const f = this.store.file(p, m.id ?? "")
        if (f === undefined) return notFound("file", m.id ?? "")
        return this.content(f)
      }
    }
  }

  private viewOf(b: BatchRecord): View {
    const v = view(b, this.clock.now(), this.timings)
    if (v.endedAt !== null && fileVendors.has(b.provider)) this.assignFiles(b, v)
    return v
  }

  private render(b: BatchRecord, ctx: V.RenderContext): unknown {
    return V.renderBatch(b, this.viewOf(b), ctx)
  }

  /** Output and error files appear when the batch reaches a terminal state. */
  private assignFiles(b: BatchRecord, v: View): void {
    if (b.outputFileId !== null || b.errorFileId !== null) return
    if (v.phase === "failed") return
    const errors = v.failed + (v.phase === "completed" ? 0 : b.total - v.done)
    const make = (kind: "output" | "error"): string => {
      const id = V.fileId(b.provider, this.ids)
      this.store.addFile({
        id,
        provider: b.provider,
        purpose: b.provider === "together" ? "batch-api" : "batch_output",
        filename: `${b.id}_${kind}.jsonl`,
        createdAt: v.endedAt ?? this.clock.now(),
        kind,
        content: null,
        bytes: 0,
        batchId: b.id
      })
      return id
    }
    if (v.succeeded > 0) b.outputFileId = make("output")
    if (errors > 0) b.errorFileId = make("error")
  }

  private list(p: Provider, q: URLSearchParams, ctx: V.RenderContext, requestId: string): Reply {
    const all = this.store.ordered(p)
    if (p === "together") {
      const data: Array<unknown> = []
      for (let i = all.length - 1; i >= 0; i--) {
        const b = all[i] as BatchRecord
        if (!b.deleted) data.push(this.render(b, ctx))
      }
      return data.length === 0 ? { status: 200, text: "null", contentType: "application/json" } : json(200, data)
    }
    const max = p === "anthropic" ? 1000 : 100
    const rawLimit = q.get("limit")
    const limit = rawLimit === null ? 20 : Number(rawLimit)
    if (!Number.isInteger(limit) || limit < 1 || limit > max) {
      return V.errorReply(p, {
        kind: "invalid",
        message: `Invalid 'limit': expected an integer between 1 and ${max}, got ${rawLimit}.`,
        requestId
      })
    }
    const afterId = q.get(p === "anthropic" ? "after_id" : "after")
    const beforeId = p === "anthropic" ? q.get("before_id") : null
    const page: Array<BatchRecord> = []
    let hasMore = false
    if (beforeId !== null) {
      // the `limit` batches just newer than before_id, newest first
      const anchor = this.store.get(p, beforeId)
      let i = anchor === undefined ? all.length : anchor.seq + 1
      for (; i < all.length && page.length < limit; i++) {
        const b = all[i] as BatchRecord
        if (!b.deleted) page.push(b)
      }
      for (; i < all.length && !hasMore; i++) hasMore = !(all[i] as BatchRecord).deleted
      page.reverse()
    } else {
      let i = all.length - 1
      if (afterId !== null) {
        const anchor = this.store.get(p, afterId)
        i = anchor === undefined ? -1 : anchor.seq - 1
      }
      for (; i >= 0 && page.length < limit; i--) {
        const b = all[i] as BatchRecord
        if (!b.deleted) page.push(b)
      }
      for (; i >= 0 && !hasMore; i--) hasMore = !(all[i] as BatchRecord).deleted
    }
    const data = page.map((b) => this.render(b, ctx))
    const firstId = page[0]?.id ?? null
    const lastId = page[page.length - 1]?.id ?? null
    switch (p) {
      case "anthropic":
        return json(200, { data, has_more: hasMore, first_id: firstId, last_id: lastId })
      case "moonshot":
      case "meshapi":
        return json(200, { object: "list", data, has_more: hasMore })
      default:
        return json(200, { object: "list", data, first_id: firstId, last_id: lastId, has_more: hasMore })
    }
  }

  // -------------------------------------------------------------------------------------------------
  // create

  private full(p: Provider, requestId: string): Reply | undefined {
    if (this.store.size < this.options.maxBatches) return undefined
    return V.errorReply(p, {
      kind: "rate_limited",
      message: `${V.messages.rateLimited(p)} (the emulator holds its maximum of ${this.options.maxBatches} batches)`,
      retryAfter: 60,
      requestId
    })
  }

  private create(
    p: Provider,
    body: Body,
    ctx: V.RenderContext,
    requestId: string,
    invalid: (message: string) => Reply
  ): Reply {
    if (body.kind !== "json") return invalid("The request body is not valid JSON.")
    const full = this.full(p, requestId)
    if (full !== undefined) return full
    const input = body.value
    if (!isRecord(input)) return invalid("The request body must be a JSON object.")
    if (p === "anthropic" || p === "meshapi") {
      const reqs = input.requests
      if (!Array.isArray(reqs) || reqs.length === 0) return invalid("requests: Field required (a non-empty array)")
      const specs: Array<RequestSpec> = []
      const seen = new Set<string>()
      let model: string | undefined
      for (const [i, r] of reqs.entries()) {
        if (!isRecord(r) || typeof r.custom_id !== "string") return invalid(`requests.${i}.custom_id: Field required`)
        if (p === "anthropic" && !/^[a-zA-Z0-9_-]{1,64}$/.test(r.custom_id)) {
          return invalid(`requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`)
        }
        if (seen.has(r.custom_id)) return invalid(`requests.${i}.custom_id: Duplicate custom_id '${r.custom_id}'`)
        seen.add(r.custom_id)
        const params = p === "anthropic" ? r.params : r.body
        if (!isRecord(params)) return invalid(`requests.${i}.${p === "anthropic" ? "params" : "body"}: Field required`)
        model ??= modelOf(params)
        specs.push({ customId: r.custom_id, body: params })
      }
      if (p === "meshapi" && this.activeMesh() >= this.options.meshapiActiveLimit) {
        return V.errorReply(p, {
          kind: "batch_limit",
          message: `You already have ${this.options.meshapiActiveLimit} batches that are not finished; wait for one to finish.`,
          retryAfter: 30,
          requestId
        })
      }
      const b = this.newBatch(p, {
        requests: specs,
        model: model ?? defaultModel[p],
        endpoint: "/v1/chat/completions",
        inputFileId: null,
        inputBytes: 0,
        metadata: metadataOf(input.metadata),
        completionWindow: typeof input.completion_window === "string" ? input.completion_window : "24h"
      })
      return json(200, this.render(b, ctx))
    }
    // the OpenAI family: from an uploaded file
    const fileId = input.input_file_id
    if (typeof fileId !== "string") return invalid("Missing required parameter: 'input_file_id'.")
    const endpoint = input.endpoint
    if (typeof endpoint !== "string") return invalid("Missing required parameter: 'endpoint'.")
    const window = input.completion_window ?? "24h"
    if (p === "openai" && window !== "24h") return invalid(`Invalid value for 'completion_window': '${String(window)}'. Supported values are: '24h'.`)
    if (typeof window !== "string" || !/^\d+[hd]$/.test(window)) return invalid("Invalid 'completion_window'.")
    const file = this.store.file(p, fileId)
    if (file === undefined || file.kind !== "input" || file.content === null) {
      return invalid(`Invalid 'input_file_id': '${fileId}'. No such file.`)
    }
    const specs: Array<RequestSpec> = []
    let model: string | undefined
    const lines = file.content.split("\n")
    for (const [n, line] of lines.entries()) {
      if (line.trim() === "") continue
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        return invalid(`Line ${n + 1} of the input file is not valid JSON.`)
      }
      if (!isRecord(parsed) || typeof parsed.custom_id !== "string") return invalid(`Line ${n + 1} of the input file has no custom_id.`)
      model ??= modelOf(parsed.body)
      specs.push({ customId: parsed.custom_id, body: parsed.body })
    }
    if (specs.length === 0) return invalid("The input file is empty.")
    const b = this.newBatch(p, {
      requests: specs,
      model: (typeof input.model_id === "string" ? input.model_id : model) ?? defaultModel[p],
      endpoint,
      inputFileId: fileId,
      inputBytes: file.bytes,
      metadata: metadataOf(input.metadata),
      completionWindow: window
    })
    const rendered = this.render(b, ctx)
    return p === "together" ? json(201, { job: rendered }) : json(200, rendered)
  }

  private activeMesh(): number {
    let n = 0
    const now = this.clock.now()
    for (const b of this.store.ordered("meshapi")) {
      if (!b.deleted && !terminalPhases.has(view(b, now, this.timings).phase)) n++
    }
    return n
  }

  private newBatch(
    provider: Provider,
    o: {
      readonly requests: ReadonlyArray<RequestSpec> | null
      readonly total?: number
      readonly model: string
      readonly endpoint: string
      readonly inputFileId: string | null
      readonly inputBytes: number
      readonly metadata: Readonly<Record<string, string>> | null
      readonly completionWindow: string
      readonly phase?: Phase | "ended"
      readonly completed?: number | undefined
      readonly padding?: number
    }
  ): BatchRecord {
    const t = this.timings
    const now = this.clock.now()
    const total = o.requests?.length ?? o.total ?? 0
    const k = Math.max(0, Math.min(total, Math.floor(o.completed ?? 0)))
    let phase = o.phase ?? "validating"
    if (phase === "ended") phase = o.completed === undefined || k >= total ? "completed" : "cancelled"
    let createdAt = now
    let runFrom = now + t.validatingMs
    let base = 0
    let fixed: BatchRecord["fixed"] = null
    let cancelAt: number | null = null
    let cancelDone = 0
    const doneOr = (d: number) => (o.completed === undefined ? d : k)
    switch (phase) {
      case "validating":
        break
      case "in_progress":
        base = total > 0 ? Math.min(k, total - 1) : 0
        runFrom = now
        createdAt = now - t.validatingMs - base * t.requestMs
        break
      case "finalizing":
        base = total
        runFrom = now
        createdAt = now - t.validatingMs - total * t.requestMs
        break
      case "cancelling":
        cancelAt = now
        cancelDone = k
        createdAt = now - t.validatingMs - k * t.requestMs
        runFrom = createdAt + t.validatingMs
        break
      case "completed":
      case "cancelled":
      case "expired":
      case "failed": {
        const done = phase === "completed" ? doneOr(total) : phase === "failed" ? 0 : k
        createdAt = phase === "expired" ? now - t.windowMs : now - t.validatingMs - done * t.requestMs - t.finalizingMs
        runFrom = createdAt + t.validatingMs
        fixed = { phase, at: now, done }
        if (phase === "cancelled") cancelAt = now - t.cancellingMs
        break
      }
    }
    const b: BatchRecord = {
      provider,
      id: V.batchId(provider, this.ids),
      seq: this.store.nextSeq(provider),
      createdAt,
      total,
      requests: o.requests,
      failing: failingOf(o.requests),
      padding: o.padding ?? 0,
      endpoint: o.endpoint,
      model: o.model,
      completionWindow: o.completionWindow,
      inputFileId: o.inputFileId,
      inputBytes: o.inputBytes,
      metadata: o.metadata,
      runFrom,
      base,
      fixed,
      cancelAt,
      cancelDone,
      outputFileId: null,
      errorFileId: null,
      deleted: false
    }
    this.store.add(b)
    return b
  }

  // -------------------------------------------------------------------------------------------------
  // files

  private upload(p: Provider, body: Body, invalid: (message: string) => Reply, requestId: string): Reply {
    if (body.kind !== "form") return invalid("The request must be multipart/form-data with a 'file' and a 'purpose'.")
    const purpose = body.fields.get("purpose")
    if (purpose === undefined) return invalid("Missing required parameter: 'purpose'.")
    if (body.file === undefined) return invalid("Missing required parameter: 'file'.")
    const text = body.file.text
    const bytes = Buffer.byteLength(text)
    if (this.storedBytes + bytes > this.options.maxStoredBytes) {
      return V.errorReply(p, {
        kind: "rate_limited",
        message: `${V.messages.rateLimited(p)} (the emulator holds its maximum of ${this.options.maxStoredBytes} bytes of uploaded files)`,
        retryAfter: 60,
        requestId
      })
    }
    this.storedBytes += bytes
    const f: FileRecord = {
      id: V.fileId(p, this.ids),
      provider: p,
      purpose,
      filename: body.file.name,
      createdAt: this.clock.now(),
      kind: "input",
      content: text,
      bytes,
      batchId: null
    }
    this.store.addFile(f)
    return json(200, this.renderFile(f))
  }

  private renderFile(f: FileRecord): unknown {
    const bytes = f.kind === "input" ? f.bytes : this.generatedBytes(f)
    if (f.provider === "together") {
      return {
        id: f.id,
        object: "file",
        created_at: V.unix(f.createdAt),
        filename: f.filename,
        bytes,
        purpose: f.purpose,
        FileType: "jsonl",
        Processed: true
      }
    }
    return {
      id: f.id,
      object: "file",
      bytes,
      created_at: V.unix(f.createdAt),
      expires_at: null,
      filename: f.filename,
      purpose: f.purpose,
      status: "processed",
      status_details: null
    }
  }

  /** The size of a generated file, computed once (its batch is terminal, so its content is fixed). */
  private generatedBytes(f: FileRecord): number {
    const known = this.sizes.get(f.id)
    if (known !== undefined) return known
    const r = this.content(f)
    let n = 0
    if (r.lines !== undefined) {
      const it = r.lines()
      for (let x = it.next(); !x.done; x = it.next()) n += Buffer.byteLength(x.value) + 1
    }
    this.sizes.set(f.id, n)
    return n
  }

  private content(f: FileRecord): Reply {
    if (f.kind === "input") return { status: 200, text: f.content ?? "", contentType: "application/octet-stream" }
    const b = f.batchId === null ? undefined : this.store.get(f.provider, f.batchId)
    if (b === undefined) return { status: 200, text: "", contentType: "application/octet-stream" }
    const v = this.viewOf(b)
    const created = V.unix(v.endedAt ?? b.createdAt) ?? 0
    const why: "cancelled" | "expired" | undefined = v.phase === "expired" ? "expired" : v.phase === "cancelled" ? "cancelled" : undefined
    const failing = new Set(b.failing)
    return {
      status: 200,
      contentType: "application/octet-stream",
      lines:
        f.kind === "output"
          ? function* () {
              for (let i = 0; i < v.done; i++) if (!failing.has(i)) yield V.outputLine(b, i, created)
            }
          : function* () {
              for (const i of b.failing) if (i < v.done) yield V.errorLine(b, i, "failed")
              if (why !== undefined) for (let i = v.done; i < b.total; i++) yield V.errorLine(b, i, why)
            }
    }
  }

  // -------------------------------------------------------------------------------------------------
  // control API

  /** Creates a batch of `provider` in `status` (the vendor's own status name). */
  seed(input: SeedInput, origin = ""): { readonly id: string; readonly body: unknown } | string {
    const b = this.seedRecord(input)
    return typeof b === "string" ? b : { id: b.id, body: this.render(b, { origin }) }
  }

  private seedRecord(input: SeedInput): BatchRecord | string {
    if (!isProvider(input.provider)) return `provider must be one of ${providers.join(", ")}`
    const p = input.provider
    let phase: Phase | "ended" | undefined = "in_progress"
    if (input.status !== undefined) {
      phase = V.parseStatus(p, input.status)
      if (phase === undefined) return `unknown ${p} status '${input.status}'`
    }
    const r = input.requests ?? 10
    let specs: ReadonlyArray<RequestSpec> | null = null
    let total = 0
    if (typeof r === "number") {
      if (!Number.isInteger(r) || r < 0 || r > 10_000_000) return "requests must be an integer between 0 and 10,000,000"
      total = r
    } else if (Array.isArray(r)) {
      const out: Array<RequestSpec> = []
      for (const [i, x] of r.entries()) {
        const id = isRecord(x) && typeof x.custom_id === "string" ? x.custom_id : `request-${i + 1}`
        const body = isRecord(x) ? (x.params ?? x.body) : undefined
        out.push(body === undefined ? { customId: id } : { customId: id, body })
      }
      specs = out
    } else {
      return "requests must be a number or an array"
    }
    if (input.completed !== undefined && (typeof input.completed !== "number" || input.completed < 0)) return "completed must be a number >= 0"
    const padding = input.padding ?? 0
    if (typeof padding !== "number" || padding < 0 || padding > 1_000_000) return "padding must be a number of bytes between 0 and 1,000,000"
    if (this.store.size >= this.options.maxBatches) return `the emulator holds its maximum of ${this.options.maxBatches} batches`
    const model = specs?.map((s) => modelOf(s.body)).find((m) => m !== undefined) ?? defaultModel[p]
    const file = fileVendors.has(p) ? V.fileId(p, this.ids) : null
    const b = this.newBatch(p, {
      requests: specs,
      total,
      model,
      endpoint: "/v1/chat/completions",
      inputFileId: file,
      inputBytes: (specs?.length ?? total) * 180,
      metadata: p === "openai" || p === "respan" ? emptyMetadata : null,
      completionWindow: "24h",
      phase,
      completed: input.completed,
      padding
    })
    return b
  }

  /** The control API. */
  control(name: Extract<Match, { kind: "control" }>["name"], method: string, body: Body, origin: string): Reply {
    const bad = (message: string) => json(400, { error: message })
    switch (name) {
      case "health": {
        const memory = process.memoryUsage()
        return json(200, {
          ok: true,
          batches: this.store.size,
          now: new Date(this.clock.now()).toISOString(),
          providers,
          memory: { rss: memory.rss, heapUsed: memory.heapUsed }
        })
      }
      case "clock": {
        if (method === "GET") return json(200, { now: this.clock.now() })
        if (method !== "POST") return json(405, { error: "use GET or POST" })
        if (body.kind !== "json" || !isRecord(body.value) || typeof body.value.advance !== "number") return bad("expected {\"advance\": millis}")
        this.clock.advance(body.value.advance)
        return json(200, { now: this.clock.now() })
      }
      case "faults": {
        if (method === "GET") return json(200, this.faults.current)
        if (method !== "PUT" && method !== "POST") return json(405, { error: "use GET or PUT" })
        if (body.kind !== "json") return bad("expected a JSON array of fault rules")
        const rules = validateRules(body.value)
        if (typeof rules === "string") return bad(rules)
        this.faults.set(rules)
        return json(200, rules)
      }
      case "batches":
      case "bulk": {
        if (body.kind !== "json" || !isRecord(body.value)) return bad("expected a JSON object")
        const v = body.value
        const input: SeedInput = {
          provider: v.provider as Provider,
          status: typeof v.status === "string" ? v.status : undefined,
          requests: v.requests as SeedInput["requests"],
          completed: v.completed as number | undefined,
          padding: v.padding as number | undefined
        }
        if (name === "batches") {
          const r = this.seed(input, origin)
          return typeof r === "string" ? bad(r) : json(200, r.body)
        }
        const count = v.count
        if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 1_000_000) return bad("count must be an integer between 1 and 1,000,000")
        const ids: Array<string> = []
        for (let i = 0; i < count; i++) {
          const r = this.seedRecord(input)
          if (typeof r === "string") return bad(r)
          ids.push(r.id)
        }
        return json(200, { ids })
      }
    }
  }
}

function* anthropicLines(b: BatchRecord, v: View): Generator<string> {
  for (let i = 0; i < b.total; i++) yield V.anthropicLine(b, i, v)
}
