/**
 * What batchctl creates on the five newer vendors, read back with their official SDKs against the emulator
 * (`openai`'s `AzureOpenAI`, `groq-sdk`, `@mistralai/mistralai`, `@google/genai`), and what those SDKs
 * create, read and cancelled by batchctl. xAI has no official JS SDK (its SDK is Python over gRPC): its
 * documented REST shapes are read with `fetch`.
 */
import { AzureOpenAiBatches } from "@batchctl/azure-openai"
import type { Create, PromiseClient } from "@batchctl/core"
import { Emulator } from "@batchctl/emulator"
import { GeminiBatches } from "@batchctl/gemini"
import { GroqBatches } from "@batchctl/groq"
import { MistralBatches } from "@batchctl/mistral"
import { XaiBatches } from "@batchctl/xai"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { GoogleGenAI } from "@google/genai"
import { Mistral } from "@mistralai/mistralai"
import Groq from "groq-sdk"
import { AzureOpenAI } from "openai"

const KEY = "sk-e2e-sdk-read-back-new-0001"
let emu: Emulator.Handle

beforeAll(async () => {
  emu = await Emulator.start({ speed: 0, apiKey: KEY, seed: 17 })
})
afterAll(async () => {
  await emu.close()
})

/** The emulator's origin and the part of a vendor's base URL the SDK adds itself. */
const origin = (provider: Emulator.VendorName, sdkAdds: string) => {
  const base = emu.baseUrl(provider)
  assert.isTrue(base.endsWith(sdkAdds), base)
  return base.slice(0, base.length - sdkAdds.length)
}

const requests = (n: number, model = "m-1"): ReadonlyArray<Create.Request> =>
  Array.from({ length: n }, (_, i) => ({
    customId: `rb-${i}`,
    body: { model, max_tokens: 16, messages: [{ role: "user", content: `Question #${i}? "quoted" ünïcödé` }] }
  }))

/** xAI's batch object as its REST reference documents it (`vendors-more.md` §5). */
interface XaiBatch {
  readonly batch_id: string
  readonly name: string
  readonly cancel_time: string | null
  readonly state: { readonly num_requests: number; readonly num_pending: number }
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `rb-${i}`)

/** The input file as the SDK downloads it: one line per request sent, with its custom_id and body as is. */
const assertInputLines = (text: string, n: number, model: string) => {
  const lines = text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
  assert.deepStrictEqual(
    lines.map((l) => l.custom_id),
    ids(n)
  )
  assert.deepStrictEqual(
    lines.map((l) => l.body),
    requests(n, model).map((r) => r.body)
  )
}

/** An OpenAI-shaped input file of `n` requests, as an SDK user writes it. */
const inputFile = (n: number, model: string, url: string) =>
  requests(n, model)
    .map((r) => JSON.stringify({ custom_id: r.customId, method: "POST", url, body: r.body }))
    .join("\n")

/** batchctl retrieves a batch an SDK created (still running) and cancels it. */
const retrieveAndCancel = async (client: PromiseClient.BatchClient, id: string) => {
  try {
    const seen = await client.retrieve(id)
    assert.strictEqual(seen.id, id)
    assert.isFalse(seen.terminal)
    const cancelled = await client.cancel(id)
    assert.include(["cancelling", "cancelled"], cancelled.status)
  } finally {
    await client.close()
  }
}

describe.sequential("the official SDKs of the newer vendors read back what batchctl created", () => {
  it("openai AzureOpenAI: the batch, the list, and the input file equal to the lines sent", async () => {
    const client = AzureOpenAiBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("azure-openai") })
    try {
      const batch = await client.create(requests(4, "gpt-4o-batch"), { metadata: { project: "rb" } })
      const sdk = new AzureOpenAI({
        apiKey: KEY,
        endpoint: origin("azure-openai", "/openai"),
        apiVersion: "2024-10-21",
        maxRetries: 0
      })
      const seen = await sdk.batches.retrieve(batch.id)
      assert.strictEqual(seen.id, batch.id)
      assert.strictEqual(seen.status, "validating")
      // the endpoint as the adapter sent it (Azure's examples write it with and without `/v1`)
      assert.strictEqual(seen.endpoint, "/v1/chat/completions")
      assert.strictEqual(seen.completion_window, "24h")
      assert.strictEqual(seen.metadata?.project, "rb")
      const listed: Array<string> = []
      for await (const b of sdk.batches.list()) listed.push(b.id)
      assert.include(listed, batch.id)
      const file = await sdk.files.retrieve(seen.input_file_id)
      assert.strictEqual(file.purpose, "batch")
      assertInputLines(await (await sdk.files.content(seen.input_file_id)).text(), 4, "gpt-4o-batch")
    } finally {
      await client.close()
    }
  })

  it("openai AzureOpenAI creates; batchctl retrieves and cancels it", async () => {
    const sdk = new AzureOpenAI({
      apiKey: KEY,
      endpoint: origin("azure-openai", "/openai"),
      apiVersion: "2024-10-21",
      maxRetries: 0
    })
    const body = inputFile(2, "gpt-4o-batch", "/chat/completions")
    const file = await sdk.files.create({ file: new File([body], "in.jsonl"), purpose: "batch" })
    const made = await sdk.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h"
    })
    await retrieveAndCancel(AzureOpenAiBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("azure-openai") }), made.id)
  })

  it("groq-sdk: the batch, the list, and the input file equal to the lines sent", async () => {
    const client = GroqBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("groq") })
    try {
      const batch = await client.create(requests(3, "llama-3.1-8b-instant"), { metadata: { project: "rb" } })
      const sdk = new Groq({ apiKey: KEY, baseURL: origin("groq", "/openai/v1"), maxRetries: 0 })
      const seen = await sdk.batches.retrieve(batch.id)
      assert.strictEqual(seen.id, batch.id)
      assert.strictEqual(seen.status, "validating")
      assert.strictEqual(seen.endpoint, "/v1/chat/completions")
      assert.strictEqual(seen.completion_window, "24h")
      assert.strictEqual((seen.metadata as Record<string, string> | null)?.project, "rb")
      const listed = await sdk.batches.list()
      assert.include(
        listed.data.map((b) => b.id),
        batch.id
      )
      const file = await sdk.files.info(seen.input_file_id)
      assert.strictEqual(file.purpose, "batch")
      assertInputLines(await (await sdk.files.content(seen.input_file_id)).text(), 3, "llama-3.1-8b-instant")
    } finally {
      await client.close()
    }
  })

  it("groq-sdk creates; batchctl retrieves and cancels it", async () => {
    const sdk = new Groq({ apiKey: KEY, baseURL: origin("groq", "/openai/v1"), maxRetries: 0 })
    const body = inputFile(2, "llama-3.1-8b-instant", "/v1/chat/completions")
    const file = await sdk.files.create({ file: new File([body], "in.jsonl"), purpose: "batch" })
    const made = await sdk.batches.create({
      input_file_id: file.id ?? "",
      endpoint: "/v1/chat/completions",
      completion_window: "24h"
    })
    await retrieveAndCancel(GroqBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("groq") }), made.id)
  })

  it("@mistralai/mistralai: the job, the list, and its outputs by custom_id", async () => {
    const client = MistralBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("mistral") })
    try {
      const batch = await client.create(requests(3), { model: "mistral-small-latest" })
      const sdk = new Mistral({ apiKey: KEY, serverURL: origin("mistral", "/v1"), retryConfig: { strategy: "none" } })
      const seen = await sdk.batch.jobs.get({ jobId: batch.id })
      assert.strictEqual(seen.id, batch.id)
      assert.strictEqual(seen.status, "QUEUED")
      assert.strictEqual(seen.endpoint, "/v1/chat/completions")
      assert.strictEqual(seen.model, "mistral-small-latest")
      assert.match(String(seen.metadata?.batchctl_token ?? ""), /^bc_/)
      const listed = await sdk.batch.jobs.list({ pageSize: 100 })
      assert.include(
        (listed.data ?? []).map((j) => j.id),
        batch.id
      )
      await emu.advance(24 * 3600_000)
      const done = await sdk.batch.jobs.get({ jobId: batch.id, inline: true })
      assert.strictEqual(done.status, "SUCCESS")
      assert.strictEqual(done.totalRequests, 3)
      assert.sameMembers(
        (done.outputs ?? []).map((o) => o.custom_id),
        ids(3)
      )
    } finally {
      await client.close()
    }
  })

  it("@mistralai/mistralai creates inline; batchctl retrieves and cancels it", async () => {
    const sdk = new Mistral({ apiKey: KEY, serverURL: origin("mistral", "/v1"), retryConfig: { strategy: "none" } })
    const made = await sdk.batch.jobs.create({
      endpoint: "/v1/chat/completions",
      model: "mistral-small-latest",
      requests: requests(2).map((r) => ({ customId: r.customId, body: r.body as Record<string, unknown> }))
    })
    await retrieveAndCancel(MistralBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("mistral") }), made.id)
    const after = await sdk.batch.jobs.get({ jobId: made.id })
    assert.include(["CANCELLATION_REQUESTED", "CANCELLED"], after.status)
  })

  it("@google/genai: the batch job, the list, and its inlined responses by key", async () => {
    const client = GeminiBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("gemini") })
    try {
      const body = (i: number) => ({ contents: [{ role: "user", parts: [{ text: `Question #${i}?` }] }] })
      const reqs = Array.from({ length: 3 }, (_, i) => ({ customId: `rb-${i}`, body: body(i) }))
      const batch = await client.create(reqs, { model: "gemini-2.5-flash", vendor: { display_name: "rb" } })
      const sdk = new GoogleGenAI({
        apiKey: KEY,
        httpOptions: { baseUrl: origin("gemini", "/v1beta"), apiVersion: "v1beta", retryOptions: { attempts: 1 } }
      })
      const seen = await sdk.batches.get({ name: batch.id })
      assert.strictEqual(seen.name, batch.id)
      assert.strictEqual(seen.state, "JOB_STATE_PENDING")
      assert.strictEqual(seen.model, "models/gemini-2.5-flash")
      assert.match(seen.displayName ?? "", /^rb \[bc_/)
      const listed: Array<string | undefined> = []
      for await (const b of await sdk.batches.list({ config: { pageSize: 50 } })) listed.push(b.name)
      assert.include(listed, batch.id)
      await emu.advance(48 * 3600_000)
      const done = await sdk.batches.get({ name: batch.id })
      assert.strictEqual(done.state, "JOB_STATE_SUCCEEDED")
      assert.sameMembers(
        (done.dest?.inlinedResponses ?? []).map((r) => r.metadata?.key),
        ids(3)
      )
    } finally {
      await client.close()
    }
  })

  it("@google/genai creates inline; batchctl retrieves and cancels it", async () => {
    const sdk = new GoogleGenAI({
      apiKey: KEY,
      httpOptions: { baseUrl: origin("gemini", "/v1beta"), apiVersion: "v1beta", retryOptions: { attempts: 1 } }
    })
    const made = await sdk.batches.create({
      model: "gemini-2.5-flash",
      src: [{ contents: [{ role: "user", parts: [{ text: "hi" }] }] }],
      config: { displayName: "from-sdk" }
    })
    assert.match(made.name ?? "", /^batches\//)
    await retrieveAndCancel(GeminiBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("gemini") }), made.name ?? "")
    const after = await sdk.batches.get({ name: made.name ?? "" })
    assert.include(["JOB_STATE_CANCELLING", "JOB_STATE_CANCELLED"], after.state)
  })

  it("xAI (no official JS SDK; its documented REST): the batch, the list, and its results by batch_request_id", async () => {
    const client = XaiBatches.client({ apiKey: KEY, baseUrl: emu.baseUrl("xai") })
    const get = async <A>(path: string): Promise<A> => {
      const res = await fetch(`${emu.baseUrl("xai")}${path}`, { headers: { authorization: `Bearer ${KEY}` } })
      assert.strictEqual(res.status, 200, path)
      return (await res.json()) as A
    }
    try {
      const batch = await client.create(requests(3, "grok-4"), { vendor: { name: "rb" } })
      const seen = await get<XaiBatch>(`/batches/${batch.id}`)
      assert.strictEqual(seen.batch_id, batch.id)
      assert.match(seen.name, /rb/)
      assert.strictEqual(seen.cancel_time, null)
      assert.strictEqual(seen.state.num_requests, 3)
      assert.strictEqual(seen.state.num_pending, 3)
      const listed = await get<{ batches: ReadonlyArray<XaiBatch> }>("/batches?limit=100")
      assert.include(
        listed.batches.map((b) => b.batch_id),
        batch.id
      )
      await emu.advance(48 * 3600_000)
      const results = await get<{ results: ReadonlyArray<{ batch_request_id: string }> }>(
        `/batches/${batch.id}/results?limit=100`
      )
      assert.sameMembers(
        results.results.map((r) => r.batch_request_id),
        ids(3)
      )
    } finally {
      await client.close()
    }
  })
})
