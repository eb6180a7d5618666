/**
 * A fault proxy for the emulator: it forwards every request to the emulator and, by seeded rules, breaks
 * the exchange in the ways the emulator's own faults do not (those all strike before the vendor acts, or
 * garble its answer): a temporary refusal of a cancel while the batch runs, the connection reset after
 * the vendor acted, and an answer about another batch.
 *
 * Faults that the emulator has (`status`, `drop`, `delay`, `malformed`, `truncated`) are configured on the
 * emulator; this adds only what it lacks, so the two compose.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** What the proxy does to one exchange. */
export type ProxyFault =
  /** Answer a cancel with the vendors' invalid-state refusal (409) without forwarding: the batch runs on. */
  | { readonly kind: "refuse" }
  /** Forward (the vendor acts), then reset the client's connection without an answer. */
  | { readonly kind: "reset-after" }
  /** Forward, then answer 200 with the batch's id replaced by another batch's. */
  | { readonly kind: "wrong-id" }

export type ProxyRule = ProxyFault & {
  /** `cancel`, `retrieve`, `list` (default: every route) */
  readonly route?: "cancel" | "retrieve" | "list" | undefined
  /** probability in [0, 1] */
  readonly rate: number
}

export interface ProxyHandle {
  readonly url: string
  /** The base URL for a provider, as the emulator's `baseUrl(provider)` with the proxy's origin. */
  readonly baseUrl: (emulatorBaseUrl: string) => string
  /** How many times each fault struck. */
  readonly struck: () => Readonly<Record<string, number>>
  /** How many requests came in (every route, faulty or not). */
  readonly requests: () => number
  readonly close: () => Promise<void>
}

const routeOf = (method: string, path: string): "cancel" | "retrieve" | "list" | "other" => {
  if (method === "POST" && /\/cancel$|:cancel$/.test(path)) return "cancel"
  if (method === "GET" && /\/batches\/?$|\/jobs\/?$/.test(path)) return "list"
  if (method === "GET" && /\/batches\/[^/]+$|\/jobs\/[^/]+$/.test(path)) return "retrieve"
  return "other"
}

/** A small seeded generator (mulberry32), so a run with the same seed sees the same faults. */
const random = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const REFUSAL = JSON.stringify({
  type: "error",
  error: {
    type: "invalid_request_error",
    code: "batch_state_conflict",
    message: "The batch cannot be cancelled right now (state conflict); try again later."
  }
})

/**
 * Starts the proxy on 127.0.0.1 in front of `target` (the emulator's origin, http://127.0.0.1:PORT).
 * `latencyMs` holds every request that long before it is handled (a vendor's own time to answer; 0 by
 * default).
 */
export const start = async (
  target: string,
  rules: ReadonlyArray<ProxyRule>,
  seed = 1,
  latencyMs = 0
): Promise<ProxyHandle> => {
  const next = random(seed)
  const counts: Record<string, number> = {}
  let requests = 0
  const upstream = new URL(target)
  // Connections to the emulator are kept and reused, as a vendor's own front end does.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const pick = (route: string): ProxyFault | undefined => {
    for (const rule of rules) {
      if (rule.route !== undefined && rule.route !== route) continue
      if (rule.kind === "refuse" && route !== "cancel") continue
      if (next() < rule.rate) {
        counts[rule.kind] = (counts[rule.kind] ?? 0) + 1
        return rule
      }
    }
    return undefined
  }

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    done: (status: number, headers: IncomingMessage["headers"], body: Buffer) => void,
    fail: () => void
  ) => {
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        agent,
        method: req.method,
        path: req.url,
        // Plain bodies, so that an answer can be rewritten.
        headers: { ...req.headers, host: upstream.host, "accept-encoding": "identity" }
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => done(res.statusCode ?? 502, res.headers, Buffer.concat(chunks)))
        res.on("error", fail)
      }
    )
    out.on("error", fail)
    out.end(body)
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      requests++
      if (latencyMs > 0) setTimeout(handle, latencyMs)
      else handle()
    })
    const handle = () => {
      const body = Buffer.concat(chunks)
      const path = (req.url ?? "/").split("?")[0] ?? "/"
      const fault = pick(routeOf(req.method ?? "GET", path))
      const kill = () => res.destroy()
      if (fault?.kind === "refuse") {
        res.writeHead(409, { "content-type": "application/json", "x-request-id": "req_proxy_refusal" })
        res.end(REFUSAL)
        return
      }
      forward(
        req,
        body,
        (status, headers, answer) => {
          if (fault?.kind === "reset-after") return kill()
          let payload = answer
          if (fault?.kind === "wrong-id" && status === 200) {
            payload = Buffer.from(
              // The batch's id, under the key each vendor uses for it (Gemini: `name`, `batches/…`; xAI: `batch_id`).
              answer
                .toString("utf8")
                .replace(/"(id|batch_id|name)":\s*"(batches\/)?[^"]+"/, '"$1":"$2batch_someone_else_0000"')
            )
          }
          const {
            "content-length": _length,
            "transfer-encoding": _encoding,
            connection: _connection,
            ...rest
          } = headers
          res.writeHead(status, { ...rest, "content-length": String(payload.length) })
          res.end(payload)
        },
        kill
      )
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    baseUrl: (emulatorBaseUrl) => {
      const u = new URL(emulatorBaseUrl)
      return `${url}${u.pathname}`.replace(/\/$/, "")
    },
    struck: () => ({ ...counts }),
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        agent.destroy()
        server.close(() => resolve())
      })
  }
}
