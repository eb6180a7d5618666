/**
 * Keeping the key out of what a vendor sends back: text, headers, and the errors a transport raises.
 *
 * @internal
 */
import * as Headers from "@effect/platform/Headers"

/** @internal */
export interface Scrubber {
  readonly scrub: (text: string) => string
  readonly headers: (headers: Headers.Headers) => Headers.Headers
  /** An error's name, message (scrubbed), `code` and cause chain, and nothing else it may hold. */
  readonly error: (error: Error) => Error
  /** Whether there is a key to scrub at all (shorter than 4 characters, it would rewrite data). */
  readonly active: boolean
}

/** JSON string escapes (`\u0073`, `\/`, `\"`) undone, so that a key a vendor echoed escaped is seen. */
const unescapeJson = (text: string): string =>
  text.replace(/\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))/g, (_, hex: string | undefined, c: string | undefined) => {
    if (hex !== undefined) return String.fromCharCode(Number.parseInt(hex, 16))
    switch (c) {
      case "b":
        return "\b"
      case "f":
        return "\f"
      case "n":
        return "\n"
      case "r":
        return "\r"
      case "t":
        return "\t"
      default:
        return c ?? ""
    }
  })

/** Percent-encoding undone where it decodes (a key echoed in a URL). */
const unescapeUrl = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * Scrubs text that is shown (messages, request ids, URLs, excerpts), never data. The key is matched as
 * sent (trimmed: a key is never sent with surrounding whitespace) and as a vendor may echo it: JSON-escaped
 * or percent-encoded; text holding an escaped copy is shown unescaped, with the key replaced.
 *
 * @internal
 */
export const make = (rawKey: string): Scrubber => {
  const key = rawKey.trim()
  const active = key.length >= 4
  const replace = (text: string) => text.split(key).join("[REDACTED]")
  const scrub = (text: string): string => {
    if (!active) return text
    let out = text.includes(key) ? replace(text) : text
    if (out.includes("\\")) {
      const plain = unescapeJson(out)
      if (plain.includes(key)) out = replace(plain)
    }
    if (out.includes("%")) {
      const plain = unescapeUrl(out)
      if (plain.includes(key)) out = replace(plain)
    }
    return out
  }
  const headers = (headers: Headers.Headers): Headers.Headers => {
    if (!active || !Object.values(headers).some((v) => v.includes(key))) return headers
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(headers)) out[name] = scrub(value)
    return Headers.fromInput(out)
  }
  const error = (e: Error): Error => {
    const copy = new Error(scrub(e.message))
    copy.name = e.name
    const code = (e as { readonly code?: unknown }).code
    if (typeof code === "string") Object.assign(copy, { code })
    if (e.cause instanceof Error) copy.cause = error(e.cause)
    return copy
  }
  return { scrub, headers, error, active }
}

/**
 * A transport error in words: its message, and the one under it when the message says nothing
 * (`fetch failed` hides `connect ECONNREFUSED 127.0.0.1:443` one level down).
 *
 * @internal
 */
export const reasonOf = (error: Error): string => {
  const inner = error.cause instanceof Error ? error.cause : undefined
  const innerText =
    inner === undefined
      ? undefined
      : inner.message.length > 0
        ? inner.message
        : typeof (inner as { readonly code?: unknown }).code === "string"
          ? String((inner as { readonly code?: unknown }).code)
          : undefined
  const parts = ["Transport", error.message, innerText].filter(
    (p, i, all): p is string => typeof p === "string" && p.length > 0 && all.indexOf(p) === i
  )
  return parts.join(": ")
}
