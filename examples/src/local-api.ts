/**
 * A small OpenAI-shaped Batch API on loopback, for the demo only: batches move from in_progress to
 * cancelling to cancelled, finished batches refuse cancel with 409, results come from files.
 */
import * as Effect from "effect/Effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

interface State {
  id: string
  status: string
  created_at: number
  cancelling_at: number | null
  cancelled_at: number | null
  completed_at: number | null
  output_file_id: string | null
  error_file_id: string | null
  request_counts: { total: number; completed: number; failed: number }
}

const now = () => Math.floor(Date.now() / 1000)

export const startLocalBatchApi = Effect.acquireRelease(
  Effect.async<{ baseUrl: string; requests: () => number; close: () => void }>((resume) => {
    const t = now() - 600
    const batches = new Map<string, State>()
    const add = (id: string, status: string, extra: Partial<State> = {}) =>
      batches.set(id, {
        id, status, created_at: t, cancelling_at: null, cancelled_at: null, completed_at: null,
        output_file_id: null, error_file_id: null, request_counts: { total: 3, completed: 1, failed: 0 }, ...extra
      })
    add("batch_running", "in_progress")
    add("batch_a", "validating")
    add("batch_b", "in_progress")
    add("batch_done", "completed", { completed_at: t + 300, output_file_id: "file-out-done", request_counts: { total: 3, completed: 3, failed: 0 } })
    const files: Record<string, string> = {
      "file-out-running": `${JSON.stringify({ custom_id: "request-1", response: { status_code: 200, body: { choices: [{ message: { content: "Paris" } }] } }, error: null })}\n`,
      "file-err-running": [2, 3]
        .map((n) => JSON.stringify({ custom_id: `request-${n}`, response: null, error: { code: "batch_cancelled", message: "cancelled before it ran" } }))
        .join("\n")
    }
    let requests = 0
    const server = createServer((req, res) => {
      requests++
      const send = (status: number, body: unknown, type = "application/json") => {
        res.writeHead(status, { "content-type": type, "x-request-id": `req_demo_${requests}` })
        res.end(typeof body === "string" ? body : JSON.stringify(body))
      }
      if (req.headers.authorization !== "Bearer sk-demo-not-a-real-key") return send(401, { error: { message: "Incorrect API key provided", type: "invalid_request_error" } })
      const url = new URL(req.url ?? "/", "http://localhost")
      const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent) // v1, batches, id, cancel
      if (parts[1] === "files" && parts[2] !== undefined && files[parts[2]] !== undefined) return send(200, files[parts[2]], "application/jsonl")
      if (parts[1] !== "batches") return send(404, { error: { message: "Not found", type: "invalid_request_error" } })
      if (parts[2] === undefined) {
        const all = [...batches.values()]
        const after = url.searchParams.get("after")
        const limit = Number(url.searchParams.get("limit") ?? 20)
        const start = after === null ? 0 : all.findIndex((b) => b.id === after) + 1
        const data = all.slice(start, start + limit)
        return send(200, { object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < all.length })
      }
      const batch = batches.get(parts[2])
      if (batch === undefined) return send(404, { error: { message: `No batch found with id '${parts[2]}'.`, type: "invalid_request_error" } })
      if (batch.status === "cancelling" && batch.cancelling_at !== null && now() - batch.cancelling_at >= 0) {
        // the demo's batches finish cancelling on the next look
        Object.assign(batch, { status: "cancelled", cancelled_at: now(), output_file_id: "file-out-running", error_file_id: "file-err-running" })
      }
      if (parts[3] === "cancel" && req.method === "POST") {
        if (!["validating", "in_progress", "finalizing"].includes(batch.status)) {
          return send(409, { error: { message: `Cannot cancel a batch with status '${batch.status}'.`, type: "invalid_request_error", param: null, code: null } })
        }
        Object.assign(batch, { status: "cancelling", cancelling_at: now() })
        return send(200, { object: "batch", ...batch })
      }
      return send(200, { object: "batch", ...batch })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ baseUrl: `http://127.0.0.1:${port}/v1`, requests: () => requests, close: () => server.close() }))
    })
  }),
  (api) => Effect.sync(() => api.close())
)
