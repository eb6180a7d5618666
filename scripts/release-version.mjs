#!/usr/bin/env node
// `npm run changeset-version`: cuts a release from the changesets waiting in .changeset/.
//
// 1. `changeset version` bumps versions and writes each package's CHANGELOG.md.
// 2. Pre-1.0 rule (CONTRIBUTING.md): nothing reaches 1.0.0 unless a changeset says `major` for it.
//    changesets bumps a package to the next major when a peer dependency of it gets a minor (here:
//    @batchctl/conformance, whose optional peers are the adapters), which on 0.x would jump to 1.0.0;
//    such a bump is brought back to a minor (0.x → 0.x+1), in package.json and the CHANGELOGs.
// 3. scripts/versions.mjs writes each version into src/version.ts; scripts/since-tags.mjs makes the
//    @since tags name versions that exist; the lockfile is updated.
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync, existsSync } from "node:fs"
import { join } from "node:path"
import { increment, pendingBumps, publishedPackages, root } from "./release-packages.mjs"

const bin = join(root, "node_modules", ".bin")
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" })

const before = new Map(publishedPackages().map(({ manifest }) => [manifest.name, manifest.version]))
const bumps = pendingBumps()
run(join(bin, "changeset"), ["version"])

const capped = []
for (const { dir, manifest } of publishedPackages()) {
  const old = before.get(manifest.name)
  if (
    old === undefined ||
    !old.startsWith("0.") ||
    manifest.version.startsWith("0.") ||
    bumps.get(manifest.name) === "major"
  )
    continue
  const to = increment(old, "minor")
  capped.push([manifest.name, manifest.version, to])
  const file = join(root, dir, "package.json")
  writeFileSync(file, readFileSync(file, "utf8").replace(`"version": "${manifest.version}"`, `"version": "${to}"`))
}
for (const [name, from, to] of capped) {
  console.log(`pre-1.0: ${name} ${from} → ${to} (a peer's minor, not a major changeset)`)
  for (const { dir, manifest } of publishedPackages()) {
    const changelog = join(root, dir, "CHANGELOG.md")
    if (!existsSync(changelog)) continue
    let text = readFileSync(changelog, "utf8").replaceAll(`${name}@${from}`, `${name}@${to}`)
    if (manifest.name === name) text = text.replace(`\n## ${from}\n`, `\n## ${to}\n`)
    writeFileSync(changelog, text)
  }
}

run(process.execPath, [join(root, "scripts", "versions.mjs")])
run(process.execPath, [join(root, "scripts", "since-tags.mjs")])
run(join(bin, "pnpm"), ["install", "--lockfile-only", "--silent"])
