import { Timestamp } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"

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
