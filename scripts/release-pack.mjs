// Packs every published package (release-packages.mjs) with `pnpm pack`, as `pnpm publish` would: its
// prepack builds it, `workspace:` ranges become versions, publishConfig applies. Returns, per package,
// its name, directory and tarball.
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { publishedPackages, root } from "./release-packages.mjs"

/** The file name `npm pack` gives a package's tarball. */
export const tarballName = (name, version) => `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`

export const packAll = (destination) => {
  mkdirSync(destination, { recursive: true })
  const pnpm = join(root, "node_modules", ".bin", "pnpm")
  return publishedPackages().map(({ dir, manifest }) => {
    execFileSync(pnpm, ["pack", "--pack-destination", destination], {
      cwd: join(root, dir),
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" }
    })
    const file = tarballName(manifest.name, manifest.version)
    if (!readdirSync(destination).includes(file)) throw new Error(`${manifest.name}: pnpm pack wrote no ${file}`)
    return { name: manifest.name, dir, manifest, tarball: join(destination, file) }
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const { name, tarball } of packAll(process.argv[2] ?? join(root, "release", ".packs"))) console.log(name, tarball)
}
