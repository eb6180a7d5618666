/**
 * Deterministic randomness: a counter-based 32-bit hash, so that the n-th id of a kind and the n-th fault
 * decision of a route depend only on the seed and n (not on how other routes interleave).
 */

/** murmur3's 32-bit finalizer. */
export const mix32 = (input: number): number => {
  let x = input >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** FNV-1a over a string. */
export const hashString = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A stream of 32-bit words keyed by (seed, key); word(n) is pure. */
export class Stream32 {
  private readonly base: number
  private n = 0
  constructor(seed: number, key: string) {
    this.base = mix32(mix32(seed >>> 0) ^ hashString(key))
  }
  word(n: number, lane = 0): number {
    return mix32(this.base ^ mix32(n * 0x9e3779b1 + lane * 0x7f4a7c15))
  }
  /** The next index of this stream. */
  take(): number {
    return this.n++
  }
  /** A float in [0, 1) for index n. */
  unit(n: number): number {
    return this.word(n) / 4294967296
  }
}

const HEX = "0123456789abcdef"
const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/** A copy of `s` as one flat string (a template literal result may be a rope of its parts). */
export const flat = (s: string): string => String.fromCharCode(...Array.from(s, (c) => c.charCodeAt(0)))

/** `prefix` then `length` characters of `alphabet`, built as one flat string (ids live as long as their batch). */
const chars = (stream: Stream32, n: number, alphabet: string, length: number, prefix = ""): string => {
  const codes: Array<number> = []
  for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i))
  for (let i = 0; i < length; i++) codes.push(alphabet.charCodeAt(stream.word(n, i + 1) % alphabet.length))
  return String.fromCharCode(...codes)
}

/** Id generators; each kind of id has its own stream. */
export class Ids {
  private readonly streams = new Map<string, Stream32>()
  constructor(private readonly seed: number) {}
  private stream(key: string): Stream32 {
    let s = this.streams.get(key)
    if (s === undefined) {
      s = new Stream32(this.seed, key)
      this.streams.set(key, s)
    }
    return s
  }
  hex(key: string, length: number, prefix = ""): string {
    const s = this.stream(key)
    return chars(s, s.take(), HEX, length, prefix)
  }
  alnum(key: string, length: number, prefix = ""): string {
    const s = this.stream(key)
    return chars(s, s.take(), ALNUM, length, prefix)
  }
  uuid(key: string): string {
    const h = this.hex(key, 32)
    const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[h.charCodeAt(16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`
    return flat(id)
  }
  /** A ULID-looking string: 10 time chars, 16 random chars (Crockford base32). */
  ulid(key: string, millis: number): string {
    let time = ""
    let t = Math.max(0, Math.floor(millis))
    for (let i = 0; i < 10; i++) {
      time = CROCKFORD[t % 32] + time
      t = Math.floor(t / 32)
    }
    const s = this.stream(key)
    return time + chars(s, s.take(), CROCKFORD, 16)
  }
}
