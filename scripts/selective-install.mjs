#!/usr/bin/env node
// Proves that each provider package installs alone from its packed tarball and works:
// builds and packs every published package, then for each provider makes an empty npm project,
// installs only that provider's tarball (plus the tarballs of what it depends on: @batchctl/core and,
// for the OpenAI family, @batchctl/openai-compatible), checks that no other provider came along, and
// cancels a batch through its Promise client against a loopback server.
// Run: node scripts/selective-install.mjs   (needs the npm registry for effect / @effect/platform)
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const bin = join(root, "node_modules", ".bin")
const work = join(tmpdir(), "batchctl-selective")
const packs = join(work, "packs")
rmSync(work, { recursive: true, force: true })
mkdirSync(packs, { recursive: true })
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, TURBO_TELEMETRY_DISABLED: "1" }
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" })

run(join(bin, "turbo"), ["run", "build", "--filter=./packages/*", "--output-logs=errors-only"], root)
const packages = [
  "core",
  "openai-compatible",
  "openai",
  "moonshot",
  "respan",
  "meshapi",
  "anthropic",
  "together",
  "mistral",
  "gemini",
  "azure-openai",
  "groq",
  "xai"
]
for (const p of packages) run(join(bin, "pnpm"), ["pack", "--pack-destination", packs], join(root, "packages", p))
const tarball = (p) =>
  join(
    packs,
    readdirSync(packs).find((f) => f.startsWith(`batchctl-${p}-`))
  )

const providers = {
  openai: { mod: "OpenAiBatches", deps: ["core", "openai-compatible"] },
  moonshot: { mod: "MoonshotBatches", deps: ["core", "openai-compatible"] },
  respan: { mod: "RespanBatches", deps: ["core", "openai-compatible"] },
  meshapi: { mod: "MeshApiBatches", deps: ["core", "openai-compatible"] },
  anthropic: { mod: "AnthropicBatches", deps: ["core"] },
  together: { mod: "TogetherBatches", deps: ["core"] },
  mistral: { mod: "MistralBatches", deps: ["core"] },
  gemini: { mod: "GeminiBatches", deps: ["core"] },
  "azure-openai": { mod: "AzureOpenAiBatches", deps: ["core", "openai-compatible"] },
  groq: { mod: "GroqBatches", deps: ["core", "openai-compatible"] },
  xai: { mod: "XaiBatches", deps: ["core"] }
}
const smoke = (provider, mod) => `
import { createServer } from "node:http"
import { ${mod} } from "@batchctl/${provider}"
import { BatchError } from "@batchctl/core"
// Each vendor's own answer to a cancel, and the status it normalizes to.
const body = ${JSON.stringify({
  anthropic: { id: "b1", processing_status: "canceling" },
  together: { id: "b1", status: "CANCELING" },
  mistral: { id: "b1", object: "batch", status: "CANCELLATION_REQUESTED" },
  gemini: { name: "batches/b1", metadata: { name: "batches/b1", state: "BATCH_STATE_CANCELLED" }, done: true },
  xai: {
    batch_id: "b1",
    create_time: "2026-01-01T00:00:00Z",
    cancel_time: "2026-01-01T00:01:00Z",
    state: { num_requests: 2, num_pending: 0, num_success: 1, num_error: 0, num_cancelled: 1 }
  }
})}[${JSON.stringify(provider)}] ?? { id: "b1", status: "cancelling" }
const wanted = ${JSON.stringify({ gemini: "cancelled", xai: "cancelled" })}[${JSON.stringify(provider)}] ?? "cancelling"
const server = createServer((req, res) => {
  res.writeHead(req.url.includes("missing") ? 404 : 200, { "content-type": "application/json" })
  res.end(JSON.stringify(req.url.includes("missing") ? { error: "not found" } : body))
}).listen(0, "127.0.0.1", async () => {
  const client = ${mod}.client({ apiKey: "k", baseUrl: "http://127.0.0.1:" + server.address().port + "/v1" })
  // Gemini's ids are names, batches/<id>.
  const batch = await client.cancel(${JSON.stringify(provider)} === "gemini" ? "batches/b1" : "b1")
  const error = await client.retrieve(${JSON.stringify(provider)} === "gemini" ? "batches/missing" : "missing").catch((e) => e)
  await client.close(); server.close()
  if (batch.status !== wanted || !(error instanceof BatchError.BatchNotFound)) { console.error("FAILED", batch.status, error); process.exit(1) }
  console.log("ok ${provider}: cancel → " + batch.status + ", 404 → " + error._tag)
})
`
let failed = false
for (const [provider, { mod, deps }] of Object.entries(providers)) {
  const dir = join(work, provider)
  mkdirSync(dir)
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `try-${provider}`, private: true, type: "module" }))
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...deps.map(tarball), tarball(provider)], dir)
  const installed = readdirSync(join(dir, "node_modules", "@batchctl")).sort()
  const expected = [...deps, provider].sort()
  if (JSON.stringify(installed) !== JSON.stringify(expected)) {
    console.error(`${provider}: installed ${installed.join(", ")}, expected only ${expected.join(", ")}`)
    failed = true
  }
  writeFileSync(join(dir, "smoke.mjs"), smoke(provider, mod))
  process.stdout.write(run("node", ["smoke.mjs"], dir))
}
process.exitCode = failed ? 1 : 0
