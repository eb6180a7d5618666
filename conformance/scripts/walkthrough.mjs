#!/usr/bin/env node
// The README's walk-through, run for real: builds and packs @batchctl/core, @batchctl/openai-compatible
// and @batchctl/conformance, installs the three tarballs with npm into an empty directory (effect and
// @effect/platform come from the registry), writes acme.mjs and check.mjs from the README's code blocks,
// then runs `--scenarios`, `--init`, fills in the templates (the repository's OpenAI fixtures moved onto
// Acme's URL: Acme speaks OpenAI's wire format), runs the suite with --coverage through the installed bin,
// and through the library. It fails when any step fails, when the suite does not pass, or when npm
// installed any other adapter.
// Run: node conformance/scripts/walkthrough.mjs   (part of the conformance package's `npm test`)
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const here = join(import.meta.dirname, "..")
const root = join(here, "..")
const bin = join(root, "node_modules", ".bin")
const started = Date.now()
const work = mkdtempSync(join(tmpdir(), "batchctl-walkthrough-"))
const packs = join(work, "packs")
const project = join(work, "acme-batches")
mkdirSync(packs)
mkdirSync(project)
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" }
// npm, run from inside `npm test`, would otherwise inherit the workspace's settings.
for (const k of Object.keys(env)) if (k.startsWith("npm_package_") || k === "npm_config_prefix") delete env[k]
const step = (what) => console.log(`walkthrough: ${what} (${((Date.now() - started) / 1000).toFixed(0)}s)`)
const run = (cmd, args, cwd, { allowFail = false } = {}) => {
  try {
    return { code: 0, out: execFileSync(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 64 << 20 }) }
  } catch (e) {
    if (allowFail && typeof e.status === "number") return { code: e.status, out: `${e.stdout ?? ""}${e.stderr ?? ""}` }
    console.error(`walkthrough: ${cmd} ${args.join(" ")} failed in ${cwd}\n${e.stdout ?? ""}${e.stderr ?? ""}`)
    process.exit(1)
  }
}
const fail = (message) => {
  console.error(`walkthrough: ${message}\n(left in ${work})`)
  process.exit(1)
}

// The README's code blocks that start with `// <file>`.
const readme = readFileSync(join(here, "README.md"), "utf8")
const block = (file) => {
  const m = new RegExp("```js\\n// " + file.replace(".", "\\.") + "\\n([\\s\\S]*?)```").exec(readme)
  if (m === null) fail(`README.md has no js block starting with // ${file}`)
  return m[1]
}

step("building core, openai-compatible and conformance")
// Type errors are the typecheck task's business; tsc -b still emits, and what matters here is the package.
const built = run(join(bin, "tsc"), ["-b", join(root, "packages", "openai-compatible", "tsconfig.build.json"), join(here, "tsconfig.build.json")], root, { allowFail: true })
if (built.code !== 0) console.warn(`walkthrough: tsc reported errors (the typecheck task reports them too):\n${built.out.trim()}`)
for (const dir of [join(root, "packages", "core"), join(root, "packages", "openai-compatible"), here]) {
  if (!existsSync(join(dir, "dist", "index.js"))) fail(`the build wrote no ${join(dir, "dist", "index.js")}`)
}
step("packing")
for (const dir of [join(root, "packages", "core"), join(root, "packages", "openai-compatible"), here]) {
  run(join(bin, "pnpm"), ["pack", "--pack-destination", packs], dir)
}
const tarballs = readdirSync(packs).map((f) => join(packs, f))
if (tarballs.length !== 3) fail(`expected 3 tarballs, got ${readdirSync(packs).join(", ")}`)

step("npm install from the tarballs")
writeFileSync(join(project, "package.json"), JSON.stringify({ name: "acme-batches", version: "1.0.0", private: true, type: "module" }, null, 2))
run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs, "effect@^3.22.4", "@effect/platform@^0.97.1"], project)
const installed = readdirSync(join(project, "node_modules", "@batchctl")).sort()
if (JSON.stringify(installed) !== JSON.stringify(["conformance", "core", "openai-compatible"])) {
  fail(`npm installed @batchctl/${installed.join(", @batchctl/")}; expected only conformance, core and openai-compatible`)
}

writeFileSync(join(project, "acme.mjs"), block("acme.mjs"))
writeFileSync(join(project, "check.mjs"), block("check.mjs"))
const cli = join(project, "node_modules", ".bin", "batchctl-conformance")

step("--scenarios")
// The scenarios every adapter covers; the create ones (after a blank line) are asked only of one that creates.
const scenarios = (run(cli, ["--scenarios"], project).out.trim().split("\n\n")[0] ?? "").split("\n")
step("--init")
run(cli, ["--init", "fixtures", "--provider", "acme", "--base-url", "https://api.acme.test/v1"], project)
const templates = readdirSync(join(project, "fixtures", "acme"))
if (templates.length !== scenarios.length) fail(`--init wrote ${templates.length} templates for ${scenarios.length} scenarios`)

const args = ["--fixtures", "fixtures", "--adapter", "./acme.mjs", "--expectations", "fixtures/expectations.json", "--coverage", "--report", "report.json"]
const unfilled = run(cli, args, project, { allowFail: true })
if (unfilled.code !== 1 || !unfilled.out.includes("template not filled in")) fail(`the untouched templates did not fail:\n${unfilled.out}`)

step("filling in the templates")
const own = join(here, "fixtures", "openai")
for (const file of templates) {
  const text = readFileSync(join(own, file), "utf8").split("https://api.openai.com/v1").join("https://api.acme.test/v1")
  const fixture = JSON.parse(text)
  fixture.provider = "acme"
  fixture.expect = JSON.parse(JSON.stringify(fixture.expect).split('"openai"').join('"acme"'))
  writeFileSync(join(project, "fixtures", "acme", file), `${JSON.stringify(fixture, null, 2)}\n`)
}

step("running the suite through the installed bin")
const result = run(cli, args, project, { allowFail: true })
if (result.code !== 0 || !result.out.includes(`${templates.length} passed, 0 failed`)) fail(`the suite did not pass:\n${result.out}`)
const report = JSON.parse(readFileSync(join(project, "report.json"), "utf8"))
if (!report.ok || report.providers.join() !== "acme") fail(`report.json: ok ${report.ok}, providers ${report.providers}`)

step("running it through the library (check.mjs)")
const library = run("node", ["check.mjs"], project, { allowFail: true })
if (library.code !== 0 || !library.out.includes(`${templates.length} passed, 0 failed`)) fail(`check.mjs did not pass:\n${library.out}`)

rmSync(work, { recursive: true, force: true })
console.log(`walkthrough: ok: an adapter written outside the repository passes ${templates.length} cases from the packed tarballs (${((Date.now() - started) / 1000).toFixed(0)}s)`)
