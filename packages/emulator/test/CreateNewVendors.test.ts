import { Emulator } from "@batchctl/emulator"
import { describe, expect, it, type TestContext } from "vitest"

// What the five newer vendors refuse at create, as their documents say (vendors-more.md §1, §2, §5).
const setup = async ({ onTestFinished }: TestContext) => {
  const emu = await Emulator.start({ speed: 0, seed: 5 })
  onTestFinished(() => emu.close())
  const post = async (url: string, body: unknown, headers: Record<string, string> = { authorization: "Bearer k" }) => {
    const r = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    return { status: r.status, json: (await r.json()) as Record<string, unknown> }
  }
  return { emu, post }
}

const chat = (i: number, pad = "") => ({ messages: [{ role: "user", content: `q${i}${pad}` }] })

describe("create refusals of the newer vendors", () => {
  it("gemini: a batch without display_name, and inline requests past 20 MB, are refused with 400 INVALID_ARGUMENT", async (t) => {
    const { emu, post } = await setup(t)
    const url = `${emu.baseUrl("gemini")}/models/gemini-2.5-flash:batchGenerateContent`
    const key = { "x-goog-api-key": "k" }
    const requests = (n: number, pad = "") =>
      Array.from({ length: n }, (_, i) => ({
        request: { contents: [{ parts: [{ text: `q${i}${pad}` }] }] },
        metadata: { key: `k${i}` }
      }))
    const unnamed = await post(url, { batch: { input_config: { requests: { requests: requests(2) } } } }, key)
    expect(unnamed.status).toBe(400)
    expect(unnamed.json).toMatchObject({ error: { status: "INVALID_ARGUMENT" } })
    const big = await post(
      url,
      { batch: { display_name: "big", input_config: { requests: { requests: requests(21, "x".repeat(1_000_000)) } } } },
      key
    )
    expect(big.status).toBe(400)
    expect(JSON.stringify(big.json)).toContain("20971520")
    expect(emu.batchIds("gemini")).toHaveLength(0)
    const ok = await post(
      url,
      { batch: { display_name: "ok", input_config: { requests: { requests: requests(2) } } } },
      key
    )
    expect(ok.status).toBe(200)
    expect(emu.batchIds("gemini")).toHaveLength(1)
  })

  it("xai: a batch without a name, and an add call past 25 MB, are refused; the batch keeps what fit", async (t) => {
    const { emu, post } = await setup(t)
    const base = emu.baseUrl("xai")
    expect((await post(`${base}/batches`, {})).status).toBe(400)
    const created = await post(`${base}/batches`, { name: "b" })
    expect(created.status).toBe(200)
    const id = created.json.batch_id as string
    const adds = (n: number, pad = "") =>
      Array.from({ length: n }, (_, i) => ({
        batch_request_id: `r${i}`,
        batch_request: { chat_get_completion: { model: "grok-4", ...chat(i, pad) } }
      }))
    const big = await post(`${base}/batches/${id}/requests`, { batch_requests: adds(26, "x".repeat(1_000_000)) })
    expect(big.status).toBe(400)
    expect(big.json).toMatchObject({ code: "invalid-argument" })
    const ok = await post(`${base}/batches/${id}/requests`, { batch_requests: adds(3) })
    expect(ok.status).toBe(200)
    expect(ok.json).toMatchObject({ state: { num_requests: 3 } })
  })

  it("mistral: metadata keys past 32 characters or values past 512 are refused; within them the job keeps them", async (t) => {
    const { emu, post } = await setup(t)
    const url = `${emu.baseUrl("mistral")}/batch/jobs`
    const requests = [{ custom_id: "0", body: chat(0) }]
    const long = await post(url, { endpoint: "/v1/chat/completions", requests, metadata: { ["k".repeat(33)]: "v" } })
    expect(long.status).toBeGreaterThanOrEqual(400)
    const value = await post(url, { endpoint: "/v1/chat/completions", requests, metadata: { k: "v".repeat(513) } })
    expect(value.status).toBeGreaterThanOrEqual(400)
    const ok = await post(url, { endpoint: "/v1/chat/completions", requests, metadata: { batchctl_token: "bc_1" } })
    expect(ok.status).toBe(200)
    expect(ok.json.metadata).toEqual({ batchctl_token: "bc_1" })
    expect(emu.batchIds("mistral")).toEqual([ok.json.id])
  })
})
