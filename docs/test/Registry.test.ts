/**
 * The provider registry (`conformance/src/Registry.ts`) is the one list of providers. What can import
 * it does (the CLI, the conformance suite; a `Record` over its ids makes a missing adapter a type
 * error there). This test covers the places that cannot: each must name every registered provider,
 * and name none the registry does not know.
 */
import { describe, expect, it } from "@effect/vitest"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Registry from "../../conformance/src/Registry.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const read = (path: string) => readFileSync(join(root, path), "utf8")
const json = (path: string): Record<string, unknown> => JSON.parse(read(path)) as Record<string, unknown>
const devDependencies = (path: string) => Object.keys((json(path).devDependencies ?? {}) as Record<string, string>)

/** The workspace packages that are not providers. */
const notProviders = new Set(["core", "openai-compatible", "emulator"])

describe("provider registry", () => {
  it("has unique ids, packages and namespaces", () => {
    for (const key of ["id", "package", "namespace", "envPrefix"] as const) {
      const values = Registry.entries.map((e) => e[key])
      expect(new Set(values).size, key).toBe(values.length)
    }
  })

  it.each(Registry.entries.map((e) => [e.id, e] as const))(
    "%s has its package, fixtures and emulator profile",
    (_, e) => {
      const manifest = json(`packages/${e.directory}/package.json`)
      expect(manifest.name).toBe(e.package)
      expect(read(`packages/${e.directory}/src/index.ts`)).toContain(e.namespace)
      expect(existsSync(join(root, "conformance", "fixtures", e.id)), `conformance/fixtures/${e.id}`).toBe(true)
      // One emulator profile per vendor (packages/emulator/PROFILE.md).
      expect(
        existsSync(join(root, "packages", "emulator", "src", "profiles", `${e.id}.ts`)),
        `emulator profile ${e.id}`
      ).toBe(true)
    }
  )

  it("every provider package under packages/ is registered", async () => {
    const { readdirSync } = await import("node:fs")
    const dirs = readdirSync(join(root, "packages")).filter(
      (d) => !notProviders.has(d) && existsSync(join(root, "packages", d, "package.json"))
    )
    expect(dirs.sort()).toEqual(Registry.entries.map((e) => e.directory).sort())
  })

  const mentions = (text: string, pattern: (e: Registry.Entry) => string) =>
    Registry.entries.filter((e) => !text.includes(pattern(e))).map((e) => e.id)

  it("scripts/selective-install.mjs packs and smoke-tests every provider", () => {
    const text = read("scripts/selective-install.mjs")
    expect(mentions(text, (e) => `"${e.directory}"`)).toEqual([])
    expect(mentions(text, (e) => `mod: "${e.namespace}"`)).toEqual([])
  })

  it("the e2e tests run every provider against the emulator", () => {
    // Whitespace-insensitive: the formatter may break an entry over lines.
    const text = read("e2e/test/Adapters.test.ts").replace(/\s+/g, " ")
    expect(mentions(text, (e) => `{ provider: "${e.id}", layer: ${e.namespace}.layer`)).toEqual([])
  })

  it("the README's examples and tables name every provider", () => {
    const text = read("README.md")
    expect(mentions(text, (e) => `| [\`${e.package}\`](packages/${e.directory}) |`)).toEqual([])
    expect(
      mentions(text, (e) => `| \`${e.package}\` | \`${e.envPrefix}_API_KEY\` | \`${e.envPrefix}_BASE_URL\` |`)
    ).toEqual([])
    expect(mentions(read("docs/test/Readme.test.ts"), (e) => `import { ${e.namespace} } from "${e.package}"`)).toEqual(
      []
    )
  })

  it("the bench measures every provider's bundle", () => {
    const text = read("bench/src/main.ts")
    expect(mentions(text, (e) => `{ pkg: "${e.directory}", ns: "${e.namespace}"`)).toEqual([])
  })

  it("the CLI, e2e and docs packages depend on every provider package", () => {
    for (const manifest of ["apps/cli/package.json", "e2e/package.json", "docs/package.json"]) {
      const deps = devDependencies(manifest)
      expect(
        Registry.entries.filter((e) => !deps.includes(e.package)).map((e) => e.id),
        manifest
      ).toEqual([])
    }
  })

  it("no hand-kept list names a provider the registry does not know", () => {
    const known = new Set<string>(Registry.entries.map((e) => e.package))
    for (const manifest of ["apps/cli/package.json", "e2e/package.json", "docs/package.json"]) {
      const extra = devDependencies(manifest).filter(
        (d) =>
          d.startsWith("@batchctl/") &&
          !known.has(d) &&
          !["core", "emulator", "conformance", "openai-compatible", "console"].includes(d.slice(10))
      )
      expect(extra, manifest).toEqual([])
    }
  })
})
