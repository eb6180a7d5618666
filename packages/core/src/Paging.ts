/**
 * Paging helpers for adapters: the four ways vendors page a list, each turned into the one `Page` whose
 * `nextCursor` the caller passes back as `after` (`Lifecycle.listAll` does).
 *
 * - after / has_more (OpenAI, Anthropic, Azure): `Batch.pageOf` (the cursor is the last id)
 * - page numbers with a total (Mistral's `page`, `page_size`, `total`): `fromPageNumber` writes the next
 *   page number as the cursor (`page:2`) and `pageNumberOf` reads it back
 * - page tokens (Gemini's `pageToken` / `nextPageToken`) and opaque cursors (Groq's `?cursor=` /
 *   `paging.next_cursor`): `fromToken`; the cursor is the vendor's token as sent
 *
 * A vendor that cannot page backward refuses `before` with `refuseBackward` (`cannotPageBackward`: an
 * `Unsupported` error), before any request is sent.
 *
 * Cursors pass the same checks as ids when they come back as `after` (at most 256 characters, no control
 * characters): `fromToken` fails with `UnexpectedResponse` on a vendor token that could not pass them,
 * instead of handing out a cursor that the next call would refuse.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { type Batch, type ListOptions, Page } from "./Batch.js"
import * as BatchError from "./BatchError.js"
import * as BatchId from "./BatchId.js"

const PAGE_PREFIX = "page:"

/**
 * A page of a vendor that numbers its pages and says how many items there are in all. `page` is the
 * number of this page as the vendor counts (`firstPage` is its first, 0 for Mistral); there is a next page
 * when the items on this and the earlier pages are fewer than `total`. An empty page ends the listing,
 * whatever `total` says (a total that shrank while listing must not loop).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromPageNumber = (options: {
  readonly batches: ReadonlyArray<Batch>
  readonly page: number
  readonly pageSize: number
  readonly total: number | undefined
  readonly firstPage?: number | undefined
}): Page => {
  const first = options.firstPage ?? 0
  const seen = (options.page - first + 1) * options.pageSize
  const hasMore = options.batches.length > 0 && options.total !== undefined && seen < options.total
  return new Page(
    { batches: options.batches, hasMore, ...(hasMore ? { nextCursor: `${PAGE_PREFIX}${options.page + 1}` } : {}) },
    true
  )
}

/**
 * The page number an `after` cursor written by `fromPageNumber` names, or `firstPage` (default 0) when
 * there is no cursor. Any other cursor is `InvalidRequest`: it did not come from this vendor's listing.
 *
 * @since 0.1.0
 * @category cursors
 */
export const pageNumberOf = (
  provider: string,
  after: string | undefined,
  firstPage = 0
): Effect.Effect<number, BatchError.InvalidRequest> => {
  if (after === undefined) return Effect.succeed(firstPage)
  const digits = after.startsWith(PAGE_PREFIX) ? after.slice(PAGE_PREFIX.length) : ""
  const page = /^\d{1,9}$/.test(digits) ? Number(digits) : Number.NaN
  return Number.isSafeInteger(page) && page >= firstPage
    ? Effect.succeed(page)
    : Effect.fail(
        new BatchError.InvalidRequest({
          provider,
          operation: "list",
          message: `${provider} list: ${JSON.stringify(after)} is not a cursor of this listing (${provider} pages by number: pass the nextCursor of the previous page)`
        })
      )
}

/**
 * A page of a vendor that hands out a token or an opaque cursor for the next page (`nextPageToken`,
 * `next_cursor`). An absent, null or empty token ends the listing. A token that could not come back as
 * `after` (longer than 256 characters, control characters) fails with `UnexpectedResponse`, so that a
 * listing never ends early without a word.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromToken = (
  provider: string,
  batches: ReadonlyArray<Batch>,
  token: string | null | undefined
): Effect.Effect<Page, BatchError.UnexpectedResponse> => {
  if (token === undefined || token === null || token === "") {
    return Effect.succeed(new Page({ batches, hasMore: false }, true))
  }
  const problem = BatchId.problem(token, "the vendor's page token")
  return problem === undefined
    ? Effect.succeed(new Page({ batches, hasMore: true, nextCursor: token }, true))
    : Effect.fail(
        new BatchError.UnexpectedResponse({
          provider,
          operation: "list",
          message: `${provider} list: ${problem}; the listing cannot be continued`
        })
      )
}

/**
 * The error for `before` on a vendor that cannot page backward.
 *
 * @since 0.1.0
 * @category errors
 */
export const cannotPageBackward = (provider: string): BatchError.Unsupported =>
  new BatchError.Unsupported({
    provider,
    operation: "list",
    message: `${provider} list: ${provider} cannot page backward; before is not supported`
  })

/**
 * Fails with `cannotPageBackward` when the options ask to page backward; succeeds with the options
 * otherwise. For the first line of an adapter's `list`.
 *
 * @since 0.1.0
 * @category cursors
 */
export const refuseBackward = (
  provider: string,
  options: ListOptions
): Effect.Effect<ListOptions, BatchError.Unsupported> =>
  options.before === undefined ? Effect.succeed(options) : Effect.fail(cannotPageBackward(provider))
