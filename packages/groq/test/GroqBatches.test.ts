import * as Loopback from "@batchctl/core/testing"
import { GroqBatches } from "@batchctl/groq"
import { assert, describe, it } from "@effect/vitest"

const batch = (id: string) => ({
  id,
  object: "batch",
  status: "completed",
  created_at: 1736472600,
  request_counts: { total: 1, completed: 1, failed: 0 }
})

describe("GroqBatches", () => {
  it("lists every page by following paging.next_cursor with ?cursor=, sending no limit or after", async () => {
    const pages: Record<string, { data: Array<unknown>; paging: Record<string, string> }> = {
      "": { data: [batch("batch_1"), batch("batch_2")], paging: { next_cursor: "cursor_A" } },
      cursor_A: { data: [batch("batch_3")], paging: { next_cursor: "cursor_B" } },
      cursor_B: { data: [batch("batch_4")], paging: {} }
    }
    const server = await Loopback.start(({ path }) => {
      const url = new URL(path, "http://x")
      return { status: 200, body: { object: "list", ...pages[url.searchParams.get("cursor") ?? ""] } }
    })
    const client = GroqBatches.client({ apiKey: "gsk-test", baseUrl: `${server.url}/openai/v1` })
    try {
      const ids: Array<string> = []
      for await (const b of client.listAll({ limit: 2 })) ids.push(b.id)
      assert.deepStrictEqual(ids, ["batch_1", "batch_2", "batch_3", "batch_4"])
      assert.deepStrictEqual(
        server.seen.map((s) => s.path),
        ["/openai/v1/batches", "/openai/v1/batches?cursor=cursor_A", "/openai/v1/batches?cursor=cursor_B"]
      )
      const backward = await client.list({ before: "batch_9" }).catch((e: unknown) => e)
      assert.strictEqual((backward as { _tag?: string })._tag, "Unsupported")
      assert.strictEqual(server.seen.length, 3)
    } finally {
      await client.close()
      await server.close()
    }
  })

  it("extras read errors as Groq documents them (a bare array) and as OpenAI sends them", async () => {
    const entry = { code: "invalid_method", message: "Invalid value: 'GET'.", param: "method", line: 4 }
    const server = await Loopback.start(({ path }) => ({
      status: 200,
      body: {
        ...batch(path.endsWith("bare") ? "bare" : "wrapped"),
        status: "failed",
        errors: path.endsWith("bare") ? [entry] : { object: "list", data: [entry] },
        project_id: "project_01jtkfs8evfhctdnt5dc12rh0j"
      }
    }))
    const client = GroqBatches.client({ apiKey: "gsk-test", baseUrl: server.url })
    try {
      for (const id of ["bare", "wrapped"]) {
        const extras = GroqBatches.extras(await client.retrieve(id))
        assert.deepStrictEqual(
          extras.errors?.data.map((e) => e.code),
          ["invalid_method"],
          id
        )
        assert.strictEqual(extras.project_id, "project_01jtkfs8evfhctdnt5dc12rh0j")
      }
    } finally {
      await client.close()
      await server.close()
    }
  })
})
