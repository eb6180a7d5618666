import { version } from "@batchctl/core"
import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

describe("version", () => {
  it("is the package.json version, and every package's src/version.ts is up to date", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string
    }
    assert.strictEqual(version, manifest.version)
    // Throws (exit 1) when a version.ts is stale after `changeset version`.
    execFileSync(process.execPath, [
      fileURLToPath(new URL("../../../scripts/versions.mjs", import.meta.url)),
      "--check"
    ])
  })
})
