/**
 * What each adapter sends a vendor, header by header, over real HTTP on loopback: auth, the vendor's
 * required version headers, content type, `accept`, batchctl's user agent, and nothing else (no trace
 * headers) unless configured. Headers that the HTTP client itself adds (`host`, `connection`, …) are
 * set aside by name.
 */
import { AnthropicBatches } from "@batchctl/anthropic"
import { version as coreVersion } from "@batchctl/core"
import * as LoopbackServer from "@batchctl/core/testing"
import { MeshApiBatches } from "@batchctl/meshapi"
import { MoonshotBatches } from "@batchctl/moonshot"
import { OpenAiBatches } from "@batchctl/openai"
import { RespanBatches } from "@batchctl/respan"
import { TogetherBatches } from "@batchctl/together"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { createRequire } from "node:module"

/** Added by Node's `fetch` (undici) whatever the caller asks, not by the adapter. */
const TRANSPORT = new Set([
  "host",
  "connection",
  "content-length",
  "accept-encoding",
  "accept-language",
  "sec-fetch-mode"
])
const KEY = "sk-wire-headers-0123456789"

let server: LoopbackServer.LoopbackServer
beforeAll(async () => {
  server = await LoopbackServer.start((request) => {
    const path = request.path.split("?")[0]!
    const together = path.startsWith("/together")
    const anthropic = path.startsWith("/anthropic")
    if (path.endsWith("/content") || path.endsWith("/content/") || path.endsWith("/results")) {
      const line = anthropic
        ? { custom_id: "a", result: { type: "succeeded", message: {} } }
        : { custom_id: "a", response: { status_code: 200, body: {} }, error: null }
      return { status: 200, text: `${JSON.stringify(line)}\n`, headers: { "content-type": "application/octet-stream" } }
    }
    if (/\/batches\/?$/.test(path)) {
      return { status: 200, body: together ? [] : { data: [], has_more: false } }
    }
    const id = path
      .split("/")
      .filter((p) => p.length > 0 && p !== "cancel")
      .at(-1)!
    const cancel = path.includes("/cancel")
    if (anthropic) {
      return {
        status: 200,
        body: {
          id,
          processing_status: cancel ? "canceling" : "ended",
          request_counts: { processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 0 },
          results_url: `${server.url}/anthropic/v1/messages/batches/${id}/results`
        }
      }
    }
    return {
      status: 200,
      body: {
        id,
        status: together ? (cancel ? "CANCELLED" : "COMPLETED") : cancel ? "cancelling" : "completed",
        output_file_id: "file-out",
        request_counts: { total: 1, completed: 1, failed: 0 },
        results: [{ custom_id: "a", response: { status_code: 200, body: {} }, error: null }]
      }
    }
  })
})
afterAll(() => server.close())

const require = createRequire(import.meta.url)
/** Each package's own version: a release moves them (a provider's patch moves only that one). */
const ua = (pkg: string) =>
  `batchctl/${coreVersion} (${pkg}/${(require(`${pkg}/package.json`) as { version: string }).version})`
const bearer = { authorization: `Bearer ${KEY}` }

interface Case {
  readonly provider: string
  readonly client: (baseUrl: string) => {
    cancel(id: string): Promise<unknown>
    retrieve(id: string): Promise<unknown>
    list(): Promise<unknown>
    resultsArray(id: string): Promise<unknown>
    close(): Promise<void>
  }
  readonly prefix: string
  readonly base: Readonly<Record<string, string>>
  /** Extra on the cancel request (a body's content type). */
  readonly cancel?: Readonly<Record<string, string>>
  readonly downloads: boolean
}

const cases: ReadonlyArray<Case> = [
  {
    provider: "openai",
    client: (baseUrl) => OpenAiBatches.client({ apiKey: KEY, baseUrl }),
    prefix: "/openai/v1",
    base: { ...bearer, "user-agent": ua("@batchctl/openai") },
    downloads: true
  },
  {
    provider: "anthropic",
    client: (baseUrl) => AnthropicBatches.client({ apiKey: KEY, baseUrl }),
    prefix: "/anthropic",
    base: { "x-api-key": KEY, "anthropic-version": "2023-06-01", "user-agent": ua("@batchctl/anthropic") },
    downloads: true
  },
  {
    provider: "moonshot",
    client: (baseUrl) => MoonshotBatches.client({ apiKey: KEY, baseUrl }),
    prefix: "/moonshot/v1",
    base: { ...bearer, "user-agent": ua("@batchctl/moonshot") },
    downloads: true
  },
  {
    provider: "together",
    client: (baseUrl) => TogetherBatches.client({ apiKey: KEY, baseUrl }),
    prefix: "/together/v1",
    base: { ...bearer, "user-agent": ua("@batchctl/together") },
    downloads: true
  },
  {
    provider: "respan",
    client: (baseUrl) => RespanBatches.client({ apiKey: KEY, baseUrl }),
    prefix: "/respan/api/v1",
    base: { ...bearer, "user-agent": ua("@batchctl/respan") },
    downloads: true
  },
  {
    provider: "meshapi",
    client: (baseUrl) => MeshApiBatches.client({ apiKey: KEY, baseUrl }),
    prefix: "/meshapi/v1",
    base: { ...bearer, "user-agent": ua("@batchctl/meshapi") },
    cancel: { "content-type": "application/json" },
    downloads: false
  }
]

const sent = (from: number) =>
  server.seen.slice(from).map((s) => ({
    method: s.method,
    path: s.path,
    headers: Object.fromEntries(Object.entries(s.headers).filter(([name]) => !TRANSPORT.has(name))) as Record<
      string,
      unknown
    >
  }))

describe.sequential("the headers each adapter sends", () => {
  for (const c of cases) {
    it(`${c.provider}: cancel, retrieve, list and results send exactly auth, vendor headers, accept and user agent`, async () => {
      const client = c.client(`${server.url}${c.prefix}`)
      const from = server.seen.length
      await client.cancel("batch_h1")
      await client.retrieve("batch_h1")
      await client.list()
      await client.resultsArray("batch_h1")
      await client.close()
      const requests = sent(from)
      const json = { ...c.base, accept: "application/json" }
      const [cancel, retrieve, list, resultsRetrieve, ...downloads] = requests
      assert.deepStrictEqual(cancel?.headers, { ...json, ...c.cancel }, "cancel")
      assert.deepStrictEqual(retrieve?.headers, json, "retrieve")
      assert.deepStrictEqual(list?.headers, json, "list")
      assert.deepStrictEqual(resultsRetrieve?.headers, json, "the retrieve before results")
      assert.strictEqual(downloads.length, c.downloads ? 1 : 0, JSON.stringify(requests.map((r) => r.path)))
      for (const download of downloads) {
        assert.deepStrictEqual(download.headers, { ...c.base, accept: "application/binary" }, "results download")
      }
      for (const r of requests) {
        assert.notProperty(r.headers, "traceparent")
        assert.notProperty(r.headers, "b3")
      }
    })
  }

  it("propagateTracing: true sends the span's traceparent and b3, and user headers win over the user agent", async () => {
    const client = OpenAiBatches.client({
      apiKey: KEY,
      baseUrl: `${server.url}/openai/v1`,
      propagateTracing: true,
      headers: { "user-agent": "my-app/1.0" }
    })
    const from = server.seen.length
    await client.retrieve("batch_h2")
    await client.close()
    const [request] = sent(from)
    assert.isString(request?.headers.traceparent)
    assert.isString(request?.headers.b3)
    assert.strictEqual(request?.headers["user-agent"], "my-app/1.0")
  })
})
