#!/usr/bin/env node
// Bundles src/bin.ts into dist/bin.js (ESM, Node 20, minified). Heavy parts (adapters, HTTP client,
// emulator, conformance suite) are `import()`ed by the code, so esbuild puts them in chunks that
// `--help` never loads.
import { build } from "esbuild"
import { chmodSync, cpSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const { version } = JSON.parse(readFileSync(join(here, "package.json"), "utf8"))
const outdir = join(here, "dist")

rmSync(outdir, { recursive: true, force: true })
const result = await build({
  absWorkingDir: here,
  entryPoints: { bin: join(here, "src", "bin.ts") },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // NO_MINIFY=1 keeps names, for a CPU profile of the CLI.
  minify: process.env.NO_MINIFY !== "1",
  sourcemap: false,
  legalComments: "none",
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  logLevel: "warning",
  define: { "process.env.BATCHCTL_BUILD_VERSION": JSON.stringify(version) },
  // Bundled CommonJS dependencies may call require() on Node built-ins.
  banner: {
    js: '#!/usr/bin/env node\nimport{createRequire as __batchctlRequire}from"node:module";const require=__batchctlRequire(import.meta.url);'
  }
})
// The entry needs no require() shim (only chunks with bundled CommonJS do): keep its start-up minimal.
const binFile = join(outdir, "bin.js")
const requireShim = 'import{createRequire as __batchctlRequire}from"node:module";const require=__batchctlRequire(import.meta.url);'
const binText = readFileSync(binFile, "utf8")
if (!/\brequire\(/.test(binText.replace(requireShim, ""))) writeFileSync(binFile, binText.replace(requireShim, ""))
chmodSync(binFile, 0o755)

// `batchctl conformance` runs the suite's shipped fixtures: the suite looks for them next to its own
// code (one directory up from the chunk that holds it, i.e. dist/).
const conformance = join(here, "..", "..", "conformance")
cpSync(join(conformance, "fixtures"), join(outdir, "fixtures"), { recursive: true })
cpSync(join(conformance, "expectations.json"), join(outdir, "expectations.json"))

// `batchctl console` serves its page's files from one directory up from the chunk that holds its
// server, i.e. dist/page/.
cpSync(join(here, "..", "console", "src", "page"), join(outdir, "page"), { recursive: true })

// The help texts, rendered now by @effect/cli from the same command tree, so that `--help` does not
// have to load Effect at run time (see src/bin.ts). Colours are kept; bin.ts strips them off a terminal.
const mainChunk = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint?.endsWith("src/Main.ts"))?.[0]
if (mainChunk === undefined) throw new Error("build: no chunk for src/Main.ts")
const commands = ["get", "list", "cancel", "wait", "cancel-all", "results", "emulator", "demo", "console"]
const requests = [
  ["batchctl", ["--help"]],
  ["--version", ["--version"]],
  ...commands.map((c) => [c, [c, "--help"]])
]
process.env.BATCHCTL_COLOR = "always"
const { main } = await import(pathToFileURL(join(here, mainChunk)).href)
const texts = {}
const write = process.stdout.write.bind(process.stdout)
for (const [key, args] of requests) {
  let text = ""
  process.stdout.write = (chunk) => {
    text += String(chunk)
    return true
  }
  const code = await main(["node", "batchctl", ...args])
  process.stdout.write = write
  if (code !== 0 || text === "") throw new Error(`build: batchctl ${args.join(" ")} exited ${code}`)
  texts[key] = text
}
delete process.env.BATCHCTL_COLOR
writeFileSync(join(outdir, "help.json"), JSON.stringify(texts))
if (process.argv.includes("--analyze")) {
  const { analyzeMetafile } = await import("esbuild")
  console.log(await analyzeMetafile(result.metafile))
}
