#!/usr/bin/env node
// `npm run batchctl -- …` and `npm run demo` from the repository root: builds dist/ when it is
// missing or older than any source it bundles, then runs dist/bin.js with the same arguments.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, "..", "..")
const stamp = join(here, "dist", "help.json") // written last by build.mjs

const newest = (path) => {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let max = stat.mtimeMs
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue
    max = Math.max(max, newest(join(path, entry.name)))
  }
  return max
}

const sources = () => [
  join(here, "src"),
  join(here, "build.mjs"),
  join(here, "package.json"),
  join(root, "conformance", "src"),
  join(root, "conformance", "fixtures"),
  join(root, "conformance", "expectations.json"),
  ...readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "src"))
]

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0
if (built === 0 || sources().some((s) => newest(s) > built)) {
  if (process.env.BATCHCTL_QUIET_BUILD === undefined) console.error("batchctl: building the CLI bundle…")
  execFileSync(process.execPath, [join(here, "build.mjs")], { cwd: here, stdio: ["ignore", process.stderr, "inherit"] })
}
await import(pathToFileURL(join(here, "dist", "bin.js")).href)
