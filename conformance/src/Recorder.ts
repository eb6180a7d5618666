/**
 * Recording: an `HttpClient` that keeps every exchange as sent and received (handing the adapter an
 * identical copy of each response), and the scrubbing that turns those exchanges into a fixture with
 * no key, cookie, organization or project id in it.
 */
import type * as BatchProvider from "@batchctl/core/BatchProvider"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as BatchError from "@batchctl/core/BatchError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { Exchange, Fixture, Operation } from "./Fixture.js"
import { bodyText } from "./Replay.js"
import { encodeFailure, outcomeOf, type ProviderFactory, runCase } from "./Runner.js"

/** One exchange exactly as it went over the wire, before any scrubbing. */
export interface RawExchange {
  readonly request: {
    readonly method: string
    readonly url: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: string | undefined
  }
  readonly response: {
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly text: string
  }
}

/** Wraps `client` so that every exchange lands in `sink`; the adapter sees the same response it would have. */
export const recording = (client: HttpClient.HttpClient, sink: Array<RawExchange>): HttpClient.HttpClient =>
  HttpClient.transform(client, (effect, request) =>
    Effect.flatMap(effect, (response) =>
      Effect.map(response.text, (text) => {
        const url = Either.getOrElse(
          UrlParams.makeUrl(request.url, request.urlParams, request.hash),
          () => new URL(request.url)
        )
        sink.push({
          request: {
            method: request.method,
            url: url.href,
            headers: { ...request.headers },
            body: bodyText(request.body)
          },
          response: { status: response.status, headers: { ...response.headers }, text }
        })
        const nullBody = response.status === 204 || response.status === 205 || response.status === 304
        return HttpClientResponse.fromWeb(
          request,
          new Response(nullBody ? null : text, { status: response.status, headers: { ...response.headers } })
        )
      })
    )
  )

/** The recording layer: provides an `HttpClient` that records into `sink`, over the `HttpClient` it is given. */
export const layer = (sink: Array<RawExchange>): Layer.Layer<HttpClient.HttpClient, never, HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) => recording(client, sink))
  )

// ---------------------------------------------------------------------------------------------------
// Scrubbing

const REDACTED = "[REDACTED]"

/** Request headers never written: credentials, account ids, cookies, and transport noise. */
const dropRequestHeader = (name: string) =>
  /^(authorization|proxy-authorization|x-api-key|api-key|cookie|openai-organization|openai-project|anthropic-organization-id|accept|accept-encoding|accept-language|connection|content-length|content-type|host|user-agent|traceparent|tracestate)$/.test(
    name
  ) || /(key|token|secret|auth|cookie|session|organi[sz]ation|project|^x-stainless-)/.test(name)

/** Response headers worth keeping; everything else (set-cookie, organization ids, CDN ids) is dropped. */
const keepResponseHeader = (name: string) =>
  /^(content-type|retry-after|retry-after-ms|request-id|x-request-id)$/.test(name)

/** JSON fields whose value is an account identifier or a secret, wherever they sit. */
const SENSITIVE_FIELD =
  /^(api_?key|apikey|secret|token|access_token|refresh_token|password|email|organization|organization_id|org_id|org|project|project_id|owner)$/i

/** Id-shaped secrets: keys, organization and project ids. */
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bsk-[A-Za-z0-9_-]{12,}/g, "sk-REDACTED"],
  [/\borg-[A-Za-z0-9]{6,}/g, "org-REDACTED"],
  [/\bproj_[A-Za-z0-9]{6,}/g, "proj_REDACTED"]
]

/** What to scrub from a recorded exchange: the secrets (in every form they can take), and the base URL to rewrite. */
export interface ScrubOptions {
  /** The API key and any other value known to be secret; each also in its URL-encoded, JSON-escaped and Base64 forms. */
  readonly secrets: ReadonlyArray<string>
  /** Rewrites `from` (the base URL the recording ran against) to `to` (the vendor's default base URL). */
  readonly rebase?: { readonly from: string; readonly to: string } | undefined
}

const forms = (secret: string): Array<string> =>
  [
    `Bearer ${secret}`,
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString("base64")
  ].filter((s, i, all) => s.length >= 4 && all.indexOf(s) === i)

/** A string with every secret, key-shaped id and recorded base URL replaced. */
export const scrubString = (text: string, options: ScrubOptions): string => {
  let out = text
  if (options.rebase !== undefined && options.rebase.from !== options.rebase.to) {
    out = out.split(options.rebase.from).join(options.rebase.to)
  }
  for (const secret of options.secrets) for (const form of forms(secret)) out = out.split(form).join(REDACTED)
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement)
  return out
}

/** Every string in a JSON value scrubbed, and every sensitive field's value replaced. */
export const scrubJson = (u: unknown, options: ScrubOptions): unknown => {
  if (typeof u === "string") return scrubString(u, options)
  if (Array.isArray(u)) return u.map((x) => scrubJson(x, options))
  if (typeof u === "object" && u !== null) {
    return Object.fromEntries(
      Object.entries(u).map(([k, v]) => [
        k,
        SENSITIVE_FIELD.test(k) && v !== null && typeof v !== "boolean" ? REDACTED : scrubJson(v, options)
      ])
    )
  }
  return u
}

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

/** The values of credential and account headers: scrubbed wherever else they show up (an echo in a body). */
export const secretsIn = (raw: ReadonlyArray<RawExchange>): Array<string> => {
  const out: Array<string> = []
  for (const { request, response } of raw) {
    for (const [name, value] of Object.entries(request.headers)) {
      if (
        !dropRequestHeader(name.toLowerCase()) ||
        /^(accept|connection|content-|host|user-agent|trace)/.test(name.toLowerCase())
      )
        continue
      out.push(value.replace(/^(Bearer|Basic)\s+/i, ""))
      if (name.toLowerCase() === "cookie")
        for (const part of value.split(";")) out.push(part.split("=").slice(1).join("=").trim())
    }
    for (const [name, value] of Object.entries(response.headers)) {
      const n = name.toLowerCase()
      if (n === "set-cookie") {
        for (const cookie of value.split(/,(?=[^;]+=)/))
          out.push((cookie.split(";")[0] ?? "").split("=").slice(1).join("=").trim())
      } else if (/organi[sz]ation|project|session|token|key/.test(n)) out.push(value)
    }
  }
  return out.filter((s) => s.length >= 4)
}

/** The exchanges as a fixture holds them: scrubbed, rebased onto the vendor's default URL, `auth` where the key sat. */
export const toExchanges = (raw: ReadonlyArray<RawExchange>, apiKey: string, options: ScrubOptions): Array<Exchange> =>
  raw.map(({ request, response }) => {
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers)) {
      const n = name.toLowerCase()
      if (dropRequestHeader(n) || value.includes(apiKey)) continue
      headers[n] = scrubString(value, options)
    }
    const auth =
      request.headers.authorization === `Bearer ${apiKey}`
        ? ("bearer" as const)
        : request.headers["x-api-key"] === apiKey
          ? ("x-api-key" as const)
          : (["api-key", "x-goog-api-key"].find((name) => request.headers[name] === apiKey) ??
            (Object.values(request.headers).some((v) => v.includes(apiKey)) || request.url.includes(apiKey)
              ? undefined
              : ("none" as const)))
    const requestBody = request.body === undefined || request.body === "" ? undefined : parseJson(request.body)
    const responseHeaders: Record<string, string> = {}
    for (const [name, value] of Object.entries(response.headers)) {
      if (keepResponseHeader(name.toLowerCase())) responseHeaders[name.toLowerCase()] = scrubString(value, options)
    }
    const json =
      response.headers["content-type"]?.includes("json") === true ? parseJson(response.text) : { ok: false as const }
    return {
      request: {
        method: request.method,
        url: scrubString(request.url, options),
        ...(Object.keys(headers).length === 0 ? {} : { headers }),
        ...(auth === undefined ? {} : { auth }),
        ...(requestBody === undefined ? {} : requestBody.ok ? { body: scrubJson(requestBody.value, options) } : {})
      },
      response: {
        status: response.status,
        headers: responseHeaders,
        ...(json.ok ? { body: scrubJson(json.value, options) } : { bodyText: scrubString(response.text, options) })
      }
    }
  })

// ---------------------------------------------------------------------------------------------------
// The record command's core

/**
 * A recording that could not be made or would not be safe to write.
 *
 * @category errors
 */
export class RecordError extends Schema.TaggedError<RecordError>("@batchctl/conformance/RecordError")("RecordError", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/** What `record` captures: which provider, adapter and operation, with which input and key, against which base URL. */
export interface RecordOptions {
  readonly provider: string
  readonly factory: ProviderFactory
  readonly operation: Operation
  readonly input: {
    readonly batchId?: string | undefined
    readonly limit?: number | undefined
    readonly after?: string | undefined
  }
  readonly apiKey: Redacted.Redacted<string>
  /** Where to send the requests; default the adapter's own (the vendor). */
  readonly baseUrl?: string | undefined
  /** The vendor's public base URL, which the fixture's URLs are rewritten onto; found by a dry run when not given. */
  readonly defaultBaseUrl?: string | undefined
  readonly scenario?: string | undefined
  /** `name@version` of the adapter, written into `source.adapter`. */
  readonly adapter: string
  readonly recordedBy?: string | undefined
  /** The HTTP client that goes to the network. */
  readonly client: HttpClient.HttpClient
  readonly now?: Date | undefined
}

const isLoopback = (url: string) => {
  try {
    const host = new URL(url).hostname
    return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.")
  } catch {
    return false
  }
}

const slug = (s: string) =>
  s
    .replace(/([a-z])([A-Z])/g, "$1-$2")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .toLowerCase()
    .replace(/^-|-$/g, "")

const trimmedExpect = (outcome: Record<string, unknown>): Fixture["expect"] => {
  const dropRaw = (b: unknown) => {
    if (typeof b !== "object" || b === null) return b
    const { raw: _raw, ...rest } = b as Record<string, unknown>
    return rest
  }
  if ("batch" in outcome) return { batch: dropRaw(outcome.batch) as Record<string, unknown> }
  if ("page" in outcome) {
    const page = outcome.page as { readonly batches: ReadonlyArray<unknown> } & Record<string, unknown>
    return { page: { ...page, batches: page.batches.map(dropRaw) } }
  }
  if ("results" in outcome) {
    return {
      results: (outcome.results as ReadonlyArray<Record<string, unknown>>).map((r) => ({
        customId: r.customId,
        outcome: r.outcome
      }))
    }
  }
  const { message: _message, ...error } = outcome.error as { readonly _tag: string } & Record<string, unknown>
  return { error }
}

/** The URL the adapter would use with its defaults, found by asking it to send the first request to a client that refuses. */
const firstDefaultUrl = (options: RecordOptions): Effect.Effect<string | undefined> => {
  let seen: string | undefined
  const refusing = HttpClient.make((request, url) => {
    seen ??= url.href
    return Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", description: "dry run" }))
  })
  return outcomeOfInput(
    options,
    options.factory({ apiKey: options.apiKey, retry: VendorHttp.immediateRetries(1) }),
    refusing
  ).pipe(
    Effect.exit,
    Effect.map(() => seen)
  )
}

const outcomeOfInput = (
  options: RecordOptions,
  layer: Layer.Layer<BatchProvider.BatchProvider, unknown, HttpClient.HttpClient>,
  client: HttpClient.HttpClient
) =>
  outcomeOf(
    options.operation,
    options.input,
    layer.pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, client)))
  ).pipe(Effect.timeout("120 seconds"))

/**
 * The two bases without the path segments they end with in common, so that a URL beside the base (a
 * vendor's files under `/api/files` next to its `/api/v1`) is rebased too:
 * `http://127.0.0.1:8080/respan/api/v1` and `https://api.respan.ai/api/v1` map `http://127.0.0.1:8080/respan`
 * onto `https://api.respan.ai`.
 */
export const rebaseBases = (from: string, to: string): { readonly from: string; readonly to: string } => {
  const a = from.split("/")
  const b = to.split("/")
  // Keep at least scheme, empty and host (3 parts) on each side.
  while (a.length > 3 && b.length > 3 && a[a.length - 1] === b[b.length - 1]) {
    a.pop()
    b.pop()
  }
  return { from: a.join("/"), to: b.join("/") }
}

/** Where the recorded base URL maps onto the default one: the two first URLs share their tail. */
const rebaseFrom = (recordedUrl: string, defaultUrl: string) => {
  let i = 0
  while (
    i < recordedUrl.length &&
    i < defaultUrl.length &&
    recordedUrl[recordedUrl.length - 1 - i] === defaultUrl[defaultUrl.length - 1 - i]
  ) {
    i++
  }
  // Cut at a path boundary so a shared `/v1` stays on both sides.
  let from = recordedUrl.slice(0, recordedUrl.length - i)
  let to = defaultUrl.slice(0, defaultUrl.length - i)
  const tail = recordedUrl.slice(recordedUrl.length - i)
  const slash = tail.indexOf("/")
  if (slash > 0) {
    from += tail.slice(0, slash)
    to += tail.slice(0, slash)
  }
  return { from, to }
}

/**
 * Runs the operation for real through the recording client, then writes nothing: it returns the
 * fixture (scrubbed, rebased, `expect` from what the adapter produced) and how it replays.
 */
export const record = (options: RecordOptions) =>
  Effect.gen(function* () {
    const sink: Array<RawExchange> = []
    const key = Redacted.value(options.apiKey)
    if (key.length < 8)
      return yield* Effect.fail(new RecordError({ reason: "the API key is shorter than 8 characters" }))
    const layer = options.factory({
      apiKey: options.apiKey,
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      retry: { maxAttempts: 3 }
    })
    const exit = yield* Effect.exit(outcomeOfInput(options, layer, recording(options.client, sink)))
    if (sink.length === 0) {
      const why = Exit.isFailure(exit) ? (Cause.pretty(exit.cause).split("\n")[0] ?? "") : ""
      return yield* Effect.fail(
        new RecordError({
          reason: `no exchange was recorded (nothing answered)${why === "" ? "" : `: ${scrubString(why, { secrets: [key] })}`}`
        })
      )
    }
    let outcome: Record<string, unknown> | undefined
    if (Exit.isSuccess(exit)) outcome = exit.value
    else {
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure) && BatchError.isBatchError(failure.value))
        outcome = { error: encodeFailure(failure.value) }
    }
    if (outcome === undefined) {
      return yield* Effect.fail(
        new RecordError({ reason: "the adapter died instead of answering or failing with a typed error" })
      )
    }
    let rebase: { readonly from: string; readonly to: string } | undefined
    if (options.baseUrl !== undefined) {
      const first = sink[0]?.request.url
      const trimmed = options.baseUrl.replace(/\/+$/, "")
      if (options.defaultBaseUrl !== undefined)
        rebase = rebaseBases(trimmed, options.defaultBaseUrl.replace(/\/+$/, ""))
      else {
        const dry = yield* firstDefaultUrl(options)
        if (first !== undefined && dry !== undefined) rebase = rebaseFrom(first, dry)
      }
    }
    const scrub: ScrubOptions = { secrets: [key, ...secretsIn(sink)], rebase }
    const exchanges = toExchanges(sink, key, scrub)
    const expect = scrubJson(trimmedExpect(outcome), scrub) as Fixture["expect"]
    const now = (options.now ?? new Date()).toISOString()
    const fromVendor = options.baseUrl === undefined || !isLoopback(options.baseUrl)
    const kind = Object.keys(expect)[0] ?? "outcome"
    const scenario =
      options.scenario ??
      `recorded-${slug(
        "batch" in expect
          ? String((expect.batch as Record<string, unknown>).status ?? "batch")
          : "error" in expect
            ? String(expect.error._tag)
            : kind
      )}`
    const input = {
      ...(options.input.batchId === undefined ? {} : { batchId: scrubString(options.input.batchId, scrub) }),
      ...(options.input.limit === undefined ? {} : { limit: options.input.limit }),
      ...(options.input.after === undefined ? {} : { after: scrubString(options.input.after, scrub) })
    }
    const fixture: Fixture = {
      format: 1,
      provider: options.provider,
      operation: options.operation,
      scenario,
      description: `Recorded ${options.operation}${input.batchId === undefined ? "" : ` of ${input.batchId}`} on ${now.slice(0, 10)}; review the exchanges and expect before committing`,
      source: {
        kind: fromVendor ? "recorded" : "synthetic",
        ref: fromVendor
          ? `captured from ${rebase?.to ?? options.baseUrl ?? "the vendor's API"} by batchctl-conformance record`
          : `captured from a local server at ${options.baseUrl} (an emulator, not the vendor), by batchctl-conformance record`,
        ...(fromVendor ? {} : { note: "recorded from a local server, so it is no evidence of what the vendor does" }),
        recordedAt: now,
        ...(options.recordedBy === undefined ? {} : { recordedBy: options.recordedBy }),
        adapter: options.adapter,
        ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl })
      },
      input,
      exchanges,
      expect
    }
    const text = `${JSON.stringify(fixture, null, 2)}\n`
    for (const secret of scrub.secrets) {
      for (const form of forms(secret)) {
        if (text.includes(form)) {
          return yield* Effect.fail(new RecordError({ reason: "a secret survived scrubbing; nothing was written" }))
        }
      }
    }
    const replay = yield* runCase(fixture, options.factory)
    return { fixture, text, replay }
  })
