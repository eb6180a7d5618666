#!/usr/bin/env node
// `npm run bench`: compiles the harness (bench/src/*.ts, with the @batchctl packages' sources bundled in)
// into bench/.out with esbuild, since Node 20 cannot run TypeScript, then runs it. Everything else
// (effect, undici, the vendor SDKs) stays external and is loaded from bench/node_modules as published.
//
// BATCHCTL_SRC=/some/packages takes the @batchctl sources from another tree (a scratch copy with a
// change to measure); BENCH_OUT chooses the output directory.
import { spawnSync } from "node:child_process"
import { existsSync, rmSync } from "node:fs"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const here = dirname(fileURLToPath(import.meta.url))
const out = resolve(here, process.env.BENCH_OUT ?? ".out")
rmSync(out, { recursive: true, force: true })
const altSrc = process.env.BATCHCTL_SRC

/** Bare imports stay external except @batchctl/* (their package exports point at .ts sources). */
const externals = {
  name: "externals",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (isAbsolute(args.path)) return undefined
      if (args.path.startsWith("@batchctl/")) {
        if (altSrc === undefined) return undefined
        const [, pkg, ...rest] = args.path.split("/")
        const sub = rest.length === 0 ? "index" : rest.join("/")
        const file = join(altSrc, pkg, "src", `${sub}.ts`)
        if (!existsSync(file)) throw new Error(`BATCHCTL_SRC: ${file} does not exist`)
        return { path: file }
      }
      return { path: args.path, external: true }
    })
  }
}

await esbuild.build({
  entryPoints: ["main", "server", "cancel", "results", "upload", "rssAtExit"].map((n) => join(here, "src", `${n}.ts`)),
  outdir: out,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  // Each implementation is imported when it is set up: with splitting, a run loads only its own code.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  plugins: [externals]
})

if (process.argv.includes("--build-only")) process.exit(0)

const result = spawnSync(process.execPath, [join(out, "main.mjs"), ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, BENCH_OUT_DIR: out, BENCH_DIR: here }
})
process.exit(result.status ?? 1)
