/**
 * The CLI reads every setting the library reads, the same way: `<PROVIDER>_TIMEOUT`,
 * `<PROVIDER>_MAX_RETRIES`, `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`; and refuses a base URL that would send
 * every call to the wrong path.
 */
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CANARY, printed, run } from "./helpers.js"

let server: { url: string; seen: Array<{ path: string; headers: IncomingHttpHeaders }>; close: () => void }

beforeAll(async () => {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = []
  const s = createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers })
    // `/hang/…` never answers; anything else is an OpenAI batch named after the path.
    if (req.url?.startsWith("/hang/")) return
    const id = decodeURIComponent((req.url ?? "").split("/batches/")[1]?.split(/[/?]/)[0] ?? "batch_x")
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ id, object: "batch", status: "in_progress", created_at: 1711471533 }))
  })
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
  server = { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen, close: () => s.close() }
})

afterAll(() => {
  server.close()
  for (const text of printed) expect(text).not.toContain(CANARY)
})

describe("settings", () => {
  it("OPENAI_TIMEOUT and OPENAI_MAX_RETRIES bound a call to a server that never answers", async () => {
    const before = server.seen.length
    const r = await run(["get", "openai", "batch_1"], {
      env: {
        OPENAI_API_KEY: CANARY,
        OPENAI_BASE_URL: `${server.url}/hang/v1`,
        OPENAI_TIMEOUT: "300",
        OPENAI_MAX_RETRIES: "1"
      },
      // Killed at 30 s: without the setting, one attempt alone waits 60 s.
      timeoutMs: 30_000
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("TransportFailure")
    // one attempt and one retry, each given up after 300 ms (not 3 attempts of 60 s)
    expect(server.seen.length - before).toBe(2)
  })

  it("OPENAI_ORG_ID and OPENAI_PROJECT_ID are sent, so cancel-all acts on the project asked for", async () => {
    const before = server.seen.length
    const r = await run(["get", "openai", "batch_org"], {
      env: {
        OPENAI_API_KEY: CANARY,
        OPENAI_BASE_URL: `${server.url}/v1`,
        OPENAI_ORG_ID: "org-cli",
        OPENAI_PROJECT_ID: "proj_cli"
      }
    })
    expect(r.code).toBe(0)
    const [seen] = server.seen.slice(before)
    expect(seen?.headers["openai-organization"]).toBe("org-cli")
    expect(seen?.headers["openai-project"]).toBe("proj_cli")
  })

  it("a base URL with a query or a fragment is refused before anything is sent", async () => {
    const before = server.seen.length
    for (const base of [`${server.url}/v1?x=1`, `${server.url}/v1#frag`]) {
      const r = await run(["get", "openai", "batch_1"], { env: { OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: base } })
      expect(r.code).toBe(2)
      expect(r.stderr).toContain("must not have a query or a fragment")
    }
    expect(server.seen.length).toBe(before)
  })
})

describe("hostile answers", () => {
  it("a vendor object nested 10,000 deep prints with --json --verbose, cut at depth 64, instead of overflowing the stack", async () => {
    const { createServer } = await import("node:http")
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`
    const s = createServer((req, res) => {
      const id = decodeURIComponent((req.url ?? "").split("/batches/")[1] ?? "batch_x")
      res.writeHead(200, { "content-type": "application/json" })
      res.end(
        `{"id":${JSON.stringify(id)},"object":"batch","status":"in_progress","created_at":1711471533,"metadata":{"deep":${deep}}}`
      )
    })
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
    try {
      const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`
      const r = await run(["get", "openai", "batch_deep", "--json", "--verbose"], {
        env: { OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: base }
      })
      expect(r.stderr).toBe("")
      expect(r.code).toBe(0)
      const doc = JSON.parse(r.stdout) as { id: string; raw: unknown }
      expect(doc.id).toBe("batch_deep")
      expect(r.stdout).toContain("nested more than 64 deep")
    } finally {
      s.close()
    }
  })
})
