import { createServer } from "node:http"
import * as LoopbackServer from "../src/testing/LoopbackServer.js"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

export type Scripted =
  | {
      readonly status: number
      readonly headers?: Record<string, string>
      readonly body?: unknown
      readonly text?: string
    }
  | { readonly transport: string }
  | { readonly hang: true }

export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly at: number
}

/** An HttpClient that answers from a script, one entry per request, and records what it was sent. */
export const scripted = (script: ReadonlyArray<Scripted>) => {
  const seen: Array<Seen> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function* () {
      const at = yield* Clock.currentTimeMillis
      seen.push({ method: request.method, url: url.href, headers: { ...request.headers }, at })
      const step = script[seen.length - 1] ?? script[script.length - 1]
      if (step === undefined) return yield* Effect.die("empty script")
      if ("transport" in step) {
        return yield* Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Transport", description: step.transport })
        )
      }
      if ("hang" in step) return yield* Effect.never
      const text = step.text ?? (step.body === undefined ? "" : JSON.stringify(step.body))
      return HttpClientResponse.fromWeb(
        request,
        new Response(text, { status: step.status, headers: { "content-type": "application/json", ...step.headers } })
      )
    })
  )
  return { client, seen }
}

/**
 * The same script served by a real server on loopback: `transport` resets the connection, `hang` never
 * answers. What it was sent is in `seen`.
 */
export const scriptedServer = async (script: ReadonlyArray<Scripted>) => {
  const seen: Array<string> = []
  const server = createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      seen.push(req.url ?? "")
      const step = script[seen.length - 1] ?? script[script.length - 1]
      if (step === undefined || "hang" in step) return
      if ("transport" in step) return res.socket?.destroy()
      const text = step.text ?? (step.body === undefined ? "" : JSON.stringify(step.body))
      res.writeHead(step.status, { "content-type": "application/json", ...step.headers })
      res.end(text)
    })
  })
  return { ...(await LoopbackServer.listen(server)), seen }
}
