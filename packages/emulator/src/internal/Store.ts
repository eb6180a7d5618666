/**
 * The vendor-neutral state: batches whose phase is computed from the clock when looked at (no timers, so
 * 100,000 stored batches cost only their records), and files.
 */
import type { LineError, Phase } from "../Profile.js"

export type { Phase }

export const terminalPhases: ReadonlySet<Phase> = new Set(["completed", "failed", "expired", "cancelled"])

export interface Timings {
  /** time a new batch spends validating */
  readonly validatingMs: number
  /** time each request takes; requests run one after the other */
  readonly requestMs: number
  /** time between the last request and the terminal state */
  readonly finalizingMs: number
  /** time between a cancel and the terminal state */
  readonly cancellingMs: number
  /** completion window: a batch not finished by then expires */
  readonly windowMs: number
}

export const defaultTimings: Timings = {
  validatingMs: 500,
  requestMs: 250,
  finalizingMs: 500,
  cancellingMs: 500,
  windowMs: 24 * 3600 * 1000
}

/** One request of a batch: its custom id and, when the batch was created with them, its body. */
export interface RequestSpec {
  readonly customId: string
  readonly body?: unknown
}

export interface BatchRecord {
  readonly provider: string
  readonly id: string
  /** position in its provider's list (creation order) */
  readonly seq: number
  readonly createdAt: number
  /** grows when requests are added (xAI) */
  total: number
  /** explicit requests, or null for `total` synthetic ones named `request-1…` */
  requests: ReadonlyArray<RequestSpec> | null
  /** sorted indexes of the requests that fail (custom id containing "fail") */
  failing: ReadonlyArray<number>
  /** bytes of filler text added to every successful answer (for big result files) */
  readonly padding: number
  readonly endpoint: string
  readonly model: string
  readonly completionWindow: string
  readonly inputFileId: string | null
  readonly inputBytes: number
  readonly metadata: Readonly<Record<string, string>> | null
  /** when the request with index `base` starts (the batch validates until then) */
  runFrom: number
  /** requests already finished at `runFrom` */
  base: number
  /** the input's problems: the batch fails when it has validated */
  readonly errors: ReadonlyArray<LineError> | null
  /** the requests came inline */
  readonly inline: boolean
  readonly name: string | null
  /** a cancel of a batch that had ended (accepted by vendors like xAI) */
  cancelRequestedAt: number | null
  /** a cancel goes straight to cancelled (no interim state) */
  readonly instantCancel: boolean
  /** a state set by the control API, or the end of a cancel */
  fixed: { readonly phase: Phase; readonly at: number; readonly done: number } | null
  cancelAt: number | null
  cancelDone: number
  outputFileId: string | null
  errorFileId: string | null
  deleted: boolean
}

export interface View {
  readonly phase: Phase
  /** requests finished (succeeded or failed) */
  readonly done: number
  readonly failed: number
  readonly succeeded: number
  readonly inProgressAt: number | null
  readonly finalizingAt: number | null
  readonly completedAt: number | null
  readonly failedAt: number | null
  readonly expiredAt: number | null
  readonly cancellingAt: number | null
  readonly cancelledAt: number | null
  /** when the batch reached its terminal phase */
  readonly endedAt: number | null
  readonly expiresAt: number
}

const countBelow = (sorted: ReadonlyArray<number>, n: number): number => {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((sorted[mid] as number) < n) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The batch as it is at `now`. */
export const view = (b: BatchRecord, now: number, t: Timings): View => {
  const expiresAt = b.createdAt + t.windowMs
  const inProgressAt = b.runFrom
  const make = (
    phase: Phase,
    done: number,
    times: Partial<Omit<View, "phase" | "done" | "failed" | "succeeded" | "expiresAt">>
  ): View => {
    const failed = countBelow(b.failing, done)
    return {
      phase,
      done,
      failed,
      succeeded: done - failed,
      inProgressAt: null,
      finalizingAt: null,
      completedAt: null,
      failedAt: null,
      expiredAt: null,
      cancellingAt: null,
      cancelledAt: null,
      endedAt: null,
      expiresAt,
      ...times
    }
  }
  if (b.fixed !== null) {
    const f = b.fixed
    const started = f.phase === "failed" ? null : Math.min(inProgressAt, f.at)
    switch (f.phase) {
      case "completed":
        return make("completed", f.done, {
          inProgressAt: started,
          finalizingAt: f.at,
          completedAt: f.at,
          endedAt: f.at
        })
      case "failed":
        return make("failed", 0, { failedAt: f.at, endedAt: f.at })
      case "expired":
        return make("expired", f.done, { inProgressAt: started, expiredAt: f.at, endedAt: f.at })
      case "cancelled":
        return make("cancelled", f.done, {
          inProgressAt: started,
          cancellingAt: b.cancelAt ?? f.at,
          cancelledAt: f.at,
          endedAt: f.at
        })
      default:
        return make(f.phase, f.done, { inProgressAt: started })
    }
  }
  if (b.errors !== null && now >= b.runFrom && b.cancelAt === null) {
    b.fixed = { phase: "failed", at: b.runFrom, done: 0 }
    return view(b, now, t)
  }
  if (b.cancelAt !== null) {
    const ends = b.instantCancel ? b.cancelAt : b.cancelAt + t.cancellingMs
    const started = b.cancelAt >= inProgressAt ? inProgressAt : null
    if (now >= ends) {
      b.fixed = { phase: "cancelled", at: ends, done: b.cancelDone }
      return view(b, now, t)
    }
    return make("cancelling", b.cancelDone, { inProgressAt: started, cancellingAt: b.cancelAt })
  }
  if (now < b.runFrom) return make("validating", 0, {})
  const finishAt = b.runFrom + (b.total - b.base) * t.requestMs
  if (now >= expiresAt && finishAt + t.finalizingMs > expiresAt) {
    const done = Math.min(b.total, b.base + Math.floor((expiresAt - b.runFrom) / t.requestMs))
    b.fixed = { phase: "expired", at: expiresAt, done }
    return view(b, now, t)
  }
  if (now < finishAt) {
    const done = Math.min(b.total, b.base + Math.floor((now - b.runFrom) / t.requestMs))
    return make("in_progress", done, { inProgressAt })
  }
  const completedAt = finishAt + t.finalizingMs
  if (now < completedAt) return make("finalizing", b.total, { inProgressAt, finalizingAt: finishAt })
  b.fixed = { phase: "completed", at: completedAt, done: b.total }
  return view(b, now, t)
}

/** Is the batch cancellable at `now`, and if so record the cancel. Answers the view after the attempt. */
export const cancel = (
  b: BatchRecord,
  now: number,
  t: Timings
): { readonly accepted: boolean; readonly view: View } => {
  const before = view(b, now, t)
  if (terminalPhases.has(before.phase)) return { accepted: false, view: before }
  if (before.phase === "cancelling") return { accepted: true, view: before }
  b.cancelAt = now
  b.cancelDone = before.done
  return { accepted: true, view: view(b, now, t) }
}

/** The custom id of request `i`. */
export const customIdOf = (b: BatchRecord, i: number): string => b.requests?.[i]?.customId ?? `request-${i + 1}`

export interface FileRecord {
  readonly id: string
  readonly provider: string
  readonly purpose: string
  readonly filename: string
  readonly createdAt: number
  readonly kind: "input" | "output" | "error"
  /** input files keep their bytes; output and error files are generated from their batch when read */
  readonly content: Buffer | null
  readonly bytes: number
  readonly batchId: string | null
  /** lines of an input file */
  readonly lines: number
  /** the batches created from this input file */
  readonly usedBy: Array<BatchRecord>
}

const none: ReadonlyArray<number> = Object.freeze([])

/** The failing request indexes, shared when there are none (most batches: this is per-batch memory). */
export const failingOf = (requests: ReadonlyArray<RequestSpec> | null): ReadonlyArray<number> => {
  if (requests === null) return none
  const out: Array<number> = []
  for (let i = 0; i < requests.length; i++) if (requests[i]?.customId.includes("fail")) out.push(i)
  return out.length === 0 ? none : out
}

/** All batches and files of one emulator, per vendor, with creation order for paging. */
export class Store {
  private readonly batches = new Map<string, Map<string, BatchRecord>>()
  private readonly files = new Map<string, Map<string, FileRecord>>()
  private readonly order = new Map<string, Array<BatchRecord>>()
  private readonly removed = new Map<string, number>()
  private live = 0

  /** How many of a vendor's batches were deleted (they stay in its list, skipped). */
  deletedOf(provider: string): number {
    return this.removed.get(provider) ?? 0
  }

  get size(): number {
    return this.live
  }

  ordered(provider: string): ReadonlyArray<BatchRecord> {
    return this.order.get(provider) ?? []
  }

  nextSeq(provider: string): number {
    return this.ordered(provider).length
  }

  /** The newest batch's `createdAt` of a vendor (lists are in creation order: a new batch is never older). */
  lastCreatedAt(provider: string): number {
    const list = this.order.get(provider)
    return list === undefined || list.length === 0
      ? Number.NEGATIVE_INFINITY
      : (list[list.length - 1] as BatchRecord).createdAt
  }

  add(b: BatchRecord): void {
    let list = this.order.get(b.provider)
    if (list === undefined) {
      list = []
      this.order.set(b.provider, list)
    }
    list.push(b)
    let byId = this.batches.get(b.provider)
    if (byId === undefined) {
      byId = new Map()
      this.batches.set(b.provider, byId)
    }
    byId.set(b.id, b)
    this.live++
  }

  get(provider: string, id: string): BatchRecord | undefined {
    const b = this.batches.get(provider)?.get(id)
    return b === undefined || b.deleted ? undefined : b
  }

  remove(b: BatchRecord): void {
    if (b.deleted) return
    b.deleted = true
    this.batches.get(b.provider)?.delete(b.id)
    this.removed.set(b.provider, this.deletedOf(b.provider) + 1)
    this.live--
  }

  file(provider: string, id: string): FileRecord | undefined {
    return this.files.get(provider)?.get(id)
  }

  /** A vendor's files, oldest first (a Map keeps insertion order). */
  filesOf(provider: string): Iterable<FileRecord> {
    return this.files.get(provider)?.values() ?? []
  }

  /** Every vendor's files, oldest first within a vendor. */
  *allFiles(): Generator<FileRecord> {
    for (const byId of this.files.values()) yield* byId.values()
  }

  addFile(f: FileRecord): void {
    let byId = this.files.get(f.provider)
    if (byId === undefined) {
      byId = new Map()
      this.files.set(f.provider, byId)
    }
    byId.set(f.id, f)
  }

  removeFile(f: FileRecord): void {
    this.files.get(f.provider)?.delete(f.id)
  }
}
