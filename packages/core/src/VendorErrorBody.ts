/**
 * A lenient reader for vendor error bodies, as one Schema whose every field is optional and lenient. It
 * never fails: it takes whatever it recognises from every
 * envelope the supported vendors use, and falls back to a short excerpt of the text.
 *
 * - OpenAI, Moonshot, Respan: `{"error":{"message","type","param","code"}}`
 * - Anthropic: `{"type":"error","error":{"type","message","details"?},"request_id"}`
 * - Together, Respan: `{"error":"<string>"}`
 * - Respan / Keywords AI, FastAPI: `{"detail":"<string>"}`, `{"detail":[{loc,msg,type}]}`, `{"retry_after":60}`
 * - MeshAPI: `{"error":{"code","message","details"?,"retry_after_seconds"?},"request_id"}`
 * - Mistral: `{"object":"error","message","type","param","code"}` (a top-level `type`), and FastAPI's 422
 * - Google (Gemini API): `{"error":{"code":429,"message","status":"RESOURCE_EXHAUSTED","details":[…]}}`
 * - Microsoft (Azure OpenAI): `{"error":{"code":"quotaExceeded","message","target"?,"innererror"?}}`
 * - anything else: an HTML page's `<title>`, or the first 200 characters of text
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Wire from "./Wire.js"

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
  /**
   * `true` when the body starts as JSON (`{` or `[`) but is not JSON: cut off or garbled on the way, so
   * what the vendor said (a refusal for the batch's state, or a bad request) cannot be known.
   *
   * @since 0.2.0
   */
  readonly garbled?: true | undefined
  /**
   * A vendor's own reader ({@link Reader}) says the quota or spend cap is used up (`true`) or is not
   * (`false`), by whatever field its vendor uses; left out, the codes decide (`BatchError.isQuotaBody`).
   * The readers of this module never set it.
   *
   * @since 0.2.0
   */
  readonly quota?: boolean | undefined
}

/**
 * A vendor's own reader of its error bodies, for `VendorHttp.Vendor.errorBody`: the body's text as sent
 * (already cut at `maxBodyBytes`) in, what it says out. Build one with {@link extend} so that every
 * envelope the default reader knows is still read; a reader that throws is not used for that body (the
 * default reader's answer is), so a hostile body never becomes a defect.
 *
 * @since 0.2.0
 * @category models
 */
export type Reader = (text: string) => VendorErrorBody

const Text = Wire.lenientField(Schema.NonEmptyString)
const Seconds = Wire.lenientField(Schema.Number.pipe(Schema.finite(), Schema.nonNegative()))

/** One entry of FastAPI's validation list: `{"loc": [...], "msg": "...", "type": "..."}`. */
const DetailItem = Schema.Struct({
  msg: Text,
  message: Text,
  loc: Wire.lenientField(Schema.Array(Schema.Unknown))
})

/** The `error` object of the OpenAI, Anthropic and MeshAPI envelopes. */
const ErrorObject = Schema.Struct({
  message: Text,
  type: Text,
  code: Text,
  /** Google's canonical status name (`RESOURCE_EXHAUSTED`, `NOT_FOUND`); its `code` is the HTTP number. */
  status: Text,
  details: Schema.optional(Schema.Unknown),
  retry_after_seconds: Seconds
})

/**
 * Every envelope at once: each field is read leniently, so a field of an unexpected type is skipped and
 * the rest of the body still read.
 */
const Envelope = Schema.Struct({
  error: Wire.lenientField(Schema.Union(Schema.NonEmptyString, ErrorObject)),
  detail: Wire.lenientField(Schema.Union(Schema.String, Schema.Array(Wire.lenient(DetailItem)))),
  message: Text,
  code: Text,
  /** Mistral's top-level `type` (`invalid_request_error`, `rate_limited`); Anthropic's `"error"` says nothing. */
  type: Text,
  request_id: Text,
  retry_after_seconds: Seconds,
  retry_after: Seconds
})

const decodeEnvelope = Schema.decodeUnknownOption(Envelope)
const decodeErrorCode = Schema.decodeUnknownOption(Schema.Struct({ error_code: Schema.NonEmptyString }))
const decodeJson = Schema.decodeUnknownOption(Schema.parseJson())

const millis = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.round(seconds * 1000))

const excerpt = (text: string): string | undefined => {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim()
  if (title) return title
  const flat = text
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim()
  if (flat.length === 0) return undefined
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat
}

const fromDetailList = (detail: ReadonlyArray<typeof DetailItem.Type | undefined>): string | undefined => {
  const parts = detail.flatMap((item) => {
    const msg = item?.msg ?? item?.message
    if (msg === undefined) return []
    const loc = item?.loc?.join(".")
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
  if (!Predicate.isRecord(json)) {
    return {
      codes: [],
      message: json === undefined ? excerpt(text) : typeof json === "string" && json.length > 0 ? json : undefined
    }
  }
  // Every field is optional and lenient, so any object decodes.
  const envelope = decodeEnvelope(json)
  if (Option.isNone(envelope)) return { codes: [] }
  const body = envelope.value
  const codes: Array<string> = []
  let message: string | undefined
  let details: unknown
  let retryAfterMs: number | undefined
  const error = body.error
  if (typeof error === "string") {
    message = error
  } else if (error !== undefined) {
    message = error.message
    if (error.type !== undefined) codes.push(error.type)
    if (error.code !== undefined) codes.push(error.code)
    if (error.status !== undefined) codes.push(error.status)
    if (error.details !== undefined && error.details !== null) {
      details = error.details
      const code = decodeErrorCode(error.details)
      if (Option.isSome(code)) codes.push(code.value.error_code)
    }
    retryAfterMs = millis(error.retry_after_seconds)
  }
  const detail = body.detail
  if (typeof detail === "string") {
    message ??= detail
  } else if (detail !== undefined) {
    message ??= fromDetailList(detail)
    // As sent: the decoded list keeps only what the message needs.
    details ??= json.detail
  }
  message ??= body.message
  if (body.type !== undefined && body.type !== "error") codes.push(body.type)
  if (body.code !== undefined) codes.push(body.code)
  retryAfterMs ??= millis(body.retry_after_seconds) ?? millis(body.retry_after)
  return {
    codes,
    message,
    ...(details === undefined ? {} : { details }),
    requestId: body.request_id,
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
  const json = text.length === 0 ? undefined : Option.getOrUndefined(decodeJson(text))
  const body = parse(json, text)
  return json === undefined && JSON_START.test(text) ? { ...body, garbled: true } : body
}

const JSON_START = /^\s*[[{]/

/**
 * The default reader ({@link fromText}) and then `refine`, which gets what it found and the body's JSON
 * (`undefined` when the body is not JSON) and returns the body as the vendor means it: a message the
 * envelopes above do not hold, more codes, `quota`. E.g. a vendor that sends
 * `{"fault":{"reason":"credits_exhausted","text":"…"}}`:
 *
 * ```ts
 * import { VendorErrorBody, Wire } from "@batchctl/core"
 * import { Schema } from "effect"
 *
 * export const errorBody = VendorErrorBody.extend((body, json) => {
 *   const fault = Wire.field(Schema.Struct({ reason: Schema.String, text: Schema.String }), json, "fault")
 *   return fault === undefined
 *     ? body
 *     : { ...body, message: fault.text, codes: [...body.codes, fault.reason], quota: fault.reason === "credits_exhausted" }
 * })
 * ```
 *
 * @since 0.2.0
 * @category parsing
 */
export const extend =
  (refine: (body: VendorErrorBody, json: unknown) => VendorErrorBody): Reader =>
  (text) => {
    const json = text.length === 0 ? undefined : Option.getOrUndefined(decodeJson(text))
    // Through `fromText`, so that whatever the default reader learns, an extended one knows too.
    return refine(fromText(text), json)
  }

/**
 * Reads `text` with `reader`, and with {@link fromText} when `reader` is absent or throws; then marks
 * the body as a used-up quota when one of `quotaCodes` (compared lower-cased) is among its codes and
 * the reader did not decide. What `VendorHttp` does with every error body.
 *
 * @since 0.2.0
 * @category parsing
 */
export const read = (
  text: string,
  options: { readonly reader?: Reader | undefined; readonly quotaCodes?: ReadonlyArray<string> | undefined } = {}
): VendorErrorBody => {
  let body: VendorErrorBody | undefined
  if (options.reader !== undefined) {
    try {
      const own = options.reader(text)
      // A reader is the adapter's code: what it returns is checked, not trusted.
      if (Predicate.isRecord(own) && Array.isArray(own.codes)) body = own
    } catch {
      body = undefined
    }
  }
  body ??= fromText(text)
  const quotaCodes = options.quotaCodes
  if (body.quota !== undefined || quotaCodes === undefined || quotaCodes.length === 0) return body
  const wanted = new Set(quotaCodes.map((code) => code.toLowerCase()))
  return body.codes.some((code) => typeof code === "string" && wanted.has(code.toLowerCase()))
    ? { ...body, quota: true }
    : body
}
