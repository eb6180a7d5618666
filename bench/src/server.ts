/**
 * The loopback server, run in its own process: answers every cancel and retrieve at once with a fixed
 * vendor body, and serves results files of any size (generated once, then kept), so that what is
 * measured is the client. Prints `{"port":N}` on stdout when it listens; exits when stdin closes.
 */
import { createServer, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as V from "./vendors.js"

const json = (body: unknown) => Buffer.from(JSON.stringify(body))

/**
 * A vendor body serialized once, around the batch id: each answer names the batch asked for (clients
 * check it) at the cost of one concatenation.
 */
const named = (body: { readonly id: string }) => {
  const [head = "", tail = ""] = JSON.stringify({ ...body, id: "\u0000" }).split('"\\u0000"')
  const before = Buffer.from(head)
  const after = Buffer.from(tail)
  return (id: string) => Buffer.concat([before, Buffer.from(JSON.stringify(decodeURIComponent(id))), after])
}
const openAiCancel = named(V.openAiCancelled)
const anthropicCancel = named(V.anthropicCancelled)
const togetherCancel = named(V.togetherCancelled)

const headersJson = (length: number, vendor: V.Vendor) => ({
  "content-type": "application/json",
  "content-length": String(length),
  ...(vendor === "anthropic"
    ? { "request-id": "req_011CSHoEeqs5C35K2UUqR7Fy" }
    : { "x-request-id": "req_00001eef4c2b9e1f0a3d5e7f8a9b0c1d" })
})

const files = new Map<string, Buffer>()

/** The results file of `mb` megabytes (10^6 bytes, rounded up to a whole line), built once. */
export const resultsFile = (vendor: "openai" | "anthropic", mb: number): Buffer => {
  const key = `${vendor}:${mb}`
  const cached = files.get(key)
  if (cached !== undefined) return cached
  const target = mb * 1_000_000
  const parts: Array<Buffer> = []
  let size = 0
  const line = vendor === "anthropic" ? V.anthropicLine : V.openAiLine
  for (let i = 0; size < target; i++) {
    const b = Buffer.from(`${line(i)}\n`)
    parts.push(b)
    size += b.length
  }
  const file = Buffer.concat(parts, size)
  files.set(key, file)
  return file
}

let origin = ""

const send = (res: ServerResponse, status: number, body: Buffer, vendor: V.Vendor) => {
  res.writeHead(status, headersJson(body.length, vendor))
  res.end(body)
}

const sendFile = (res: ServerResponse, file: Buffer) => {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(file.length) })
  res.end(file)
}

const notFound = (res: ServerResponse) => {
  const body = json({ error: { message: "not found", type: "invalid_request_error" } })
  res.writeHead(404, { "content-type": "application/json", "content-length": String(body.length) })
  res.end(body)
}

const OPENAI_LIKE = /^\/(openai|together)\/v1\/(batches|files)\/([^/?]+)(\/cancel|\/content)?\/?(\?.*)?$/
const ANTHROPIC = /^\/anthropic\/v1\/messages\/batches\/([^/?]+)(\/cancel|\/results)?(\?.*)?$/
const RESULTS = /_results_(\d+)$/

/** An upload: the body drained and counted, not kept (what is measured is the client sending it). */
let uploads = 0
const upload = (req: import("node:http").IncomingMessage, res: ServerResponse) => {
  let bytes = 0
  req.on("data", (chunk: Buffer) => {
    bytes += chunk.length
  })
  req.on("end", () => {
    const id = `file-upload-${++uploads}`
    send(
      res,
      200,
      json({
        id,
        object: "file",
        bytes,
        created_at: 1733000000,
        filename: "batch.jsonl",
        purpose: "batch",
        status: "processed"
      }),
      "openai"
    )
  })
}

const server = createServer((req, res) => {
  const url = req.url ?? ""
  if (req.method === "POST" && url === "/openai/v1/files") return upload(req, res)
  req.resume()
  if (req.method === "POST" && url === "/openai/v1/batches")
    return send(res, 200, openAiCancel(`batch_upload_${uploads}`), "openai")
  const o = OPENAI_LIKE.exec(url)
  if (o !== null) {
    const vendor = o[1] as "openai" | "together"
    const [, , kind, id = "", action] = o
    if (kind === "batches" && action === "/cancel")
      return send(res, 200, (vendor === "openai" ? openAiCancel : togetherCancel)(id), vendor)
    if (kind === "batches" && action === undefined) {
      const mb = RESULTS.exec(id)
      if (mb !== null && vendor === "openai")
        return send(res, 200, json(V.openAiCompleted(id, `file-results-${mb[1]}`)), vendor)
      return send(res, 200, (vendor === "openai" ? openAiCancel : togetherCancel)(id), vendor)
    }
    if (kind === "files" && action === "/content") {
      const mb = /^file-results-(\d+)$/.exec(id)
      if (mb !== null) return sendFile(res, resultsFile("openai", Number(mb[1])))
    }
    return notFound(res)
  }
  const a = ANTHROPIC.exec(url)
  if (a !== null) {
    const [, id = "", action] = a
    if (action === "/cancel") return send(res, 200, anthropicCancel(id), "anthropic")
    const mb = RESULTS.exec(id)
    if (action === undefined) {
      if (mb !== null) {
        return send(
          res,
          200,
          json(V.anthropicEnded(id, `${origin}/anthropic/v1/messages/batches/${id}/results`)),
          "anthropic"
        )
      }
      return send(res, 200, anthropicCancel(id), "anthropic")
    }
    if (action === "/results" && mb !== null) return sendFile(res, resultsFile("anthropic", Number(mb[1])))
    return notFound(res)
  }
  return notFound(res)
})

server.keepAliveTimeout = 120_000
server.headersTimeout = 130_000

if (process.argv[1] !== undefined && /server\.m?[jt]s$/.test(process.argv[1])) {
  // Files asked for on the command line (`--prepare openai:100`) are built before the port is announced,
  // so that no measured read waits for the server to build one.
  for (const arg of process.argv.slice(2)) {
    const m = /^(openai|anthropic):(\d+)$/.exec(arg)
    if (m !== null) resultsFile(m[1] as "openai" | "anthropic", Number(m[2]))
  }
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo
    origin = `http://127.0.0.1:${port}`
    process.stdout.write(`${JSON.stringify({ port })}\n`)
  })
  process.stdin.on("end", () => process.exit(0))
  process.stdin.resume()
}
