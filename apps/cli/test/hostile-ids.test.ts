/**
 * Ids are data: ids from an untrusted list (`xargs batchctl cancel openai < ids`) can neither send the key
 * elsewhere nor stop the command from running, and are never altered; a cancel refused while the batch
 * runs is never reported as done.
 */
import { Emulator } from "@batchctl/emulator"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as FaultProxy from "../../../chaos/src/FaultProxy.js"
import { CANARY, jsonLines, printed, run } from "./helpers.js"

const timings = { validatingMs: 0, requestMs: 600_000, cancellingMs: 200 }
let emulator: Emulator.Handle
/** A server that must never be reached: where a hostile id would send the key. */
let trap: { url: string; seen: Array<IncomingHttpHeaders>; close: () => void }

beforeAll(async () => {
  emulator = await Emulator.start({ apiKey: CANARY, timings })
  const seen: Array<IncomingHttpHeaders> = []
  const server = createServer((req, res) => {
    seen.push(req.headers)
    res.writeHead(200, { "content-type": "application/json" })
    res.end("{}")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  trap = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen, close: () => server.close() }
})

afterAll(async () => {
  trap.close()
  await emulator.close()
  for (const text of printed) expect(text).not.toContain(CANARY)
})

const env = () => ({
  OPENAI_API_KEY: CANARY,
  OPENAI_BASE_URL: emulator.baseUrl("openai"),
  OTHER_SECRET: "sk-other-secret"
})
const statusOf = async (id: string) => {
  const r = await run(["get", "openai", id, "--json"], { env: env() })
  return (JSON.parse(r.stdout) as { status: string }).status
}

describe("ids are never options", () => {
  const hostile = (url: string) => [
    `--base-url=${url}`,
    "--api-key-env=OTHER_SECRET",
    "--help",
    "-h",
    "--version",
    "--wizard",
    "--completions=bash",
    "--log-level=debug"
  ]

  it("an option-shaped id after the provider: refused before anything is sent, exit 2, the key goes nowhere", async () => {
    for (const bad of hostile(trap.url)) {
      const { id } = await emulator.createBatch({ provider: "openai" })
      for (const args of [
        ["cancel", "openai", bad, id],
        ["cancel", "openai", id, bad],
        ["get", "openai", id, bad]
      ]) {
        const r = await run(args, { env: env(), timeoutMs: 15_000 })
        expect(r.signal, `${args.join(" ")} hung`).toBeNull()
        expect(r.code, `${args.join(" ")}: ${r.stdout}${r.stderr}`).toBe(2)
        expect(r.stderr).toContain("nothing was sent")
        expect(r.stdout).not.toMatch(/USAGE|batchctl \d|0\.0\.0/)
      }
      expect(await statusOf(id)).toBe("in_progress")
    }
    expect(trap.seen).toEqual([])
  })

  it("after --, every word is an id, --help and --base-url included: the real id is cancelled, the others fail, exit non-zero", async () => {
    const { id } = await emulator.createBatch({ provider: "openai" })
    const r = await run(["cancel", "openai", "--json", "--", id, "--help", `--base-url=${trap.url}`, "--version"], {
      env: env()
    })
    expect(r.code).toBe(3)
    const lines = jsonLines(r.stdout) as Array<{ batchId: string; ok: boolean; error?: { _tag: string } }>
    expect(lines.map((l) => l.batchId).sort()).toEqual([id, "--help", `--base-url=${trap.url}`, "--version"].sort())
    expect(lines.find((l) => l.batchId === id)?.ok).toBe(true)
    for (const l of lines) if (l.batchId !== id) expect(l.error?._tag).toBe("BatchNotFound")
    expect(await statusOf(id)).toMatch(/^cancell/)
    expect(trap.seen).toEqual([])
  })

  it("an option-shaped word as an option's value, or options before the command: refused, exit 2, nothing sent", async () => {
    const { id } = await emulator.createBatch({ provider: "openai" })
    for (const args of [
      ["cancel", "openai", id, "--timeout", "--help"],
      ["cancel", "openai", id, "--interval", "-h"],
      ["cancel", "openai", id, "--concurrency", "--version"],
      ["cancel", "openai", id, "--timeout", "--wizard"],
      ["wait", "openai", id, "--timeout", "--help"],
      ["results", "openai", id, "--out", "--help"],
      ["--log-level", "debug", "cancel", "openai", id, `--base-url=${trap.url}`],
      ["--help", "cancel", "openai", id]
    ]) {
      const r = await run(args, { env: env(), timeoutMs: 15_000 })
      expect(r.signal, `${args.join(" ")} hung`).toBeNull()
      expect(r.code, `${args.join(" ")}: ${r.stdout}${r.stderr}`).toBe(2)
      expect(r.stderr).toContain("nothing was sent")
    }
    expect(await statusOf(id)).toBe("in_progress")
    expect(trap.seen).toEqual([])
  })

  it("connection options before the provider still work", async () => {
    const { id } = await emulator.createBatch({ provider: "openai" })
    const r = await run(
      ["get", "--api-key-env", "MY_KEY", "--base-url", emulator.baseUrl("openai"), "openai", id, "--json"],
      {
        env: { MY_KEY: CANARY }
      }
    )
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).id).toBe(id)
  })

  it("a one-id command given two ids is refused before anything is sent", async () => {
    const r = await run(["get", "openai", "batch_a", "batch_b"], { env: env() })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("get takes one batch id, not 2")
  })

  it("ids from stdin are never trimmed: ' id ' is not cancelled as 'id'", async () => {
    const { id } = await emulator.createBatch({ provider: "openai" })
    const r = await run(["cancel", "openai", "-", "--json"], { env: env(), stdin: ` ${id}\n${id}\t\n\n   \n` })
    const lines = jsonLines(r.stdout) as Array<{ batchId: string; ok: boolean }>
    expect(lines.map((l) => l.batchId).sort()).toEqual([` ${id}`, `${id}\t`].sort())
    expect(lines.every((l) => !l.ok)).toBe(true)
    expect(await statusOf(id)).toBe("in_progress")
  })

  it("after --, '-' is an id like any other word, not stdin: the ids on stdin are not cancelled", async () => {
    const { id } = await emulator.createBatch({ provider: "openai" })
    const r = await run(["cancel", "openai", "--json", "--", "-"], { env: env(), stdin: `${id}\n`, timeoutMs: 30_000 })
    const lines = jsonLines(r.stdout) as Array<{ batchId: string; ok: boolean }>
    expect(lines.map((l) => [l.batchId, l.ok])).toEqual([["-", false]])
    expect(r.code).not.toBe(0)
    expect(await statusOf(id)).toBe("in_progress")
  })

  it("stdin given twice is refused at once instead of waiting for a second end", async () => {
    const r = await run(["cancel", "openai", "-", "-"], { env: env(), stdin: "batch_x\n", timeoutMs: 10_000 })
    expect(r.signal).toBeNull()
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("stdin (-) can be read once")
  })
})

describe("a temporary refusal is never reported as done", () => {
  it("cancel-all: a running batch whose cancel is refused with a 409 is a failure, exit non-zero, not 'already finished'", async () => {
    const own = await Emulator.start({ apiKey: CANARY, timings })
    const proxy = await FaultProxy.start(own.url, [{ kind: "refuse", route: "cancel", rate: 1 }])
    try {
      const id = (await own.createBatch({ provider: "openai" })).id
      const r = await run(["cancel-all", "openai", "--yes", "--json"], {
        env: { OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: proxy.baseUrl(own.baseUrl("openai")) }
      })
      expect(r.code).not.toBe(0)
      const all = jsonLines(r.stdout) as Array<Record<string, unknown>>
      const summary = all.find((x) => "alreadyFinished" in x) as {
        alreadyFinished: number
        cancelled: number
        failed: Record<string, number>
      }
      expect(summary.alreadyFinished).toBe(0)
      expect(summary.cancelled).toBe(0)
      expect(summary.failed.InvalidBatchState).toBe(1)
      const outcome = all.find((x) => x.id === id || x.batchId === id) as {
        outcome: string
        error: { status?: string }
      }
      expect(outcome.outcome).toBe("failed")
      expect(outcome.error.status).toBe("in_progress")
      expect(proxy.struck().refuse).toBeGreaterThan(0)
    } finally {
      await proxy.close()
      await own.close()
    }
  })

  it("an answer naming another batch is not taken as success: the cancel is sent again and the batch checked", async () => {
    const own = await Emulator.start({ apiKey: CANARY, timings })
    // Every cancel answer names another batch; retrieves are left alone.
    const proxy = await FaultProxy.start(own.url, [{ kind: "wrong-id", route: "cancel", rate: 1 }])
    try {
      const id = (await own.createBatch({ provider: "openai" })).id
      const r = await run(["cancel", "openai", id, "--json"], {
        env: { OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: proxy.baseUrl(own.baseUrl("openai")) }
      })
      const [line] = jsonLines(r.stdout) as Array<{ ok: boolean; attempts: number; status: string }>
      // The first answer was not believed: the cancel was sent again (while the batch still shows
      // `cancelling`, its answer names another batch again) until one was refused (already cancelled) and
      // the retrieve after it, which names the right batch, showed the cancel had taken.
      expect(line?.attempts).toBeGreaterThanOrEqual(2)
      expect(line?.ok).toBe(true)
      expect(["cancelling", "cancelled"]).toContain(line?.status)
      expect(r.code).toBe(0)
      expect(proxy.struck()["wrong-id"]).toBe(line?.attempts)
    } finally {
      await proxy.close()
      await own.close()
    }
  })
})
