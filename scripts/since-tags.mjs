#!/usr/bin/env node
// Makes every `@since` tag in the sources of a published package name a version of that package that
// exists: one its CHANGELOG.md lists (released), or the one its waiting changesets will cut (its version
// in package.json raised by the largest bump in .changeset/; after `changeset version`, that is the
// version itself). A tag naming no such version moves to the first one at or after it, else to the
// coming version: an API written "@since 0.4.0" on a package whose first release is 0.1.0 ships in 0.1.0.
// Mechanical and re-runnable: run it after merging branches and after `changeset version`.
// `--check` changes nothing and fails listing what it would change (the release test runs it).
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs"
import { join, relative } from "node:path"
import { compare, increment, pendingBumps, publishedPackages, root } from "./release-packages.mjs"

const check = process.argv.includes("--check")
const bumps = pendingBumps()
const wrong = []
let changed = 0

const sources = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(path)
    return /\.(m|c)?tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : []
  })

for (const { dir, manifest } of publishedPackages()) {
  const src = join(root, dir, "src")
  if (!existsSync(src)) continue
  const changelog = join(root, dir, "CHANGELOG.md")
  const released = existsSync(changelog)
    ? [...readFileSync(changelog, "utf8").matchAll(/^## (\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1])
    : []
  const coming = increment(manifest.version, bumps.get(manifest.name))
  const valid = [...new Set([...released, coming])].sort(compare)
  const fix = (tag) => (valid.includes(tag) ? tag : (valid.find((v) => compare(v, tag) >= 0) ?? coming))
  for (const file of sources(src)) {
    const text = readFileSync(file, "utf8")
    const next = text.replace(/(@since\s+)(\d+\.\d+\.\d+)/g, (all, prefix, tag) => {
      const to = fix(tag)
      if (to === tag) return all
      wrong.push(`${relative(root, file)}: @since ${tag} → ${to} (${manifest.name})`)
      return `${prefix}${to}`
    })
    if (next !== text && !check) {
      writeFileSync(file, next)
      changed++
    }
  }
}
if (check && wrong.length > 0) {
  console.error(
    `@since tags that name no version of their package (run node scripts/since-tags.mjs):\n  ${wrong.join("\n  ")}`
  )
  process.exit(1)
}
if (!check) console.log(`since-tags: ${wrong.length} tags in ${changed} files`)
