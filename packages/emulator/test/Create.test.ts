import Anthropic from "@anthropic-ai/sdk"
import { Emulator } from "@batchctl/emulator"
import OpenAI, { toFile } from "openai"
import Together from "together-ai"
import { describe, expect, it, type TestContext } from "vitest"

// Creating as the vendors really do it (#22), through the official SDKs where they cover it.
const T = { validatingMs: 500, requestMs: 250, finalizingMs: 500, cancellingMs: 500 }

const setup = async ({ onTestFinished }: TestContext, options: Emulator.Options = {}) => {
  const emu = await Emulator.start({ speed: 0, seed: 13, timings: T, ...options })
  onTestFinished(() => emu.close())
  return { emu, openai: new OpenAI({ apiKey: "sk-e", baseURL: emu.baseUrl("openai"), maxRetries: 0 }) }
}

const line = (customId: string, model = "gpt-4o-mini") =>
  JSON.stringify({
    custom_id: customId,
    method: "POST",
    url: "/v1/chat/completions",
    body: { model, messages: [{ role: "user", content: "hi" }] }
  })

const health = async (emu: Emulator.Handle) =>
  (await (await fetch(`${emu.url}/_emulator/health`)).json()) as { storedBytes: number }

describe("create, as the vendors do it", () => {
  it("accepts a bad input file at create; the batch then fails with errors.data [{code, line, message}] (openai SDK)", async (t) => {
    const { emu, openai } = await setup(t)
    const text = [line("a"), "{not json", line("a"), line("b", "gpt-4o"), line("c")].join("\n")
    const file = await openai.files.create({ file: await toFile(Buffer.from(text), "bad.jsonl"), purpose: "batch" })
    const created = await openai.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h"
    })
    expect(created.status).toBe("validating")
    expect(created.errors).toBeNull()
    await emu.advance(T.validatingMs)
    const failed = await openai.batches.retrieve(created.id)
    expect(failed.status).toBe("failed")
    expect(failed.failed_at).toBeTypeOf("number")
    expect(failed.output_file_id).toBeNull()
    expect(failed.request_counts).toEqual({ total: 0, completed: 0, failed: 0 })
    expect(failed.errors?.data?.map((e) => [e.code, e.line])).toEqual([
      ["invalid_json_line", 2],
      ["duplicate_custom_id", 3],
      ["model_mismatch", 4]
    ])
    for (const e of failed.errors?.data ?? []) expect(e.message).toBeTypeOf("string")
    // the input file was kept as uploaded
    expect(await (await openai.files.content(file.id)).text()).toBe(text)
  })

  it("refuses windows and endpoints a vendor refuses, with its error (openai, together-ai SDKs)", async (t) => {
    const { emu, openai } = await setup(t)
    const file = await openai.files.create({ file: await toFile(Buffer.from(line("a")), "in.jsonl"), purpose: "batch" })
    const window = await openai.batches
      .create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "48h" as "24h" })
      .catch((e: unknown) => e)
    expect(window).toBeInstanceOf(OpenAI.BadRequestError)
    expect((window as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("completion_window")
    const endpoint = await openai.batches
      .create({
        input_file_id: file.id,
        endpoint: "/v1/assistants" as "/v1/chat/completions",
        completion_window: "24h"
      })
      .catch((e: unknown) => e)
    expect(endpoint).toBeInstanceOf(OpenAI.BadRequestError)
    expect((endpoint as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("endpoint")
    expect((await openai.batches.list()).data).toHaveLength(0)

    const together = new Together({ apiKey: "t", baseURL: emu.baseUrl("together"), maxRetries: 0 })
    const tfile = await fetch(`${emu.baseUrl("together")}/files`, {
      method: "POST",
      headers: { authorization: "Bearer t" },
      body: (() => {
        const f = new FormData()
        f.set("purpose", "batch-api")
        f.set("file", new Blob([line("a")]), "in.jsonl")
        return f
      })()
    })
    const tid = ((await tfile.json()) as { id: string }).id
    const refused = await together.batches
      .create({ input_file_id: tid, endpoint: "/v1/embeddings" as "/v1/chat/completions" })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(Together.BadRequestError)
    const ok = await together.batches.create({ input_file_id: tid, endpoint: "/v1/chat/completions" })
    expect(ok.job?.status).toBe("VALIDATING")
  })

  it("answers an over-large upload with the vendor's 400/413, not a reset; a streamed one too (openai, anthropic SDKs)", async (t) => {
    const { emu } = await setup(t, { maxUploadBytes: 64 * 1024 })
    const openai = new OpenAI({ apiKey: "sk-e", baseURL: emu.baseUrl("openai"), maxRetries: 2 })
    const big = Buffer.alloc(256 * 1024, "x")
    const refused = await openai.files
      .create({ file: await toFile(big, "big.jsonl"), purpose: "batch" })
      .catch((e: unknown) => e)
    // a reset would be an APIConnectionError, retried twice
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError)
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("File is too large.")

    const anthropic = new Anthropic({ apiKey: "a", baseURL: emu.baseUrl("anthropic"), maxRetries: 2 })
    const requests = Array.from({ length: 400 }, (_, i) => ({
      custom_id: `r${i}`,
      params: {
        model: "claude-sonnet-4-5",
        max_tokens: 8,
        messages: [{ role: "user" as const, content: "y".repeat(400) }]
      }
    }))
    const tooLarge = await anthropic.messages.batches.create({ requests }).catch((e: unknown) => e)
    expect(tooLarge).toBeInstanceOf(Anthropic.APIError)
    expect((tooLarge as InstanceType<typeof Anthropic.APIError>).status).toBe(413)
    expect((tooLarge as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "request_too_large" }
    })

    // no content-length: the limit is found while the body streams in
    const chunk = new Uint8Array(16 * 1024).fill(120)
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 32) controller.enqueue(chunk)
        else controller.close()
      }
    })
    const r = await fetch(`${emu.baseUrl("openai")}/files`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "multipart/form-data; boundary=x" },
      body: stream,
      duplex: "half"
    } as RequestInit)
    expect(r.status).toBe(400)
    expect(await r.json()).toMatchObject({ error: { message: "File is too large.", type: "invalid_request_error" } })
    // the server still answers other clients
    expect((await fetch(`${emu.url}/_emulator/health`)).status).toBe(200)
  })

  it("parses a multipart upload of 20 MB into the store byte for byte (openai SDK)", async (t) => {
    const { emu, openai } = await setup(t)
    // content that looks like multipart framing, to catch a parser that splits on the wrong boundary
    const unit = `${line("x")}\r\n--not-the-boundary\r\n\r\n`
    const text = unit.repeat(Math.ceil((20 * 1024 * 1024) / unit.length))
    const file = await openai.files.create({ file: await toFile(Buffer.from(text), "big.jsonl"), purpose: "batch" })
    expect(file.bytes).toBe(Buffer.byteLength(text))
    const back = await (await openai.files.content(file.id)).text()
    expect(back.length).toBe(text.length)
    expect(back === text).toBe(true)
    expect((await health(emu)).storedBytes).toBe(Buffer.byteLength(text))
  })

  it("lists and deletes uploaded files, freeing their bytes (openai SDK)", async (t) => {
    const { emu, openai } = await setup(t)
    const a = await openai.files.create({ file: await toFile(Buffer.from(line("a")), "a.jsonl"), purpose: "batch" })
    const b = await openai.files.create({ file: await toFile(Buffer.from(line("b")), "b.jsonl"), purpose: "batch" })
    const listed: Array<string> = []
    for await (const f of openai.files.list()) listed.push(f.id)
    expect(listed).toEqual([b.id, a.id])
    expect((await health(emu)).storedBytes).toBe(a.bytes + b.bytes)
    const deleted = await openai.files.delete(a.id)
    expect(deleted).toMatchObject({ id: a.id, deleted: true })
    expect(await openai.files.retrieve(a.id).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError)
    expect((await health(emu)).storedBytes).toBe(b.bytes)
    expect(await openai.files.delete(a.id).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError)
  })

  it("evicts the input files of ended batches when the store bound is reached, and refuses when nothing can go", async (t) => {
    const { emu, openai } = await setup(t, { maxStoredBytes: 300 })
    const text = `${line("a")}\n`.padEnd(200, " ")
    const first = await openai.files.create({ file: await toFile(Buffer.from(text), "a.jsonl"), purpose: "batch" })
    const batch = await openai.batches.create({
      input_file_id: first.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h"
    })
    // the first file's batch is running: nothing can be evicted
    expect(
      await openai.files
        .create({ file: await toFile(Buffer.from(text), "b.jsonl"), purpose: "batch" })
        .catch((e: unknown) => e)
    ).toBeInstanceOf(OpenAI.RateLimitError)
    await emu.advance(T.validatingMs + T.requestMs + T.finalizingMs)
    expect((await openai.batches.retrieve(batch.id)).status).toBe("completed")
    const second = await openai.files.create({ file: await toFile(Buffer.from(text), "b.jsonl"), purpose: "batch" })
    expect(second.bytes).toBe(200)
    expect(await openai.files.retrieve(first.id).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError)
    expect((await health(emu)).storedBytes).toBe(200)
  })

  it("keeps Anthropic's counts adding up to the total while the batch runs (@anthropic-ai/sdk)", async (t) => {
    const { emu } = await setup(t)
    const anthropic = new Anthropic({ apiKey: "a", baseURL: emu.baseUrl("anthropic"), maxRetries: 0 })
    const requests = Array.from({ length: 4 }, (_, i) => ({
      custom_id: i === 1 ? "will-fail" : `r${i}`,
      params: { model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user" as const, content: "q" }] }
    }))
    const created = await anthropic.messages.batches.create({ requests })
    const sum = (c: Anthropic.Messages.MessageBatchRequestCounts) =>
      c.processing + c.succeeded + c.errored + c.canceled + c.expired
    for (let step = 0; step < 6; step++) {
      const b = await anthropic.messages.batches.retrieve(created.id)
      expect(sum(b.request_counts)).toBe(4)
      if (b.processing_status !== "ended") expect(b.request_counts.processing).toBe(4)
      if (step === 4) await anthropic.messages.batches.cancel(created.id)
      await emu.advance(T.requestMs)
    }
    const ended = await anthropic.messages.batches.retrieve(created.id)
    expect(ended.processing_status).toBe("ended")
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 1, canceled: 2, expired: 0 })
  })

  it("lists seeded batches in created_at order, whatever states they were seeded in (openai, @anthropic-ai/sdk)", async (t) => {
    const { emu, openai } = await setup(t)
    const statuses = [
      "completed",
      "in_progress",
      "expired",
      "validating",
      "cancelled",
      "finalizing",
      "failed",
      "cancelling"
    ]
    for (let i = 0; i < 24; i++) {
      await emu.createBatch({ provider: "openai", status: statuses[i % statuses.length], requests: 5, completed: 2 })
      await emu.createBatch({
        provider: "anthropic",
        status: i % 2 === 0 ? "ended" : "in_progress",
        requests: 5,
        completed: 2
      })
      await emu.advance(7)
    }
    const created: Array<number> = []
    for await (const b of openai.batches.list({ limit: 5 })) created.push(b.created_at)
    expect(created).toHaveLength(24)
    expect(created).toEqual([...created].sort((a, b) => b - a))
    const anthropic = new Anthropic({ apiKey: "a", baseURL: emu.baseUrl("anthropic"), maxRetries: 0 })
    const times: Array<number> = []
    for await (const b of anthropic.messages.batches.list({ limit: 7 })) times.push(Date.parse(b.created_at))
    expect(times).toHaveLength(24)
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })
})
