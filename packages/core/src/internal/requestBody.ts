/**
 * What `NodeClient` and `VendorHttp`'s transport both need from a request's body: the bytes or text
 * Node can send in one write, and the headers that go with them.
 *
 * @internal
 */
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"

/** @internal */
export const unsupported: unique symbol = Symbol.for("@batchctl/core/internal/requestBody/unsupported")

/** The body as one `end(body)` sends it, or `unsupported` for kinds left to a general client (streams, forms). */
export const bodyOf = (request: HttpClientRequest.HttpClientRequest): Uint8Array | string | undefined | typeof unsupported => {
  const body = request.body
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

/** Adds `content-type` (unless set) and `content-length` for `body` to `headers`, in place. */
export const setBodyHeaders = (
  headers: Record<string, string>,
  request: HttpClientRequest.HttpClientRequest,
  body: Uint8Array | string | undefined
): void => {
  if (body === undefined) return
  if (request.body.contentType !== undefined && headers["content-type"] === undefined) headers["content-type"] = request.body.contentType
  headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength)
}
