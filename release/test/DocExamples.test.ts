/**
 * The examples in doc comments typecheck: every ```ts block in a `/** … *\/` comment of a published
 * package's sources is written out as a module of its own and checked by tsc (strict, NodeNext) against
 * the packages' sources, as a user's file would import them by name. An example is a whole module: it
 * imports what it uses.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"
// @ts-expect-error: plain JavaScript
import { publishedPackages, root } from "../../scripts/release-packages.mjs"

const work = fileURLToPath(new URL("../.work/examples", import.meta.url))
const packages: ReadonlyArray<{ dir: string; manifest: { name: string; exports?: Record<string, unknown> } }> =
  publishedPackages()

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : []
  })

/** Every ```ts block inside a doc comment, with the comment's ` * ` margins taken off. */
const examples = (file: string): ReadonlyArray<string> =>
  [...readFileSync(file, "utf8").matchAll(/\/\*\*[\s\S]*?\*\//g)].flatMap((comment) =>
    [...comment[0].matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)].map((m) =>
      m[1]!
        .split("\n")
        .map((line) => line.replace(/^\s*\* ?/, ""))
        .join("\n")
    )
  )

it("every ```ts example in a doc comment typechecks as a module of its own", async () => {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const written: Array<string> = []
  for (const { dir } of packages) {
    const src = join(root, dir, "src")
    if (!existsSync(src)) continue
    for (const file of sources(src)) {
      examples(file).forEach((code, n) => {
        const name = `${relative(root, file).replace(/[/\\.]/g, "_")}_${n}.mts`
        writeFileSync(join(work, name), `${code}\nexport {}\n`)
        written.push(name)
      })
    }
  }
  expect(written.length, "the conformance package's doc comment has an example").toBeGreaterThan(0)
  // Each package by name, at its sources (what its `exports` point at in the repository).
  const paths: Record<string, Array<string>> = {}
  for (const { dir, manifest } of packages) {
    const main = join(root, dir, "src", "index.ts")
    if (existsSync(main)) paths[manifest.name] = [main]
  }
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
        allowImportingTsExtensions: true,
        types: ["node"],
        typeRoots: [join(root, "node_modules", "@types")],
        paths
      },
      include: ["*.mts"]
    })
  )
  const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc")
  const result = await new Promise<{ code: number; out: string }>((done) =>
    execFile(process.execPath, [tsc, "-p", work], { cwd: work, timeout: 240_000 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : 1, out: stdout + stderr })
    )
  )
  expect(result.out, written.join(", ")).toBe("")
  expect(result.code).toBe(0)
}, 300_000)
