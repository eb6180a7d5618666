import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { Batch } from "@batchctl/core"

const base = { id: "b1", provider: "p", vendorStatus: "x", raw: {} } as const

describe("Batch vocabulary: queued and partial", () => {
  it("keeps queued only when true, and encodes it", () => {
    const queued = Batch.make({ ...base, status: "validating", queued: true })
    expect(queued.queued).toBe(true)
    expect(Schema.encodeSync(Batch.Batch)(queued)).toMatchObject({
      status: "validating",
      queued: true,
      terminal: false
    })
    const running = Batch.make({ ...base, status: "in_progress", queued: false })
    expect("queued" in running).toBe(false)
    expect(Object.keys(Schema.encodeSync(Batch.Batch)(running))).not.toContain("queued")
  })

  it("keeps partial only on a terminal batch", () => {
    expect(Batch.make({ ...base, status: "completed", partial: true }).partial).toBe(true)
    expect("partial" in Batch.make({ ...base, status: "in_progress", partial: true })).toBe(false)
    expect("partial" in Batch.make({ ...base, status: "completed", partial: false })).toBe(false)
  })

  it("a v1 reader's schema (without the new fields) still decodes a batch that has them", () => {
    const encoded = Schema.encodeSync(Batch.Batch)(Batch.make({ ...base, status: "completed", partial: true }))
    const V1 = Schema.Struct({ id: Schema.String, status: Batch.BatchStatus, terminal: Schema.Boolean })
    expect(Schema.decodeUnknownSync(V1)(encoded)).toEqual({ id: "b1", status: "completed", terminal: true })
  })

  it("refuses queued: false on the wire (only true is a value)", () => {
    expect(() =>
      Schema.decodeUnknownSync(Batch.Batch)({
        ...base,
        status: "validating",
        terminal: false,
        counts: {},
        queued: false
      })
    ).toThrow()
  })
})
