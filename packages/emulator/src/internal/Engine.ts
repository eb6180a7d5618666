/**
 * The emulator without HTTP and without a vendor: routing by profile, auth, rate limits, every route, and the
 * control API. Plain synchronous code, so that the server around it stays thin and fast. Everything that
 * differs between vendors comes from their `VendorProfile`.
 */
import { isRecord } from "effect/Predicate"
import {
  type BatchState,
  type CreateRequest,
  defaultStatus,
  type ErrorInput,
  type FileState,
  type IdGen,
  type LineError,
  type ListPage,
  type Phase,
  phases,
  type RenderContext,
  type RequestResult,
  type RouteName,
  type VendorProfile
} from "../Profile.js"
import { Clock } from "./clock.js"
import { type Fault, type FaultRule, Faults, validateRules } from "./Faults.js"
import { Ids } from "./random.js"
import { json, type Reply } from "./Reply.js"
import {
  type BatchRecord,
  cancel,
  customIdOf,
  defaultTimings,
  type FileRecord,
  failingOf,
  type RequestSpec,
  Store,
  type Timings,
  terminalPhases,
  type View,
  view
} from "./Store.js"

export interface RateLimitOptions {
  /** requests per key per window */
  readonly requests: number
  /** the window, in real milliseconds (default 60,000) */
  readonly windowMs?: number | undefined
}

export interface EngineOptions {
  readonly apiKey?: string | undefined
  readonly seed: number
  readonly speed: number
  readonly maxBatches: number
  readonly timings: Timings
  readonly faults: ReadonlyArray<FaultRule>
  /** unfinished batches per vendor before creates get 429, overriding the profiles' `limits.activeBatches` */
  readonly activeLimits: Readonly<Record<string, number>>
  /** uploads past this many stored bytes evict the input files of ended batches, then get the vendor's 429 */
  readonly maxStoredBytes: number
  /** the profiles served */
  readonly profiles: ReadonlyArray<VendorProfile>
  /** enforced per-key request rate (headers are sent either way) */
  readonly rateLimit?: RateLimitOptions | undefined
}

export const defaultEngineOptions = {
  seed: 0,
  speed: 1,
  maxBatches: 200_000,
  timings: defaultTimings,
  maxStoredBytes: 1024 * 1024 * 1024
}

export type Body =
  | { readonly kind: "none" }
  | { readonly kind: "json"; readonly value: unknown }
  | { readonly kind: "bad_json" }
  | {
      readonly kind: "form"
      readonly fields: ReadonlyMap<string, string>
      readonly files: ReadonlyMap<string, { readonly name: string; readonly data: Buffer }>
    }

export type BodyKind = "json" | "form" | "none"

export type Match =
  | {
      readonly kind: "vendor"
      readonly profile: VendorProfile
      readonly route: RouteName
      readonly id: string | undefined
      readonly params: Readonly<Record<string, string>>
      readonly body: BodyKind
      /** the path below the mount */
      readonly rest: string
    }
  | { readonly kind: "vendor-unknown"; readonly profile: VendorProfile; readonly rest: string }
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

const bodyOf = (route: RouteName): BodyKind =>
  route === "create" || route === "add-requests" ? "json" : route === "upload" ? "form" : "none"

type Seg = { readonly lit: string } | { readonly cap: string; readonly suffix: string }

interface CompiledRoute {
  readonly method: string
  readonly segs: ReadonlyArray<Seg>
  readonly route: RouteName
}

interface Compiled {
  readonly profile: VendorProfile
  readonly mount: ReadonlyArray<string>
  readonly routes: ReadonlyArray<CompiledRoute>
}

const segmentsOf = (path: string): Array<string> => {
  const seg = path.split("/").slice(1)
  // a trailing slash (Respan's Django-style paths) is not a segment
  if (seg.length > 0 && seg[seg.length - 1] === "") seg.pop()
  return seg
}

const compile = (profile: VendorProfile): Compiled => ({
  profile,
  mount: segmentsOf(profile.mount ?? profile.basePath),
  routes: profile.routes.map((r) => ({
    method: r.method,
    route: r.route,
    segs: segmentsOf(r.path).map((s): Seg => {
      const m = /^\{([A-Za-z_]+)\}(.*)$/.exec(s)
      return m === null ? { lit: s } : { cap: m[1] as string, suffix: m[2] as string }
    })
  }))
})

const matchRoute = (r: CompiledRoute, seg: ReadonlyArray<string>): Record<string, string> | undefined => {
  if (r.segs.length !== seg.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < seg.length; i++) {
    const want = r.segs[i] as Seg
    const got = seg[i] as string
    if ("lit" in want) {
      if (want.lit !== got) return undefined
    } else {
      if (!got.endsWith(want.suffix) || got.length === want.suffix.length) return undefined
      params[want.cap] = decode(got.slice(0, got.length - want.suffix.length))
    }
  }
  return params
}

const modelOfBody = (body: unknown): string | undefined =>
  isRecord(body) && typeof body.model === "string" ? body.model : undefined

const noResults: Iterable<RequestResult> = []

/** An id generator bound to one stream key of the emulator's `Ids`. */
const idGen = (ids: Ids, key: string): IdGen => ({
  hex: (length, prefix) => ids.hex(key, length, prefix),
  alnum: (length, prefix) => ids.alnum(key, length, prefix),
  uuid: () => ids.uuid(key),
  ulid: (now) => ids.ulid(key, now)
})

export interface SeedInput {
  readonly provider: string
  readonly status?: string | undefined
  readonly requests?: number | ReadonlyArray<unknown> | undefined
  readonly completed?: number | undefined
  /** bytes of filler text in every successful answer, for big result files */
  readonly padding?: number | undefined
}

interface Window {
  start: number
  count: number
}

export class Engine {
  readonly clock: Clock
  readonly store = new Store()
  readonly faults: Faults
  readonly timings: Timings
  private readonly ids: Ids
  private storedBytes = 0
  private readonly sizes = new Map<string, number>()
  private readonly byName = new Map<string, Compiled>()
  private readonly byFirst = new Map<string, Array<Compiled>>()
  private readonly gens = new Map<string, { batch: IdGen; file: IdGen; request: IdGen }>()
  private readonly windows = new Map<string, Window>()
  private readonly parsedStatus = new Map<string, Map<string, Phase>>()

  constructor(readonly options: EngineOptions) {
    this.clock = new Clock(options.speed)
    this.ids = new Ids(options.seed)
    this.faults = new Faults(options.seed, options.faults)
    this.timings = options.timings
    for (const p of options.profiles) {
      const c = compile(p)
      this.byName.set(p.name, c)
      const first = c.mount[0] ?? ""
      const list = this.byFirst.get(first) ?? []
      list.push(c)
      // longer mounts first, so that a vendor mounted below another's prefix wins
      list.sort((a, b) => b.mount.length - a.mount.length)
      this.byFirst.set(first, list)
      this.gens.set(p.name, {
        batch: idGen(this.ids, `${p.name}.batch`),
        file: idGen(this.ids, `${p.name}.file`),
        request: idGen(this.ids, `${p.name}.request`)
      })
      const names = new Map<string, Phase>()
      for (const phase of phases) if (!names.has(p.statuses[phase])) names.set(p.statuses[phase], phase)
      this.parsedStatus.set(p.name, names)
    }
  }

  /** The names of the vendors served, in the order given. */
  get names(): ReadonlyArray<string> {
    return this.options.profiles.map((p) => p.name)
  }

  profile(name: string): VendorProfile | undefined {
    return this.byName.get(name)?.profile
  }

  private gen(p: VendorProfile) {
    return this.gens.get(p.name) as { batch: IdGen; file: IdGen; request: IdGen }
  }

  requestId(p: VendorProfile): string {
    return p.ids.request(this.gen(p).request, this.clock.now())
  }

  /** The fault(s) the n-th request of this vendor route gets. */
  pickFaults(p: VendorProfile, route: RouteName): ReadonlyArray<Fault> {
    return this.faults.pick(p.name, route)
  }

  // -------------------------------------------------------------------------------------------------
  // routing

  /** Routes a method and a path (without the query). */
  match(method: string, path: string): Match {
    const seg = segmentsOf(path)
    const p0 = seg[0]
    if (p0 === "_emulator") {
      const [, p1, p2] = seg
      if (p1 === "health" && seg.length === 2 && method === "GET") return { kind: "control", name: "health" }
      if (p1 === "batches" && seg.length === 2 && method === "POST") return { kind: "control", name: "batches" }
      if (p1 === "batches" && p2 === "bulk" && seg.length === 3 && method === "POST")
        return { kind: "control", name: "bulk" }
      if (p1 === "clock" && seg.length === 2) return { kind: "control", name: "clock" }
      if (p1 === "faults" && seg.length === 2) return { kind: "control", name: "faults" }
      return { kind: "unknown" }
    }
    const candidates = this.byFirst.get(p0 ?? "")
    if (candidates === undefined) return { kind: "unknown" }
    for (const c of candidates) {
      let under = seg.length >= c.mount.length
      for (let i = 0; under && i < c.mount.length; i++) under = seg[i] === c.mount[i]
      if (!under) continue
      const rest = seg.slice(c.mount.length)
      const restPath = `/${rest.join("/")}`
      for (const r of c.routes) {
        if (r.method !== method) continue
        const params = matchRoute(r, rest)
        if (params !== undefined) {
          return {
            kind: "vendor",
            profile: c.profile,
            route: r.route,
            id: params.id,
            params,
            body: bodyOf(r.route),
            rest: restPath
          }
        }
      }
      return { kind: "vendor-unknown", profile: c.profile, rest: restPath }
    }
    const first = candidates[candidates.length - 1] as Compiled
    return { kind: "vendor-unknown", profile: first.profile, rest: path }
  }

  // -------------------------------------------------------------------------------------------------
  // errors

  /** The vendor's error answer. */
  error(p: VendorProfile, e: ErrorInput): Reply {
    const status = p.errors.status?.(e) ?? (e.kind === "server" ? defaultStatus(e) : (e.status ?? defaultStatus(e)))
    const headers: Record<string, string> = {}
    if (status === 429 && e.retryAfter !== undefined && p.rateLimit?.retryAfter !== false)
      headers["retry-after"] = String(e.retryAfter)
    return json(status, p.errors.body({ ...e, status }), headers)
  }

  notFoundRoute(p: VendorProfile, path: string, requestId: string): Reply {
    return this.error(p, { kind: "not_found", message: p.errors.messages.notFound("route", path), requestId })
  }

  tooLarge(p: VendorProfile, limit: number, requestId: string): Reply {
    return this.error(p, { kind: "too_large", message: p.errors.messages.tooLarge(limit), requestId })
  }

  /** A fault's status answer; a 429's `retry-after` is 1 s unless given, none at all when `false`. */
  fault(p: VendorProfile, status: number, retryAfter: number | false | undefined, requestId: string): Reply {
    return status === 429
      ? this.error(p, {
          kind: "rate_limited",
          message: p.errors.messages.rateLimited,
          ...(retryAfter === false ? {} : { retryAfter: retryAfter ?? 1 }),
          requestId
        })
      : this.error(p, { kind: "server", status, message: p.errors.messages.server(status), requestId })
  }

  // -------------------------------------------------------------------------------------------------
  // auth and rate limits

  /** The key of a request, or the vendor's refusal. */
  authorize(p: VendorProfile, incoming: Incoming, rest: string, requestId: string): { readonly key: string } | Reply {
    let key: string | undefined
    const a = p.auth
    for (const name of a.headers ?? []) {
      const v = incoming.header(name)
      if (v !== undefined && v.length > 0) {
        key = v
        break
      }
    }
    if (key === undefined && a.bearer) {
      const auth = incoming.header("authorization")
      if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === "bearer ")
        key = auth.slice(7).trim()
    }
    if (key === undefined && a.query !== undefined) key = incoming.query.get(a.query) ?? undefined
    const status = a.status
    if (key === undefined || key.length === 0) {
      return this.error(p, {
        kind: "missing_key",
        message: p.errors.messages.missingKey,
        requestId,
        ...(status === undefined ? {} : { status })
      })
    }
    if (this.options.apiKey !== undefined && key !== this.options.apiKey) {
      return this.error(p, {
        kind: "wrong_key",
        message: p.errors.messages.wrongKey,
        requestId,
        ...(status === undefined ? {} : { status })
      })
    }
    for (const r of a.required ?? []) {
      if ((incoming.header(r.header) ?? "") === "")
        return this.error(p, { kind: "invalid", message: r.message, requestId })
    }
    const refused = p.check?.({ method: incoming.method, path: rest, query: incoming.query, header: incoming.header })
    if (refused !== undefined) return this.error(p, { ...refused, requestId })
    return { key }
  }

  /**
   * Counts a request of `key` in its window: the vendor's rate-limit headers, and its 429 when the enforced
   * limit is passed. The window is real time (clients pace in real time).
   */
  rate(
    p: VendorProfile,
    key: string,
    requestId: string
  ): { readonly headers: Readonly<Record<string, string>>; readonly refused?: Reply } {
    const enforced = this.options.rateLimit
    const limit = enforced?.requests ?? 1_000_000
    const windowMs = enforced?.windowMs ?? 60_000
    const now = Date.now()
    const id = `${p.name}\u0000${key}`
    let w = this.windows.get(id)
    if (w === undefined || now - w.start >= windowMs) {
      if (this.windows.size > 10_000) this.windows.clear()
      w = { start: now, count: 0 }
      this.windows.set(id, w)
    }
    w.count++
    const resetAt = w.start + windowMs
    const state = { limit, remaining: Math.max(0, limit - w.count), resetMs: Math.max(0, resetAt - now), resetAt }
    const headers = p.rateLimit?.headers(state) ?? {}
    if (enforced !== undefined && w.count > limit) {
      const retryAfter = Math.max(1, Math.ceil(state.resetMs / 1000))
      return {
        headers,
        refused: this.error(p, { kind: "rate_limited", message: p.errors.messages.rateLimited, retryAfter, requestId })
      }
    }
    return { headers }
  }

  // -------------------------------------------------------------------------------------------------
  // state for the profiles

  viewOf(p: VendorProfile, b: BatchRecord): View {
    const v = view(b, this.clock.now(), this.timings)
    if (
      v.endedAt !== null &&
      p.results.files !== undefined &&
      !(p.results.files.filesOnlyFromFile === true && b.inline)
    )
      this.assignFiles(p, b, v)
    return v
  }

  stateOf(p: VendorProfile, b: BatchRecord, v: View = this.viewOf(p, b)): BatchState {
    const now = this.clock.now()
    return {
      vendor: p.name,
      id: b.id,
      phase: v.phase,
      status: p.statuses[v.phase],
      total: b.total,
      done: v.done,
      succeeded: v.succeeded,
      failed: v.failed,
      createdAt: b.createdAt,
      inProgressAt: v.inProgressAt,
      finalizingAt: v.finalizingAt,
      completedAt: v.completedAt,
      failedAt: v.failedAt,
      expiredAt: v.expiredAt,
      cancellingAt: v.cancellingAt,
      cancelledAt: v.cancelledAt,
      endedAt: v.endedAt,
      expiresAt: v.expiresAt,
      cancelRequestedAt: b.cancelRequestedAt ?? v.cancellingAt,
      model: b.model,
      endpoint: b.endpoint,
      completionWindow: b.completionWindow,
      inputFileId: b.inputFileId,
      inputBytes: b.inputBytes,
      metadata: b.metadata,
      name: b.name,
      outputFileId: b.outputFileId,
      errorFileId: b.errorFileId,
      inline: b.inline,
      errors: b.errors,
      padding: b.padding,
      results: () => (v.phase === "failed" ? noResults : results(b, v, now))
    }
  }

  private render(p: VendorProfile, b: BatchRecord, ctx: RenderContext): unknown {
    return p.render.batch(this.stateOf(p, b), ctx)
  }

  /** Output and error files appear when the batch reaches a terminal state. */
  private assignFiles(p: VendorProfile, b: BatchRecord, v: View): void {
    if (b.outputFileId !== null || b.errorFileId !== null) return
    if (v.phase === "failed") return
    const spec = p.results.files
    if (spec === undefined) return
    const errors = v.failed + (v.phase === "completed" ? 0 : b.total - v.done)
    const make = (kind: "output" | "error"): string => {
      const id = p.ids.file(this.gen(p).file, this.clock.now())
      this.store.addFile({
        id,
        provider: b.provider,
        purpose: spec.purpose,
        filename: `${b.id}_${kind}.jsonl`,
        createdAt: v.endedAt ?? this.clock.now(),
        kind,
        content: null,
        bytes: 0,
        batchId: b.id,
        lines: 0,
        usedBy: []
      })
      return id
    }
    if (spec.error) {
      if (v.succeeded > 0) b.outputFileId = make("output")
      if (errors > 0) b.errorFileId = make("error")
    } else if (v.succeeded + errors > 0) {
      b.outputFileId = make("output")
    }
  }

  // -------------------------------------------------------------------------------------------------
  // vendor routes

  handle(m: Extract<Match, { kind: "vendor" }>, incoming: Incoming, body: Body, requestId: string): Reply {
    const p = m.profile
    const ctx: RenderContext = {
      origin: incoming.origin,
      baseUrl: `${incoming.origin}${p.basePath}`,
      query: incoming.query
    }
    const notFound = (what: "batch" | "file", id: string) =>
      this.error(p, { kind: "not_found", message: p.errors.messages.notFound(what, id), requestId })
    const invalid = (message: string, param?: string) =>
      this.error(p, { kind: "invalid", message, requestId, ...(param === undefined ? {} : { param }) })
    const id = m.id ?? ""
    switch (m.route) {
      case "list":
        return this.list(p, incoming.query, ctx, requestId)
      case "retrieve": {
        const b = this.store.get(p.name, id)
        if (b === undefined) return notFound("batch", id)
        return json(200, this.render(p, b, ctx))
      }
      case "cancel": {
        const b = this.store.get(p.name, id)
        if (b === undefined) return notFound("batch", id)
        const now = this.clock.now()
        const r = cancel(b, now, this.timings)
        if (!r.accepted) {
          if (p.cancel.terminal === "accept") {
            b.cancelRequestedAt ??= now
          } else {
            return this.error(p, {
              kind: "refused",
              message: p.errors.messages.refused(b.id, p.statuses[r.view.phase]),
              requestId
            })
          }
        }
        const state = this.stateOf(p, b)
        return json(200, p.cancel.answer?.(state, ctx) ?? p.render.batch(state, ctx))
      }
      case "create":
        return this.create(p, body, m.params, ctx, requestId, invalid)
      case "add-requests":
        return this.addRequests(p, id, body, ctx, requestId, invalid, notFound)
      case "results": {
        const b = this.store.get(p.name, id)
        if (b === undefined) return notFound("batch", id)
        const state = this.stateOf(p, b)
        const paged = p.results.paged
        if (paged !== undefined) return this.resultsPage(state, paged, incoming.query, invalid)
        const line = p.results.line
        if (state.endedAt === null || line === undefined) {
          return invalid(`Batch ${b.id} is still processing; its results are available once it has ended.`)
        }
        return {
          status: 200,
          contentType: p.results.route?.contentType ?? "application/jsonl",
          lines: function* () {
            for (const r of state.results()) yield line(state, r)
          }
        }
      }
      case "delete": {
        const b = this.store.get(p.name, id)
        if (b === undefined) return notFound("batch", id)
        const state = this.stateOf(p, b)
        if (state.endedAt === null && p.render.deleteWhileRunning !== true) {
          return invalid(`Batch ${b.id} cannot be deleted while it is processing; cancel it first.`)
        }
        this.store.remove(b)
        return json(200, p.render.deleted?.(state) ?? { id: b.id, deleted: true })
      }
      case "upload":
        return this.upload(p, body, ctx, invalid, requestId)
      case "file": {
        const f = this.store.file(p.name, id)
        if (f === undefined || p.files === undefined) return notFound("file", id)
        return json(200, p.files.render(this.fileState(p, f), ctx))
      }
      case "files": {
        if (p.files === undefined) return notFound("file", "")
        const data: Array<unknown> = []
        const purpose = incoming.query.get("purpose")
        for (const f of this.store.filesOf(p.name)) {
          if (purpose === null || f.purpose === purpose) data.push(p.files.render(this.fileState(p, f), ctx))
        }
        data.reverse()
        return json(200, p.files.list?.(data, ctx) ?? { object: "list", data, has_more: false })
      }
      case "delete-file": {
        const f = this.store.file(p.name, id)
        if (f === undefined) return notFound("file", id)
        this.dropFile(f)
        return json(200, p.files?.deleted?.(this.fileState(p, f)) ?? { id: f.id, object: "file", deleted: true })
      }
      case "content": {
        const f = this.store.file(p.name, id)
        if (f === undefined) return notFound("file", id)
        return this.content(p, f)
      }
    }
  }

  private resultsPage(
    b: BatchState,
    paged: NonNullable<VendorProfile["results"]["paged"]>,
    q: URLSearchParams,
    invalid: (message: string) => Reply
  ): Reply {
    const raw = q.get(paged.sizeParam)
    const size = raw === null ? paged.defaultSize : Number(raw)
    if (!Number.isInteger(size) || size < 1 || size > paged.maxSize)
      return invalid(`${paged.sizeParam} must be between 1 and ${paged.maxSize}`)
    const token = q.get(paged.tokenParam)
    const from = token === null || token === "" ? 0 : Number.parseInt(Buffer.from(token, "base64url").toString(), 10)
    if (!Number.isInteger(from) || from < 0) return invalid(`invalid ${paged.tokenParam}`)
    const items: Array<unknown> = []
    let n = 0
    let more = false
    for (const r of b.results()) {
      if (r.outcome === "canceled" || r.outcome === "expired") continue
      if (n++ < from) continue
      if (items.length === size) {
        more = true
        break
      }
      items.push(paged.item(b, r))
    }
    return json(200, paged.page(items, more ? Buffer.from(String(from + size)).toString("base64url") : null))
  }

  private list(p: VendorProfile, q: URLSearchParams, ctx: RenderContext, requestId: string): Reply {
    const all = this.store.ordered(p.name)
    const paging = p.list.paging
    const item = (b: BatchRecord) => {
      const s = this.stateOf(p, b)
      return (p.render.listItem ?? p.render.batch)(s, ctx)
    }
    const bad = (name: string, max: number, raw: string | null) =>
      this.error(p, {
        kind: "invalid",
        message: `Invalid '${name}': expected an integer between 1 and ${max}, got ${raw}.`,
        requestId
      })
    const sizeOf = (name: string | undefined, def: number, max: number): number | Reply => {
      const raw = name === undefined ? null : q.get(name)
      const n = raw === null ? def : Number(raw)
      return Number.isInteger(n) && n >= 1 && n <= max ? n : bad(name ?? "limit", max, raw)
    }
    const page = (
      data: Array<unknown>,
      extra: Partial<ListPage> & { first: BatchRecord | undefined; last: BatchRecord | undefined }
    ) =>
      json(
        200,
        p.list.page(
          {
            data,
            hasMore: extra.hasMore ?? false,
            firstId: extra.first?.id ?? null,
            lastId: extra.last?.id ?? null,
            total: extra.total ?? 0,
            next: extra.next ?? null
          },
          ctx
        )
      )
    switch (paging.style) {
      case "none": {
        const data: Array<unknown> = []
        for (let i = all.length - 1; i >= 0; i--) {
          const b = all[i] as BatchRecord
          if (!b.deleted) data.push(item(b))
        }
        return json(
          200,
          p.list.page({ data, hasMore: false, firstId: null, lastId: null, total: data.length, next: null }, ctx)
        )
      }
      case "page": {
        const size = sizeOf(paging.sizeParam, paging.defaultSize, paging.maxSize)
        if (typeof size !== "number") return size
        const rawPage = q.get(paging.pageParam)
        const pageNo = rawPage === null ? paging.firstPage : Number(rawPage)
        if (!Number.isInteger(pageNo) || pageNo < paging.firstPage)
          return bad(paging.pageParam, Number.MAX_SAFE_INTEGER, rawPage)
        // without deletions the list is its own live list: a page is read by index, not by a pass over all
        const live = this.store.deletedOf(p.name) === 0 ? all : all.filter((b) => !b.deleted)
        const skip = (pageNo - paging.firstPage) * size
        const chosen: Array<BatchRecord> = []
        for (let i = live.length - 1 - skip; i >= 0 && chosen.length < size; i--) chosen.push(live[i] as BatchRecord)
        return page(chosen.map(item), {
          first: chosen[0],
          last: chosen[chosen.length - 1],
          total: live.length,
          hasMore: skip + chosen.length < live.length
        })
      }
      case "token":
      case "cursor": {
        const size = sizeOf(paging.sizeParam, paging.defaultSize, paging.maxSize)
        if (typeof size !== "number") return size
        const token = q.get(paging.tokenParam)
        let i = all.length - 1
        if (token !== null && token !== "") {
          const afterId = decodeToken(paging.style, token)
          const anchor = afterId === undefined ? undefined : this.store.get(p.name, afterId)
          if (anchor === undefined)
            return this.error(p, { kind: "invalid", message: `Invalid ${paging.tokenParam}.`, requestId })
          i = anchor.seq - 1
        }
        const chosen: Array<BatchRecord> = []
        for (; i >= 0 && chosen.length < size; i--) {
          const b = all[i] as BatchRecord
          if (!b.deleted) chosen.push(b)
        }
        let more = false
        for (; i >= 0 && !more; i--) more = !(all[i] as BatchRecord).deleted
        const last = chosen[chosen.length - 1]
        return page(chosen.map(item), {
          first: chosen[0],
          last,
          hasMore: more,
          next: more && last !== undefined ? encodeToken(paging.style, last.id) : null
        })
      }
      case "after": {
        const limit = sizeOf(paging.limitParam, paging.defaultLimit, paging.maxLimit)
        if (typeof limit !== "number") return limit
        const afterId = q.get(paging.afterParam)
        const beforeId = paging.beforeParam === undefined ? null : q.get(paging.beforeParam)
        const chosen: Array<BatchRecord> = []
        let hasMore = false
        if (beforeId !== null) {
          // the `limit` batches just newer than before_id, newest first
          const anchor = this.store.get(p.name, beforeId)
          let i = anchor === undefined ? all.length : anchor.seq + 1
          for (; i < all.length && chosen.length < limit; i++) {
            const b = all[i] as BatchRecord
            if (!b.deleted) chosen.push(b)
          }
          for (; i < all.length && !hasMore; i++) hasMore = !(all[i] as BatchRecord).deleted
          chosen.reverse()
        } else {
          let i = all.length - 1
          if (afterId !== null) {
            const anchor = this.store.get(p.name, afterId)
            i = anchor === undefined ? -1 : anchor.seq - 1
          }
          for (; i >= 0 && chosen.length < limit; i--) {
            const b = all[i] as BatchRecord
            if (!b.deleted) chosen.push(b)
          }
          for (; i >= 0 && !hasMore; i--) hasMore = !(all[i] as BatchRecord).deleted
        }
        return page(chosen.map(item), { first: chosen[0], last: chosen[chosen.length - 1], hasMore })
      }
    }
  }

  // -------------------------------------------------------------------------------------------------
  // create

  private full(p: VendorProfile, requestId: string): Reply | undefined {
    if (this.store.size < this.options.maxBatches) return undefined
    return this.error(p, {
      kind: "rate_limited",
      message: `${p.errors.messages.rateLimited} (the emulator holds its maximum of ${this.options.maxBatches} batches)`,
      retryAfter: 60,
      requestId
    })
  }

  /**
   * Reads request lines: JSON text lines of a file, or inline objects. Answers the specs and the problems a
   * vendor reports (`invalid_json_line`, `missing_custom_id`, `duplicate_custom_id`, `model_mismatch`, …).
   */
  private readLines(
    p: VendorProfile,
    lines: Iterable<{ readonly n: number; readonly raw: unknown }>,
    endpoint: string | undefined
  ): { specs: Array<RequestSpec>; errors: Array<LineError>; model: string | undefined } {
    const spec = p.create.line
    const limits = p.create.limits
    const specs: Array<RequestSpec> = []
    const errors: Array<LineError> = []
    const seen = new Set<string>()
    let model: string | undefined
    const problem = (code: string, n: number, message: string, param: string | null = null) => {
      // one problem per kind and line is enough; a vendor lists at most a few
      if (errors.length < 100) errors.push({ code, line: n, message, param })
    }
    for (const { n, raw } of lines) {
      let parsed = raw
      if (typeof raw === "string") {
        try {
          parsed = JSON.parse(raw)
        } catch {
          problem("invalid_json_line", n, `This line is not parseable as valid JSON.`)
          continue
        }
      }
      if (!isRecord(parsed)) {
        problem("invalid_json_line", n, `This line is not a JSON object.`)
        continue
      }
      const customId = spec.customId(parsed)
      if (typeof customId !== "string") {
        problem("missing_custom_id", n, "Field required", "custom_id")
        continue
      }
      if (limits.customId !== undefined && !limits.customId.test(customId)) {
        problem("invalid_custom_id", n, `String should match pattern '${limits.customId.source}'`, "custom_id")
        continue
      }
      if (seen.has(customId)) {
        problem(
          "duplicate_custom_id",
          n,
          `The custom_id '${customId}' is not unique within the batch (custom_id must be unique).`,
          "custom_id"
        )
        continue
      }
      seen.add(customId)
      const body = spec.body(parsed)
      if (!isRecord(body)) {
        problem("invalid_request", n, "Field required", "body")
        continue
      }
      const lineModel = spec.model?.(parsed) ?? modelOfBody(body)
      if (limits.sameModel === true && model !== undefined && lineModel !== undefined && lineModel !== model) {
        problem(
          "model_mismatch",
          n,
          `The model '${lineModel}' differs from the batch's model '${model}'; every line must use the same model.`,
          "body.model"
        )
        continue
      }
      model ??= lineModel
      const url = spec.url?.(parsed)
      if (url !== undefined && endpoint !== undefined && url !== endpoint) {
        problem("url_mismatch", n, `The url '${url}' does not match the batch's endpoint '${endpoint}'.`, "url")
        continue
      }
      specs.push({ customId, body })
    }
    return { specs, errors, model }
  }

  private create(
    p: VendorProfile,
    body: Body,
    params: Readonly<Record<string, string>>,
    ctx: RenderContext,
    requestId: string,
    invalid: (message: string, param?: string) => Reply
  ): Reply {
    if (body.kind !== "json") return invalid("The request body is not valid JSON.")
    const full = this.full(p, requestId)
    if (full !== undefined) return full
    const input = body.value
    if (!isRecord(input)) return invalid("The request body must be a JSON object.")
    const req = p.create.parse(input, params)
    if (typeof req === "string") return invalid(req)
    const limits = p.create.limits
    if (req.window !== undefined && limits.windows !== undefined && !limits.windows(req.window)) {
      return invalid(
        limits.windowMessage?.(req.window) ?? `Invalid value for 'completion_window': '${req.window}'.`,
        "completion_window"
      )
    }
    if (req.endpoint !== undefined && limits.endpoints !== undefined && !limits.endpoints.includes(req.endpoint)) {
      return invalid(
        `Invalid value for 'endpoint': '${req.endpoint}'. Supported values are: ${limits.endpoints.map((e) => `'${e}'`).join(", ")}.`,
        "endpoint"
      )
    }
    let file: FileRecord | undefined
    let lines: Iterable<{ n: number; raw: unknown }> = []
    let count = 0
    if (req.source.kind === "file") {
      file = this.store.file(p.name, req.source.fileId)
      if (file === undefined || file.kind !== "input" || file.content === null) {
        return invalid(`Invalid 'input_file_id': '${req.source.fileId}'. No such file.`, "input_file_id")
      }
      if (limits.maxBytes !== undefined && file.bytes > limits.maxBytes) {
        return invalid(`The input file is ${file.bytes} bytes; the limit is ${limits.maxBytes} bytes.`, "input_file_id")
      }
      lines = textLines(file.content)
      count = file.lines
    } else if (req.source.kind === "inline") {
      const inline = req.source.lines
      if (inline.length === 0) return invalid("requests: Field required (a non-empty array)", "requests")
      lines = inline.map((raw, i) => ({ n: i + 1, raw }))
      count = inline.length
    }
    if (limits.maxRequests !== undefined && count > limits.maxRequests) {
      if (p.create.validation === "create")
        return invalid(`requests: at most ${limits.maxRequests} requests per batch, got ${count}.`, "requests")
    }
    const read = this.readLines(p, lines, req.endpoint)
    if (p.create.validation === "deferred") {
      read.errors.push(...(req.problems ?? []))
      if (req.source.kind !== "empty" && read.specs.length === 0 && read.errors.length === 0) {
        read.errors.push({ code: "empty_batch", line: null, message: "The input file is empty.", param: null })
      }
      if (limits.maxRequests !== undefined && count > limits.maxRequests) {
        read.errors.push({
          code: "too_many_requests",
          line: null,
          message: `The batch has ${count} requests; the limit is ${limits.maxRequests}.`,
          param: null
        })
      }
    } else if (read.errors.length > 0) {
      const e = read.errors[0] as LineError
      return invalid(
        `requests.${(e.line ?? 1) - 1}${e.param === null ? "" : `.${e.param}`}: ${e.message}`,
        e.param ?? undefined
      )
    }
    const active = this.options.activeLimits[p.name] ?? limits.activeBatches
    if (active !== undefined && this.active(p.name) >= active) {
      return this.error(p, {
        kind: "batch_limit",
        message: `You already have ${active} batches that are not finished; wait for one to finish.`,
        retryAfter: 30,
        requestId
      })
    }
    const b = this.newBatch(p, {
      requests: read.specs,
      model: req.model ?? read.model ?? p.defaultModel,
      endpoint: req.endpoint ?? "/v1/chat/completions",
      inputFileId: file?.id ?? null,
      inputBytes: file?.bytes ?? 0,
      metadata: req.metadata ?? null,
      completionWindow: req.window ?? "24h",
      errors: read.errors.length > 0 ? read.errors : null,
      inline: req.source.kind !== "file",
      name: req.name ?? null
    })
    file?.usedBy.push(b)
    const state = this.stateOf(p, b)
    const answer = p.create.answer?.(state, ctx)
    return answer === undefined ? json(200, p.render.batch(state, ctx)) : json(answer.status, answer.body)
  }

  private addRequests(
    p: VendorProfile,
    id: string,
    body: Body,
    ctx: RenderContext,
    requestId: string,
    invalid: (message: string) => Reply,
    notFound: (what: "batch", id: string) => Reply
  ): Reply {
    const b = this.store.get(p.name, id)
    if (b === undefined) return notFound("batch", id)
    if (body.kind !== "json" || !isRecord(body.value)) return invalid("The request body must be a JSON object.")
    const lines = p.create.addRequests?.(body.value)
    if (lines === undefined) return this.notFoundRoute(p, id, requestId)
    if (typeof lines === "string") return invalid(lines)
    const now = this.clock.now()
    const v = this.viewOf(p, b)
    if (v.phase === "cancelled" || v.phase === "cancelling" || b.cancelRequestedAt !== null)
      return invalid(`Batch ${b.id} was cancelled; no requests can be added to it.`)
    const existing = new Set<string>()
    for (let i = 0; i < b.total; i++) existing.add(customIdOf(b, i))
    const read = this.readLines(
      p,
      lines.map((raw, i) => ({ n: i + 1, raw })),
      undefined
    )
    const first = read.errors[0]
    if (first !== undefined) return invalid(`batch_requests.${(first.line ?? 1) - 1}: ${first.message}`)
    for (const s of read.specs)
      if (existing.has(s.customId)) return invalid(`batch_request_id '${s.customId}' is already in the batch.`)
    // the new requests run after the ones already there: re-base the clock-driven state at now
    const done = v.phase === "completed" ? b.total : v.done
    const specs: Array<RequestSpec> = []
    for (let i = 0; i < b.total; i++) specs.push(b.requests?.[i] ?? { customId: customIdOf(b, i) })
    specs.push(...read.specs)
    b.requests = specs
    b.failing = failingOf(specs)
    b.total = specs.length
    b.base = done
    b.runFrom = Math.max(now, b.runFrom)
    b.fixed = null
    return json(200, p.render.batch(this.stateOf(p, b), ctx))
  }

  private active(vendor: string): number {
    let n = 0
    const now = this.clock.now()
    for (const b of this.store.ordered(vendor)) {
      if (!b.deleted && !terminalPhases.has(view(b, now, this.timings).phase)) n++
    }
    return n
  }

  private newBatch(
    p: VendorProfile,
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
      readonly errors?: ReadonlyArray<LineError> | null
      readonly inline: boolean
      readonly name?: string | null
      /** seeded: never older than the vendor's newest batch, so lists stay in created_at order */
      readonly seeded?: boolean
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
    if (o.seeded === true) createdAt = Math.min(now, Math.max(createdAt, this.store.lastCreatedAt(p.name)))
    const b: BatchRecord = {
      provider: p.name,
      id: p.ids.batch(this.gen(p).batch, now),
      seq: this.store.nextSeq(p.name),
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
      errors: o.errors ?? null,
      inline: o.inline,
      name: o.name ?? null,
      cancelRequestedAt: null,
      instantCancel: !p.cancel.interim,
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

  private fileState(p: VendorProfile, f: FileRecord): FileState {
    return {
      vendor: p.name,
      id: f.id,
      purpose: f.purpose,
      filename: f.filename,
      createdAt: f.createdAt,
      bytes: f.kind === "input" ? f.bytes : this.generatedBytes(p, f),
      kind: f.kind,
      batchId: f.batchId,
      lines: f.lines
    }
  }

  private dropFile(f: FileRecord): void {
    this.store.removeFile(f)
    if (f.kind === "input") this.storedBytes -= f.bytes
    this.sizes.delete(f.id)
  }

  /** Frees input files whose batches have all ended, oldest first, until `bytes` more fit. */
  private evict(bytes: number): void {
    const now = this.clock.now()
    for (const f of [...this.store.allFiles()]) {
      if (this.storedBytes + bytes <= this.options.maxStoredBytes) return
      if (f.kind !== "input" || f.usedBy.length === 0) continue
      if (f.usedBy.every((b) => b.deleted || terminalPhases.has(view(b, now, this.timings).phase))) this.dropFile(f)
    }
  }

  private upload(
    p: VendorProfile,
    body: Body,
    ctx: RenderContext,
    invalid: (message: string, param?: string) => Reply,
    requestId: string
  ): Reply {
    if (p.files === undefined) return this.notFoundRoute(p, "/files", requestId)
    if (body.kind !== "form") return invalid("The request must be multipart/form-data with a 'file' and a 'purpose'.")
    const purpose = body.fields.get("purpose") ?? p.files.defaultPurpose
    if (purpose === undefined) return invalid("Missing required parameter: 'purpose'.", "purpose")
    const upload = body.files.get(p.files.field ?? "file")
    if (upload === undefined) return invalid("Missing required parameter: 'file'.", "file")
    const bytes = upload.data.length
    const max = p.create.limits.maxBytes
    if (max !== undefined && bytes > max) return this.tooLarge(p, max, requestId)
    if (this.storedBytes + bytes > this.options.maxStoredBytes) this.evict(bytes)
    if (this.storedBytes + bytes > this.options.maxStoredBytes) {
      return this.error(p, {
        kind: "rate_limited",
        message: `${p.errors.messages.rateLimited} (the emulator holds its maximum of ${this.options.maxStoredBytes} bytes of uploaded files)`,
        retryAfter: 60,
        requestId
      })
    }
    this.storedBytes += bytes
    let lines = 0
    for (let i = upload.data.indexOf(10); i !== -1; i = upload.data.indexOf(10, i + 1)) lines++
    if (bytes > 0 && upload.data[bytes - 1] !== 10) lines++
    const f: FileRecord = {
      id: p.ids.file(this.gen(p).file, this.clock.now()),
      provider: p.name,
      purpose,
      filename: upload.name,
      createdAt: this.clock.now(),
      kind: "input",
      content: upload.data,
      bytes,
      batchId: null,
      lines,
      usedBy: []
    }
    this.store.addFile(f)
    return json(200, (p.files.uploaded ?? p.files.render)(this.fileState(p, f), ctx))
  }

  /** The size of a generated file, computed once (its batch is terminal, so its content is fixed). */
  private generatedBytes(p: VendorProfile, f: FileRecord): number {
    const known = this.sizes.get(f.id)
    if (known !== undefined) return known
    const r = this.content(p, f)
    let n = 0
    if (r.lines !== undefined) {
      const it = r.lines()
      for (let x = it.next(); !x.done; x = it.next()) n += Buffer.byteLength(x.value) + 1
    }
    this.sizes.set(f.id, n)
    return n
  }

  private content(p: VendorProfile, f: FileRecord): Reply {
    if (f.kind === "input")
      return { status: 200, bytes: f.content ?? Buffer.alloc(0), contentType: "application/octet-stream" }
    const b = f.batchId === null ? undefined : this.store.get(f.provider, f.batchId)
    const line = p.results.line
    if (b === undefined || line === undefined) return { status: 200, text: "", contentType: "application/octet-stream" }
    const state = this.stateOf(p, b)
    const both = p.results.files?.error !== true
    const wantOutput = f.kind === "output"
    return {
      status: 200,
      contentType: "application/octet-stream",
      lines: function* () {
        for (const r of state.results()) if (both || (r.outcome === "succeeded") === wantOutput) yield line(state, r)
      }
    }
  }

  // -------------------------------------------------------------------------------------------------
  // control API

  /** Creates a batch of `provider` in `status` (the vendor's own status name). */
  seed(input: SeedInput, origin = ""): { readonly id: string; readonly body: unknown } | string {
    const b = this.seedRecord(input)
    if (typeof b === "string") return b
    const p = this.profile(b.provider) as VendorProfile
    return {
      id: b.id,
      body: this.render(p, b, { origin, baseUrl: `${origin}${p.basePath}`, query: new URLSearchParams() })
    }
  }

  private seedRecord(input: SeedInput): BatchRecord | string {
    const p = typeof input.provider === "string" ? this.profile(input.provider) : undefined
    if (p === undefined) return `provider must be one of ${this.names.join(", ")}`
    let phase: Phase | "ended" | undefined = "in_progress"
    if (input.status !== undefined) {
      phase =
        p.parseStatus !== undefined ? p.parseStatus(input.status) : this.parsedStatus.get(p.name)?.get(input.status)
      if (phase === undefined) return `unknown ${p.name} status '${input.status}'`
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
    if (input.completed !== undefined && (typeof input.completed !== "number" || input.completed < 0))
      return "completed must be a number >= 0"
    const padding = input.padding ?? 0
    if (typeof padding !== "number" || padding < 0 || padding > 1_000_000)
      return "padding must be a number of bytes between 0 and 1,000,000"
    if (this.store.size >= this.options.maxBatches)
      return `the emulator holds its maximum of ${this.options.maxBatches} batches`
    const model = specs?.map((s) => modelOfBody(s.body)).find((m) => m !== undefined) ?? p.defaultModel
    const file = p.seed.fromFile ? p.ids.file(this.gen(p).file, this.clock.now()) : null
    return this.newBatch(p, {
      requests: specs,
      total,
      model,
      endpoint: "/v1/chat/completions",
      inputFileId: file,
      inputBytes: (specs?.length ?? total) * 180,
      metadata: p.seed.metadata,
      completionWindow: "24h",
      phase,
      completed: input.completed,
      padding,
      inline: !p.seed.fromFile,
      seeded: true
    })
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
          providers: this.names,
          memory: { rss: memory.rss, heapUsed: memory.heapUsed },
          storedBytes: this.storedBytes
        })
      }
      case "clock": {
        if (method === "GET") return json(200, { now: this.clock.now() })
        if (method !== "POST") return json(405, { error: "use GET or POST" })
        if (body.kind !== "json" || !isRecord(body.value) || typeof body.value.advance !== "number")
          return bad('expected {"advance": millis}')
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
          provider: v.provider as string,
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
        if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 1_000_000)
          return bad("count must be an integer between 1 and 1,000,000")
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

/** The outcome of every request that has one at `now`. */
function* results(b: BatchRecord, v: View, now: number): Generator<RequestResult> {
  const at = v.endedAt ?? now
  const failing = b.failing
  let f = 0
  for (let i = 0; i < v.done; i++) {
    while (f < failing.length && (failing[f] as number) < i) f++
    const errored = failing[f] === i
    const body = b.requests?.[i]?.body
    yield {
      index: i,
      customId: customIdOf(b, i),
      outcome: errored ? "errored" : "succeeded",
      body,
      text: errored ? "" : answerText(b, i),
      at
    }
  }
  if (v.phase === "cancelled" || v.phase === "expired") {
    const outcome = v.phase === "expired" ? "expired" : "canceled"
    for (let i = v.done; i < b.total; i++)
      yield { index: i, customId: customIdOf(b, i), outcome, body: b.requests?.[i]?.body, text: "", at }
  }
}

const answerText = (b: BatchRecord, i: number): string => {
  const base = `Emulated answer to ${customIdOf(b, i)}.`
  return b.padding > 0 ? `${base} ${"x".repeat(b.padding)}` : base
}

/** The lines of a text file with their 1-based numbers, blank lines skipped. */
function* textLines(content: Buffer): Generator<{ n: number; raw: string }> {
  let start = 0
  let n = 0
  while (start <= content.length) {
    let end = content.indexOf(10, start)
    if (end === -1) end = content.length
    n++
    const raw = content.toString("utf8", start, end)
    if (raw.trim() !== "") yield { n, raw }
    start = end + 1
  }
}

const encodeToken = (style: "token" | "cursor", id: string): string =>
  style === "cursor"
    ? `cursor_${Buffer.from(JSON.stringify({ id })).toString("base64url")}`
    : Buffer.from(id).toString("base64url")

const decodeToken = (style: "token" | "cursor", token: string): string | undefined => {
  try {
    if (style === "cursor") {
      if (!token.startsWith("cursor_")) return undefined
      const v = JSON.parse(Buffer.from(token.slice(7), "base64url").toString()) as unknown
      return isRecord(v) && typeof v.id === "string" ? v.id : undefined
    }
    return Buffer.from(token, "base64url").toString()
  } catch {
    return undefined
  }
}

export type { CreateRequest }
