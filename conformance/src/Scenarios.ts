/**
 * The scenarios every provider covers, or skips with a reason in `expectations.json`. This list is the
 * coverage contract: the repository's own fixtures are held to it, and `--coverage` holds anyone's.
 */
import * as BatchProvider from "@batchctl/core/BatchProvider"
import type * as VendorHttp from "@batchctl/core/VendorHttp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Operation } from "./Fixture.js"
import { clientOptions, type ProviderSource } from "./Runner.js"

/** A case every provider must cover: an operation in a situation, what the adapter must do, and what to expect. */
export interface Scenario {
  /** `<operation>.<scenario>`, as in the fixture file name. */
  readonly key: string
  readonly operation: Operation
  readonly scenario: string
  /** What the case is about, and what the adapter must do. */
  readonly description: string
  /** What the fixture's `expect` should say, roughly. */
  readonly expect: string
}

const s = (key: string, description: string, expect: string): Scenario => {
  const [operation, ...rest] = key.split(".")
  return { key, operation: operation as Operation, scenario: rest.join("."), description, expect }
}

/** Every scenario, in the order the matrix shows them. */
export const all: ReadonlyArray<Scenario> = [
  s(
    "cancel.validating",
    "cancel of a batch still validating: the vendor accepts it",
    "batch: status cancelling (or cancelled)"
  ),
  s(
    "cancel.in-progress",
    "cancel of a running batch: the vendor accepts it",
    "batch: status cancelling (or cancelled)"
  ),
  s(
    "cancel.already-cancelling",
    "cancel of a batch already cancelling: the refusal, then one retrieve; the cancel succeeds",
    "batch: status cancelling"
  ),
  s(
    "cancel.completed",
    "cancel of a completed batch: the refusal, then one retrieve",
    "error: InvalidBatchState, vendorStatus"
  ),
  s("cancel.failed", "cancel of a failed batch: the refusal, then one retrieve", "error: InvalidBatchState"),
  s("cancel.expired", "cancel of an expired batch: the refusal, then one retrieve", "error: InvalidBatchState"),
  s(
    "cancel.cancelled",
    "cancel of a cancelled batch: the refusal, then one retrieve; idempotent, so it succeeds",
    "batch: status cancelled"
  ),
  s("cancel.unauthorized", "401 on cancel; not retried", "error: Unauthorized, httpStatus 401"),
  s("cancel.forbidden", "403 on cancel", "error: PermissionDenied, httpStatus 403"),
  s("cancel.not-found", "404 on cancel", "error: BatchNotFound with the batch id"),
  s("cancel.rate-limited-then-ok", "429 then 200: retried", "batch"),
  s(
    "cancel.rate-limited-exhausted",
    "429 on every one of the 3 attempts",
    "error: RateLimited, retryAfterMs when the vendor sent one"
  ),
  s(
    "cancel.quota-exceeded",
    "a quota or spend-cap refusal (402, or a 429 that says so); not retried",
    "error: QuotaExceeded"
  ),
  s("cancel.server-error-then-ok", "5xx then 200: retried", "batch"),
  s(
    "cancel.server-error-exhausted",
    "5xx on every one of the 3 attempts",
    "error: ProviderUnavailable with the last status"
  ),
  s("cancel.html-error-page", "an HTML page instead of JSON", "error: UnexpectedResponse"),
  s("retrieve.unknown-status", "a status word the adapter does not know", "batch: status unknown, vendorStatus kept"),
  s("retrieve.validating", "retrieve of a validating batch", "batch: status validating"),
  s("retrieve.in-progress", "retrieve of a running batch", "batch: status in_progress, counts"),
  s("retrieve.finalizing", "retrieve of a finalizing batch", "batch: status finalizing"),
  s("retrieve.cancelling", "retrieve of a cancelling batch", "batch: status cancelling"),
  s("retrieve.cancelled", "retrieve of a cancelled batch", "batch: status cancelled, terminal"),
  s("retrieve.completed", "retrieve of a completed batch", "batch: status completed, terminal, endedAt"),
  s("retrieve.failed", "retrieve of a failed batch", "batch: status failed, terminal"),
  s("retrieve.expired", "retrieve of an expired batch", "batch: status expired, terminal"),
  s("retrieve.not-found", "404 on retrieve", "error: BatchNotFound"),
  s("retrieve.malformed-body", "a 200 whose JSON is cut off", "error: UnexpectedResponse"),
  s("retrieve.empty-body", "a 200 with an empty body", "error: UnexpectedResponse"),
  s("list.first-page", "the first page of a list with more to come", "page: hasMore true, nextCursor"),
  s("list.next-page", "the next page, asked for with the cursor", "page: hasMore false"),
  s(
    "results.completed",
    "results of a completed batch: one retrieve, then the results",
    "results: customId and outcome of each request"
  ),
  s("results.cancelled", "partial results of a cancelled batch", "results: succeeded ones and cancelled ones")
]

/** The scenario keys every provider must cover (a fixture, or a skip with a reason). */
export const required: ReadonlyArray<string> = all.map((x) => x.key)

/**
 * The scenarios of starting a batch, asked only of an adapter that creates (see {@link declaresCreate}):
 * an adapter without create, ours or an outsider's, is judged on {@link required} alone, as before.
 */
export const create: ReadonlyArray<Scenario> = [
  s(
    "create.from-requests",
    "create from a list of requests: the vendor's own calls (an upload then the create, or the requests inline), the token where the vendor keeps one",
    "batch: the created batch, not terminal"
  ),
  s(
    "create.duplicate-custom-id",
    "a JSONL input whose line repeats an earlier custom_id: refused before anything is sent",
    "error: InvalidRequest, details.line"
  ),
  s(
    "create.lost-answer-found",
    "the create's answer is lost (a 5xx or no answer after the vendor stored it): no second create; the batch is looked up by the create's token and answered",
    "batch: the one the lost answer made (a vendor with nothing to look up by skips this: create.lost-answer-unconfirmed)"
  )
]

/** The create scenario keys an adapter that creates must cover (a fixture, or a skip with a reason). */
export const requiredCreate: ReadonlyArray<string> = create.map((x) => x.key)

/** What a provider must cover: {@link required}, and {@link requiredCreate} when it creates. */
export const requiredFor = (creates: boolean): ReadonlyArray<string> =>
  creates ? [...required, ...requiredCreate] : required

const probeRequest = [
  { customId: "probe-1", body: { model: "probe", max_tokens: 1, messages: [{ role: "user", content: "probe" }] } }
]

/**
 * Whether an adapter creates: its `plan` of a one-request input (which checks and plans, sending nothing;
 * every HTTP call would fail) does not fail with `Unsupported`. An adapter whose layer cannot be built
 * with these options does not create.
 */
export const declaresCreate = (
  source: ProviderSource,
  options: Partial<VendorHttp.ClientOptions> = {}
): Effect.Effect<boolean> => {
  const built = typeof source === "function" ? source({ ...options, ...clientOptions }) : source
  const nothingSent = HttpClient.make((request) =>
    Effect.fail(
      new HttpClientError.RequestError({ request, reason: "Transport", description: "the create probe sends nothing" })
    )
  )
  return Effect.flatMap(BatchProvider.BatchProvider, (provider) => provider.plan(probeRequest)).pipe(
    Effect.provide(built.pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, nothingSent)))),
    Effect.match({ onSuccess: () => true, onFailure: (e) => (e as { _tag?: string })._tag !== "Unsupported" }),
    Effect.timeout("5 seconds"),
    Effect.catchAllCause(() => Effect.succeed(false)),
    Effect.map((creates) => creates === true)
  )
}

/** The list `--scenarios` prints (one scenario a line; the create scenarios are `create`, asked only of an adapter that creates). */
export const render = (): string => {
  const width = Math.max(...all.map((x) => x.key.length))
  return all.map((x) => `${x.key.padEnd(width)}  ${x.description} → ${x.expect}`).join("\n")
}
