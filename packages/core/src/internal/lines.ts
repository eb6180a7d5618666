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
        // Bytes are decoded up to the last `\n` of each chunk, without the decoder's streaming mode (several
        // times slower): a `\n` byte never occurs inside a UTF-8 sequence, so no code point is cut, and an
        // invalid sequence decodes as a streaming decoder would. The bytes after it wait for the next chunk.
        // The byte-order mark is dropped at the start of the body only, as one streaming decoder would.
        const decoder = new TextDecoder("utf-8", { ignoreBOM: true })
        // The unfinished line's UTF-16 length, counted as its bytes come (streaming: a code point may be cut);
        // the first line's without its byte-order mark.
        let counter = new TextDecoder("utf-8")
        let counterFresh = true
        let pending: Array<Uint8Array> = []
        let pendingBytes = 0
        let pendingChars = 0
        let first = true
        let ended = false
        let windowBytes = 0
        let waitedMs = 0
        const decodeWith = (part: Uint8Array): string => {
          let text: string
          if (pending.length === 0) {
            text = decoder.decode(part)
          } else {
            const joined = new Uint8Array(pendingBytes + part.byteLength)
            let at = 0
            for (const p of pending) {
              joined.set(p, at)
              at += p.byteLength
            }
            joined.set(part, at)
            pending = []
            pendingBytes = 0
            text = decoder.decode(joined)
          }
          if (first) {
            first = false
            if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
          }
          return text
        }
        const keep = (part: Uint8Array): boolean => {
          if (part.byteLength === 0) return true
          pending.push(part)
          pendingBytes += part.byteLength
          // At most one UTF-16 unit per byte: a line of fewer bytes than the bound is within it.
          pendingChars += counter.decode(part, { stream: true }).length
          return pendingChars <= bounds.maxLineLength
        }
        const tooLong = () => {
          pending = []
          ended = true
          return Effect.fail(Option.some(failures.tooLong()))
        }
        const split = (text: string, out: Array<string>): boolean => {
          let from = 0
          for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
            if (nl - from > bounds.maxLineLength) return false
            out.push(text.charCodeAt(nl - 1) === 13 && nl > from ? text.slice(from, nl - 1) : text.slice(from, nl))
            from = nl + 1
          }
          const rest = text.slice(from)
          if (rest.length > bounds.maxLineLength) return false
          if (rest.length > 0) out.push(rest.endsWith("\r") ? rest.slice(0, -1) : rest)
          return true
        }
        const lines = (chunk: Chunk.Chunk<Uint8Array>) => {
          const out: Array<string> = []
          for (const part of chunk) {
            const last = part.lastIndexOf(10)
            if (last < 0) {
              if (!keep(part)) return tooLong()
              continue
            }
            // The unfinished line's bytes are joined to its end only (not to the whole chunk): one short copy.
            const firstEnd = pending.length === 0 ? -1 : part.indexOf(10)
            if (firstEnd >= 0 && !split(decodeWith(part.subarray(0, firstEnd + 1)), out)) return tooLong()
            // Every line of the text ends with its `\n`: the last piece is empty.
            if (firstEnd < last && !split(decodeWith(part.subarray(firstEnd + 1, last + 1)), out)) return tooLong()
            if (counterFresh) {
              counter = new TextDecoder("utf-8", { ignoreBOM: true })
              counterFresh = false
            } else {
              counter.decode()
            }
            pendingChars = 0
            if (!keep(part.subarray(last + 1))) return tooLong()
          }
          return Effect.succeed(Chunk.unsafeFromArray(out))
        }
        const end = () => {
          const out: Array<string> = []
          if (pendingBytes > 0 && !split(decodeWith(new Uint8Array(0)), out)) return tooLong()
          return Effect.succeed(Chunk.unsafeFromArray(out))
        }
        const step: Effect.Effect<Chunk.Chunk<string>, Option.Option<F>> = Effect.suspend(() => {
          if (ended) return Effect.fail(Option.none())
          const started = clock.unsafeCurrentTimeMillis()
          return Effect.matchEffect(pull, {
            onFailure: (error) => {
              if (Option.isSome(error)) return Effect.fail(Option.some(failures.error(error.value)))
              ended = true
              return end()
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
              return lines(chunk)
            }
          })
        })
        return Stream.repeatEffectChunkOption(step)
      })
    )
  )
