#!/usr/bin/env node
// The `prepack` of every published package built with tsc: builds the package, then checks that what its
// published `exports` (and `bin`) name is on disk, so that `npm pack` / `changeset publish` can never ship a
// tarball without its `dist`.
//
// `tsc -b` trusts its .tsbuildinfo: with `dist` deleted and the build info kept it says "up to date" and
// emits nothing. A missing output is therefore built again with `--force`; a package that still lacks one
// fails the pack, naming the files.
//
// It also copies the root LICENSE into the package, so that every tarball carries it (the copies are
// ignored by git; the CLI, bundled by its own build, keeps a committed copy).
import { execFileSync } from "node:child_process"
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"

const dir = process.cwd()
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))

/** Every file path an exports map (or bin) names; `*` targets expanded over the top-level modules of src. */
const targets = (value) => {
  if (typeof value === "string") return [value]
  if (value === null || typeof value !== "object") return []
  return Object.values(value).flatMap(targets)
}
const modules = existsSync(join(dir, "src"))
  ? readdirSync(join(dir, "src"))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
      .map((f) => f.slice(0, -3))
  : []
const published = { ...manifest, ...manifest.publishConfig }
const expected = [
  ...targets(published.exports).filter((path) => path.startsWith("./") && path !== "./package.json"),
  ...targets(published.bin).map((path) => (path.startsWith("./") ? path : `./${path}`))
]
  // A `*` target is checked for each top-level module of src (`./*` → `./dist/*.js`); a pattern under a
  // subdirectory is left to the build.
  .flatMap((path) =>
    !path.includes("*")
      ? [path]
      : path.indexOf("*") === path.lastIndexOf("/") + 1 && path.split("/").length === 3
        ? modules.map((name) => path.replace("*", name))
        : []
  )
const missing = () => expected.filter((path) => !existsSync(join(dir, path)))

const build = (...extra) => {
  try {
    execFileSync(process.execPath, [tsc, "-b", "tsconfig.build.json", ...extra], { cwd: dir, stdio: "inherit" })
  } catch {
    console.error(`${manifest.name}: prepack: the build failed (tsc -b tsconfig.build.json ${extra.join(" ")})`)
    process.exit(1)
  }
}

copyFileSync(join(import.meta.dirname, "..", "LICENSE"), join(dir, "LICENSE"))
build()
if (missing().length > 0) build("--force")
const still = missing()
if (still.length > 0) {
  console.error(
    `${manifest.name}: prepack built the package, but these files its exports name are missing: ${still.join(", ")}`
  )
  process.exit(1)
}
