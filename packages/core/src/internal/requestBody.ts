/**
 * What `NodeClient`'s client and transport both need from a request's body: the bytes or text Node can
 * send in one write, and the headers that go with them.
 *
 * @internal
 */
import type * as HttpBody from "@effect/platform/HttpBody"

/** @internal */
export const unsupported: unique symbol = Symbol.for("@batchctl/core/internal/requestBody/unsupported")

/** The body as one `end(body)` sends it, or `unsupported` for kinds left to a general client (streams, forms). */
export const bodyOf = (body: HttpBody.HttpBody): Uint8Array | string | undefined | typeof unsupported => {
  switch (body._tag) {
    case "Empty":
      return undefined
    case "Uint8Array":
      return body.body
    case "Raw":
      return typeof body.body === "string" || body.body instanceof Uint8Array ? body.body : unsupported
    default:
      return unsupported
  }
}

/**
 * `headers` with `content-type` (unless set) and `content-length` for `body`: `headers` itself when
 * there is no body, else a copy.
 */
export const withBodyHeaders = (
  headers: Readonly<Record<string, string>>,
  http: HttpBody.HttpBody,
  body: Uint8Array | string | undefined
): Readonly<Record<string, string>> => {
  if (body === undefined) return headers
  const out: Record<string, string> = { ...headers }
  if (http.contentType !== undefined && out["content-type"] === undefined) out["content-type"] = http.contentType
  out["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength)
  return out
}
