/**
 * A local emulator of LLM vendors' batch APIs on one loopback HTTP server: an engine that names no vendor,
 * and one profile per vendor (OpenAI, Anthropic, Moonshot, Together, Respan, MeshAPI, Mistral, Gemini, Azure
 * OpenAI, Groq, xAI, and any `VendorProfile` you pass), each under its own prefix with the vendor's real
 * paths, shapes, state machine, refusals, ids, timestamps, errors and rate-limit headers, on a clock you can
 * speed up or step, with seeded faults.
 *
 * @since 0.1.0
 */
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { builtins } from "./internal/builtins.js"
import { defaultEngineOptions, Engine } from "./internal/Engine.js"
import type * as F from "./internal/Faults.js"
import * as P from "./internal/Provider.js"
import { app } from "./internal/Server.js"
import { defaultTimings, type Timings } from "./internal/Store.js"
import type { VendorProfile } from "./Profile.js"

/**
 * The six vendors of the first release. Every method of the handle also takes any other profile's name
 * (`VendorName`).
 *
 * @since 0.1.0
 * @category models
 */
export type Provider = P.Provider

/**
 * The six vendors of the first release (`vendors` lists every built-in one).
 *
 * @since 0.1.0
 * @category constants
 */
export const providers: ReadonlyArray<Provider> = P.providers

/**
 * A vendor's name: a built-in one or that of a profile passed in `vendors`.
 *
 * @since 0.2.0
 * @category models
 */
export type VendorName = Provider | "mistral" | "gemini" | "azure-openai" | "groq" | "xai" | (string & {})

/**
 * The built-in profiles.
 *
 * @since 0.2.0
 * @category constants
 */
export const builtinProfiles: ReadonlyArray<VendorProfile> = builtins

/**
 * The names of the built-in vendors.
 *
 * @since 0.2.0
 * @category constants
 */
export const vendors: ReadonlyArray<string> = builtins.map((p) => p.name)

/**
 * The enforced per-key request rate: past `requests` in a window of `windowMs` (real time, default 60 s),
 * a vendor route answers the vendor's 429 with `retry-after` (seconds until the window resets). The
 * vendors' rate-limit headers are sent either way (with a nominal limit of 1,000,000 when not enforced).
 *
 * @since 0.2.0
 * @category models
 */
export interface RateLimit {
  readonly requests: number
  readonly windowMs?: number | undefined
}

/**
 * A route of a vendor, for faults: `create`, `list`, `retrieve`, `cancel`, `results` (Anthropic's results),
 * `delete` (Anthropic), `upload` (`POST /files`), `file` (`GET /files/{id}`), `content` (`GET /files/{id}/content`).
 *
 * @since 0.1.0
 * @category models
 */
export type Route = F.Route

/**
 * What a fault does: answer a status (429 with `retry-after`, 500, 502, 503, 504, 529) in the vendor's error
 * shape; drop the connection without an answer; delay the answer (real milliseconds); answer a malformed
 * body (invalid JSON, or cut JSONL lines); or truncate the body (send half of it, then cut the connection).
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = F.Fault

/**
 * A fault with the rate at which it hits, optionally only for one vendor and/or one route.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultRule = F.FaultRule

/**
 * @since 0.1.0
 * @category models
 */
export type { Timings }

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** default 0 (the system picks a free port) */
  readonly port?: number | undefined
  /** default "127.0.0.1" */
  readonly host?: string | undefined
  /** when set, only this key is accepted; otherwise any non-empty key */
  readonly apiKey?: string | undefined
  /** ids and faults are deterministic from it (default 0) */
  readonly seed?: number | undefined
  /** clock speed factor (default 1: a batch of 10 requests ends in 3.5 s); 0 stops the clock (step it with `advance`) */
  readonly speed?: number | undefined
  /** past this many stored batches, creates get the vendor's 429 (default 200,000) */
  readonly maxBatches?: number | undefined
  /** fault rules, checked in order for every vendor request */
  readonly faults?: ReadonlyArray<FaultRule> | undefined
  /** durations of the states, in emulated milliseconds */
  readonly timings?: Partial<Timings> | undefined
  /** MeshAPI's limit of unfinished batches per owner (default 10, as MeshAPI documents) */
  readonly meshapiActiveLimit?: number | undefined
  /** unfinished batches per vendor before creates get its 429, overriding the profiles' own limits */
  readonly activeLimits?: Readonly<Record<string, number>> | undefined
  /** largest accepted request body (default 256 MiB); past it, the vendor's 413 (OpenAI: 400 "File is too large.") */
  readonly maxUploadBytes?: number | undefined
  /** past this many bytes of uploaded files, the input files of ended batches are evicted, then uploads get the vendor's 429 (default 1 GiB) */
  readonly maxStoredBytes?: number | undefined
  /** more vendors (a profile with a built-in's name replaces it) */
  readonly vendors?: ReadonlyArray<VendorProfile> | undefined
  /** serve the built-in vendors too (default true) */
  readonly builtins?: boolean | undefined
  /** enforce a per-key request rate (default: not enforced; the headers are sent either way) */
  readonly rateLimit?: RateLimit | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateBatchInput {
  readonly provider: VendorName
  /** the vendor's own status name (default: its in-progress status) */
  readonly status?: string | undefined
  /** how many requests (default 10), or the requests themselves (`{custom_id, params | body}`) */
  readonly requests?: number | ReadonlyArray<unknown> | undefined
  /** how many requests have already finished */
  readonly completed?: number | undefined
  /** bytes of filler in every answer, to make big result files */
  readonly padding?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Handle {
  /** http://127.0.0.1:PORT */
  readonly url: string
  readonly port: number
  /** the base URL an SDK or adapter takes for this vendor, e.g. http://127.0.0.1:PORT/openai/v1 */
  baseUrl(provider: VendorName): string
  /** a batch of that vendor in that state, as the vendor would render it */
  createBatch(input: CreateBatchInput): Promise<{ id: string; body: unknown }>
  /** steps the clock */
  advance(millis: number): Promise<void>
  /** replaces the fault rules (and restarts their counters) */
  setFaults(rules: ReadonlyArray<FaultRule>): void
  /** the ids of a vendor's stored batches (deleted ones left out), oldest first: what a create really made */
  batchIds(provider: VendorName): ReadonlyArray<string>
  /** the emulated time, epoch milliseconds */
  now(): number
  /** stops the server (from `start`); from `make` and `layer` it does nothing: their scope stops it */
  close(): Promise<void>
}

/**
 * @since 0.1.0
 * @category errors
 */
export class EmulatorError extends Schema.TaggedError<EmulatorError>("@batchctl/emulator/EmulatorError")(
  "EmulatorError",
  {
    message: Schema.String
  }
) {}

/**
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Tag("@batchctl/emulator/Emulator")<Emulator, Handle>() {}

/** The served profiles: the built-in ones (unless `builtins: false`), replaced or extended by `vendors`. */
const profilesOf = (options: Options): Effect.Effect<ReadonlyArray<VendorProfile>, EmulatorError> => {
  const byName = new Map<string, VendorProfile>()
  if (options.builtins !== false) for (const p of builtins) byName.set(p.name, p)
  for (const p of options.vendors ?? []) {
    if (typeof p?.name !== "string" || !/^[a-z0-9][a-z0-9._-]*$/.test(p.name)) {
      return Effect.fail(
        new EmulatorError({
          message: `a vendor profile's name must be lower-case letters, digits, '.', '_' or '-' (got ${String(p?.name)})`
        })
      )
    }
    if (typeof p.basePath !== "string" || !(p.mount ?? p.basePath).startsWith(`/${p.name}`)) {
      return Effect.fail(
        new EmulatorError({ message: `the profile ${p.name}: its basePath (and mount) must start with /${p.name}` })
      )
    }
    byName.set(p.name, p)
  }
  if (byName.size === 0) return Effect.fail(new EmulatorError({ message: "no vendor to serve" }))
  return Effect.succeed([...byName.values()])
}

/**
 * Starts an emulator in the current scope; it stops when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Handle, EmulatorError, Scope.Scope> =>
  Effect.gen(function* () {
    const profiles = yield* profilesOf(options)
    const engine = new Engine({
      apiKey: options.apiKey,
      seed: options.seed ?? defaultEngineOptions.seed,
      speed: options.speed ?? defaultEngineOptions.speed,
      maxBatches: options.maxBatches ?? defaultEngineOptions.maxBatches,
      timings: { ...defaultTimings, ...options.timings },
      faults: options.faults ?? [],
      activeLimits: {
        ...(options.meshapiActiveLimit === undefined ? {} : { meshapi: options.meshapiActiveLimit }),
        ...options.activeLimits
      },
      maxStoredBytes: options.maxStoredBytes ?? defaultEngineOptions.maxStoredBytes,
      profiles,
      rateLimit: options.rateLimit
    })
    const server = createServer({ keepAliveTimeout: 65_000 })
    const host = options.host ?? "127.0.0.1"
    yield* Layer.build(
      HttpServer.serve(app(engine, options.maxUploadBytes ?? 256 * 1024 * 1024)).pipe(
        // no tracing spans: the emulator answers thousands of requests a second and nobody reads them
        HttpMiddleware.withTracerDisabledWhen(() => true),
        Layer.provide(NodeHttpServer.layer(() => server, { port: options.port ?? 0, host }))
      )
    ).pipe(
      Effect.mapError(
        (e) => new EmulatorError({ message: `cannot listen on ${host}:${options.port ?? 0}: ${String(e.cause)}` })
      )
    )
    // runs before the server's own finalizer: keep-alive connections would hold close() open
    yield* Effect.addFinalizer(() => Effect.sync(() => server.closeAllConnections()))
    const port = (server.address() as AddressInfo).port
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`
    const handle: Handle = {
      url,
      port,
      baseUrl: (provider) => `${url}${engine.profile(provider)?.basePath ?? `/${encodeURIComponent(provider)}`}`,
      createBatch: (input) => {
        const r = engine.seed(input, url)
        return typeof r === "string" ? Promise.reject(new EmulatorError({ message: r })) : Promise.resolve(r)
      },
      advance: (millis) => {
        engine.clock.advance(millis)
        return Promise.resolve()
      },
      setFaults: (rules) => engine.faults.set(rules),
      batchIds: (provider) =>
        engine.store
          .ordered(provider)
          .filter((b) => !b.deleted)
          .map((b) => b.id),
      now: () => engine.clock.now(),
      close: () => Promise.resolve()
    }
    return handle
  })

/**
 * Starts an emulator; `close()` stops it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}): Promise<Handle> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.extend(make(options), scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    const error =
      exit.cause._tag === "Fail" ? exit.cause.error : new EmulatorError({ message: "the emulator did not start" })
    throw error
  }
  let closed: Promise<void> | undefined
  return {
    ...exit.value,
    close: () => {
      closed ??= Effect.runPromise(Scope.close(scope, Exit.void))
      return closed
    }
  }
}

/**
 * The emulator as a layer, stopped when the layer's scope closes. A failure to listen is a defect.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Emulator> =>
  Layer.scoped(Emulator, Effect.orDie(make(options)))
