/**
 * Each vendor's wire shapes, written from the vendors' documents (`vendors.md`): ids, timestamps, status
 * names, batch objects, list pages, error envelopes and result lines.
 */
import type { Provider } from "./Provider.js"
import type { Ids } from "./random.js"
import { flat, hashString, mix32 } from "./random.js"
import { json, type Reply } from "./Reply.js"
import { type BatchRecord, customIdOf, type Phase, type View } from "./Store.js"

// ---------------------------------------------------------------------------------------------------
// ids and time

export const batchId = (provider: Provider, ids: Ids): string => {
  switch (provider) {
    case "anthropic":
      return ids.alnum("anthropic.batch", 22, "msgbatch_01")
    case "openai":
    case "respan":
      return ids.hex(`${provider}.batch`, 32, "batch_")
    case "moonshot":
      return ids.alnum("moonshot.batch", 20, "batch_").toLowerCase()
    case "together":
      return ids.uuid("together.batch")
    case "meshapi":
      return ids.alnum("meshapi.batch", 24, "batch_")
  }
}

export const fileId = (provider: Provider, ids: Ids): string =>
  provider === "together" ? flat(`file-${ids.uuid("together.file")}`) : ids.alnum(`${provider}.file`, 22, "file-")

export const requestIdHeader = (provider: Provider): string => (provider === "anthropic" ? "request-id" : "x-request-id")

export const requestId = (provider: Provider, ids: Ids, now: number): string => {
  switch (provider) {
    case "anthropic":
      return `req_011C${ids.alnum("anthropic.request", 20)}`
    case "meshapi":
      return `req_${ids.ulid("meshapi.request", now)}`
    case "together":
    case "respan":
      return ids.uuid(`${provider}.request`)
    default:
      return `req_${ids.hex(`${provider}.request`, 32)}`
  }
}

export const unix = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000))

/** Three more digits after the milliseconds, stable for instants a whole number of seconds apart. */
const micros = (ms: number): string => String(((Math.floor(ms) % 1000) * 7 + 3) % 1000).padStart(3, "0")

/** Anthropic's real form: microseconds and a `+00:00` offset. */
export const rfc3339Offset = (ms: number | null): string | null =>
  ms === null ? null : `${new Date(ms).toISOString().slice(0, 23)}${micros(ms)}+00:00`

/** Together's form: `Z`, microseconds. */
export const rfc3339Z = (ms: number | null): string | null =>
  ms === null ? null : `${new Date(ms).toISOString().slice(0, 23)}${micros(ms)}Z`

/** A stable hex string derived from a batch id and a request index. */
const derivedHex = (seed: string, i: number, length: number): string => {
  const h = hashString(seed)
  let out = ""
  for (let lane = 0; out.length < length; lane++) out += mix32(h ^ mix32(i * 0x9e3779b1 + lane)).toString(16).padStart(8, "0")
  return out.slice(0, length)
}

// ---------------------------------------------------------------------------------------------------
// statuses

const openAiNames: Readonly<Record<Phase, string>> = {
  validating: "validating",
  in_progress: "in_progress",
  finalizing: "finalizing",
  completed: "completed",
  failed: "failed",
  expired: "expired",
  cancelling: "cancelling",
  cancelled: "cancelled"
}

export const statusName = (provider: Provider, phase: Phase): string => {
  switch (provider) {
    case "anthropic":
      return phase === "cancelling"
        ? "canceling"
        : phase === "validating" || phase === "in_progress" || phase === "finalizing"
          ? "in_progress"
          : "ended"
    case "together":
      return phase === "finalizing" ? "IN_PROGRESS" : phase === "cancelling" ? "CANCELING" : phase.toUpperCase()
    default:
      return openAiNames[phase]
  }
}

/**
 * A vendor status name given to the control API, as a phase. Anthropic's `ended` is `completed` when every
 * request finished and `cancelled` otherwise (the caller decides from `completed`).
 */
export const parseStatus = (provider: Provider, name: string): Phase | "ended" | undefined => {
  if (provider === "anthropic") {
    if (name === "in_progress") return "in_progress"
    if (name === "canceling") return "cancelling"
    if (name === "ended") return "ended"
    return undefined
  }
  if (provider === "together") {
    const table: Record<string, Phase> = {
      VALIDATING: "validating",
      IN_PROGRESS: "in_progress",
      COMPLETED: "completed",
      FAILED: "failed",
      EXPIRED: "expired",
      CANCELING: "cancelling",
      CANCELLED: "cancelled"
    }
    return Object.hasOwn(table, name) ? table[name] : undefined
  }
  if (provider === "moonshot" && name === "expired") return "expired"
  return Object.hasOwn(openAiNames, name) ? (name as Phase) : undefined
}

// ---------------------------------------------------------------------------------------------------
// batch objects

export interface RenderContext {
  /** the emulator's origin as the client sees it, for Anthropic's results_url */
  readonly origin: string
}

const openAiCounts = (b: BatchRecord, v: View) =>
  v.phase === "validating" || (v.phase === "failed" && v.done === 0)
    ? { total: v.phase === "failed" ? 0 : 0, completed: 0, failed: 0 }
    : { total: b.total, completed: v.succeeded, failed: v.failed }

const failedErrors = (b: BatchRecord, v: View) =>
  v.phase === "failed"
    ? {
        object: "list",
        data: [
          {
            code: "token_limit_exceeded",
            message: `Enqueued token limit reached for ${b.model} in organization org-emulator. Limit: 2,000,000 enqueued tokens. Please try again once some in_progress batches have been completed.`,
            param: null,
            line: null
          }
        ]
      }
    : null

export const renderBatch = (b: BatchRecord, v: View, ctx: RenderContext): unknown => {
  switch (b.provider) {
    case "openai":
      return {
        id: b.id,
        object: "batch",
        endpoint: b.endpoint,
        model: v.phase === "validating" ? null : b.model,
        errors: failedErrors(b, v),
        input_file_id: b.inputFileId,
        completion_window: b.completionWindow,
        status: statusName(b.provider, v.phase),
        output_file_id: b.outputFileId,
        error_file_id: b.errorFileId,
        created_at: unix(b.createdAt),
        in_progress_at: unix(v.inProgressAt),
        expires_at: unix(v.expiresAt),
        finalizing_at: unix(v.finalizingAt),
        completed_at: unix(v.completedAt),
        failed_at: unix(v.failedAt),
        expired_at: unix(v.expiredAt),
        cancelling_at: unix(v.cancellingAt),
        cancelled_at: unix(v.cancelledAt),
        request_counts: openAiCounts(b, v),
        usage: {
          input_tokens: v.succeeded * 12,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: v.succeeded * 9,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: v.succeeded * 21
        },
        metadata: b.metadata
      }
    case "respan":
      return {
        id: b.id,
        object: "batch",
        endpoint: b.endpoint,
        errors: failedErrors(b, v),
        input_file_id: b.inputFileId,
        completion_window: b.completionWindow,
        status: statusName(b.provider, v.phase),
        output_file_id: b.outputFileId,
        error_file_id: b.errorFileId,
        created_at: unix(b.createdAt),
        in_progress_at: unix(v.inProgressAt),
        expires_at: unix(v.expiresAt),
        finalizing_at: unix(v.finalizingAt),
        completed_at: unix(v.completedAt),
        failed_at: unix(v.failedAt),
        expired_at: unix(v.expiredAt),
        cancelling_at: unix(v.cancellingAt),
        cancelled_at: unix(v.cancelledAt),
        request_counts: openAiCounts(b, v),
        metadata: b.metadata ?? {}
      }
    case "moonshot":
      return {
        id: b.id,
        object: "batch",
        endpoint: b.endpoint,
        input_file_id: b.inputFileId,
        completion_window: b.completionWindow,
        status: statusName(b.provider, v.phase),
        output_file_id: b.outputFileId,
        error_file_id: b.errorFileId,
        created_at: unix(b.createdAt),
        in_progress_at: unix(v.inProgressAt),
        expires_at: unix(v.expiresAt),
        finalizing_at: unix(v.finalizingAt),
        completed_at: unix(v.completedAt),
        failed_at: unix(v.failedAt),
        cancelling_at: unix(v.cancellingAt),
        cancelled_at: unix(v.cancelledAt),
        request_counts: openAiCounts(b, v),
        metadata: b.metadata
      }
    case "together":
      return {
        id: b.id,
        user_id: "user_emulator",
        input_file_id: b.inputFileId,
        file_size_bytes: b.inputBytes,
        status: statusName(b.provider, v.phase),
        job_deadline: rfc3339Z(v.expiresAt - 0.002),
        created_at: rfc3339Z(b.createdAt),
        endpoint: b.endpoint,
        progress: b.total === 0 ? 0 : Math.round((v.done / b.total) * 10000) / 100,
        model_id: b.model,
        output_file_id: b.outputFileId,
        error_file_id: b.errorFileId,
        error: v.phase === "failed" ? "input file validation failed" : null,
        completed_at: rfc3339Z(v.phase === "completed" ? v.completedAt : v.endedAt)
      }
    case "meshapi": {
      const terminal = v.endedAt !== null
      return {
        id: b.id,
        object: "batch",
        endpoint: b.endpoint,
        input_file_id: b.inputFileId,
        output_file_id: b.outputFileId,
        error_file_id: b.errorFileId,
        status: statusName(b.provider, v.phase),
        model: b.model,
        provider: b.model.split("/")[0] ?? "openai",
        completion_window: b.completionWindow,
        created_at: unix(b.createdAt),
        completed_at: unix(v.completedAt),
        expires_at: unix(v.expiresAt),
        usage_synced: terminal,
        request_counts: openAiCounts(b, v),
        metadata: b.metadata,
        ...(terminal ? { results: meshResults(b, v) } : {})
      }
    }
    case "anthropic": {
      const ended = v.endedAt !== null
      const canceled = ended && (v.phase === "cancelled" || v.phase === "failed") ? b.total - v.done : 0
      const expired = ended && v.phase === "expired" ? b.total - v.done : 0
      return {
        id: b.id,
        type: "message_batch",
        processing_status: statusName(b.provider, v.phase),
        request_counts: ended
          ? { processing: 0, succeeded: v.succeeded, errored: v.failed, canceled, expired }
          : { processing: b.total - v.done, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
        ended_at: rfc3339Offset(v.endedAt),
        created_at: rfc3339Offset(b.createdAt),
        expires_at: rfc3339Offset(v.expiresAt),
        archived_at: null,
        cancel_initiated_at: rfc3339Offset(v.cancellingAt),
        results_url: ended ? `${ctx.origin}/anthropic/v1/messages/batches/${b.id}/results` : null
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// results

const answerText = (b: BatchRecord, i: number): string => {
  const base = `Emulated answer to ${customIdOf(b, i)}.`
  return b.padding > 0 ? `${base} ${"x".repeat(b.padding)}` : base
}

const chatCompletion = (b: BatchRecord, i: number, created: number) =>
  b.endpoint.includes("embeddings")
    ? {
        object: "list",
        data: [{ object: "embedding", index: 0, embedding: [0.0023, -0.0093, 0.0158] }],
        model: b.model,
        usage: { prompt_tokens: 8, total_tokens: 8 }
      }
    : {
        id: `chatcmpl-${derivedHex(b.id, i, 24)}`,
        object: "chat.completion",
        created,
        model: b.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: answerText(b, i), refusal: null },
            logprobs: null,
            finish_reason: "stop"
          }
        ],
        usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 }
      }

/** A line of an OpenAI-family output file (a request that ran). */
export const outputLine = (b: BatchRecord, i: number, created: number): string =>
  JSON.stringify({
    id: `batch_req_${derivedHex(b.id, i, 32)}`,
    custom_id: customIdOf(b, i),
    response: { status_code: 200, request_id: derivedHex(`${b.id}/r`, i, 32), body: chatCompletion(b, i, created) },
    error: null
  })

/** A line of an OpenAI-family error file: a request that failed, or one that never ran. */
export const errorLine = (b: BatchRecord, i: number, why: "failed" | "cancelled" | "expired"): string =>
  JSON.stringify(
    why === "failed"
      ? {
          id: `batch_req_${derivedHex(b.id, i, 32)}`,
          custom_id: customIdOf(b, i),
          response: {
            status_code: 400,
            request_id: derivedHex(`${b.id}/r`, i, 32),
            body: {
              error: {
                message: "The request was rejected by the emulator (its custom_id asks it to fail).",
                type: "invalid_request_error",
                param: null,
                code: null
              }
            }
          },
          error: null
        }
      : {
          id: `batch_req_${derivedHex(b.id, i, 32)}`,
          custom_id: customIdOf(b, i),
          response: null,
          error:
            why === "cancelled"
              ? { code: "batch_cancelled", message: "This request was not executed because the batch was cancelled." }
              : { code: "batch_expired", message: "This request could not be executed before the completion window expired." }
        }
  )

/** A line of Anthropic's results JSONL. */
export const anthropicLine = (b: BatchRecord, i: number, v: View): string => {
  const custom_id = customIdOf(b, i)
  if (i >= v.done) return JSON.stringify({ custom_id, result: { type: v.phase === "expired" ? "expired" : "canceled" } })
  if (b.failing.includes(i)) {
    return JSON.stringify({
      custom_id,
      result: {
        type: "errored",
        error: {
          type: "error",
          error: { type: "invalid_request_error", message: "The request was rejected by the emulator (its custom_id asks it to fail)." },
          request_id: null
        }
      }
    })
  }
  return JSON.stringify({
    custom_id,
    result: {
      type: "succeeded",
      message: {
        id: `msg_01${derivedHex(b.id, i, 22)}`,
        type: "message",
        role: "assistant",
        model: b.model,
        content: [{ type: "text", text: answerText(b, i) }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: 12,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 9,
          service_tier: "batch"
        }
      }
    }
  })
}

const meshResults = (b: BatchRecord, v: View) => {
  const out: Array<unknown> = []
  const created = unix(v.endedAt ?? b.createdAt) ?? 0
  for (let i = 0; i < v.done; i++) {
    out.push(
      b.failing.includes(i)
        ? {
            custom_id: customIdOf(b, i),
            response: { status_code: 400, body: { error: { code: "invalid_request", message: "The request was rejected by the emulator." } } },
            error: { code: "invalid_request", message: "The request was rejected by the emulator." }
          }
        : { custom_id: customIdOf(b, i), response: { status_code: 200, body: chatCompletion(b, i, created) }, error: null }
    )
  }
  return out
}

// ---------------------------------------------------------------------------------------------------
// errors

export type ErrorKind =
  | "missing_key"
  | "wrong_key"
  | "not_found"
  | "invalid"
  | "refused"
  | "rate_limited"
  | "batch_limit"
  | "server"

export interface ErrorInput {
  readonly kind: ErrorKind
  readonly message: string
  /** the HTTP status, for `server` (500/502/503/504/529) */
  readonly status?: number
  readonly retryAfter?: number
  readonly requestId: string
}

const statusOf = (provider: Provider, e: ErrorInput): number => {
  switch (e.kind) {
    case "missing_key":
    case "wrong_key":
      return 401
    case "not_found":
      return 404
    case "invalid":
      return provider === "meshapi" ? 422 : 400
    case "refused":
      return provider === "openai" || provider === "meshapi" ? 409 : 400
    case "rate_limited":
    case "batch_limit":
      return 429
    case "server":
      return e.status ?? 500
  }
}

const anthropicType = (status: number, kind: ErrorKind): string => {
  if (kind === "missing_key" || kind === "wrong_key") return "authentication_error"
  if (status === 404) return "not_found_error"
  if (status === 429) return "rate_limit_error"
  if (status === 529) return "overloaded_error"
  if (status === 504) return "timeout_error"
  if (status >= 500) return "api_error"
  return "invalid_request_error"
}

const meshCode = (status: number, kind: ErrorKind): string => {
  if (kind === "batch_limit") return "batch_limit_exceeded"
  if (status === 401) return "unauthorized"
  if (status === 404) return "not_found"
  if (status === 409) return "conflict"
  if (status === 422) return "validation_error"
  if (status === 429) return "rate_limit_exceeded"
  if (status >= 500) return "upstream_error"
  return "invalid_request"
}

/** The vendor's error envelope for `e`, with its status code and retry headers. */
export const errorReply = (provider: Provider, e: ErrorInput): Reply => {
  const status = statusOf(provider, e)
  const headers: Record<string, string> = {}
  if (status === 429 && e.retryAfter !== undefined) headers["retry-after"] = String(e.retryAfter)
  const body = errorBody(provider, status, e)
  return json(status, body, headers)
}

const errorBody = (provider: Provider, status: number, e: ErrorInput): unknown => {
  switch (provider) {
    case "openai": {
      const type =
        status === 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error"
      const code = e.kind === "wrong_key" ? "invalid_api_key" : status === 429 ? "rate_limit_exceeded" : null
      return { error: { message: e.message, type, param: null, code } }
    }
    case "anthropic":
      return { type: "error", error: { type: anthropicType(status, e.kind), message: e.message }, request_id: e.requestId }
    case "moonshot": {
      const type =
        e.kind === "missing_key"
          ? "invalid_authentication_error"
          : e.kind === "wrong_key"
            ? "incorrect_api_key_error"
            : status === 404
              ? "resource_not_found_error"
              : status === 429
                ? "rate_limit_reached_error"
                : status >= 500
                  ? "server_error"
                  : "invalid_request_error"
      return { error: { message: e.message, type } }
    }
    case "together":
      return { error: e.message }
    case "respan":
      if (e.kind === "missing_key") return { error: e.message }
      if (e.kind === "wrong_key") return { detail: e.message }
      if (status === 429) return { detail: e.message, retry_after: e.retryAfter ?? 60 }
      return { error: { message: e.message, type: status >= 500 ? "server_error" : "invalid_request_error" } }
    case "meshapi": {
      const code = meshCode(status, e.kind)
      return {
        error: {
          code,
          message: e.message,
          ...(status === 429 && e.retryAfter !== undefined ? { retry_after_seconds: e.retryAfter } : {})
        },
        request_id: e.requestId
      }
    }
  }
}

/** The standard messages. */
export const messages = {
  missingKey: (provider: Provider): string => {
    switch (provider) {
      case "openai":
        return "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
      case "anthropic":
        return "x-api-key header is required"
      case "moonshot":
        return "Invalid Authentication"
      case "together":
        return "Unauthorized: no API key provided"
      case "respan":
        return "Authentication credentials were not provided."
      case "meshapi":
        return "Invalid or missing API key."
    }
  },
  wrongKey: (provider: Provider): string => {
    switch (provider) {
      case "openai":
        return "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
      case "anthropic":
        return "invalid x-api-key"
      case "moonshot":
        return "Incorrect API key provided"
      case "together":
        return "Invalid API key provided."
      case "respan":
        return "Your API key is invalid or expired, please check your API key at https://platform.keywordsai.co/platform/api/api-keys"
      case "meshapi":
        return "Invalid or missing API key."
    }
  },
  notFound: (provider: Provider, what: "batch" | "file" | "route", id: string): string => {
    if (what === "route") return provider === "anthropic" ? "Not found" : `Unknown request URL: ${id}`
    if (what === "file") return provider === "openai" ? `No such File object: ${id}` : `File ${id} not found`
    switch (provider) {
      case "openai":
        return `No batch found with id '${id}'.`
      case "anthropic":
        return "Not found"
      case "moonshot":
        return `batch ${id} not found`
      case "together":
        return `batch job ${id} not found`
      case "respan":
        return `No such batch: ${id}`
      case "meshapi":
        return `Batch '${id}' not found.`
    }
  },
  refused: (provider: Provider, id: string, status: string): string => {
    switch (provider) {
      case "openai":
        return `Cannot cancel a batch with status '${status}'.`
      case "anthropic":
        return `Batch ${id} has already ended and can no longer be canceled.`
      case "moonshot":
        return `Batch ${id} has status ${status}; only tasks in validating, in_progress, or finalizing status can be cancelled.`
      case "together":
        return `Cannot cancel batch job with status ${status}`
      case "respan":
        return `Batch is already ${status} and cannot be cancelled`
      case "meshapi":
        return `Batch ${id} is already ${status} and cannot be cancelled.`
    }
  },
  rateLimited: (provider: Provider): string =>
    provider === "openai"
      ? "Rate limit reached for requests. Please try again later."
      : provider === "anthropic"
        ? "Number of requests has exceeded your rate limit. Please try again later."
        : provider === "moonshot"
          ? "The engine is currently overloaded, please try again later"
          : provider === "meshapi"
            ? "Rate limit exceeded."
            : "Rate limit exceeded",
  server: (provider: Provider, status: number): string =>
    status === 529
      ? "Overloaded"
      : provider === "openai"
        ? "The server had an error while processing your request. Sorry about that!"
        : "Internal server error"
}
