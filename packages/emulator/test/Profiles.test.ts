import Anthropic from "@anthropic-ai/sdk"
import { Emulator, Profile } from "@batchctl/emulator"
import OpenAI from "openai"
import { describe, expect, it, type TestContext } from "vitest"

const T = { validatingMs: 500, requestMs: 250, finalizingMs: 500, cancellingMs: 500 }

// A vendor the emulator does not know, written here from the package's public exports only, as an outside
// author would: its own paths, ids, statuses, object, page-number paging, error envelope and rate headers.
const acme: Profile.VendorProfile = {
  name: "acme",
  basePath: "/acme/api",
  routes: [
    { method: "POST", path: "/jobs", route: "create" },
    { method: "GET", path: "/jobs", route: "list" },
    { method: "GET", path: "/jobs/{id}", route: "retrieve" },
    { method: "POST", path: "/jobs/{id}/stop", route: "cancel" },
    { method: "GET", path: "/jobs/{id}/output", route: "results" }
  ],
  auth: { bearer: false, headers: ["x-acme-key"] },
  ids: { batch: (g) => g.hex(12, "job-"), file: (g) => g.hex(12, "f-"), request: (g) => g.uuid() },
  requestIdHeader: "x-acme-request",
  statuses: {
    validating: "queued",
    in_progress: "running",
    finalizing: "running",
    completed: "done",
    failed: "broken",
    expired: "stale",
    cancelling: "stopping",
    cancelled: "stopped"
  },
  defaultModel: "acme-1",
  render: {
    batch: (b) => ({
      job: b.id,
      state: b.status,
      finished: b.done,
      of: b.total,
      since: Profile.unix(b.createdAt),
      problems: b.errors
    })
  },
  list: {
    paging: { style: "page", pageParam: "p", sizeParam: "n", firstPage: 1, defaultSize: 10, maxSize: 50 },
    page: (p) => ({ jobs: p.data, count: p.total })
  },
  cancel: { interim: true, terminal: "refuse" },
  errors: {
    body: (e) => ({ failure: { status: e.status, why: e.message } }),
    messages: {
      missingKey: "no key",
      wrongKey: "bad key",
      notFound: (what, id) => `no ${what} ${id}`,
      refused: (id, status) => `job ${id} is ${status}`,
      rateLimited: "slow down",
      server: () => "oops",
      tooLarge: () => "too big"
    }
  },
  results: {
    route: { contentType: "application/x-ndjson" },
    line: (_b, r) => JSON.stringify({ ref: r.customId, ok: r.outcome === "succeeded" })
  },
  create: {
    parse: (body) => (Array.isArray(body.items) ? { source: { kind: "inline", lines: body.items } } : "items required"),
    line: { customId: (l) => l.ref, body: (l) => l.input },
    validation: "deferred",
    limits: { maxRequests: 3 }
  },
  rateLimit: { headers: (s) => ({ "x-acme-quota-left": String(s.remaining) }) },
  seed: { fromFile: false, metadata: null }
}

const acmeCall = async (emu: Emulator.Handle, method: string, path: string, body?: unknown, key = "k") => {
  const r = await fetch(`${emu.baseUrl("acme")}${path}`, {
    method,
    headers: { "x-acme-key": key, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await r.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: r.status, headers: r.headers, text, json: json as Record<string, unknown> }
}

describe("a profile written outside the repository", () => {
  it("is served next to the built-in vendors: create, run, stop, results, paging, errors, faults, seeding", async ({
    onTestFinished
  }: TestContext) => {
    const emu = await Emulator.start({
      speed: 0,
      timings: T,
      vendors: [acme],
      faults: [{ kind: "status", status: 503, rate: 1, provider: "acme", route: "retrieve" }]
    })
    onTestFinished(() => emu.close())
    expect(emu.baseUrl("acme")).toBe(`${emu.url}/acme/api`)
    const items = [1, 2, 3].map((i) => ({ ref: `r${i}`, input: { q: i } }))
    const created = await acmeCall(emu, "POST", "/jobs", { items })
    expect(created.status).toBe(200)
    expect(created.json).toMatchObject({ state: "queued", finished: 0, of: 3, problems: null })
    expect(created.json.job).toMatch(/^job-[0-9a-f]{12}$/)
    expect(created.headers.get("x-acme-request")).toBeTruthy()
    expect(created.headers.get("x-acme-quota-left")).toBe("999999")
    const id = created.json.job as string

    // the fault rule names the outside vendor and its route
    const faulted = await acmeCall(emu, "GET", `/jobs/${id}`)
    expect(faulted.status).toBe(503)
    expect(faulted.json).toEqual({ failure: { status: 503, why: "oops" } })
    emu.setFaults([])

    await emu.advance(T.validatingMs + T.requestMs)
    expect((await acmeCall(emu, "GET", `/jobs/${id}`)).json).toMatchObject({ state: "running", finished: 1 })
    expect((await acmeCall(emu, "POST", `/jobs/${id}/stop`)).json.state).toBe("stopping")
    await emu.advance(T.cancellingMs)
    expect((await acmeCall(emu, "GET", `/jobs/${id}`)).json.state).toBe("stopped")
    const refused = await acmeCall(emu, "POST", `/jobs/${id}/stop`)
    expect(refused.status).toBe(409)
    expect(refused.json).toEqual({ failure: { status: 409, why: `job ${id} is stopped` } })
    const output = await acmeCall(emu, "GET", `/jobs/${id}/output`)
    expect(output.headers.get("content-type")).toContain("application/x-ndjson")
    expect(
      output.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
    ).toEqual([
      { ref: "r1", ok: true },
      { ref: "r2", ok: false },
      { ref: "r3", ok: false }
    ])

    // deferred validation with the profile's own limit
    const tooMany = await acmeCall(emu, "POST", "/jobs", { items: [...items, { ref: "r4", input: {} }] })
    expect(tooMany.status).toBe(200)
    await emu.advance(T.validatingMs)
    expect((await acmeCall(emu, "GET", `/jobs/${tooMany.json.job}`)).json).toMatchObject({
      state: "broken",
      problems: [{ code: "too_many_requests", line: null }]
    })

    for (const status of ["running", "done", "stale"]) await emu.createBatch({ provider: "acme", status })
    const page1 = await acmeCall(emu, "GET", "/jobs?p=1&n=2")
    expect(page1.json.count).toBe(5)
    expect((page1.json.jobs as Array<{ state: string }>).map((j) => j.state)).toEqual(["stale", "done"])
    const page3 = await acmeCall(emu, "GET", "/jobs?p=3&n=2")
    expect((page3.json.jobs as Array<{ job: string }>).map((j) => j.job)).toEqual([id])

    expect((await acmeCall(emu, "GET", "/jobs", undefined, "")).json).toEqual({
      failure: { status: 401, why: "no key" }
    })
    expect((await acmeCall(emu, "GET", "/jobs/job-nope")).json).toEqual({
      failure: { status: 404, why: "no batch job-nope" }
    })

    // the built-in vendors are still there
    const openai = new OpenAI({ apiKey: "k", baseURL: emu.baseUrl("openai"), maxRetries: 0 })
    expect((await openai.batches.list()).data).toEqual([])
  })

  it("replaces a built-in vendor of the same name, serves only the given ones with builtins: false, and refuses a bad profile", async ({
    onTestFinished
  }: TestContext) => {
    const quiet: Profile.VendorProfile = {
      ...Emulator.builtinProfiles.find((p) => p.name === "openai")!,
      rateLimit: undefined
    }
    const emu = await Emulator.start({ speed: 0, vendors: [quiet] })
    onTestFinished(() => emu.close())
    const r = await fetch(`${emu.baseUrl("openai")}/batches`, { headers: { authorization: "Bearer k" } })
    expect(r.status).toBe(200)
    expect(r.headers.get("x-ratelimit-limit-requests")).toBeNull()

    const only = await Emulator.start({ speed: 0, vendors: [acme], builtins: false })
    onTestFinished(() => only.close())
    expect((await fetch(`${only.baseUrl("openai")}/batches`, { headers: { authorization: "Bearer k" } })).status).toBe(
      404
    )
    const health = (await (await fetch(`${only.url}/_emulator/health`)).json()) as { providers: Array<string> }
    expect(health.providers).toEqual(["acme"])
    await expect(only.createBatch({ provider: "openai" })).rejects.toMatchObject({ _tag: "EmulatorError" })

    await expect(Emulator.start({ vendors: [{ ...acme, basePath: "/elsewhere" }] })).rejects.toMatchObject({
      _tag: "EmulatorError"
    })
    await expect(Emulator.start({ vendors: [{ ...acme, name: "Not A Name" }] })).rejects.toMatchObject({
      _tag: "EmulatorError"
    })
  })
})

describe("rate limits", () => {
  it("sends each vendor's documented rate-limit headers", async ({ onTestFinished }: TestContext) => {
    const emu = await Emulator.start({ speed: 0 })
    onTestFinished(() => emu.close())
    const get = (url: string, headers: Record<string, string>) => fetch(url, { headers })
    const openai = await get(`${emu.baseUrl("openai")}/batches`, { authorization: "Bearer k" })
    expect(openai.headers.get("x-ratelimit-limit-requests")).toBe("1000000")
    expect(openai.headers.get("x-ratelimit-remaining-requests")).toBe("999999")
    expect(openai.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+m)?\d+m?s$/)
    const anthropic = await get(`${emu.baseUrl("anthropic")}/v1/messages/batches`, {
      "x-api-key": "k",
      "anthropic-version": "2023-06-01"
    })
    expect(anthropic.headers.get("anthropic-ratelimit-requests-limit")).toBe("1000000")
    expect(anthropic.headers.get("anthropic-ratelimit-requests-remaining")).toBe("999999")
    expect(Date.parse(anthropic.headers.get("anthropic-ratelimit-requests-reset") ?? "")).toBeGreaterThan(
      Date.now() - 1000
    )
    const mistral = await get(`${emu.baseUrl("mistral")}/batch/jobs`, { authorization: "Bearer k" })
    expect(mistral.headers.get("x-ratelimit-remaining-req-minute")).toBe("999999")
    const groq = await get(`${emu.baseUrl("groq")}/batches`, { authorization: "Bearer k" })
    expect(groq.headers.get("x-ratelimit-remaining-requests")).toBe("999999")
  })

  it("enforces a per-key request rate with the vendor's 429 and retry-after (openai, @anthropic-ai/sdk)", async ({
    onTestFinished
  }: TestContext) => {
    const emu = await Emulator.start({ speed: 0, rateLimit: { requests: 3, windowMs: 60_000 } })
    onTestFinished(() => emu.close())
    const limited = new OpenAI({ apiKey: "key-a", baseURL: emu.baseUrl("openai"), maxRetries: 0 })
    const remaining: Array<string | null> = []
    for (let i = 0; i < 3; i++) {
      const { response } = await limited.batches.list().withResponse()
      remaining.push(response.headers.get("x-ratelimit-remaining-requests"))
    }
    expect(remaining).toEqual(["2", "1", "0"])
    const refused = await limited.batches.list().catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError)
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>
    const retryAfter = Number(error.headers?.get("retry-after"))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(error.error).toMatchObject({ code: "rate_limit_exceeded" })

    // another key has its own window
    const other = new OpenAI({ apiKey: "key-b", baseURL: emu.baseUrl("openai"), maxRetries: 0 })
    expect((await other.batches.list()).data).toEqual([])

    const anthropic = new Anthropic({ apiKey: "key-c", baseURL: emu.baseUrl("anthropic"), maxRetries: 0 })
    for (let i = 0; i < 3; i++) await anthropic.messages.batches.list()
    const slow = await anthropic.messages.batches.list().catch((e: unknown) => e)
    expect(slow).toBeInstanceOf(Anthropic.RateLimitError)
    expect((slow as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error" }
    })
    expect(
      Number((slow as InstanceType<typeof Anthropic.RateLimitError>).headers?.get("retry-after"))
    ).toBeGreaterThanOrEqual(1)
  })
})
