import { Wire } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"

describe("Wire", () => {
  const Body = Schema.Struct({
    id: Schema.String,
    status: Wire.optionalOrNull(Schema.String),
    count: Wire.lenientField(Schema.Number),
    tags: Wire.lenientField(Schema.Array(Schema.String))
  })
  const read = Schema.decodeUnknownSync(Body)

  it("lenient fields keep what decodes and drop what does not, without failing the body", () => {
    assert.deepStrictEqual(read({ id: "a", status: null, count: 3, tags: ["x"] }), {
      id: "a",
      status: null,
      count: 3,
      tags: ["x"]
    })
    assert.deepStrictEqual(read({ id: "a", count: "3", tags: ["x", 1] }), {
      id: "a",
      count: undefined,
      tags: undefined
    })
    assert.deepStrictEqual(read({ id: "a" }), { id: "a" })
  })

  it("strict fields still fail: an id is required", () => {
    assert.throws(() => read({ status: "done", count: 1 }))
    assert.throws(() => read({ id: "a", status: 3 }))
  })

  it("encodes a lenient field through its schema", () => {
    const Dated = Schema.Struct({ at: Wire.lenientField(Schema.DateFromString) })
    assert.deepStrictEqual(Schema.encodeSync(Dated)({ at: new Date(0) }), { at: "1970-01-01T00:00:00.000Z" })
    assert.deepStrictEqual(Schema.encodeSync(Dated)({ at: undefined }), { at: undefined })
  })

  it("field reads one typed field of a raw body, own properties only", () => {
    const raw: unknown = JSON.parse('{"model":"gpt-4o","size":"12","meta":{"k":"v"}}')
    assert.strictEqual(Wire.field(Schema.String, raw, "model"), "gpt-4o")
    assert.strictEqual(Wire.field(Schema.Number, raw, "size"), undefined)
    assert.deepStrictEqual(Wire.field(Schema.Record({ key: Schema.String, value: Schema.String }), raw, "meta"), {
      k: "v"
    })
    assert.strictEqual(Wire.field(Schema.Unknown, raw, "constructor"), undefined)
    assert.strictEqual(Wire.field(Schema.String, ["model"], "0"), undefined)
    assert.strictEqual(Wire.field(Schema.String, null, "model"), undefined)
  })
})
