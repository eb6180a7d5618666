/**
 * @since 0.1.0
 */
export * as Batch from "./Batch.js"
/**
 * What turns an adapter's `make` into the layers and the Promise client every provider package
 * exports, so that each package stays a thin description of its vendor.
 *
 * @since 0.1.0
 */
export * as Adapter from "./Adapter.js"
/**
 * Every failure of every adapter, as `Schema.TaggedError`s (conformance contract v1, section 1), and
 * the one place where an HTTP status plus a vendor error body becomes a tag: `fromHttp`.
 *
 * @since 0.1.0
 */
export * as BatchError from "./BatchError.js"
/**
 * Starting batches: the requests of a batch in one normalized shape, read from an array, an iterable, an
 * async iterable or JSON Lines (a file or a stream of bytes), checked against the vendor's documented
 * limits before anything is sent, and written once, as the vendor's own lines, to a temporary file that
 * the upload (or the inline body) then reads as it sends: a 200 MB input is never held in memory.
 *
 * @since 0.2.0
 */
export * as Create from "./Create.js"
/**
 * Batch ids are checked before any request is sent, and percent-encoded so that no id can change the
 * path or the query it is sent to.
 *
 * @since 0.1.0
 */
export * as BatchId from "./BatchId.js"
/**
 * The service every adapter provides: `cancel`, `retrieve`, `list` and `results`, every failure typed.
 *
 * @since 0.1.0
 */
export * as BatchProvider from "./BatchProvider.js"
/**
 * JSON Lines, as results files come: one JSON value per line, blank lines ignored. A line that is not
 * JSON fails the read with `UnexpectedResponse` naming the line: results are never silently dropped.
 *
 * @since 0.1.0
 */
export * as Jsonl from "./Jsonl.js"
/**
 * Life-cycle helpers over any `BatchProvider`: wait until terminal, cancel and wait, cancel
 * many, and every batch across pages.
 *
 * @since 0.1.0
 */
export * as Lifecycle from "./Lifecycle.js"
/**
 * The `HttpClient` the Promise clients use: on Node, a small client over `node:http` / `node:https`
 * with keep-alive agents; elsewhere, `fetch`.
 *
 * @since 0.1.0
 */
export * as NodeClient from "./NodeClient.js"
/**
 * Paging helpers for adapters: after / has_more, page numbers with a total, page tokens and opaque
 * cursors, each turned into the one `Page` whose `nextCursor` is passed back as `after`.
 *
 * @since 0.1.0
 */
export * as Paging from "./Paging.js"
/**
 * A Promise API for people who do not use Effect. Methods return Promises that reject with the same
 * error classes (so `instanceof` and `_tag` work) and accept an `AbortSignal`.
 *
 * @since 0.1.0
 */
export * as PromiseClient from "./PromiseClient.js"
/**
 * Reading results: JSONL files (or inline lists) into result items, one per request of the batch. A
 * line that cannot be read fails the whole read with `UnexpectedResponse`: results are never silently
 * dropped.
 *
 * @since 0.1.0
 */
export * as Results from "./Results.js"
/**
 * Where a finished batch's results are, for adapters: inline, else in the files it names, else nowhere
 * (`ResultsUnavailable` unless it counts no finished request).
 *
 * @since 0.1.0
 */
export * as ResultsSource from "./ResultsSource.js"
/**
 * How failed HTTP calls are retried: each failure classified (retry, refusal, final) and the waits as a
 * `Schedule`; the retry table in the README is its specification.
 *
 * @since 0.1.0
 */
export * as RetryPolicy from "./RetryPolicy.js"
/**
 * The one grammar of durations written as text, in settings and on the command line: `500ms`, `90s`,
 * `10m`, `1h30m`, `2d`, `30 seconds`. A bare number has no unit and is not read here.
 *
 * @since 0.2.0
 */
export * as DurationText from "./DurationText.js"
/**
 * A batch's whole life as one call: create it, wait until it is terminal, stream its results; and, when
 * asked, cancel at the vendor the batch it started if the run is interrupted before the batch ends.
 *
 * @since 0.2.0
 */
export * as Run from "./Run.js"
/**
 * Vendor timestamps → `Date`. Unix seconds, RFC 3339 with `Z` and with `±hh:mm` offsets are all read;
 * digits below the millisecond are truncated (`…04.374913+00:00` is `…04.374Z`). A value that is not a
 * timestamp gives `undefined`, never a failure: a bad date must not make a batch unreadable.
 *
 * @since 0.1.0
 */
export * as Timestamp from "./Timestamp.js"
/**
 * The transport as a service: one request and its answer (`exchange`), or its body as it arrives
 * (`download`), over `node:http` (`NodeClient.layer`) or any `HttpClient` (`fromHttpClient`).
 *
 * @since 0.1.0
 */
export * as Transport from "./Transport.js"
/**
 * A lenient reader for vendor error bodies, as one Schema whose every field is optional and lenient.
 * It never fails: it takes whatever it recognises from every envelope the supported vendors use, and
 * falls back to a short excerpt of the text.
 *
 * @since 0.1.0
 */
export * as VendorErrorBody from "./VendorErrorBody.js"
/**
 * The HTTP plumbing every adapter shares: base URL, auth placement, fixed headers, retries of
 * 408/429/5xx/529 with capped exponential backoff and jitter that honours `retry-after` (seconds or
 * HTTP date), `retry-after-ms` and body hints, a per-attempt timeout, request-id capture, scrubbing of
 * the key from anything the vendor sends back, and the mapping of every failure to a {@link
 * BatchError}.
 *
 * @since 0.1.0
 */
export * as VendorHttp from "./VendorHttp.js"
/**
 * Schema building blocks for vendor bodies, shared by the adapters: a field that may be missing or
 * `null`, a field read leniently (its value when it decodes, `undefined` when it does not, never a
 * failure), and a typed read of one field of a raw body.
 *
 * @since 0.1.0
 */
export * as Wire from "./Wire.js"
export { version } from "./version.js"
