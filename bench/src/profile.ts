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

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/** Decodes a source map's `mappings` into, per generated line, [column, source, line] segments. */
const decodeMappings = (mappings: string): Array<Array<[number, number, number]>> => {
  const lines: Array<Array<[number, number, number]>> = []
  let source = 0
  let srcLine = 0
  for (const text of mappings.split(";")) {
    const segments: Array<[number, number, number]> = []
    let col = 0
    for (const segment of text.split(",")) {
      if (segment.length === 0) continue
      const values: Array<number> = []
      let shift = 0
      let value = 0
      for (const ch of segment) {
        const digit = B64.indexOf(ch)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1)
          shift = 0
          value = 0
        }
      }
      col += values[0] ?? 0
      // [column, source, line, source column, name]: the source column and name are not needed here.
      if (values.length >= 4) {
        source += values[1] ?? 0
        srcLine += values[2] ?? 0
        segments.push([col, source, srcLine])
      }
    }
    lines.push(segments)
  }
  return lines
}

/** For a bundle written by esbuild, with its linked source map: where a generated position comes from. */
const sourceMap = (file: string): ((line: number, column: number) => { file: string; line: number }) => {
  try {
    const map = JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources: ReadonlyArray<string>; mappings: string }
    const lines = decodeMappings(map.mappings)
    return (line, column) => {
      const segments = lines[line] ?? []
      let best: [number, number, number] | undefined
      for (const s of segments) {
        if (s[0] <= column) best = s
        else break
      }
      best ??= segments[0]
      return best === undefined
        ? { file: "bundle", line: 0 }
        : { file: map.sources[best[1]] ?? "bundle", line: best[2] + 1 }
    }
  } catch {
    return () => ({ file: "bundle", line: 0 })
  }
}

type Locate = (line: number, column: number) => { file: string; line: number }

const categoryOf = (frame: CallFrame, bundles: Map<string, Locate>): { category: string; line: number } => {
  const { functionName: fn, url } = frame
  const at = frame.lineNumber + 1
  if (url === "") {
    if (fn === "(garbage collector)") return { category: "GC", line: 0 }
    if (fn === "(idle)") return { category: "(idle)", line: 0 }
    if (fn === "(program)") return { category: "V8 / native (program)", line: 0 }
    return { category: `native ${fn}`, line: 0 }
  }
  const effect = /\/node_modules\/effect\/dist\/esm\/(.+)$/.exec(url)
  if (effect !== null) return { category: `effect/${effect[1]}`, line: at }
  const platform = /\/node_modules\/@effect\/(platform[^/]*)\/dist\/esm\/(.+)$/.exec(url)
  if (platform !== null) return { category: `@effect/${platform[1]}/${platform[2]}`, line: at }
  if (url.includes("/node_modules/undici/")) return { category: "undici (package)", line: at }
  if (url.startsWith("node:internal/deps/undici")) return { category: "undici (Node's fetch)", line: at }
  if (url.startsWith("wasm://")) return { category: "llhttp (wasm)", line: 0 }
  if (url.startsWith("node:")) return { category: "node internals", line: at }
  // The last node_modules of the path (pnpm nests packages under node_modules/.pnpm/…/node_modules).
  const sdk = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (sdk !== null) return { category: sdk[1] ?? "node_modules", line: at }
  if (url.endsWith(".mjs")) {
    const path = url.replace(/^file:\/\//, "")
    let locate = bundles.get(path)
    if (locate === undefined) {
      locate = sourceMap(path)
      bundles.set(path, locate)
    }
    const where = locate(frame.lineNumber, frame.columnNumber)
    const pkg = /(?:^|\/)packages\/(.+\.ts)$/.exec(where.file)
    if (pkg?.[1] !== undefined) return { category: `batchctl ${pkg[1]}`, line: where.line }
    const bench = /(?:^|\/)src\/([^/]+\.ts)$/.exec(where.file)
    return { category: bench?.[1] === undefined ? where.file : `harness ${bench[1]}`, line: where.line }
  }
  return { category: url, line: at }
}

/**
 * What a sample's time is spent on, by module and function: the buckets PROFILE.md talks about.
 */
const bucketOf = (category: string, fn: string): string => {
  if (category === "GC") return "GC"
  if (category.startsWith("batchctl ")) return "batchctl's own code (packages/*)"
  if (category.startsWith("harness ")) return "bench harness"
  if (category.startsWith("@effect/platform-node")) return "HTTP client layer (@effect/platform, platform-node)"
  if (category.startsWith("@effect/platform")) {
    return category.includes("Headers")
      ? "headers (@effect/platform Headers)"
      : "HTTP client layer (@effect/platform, platform-node)"
  }
  if (category.startsWith("undici") || category === "llhttp (wasm)") return "undici + llhttp"
  if (category.startsWith("effect/")) {
    if (/tracer|Tracer/.test(category) || /Span/.test(fn)) return "spans (withSpan, HTTP client span, stack capture)"
    if (/ParseResult|Schema/.test(category)) return "Schema decoding"
    if (/fiberRefs|FiberRef/.test(category) || /FiberRef/.test(fn))
      return "FiberRefs (locally, provideService, get/set)"
    if (/deferred/i.test(fn) || /timeout|Clock|clock|timer/i.test(category + fn))
      return "timeouts (Deferred, race, timer)"
    return "Effect runtime (run loop, fibers, scheduling, Context, Hash)"
  }
  if (category.startsWith("openai") || category.startsWith("@anthropic-ai") || category.startsWith("together-ai"))
    return "official SDK"
  return "Node and V8 (sockets, streams, timers, AbortSignal, JSON, module loading)"
}

interface Summary {
  readonly name: string
  readonly totalMs: number
  readonly usPerRequest: number
  readonly buckets: ReadonlyArray<[string, number]>
  readonly categories: ReadonlyArray<[string, number]>
  readonly selfTop: ReadonlyArray<[string, number]>
  readonly batchctlTop: ReadonlyArray<[string, number]>
  readonly inclusiveTop: ReadonlyArray<[string, number]>
}

export const analyze = (name: string, profile: CpuProfile, requests: number): Summary => {
  const bundles = new Map<string, Locate>()
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const located = new Map(profile.nodes.map((n) => [n.id, categoryOf(n.callFrame, bundles)]))
  const category = new Map([...located].map(([id, l]) => [id, l.category]))
  const label = (n: ProfileNode) => {
    const l = located.get(n.id)
    return `${n.callFrame.functionName || "(anonymous)"} · ${l?.category}${l === undefined || l.line === 0 ? "" : `:${l.line}`}`
  }
  const self = new Map<string, number>()
  const cats = new Map<string, number>()
  const buckets = new Map<string, number>()
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
    add(buckets, bucketOf(cat, node.callFrame.functionName), dt)
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
    buckets: top(buckets, 20),
    categories: top(cats, 30),
    selfTop: top(self, 30),
    batchctlTop: top(self, 100000)
      .filter(([l]) => l.includes("· batchctl "))
      .slice(0, 20),
    // The run loop is on every stack; what is worth reading is the HTTP layer and batchctl's own frames.
    inclusiveTop: top(inclusive, 100000)
      .filter(([l]) => /· (batchctl |@effect\/platform|undici)/.test(l))
      .slice(0, 30)
  }
}

const pct = (v: number, total: number) => `${((v / total) * 100).toFixed(1)}%`

export const render = (s: Summary): string => {
  const t = (rows: ReadonlyArray<[string, number]>) =>
    [
      "| where | ms | share |",
      "|---|---:|---:|",
      ...rows.map(([k, v]) => `| ${k} | ${v.toFixed(0)} | ${pct(v, s.totalMs)} |`)
    ].join("\n")
  return [
    `## ${s.name}`,
    "",
    `${s.totalMs.toFixed(0)} ms of CPU samples (idle excluded), ${s.usPerRequest.toFixed(0)} µs per request over the whole process (startup and warm-up included).`,
    "",
    "### By bucket (self time)",
    "",
    t(s.buckets),
    "",
    "### By module (self time)",
    "",
    t(s.categories),
    "",
    "### Functions by self time",
    "",
    t(s.selfTop),
    "",
    "### batchctl's own functions by self time",
    "",
    t(s.batchctlTop),
    "",
    "### batchctl, platform and undici functions by total time (on the synchronous stack)",
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
      const done = await ctx.run(
        "cancel.mjs",
        [JSON.stringify(args)],
        ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`]
      )
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
      writeFileSync(join(dir, `${name}.json`), JSON.stringify({ header, requests: n + warmup }))
      process.stderr.write(`${header}\n`)
    }
  } finally {
    server.child.stdin?.end()
    server.child.kill()
  }
  writeFileSync(join(dir, "summary.md"), `${report.join("\n\n")}\n`)
  process.stdout.write(`${report.join("\n\n")}\n\nProfiles and summary in ${dir}\n`)
}

/** Summarizes the profiles already in `dir` (each `<name>.cpuprofile`, with `<name>.json` beside it). */
export const analyzeDir = (dir: string): string => {
  const report: Array<string> = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()) {
    const name = file.replace(/\.cpuprofile$/, "")
    let header = name
    let requests = 21_000
    try {
      const meta = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as { header: string; requests: number }
      header = meta.header
      requests = meta.requests
    } catch {}
    report.push(
      `${header}\n\n${render(analyze(name, JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile, requests))}`
    )
  }
  return report.join("\n\n")
}
