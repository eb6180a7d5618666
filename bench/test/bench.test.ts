import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const bench = fileURLToPath(new URL("..", import.meta.url))

interface Row {
  readonly scenario: string
  readonly impl: string
  readonly value: number | null
  readonly unit: string
  readonly vendor?: string
  readonly note?: string
}

const runQuick = (out: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(bench, "run.mjs"), "--quick", "--out", out],
      { cwd: bench, env: { ...process.env, BENCH_OUT: ".out-test" }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr })
    )
  })

describe("npm run bench -- --quick", () => {
  it("measures every scenario and writes results.json as [{scenario, impl, value, unit}]", async () => {
    const dir = mkdtempSync(join(tmpdir(), "batchctl-bench-"))
    try {
      const out = join(dir, "results.json")
      const run = await runQuick(out)
      expect(run.stderr).not.toMatch(/failure\(s\)/)
      expect(run.code).toBe(0)
      const rows = JSON.parse(readFileSync(out, "utf8")) as ReadonlyArray<Row>
      expect(Array.isArray(rows)).toBe(true)
      for (const row of rows) {
        expect(typeof row.scenario).toBe("string")
        expect(row.impl).toMatch(/^(batchctl|official|undici)-/)
        expect(row.value === null || (typeof row.value === "number" && Number.isFinite(row.value))).toBe(true)
        expect(typeof row.unit).toBe("string")
      }
      const value = (scenario: string, impl: string) =>
        rows.find((r) => r.scenario === scenario && r.impl === impl)?.value
      // Bulk cancel: every implementation, for every vendor, at both concurrencies, with a throughput.
      for (const scenario of ["bulk-cancel-c1", "bulk-cancel-c32"]) {
        for (const vendor of ["openai", "anthropic", "together"]) {
          for (const impl of ["undici-pool", "undici-fetch", "official", "batchctl-effect", "batchctl-promise"]) {
            expect(value(scenario, `${impl}-${vendor}`), `${scenario} ${impl}-${vendor}`).toBeGreaterThan(0)
          }
        }
      }
      for (const vendor of ["openai", "anthropic"]) {
        for (const impl of ["undici-pool", "official", "batchctl-effect", "batchctl-promise"]) {
          expect(value("results-throughput", `${impl}-${vendor}`)).toBeGreaterThan(0)
          expect(value("results-items", `${impl}-${vendor}`)).toBeGreaterThan(0)
          expect(value("results-first-item", `${impl}-${vendor}`)).toBeGreaterThanOrEqual(0)
          expect(value("results-peak-rss", `${impl}-${vendor}`)).toBeGreaterThan(0)
        }
      }
      expect(value("memory-peak-rss", "batchctl-effect-openai")).toBeGreaterThan(0)
      expect(value("memory-peak-rss", "batchctl-promise-openai")).toBeGreaterThan(0)
      expect(value("memory-peak-rss-each", "batchctl-effect-openai")).toBeGreaterThan(0)
      expect(value("memory-peak-rss-each", "batchctl-promise-openai")).toBeGreaterThan(0)
      // Upload: batchctl's create from a JSONL file and the official SDK's upload, both measured.
      for (const impl of ["official-openai", "batchctl-promise-openai"]) {
        expect(value("upload-throughput", impl)).toBeGreaterThan(0)
        expect(value("upload-rss-growth", impl)).not.toBeNull()
      }
      for (const impl of ["batchctl-openai", "official-openai", "batchctl-anthropic", "official-anthropic"]) {
        expect(value("import-time", impl)).toBeGreaterThan(0)
      }
      const cli = rows.find((r) => r.scenario === "cli-start")
      expect(cli === undefined ? undefined : cli.value === null ? cli.note : "measured").toMatch(/^(measured|skipped)/)
      for (const impl of ["batchctl-openai", "batchctl-meshapi", "batchctl-all-six", "official-openai"]) {
        expect(value("bundle-size", impl)).toBeGreaterThan(0)
      }
      // The printed table and its Markdown copy.
      expect(run.stdout).toContain("| bulk-cancel-c32 | batchctl-effect-openai |")
      expect(readFileSync(join(dir, "results.md"), "utf8")).toContain("| scenario | impl | median |")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
