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

/** @internal */
export const make = (key: string): Scrubber => {
  const active = key.length >= 4
  const scrub = (text: string): string => (active && text.includes(key) ? text.split(key).join("[REDACTED]") : text)
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
