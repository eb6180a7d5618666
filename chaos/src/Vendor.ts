/**
 * The vendor's side of a chaos run in a process of its own: the emulator and the fault proxy in front of
 * it. The vendor is not in the client's process in real use, so the client's time is measured without
 * the emulator's work in the same event loop (on a 2-core machine each side gets a core).
 *
 * Started with `fork` (an IPC channel); it answers `{ ready }` with its addresses, then takes
 * `{ faults: boolean }` (its answer `{ faults }` once applied), `{ struck: true }` and `{ close: true }`.
 */
import { Emulator } from "@batchctl/emulator"
import * as FaultProxy from "./FaultProxy.js"

/** What the parent sends. */
export type Command = { readonly faults: boolean } | { readonly struck: true } | { readonly close: true }

/** What this process answers. */
export type Answer =
  | {
      readonly ready: true
      readonly url: string
      /** Each provider's base URL at the emulator, directly. */
      readonly direct: Readonly<Record<string, string>>
      /** Each provider's base URL through the fault proxy. */
      readonly proxied: Readonly<Record<string, string>>
    }
  | { readonly faults: boolean }
  | {
      readonly struck: Readonly<Record<string, number>>
      readonly requests: number
      /** this process's CPU time so far, in milliseconds (user and system) */
      readonly cpuMs: number
    }

/** The emulator's faults, about 20% of cancel answers, plus list and retrieve faults. */
export const emulatorFaults = (): ReadonlyArray<Emulator.FaultRule> => [
  { kind: "status", status: 429, retryAfter: 1, route: "cancel", rate: 0.03 },
  // a vendor that says nothing of when to come back (no `retry-after`): the client's own backoff
  { kind: "status", status: 429, retryAfter: false, route: "cancel", rate: 0.02 },
  { kind: "status", status: 500, route: "cancel", rate: 0.03 },
  { kind: "status", status: 503, route: "cancel", rate: 0.02 },
  { kind: "drop", route: "cancel", rate: 0.02 },
  { kind: "malformed", route: "cancel", rate: 0.03 },
  { kind: "truncated", route: "cancel", rate: 0.02 },
  // slower than the client's attempt timeout: never answers, as far as the client knows
  { kind: "delay", millis: 8_000, route: "cancel", rate: 0.005 },
  { kind: "delay", millis: 200, route: "cancel", rate: 0.02 },
  { kind: "status", status: 500, route: "retrieve", rate: 0.03 },
  { kind: "malformed", route: "retrieve", rate: 0.02 },
  { kind: "drop", route: "retrieve", rate: 0.01 },
  { kind: "status", status: 500, route: "list", rate: 0.05 },
  { kind: "status", status: 429, retryAfter: 2, route: "list", rate: 0.03 },
  { kind: "malformed", route: "list", rate: 0.02 }
]

/** The proxy's faults, about 8% of cancel answers. */
export const proxyFaults: ReadonlyArray<FaultProxy.ProxyRule> = [
  { kind: "refuse", route: "cancel", rate: 0.04 },
  { kind: "reset-after", route: "cancel", rate: 0.03 },
  { kind: "wrong-id", route: "cancel", rate: 0.01 }
]

export interface Config {
  readonly apiKey: string
  readonly seed: number
  readonly faults: boolean
  readonly providers: ReadonlyArray<string>
  /** held before every answer, in ms (a vendor's own time to answer); 0 by default */
  readonly latencyMs?: number | undefined
}

/** Starts both; `send` gets the answers. */
export const serve = async (config: Config, send: (answer: Answer) => void) => {
  const emulator = await Emulator.start({
    apiKey: config.apiKey,
    seed: config.seed,
    // Batches run for days of emulated time: only a cancel ends them here.
    timings: { validatingMs: 0, requestMs: 86_400_000, cancellingMs: 0 },
    meshapiActiveLimit: 1_000_000
  })
  const proxy = await FaultProxy.start(
    emulator.url,
    config.faults ? proxyFaults : [],
    config.seed,
    config.latencyMs ?? 0
  )
  const direct: Record<string, string> = {}
  const proxied: Record<string, string> = {}
  for (const p of config.providers) {
    direct[p] = emulator.baseUrl(p)
    proxied[p] = proxy.baseUrl(emulator.baseUrl(p))
  }
  const close = async () => {
    await proxy.close()
    await emulator.close()
  }
  const handle = (command: Command) => {
    if ("faults" in command) {
      emulator.setFaults(command.faults && config.faults ? emulatorFaults() : [])
      send({ faults: command.faults })
    } else if ("struck" in command) {
      const cpu = process.cpuUsage()
      send({ struck: proxy.struck(), requests: proxy.requests(), cpuMs: (cpu.user + cpu.system) / 1000 })
    } else void close().then(() => process.exit(0))
  }
  send({ ready: true, url: emulator.url, direct, proxied })
  return { handle, close }
}

// Run as a child process: the config comes as the first argument.
if (process.send !== undefined && process.argv[2] !== undefined) {
  const config = JSON.parse(process.argv[2]) as Config
  const send = (answer: Answer) => process.send?.(answer)
  const { handle, close } = await serve(config, send)
  process.on("message", (m) => handle(m as Command))
  // The parent gone (killed, crashed): nothing left to serve.
  process.on("disconnect", () => void close().then(() => process.exit(0)))
}
