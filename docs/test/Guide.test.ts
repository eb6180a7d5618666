/**
 * The guide to writing an adapter (docs/guide/writing-an-adapter.md) runs as written, from the packed
 * tarballs, in an empty directory outside the workspace: `docs/guide/walkthrough.mjs` scaffolds the
 * package, fills it in from the guide's blocks, passes the conformance suite on the guide's fixtures,
 * runs the adapter against the emulator with the guide's profile, and checks that the package imports
 * only public entry points and copies no file of an installed package.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

const script = fileURLToPath(new URL("../guide/walkthrough.mjs", import.meta.url))

it("an outside author's adapter, from the guide and the tarballs alone, passes its suite and runs on the emulator", async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(process.execPath, [script], { timeout: 480_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : 1, stdout, stderr })
    )
  )
  expect(code, `${stdout}\n${stderr}`).toBe(0)
  expect(stdout).toMatch(
    /guide: ok: .* passes its 8 fixtures and runs against the emulator; \d+ imports, all public entry points/
  )
  expect(stdout).toContain("guide: npm run coverage")
}, 500_000)
