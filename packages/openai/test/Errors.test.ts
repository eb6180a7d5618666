/**
 * Errors people can act on: a transport failure names method and URL and keeps its cause (never the key),
 * and a Promise rejection carries the frames of the line that made the call.
 */
import { BatchError } from "@batchctl/core"
import { OpenAiBatches } from "@batchctl/openai"
import { assert, describe, it } from "@effect/vitest"
import { createServer as createHttpServer } from "node:http"
import { createServer } from "node:net"
import { types } from "node:util"

const KEY = "sk-canary-ERRORS-5d2e8f1a0b"

/** A port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

describe("errors", () => {
  it("a refused connection is TransportFailure naming method and URL, with the cause, and no key anywhere", async () => {
    const port = await closedPort()
    const openai = OpenAiBatches.client({
      apiKey: KEY,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      retry: { maxAttempts: 1 }
    })
    const error = await openai.cancel("batch_1").catch((e: unknown) => e)
    await openai.close()
    assert.instanceOf(error, BatchError.TransportFailure)
    const failure = error as BatchError.TransportFailure
    assert.strictEqual(failure.method, "POST")
    assert.strictEqual(failure.url, `http://127.0.0.1:${port}/v1/batches/batch_1/cancel`)
    assert.include(failure.message, `POST http://127.0.0.1:${port}/v1/batches/batch_1/cancel`)
    assert.include(failure.message, "ECONNREFUSED")
    assert.isDefined(failure.cause)
    for (const text of [failure.message, String(failure.stack), JSON.stringify(failure), String(failure)]) {
      assert.notInclude(text, KEY)
    }
  })

  it("a rejection's stack includes the caller's line", async () => {
    const port = await closedPort()
    const openai = OpenAiBatches.client({
      apiKey: KEY,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      retry: { maxAttempts: 1 }
    })
    const error = await openai.retrieve("batch_1").catch((e: unknown) => e)
    await openai.close()
    assert.instanceOf(error, Error)
    assert.include(String((error as Error).stack), "Errors.test.ts")
  })

  it("a rejection is the error instance itself, which test libraries and structuredClone can walk", async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" })
      res.end(
        JSON.stringify({ error: { message: "No batch found with id 'batch_1'.", type: "invalid_request_error" } })
      )
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as { port: number }
    const openai = OpenAiBatches.client({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}/v1` })
    const errors = [
      await openai.retrieve("batch_1").catch((e: unknown) => e),
      await (async () => {
        for await (const _ of openai.results("batch_1")) break
      })().catch((e: unknown) => e)
    ]
    await openai.close()
    server.close()
    for (const error of errors) {
      assert.instanceOf(error, BatchError.BatchNotFound)
      // Effect remembers an error's span in a Proxy around it; chai's formatter recursed into that one
      // until the stack overflowed.
      assert.isFalse(types.isProxy(error))
      assert.throws(() => assert.instanceOf(error, Map), /to be an instance of Map/)
      assert.strictEqual(structuredClone(error).message, (error as Error).message)
    }
  })
})
