/**
 * Starting batches: the requests of a batch in one normalized shape, read from an array, an iterable, an
 * async iterable or JSON Lines (a file or a stream of bytes), checked against the vendor's documented
 * limits before anything is sent, and written once, as the vendor's own lines, to a temporary file that
 * the upload (or the inline body) then reads as it sends: a 200 MB input is never held in memory.
 *
 * A create whose answer is lost must not make a second batch when it is tried again: {@link submitOnce}
 * sends the create once, and when the answer is lost (no response, a 5xx, a 2xx that cannot be read)
 * looks the batch up by a token of this create before it sends again; a vendor with nothing to look up
 * by gets no second send, and the caller a {@link CreateUnconfirmed} that says what to check.
 *
 * @since 0.2.0
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Batch, Page } from "./Batch.js"
import type { BatchError } from "./BatchError.js"
import * as Transport from "./Transport.js"
import { TOKEN_KEY } from "./internal/prepare.js"

/**
 * One request of a batch, as every vendor takes it: an id unique in the batch, the body of the call (what
 * a single call to the endpoint would send), and, for the vendors whose lines have them, the method and
 * the URL (`POST`, the batch's endpoint, when left out).
 *
 * @since 0.2.0
 * @category models
 */
export interface Request {
  readonly customId: string
  readonly body: Readonly<Record<string, unknown>>
  readonly method?: string | undefined
  readonly url?: string | undefined
}

/**
 * JSON Lines to read requests from: a file, or bytes (or text) as they come. Each line is one request,
 * `{"custom_id", "body", "method"?, "url"?}` as the OpenAI family writes it; `customId` for `custom_id`
 * and Anthropic's `params` for `body` are read too. Blank lines are skipped.
 *
 * @since 0.2.0
 * @category models
 */
export type Jsonl =
  | { readonly _tag: "JsonlFile"; readonly path: string }
  | {
      readonly _tag: "JsonlBytes"
      readonly bytes: Stream.Stream<Uint8Array | string, unknown> | AsyncIterable<Uint8Array | string>
    }

/**
 * Where the requests come from.
 *
 * @since 0.2.0
 * @category models
 */
export type Input = Iterable<Request> | AsyncIterable<Request> | Stream.Stream<Request, unknown> | Jsonl

/**
 * A JSONL file as {@link Input}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const jsonlFile = (path: string): Jsonl => ({ _tag: "JsonlFile", path })

/**
 * JSONL bytes (a Node `Readable`, a web stream's reader as an async iterable, an Effect `Stream`) as
 * {@link Input}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const jsonl = (
  bytes: Stream.Stream<Uint8Array | string, unknown> | AsyncIterable<Uint8Array | string>
): Jsonl => ({
  _tag: "JsonlBytes",
  bytes
})

/**
 * Where a create stands, for a progress bar: `checking` while the input is read and checked (nothing
 * sent yet), `uploading` while the input file (or the inline body) is sent, with `totalBytes` known.
 *
 * @since 0.2.0
 * @category models
 */
export interface Progress {
  readonly phase: "checking" | "uploading"
  readonly requests: number
  readonly bytes: number
  readonly totalBytes?: number | undefined
}

/**
 * What a create may say beyond its requests. The normalized fields are mapped to each vendor's own;
 * `vendor` is the escape hatch, merged into the create body as is (e.g. Together's `priority`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The endpoint every request goes to (OpenAI family, Together, MeshAPI); default: the requests' `url`, else `/v1/chat/completions`. */
  readonly endpoint?: string | undefined
  /** The completion window (`24h`); refused when the vendor documents another set. */
  readonly completionWindow?: string | undefined
  /** Key-value metadata, where the vendor keeps it (OpenAI family, MeshAPI); refused elsewhere. */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** OpenAI's `output_expires_after.seconds` (anchored at `created_at`), 3600 to 2592000. */
  readonly outputExpiresAfterSeconds?: number | undefined
  /** The model of the batch where the create names one (Together's `model_id`). */
  readonly model?: string | undefined
  /** Vendor-only fields, merged into the create body as they are. */
  readonly vendor?: Readonly<Record<string, unknown>> | undefined
  /** Called as the input is checked and as it is sent. */
  readonly onProgress?: ((progress: Progress) => void) | undefined
  /**
   * The token that names this create, so that a retry finds the batch it made (default: a random one).
   * Pass the same token to a later create to find the batch a lost answer made instead of a second.
   */
  readonly token?: string | undefined
}

/**
 * What a vendor takes, for the checks: its documented limits and how one request becomes its line.
 *
 * @since 0.2.0
 * @category models
 */
export interface Spec {
  readonly provider: string
  /** `file`: uploaded, then named by the create (OpenAI family, Together); `inline`: the requests in the create body. */
  readonly transport: "file" | "inline"
  readonly maxRequests: number
  /** The most bytes of the input file, or of the create body for inline vendors. */
  readonly maxBytes: number
  /** The endpoints a create may name; undefined: the vendor has no endpoint field (Anthropic). */
  readonly endpoints?: ReadonlyArray<string> | undefined
  /** The completion windows the vendor takes; undefined: it takes none (Anthropic, whose window is fixed). */
  readonly windows?: ReadonlyArray<string> | undefined
  /** How a refusal names the windows when the list is long (Moonshot: `12h to 7d`); default the list. */
  readonly windowsText?: string | undefined
  /** Every request must name the same `body.model`. */
  readonly sameModel: boolean
  readonly customIdPattern?: RegExp | undefined
  /** The vendor keeps metadata with these bounds; undefined: it keeps none. */
  readonly metadata?: { readonly maxPairs: number; readonly maxKey: number; readonly maxValue: number } | undefined
  /** The vendor takes `output_expires_after`. */
  readonly outputExpiry?: boolean | undefined
  /** The vendor line of one request. */
  readonly line: (request: Request, endpoint: string | undefined) => unknown
  /**
   * The keys of a JSONL line that is already the vendor's line, in order (`custom_id`, `method`, `url`,
   * `body` for OpenAI): such a line (with `POST` and the batch's endpoint) is sent as written, not parsed
   * and written again; a file of only such lines is sent itself.
   */
  readonly lineKeys?: ReadonlyArray<string> | undefined
  /** What the vendor refuses in one request's body (e.g. Anthropic's `stream: true`): why, or undefined. */
  readonly checkBody?: ((body: Readonly<Record<string, unknown>>) => string | undefined) | undefined
}

/**
 * The requests of a create, checked and written as the vendor's lines to a file that lives as long as
 * the scope it was made in.
 *
 * @since 0.2.0
 * @category models
 */
export interface Prepared {
  readonly provider: string
  readonly requests: number
  /** Bytes of the lines file, each line ended by `\n`. */
  readonly bytes: number
  readonly endpoint?: string | undefined
  /** The model every request names, when they name one and the same. */
  readonly model?: string | undefined
  /** The first line as sent, for a dry run. */
  readonly first: unknown
  readonly path: string
  /** The lines file read back, in chunks. */
  readonly read: () => Stream.Stream<Uint8Array, Error>
}

/**
 * What a create would send, for a dry run: nothing of it is sent.
 *
 * @since 0.2.0
 * @category models
 */
export interface Plan {
  readonly provider: string
  readonly requests: number
  readonly bytes: number
  readonly endpoint?: string | undefined
  readonly model?: string | undefined
  /** The first request as the vendor gets it. */
  readonly first: unknown
  /** The calls, in order, with bodies as they would go (the file and the requests elided). */
  readonly calls: ReadonlyArray<{ readonly method: string; readonly path: string; readonly body: unknown }>
}

/**
 * A create whose answer was lost, for a vendor with nothing to look the batch up by (or whose look-up
 * failed): the batch may or may not exist. Nothing is sent again; `message` says what to check.
 *
 * @since 0.2.0
 * @category errors
 */
export class CreateUnconfirmed extends Schema.TaggedError<CreateUnconfirmed>(
  "@batchctl/core/BatchError/CreateUnconfirmed"
)("CreateUnconfirmed", {
  provider: Schema.String,
  operation: Schema.String,
  message: Schema.String,
  requestId: Schema.optional(Schema.String),
  /** When the create was sent (ISO 8601): a batch made by it was created after this. */
  since: Schema.String,
  /** How many requests the create held. */
  requests: Schema.Number,
  /** The token of the create, where the vendor keeps it (metadata `batchctl_token`). */
  token: Schema.optional(Schema.String),
  /** The tag of the failure that lost the answer. */
  lost: Schema.String,
  httpStatus: Schema.optional(Schema.Number),
  cause: Schema.optional(Schema.Defect)
}) {}

export { makeToken, prepare, TOKEN_KEY } from "./internal/prepare.js"

const MiB = 2 ** 20
const ENCODER = new TextEncoder()
const isRecord = Predicate.isRecord

const counted = (prepared: Prepared, before: number, after: number, onProgress: Options["onProgress"]) => {
  const sending = progressOf(prepared, before, after, onProgress)
  if (sending === undefined) return prepared.read()
  return Stream.suspend(() => {
    const sent = sending()
    return prepared.read().pipe(Stream.tap((chunk) => Effect.sync(() => sent(chunk.byteLength))))
  })
}

/** A fresh count per sending of the lines file's bytes, reported every MiB and at the end. */
const progressOf = (
  prepared: Prepared,
  before: number,
  after: number,
  onProgress: Options["onProgress"]
): (() => (bytes: number) => void) | undefined => {
  if (onProgress === undefined) return undefined
  const total = before + prepared.bytes + after
  return () => {
    let sent = before
    let last = -1
    return (bytes) => {
      sent += bytes
      const done = sent >= before + prepared.bytes
      if (sent - last >= MiB || done) {
        last = sent
        onProgress({ phase: "uploading", requests: prepared.requests, bytes: done ? total : sent, totalBytes: total })
      }
    }
  }
}

/**
 * A `multipart/form-data` body with the lines file as its `file` part and `fields` before it, streamed
 * from the file (read again on each attempt), with its length known.
 *
 * @since 0.2.0
 * @category bodies
 */
export const multipart = (
  prepared: Prepared,
  fields: Readonly<Record<string, string>>,
  options: { readonly filename?: string | undefined; readonly onProgress?: Options["onProgress"] } = {}
): HttpBody.HttpBody => {
  const boundary = `----batchctl${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`
  const filename = (options.filename ?? "batch.jsonl").replace(/["\r\n]/g, "_")
  let head = ""
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/jsonl\r\n\r\n`
  const headBytes = ENCODER.encode(head)
  const tailBytes = ENCODER.encode(`\r\n--${boundary}--\r\n`)
  const total = headBytes.byteLength + prepared.bytes + tailBytes.byteLength
  const stream = Stream.make(headBytes).pipe(
    Stream.concat(counted(prepared, headBytes.byteLength, tailBytes.byteLength, options.onProgress)),
    Stream.concat(Stream.make(tailBytes))
  )
  return Transport.withFileBody(
    HttpBody.stream(stream, `multipart/form-data; boundary=${boundary}`, total) as HttpBody.Stream,
    {
      parts: [headBytes, { path: prepared.path, from: 0, length: prepared.bytes }, tailBytes],
      sending: progressOf(prepared, headBytes.byteLength, tailBytes.byteLength, options.onProgress)
    }
  )
}

/**
 * A JSON body `{ ...fields, "<key>": [ line, line, … ] }` streamed from the lines file (for vendors
 * that take the requests inline), with its length known.
 *
 * @since 0.2.0
 * @category bodies
 */
export const inlineJson = (
  prepared: Prepared,
  key: string,
  fields: Readonly<Record<string, unknown>>,
  options: { readonly onProgress?: Options["onProgress"] } = {}
): HttpBody.HttpBody => {
  const rest = JSON.stringify(fields)
  const open = ENCODER.encode(`{${JSON.stringify(key)}:[`)
  const close = ENCODER.encode(`]${rest === "{}" ? "}" : `,${rest.slice(1)}`}`)
  // Each `\n` that ends a line becomes a `,` but the last, which is dropped: one byte fewer.
  const total = open.byteLength + prepared.bytes - 1 + close.byteLength
  const lines = Stream.suspend(() => {
    // Every line ends with a newline (JSON text has none of its own): each becomes a comma but the
    // last, the file's very last byte, which is dropped. Each read of the file brings fresh chunks.
    let pos = 0
    return counted(prepared, open.byteLength, close.byteLength - 1, options.onProgress).pipe(
      Stream.map((chunk) => {
        for (let i = 0; i < chunk.byteLength; i++) if (chunk[i] === 10) chunk[i] = 44
        pos += chunk.byteLength
        return pos === prepared.bytes ? chunk.subarray(0, chunk.byteLength - 1) : chunk
      })
    )
  })
  const stream = Stream.make(open).pipe(Stream.concat(lines), Stream.concat(Stream.make(close)))
  return HttpBody.stream(stream, "application/json", total)
}

/**
 * The attempt timeout of an upload of `bytes`: the client's, plus a second for every 256 KiB (an upload
 * slower than that is given up).
 *
 * @since 0.2.0
 * @category bodies
 */
export const uploadTimeoutMs = (bytes: number): number => 60_000 + Math.ceil(bytes / (256 * 1024)) * 1000

// -------------------------------------------------------------------------------------------------
// never submitted twice

/** A failure after which the batch may exist: the request may have reached the vendor. */
const isLost = (error: BatchError): boolean =>
  error._tag === "TransportFailure" ||
  error._tag === "ProviderUnavailable" ||
  (error._tag === "UnexpectedResponse" &&
    error.httpStatus !== undefined &&
    error.httpStatus >= 200 &&
    error.httpStatus < 300)

/**
 * Sends a create once, and on a lost answer finds out what became of it:
 * - a failure that says the vendor did not take it (a 4xx) is final, but a 429, which is waited out and
 *   sent again (up to `attempts` sends in all);
 * - a lost answer (no response, a 5xx, a 2xx that cannot be read) with a `lookup`: the batch is looked up
 *   by this create's token; found, it is the answer; not found, the create is sent again;
 * - a lost answer without a `lookup` (or whose look-up fails): {@link CreateUnconfirmed}, with what to
 *   check in its message, and nothing sent again.
 *
 * `send` must be one HTTP call without retries of its own (`retry: { maxAttempts: 1 }`).
 *
 * @since 0.2.0
 * @category never twice
 */
export const submitOnce = (args: {
  readonly provider: string
  readonly requests: number
  readonly send: Effect.Effect<Batch, BatchError>
  readonly lookup?: ((since: Date) => Effect.Effect<Batch | undefined, BatchError>) | undefined
  /** What the caller should check when the answer is lost, e.g. "list the batches created since …". */
  readonly check: string
  readonly token?: string | undefined
  readonly attempts?: number | undefined
}): Effect.Effect<Batch, BatchError | CreateUnconfirmed> => {
  const attempts = Math.max(1, args.attempts ?? 3)
  const unconfirmed = (error: BatchError, since: Date, why: string) =>
    new CreateUnconfirmed({
      provider: args.provider,
      operation: "create",
      since: since.toISOString(),
      requests: args.requests,
      lost: error._tag,
      message: `${args.provider} create: the answer was lost (${error.message}); ${why}. The batch may exist: ${args.check} (created since ${since.toISOString()}, ${args.requests} request(s)) before creating it again`,
      ...(args.token === undefined ? {} : { token: args.token }),
      ...("httpStatus" in error && error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
      cause: error
    })
  const attempt = (n: number, since: Date): Effect.Effect<Batch, BatchError | CreateUnconfirmed> =>
    Effect.catchAll(args.send, (error) => {
      if (error._tag === "RateLimited" && n < attempts) {
        const wait = Math.min(error.retryAfterMs ?? 1000 * 2 ** (n - 1), 60_000)
        return Effect.zipRight(Effect.sleep(Duration.millis(wait)), attempt(n + 1, since))
      }
      if (!isLost(error)) return Effect.fail(error)
      const lookup = args.lookup
      if (lookup === undefined)
        return Effect.fail(
          unconfirmed(error, since, "the vendor has nothing to look the batch up by, so it was not sent again")
        )
      return lookup(since).pipe(
        Effect.catchAll((failure) =>
          Effect.fail(
            unconfirmed(
              error,
              since,
              `looking it up failed too (${failure._tag}: ${failure.message}), so it was not sent again`
            )
          )
        ),
        Effect.flatMap((found) => {
          if (found !== undefined) return Effect.succeed(found)
          if (n >= attempts) return Effect.fail(error)
          return Effect.zipRight(Effect.sleep(Duration.millis(500 * 2 ** (n - 1))), attempt(n + 1, since))
        })
      )
    })
  return Effect.flatMap(
    Effect.clockWith((clock) => clock.currentTimeMillis),
    (now) =>
      // A minute of slack for clocks that differ between here and the vendor.
      attempt(1, new Date(Number(now) - 60_000))
  )
}

/**
 * Looks a batch up in the vendor's list, newest first: the first batch `matches` accepts, reading at
 * most `maxPages` pages and stopping at a page whose every batch was created before `since`.
 *
 * @since 0.2.0
 * @category never twice
 */
export const findInList = (
  list: (after: string | undefined) => Effect.Effect<Page, BatchError>,
  matches: (batch: Batch) => boolean,
  since: Date,
  maxPages = 10
): Effect.Effect<Batch | undefined, BatchError> => {
  const go = (after: string | undefined, page: number): Effect.Effect<Batch | undefined, BatchError> =>
    Effect.flatMap(list(after), (p) => {
      const found = p.batches.find(matches)
      if (found !== undefined) return Effect.succeed(found)
      const older =
        p.batches.length > 0 &&
        p.batches.every((b) => b.createdAt !== undefined && b.createdAt.getTime() < since.getTime())
      if (!p.hasMore || p.nextCursor === undefined || older || page >= maxPages) return Effect.succeed(undefined)
      return go(p.nextCursor, page + 1)
    })
  return go(undefined, 1)
}

/**
 * The token a batch carries in its metadata, if any.
 *
 * @since 0.2.0
 * @category never twice
 */
export const tokenOf = (raw: unknown): string | undefined => {
  if (!isRecord(raw) || !isRecord(raw.metadata)) return undefined
  const token = raw.metadata[TOKEN_KEY]
  return typeof token === "string" ? token : undefined
}

/**
 * The options of a create with the fields the vendor's create body takes, the escape hatch last.
 *
 * @since 0.2.0
 * @category bodies
 */
export const vendorFields = (options: Options): Readonly<Record<string, unknown>> => options.vendor ?? {}
