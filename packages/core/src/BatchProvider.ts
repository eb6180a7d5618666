/**
 * The service every adapter provides: `cancel`, `retrieve`, `list` and `results`, every failure typed.
 *
 * Adapters implement the vendor calls ({@link Adapter}); {@link make} adds what every provider must do
 * the same way: id checks before any request, idempotent cancel, and the terminal check before results.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { type Batch, isCancelStatus, type ListOptions, type Page, type ResultItem } from "./Batch.js"
import { type BatchError, InvalidBatchState, InvalidRequest, UnexpectedResponse, Unsupported } from "./BatchError.js"
import * as BatchId from "./BatchId.js"
import type * as Create from "./Create.js"
import * as CreateInput from "./internal/prepare.js"
import * as Tracer from "effect/Tracer"
import { asOperation, callSpans } from "./internal/operation.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Adapter id: `openai`, `anthropic`, … */
  readonly provider: string
  /**
   * Cancels a batch. Idempotent: succeeds when the batch ends up `cancelling` or `cancelled`, also when it
   * already was; fails with `InvalidBatchState` when it had already finished otherwise. A 2xx answer is
   * the vendor accepting the cancel: the batch comes back as the vendor sent it, which for some vendors
   * is still `in_progress` for a moment (poll with `Lifecycle.cancelAndWait` to see it settle).
   */
  readonly cancel: (batchId: string) => Effect.Effect<Batch, BatchError>
  /** The batch as it is now, normalized; `BatchNotFound` when the vendor does not know the id. */
  readonly retrieve: (batchId: string) => Effect.Effect<Batch, BatchError>
  /** One page; pass `page.nextCursor` as `after` for the next. */
  readonly list: (options?: ListOptions) => Effect.Effect<Page, BatchError>
  /** Every result of a terminal batch (cancelled and expired ones included: partial results). */
  readonly results: (batchId: string) => Stream.Stream<ResultItem, BatchError>
  /**
   * Starts a batch ({@link Create}): the input checked whole before anything is sent (`InvalidRequest`
   * naming the line), uploaded or sent inline as the vendor takes it, and never submitted twice: a lost
   * answer is looked up by the create's token before any second send, or fails with `CreateUnconfirmed`.
   * `Unsupported` for an adapter that cannot create.
   *
   * @since 0.2.0
   */
  readonly create: (
    input: Create.Input,
    options?: Create.Options
  ) => Effect.Effect<Batch, BatchError | Create.CreateUnconfirmed>
  /**
   * What {@link Service.create} would send, checked the same way; nothing is sent.
   *
   * @since 0.2.0
   */
  readonly plan: (input: Create.Input, options?: Create.Options) => Effect.Effect<Create.Plan, BatchError>
}

/**
 * How an adapter starts batches: the vendor's limits and lines, and the calls.
 *
 * @since 0.2.0
 * @category models
 */
export interface Creator {
  readonly spec: Create.Spec
  /** The calls a create of `prepared` makes, with bodies as they would go, for a dry run. */
  readonly plan: (prepared: Create.Prepared, options: Create.Options, token: string) => Create.Plan["calls"]
  /** Sends it (uploading first where the vendor wants a file), the create itself through `Create.submitOnce`. */
  readonly create: (
    prepared: Create.Prepared,
    options: Create.Options,
    token: string
  ) => Effect.Effect<Batch, BatchError | Create.CreateUnconfirmed>
}

/**
 * The provider in context. Each adapter's `layer` provides it, together with the adapter's own tag so
 * that several providers can live in one context.
 *
 * @since 0.1.0
 * @category tags
 */
export class BatchProvider extends Context.Tag("@batchctl/core/BatchProvider")<BatchProvider, Service>() {}

/**
 * What an adapter implements: the vendor calls, on ids that are already checked and encoded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Adapter {
  readonly provider: string
  /** The vendor's cancel call, as is: an invalid-state refusal fails with `InvalidBatchState`. */
  readonly cancel: (ref: BatchId.BatchRef) => Effect.Effect<Batch, BatchError>
  /** The vendor's retrieve call. */
  readonly retrieve: (ref: BatchId.BatchRef) => Effect.Effect<Batch, BatchError>
  /** The vendor's list call: one page. */
  readonly list: (options: ListOptions) => Effect.Effect<Page, BatchError>
  /** Reads the results of a batch already known to be terminal. */
  readonly results: (batch: Batch, ref: BatchId.BatchRef) => Stream.Stream<ResultItem, BatchError>
  /** How it starts batches; without it, `create` fails with `Unsupported`. */
  readonly create?: Creator | undefined
}

const statusOf = (batch: Batch) =>
  batch.vendorStatus === batch.status ? batch.status : `${batch.status} (${batch.vendorStatus})`

const refused = (provider: string, ref: BatchId.BatchRef, batch: Batch, httpStatus: number | undefined) =>
  new InvalidBatchState({
    provider,
    operation: "cancel",
    batchId: ref.id,
    vendorStatus: batch.vendorStatus,
    status: batch.status,
    message: `${provider} cancel ${ref.id}: the batch is ${statusOf(batch)} and cannot be cancelled`,
    ...(httpStatus === undefined ? {} : { httpStatus })
  })

/** Effect's own tracer, the one in place when none is installed. */
let native: Tracer.Tracer | undefined
const nativeTracer = (): Tracer.Tracer => {
  native ??= Effect.runSync(Effect.tracer)
  return native
}

/**
 * Whether a cancel or retrieve may skip its span: no tracer is installed, and nobody reads the span's
 * call-site frame either (`callSpans` off: inside a bulk cancel, one span for the whole run, or a Promise
 * client's call, which rejects with the caller's own frames). A span and its call-site stack cost about a
 * tenth of a cancel's CPU. With a tracer installed, every call is a span.
 */
const spanless = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  !fiber.getFiberRef(callSpans) && Context.get(fiber.currentDefaultServices, Tracer.Tracer) === nativeTracer()

/** A service's cancel and retrieve without their spans (for services built by {@link make}). */
interface Untraced {
  readonly cancel: (batchId: string) => Effect.Effect<Batch, BatchError>
  readonly retrieve: (batchId: string) => Effect.Effect<Batch, BatchError>
}

const untracedOf = new WeakMap<Service, Untraced>()

/**
 * `service.cancel` or `service.retrieve`, without the span when it may be skipped (see `spanless`): for
 * the bulk cancels and the Promise clients, which call them by the thousand.
 *
 * @internal
 */
export const call =
  (service: Service, operation: "cancel" | "retrieve") =>
  (batchId: string): Effect.Effect<Batch, BatchError> => {
    const untraced = untracedOf.get(service)
    if (untraced === undefined) return service[operation](batchId)
    return Effect.withFiberRuntime((fiber) =>
      spanless(fiber) ? untraced[operation](batchId) : service[operation](batchId)
    )
  }

/**
 * Builds the service from an adapter.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (adapter: Adapter): Service => {
  const provider = adapter.provider
  const check = (operation: string, id: string) => BatchId.check(provider, operation, id)

  // Every operation is an `Effect.fn` span named after it, with the provider and the batch id as
  // attributes; a failing one carries the caller's frame (`code.stacktrace`, and in `Cause.pretty`).
  const span = { attributes: { provider } }
  const annotated = <A, E>(batchId: string, effect: Effect.Effect<A, E>) =>
    Effect.zipRight(Effect.annotateCurrentSpan("batchId", batchId), effect)

  // An answer about another batch is not an answer: a cancel acknowledged for some other id did not
  // cancel this one (a misrouting proxy, a vendor bug), so it must never read as success.
  const named =
    (operation: string, ref: BatchId.BatchRef) =>
    (batch: Batch): Effect.Effect<Batch, UnexpectedResponse> =>
      batch.id === ref.id
        ? Effect.succeed(batch)
        : Effect.fail(
            new UnexpectedResponse({
              provider,
              operation,
              message: `${provider} ${operation} ${ref.id}: the answer names another batch (${JSON.stringify(batch.id.slice(0, 300))})`
            })
          )
  const retrieveRef = (ref: BatchId.BatchRef) => Effect.flatMap(adapter.retrieve(ref), named("retrieve", ref))

  const cancelRef = (ref: BatchId.BatchRef): Effect.Effect<Batch, BatchError> =>
    adapter.cancel(ref).pipe(
      Effect.flatMap(named("cancel", ref)),
      Effect.flatMap((batch) =>
        // A 200 for a batch that had already finished another way: the cancel did not take.
        batch.terminal && !isCancelStatus(batch.status)
          ? Effect.fail(refused(provider, ref, batch, undefined))
          : Effect.succeed(batch)
      ),
      Effect.catchTag("InvalidBatchState", (refusal) =>
        refusal.vendorStatus !== undefined
          ? Effect.fail(refusal)
          : retrieveRef(ref).pipe(
              // The caller asked to cancel: when the follow-up itself fails, the refusal is what they
              // get, with the current status unknown and the retrieve's failure as its cause.
              Effect.catchAll((followUp) =>
                Effect.fail(
                  new InvalidBatchState({
                    ...refusal,
                    message: `${refusal.message} (the current status is unknown: the retrieve that followed failed with ${followUp._tag}${"httpStatus" in followUp && followUp.httpStatus !== undefined ? ` HTTP ${followUp.httpStatus}` : ""})`,
                    cause: followUp
                  })
                )
              ),
              Effect.flatMap((batch) =>
                isCancelStatus(batch.status)
                  ? Effect.succeed(batch)
                  : Effect.fail(
                      new InvalidBatchState({
                        ...refusal,
                        vendorStatus: batch.vendorStatus,
                        status: batch.status,
                        // A finished batch explains the refusal; a running one does not, so the vendor's
                        // own words are kept for the caller to judge.
                        message: batch.terminal
                          ? refused(provider, ref, batch, refusal.httpStatus).message
                          : `${refusal.message} (the batch is still ${statusOf(batch)})`
                      })
                    )
              )
            )
      )
    )

  const cancel = Effect.fn(
    "BatchProvider.cancel",
    span
  )((batchId: string) => annotated(batchId, Effect.flatMap(check("cancel", batchId), cancelRef)))

  const retrieve = Effect.fn(
    "BatchProvider.retrieve",
    span
  )((batchId: string) => annotated(batchId, Effect.flatMap(check("retrieve", batchId), retrieveRef)))

  const untraced: Untraced = {
    cancel: (batchId) => Effect.flatMap(check("cancel", batchId), cancelRef),
    retrieve: (batchId) => Effect.flatMap(check("retrieve", batchId), retrieveRef)
  }

  const list = Effect.fn(
    "BatchProvider.list",
    span
  )((options: ListOptions = {}) => {
    const { limit, after } = options
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      return Effect.fail(
        new InvalidRequest({
          provider,
          operation: "list",
          message: `${provider} list: limit must be a positive integer`
        })
      )
    }
    const checked = after === undefined ? Effect.succeed(options) : Effect.as(check("list", after), options)
    return Effect.flatMap(checked, adapter.list)
  })

  const results = (batchId: string) =>
    Stream.unwrap(
      Effect.gen(function* () {
        const ref = yield* check("results", batchId)
        // Its failures are the results call's: the caller asked for results, not for a retrieve.
        const batch = yield* asOperation(retrieveRef(ref), "results")
        if (!batch.terminal) {
          return yield* Effect.fail(
            new InvalidBatchState({
              provider,
              operation: "results",
              batchId,
              vendorStatus: batch.vendorStatus,
              status: batch.status,
              message: `${provider} results ${batchId}: the batch is ${batch.status}; results exist once it is terminal`
            })
          )
        }
        return adapter.results(batch, ref)
      })
    ).pipe(Stream.withSpan("BatchProvider.results", { attributes: { provider, batchId }, captureStackTrace: false }))

  const creator = adapter.create
  const cannotCreate = (operation: string) =>
    new Unsupported({ provider, operation, message: `${provider} ${operation}: this adapter cannot start batches` })

  const create = Effect.fn(
    "BatchProvider.create",
    span
  )((input: Create.Input, options: Create.Options = {}) => {
    if (creator === undefined) return Effect.fail(cannotCreate("create"))
    const token = options.token ?? CreateInput.makeToken()
    return Effect.scoped(
      Effect.flatMap(CreateInput.prepare(creator.spec, input, options), (prepared) =>
        Effect.zipRight(
          Effect.annotateCurrentSpan({ requests: prepared.requests, bytes: prepared.bytes }),
          creator.create(prepared, options, token)
        )
      )
    ).pipe(Effect.tap((batch) => Effect.annotateCurrentSpan("batchId", batch.id)))
  })

  const plan = Effect.fn(
    "BatchProvider.plan",
    span
  )((input: Create.Input, options: Create.Options = {}) => {
    if (creator === undefined) return Effect.fail(cannotCreate("create"))
    const token = options.token ?? "<token>"
    return Effect.scoped(
      Effect.map(
        CreateInput.prepare(creator.spec, input, options),
        (prepared): Create.Plan => ({
          provider,
          requests: prepared.requests,
          bytes: prepared.bytes,
          endpoint: prepared.endpoint,
          model: prepared.model,
          first: prepared.first,
          calls: creator.plan(prepared, options, token)
        })
      )
    )
  })

  const service: Service = { provider, cancel, retrieve, list, results, create, plan }
  untracedOf.set(service, untraced)
  return service
}
