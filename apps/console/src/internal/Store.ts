/**
 * What the page sees: one row per batch of every provider, each with the version at which it last
 * changed, so that the page asks only for what changed since its last look (and waits for a change
 * when there is none).
 */
import type { Batch } from "@batchctl/core"

/** A failure of an operation, as the page shows it: never a key (adapters' errors hold none). */
export interface ErrorJson {
  readonly tag: string
  readonly message: string
  readonly operation?: string
  readonly requestId?: string
  readonly httpStatus?: number
}

export interface RowJson {
  readonly key: string
  readonly provider: string
  readonly id: string
  readonly status: string
  readonly vendorStatus: string
  readonly terminal: boolean
  readonly counts: Batch.Counts
  readonly progress?: number
  readonly createdAt?: number
  readonly expiresAt?: number
  readonly endedAt?: number
  readonly cancelRequestedAt?: number
  readonly metadata?: Readonly<Record<string, string>>
  /** the last failed operation on this batch (a cancel refused, a retrieve that failed) */
  readonly error?: ErrorJson
}

export interface ProviderState {
  readonly provider: string
  readonly batches: number
  readonly refreshedAt?: number
  readonly refreshing: boolean
  readonly error?: ErrorJson
}

interface Entry {
  row: RowJson
  text: string
  version: number
  batch: Batch.Batch | undefined
}

export const keyOf = (provider: string, id: string): string => `${provider}/${id}`

/** The failure's fields a person needs, by name: whatever else an error carries stays on the server. */
export const errorJson = (error: unknown): ErrorJson => {
  if (typeof error !== "object" || error === null) return { tag: "Unknown", message: String(error) }
  const e = error as Record<string, unknown>
  const out: { -readonly [K in keyof ErrorJson]: ErrorJson[K] } = {
    tag: typeof e._tag === "string" ? e._tag : "Error",
    message: typeof e.message === "string" ? e.message : String(error)
  }
  if (typeof e.operation === "string") out.operation = e.operation
  if (typeof e.requestId === "string") out.requestId = e.requestId
  if (typeof e.httpStatus === "number") out.httpStatus = e.httpStatus
  return out
}

const metadataOf = (raw: unknown): Record<string, string> | undefined => {
  if (typeof raw !== "object" || raw === null) return undefined
  const m = (raw as Record<string, unknown>).metadata
  if (typeof m !== "object" || m === null || Array.isArray(m)) return undefined
  const out: Record<string, string> = {}
  let n = 0
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      out[k] = String(v)
      n++
    }
  }
  return n === 0 ? undefined : out
}

const ms = (d: Date | undefined): number | undefined => {
  const t = d?.getTime()
  return t === undefined || Number.isNaN(t) ? undefined : t
}

export const rowOf = (batch: Batch.Batch, provider: string, error?: ErrorJson): RowJson => {
  const row: { -readonly [K in keyof RowJson]: RowJson[K] } = {
    key: keyOf(provider, batch.id),
    provider,
    id: batch.id,
    status: batch.status,
    vendorStatus: batch.vendorStatus,
    terminal: batch.terminal,
    counts: batch.counts
  }
  if (batch.progress !== undefined) row.progress = batch.progress
  const createdAt = ms(batch.createdAt)
  if (createdAt !== undefined) row.createdAt = createdAt
  const expiresAt = ms(batch.expiresAt)
  if (expiresAt !== undefined) row.expiresAt = expiresAt
  const endedAt = ms(batch.endedAt)
  if (endedAt !== undefined) row.endedAt = endedAt
  const cancelRequestedAt = ms(batch.cancelRequestedAt)
  if (cancelRequestedAt !== undefined) row.cancelRequestedAt = cancelRequestedAt
  const metadata = metadataOf(batch.raw)
  if (metadata !== undefined) row.metadata = metadata
  if (error !== undefined) row.error = error
  return row
}

export interface Delta {
  readonly version: number
  readonly rows: ReadonlyArray<RowJson>
  readonly removed: ReadonlyArray<string>
}

/**
 * The rows, their versions and the waiters for the next change.
 */
export class Store {
  private readonly entries = new Map<string, Entry>()
  /** removed keys and the version that removed them */
  private readonly removed = new Map<string, number>()
  private version = 0
  private wake: { promise: Promise<void>; resolve: () => void }
  readonly providers = new Map<string, ProviderState>()

  constructor(providers: ReadonlyArray<string>) {
    this.wake = Store.signal()
    for (const p of providers) this.providers.set(p, { provider: p, batches: 0, refreshing: false })
  }

  private static signal() {
    let resolve: () => void = () => undefined
    const promise = new Promise<void>((r) => {
      resolve = r
    })
    return { promise, resolve }
  }

  get current(): number {
    return this.version
  }

  /** Resolves at the next change. */
  changed(): Promise<void> {
    return this.wake.promise
  }

  private bump(): number {
    this.version++
    const w = this.wake
    this.wake = Store.signal()
    w.resolve()
    return this.version
  }

  /**
   * Records a batch as the vendor just gave it. A failed operation's error stays on the row (`undefined`
   * keeps it) until an operation on that batch succeeds (`null` clears it).
   */
  upsert(provider: string, batch: Batch.Batch, error?: ErrorJson | null): void {
    const key = keyOf(provider, batch.id)
    const before = this.entries.get(key)
    const row = rowOf(batch, provider, error === null ? undefined : (error ?? before?.row.error))
    const text = JSON.stringify(row)
    if (before !== undefined && before.text === text) {
      before.batch = batch
      return
    }
    this.removed.delete(key)
    const version = this.bump()
    this.entries.set(key, { row, text, version, batch })
  }

  /** Notes a failed operation on a batch (known or not). */
  fail(provider: string, id: string, error: ErrorJson): void {
    const key = keyOf(provider, id)
    const before = this.entries.get(key)
    if (before === undefined) return
    const row = { ...before.row, error }
    const version = this.bump()
    this.entries.set(key, { row, text: JSON.stringify(row), version, batch: before.batch })
  }

  /** Drops the rows of `provider` that a complete listing did not show. */
  retain(provider: string, seen: ReadonlySet<string>): void {
    for (const [key, entry] of this.entries) {
      if (entry.row.provider === provider && !seen.has(key)) {
        this.entries.delete(key)
        this.removed.set(key, this.bump())
      }
    }
  }

  setProvider(state: ProviderState): void {
    this.providers.set(state.provider, state)
    this.bump()
  }

  count(provider: string): number {
    let n = 0
    for (const e of this.entries.values()) if (e.row.provider === provider) n++
    return n
  }

  get(key: string): { readonly row: RowJson; readonly batch: Batch.Batch | undefined } | undefined {
    return this.entries.get(key)
  }

  /** Every row changed after `since` (everything when `since` is 0). */
  since(since: number): Delta {
    const rows: Array<RowJson> = []
    for (const e of this.entries.values()) if (e.version > since) rows.push(e.row)
    const removed: Array<string> = []
    if (since > 0) for (const [key, v] of this.removed) if (v > since) removed.push(key)
    return { version: this.version, rows, removed }
  }
}
