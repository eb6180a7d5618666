/**
 * The GitHub release workflow parses and does what CONTRIBUTING.md says: on pushes to main, after the
 * tests, the changesets action opens the version pull request with `npm run changeset-version`, or
 * publishes with `npm run changeset-publish`, with provenance (an OIDC token and NPM_CONFIG_PROVENANCE).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { expect, it } from "vitest"
import { parse } from "yaml"
// @ts-expect-error: plain JavaScript
import { root } from "../../scripts/release-packages.mjs"

interface Step {
  readonly name?: string
  readonly uses?: string
  readonly run?: string
  readonly with?: Record<string, unknown>
  readonly env?: Record<string, string>
}

const text = readFileSync(join(root, ".github", "workflows", "release.yml"), "utf8")
const workflow = parse(text, { strict: true, uniqueKeys: true })
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))

it("runs on pushes to main, with the permissions the version PR and provenance need", () => {
  expect(workflow.on.push.branches).toEqual(["main"])
  expect(workflow.permissions).toEqual({ contents: "write", "pull-requests": "write", "id-token": "write" })
  expect(Object.keys(workflow.jobs)).toEqual(["release"])
})

it("checks out the history, installs with Node 20 against npm, tests, builds the API reference, then versions or publishes", () => {
  const steps: ReadonlyArray<Step> = workflow.jobs.release.steps
  const index = (p: (s: Step) => boolean) => steps.findIndex(p)
  const checkout = index((s) => s.uses?.startsWith("actions/checkout@") === true)
  const node = index((s) => s.uses?.startsWith("actions/setup-node@") === true)
  const test = index((s) => s.run === "npm test")
  const docs = index((s) => s.run === "npm run docs")
  const changesets = index((s) => s.uses?.startsWith("changesets/action@") === true)
  expect([checkout, node, test, docs, changesets].every((i) => i >= 0)).toBe(true)
  expect(checkout < node && node < test && test < docs && docs < changesets).toBe(true)
  expect(steps[checkout]!.with?.["fetch-depth"]).toBe(0)
  expect(String(steps[node]!.with?.["node-version"])).toBe("20")
  expect(steps[node]!.with?.["registry-url"]).toBe("https://registry.npmjs.org")
  const action = steps[changesets]!
  expect(action.with?.version).toBe("npm run changeset-version")
  expect(action.with?.publish).toBe("npm run changeset-publish")
  expect(action.env?.NPM_CONFIG_PROVENANCE).toBe("true")
  const secret = (name: string) => ["$", "{{ secrets.", name, " }}"].join("")
  expect(action.env?.NODE_AUTH_TOKEN).toBe(secret("NPM_TOKEN"))
  expect(action.env?.GITHUB_TOKEN).toBe(secret("GITHUB_TOKEN"))
})

it("calls scripts that exist, and the version script cuts with changesets then writes versions and @since tags", () => {
  expect(manifest.scripts["changeset-version"]).toBe("node scripts/release-version.mjs")
  expect(manifest.scripts["changeset-publish"]).toMatch(/^pnpm build && changeset publish$/)
  const version = readFileSync(join(root, "scripts", "release-version.mjs"), "utf8")
  for (const step of ['["version"]', "versions.mjs", "since-tags.mjs", "--lockfile-only"])
    expect(version).toContain(step)
})
