/**
 * The executable as a whole: help and version (the prebuilt texts are what @effect/cli renders),
 * Ctrl-C while waiting, `batchctl emulator` in the foreground, `batchctl demo`, and
 * `batchctl conformance` handing its flags to the suite.
 */
import { Emulator } from "@batchctl/emulator"
import { afterAll, describe, expect, it } from "vitest"
import { CANARY, printed, run, start, until } from "./helpers.js"

afterAll(() => {
  for (const text of printed) expect(text).not.toContain(CANARY)
})

const commands = ["get", "list", "cancel", "wait", "cancel-all", "results", "emulator", "demo"]

describe("help", () => {
  it("--help lists every command and documents the exit codes", async () => {
    const r = await run(["--help"])
    expect(r.code).toBe(0)
    for (const c of [...commands, "conformance"]) expect(r.stdout).toMatch(new RegExp(`^\\s+- ${c} `, "m"))
    for (const code of ["0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "7 ", "130"])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${code}\\s*\\S`, "m"))
    expect(r.stdout).toContain("3    not found")
    expect(r.stdout).toContain("5    auth")
    expect(r.stdout).not.toContain("\u001b[")
  })

  it("each command's help has examples", async () => {
    for (const c of commands) {
      const r = await run([c, "--help"])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain("examples:")
      expect(r.stdout).toMatch(new RegExp(`^\\s+(batchctl ${c}|npm run demo)`, "m"))
    }
  })

  it("the prebuilt texts are exactly what @effect/cli renders", async () => {
    for (const args of [[], ["--help"], ["-h"], ["--version"], ["cancel-all", "--help"], ["demo", "-h"]]) {
      const fast = await run(args)
      const live = await run(args, { env: { BATCHCTL_HELP_CACHE: "0" } })
      expect(fast.code).toBe(0)
      expect(live.code).toBe(0)
      expect(fast.stdout).toBe(live.stdout)
    }
  })

  it("--version prints the package version", async () => {
    const r = await run(["--version"])
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe("Ctrl-C", () => {
  it("while waiting: stops cleanly, says so, exit 130", async () => {
    const emulator = await Emulator.start({ apiKey: CANARY, timings: { validatingMs: 0, requestMs: 60_000 } })
    const { id } = await emulator.createBatch({ provider: "openai", requests: 10 })
    const p = start(["wait", "openai", id, "--interval", "200ms"], {
      env: { OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: emulator.baseUrl("openai") }
    })
    // The first poll has been answered once its status line is out.
    await until(() => p.stderr().includes(`${id}: in_progress`))
    p.child.kill("SIGINT")
    const r = await p.done
    expect(r.code).toBe(130)
    expect(r.signal).toBeNull()
    expect(r.stderr).toContain(`batchctl: stopped waiting for ${id}`)
    expect(r.stderr.trim().split("\n").at(-1)).toBe("batchctl: interrupted")
    expect(r.stdout).toBe("")
    await emulator.close()
  })
})

describe("batchctl emulator", () => {
  it("serves the eleven providers until Ctrl-C", async () => {
    const p = start(["emulator", "--port", "0", "--json", "--api-key", CANARY, "--seed", "7"])
    await until(() => p.stdout().includes("\n"))
    const info = JSON.parse(p.stdout().split("\n")[0] ?? "") as { url: string; baseUrls: Record<string, string> }
    expect(Object.keys(info.baseUrls).sort()).toEqual([
      "anthropic",
      "azure-openai",
      "gemini",
      "groq",
      "meshapi",
      "mistral",
      "moonshot",
      "openai",
      "respan",
      "together",
      "xai"
    ])
    expect(info.baseUrls.anthropic).toBe(`${info.url}/anthropic`)
    const health = await fetch(`${info.url}/_emulator/health`)
    expect(health.status).toBe(200)
    const created = (await (
      await fetch(`${info.url}/_emulator/batches`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ provider: "anthropic", requests: 2 })
      })
    ).json()) as { id: string }
    const got = await run(["get", "anthropic", created.id, "--json"], {
      env: { ANTHROPIC_API_KEY: CANARY, ANTHROPIC_BASE_URL: info.baseUrls.anthropic ?? "" }
    })
    expect(got.code).toBe(0)
    expect(JSON.parse(got.stdout)).toMatchObject({ id: created.id, provider: "anthropic" })
    const wrongKey = await run(["get", "anthropic", created.id], {
      env: { ANTHROPIC_API_KEY: "sk-some-other-key", ANTHROPIC_BASE_URL: info.baseUrls.anthropic ?? "" }
    })
    expect(wrongKey.code).toBe(5)
    p.child.kill("SIGINT")
    const r = await p.done
    expect(r.code).toBe(130)
    expect(r.stderr).toContain("batchctl: emulator stopped")
    expect(r.stdout).not.toContain(CANARY)
  })

  it("human output prints the variables to export", async () => {
    const p = start(["emulator"])
    await until(() => p.stdout().includes("Ctrl-C to stop."))
    expect(p.stdout()).toMatch(/^export OPENAI_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/openai\/v1$/m)
    expect(p.stdout()).toMatch(/^export RESPAN_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/respan\/api\/v1$/m)
    p.child.kill("SIGINT")
    expect((await p.done).code).toBe(130)
  })
})

describe("batchctl demo", () => {
  it("--json: all eleven providers cancelled mid-way, terminal, with partial results", async () => {
    const r = await run(["demo", "--json"], { timeoutMs: 60_000 })
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as {
      ok: boolean
      rows: Array<{
        provider: string
        batchId: string
        before: { status: string }
        afterCancel: { status: string }
        after: { status: string }
        resultsRead: number
        results: Record<string, number>
      }>
    }
    expect(doc.ok).toBe(true)
    expect(doc.rows.map((x) => x.provider).sort()).toEqual([
      "anthropic",
      "azure-openai",
      "gemini",
      "groq",
      "meshapi",
      "mistral",
      "moonshot",
      "openai",
      "respan",
      "together",
      "xai"
    ])
    for (const row of doc.rows) {
      expect(row.before.status).toBe("in_progress")
      expect(["cancelling", "cancelled"]).toContain(row.afterCancel.status)
      expect(row.after.status).toBe("cancelled")
      // 4 were done at creation; on a very busy machine one more may finish before the cancel lands.
      expect(row.results.succeeded).toBeGreaterThanOrEqual(4)
      expect(row.results.succeeded).toBeLessThan(10)
      expect(row.resultsRead).toBeGreaterThanOrEqual(row.results.succeeded ?? 0)
    }
  })

  it("prints the table and exits 0, without any key in the environment", async () => {
    const r = await run(["demo"], { timeoutMs: 60_000 })
    expect(r.code).toBe(0)
    const header = r.stdout.split("\n").find((l) => l.startsWith("PROVIDER"))
    expect(header).toMatch(/^PROVIDER\s+BATCH\s+BEFORE\s+CANCEL → AFTER\s+RESULTS READ\s+TIME$/)
    for (const p of [
      "anthropic",
      "openai",
      "moonshot",
      "together",
      "respan",
      "meshapi",
      "mistral",
      "gemini",
      "azure-openai",
      "groq",
      "xai"
    ]) {
      expect(r.stdout).toMatch(
        new RegExp(
          `^${p}\\s+\\S+\\s+in_progress.*cancell(ing|ed) → cancelled(, \\d+/\\d+ done)?\\s+\\d+: [45] succeeded`,
          "m"
        )
      )
    }
    // Anthropic counts only `processing` before a batch ends, every request of it (#22): never a made-up "0/10 done".
    expect(r.stdout).toMatch(/^anthropic\s+\S+\s+in_progress, 10 processing\s/m)
    expect(r.stdout).toMatch(/^openai\s+\S+\s+in_progress, 4\/10 done\s/m)
    expect(r.stdout).toMatch(/^ok: 11 providers cancelled mid-way with partial results/m)
  })
})

describe("batchctl conformance", () => {
  it("runs the suite with its own flags", async () => {
    const r = await run(["conformance", "--provider", "openai"], { timeoutMs: 60_000 })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/\d+ passed, 0 failed/)
  })

  it("its usage errors are its own (exit 2), and --help is its usage", async () => {
    const bad = await run(["conformance", "--no-such-flag"])
    expect(bad.code).toBe(2)
    const help = await run(["conformance", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("batchctl-conformance")
  })

  it("--version is batchctl's version (the suite bundled is this build's), not unknown", async () => {
    const own = (await run(["--version"])).stdout.trim()
    expect(own).toMatch(/^\d+\.\d+\.\d+/)
    for (const args of [
      ["conformance", "--version"],
      ["conformance", "run", "--version"]
    ]) {
      const r = await run(args)
      expect(r.code).toBe(0)
      expect(r.stdout.trim()).toBe(own)
    }
  })

  it("--scenarios lists the scenarios", async () => {
    const r = await run(["conformance", "--scenarios"])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("cancel")
  })
})
