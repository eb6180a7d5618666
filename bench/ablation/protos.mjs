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
  // The span kept, without the stack trace it captures at every call (addSpanStackTrace).
  nostack: [
    [
      "core/src/BatchProvider.ts",
      /Effect\.withSpan\("BatchProvider\.cancel", \{ attributes: \{ provider, batchId \} \}\)/,
      'Effect.withSpan("BatchProvider.cancel", { attributes: { provider, batchId }, captureStackTrace: false })'
    ]
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
      "core/src/Adapter.ts",
      /FetchHttpClient\.layer\), provider\)/,
      "NodeHttpClient.layerUndici), provider)"
    ],
    [
      "core/src/Adapter.ts",
      /\nimport \* as FetchHttpClient from "@effect\/platform\/FetchHttpClient"\n/,
      '\nimport * as FetchHttpClient from "@effect/platform/FetchHttpClient"\nimport * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"\n'
    ]
  ]
}
changes.lean = Object.entries(changes)
  .filter(([name]) => name !== "nostack")
  .flatMap(([, edits]) => edits)
// lean, plus: execute's common case straight on an undici Pool, one Effect.async per request.
changes.direct = [
  ...changes.lean,
  ["core/src/VendorHttp.ts", /\nimport \* as Headers from "@effect\/platform\/Headers"\n/, '\nimport * as Headers from "@effect/platform/Headers"\nimport { Pool as UndiciPool } from "undici"\n'],
  ["core/src/VendorHttp.ts", / {2}const execute = \(request: HttpClientRequest\.HttpClientRequest, call: Call\) =>/, () => DIRECT]
]

const DIRECT = `  // PROTOTYPE: the common case (a relative URL, no body, no per-call headers) goes straight to an
  // undici Pool from one Effect.async; anything else, and any non-2xx or transport failure, takes the
  // full path (which re-sends: a real version would hand the first outcome to the retry loop).
  const timeoutMs = Duration.toMillis(timeout)
  const basePath = baseOrigin === undefined ? "" : baseUrl.slice(baseOrigin.length)
  const fastHeaders = {
    ...fixedHeaders,
    ...(options.auth._tag === "Bearer" ? { authorization: \`Bearer \${key}\` } : { [options.auth.name]: key })
  }
  let pool
  const fast = (request) =>
    Effect.async((resume, signal) => {
      pool ??= new UndiciPool(baseOrigin ?? baseUrl, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
      const headers = Object.keys(request.headers).length === 0 ? fastHeaders : { ...fastHeaders, ...request.headers }
      pool.request({ method: request.method, path: basePath + request.url, headers, signal }).then(
        async (res) => {
          const text = await res.body.text()
          if (res.statusCode < 200 || res.statusCode >= 300) return resume(Effect.succeed(undefined))
          const h = res.headers
          resume(Effect.succeed({ status: res.statusCode, headers: h, text: scrub(text), requestId: requestIdOf(h) }))
        },
        () => resume(Effect.succeed(undefined))
      )
    })
  const execute = (request, call) =>
    isAbsolute(request.url) || request.body._tag !== "Empty" || request.urlParams.length > 0 || baseOrigin === undefined
      ? executeSlow(request, call)
      : Effect.flatMap(FiberRef.get(currentHeaders), (extra) =>
          Object.keys(extra).length > 0
            ? executeSlow(request, call)
            : Effect.flatMap(fast(request), (r) => (r === undefined ? executeSlow(request, call) : Effect.succeed(r)))
        )

  const executeSlow = (request: HttpClientRequest.HttpClientRequest, call: Call) =>`

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
