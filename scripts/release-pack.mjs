// Packs every published package (release-packages.mjs) with `pnpm pack`, as `pnpm publish` would: its
// prepack builds it, `workspace:` ranges become versions, publishConfig applies. Returns, per package,
// its name, directory and tarball.
import { execFile } from "node:child_process"
import { mkdirSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { publishedPackages, root } from "./release-packages.mjs"

/** The file name `npm pack` gives a package's tarball. */
export const tarballName = (name, version) => `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`

/** Asynchronous, so that a test runner's worker keeps answering while it packs (one package at a time). */
export const packAll = async (destination) => {
  mkdirSync(destination, { recursive: true })
  const pnpm = join(root, "node_modules", ".bin", "pnpm")
  const packed = []
  for (const { dir, manifest } of publishedPackages()) {
    await new Promise((resolve, reject) =>
      execFile(
        pnpm,
        ["pack", "--pack-destination", destination],
        {
          cwd: join(root, dir),
          env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
          timeout: 300_000,
          maxBuffer: 64 * 1024 * 1024
        },
        (error, _stdout, stderr) =>
          error === null
            ? resolve()
            : reject(new Error(`${manifest.name}: pnpm pack failed: ${error.message}\n${stderr}`))
      )
    )
    const file = tarballName(manifest.name, manifest.version)
    if (!readdirSync(destination).includes(file)) throw new Error(`${manifest.name}: pnpm pack wrote no ${file}`)
    packed.push({ name: manifest.name, dir, manifest, tarball: join(destination, file) })
  }
  return packed
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const { name, tarball } of await packAll(process.argv[2] ?? join(root, "release", ".packs")))
    console.log(name, tarball)
}
