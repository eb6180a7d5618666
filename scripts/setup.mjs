#!/usr/bin/env node
// Installs the workspace when it is missing or stale, on a machine that has only Node 20 and npm.
// pnpm comes from the npm registry through npx the first time, then from the workspace itself
// (it is a root devDependency), so nothing is installed globally.
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const quiet = process.argv.includes("--quiet")
const lockfile = join(root, "pnpm-lock.yaml")
const installed = join(root, "node_modules", ".pnpm", "lock.yaml")
const read = (file) => (existsSync(file) ? readFileSync(file, "utf8") : undefined)

if (read(lockfile) !== undefined && read(lockfile) === read(installed)) process.exit(0)

const PNPM_VERSION = JSON.parse(read(join(root, "package.json"))).packageManager.split("@")[1]
const localPnpm = join(root, "node_modules", ".bin", "pnpm")
const args = ["install", "--frozen-lockfile", "--prefer-offline", ...(quiet ? ["--reporter=silent"] : [])]
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" }
if (!quiet) console.error(`batchctl: installing the workspace with pnpm ${PNPM_VERSION}…`)
if (existsSync(localPnpm)) {
  execFileSync(localPnpm, args, { cwd: root, stdio: "inherit", env })
} else {
  execFileSync("npx", ["--yes", `pnpm@${PNPM_VERSION}`, ...args], { cwd: root, stdio: "inherit", env })
}
