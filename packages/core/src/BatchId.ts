/**
 * Batch ids are checked before any request is sent, and percent-encoded so that no id can change the
 * path or the query it is sent to.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { InvalidRequest } from "./BatchError.js"

/**
 * A checked id and its path segment.
 *
 * @since 0.1.0
 * @category models
 */
export interface BatchRef {
  /** The id exactly as the caller gave it. */
  readonly id: string
  /** The id percent-encoded for one path segment. */
  readonly segment: string
}

// C0 controls, DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
// A high surrogate not followed by a low one, or a low one not preceded by a high one: such a string
// has no UTF-8 form, so `encodeURIComponent` would throw on it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Why an id is refused, or `undefined` when it is acceptable; `subject` names it in the reason
 * (file ids a vendor names get the same checks).
 *
 * @since 0.1.0
 * @category validation
 */
export const problem = (id: string, subject = "the batch id"): string | undefined => {
  if (typeof id !== "string") return `${subject} must be a string`
  if (id.length === 0) return `${subject} is empty`
  if (id.length > 256) return `${subject} is ${id.length} characters long (at most 256)`
  if (id === "." || id === "..") return `${subject} "${id}" is a relative path segment`
  if (CONTROL.test(id)) return `${subject} contains control characters`
  if (LONE_SURROGATE.test(id)) return `${subject} is not well-formed Unicode (a lone surrogate)`
  return undefined
}

/**
 * @since 0.1.0
 * @category validation
 */
export const check = (provider: string, operation: string, id: string): Effect.Effect<BatchRef, InvalidRequest> => {
  const why = problem(id)
  return why === undefined
    ? Effect.succeed({ id, segment: encodeURIComponent(id) })
    : Effect.fail(new InvalidRequest({ provider, operation, message: `${provider} ${operation}: ${why}` }))
}
