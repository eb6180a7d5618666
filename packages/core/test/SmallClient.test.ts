/**
 * The small HTTP/1.1 client under `NodeClient.layer`'s JSON calls, against a raw socket server that
 * answers byte by byte as scripted: framing (content-length, chunked, end of connection), reuse of
 * connections, 1xx, bounds, cut and garbled answers, header injection, closing.
 */
import { NodeClient, type Transport } from "@batchctl/core"
import * as HttpBody from "@effect/platform/HttpBody"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as NodeHttp from "node:http"
import * as NodeHttps from "node:https"
import * as Net from "node:net"
import { Readable } from "node:stream"
import * as Tls from "node:tls"
import * as NodeZlib from "node:zlib"

/** What the server does with one request: the bytes to answer (in pieces, written apart), or `close`. */
type Script = (request: string, index: number) => ReadonlyArray<string | Buffer> | "close" | "hang"

interface Server {
  readonly url: string
  /** connections accepted, and requests seen (their heads) */
  readonly connections: () => number
  readonly requests: Array<string>
  /** connections the server saw closed */
  readonly closed: () => number
  readonly close: () => Promise<void>
}

const serve = (script: Script): Promise<Server> =>
  new Promise((resolve) => {
    let connections = 0
    let closed = 0
    const requests: Array<string> = []
    const sockets = new Set<Net.Socket>()
    const server = Net.createServer((socket) => {
      connections++
      sockets.add(socket)
      socket.on("close", () => {
        closed++
        sockets.delete(socket)
      })
      socket.on("error", () => {})
      let buffered = ""
      socket.on("data", async (chunk: Buffer) => {
        buffered += chunk.toString("latin1")
        for (;;) {
          const end = buffered.indexOf("\r\n\r\n")
          if (end < 0) return
          const head = buffered.slice(0, end)
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
          if (buffered.length < end + 4 + length) return
          const request = buffered.slice(0, end + 4 + length)
          buffered = buffered.slice(end + 4 + length)
          requests.push(request)
          const answer = script(request, requests.length - 1)
          if (answer === "hang") return
          if (answer === "close") {
            socket.destroy()
            return
          }
          for (const piece of answer) {
            socket.write(piece)
            await new Promise((r) => setTimeout(r, 1))
          }
        }
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        connections: () => connections,
        requests,
        closed: () => closed,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })

const transportOf = (connections: NodeClient.Connections) =>
  NodeClient.makeTransport(
    { http: NodeHttp, https: NodeHttps, zlib: NodeZlib, toWeb: (source) => Readable.toWeb(source) },
    { http: new NodeHttp.Agent(), https: new NodeHttps.Agent() },
    { connections }
  )

const setup = (script: Script) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const server = await serve(script)
      const connections = NodeClient.makeConnections({ net: Net, tls: Tls })
      return { server, connections, transport: transportOf(connections) }
    }),
    ({ server, connections }) =>
      Effect.promise(() => {
        connections.close()
        return server.close()
      })
  )

const post = (
  base: string,
  path: string,
  options: { maxBodyBytes?: number; timeoutMs?: number; headers?: Record<string, string>; body?: string } = {}
): Transport.Request => ({
  method: "POST",
  url: new URL(path, base),
  headers: options.headers ?? { authorization: "Bearer k" },
  body: options.body === undefined ? HttpBody.empty : HttpBody.text(options.body, "application/json"),
  timeoutMs: options.timeoutMs ?? 2_000,
  maxBodyBytes: options.maxBodyBytes ?? 1_000_000
})

const ok = (body: string, extra = "") =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`

const textOf = (answer: Transport.Exchange): string => {
  assert.strictEqual(answer._tag, "Response", JSON.stringify(answer))
  return answer._tag === "Response" ? answer.text : ""
}

describe.sequential("NodeClient's small client", () => {
  it.live("sends one request head as node:http would, and reuses the connection after a whole answer", () =>
    Effect.gen(function* () {
      const { server, transport } = yield* setup(() => [ok('{"id":"b1"}')])
      const a = yield* transport.exchange(post(server.url, "/v1/batches/b1/cancel?x=1"))
      const b = yield* transport.exchange(post(server.url, "/v1/batches/b2/cancel", { body: '{"a":"é"}' }))
      assert.strictEqual(textOf(a), '{"id":"b1"}')
      assert.strictEqual(textOf(b), '{"id":"b1"}')
      assert.strictEqual(server.connections(), 1)
      const [first, second] = server.requests
      assert.match(first!, /^POST \/v1\/batches\/b1\/cancel\?x=1 HTTP\/1\.1\r\n/)
      assert.match(first!, /\r\nhost: 127\.0\.0\.1:\d+\r\n/)
      assert.match(first!, /\r\ncontent-length: 0\r\n/)
      assert.match(first!, /\r\naccept-encoding: gzip\r\n/)
      assert.match(first!, /\r\nauthorization: Bearer k\r\n/)
      // The body in UTF-8, its length in bytes.
      assert.match(second!, /\r\ncontent-length: 10\r\n/)
      assert.ok(second!.endsWith(Buffer.from('{"a":"é"}').toString("latin1")))
    }).pipe(Effect.scoped)
  )

  it.live("reads a chunked answer cut anywhere (extensions, trailers), byte by byte", () =>
    Effect.gen(function* () {
      const raw =
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\n{"id\r\n7\r\n":"b1"}\r\n0\r\nx-trailer: t\r\n\r\n'
      const { server, transport } = yield* setup(() => [...raw].map((c) => Buffer.from(c, "latin1")))
      assert.strictEqual(textOf(yield* transport.exchange(post(server.url, "/c"))), '{"id":"b1"}')
      assert.strictEqual(textOf(yield* transport.exchange(post(server.url, "/c"))), '{"id":"b1"}')
      assert.strictEqual(server.connections(), 1)
    }).pipe(Effect.scoped)
  )

  it.live("a body framed by the end of the connection is read whole, and that connection is not reused", () =>
    Effect.gen(function* () {
      const { server, transport } = yield* setup(() => ["HTTP/1.1 200 OK\r\n\r\n", '{"id":', '"b1"}', "close-after"])
      // The script's last piece is not a close: the server closes when asked by the next test line.
      const answer = transport.exchange(post(server.url, "/c"))
      const fiber = yield* Effect.fork(answer)
      yield* Effect.sleep("100 millis")
      yield* Effect.promise(() => server.close())
      const got = yield* fiber.await
      assert.strictEqual(got._tag, "Success")
      if (got._tag === "Success") assert.strictEqual(textOf(got.value), '{"id":"b1"}close-after')
    }).pipe(Effect.scoped)
  )

  it.live("`connection: close` and HTTP/1.0 answers are not reused; 1xx answers are skipped", () =>
    Effect.gen(function* () {
      const { server, transport } = yield* setup((_, i) =>
        i === 0
          ? [ok("{}", "connection: close\r\n")]
          : i === 1
            ? ["HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
            : ["HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\n", ok('{"n":3}')]
      )
      assert.strictEqual(textOf(yield* transport.exchange(post(server.url, "/c"))), "{}")
      assert.strictEqual(textOf(yield* transport.exchange(post(server.url, "/c"))), "{}")
      assert.strictEqual(textOf(yield* transport.exchange(post(server.url, "/c"))), '{"n":3}')
      assert.strictEqual(server.connections(), 3)
    }).pipe(Effect.scoped)
  )

  it.live("bodies past maxBodyBytes are TooLarge however framed, and the endless one is not read further", () =>
    Effect.gen(function* () {
      const big = "x".repeat(5_000)
      const { server, transport } = yield* setup((_, i) =>
        i === 0
          ? [ok(big)]
          : i === 1
            ? [
                "HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n",
                `${(3000).toString(16)}\r\n${big.slice(0, 3000)}\r\n`,
                `${(3000).toString(16)}\r\n${big.slice(0, 3000)}\r\n0\r\n\r\n`
              ]
            : ["HTTP/1.1 200 OK\r\n\r\n", ...Array.from({ length: 50 }, () => big)]
      )
      for (let i = 0; i < 3; i++) {
        const answer = yield* transport.exchange(post(server.url, "/c", { maxBodyBytes: 4_000 }))
        assert.strictEqual(answer._tag, "TooLarge", `answer ${i}`)
        if (answer._tag === "TooLarge") assert.strictEqual(answer.status, i === 1 ? 500 : 200)
      }
      // Each too-large answer closed its connection.
      assert.strictEqual(server.connections(), 3)
    }).pipe(Effect.scoped)
  )

  it.live("a gzip answer is decompressed; one that inflates past maxBodyBytes is TooLarge", () =>
    Effect.gen(function* () {
      const small = NodeZlib.gzipSync('{"id":"b1"}')
      const bomb = NodeZlib.gzipSync(Buffer.alloc(10_000_000, 32))
      const { server, transport } = yield* setup((_, i) => {
        const body = i === 0 ? small : bomb
        return [
          Buffer.from(`HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${body.byteLength}\r\n\r\n`),
          body
        ]
      })
      assert.strictEqual(textOf(yield* transport.exchange(post(server.url, "/c"))), '{"id":"b1"}')
      const answer = yield* transport.exchange(post(server.url, "/c", { maxBodyBytes: 100_000 }))
      assert.strictEqual(answer._tag, "TooLarge")
    }).pipe(Effect.scoped)
  )

  it.live("cut, garbled and oversized answers are NoResponse, never a Response", () =>
    Effect.gen(function* () {
      const answers: ReadonlyArray<ReadonlyArray<string> | "close"> = [
        ['HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"id"'],
        "close",
        ["SMTP ready\r\n\r\n"],
        ["HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\n12345"],
        ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"],
        ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n"],
        [`HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`],
        ["HTTP/1.1 200 OK\r\nbad header\r\n\r\n"]
      ]
      const { server, transport } = yield* setup((_, i) => {
        const answer = answers[i] ?? "close"
        // A cut answer: the server closes after writing it.
        return answer === "close" ? "close" : [...answer, ...(i === 0 ? [] : [])]
      })
      for (let i = 0; i < answers.length; i++) {
        const answer = yield* transport.exchange(post(server.url, "/c", { timeoutMs: i === 0 ? 300 : 2_000 }))
        assert.ok(
          answer._tag === "NoResponse" || (i === 0 && answer._tag === "TimedOut"),
          `answer ${i}: ${answer._tag}`
        )
      }
    }).pipe(Effect.scoped)
  )

  it.live("a body cut by the server closing is NoResponse (socket hang up)", () =>
    Effect.gen(function* () {
      const { server, transport } = yield* setup(() => ['HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"id"'])
      const fiber = yield* Effect.fork(transport.exchange(post(server.url, "/c")))
      yield* Effect.sleep("50 millis")
      yield* Effect.promise(() => server.close())
      const answer = yield* fiber
      assert.strictEqual(answer._tag, "NoResponse")
      if (answer._tag === "NoResponse") assert.match(answer.cause.message, /socket hang up/)
    }).pipe(Effect.scoped)
  )

  it.live("a header value with a line break is refused before anything is sent", () =>
    Effect.gen(function* () {
      const { server, transport } = yield* setup(() => [ok("{}")])
      const answer = yield* transport.exchange(post(server.url, "/c", { headers: { "x-id": "b1\r\nx-injected: yes" } }))
      assert.strictEqual(answer._tag, "Invalid")
      const named = yield* transport.exchange(post(server.url, "/c", { headers: { "bad name": "v" } }))
      assert.strictEqual(named._tag, "Invalid")
      assert.strictEqual(server.connections(), 0)
    }).pipe(Effect.scoped)
  )

  it.live("a timeout closes the connection; the next call opens another", () =>
    Effect.gen(function* () {
      const { server, transport } = yield* setup((_, i) => (i === 0 ? "hang" : [ok("{}")]))
      const first = yield* transport.exchange(post(server.url, "/c", { timeoutMs: 100 }))
      assert.strictEqual(first._tag, "TimedOut")
      assert.strictEqual(textOf(yield* transport.exchange(post(server.url, "/c"))), "{}")
      assert.strictEqual(server.connections(), 2)
    }).pipe(Effect.scoped)
  )

  it.live("connections not made by makeConnections are not a pool: the calls go through node:http", () =>
    Effect.gen(function* () {
      const server = yield* Effect.promise(() => serve(() => [ok('{"via":"node:http"}')]))
      const transport = transportOf({ close: () => {} })
      assert.strictEqual(textOf(yield* transport.exchange(post(server.url, "/c"))), '{"via":"node:http"}')
      yield* Effect.promise(() => server.close())
    })
  )

  it.live("closing the connections closes the idle ones; a server closing an idle one is not an error", () =>
    Effect.gen(function* () {
      const server = yield* Effect.promise(() => serve(() => [ok("{}")]))
      const connections = NodeClient.makeConnections({ net: Net, tls: Tls })
      const transport = transportOf(connections)
      assert.strictEqual(textOf(yield* transport.exchange(post(server.url, "/c"))), "{}")
      // The server drops the idle connection; the next call opens a new one and succeeds.
      yield* Effect.promise(() => server.close())
      const again = yield* Effect.promise(() => serve(() => [ok("{}")]))
      assert.strictEqual(textOf(yield* transport.exchange(post(again.url, "/c"))), "{}")
      assert.strictEqual(again.connections(), 1)
      connections.close()
      yield* Effect.sleep("50 millis")
      assert.strictEqual(again.closed(), 1)
      const after = yield* transport.exchange(post(again.url, "/c"))
      assert.strictEqual(after._tag, "NoResponse")
      yield* Effect.promise(() => again.close())
    })
  )
})
