/**
 * A vendor profile: everything the emulator knows about one vendor, as one value. The engine names no vendor;
 * it routes, authorizes, runs the clock-driven life-cycle, pages, validates creates and limits rates, and asks
 * the profile how each of those looks on that vendor's wire. Every built-in vendor is a profile written from
 * this module alone (`src/profiles/*.ts`), and so can yours: pass it to `Emulator.start({ vendors: [mine] })`.
 *
 * See PROFILE.md in this package for a walk-through.
 *
 * @since 0.2.0
 */
import { hashString, mix32 } from "./internal/random.js"

// ---------------------------------------------------------------------------------------------------
// the life-cycle

/**
 * The life-cycle of every emulated batch, in OpenAI's words; each profile names the phases in its own
 * (`VendorProfile.statuses`). A batch validates, runs its requests one by one, finalizes and completes; a cancel
 * moves it to `cancelling` and then `cancelled` (or straight to `cancelled` when the profile has no interim
 * state); a batch whose input is bad fails after validating; one not done within its window expires.
 *
 * @since 0.2.0
 * @category models
 */
export type Phase =
  | "validating"
  | "in_progress"
  | "finalizing"
  | "completed"
  | "failed"
  | "expired"
  | "cancelling"
  | "cancelled"

/**
 * @since 0.2.0
 * @category constants
 */
export const phases: ReadonlyArray<Phase> = [
  "validating",
  "in_progress",
  "finalizing",
  "completed",
  "failed",
  "expired",
  "cancelling",
  "cancelled"
]

/**
 * A problem found in a batch's input, reported on the failed batch (`errors.data[]` on OpenAI):
 * `invalid_json_line`, `duplicate_custom_id`, `model_mismatch`, `missing_custom_id`, `empty_batch`,
 * `too_many_requests`, `endpoint_mismatch`.
 *
 * @since 0.2.0
 * @category models
 */
export interface LineError {
  readonly code: string
  /** 1-based line of the input file (or index + 1 of an inline request); null for the batch as a whole */
  readonly line: number | null
  readonly message: string
  readonly param: string | null
}

/**
 * One request's outcome: `succeeded` / `errored` once it ran (a request whose custom id contains `fail`
 * errors), `canceled` / `expired` for a request that never ran in a batch that ended by cancel or expiry.
 *
 * @since 0.2.0
 * @category models
 */
export interface RequestResult {
  readonly index: number
  readonly customId: string
  readonly outcome: "succeeded" | "errored" | "canceled" | "expired"
  /** the request's body as sent (undefined for synthetic requests) */
  readonly body: unknown
  /** the canned answer text of a succeeded request */
  readonly text: string
  /** epoch ms: when the batch ended, or now while it runs */
  readonly at: number
}

/**
 * A batch as a profile sees it when rendering: the record and its state at this instant. Times are epoch
 * milliseconds (use `unix`, `rfc3339` to render them).
 *
 * @since 0.2.0
 * @category models
 */
export interface BatchState {
  readonly vendor: string
  readonly id: string
  readonly phase: Phase
  /** the vendor's name of `phase` (from `statuses`) */
  readonly status: string
  readonly total: number
  /** requests finished (succeeded + failed) */
  readonly done: number
  readonly succeeded: number
  readonly failed: number
  readonly createdAt: number
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
  /** when a cancel was asked for, even of a batch that had already ended (xAI accepts that) */
  readonly cancelRequestedAt: number | null
  readonly model: string
  readonly endpoint: string
  readonly completionWindow: string
  readonly inputFileId: string | null
  readonly inputBytes: number
  readonly metadata: Readonly<Record<string, string>> | null
  /** a display name given at create (Gemini `display_name`, xAI `name`) */
  readonly name: string | null
  readonly outputFileId: string | null
  readonly errorFileId: string | null
  /** the requests came inline in the create body, not from an uploaded file */
  readonly inline: boolean
  /** why a failed batch failed (its input's problems), or null */
  readonly errors: ReadonlyArray<LineError> | null
  /** bytes of filler added to every answer (for big result files) */
  readonly padding: number
  /** requests that have an outcome now: the finished ones, and once ended the ones that never ran */
  results(): Iterable<RequestResult>
}

/**
 * An uploaded or generated file.
 *
 * @since 0.2.0
 * @category models
 */
export interface FileState {
  readonly vendor: string
  readonly id: string
  readonly purpose: string
  readonly filename: string
  readonly createdAt: number
  readonly bytes: number
  readonly kind: "input" | "output" | "error"
  /** the batch an output or error file belongs to */
  readonly batchId: string | null
  /** the number of lines of an input file */
  readonly lines: number
}

/**
 * @since 0.2.0
 * @category models
 */
export interface RenderContext {
  /** the emulator's origin as the client reached it, e.g. `http://127.0.0.1:PORT` */
  readonly origin: string
  /** origin + the profile's `basePath` */
  readonly baseUrl: string
  /** the request's query */
  readonly query: URLSearchParams
}

// ---------------------------------------------------------------------------------------------------
// routes and auth

/**
 * What a route does. `files` lists uploaded files, `delete-file` deletes one, `add-requests` adds requests to
 * an existing batch (xAI), `results` serves results from a route (Anthropic's stream, xAI's pages).
 *
 * @since 0.2.0
 * @category models
 */
export type RouteName =
  | "create"
  | "list"
  | "retrieve"
  | "cancel"
  | "results"
  | "delete"
  | "upload"
  | "file"
  | "content"
  | "files"
  | "delete-file"
  | "add-requests"

/**
 * One route: a method and a path below the profile's `mount` (default `basePath`). A path segment `{id}`
 * captures the batch or file id; `{id}:cancel` captures the id before a literal suffix (the AIP verb form);
 * any other `{name}` captures a parameter (`{model}:batchGenerateContent`). A trailing slash is ignored.
 *
 * @since 0.2.0
 * @category models
 */
export interface RouteSpec {
  readonly method: "GET" | "POST" | "DELETE"
  readonly path: string
  readonly route: RouteName
}

/**
 * Where the API key is read from, in this order: `headers` (the raw value, e.g. `x-api-key`, `api-key`,
 * `x-goog-api-key`), then `Authorization: Bearer` when `bearer`, then the `query` parameter. `required` lists
 * headers without which the vendor answers 400 (Anthropic's `anthropic-version`).
 *
 * @since 0.2.0
 * @category models
 */
export interface AuthSpec {
  readonly bearer: boolean
  readonly headers?: ReadonlyArray<string> | undefined
  readonly query?: string | undefined
  readonly required?: ReadonlyArray<{ readonly header: string; readonly message: string }> | undefined
  /** the status of a missing or wrong key when not 401 (xAI answers a bad key with 400) */
  readonly status?: number | undefined
}

/**
 * A request as `check` sees it (before the route runs): to refuse what the vendor refuses up front, e.g.
 * Azure's classic paths without `api-version`.
 *
 * @since 0.2.0
 * @category models
 */
export interface RequestInfo {
  readonly method: string
  /** the path below the mount, e.g. `/batches/abc` */
  readonly path: string
  readonly query: URLSearchParams
  readonly header: (name: string) => string | undefined
}

// ---------------------------------------------------------------------------------------------------
// errors

/**
 * The kinds of error the engine answers; the profile gives each its status and envelope.
 * `too_large` is an upload or create body past a limit (OpenAI 400 "File is too large.", Anthropic 413).
 *
 * @since 0.2.0
 * @category models
 */
export type ErrorKind =
  | "missing_key"
  | "wrong_key"
  | "not_found"
  | "invalid"
  | "refused"
  | "rate_limited"
  | "batch_limit"
  | "too_large"
  | "server"

/**
 * @since 0.2.0
 * @category models
 */
export interface ErrorInput {
  readonly kind: ErrorKind
  readonly message: string
  /** the HTTP status, for `server` (500/502/503/504/529) */
  readonly status?: number | undefined
  /** seconds, for 429 */
  readonly retryAfter?: number | undefined
  readonly requestId: string
  /** the parameter at fault, when there is one */
  readonly param?: string | undefined
}

/**
 * The standard messages of a vendor.
 *
 * @since 0.2.0
 * @category models
 */
export interface Messages {
  readonly missingKey: string
  readonly wrongKey: string
  readonly notFound: (what: "batch" | "file" | "route", id: string) => string
  /** a cancel refused because the batch is in `status` (the vendor's name) */
  readonly refused: (id: string, status: string) => string
  readonly rateLimited: string
  readonly server: (status: number) => string
  readonly tooLarge: (limitBytes: number) => string
}

/**
 * @since 0.2.0
 * @category models
 */
export interface ErrorSpec {
  /** the HTTP status of an error; `defaultStatus` covers what it does not (answer undefined) */
  readonly status?: ((e: ErrorInput) => number | undefined) | undefined
  /** the vendor's error envelope */
  readonly body: (e: ErrorInput & { readonly status: number }) => unknown
  readonly messages: Messages
}

/**
 * The status most vendors give each kind: 401, 401, 404, 400, 409, 429, 429, 413, the server status.
 *
 * @since 0.2.0
 * @category errors
 */
export const defaultStatus = (e: ErrorInput): number => {
  switch (e.kind) {
    case "missing_key":
    case "wrong_key":
      return 401
    case "not_found":
      return 404
    case "invalid":
      return 400
    case "refused":
      return 409
    case "rate_limited":
    case "batch_limit":
      return 429
    case "too_large":
      return 413
    case "server":
      return e.status ?? 500
  }
}

// ---------------------------------------------------------------------------------------------------
// lists

/**
 * How the vendor pages its list of batches:
 * - `after`: a cursor that is the last id of the previous page, with `has_more` (OpenAI, Anthropic with
 *   `before` for paging backwards);
 * - `page`: page numbers with a `total` (Mistral);
 * - `token`: an opaque page token answered as the next page's token (Gemini `pageToken`, xAI `pagination_token`);
 * - `cursor`: an opaque cursor answered under the profile's own key (Groq `cursor` → `paging.next_cursor`);
 * - `none`: every batch at once (Together).
 * Newest first in every style.
 *
 * @since 0.2.0
 * @category models
 */
export type Paging =
  | {
      readonly style: "after"
      readonly afterParam: string
      readonly beforeParam?: string | undefined
      readonly limitParam: string
      readonly defaultLimit: number
      readonly maxLimit: number
    }
  | {
      readonly style: "page"
      readonly pageParam: string
      readonly sizeParam: string
      /** the number of the first page (0 on Mistral) */
      readonly firstPage: number
      readonly defaultSize: number
      readonly maxSize: number
    }
  | {
      readonly style: "token" | "cursor"
      readonly tokenParam: string
      readonly sizeParam?: string | undefined
      readonly defaultSize: number
      readonly maxSize: number
    }
  | { readonly style: "none" }

/**
 * One page of a list, for `ListSpec.page` to render.
 *
 * @since 0.2.0
 * @category models
 */
export interface ListPage {
  /** the items, each rendered by `render.listItem` (default `render.batch`) */
  readonly data: ReadonlyArray<unknown>
  readonly hasMore: boolean
  readonly firstId: string | null
  readonly lastId: string | null
  /** every listed batch (page style) */
  readonly total: number
  /** the next page's token or cursor (token and cursor styles), null on the last page */
  readonly next: string | null
}

/**
 * @since 0.2.0
 * @category models
 */
export interface ListSpec {
  readonly paging: Paging
  /** the body of a page */
  readonly page: (p: ListPage, ctx: RenderContext) => unknown
}

// ---------------------------------------------------------------------------------------------------
// results

/**
 * How a batch's results reach the client. Any combination of:
 * - `files`: output (and error) files appear when the batch ends, read at the `content` route; `line`
 *   renders each line; a request's outcome goes to the error file unless `error` is false;
 * - `route`: the `results` route streams one `line` per request once the batch has ended (Anthropic);
 * - `paged`: the `results` route answers pages of `item`, readable while the batch runs (xAI);
 * - inline: `render.batch` embeds `b.results()` itself (MeshAPI, Gemini inline, Mistral `outputs`).
 * `filesOnlyFromFile`: results go to files only for batches created from a file (Gemini, Mistral); inline
 * batches get theirs inline.
 *
 * @since 0.2.0
 * @category models
 */
export interface ResultsSpec {
  readonly files?:
    | { readonly error: boolean; readonly purpose: string; readonly filesOnlyFromFile?: boolean | undefined }
    | undefined
  readonly line?: ((b: BatchState, r: RequestResult) => string) | undefined
  readonly route?: { readonly contentType: string } | undefined
  readonly paged?:
    | {
        readonly item: (b: BatchState, r: RequestResult) => unknown
        readonly page: (items: ReadonlyArray<unknown>, next: string | null) => unknown
        readonly tokenParam: string
        readonly sizeParam: string
        readonly defaultSize: number
        readonly maxSize: number
      }
    | undefined
}

// ---------------------------------------------------------------------------------------------------
// create

/**
 * What a create body asks for, as `CreateSpec.parse` reads it.
 *
 * @since 0.2.0
 * @category models
 */
export interface CreateRequest {
  /** an uploaded file's id, or the request lines themselves (each parsed like a line of a file) */
  readonly source:
    | { readonly kind: "file"; readonly fileId: string }
    | { readonly kind: "inline"; readonly lines: ReadonlyArray<unknown> }
    | { readonly kind: "empty" }
  readonly endpoint?: string | undefined
  readonly window?: string | undefined
  /** the model, when the create names it (Together `model_id`, Gemini's path) */
  readonly model?: string | undefined
  readonly metadata?: Readonly<Record<string, string>> | null | undefined
  readonly name?: string | undefined
  /** problems that fail the batch later (with `validation: "deferred"`), e.g. Azure's window other than 24h */
  readonly problems?: ReadonlyArray<LineError> | undefined
}

/**
 * How one request line reads (a line of an input file, or an inline request).
 *
 * @since 0.2.0
 * @category models
 */
export interface LineSpec {
  readonly customId: (line: Readonly<Record<string, unknown>>) => unknown
  readonly body: (line: Readonly<Record<string, unknown>>) => unknown
  /** the model of a line (default: `body.model`) */
  readonly model?: ((line: Readonly<Record<string, unknown>>) => string | undefined) | undefined
  /** the endpoint a line targets, to refuse lines whose url differs from the batch's endpoint (OpenAI `url`) */
  readonly url?: ((line: Readonly<Record<string, unknown>>) => string | undefined) | undefined
}

/**
 * Documented limits; a create past one gets the vendor's error.
 *
 * @since 0.2.0
 * @category models
 */
export interface Limits {
  readonly maxRequests?: number | undefined
  /** bytes of an input file or an inline create body */
  readonly maxBytes?: number | undefined
  /** the completion windows accepted (`undefined`: any) */
  readonly windows?: ((window: string) => boolean) | undefined
  /** the message of a refused window */
  readonly windowMessage?: ((window: string) => string) | undefined
  /** the endpoints accepted (`undefined`: any) */
  readonly endpoints?: ReadonlyArray<string> | undefined
  /** every line must name the same model */
  readonly sameModel?: boolean | undefined
  /** the pattern a custom id must match */
  readonly customId?: RegExp | undefined
  /** unfinished batches per key before creates get 429 (MeshAPI's 10) */
  readonly activeBatches?: number | undefined
}

/**
 * How the vendor creates: `parse` reads the body (answer a message for a 400), `line` how a request line
 * reads, `validation` when a bad input is caught:
 * - `create`: refused at create with the vendor's 400 naming the line (Anthropic, MeshAPI);
 * - `deferred`: accepted at create; the batch fails after validating, with `errors` (`invalid_json_line`,
 *   `duplicate_custom_id`, `model_mismatch`) for `render.batch` to show (the OpenAI family, Mistral, Gemini).
 * `answer` renders the create's answer (default: 200 and `render.batch`).
 *
 * @since 0.2.0
 * @category models
 */
export interface CreateSpec {
  readonly parse: (
    body: Readonly<Record<string, unknown>>,
    params: Readonly<Record<string, string>>
  ) => CreateRequest | string
  readonly line: LineSpec
  readonly validation: "create" | "deferred"
  readonly limits: Limits
  readonly answer?:
    | ((b: BatchState, ctx: RenderContext) => { readonly status: number; readonly body: unknown })
    | undefined
  /** the requests of an `add-requests` body (xAI), as lines */
  readonly addRequests?: ((body: Readonly<Record<string, unknown>>) => ReadonlyArray<unknown> | string) | undefined
}

// ---------------------------------------------------------------------------------------------------
// cancel, files, rate limits, ids

/**
 * `interim`: a cancel goes through `cancelling` (false: straight to `cancelled`, Gemini). `terminal`: a
 * cancel of an ended batch is refused with `refused` (most) or accepted as is (xAI answers 200 and sets
 * `cancel_time`). `answer` renders the cancel's answer (default `render.batch`; Gemini answers `{}`).
 *
 * @since 0.2.0
 * @category models
 */
export interface CancelSpec {
  readonly interim: boolean
  readonly terminal: "refuse" | "accept"
  readonly answer?: ((b: BatchState, ctx: RenderContext) => unknown) | undefined
}

/**
 * The vendor's files API (OpenAI family, Mistral, Gemini's responses file).
 *
 * @since 0.2.0
 * @category models
 */
export interface FilesSpec {
  readonly render: (f: FileState, ctx: RenderContext) => unknown
  /** `GET /files` (default `{object:"list", data}`) */
  readonly list?: ((files: ReadonlyArray<unknown>, ctx: RenderContext) => unknown) | undefined
  /** `DELETE /files/{id}` (default `{id, object:"file", deleted:true}`) */
  readonly deleted?: ((f: FileState) => unknown) | undefined
  /** the multipart field that holds the file (default `file`) */
  readonly field?: string | undefined
  /** the purpose of an upload that names none (default: a `purpose` field is required) */
  readonly defaultPurpose?: string | undefined
  /** the answer of an upload (default `render`; Gemini wraps it in `{file}`) */
  readonly uploaded?: ((f: FileState, ctx: RenderContext) => unknown) | undefined
}

/**
 * The request-rate window of one key, for rendering headers.
 *
 * @since 0.2.0
 * @category models
 */
export interface RateLimitState {
  readonly limit: number
  readonly remaining: number
  /** milliseconds until the window resets */
  readonly resetMs: number
  /** epoch ms (wall clock) when the window resets */
  readonly resetAt: number
}

/**
 * The vendor's rate-limit headers, sent on every answer; `retryAfter` false for vendors that send no
 * `retry-after` on a 429 (Gemini).
 *
 * @since 0.2.0
 * @category models
 */
export interface RateLimitSpec {
  readonly headers: (s: RateLimitState) => Readonly<Record<string, string>>
  readonly retryAfter?: boolean | undefined
}

/**
 * Deterministic id generation (from the emulator's seed): each call gives the next id of its kind.
 *
 * @since 0.2.0
 * @category models
 */
export interface IdGen {
  /** `prefix` + `length` lowercase hex digits */
  hex(length: number, prefix?: string): string
  /** `prefix` + `length` of [0-9A-Za-z] */
  alnum(length: number, prefix?: string): string
  uuid(): string
  /** a ULID (Crockford base32, time first) */
  ulid(now: number): string
}

/**
 * @since 0.2.0
 * @category models
 */
export interface IdSpec {
  /** `now` is the emulated epoch ms, for time-ordered ids (ULIDs) */
  readonly batch: (g: IdGen, now: number) => string
  readonly file: (g: IdGen, now: number) => string
  readonly request: (g: IdGen, now: number) => string
}

/**
 * How a batch renders: `batch` (retrieve, create, cancel, list items unless `listItem`), `deleted` (the
 * answer of a batch `delete` route; `deleteWhileRunning` false refuses it until the batch ended).
 *
 * @since 0.2.0
 * @category models
 */
export interface RenderSpec {
  readonly batch: (b: BatchState, ctx: RenderContext) => unknown
  readonly listItem?: ((b: BatchState, ctx: RenderContext) => unknown) | undefined
  readonly deleted?: ((b: BatchState) => unknown) | undefined
  readonly deleteWhileRunning?: boolean | undefined
}

/**
 * What seeded batches (`createBatch`, `/_emulator/batches`) look like: made from a file (they name an input
 * file id) or inline, and their metadata.
 *
 * @since 0.2.0
 * @category models
 */
export interface SeedSpec {
  readonly fromFile: boolean
  readonly metadata: Readonly<Record<string, string>> | null
}

/**
 * One vendor, as the emulator plays it.
 *
 * @since 0.2.0
 * @category models
 */
export interface VendorProfile {
  /** the vendor's id (`openai`, `mistral`, …): `baseUrl(name)`, fault rules, `createBatch({ provider: name })` */
  readonly name: string
  /** the path below the emulator's origin that plays the vendor's base URL, e.g. `/mistral/v1`; starts with `/${name}` */
  readonly basePath: string
  /** the prefix the routes are below (default `basePath`), when some routes sit outside the base URL */
  readonly mount?: string | undefined
  readonly routes: ReadonlyArray<RouteSpec>
  readonly auth: AuthSpec
  /** refuses a request up front (a missing `api-version`); answer undefined to let it through */
  readonly check?: ((req: RequestInfo) => Omit<ErrorInput, "requestId"> | undefined) | undefined
  readonly ids: IdSpec
  /** the response header carrying the request id (`x-request-id`, `request-id`) */
  readonly requestIdHeader: string
  /** the vendor's status name of each phase */
  readonly statuses: Readonly<Record<Phase, string>>
  /** reads a status name given to `createBatch` (default: the inverse of `statuses`); "ended" picks completed or cancelled from `completed` */
  readonly parseStatus?: ((name: string) => Phase | "ended" | undefined) | undefined
  /** the model of seeded batches and of creates that name none */
  readonly defaultModel: string
  readonly render: RenderSpec
  readonly list: ListSpec
  readonly cancel: CancelSpec
  readonly errors: ErrorSpec
  readonly results: ResultsSpec
  readonly create: CreateSpec
  readonly files?: FilesSpec | undefined
  readonly rateLimit?: RateLimitSpec | undefined
  readonly seed: SeedSpec
}

// ---------------------------------------------------------------------------------------------------
// helpers for profile authors

/**
 * Epoch ms as unix seconds.
 *
 * @since 0.2.0
 * @category helpers
 */
export const unix = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000))

/** Three more digits after the milliseconds, stable for instants a whole number of seconds apart. */
const micros = (ms: number): string => String(((Math.floor(ms) % 1000) * 7 + 3) % 1000).padStart(3, "0")

/**
 * RFC 3339 with microseconds: `Z` (default), `+00:00`, or `nanos` (nine digits, `Z`, as Google renders).
 *
 * @since 0.2.0
 * @category helpers
 */
export const rfc3339 = (ms: number | null, form: "Z" | "+00:00" | "nanos" = "Z"): string | null => {
  if (ms === null) return null
  const base = `${new Date(ms).toISOString().slice(0, 23)}${micros(ms)}`
  return form === "+00:00" ? `${base}+00:00` : form === "nanos" ? `${base}${micros(ms + 1)}Z` : `${base}Z`
}

/**
 * A stable hex string derived from a seed string and an index (ids inside result lines).
 *
 * @since 0.2.0
 * @category helpers
 */
export const derivedHex = (seed: string, i: number, length: number): string => {
  const h = hashString(seed)
  let out = ""
  for (let lane = 0; out.length < length; lane++)
    out += mix32(h ^ mix32(i * 0x9e3779b1 + lane))
      .toString(16)
      .padStart(8, "0")
  return out.slice(0, length)
}

/**
 * The canned OpenAI-shaped answer body of a succeeded request (a chat completion, or an embedding list when
 * the batch's endpoint is an embeddings one).
 *
 * @since 0.2.0
 * @category helpers
 */
export const chatCompletion = (b: BatchState, r: RequestResult): unknown =>
  b.endpoint.includes("embeddings")
    ? {
        object: "list",
        data: [{ object: "embedding", index: 0, embedding: [0.0023, -0.0093, 0.0158] }],
        model: b.model,
        usage: { prompt_tokens: 8, total_tokens: 8 }
      }
    : {
        id: `chatcmpl-${derivedHex(b.id, r.index, 24)}`,
        object: "chat.completion",
        created: unix(r.at),
        model: b.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: r.text, refusal: null },
            logprobs: null,
            finish_reason: "stop"
          }
        ],
        usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 }
      }

/**
 * A line of an OpenAI-family output or error file: a request that ran (200, or 400 in `response` when it
 * errored) or one that never ran (`error.code` `batch_cancelled` / `batch_expired`).
 *
 * @since 0.2.0
 * @category helpers
 */
export const openAiLine = (b: BatchState, r: RequestResult): string => {
  const id = `batch_req_${derivedHex(b.id, r.index, 32)}`
  switch (r.outcome) {
    case "succeeded":
      return JSON.stringify({
        id,
        custom_id: r.customId,
        response: { status_code: 200, request_id: derivedHex(`${b.id}/r`, r.index, 32), body: chatCompletion(b, r) },
        error: null
      })
    case "errored":
      return JSON.stringify({
        id,
        custom_id: r.customId,
        response: {
          status_code: 400,
          request_id: derivedHex(`${b.id}/r`, r.index, 32),
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
      })
    case "canceled":
      return JSON.stringify({
        id,
        custom_id: r.customId,
        response: null,
        error: { code: "batch_cancelled", message: "This request was not executed because the batch was cancelled." }
      })
    case "expired":
      return JSON.stringify({
        id,
        custom_id: r.customId,
        response: null,
        error: {
          code: "batch_expired",
          message: "This request could not be executed before the completion window expired."
        }
      })
  }
}

/**
 * Reads an optional string field.
 *
 * @since 0.2.0
 * @category helpers
 */
export const str = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)

/**
 * Reads `metadata`: string values kept, others dropped; null when it is not an object.
 *
 * @since 0.2.0
 * @category helpers
 */
export const metadataOf = (u: unknown): Record<string, string> | null => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return null
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(u)) if (typeof v === "string") out[k] = v
  return out
}

/**
 * The create of the OpenAI family: `{input_file_id, endpoint, completion_window, metadata}`.
 *
 * @since 0.2.0
 * @category helpers
 */
export const parseOpenAiCreate = (body: Readonly<Record<string, unknown>>): CreateRequest | string => {
  const fileId = body.input_file_id
  if (typeof fileId !== "string") return "Missing required parameter: 'input_file_id'."
  const endpoint = body.endpoint
  if (typeof endpoint !== "string") return "Missing required parameter: 'endpoint'."
  const window = body.completion_window ?? "24h"
  if (typeof window !== "string") return "Invalid 'completion_window'."
  return {
    source: { kind: "file", fileId },
    endpoint,
    window,
    metadata: metadataOf(body.metadata),
    model: str(body.model_id)
  }
}

/**
 * OpenAI's line: `{custom_id, method, url, body}`.
 *
 * @since 0.2.0
 * @category helpers
 */
export const openAiLineSpec: LineSpec = {
  customId: (l) => l.custom_id,
  body: (l) => l.body,
  url: (l) => str(l.url)
}

/**
 * The OpenAI-family routes: batches and files, below the base path.
 *
 * @since 0.2.0
 * @category helpers
 */
export const openAiRoutes = (prefix = ""): ReadonlyArray<RouteSpec> => [
  { method: "POST", path: `${prefix}/batches`, route: "create" },
  { method: "GET", path: `${prefix}/batches`, route: "list" },
  { method: "GET", path: `${prefix}/batches/{id}`, route: "retrieve" },
  { method: "POST", path: `${prefix}/batches/{id}/cancel`, route: "cancel" },
  { method: "POST", path: `${prefix}/files`, route: "upload" },
  { method: "GET", path: `${prefix}/files`, route: "files" },
  { method: "GET", path: `${prefix}/files/{id}`, route: "file" },
  { method: "DELETE", path: `${prefix}/files/{id}`, route: "delete-file" },
  { method: "GET", path: `${prefix}/files/{id}/content`, route: "content" }
]

/**
 * OpenAI's status names (the phases' own names).
 *
 * @since 0.2.0
 * @category helpers
 */
export const openAiStatuses: Readonly<Record<Phase, string>> = {
  validating: "validating",
  in_progress: "in_progress",
  finalizing: "finalizing",
  completed: "completed",
  failed: "failed",
  expired: "expired",
  cancelling: "cancelling",
  cancelled: "cancelled"
}

/**
 * OpenAI's file object.
 *
 * @since 0.2.0
 * @category helpers
 */
export const openAiFile = (f: FileState): unknown => ({
  id: f.id,
  object: "file",
  bytes: f.bytes,
  created_at: unix(f.createdAt),
  expires_at: null,
  filename: f.filename,
  purpose: f.purpose,
  status: "processed",
  status_details: null
})

/**
 * OpenAI's `request_counts`: zeros while validating (and for a batch that failed before running).
 *
 * @since 0.2.0
 * @category helpers
 */
export const openAiCounts = (b: BatchState): { total: number; completed: number; failed: number } =>
  b.phase === "validating" || (b.phase === "failed" && b.done === 0)
    ? { total: 0, completed: 0, failed: 0 }
    : { total: b.total, completed: b.succeeded, failed: b.failed }

/**
 * The OpenAI family's batch fields from `input_file_id` to `request_counts`: the file, window and status,
 * the output and error files, every lifecycle time in unix seconds, and the counts. A profile of the
 * family spreads it between its own fields.
 *
 * @since 0.2.0
 * @category helpers
 */
export const openAiBatchFields = (b: BatchState) => ({
  input_file_id: b.inputFileId,
  completion_window: b.completionWindow,
  status: b.status,
  output_file_id: b.outputFileId,
  error_file_id: b.errorFileId,
  created_at: unix(b.createdAt),
  in_progress_at: unix(b.inProgressAt),
  expires_at: unix(b.expiresAt),
  finalizing_at: unix(b.finalizingAt),
  completed_at: unix(b.completedAt),
  failed_at: unix(b.failedAt),
  expired_at: unix(b.expiredAt),
  cancelling_at: unix(b.cancellingAt),
  cancelled_at: unix(b.cancelledAt),
  request_counts: openAiCounts(b)
})

/**
 * OpenAI's `errors` of a failed batch: its input's problems, or the enqueued-token limit for a batch seeded
 * as failed.
 *
 * @since 0.2.0
 * @category helpers
 */
export const openAiErrors = (b: BatchState): unknown =>
  b.phase !== "failed"
    ? null
    : {
        object: "list",
        data: b.errors ?? [
          {
            code: "token_limit_exceeded",
            message: `Enqueued token limit reached for ${b.model} in organization org-emulator. Limit: 2,000,000 enqueued tokens. Please try again once some in_progress batches have been completed.`,
            param: null,
            line: null
          }
        ]
      }

/**
 * A duration as OpenAI's reset headers write it: `1s`, `6m0s`, `120ms`.
 *
 * @since 0.2.0
 * @category helpers
 */
export const goDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`
  const s = Math.ceil(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${s % 60}s`
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`
}
