/**
 * cancel-all against its own emulator per test: the confirmation (refused without a terminal,
 * answered in a pseudo-terminal), dry runs, filters, the report and its totals, failures by tag, a
 * second run, and Ctrl-C part-way.
 */
import { Emulator } from "@batchctl/emulator"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { CANARY, hasScript, jsonLines, printed, run, runInTerminal, start, until } from "./helpers.js"

const timings = { validatingMs: 0, requestMs: 60_000, cancellingMs: 200 }

const fresh = async (options: Emulator.Options = {}) => {
  const emulator = await Emulator.start({ apiKey: CANARY, timings, ...options })
  const env = (provider: Emulator.Provider) => ({
    [`${provider.toUpperCase()}_API_KEY`]: CANARY,
    [`${provider.toUpperCase()}_BASE_URL`]: emulator.baseUrl(provider)
  })
  const statuses = async (provider: Emulator.Provider) => {
    const r = await run(["list", provider, "--all", "--json"], { env: env(provider) })
    return Object.fromEntries(jsonLines(r.stdout).map((b) => [b.id as string, b.status as string]))
  }
  return { emulator, env, statuses }
}

/** The JSON lines of `cancel-all --json`: one per batch as it ended, then the summary. */
const reportOf = (stdout: string) => {
  const lines = jsonLines(stdout)
  const summary = lines.find((l) => l.summary === true) as Record<string, unknown>
  expect(lines.at(-1)).toBe(summary)
  return { summary, batches: lines.filter((l) => l.summary !== true) as Array<Record<string, unknown>> }
}

/** Statuses straight from the emulator (an OpenAI-shaped list), without the CLI. */
const vendorStatuses = async (
  emulator: Emulator.Handle,
  provider: "openai" | "respan" = "respan"
): Promise<ReadonlyArray<string>> => {
  const response = await fetch(`${emulator.baseUrl(provider)}/batches?limit=100`, {
    headers: { authorization: `Bearer ${CANARY}` }
  })
  const body = (await response.json()) as { data: Array<{ status: string }> }
  return body.data.map((b) => b.status)
}

afterAll(() => {
  expect(printed.length).toBeGreaterThan(0)
  for (const text of printed) expect(text).not.toContain(CANARY)
})

describe("cancel-all", () => {
  it("without --yes and without a terminal it refuses, exit 2, and cancels nothing", async () => {
    const { emulator, env, statuses } = await fresh()
    const ids = await Promise.all([1, 2].map(() => emulator.createBatch({ provider: "openai" }).then((b) => b.id)))
    const r = await run(["cancel-all", "openai"], { env: env("openai") })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /NotConfirmed: refusing to cancel 2 batches on openai without confirmation: no terminal to ask on — pass --yes/
    )
    const after = await statuses("openai")
    for (const id of ids) expect(after[id]).toBe("in_progress")
    await emulator.close()
  })

  it("--dry-run lists what would be cancelled; --status and --created-before filter", async () => {
    const { emulator, env, statuses } = await fresh({ timings: { ...timings, validatingMs: 3_600_000 } })
    const running = (await emulator.createBatch({ provider: "openai" })).id
    const validating = (await emulator.createBatch({ provider: "openai", status: "validating" })).id
    const done = (await emulator.createBatch({ provider: "openai", status: "completed" })).id
    const dry = await run(["cancel-all", "openai", "--dry-run", "--json"], { env: env("openai") })
    expect(dry.code).toBe(0)
    const doc = JSON.parse(dry.stdout) as { matched: number; dryRun: boolean; batches: Array<{ id: string }> }
    expect(doc.dryRun).toBe(true)
    expect(doc.batches.map((b) => b.id).sort()).toEqual([running, validating].sort())
    const onlyValidating = await run(["cancel-all", "openai", "--dry-run", "--status", "validating", "--json"], {
      env: env("openai")
    })
    expect((JSON.parse(onlyValidating.stdout) as typeof doc).batches.map((b) => b.id)).toEqual([validating])
    const older = await run(["cancel-all", "openai", "--dry-run", "--created-before", "2h", "--json"], {
      env: env("openai")
    })
    expect((JSON.parse(older.stdout) as typeof doc).matched).toBe(0)
    const human = await run(["cancel-all", "openai", "--dry-run", "--created-before", "2099-01-01"], {
      env: env("openai")
    })
    expect(human.stdout).toContain(running)
    expect(human.stdout).toContain("dry run: 2 batches would be cancelled")
    expect(human.stdout).not.toContain(done)
    expect(await statuses("openai")).toMatchObject({ [running]: "in_progress", [validating]: "validating" })
    const bad = await run(["cancel-all", "openai", "--created-before", "yesterday"], { env: env("openai") })
    expect(bad.code).toBe(2)
    await emulator.close()
  })

  it("--yes cancels every match, reports each and the totals; a second run finds nothing", async () => {
    const { emulator, env, statuses } = await fresh()
    const ids = await Promise.all(
      [1, 2, 3].map(() => emulator.createBatch({ provider: "anthropic", requests: 3 }).then((b) => b.id))
    )
    const r = await run(["cancel-all", "anthropic", "--yes", "--json", "--concurrency", "2"], { env: env("anthropic") })
    expect(r.code).toBe(0)
    const report = reportOf(r.stdout)
    expect(report.summary).toMatchObject({
      matched: 3,
      cancelled: 3,
      alreadyFinished: 0,
      failed: {},
      interrupted: false
    })
    expect(report.batches.map((b) => b.id).sort()).toEqual([...ids].sort())
    for (const b of report.batches) expect(b).toMatchObject({ before: "in_progress", outcome: "cancelled", ok: true })
    const after = await statuses("anthropic")
    for (const id of ids) expect(["cancelling", "cancelled"]).toContain(after[id])
    const again = await run(["cancel-all", "anthropic", "--yes"], { env: env("anthropic") })
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^nothing to cancel on anthropic \(3 batches seen\)$/m)
    await emulator.close()
  })

  it("--yes cancels each page as it is listed: a second page the vendor holds back holds up no cancel of the first", async () => {
    const { emulator, env } = await fresh()
    for (let i = 0; i < 120; i++) await emulator.createBatch({ provider: "openai", requests: 1 })
    // The first list page answers; the second (and only it) is held for a minute.
    emulator.setFaults([
      { kind: "delay", millis: 60_000, route: "list", provider: "openai", rate: 1, skip: 1, times: 1 }
    ])
    const dir = mkdtempSync(join(tmpdir(), "batchctl-cancel-all-"))
    const file = join(dir, "report.jsonl")
    const child = start(["cancel-all", "openai", "--yes", "--quiet", "--report", file, "--concurrency", "8"], {
      env: env("openai")
    })
    const cancelled = () =>
      existsSync(file)
        ? readFileSync(file, "utf8")
            .split("\n")
            .filter((l) => l.includes('"outcome":"cancelled"')).length
        : 0
    // Listing everything first, this would wait a minute for the second page before any cancel.
    await until(() => cancelled() >= 100)
    child.child.kill("SIGTERM")
    const r = await child.done
    expect(r.code).toBe(130)
    expect(cancelled()).toBe(100)
    rmSync(dir, { recursive: true, force: true })
    await emulator.close()
  })

  it("--yes with a report: what it says is cancelled is skipped and counted, the rest cancelled", async () => {
    const { emulator, env } = await fresh()
    const [a, b] = await Promise.all([1, 2].map(() => emulator.createBatch({ provider: "openai" }).then((x) => x.id)))
    const dir = mkdtempSync(join(tmpdir(), "batchctl-cancel-all-"))
    const file = join(dir, "report.jsonl")
    writeFileSync(file, `${JSON.stringify({ provider: "openai", batchId: a, ok: true, outcome: "cancelled" })}\n`)
    const r = await run(["cancel-all", "openai", "--yes", "--json", "--report", file], { env: env("openai") })
    expect(r.code).toBe(0)
    const report = reportOf(r.stdout)
    expect(report.summary).toMatchObject({ matched: 2, skipped: 1, cancelled: 1 })
    expect(report.batches.map((x) => x.id)).toEqual([b])
    rmSync(dir, { recursive: true, force: true })
    await emulator.close()
  })

  it("failures are counted by error tag and set the exit code (6 for an unavailable provider)", async () => {
    const { emulator, env } = await fresh({
      faults: [{ kind: "status", status: 503, provider: "together", route: "cancel", rate: 1 }]
    })
    await emulator.createBatch({ provider: "together" })
    await emulator.createBatch({ provider: "together" })
    const r = await run(["cancel-all", "together", "--yes"], { env: env("together"), timeoutMs: 60_000 })
    expect(r.code).toBe(6)
    expect(r.stdout).toMatch(/^together: 0 cancelled, 0 already finished, 2 failed \(ProviderUnavailable 2\)$/m)
    expect(r.stdout).toMatch(/failed: ProviderUnavailable/)
    expect(r.stderr).toMatch(/^batchctl: \S+: ProviderUnavailable: .* — the provider is unavailable/m)
    await emulator.close()
  })

  it("a batch that finishes before its cancel lands counts as already finished, not as a failure", async () => {
    const { emulator, env } = await fresh({
      faults: [{ kind: "delay", millis: 1_500, provider: "openai", route: "cancel", rate: 1 }]
    })
    await emulator.createBatch({ provider: "openai", requests: 2 })
    await emulator.createBatch({ provider: "openai", requests: 2 })
    const p = start(["cancel-all", "openai", "--yes", "--json", "--concurrency", "1"], { env: env("openai") })
    // The first cancel has landed; the second is held by the delay while the clock jumps an hour.
    await until(async () => (await vendorStatuses(emulator, "openai")).includes("cancelling"))
    await emulator.advance(3_600_000)
    const r = await p.done
    expect(r.code).toBe(0)
    const report = reportOf(r.stdout)
    expect(report.summary).toMatchObject({ cancelled: 1, alreadyFinished: 1, failed: {} })
    expect(report.batches.find((b) => b.outcome === "already-finished")).toMatchObject({
      before: "in_progress",
      status: "completed"
    })
    await emulator.close()
  })

  it.skipIf(!hasScript)(
    "asks on a terminal: `n` or Ctrl-C cancel nothing, `y` cancels (with a progress bar)",
    async () => {
      const { emulator, env, statuses } = await fresh()
      const ids = await Promise.all([1, 2].map(() => emulator.createBatch({ provider: "moonshot" }).then((b) => b.id)))
      const declined = await runInTerminal(["cancel-all", "moonshot"], "n\r", env("moonshot"))
      expect(declined.code).toBe(2)
      expect(declined.stdout).toContain("Cancel 2 batches on moonshot? [y/N]")
      expect(declined.stdout).toContain("not confirmed: nothing was cancelled")
      for (const id of ids) expect((await statuses("moonshot"))[id]).toBe("in_progress")
      const interrupted = await runInTerminal(["cancel-all", "moonshot"], "\u0003", env("moonshot"))
      expect(interrupted.code).toBe(130)
      expect(interrupted.stdout).toContain("batchctl: interrupted")
      for (const id of ids) expect((await statuses("moonshot"))[id]).toBe("in_progress")
      const accepted = await runInTerminal(["cancel-all", "moonshot"], "y\r", env("moonshot"))
      expect(accepted.code).toBe(0)
      expect(accepted.stdout).toMatch(/\[#+\] 2\/2 cancelling/)
      expect(accepted.stdout).toMatch(/moonshot: 2 cancelled, 0 already finished, 0 failed/)
      const after = await statuses("moonshot")
      for (const id of ids) expect(["cancelling", "cancelled"]).toContain(after[id])
      await emulator.close()
    }
  )

  it("Ctrl-C part-way: stops, prints what was done, exit 130, the rest untouched", async () => {
    const { emulator, env, statuses } = await fresh({
      faults: [{ kind: "delay", millis: 1_500, provider: "respan", route: "cancel", rate: 1 }]
    })
    const ids = await Promise.all(
      [1, 2, 3, 4, 5].map(() => emulator.createBatch({ provider: "respan" }).then((b) => b.id))
    )
    const p = start(["cancel-all", "respan", "--yes", "--concurrency", "1"], { env: env("respan") })
    // Once the emulator has taken the first cancel, let one answer come back, then press Ctrl-C while
    // the next cancel is in flight.
    await until(async () => (await vendorStatuses(emulator)).includes("cancelling"))
    await new Promise((r) => setTimeout(r, 1_700))
    p.child.kill("SIGINT")
    const r = await p.done
    expect(r.code).toBe(130)
    expect(r.stdout).toMatch(/respan: [1-4] cancelled, 0 already finished, 0 failed; interrupted, [1-4] not attempted/)
    expect(r.stderr).toContain("batchctl: stopping: no new cancels")
    const after = await statuses("respan")
    const untouched = ids.filter((id) => after[id] === "in_progress")
    expect(untouched.length).toBeGreaterThan(0)
    expect(untouched.length).toBeLessThan(5)
    // Nothing lost: the cancel in flight at Ctrl-C took effect and is reported, with every other one.
    const touched = ids.filter((id) => after[id] !== "in_progress")
    for (const id of touched) expect(r.stdout).toContain(id)
    await emulator.close()
  })
})
