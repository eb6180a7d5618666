/**
 * Every published package (any non-private workspace package, found from pnpm-workspace.yaml) is packed
 * as `pnpm publish` would pack it, and its tarball passes publint (strict, suggestions included) and
 * Are The Types Wrong (ESM-only profile, every top-level module an entry point); its manifest carries
 * what people look for on its registry page; its README says how to install it; its @since tags and
 * src/version.ts agree with its version. Offline: nothing here reaches a registry.
 */
import * as attw from "@arethetypeswrong/core"
import { execFileSync, spawnSync } from "node:child_process"
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { publint } from "publint"
import { formatMessage } from "publint/utils"
import { beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error: plain JavaScript
import { packAll } from "../../scripts/release-pack.mjs"
// @ts-expect-error: plain JavaScript
import { publishedPackages, root } from "../../scripts/release-packages.mjs"

interface Packed {
  readonly name: string
  readonly dir: string
  readonly tarball: string
  readonly manifest: Record<string, unknown> & { readonly name: string; readonly version: string }
}

const packs = fileURLToPath(new URL("../.packs", import.meta.url))
const ignored: ReadonlyArray<string> = ["node10", "node16-cjs"]
const published: ReadonlyArray<{ dir: string; manifest: { name: string } }> = publishedPackages()
let packed: ReadonlyArray<Packed> = []

const files = (tarball: string): ReadonlyArray<string> =>
  execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => line.replace(/^package\//, ""))

beforeAll(async () => {
  rmSync(packs, { recursive: true, force: true })
  packed = await packAll(packs)
})

describe("published packages", () => {
  it("are found without a list: every non-private workspace package, the CLI and the providers among them", () => {
    const names = published.map((p) => p.manifest.name)
    expect(names).toContain("batchctl")
    expect(names).toContain("@batchctl/core")
    expect(names).toContain("@batchctl/openai")
    expect(names).not.toContain("@batchctl/docs")
    expect(names).not.toContain("@batchctl/release")
  })

  it.each(published.map((p) => [p.manifest.name, p.dir]))("%s has what its registry page needs", (name, dir) => {
    const m = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"))
    expect(m.description, `${name}: description`).toMatch(/^.{20,}$/)
    expect(Array.isArray(m.keywords) && m.keywords.length >= 3, `${name}: keywords`).toBe(true)
    expect(m.license).toBe("MIT")
    expect(m.repository).toEqual({ type: "git", url: "git+https://github.com/batchctl/batchctl.git", directory: dir })
    expect(m.homepage).toBe(`https://github.com/batchctl/batchctl/tree/main/${dir}#readme`)
    expect(m.bugs).toEqual({ url: "https://github.com/batchctl/batchctl/issues" })
    expect(m.engines?.node, `${name}: engines.node`).toMatch(/^>=20/)
    expect(m.sideEffects === false || Array.isArray(m.sideEffects), `${name}: sideEffects`).toBe(true)
    expect(m.publishConfig?.access, `${name}: publishConfig.access`).toBe("public")
    const readme = readFileSync(join(root, dir, "README.md"), "utf8")
    const install = readme.split("\n").find((line) => /^(npm install|npx) /.test(line) && line.includes(name))
    expect(install, `${name}: its README has an install line (npm install ${name} …)`).toBeDefined()
  })

  it("each tarball carries its README, LICENSE and what its exports and bin name, and no tests", () => {
    for (const { name, tarball, manifest } of packed) {
      const list = files(tarball)
      expect(list, name).toContain("README.md")
      expect(list, name).toContain("LICENSE")
      expect(list, name).toContain("package.json")
      expect(
        list.filter((f) => f.startsWith("test/") || f.includes(".test.")),
        name
      ).toEqual([])
      const shipped = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }))
      expect(JSON.stringify(shipped), `${name}: no workspace: ranges`).not.toContain("workspace:")
      expect(shipped.version).toBe(manifest.version)
    }
  })

  it("pass publint, strict, with suggestions", async () => {
    const found: Array<string> = []
    for (const { name, tarball } of packed) {
      const bytes = readFileSync(tarball)
      const { messages, pkg } = await publint({
        pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer },
        strict: true,
        level: "suggestion"
      })
      for (const m of messages) found.push(`${name}: ${m.type}: ${formatMessage(m, pkg) ?? m.code}`)
    }
    expect(found).toEqual([])
  })

  it("pass Are The Types Wrong (ESM-only: node16 from ESM and bundlers; every top-level module an entry point)", async () => {
    const found: Array<string> = []
    for (const { name, tarball, manifest } of packed) {
      if (
        (manifest.publishConfig as { exports?: unknown } | undefined)?.exports === undefined &&
        manifest.exports === undefined
      ) {
        // The CLI: a bundled command, nothing to import.
        expect(manifest.bin, `${name}: neither exports nor bin`).toBeDefined()
        continue
      }
      const modules = files(tarball)
        .filter((f) => /^dist\/[^/]+\.d\.ts$/.test(f) && f !== "dist/index.d.ts")
        .map((f) => `./${f.slice(5, -5)}`)
      const analysis = await attw.checkPackage(
        attw.createPackageFromTarballData(new Uint8Array(readFileSync(tarball))),
        {
          includeEntrypoints: modules
        }
      )
      if (!analysis.types) {
        found.push(`${name}: no types`)
        continue
      }
      // What `attw --profile esm-only` ignores: CommonJS resolution (the packages are ES modules only).
      for (const problem of analysis.problems) {
        if ("resolutionKind" in problem && ignored.includes(problem.resolutionKind)) continue
        found.push(`${name}: ${JSON.stringify(problem)}`)
      }
      expect(Object.keys(analysis.entrypoints), name).toEqual(expect.arrayContaining([".", ...modules]))
    }
    expect(found).toEqual([])
  })

  it("@since tags name versions that exist, and src/version.ts says each package's version", () => {
    for (const script of ["since-tags.mjs", "versions.mjs"]) {
      const result = spawnSync(process.execPath, [join(root, "scripts", script), "--check"], { encoding: "utf8" })
      expect(result.status, result.stderr).toBe(0)
    }
  })
})
