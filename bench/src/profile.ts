/**
 * `node run.mjs --profile`: runs bulk cancel (c=32) under `node --cpu-prof` for batchctl's Effect and
 * Promise paths and the baselines, then sums each profile's self time by where the code lives (Effect's
 * runtime file by file, @effect/platform, undici, Node, GC, and batchctl's own modules, read from the
 * bundle's module markers) and the total (inclusive) time of the functions on the stack.
 */
import type { ChildProcess } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { CancelArgs, CancelLine } from "./cancel.js"
import type { Vendor } from "./vendors.js"

interface Done {
  readonly code: number | null
  readonly lines: ReadonlyArray<string>
  readonly stderr: string
}

export interface ProfileContext {
  readonly out: string
  readonly bench: string
  readonly run: (script: string, args: ReadonlyArray<string>, nodeFlags?: ReadonlyArray<string>) => Promise<Done>
  readonly startServer: (prepare: ReadonlyArray<string>) => Promise<{ origin: string; child: ChildProcess }>
  readonly vendors: ReadonlyArray<Vendor>
  readonly quick: boolean
}

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** For a bundle written by esbuild: the source module of each generated line (from its `// path` markers). */
const moduleMap = (file: string): ((line: number) => string) => {
  const lines = readFileSync(file, "utf8").split("\n")
  const starts: Array<[number, string]> = []
  lines.forEach((l, i) => {
    const m = /^\/\/ (\S+\.ts)$/.exec(l)
    if (m?.[1] !== undefined) starts.push([i, m[1]])
  })
  return (line) => {
    let found = "bundle"
    for (const [start, name] of starts) {
      if (start > line) break
      found = name
    }
    return found
  }
}

const categoryOf = (frame: CallFrame, bundles: Map<string, (line: number) => string>): string => {
  const { functionName: fn, url } = frame
  if (url === "") {
    if (fn === "(garbage collector)") return "GC"
    if (fn === "(idle)") return "(idle)"
    if (fn === "(program)") return "V8 / native (program)"
    return `native ${fn}`
  }
  const effect = /\/node_modules\/effect\/dist\/esm\/(.+)$/.exec(url)
  if (effect !== null) return `effect/${effect[1]}`
  const platform = /\/node_modules\/@effect\/(platform[^/]*)\/dist\/esm\/(.+)$/.exec(url)
  if (platform !== null) return `@effect/${platform[1]}/${platform[2]}`
  if (url.includes("/node_modules/undici/")) return "undici (package)"
  if (url.startsWith("node:internal/deps/undici")) return "undici (Node's fetch)"
  if (url.startsWith("node:")) return "node internals"
  const sdk = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (sdk !== null) return sdk[1] ?? "node_modules"
  if (url.endsWith(".mjs")) {
    const path = url.replace(/^file:\/\//, "")
    let map = bundles.get(path)
    if (map === undefined) {
      map = moduleMap(path)
      bundles.set(path, map)
    }
    const module = map(frame.lineNumber)
    return module.startsWith("../packages/") ? `batchctl ${module.slice("../packages/".length)}` : module.replace(/^\.\.\//, "")
  }
  return url
}

/** The top-level group of a category: effect runtime, platform, undici, node, GC, batchctl, harness. */
const groupOf = (category: string): string => {
  if (category.startsWith("effect/")) return "effect (runtime, Schema, …)"
  if (category.startsWith("@effect/platform-node")) return "@effect/platform-node"
  if (category.startsWith("@effect/platform")) return "@effect/platform"
  if (category.startsWith("undici")) return category
  if (category.startsWith("batchctl ")) return "batchctl (packages/*)"
  if (category.startsWith("src/")) return "bench harness"
  return category
}

interface Summary {
  readonly name: string
  readonly totalMs: number
  readonly usPerRequest: number
  readonly groups: ReadonlyArray<[string, number]>
  readonly categories: ReadonlyArray<[string, number]>
  readonly selfTop: ReadonlyArray<[string, number]>
  readonly inclusiveTop: ReadonlyArray<[string, number]>
}

export const analyze = (name: string, profile: CpuProfile, requests: number): Summary => {
  const bundles = new Map<string, (line: number) => string>()
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const category = new Map(profile.nodes.map((n) => [n.id, categoryOf(n.callFrame, bundles)]))
  const label = (n: ProfileNode) =>
    `${n.callFrame.functionName || "(anonymous)"} · ${category.get(n.id)}:${n.callFrame.lineNumber + 1}`
  const self = new Map<string, number>()
  const cats = new Map<string, number>()
  const groups = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let total = 0
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000
    const node = byId.get(id)
    if (node === undefined) return
    const cat = category.get(id) ?? "?"
    if (cat === "(idle)") return
    total += dt
    add(self, label(node), dt)
    add(cats, cat, dt)
    add(groups, groupOf(cat), dt)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at)
      if (n === undefined || n.callFrame.functionName === "(root)") continue
      const l = label(n)
      if (!seen.has(l)) {
        seen.add(l)
        add(inclusive, l, dt)
      }
    }
  })
  const top = (m: Map<string, number>, k: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k) as ReadonlyArray<[string, number]>
  return {
    name,
    totalMs: total,
    usPerRequest: (total * 1000) / requests,
    groups: top(groups, 20),
    categories: top(cats, 30),
    selfTop: top(self, 30),
    inclusiveTop: top(inclusive, 60).filter(([l]) => !/node internals|native|V8/.test(l))
  }
}

const pct = (v: number, total: number) => `${((v / total) * 100).toFixed(1)}%`

export const render = (s: Summary): string => {
  const t = (rows: ReadonlyArray<[string, number]>) =>
    ["| where | ms | share |", "|---|---:|---:|", ...rows.map(([k, v]) => `| ${k} | ${v.toFixed(0)} | ${pct(v, s.totalMs)} |`)].join("\n")
  return [
    `## ${s.name}`,
    "",
    `${s.totalMs.toFixed(0)} ms of CPU samples (idle excluded), ${s.usPerRequest.toFixed(0)} µs per request over the whole process (startup and warm-up included).`,
    "",
    "### By group (self time)",
    "",
    t(s.groups),
    "",
    "### By module (self time)",
    "",
    t(s.categories),
    "",
    "### Functions by self time",
    "",
    t(s.selfTop),
    "",
    "### Functions by total time (on the synchronous stack)",
    "",
    t(s.inclusiveTop),
    ""
  ].join("\n")
}

const CASES: ReadonlyArray<{ impl: string; vendor: Vendor }> = [
  { impl: "batchctl-effect", vendor: "openai" },
  { impl: "batchctl-promise", vendor: "openai" },
  { impl: "batchctl-effect", vendor: "anthropic" },
  { impl: "batchctl-promise", vendor: "anthropic" },
  { impl: "undici-effect", vendor: "openai" },
  { impl: "undici-pool", vendor: "openai" },
  { impl: "official", vendor: "openai" }
]

export const profile = async (ctx: ProfileContext): Promise<void> => {
  const dir = join(ctx.out, "profiles")
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const server = await ctx.startServer([])
  const n = ctx.quick ? 500 : 20_000
  const warmup = ctx.quick ? 50 : 1000
  const report: Array<string> = []
  try {
    for (const c of CASES.filter((c) => ctx.vendors.includes(c.vendor))) {
      const name = `${c.impl}-${c.vendor}`
      const args: CancelArgs = { impl: c.impl, vendor: c.vendor, origin: server.origin, n, warmup, concurrency: [32] }
      const done = await ctx.run("cancel.mjs", [JSON.stringify(args)], [
        "--cpu-prof",
        `--cpu-prof-dir=${dir}`,
        `--cpu-prof-name=${name}.cpuprofile`
      ])
      if (done.code !== 0) {
        process.stderr.write(`${name}: exit ${done.code}\n${done.stderr}\n`)
        continue
      }
      const line = JSON.parse(done.lines[0] ?? "{}") as CancelLine
      const file = readdirSync(dir).find((f) => f === `${name}.cpuprofile`)
      if (file === undefined) continue
      const summary = analyze(name, JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile, n + warmup)
      const header = `${name}: ${Math.round((line.n / line.ms) * 1000)} req/s at c=32, ${Math.round(line.cpuUs / line.n)} µs CPU per request (measured part only)`
      report.push(`${header}\n\n${render(summary)}`)
      process.stderr.write(`${header}\n`)
    }
  } finally {
    server.child.stdin?.end()
    server.child.kill()
  }
  writeFileSync(join(dir, "summary.md"), `${report.join("\n\n")}\n`)
  process.stdout.write(`${report.join("\n\n")}\n\nProfiles and summary in ${dir}\n`)
}
