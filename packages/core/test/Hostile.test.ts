/**
 * Hostile servers, over real loopback HTTP, read by a child process (so that its peak RSS is the
 * client's alone) on each transport: every call ends with a typed failure within its bound, and the
 * process stays under 256 MB.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { createServer, type Server } from "node:http"
import { fileURLToPath } from "node:url"
import * as NodeZlib from "node:zlib"
import * as LoopbackServer from "../src/testing/LoopbackServer.js"

// 2,000 gzip members of 1 MB of zeros each: ~2 MB on the wire, 2 GB once decompressed.
const member = NodeZlib.gzipSync(Buffer.alloc(2 ** 20), { level: 9 })
const BOMB_MEMBERS = 2_000

let server: Server
let base = ""
let close: () => Promise<void> = () => Promise.resolve()

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? ""
    req.resume()
    if (path.startsWith("/v1/hang")) return
    if (path.startsWith("/v1/endless") || path.startsWith("/v1/files/noline/")) {
      res.writeHead(200, { "content-type": path.includes("files") ? "application/octet-stream" : "application/json" })
      const chunk = Buffer.alloc(64 * 1024, "a")
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump)
      }
      return pump()
    }
    if (path.includes("bomb")) {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
      let sent = 0
      const pump = () => {
        while (!res.destroyed && sent < BOMB_MEMBERS) {
          sent++
          if (!res.write(member)) return res.once("drain", pump)
        }
        if (!res.destroyed) res.end()
      }
      return pump()
    }
    if (path.includes("drip")) {
      res.writeHead(200, { "content-type": "application/octet-stream" })
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write("{")), 1000)
      return
    }
    res.writeHead(404).end()
  })
  const listening = await LoopbackServer.listen(server)
  base = listening.url
  close = listening.close
})
afterAll(() => close())

interface Outcome {
  readonly name: string
  readonly ok: boolean
  readonly tag?: string
  readonly message?: string
  readonly ms: number
  readonly peakRssMb: number
}

/** Runs every scenario in a child on `transport`; a child that does not end within `limitMs` is killed. */
const run = (transport: "node" | "fetch", limitMs: number, only?: string) =>
  new Promise<ReadonlyArray<Outcome>>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        fileURLToPath(new URL("./fixtures/hostile-client.ts", import.meta.url)),
        base,
        transport,
        ...(only === undefined ? [] : [only])
      ],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs)
    child.on("close", () => {
      clearTimeout(timer)
      resolve(
        out
          .split("\n")
          .filter((line) => line.length > 0)
          .map((line) => JSON.parse(line) as Outcome)
      )
    })
  })

/** What each scenario must end with, and the words that say why. */
const expected: Record<string, readonly [string, string]> = {
  "endless body on a JSON call": ["UnexpectedResponse", "maxBodyBytes"],
  "gzip bomb on a JSON call": ["UnexpectedResponse", "maxBodyBytes"],
  "gzip bomb as a results file": ["UnexpectedResponse", "maxLineLength"],
  "results line with no newline": ["UnexpectedResponse", "maxLineLength"],
  "never-answering server": ["TransportFailure", "deadline of 1s 500ms passed"],
  "results dripped at 1 byte/s": ["TransportFailure", "minBodyRate"]
}

const check = (outcome: Outcome) => {
  const [tag, words] = expected[outcome.name]!
  assert.strictEqual(outcome.tag, tag, JSON.stringify(outcome))
  assert.include(outcome.message, words, JSON.stringify(outcome))
}

describe.sequential("hostile servers", () => {
  // One child per scenario: its peak RSS is that scenario's alone.
  for (const name of Object.keys(expected)) {
    it(`${name}: ends typed within its bound, the process under 256 MB (NodeClient)`, { timeout: 60_000 }, async () => {
      const outcomes = await run("node", 45_000, name)
      assert.strictEqual(outcomes.length, 1, "the child did not end in time")
      check(outcomes[0]!)
      assert.isBelow(outcomes[0]!.peakRssMb, 256, JSON.stringify(outcomes[0]))
    })
  }
  it("each ends typed within its bound on Transport.fromHttpClient (fetch)", { timeout: 120_000 }, async () => {
    const outcomes = await run("fetch", 90_000)
    assert.deepStrictEqual(
      outcomes.map((o) => o.name),
      Object.keys(expected),
      `the child did not end in time: ${JSON.stringify(outcomes)}`
    )
    for (const outcome of outcomes) check(outcome)
  })
})
