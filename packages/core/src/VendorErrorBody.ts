/**
 * A lenient reader for vendor error bodies. It never fails: it takes whatever it recognises from every
 * envelope the supported vendors use, and falls back to a short excerpt of the text.
 *
 * - OpenAI, Moonshot, Respan: `{"error":{"message","type","param","code"}}`
 * - Anthropic: `{"type":"error","error":{"type","message","details"?},"request_id"}`
 * - Together, Respan: `{"error":"<string>"}`
 * - Respan / Keywords AI, FastAPI: `{"detail":"<string>"}`, `{"detail":[{loc,msg,type}]}`, `{"retry_after":60}`
 * - MeshAPI: `{"error":{"code","message","details"?,"retry_after_seconds"?},"request_id"}`
 * - anything else: an HTML page's `<title>`, or the first 200 characters of text
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"

/**
 * @since 0.1.0
 * @category models
 */
export interface VendorErrorBody {
  readonly message?: string | undefined
  /** Every type / code string found (`error.type`, `error.code`, `details.error_code` …). */
  readonly codes: ReadonlyArray<string>
  readonly details?: unknown
  readonly requestId?: string | undefined
  /** From a body field such as MeshAPI's `retry_after_seconds` or Keywords AI's `retry_after`. */
  readonly retryAfterMs?: number | undefined
}

const isRecord = Predicate.isRecord
const str = (u: unknown): string | undefined => (typeof u === "string" && u.length > 0 ? u : undefined)
const seconds = (u: unknown): number | undefined =>
  typeof u === "number" && Number.isFinite(u) && u >= 0 ? Math.round(u * 1000) : undefined

const excerpt = (text: string): string | undefined => {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim()
  if (title) return title
  const flat = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim()
  if (flat.length === 0) return undefined
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat
}

const fromDetailList = (detail: ReadonlyArray<unknown>): string | undefined => {
  const parts = detail.flatMap((item) => {
    if (!isRecord(item)) return []
    const msg = str(item.msg) ?? str(item.message)
    if (msg === undefined) return []
    const loc = Array.isArray(item.loc) ? item.loc.join(".") : undefined
    return [loc ? `${loc}: ${msg}` : msg]
  })
  return parts.length > 0 ? parts.join("; ") : undefined
}

/**
 * Reads an already-parsed JSON body (or `undefined` when the body is not JSON) plus the raw text.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (json: unknown, text: string): VendorErrorBody => {
  if (!isRecord(json)) {
    return { codes: [], message: json === undefined ? excerpt(text) : typeof json === "string" ? str(json) : undefined }
  }
  const codes: Array<string> = []
  let message: string | undefined
  let details: unknown
  let retryAfterMs: number | undefined
  const error = json.error
  if (typeof error === "string") {
    message = str(error)
  } else if (isRecord(error)) {
    message = str(error.message)
    for (const code of [error.type, error.code]) if (str(code)) codes.push(code as string)
    if (error.details !== undefined && error.details !== null) {
      details = error.details
      if (isRecord(error.details) && str(error.details.error_code)) codes.push(error.details.error_code as string)
    }
    retryAfterMs = seconds(error.retry_after_seconds)
  }
  const detail = json.detail
  if (typeof detail === "string") {
    message ??= detail
  } else if (Array.isArray(detail)) {
    message ??= fromDetailList(detail)
    details ??= detail
  }
  message ??= str(json.message)
  if (str(json.code)) codes.push(json.code as string)
  retryAfterMs ??= seconds(json.retry_after_seconds) ?? seconds(json.retry_after)
  return {
    codes,
    message,
    ...(details === undefined ? {} : { details }),
    requestId: str(json.request_id),
    retryAfterMs
  }
}

/**
 * Parses text leniently: JSON when it is JSON, an excerpt otherwise.
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromText = (text: string): VendorErrorBody => {
  let json: unknown
  try {
    json = text.length === 0 ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return parse(json, text)
}
