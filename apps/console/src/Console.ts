/**
 * The batchctl console: one local page with the batches of every configured provider, kept live, where
 * a person can filter them, look at one (the vendor's object, its last error, its partial results) and
 * cancel a selection. The server calls the vendors through each provider's `BatchProvider` service; the
 * page never sees a key. It binds loopback unless told otherwise, answers only to address Host headers
 * (no DNS rebinding), serves only holders of the session cookie (set from the token in the printed
 * URL), and takes changes only from its own origin with the session token.
 *
 * @since 0.1.0
 */
import { BatchProvider, Lifecycle } from "@batchctl/core"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Assets from "./internal/Assets.js"
import { app, type Runtime } from "./internal/Server.js"
import { errorJson, keyOf, Store } from "./internal/Store.js"

/**
 * One provider the console shows: its name and its service, built by the caller (the CLI builds it
 * from the same settings as its other commands).
 *
 * @since 0.1.0
 * @category models
 */
export interface Source {
  readonly provider: string
  readonly service: BatchProvider.Service
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly sources: ReadonlyArray<Source>
  /** default 0: the system picks a free port */
  readonly port?: number | undefined
  /** default "127.0.0.1"; anything else is the caller's explicit choice */
  readonly host?: string | undefined
  /** the session token (default: 32 random bytes); the printed URL carries it */
  readonly token?: string | undefined
  /** least time between two listings of one provider (default 5 s; a listing that took longer waits twice its time) */
  readonly refreshMillis?: number | undefined
  /** where every action is written (default: stderr with the time) */
  readonly log?: ((line: string) => void) | undefined
  /** the vendors' clock, for ages (default `Date.now`; the emulator's clock with `--emulator`) */
  readonly now?: (() => number) | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Handle {
  /** http://127.0.0.1:PORT/ */
  readonly url: string
  /** the URL to open: it carries the session token, which the page trades for its cookie */
  readonly openUrl: string
  readonly port: number
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ConsoleError extends Schema.TaggedError<ConsoleError>("@batchctl/console/ConsoleError")("ConsoleError", {
  message: Schema.String
}) {}

const stamp = () => new Date().toISOString().slice(11, 19)

const defaultLog = (line: string) => {
  process.stderr.write(`${stamp()} ${line}\n`)
}

/** How long one complete listing of a provider may take before it counts as failed. */
const LISTING_TIMEOUT = Duration.minutes(5)
/** How often batches being cancelled are looked at until they are terminal. */
const WATCH_MILLIS = 1_000

const listOnce = (runtime: Runtime, source: Source, lastError: { message: string | undefined }) =>
  Effect.gen(function* () {
    const { store } = runtime
    const provider = source.provider
    const before = store.providers.get(provider)
    store.setProvider({ ...before, provider, batches: store.count(provider), refreshing: true })
    const seen = new Set<string>()
    const started = Date.now()
    const listing = yield* Stream.runForEach(Lifecycle.listAll({ limit: 100 }), (batch) =>
      Effect.sync(() => {
        seen.add(keyOf(provider, batch.id))
        store.upsert(provider, batch)
      })
    ).pipe(
      Effect.provideService(BatchProvider.BatchProvider, source.service),
      Effect.timeoutFail({
        duration: LISTING_TIMEOUT,
        onTimeout: () => ({ _tag: "Timeout", message: `listing ${provider} took longer than 5 minutes` })
      }),
      Effect.either
    )
    if (listing._tag === "Right") {
      store.retain(provider, seen)
      store.setProvider({ provider, batches: store.count(provider), refreshedAt: runtime.now(), refreshing: false })
      if (lastError.message !== undefined) runtime.log(`${provider}: listing works again (${seen.size} batches)`)
      lastError.message = undefined
    } else {
      const error = errorJson(listing.left)
      store.setProvider({ ...before, provider, batches: store.count(provider), refreshing: false, error })
      // Once per change, not every few seconds.
      if (lastError.message !== error.message) {
        runtime.log(
          `${provider}: listing failed: ${error.tag}: ${error.message}${error.requestId === undefined ? "" : ` (request id ${error.requestId})`}`
        )
      }
      lastError.message = error.message
    }
    return Date.now() - started
  })

const poll = (runtime: Runtime, source: Source, refreshMillis: number) => {
  const lastError = { message: undefined as string | undefined }
  return Effect.forever(
    Effect.flatMap(listOnce(runtime, source, lastError), (took) =>
      Effect.sleep(Duration.millis(Math.max(refreshMillis, 2 * took)))
    )
  )
}

const follow = (runtime: Runtime, watched: Map<string, { provider: string; id: string }>) =>
  // The batches watched now: read again at every round.
  Effect.suspend(() =>
    Effect.forEach(
      [...watched.entries()],
      ([key, { provider, id }]) => {
        const service = runtime.services.get(provider)
        if (service === undefined) return Effect.sync(() => watched.delete(key))
        return Effect.match(service.retrieve(id), {
          onSuccess: (batch) => {
            runtime.store.upsert(provider, batch)
            if (batch.terminal) watched.delete(key)
          },
          onFailure: (error) => {
            const e = errorJson(error)
            runtime.store.fail(provider, id, e)
            runtime.log(
              `${provider} ${id}: following the cancel failed: ${e.tag}: ${e.message}${e.requestId === undefined ? "" : ` (request id ${e.requestId})`}`
            )
            watched.delete(key)
          }
        })
      },
      { concurrency: 8, discard: true }
    )
  )

const watcher = (runtime: Runtime, watched: Map<string, { provider: string; id: string }>) =>
  Effect.forever(Effect.zipRight(Effect.sleep(Duration.millis(WATCH_MILLIS)), follow(runtime, watched)))

/**
 * Starts the console in the current scope: the HTTP server, one listing loop per provider, and the
 * loop that follows cancelled batches to their end. Everything stops when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Handle, ConsoleError, Scope.Scope> =>
  Effect.gen(function* () {
    const host = options.host ?? "127.0.0.1"
    const token = options.token ?? randomBytes(32).toString("base64url")
    const log = options.log ?? defaultLog
    const assets = yield* Effect.try({
      try: () => Assets.load(),
      catch: (e) =>
        new ConsoleError({ message: `the console's page is missing: ${e instanceof Error ? e.message : String(e)}` })
    })
    const server = createServer({ keepAliveTimeout: 65_000 })
    const services = new Map(options.sources.map((s) => [s.provider, s.service]))
    const store = new Store(options.sources.map((s) => s.provider))
    const watched = new Map<string, { provider: string; id: string }>()
    // The port is known once listening; the runtime is read by requests only after that.
    const runtime: { -readonly [K in keyof Runtime]: Runtime[K] } = {
      store,
      services,
      token,
      port: 0,
      log,
      now: options.now ?? Date.now,
      assets,
      watch: (provider, id) => watched.set(keyOf(provider, id), { provider, id })
    }
    yield* Layer.build(
      HttpServer.serve(app(runtime)).pipe(
        HttpMiddleware.withTracerDisabledWhen(() => true),
        Layer.provide(NodeHttpServer.layer(() => server, { port: options.port ?? 0, host }))
      )
    ).pipe(
      Effect.mapError(
        (e) => new ConsoleError({ message: `cannot listen on ${host}:${options.port ?? 0}: ${String(e.cause)}` })
      )
    )
    // Long polls and keep-alive connections would hold the server's close open.
    yield* Effect.addFinalizer(() => Effect.sync(() => server.closeAllConnections()))
    const port = (server.address() as AddressInfo).port
    runtime.port = port
    const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host
    const url = `http://${shownHost}:${port}/`
    const refreshMillis = options.refreshMillis ?? 5_000
    const fibers = [
      ...options.sources.map((s) => Effect.forkDaemon(poll(runtime, s, refreshMillis))),
      Effect.forkDaemon(watcher(runtime, watched))
    ]
    const running = yield* Effect.all(fibers)
    yield* Effect.addFinalizer(() => Fiber.interruptAll(running))
    return { url, openUrl: `${url}?token=${token}`, port }
  })
