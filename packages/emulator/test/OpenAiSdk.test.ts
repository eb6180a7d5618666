import { Emulator } from "@batchctl/emulator"
import OpenAI, { toFile } from "openai"
import { describe, expect, it, type TestContext } from "vitest"

// the official `openai` SDK against the emulator, with a stopped clock stepped by the test
const T = { validatingMs: 500, requestMs: 250, finalizingMs: 500, cancellingMs: 500 }

// tests run concurrently: each gets its own emulator (closed through its own test context), so stepping one
// clock cannot disturb another test
const setup = async ({ onTestFinished }: TestContext) => {
  const emu = await Emulator.start({ speed: 0, seed: 7, apiKey: "sk-emulated", timings: T })
  onTestFinished(() => emu.close())
  return { emu, client: new OpenAI({ apiKey: "sk-emulated", baseURL: emu.baseUrl("openai"), maxRetries: 0 }) }
}

const jsonl = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      custom_id: `q-${i + 1}`,
      method: "POST",
      url: "/v1/chat/completions",
      body: { model: "gpt-4o-mini", messages: [{ role: "user", content: `${i}` }] }
    })
  ).join("\n")

describe("openai SDK", () => {
  it("uploads a file, creates a batch, sees it run, cancels it mid-way and reads the partial output and the error file", async (t) => {
    const { emu, client } = await setup(t)
    const file = await client.files.create({
      file: await toFile(Buffer.from(jsonl(4)), "input.jsonl"),
      purpose: "batch"
    })
    expect(file.id).toMatch(/^file-[A-Za-z0-9]{22}$/)
    expect(file.bytes).toBe(Buffer.byteLength(jsonl(4)))
    expect(file.purpose).toBe("batch")

    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h"
    })
    expect(created.id).toMatch(/^batch_[0-9a-f]{32}$/)
    expect(created.status).toBe("validating")
    expect(created.expires_at).toBe(created.created_at + 86400)
    expect(created.input_file_id).toBe(file.id)

    await emu.advance(T.validatingMs + 2 * T.requestMs)
    const running = await client.batches.retrieve(created.id)
    expect(running.status).toBe("in_progress")
    expect(running.request_counts).toEqual({ total: 4, completed: 2, failed: 0 })

    const cancelling = await client.batches.cancel(created.id)
    expect(cancelling.status).toBe("cancelling")
    expect(cancelling.cancelling_at).toBeTypeOf("number")
    expect(cancelling.cancelled_at).toBeNull()
    // a second cancel while cancelling is accepted
    expect((await client.batches.cancel(created.id)).status).toBe("cancelling")

    await emu.advance(T.cancellingMs)
    const cancelled = await client.batches.retrieve(created.id)
    expect(cancelled.status).toBe("cancelled")
    expect(cancelled.request_counts).toEqual({ total: 4, completed: 2, failed: 0 })
    expect(cancelled.output_file_id).toMatch(/^file-/)
    expect(cancelled.error_file_id).toMatch(/^file-/)

    const output = (await (await client.files.content(cancelled.output_file_id!)).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(output.map((l) => l.custom_id)).toEqual(["q-1", "q-2"])
    expect(output[0].response.status_code).toBe(200)
    expect(output[0].response.body.choices[0].message.content).toContain("q-1")
    expect(output[0].error).toBeNull()

    const errors = (await (await client.files.content(cancelled.error_file_id!)).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(errors.map((l) => [l.custom_id, l.error.code])).toEqual([
      ["q-3", "batch_cancelled"],
      ["q-4", "batch_cancelled"]
    ])

    // cancelling a cancelled batch is refused with 409, as OpenAI does for finished batches
    const refused = await client.batches.cancel(created.id).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.ConflictError)
    expect((refused as InstanceType<typeof OpenAI.ConflictError>).status).toBe(409)
    expect((refused as InstanceType<typeof OpenAI.ConflictError>).message).toContain(
      "Cannot cancel a batch with status 'cancelled'."
    )
  })

  it("refuses to cancel a completed batch with 409 and OpenAI's body", async (t) => {
    const { emu, client } = await setup(t)
    const seeded = await emu.createBatch({ provider: "openai", status: "completed", requests: 3 })
    const refused = await client.batches.cancel(seeded.id).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.ConflictError)
    const e = refused as InstanceType<typeof OpenAI.ConflictError>
    expect(e.error).toEqual({
      message: "Cannot cancel a batch with status 'completed'.",
      type: "invalid_request_error",
      param: null,
      code: null
    })
    expect(e.requestID).toMatch(/^req_[0-9a-f]{32}$/)
  })

  it("finishes a batch on its own: finalizing, then completed with every line in the output file", async (t) => {
    const { emu, client } = await setup(t)
    const seeded = await emu.createBatch({ provider: "openai", status: "in_progress", requests: 3, completed: 1 })
    await emu.advance(2 * T.requestMs)
    expect((await client.batches.retrieve(seeded.id)).status).toBe("finalizing")
    await emu.advance(T.finalizingMs)
    const done = await client.batches.retrieve(seeded.id)
    expect(done.status).toBe("completed")
    expect(done.error_file_id).toBeNull()
    const text = await (await client.files.content(done.output_file_id!)).text()
    expect(text.trim().split("\n")).toHaveLength(3)
    const meta = await client.files.retrieve(done.output_file_id!)
    expect(meta.bytes).toBe(Buffer.byteLength(text))
    expect(meta.purpose).toBe("batch_output")
  })

  it("answers 404 for an unknown batch and an unknown file, and 401 for a wrong key", async (t) => {
    const { emu, client } = await setup(t)
    const missing = await client.batches.retrieve("batch_00000000000000000000000000000000").catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError)
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404)
    expect(await client.batches.cancel("batch_nope").catch((e: unknown) => (e as { status: number }).status)).toBe(404)
    expect(await client.files.content("file-nope").catch((e: unknown) => (e as { status: number }).status)).toBe(404)

    const wrong = new OpenAI({ apiKey: "sk-wrong", baseURL: emu.baseUrl("openai"), maxRetries: 0 })
    const denied = await wrong.batches.list().catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(JSON.stringify(denied)).not.toContain("sk-wrong")
  })

  it("lists every batch newest first with auto-paging", async (t) => {
    const { emu: own, client: sdk } = await setup(t)
    {
      const ids: Array<string> = []
      for (let i = 0; i < 45; i++)
        ids.push((await own.createBatch({ provider: "openai", status: i % 2 === 0 ? "in_progress" : "completed" })).id)
      const seen: Array<string> = []
      for await (const b of sdk.batches.list({ limit: 10 })) seen.push(b.id)
      expect(seen).toEqual([...ids].reverse())
      const first = await sdk.batches.list({ limit: 10 })
      expect(first.data).toHaveLength(10)
      expect(first.has_more).toBe(true)
      const last = await sdk.batches.list({ limit: 10, after: ids[4]! })
      expect(last.data.map((b) => b.id)).toEqual(ids.slice(0, 4).reverse())
      expect(last.has_more).toBe(false)
    }
  })
})
