/**
 * A real HTTP server on loopback for tests: routes `(method, path, headers)` to a status and a body.
 * Used by the adapters' own tests to drive their Promise clients end to end over real HTTP. In the
 * workspace only: the published package does not export it (`publishConfig.exports["./testing"]: null`).
 *
 * @since 0.1.0
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * @since 0.1.0
 * @category models
 */
export interface Answer {
  readonly status: number
  readonly body?: unknown
  readonly text?: string
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LoopbackServer {
  readonly url: string
  readonly seen: ReadonlyArray<Seen>
  close(): Promise<void>
}

/**
 * Listens on a free loopback port: the server's URL, and what closes it (open connections too). For
 * servers that answer in ways {@link start} cannot (resets, bodies that never end).
 *
 * @since 0.1.0
 * @category constructors
 */
export const listen = (server: Server): Promise<{ readonly url: string; readonly close: () => Promise<void> }> =>
  new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const start = (route: (request: Seen) => Answer): Promise<LoopbackServer> => {
  const seen: Array<Seen> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const request = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      seen.push(request)
      const answer = route(request)
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
      res.end(answer.text ?? (answer.body === undefined ? "" : JSON.stringify(answer.body)))
    })
  })
  return listen(server).then((listening) => ({ ...listening, seen }))
}
