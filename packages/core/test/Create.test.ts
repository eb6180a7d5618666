import * as Create from "@batchctl/core/Create"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Transport from "@batchctl/core/Transport"
import * as NodeClient from "@batchctl/core/NodeClient"
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import * as NodeHttp from "node:http"
import * as NodeHttps from "node:https"
import type { AddressInfo } from "node:net"
import { Readable } from "node:stream"
import * as NodeZlib from "node:zlib"
import { tmpdir } from "node:os"
import { join } from "node:path"

const spec: Create.Spec = {
  provider: "test",
  transport: "file",
  maxRequests: 5,
  maxBytes: 2000,
  endpoints: ["/v1/chat/completions", "/v1/embeddings"],
  windows: ["24h"],
  sameModel: true,
  metadata: { maxPairs: 4, maxKey: 8, maxValue: 16 },
  outputExpiry: true,
  line: (r, endpoint) => ({ custom_id: r.customId, method: "POST", url: endpoint, body: r.body })
}

const req = (id: string, model = "m", more: Record<string, unknown> = {}) => ({
  customId: id,
  body: { model, ...more }
})

const prepared = (input: Create.Input, options?: Create.Options, s: Create.Spec = spec) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(Create.prepare(s, input, options), (p) =>
        Effect.map(Stream.runCollect(p.read()), (chunks) => ({
          ...p,
          text: Buffer.concat(Chunk.toReadonlyArray(chunks)).toString("utf8")
        }))
      )
    )
  )

const refusal = async (input: Create.Input, options?: Create.Options, s: Create.Spec = spec) => {
  const result = await Effect.runPromise(Effect.either(Effect.scoped(Create.prepare(s, input, options))))
  assert.isTrue(Either.isLeft(result), "refused")
  if (Either.isRight(result)) throw new Error("not refused")
  assert.strictEqual(result.left._tag, "InvalidRequest")
  return result.left
}

const bodyText = (body: { readonly _tag: string }) =>
  Effect.runPromise(
    Stream.runCollect((body as unknown as { stream: Stream.Stream<Uint8Array> }).stream).pipe(
      Effect.map((chunks) => Buffer.concat(Chunk.toReadonlyArray(chunks)).toString("utf8"))
    )
  )

describe("Create.prepare", () => {
  it("writes the vendor's lines, one per request, with the default endpoint", async () => {
    const p = await prepared([req("a"), req("b")])
    assert.strictEqual(p.requests, 2)
    assert.strictEqual(p.endpoint, "/v1/chat/completions")
    assert.strictEqual(p.model, "m")
    assert.strictEqual(
      p.text,
      '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}\n{"custom_id":"b","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}\n'
    )
    assert.strictEqual(p.bytes, Buffer.byteLength(p.text))
  })

  it("reads async iterables, JSONL bytes and files (custom_id or customId, body or params)", async () => {
    async function* gen() {
      yield req("x")
      yield req("y")
    }
    assert.strictEqual((await prepared(gen())).requests, 2)
    const bytes = Create.jsonl(
      (async function* () {
        yield '{"custom_id":"a","body":{"model":"m"}}\n\n{"customId":'
        yield Buffer.from('"b","params":{"model":"m"},"url":"/v1/chat/completions"}\n')
      })()
    )
    const p = await prepared(bytes)
    assert.strictEqual(p.requests, 2)
    // The first line named no URL: the batch's endpoint is the default, which the second names.
    assert.strictEqual(p.endpoint, "/v1/chat/completions")
    const dir = mkdtempSync(join(tmpdir(), "create-test-"))
    try {
      const path = join(dir, "in.jsonl")
      writeFileSync(path, '{"custom_id":"a","body":{"model":"m"}}\n{"custom_id":"b","body":{"model":"m"}}')
      assert.strictEqual((await prepared(Create.jsonlFile(path))).requests, 2)
      const missing = await refusal(Create.jsonlFile(join(dir, "nope.jsonl")))
      assert.include(missing.message, "cannot read")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("names the line of each refusal", async () => {
    const jsonl = (...lines: ReadonlyArray<string>) =>
      Create.jsonl(
        (async function* () {
          yield `${lines.join("\n")}\n`
        })()
      )
    const cases: ReadonlyArray<readonly [Create.Input, string, number]> = [
      [jsonl('{"custom_id":"a","body":{"model":"m"}}', "{not json"), "line 2 is not valid JSON", 2],
      [jsonl('{"custom_id":"a","body":{"model":"m"}}', '{"body":{}}'), "line 2 has no custom_id", 2],
      [jsonl('{"custom_id":"a","body":{"model":"m"}}', '{"custom_id":"b"}'), 'line 2 (custom_id "b") has no body', 2],
      [jsonl('{"custom_id":"a","body":{"model":"m"}}', "[1]"), "line 2 is not a JSON object", 2],
      [[req("a"), req("b"), req("a")], 'request 3: custom_id "a" repeats request 1', 3],
      [[req("a"), req("b", "other")], 'request 2: model "other" differs from "m"', 2],
      [[req("a"), { customId: "b", body: {} }], "request 2: no model", 2],
      [[req("a"), { ...req("b"), method: "GET" }], 'request 2: method "GET"', 2],
      [
        [
          { ...req("a"), url: "/v1/embeddings" },
          { ...req("b"), url: "/v1/chat/completions" }
        ],
        'request 2: url "/v1/chat/completions" differs',
        2
      ],
      [
        [req("a"), { ...req("b"), url: "/v1/embeddings" }],
        'request 2: url "/v1/embeddings" differs from the batch\'s endpoint /v1/chat/completions',
        2
      ],
      [[{ ...req("a"), url: "/v1/images" }], 'request 1: url "/v1/images" is not an endpoint', 1],
      [Array.from({ length: 6 }, (_, i) => req(`r${i}`)), "request 6: more than 5 requests", 6],
      [
        [req("a", "m", { text: "x".repeat(1500) }), req("b", "m", { text: "x".repeat(600) })],
        "request 2: the input passes 2000 bytes",
        2
      ]
    ]
    for (const [input, message, line] of cases) {
      const error = await refusal(input)
      assert.include(error.message, message)
      assert.deepStrictEqual(error.details, { line })
    }
    assert.include((await refusal([])).message, "no requests")
  })

  it("checks the options against the vendor's documented values before reading the input", async () => {
    let read = false
    const input = (async function* () {
      read = true
      yield req("a")
    })()
    const cases: ReadonlyArray<readonly [Create.Options, string]> = [
      [{ endpoint: "/v1/images" }, 'endpoint "/v1/images" is not one the vendor takes'],
      [{ completionWindow: "48h" }, 'completion window "48h"'],
      [{ metadata: { a: "1", b: "2", c: "3", d: "4" } }, "metadata holds 4 pairs; at most 3"],
      [{ metadata: { "much-too-long": "1" } }, "longer than 8 characters"],
      [{ metadata: { a: "x".repeat(17) } }, "longer than 16 characters"],
      [{ metadata: { batchctl_token: "x" } }, "batchctl's own"],
      [{ outputExpiresAfterSeconds: 60 }, "3600 to 2592000"],
      [{ token: "has spaces" }, "token must be"]
    ]
    for (const [options, message] of cases) assert.include((await refusal(input, options)).message, message)
    assert.isFalse(read, "the input is not read when the options are refused")
    const anthropicLike: Create.Spec = {
      ...spec,
      endpoints: undefined,
      windows: undefined,
      metadata: undefined,
      outputExpiry: false
    }
    assert.include((await refusal([req("a")], { metadata: { a: "b" } }, anthropicLike)).message, "keeps no metadata")
    assert.include(
      (await refusal([req("a")], { completionWindow: "24h" }, anthropicLike)).message,
      "takes no completion window"
    )
    assert.include(
      (await refusal([req("a")], { endpoint: "/v1/chat/completions" }, anthropicLike)).message,
      "takes no endpoint"
    )
  })

  it("applies the vendor's own body rule and custom_id pattern", async () => {
    const strict: Create.Spec = {
      ...spec,
      sameModel: false,
      customIdPattern: /^[a-z]+$/,
      checkBody: (body) => (body.stream === true ? "stream is not allowed in a batch" : undefined)
    }
    assert.include((await refusal([req("a"), req("B")], {}, strict)).message, 'request 2: custom_id "B" does not match')
    assert.include(
      (await refusal([req("a"), req("b", "m", { stream: true })], {}, strict)).message,
      'request 2 (custom_id "b"): stream is not allowed'
    )
    // Mixed models are fine where the vendor allows them; the batch then names none.
    assert.isUndefined((await prepared([req("a"), req("b", "n")], {}, strict)).model)
  })

  it("removes its temporary file when the scope closes", async () => {
    const path = await Effect.runPromise(Effect.scoped(Effect.map(Create.prepare(spec, [req("a")]), (p) => p.path)))
    assert.isFalse(existsSync(path))
  })
})

describe("Create bodies", () => {
  it("multipart: the fields, then the file, with the length it declares", async () => {
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const p = yield* Create.prepare(spec, [req("a"), req("b")])
          const progress: Array<Create.Progress> = []
          const body = Create.multipart(p, { purpose: "batch" }, { onProgress: (x) => progress.push(x) })
          assert.strictEqual(body._tag, "Stream")
          const text = yield* Effect.promise(() => bodyText(body))
          if (body._tag === "Stream") assert.strictEqual(body.contentLength, Buffer.byteLength(text))
          const form = yield* Effect.promise(() =>
            new Response(text, { headers: { "content-type": body.contentType ?? "" } }).formData()
          )
          assert.strictEqual(form.get("purpose"), "batch")
          const file = form.get("file") as File
          assert.strictEqual(
            yield* Effect.promise(() => file.text()),
            text.slice(text.indexOf("{"), text.lastIndexOf("}") + 2)
          )
          assert.strictEqual(progress.at(-1)?.bytes, Buffer.byteLength(text))
        })
      )
    )
  })

  it("multipart on NodeClient's transport: the file read into reused buffers, the same bytes, progress to the end", async () => {
    // Lines of ~20 KB, ~1.2 MB in all: several reads of the two 256 KiB buffers, the last one short.
    const big = Array.from({ length: 60 }, (_, i) => req(`r${i}`, "m", { text: "é".repeat(10_000 + i) }))
    const server = NodeHttp.createServer((request, response) => {
      const parts: Array<Buffer> = []
      request.on("data", (d: Buffer) => parts.push(d))
      request.on("end", () => response.end(Buffer.concat(parts)))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const agents = { http: new NodeHttp.Agent({ keepAlive: true }), https: new NodeHttps.Agent({ keepAlive: true }) }
    const transport = NodeClient.makeTransport(
      { http: NodeHttp, https: NodeHttps, zlib: NodeZlib, toWeb: (s) => Readable.toWeb(s as Readable) },
      agents
    )
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`)
    try {
      await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const p = yield* Create.prepare({ ...spec, maxRequests: 100, maxBytes: 10_000_000 }, big)
            const progress: Array<Create.Progress> = []
            const body = Create.multipart(p, { purpose: "batch" }, { onProgress: (x) => progress.push(x) })
            assert.isDefined(Transport.fileBodyOf(body))
            const expected = yield* Effect.promise(() => bodyText(body))
            progress.length = 0
            const send = transport.exchange({
              method: "POST",
              url,
              headers: {},
              body,
              timeoutMs: 10_000,
              maxBodyBytes: 1e8
            })
            const answer = yield* send
            assert.strictEqual(answer._tag, "Response")
            if (answer._tag === "Response") assert.strictEqual(answer.text, expected)
            const total = Buffer.byteLength(expected)
            assert.strictEqual(progress.at(-1)?.bytes, total)
            assert.isAbove(progress.length, 1)
            for (let i = 1; i < progress.length; i++)
              assert.isAbove(progress[i]?.bytes ?? 0, progress[i - 1]?.bytes ?? 0)
            // A file that changed under the upload (shorter than checked) fails the request, never a short body.
            truncateSync(p.path, 300_000)
            const cut = yield* send
            assert.strictEqual(cut._tag, "NoResponse")
            if (cut._tag === "NoResponse") assert.match(cut.cause.message, /ended \d+ bytes early/)
          })
        )
      )
    } finally {
      agents.http.destroy()
      server.close()
    }
  })

  it("inline JSON: the lines as an array, the fields after, the length it declares", async () => {
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          // Enough lines for the file to be read in more than one chunk.
          const many = Array.from({ length: 5 }, (_, i) => req(`r${i}`, "m", { text: "é\n".repeat(120) }))
          const p = yield* Create.prepare({ ...spec, maxBytes: 10_000 }, many)
          const body = Create.inlineJson(p, "requests", { metadata: { k: "v" } })
          const text = yield* Effect.promise(() => bodyText(body))
          if (body._tag === "Stream") assert.strictEqual(body.contentLength, Buffer.byteLength(text))
          const parsed = JSON.parse(text)
          assert.strictEqual(parsed.requests.length, 5)
          assert.strictEqual(parsed.requests[4].body.text, "é\n".repeat(120))
          assert.deepStrictEqual(parsed.metadata, { k: "v" })
          const bare = yield* Effect.promise(() => bodyText(Create.inlineJson(p, "requests", {})))
          assert.strictEqual(JSON.parse(bare).requests.length, 5)
        })
      )
    )
  })
})
