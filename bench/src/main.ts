/**
 * The benchmark: starts the loopback server in its own process, then runs every scenario (each
 * measurement in a fresh child process, repetitions interleaved across implementations), writes
 * results.json (`[{scenario, impl, value, unit, …}]`) and results.md, and prints the table.
 *
 *   node bench/run.mjs [--quick] [--reps N] [--only bulk,results,memory,upload,import,cli,bundle] [--upload-mb N]
 *                      [--vendors openai,anthropic,together] [--impls batchctl-effect,…]
 *                      [--out FILE] [--merge a.json,b.json] [--profile] [--analyze DIR]
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
import { dirname, join, relative } from "node:path"
import { createInterface } from "node:readline"
import { pathToFileURL } from "node:url"
import { gzipSync } from "node:zlib"
import * as esbuild from "esbuild"
import type { CancelArgs, CancelLine, MemoryLine } from "./cancel.js"
import { analyzeDir, profile } from "./profile.js"
import type { ResultsArgs, ResultsLine } from "./results.js"
import type { UploadArgs, UploadLine } from "./upload.js"
import { type Row, round, summarize } from "./stats.js"
import { table, targets } from "./table.js"
import { batchId, isVendor, type Vendor, vendors as allVendors } from "./vendors.js"

const OUT = process.env.BENCH_OUT_DIR ?? join(process.cwd(), ".out")
const BENCH = process.env.BENCH_DIR ?? process.cwd()
const ROOT = join(BENCH, "..")
const SRC = process.env.BATCHCTL_SRC ?? join(ROOT, "packages")

// ---------------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2)
const flag = (name: string) => argv.includes(`--${name}`)
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`)
  return i === -1 ? undefined : argv[i + 1]
}
const quick = flag("quick")
const only = option("only")?.split(",")
const wants = (scenario: string) => only === undefined || only.includes(scenario)
const vendors = (option("vendors")?.split(",") ?? allVendors).filter(isVendor)
const implFilter = option("impls")?.split(",")
const implWanted = (impl: string) => implFilter === undefined || implFilter.includes(impl)

export const settings = {
  reps: Number(option("reps") ?? (quick ? 1 : 3)),
  cancels: Number(option("cancels") ?? (quick ? 100 : 5000)),
  warmup: Number(option("warmup") ?? (quick ? 10 : 500)),
  resultsMb: Number(option("results-mb") ?? (quick ? 1 : 100)),
  memoryIds: Number(option("memory-ids") ?? (quick ? 1000 : 100_000)),
  uploadMb: Number(option("upload-mb") ?? (quick ? 2 : 200)),
  importReps: quick ? 1 : 10,
  out: option("out") ?? join(BENCH, "results.json")
}

// ---------------------------------------------------------------------------------------------------
// Child processes

interface Done {
  readonly code: number | null
  readonly lines: ReadonlyArray<string>
  readonly stderr: string
}

const run = (script: string, args: ReadonlyArray<string>, nodeFlags: ReadonlyArray<string> = []): Promise<Done> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeFlags, join(OUT, script), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_ENV: "production" }
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString()
    })
    child.on("close", (code) => resolve({ code, lines: out.split("\n").filter((l) => l.length > 0), stderr: err }))
  })

const failures: Array<string> = []
const fail = (what: string, done: Done) => {
  failures.push(`${what}: exit ${done.code}: ${done.stderr.trim().split("\n").slice(0, 6).join(" | ")}`)
}

const startServer = (prepare: ReadonlyArray<string>): Promise<{ origin: string; child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(OUT, "server.mjs"), ...prepare], { stdio: ["pipe", "pipe", "inherit"] })
    const lines = createInterface({ input: child.stdout })
    lines.once("line", (line) => {
      const { port } = JSON.parse(line) as { port: number }
      resolve({ origin: `http://127.0.0.1:${port}`, child })
    })
    child.once("exit", (code) => reject(new Error(`the loopback server exited (${code})`)))
  })

/** `items` in a different order for each repetition, so that no implementation always runs first. */
const rotate = <T>(items: ReadonlyArray<T>, by: number): Array<T> =>
  items.map((_, i) => items[(i + by) % items.length] as T)

const log = (s: string) => process.stderr.write(`${s}\n`)

/**
 * Runs `f` over `items` in order, one at a time; `--quick` runs two at a time (a smoke run's figures mean
 * nothing anyway, and it should be short).
 */
const forEachJob = async <T>(items: ReadonlyArray<T>, f: (item: T) => Promise<void>): Promise<void> => {
  const width = quick ? 2 : 1
  let next = 0
  const worker = async () => {
    while (next < items.length) await f(items[next++] as T)
  }
  await Promise.all(Array.from({ length: width }, worker))
}

// ---------------------------------------------------------------------------------------------------
// Bulk cancel

const CANCEL_IMPLS = [
  "undici-pool",
  "undici-fetch",
  "undici-effect",
  "official",
  "batchctl-effect",
  "batchctl-effect-undici",
  "batchctl-promise"
]

const implName = (impl: string, vendor: Vendor) => `${impl}-${vendor}`

/**
 * Each job on a loopback server of its own, started for it: a shared server carries the state the last
 * job left it in (its heap, its connections), and measured so, a client after a slow one ran a quarter
 * slower (batchctl-promise after batchctl-effect-undici: 6,900 cancels a second instead of 9,400).
 */
const bulkCancel = async (): Promise<Array<Row>> => {
  const rate = new Map<string, Array<number>>()
  const cpu = new Map<string, Array<number>>()
  const push = (m: Map<string, Array<number>>, key: string, v: number) => m.set(key, [...(m.get(key) ?? []), v])
  const jobs = vendors.flatMap((vendor) => CANCEL_IMPLS.filter(implWanted).map((impl) => ({ vendor, impl })))
  for (let rep = 0; rep < settings.reps; rep++) {
    await forEachJob(rotate(jobs, rep * 5), async ({ vendor, impl }) => {
      const server = await startServer([])
      const args: CancelArgs = {
        impl,
        vendor,
        origin: server.origin,
        n: settings.cancels,
        warmup: settings.warmup,
        concurrency: [1, 32]
      }
      const done = await run("cancel.mjs", [JSON.stringify(args)]).finally(() => {
        server.child.stdin?.end()
        server.child.kill()
      })
      if (done.code !== 0) {
        fail(`bulk cancel ${impl} ${vendor}`, done)
        return
      }
      for (const line of done.lines) {
        const parsed = JSON.parse(line) as CancelLine | MemoryLine
        if (!("concurrency" in parsed)) continue
        const key = `${parsed.concurrency}\u0000${impl}\u0000${vendor}`
        if (parsed.ok !== parsed.n) {
          failures.push(
            `bulk cancel ${impl} ${vendor} c=${parsed.concurrency}: ${parsed.n - parsed.ok} of ${parsed.n} failed`
          )
          continue
        }
        push(rate, key, (parsed.n / parsed.ms) * 1000)
        push(cpu, key, parsed.cpuUs / parsed.n)
      }
      const last = rate.get(`32\u0000${impl}\u0000${vendor}`)
      log(
        `  bulk cancel rep ${rep + 1}/${settings.reps} ${implName(impl, vendor)}: c=32 ${Math.round(last?.at(-1) ?? 0)} req/s`
      )
    })
  }
  const rows: Array<Row> = []
  for (const concurrency of [1, 32]) {
    for (const vendor of vendors) {
      for (const impl of CANCEL_IMPLS.filter(implWanted)) {
        const key = `${concurrency}\u0000${impl}\u0000${vendor}`
        const base = { impl: implName(impl, vendor), vendor }
        rows.push(
          summarize({ ...base, scenario: `bulk-cancel-c${concurrency}`, unit: "req/s" }, rate.get(key) ?? [], 0)
        )
      }
    }
  }
  for (const concurrency of [1, 32]) {
    for (const vendor of vendors) {
      for (const impl of CANCEL_IMPLS.filter(implWanted)) {
        const key = `${concurrency}\u0000${impl}\u0000${vendor}`
        rows.push(
          summarize(
            { impl: implName(impl, vendor), vendor, scenario: `bulk-cancel-c${concurrency}-cpu`, unit: "µs CPU/req" },
            cpu.get(key) ?? [],
            0
          )
        )
      }
    }
  }
  return rows
}

// ---------------------------------------------------------------------------------------------------
// Results throughput

const RESULTS_IMPLS = ["undici-pool", "official", "batchctl-effect", "batchctl-promise"]

/** Bytes and lines of the file the server sends, computed the way the server builds it. */
const fileSize = async (vendor: "openai" | "anthropic", mb: number) => {
  const { openAiLine, anthropicLine } = await import("./vendors.js")
  const line = vendor === "anthropic" ? anthropicLine : openAiLine
  let bytes = 0
  let lines = 0
  while (bytes < mb * 1_000_000) bytes += Buffer.byteLength(`${line(lines++)}\n`)
  return { bytes, lines }
}

const results = async (origin: string): Promise<Array<Row>> => {
  const resultsVendors = vendors.filter((v): v is "openai" | "anthropic" => v === "openai" || v === "anthropic")
  const samples = new Map<string, Array<ResultsLine>>()
  const jobs = resultsVendors.flatMap((vendor) => RESULTS_IMPLS.filter(implWanted).map((impl) => ({ vendor, impl })))
  for (let rep = 0; rep < settings.reps; rep++) {
    await forEachJob(rotate(jobs, rep * 3), async ({ vendor, impl }) => {
      const args: ResultsArgs = { impl, vendor, origin, mb: settings.resultsMb }
      const done = await run("results.mjs", [JSON.stringify(args)])
      const last = done.lines.at(-1)
      if (done.code !== 0 || last === undefined) {
        fail(`results ${impl} ${vendor}`, done)
        return
      }
      const line = JSON.parse(last) as ResultsLine
      samples.set(`${impl}\u0000${vendor}`, [...(samples.get(`${impl}\u0000${vendor}`) ?? []), line])
      log(
        `  results rep ${rep + 1}/${settings.reps} ${implName(impl, vendor)}: ${Math.round(line.ms)} ms, ${line.items} items`
      )
    })
  }
  const rows: Array<Row> = []
  for (const vendor of resultsVendors) {
    const { bytes, lines } = await fileSize(vendor, settings.resultsMb)
    for (const impl of RESULTS_IMPLS.filter(implWanted)) {
      const all = samples.get(`${impl}\u0000${vendor}`) ?? []
      const good = all.filter((s) => s.items === lines)
      if (good.length < all.length)
        failures.push(`results ${impl} ${vendor}: read ${all.map((s) => s.items).join("/")} items of ${lines}`)
      const base = { impl: implName(impl, vendor), vendor }
      rows.push(
        summarize(
          { ...base, scenario: "results-throughput", unit: "MB/s" },
          good.map((s) => bytes / 1e6 / (s.ms / 1000))
        ),
        // MB per second of the reader's own CPU time: what the read costs, steadier than wall time on a busy
        // machine (where the server process competes for the same cores).
        summarize(
          { ...base, scenario: "results-cpu-throughput", unit: "MB/s CPU" },
          good.flatMap((s) => (s.cpuMs === undefined ? [] : [bytes / 1e6 / (s.cpuMs / 1000)]))
        ),
        summarize(
          { ...base, scenario: "results-items", unit: "items/s" },
          good.map((s) => lines / (s.ms / 1000)),
          0
        ),
        summarize(
          { ...base, scenario: "results-first-item", unit: "ms" },
          good.map((s) => s.firstItemMs)
        ),
        summarize(
          { ...base, scenario: "results-rss-growth", unit: "MB" },
          good.map((s) => (s.maxRss - s.rssBefore) / 1_048_576)
        ),
        summarize(
          { ...base, scenario: "results-peak-rss", unit: "MB" },
          good.map((s) => s.maxRss / 1_048_576)
        )
      )
    }
  }
  return rows
}

// ---------------------------------------------------------------------------------------------------
// Upload (create from a JSONL file)

const UPLOAD_IMPLS = ["official", "batchctl-promise"]

/**
 * A JSONL input of `mb` megabytes (10^6 bytes) for OpenAI: at most 50,000 requests, so each line is a
 * few kilobytes; one model, unique custom ids.
 */
const inputFile = (mb: number): { path: string; bytes: number; lines: number } => {
  const dir = join(OUT, "upload")
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `input-${mb}mb.jsonl`)
  const lines = Math.max(1, Math.min(48_000, Math.ceil((mb * 1_000_000) / 4000)))
  const per = Math.floor((mb * 1_000_000) / lines)
  const chunks: Array<string> = []
  let bytes = 0
  for (let i = 0; i < lines; i++) {
    const head = `{"custom_id":"request-${i}","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"`
    const tail = `"}]}}\n`
    const line = head + "x".repeat(Math.max(1, per - head.length - tail.length)) + tail
    chunks.push(line)
    bytes += line.length
  }
  writeFileSync(path, chunks.join(""))
  return { path, bytes, lines }
}

const upload = async (origin: string): Promise<Array<Row>> => {
  const input = inputFile(settings.uploadMb)
  const samples = new Map<string, Array<UploadLine>>()
  const impls = UPLOAD_IMPLS.filter(implWanted)
  for (let rep = 0; rep < settings.reps; rep++) {
    // One at a time even with --quick: two uploads side by side would share the loopback and the disk.
    for (const impl of rotate(impls, rep)) {
      const args: UploadArgs = { impl, origin, file: input.path }
      const done = await run("upload.mjs", [JSON.stringify(args)])
      const last = done.lines.at(-1)
      if (done.code !== 0 || last === undefined) {
        fail(`upload ${impl}`, done)
        continue
      }
      const line = JSON.parse(last) as UploadLine
      samples.set(impl, [...(samples.get(impl) ?? []), line])
      log(
        `  upload rep ${rep + 1}/${settings.reps} ${impl}: ${Math.round(line.ms)} ms, RSS +${round((line.maxRss - line.rssBefore) / 1_048_576, 1)} MB`
      )
    }
  }
  rmSync(input.path, { force: true })
  const note = `${round(input.bytes / 1e6, 0)} MB, ${input.lines.toLocaleString("en-US")} requests, upload then create`
  return impls.flatMap((impl) => {
    const good = samples.get(impl) ?? []
    const base = { impl: `${impl}-openai`, vendor: "openai" as const, note }
    return [
      summarize(
        { ...base, scenario: "upload-throughput", unit: "MB/s" },
        good.map((s) => input.bytes / 1e6 / (s.ms / 1000))
      ),
      summarize(
        { ...base, scenario: "upload-rss-growth", unit: "MB" },
        good.map((s) => (s.maxRss - s.rssBefore) / 1_048_576)
      )
    ]
  })
}

// ---------------------------------------------------------------------------------------------------
// Memory

const memory = async (origin: string): Promise<Array<Row>> => {
  const rows: Array<Row> = []
  // `flags`: the same run under other V8 settings, which shows how much of the peak is garbage V8 lets pile
  // up rather than what the run keeps alive. With allocation-site pretenuring (V8's default) some
  // per-request objects are soon allocated in the old generation; dead there, they keep what they point to
  // alive through every young collection until a full one (the old space swings up to ~170 MB).
  const noPretenuring = { flags: ["--no-allocation-site-pretenuring"], suffix: "-no-pretenuring" }
  const cases: ReadonlyArray<{
    impl: string
    many?: boolean
    each?: boolean
    flags?: ReadonlyArray<string>
    suffix?: string
  }> = [
    ...(quick ? [] : [{ impl: "undici-pool" }]),
    { impl: "batchctl-effect" },
    { impl: "batchctl-promise", many: true },
    { impl: "batchctl-effect", each: true },
    { impl: "batchctl-promise", each: true },
    ...(quick
      ? []
      : [
          { impl: "batchctl-effect", each: true, ...noPretenuring },
          { impl: "batchctl-promise", each: true, ...noPretenuring }
        ])
  ]
  for (const c of cases.filter((c) => implWanted(c.impl))) {
    const args: CancelArgs = {
      impl: c.impl,
      vendor: "openai",
      origin,
      n: settings.memoryIds,
      warmup: 0,
      concurrency: [64],
      ...(c.many === true ? { many: true } : {}),
      ...(c.each === true ? { each: true } : {})
    }
    const scenario = (c.each === true ? "memory-peak-rss-each" : "memory-peak-rss") + (c.suffix ?? "")
    const t0 = performance.now()
    const done = await run("cancel.mjs", [JSON.stringify(args)], c.flags ?? [])
    const impl = implName(c.impl, "openai")
    if (done.code !== 0) {
      fail(`memory ${impl}`, done)
      rows.push({ scenario, impl, vendor: "openai", value: null, unit: "MB", note: "failed" })
      continue
    }
    const lines = done.lines.map((l) => JSON.parse(l) as CancelLine | MemoryLine)
    const mem = lines.find((l): l is MemoryLine => "maxRss" in l)
    const cancel = lines.find((l): l is CancelLine => "concurrency" in l)
    if (cancel !== undefined && cancel.ok !== cancel.n)
      failures.push(`memory ${impl}: ${cancel.n - cancel.ok} cancels failed`)
    const how =
      (c.each === true ? ", cancelEach" : c.many === true || c.impl === "batchctl-effect" ? ", cancelMany" : "") +
      (c.flags === undefined ? "" : `, node ${c.flags.join(" ")}`)
    const note = `${settings.memoryIds.toLocaleString("en-US")} ids at c=64${how}, ${round((performance.now() - t0) / 1000)} s`
    rows.push({ scenario, impl, vendor: "openai", value: round((mem?.maxRss ?? 0) / 1_048_576), unit: "MB", note })
    log(`  ${scenario} ${impl}: peak ${round((mem?.maxRss ?? 0) / 1_048_576)} MB`)
  }
  if (!quick) rows.push(...(await cliCancel(origin)))
  return rows
}

/**
 * `batchctl cancel openai -` of the memory run's ids, read from stdin, with `--report` (a line per id
 * sent and per outcome, each written as it happens) and `--quiet` (a line per outcome on stdout): the
 * time and the peak RSS of the CLI's process (a preload reports it at exit).
 */
const cliCancel = async (origin: string): Promise<Array<Row>> => {
  const bin = join(ROOT, "apps", "cli", "dist", "bin.js")
  const base = { scenario: "cli-cancel", impl: "batchctl-cli", vendor: "openai" }
  if (!existsSync(bin))
    return [{ ...base, value: null, unit: "s", note: "skipped: apps/cli/dist/bin.js does not exist" }]
  const dir = mkdtempSync(join(tmpdir(), "batchctl-bench-cli-"))
  const report = join(dir, "report.jsonl")
  const ids = Array.from({ length: settings.memoryIds }, (_, i) => batchId("openai", i))
  const t0 = performance.now()
  const done = await new Promise<Done>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        pathToFileURL(join(OUT, "rssAtExit.mjs")).href,
        bin,
        "cancel",
        "--base-url",
        `${origin}/openai/v1`,
        "--concurrency",
        "64",
        "--quiet",
        "--report",
        report,
        "openai",
        "-"
      ],
      { stdio: ["pipe", "ignore", "pipe"], env: { ...process.env, OPENAI_API_KEY: "sk-bench" } }
    )
    let err = ""
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString()
    })
    child.on("close", (code) => resolve({ code, lines: err.split("\n").filter((l) => l.length > 0), stderr: err }))
    child.stdin.end(`${ids.join("\n")}\n`)
  })
  const seconds = (performance.now() - t0) / 1000
  const reported = existsSync(report)
    ? readFileSync(report, "utf8")
        .split("\n")
        .filter((l) => l.includes('"ok":true')).length
    : 0
  rmSync(dir, { recursive: true, force: true })
  const peak = done.lines.map((l) => (l.startsWith('{"maxRss"') ? (JSON.parse(l) as { maxRss: number }).maxRss : 0))
  if (done.code !== 0 || reported !== ids.length) {
    failures.push(
      `cli cancel: exit ${done.code}, ${reported} of ${ids.length} reported cancelled: ${done.stderr.slice(0, 300)}`
    )
    return [{ ...base, value: null, unit: "s", note: "failed" }]
  }
  const note = `${ids.length.toLocaleString("en-US")} ids from stdin at --concurrency 64, --report and --quiet`
  log(`  cli-cancel: ${round(seconds)} s, peak ${round(Math.max(...peak) / 1_048_576)} MB`)
  return [
    { ...base, value: round(seconds), unit: "s", note },
    { ...base, scenario: "cli-cancel-rate", value: Math.round(ids.length / seconds), unit: "cancels/s", note },
    { ...base, scenario: "cli-cancel-peak-rss", value: round(Math.max(...peak) / 1_048_576), unit: "MB", note }
  ]
}

// ---------------------------------------------------------------------------------------------------
// Import cost: each provider package as it would be installed (its dist, its publishConfig exports)

const PACKAGES = [
  "core",
  "openai-compatible",
  "openai",
  "anthropic",
  "together",
  "moonshot",
  "respan",
  "meshapi",
  "mistral",
  "gemini",
  "azure-openai",
  "groq",
  "xai"
]

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
  )

const link = (target: string, at: string) => {
  mkdirSync(dirname(at), { recursive: true })
  symlinkSync(realpathSync(target), at)
}

/**
 * Lays out `OUT/install/node_modules` as an install from the registry would: every @batchctl package's
 * sources compiled file by file (not bundled, as `tsc -b` emits them) into its `dist`, its package.json
 * with the publishConfig exports, and the peers and vendor SDKs linked in.
 */
const prepareInstall = async (): Promise<string> => {
  const dir = join(OUT, "install")
  rmSync(dir, { recursive: true, force: true })
  for (const name of PACKAGES) {
    const src = join(SRC, name, "src")
    const target = join(dir, "node_modules", "@batchctl", name)
    const pkg = JSON.parse(readFileSync(join(ROOT, "packages", name, "package.json"), "utf8")) as Record<
      string,
      unknown
    > & {
      publishConfig?: { exports?: unknown }
    }
    mkdirSync(target, { recursive: true })
    writeFileSync(
      join(target, "package.json"),
      JSON.stringify({ ...pkg, exports: pkg.publishConfig?.exports, devDependencies: undefined })
    )
    await esbuild.build({
      entryPoints: filesUnder(src),
      outdir: join(target, "dist"),
      outbase: src,
      bundle: false,
      platform: "node",
      format: "esm",
      target: "es2022",
      logLevel: "error"
    })
  }
  for (const dep of ["effect", "@effect/platform", "openai", "@anthropic-ai/sdk", "together-ai"]) {
    link(join(BENCH, "node_modules", dep), join(dir, "node_modules", dep))
  }
  return dir
}

const INSTALLED: ReadonlyArray<{ impl: string; vendor: Vendor; specifier: string }> = [
  { impl: "batchctl-openai", vendor: "openai", specifier: "@batchctl/openai" },
  { impl: "official-openai", vendor: "openai", specifier: "openai" },
  { impl: "batchctl-anthropic", vendor: "anthropic", specifier: "@batchctl/anthropic" },
  { impl: "official-anthropic", vendor: "anthropic", specifier: "@anthropic-ai/sdk" },
  { impl: "batchctl-together", vendor: "together", specifier: "@batchctl/together" },
  { impl: "official-together", vendor: "together", specifier: "together-ai" }
]

/**
 * Each import twice: as installed (the package's own files, one module each), and bundled into one file
 * with everything it imports (esbuild, minified), as an app's bundler would ship it. An import's cost is
 * mostly loading modules (resolve, read, compile, one at a time): the bundled rows show what is left of it
 * when the module count is 1, for batchctl (Effect inside) and the SDK alike.
 */
const IMPORTS: ReadonlyArray<{ impl: string; vendor: Vendor; specifier: string; bundled?: true }> = [
  ...INSTALLED,
  ...INSTALLED.map((c) => ({ ...c, impl: `${c.impl}-bundled`, bundled: true as const }))
]

const importCost = async (): Promise<Array<Row>> => {
  const dir = await prepareInstall()
  const times = new Map<string, Array<number>>()
  const rss = new Map<string, Array<number>>()
  const cpu = new Map<string, Array<number>>()
  const cases = IMPORTS.filter((c) => vendors.includes(c.vendor))
  for (const c of cases) {
    let specifier = c.specifier
    if (c.bundled === true) {
      specifier = `./${c.impl}.bundle.mjs`
      await esbuild.build({
        stdin: { contents: `export * from ${JSON.stringify(c.specifier)}`, resolveDir: dir },
        bundle: true,
        platform: "node",
        format: "esm",
        target: "es2022",
        minify: true,
        outfile: join(dir, `${c.impl}.bundle.mjs`),
        logLevel: "error"
      })
    }
    writeFileSync(
      join(dir, `${c.impl}.mjs`),
      `import * as m from ${JSON.stringify(specifier)}\nif (Object.keys(m).length === 0) process.exit(3)\nconst cpu = process.cpuUsage()\nprocess.stdout.write(JSON.stringify({ rss: process.resourceUsage().maxRSS * 1024, cpuMs: (cpu.user + cpu.system) / 1000 }))\n`
    )
  }
  for (let rep = 0; rep < settings.importReps; rep++) {
    for (const c of rotate(cases, rep)) {
      const t0 = performance.now()
      const done = spawnSync(process.execPath, [join(dir, `${c.impl}.mjs`)], { encoding: "utf8" })
      const ms = performance.now() - t0
      if (done.status !== 0) {
        failures.push(`import ${c.impl}: exit ${done.status}: ${done.stderr.split("\n").slice(0, 4).join(" | ")}`)
        continue
      }
      const measured = JSON.parse(done.stdout) as { rss: number; cpuMs: number }
      times.set(c.impl, [...(times.get(c.impl) ?? []), ms])
      rss.set(c.impl, [...(rss.get(c.impl) ?? []), measured.rss / 1_048_576])
      cpu.set(c.impl, [...(cpu.get(c.impl) ?? []), measured.cpuMs])
    }
  }
  // How many modules each import evaluates: the import's cost is almost all loading them (resolve, read, compile),
  // so the count explains the time and does not move with the load of the machine.
  writeFileSync(
    join(dir, "count-hook.mjs"),
    `export async function load(url, context, next) {\n  process.stderr.write("module " + url + "\\n")\n  return next(url, context)\n}\n`
  )
  writeFileSync(
    join(dir, "count.mjs"),
    `import { register } from "node:module"\nregister("./count-hook.mjs", import.meta.url)\n`
  )
  const modules = cases.map((c): Row => {
    const done = spawnSync(process.execPath, ["--import", join(dir, "count.mjs"), join(dir, `${c.impl}.mjs`)], {
      encoding: "utf8"
    })
    const urls = done.stderr.split("\n").filter((l) => l.startsWith("module ") && !l.endsWith(`${c.impl}.mjs`))
    const fastCheck = urls.filter((u) => /\/(fast-check|pure-rand)\//.test(u)).length
    return {
      scenario: "import-modules",
      impl: c.impl,
      vendor: c.vendor,
      value: done.status === 0 ? urls.length : null,
      unit: "modules",
      note: `${fastCheck} of fast-check and pure-rand`
    }
  })
  return [
    ...cases.map((c) =>
      summarize({ scenario: "import-time", impl: c.impl, vendor: c.vendor, unit: "ms" }, times.get(c.impl) ?? [], 0)
    ),
    ...modules,
    // CPU time of the whole process (Node's own start included): steadier than wall time on a busy machine.
    ...cases.map((c) =>
      summarize({ scenario: "import-cpu", impl: c.impl, vendor: c.vendor, unit: "ms CPU" }, cpu.get(c.impl) ?? [], 0)
    ),
    ...cases.map((c) =>
      summarize({ scenario: "import-peak-rss", impl: c.impl, vendor: c.vendor, unit: "MB" }, rss.get(c.impl) ?? [])
    )
  ]
}

// ---------------------------------------------------------------------------------------------------
// CLI start

const cliStart = (): Array<Row> => {
  const bin = join(ROOT, "apps", "cli", "dist", "bin.js")
  if (!existsSync(bin)) {
    return [
      {
        scenario: "cli-start",
        impl: "batchctl-cli",
        value: null,
        unit: "ms",
        note: "skipped: apps/cli/dist/bin.js does not exist"
      }
    ]
  }
  const times: Array<number> = []
  for (let rep = 0; rep < settings.importReps; rep++) {
    const t0 = performance.now()
    const done = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" })
    const ms = performance.now() - t0
    if (done.status !== 0) {
      failures.push(`cli --help: exit ${done.status}: ${done.stderr.split("\n").slice(0, 4).join(" | ")}`)
      break
    }
    times.push(ms)
  }
  return [summarize({ scenario: "cli-start", impl: "batchctl-cli", unit: "ms" }, times, 0)]
}

// ---------------------------------------------------------------------------------------------------
// Bundle size: a one-cancel app, esbuild, minified, gzipped

const BATCHCTL_APPS: ReadonlyArray<{ pkg: string; ns: string; vendor: string }> = [
  { pkg: "openai", ns: "OpenAiBatches", vendor: "openai" },
  { pkg: "anthropic", ns: "AnthropicBatches", vendor: "anthropic" },
  { pkg: "together", ns: "TogetherBatches", vendor: "together" },
  { pkg: "moonshot", ns: "MoonshotBatches", vendor: "moonshot" },
  { pkg: "respan", ns: "RespanBatches", vendor: "respan" },
  { pkg: "meshapi", ns: "MeshApiBatches", vendor: "meshapi" },
  { pkg: "mistral", ns: "MistralBatches", vendor: "mistral" },
  { pkg: "gemini", ns: "GeminiBatches", vendor: "gemini" },
  { pkg: "azure-openai", ns: "AzureOpenAiBatches", vendor: "azure-openai" },
  { pkg: "groq", ns: "GroqBatches", vendor: "groq" },
  { pkg: "xai", ns: "XaiBatches", vendor: "xai" }
]

const batchctlApp = (apps: ReadonlyArray<{ pkg: string; ns: string }>) =>
  [
    ...apps.map((a) => `import { ${a.ns} } from "@batchctl/${a.pkg}"`),
    `const key = process.env.API_KEY ?? ""`,
    `const id = process.argv[2] ?? ""`,
    ...apps.map((a) => `console.log(await ${a.ns}.client({ apiKey: key }).cancel(id))`)
  ].join("\n")

const OFFICIAL_APPS: ReadonlyArray<{ impl: string; vendor: string; code: string }> = [
  {
    impl: "official-openai",
    vendor: "openai",
    code: `import OpenAI from "openai"\nconsole.log(await new OpenAI({ apiKey: process.env.API_KEY }).batches.cancel(process.argv[2] ?? ""))`
  },
  {
    impl: "official-anthropic",
    vendor: "anthropic",
    code: `import Anthropic from "@anthropic-ai/sdk"\nconsole.log(await new Anthropic({ apiKey: process.env.API_KEY }).messages.batches.cancel(process.argv[2] ?? ""))`
  },
  {
    impl: "official-together",
    vendor: "together",
    code: `import Together from "together-ai"\nconsole.log(await new Together({ apiKey: process.env.API_KEY }).batches.cancel(process.argv[2] ?? ""))`
  }
]

const batchctlSources: esbuild.Plugin = {
  name: "batchctl-sources",
  setup(build) {
    if (process.env.BATCHCTL_SRC === undefined) return
    build.onResolve({ filter: /^@batchctl\// }, (args) => {
      const [, pkg = "", ...rest] = args.path.split("/")
      return { path: join(SRC, pkg, "src", `${rest.length === 0 ? "index" : rest.join("/")}.ts`) }
    })
  }
}

const gzippedKb = async (code: string): Promise<number> => {
  const result = await esbuild.build({
    stdin: { contents: code, resolveDir: BENCH, loader: "ts", sourcefile: "app.ts" },
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "error",
    // A scratch tree (BATCHCTL_SRC) outside the repository finds effect & co. here.
    nodePaths: [join(BENCH, "node_modules")],
    plugins: [batchctlSources]
  })
  const bytes = result.outputFiles[0]?.contents ?? new Uint8Array()
  return round(gzipSync(bytes, { level: 9 }).length / 1024)
}

const bundleSize = async (): Promise<Array<Row>> => {
  const rows: Array<Row> = []
  const sizes = new Map<string, number>()
  for (const app of BATCHCTL_APPS) {
    const kb = await gzippedKb(batchctlApp([app]))
    sizes.set(app.vendor, kb)
    rows.push({ scenario: "bundle-size", impl: `batchctl-${app.vendor}`, vendor: app.vendor, value: kb, unit: "KB gz" })
  }
  const all = await gzippedKb(batchctlApp(BATCHCTL_APPS))
  rows.push({ scenario: "bundle-size", impl: "batchctl-all-six", value: all, unit: "KB gz" })
  const largest = Math.max(...sizes.values())
  rows.push({
    scenario: "bundle-size-per-extra-provider",
    impl: "batchctl-all-six",
    value: round((all - largest) / (BATCHCTL_APPS.length - 1)),
    unit: "KB gz",
    note: "(all six − largest single) / 5"
  })
  for (const app of OFFICIAL_APPS) {
    rows.push({
      scenario: "bundle-size",
      impl: app.impl,
      vendor: app.vendor,
      value: await gzippedKb(app.code),
      unit: "KB gz"
    })
  }
  return rows
}

// ---------------------------------------------------------------------------------------------------

const machine = () => {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, ${process.platform}`
}

const main = async () => {
  // `--merge a.json,b.json`: one results file (and its table) from runs of separate sections; rows of a
  // later file replace the same scenario and impl from an earlier one.
  const merge = option("merge")
  if (merge !== undefined) {
    // A later file's row replaces an earlier one of the same scenario and impl (a section measured again).
    const all = merge.split(",").flatMap((file) => JSON.parse(readFileSync(file, "utf8")) as Array<Row>)
    const key = (r: Row) => `${r.scenario}\u0000${r.impl}`
    const last = new Map(all.map((r) => [key(r), r]))
    const merged = all.filter((r) => last.get(key(r)) === r)
    const headers = merge
      .split(",")
      .map(
        (file) => `- ${relative(BENCH, file)}: ${readFileSync(file.replace(/\.json$/, ".md"), "utf8").split("\n")[0]}`
      )
    writeFileSync(settings.out, `${JSON.stringify(merged, null, 2)}\n`)
    const text = `${table(merged)}\n\n## Against the targets of issue 11\n\n${targets(merged)}\n`
    writeFileSync(`${settings.out.replace(/\.json$/, "")}.md`, `Merged from:\n\n${headers.join("\n")}\n\n${text}`)
    process.stdout.write(text)
    return
  }
  const analyzeOnly = option("analyze")
  if (analyzeOnly !== undefined) {
    const text = analyzeDir(analyzeOnly)
    writeFileSync(join(analyzeOnly, "summary.md"), `${text}\n`)
    process.stdout.write(`${text}\n`)
    return
  }
  if (flag("profile")) {
    await profile({ out: OUT, bench: BENCH, run, startServer, vendors, quick })
    return
  }
  const started = Date.now()
  const loadBefore = loadavg()[0] ?? 0
  log(`batchctl bench${quick ? " (quick)" : ""}: ${machine()}`)
  const rows: Array<Row> = []
  const header = () => {
    const load = `load average ${round(loadBefore, 1)} at the start, ${round(loadavg()[0] ?? 0, 1)} at the end`
    return `Machine: ${machine()}; ${load}. Run: ${new Date().toISOString()}, ${round((Date.now() - started) / 1000, 0)} s, \`npm run bench${argv.length === 0 ? "" : ` -- ${argv.join(" ")}`}\`${process.env.BATCHCTL_SRC === undefined ? "" : " (BATCHCTL_SRC set)"}.`
  }
  // Written after every section, so that a long run stopped half-way still leaves what it measured.
  const save = () => {
    writeFileSync(settings.out, `${JSON.stringify(rows, null, 2)}\n`)
    writeFileSync(
      `${settings.out.replace(/\.json$/, "")}.md`,
      `${header()}\n\n${table(rows)}\n\n## Against the targets of issue 11\n\n${targets(rows)}\n`
    )
  }
  const section = async (name: string, f: () => Promise<ReadonlyArray<Row>> | ReadonlyArray<Row>) => {
    if (!wants(name)) return
    const t = Date.now()
    rows.push(...(await f()))
    save()
    log(`  ${name}: ${round((Date.now() - t) / 1000, 0)} s`)
  }
  // The short sections first.
  await section("import", () => {
    log("import cost")
    return importCost()
  })
  await section("cli", cliStart)
  await section("bundle", () => {
    log("bundle size")
    return bundleSize()
  })
  const needsServer = wants("bulk") || wants("results") || wants("memory") || wants("upload")
  const prepare = wants("results") ? [`openai:${settings.resultsMb}`, `anthropic:${settings.resultsMb}`] : []
  const server = needsServer ? await startServer(prepare) : undefined
  try {
    if (server !== undefined) {
      await section("bulk", () => {
        log(`bulk cancel: ${settings.cancels} cancels at c=1 and c=32, ${settings.reps} rep(s)`)
        return bulkCancel()
      })
      await section("results", () => {
        log(`results: ${settings.resultsMb} MB files`)
        return results(server.origin)
      })
      await section("memory", () => {
        log(`memory: cancelMany of ${settings.memoryIds} ids at c=64`)
        return memory(server.origin)
      })
      await section("upload", () => {
        log(`upload: a ${settings.uploadMb} MB JSONL input, uploaded and created`)
        return upload(server.origin)
      })
    }
  } finally {
    server?.child.stdin?.end()
    server?.child.kill()
  }
  save()
  process.stdout.write(
    `\n${header()}\n\n${table(rows)}\n\n${targets(rows)}\n\nWrote ${relative(process.cwd(), settings.out)}\n`
  )
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.length} failure(s):\n${failures.map((f) => `  - ${f}`).join("\n")}\n`)
    process.exitCode = 1
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
