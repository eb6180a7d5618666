/**
 * The root README runs as written: its two examples are copied out verbatim, typechecked under a
 * strict NodeNext config of the kind a user has, and run against the emulator over real HTTP with only
 * the environment variables the README names. Its install line names the peer ranges the packages
 * declare, its settings table lists what each adapter reads, and its links and package names exist.
 */
import { AnthropicBatches } from "@batchctl/anthropic"
import { AzureOpenAiBatches } from "@batchctl/azure-openai"
import { Emulator } from "@batchctl/emulator"
import { GeminiBatches } from "@batchctl/gemini"
import { GroqBatches } from "@batchctl/groq"
import { MeshApiBatches } from "@batchctl/meshapi"
import { MistralBatches } from "@batchctl/mistral"
import { MoonshotBatches } from "@batchctl/moonshot"
import { OpenAiBatches } from "@batchctl/openai"
import { RespanBatches } from "@batchctl/respan"
import { TogetherBatches } from "@batchctl/together"
import { XaiBatches } from "@batchctl/xai"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const readme = readFileSync(join(root, "README.md"), "utf8")
const work = fileURLToPath(new URL("../.readme", import.meta.url))
const require = createRequire(import.meta.url)

/** The fenced blocks of a section, in order. */
const blocks = (section: string, lang: string): ReadonlyArray<string> => {
  const start = readme.indexOf(`## ${section}`)
  const end = readme.indexOf("\n## ", start + 1)
  const text = readme.slice(start, end === -1 ? undefined : end)
  return [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!)
}

const run = (file: string, args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", file, ...args],
      { cwd: work, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })
    )
  })

let emu: Emulator.Handle
let env: Record<string, string>

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const [effect, promise] = blocks("Use it", "ts")
  writeFileSync(join(work, "cancel.mts"), effect!)
  writeFileSync(join(work, "results.mts"), promise!)
  // As `npm init -y` (npm 11) writes it: a CommonJS project; the examples are `.mts` files.
  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "readme-user", private: true, type: "commonjs" }))
  // What `tsc --init` gives a user, made stricter where users commonly are: strict, NodeNext.
  writeFileSync(
    join(work, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"]
      },
      include: ["*.mts"]
    })
  )
  emu = await Emulator.start({ timings: { validatingMs: 50, requestMs: 60_000, finalizingMs: 50, cancellingMs: 300 } })
  env = { OPENAI_API_KEY: "sk-readme-test-0000", OPENAI_BASE_URL: emu.baseUrl("openai") }
})

afterAll(async () => {
  await emu?.close()
  rmSync(work, { recursive: true, force: true })
})

describe.sequential("the root README", () => {
  it("opens with the two commands: the demo and the tests", () => {
    const [first] =
      blocks("", "sh").length > 0
        ? [readme.slice(readme.indexOf("```sh"), readme.indexOf("```", readme.indexOf("```sh") + 5))]
        : []
    assert.match(first ?? "", /npm run demo/)
    assert.match(first ?? "", /npm test/)
    const ci = readFileSync(join(root, ".ci", "run"), "utf8")
    assert.match(ci, /^npm test$/m, ".ci/run calls exactly the README's test command")
  })

  it("its examples typecheck under strict NodeNext", async () => {
    const tsc = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc")
    const result = await new Promise<{ code: number; out: string }>((done) =>
      execFile(process.execPath, [tsc, "-p", work], { cwd: work }, (error, stdout, stderr) =>
        done({ code: error === null ? 0 : 1, out: stdout + stderr })
      )
    )
    assert.strictEqual(result.code, 0, result.out)
  })

  it("the Effect example cancels and shows its result; a finished batch is `already completed`", async () => {
    const a = await emu.createBatch({ provider: "openai", status: "in_progress", requests: 4, completed: 1 })
    const b = await emu.createBatch({ provider: "openai", status: "in_progress", requests: 4, completed: 1 })
    const ok = await run("cancel.mts", [a.id, b.id], env)
    assert.strictEqual(ok.code, 0, ok.stderr)
    assert.include(ok.stdout, "first: 'cancelling'")
    assert.include(ok.stdout, `${b.id}: Cancelled`)
    // A refused first id does not stop the others.
    const done = await emu.createBatch({ provider: "openai", status: "completed", requests: 2 })
    const c = await emu.createBatch({ provider: "openai", status: "in_progress", requests: 4, completed: 1 })
    const refused = await run("cancel.mts", [done.id, c.id], env)
    assert.strictEqual(refused.code, 0, refused.stderr)
    assert.include(refused.stdout, "already completed")
    assert.include(refused.stdout, `${c.id}: Cancelled`)
  })

  it("the Promise example cancels, waits and streams the partial results; it rethrows what it does not handle", async () => {
    const batch = await emu.createBatch({ provider: "openai", status: "in_progress", requests: 6, completed: 2 })
    const ok = await run("results.mts", [batch.id], env)
    assert.strictEqual(ok.code, 0, ok.stderr)
    assert.include(ok.stdout, `${batch.id} cancelled`)
    assert.match(ok.stdout, /request-\d+ succeeded/)
    assert.match(ok.stdout, /request-\d+ cancelled/)
    const missing = await run("results.mts", ["batch_00000000000000000000000000000000"], env)
    assert.notStrictEqual(missing.code, 0)
    assert.include(missing.stderr, "BatchNotFound")
    const noKey = await run("results.mts", ["batch_x"], { OPENAI_BASE_URL: env.OPENAI_BASE_URL! })
    assert.notStrictEqual(noKey.code, 0)
    assert.include(noKey.stderr, "OPENAI_API_KEY is not set")
  })

  it("its install line names the peer ranges the packages declare", () => {
    const [install] = blocks("Use it", "sh")
    const openai = JSON.parse(readFileSync(join(root, "packages/openai/package.json"), "utf8")) as {
      peerDependencies: Record<string, string>
    }
    for (const [name, range] of Object.entries(openai.peerDependencies)) {
      assert.include(install, `${name}@${range}`, `${name} ${range}`)
    }
    // Every package the examples import is installed by name, not left to hoisting.
    const installed = new Set(install!.split(/\s+/).map((word) => word.replace(/(?<=.)@.*$/, "")))
    const imported = blocks("Use it", "ts").flatMap((code) =>
      [...code.matchAll(/from "((?:@[^/"]+\/)?[^/"]+)[^"]*"/g)].map((m) => m[1]!)
    )
    assert.isAbove(imported.length, 3)
    for (const name of imported)
      if (!name.startsWith("node:")) assert.isTrue(installed.has(name), `${name} is imported but not installed`)
  })

  it("every README's install lines name the exact peer ranges of the packages they install", () => {
    const manifests = new Map<
      string,
      { peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> }
    >()
    for (const dir of [
      ...["packages", "apps"].flatMap((d) => readdirSync(join(root, d)).map((name) => join(d, name))),
      "conformance"
    ]) {
      const file = join(root, dir, "package.json")
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name: string } & Parameters<typeof manifests.set>[1]
        manifests.set(pkg.name, pkg)
      }
    }
    const readmes = [
      ...["packages", "apps"].flatMap((d) => readdirSync(join(root, d)).map((name) => join(d, name, "README.md"))),
      "conformance/README.md",
      "README.md"
    ]
    let lines = 0
    for (const readmeFile of readmes.filter((f) => existsSync(join(root, f)))) {
      for (const install of readFileSync(join(root, readmeFile), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("npm install"))) {
        lines++
        const words = install
          .split(/\s+/)
          .slice(2)
          .filter((w) => !w.startsWith("-"))
        const named = new Map(words.map((w) => [w.replace(/(?<=.)@.*$/, ""), w.match(/(?<=.)@(.*)$/)?.[1]] as const))
        for (const name of named.keys()) {
          for (const [peer, range] of Object.entries(manifests.get(name)?.peerDependencies ?? {})) {
            if (peer.startsWith("@batchctl/") || manifests.get(name)?.peerDependenciesMeta?.[peer]?.optional === true)
              continue
            assert.isTrue(
              named.has(peer),
              `${readmeFile}: ${name} needs ${peer}@${range}, which "${install}" leaves out`
            )
            assert.strictEqual(named.get(peer), range, `${readmeFile}: ${peer} in "${install}"`)
          }
        }
      }
    }
    assert.isAtLeast(lines, 9)
  })

  it("its settings table lists every variable each adapter reads", () => {
    const adapters = {
      OpenAiBatches,
      AnthropicBatches,
      MoonshotBatches,
      TogetherBatches,
      RespanBatches,
      MeshApiBatches,
      MistralBatches,
      GeminiBatches,
      AzureOpenAiBatches,
      GroqBatches,
      XaiBatches
    }
    const table = readme.slice(readme.indexOf("### Settings"), readme.indexOf("### Against the emulator"))
    for (const [name, adapter] of Object.entries(adapters)) {
      for (const { variable } of adapter.variables) assert.include(table, `\`${variable}\``, `${name} ${variable}`)
    }
    // And nothing in it that no adapter reads.
    const read = new Set(
      Object.values(adapters).flatMap((adapter) => adapter.variables.map(({ variable }) => variable))
    )
    const listed = [...table.matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`/g)].map((m) => m[1]!)
    assert.isAbove(listed.length, 20)
    for (const variable of listed)
      assert.isTrue(read.has(variable), `${variable} is in the table but no adapter reads it`)
  })

  it("every published package builds before it is packed (prepack), so a tarball without dist cannot be published", () => {
    const dirs = [
      ...["packages", "apps"].flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(dir, name))),
      "conformance"
    ]
    for (const dir of dirs) {
      const manifest = join(root, dir, "package.json")
      if (!existsSync(manifest)) continue
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as {
        name: string
        private?: boolean
        scripts?: Record<string, string>
      }
      if (pkg.private === true) continue
      const prepack = pkg.scripts?.prepack
      // The CLI's bundler deletes dist before it writes it; every other package goes through the checked build.
      const script = prepack?.startsWith("node ") === true ? resolve(root, dir, prepack.slice(5)) : undefined
      assert.isTrue(
        script === join(root, "scripts", "prepack.mjs") ||
          (script === join(root, dir, "build.mjs") && readFileSync(script, "utf8").includes("rmSync(outdir")),
        `${pkg.name}: prepack is ${String(prepack)}`
      )
    }
  })

  it("prepack rebuilds a dist deleted behind tsc's back, and fails a package whose exports name a file it does not build", async () => {
    const dir = join(work, "prepack")
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(join(dir, "src"), { recursive: true })
    const manifest = (extra: Record<string, string>) => ({
      name: "prepack-probe",
      type: "module",
      publishConfig: {
        exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./*": "./dist/*.js", ...extra }
      }
    })
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest({})))
    writeFileSync(
      join(dir, "tsconfig.build.json"),
      JSON.stringify({
        compilerOptions: {
          composite: true,
          rootDir: "src",
          outDir: "dist",
          tsBuildInfoFile: ".tsbuildinfo/build.tsbuildinfo",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          types: [],
          skipLibCheck: true
        },
        include: ["src"]
      })
    )
    writeFileSync(join(dir, "src", "index.ts"), "export const a = 1\n")
    writeFileSync(join(dir, "src", "Extra.ts"), "export const b = 2\n")
    const prepack = () =>
      new Promise<{ code: number; stderr: string }>((done) => {
        execFile(process.execPath, [join(root, "scripts", "prepack.mjs")], { cwd: dir }, (error, _stdout, stderr) =>
          done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stderr })
        )
      })
    assert.strictEqual((await prepack()).code, 0)
    assert.isTrue(existsSync(join(dir, "dist", "Extra.js")))
    // The build info stays, dist goes: plain `tsc -b` would say "up to date" and emit nothing.
    rmSync(join(dir, "dist"), { recursive: true })
    assert.strictEqual((await prepack()).code, 0)
    for (const file of ["index.js", "index.d.ts", "Extra.js"]) assert.isTrue(existsSync(join(dir, "dist", file)), file)
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest({ "./cli": "./dist/cli.js" })))
    const refused = await prepack()
    assert.strictEqual(refused.code, 1)
    assert.include(refused.stderr, "./dist/cli.js")
  }, 60_000)

  it("names only packages and files that exist", () => {
    const dirs = [
      ...["packages", "apps"].flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name))),
      join(root, "conformance")
    ]
    const packages = new Set(
      dirs.flatMap((dir) => {
        const manifest = join(dir, "package.json")
        return existsSync(manifest) ? [(JSON.parse(readFileSync(manifest, "utf8")) as { name: string }).name] : []
      })
    )
    for (const file of [
      "README.md",
      ...["core", "openai", "anthropic", "emulator"].map((p) => `packages/${p}/README.md`)
    ]) {
      const text = readFileSync(join(root, file), "utf8")
      for (const [, name] of text.matchAll(/`(@batchctl\/[a-z-]+)`/g))
        assert.isTrue(packages.has(name!), `${file} names ${name}`)
      for (const [, link] of text.matchAll(/\]\(((?!https?:|#)[^)]+)\)/g)) {
        assert.isTrue(existsSync(resolve(root, dirname(file), link!.split("#")[0]!)), `${file} links ${link}`)
      }
    }
  })
})
