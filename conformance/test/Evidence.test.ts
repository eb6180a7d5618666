/**
 * The evidence the fixtures claim: every `source.ref` opens (a URL, or a file inside this package),
 * `recorded` means captured from the vendor by someone named, and regenerating the fixtures keeps what
 * people wrote by hand.
 */
import { execFileSync } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const pkg = fileURLToPath(new URL("..", import.meta.url))
const fixturesDir = join(pkg, "fixtures")
const files = readdirSync(fixturesDir, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".json"))
  .sort()

interface Source {
  readonly kind: string
  readonly ref?: string
  readonly note?: string
}
const fixtures = files.map((f) => ({
  file: f,
  json: JSON.parse(readFileSync(join(fixturesDir, f), "utf8")) as { source: Source }
}))
const examples = JSON.parse(
  readFileSync(join(pkg, "sources", "vendor-examples.json"), "utf8")
) as ReadonlyArray<unknown>
const vendorsMd = readFileSync(join(pkg, "sources", "vendors.md"), "utf8")

/** Why a ref does not resolve, or undefined when it does. */
const unresolved = (ref: string | undefined): string | undefined => {
  if (ref === undefined || ref === "") return "no ref"
  if (/^https:\/\/\S+$/.test(ref)) return undefined
  const m = /^(\S+?)(?: ([§#])(\d+))?$/.exec(ref)
  if (m === null) return `not a URL or a path: ${ref}`
  const [, path = "", mark, n] = m
  if (path.startsWith("/") || path.includes("..")) return `points outside the package: ${ref}`
  if (!existsSync(join(pkg, path))) return `no such file: ${path}`
  if (mark === "#" && (path !== "sources/vendor-examples.json" || examples[Number(n)] === undefined))
    return `no entry ${n} in ${path}`
  if (mark === "§" && (path !== "sources/vendors.md" || !new RegExp(`^## ${n}\\. `, "m").test(vendorsMd)))
    return `no section ${n} in ${path}`
  return undefined
}

describe("source.ref", () => {
  it("resolves for every fixture: a URL, or a file (and entry, or section) inside this package", () => {
    expect(files.length).toBeGreaterThan(250)
    const bad = fixtures.flatMap(({ file, json }) => {
      const why = unresolved(json.source.ref)
      return why === undefined ? [] : [`${file}: ${why}`]
    })
    expect(bad).toEqual([])
  })

  it("the checker itself refuses what does not resolve", () => {
    expect(unresolved("vendors.md §2")).toMatch(/no such file/)
    expect(unresolved("sources/vendor-examples.json #999")).toMatch(/no entry/)
    expect(unresolved("sources/vendors.md §42")).toMatch(/no section/)
    expect(unresolved("../shared/reference/vendors.md")).toMatch(/outside/)
    expect(unresolved("truncated body")).toMatch(/not a URL or a path|no such file/)
    expect(unresolved("https://github.com/ogx-ai/ogx/issues/6019")).toBeUndefined()
  })

  it("nothing points outside the repository", () => {
    for (const { file, json } of fixtures)
      expect(`${file} ${JSON.stringify(json.source)}`).not.toMatch(/shared\/reference|\.\.\//)
  })

  it("recorded means captured from the vendor, and says by whom and when", () => {
    const recorded = fixtures.filter(({ json }) => json.source.kind === "recorded")
    expect(recorded.length).toBeGreaterThan(0)
    for (const { file, json } of recorded) {
      expect(json.source.ref, file).toMatch(/^(sources\/captures\/|https:\/\/)/)
      expect(json.source.note ?? "", file).toMatch(/captured from the live API by .+\(\d{4}-\d{2}/)
    }
  })
})

describe("scripts/synthesize.mjs", () => {
  const work = mkdtempSync(join(tmpdir(), "synthesize-"))
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it("regenerates exactly the committed fixtures, keeps hand-written fixtures and expectations entries", () => {
    for (const d of ["scripts", "sources", "fixtures"]) cpSync(join(pkg, d), join(work, d), { recursive: true })
    const expectations = JSON.parse(readFileSync(join(pkg, "expectations.json"), "utf8")) as Record<
      string,
      { skip: Record<string, string>; expectedFailures: Record<string, string> }
    >
    expectations.openai = {
      skip: { ...expectations.openai?.skip, "list.next-page": "hand-written: kept" },
      expectedFailures: { "cancel.completed": "hand-written: kept" }
    }
    expectations.acme = { skip: {}, expectedFailures: { "retrieve.x": "someone else's provider" } }
    writeFileSync(join(work, "expectations.json"), JSON.stringify(expectations))
    writeFileSync(join(work, "fixtures", "openai", "retrieve.recorded-by-hand.json"), "{}\n")
    const out = execFileSync("node", [join(work, "scripts", "synthesize.mjs")], { encoding: "utf8" })
    expect(out).toMatch(/kept \d+ it does not generate \(.*openai\/retrieve\.recorded-by-hand\.json/)
    expect(readFileSync(join(work, "fixtures", "openai", "retrieve.recorded-by-hand.json"), "utf8")).toBe("{}\n")
    const after = JSON.parse(readFileSync(join(work, "expectations.json"), "utf8")) as typeof expectations
    expect(after.openai?.skip["list.next-page"]).toBe("hand-written: kept")
    expect(after.openai?.expectedFailures["cancel.completed"]).toBe("hand-written: kept")
    expect(after.acme?.expectedFailures["retrieve.x"]).toBe("someone else's provider")
    expect(Object.keys(after.anthropic?.skip ?? {})).toContain("retrieve.validating")
    // Drift: what the script writes is what is committed.
    const changed = files.filter(
      (f) => readFileSync(join(work, "fixtures", f), "utf8") !== readFileSync(join(fixturesDir, f), "utf8")
    )
    expect(changed).toEqual([])
  })
})
