/**
 * The console's HTTP side: the page, the batches (whole, then what changed, waiting for a change), one
 * batch fresh from its vendor, the first results and the whole results file streamed, and cancel. Every
 * request passes the checks of `Security.ts` first; every refusal and every action is logged.
 */
import { Batch, type BatchError, BatchProvider, Lifecycle } from "@batchctl/core"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { promisify } from "node:util"
import { gzip } from "node:zlib"
import type * as Assets from "./Assets.js"
import * as Security from "./Security.js"
import { type ErrorJson, errorJson, keyOf, type Store } from "./Store.js"

/** The shared state of a running console. */
export interface Runtime {
  readonly store: Store
  readonly services: ReadonlyMap<string, BatchProvider.Service>
  readonly token: string
  readonly port: number
  readonly log: (line: string) => void
  readonly now: () => number
  readonly assets: Assets.Assets
  /** batches to look at every second until they are terminal (after a cancel) */
  readonly watch: (provider: string, id: string) => void
}

const gzipAsync = promisify(gzip)
const encodeResult = Schema.encodeSync(Batch.ResultItem)
const encodeBatch = Schema.encodeSync(Batch.Batch)

/** How long a request for changes waits for one. */
const LONG_POLL = Duration.seconds(25)
/** Largest body of a cancel: 10,000 ids with room to spare. */
const MAX_BODY = 2 * 1024 * 1024
const MAX_CANCEL = 10_000
const MAX_PREVIEW = 100

const security = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store"
}

const text = (
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
  headers: Record<string, string> = {}
) => HttpServerResponse.text(body, { status, contentType, headers: { ...security, ...headers } })

const json = (status: number, value: unknown) =>
  HttpServerResponse.text(JSON.stringify(value), { status, contentType: "application/json", headers: security })

const acceptsGzip = (request: HttpServerRequest.HttpServerRequest) =>
  /\bgzip\b/.test(request.headers["accept-encoding"] ?? "")

/** A large JSON answer, gzipped when the browser takes it (the first answer holds every batch). */
const bigJson = (request: HttpServerRequest.HttpServerRequest, value: unknown) => {
  const body = JSON.stringify(value)
  if (body.length < 4096 || !acceptsGzip(request)) return Effect.succeed(json(200, value))
  return Effect.map(
    Effect.promise(() => gzipAsync(body, { level: 4 })),
    (zipped) =>
      HttpServerResponse.uint8Array(zipped, {
        status: 200,
        contentType: "application/json",
        headers: { ...security, "content-encoding": "gzip", vary: "accept-encoding" }
      })
  )
}

const refused = (runtime: Runtime, request: HttpServerRequest.HttpServerRequest, status: number, why: string) => {
  runtime.log(`refused ${request.method} ${pathOf(request.url)}: ${why}`)
  return Effect.succeed(text(status, `batchctl console: refused: ${why}\n`))
}

const pathOf = (url: string) => {
  const q = url.indexOf("?")
  return q < 0 ? url : url.slice(0, q)
}

const query = (url: string) => new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "")

/** `?provider=…&id=…` naming a configured provider and a plausible id. */
const target = (runtime: Runtime, url: string) => {
  const q = query(url)
  const provider = q.get("provider") ?? ""
  const id = q.get("id") ?? ""
  const service = runtime.services.get(provider)
  if (service === undefined || id === "" || id.length > 512) return undefined
  return { provider, id, service }
}

const page = (runtime: Runtime, request: HttpServerRequest.HttpServerRequest) => {
  const presented = query(request.url).get("token") ?? undefined
  const name = Security.cookieName(runtime.port)
  if (presented !== undefined) {
    if (!Security.tokenMatches(presented, runtime.token))
      return refused(runtime, request, 403, "wrong session token in the URL")
    runtime.log("page opened with the session token: session cookie set")
    // The token leaves the address bar at once; from here on the cookie stands for it.
    return Effect.succeed(
      HttpServerResponse.empty({
        status: 303,
        headers: {
          ...security,
          location: "/",
          "set-cookie": `${name}=${runtime.token}; Path=/; HttpOnly; SameSite=Strict`
        }
      })
    )
  }
  return Effect.succeed(text(200, runtime.assets.html(runtime.token), "text/html; charset=utf-8"))
}

const unauthorized = (runtime: Runtime, request: HttpServerRequest.HttpServerRequest) => {
  runtime.log(`refused ${request.method} ${pathOf(request.url)}: no session cookie`)
  return Effect.succeed(
    text(
      401,
      "<!doctype html><html lang=en><title>batchctl console</title><p>Open the address that <code>batchctl console</code> printed: it carries the session token.</p></html>",
      "text/html; charset=utf-8"
    )
  )
}

const asset = (request: HttpServerRequest.HttpServerRequest, file: Assets.Asset) =>
  Effect.succeed(
    acceptsGzip(request)
      ? HttpServerResponse.uint8Array(file.gzip, {
          status: 200,
          contentType: file.type,
          headers: { ...security, "content-encoding": "gzip", vary: "accept-encoding" }
        })
      : HttpServerResponse.uint8Array(file.body, { status: 200, contentType: file.type, headers: security })
  )

const providersJson = (runtime: Runtime) => [...runtime.store.providers.values()]

/** Resumes at the store's next change, or after the long-poll time. */
const untilChange = (store: Store) =>
  Effect.async<void>((resume) => {
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      resume(Effect.void)
    }
    // A waiting request does not keep the process alive once the console stops.
    const timer = setTimeout(finish, Duration.toMillis(LONG_POLL)).unref()
    store.changed().then(finish)
    return Effect.sync(() => {
      done = true
      clearTimeout(timer)
    })
  })

/** Everything (`since` 0), or what changed after `since`, waiting up to 25 s for a change. */
const batches = (runtime: Runtime, request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function* () {
    const q = query(request.url)
    let since = Number(q.get("since") ?? "0")
    // A version from before a restart: start over.
    const reset = !Number.isSafeInteger(since) || since < 0 || since > runtime.store.current
    if (reset) since = 0
    if (q.get("wait") === "1" && since > 0 && runtime.store.current <= since) {
      yield* untilChange(runtime.store)
      // A burst of changes (a listing, a bulk cancel) goes out in one answer.
      yield* Effect.sleep(Duration.millis(100))
    }
    const delta = runtime.store.since(since)
    return yield* bigJson(request, {
      reset: since === 0,
      version: delta.version,
      now: runtime.now(),
      providers: providersJson(runtime),
      rows: delta.rows,
      removed: delta.removed
    })
  })

const detail = (runtime: Runtime, request: HttpServerRequest.HttpServerRequest) => {
  const t = target(runtime, request.url)
  if (t === undefined)
    return Effect.succeed(json(400, { error: { tag: "BadRequest", message: "unknown provider or id" } }))
  const key = keyOf(t.provider, t.id)
  return Effect.match(t.service.retrieve(t.id), {
    onSuccess: (batch) => {
      runtime.store.upsert(t.provider, batch)
      const { raw, ...rest } = encodeBatch(batch)
      return json(200, { row: runtime.store.get(key)?.row, batch: rest, raw })
    },
    onFailure: (error) => {
      const e = errorJson(error)
      runtime.store.fail(t.provider, t.id, e)
      const known = runtime.store.get(key)
      return json(200, { row: known?.row, raw: known?.batch?.raw, error: e })
    }
  })
}

/** The first results of a terminal batch (partial results of a cancelled or expired one). */
const preview = (runtime: Runtime, request: HttpServerRequest.HttpServerRequest) => {
  const t = target(runtime, request.url)
  if (t === undefined)
    return Effect.succeed(json(400, { error: { tag: "BadRequest", message: "unknown provider or id" } }))
  const limit = Math.min(MAX_PREVIEW, Math.max(1, Number(query(request.url).get("limit") ?? "20") || 20))
  const items: Array<unknown> = []
  return Stream.runForEach(Stream.take(t.service.results(t.id), limit + 1), (item) =>
    Effect.sync(() => {
      items.push(encodeResult(item))
    })
  ).pipe(
    Effect.match({
      onSuccess: () => json(200, { items: items.slice(0, limit), more: items.length > limit }),
      onFailure: (error: BatchError.BatchError) =>
        json(200, { items: items.slice(0, limit), more: false, error: errorJson(error) })
    })
  )
}

const encoder = new TextEncoder()

/** The whole results file as JSON lines, streamed from the vendor to the browser. */
const download = (runtime: Runtime, request: HttpServerRequest.HttpServerRequest) => {
  const t = target(runtime, request.url)
  if (t === undefined)
    return Effect.succeed(json(400, { error: { tag: "BadRequest", message: "unknown provider or id" } }))
  runtime.log(`download: results of ${t.provider} ${t.id} (JSONL)`)
  let lines = 0
  const body = t.service.results(t.id).pipe(
    Stream.map((item) => {
      lines++
      return encoder.encode(`${JSON.stringify(encodeResult(item))}\n`)
    }),
    Stream.tapError((error) =>
      Effect.sync(() =>
        runtime.log(
          `download: results of ${t.provider} ${t.id} failed after ${lines} lines: ${error._tag}: ${error.message}${error.requestId === undefined ? "" : ` (request id ${error.requestId})`}`
        )
      )
    ),
    Stream.onDone(() =>
      Effect.sync(() => runtime.log(`download: results of ${t.provider} ${t.id}: ${lines} lines sent`))
    )
  )
  const file = `${t.provider}-${t.id.replace(/[^A-Za-z0-9._-]/g, "_")}-results.jsonl`
  return Effect.succeed(
    HttpServerResponse.stream(body, {
      status: 200,
      contentType: "application/x-ndjson",
      headers: { ...security, "content-disposition": `attachment; filename="${file}"` }
    })
  )
}

const CancelBody = Schema.Struct({
  batches: Schema.Array(Schema.Struct({ provider: Schema.String, id: Schema.String.pipe(Schema.maxLength(512)) })).pipe(
    Schema.maxItems(MAX_CANCEL)
  )
})

interface CancelOutcome {
  readonly key: string
  readonly ok: boolean
  readonly status?: string
  readonly error?: ErrorJson
}

const summaryOf = (counts: ReadonlyMap<string, number>) => [...counts.entries()].map(([p, n]) => `${p} ${n}`).join(", ")

/** Cancels a selection, eight at a time per provider, each batch's outcome on its row as it comes. */
const cancel = (runtime: Runtime, request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function* () {
    const body = yield* HttpIncomingMessage.schemaBodyJson(CancelBody)(request).pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(MAX_BODY)),
      Effect.either
    )
    if (body._tag === "Left") {
      runtime.log("refused cancel: the body is not a list of {provider, id} (at most 10,000)")
      return json(400, {
        error: { tag: "BadRequest", message: "expected {batches: [{provider, id}]}, at most 10,000" }
      })
    }
    const byProvider = new Map<string, Array<string>>()
    const outcomes: Array<CancelOutcome> = []
    for (const { provider, id } of body.right.batches) {
      if (!runtime.services.has(provider)) {
        outcomes.push({
          key: keyOf(provider, id),
          ok: false,
          error: { tag: "BadRequest", message: `${provider} is not configured` }
        })
        continue
      }
      const ids = byProvider.get(provider) ?? []
      if (!ids.includes(id)) ids.push(id)
      byProvider.set(provider, ids)
    }
    const asked = new Map([...byProvider].map(([p, ids]) => [p, ids.length]))
    const total = [...asked.values()].reduce((a, b) => a + b, 0)
    runtime.log(`cancel: ${total} batches asked (${summaryOf(asked)})`)
    yield* Effect.forEach(
      [...byProvider],
      ([provider, ids]) => {
        const service = runtime.services.get(provider)!
        const failed = new Map<string, number>()
        let accepted = 0
        return Stream.runForEach(Lifecycle.cancelEach(ids, { concurrency: 8 }), (outcome) =>
          Effect.sync(() => {
            const key = keyOf(provider, outcome.batchId)
            if (outcome._tag === "Cancelled") {
              accepted++
              runtime.store.upsert(provider, outcome.batch, null)
              if (!outcome.batch.terminal) runtime.watch(provider, outcome.batchId)
              outcomes.push({ key, ok: true, status: outcome.batch.status })
            } else {
              const error = errorJson(outcome.error)
              failed.set(error.tag, (failed.get(error.tag) ?? 0) + 1)
              runtime.store.fail(provider, outcome.batchId, error)
              runtime.log(
                `cancel: ${provider} ${outcome.batchId} failed: ${error.tag}: ${error.message}${error.requestId === undefined ? "" : ` (request id ${error.requestId})`}`
              )
              outcomes.push({ key, ok: false, error })
            }
          })
        ).pipe(
          Effect.provideService(BatchProvider.BatchProvider, service),
          Effect.catchAll((error) =>
            Effect.sync(() => {
              const e = errorJson(error)
              runtime.log(`cancel: ${provider}: refused before any request: ${e.message}`)
              for (const id of ids) outcomes.push({ key: keyOf(provider, id), ok: false, error: e })
            })
          ),
          Effect.tap(() =>
            Effect.sync(() =>
              runtime.log(
                `cancel: ${provider}: ${accepted} accepted${failed.size === 0 ? "" : `, ${[...failed.values()].reduce((a, b) => a + b, 0)} failed (${summaryOf(failed)})`}`
              )
            )
          )
        )
      },
      { concurrency: "unbounded", discard: true }
    )
    return json(200, { outcomes })
  })

/** Every request: the Host check, the cookie, and for changes the origin and the token. */
export const app = (runtime: Runtime) =>
  Effect.flatMap(
    HttpServerRequest.HttpServerRequest,
    (request): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
      const headers = request.headers
      if (!Security.hostAllowed(headers.host, runtime.port)) {
        return refused(
          runtime,
          request,
          421,
          `Host ${JSON.stringify(headers.host ?? "")} is not this console's address`
        )
      }
      const path = pathOf(request.url)
      const method = request.method
      if (path === "/" && method === "GET" && query(request.url).has("token")) return page(runtime, request)
      const cookie = Security.cookieValue(headers.cookie, Security.cookieName(runtime.port))
      if (!Security.tokenMatches(cookie, runtime.token)) return unauthorized(runtime, request)
      if (method === "GET" || method === "HEAD") {
        if (path === "/") return page(runtime, request)
        const file = runtime.assets.files.get(path)
        if (file !== undefined) return asset(request, file)
        if (path === "/api/batches") return batches(runtime, request)
        if (path === "/api/batch") return detail(runtime, request)
        if (path === "/api/results") return preview(runtime, request)
        if (path === "/api/results.jsonl") return download(runtime, request)
        return Effect.succeed(text(404, "not found\n"))
      }
      if (method === "POST" && path === "/api/cancel") {
        const why = Security.refuseChange(headers, runtime.token)
        if (why !== undefined) return refused(runtime, request, 403, why)
        return cancel(runtime, request)
      }
      return Effect.succeed(text(405, "method not allowed\n"))
    }
  ).pipe(Effect.catchAllCause(() => Effect.succeed(text(500, "internal error\n"))))
