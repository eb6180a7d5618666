#!/usr/bin/env node
// Makes scratch copies of the @batchctl sources with one change each (for PROFILE.md's ablations):
//   node bench/ablation/protos.mjs <source packages dir> <output dir>
// writes <output dir>/<name>/packages for every variant below (and "base", unchanged).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const [source, outDir] = process.argv.slice(2)
if (source === undefined || outDir === undefined) {
  console.error("usage: protos.mjs <packages dir> <output dir>")
  process.exit(2)
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

/** Each change: file (under packages/), what to find, what to put instead. */
const changes = {
  // The per-attempt Effect.timeoutFail (a fiber race and a timer per request).
  notimeout: [
    [
      "core/src/VendorHttp.ts",
      /\n\s*Effect\.timeoutFail\(\{\n\s*duration: timeout,\n\s*onTimeout: \(\) => `no response within \$\{Duration\.format\(timeout\)\}`\n\s*\}\),/,
      ""
    ]
  ],
  // The per-call provideService(FetchHttpClient.RequestInit, { redirect: "manual" }).
  noredirect: [["core/src/VendorHttp.ts", /\}\)\.pipe\(withoutRedirects\)/, "})"]],
  // The BatchProvider.cancel span.
  nospan: [
    ["core/src/BatchProvider.ts", /Effect\.withSpan\("BatchProvider\.cancel", \{ attributes: \{ provider, batchId \} \}\)/, "(self) => self"]
  ],
  // The HTTP client's own span per request.
  notracer: [
    [
      "core/src/VendorHttp.ts",
      /const client = options\.propagateTracing === true \? httpClient : HttpClient\.withTracerPropagation\(httpClient, false\)/,
      "const client = HttpClient.withTracerDisabledWhen(options.propagateTracing === true ? httpClient : HttpClient.withTracerPropagation(httpClient, false), () => true)"
    ]
  ],
  // Schema.decodeUnknownEither built once per schema instead of per call.
  decodeonce: [
    [
      "core/src/VendorHttp.ts",
      /const decode = Schema\.decodeUnknownEither\(schema\)/,
      "let decode = decoders.get(schema); if (decode === undefined) { decode = Schema.decodeUnknownEither(schema); decoders.set(schema, decode) }"
    ],
    ["core/src/VendorHttp.ts", /\nexport const makeWith = /, "\nconst decoders = new WeakMap()\nexport const makeWith = "]
  ],
  // The Promise client on undici (NodeHttpClient.layerUndici) instead of fetch.
  undicipromise: [
    [
      "core/src/NodeClient.ts",
      /export const layer: Layer\.Layer<HttpClient\.HttpClient> = FetchHttpClient\.layer/,
      'export const layer: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici\nimport * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"'
    ]
  ]
}
changes.lean = Object.values(changes).flat()

const variants = { base: [], ...changes }
mkdirSync(outDir, { recursive: true })
for (const [name, edits] of Object.entries(variants)) {
  const dir = join(outDir, name)
  rmSync(dir, { recursive: true, force: true })
  cpSync(source, join(dir, "packages"), { recursive: true, filter: (p) => !p.includes("node_modules") && !p.includes("/dist") })
  cpSync(join(root, "tsconfig.base.json"), join(dir, "tsconfig.base.json"))
  for (const [file, find, replace] of edits) {
    const path = join(dir, "packages", file)
    if (!existsSync(path)) throw new Error(`${name}: ${file} is missing`)
    const text = readFileSync(path, "utf8")
    if (!find.test(text)) throw new Error(`${name}: ${find} not found in ${file} (the source changed; update the ablation)`)
    writeFileSync(path, text.replace(find, replace))
  }
  console.log(`${name}: ${edits.length} change(s)`)
}
