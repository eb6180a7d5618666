import { Timestamp } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

const iso = (d: Date | undefined) => d?.toISOString()

describe("Timestamp", () => {
  it("reads unix seconds", () => {
    assert.strictEqual(iso(Timestamp.fromVendor(1711471533)), "2024-03-26T16:45:33.000Z")
    assert.strictEqual(iso(Timestamp.fromUnixSeconds(1711471533.25)), "2024-03-26T16:45:33.250Z")
  })
  it("reads RFC 3339 with Z and truncates below the millisecond", () => {
    assert.strictEqual(iso(Timestamp.fromVendor("2024-09-24T18:37:24.100435Z")), "2024-09-24T18:37:24.100Z")
  })
  it("reads +00:00 offsets with microseconds, truncating (not rounding)", () => {
    assert.strictEqual(iso(Timestamp.fromVendor("2026-08-02T17:47:04.374913+00:00")), "2026-08-02T17:47:04.374Z")
    assert.strictEqual(iso(Timestamp.fromVendor("2026-08-02T17:47:04.999999+00:00")), "2026-08-02T17:47:04.999Z")
  })
  it("applies non-zero offsets", () => {
    assert.strictEqual(iso(Timestamp.fromVendor("2024-01-01T02:30:00+02:30")), "2024-01-01T00:00:00.000Z")
    assert.strictEqual(iso(Timestamp.fromVendor("2023-12-31T19:00:00-05:00")), "2024-01-01T00:00:00.000Z")
  })
  it("reads fractions shorter than a millisecond and none at all", () => {
    assert.strictEqual(iso(Timestamp.fromVendor("2024-01-01T00:00:00.5Z")), "2024-01-01T00:00:00.500Z")
    assert.strictEqual(iso(Timestamp.fromVendor("2024-01-01T00:00:00Z")), "2024-01-01T00:00:00.000Z")
  })
  it("reads years before 100 as written, and checks leap days in them", () => {
    assert.strictEqual(iso(Timestamp.fromVendor("0050-03-01T00:00:00Z")), "0050-03-01T00:00:00.000Z")
    assert.strictEqual(iso(Timestamp.fromVendor("0004-02-29T12:00:00Z")), "0004-02-29T12:00:00.000Z")
    assert.strictEqual(Timestamp.fromVendor("0005-02-29T12:00:00Z"), undefined)
  })
  it("gives undefined for anything that is not a timestamp", () => {
    for (const bad of [null, undefined, "", "yesterday", {}, [], Number.NaN, Infinity, "2024-13-45T99:99:99Z", true]) {
      assert.strictEqual(Timestamp.fromVendor(bad), undefined, String(bad))
    }
  })
})

describe("Timestamp schemas", () => {
  const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownEither(schema)
  it("UnixSeconds and Rfc3339 decode strictly and encode back", () => {
    const unix = decode(Timestamp.UnixSeconds)(1711471533.25)
    assert.isTrue(Either.isRight(unix))
    if (Either.isRight(unix)) {
      assert.strictEqual(unix.right.toISOString(), "2024-03-26T16:45:33.250Z")
      assert.strictEqual(Schema.encodeSync(Timestamp.UnixSeconds)(unix.right), 1711471533.25)
    }
    assert.isTrue(Either.isLeft(decode(Timestamp.UnixSeconds)(Number.POSITIVE_INFINITY)))
    assert.isTrue(Either.isLeft(decode(Timestamp.UnixSeconds)("1711471533")))
    const rfc = decode(Timestamp.Rfc3339)("2023-12-31T19:00:00-05:00")
    assert.isTrue(Either.isRight(rfc))
    if (Either.isRight(rfc))
      assert.strictEqual(Schema.encodeSync(Timestamp.Rfc3339)(rfc.right), "2024-01-01T00:00:00.000Z")
    // `Date.parse` takes these; RFC 3339 does not.
    for (const text of ["March 7, 2024", "2024-03-07", "2024-02-30T00:00:00Z", ""]) {
      assert.isTrue(Either.isLeft(decode(Timestamp.Rfc3339)(text)), text)
    }
  })
  it("FromVendor reads either form and says what it expected", () => {
    assert.strictEqual(
      Schema.decodeUnknownSync(Timestamp.FromVendor)(1711471533).toISOString(),
      "2024-03-26T16:45:33.000Z"
    )
    assert.strictEqual(
      Schema.decodeUnknownSync(Timestamp.FromVendor)("2024-03-26T16:45:33Z").toISOString(),
      "2024-03-26T16:45:33.000Z"
    )
    const bad = decode(Timestamp.FromVendor)("yesterday")
    assert.isTrue(Either.isLeft(bad))
    if (Either.isLeft(bad)) assert.include(String(bad.left), "RFC 3339")
  })
  it("Lenient never fails: a timestamp field that is missing, null or garbage is undefined", () => {
    const Wire = Schema.Struct({ id: Schema.String, created_at: Schema.optional(Timestamp.Lenient) })
    const read = Schema.decodeUnknownSync(Wire)
    assert.strictEqual(read({ id: "a", created_at: 1711471533 }).created_at?.toISOString(), "2024-03-26T16:45:33.000Z")
    assert.strictEqual(
      read({ id: "a", created_at: "2024-03-26T16:45:33+00:00" }).created_at?.toISOString(),
      "2024-03-26T16:45:33.000Z"
    )
    for (const value of [null, "soon", { at: 1 }, [], Number.NaN, true]) {
      assert.strictEqual(read({ id: "a", created_at: value }).created_at, undefined, JSON.stringify(value))
    }
    assert.strictEqual(read({ id: "a" }).created_at, undefined)
    assert.deepStrictEqual(Schema.encodeSync(Wire)({ id: "a", created_at: new Date(0) }), {
      id: "a",
      created_at: "1970-01-01T00:00:00.000Z"
    })
  })
})
