/**
 * A streamed body as text lines, with its bounds: at most `maxLineLength` characters in a line, and
 * at least `minBytesPerSecond` while the reader waits for bytes.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/** @internal */
export interface Bounds {
  /** The most characters a line may have; a longer one ends the read. */
  readonly maxLineLength: number
  /** The least bytes per second while the reader waits for the body (0: none); averaged over `windowMs`. */
  readonly minBytesPerSecond: number
  readonly windowMs: number
}

/** @internal */
export interface Failures<E, F> {
  readonly error: (error: E) => F
  readonly tooLong: () => F
  readonly tooSlow: (bytes: number, ms: number) => F
}

/**
 * Bytes to lines with one step per network chunk: decoded as they come (code points split across
 * chunks kept whole), split on `\n` (a trailing `\r` dropped), the unfinished line carried over.
 * Hand-rolled over `Stream.toPull` because the general-purpose operators (`decodeText`, `splitLines`)
 * cost several effects per chunk, which at 100 MB shows. The rate is measured on the fiber's clock,
 * over the time spent waiting for the body only: a slow consumer does not make a slow body.
 *
 * @internal
 */
export const linesOf = <E, F>(
  bytes: Stream.Stream<Uint8Array, E>,
  bounds: Bounds,
  failures: Failures<E, F>
): Stream.Stream<string, F> =>
  Stream.unwrapScoped(
    Effect.flatMap(Effect.clock, (clock) =>
      Effect.map(Stream.toPull(bytes), (pull) => {
        const decoder = new TextDecoder("utf-8")
        let carry = ""
        let ended = false
        let windowBytes = 0
        let waitedMs = 0
        const split = (text: string, final: boolean): Chunk.Chunk<string> | undefined => {
          const out: Array<string> = []
          let from = 0
          for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
            const line = from === 0 && carry.length > 0 ? carry + text.slice(0, nl) : text.slice(from, nl)
            if (line.length > bounds.maxLineLength) return undefined
            out.push(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line)
            if (from === 0) carry = ""
            from = nl + 1
          }
          const rest = from === 0 ? carry + text : text.slice(from)
          carry = ""
          if (rest.length > bounds.maxLineLength) return undefined
          if (final) {
            if (rest.length > 0) out.push(rest.endsWith("\r") ? rest.slice(0, -1) : rest)
          } else {
            carry = rest
          }
          return Chunk.unsafeFromArray(out)
        }
        const lines = (text: string, final: boolean) => {
          const out = split(text, final)
          if (out !== undefined) return Effect.succeed(out)
          carry = ""
          ended = true
          return Effect.fail(Option.some(failures.tooLong()))
        }
        const decode = (chunk: Chunk.Chunk<Uint8Array>): string => {
          if (chunk.length === 1) return decoder.decode(Chunk.unsafeGet(chunk, 0), { stream: true })
          let text = ""
          for (const part of chunk) text += decoder.decode(part, { stream: true })
          return text
        }
        const step: Effect.Effect<Chunk.Chunk<string>, Option.Option<F>> = Effect.suspend(() => {
          if (ended) return Effect.fail(Option.none())
          const started = clock.unsafeCurrentTimeMillis()
          return Effect.matchEffect(pull, {
            onFailure: (error) => {
              if (Option.isSome(error)) return Effect.fail(Option.some(failures.error(error.value)))
              ended = true
              return lines(decoder.decode(), true)
            },
            onSuccess: (chunk) => {
              if (bounds.minBytesPerSecond > 0) {
                for (const part of chunk) windowBytes += part.byteLength
                waitedMs += clock.unsafeCurrentTimeMillis() - started
                if (waitedMs >= bounds.windowMs) {
                  if (windowBytes < (bounds.minBytesPerSecond * waitedMs) / 1000) {
                    ended = true
                    return Effect.fail(Option.some(failures.tooSlow(windowBytes, waitedMs)))
                  }
                  windowBytes = 0
                  waitedMs = 0
                }
              }
              return lines(decode(chunk), false)
            }
          })
        })
        return Stream.repeatEffectChunkOption(step)
      })
    )
  )
