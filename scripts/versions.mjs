#!/usr/bin/env node
// Writes each published package's version into src/version.ts, so that the user agent says which
// release sent a request without importing package.json at run time (JSON modules warn on Node 20).
// Runs after `changeset version`; `--check` fails when a file is out of date (a test runs it).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const check = process.argv.includes("--check")
const stale = []
for (const dir of readdirSync(join(root, "packages"))) {
  const manifest = join(root, "packages", dir, "package.json")
  const target = join(root, "packages", dir, "src", "version.ts")
  if (!existsSync(manifest) || !existsSync(target)) continue
  const { name, version } = JSON.parse(readFileSync(manifest, "utf8"))
  const current = readFileSync(target, "utf8")
  // The @since tag is scripts/since-tags.mjs's to set: kept as it is.
  const since = /@since (\S+)/.exec(current)?.[1] ?? version
  const text = `/**\n * The version of ${name}, written by scripts/versions.mjs from its package.json.\n *\n * @since ${since}\n */\nexport const version = "${version}"\n`
  if (current === text) continue
  if (check) stale.push(`${target} (${name}@${version})`)
  else writeFileSync(target, text)
}
if (stale.length > 0) {
  console.error(`out of date, run node scripts/versions.mjs:\n  ${stale.join("\n  ")}`)
  process.exit(1)
}
