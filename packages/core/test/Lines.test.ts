/**
 * The results reader's hot paths against their reference: lines read chunk by chunk equal the body decoded
 * whole and split, however the bytes are cut; result lines decoded by `Results.lineDecoder` equal what
 * Schema's own decoder answers.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as fc from "fast-check"
import * as Lines from "../src/internal/lines.js"
import * as Results from "../src/Results.js"

const read = (parts: ReadonlyArray<Uint8Array>, maxLineLength: number) =>
  Effect.runSync(
    Effect.either(
      Stream.runCollect(
        Lines.linesOf(
          Stream.fromIterable(parts),
          { maxLineLength, minBytesPerSecond: 0, windowMs: 1000 },
          { error: (e: never) => e, tooLong: () => "tooLong" as const, tooSlow: () => "tooSlow" as const }
        )
      )
    )
  )

/** The reference: one streaming decoder over the whole body, split on `\n`, a trailing `\r` dropped. */
const reference = (body: Uint8Array, maxLineLength: number): Either.Either<Array<string>, "tooLong"> => {
  const text = new TextDecoder().decode(body)
  const pieces = text.split("\n")
  const last = pieces.pop() as string
  const lines = last.length > 0 ? [...pieces, last] : pieces
  if (lines.some((l) => l.length > maxLineLength)) return Either.left("tooLong")
  return Either.right(lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)))
}

/** Bytes rich in what breaks splitters: newlines, `\r`, the BOM, multi-byte and invalid sequences. */
const bodyBytes = fc
  .array(
    fc.oneof(
      fc.constantFrom([10], [13, 10], [0xef, 0xbb, 0xbf], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80]),
      fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f], [0x80]),
      fc.array(fc.integer({ min: 32, max: 126 }), { maxLength: 12 })
    ),
    { maxLength: 60 }
  )
  .map((parts) => Uint8Array.from(parts.flat()))

const cut = (body: Uint8Array, at: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [...new Set(at.map((a) => a % (body.length + 1)))].sort((a, b) => a - b)
  const out: Array<Uint8Array> = []
  let from = 0
  for (const p of [...points, body.length]) {
    out.push(body.subarray(from, p))
    from = p
  }
  return out
}

describe("linesOf", () => {
  it("reads the lines of the body decoded whole, however its bytes are cut", () =>
    fc.assert(
      fc.property(bodyBytes, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 1, max: 40 }), (body, at, max) => {
        const got = read(cut(body, at), max)
        const want = reference(body, max)
        assert.deepStrictEqual(Either.map(got, Chunk.toArray), want)
      }),
      { numRuns: 2000 }
    ))

  it("drops the byte-order mark at the start of the body only, split or not", () => {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 10, 0xef, 0xbb, 0xbf, 0x62, 10])
    for (let i = 0; i <= body.length; i++) {
      const got = read([body.subarray(0, i), body.subarray(i)], 100)
      assert.deepStrictEqual(Either.map(got, Chunk.toArray), Either.right(["a", "\ufeffb"]))
    }
  })

  it("fails as soon as an unfinished line passes the bound, before its end arrives", () => {
    const got = read([new TextEncoder().encode("ok\nxxxxxx"), new TextEncoder().encode("xxxxxx")], 10)
    assert.deepStrictEqual(got, Either.left("tooLong"))
  })
})

describe("lineDecoder", () => {
  const schemas = {
    openAiLine: Results.OpenAiLine,
    nested: Schema.Struct({
      custom_id: Schema.String,
      result: Schema.Struct({ type: Schema.String, message: Schema.optional(Schema.Unknown) }),
      n: Schema.optional(Schema.Number),
      ok: Schema.Boolean,
      kind: Schema.Literal("a", "b")
    }),
    // Names every object answers through its prototype, present or not.
    inherited: Schema.Struct({ constructor: Schema.optional(Schema.String), toString: Schema.Unknown }),
    // A missing required key is read as undefined: `unknown` and `undefined` accept it.
    missing: Schema.Struct({ x: Schema.Unknown, y: Schema.Undefined, custom_id: Schema.optional(Schema.String) }),
    // Not a plain struct: decoded by Schema itself, same answers.
    refined: Schema.Struct({ id: Schema.String.pipe(Schema.minLength(2)) })
  }
  const values = fc.oneof(
    fc.anything(),
    // An array is not a struct, even one that carries the fields.
    fc.constant(Object.assign([], { custom_id: "a", id: "ab", ok: true, kind: "a", result: { type: "t" } })),
    fc.record(
      {
        custom_id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        response: fc.anything(),
        error: fc.anything(),
        result: fc.oneof(
          fc.record({ type: fc.oneof(fc.string(), fc.nat()), message: fc.anything() }, { requiredKeys: [] }),
          fc.anything()
        ),
        n: fc.oneof(fc.double(), fc.string()),
        ok: fc.oneof(fc.boolean(), fc.constant(undefined)),
        kind: fc.constantFrom("a", "b", "c"),
        id: fc.string({ maxLength: 3 }),
        constructor: fc.oneof(fc.string(), fc.nat()),
        toString: fc.anything()
      },
      { requiredKeys: [] }
    )
  )
  for (const [name, schema] of Object.entries(schemas)) {
    it(`answers what Schema.decodeUnknownOption answers: ${name}`, () => {
      const fast = Results.lineDecoder(schema as Schema.Schema<unknown, unknown>)
      const slow = Schema.decodeUnknownOption(schema as Schema.Schema<unknown, unknown>)
      fc.assert(
        fc.property(values, (value) => {
          const want = slow(value)
          assert.deepStrictEqual(fast(value), want._tag === "Some" ? want.value : undefined)
        }),
        { numRuns: 3000 }
      )
    })
  }
})
