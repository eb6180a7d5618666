import { Emulator } from "@batchctl/emulator"
import { AzureOpenAI } from "openai"
import { describe, expect, it, type TestContext } from "vitest"

// Mistral, Gemini, Azure OpenAI, Groq and xAI, as vendors-more.md describes them: plain fetch for the
// vendors without a pinned SDK, the `openai` SDK's AzureOpenAI client for Azure.
const T = { validatingMs: 500, requestMs: 250, finalizingMs: 500, cancellingMs: 500 }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

type Json = Record<string, unknown> & { error?: Record<string, unknown> | string }

const setup = async ({ onTestFinished }: TestContext, options: Emulator.Options = {}) => {
  const emu = await Emulator.start({ speed: 0, seed: 3, timings: T, ...options })
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
    return { status: r.status, headers: r.headers, text, json: json as Json }
  }
  const upload = async (
    url: string,
    content: string,
    headers: Record<string, string> = { authorization: "Bearer k" },
    purpose: string | undefined = "batch"
  ) => {
    const form = new FormData()
    if (purpose !== undefined) form.set("purpose", purpose)
    form.set("file", new Blob([content]), "input.jsonl")
    const r = await fetch(url, { method: "POST", headers, body: form })
    return { status: r.status, json: (await r.json()) as Json }
  }
  return { emu, call, upload }
}

const lines = (n: number, line: (i: number) => unknown) =>
  Array.from({ length: n }, (_, i) => JSON.stringify(line(i))).join("\n")

describe("mistral", () => {
  it("runs a job from a file: QUEUED with every counter at zero, RUNNING, CANCELLATION_REQUESTED, CANCELLED with output_file and error_file", async (t) => {
    const { emu, call, upload } = await setup(t)
    const base = emu.baseUrl("mistral")
    expect(base).toBe(`${emu.url}/mistral/v1`)
    const file = await upload(
      `${base}/files`,
      lines(4, (i) => ({ custom_id: `${i}`, body: { messages: [{ role: "user", content: "hi" }] } }))
    )
    expect(file.status).toBe(200)
    expect(file.json.id).toMatch(UUID)
    expect(file.json).toMatchObject({ purpose: "batch", num_lines: 4, sample_type: "batch_request" })

    const created = await call("POST", `${base}/batch/jobs`, {
      input_files: [file.json.id],
      endpoint: "/v1/chat/completions",
      model: "mistral-small-latest",
      metadata: { job_type: "testing" }
    })
    expect(created.status).toBe(200)
    expect(created.json).toMatchObject({
      object: "batch",
      status: "QUEUED",
      total_requests: 0,
      completed_requests: 0,
      succeeded_requests: 0,
      failed_requests: 0,
      output_file: null,
      error_file: null,
      errors: [],
      input_files: [file.json.id],
      metadata: { job_type: "testing" }
    })
    expect(created.json.id).toMatch(UUID)
    expect(created.json).not.toHaveProperty("output_file_id")
    const id = created.json.id as string

    await emu.advance(T.validatingMs + T.requestMs)
    const running = await call("GET", `${base}/batch/jobs/${id}`)
    expect(running.json).toMatchObject({
      status: "RUNNING",
      total_requests: 4,
      completed_requests: 1,
      succeeded_requests: 1
    })
    expect(running.json.started_at).toBeTypeOf("number")

    const cancelling = await call("POST", `${base}/batch/jobs/${id}/cancel`)
    expect(cancelling.json.status).toBe("CANCELLATION_REQUESTED")
    await emu.advance(T.cancellingMs)
    const cancelled = await call("GET", `${base}/batch/jobs/${id}`)
    expect(cancelled.json.status).toBe("CANCELLED")
    const output = await call("GET", `${base}/files/${cancelled.json.output_file}/content`)
    expect(
      output.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).custom_id)
    ).toEqual(["0"])
    expect(JSON.parse(output.text.trim()).id).toMatch(/^0-[0-9a-f-]{36}$/)
    const errors = await call("GET", `${base}/files/${cancelled.json.error_file}/content`)
    expect(errors.text.trim().split("\n")).toHaveLength(3)

    const refused = await call("POST", `${base}/batch/jobs/${id}/cancel`)
    expect(refused.status).toBe(400)
    expect(refused.json).toMatchObject({ object: "error", type: "invalid_request_error" })
  })

  it("lists by page number with a total, returns inline outputs, times out as TIMEOUT_EXCEEDED and refuses timeout_hours past 7 days", async (t) => {
    const { emu, call } = await setup(t, { timings: { ...T, windowMs: 2000 } })
    const base = emu.baseUrl("mistral")
    const ids: Array<string> = []
    for (let i = 0; i < 5; i++)
      ids.push((await emu.createBatch({ provider: "mistral", status: i % 2 === 0 ? "SUCCESS" : "RUNNING" })).id)
    const p0 = await call("GET", `${base}/batch/jobs?page=0&page_size=2`)
    expect(p0.json).toMatchObject({ object: "list", total: 5 })
    expect((p0.json.data as Array<{ id: string }>).map((b) => b.id)).toEqual([ids[4], ids[3]])
    const p2 = await call("GET", `${base}/batch/jobs?page=2&page_size=2`)
    expect((p2.json.data as Array<{ id: string }>).map((b) => b.id)).toEqual([ids[0]])
    const deleted = await call("DELETE", `${base}/batch/jobs/${ids[2]}`)
    expect(deleted.json).toEqual({ id: ids[2], object: "batch", deleted: true })
    const after = await call("GET", `${base}/batch/jobs?page=1&page_size=2`)
    expect(after.json.total).toBe(4)
    expect((after.json.data as Array<{ id: string }>).map((b) => b.id)).toEqual([ids[1], ids[0]])

    const inline = await call("POST", `${base}/batch/jobs`, {
      endpoint: "/v1/chat/completions",
      model: "mistral-small-latest",
      requests: [
        { custom_id: "a", body: { messages: [] } },
        { custom_id: "b", body: { messages: [] } }
      ]
    })
    expect(inline.json.status).toBe("QUEUED")
    await emu.advance(T.validatingMs + 2 * T.requestMs + T.finalizingMs)
    const done = await call("GET", `${base}/batch/jobs/${inline.json.id}`)
    expect(done.json.status).toBe("SUCCESS")
    expect((done.json.outputs as Array<{ custom_id: string }>).map((o) => o.custom_id)).toEqual(["a", "b"])
    expect(done.json.output_file).toBeNull()

    const slow = await emu.createBatch({ provider: "mistral", status: "QUEUED", requests: 100 })
    await emu.advance(2000)
    expect((await call("GET", `${base}/batch/jobs/${slow.id}`)).json.status).toBe("TIMEOUT_EXCEEDED")

    const tooLong = await call("POST", `${base}/batch/jobs`, {
      endpoint: "/v1/chat/completions",
      timeout_hours: 200,
      requests: [{ custom_id: "a", body: {} }]
    })
    expect(tooLong.status).toBe(422)
    expect(tooLong.json).toHaveProperty("detail")
    const badEndpoint = await call("POST", `${base}/batch/jobs`, {
      endpoint: "/v1/images",
      requests: [{ custom_id: "a", body: {} }]
    })
    expect(badEndpoint.status).toBe(422)
    const noKey = await call("GET", `${base}/batch/jobs`, undefined, {})
    expect(noKey.status).toBe(401)
    expect(noKey.json).toMatchObject({ message: "Unauthorized" })
  })
})

describe("gemini", () => {
  const key = { "x-goog-api-key": "g" }

  it("creates inline as an Operation, counts as strings, cancel answers {} and goes straight to BATCH_STATE_CANCELLED", async (t) => {
    const { emu, call } = await setup(t)
    const base = emu.baseUrl("gemini")
    expect(base).toBe(`${emu.url}/gemini/v1beta`)
    const requests = [1, 2, 3].map((i) => ({
      request: { contents: [{ parts: [{ text: `q${i}` }] }] },
      metadata: { key: `req_${i}` }
    }))
    const created = await call(
      "POST",
      `${base}/models/gemini-2.5-flash:batchGenerateContent`,
      { batch: { display_name: "test-batch-job", input_config: { requests: { requests } } } },
      key
    )
    expect(created.status).toBe(200)
    const name = created.json.name as string
    expect(name).toMatch(/^batches\/[0-9a-z]{36}$/)
    expect(created.json).not.toHaveProperty("done")
    const metadata = created.json.metadata as Record<string, unknown>
    expect(metadata).toMatchObject({
      "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
      model: "models/gemini-2.5-flash",
      displayName: "test-batch-job",
      state: "BATCH_STATE_PENDING",
      batchStats: { requestCount: "3", pendingRequestCount: "3" }
    })
    expect(metadata.batchStats).not.toHaveProperty("successfulRequestCount")
    expect(metadata.createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)

    await emu.advance(T.validatingMs + T.requestMs)
    const running = await call("GET", `${base}/${name}`, undefined, key)
    expect(running.json.metadata).toMatchObject({
      state: "BATCH_STATE_RUNNING",
      batchStats: { requestCount: "3", successfulRequestCount: "1", pendingRequestCount: "2" }
    })
    const cancel = await call("POST", `${base}/${name}:cancel`, {}, key)
    expect(cancel.status).toBe(200)
    expect(cancel.json).toEqual({})
    const cancelled = await call("GET", `${base}/${name}`, undefined, key)
    expect(cancelled.json).toMatchObject({ done: true, metadata: { state: "BATCH_STATE_CANCELLED" } })
    const again = await call("POST", `${base}/${name}:cancel`, {}, key)
    expect(again.status).toBe(400)
    expect(again.json.error).toMatchObject({ code: 400, status: "FAILED_PRECONDITION" })
  })

  it("answers inline responses, a responses file for a file batch, pageToken lists without inlined responses, Google errors", async (t) => {
    const { emu, call, upload } = await setup(t)
    const base = emu.baseUrl("gemini")
    const inline = await emu.createBatch({ provider: "gemini", status: "BATCH_STATE_SUCCEEDED", requests: 2 })
    const got = await call("GET", `${base}/batches/${inline.id}`, undefined, key)
    expect(got.json.done).toBe(true)
    const inlined = (
      got.json.response as {
        inlinedResponses: { inlinedResponses: Array<{ metadata: { key: string }; response: unknown }> }
      }
    ).inlinedResponses.inlinedResponses
    expect(inlined.map((r) => r.metadata.key)).toEqual(["request-1", "request-2"])

    const file = await upload(
      `${emu.url}/gemini/upload/v1beta/files`,
      lines(2, (i) => ({ key: `k${i}`, request: { contents: [] } })),
      key,
      undefined
    )
    expect(file.status).toBe(200)
    const fileName = (file.json.file as { name: string }).name
    const created = await call(
      "POST",
      `${base}/models/gemini-2.5-flash:batchGenerateContent`,
      { batch: { displayName: "file-batch", inputConfig: { fileName } } },
      key
    )
    await emu.advance(T.validatingMs + 2 * T.requestMs + T.finalizingMs)
    const done = await call("GET", `${base}/${created.json.name}`, undefined, key)
    const responsesFile = (done.json.metadata as { output: { responsesFile: string } }).output.responsesFile
    expect(responsesFile).toMatch(/^files\//)
    const content = await call(
      "GET",
      `${emu.url}/gemini/download/v1beta/${responsesFile}:download?alt=media`,
      undefined,
      key
    )
    expect(
      content.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).key)
    ).toEqual(["k0", "k1"])

    const seen: Array<string> = []
    let token: string | undefined
    do {
      const page = await call(
        "GET",
        `${base}/batches?pageSize=1${token === undefined ? "" : `&pageToken=${token}`}`,
        undefined,
        key
      )
      for (const op of page.json.operations as Array<{ name: string; response?: unknown }>) {
        seen.push(op.name)
        expect(op).not.toHaveProperty("response.inlinedResponses")
      }
      token = page.json.nextPageToken as string | undefined
    } while (token !== undefined)
    expect(seen).toEqual([created.json.name, `batches/${inline.id}`])

    const missing = await call("GET", `${base}/batches/nope`, undefined, key)
    expect(missing.status).toBe(404)
    expect(missing.json.error).toMatchObject({ code: 404, status: "NOT_FOUND" })
    const viaQuery = await call("GET", `${base}/batches?key=g`, undefined, {})
    expect(viaQuery.status).toBe(200)
    const noKey = await call("GET", `${base}/batches`, undefined, {})
    expect(noKey.status).toBe(403)
    expect(noKey.json.error).toMatchObject({ status: "PERMISSION_DENIED" })
  })
})

describe("azure-openai", () => {
  it("serves the openai SDK's AzureOpenAI client (api-key header, api-version): a window other than 24h is accepted and then fails the job", async (t) => {
    const { emu, call } = await setup(t)
    expect(emu.baseUrl("azure-openai")).toBe(`${emu.url}/azure-openai/openai`)
    const client = new AzureOpenAI({
      apiKey: "az-key",
      endpoint: `${emu.url}/azure-openai`,
      apiVersion: "2024-10-21",
      maxRetries: 0
    })
    const text = lines(2, (i) => ({
      custom_id: `t${i}`,
      method: "POST",
      url: "/v1/chat/completions",
      body: { model: "gpt-4o-batch", messages: [] }
    }))
    const file = await client.files.create({ file: new File([text], "in.jsonl"), purpose: "batch" })
    expect(file.id).toMatch(/^file-[0-9a-f]{32}$/)
    const ok = await client.batches.create({
      input_file_id: file.id,
      endpoint: "/chat/completions" as "/v1/chat/completions",
      completion_window: "24h"
    })
    expect(ok.id).toMatch(/^batch_[0-9a-f-]{36}$/)
    expect(ok).not.toHaveProperty("model")
    const long = await client.batches.create({
      input_file_id: file.id,
      endpoint: "/chat/completions" as "/v1/chat/completions",
      completion_window: "48h" as "24h"
    })
    expect(long.status).toBe("validating")
    await emu.advance(T.validatingMs + 2 * T.requestMs + T.finalizingMs)
    expect((await client.batches.retrieve(ok.id)).status).toBe("completed")
    const failed = await client.batches.retrieve(long.id)
    expect(failed.status).toBe("failed")
    expect(failed.errors?.data?.[0]).toMatchObject({ code: "invalid_request", param: "completion_window" })

    const refused = (await client.batches.cancel(ok.id).then(
      () => ({ status: 200, error: undefined }),
      (e: unknown) => e
    )) as { status: number; error: unknown }
    expect(refused.status).toBe(409)
    expect(refused.error).toMatchObject({ code: "conflict" })

    const noVersion = await call("GET", `${emu.url}/azure-openai/openai/batches`, undefined, { "api-key": "k" })
    expect(noVersion.status).toBe(404)
    expect(noVersion.json).toEqual({ error: { code: "404", message: "Resource not found" } })
    const v1 = await call("GET", `${emu.url}/azure-openai/openai/v1/batches`, undefined, {
      authorization: "Bearer entra-token"
    })
    expect(v1.status).toBe(200)
    expect((v1.json.data as Array<unknown>).length).toBe(2)
  })
})

describe("groq", () => {
  it("lists with ?cursor= and paging.next_cursor, ULID ids with prefixes, errors as a bare array, windows from 24h to 7d", async (t) => {
    const { emu, call, upload } = await setup(t)
    const base = emu.baseUrl("groq")
    expect(base).toBe(`${emu.url}/groq/openai/v1`)
    const ids: Array<string> = []
    for (let i = 0; i < 150; i++) ids.push((await emu.createBatch({ provider: "groq", requests: 1 })).id)
    expect(ids[0]).toMatch(/^batch_[0-9a-z]{26}$/)
    const first = await call("GET", `${base}/batches`)
    expect(first.json.object).toBe("list")
    expect(first.json).not.toHaveProperty("has_more")
    const cursor = (first.json.paging as { next_cursor: string }).next_cursor
    expect(cursor).toMatch(/^cursor_/)
    const second = await call("GET", `${base}/batches?cursor=${cursor}`)
    expect(second.json.paging).toEqual({})
    const seen = [...(first.json.data as Array<{ id: string }>), ...(second.json.data as Array<{ id: string }>)].map(
      (b) => b.id
    )
    expect(seen).toEqual([...ids].reverse())

    const file = await upload(
      `${base}/files`,
      `${JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { model: "m" } })}\nnot json\n`
    )
    expect(file.json.id).toMatch(/^file_[0-9a-z]{26}$/)
    const week = await call("POST", `${base}/batches`, {
      input_file_id: file.json.id,
      endpoint: "/v1/chat/completions",
      completion_window: "7d"
    })
    expect(week.status).toBe(200)
    const tooLong = await call("POST", `${base}/batches`, {
      input_file_id: file.json.id,
      endpoint: "/v1/chat/completions",
      completion_window: "8d"
    })
    expect(tooLong.status).toBe(400)
    await emu.advance(T.validatingMs)
    const failed = await call("GET", `${base}/batches/${week.json.id}`)
    expect(failed.json.status).toBe("failed")
    expect(failed.json.errors).toEqual([expect.objectContaining({ code: "invalid_json_line", line: 2 })])
    expect(failed.json.project_id).toMatch(/^project_/)
  })
})

describe("xai", () => {
  it("creates an empty named batch, adds requests, pages results while it runs, and has no status field", async (t) => {
    const { emu, call } = await setup(t)
    const base = emu.baseUrl("xai")
    expect(base).toBe(`${emu.url}/xai/v1`)
    const created = await call("POST", `${base}/batches`, { name: "My New Batch" })
    expect(created.status).toBe(200)
    expect(created.json.batch_id).toMatch(/^batch_[0-9a-f-]{36}$/)
    expect(created.json).not.toHaveProperty("status")
    expect(created.json).toMatchObject({
      name: "My New Batch",
      cancel_time: null,
      state: { num_requests: 0, num_pending: 0, num_success: 0, num_error: 0, num_cancelled: 0 }
    })
    const id = created.json.batch_id as string
    const batch_requests = [0, 1, 2].map((i) => ({
      batch_request_id: `test_request_${i}`,
      batch_request: { chat_get_completion: { model: "grok-4", messages: [] } }
    }))
    const added = await call("POST", `${base}/batches/${id}/requests`, { batch_requests })
    expect(added.status).toBe(200)
    expect(added.json.state).toMatchObject({ num_requests: 3, num_pending: 3 })

    await emu.advance(T.validatingMs + 2 * T.requestMs)
    const page = await call("GET", `${base}/batches/${id}/results?limit=1`)
    expect(page.json.results).toEqual([
      expect.objectContaining({
        batch_request_id: "test_request_0",
        batch_result: { response: { chat_get_completion: expect.objectContaining({ object: "chat.completion" }) } }
      })
    ])
    const next = await call(
      "GET",
      `${base}/batches/${id}/results?limit=1&pagination_token=${page.json.pagination_token}`
    )
    expect((next.json.results as Array<{ batch_request_id: string }>)[0]?.batch_request_id).toBe("test_request_1")
    expect(next.json.pagination_token).toBeNull()

    const cancelled = await call("POST", `${base}/batches/${id}:cancel`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.json.cancel_time).toBeTypeOf("string")
    expect(cancelled.json.state).toMatchObject({ num_requests: 3, num_pending: 0, num_success: 2, num_cancelled: 1 })
    const refusedAdd = await call("POST", `${base}/batches/${id}/requests`, { batch_requests })
    expect(refusedAdd.status).toBe(400)
  })

  it("accepts a cancel of a batch whose requests are all done (200, cancel_time set), pages the list, answers a bad key with 400", async (t) => {
    const { emu, call } = await setup(t, { apiKey: "xai-good" })
    const base = emu.baseUrl("xai")
    const good = { authorization: "Bearer xai-good" }
    const done = await emu.createBatch({ provider: "xai", status: "done", requests: 1 })
    const other = await emu.createBatch({ provider: "xai", status: "in_progress", requests: 2 })
    const cancelled = await call("POST", `${base}/batches/${done.id}:cancel`, undefined, good)
    expect(cancelled.status).toBe(200)
    expect(cancelled.json.cancel_time).toBeTypeOf("string")
    expect(cancelled.json.state).toMatchObject({ num_requests: 1, num_pending: 0, num_success: 1, num_cancelled: 0 })
    const page = await call("GET", `${base}/batches?limit=1`, undefined, good)
    expect((page.json.batches as Array<{ batch_id: string }>).map((b) => b.batch_id)).toEqual([other.id])
    const last = await call(
      "GET",
      `${base}/batches?limit=1&pagination_token=${page.json.pagination_token}`,
      undefined,
      good
    )
    expect((last.json.batches as Array<{ batch_id: string }>).map((b) => b.batch_id)).toEqual([done.id])
    expect(last.json).not.toHaveProperty("pagination_token")
    const bad = await call("GET", `${base}/batches`, undefined, { authorization: "Bearer wrong" })
    expect(bad.status).toBe(400)
    expect(bad.json).toEqual({
      code: "invalid-argument",
      error: "Incorrect API key provided. You can obtain an API key from https://console.x.ai."
    })
  })
})

describe("seeding the new vendors", () => {
  it("seeds every built-in vendor in each of its status names, over the handle and the control API", async (t) => {
    const { emu, call } = await setup(t)
    expect(Emulator.vendors).toEqual([
      "openai",
      "anthropic",
      "moonshot",
      "together",
      "respan",
      "meshapi",
      "mistral",
      "gemini",
      "azure-openai",
      "groq",
      "xai"
    ])
    const names: Record<string, ReadonlyArray<string>> = {
      mistral: ["QUEUED", "RUNNING", "SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLATION_REQUESTED", "CANCELLED"],
      gemini: [
        "BATCH_STATE_PENDING",
        "BATCH_STATE_RUNNING",
        "BATCH_STATE_SUCCEEDED",
        "BATCH_STATE_FAILED",
        "BATCH_STATE_CANCELLED",
        "BATCH_STATE_EXPIRED",
        "JOB_STATE_RUNNING"
      ],
      "azure-openai": [
        "validating",
        "in_progress",
        "finalizing",
        "completed",
        "failed",
        "expired",
        "cancelling",
        "cancelled"
      ],
      groq: ["validating", "in_progress", "completed", "cancelled"],
      xai: ["queued", "in_progress", "done", "cancelled", "expired"]
    }
    for (const [provider, statuses] of Object.entries(names)) {
      for (const status of statuses) {
        const r = await call(
          "POST",
          `${emu.url}/_emulator/batches`,
          { provider, status, requests: 3, completed: 1 },
          {}
        )
        expect(r.status, `${provider} ${status}`).toBe(200)
      }
    }
    const bulk = await call(
      "POST",
      `${emu.url}/_emulator/batches/bulk`,
      { provider: "mistral", status: "RUNNING", count: 3 },
      {}
    )
    expect((bulk.json.ids as Array<string>).length).toBe(3)
    const health = await call("GET", `${emu.url}/_emulator/health`, undefined, {})
    expect(health.json.providers).toEqual(Emulator.vendors)
  })
})
