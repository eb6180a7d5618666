/**
 * The chaos run: thousands of running batches over every provider, cancelled through seeded faults, then
 * checked against the emulator's own state. Faults come from the emulator (5xx, 429 with and without
 * `retry-after`, resets before the answer, garbled and truncated answers after the vendor acted, slow and
 * never-answering requests, on the cancel, retrieve and list routes) and from a fault proxy in front of it
 * (temporary refusals, resets after the vendor acted, answers about another batch).
 *
 * Every id must be reported exactly once (none lost, none duplicated), every reported cancel must be
 * cancelling or cancelled at the emulator (no false success), every failure must be a typed `BatchError`
 * (no defect), and every batch must end cancelled or with a final typed reason.
 */
import { type BatchError, BatchError as BatchErrors, type BatchProvider, Lifecycle, NodeClient } from "@batchctl/core"
import * as Registry from "@batchctl/conformance/Registry"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { fork, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as Vendor from "./Vendor.js"

export type Provider = Registry.Id

/** Every provider of the repository, from the registry (the one list the CLI and conformance read). */
export const allProviders: ReadonlyArray<Provider> = Registry.entries.map((e) => e.id as Provider)

/** Which code path cancels: the Effect stream, the Promise client's `cancelMany`, or `batchctl cancel-all`. */
export type Path = "effect-each" | "promise-many" | "cli"

export interface Options {
  readonly batches: number
  readonly providers?: ReadonlyArray<Provider> | undefined
  /** false: the same run without any fault (for the time ratio) */
  readonly faults?: boolean | undefined
  readonly seed?: number | undefined
  readonly concurrency?: number | undefined
  readonly path: Path
  /** cli only: stop the run (SIGTERM, or SIGKILL) once about half the cancels took effect, then resume it from its report */
  readonly kill?: "SIGTERM" | "SIGKILL" | undefined
  /**
   * Where the emulator and the fault proxy run: a process of their own (default; the vendor is not in the
   * client's process in real use) or this one.
   */
  readonly vendor?: "process" | "inline" | undefined
  /** cli only: the built CLI (apps/cli/dist, as users run it; build it first) or its sources through tsx (default) */
  readonly cli?: "dist" | "source" | undefined
  /**
   * Milliseconds the vendor takes to answer each request (held at the proxy), with or without faults;
   * default 0: the emulator answers as fast as it can, on the same machine as the client.
   */
  readonly latencyMs?: number | undefined
}

export interface Report {
  readonly path: Path
  readonly batches: number
  readonly providers: number
  readonly faultsStruck: number
  /** requests the vendor received during the run (cancels, their retries and checks, list pages) */
  readonly requests: number
  readonly cancelled: number
  readonly failed: Readonly<Record<string, number>>
  /** reported cancelled, yet not cancelling or cancelled at the emulator */
  readonly falseSuccesses: number
  /** ids with no outcome */
  readonly lost: number
  /** ids with more than one outcome */
  readonly duplicated: number
  /** outcomes that are not a typed BatchError */
  readonly defects: number
  /** batches still running at the emulator at the end, with no failure reported for them */
  readonly unaccounted: number
  /** batches still running at the end (each with a final typed failure) */
  readonly notCancelled: number
  readonly attempts: Readonly<Record<string, number>>
  /** the first few final failures, with their messages */
  readonly examples: ReadonlyArray<string>
  readonly millis: number
  /**
   * CPU time of the vendor's process (the emulator and the fault proxy) during the run, and of this one (the
   * client, for the library paths; the CLI runs in processes of its own): at latency 0 on a small machine the
   * vendor's side is busy the whole run, so its CPU per request, not the client's, sets the time.
   */
  readonly vendorCpuMs: number
  readonly clientCpuMs: number | undefined
  /** milliseconds until half, 90% and 99% of the outcomes were in (the rest is the tail) */
  readonly progress: { readonly half: number; readonly most: number; readonly nearlyAll: number }
  /** milliseconds each provider's cancels took (they run side by side) */
  readonly perProvider: Readonly<Record<string, number>>
  /** cli with kill: outcomes in the killed run's report, cancels that took effect before the kill, and those in neither an outcome nor a "sending" line of the report */
  readonly killed?: { readonly reported: number; readonly tookEffect: number; readonly missing: number } | undefined
}

const cpuMillis = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000

const KEY = "sk-chaos-0123456789abcdef"

/** Attempt timeout for the clients: a request that never answers costs this long, not a minute. */
const TIMEOUT_MS = 2_000

type ProviderLayer = Layer.Layer<BatchProvider.BatchProvider, BatchError.BatchError, HttpClient.HttpClient>

/** What every provider package exports under its namespace (`OpenAiBatches`, …): the parts used here. */
interface ProviderModule {
  readonly layer: (options: {
    readonly apiKey: Redacted.Redacted
    readonly baseUrl: string
    readonly timeout: number
  }) => ProviderLayer
  readonly client: (options: { readonly apiKey: string; readonly baseUrl: string; readonly timeout: number }) => {
    readonly cancelMany: (
      ids: ReadonlyArray<string>,
      options: { readonly concurrency: number }
    ) => Promise<ReadonlyArray<Lifecycle.CancelOutcome>>
    readonly close: () => Promise<void>
  }
}

const moduleOf = async (provider: Provider): Promise<ProviderModule> => {
  const entry = Registry.get(provider)
  const module = (await import(entry.package)) as Record<string, ProviderModule>
  const namespace = module[entry.namespace]
  if (namespace === undefined) throw new Error(`${entry.package} exports no ${entry.namespace}`)
  return namespace
}

const layerOf = async (
  provider: Provider,
  baseUrl: string
): Promise<Layer.Layer<BatchProvider.BatchProvider, BatchError.BatchError>> =>
  Layer.provide(
    (await moduleOf(provider)).layer({
      apiKey: Redacted.make(KEY),
      baseUrl,
      timeout: TIMEOUT_MS
    }),
    NodeClient.layer
  )

const clientOf = async (provider: Provider, baseUrl: string) =>
  (await moduleOf(provider)).client({ apiKey: KEY, baseUrl, timeout: TIMEOUT_MS })

/** What one path reported: an outcome per id (ids may repeat if an outcome was duplicated). */
interface Seen {
  readonly batchId: string
  readonly ok: boolean
  /** the error's tag, or `defect` for anything that is not a typed BatchError */
  readonly tag?: string | undefined
  readonly message?: string | undefined
  readonly attempts?: number | undefined
}

const seenOf = (outcome: Lifecycle.CancelOutcome): Seen =>
  outcome._tag === "Cancelled"
    ? { batchId: outcome.batchId, ok: true, attempts: outcome.attempts }
    : {
        batchId: outcome.batchId,
        ok: false,
        tag: BatchErrors.isBatchError(outcome.error) ? outcome.error._tag : "defect",
        message: BatchErrors.isBatchError(outcome.error) ? outcome.error.message : String(outcome.error),
        attempts: outcome.attempts
      }

const here = dirname(fileURLToPath(import.meta.url))
const cliSource = join(here, "..", "..", "apps", "cli", "src", "bin.ts")
const cliDist = join(here, "..", "..", "apps", "cli", "dist", "bin.js")
const tsxLoader = pathToFileURL(join(here, "..", "node_modules", "tsx", "dist", "esm", "index.mjs")).href

/** Runs `batchctl cancel-all` for one provider; resolves with its exit code. */
const cancelAll = (
  cli: "dist" | "source",
  provider: Provider,
  baseUrl: string,
  report: string,
  concurrency: number,
  onStart?: (kill: (signal: NodeJS.Signals) => void) => void
) =>
  new Promise<number | null>((resolve, reject) => {
    // Node itself runs the CLI (tsx as a loader, not as a wrapper process), so a signal reaches it.
    const child = spawn(
      process.execPath,
      [
        ...(cli === "dist" ? [cliDist] : ["--import", tsxLoader, cliSource]),
        "cancel-all",
        "--report",
        report,
        provider,
        "--yes",
        "--quiet",
        "--concurrency",
        String(concurrency)
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          [`${Registry.get(provider).envPrefix}_API_KEY`]: KEY,
          [`${Registry.get(provider).envPrefix}_BASE_URL`]: baseUrl,
          [`${Registry.get(provider).envPrefix}_TIMEOUT`]: String(TIMEOUT_MS)
        },
        stdio: ["ignore", "ignore", "pipe"]
      }
    )
    let stderr = ""
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8")
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000)
    })
    child.on("error", reject)
    child.on("close", (code, signal) => {
      // Any exit code of the table (0–7, 130) is a run that reported; a crash says "unexpected failure".
      if ((code !== null && code > 7 && code !== 130) || stderr.includes("unexpected failure")) {
        reject(new Error(`batchctl cancel-all ${provider} exited ${code}: ${stderr.slice(-2_000)}`))
      } else resolve(code ?? (signal === null ? null : 137))
    })
    onStart?.((signal) => child.kill(signal))
  })

/** The outcome lines of a `--report` file (a line cut by a kill is skipped). */
const reportLines = (file: string): ReadonlyArray<Seen> => {
  if (!existsSync(file)) return []
  const out: Array<Seen> = []
  for (const text of readFileSync(file, "utf8").split("\n")) {
    if (!text.startsWith("{")) continue
    let line: Record<string, unknown>
    try {
      line = JSON.parse(text) as Record<string, unknown>
    } catch {
      continue
    }
    if (line.summary === true || typeof line.batchId !== "string" || line.outcome === "sending") continue
    const error = line.error as { _tag?: unknown } | undefined
    // "already finished" is not expected here (every batch runs), so it counts as a failure to look at.
    out.push({
      batchId: line.batchId,
      ok: line.outcome === "cancelled",
      tag:
        line.outcome === "cancelled" ? undefined : typeof error?._tag === "string" ? error._tag : String(line.outcome),
      message:
        typeof (error as { message?: unknown } | undefined)?.message === "string"
          ? (error as { message: string }).message
          : undefined,
      attempts: typeof line.attempts === "number" ? line.attempts : undefined
    })
  }
  return out
}

/** The vendor's side: the emulator and the fault proxy, in a process of their own (or this one). */
interface VendorSide {
  readonly url: string
  readonly direct: (provider: Provider) => string
  readonly proxied: (provider: Provider) => string
  readonly setFaults: (on: boolean) => Promise<void>
  readonly struck: () => Promise<{
    readonly struck: Readonly<Record<string, number>>
    readonly requests: number
    readonly cpuMs: number
  }>
  readonly close: () => Promise<void>
}

const startVendor = async (config: Vendor.Config, where: "process" | "inline"): Promise<VendorSide> => {
  const waiters: Array<(answer: Vendor.Answer) => void> = []
  let send: (command: Vendor.Command) => void
  let stop: () => Promise<void>
  const ready = new Promise<Extract<Vendor.Answer, { ready: true }>>((resolve, reject) => {
    const onAnswer = (answer: Vendor.Answer) => {
      if ("ready" in answer) resolve(answer)
      else waiters.shift()?.(answer)
    }
    if (where === "inline") {
      void Vendor.serve(config, onAnswer).then(({ handle, close }) => {
        send = handle
        stop = close
      }, reject)
      return
    }
    const child = fork(join(here, "Vendor.ts"), [JSON.stringify(config)], {
      execArgv: ["--import", tsxLoader],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    child.on("message", (m) => onAnswer(m as Vendor.Answer))
    child.on("error", reject)
    child.on("exit", (code) => reject(new Error(`the chaos vendor process exited (${code}) before it was ready`)))
    send = (command) => child.send(command)
    stop = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.send({ close: true })
      })
  })
  const started = await ready
  const ask = (command: Vendor.Command) =>
    new Promise<Vendor.Answer>((resolve) => {
      waiters.push(resolve)
      send(command)
    })
  return {
    url: started.url,
    direct: (provider) => started.direct[provider] as string,
    proxied: (provider) => started.proxied[provider] as string,
    setFaults: async (on) => {
      await ask({ faults: on })
    },
    struck: async () => {
      const answer = await ask({ struck: true })
      return "struck" in answer ? answer : { struck: {}, requests: 0, cpuMs: 0 }
    },
    close: () => stop()
  }
}

/** The emulator's own state of every batch, read without faults and around the proxy. */
const statesOf = async (emulator: VendorSide, providers: ReadonlyArray<Provider>): Promise<Map<string, string>> => {
  const states = new Map<string, string>()
  for (const provider of providers) {
    const layer = await layerOf(provider, emulator.direct(provider))
    const batches = await Effect.runPromise(
      Stream.runCollect(Lifecycle.listAll({ limit: 100 })).pipe(Effect.provide(layer))
    )
    for (const b of batches) states.set(`${provider}/${b.id}`, b.status)
  }
  return states
}

const seed = async (emulator: VendorSide, provider: Provider, count: number): Promise<ReadonlyArray<string>> => {
  const response = await fetch(`${emulator.url}/_emulator/batches/bulk`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ provider, count, requests: 4 })
  })
  if (!response.ok) throw new Error(`seeding ${provider}: ${response.status} ${await response.text()}`)
  const ids = ((await response.json()) as { ids: ReadonlyArray<string> }).ids
  // Gemini's batch ids are resource names.
  return provider === "gemini" ? ids.map((id) => `batches/${id}`) : ids
}

/** One chaos run. */
export const run = async (options: Options): Promise<Report> => {
  const providers = options.providers ?? allProviders
  const concurrency = options.concurrency ?? 16
  const faults = options.faults ?? true
  const seedNumber = options.seed ?? 7
  const cli = options.cli ?? "source"
  const emulator = await startVendor(
    { apiKey: KEY, seed: seedNumber, faults, providers, latencyMs: options.latencyMs ?? 0 },
    options.vendor ?? "process"
  )
  const dir = mkdtempSync(join(tmpdir(), "batchctl-chaos-"))
  try {
    const ids = new Map<Provider, ReadonlyArray<string>>()
    const per = Math.ceil(options.batches / providers.length)
    for (const provider of providers) ids.set(provider, await seed(emulator, provider, per))
    if (faults) await emulator.setFaults(true)
    const via = (provider: Provider) => emulator.proxied(provider)
    const seen = new Map<string, Array<Seen>>()
    const times: Array<number> = []
    const note = (provider: Provider, s: Seen) => {
      times.push(performance.now() - started)
      const key = `${provider}/${s.batchId}`
      const list = seen.get(key)
      if (list === undefined) seen.set(key, [s])
      else list.push(s)
    }
    let killed: Report["killed"]
    const perProvider: Record<string, number> = {}
    const before = await emulator.struck()
    const clientCpu = process.cpuUsage()
    const started = performance.now()
    await Promise.all(
      providers.map(async (provider) => {
        const list = ids.get(provider) ?? []
        const began = performance.now()
        if (options.path === "effect-each") {
          const layer = await layerOf(provider, via(provider))
          await Effect.runPromise(
            Stream.runForEach(Lifecycle.cancelEach(list, { concurrency }), (o) =>
              Effect.sync(() => note(provider, seenOf(o)))
            ).pipe(Effect.provide(layer))
          )
        } else if (options.path === "promise-many") {
          const client = await clientOf(provider, via(provider))
          try {
            const outcomes = await client.cancelMany(list, { concurrency })
            for (const o of outcomes) note(provider, seenOf(o))
          } finally {
            await client.close()
          }
        } else {
          const report = join(dir, `${provider}.jsonl`)
          if (options.kill !== undefined && provider === providers[0]) {
            const signal = options.kill
            await cancelAll(cli, provider, via(provider), report, concurrency, (kill) => {
              const timer = setInterval(async () => {
                const lines = existsSync(report) ? readFileSync(report, "utf8").split("\n").length : 0
                if (lines >= list.length / 2) {
                  clearInterval(timer)
                  kill(signal)
                }
              }, 20)
            })
            const reported = new Set(reportLines(report).map((s) => s.batchId))
            // A cancel sent but not answered before the kill is in the report as "sending".
            const sent = new Set(
              readFileSync(report, "utf8")
                .split("\n")
                .filter((l) => l.includes('"outcome":"sending"'))
                .map((l) => (JSON.parse(l) as { batchId: string }).batchId)
            )
            await emulator.setFaults(false)
            const states = await statesOf(emulator, [provider])
            let tookEffect = 0
            let missing = 0
            for (const id of list) {
              const state = states.get(`${provider}/${id}`)
              if (state === "cancelling" || state === "cancelled") {
                tookEffect++
                if (!reported.has(id) && !sent.has(id)) missing++
              }
            }
            killed = { reported: reported.size, tookEffect, missing }
            if (faults) await emulator.setFaults(true)
            // The re-run resumes from the report: it skips what the report says is cancelled.
            await cancelAll(cli, provider, via(provider), report, concurrency)
          } else {
            await cancelAll(cli, provider, via(provider), report, concurrency)
          }
          for (const s of reportLines(report)) note(provider, s)
        }
        perProvider[provider] = Math.round(performance.now() - began)
      })
    )
    const millis = performance.now() - started
    const clientCpuMs = options.path === "cli" ? undefined : cpuMillis(process.cpuUsage(clientCpu))
    const after = await emulator.struck()
    const requests = after.requests - before.requests
    const vendorCpuMs = after.cpuMs - before.cpuMs
    times.sort((a, b) => a - b)
    const at = (q: number) => Math.round(times[Math.floor(q * (times.length - 1))] ?? 0)
    const progress = { half: at(0.5), most: at(0.9), nearlyAll: at(0.99) }
    await emulator.setFaults(false)
    const states = await statesOf(emulator, providers)
    let cancelled = 0
    let falseSuccesses = 0
    let lost = 0
    let duplicated = 0
    let defects = 0
    let unaccounted = 0
    let notCancelled = 0
    const failed: Record<string, number> = {}
    const attempts: Record<string, number> = {}
    const examples: Array<string> = []
    for (const provider of providers) {
      for (const id of ids.get(provider) ?? []) {
        const key = `${provider}/${id}`
        const state = states.get(key)
        const taken = state === "cancelling" || state === "cancelled"
        if (!taken) notCancelled++
        // After a resumed run, an id appears in the report once per run that decided it; the last decides.
        const list = seen.get(key) ?? []
        const decided = options.kill !== undefined && provider === providers[0] ? list.slice(-1) : list
        if (list.length === 0) {
          lost++
          if (!taken) unaccounted++
          continue
        }
        if (decided.length > 1) duplicated++
        const last = decided[decided.length - 1] as Seen
        attempts[String(last.attempts ?? 1)] = (attempts[String(last.attempts ?? 1)] ?? 0) + 1
        if (last.ok) {
          cancelled++
          if (!taken) falseSuccesses++
        } else {
          const tag = last.tag ?? "defect"
          if (tag === "defect") defects++
          failed[tag] = (failed[tag] ?? 0) + 1
          if (examples.length < 5) examples.push(`${provider} ${tag} (${state}): ${(last.message ?? "").slice(0, 300)}`)
        }
      }
    }
    const struck = Object.values((await emulator.struck()).struck).reduce((a, b) => a + b, 0)
    return {
      path: options.path,
      batches: [...ids.values()].reduce((n, l) => n + l.length, 0),
      providers: providers.length,
      faultsStruck: struck,
      requests,
      cancelled,
      failed,
      falseSuccesses,
      lost,
      duplicated,
      defects,
      unaccounted,
      notCancelled,
      attempts,
      examples,
      millis,
      vendorCpuMs,
      clientCpuMs,
      perProvider,
      progress,
      killed
    }
  } finally {
    await emulator.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Whether a report holds up: nothing lost, duplicated, falsely successful or untyped. */
export const problems = (r: Report): ReadonlyArray<string> => {
  const out: Array<string> = []
  if (r.lost > 0) out.push(`${r.lost} lost`)
  if (r.duplicated > 0) out.push(`${r.duplicated} duplicated`)
  if (r.falseSuccesses > 0) out.push(`${r.falseSuccesses} false successes`)
  if (r.defects > 0) out.push(`${r.defects} defects`)
  if (r.unaccounted > 0) out.push(`${r.unaccounted} running with no final reason`)
  if (r.killed !== undefined && r.killed.missing > 0)
    out.push(`${r.killed.missing} cancels that took effect missing from the killed run's report`)
  return out
}

/** One summary line. */
export const summary = (r: Report, baseline?: Report): string => {
  const failed = Object.entries(r.failed)
    .map(([tag, n]) => `${tag} ${n}`)
    .join(", ")
  const attempts = Object.entries(r.attempts)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, n]) => `${k}:${n}`)
    .join(" ")
  return (
    `chaos ${r.path}: ${r.batches} batches on ${r.providers} providers; cancelled ${r.cancelled}, failed ${r.batches - r.cancelled - r.lost}` +
    (failed === "" ? "" : ` (${failed})`) +
    `; not cancelled at the end ${r.notCancelled}; lost ${r.lost}, duplicated ${r.duplicated}, false successes ${r.falseSuccesses}, defects ${r.defects}` +
    `; attempts ${attempts}` +
    (r.killed === undefined
      ? ""
      : `; killed run: ${r.killed.tookEffect} took effect, ${r.killed.reported} reported, ${r.killed.missing} missing`) +
    `; ${(r.millis / 1000).toFixed(1)} s, ${r.requests} vendor requests` +
    `, CPU ${(r.vendorCpuMs / 1000).toFixed(1)} s vendor` +
    (r.clientCpuMs === undefined ? "" : ` / ${(r.clientCpuMs / 1000).toFixed(1)} s client`) +
    (baseline === undefined
      ? ""
      : ` (no faults ${(baseline.millis / 1000).toFixed(1)} s, ${baseline.requests} requests, CPU ${(baseline.vendorCpuMs / 1000).toFixed(1)} s vendor: ×${(r.millis / baseline.millis).toFixed(2)} the time, ×${(r.requests / Math.max(1, baseline.requests)).toFixed(2)} the requests, ×${(r.vendorCpuMs / Math.max(1, baseline.vendorCpuMs)).toFixed(2)} the vendor's CPU)`)
  )
}
