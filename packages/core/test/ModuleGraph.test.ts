/**
 * The spec imports no HTTP: `BatchProvider` (the service every adapter implements and every caller uses)
 * reaches no `@effect/platform` module through its value imports, so its contract is independent of the
 * transport. Walks the sources' import statements (type-only imports are erased and not followed).
 */
import { readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src")

/** Every module a source file loads at run time: relative ones followed, packages listed. */
const valueImports = (entry: string) => {
  const files = new Set<string>()
  const packages = new Set<string>()
  const walk = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    const text = readFileSync(file, "utf8")
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+"([^"]+)"/gm)) {
      if (m[1] !== undefined) continue
      const names = m[2] ?? ""
      // `import { type A, type B } from` is erased too.
      if (
        /^\{[^}]*\}$/.test(names) &&
        names
          .slice(1, -1)
          .split(",")
          .every((n) => /^\s*(type\s|$)/.test(n))
      )
        continue
      const spec = m[3] as string
      if (spec.startsWith(".")) walk(resolve(dirname(file), spec.replace(/\.js$/, ".ts")))
      else packages.add(spec)
    }
  }
  walk(join(src, entry))
  return { files, packages: [...packages] }
}

describe("module graph", () => {
  it("BatchProvider (the spec) loads no @effect/platform module", () => {
    const { packages, files } = valueImports("BatchProvider.ts")
    expect(files.size).toBeGreaterThan(3)
    expect(packages.filter((p) => p.startsWith("@effect/platform"))).toEqual([])
  })

  it("the walk sees HTTP where it is: VendorHttp loads @effect/platform", () => {
    expect(valueImports("VendorHttp.ts").packages.some((p) => p.startsWith("@effect/platform"))).toBe(true)
  })
})
