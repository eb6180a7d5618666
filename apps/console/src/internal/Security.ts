/**
 * Who may talk to the console: the Host header (against DNS rebinding), the session cookie (against
 * other local users and pages), and for anything that changes state the session token in a header plus
 * the page's own Origin (against cross-site requests). Pure functions over request headers.
 */
import { timingSafeEqual } from "node:crypto"

/** `localhost`, an IPv4 literal or a bracketed IPv6 literal: names a rebinding attacker cannot own. */
const HOST = /^(localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/

/**
 * The Host header is one this server answers to: an address, not a DNS name (a rebinding attack needs a
 * name it controls that resolves to 127.0.0.1), with this server's port.
 */
export const hostAllowed = (host: string | undefined, port: number): boolean => {
  if (host === undefined) return false
  const m = HOST.exec(host)
  return m !== null && Number(m[2]) === port
}

/** Constant-time comparison of a presented token with the session's. */
export const tokenMatches = (presented: string | undefined, token: string): boolean => {
  if (presented === undefined) return false
  const a = Buffer.from(presented)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The cookie's name carries the port: cookies are shared across ports of one host. */
export const cookieName = (port: number): string => `batchctl_console_${port}`

/** The value of one cookie in a Cookie header. */
export const cookieValue = (header: string | undefined, name: string): string | undefined => {
  if (header === undefined) return undefined
  for (const part of header.split(";")) {
    const eq = part.indexOf("=")
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** Why a request that changes state is refused, if it is. */
export const refuseChange = (
  headers: Readonly<Record<string, string | undefined>>,
  token: string
): string | undefined => {
  const host = headers.host
  const origin = headers.origin
  if (origin === undefined) return "no Origin header"
  if (origin !== `http://${host}`) return `cross-origin request from ${origin}`
  const site = headers["sec-fetch-site"]
  if (site !== undefined && site !== "same-origin") return `Sec-Fetch-Site is ${site}`
  if (!tokenMatches(headers["x-batchctl-token"], token)) return "missing or wrong session token"
  if (!(headers["content-type"] ?? "").startsWith("application/json")) return "the body must be application/json"
  return undefined
}
