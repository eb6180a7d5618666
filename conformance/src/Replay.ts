/**
 * A replay `HttpClient`: serves a fixture's exchanges in order, with no network, and records every
 * request and every difference between what the adapter sent and what the fixture expects.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Exchange } from "./Fixture.js"

/** A request the adapter sent, as the replay saw it. */
export interface SentRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
  /** A `multipart/form-data` body, parsed: its text fields, and its `file` part's text. */
  readonly form?: { readonly fields: Readonly<Record<string, string>>; readonly file: string | undefined } | undefined
}

/** An `HttpClient` that answers with a fixture's exchanges, in order, and records what differs. */
export interface Replay {
  readonly client: HttpClient.HttpClient
  /** Differences found so far, each a readable line. */
  readonly problems: () => ReadonlyArray<string>
  /** Every request sent so far, in order. */
  readonly sent: () => ReadonlyArray<SentRequest>
  /** Exchanges the adapter never asked for. */
  readonly unused: () => number
}

/** The text of a request body the adapters send (bytes or a string); `undefined` for none. */
export const bodyText = (body: unknown): string | undefined => {
  const b = body as { readonly _tag?: string; readonly body?: unknown }
  if (b._tag === "Uint8Array" && b.body instanceof Uint8Array) return new TextDecoder().decode(b.body)
  if (b._tag === "Raw" && typeof b.body === "string") return b.body
  return undefined
}

/** A body as text: the kinds {@link bodyText} reads, and a streamed body (an upload) read whole. */
const readBody = (body: unknown): Effect.Effect<string | undefined> => {
  const b = body as { readonly _tag?: string; readonly stream?: Stream.Stream<Uint8Array, unknown> }
  if (b._tag !== "Stream" || b.stream === undefined) return Effect.succeed(bodyText(body))
  return Stream.runCollect(b.stream).pipe(
    Effect.map((chunks) => new TextDecoder().decode(Buffer.concat(Chunk.toReadonlyArray(chunks)))),
    Effect.orElseSucceed(() => undefined)
  )
}

/** A multipart body's fields and file, parsed as a server would. */
const formOf = (text: string, contentType: string): Effect.Effect<SentRequest["form"]> =>
  Effect.promise(async () => {
    try {
      const form = await new Response(text, { headers: { "content-type": contentType } }).formData()
      const fields: Record<string, string> = {}
      let file: string | undefined
      const parts: Array<[string, FormDataEntryValue]> = []
      form.forEach((value, name) => {
        parts.push([name, value])
      })
      for (const [name, value] of parts) {
        if (typeof value === "string") fields[name] = value
        else if (name === "file") file = await value.text()
      }
      return { fields, file }
    } catch {
      return undefined
    }
  })

const queryPairs = (url: URL) => [...url.searchParams.entries()].map(([k, v]) => `${k}=${v}`).sort()

/** Compares what was sent with what the exchange expects; returns the differences. */
export const compare = (expected: Exchange["request"], sent: SentRequest, apiKey: string): Array<string> => {
  const out: Array<string> = []
  if (expected.method.toUpperCase() !== sent.method.toUpperCase()) {
    out.push(`method: expected ${expected.method}, sent ${sent.method}`)
  }
  let want: URL
  let got: URL
  try {
    want = new URL(expected.url)
    got = new URL(sent.url)
  } catch {
    out.push(`url: expected ${expected.url}, sent ${sent.url}`)
    return out
  }
  if (want.origin + want.pathname !== got.origin + got.pathname) {
    out.push(`url: expected ${want.origin}${want.pathname}, sent ${got.origin}${got.pathname}`)
  }
  const wq = queryPairs(want).join("&")
  const gq = queryPairs(got).join("&")
  if (wq !== gq) out.push(`query: expected {${wq}}, sent {${gq}}`)
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const actual = sent.headers[name.toLowerCase()]
    if (actual !== value) out.push(`header ${name}: expected ${JSON.stringify(value)}, sent ${JSON.stringify(actual)}`)
  }
  const auth = expected.auth
  // `x-api-key`, or another header named by the fixture (Azure's `api-key`, Gemini's `x-goog-api-key`).
  const keyHeader = auth === undefined || auth === "bearer" || auth === "none" ? undefined : auth
  const placed =
    auth === "bearer"
      ? sent.headers.authorization === `Bearer ${apiKey}`
      : keyHeader !== undefined
        ? sent.headers[keyHeader] === apiKey
        : true
  if (!placed) out.push(`auth: the key is not sent as ${auth}`)
  // The key must sit exactly where `auth` says, and nowhere else.
  const elsewhere = [
    sent.url.includes(apiKey) ? "the URL" : undefined,
    sent.body?.includes(apiKey) ? "the body" : undefined,
    ...Object.entries(sent.headers)
      .filter(([name, value]) => {
        if (!value.includes(apiKey)) return false
        if (auth === "bearer" && name === "authorization") return false
        if (keyHeader !== undefined && name === keyHeader) return false
        // No `auth` in the fixture: the key may sit in either standard place, and nowhere else.
        if (
          auth === undefined &&
          (name === "x-api-key" || (name === "authorization" && value === `Bearer ${apiKey}`))
        ) {
          return false
        }
        return true
      })
      .map(([name]) => `header ${name}`)
  ].filter((w): w is string => w !== undefined)
  if (elsewhere.length > 0) out.push(`auth: the key also appears in ${elsewhere.join(", ")}`)
  if (expected.form !== undefined) {
    const form = sent.form
    if (form === undefined)
      out.push(`body: expected a multipart/form-data body, sent ${sent.body === undefined ? "no body" : "another"}`)
    else {
      for (const [name, value] of Object.entries(expected.form.fields ?? {})) {
        if (form.fields[name] !== value)
          out.push(`form field ${name}: expected ${JSON.stringify(value)}, sent ${JSON.stringify(form.fields[name])}`)
      }
      if (expected.form.file !== undefined && form.file !== expected.form.file) {
        out.push(`form file: expected ${JSON.stringify(expected.form.file)}, sent ${JSON.stringify(form.file)}`)
      }
    }
  }
  if (expected.body !== undefined) {
    let parsed: unknown
    try {
      parsed = sent.body === undefined ? undefined : JSON.parse(sent.body)
    } catch {
      parsed = sent.body
    }
    if (JSON.stringify(canonical(parsed)) !== JSON.stringify(canonical(expected.body))) {
      out.push(
        `body: expected ${JSON.stringify(expected.body)}, sent ${sent.body === undefined ? "no body" : sent.body}`
      )
    }
  }
  return out
}

const canonical = (u: unknown): unknown => {
  if (Array.isArray(u)) return u.map(canonical)
  if (typeof u === "object" && u !== null) {
    return Object.fromEntries(
      Object.keys(u)
        .sort()
        .map((k) => [k, canonical((u as Record<string, unknown>)[k])])
    )
  }
  return u
}

/** A replay of `exchanges`, checking that each request carries `apiKey` where the fixture says. */
export const make = (exchanges: ReadonlyArray<Exchange>, apiKey: string): Replay => {
  const problems: Array<string> = []
  const sent: Array<SentRequest> = []
  let next = 0
  const client = HttpClient.make((request, url) =>
    Effect.gen(function* () {
      const body = yield* readBody(request.body)
      const contentType = (request.body as { readonly contentType?: string }).contentType ?? ""
      const form =
        body !== undefined && contentType.startsWith("multipart/form-data")
          ? yield* formOf(body, contentType)
          : undefined
      const req: SentRequest = {
        method: request.method,
        url: url.href,
        headers: { ...request.headers },
        body,
        ...(form === undefined ? {} : { form })
      }
      sent.push(req)
      const index = next++
      const exchange = exchanges[index]
      if (exchange === undefined) {
        problems.push(`request #${index + 1} was not expected: ${req.method} ${redact(req.url, apiKey)}`)
        return yield* Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Transport", description: "no recorded exchange left" })
        )
      }
      for (const diff of compare(exchange.request, req, apiKey))
        problems.push(`request #${index + 1}: ${redact(diff, apiKey)}`)
      const { response } = exchange
      const text = response.bodyText ?? (response.body === undefined ? "" : JSON.stringify(response.body))
      const nullBody = response.status === 204 || response.status === 205 || response.status === 304
      return yield* Effect.succeed(
        HttpClientResponse.fromWeb(
          request,
          new Response(nullBody ? null : text, { status: response.status, headers: response.headers ?? {} })
        )
      )
    })
  )
  return {
    client,
    problems: () => problems,
    sent: () => sent,
    unused: () => Math.max(0, exchanges.length - next)
  }
}

const redact = (text: string, apiKey: string) => text.split(apiKey).join("[FAKE-KEY]")
