/**
 * A canary key, echoed back by a hostile server in bodies, headers and HTML, never reaches an error,
 * its message, its JSON, its stack, or a log line, for any built-in adapter.
 */
import { BatchError, BatchProvider, VendorHttp } from "@batchctl/core"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { builtIn } from "./builtIn.js"

const CANARY = "sk-CANARY-do-not-leak-5e0f3b2a9c81"

const echoes: ReadonlyArray<{ status: number; text: string; headers?: Record<string, string> }> = [
  {
    status: 401,
    text: JSON.stringify({ error: { message: `Incorrect API key provided: ${CANARY}`, type: "invalid_request_error" } })
  },
  { status: 401, text: JSON.stringify({ error: `bad key ${CANARY}` }) },
  { status: 403, text: JSON.stringify({ detail: `key ${CANARY} may not do this` }) },
  {
    status: 422,
    text: JSON.stringify({
      detail: [{ loc: ["header", "authorization"], msg: `bad ${CANARY}`, type: "value_error", input: CANARY }]
    })
  },
  {
    status: 400,
    text: JSON.stringify({
      type: "error",
      error: { type: "invalid_request_error", message: CANARY, details: { key: CANARY } }
    })
  },
  { status: 429, text: JSON.stringify({ error: { message: CANARY } }), headers: { "x-request-id": CANARY } },
  { status: 500, text: `<html><title>${CANARY}</title></html>` },
  { status: 200, text: `{"id": "${CANARY}", ` },
  { status: 200, text: JSON.stringify({ id: 1, echo: CANARY }) }
]

describe.each(Object.keys(builtIn))("%s", (provider) => {
  it("no error, message, JSON, stack or log line contains the key", async () => {
    const lines: Array<string> = []
    const logger = Logger.make(({ message, cause }) => {
      lines.push(`${JSON.stringify(message)} ${Cause.pretty(cause)}`)
    })
    for (const echo of echoes) {
      const client = HttpClient.make((request) =>
        Effect.succeed(
          HttpClientResponse.fromWeb(
            request,
            new Response(echo.text, { status: echo.status, headers: echo.headers ?? {} })
          )
        )
      )
      const layer = builtIn[provider]!({ apiKey: Redacted.make(CANARY), retry: VendorHttp.immediateRetries(2) }).pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
      )
      const program = Effect.flatMap(BatchProvider.BatchProvider, (p) =>
        Effect.forEach([p.cancel("b1"), p.retrieve("b1"), p.list(), Stream.runDrain(p.results("b1"))], (op) =>
          Effect.exit(op).pipe(
            Effect.tap((exit) => Effect.logError("operation failed", Exit.isFailure(exit) ? exit.cause : Cause.empty)),
            Effect.tap((exit) => Effect.logDebug(exit))
          )
        )
      )
      const exits = await Effect.runPromise(
        program.pipe(
          Effect.provide(layer),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.All)
        )
      )
      for (const exit of exits) {
        if (Exit.isSuccess(exit)) continue
        const failure = Cause.failureOption(exit.cause)
        assert.isTrue(Option.isSome(failure) && BatchError.isBatchError(failure.value), Cause.pretty(exit.cause))
        if (Option.isSome(failure)) {
          const e = failure.value as Error
          const all = [e.message, String(e), e.stack, JSON.stringify(e), Cause.pretty(exit.cause)].join("\n")
          assert.notInclude(all, CANARY, `${provider} HTTP ${echo.status}`)
        }
      }
    }
    assert.isAbove(lines.length, 0)
    for (const line of lines) assert.notInclude(line, CANARY)
  })
})
