import { Emulator } from "@batchctl/emulator"
import { describe, expect, it, type TestContext } from "vitest"

// Moonshot, Respan and MeshAPI have no official TypeScript SDK worth pinning: plain fetch over loopback,
// asserting the shapes vendors.md documents for each.
const T = { validatingMs: 500, requestMs: 250, finalizingMs: 500, cancellingMs: 500 }

const setup = async ({ onTestFinished }: TestContext, options: Emulator.Options = {}) => {
  const emu = await Emulator.start({ speed: 0, seed: 9, timings: T, ...options })
  onTestFinished(() => emu.close())
  const call = async (
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: "Bearer k" }
  ) => {
    const r = await fetch(url, {
      method,
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await r.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return {
      status: r.status,
      headers: r.headers,
      text,
      json: json as Record<string, unknown> & { error?: Record<string, unknown> }
    }
  }
  return { emu, call }
}

describe("moonshot", () => {
  it("cancels validating / in_progress / finalizing batches and refuses a finished one with 400 {error:{type,message}}", async (t) => {
    const { emu, call } = await setup(t)
    const base = emu.baseUrl("moonshot")
    for (const status of ["validating", "in_progress", "finalizing"]) {
      const b = await emu.createBatch({ provider: "moonshot", status })
      const r = await call("POST", `${base}/batches/${b.id}/cancel`)
      expect(r.status).toBe(200)
      expect(r.json.status).toBe("cancelling")
    }
    const done = await emu.createBatch({ provider: "moonshot", status: "completed" })
    const refused = await call("POST", `${base}/batches/${done.id}/cancel`)
    expect(refused.status).toBe(400)
    expect(Object.keys(refused.json.error ?? {}).sort()).toEqual(["message", "type"])
    expect(refused.json.error?.type).toBe("invalid_request_error")
    expect(refused.headers.get("x-request-id")).toBeTruthy()
  })

  it("renders the documented object (no errors, expired_at, model or usage) and lists without first_id/last_id", async (t) => {
    const { emu, call } = await setup(t)
    const b = await emu.createBatch({ provider: "moonshot", status: "in_progress", requests: 5, completed: 2 })
    const got = await call("GET", `${emu.baseUrl("moonshot")}/batches/${b.id}`)
    for (const absent of ["errors", "expired_at", "model", "usage"]) expect(got.json).not.toHaveProperty(absent)
    expect(got.json.request_counts).toEqual({ total: 5, completed: 2, failed: 0 })
    expect(got.json.created_at).toBeTypeOf("number")
    const page = await call("GET", `${emu.baseUrl("moonshot")}/batches?limit=1`)
    expect(Object.keys(page.json).sort()).toEqual(["data", "has_more", "object"])
    const missing = await call("GET", `${emu.baseUrl("moonshot")}/batches/nope`)
    expect(missing.status).toBe(404)
    const noKey = await call("GET", `${emu.baseUrl("moonshot")}/batches`, undefined, {})
    expect(noKey.status).toBe(401)
    expect(noKey.json.error).toEqual({ message: "Invalid Authentication", type: "invalid_authentication_error" })
  })
})

describe("respan", () => {
  it("serves Django-style paths with trailing slashes and the documented errors", async (t) => {
    const { emu, call } = await setup(t)
    const base = emu.baseUrl("respan")
    expect(base.endsWith("/respan/api/v1")).toBe(true)
    const b = await emu.createBatch({ provider: "respan", status: "in_progress", requests: 4, completed: 1 })
    expect(b.id).toMatch(/^batch_[0-9a-f]{32}$/)
    expect((await call("GET", `${base}/batches/${b.id}/`)).json.status).toBe("in_progress")
    const cancelled = await call("POST", `${base}/batches/${b.id}/cancel/`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.json.status).toBe("cancelling")
    expect(cancelled.json.cancelling_at).toBeTypeOf("number")

    const done = await emu.createBatch({ provider: "respan", status: "completed" })
    const refused = await call("POST", `${base}/batches/${done.id}/cancel/`)
    expect(refused.status).toBe(400)
    expect(refused.json).toEqual({
      error: { message: "Batch is already completed and cannot be cancelled", type: "invalid_request_error" }
    })
    const missing = await call("GET", `${base}/batches/batch_abc123/`)
    expect(missing.json).toEqual({ error: { message: "No such batch: batch_abc123", type: "invalid_request_error" } })
    const noKey = await call("POST", `${base}/batches/${b.id}/cancel/`, undefined, {})
    expect(noKey.status).toBe(401)
    expect(noKey.json).toEqual({ error: "Authentication credentials were not provided." })
    const list = await call("GET", `${base}/batches/?limit=1`)
    expect(Object.keys(list.json).sort()).toEqual(["data", "first_id", "has_more", "last_id", "object"])
  })

  it("creates a batch from a multipart upload under /respan/api/files/", async (t) => {
    const { emu } = await setup(t)
    const form = new FormData()
    form.set("purpose", "batch")
    form.set("file", new Blob([`${JSON.stringify({ custom_id: "a", body: { model: "gpt-4o-mini" } })}\n`]), "in.jsonl")
    const file = (await (
      await fetch(`${emu.url}/respan/api/files/`, {
        method: "POST",
        headers: { authorization: "Bearer k" },
        body: form
      })
    ).json()) as { id: string }
    const created = await fetch(`${emu.baseUrl("respan")}/batches/`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" })
    })
    expect(created.status).toBe(200)
    const body = (await created.json()) as { status: string; input_file_id: string; request_counts: unknown }
    expect(body.status).toBe("validating")
    expect(body.input_file_id).toBe(file.id)
  })
})

describe("meshapi", () => {
  it("creates inline, cancels to cancelling then cancelled, and returns the finished results inline", async (t) => {
    const { emu, call } = await setup(t)
    const base = emu.baseUrl("meshapi")
    const created = await call("POST", `${base}/batches`, {
      requests: [1, 2, 3].map((i) => ({
        custom_id: `doc-${i}`,
        body: { model: "openai/gpt-5-nano", messages: [{ role: "user", content: "hi" }] }
      }))
    })
    expect(created.status).toBe(200)
    expect(created.json.status).toBe("validating")
    expect(created.json.model).toBe("openai/gpt-5-nano")
    const id = created.json.id as string
    await emu.advance(T.validatingMs + T.requestMs)
    const cancelling = await call("POST", `${base}/batches/${id}/cancel`, {})
    expect(cancelling.json.status).toBe("cancelling")
    expect(cancelling.json).not.toHaveProperty("results")
    await emu.advance(T.cancellingMs)
    const cancelled = await call("GET", `${base}/batches/${id}`)
    expect(cancelled.json.status).toBe("cancelled")
    expect(cancelled.json.results).toEqual([expect.objectContaining({ custom_id: "doc-1", error: null })])
    const refused = await call("POST", `${base}/batches/${id}/cancel`, {})
    expect(refused.status).toBe(409)
    expect(refused.json.error?.code).toBe("conflict")
    expect(refused.json.request_id).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/)
  })

  it("answers 422 validation_error for a bad create, 429 batch_limit_exceeded past 10 unfinished batches, 404 not_found", async (t) => {
    const { emu, call } = await setup(t)
    const base = emu.baseUrl("meshapi")
    const bad = await call("POST", `${base}/batches`, { requests: [] })
    expect(bad.status).toBe(422)
    expect(bad.json.error?.code).toBe("validation_error")
    const one = { requests: [{ custom_id: "x", body: { model: "m" } }] }
    for (let i = 0; i < 10; i++) expect((await call("POST", `${base}/batches`, one)).status).toBe(200)
    const limited = await call("POST", `${base}/batches`, one)
    expect(limited.status).toBe(429)
    expect(limited.json.error?.code).toBe("batch_limit_exceeded")
    expect(limited.headers.get("retry-after")).toBe("30")
    const missing = await call("GET", `${base}/batches/batch%2F123`)
    expect(missing.status).toBe(404)
    expect(missing.json.error?.code).toBe("not_found")
  })
})

describe("control API and limits", () => {
  it("creates a batch of any vendor in any of its states over HTTP and reports health", async (t) => {
    const { emu, call } = await setup(t)
    const made = await call(
      "POST",
      `${emu.url}/_emulator/batches`,
      { provider: "anthropic", status: "ended", requests: 4, completed: 1 },
      {}
    )
    expect(made.status).toBe(200)
    expect(made.json.id).toMatch(/^msgbatch_01/)
    expect(made.json.processing_status).toBe("ended")
    expect(made.json.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 0, canceled: 3, expired: 0 })
    expect(made.json.results_url).toBe(`${emu.url}/anthropic/v1/messages/batches/${made.json.id}/results`)
    const bad = await call("POST", `${emu.url}/_emulator/batches`, { provider: "openai", status: "ended" }, {})
    expect(bad.status).toBe(400)
    const health = await call("GET", `${emu.url}/_emulator/health`, undefined, {})
    expect(health.json).toMatchObject({ ok: true, batches: 1 })
  })

  it("asks Anthropic callers for the anthropic-version header", async (t) => {
    const { emu, call } = await setup(t)
    const r = await call("GET", `${emu.baseUrl("anthropic")}/v1/messages/batches`, undefined, { "x-api-key": "k" })
    expect(r.status).toBe(400)
    expect(r.json).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: "anthropic-version: header is required" }
    })
    expect(r.headers.get("request-id")).toMatch(/^req_011C/)
  })

  it("refuses new batches past maxBatches with the vendor's 429", async (t) => {
    const { emu, call } = await setup(t, { maxBatches: 2 })
    await emu.createBatch({ provider: "openai" })
    await emu.createBatch({ provider: "openai" })
    await expect(emu.createBatch({ provider: "openai" })).rejects.toMatchObject({ _tag: "EmulatorError" })
    const r = await call(
      "POST",
      `${emu.baseUrl("anthropic")}/v1/messages/batches`,
      { requests: [{ custom_id: "a", params: { model: "m" } }] },
      { "x-api-key": "k", "anthropic-version": "2023-06-01" }
    )
    expect(r.status).toBe(429)
    expect(r.json).toMatchObject({ type: "error", error: { type: "rate_limit_error" } })
    expect(r.headers.get("retry-after")).toBe("60")
  })

  it("refuses uploads past maxStoredBytes with the vendor's 429", async (t) => {
    const { emu } = await setup(t, { maxStoredBytes: 100 })
    const upload = () => {
      const form = new FormData()
      form.set("purpose", "batch")
      form.set("file", new Blob(["x".repeat(60)]), "in.jsonl")
      return fetch(`${emu.baseUrl("openai")}/files`, {
        method: "POST",
        headers: { authorization: "Bearer k" },
        body: form
      })
    }
    expect((await upload()).status).toBe(200)
    const refused = await upload()
    expect(refused.status).toBe(429)
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limit_exceeded" } })
  })

  it("runs on its own clock at the given speed without stepping", async (t) => {
    const { emu, call } = await setup(t, { speed: 20 })
    const b = await emu.createBatch({ provider: "openai", status: "in_progress", requests: 2 })
    // 2 requests (500 ms) + finalizing (500 ms) of emulated time are 50 ms at speed 20
    await new Promise((r) => setTimeout(r, 150))
    expect((await call("GET", `${emu.baseUrl("openai")}/batches/${b.id}`)).json.status).toBe("completed")
  })

  it("expires a batch not finished within its window: OpenAI error file lines batch_expired, Anthropic expired counts", async (t) => {
    const { emu, call } = await setup(t, { timings: { ...T, windowMs: 1000 } })
    const o = await call(
      "POST",
      `${emu.url}/_emulator/batches`,
      { provider: "openai", status: "validating", requests: 10 },
      {}
    )
    const a = await call(
      "POST",
      `${emu.url}/_emulator/batches`,
      { provider: "anthropic", status: "in_progress", requests: 10 },
      {}
    )
    await emu.advance(1000)
    const expired = await call("GET", `${emu.baseUrl("openai")}/batches/${o.json.id}`)
    expect(expired.json.status).toBe("expired")
    // validating 500 ms, then 2 requests of 250 ms before the window closed
    expect(expired.json.request_counts).toEqual({ total: 10, completed: 2, failed: 0 })
    const errors = await call("GET", `${emu.baseUrl("openai")}/files/${expired.json.error_file_id}/content`)
    expect(
      errors.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).error.code)
    ).toEqual(Array(8).fill("batch_expired"))
    const ended = await call("GET", `${emu.baseUrl("anthropic")}/v1/messages/batches/${a.json.id}`, undefined, {
      "x-api-key": "k",
      "anthropic-version": "2023-06-01"
    })
    expect(ended.json.processing_status).toBe("ended")
    // a batch seeded in progress was created validatingMs ago: 2 requests of 250 ms fit before the window closed
    expect(ended.json.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 8 })
  })

  it("gives the same ids for the same seed", async (t) => {
    const ids = async (seed: number) => {
      const { emu } = await setup(t, { seed })
      const out: Array<string> = []
      for (const provider of Emulator.providers) out.push((await emu.createBatch({ provider })).id)
      return out
    }
    const [a, b, c] = [await ids(4), await ids(4), await ids(5)]
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
    expect(a[0]).toMatch(/^batch_[0-9a-f]{32}$/)
    expect(a[1]).toMatch(/^msgbatch_01[A-Za-z0-9]{22}$/)
  })

  it("is a layer too", async () => {
    const { Effect } = await import("effect")
    const status = await Effect.gen(function* () {
      const emu = yield* Emulator.Emulator
      const r = yield* Effect.promise(() => fetch(`${emu.url}/_emulator/health`))
      return r.status
    }).pipe(Effect.provide(Emulator.layer({ speed: 0 })), Effect.runPromise)
    expect(status).toBe(200)
  })
})
