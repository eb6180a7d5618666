/**
 * Reading results: JSONL files (or inline lists) into result items, one per request of the batch.
 * A line that cannot be read fails the whole read with `UnexpectedResponse`: results are never
 * silently dropped.
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { type Batch, makeResult, type ResultItem, type ResultOutcome } from "./Batch.js"
import { type BatchError, UnexpectedResponse } from "./BatchError.js"
import * as BatchId from "./BatchId.js"
import * as Jsonl from "./Jsonl.js"
import type { VendorHttp } from "./VendorHttp.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Context {
  readonly provider: string
  readonly batchId: string
  /** What is being read, for messages: `output file file-abc`. */
  readonly what: string
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
 * GETs a JSONL document and reads every line with `toItem`.
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
  http.execute(request, { operation: "results", batchId: context.batchId }).pipe(
    // The batch was just retrieved: a 404 here is about the file it names, not the batch.
    Effect.catchTag("BatchNotFound", (notFound) =>
      Effect.fail(
        new UnexpectedResponse({
          provider: notFound.provider,
          operation: "results",
          httpStatus: 404,
          message: `${context.provider} results ${context.batchId}: ${context.what} is not found (HTTP 404) although the batch names it`,
          ...(notFound.requestId === undefined ? {} : { requestId: notFound.requestId })
        })
      )
    ),
    Effect.flatMap((response) =>
      Jsonl.parse(response.text, { provider: context.provider, operation: "results", what: context.what })
    ),
    Effect.flatMap((values) => fromValues(values, context, toItem))
  )

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * One line of an OpenAI-style output or error file (also Together's, and MeshAPI's inline results):
 * `{"custom_id", "response": {"status_code", "body"} | null, "error": {"code", "message"} | null}`.
 * `batch_expired` / `batch_cancelled` error codes are requests the batch never ran.
 *
 * @since 0.1.0
 * @category decoding
 */
export const openAiLine = (value: unknown): ResultItem | undefined => {
  if (!isRecord(value) || typeof value.custom_id !== "string") return undefined
  const error = value.error ?? undefined
  const response = value.response ?? undefined
  const code = isRecord(error) && typeof error.code === "string" ? error.code : undefined
  const status = isRecord(response) && typeof response.status_code === "number" ? response.status_code : undefined
  const outcome: ResultOutcome =
    code === "batch_expired"
      ? "expired"
      : code === "batch_cancelled" || code === "batch_canceled"
        ? "cancelled"
        : error !== undefined || (status !== undefined && status >= 400)
          ? "errored"
          : "succeeded"
  return makeResult({ customId: value.custom_id, outcome, response, error })
}

/**
 * The results of a batch from its output file, then its error file, each read only when the batch names
 * one (`path` turns a file id into its content path, e.g. `/files/{id}/content`).
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
  return Stream.fromIterable(files).pipe(
    Stream.mapEffect(([fileId, kind]) => {
      // The file id comes from the vendor's body: it gets the same checks as a caller's batch id, so a
      // body naming `..` or a lone surrogate can neither steer the request nor throw.
      const why = BatchId.problem(fileId, `the ${kind} file id`)
      return why === undefined
        ? fetchJsonl(
            http,
            HttpClientRequest.get(path(encodeURIComponent(fileId))),
            { provider: http.provider, batchId: batch.id, what: `${kind} file ${fileId}` },
            openAiLine
          )
        : Effect.fail(
            new UnexpectedResponse({
              provider: http.provider,
              operation: "results",
              message: `${http.provider} results: batch ${batch.id} names a file that cannot be requested: ${why}`
            })
          )
    }),
    Stream.flattenIterables
  )
}
