/**
 * Where a finished batch's results are, for adapters: inline in the batch the vendor answered (MeshAPI's
 * `results`, Gemini's `inlinedResponses`), else in the files it names (OpenAI's output and error files,
 * Mistral's `output_file`, Gemini's `responsesFile`), else nowhere. `inlineOrFiles` makes that choice
 * once, with the one rule that keeps results from being dropped without a word: a batch with neither is
 * an empty result only when it counts no finished request; otherwise it is `ResultsUnavailable`
 * (`no-results`).
 *
 * @since 0.1.0
 */
import * as Stream from "effect/Stream"
import type { Batch, ResultItem } from "./Batch.js"
import * as BatchError from "./BatchError.js"
import * as Results from "./Results.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Source {
  readonly provider: string
  readonly batch: Batch
  /** The inline results as sent (a JSON array), or `undefined` when the batch carries none. */
  readonly inline: ReadonlyArray<unknown> | undefined
  /** How one inline value becomes an item (`undefined`: unreadable, which fails the read). */
  readonly inlineItem: (value: unknown) => ResultItem | undefined
  /** Whether the batch names result files; `files` is read only then. */
  readonly hasFiles: boolean
  /** The items of the files (`Results.fromFiles` for OpenAI-shaped files). */
  readonly files: () => Stream.Stream<ResultItem, BatchError.BatchError>
}

/**
 * The inline results when the batch carries them, else its files, else none (see the module's rule).
 *
 * @since 0.1.0
 * @category reading
 */
export const inlineOrFiles = (source: Source): Stream.Stream<ResultItem, BatchError.BatchError> => {
  const { batch, provider } = source
  if (source.inline !== undefined) {
    return Stream.fromIterableEffect(
      Results.fromValues(source.inline, { provider, batchId: batch.id, what: "the inline results" }, source.inlineItem)
    )
  }
  if (source.hasFiles) return source.files()
  return noResults(provider, batch)
}

/**
 * A batch that carries no results and names no file: empty when it counts no finished request,
 * `ResultsUnavailable` (`no-results`) otherwise.
 *
 * @since 0.1.0
 * @category reading
 */
export const noResults = (provider: string, batch: Batch): Stream.Stream<never, BatchError.ResultsUnavailable> => {
  const { succeeded, failed } = batch.counts
  if (succeeded === 0 && failed === 0) return Stream.empty
  const counted =
    succeeded === undefined || failed === undefined
      ? ""
      : ` although it counts ${succeeded + failed} finished request(s)`
  return Stream.fail(
    new BatchError.ResultsUnavailable({
      provider,
      operation: "results",
      batchId: batch.id,
      reason: "no-results",
      message: `${provider} results ${batch.id}: the batch carries no inline results and names no output or error file${counted}`
    })
  )
}
