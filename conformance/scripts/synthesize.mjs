#!/usr/bin/env node
// Writes the repository's fixture files from the vendor facts in vendors.mjs and the real captures in
// captures.mjs (both cite ../sources): `documented` bodies are copied from the vendors' docs and SDK
// tests, `recorded` ones are real responses captured from the vendor by the people the ref names, and
// `synthetic` ones are written here for what no public material shows (retries, malformed bodies…).
//
// It overwrites the fixtures it generates and nothing else: a fixture file it does not generate (a
// recording, a hand-written case) stays, and so does every hand-written entry of expectations.json
// (its own skip reasons are merged in; expected failures are never touched).
// Run: node conformance/scripts/synthesize.mjs [provider…]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { captures } from "./captures.mjs"
import { moreProviders, moreSkipReasons } from "./vendors-more.mjs"
import { providers as firstProviders, skipReasons as firstSkipReasons } from "./vendors.mjs"

const providers = { ...firstProviders, ...moreProviders }
const skipReasons = { ...firstSkipReasons, ...moreSkipReasons }

const here = join(dirname(fileURLToPath(import.meta.url)), "..")
const root = join(here, "fixtures")

/** `ref` is what a reader can open (a URL, or a file in sources/ or FORMAT.md); the rest of the text is a note. */
export const splitRef = (source) => {
  const { ref = "", note, ...rest } = source
  const m =
    /^(https?:\/\/\S+?|sources\/\S+?(?: [§#][\w.-]+)?|FORMAT\.md)(?:[:;,]?\s+(.*))?$/s.exec(ref) ??
    (source.kind === "synthetic" ? ["", "FORMAT.md", ref] : null)
  if (m === null) throw new Error(`a ${source.kind} source must cite a URL or a file in sources/: ${ref}`)
  const text = [m[2], note].filter((x) => typeof x === "string" && x.length > 0).join("; ")
  return { ...rest, ref: m[1], ...(text === "" ? {} : { note: text }) }
}

const only = process.argv.slice(2)
let written = 0
const kept = []
for (const [provider, build] of Object.entries(providers)) {
  if (only.length > 0 && !only.includes(provider)) continue
  const dir = join(root, provider)
  mkdirSync(dir, { recursive: true })
  const fixtures = [...build(), ...(captures[provider]?.() ?? [])]
  const names = new Set()
  for (const fixture of fixtures) {
    const name = `${fixture.operation}.${fixture.scenario}.json`
    if (names.has(name)) throw new Error(`${provider}: two fixtures named ${name}`)
    names.add(name)
    const file = join(dir, name)
    // Spreading keeps `source` where the fixture had it; only its value changes.
    writeFileSync(file, `${JSON.stringify({ format: 1, provider, ...fixture, source: splitRef(fixture.source) }, null, 2)}\n`)
    written++
  }
  for (const f of readdirSync(dir)) if (f.endsWith(".json") && !names.has(f)) kept.push(join(provider, f))
}

// Expectations: the generated skip reasons merged into what is there; nothing hand-written is lost.
const expectationsFile = join(here, "expectations.json")
const existing = existsSync(expectationsFile) ? JSON.parse(readFileSync(expectationsFile, "utf8")) : {}
const expectations = { ...existing }
for (const provider of Object.keys(providers)) {
  const was = existing[provider] ?? {}
  expectations[provider] = {
    ...was,
    skip: { ...(was.skip ?? {}), ...(skipReasons[provider] ?? {}) },
    expectedFailures: { ...(was.expectedFailures ?? {}) }
  }
}
const sorted = Object.fromEntries(Object.keys(expectations).sort().map((k) => [k, expectations[k]]))
writeFileSync(expectationsFile, `${JSON.stringify(sorted, null, 2)}\n`)
console.log(`wrote ${written} fixtures${kept.length > 0 ? `; kept ${kept.length} it does not generate (${kept.join(", ")})` : ""}`)
