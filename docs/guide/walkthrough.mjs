#!/usr/bin/env node
// The guide (docs/guide/writing-an-adapter.md), followed as written by an author outside the repository:
// packs @batchctl/core, @batchctl/conformance and @batchctl/emulator, installs the conformance tarball as
// a tool (what `npx -p @batchctl/conformance` would fetch), then goes through the guide from top to
// bottom in an empty directory: every ```sh run``` block is run line by line (`cd` moves the walk),
// every ```lang file=PATH``` block is written to PATH, every ```text output``` block must be what the
// command before it printed. Two lines are run differently, and only these: `npx -p @batchctl/conformance
// batchctl-conformance …` runs the installed tool's bin, and `npm install` names the three tarballs
// (everything else comes from the registry, as the scaffold's package.json says).
//
// It fails when a command fails (or a `run=fails` one passes), when the suite does not pass every fixture
// the guide wrote, when the package imports anything but a public entry point (every import resolves
// through its package's `exports`, none names `internal`, `src` or `dist`), when a file of the package
// is a copy of a file of an installed @batchctl package, or when npm installed any other @batchctl
// package.
// Run: node docs/guide/walkthrough.mjs [--keep]   (part of the docs package's `npm test`)
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"

const here = import.meta.dirname
const root = join(here, "..", "..")
const bin = join(root, "node_modules", ".bin")
const guideFile = join(here, "writing-an-adapter.md")
const keep = process.argv.includes("--keep")
const started = Date.now()
const work = mkdtempSync(join(tmpdir(), "batchctl-guide-"))
const packs = join(work, "packs")
const tools = join(work, "tools")
const start = join(work, "author")
for (const d of [packs, tools, start]) mkdirSync(d)

// prefer-offline: what the npm cache already holds is not asked of the registry again.
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false", npm_config_prefer_offline: "true" }
// npm, run from inside `npm test`, would otherwise inherit the workspace's settings.
for (const k of Object.keys(env)) if (k.startsWith("npm_package_") || k === "npm_config_prefix" || k === "INIT_CWD") delete env[k]
const seconds = () => ((Date.now() - started) / 1000).toFixed(0)
const step = (what) => console.log(`guide: ${what} (${seconds()}s)`)
const fail = (message) => {
  console.error(`guide: ${message}\n(left in ${work})`)
  process.exit(1)
}
const exec = (cmd, args, cwd, shell = false) => {
  try {
    const out = execFileSync(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 64 << 20, timeout: 240_000 })
    return { code: 0, out }
  } catch (e) {
    if (typeof e.status !== "number") fail(`${shell ? args.at(-1) : `${cmd} ${args.join(" ")}`}: ${e.message}`)
    return { code: e.status, out: `${e.stdout ?? ""}${e.stderr ?? ""}` }
  }
}

step("packing @batchctl/core, @batchctl/conformance and @batchctl/emulator")
const packed = {}
for (const [name, dir] of [
  ["core", join(root, "packages", "core")],
  ["conformance", join(root, "conformance")],
  ["emulator", join(root, "packages", "emulator")]
]) {
  const before = new Set(readdirSync(packs))
  const r = exec(join(bin, "pnpm"), ["pack", "--pack-destination", packs], dir)
  if (r.code !== 0) fail(`pnpm pack of ${name} failed:\n${r.out}`)
  const file = readdirSync(packs).find((f) => !before.has(f))
  if (file === undefined) fail(`pnpm pack of ${name} wrote no tarball`)
  packed[name] = join(packs, file)
}
const tarballs = [packed.core, packed.conformance, packed.emulator]

step("installing the conformance tool from its tarball (what npx -p @batchctl/conformance fetches)")
writeFileSync(join(tools, "package.json"), JSON.stringify({ name: "tools", private: true, type: "module" }))
const toolInstall = exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", packed.core, packed.conformance], tools)
if (toolInstall.code !== 0) fail(`npm install of the tool failed:\n${toolInstall.out}`)
const tool = join(tools, "node_modules", ".bin", "batchctl-conformance")

/** The fenced blocks of the guide, in order: language, info, body. */
const guide = readFileSync(guideFile, "utf8")
const blocks = [...guide.matchAll(/^```(\w*)([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], info: m[2].trim(), body: m[3] }))

const substitute = (line) => {
  const npx = "npx -p @batchctl/conformance batchctl-conformance "
  if (line.startsWith(npx)) return `${JSON.stringify(tool)} ${line.slice(npx.length)}`
  if (line === "npm install") return `npm install --no-audit --no-fund --loglevel=error ${tarballs.map((t) => JSON.stringify(t)).join(" ")}`
  return line
}

let cwd = start
let project
let last = { line: "", out: "" }
const outputs = []
const written = []
for (const block of blocks) {
  const file = /(?:^|\s)file=(\S+)/.exec(block.info)?.[1]
  if (file !== undefined) {
    const path = resolve(cwd, file)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, block.body)
    written.push(path)
    continue
  }
  if (block.lang === "text" && block.info === "output") {
    if (last.out.trim() !== block.body.trim()) fail(`\`${last.line}\` printed\n${last.out}\nbut the guide says it prints\n${block.body}`)
    continue
  }
  if (block.lang !== "sh" || !/^run(=fails)?$/.test(block.info)) continue
  const fails = block.info === "run=fails"
  for (const line of block.body.replace(/\\\n\s*/g, "").split("\n").map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith("#"))) {
    const cd = /^cd (\S+)$/.exec(line)
    if (cd !== null) {
      cwd = resolve(cwd, cd[1])
      if (existsSync(join(cwd, "package.json"))) project ??= cwd
      continue
    }
    step(line)
    const r = exec("bash", ["-c", substitute(line)], cwd, true)
    if (fails ? r.code === 0 : r.code !== 0) fail(`\`${line}\` ${fails ? "passed, but the guide says it fails" : `failed (exit ${r.code})`}:\n${r.out}`)
    last = { line, out: r.out }
    outputs.push(last)
  }
}
if (project === undefined) fail("the guide never entered the scaffolded package (no `cd` into a directory with a package.json)")

step("checking what the walk-through did")
const fixtures = written.filter((f) => f.includes(`${join("fixtures", "lumen")}/`)).length
const suite = outputs.find((o) => o.line === "npm run conformance")
if (suite === undefined) fail("the guide never runs `npm run conformance`")
if (!suite.out.includes(`${fixtures} passed, 0 failed`)) fail(`the suite did not pass the guide's ${fixtures} fixtures:\n${suite.out}`)
const coverage = outputs.find((o) => o.line === "npm run coverage")
if (coverage !== undefined && !coverage.out.includes("no fixture for this required scenario")) fail(`npm run coverage failed, but not for coverage:\n${coverage.out}`)

const installed = readdirSync(join(project, "node_modules", "@batchctl")).sort()
if (installed.join() !== "conformance,core,emulator") fail(`npm installed @batchctl/${installed.join(", @batchctl/")}; expected conformance, core and emulator only`)
const manifest = JSON.parse(readFileSync(join(project, "package.json"), "utf8"))
if (Object.keys(manifest.dependencies ?? {}).join() !== "@batchctl/core") fail(`the package depends on ${Object.keys(manifest.dependencies ?? {}).join(", ")}: only @batchctl/core expected`)

/** Every file of the package that its author wrote or the scaffold did (no dependencies, no build output). */
const own = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (["node_modules", "dist", "package-lock.json"].includes(name)) return []
    return statSync(path).isDirectory() ? own(path) : [path]
  })
const files = own(project)
const require = createRequire(join(project, "package.json"))
const imports = []
for (const file of files.filter((f) => /\.(ts|mjs|js)$/.test(f))) {
  const text = readFileSync(file, "utf8")
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^"'`]*?\bfrom\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g)) {
    const spec = m[1] ?? m[2] ?? m[3]
    if (spec.startsWith(".") || spec.startsWith("node:") || spec === manifest.name) continue
    imports.push(`${relative(project, file)}: ${spec}`)
    if (/\/(internal|src|dist)(\/|$)/.test(spec)) fail(`${relative(project, file)} imports ${spec}, which is not a public entry point`)
    try {
      require.resolve(spec)
    } catch (e) {
      fail(`${relative(project, file)} imports ${spec}, which its package does not export: ${e.message.split("\n")[0]}`)
    }
  }
}
if (!imports.some((i) => i.includes("@batchctl/core/"))) fail("found no import of @batchctl/core: the import check read nothing")

const hash = (path) => createHash("sha256").update(readFileSync(path)).digest("hex")
const shipped = new Map()
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else shipped.set(hash(path), path)
  }
}
for (const p of installed) walk(join(project, "node_modules", "@batchctl", p))
for (const file of files) {
  const copied = shipped.get(hash(file))
  if (copied !== undefined && statSync(file).size > 64) fail(`${relative(project, file)} is a copy of ${relative(project, copied)}`)
}

step("cleaning up")
if (!keep) rmSync(work, { recursive: true, force: true })
console.log(
  `guide: ok: an adapter for a page-numbered vendor written from the packed tarballs passes its ${fixtures} fixtures and runs against the emulator; ` +
    `${imports.length} imports, all public entry points (${seconds()}s)${keep ? `; kept ${work}` : ""}`
)
