/**
 * JSON Lines, as results files come: one JSON value per line, blank lines ignored. A line that is not
 * JSON fails the read with `UnexpectedResponse` naming the line: results are never silently dropped.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { UnexpectedResponse } from "./BatchError.js"

const decodeJson = Schema.decodeUnknownOption(Schema.parseJson())

/**
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  text: string,
  context: { readonly provider: string; readonly operation: string; readonly what: string }
): Effect.Effect<ReadonlyArray<unknown>, UnexpectedResponse> =>
  Effect.suspend(() => {
    const values: Array<unknown> = []
    const lines = text.split("\n")
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim()
      if (line.length === 0) continue
      const value = decodeJson(line)
      if (Option.isSome(value)) {
        values.push(value.value)
      } else {
        return Effect.fail(
          new UnexpectedResponse({
            provider: context.provider,
            operation: context.operation,
            message: `${context.provider} ${context.operation}: line ${i + 1} of ${context.what} is not JSON`
          })
        )
      }
    }
    return Effect.succeed(values)
  })
