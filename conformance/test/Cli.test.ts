/**
 * The command line as a provider author outside this repository meets it: an adapter module of their
 * own, templates from `--init`, paths relative to where they stand, one-line complaints.
 */
import { afterAll, describe, expect, it } from "vitest"
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Cli } from "../src/index.js"

// Inside the package, so that the adapter module resolves @batchctl/openai-compatible as an installed package would.
const scratch = fileURLToPath(new URL("../.scratch", import.meta.url))
mkdirSync(scratch, { recursive: true })
const made: Array<string> = []
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true })
})
const tmp = (name: string) => {
  const d = mkdtempSync(join(scratch, `${name}-`))
  made.push(d)
  return d
}
const ownFixtures = fileURLToPath(new URL("../fixtures", import.meta.url))

const run = async (argv: ReadonlyArray<string>, cwd: string) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await Cli.main(argv, { cwd, env: {}, stdout: (t) => out.push(t), stderr: (t) => err.push(t) })
  return { code, out: out.join("\n"), err: err.join("\n") }
}

/** The README's ten-line adapter: an OpenAI-compatible vendor called acme. */
const ACME = `import { BatchProvider } from "@batchctl/core"
import { OpenAiCompatible } from "@batchctl/openai-compatible"
import { Layer } from "effect"

export const provider = "acme"
export const defaultBaseUrl = "https://api.acme.test/v1"

export default (options) =>
  Layer.effect(BatchProvider.BatchProvider, OpenAiCompatible.make({ provider, defaultBaseUrl }, options))
`

/** OpenAI's fixture for a scenario, moved onto acme's URL: what a filled-in template looks like. */
const asAcme = (key: string) => {
  const text = readFileSync(join(ownFixtures, "openai", `${key}.json`), "utf8")
  const f = JSON.parse(text.split("https://api.openai.com/v1").join("https://api.acme.test/v1"))
  return JSON.stringify(
    { ...f, provider: "acme", expect: JSON.parse(JSON.stringify(f.expect).split('"openai"').join('"acme"')) },
    null,
    2
  )
}

describe("an adapter from outside the repository", () => {
  it("--init writes a template per scenario that fails until filled in; filled in, --adapter passes with --coverage", async () => {
    const dir = tmp("acme")
    writeFileSync(join(dir, "acme.mjs"), ACME)
    const init = await run(["--init", "fixtures", "--provider", "acme"], dir)
    expect(init.code).toBe(0)
    expect(init.out).toContain(join(dir, "fixtures", "acme"))
    const templates = readdirSync(join(dir, "fixtures", "acme"))
    const scenarios = await run(["--scenarios"], dir)
    // One template per scenario every adapter covers (the create ones, listed after a blank line, are
    // asked only of an adapter that creates; this one does not).
    const always = scenarios.out.trim().split("\n\n")[0] ?? ""
    expect(templates.length).toBe(always.split("\n").length)
    expect(JSON.parse(readFileSync(join(dir, "fixtures", "expectations.json"), "utf8"))).toEqual({
      acme: { skip: {}, expectedFailures: {} }
    })

    const raw = await run(
      [
        "--fixtures",
        "fixtures",
        "--adapter",
        "./acme.mjs",
        "--expectations",
        "fixtures/expectations.json",
        "--coverage"
      ],
      dir
    )
    expect(raw.code).toBe(1)
    expect(raw.out).toContain("template not filled in")
    expect(raw.out).not.toMatch(/^\d+ passed, 0 failed/m)

    for (const file of templates)
      writeFileSync(join(dir, "fixtures", "acme", file), asAcme(file.replace(/\.json$/, "")))
    const filled = await run(
      [
        "--fixtures",
        "fixtures",
        "--adapter",
        "./acme.mjs",
        "--expectations",
        "fixtures/expectations.json",
        "--coverage",
        "--report",
        "out/report.json"
      ],
      dir
    )
    expect(filled.err).toBe("")
    expect(filled.code).toBe(0)
    expect(filled.out).toContain(`${templates.length} passed, 0 failed`)
    const report = JSON.parse(readFileSync(join(dir, "out", "report.json"), "utf8"))
    expect(report.providers).toEqual(["acme"])
    expect(report.evidence.acme.recorded + report.evidence.acme.documented + report.evidence.acme.synthetic).toBe(
      templates.length
    )

    // Coverage: a scenario with neither a fixture nor a skip fails the run.
    rmSync(join(dir, "fixtures", "acme", "cancel.forbidden.json"))
    const gap = await run(
      [
        "--fixtures",
        "fixtures",
        "--adapter",
        "./acme.mjs",
        "--expectations",
        "fixtures/expectations.json",
        "--coverage"
      ],
      dir
    )
    expect(gap.code).toBe(1)
    expect(gap.out).toContain("no fixture for this required scenario")
  })

  it("the provider id can come from --provider when the module exports none", async () => {
    const dir = tmp("named")
    writeFileSync(
      join(dir, "adapter.mjs"),
      ACME.replace('export const provider = "acme"\n', 'const provider = "acme"\n')
    )
    mkdirSync(join(dir, "f"))
    writeFileSync(join(dir, "f", "cancel.in-progress.json"), asAcme("cancel.in-progress"))
    const without = await run(["--fixtures", "f", "--adapter", "adapter.mjs"], dir)
    expect(without.code).toBe(2)
    expect(without.err).toContain("--provider")
    const named = await run(["--fixtures", "f", "--adapter", "adapter.mjs", "--provider", "acme"], dir)
    expect(named.code).toBe(0)
    expect(named.out).toContain("1 passed, 0 failed")
  })

  it("a fixture for an unknown provider says how to give its adapter", async () => {
    const dir = tmp("noadapter")
    mkdirSync(join(dir, "f"))
    writeFileSync(join(dir, "f", "cancel.in-progress.json"), asAcme("cancel.in-progress"))
    const r = await run(["--fixtures", "f"], dir)
    expect(r.code).toBe(1)
    expect(r.out).toContain("--adapter MODULE --provider acme")
  })

  it("the built-in adapters are reachable with --adapter too (a package name)", async () => {
    const dir = tmp("pkg")
    mkdirSync(join(dir, "f", "openai"), { recursive: true })
    cpSync(join(ownFixtures, "openai", "cancel.completed.json"), join(dir, "f", "openai", "cancel.completed.json"))
    const r = await run(["--fixtures", "f", "--adapter", "@batchctl/openai"], dir)
    expect(r.err).toBe("")
    expect(r.out).toContain("1 passed, 0 failed")
  })
})

describe("paths and messages", () => {
  it("relative paths resolve against the working directory, and errors show them absolute", async () => {
    const dir = tmp("paths")
    const missing = await run(["--fixtures", "nowhere"], dir)
    expect(missing.code).toBe(2)
    expect(missing.err).toContain(join(dir, "nowhere"))
    const adapter = await run(["--adapter", "./missing.mjs", "--provider", "x"], dir)
    expect(adapter.code).toBe(2)
    expect(adapter.err).toContain(join(dir, "missing.mjs"))
  })

  it("an invalid fixture says what is wrong first, in one line; --verbose adds the schema detail", async () => {
    const dir = tmp("invalid")
    mkdirSync(join(dir, "f"))
    const { expect: _gone, ...noExpect } = JSON.parse(asAcme("cancel.in-progress")) as Record<string, unknown>
    writeFileSync(join(dir, "f", "bad.json"), JSON.stringify(noExpect))
    writeFileSync(
      join(dir, "f", "kind.json"),
      JSON.stringify({ ...noExpect, expect: { batch: {} }, source: { kind: "guessed" } })
    )
    const r = await run(["--fixtures", "f"], dir)
    expect(r.code).toBe(1)
    expect(r.out).toContain(`${join(dir, "f", "bad.json")}: expect is missing`)
    expect(r.out).toMatch(
      /kind\.json: source\.kind: Expected "recorded" \| "documented" \| "synthetic", actual "guessed"$/m
    )
    expect(r.out).not.toContain("└─")
    const v = await run(["--fixtures", "f", "--verbose"], dir)
    expect(v.out).toContain("└─")
  })

  it("a usage error exits 2 with the usage; --help exits 0", async () => {
    expect((await run(["--frobnicate"], scratch)).code).toBe(2)
    const help = await run(["--help"], scratch)
    expect(help.code).toBe(0)
    expect(help.out).toContain("batchctl-conformance record")
  })

  it("parses with @effect/cli: --version, --name=value, usage errors naming the argument, each subcommand's own options", async () => {
    const version = await run(["--version"], scratch)
    expect(version.code).toBe(0)
    expect(version.out.trim()).toBe(
      JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version
    )
    const eq = await run(["--fixtures=nowhere"], scratch)
    expect(eq.code).toBe(2)
    expect(eq.err).toContain(join(scratch, "nowhere"))
    const unknown = await run(["run", "--frobnicate"], scratch)
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain("--frobnicate")
    expect(unknown.err).toContain("usage:")
    // An option of another subcommand is not one of this one's.
    const misplaced = await run(["scaffold", "--provider", "x", "--family", "openai", "--operation", "cancel"], scratch)
    expect(misplaced.code).toBe(2)
    expect(misplaced.err).toContain("--operation")
  })
})
