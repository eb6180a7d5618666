import { Emulator } from "@batchctl/emulator"
import Together from "together-ai"
import { describe, expect, it, type TestContext } from "vitest"

// the official `together-ai` SDK against batches seeded through the emulator's control API
const T = { validatingMs: 500, requestMs: 250, finalizingMs: 500, cancellingMs: 500 }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const RFC3339_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/

const setup = async ({ onTestFinished }: TestContext) => {
  const emu = await Emulator.start({ speed: 0, seed: 5, timings: T })
  onTestFinished(() => emu.close())
  return { emu, client: new Together({ apiKey: "tgp-emulated", baseURL: emu.baseUrl("together"), maxRetries: 0 }) }
}

describe("together-ai SDK", () => {
  it("cancels an IN_PROGRESS batch: CANCELING, then CANCELLED with the finished requests in the output file", async (t) => {
    const { emu, client } = await setup(t)
    const seeded = await emu.createBatch({ provider: "together", status: "IN_PROGRESS", requests: 4, completed: 1 })
    expect(seeded.id).toMatch(UUID)

    const running = await client.batches.retrieve(seeded.id)
    expect(running.status).toBe("IN_PROGRESS")
    expect(running.progress).toBe(25)
    expect(running.created_at).toMatch(RFC3339_Z)
    expect(running.job_deadline).toMatch(RFC3339_Z)

    await emu.advance(T.requestMs)
    const canceling = await client.batches.cancel(seeded.id)
    // Together answers a cancel with CANCELING (one L), which its SDK's status type does not list
    expect(canceling.status as string).toBe("CANCELING")
    expect(canceling.progress).toBe(50)

    await emu.advance(T.cancellingMs)
    const cancelled = await client.batches.retrieve(seeded.id)
    expect(cancelled.status).toBe("CANCELLED")
    expect(cancelled.output_file_id).toMatch(/^file-/)
    const content = await fetch(`${emu.baseUrl("together")}/files/${cancelled.output_file_id}/content`, {
      headers: { authorization: "Bearer tgp-emulated" }
    }).then((r) => r.text())
    expect(
      content
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).custom_id)
    ).toEqual(["request-1", "request-2"])

    const refused = await client.batches.cancel(seeded.id).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(Together.BadRequestError)
    expect((refused as InstanceType<typeof Together.BadRequestError>).status).toBe(400)
    expect((refused as InstanceType<typeof Together.BadRequestError>).error).toEqual({
      error: "Cannot cancel batch job with status CANCELLED"
    })
  })

  it("refuses to cancel a COMPLETED batch with 400 and a string error", async (t) => {
    const { emu, client } = await setup(t)
    const done = await emu.createBatch({ provider: "together", status: "COMPLETED", requests: 2 })
    const refused = await client.batches.cancel(done.id).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(Together.BadRequestError)
    expect((refused as InstanceType<typeof Together.BadRequestError>).error).toEqual({
      error: "Cannot cancel batch job with status COMPLETED"
    })
  })

  it("answers 404 for an unknown batch and 401 without a key", async (t) => {
    const { emu, client } = await setup(t)
    const missing = await client.batches.retrieve("00000000-0000-4000-8000-000000000000").catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(Together.NotFoundError)
    expect(typeof (missing as InstanceType<typeof Together.NotFoundError>).error).toBe("object")
    expect(await client.batches.cancel("nope").catch((e: unknown) => (e as { status: number }).status)).toBe(404)
    const anonymous = await fetch(`${emu.baseUrl("together")}/batches`)
    expect(anonymous.status).toBe(401)
    expect(typeof ((await anonymous.json()) as { error: unknown }).error).toBe("string")
  })

  it("lists every batch as a bare array, newest first, and null when there are none", async (t) => {
    const { emu, client } = await setup(t)
    expect(await client.batches.list()).toBeNull()
    const ids: Array<string> = []
    for (const status of ["VALIDATING", "IN_PROGRESS", "COMPLETED", "FAILED", "EXPIRED", "CANCELLED"]) {
      ids.push((await emu.createBatch({ provider: "together", status })).id)
    }
    const all = await client.batches.list()
    expect(Array.isArray(all)).toBe(true)
    expect(all.map((b) => b.id)).toEqual([...ids].reverse())
    expect(all.map((b) => b.status)).toEqual([
      "CANCELLED",
      "EXPIRED",
      "FAILED",
      "COMPLETED",
      "IN_PROGRESS",
      "VALIDATING"
    ])
  })
})
