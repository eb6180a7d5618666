// The workspace's published packages, found the way pnpm finds them (the globs of pnpm-workspace.yaml),
// so that a package added under packages/ is picked up by every release script and test without a list.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

export const root = join(import.meta.dirname, "..")

/** The directories (relative to the root) that pnpm-workspace.yaml's `packages:` globs name. */
export const workspaceDirs = () => {
  const yaml = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8")
  const block = yaml.slice(yaml.indexOf("packages:")).split(/\n(?=\S)/)[0]
  const globs = [...block.matchAll(/^\s+-\s+["']?([^"'\s]+)["']?\s*$/gm)].map((m) => m[1])
  return globs
    .flatMap((glob) => {
      if (!glob.endsWith("/*")) return [glob]
      const parent = glob.slice(0, -2)
      return readdirSync(join(root, parent), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${parent}/${entry.name}`)
    })
    .filter((dir) => existsSync(join(root, dir, "package.json")))
}

/** Every workspace package that is not private: `{ dir, manifest }`, sorted by name. */
export const publishedPackages = () =>
  workspaceDirs()
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) }))
    .filter(({ manifest }) => manifest.private !== true)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name))

/** The bump each package gets from the changesets waiting in .changeset/ (the largest one). */
export const pendingBumps = () => {
  const order = ["patch", "minor", "major"]
  const bumps = new Map()
  const dir = join(root, ".changeset")
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".md") && f !== "README.md")) {
    const text = readFileSync(join(dir, file), "utf8")
    const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? ""
    for (const [, name, bump] of front.matchAll(/^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/gm)) {
      if (order.indexOf(bump) > order.indexOf(bumps.get(name) ?? "none")) bumps.set(name, bump)
    }
  }
  return bumps
}

/** `version` raised by `bump` as changesets (semver.inc) does it. */
export const increment = (version, bump) => {
  const [major, minor, patch] = version.split("-")[0].split(".").map(Number)
  if (bump === "major") return `${major + 1}.0.0`
  if (bump === "minor") return `${major}.${minor + 1}.0`
  if (bump === "patch") return `${major}.${minor}.${patch + 1}`
  return version
}

/** Compares two x.y.z versions. */
export const compare = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number))
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
}
