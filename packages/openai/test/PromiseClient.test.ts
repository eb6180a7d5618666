import { BatchError } from "@batchctl/core"
import { OpenAiBatches } from "@batchctl/openai"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

const KEY = "sk-canary-PROMISE-4b1d0c9e7a"
let server: Server
let baseUrl = ""
const requests: Array<{ method: string; url: string; auth: string | undefined }> = []

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization })
    const send = (status: number, body: unknown, delay = 0) =>
      setTimeout(() => {
        res.writeHead(status, { "content-type": "application/json", "x-request-id": "req_local_1" })
        res.end(JSON.stringify(body))
      }, delay)
    const [, , , id, action] = (req.url ?? "").split("?")[0]!.split("/")
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      return send(401, {
        error: {
          message: `Incorrect API key provided: ${req.headers.authorization?.slice(7)}`,
          type: "invalid_request_error"
        }
      })
    }
    if (id === "slow") return send(200, { id, status: "in_progress" }, 5_000)
    if (id === "missing")
      return send(404, { error: { message: `No batch found with id '${id}'.`, type: "invalid_request_error" } })
    if (action === "cancel") return send(200, { id, status: "cancelling", cancelling_at: 1711475133 })
    return send(200, { id, status: "in_progress", created_at: 1711471533 })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe("OpenAI Promise client over real HTTP", () => {
  it("cancels and retrieves", async () => {
    const openai = OpenAiBatches.client({ apiKey: KEY, baseUrl })
    try {
      const cancelled = await openai.cancel("batch_1")
      assert.strictEqual(cancelled.status, "cancelling")
      assert.strictEqual(cancelled.cancelRequestedAt?.toISOString(), "2024-03-26T17:45:33.000Z")
      const got = await openai.retrieve("batch_1")
      assert.strictEqual(got.vendorStatus, "in_progress")
      assert.deepStrictEqual((got.raw as { id: string }).id, "batch_1")
    } finally {
      await openai.close()
    }
  })

  it("rejects with the typed error class itself", async () => {
    const openai = OpenAiBatches.client({ apiKey: KEY, baseUrl })
    try {
      const error: unknown = await openai.retrieve("missing").then(
        () => undefined,
        (e: unknown) => e
      )
      assert.instanceOf(error, BatchError.BatchNotFound)
      assert.isTrue(BatchError.isBatchError(error))
      if (error instanceof BatchError.BatchNotFound) {
        assert.strictEqual(error._tag, "BatchNotFound")
        assert.strictEqual(error.requestId, "req_local_1")
        assert.strictEqual(error.batchId, "missing")
      }
    } finally {
      await openai.close()
    }
  })

  it("an AbortSignal stops the call and rejects with the signal's reason", async () => {
    const openai = OpenAiBatches.client({ apiKey: KEY, baseUrl })
    try {
      const controller = new AbortController()
      const started = Date.now()
      const pending = openai.retrieve("slow", { signal: controller.signal })
      setTimeout(() => controller.abort(new Error("user gave up")), 50)
      const error = await pending.then(
        () => undefined,
        (e: unknown) => e
      )
      assert.instanceOf(error, Error)
      assert.strictEqual((error as Error).message, "user gave up")
      assert.isBelow(Date.now() - started, 2_000)
    } finally {
      await openai.close()
    }
  })

  it("a wrong key rejects with Unauthorized, and the key the server echoed is scrubbed", async () => {
    const wrong = "sk-WRONG-canary-77e2f1a0b9"
    const openai = OpenAiBatches.client({ apiKey: wrong, baseUrl })
    try {
      const error = await openai.cancel("batch_1").then(
        () => undefined,
        (e: unknown) => e as Error
      )
      assert.instanceOf(error, BatchError.Unauthorized)
      const everything = [error?.message, String(error), error?.stack, JSON.stringify(error)].join("\n")
      assert.notInclude(everything, wrong)
      assert.include(everything, "[REDACTED]")
    } finally {
      await openai.close()
    }
  })

  it("a refused connection rejects with TransportFailure", async () => {
    const openai = OpenAiBatches.client({
      apiKey: KEY,
      baseUrl: "http://127.0.0.1:9/v1",
      retry: { maxAttempts: 2, baseDelay: 0 }
    })
    try {
      const error = await openai.retrieve("b").then(
        () => undefined,
        (e: unknown) => e
      )
      assert.instanceOf(error, BatchError.TransportFailure)
    } finally {
      await openai.close()
    }
  })
})
