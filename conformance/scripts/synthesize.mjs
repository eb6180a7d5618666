#!/usr/bin/env node
// Writes the repository's fixture files from the vendor facts in ../shared/reference (vendors.md,
// vendor-examples.json): `documented` bodies are copied from the vendors' docs and SDK tests,
// `recorded` ones from real responses published by others (each `source.ref` names it), and
// `synthetic` ones are written here for what no public material shows (retries, malformed bodies…).
// Run: node conformance/scripts/synthesize.mjs [provider…]   (it overwrites conformance/fixtures/<provider>/)
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { providers, skipReasons } from "./vendors.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures")
const only = process.argv.slice(2)
let count = 0
for (const [provider, build] of Object.entries(providers)) {
  if (only.length > 0 && !only.includes(provider)) continue
  const dir = join(root, provider)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const fixture of build()) {
    const file = join(dir, `${fixture.operation}.${fixture.scenario}.json`)
    writeFileSync(file, `${JSON.stringify({ format: 1, provider, ...fixture }, null, 2)}\n`)
    count++
  }
}
const expectations = {}
for (const provider of Object.keys(providers).sort()) {
  expectations[provider] = { skip: skipReasons[provider] ?? {}, expectedFailures: {} }
}
writeFileSync(join(root, "..", "expectations.json"), `${JSON.stringify(expectations, null, 2)}\n`)
console.log(`wrote ${count} fixtures`)
