/**
 * A small HTTP/1.1 client for the JSON calls of `NodeClient`'s transport: one request at a time per
 * keep-alive connection, the request in one write, the answer read whole (bounded) from the socket.
 *
 * Why not `node:http`: for a small exchange (a cancel: ~200 bytes each way) its `ClientRequest`,
 * `IncomingMessage` streams and agent cost ~170 µs of CPU per request on this project's bench, several
 * times the exchange itself; this client does the same work in a fraction of it. Results files and
 * uploads (streamed bodies) still go through `node:http`.
 *
 * What it holds to, as `node:http` does: a response head of at most {@link MAX_HEAD_BYTES}; bodies framed
 * by `content-length`, `chunked` or the end of the connection; 1xx answers skipped; a connection reused
 * only after a whole, well-framed answer that did not say `connection: close`; header names and values
 * checked before anything is sent (no line break can be smuggled into a request). A body past the
 * caller's bound stops the read and closes the connection.
 *
 * @internal
 */
import type * as Net from "node:net"
import type * as Tls from "node:tls"

/** @internal */
export interface Modules {
  readonly net: typeof Net
  readonly tls: typeof Tls
}

/** @internal */
export type Answer =
  | {
      readonly _tag: "Response"
      readonly status: number
      readonly headers: Record<string, string>
      readonly body: Buffer
    }
  | { readonly _tag: "TooLarge"; readonly status: number; readonly headers: Record<string, string> }
  | { readonly _tag: "NoResponse"; readonly cause: Error }
  | { readonly _tag: "Invalid"; readonly reason: string }

/** @internal */
export interface Request {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array | string | undefined
  readonly maxBodyBytes: number
}

/** @internal */
export interface Pool {
  /** Sends `request`; `onAnswer` is called once, unless the returned `abort` is called first. */
  readonly send: (request: Request, onAnswer: (answer: Answer) => void) => () => void
  /** Closes every connection, idle or in use. */
  readonly close: () => void
}

/** The most a response head may have (status line and headers), as `node:http`'s default. */
export const MAX_HEAD_BYTES = 16 * 1024

/** An idle connection is closed after this long: before the servers' own keep-alive timeouts (5 s for Node's). */
const IDLE_MS = 4_000

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** A header value may hold tab, visible ASCII, space and obs-text (0x80–0xff): no line break, no NUL. */
const badValue = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return true
  }
  return false
}

/** A request target may hold no control character, space or non-ASCII (the URL escaped them all). */
const badTarget = (target: string): boolean => {
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i)
    if (c <= 0x20 || c >= 0x7f) return true
  }
  return false
}
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1")
const CRLF = Buffer.from("\r\n", "latin1")
const EMPTY = Buffer.alloc(0)
const NO_HEADERS: Record<string, string> = {}

const hangUp = (): Error => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
const malformed = (what: string): Error =>
  Object.assign(new Error(`malformed response: ${what}`), { code: "HPE_INVALID" })

/** The request's head, or why it cannot be sent. */
const headOf = (request: Request): string | { readonly invalid: string } => {
  const { url } = request
  const target = `${url.pathname || "/"}${url.search}`
  if (badTarget(target)) return { invalid: "the request path contains unescaped characters" }
  if (!TOKEN.test(request.method)) return { invalid: `an invalid method ${JSON.stringify(request.method)}` }
  let head = `${request.method} ${target} HTTP/1.1\r\n`
  let host = false
  let length = false
  let connection = false
  let encoding = false
  for (const name in request.headers) {
    const value = request.headers[name] as string
    if (!TOKEN.test(name)) return { invalid: `Header name must be a valid HTTP token ["${name}"]` }
    if (badValue(value)) return { invalid: `Invalid character in header content ["${name}"]` }
    const lower = name.toLowerCase()
    if (lower === "host") host = true
    else if (lower === "content-length" || lower === "transfer-encoding") length = true
    else if (lower === "connection") connection = true
    else if (lower === "accept-encoding") encoding = true
    head += `${name}: ${value}\r\n`
  }
  if (!host) head += `host: ${url.host}\r\n`
  if (!length) {
    const body = request.body
    const size = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength
    if (size > 0 || (request.method !== "GET" && request.method !== "HEAD")) head += `content-length: ${size}\r\n`
  }
  // As `fetch` does: ask for a compressed body, decompressed by the caller.
  if (!encoding) head += "accept-encoding: gzip\r\n"
  if (!connection) head += "connection: keep-alive\r\n"
  return `${head}\r\n`
}

/**
 * One request on a connection, from its head to the end of its answer. A class rather than an object
 * literal: V8 may decide, from how long the first ones live, to allocate every object of a literal in the
 * old generation ("allocation-site pretenuring"); as a literal, 98.6% of these records were so allocated
 * in a 100,000-id `cancelEach`, as a class none are. A dead record in the old generation is only collected
 * by a full collection, and until then everything it points to (the caller's continuation, the answer's
 * buffers) survives each young collection and is promoted in turn; `release` cuts what an ended record
 * points to in any case. (Other objects, Effect's among them, get the same decision: the heap of a long
 * bulk run is flat only under `node --no-allocation-site-pretenuring`; see the core README.)
 */
class Exchange {
  onAnswer: (answer: Answer) => void
  readonly method: string
  readonly maxBodyBytes: number
  /** reading the head, then the body as it is framed */
  phase: "head" | "length" | "chunked" | "close" = "head"
  buffered: Buffer = EMPTY
  status = 0
  headers: Record<string, string> = NO_HEADERS
  keepAlive = false
  /** bytes of the body still to come (`length`), or of the current chunk (`chunked`) */
  left = 0
  /** chunked: what comes next */
  chunk: "size" | "data" | "crlf" | "trailers" = "size"
  body: Array<Buffer> = []
  size = 0
  constructor(onAnswer: (answer: Answer) => void, method: string, maxBodyBytes: number) {
    this.onAnswer = onAnswer
    this.method = method
    this.maxBodyBytes = maxBodyBytes
  }
}

interface Connection {
  readonly socket: Net.Socket
  readonly key: string
  exchange: Exchange | undefined
  idleTimer: ReturnType<typeof setTimeout> | undefined
}

const ignore = (_: Answer) => {}

/** Drops what an ended exchange points to (see `Exchange`). */
const release = (exchange: Exchange) => {
  exchange.onAnswer = ignore
  exchange.buffered = EMPTY
  exchange.body.length = 0
  exchange.headers = NO_HEADERS
}

/** @internal */
export const makePool = (modules: Modules): Pool => {
  const idle = new Map<string, Array<Connection>>()
  const all = new Set<Connection>()
  let closed = false

  const forget = (connection: Connection) => {
    all.delete(connection)
    clearTimeout(connection.idleTimer)
    const list = idle.get(connection.key)
    if (list === undefined) return
    const i = list.indexOf(connection)
    if (i >= 0) list.splice(i, 1)
  }

  const finish = (connection: Connection, answer: Answer, reuse: boolean) => {
    const exchange = connection.exchange
    connection.exchange = undefined
    const onAnswer = exchange?.onAnswer
    if (exchange !== undefined) release(exchange)
    if (reuse && !closed && !connection.socket.destroyed) {
      connection.socket.unref()
      connection.idleTimer = setTimeout(() => connection.socket.destroy(), IDLE_MS)
      connection.idleTimer.unref?.()
      const list = idle.get(connection.key)
      if (list === undefined) idle.set(connection.key, [connection])
      else list.push(connection)
    } else {
      forget(connection)
      connection.socket.destroy()
    }
    onAnswer?.(answer)
  }

  const fail = (connection: Connection, cause: Error) => finish(connection, { _tag: "NoResponse", cause }, false)

  const complete = (connection: Connection, exchange: Exchange, reuse: boolean) => {
    const body = exchange.body.length === 1 ? (exchange.body[0] as Buffer) : Buffer.concat(exchange.body)
    // Bytes after a whole answer: the connection is in an unknown state, not reused.
    finish(
      connection,
      { _tag: "Response", status: exchange.status, headers: exchange.headers, body },
      reuse && exchange.keepAlive && exchange.buffered.byteLength === 0
    )
  }

  const tooLarge = (connection: Connection, exchange: Exchange) =>
    finish(connection, { _tag: "TooLarge", status: exchange.status, headers: exchange.headers }, false)

  /** Adds body bytes; false when they went past the bound (the exchange is then over). */
  const take = (connection: Connection, exchange: Exchange, bytes: Buffer): boolean => {
    if (bytes.byteLength === 0) return true
    exchange.size += bytes.byteLength
    if (exchange.size > exchange.maxBodyBytes) {
      tooLarge(connection, exchange)
      return false
    }
    exchange.body.push(bytes)
    return true
  }

  /** Parses the head in `exchange.buffered`, if whole; false when the exchange ended (an error). */
  const readHead = (connection: Connection, exchange: Exchange): boolean => {
    for (;;) {
      const end = exchange.buffered.indexOf(CRLFCRLF)
      if (end < 0) {
        if (exchange.buffered.byteLength > MAX_HEAD_BYTES) {
          fail(connection, malformed(`a response head larger than ${MAX_HEAD_BYTES} bytes`))
          return false
        }
        return true
      }
      if (end > MAX_HEAD_BYTES) {
        fail(connection, malformed(`a response head larger than ${MAX_HEAD_BYTES} bytes`))
        return false
      }
      const lines = exchange.buffered.toString("latin1", 0, end).split("\r\n")
      exchange.buffered = exchange.buffered.subarray(end + 4)
      const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] as string)
      if (statusLine === null) {
        fail(connection, malformed("not an HTTP/1.x status line"))
        return false
      }
      const status = Number(statusLine[2])
      const headers: Record<string, string> = {}
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i] as string
        const colon = line.indexOf(":")
        if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) {
          fail(connection, malformed("a header line without a name"))
          return false
        }
        const name = line.slice(0, colon).toLowerCase()
        const value = line.slice(colon + 1).trim()
        const had = headers[name]
        headers[name] = had === undefined ? value : `${had}, ${value}`
      }
      // Interim answers (100 Continue, 103 Early Hints) come before the answer.
      if (status >= 100 && status < 200) {
        if (status === 101) {
          fail(connection, malformed("a protocol switch that was not asked for"))
          return false
        }
        continue
      }
      exchange.status = status
      exchange.headers = headers
      const token = headers.connection?.toLowerCase() ?? ""
      exchange.keepAlive = statusLine[1] === "1" ? !token.includes("close") : token.includes("keep-alive")
      const te = headers["transfer-encoding"]
      const cl = headers["content-length"]
      if (exchange.method === "HEAD" || status === 204 || status === 304) {
        exchange.phase = "length"
        exchange.left = 0
      } else if (te !== undefined) {
        const codings = te.toLowerCase().split(",")
        if ((codings[codings.length - 1] as string).trim() === "chunked") {
          exchange.phase = "chunked"
        } else {
          exchange.phase = "close"
          exchange.keepAlive = false
        }
        // Both framings given: the transfer-coding wins, and the connection is not trusted again.
        if (cl !== undefined) exchange.keepAlive = false
      } else if (cl !== undefined) {
        const values = new Set(cl.split(",").map((v) => v.trim()))
        const only = values.size === 1 ? [...values][0] : undefined
        if (only === undefined || !/^\d{1,15}$/.test(only)) {
          fail(connection, malformed("an invalid content-length"))
          return false
        }
        const length = Number(only)
        if (length > exchange.maxBodyBytes) {
          tooLarge(connection, exchange)
          return false
        }
        exchange.phase = "length"
        exchange.left = length
      } else {
        exchange.phase = "close"
        exchange.keepAlive = false
      }
      return true
    }
  }

  /** Reads chunked framing from `exchange.buffered`; false when the exchange ended. */
  const readChunked = (connection: Connection, exchange: Exchange): boolean => {
    for (;;) {
      const buffered = exchange.buffered
      switch (exchange.chunk) {
        case "size": {
          const end = buffered.indexOf(CRLF)
          if (end < 0) {
            if (buffered.byteLength > 1024) {
              fail(connection, malformed("a chunk size line too long"))
              return false
            }
            return true
          }
          const line = buffered.toString("latin1", 0, end)
          const semi = line.indexOf(";")
          const hex = (semi < 0 ? line : line.slice(0, semi)).trim()
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
            fail(connection, malformed("an invalid chunk size"))
            return false
          }
          exchange.buffered = buffered.subarray(end + 2)
          const size = Number.parseInt(hex, 16)
          if (size === 0) {
            exchange.chunk = "trailers"
            continue
          }
          if (exchange.size + size > exchange.maxBodyBytes) {
            tooLarge(connection, exchange)
            return false
          }
          exchange.left = size
          exchange.chunk = "data"
          continue
        }
        case "data": {
          if (buffered.byteLength === 0) return true
          const n = Math.min(exchange.left, buffered.byteLength)
          if (!take(connection, exchange, buffered.subarray(0, n))) return false
          exchange.left -= n
          exchange.buffered = buffered.subarray(n)
          if (exchange.left === 0) exchange.chunk = "crlf"
          continue
        }
        case "crlf": {
          if (buffered.byteLength < 2) return true
          if (buffered[0] !== 13 || buffered[1] !== 10) {
            fail(connection, malformed("a chunk not followed by CRLF"))
            return false
          }
          exchange.buffered = buffered.subarray(2)
          exchange.chunk = "size"
          continue
        }
        case "trailers": {
          const end = buffered.indexOf(CRLF)
          if (end < 0) {
            if (buffered.byteLength > MAX_HEAD_BYTES) {
              fail(connection, malformed("trailers too large"))
              return false
            }
            return true
          }
          exchange.buffered = buffered.subarray(end + 2)
          if (end === 0) {
            complete(connection, exchange, true)
            return false
          }
          continue
        }
      }
    }
  }

  const onData = (connection: Connection, chunk: Buffer) => {
    const exchange = connection.exchange
    if (exchange === undefined) {
      // Bytes nobody asked for: the connection cannot be trusted.
      forget(connection)
      connection.socket.destroy()
      return
    }
    exchange.buffered = exchange.buffered.byteLength === 0 ? chunk : Buffer.concat([exchange.buffered, chunk])
    if (exchange.phase === "head" && (!readHead(connection, exchange) || exchange.phase === "head")) return
    switch (exchange.phase) {
      case "length": {
        const n = Math.min(exchange.left, exchange.buffered.byteLength)
        if (!take(connection, exchange, exchange.buffered.subarray(0, n))) return
        exchange.left -= n
        exchange.buffered = exchange.buffered.subarray(n)
        if (exchange.left === 0) complete(connection, exchange, true)
        return
      }
      case "chunked":
        readChunked(connection, exchange)
        return
      case "close": {
        const bytes = exchange.buffered
        exchange.buffered = EMPTY
        take(connection, exchange, bytes)
        return
      }
    }
  }

  const onEnd = (connection: Connection) => {
    const exchange = connection.exchange
    if (exchange === undefined) {
      forget(connection)
      return
    }
    // A body framed by the end of the connection is whole now; any other answer was cut short.
    if (exchange.phase === "close") complete(connection, exchange, false)
    else fail(connection, hangUp())
  }

  const connect = (url: URL, key: string): Connection => {
    const secure = url.protocol === "https:"
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
    const port = Number(url.port || (secure ? 443 : 80))
    const socket = secure
      ? modules.tls.connect({
          host,
          port,
          ALPNProtocols: ["http/1.1"],
          ...(modules.net.isIP(host) === 0 ? { servername: host } : {})
        })
      : modules.net.connect({ host, port })
    socket.setNoDelay(true)
    const connection: Connection = { socket, key, exchange: undefined, idleTimer: undefined }
    all.add(connection)
    socket.on("data", (chunk: Buffer) => onData(connection, chunk))
    socket.on("end", () => onEnd(connection))
    socket.on("error", (cause) => {
      if (connection.exchange !== undefined) fail(connection, cause)
      else forget(connection)
    })
    socket.on("close", () => {
      if (connection.exchange !== undefined) {
        if (connection.exchange.phase === "close") complete(connection, connection.exchange, false)
        else fail(connection, hangUp())
      } else forget(connection)
    })
    return connection
  }

  const acquire = (url: URL): Connection => {
    const key = `${url.protocol}//${url.host}`
    const list = idle.get(key)
    while (list !== undefined && list.length > 0) {
      const connection = list.pop() as Connection
      clearTimeout(connection.idleTimer)
      if (connection.socket.destroyed || connection.socket.readyState !== "open") {
        all.delete(connection)
        connection.socket.destroy()
        continue
      }
      connection.socket.ref()
      return connection
    }
    return connect(url, key)
  }

  const send = (request: Request, onAnswer: (answer: Answer) => void): (() => void) => {
    if (closed) {
      onAnswer({ _tag: "NoResponse", cause: new Error("the client is closed") })
      return () => {}
    }
    const head = headOf(request)
    if (typeof head !== "string") {
      onAnswer({ _tag: "Invalid", reason: head.invalid })
      return () => {}
    }
    const connection = acquire(request.url)
    let over = false
    const exchange = new Exchange(
      (answer) => {
        over = true
        onAnswer(answer)
      },
      request.method,
      request.maxBodyBytes
    )
    connection.exchange = exchange
    const { socket } = connection
    const body = request.body
    if (body === undefined || (typeof body === "string" ? body.length === 0 : body.byteLength === 0)) {
      socket.write(head, "latin1")
    } else {
      socket.cork()
      socket.write(head, "latin1")
      if (typeof body === "string") socket.write(body, "utf8")
      else socket.write(body)
      socket.uncork()
    }
    return () => {
      if (over) return
      over = true
      connection.exchange = undefined
      forget(connection)
      socket.destroy()
    }
  }

  const close = () => {
    closed = true
    for (const connection of all) {
      clearTimeout(connection.idleTimer)
      connection.socket.destroy()
    }
    all.clear()
    idle.clear()
  }

  return { send, close }
}
