/**
 * The input side of a create, without HTTP: the requests read, checked against the vendor's limits and
 * written once as the vendor's own lines to a temporary file (`Create.prepare`), and a create's token
 * (`Create.makeToken`). Kept apart from `Create`'s request bodies so that the spec (`BatchProvider`),
 * which prepares every create, imports no HTTP module.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { InvalidRequest } from "../BatchError.js"
import type { Input, Jsonl, Options, Prepared, Request, Spec } from "../Create.js"

/**
 * The metadata key that carries a create's token, for the vendors that keep metadata.
 *
 * @since 0.2.0
 * @category constants
 */
export const TOKEN_KEY = "batchctl_token"

const MiB = 2 ** 20
// Small reads and writes while checking: text alive at a young-generation collection is promoted, so the
// less of it is in flight, the less garbage reaches the old generation (and the resident set).
const READ_CHUNK = 64 * 1024
const WRITE_CHUNK = 256 * 1024
const BLANK = /^\s*$/
const ENCODER = new TextEncoder()

// -------------------------------------------------------------------------------------------------
// reading the input

/** One item of the input before it is checked: a request, or a JSONL line's text. */
type Item = { readonly n: number; readonly request: unknown } | { readonly n: number; readonly text: string }

const isJsonl = (input: Input): input is Jsonl =>
  Predicate.hasProperty(input, "_tag") && (input._tag === "JsonlFile" || input._tag === "JsonlBytes")

type NodeFs = typeof import("node:fs")

const nodeFs = Effect.promise(() => import("node:fs"))

/** A file's bytes as they are read, in chunks of 1 MiB. */
const fileBytes = (fs: NodeFs, path: string): Stream.Stream<Uint8Array, Error> =>
  Stream.fromAsyncIterable(
    { [Symbol.asyncIterator]: () => fs.createReadStream(path, { highWaterMark: 256 * 1024 })[Symbol.asyncIterator]() },
    (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
  )

/**
 * A file's bytes read into one reused buffer: for a reader that is done with each chunk before it asks
 * for the next (the checks copy what they keep), so that reading 200 MB allocates 64 KiB, not 200 MB.
 */
const fileBytesReused = (
  fs: NodeFs,
  path: string,
  from = 0,
  length = Number.POSITIVE_INFINITY
): Stream.Stream<Uint8Array, Error> =>
  Stream.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(
        Effect.tryPromise({
          try: () => fs.promises.open(path, "r"),
          catch: (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
        }),
        (handle) => Effect.promise(() => handle.close().catch(() => undefined))
      ),
      (handle) => {
        const buffer = Buffer.allocUnsafe(READ_CHUNK)
        let position = from
        let left = length
        return Stream.repeatEffectOption(
          Effect.suspend(() =>
            left <= 0
              ? Effect.fail(Option.none())
              : Effect.tryPromise({
                  try: () => handle.read(buffer, 0, Math.min(buffer.byteLength, left), position),
                  catch: (cause) => Option.some(cause instanceof Error ? cause : new Error(String(cause)))
                }).pipe(
                  Effect.flatMap(({ bytesRead }) => {
                    if (bytesRead === 0) return Effect.fail(Option.none())
                    position += bytesRead
                    left -= bytesRead
                    return Effect.succeed(buffer.subarray(0, bytesRead))
                  })
                )
          )
        )
      }
    )
  )

const toBytes = (chunk: Uint8Array | string): Uint8Array => (typeof chunk === "string" ? ENCODER.encode(chunk) : chunk)

const invalid = (provider: string, message: string, line?: number) =>
  new InvalidRequest({
    provider,
    operation: "create",
    message: `${provider} create: ${message}`,
    ...(line === undefined ? {} : { details: { line } })
  })

const describeCause = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** The items of the input, numbered from 1: requests as given, or JSONL lines. */
/**
 * The input as what the checks read: JSONL bytes (a file read into one reused buffer, or the caller's
 * stream), or requests a chunk at a time.
 */
const sourceOf = (
  provider: string,
  input: Input
):
  | { readonly _tag: "Bytes"; readonly bytes: Stream.Stream<Uint8Array, InvalidRequest> }
  | { readonly _tag: "Requests"; readonly requests: Stream.Stream<unknown, InvalidRequest> } => {
  if (isJsonl(input)) {
    return {
      _tag: "Bytes",
      bytes:
        input._tag === "JsonlFile"
          ? Stream.unwrap(
              Effect.map(nodeFs, (fs) =>
                fileBytesReused(fs, input.path).pipe(
                  Stream.mapError((cause) => invalid(provider, `cannot read ${input.path}: ${describeCause(cause)}`))
                )
              )
            )
          : (Stream.StreamTypeId in input.bytes
              ? (input.bytes as Stream.Stream<Uint8Array | string, unknown>)
              : Stream.fromAsyncIterable(input.bytes as AsyncIterable<Uint8Array | string>, (cause) => cause)
            ).pipe(
              Stream.map(toBytes),
              Stream.mapError((cause) => invalid(provider, `the input stream failed: ${describeCause(cause)}`))
            )
    }
  }
  const requests: Stream.Stream<unknown, unknown> =
    Stream.StreamTypeId in input
      ? (input as Stream.Stream<Request, unknown>)
      : Symbol.asyncIterator in input
        ? Stream.fromAsyncIterable(input as AsyncIterable<Request>, (cause) => cause)
        : Stream.fromIterable(input as Iterable<Request>)
  return {
    _tag: "Requests",
    requests: Stream.mapError(requests, (cause) => invalid(provider, `the input failed: ${describeCause(cause)}`))
  }
}

const isRecord = Predicate.isRecord

const NL = 10

/** What {@link splitLines} saw that the lines' text does not show: a byte-order mark, a `\r\n`, a last line without `\n`. */
interface Shape {
  bom: boolean
  crlf: boolean
  unterminated: boolean
}

/**
 * Bytes into text lines, `\n` or `\r\n` ended, the last one with or without (`end`); a line longer than
 * `maxLength` bytes is refused (`tooLong`) instead of being held. Each read is decoded once, up to its last
 * newline (a character cut by the read's end waits for the next read); lines are slices of that text.
 * The chunk is not kept: a reused read buffer may be handed in.
 */
const splitter = <E>(maxLength: number, tooLong: () => E, shape: Shape) => {
  let carry: Buffer | undefined
  let first = true
  const linesOf = (text: string): Array<string> | E => {
    const out: Array<string> = []
    let start = 0
    if (first) {
      first = false
      if (text.charCodeAt(0) === 0xfeff) {
        start = 1
        shape.bom = true
      }
    }
    for (let nl = text.indexOf("\n", start); nl !== -1; nl = text.indexOf("\n", start)) {
      let stop = nl
      if (stop > start && text.charCodeAt(stop - 1) === 13) {
        stop--
        shape.crlf = true
      }
      if (stop - start > maxLength) return tooLong()
      out.push(text.slice(start, stop))
      start = nl + 1
    }
    return out
  }
  const push = (chunk: Uint8Array): Array<string> | E => {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    const last = buffer.lastIndexOf(NL)
    if (last === -1) {
      carry = carry === undefined ? Buffer.from(buffer) : Buffer.concat([carry, buffer])
      return carry.byteLength > maxLength ? tooLong() : []
    }
    const text =
      carry === undefined
        ? buffer.toString("utf8", 0, last + 1)
        : Buffer.concat([carry, buffer.subarray(0, last + 1)]).toString("utf8")
    carry = last + 1 < buffer.byteLength ? Buffer.from(buffer.subarray(last + 1)) : undefined
    if (carry !== undefined && carry.byteLength > maxLength) return tooLong()
    return linesOf(text)
  }
  const end = (): Array<string> | E => {
    const left = carry
    carry = undefined
    if (left === undefined) return []
    shape.unterminated = true
    return linesOf(`${left.toString("utf8")}\n`)
  }
  return { push, end }
}

/** A request from one item, with the JSON object it was read from; or why it is not one. */
const requestOf = (item: Item): { readonly request: Request; readonly value: Record<string, unknown> } | string => {
  let value: unknown
  if ("text" in item) {
    try {
      value = JSON.parse(item.text)
    } catch {
      return "is not valid JSON"
    }
  } else {
    value = item.request
  }
  if (!isRecord(value)) return "is not a JSON object"
  const customId = value.custom_id ?? value.customId
  if (typeof customId !== "string" || customId.length === 0) return "has no custom_id (a non-empty string)"
  const body = value.body ?? value.params
  if (!isRecord(body)) return `(custom_id ${JSON.stringify(customId)}) has no body (a JSON object)`
  const method = value.method
  if (method !== undefined && typeof method !== "string")
    return `(custom_id ${JSON.stringify(customId)}) has a method that is not a string`
  const url = value.url
  if (url !== undefined && typeof url !== "string")
    return `(custom_id ${JSON.stringify(customId)}) has a url that is not a string`
  return { request: { customId, body, method, url }, value }
}

/** A parsed JSONL line that is the vendor's line already: its keys in the vendor's order, `POST`, the endpoint. */
const isVendorLine = (spec: Spec, value: Record<string, unknown>, endpoint: string | undefined): boolean => {
  const keys = spec.lineKeys
  if (keys === undefined) return false
  const own = Object.keys(value)
  if (own.length !== keys.length || own.some((k, i) => k !== keys[i])) return false
  if ("method" in value && value.method !== "POST") return false
  if ("url" in value && value.url !== endpoint) return false
  return true
}

/** A line with nothing around its JSON object: sent as written, its bytes are the file's. */
const tight = (text: string): boolean => text.charCodeAt(0) === 123 && text.charCodeAt(text.length - 1) === 125

/** A string that holds its own characters, not a slice of a longer one. */
const copyOf = (text: string): string => Buffer.from(text, "utf8").toString("utf8")

const where = (item: Item, jsonl: boolean) => (jsonl ? `line ${item.n}` : `request ${item.n}`)

/** The options' own checks, before the input is read. */
const checkOptions = (spec: Spec, options: Options): InvalidRequest | undefined => {
  const provider = spec.provider
  if (options.endpoint !== undefined) {
    if (spec.endpoints === undefined) return invalid(provider, "the vendor takes no endpoint (leave endpoint out)")
    if (!spec.endpoints.includes(options.endpoint)) {
      return invalid(
        provider,
        `endpoint ${JSON.stringify(options.endpoint)} is not one the vendor takes (${spec.endpoints.join(", ")})`
      )
    }
  }
  if (options.completionWindow !== undefined) {
    if (spec.windows === undefined)
      return invalid(provider, "the vendor takes no completion window (its window is fixed)")
    if (!spec.windows.includes(options.completionWindow)) {
      return invalid(
        provider,
        `completion window ${JSON.stringify(options.completionWindow)} is not one the vendor takes (${spec.windowsText ?? spec.windows.join(", ")})`
      )
    }
  }
  if (options.metadata !== undefined) {
    const bounds = spec.metadata
    if (bounds === undefined) return invalid(provider, "the vendor keeps no metadata (leave metadata out)")
    const entries = Object.entries(options.metadata)
    // One pair is this create's token.
    if (entries.length > bounds.maxPairs - 1) {
      return invalid(
        provider,
        `metadata holds ${entries.length} pairs; at most ${bounds.maxPairs - 1} (the vendor's ${bounds.maxPairs}, one kept for batchctl's create token)`
      )
    }
    for (const [key, value] of entries) {
      if (key === TOKEN_KEY)
        return invalid(provider, `metadata key ${TOKEN_KEY} is batchctl's own (pass token instead)`)
      if (key.length > bounds.maxKey)
        return invalid(
          provider,
          `metadata key ${JSON.stringify(key.slice(0, 80))} is longer than ${bounds.maxKey} characters`
        )
      if (typeof value !== "string")
        return invalid(provider, `metadata value of ${JSON.stringify(key)} is not a string`)
      if (value.length > bounds.maxValue)
        return invalid(
          provider,
          `metadata value of ${JSON.stringify(key)} is longer than ${bounds.maxValue} characters`
        )
    }
  }
  if (options.outputExpiresAfterSeconds !== undefined) {
    if (spec.outputExpiry !== true)
      return invalid(provider, "the vendor takes no output expiry (leave outputExpiresAfterSeconds out)")
    const s = options.outputExpiresAfterSeconds
    if (!Number.isInteger(s) || s < 3600 || s > 2_592_000)
      return invalid(provider, `outputExpiresAfterSeconds must be a whole number from 3600 to 2592000, not ${s}`)
  }
  if (options.token !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(options.token)) {
    return invalid(provider, "token must be 1 to 128 characters of A-Z a-z 0-9 _ . : -")
  }
  return undefined
}

const DEFAULT_ENDPOINT = "/v1/chat/completions"

/**
 * Reads and checks the input, writing the vendor's lines to a temporary file removed when the scope
 * closes. Fails with `InvalidRequest` naming the first line (or request) that breaks a rule: not JSON, no
 * `custom_id` or `body`, a method other than `POST`, a URL other than the batch's endpoint, a repeated
 * `custom_id`, a model other than the first line's where the vendor wants one, past the vendor's
 * requests or bytes; or an empty input.
 *
 * @since 0.2.0
 * @category preparing
 */
export const prepare = (
  spec: Spec,
  input: Input,
  options: Options = {}
): Effect.Effect<Prepared, InvalidRequest, Scope.Scope> =>
  Effect.gen(function* () {
    const provider = spec.provider
    const refused = checkOptions(spec, options)
    if (refused !== undefined) return yield* Effect.fail(refused)
    const fs = yield* nodeFs
    const os = yield* Effect.promise(() => import("node:os"))
    const pathMod = yield* Effect.promise(() => import("node:path"))
    const dir = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => fs.promises.mkdtemp(pathMod.join(os.tmpdir(), "batchctl-create-")),
        catch: (cause) => invalid(provider, `cannot make a temporary directory: ${describeCause(cause)}`)
      }),
      (dir) => Effect.promise(() => fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined))
    )
    const path = pathMod.join(dir, "batch.jsonl")
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => fs.promises.open(path, "w"),
        catch: (cause) => invalid(provider, `cannot write a temporary file: ${describeCause(cause)}`)
      }),
      (handle) => Effect.promise(() => handle.close().catch(() => undefined))
    )
    const jsonl = isJsonl(input)
    const seen = new Map<string, number>()
    let endpoint = spec.endpoints === undefined ? undefined : options.endpoint
    let model: string | undefined
    let modelMixed = false
    let count = 0
    let bytes = 0
    let first: unknown
    // Lines are kept as text and written a quarter megabyte at a time: one encoding per write.
    let pending: Array<string> = []
    let pendingBytes = 0
    const flush = Effect.suspend(() => {
      if (pendingBytes === 0) return Effect.void
      const out = pending.join("")
      pending = []
      pendingBytes = 0
      return Effect.tryPromise({
        try: () => handle.write(out),
        catch: (cause) => invalid(provider, `cannot write a temporary file: ${describeCause(cause)}`)
      })
    })
    // While every line of a JSONL file is the vendor's line as written (no blank line, no \r, no mark),
    // nothing is written: the file itself is what gets sent. The first line that is not makes the file's
    // bytes so far (the same bytes) the start of the lines file, and the rest is written.
    const shape: Shape = { bom: false, crlf: false, unterminated: false }
    const file = isJsonl(input) && input._tag === "JsonlFile" && spec.lineKeys !== undefined ? input.path : undefined
    let asIs = file !== undefined
    const copyPrefix = (length: number): Effect.Effect<void, InvalidRequest> =>
      file === undefined || length <= 0
        ? Effect.void
        : Stream.runForEach(fileBytesReused(fs, file, 0, length), (chunk) =>
            Effect.tryPromise({ try: () => handle.write(chunk), catch: (cause) => cause })
          ).pipe(
            Effect.mapError((cause) => invalid(provider, `cannot write a temporary file: ${describeCause(cause)}`))
          )
    const report = options.onProgress
    let reported = 0
    /** Checks one item and keeps its line; the refusal, or undefined. */
    const check = (item: Item): InvalidRequest | undefined => {
      const at = where(item, jsonl)
      const read = requestOf(item)
      if (typeof read === "string") return invalid(provider, `${at} ${read}`, item.n)
      const request = read.request
      const id = request.customId
      if (spec.customIdPattern !== undefined && !spec.customIdPattern.test(id)) {
        return invalid(
          provider,
          `${at}: custom_id ${JSON.stringify(id)} does not match ${spec.customIdPattern.source}`,
          item.n
        )
      }
      const before = seen.get(id)
      if (before !== undefined) {
        return invalid(
          provider,
          `${at}: custom_id ${JSON.stringify(id)} repeats ${jsonl ? "line" : "request"} ${before}`,
          item.n
        )
      }
      // A copy for the key: V8 may hand out a string value of `JSON.parse` as a slice of the text it
      // parsed, and a kept slice keeps that whole text (a read's worth) alive.
      seen.set(copyOf(id), item.n)
      const refusedBody = spec.checkBody?.(request.body)
      if (refusedBody !== undefined)
        return invalid(provider, `${at} (custom_id ${JSON.stringify(id)}): ${refusedBody}`, item.n)
      if (request.method !== undefined && request.method.toUpperCase() !== "POST") {
        return invalid(provider, `${at}: method ${JSON.stringify(request.method)} (a batch sends POST)`, item.n)
      }
      if (spec.endpoints !== undefined) {
        // The first request decides the batch's endpoint (its url, else the default); every later url
        // must name the same one.
        if (endpoint === undefined) {
          const url = request.url ?? DEFAULT_ENDPOINT
          if (!spec.endpoints.includes(url)) {
            return invalid(
              provider,
              `${at}: url ${JSON.stringify(url)} is not an endpoint the vendor takes (${spec.endpoints.join(", ")})`,
              item.n
            )
          }
          endpoint = url
        } else if (request.url !== undefined && request.url !== endpoint) {
          return invalid(
            provider,
            `${at}: url ${JSON.stringify(request.url)} differs from the batch's endpoint ${endpoint}`,
            item.n
          )
        }
      }
      const m = request.body.model
      if (typeof m === "string") {
        if (model === undefined && count === 0) model = m
        else if (m !== model) {
          if (spec.sameModel) {
            return invalid(
              provider,
              `${at}: model ${JSON.stringify(m)} differs from ${JSON.stringify(model)} (the vendor wants one model per batch)`,
              item.n
            )
          }
          modelMixed = true
        }
      } else if (spec.sameModel && model !== undefined) {
        return invalid(provider, `${at}: no model (the batch's requests use ${JSON.stringify(model)})`, item.n)
      }
      count++
      if (count > spec.maxRequests) {
        return invalid(provider, `${at}: more than ${spec.maxRequests} requests (the vendor's limit per batch)`, item.n)
      }
      const text = "text" in item ? item.text : undefined
      const asWritten = text !== undefined && isVendorLine(spec, read.value, endpoint)
      if (count === 1) first = asWritten ? read.value : spec.line(request, endpoint)
      let size: number
      if (asIs && asWritten && item.n === count && tight(text) && !shape.crlf && !shape.bom) {
        size = Buffer.byteLength(text) + 1
      } else {
        if (asIs) {
          asIs = false
          prefix = bytes
        }
        const line = asWritten ? `${text.trim()}\n` : `${JSON.stringify(spec.line(request, endpoint))}\n`
        size = Buffer.byteLength(line)
        pending.push(line)
        pendingBytes += size
      }
      bytes += size
      // Inline bodies add a comma per request and the envelope; within a few bytes of the file's size.
      if (bytes > spec.maxBytes) {
        return invalid(
          provider,
          `${at}: the input passes ${spec.maxBytes} bytes (the vendor's limit per ${spec.transport === "file" ? "file" : "batch"})`,
          item.n
        )
      }
      if (report !== undefined && bytes - reported >= MiB) {
        reported = bytes
        report({ phase: "checking", requests: count, bytes })
      }
      return undefined
    }
    /** The bytes of the file to copy before the lines written (set once, when a line is not sent as written). */
    let prefix: number | undefined
    /** Checks a batch of items; then the prefix copy and the write they call for. */
    const checkAll = (items: ReadonlyArray<Item>): Effect.Effect<void, InvalidRequest> => {
      for (const item of items) {
        const refusal = check(item)
        if (refusal !== undefined) return Effect.fail(refusal)
      }
      const copy = prefix === undefined ? Effect.void : copyPrefix(prefix)
      prefix = undefined
      return pendingBytes >= WRITE_CHUNK ? Effect.zipRight(copy, flush) : copy
    }
    // Read, split and checked in one step per read: with a stream stage between the split and the
    // checks, a 200 MB file grew the resident set by ~75 MB, against ~30 MB so.
    const source = sourceOf(provider, input)
    if (source._tag === "Bytes") {
      const maxLine = Math.min(spec.maxBytes, 32 * MiB)
      let n = 0
      const lines = splitter(
        maxLine,
        () => invalid(provider, `line ${n + 1} is longer than ${maxLine} bytes`, n + 1),
        shape
      )
      const itemsOf = (texts: Array<string> | InvalidRequest): Effect.Effect<void, InvalidRequest> => {
        if (!Array.isArray(texts)) return Effect.fail(texts)
        const items: Array<Item> = []
        for (const text of texts) {
          n++
          if (!BLANK.test(text)) items.push({ n, text })
        }
        return checkAll(items)
      }
      yield* Stream.runForEach(source.bytes, (chunk) => Effect.suspend(() => itemsOf(lines.push(chunk))))
      yield* Effect.suspend(() => itemsOf(lines.end()))
    } else {
      let n = 0
      yield* Stream.runForEachChunk(source.requests, (chunk) =>
        Effect.suspend(() => checkAll(Chunk.toReadonlyArray(chunk).map((request): Item => ({ n: ++n, request }))))
      )
    }
    if (asIs && shape.unterminated && count > 0) {
      // The file's last line has no newline; what is sent ends with one.
      asIs = false
      yield* copyPrefix(bytes - 1)
      pending.push("\n")
      pendingBytes += 1
    }
    yield* flush
    if (count === 0) return yield* Effect.fail(invalid(provider, "the input holds no requests"))
    report?.({ phase: "checking", requests: count, bytes })
    const sent = asIs && file !== undefined ? file : path
    return {
      provider,
      requests: count,
      bytes,
      endpoint,
      model: modelMixed ? undefined : model,
      first,
      path: sent,
      read: () => fileBytes(fs, sent)
    } satisfies Prepared
  })

// -------------------------------------------------------------------------------------------------
// bodies

/**
 * The lines file, counted as it is sent, `before` bytes of the body ahead of it and `after` behind (the
 * last report says the whole body).
 */

/**
 * A random token for a create.
 *
 * @since 0.2.0
 * @category tokens
 */
export const makeToken = (): string => {
  const bytes = new Uint8Array(12)
  globalThis.crypto.getRandomValues(bytes)
  return `bc_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`
}
