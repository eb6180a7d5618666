import Anthropic from "@anthropic-ai/sdk"
import { Emulator } from "@batchctl/emulator"
import { describe, expect, it, type TestContext } from "vitest"

// the official `@anthropic-ai/sdk` against the emulator, with a stopped clock stepped by the test
const T = { validatingMs: 0, requestMs: 250, finalizingMs: 0, cancellingMs: 500 }

const setup = async ({ onTestFinished }: TestContext) => {
  const emu = await Emulator.start({ speed: 0, seed: 11, apiKey: "sk-ant-emulated", timings: T })
  onTestFinished(() => emu.close())
  return { emu, client: new Anthropic({ apiKey: "sk-ant-emulated", baseURL: emu.baseUrl("anthropic"), maxRetries: 0 }) }
}

const requests = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `req-${i + 1}`,
    params: {
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      messages: [{ role: "user" as const, content: `question ${i + 1}` }]
    }
  }))

const RFC3339_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/

describe("@anthropic-ai/sdk", () => {
  it("creates a batch inline, cancels it mid-way: canceling, then ended with partial results", async (t) => {
    const { emu, client } = await setup(t)
    const created = await client.messages.batches.create({ requests: requests(4) })
    expect(created.id).toMatch(/^msgbatch_01[A-Za-z0-9]{22}$/)
    expect(created.type).toBe("message_batch")
    expect(created.processing_status).toBe("in_progress")
    expect(created.request_counts).toEqual({ processing: 4, succeeded: 0, errored: 0, canceled: 0, expired: 0 })
    expect(created.created_at).toMatch(RFC3339_OFFSET)
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(86_400_000)
    expect(created.results_url).toBeNull()

    await emu.advance(T.requestMs)
    const canceling = await client.messages.batches.cancel(created.id)
    expect(canceling.processing_status).toBe("canceling")
    expect(canceling.cancel_initiated_at).toMatch(RFC3339_OFFSET)
    // requests stay processing until the whole batch has ended, so the counts always add up to the total
    expect(canceling.request_counts).toEqual({ processing: 4, succeeded: 0, errored: 0, canceled: 0, expired: 0 })

    await emu.advance(T.cancellingMs)
    const ended = await client.messages.batches.retrieve(created.id)
    expect(ended.processing_status).toBe("ended")
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 0, canceled: 3, expired: 0 })
    expect(ended.ended_at).toMatch(RFC3339_OFFSET)
    expect(ended.results_url).toBe(`${emu.url}/anthropic/v1/messages/batches/${created.id}/results`)

    const results: Array<Anthropic.Messages.Batches.MessageBatchIndividualResponse> = []
    for await (const r of await client.messages.batches.results(created.id)) results.push(r)
    expect(results.map((r) => [r.custom_id, r.result.type])).toEqual([
      ["req-1", "succeeded"],
      ["req-2", "canceled"],
      ["req-3", "canceled"],
      ["req-4", "canceled"]
    ])
    const first = results[0]!.result
    expect(first.type === "succeeded" && first.message.usage.service_tier).toBe("batch")
    expect(first.type === "succeeded" && first.message.model).toBe("claude-sonnet-4-5")

    // an ended batch cannot be canceled any more
    const refused = await client.messages.batches.cancel(created.id).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError)
    const e = refused as InstanceType<typeof Anthropic.BadRequestError>
    expect(e.status).toBe(400)
    expect(e.error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } })
    expect(e.requestID).toMatch(/^req_011C/)
  })

  it("runs a batch to the end on its own, with errored requests", async (t) => {
    const { emu, client } = await setup(t)
    const created = await client.messages.batches.create({
      requests: [...requests(2), { ...requests(1)[0]!, custom_id: "please-fail" }]
    })
    await emu.advance(3 * T.requestMs)
    const ended = await client.messages.batches.retrieve(created.id)
    expect(ended.processing_status).toBe("ended")
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 })
    const types = new Map<string, string>()
    for await (const r of await client.messages.batches.results(created.id)) types.set(r.custom_id, r.result.type)
    expect(types.get("please-fail")).toBe("errored")
    expect(types.get("req-2")).toBe("succeeded")
  })

  it("answers 404 not_found_error for an unknown batch, 401 authentication_error for a wrong key, 400 for bad requests", async (t) => {
    const { emu, client } = await setup(t)
    const missing = await client.messages.batches.retrieve("msgbatch_01nope").catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError)
    expect((missing as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: "error",
      error: { type: "not_found_error" }
    })
    expect(
      await client.messages.batches.cancel("msgbatch_01nope").catch((e: unknown) => (e as { status: number }).status)
    ).toBe(404)

    const wrong = new Anthropic({ apiKey: "sk-ant-wrong", baseURL: emu.baseUrl("anthropic"), maxRetries: 0 })
    const denied = await wrong.messages.batches.list().catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError)
    expect((denied as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      error: { type: "authentication_error" }
    })

    const dup = await client.messages.batches
      .create({ requests: [requests(1)[0]!, requests(1)[0]!] })
      .catch((e: unknown) => e)
    expect(dup).toBeInstanceOf(Anthropic.BadRequestError)
  })

  it("lists newest first with after_id / before_id paging", async (t) => {
    const { emu, client } = await setup(t)
    const ids: Array<string> = []
    for (let i = 0; i < 25; i++)
      ids.push((await emu.createBatch({ provider: "anthropic", status: i % 3 === 0 ? "ended" : "in_progress" })).id)
    const seen: Array<string> = []
    for await (const b of client.messages.batches.list({ limit: 10 })) seen.push(b.id)
    expect(seen).toEqual([...ids].reverse())

    const page = await client.messages.batches.list({ limit: 10 })
    expect(page.has_more).toBe(true)
    expect(page.first_id).toBe(ids[24])
    expect(page.last_id).toBe(ids[15])
    const back = await client.messages.batches.list({ limit: 5, before_id: ids[10]! })
    expect(back.data.map((b) => b.id)).toEqual(ids.slice(11, 16).reverse())
  })
})
