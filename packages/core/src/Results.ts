/**
 * Reading results: JSONL files (or inline lists) into result items, one per request of the batch.
 * A line that cannot be read fails the whole read with `UnexpectedResponse`: results are never
 * silently dropped.
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import { type Batch, makeResult, type ResultItem, type ResultOutcome } from "./Batch.js"
import {
  type BatchError,
  ResultsUnavailable,
  TransportFailure,
  UnexpectedResponse,
  withItemsDelivered
} from "./BatchError.js"
import * as BatchId from "./BatchId.js"
import type { BodyFailure, VendorHttp } from "./VendorHttp.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Context {
  readonly provider: string
  readonly batchId: string
  /** What is being read, for messages: `output file file-abc`. */
  readonly what: string
  /** The file being read, when it has an id (named by `ResultsUnavailable` when it is gone). */
  readonly fileId?: string | undefined
}

/**
 * Turns a list of decoded JSON values into result items; `toItem` returns `undefined` for a value it
 * cannot read.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromValues = (
  values: ReadonlyArray<unknown>,
  context: Context,
  toItem: (value: unknown) => ResultItem | undefined
): Effect.Effect<ReadonlyArray<ResultItem>, UnexpectedResponse> =>
  Effect.suspend(() => {
    const items: Array<ResultItem> = []
    for (let i = 0; i < values.length; i++) {
      const item = toItem(values[i])
      if (item === undefined) {
        return Effect.fail(
          new UnexpectedResponse({
            provider: context.provider,
            operation: "results",
            message: `${context.provider} results ${context.batchId}: item ${i + 1} of ${context.what} is not a result line`
          })
        )
      }
      items.push(item)
    }
    return Effect.succeed(items)
  })

/**
 * A running count of the items a results read has delivered, shared by the files it reads in turn, so
 * that a read that breaks off can say how many the caller already has.
 *
 * @since 0.1.0
 * @category models
 */
export interface Delivered {
  count: number
}

/**
 * GETs a JSONL document and streams it, one decoded item per line, as the bytes arrive: memory stays
 * bounded by the longest line, and the first item is out before the download is done. The request is
 * retried until its head arrives; a body that breaks off or stalls ends the stream with
 * `TransportFailure` carrying `itemsDelivered`, and is not downloaded again.
 *
 * @since 0.1.0
 * @category reading
 */
export const streamJsonl = (
  http: VendorHttp,
  request: HttpClientRequest.HttpClientRequest,
  context: Context,
  toItem: (value: unknown) => ResultItem | undefined,
  delivered: Delivered = { count: 0 }
): Stream.Stream<ResultItem, BatchError> =>
  // Whatever fails after items were delivered (the second file's request, a line that cannot be read)
  // says how many the caller already has.
  Stream.catchAll(
    Stream.unwrap(
      http.lines(request, { operation: "results", batchId: context.batchId }).pipe(
        // The batch was just retrieved and names this document: a 404 here says the results are gone (an
        // OpenAI output file past its expiry, an archived Anthropic batch), not that the batch is missing.
        Effect.catchTag("BatchNotFound", (notFound) =>
          Effect.fail(
            new ResultsUnavailable({
              provider: notFound.provider,
              operation: "results",
              batchId: context.batchId,
              reason: "file-gone",
              httpStatus: 404,
              message: `${context.provider} results ${context.batchId}: ${context.what} is gone (HTTP 404) although the batch names it; the vendor no longer serves these results`,
              ...(context.fileId === undefined ? {} : { fileId: context.fileId }),
              ...(notFound.requestId === undefined ? {} : { requestId: notFound.requestId })
            })
          )
        ),
        Effect.map((response) => {
          let line = 0
          const badLine = (at: number, why: string) =>
            new UnexpectedResponse({
              provider: context.provider,
              operation: "results",
              httpStatus: response.status,
              message: `${context.provider} results ${context.batchId}: line ${at} of ${context.what} ${why}`,
              ...(response.requestId === undefined ? {} : { requestId: response.requestId })
            })
          // One step per chunk of lines: the items read before a bad line are delivered, then the read fails.
          let pending: UnexpectedResponse | undefined
          const parse = (chunk: Chunk.Chunk<string>): Chunk.Chunk<ResultItem> => {
            const out: Array<ResultItem> = []
            for (const text of chunk) {
              line++
              if (pending !== undefined) break
              if (text.trim().length === 0) continue
              let value: unknown
              try {
                value = JSON.parse(text)
              } catch {
                pending = badLine(line, "is not JSON")
                break
              }
              const item = toItem(value)
              if (item === undefined) {
                pending = badLine(line, "is not a result line")
                break
              }
              out.push(item)
            }
            delivered.count += out.length
            return Chunk.unsafeFromArray(out)
          }
          const items = Stream.unwrapScoped(
            Effect.map(Stream.toPull(response.lines), (pull) =>
              Stream.repeatEffectChunkOption(
                Effect.suspend(() =>
                  pending !== undefined
                    ? Effect.fail(Option.some<BatchError | BodyFailure>(pending))
                    : Effect.map(pull, parse)
                )
              )
            )
          )
          return Stream.catchTag(items, "BodyFailure", (failure) =>
            Stream.fail(
              failure.kind === "tooLong"
                ? // Reading it again would find the same line: not a transport failure to retry.
                  new UnexpectedResponse({
                    provider: context.provider,
                    operation: "results",
                    httpStatus: response.status,
                    itemsDelivered: delivered.count,
                    message: `${context.provider} results ${context.batchId}: line ${line + 1} of ${context.what} cannot be read after ${delivered.count} item(s) were delivered: ${failure.reason}`,
                    ...(response.requestId === undefined ? {} : { requestId: response.requestId })
                  })
                : new TransportFailure({
                    provider: context.provider,
                    operation: "results",
                    method: response.method,
                    url: response.url,
                    itemsDelivered: delivered.count,
                    message: `${context.provider} results ${context.batchId}: ${context.what} broke off after ${delivered.count} item(s) were delivered: ${failure.reason}; it is not read again from the start`,
                    ...(failure.cause === undefined ? {} : { cause: failure.cause })
                  })
            )
          )
        })
      )
    ),
    (error) => Stream.fail(delivered.count > 0 ? withItemsDelivered(error, delivered.count) : error)
  )

/**
 * {@link streamJsonl}, collected: for small documents only.
 *
 * @since 0.1.0
 * @category reading
 */
export const fetchJsonl = (
  http: VendorHttp,
  request: HttpClientRequest.HttpClientRequest,
  context: Context,
  toItem: (value: unknown) => ResultItem | undefined
): Effect.Effect<ReadonlyArray<ResultItem>, BatchError> =>
  Effect.map(Stream.runCollect(streamJsonl(http, request, context, toItem)), Chunk.toReadonlyArray)

const outcomeOf = (code: string | undefined): ResultOutcome | undefined =>
  code === "batch_expired"
    ? "expired"
    : code === "batch_cancelled" || code === "batch_canceled"
      ? "cancelled"
      : undefined

/**
 * A line of an OpenAI-style output or error file as the vendor writes it:
 * `{"custom_id", "response": {"status_code", "body"} | null, "error": {"code", "message"} | null}`.
 * Only `custom_id` is required; `response` and `error` are kept as sent (`null` read as absent), and
 * their `status_code` and `code` are read leniently.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OpenAiLine = Schema.Struct({
  custom_id: Schema.String,
  response: Schema.optional(Schema.Unknown),
  error: Schema.optional(Schema.Unknown)
})

/**
 * @since 0.1.0
 * @category schemas
 */
export type OpenAiLine = typeof OpenAiLine.Type

/** What a compiled check answers for a value its schema does not accept. */
const REFUSED: unique symbol = Symbol.for("@batchctl/core/Results/refused")

type Check = (input: unknown) => unknown

/**
 * The decoding of `ast` as plain code, for the few shapes result lines are made of: structs of strings,
 * numbers, booleans, literals and `unknown`, optional or not, nested. `undefined` for any other shape
 * (a refinement, a transformation, an index signature): the caller then uses Schema's own decoder.
 */
const compile = (ast: SchemaAST.AST): Check | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return (input) => (typeof input === "string" ? input : REFUSED)
    case "NumberKeyword":
      return (input) => (typeof input === "number" ? input : REFUSED)
    case "BooleanKeyword":
      return (input) => (typeof input === "boolean" ? input : REFUSED)
    case "UndefinedKeyword":
      return (input) => (input === undefined ? input : REFUSED)
    case "UnknownKeyword":
    case "AnyKeyword":
      return (input) => input
    case "Literal": {
      const literal = ast.literal
      return (input) => (input === literal ? input : REFUSED)
    }
    case "Union": {
      // Only unions of members that answer their input unchanged: which member matched does not matter.
      const members: Array<Check> = []
      for (const member of ast.types) {
        if (member._tag === "TypeLiteral" || member._tag === "Union") return undefined
        const check = compile(member)
        if (check === undefined) return undefined
        members.push(check)
      }
      return (input) => {
        for (const member of members) if (member(input) !== REFUSED) return input
        return REFUSED
      }
    }
    case "TypeLiteral": {
      if (ast.indexSignatures.length > 0) return undefined
      // Parallel arrays walked by index: this runs for every line of a results file.
      const names: Array<string> = []
      const optional: Array<boolean> = []
      /** a name that an object without it still answers (`constructor`, `toString`): always `hasOwn` */
      const inherited: Array<boolean> = []
      const checks: Array<Check> = []
      for (const ps of ast.propertySignatures) {
        if (typeof ps.name !== "string") return undefined
        const check = compile(ps.type)
        if (check === undefined) return undefined
        names.push(ps.name)
        optional.push(ps.isOptional)
        inherited.push(ps.name in Object.prototype)
        checks.push(check)
      }
      const n = names.length
      return (input) => {
        if (typeof input !== "object" || input === null || Array.isArray(input)) return REFUSED
        const record = input as Record<string, unknown>
        const output: Record<string, unknown> = {}
        for (let i = 0; i < n; i++) {
          const name = names[i] as string
          const value = record[name]
          // `undefined` may be a missing key or one set to undefined: only then is `hasOwn` asked (and
          // always for a name the prototype answers). A missing optional key is left out; a missing
          // required one is checked as the object answers it (undefined, or its prototype's), as Schema does.
          if (optional[i] && (value === undefined || inherited[i]) && !Object.hasOwn(record, name)) continue
          const checked = (checks[i] as Check)(value)
          if (checked === REFUSED) return REFUSED
          output[name] = checked
        }
        return output
      }
    }
    default:
      return undefined
  }
}

/**
 * `Schema.decodeUnknownOption(schema)` as plain code where the schema is a struct of plain fields (what
 * result lines are), with the same answers: the line's schema stays the one description of the wire,
 * and this is only how it is run, a hundred thousand times per results file. Any other schema is decoded
 * by Schema itself. Answers `undefined` for a value the schema does not accept.
 *
 * @since 0.1.0
 * @category decoding
 */
export const lineDecoder = <A, I>(schema: Schema.Schema<A, I>): ((value: unknown) => A | undefined) => {
  const check = compile(schema.ast)
  if (check === undefined) {
    const decode = Schema.decodeUnknownOption(schema)
    return (value) => Option.getOrUndefined(decode(value))
  }
  return (value) => {
    const out = check(value)
    return out === REFUSED ? undefined : (out as A)
  }
}

const decodeLine = lineDecoder(OpenAiLine)
const decodeStatus = lineDecoder(Schema.Struct({ status_code: Schema.Number }))
const decodeCode = lineDecoder(Schema.Struct({ code: Schema.String }))

const is2xx = (response: unknown) => {
  const status = decodeStatus(response)?.status_code
  return status !== undefined && status >= 200 && status < 300
}

const codeOf = (error: unknown) => (error === undefined ? undefined : decodeCode(error)?.code)

const present = (value: unknown) => (value === null ? undefined : value)

/**
 * One line of an OpenAI-style output file (also Together's, and MeshAPI's inline results), read with
 * {@link OpenAiLine}. `batch_expired` / `batch_cancelled` error codes are requests the batch never ran.
 * Only a line with a 2xx `status_code` and no `error` is `succeeded`: a line with no status is not a
 * success by default.
 *
 * @since 0.1.0
 * @category decoding
 */
export const openAiLine = (value: unknown): ResultItem | undefined => {
  const line = decodeLine(value)
  if (line === undefined) return undefined
  const error = present(line.error)
  const response = present(line.response)
  const outcome: ResultOutcome =
    error === undefined ? (is2xx(response) ? "succeeded" : "errored") : (outcomeOf(codeOf(error)) ?? "errored")
  return makeResult({ customId: line.custom_id, outcome, response, error })
}

/**
 * One line of an error file, read with {@link OpenAiLine}. Whatever its shape, it is never `succeeded`:
 * `cancelled` / `expired` by its error code (`batch_cancelled`, `batch_expired`), else `errored`. Lines
 * of an undocumented shape (Together documents none for its error file) are `errored`, with the whole
 * line as `error` when it has no `error` field; only a line without a string `custom_id` cannot be read.
 *
 * @since 0.1.0
 * @category decoding
 */
export const errorFileLine = (value: unknown): ResultItem | undefined => {
  const line = decodeLine(value)
  if (line === undefined) return undefined
  const error = present(line.error)
  const response = present(line.response)
  return makeResult({
    customId: line.custom_id,
    outcome: outcomeOf(codeOf(error)) ?? "errored",
    response,
    error: error ?? (response === undefined ? value : undefined)
  })
}

/**
 * The results of a batch from its output file, then its error file, each read only when the batch names
 * one (`path` turns a file id into its content path, e.g. `/files/{id}/content`, or an absolute URL on
 * the API's origin when files live under another base, as Respan's do). Output-file lines are read with
 * {@link openAiLine}, error-file lines with {@link errorFileLine}; downloads send
 * `accept: application/binary`, as the official SDKs do.
 *
 * @since 0.1.0
 * @category reading
 */
export const fromFiles = (
  http: VendorHttp,
  batch: Batch,
  path: (fileId: string) => string
): Stream.Stream<ResultItem, BatchError> => {
  const files: Array<readonly [string, "output" | "error"]> = []
  if (batch.outputFileId !== undefined) files.push([batch.outputFileId, "output"])
  if (batch.errorFileId !== undefined) files.push([batch.errorFileId, "error"])
  return Stream.suspend(() => {
    const delivered: Delivered = { count: 0 }
    return Stream.fromIterable(files).pipe(
      Stream.flatMap(([fileId, kind]) => {
        // The file id comes from the vendor's body: it gets the same checks as a caller's batch id, so a
        // body naming `..` or a lone surrogate can neither steer the request nor throw.
        const why = BatchId.problem(fileId, `the ${kind} file id`)
        return why === undefined
          ? streamJsonl(
              http,
              HttpClientRequest.get(path(encodeURIComponent(fileId)), { headers: { accept: "application/binary" } }),
              { provider: http.provider, batchId: batch.id, what: `${kind} file ${fileId}`, fileId },
              kind === "output" ? openAiLine : errorFileLine,
              delivered
            )
          : Stream.fail(
              new UnexpectedResponse({
                provider: http.provider,
                operation: "results",
                message: `${http.provider} results: batch ${batch.id} names a file that cannot be requested: ${why}`
              })
            )
      })
    )
  })
}
