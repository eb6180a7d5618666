/**
 * The release, rehearsed against a real registry (`scripts/release-rehearse.mjs --quick`): verdaccio on
 * loopback, the project's publish command, an install by name in an empty folder, the README's Effect
 * example against the published CLI's emulator, then a patch of one provider that moves nothing else.
 * `npm run release:rehearse` runs the whole of it (the Promise example and `npx batchctl demo` too).
 */
import { execFile } from "node:child_process"
import { join } from "node:path"
import { expect, it } from "vitest"
// @ts-expect-error: plain JavaScript
import { root } from "../../scripts/release-packages.mjs"

it("publishes to a local registry, installs by name, runs the README, and patches one provider alone", async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(
      process.execPath,
      [join(root, "scripts", "release-rehearse.mjs"), "--quick"],
      { cwd: root, timeout: 540_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => done({ code: error === null ? 0 : 1, stdout, stderr })
    )
  )
  expect(code, `${stdout}\n${stderr}`).toBe(0)
  expect(stdout).toMatch(/published \d+ packages: .*@batchctl\/core@/)
  expect(stdout).toContain("installed @batchctl/openai @batchctl/core")
  expect(stdout).toContain("first: 'cancelling'")
  expect(stdout).toMatch(/patch: changeset version moved .*@batchctl\/openai/)
  expect(stdout).toContain("quick rehearsal passed")
}, 600_000)
