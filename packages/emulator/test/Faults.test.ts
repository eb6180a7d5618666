import { Emulator } from "@batchctl/emulator"
import { Faults } from "../src/internal/Faults.js"
import { describe, expect, it, type TestContext } from "vitest"

const setup = async ({ onTestFinished }: TestContext, options: Emulator.Options = {}) => {
  const emu = await Emulator.start({ speed: 0, seed: 1, ...options })
  onTestFinished(() => emu.close())
  return emu
}
const auth = { authorization: "Bearer k", "x-api-key": "k", "anthropic-version": "2023-06-01" }

describe("faults", () => {
  it("store, then drop the answer: the create is stored and its connection dropped; a blind retry makes a second batch", async (t) => {
    const emu = await setup(t, {
      faults: [{ kind: "drop", after: true, rate: 1, times: 1, provider: "anthropic", route: "create" }]
    })
    const send = () =>
      fetch(`${emu.baseUrl("anthropic")}/v1/messages/batches`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({
          requests: [
            { custom_id: "a", params: { model: "m", max_tokens: 8, messages: [{ role: "user", content: "hi" }] } }
          ]
        })
      })
    await expect(send()).rejects.toThrow()
    expect(emu.batchIds("anthropic")).toHaveLength(1)
    // `times: 1`: the next create is answered, and it is a second batch (what never-twice must prevent)
    const again = await send()
    expect(again.status).toBe(200)
    expect(emu.batchIds("anthropic")).toHaveLength(2)
    expect(emu.batchIds("anthropic")[1]).toBe(((await again.json()) as { id: string }).id)
  })

  it("a plain drop stores nothing; a 502 after the create stores the batch and answers 502", async (t) => {
    const emu = await setup(t)
    const form = () => {
      const f = new FormData()
      f.set("purpose", "batch")
      f.set(
        "file",
        new Blob(['{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}\n']),
        "in.jsonl"
      )
      return f
    }
    const file = (await (
      await fetch(`${emu.baseUrl("openai")}/files`, { method: "POST", headers: auth, body: form() })
    ).json()) as { id: string }
    const create = () =>
      fetch(`${emu.baseUrl("openai")}/batches`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" })
      })
    emu.setFaults([{ kind: "drop", rate: 1, times: 1, provider: "openai", route: "create" }])
    await expect(create()).rejects.toThrow()
    expect(emu.batchIds("openai")).toHaveLength(0)
    emu.setFaults([
      { kind: "status", status: 502, after: true, rate: 1, times: 1, provider: "openai", route: "create" }
    ])
    expect((await create()).status).toBe(502)
    expect(emu.batchIds("openai")).toHaveLength(1)
    expect((await create()).status).toBe(200)
    expect(emu.batchIds("openai")).toHaveLength(2)
  })

  it("refuses a rule whose times or after is not what it must be", async (t) => {
    const emu = await setup(t)
    const put = (rules: unknown) =>
      fetch(`${emu.url}/_emulator/faults`, { method: "PUT", body: JSON.stringify(rules) }).then((r) => r.status)
    expect(await put([{ kind: "drop", rate: 1, times: -1 }])).toBe(400)
    expect(await put([{ kind: "drop", rate: 1, after: "yes" }])).toBe(400)
    expect(await put([{ kind: "drop", rate: 1, after: true, times: 2 }])).toBe(200)
  })

  it("answers 429 with retry-after in the vendor's shape, only on the chosen vendor and route", async (t) => {
    const emu = await setup(t, {
      faults: [{ kind: "status", status: 429, retryAfter: 7, rate: 1, provider: "openai", route: "cancel" }]
    })
    const b = await emu.createBatch({ provider: "openai" })
    const r = await fetch(`${emu.baseUrl("openai")}/batches/${b.id}/cancel`, { method: "POST", headers: auth })
    expect(r.status).toBe(429)
    expect(r.headers.get("retry-after")).toBe("7")
    expect(await r.json()).toMatchObject({ error: { type: "requests", code: "rate_limit_exceeded", param: null } })
    // other routes and vendors are untouched
    expect((await fetch(`${emu.baseUrl("openai")}/batches/${b.id}`, { headers: auth })).status).toBe(200)
    const a = await emu.createBatch({ provider: "anthropic" })
    expect(
      (await fetch(`${emu.baseUrl("anthropic")}/v1/messages/batches/${a.id}/cancel`, { method: "POST", headers: auth }))
        .status
    ).toBe(200)
  })

  it("answers 429 without retry-after when the rule says retryAfter: false (header and body), and checks the value", async (t) => {
    const emu = await setup(t, {
      faults: [{ kind: "status", status: 429, retryAfter: false, rate: 1, route: "cancel" }]
    })
    const b = await emu.createBatch({ provider: "openai" })
    const r = await fetch(`${emu.baseUrl("openai")}/batches/${b.id}/cancel`, { method: "POST", headers: auth })
    expect(r.status).toBe(429)
    expect(r.headers.get("retry-after")).toBeNull()
    // Keywords AI (Respan) carries its wait in the body: absent too.
    const k = await emu.createBatch({ provider: "respan" })
    const rk = await fetch(`${emu.baseUrl("respan")}/batches/${k.id}/cancel`, { method: "POST", headers: auth })
    expect(rk.status).toBe(429)
    expect(rk.headers.get("retry-after")).toBeNull()
    expect(await rk.json()).not.toHaveProperty("retry_after")
    const put = (rules: unknown) =>
      fetch(`${emu.url}/_emulator/faults`, { method: "PUT", body: JSON.stringify(rules) }).then((x) => x.status)
    expect(await put([{ kind: "status", status: 429, retryAfter: "7", rate: 1 }])).toBe(400)
    expect(await put([{ kind: "status", status: 429, retryAfter: true, rate: 1 }])).toBe(400)
    expect(await put([{ kind: "status", status: 429, retryAfter: false, rate: 1 }])).toBe(200)
  })

  it("answers 529 overloaded_error (Anthropic) and 503 (Together's string error)", async (t) => {
    const emu = await setup(t, {
      faults: [
        { kind: "status", status: 529, rate: 1, provider: "anthropic" },
        { kind: "status", status: 503, rate: 1, provider: "together" }
      ]
    })
    const a = await fetch(`${emu.baseUrl("anthropic")}/v1/messages/batches`, { headers: auth })
    expect(a.status).toBe(529)
    expect(await a.json()).toMatchObject({ type: "error", error: { type: "overloaded_error" } })
    const t2 = await fetch(`${emu.baseUrl("together")}/batches`, { headers: auth })
    expect(t2.status).toBe(503)
    expect(await t2.json()).toEqual({ error: "Internal server error" })
  })

  it("drops connections, truncates bodies, sends malformed JSON and delays", async (t) => {
    const emu = await setup(t)
    const b = await emu.createBatch({ provider: "openai" })
    const url = `${emu.baseUrl("openai")}/batches/${b.id}`

    emu.setFaults([{ kind: "drop", rate: 1 }])
    await expect(fetch(url, { headers: auth })).rejects.toThrow()

    emu.setFaults([{ kind: "truncated", rate: 1 }])
    await expect(fetch(url, { headers: auth }).then((r) => r.text())).rejects.toThrow()

    emu.setFaults([{ kind: "malformed", rate: 1 }])
    const malformed = await fetch(url, { headers: auth })
    expect(malformed.status).toBe(200)
    const text = await malformed.text()
    expect(() => JSON.parse(text)).toThrow()
    expect(text.startsWith(`{"id":"${b.id}"`)).toBe(true)

    emu.setFaults([{ kind: "delay", millis: 300, rate: 1 }])
    const started = Date.now()
    expect((await fetch(url, { headers: auth })).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)

    emu.setFaults([])
    expect((await fetch(url, { headers: auth })).status).toBe(200)
  })

  it("hits the same requests for the same seed, over HTTP", async (t) => {
    const statuses = async (seed: number) => {
      const emu = await setup(t, { seed, faults: [{ kind: "status", status: 500, rate: 0.5 }] })
      const out: Array<number> = []
      for (let i = 0; i < 24; i++)
        out.push((await fetch(`${emu.baseUrl("moonshot")}/batches`, { headers: auth })).status)
      return out
    }
    const a = await statuses(42)
    expect(await statuses(42)).toEqual(a)
    expect(await statuses(43)).not.toEqual(a)
    expect(a).toContain(500)
    expect(a).toContain(200)
  })

  it("hits at the given rate, per vendor and route, independently of other routes", () => {
    const faults = new Faults(7, [{ kind: "status", status: 503, rate: 0.2, provider: "openai" }])
    const hits = (route: "cancel" | "list") => {
      let n = 0
      for (let i = 0; i < 5000; i++) if (faults.pick("openai", route).length > 0) n++
      return n
    }
    const cancels = hits("cancel")
    expect(cancels).toBeGreaterThan(900)
    expect(cancels).toBeLessThan(1100)
    expect(faults.pick("anthropic", "cancel")).toEqual([])
    // the n-th cancel gets the same answer whatever happened on other routes in between
    const again = new Faults(7, [{ kind: "status", status: 503, rate: 0.2, provider: "openai" }])
    const first = Array.from({ length: 50 }, () => again.pick("openai", "cancel").length)
    const interleaved = new Faults(7, [{ kind: "status", status: 503, rate: 0.2, provider: "openai" }])
    const second = Array.from({ length: 50 }, () => {
      interleaved.pick("openai", "list")
      return interleaved.pick("openai", "cancel").length
    })
    expect(second).toEqual(first)
  })

  it("takes fault rules over the control API and rejects bad ones", async (t) => {
    const emu = await setup(t)
    const put = (rules: unknown) =>
      fetch(`${emu.url}/_emulator/faults`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(rules)
      })
    expect((await put([{ kind: "status", status: 418, rate: 1 }])).status).toBe(400)
    expect((await put([{ kind: "status", status: 502, rate: 1, route: "list" }])).status).toBe(200)
    expect((await fetch(`${emu.baseUrl("meshapi")}/batches`, { headers: auth })).status).toBe(502)
    const mesh = await fetch(`${emu.baseUrl("meshapi")}/batches`, { headers: auth })
    expect(await mesh.json()).toMatchObject({ error: { code: "upstream_error" } })
  })
})

describe("results", () => {
  it("streams a big output file chunk by chunk, generated lazily", async (t) => {
    const emu = await setup(t)
    const n = 5_000
    const b = await emu.createBatch({ provider: "openai", status: "completed", requests: n, padding: 1000 })
    const batch = (await (await fetch(`${emu.baseUrl("openai")}/batches/${b.id}`, { headers: auth })).json()) as {
      output_file_id: string
    }
    const r = await fetch(`${emu.baseUrl("openai")}/files/${batch.output_file_id}/content`, { headers: auth })
    expect(r.headers.get("content-length")).toBeNull()
    expect(r.headers.get("transfer-encoding")).toBe("chunked")
    let bytes = 0
    let lines = 0
    let chunks = 0
    const decoder = new TextDecoder()
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      chunks++
      bytes += chunk.length
      for (const c of decoder.decode(chunk, { stream: true })) if (c === "\n") lines++
    }
    expect(lines).toBe(n)
    expect(bytes).toBeGreaterThan(n * 1000)
    expect(chunks).toBeGreaterThan(10)
  })

  it("truncates a streamed result file: part of it arrives, then the connection ends without the last chunk", async (t) => {
    const emu = await setup(t)
    const b = await emu.createBatch({ provider: "anthropic", status: "ended", requests: 500, padding: 500 })
    const url = (b.body as { results_url: string }).results_url
    const full = (await (await fetch(url, { headers: auth })).arrayBuffer()).byteLength
    emu.setFaults([{ kind: "truncated", rate: 1, route: "results" }])
    const r = await fetch(url, { headers: auth })
    expect(r.status).toBe(200)
    let bytes = 0
    const read = async () => {
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length
    }
    await expect(read()).rejects.toThrow()
    expect(bytes).toBeGreaterThan(64 * 1024)
    expect(bytes).toBeLessThan(full)
  })

  it("serves Anthropic results at results_url with one line per request, canceled ones included", async (t) => {
    const emu = await setup(t)
    const b = await emu.createBatch({ provider: "anthropic", status: "ended", requests: 5, completed: 2 })
    const url = (b.body as { results_url: string }).results_url
    expect(url.startsWith(emu.url)).toBe(true)
    const text = await (await fetch(url, { headers: auth })).text()
    const types = text
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { result: { type: string } }).result.type)
    expect(types).toEqual(["succeeded", "succeeded", "canceled", "canceled", "canceled"])
    const running = await emu.createBatch({ provider: "anthropic", status: "in_progress" })
    expect(
      (await fetch(`${emu.baseUrl("anthropic")}/v1/messages/batches/${running.id}/results`, { headers: auth })).status
    ).toBe(400)
  })
})
