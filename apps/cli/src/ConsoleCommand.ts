/**
 * `batchctl console`: the batches of every provider whose key is set, on one local page (see
 * `@batchctl/console`), in the foreground until Ctrl-C. With `--emulator`, the embedded emulator with
 * a running fleet instead. Loaded on first use.
 */
import { BatchProvider, NodeClient } from "@batchctl/core"
import { Console, Fleet } from "@batchctl/console"
import { Emulator } from "@batchctl/emulator"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { BadInput } from "./Failure.js"
import * as Output from "./Output.js"
import * as Parse from "./Parse.js"
import * as Providers from "./Providers.js"

export interface ConsoleFlags {
  readonly port: number | undefined
  readonly host: string | undefined
  readonly open: boolean
  readonly emulator: boolean
  /** a duration (`10s`, `1m`) */
  readonly refresh: string | undefined
}

const stamp = () => new Date().toISOString().slice(11, 19)

/** The connections to show: every provider whose key is set (the same settings as the other commands). */
const configured = Effect.gen(function* () {
  const out: Array<Providers.Connection> = []
  for (const provider of Providers.providers) {
    const resolved = yield* Effect.either(Providers.resolve(provider, { apiKeyEnv: undefined, baseUrl: undefined }))
    if (resolved._tag === "Right") out.push(resolved.right)
    else if (resolved.left._tag === "BadInput") return yield* Effect.fail(resolved.left)
  }
  if (out.length === 0) {
    return yield* Effect.fail(
      new BadInput({
        message: `no provider is configured: set one of ${Providers.providers.map(Providers.keyVariable).join(", ")} (and <PROVIDER>_BASE_URL to use another address), or try batchctl console --emulator`
      })
    )
  }
  return out
})

/** The embedded emulator, with a fleet, and a connection to each of its vendors. */
const emulated = Effect.gen(function* () {
  const handle = yield* Emulator.make({ meshapiActiveLimit: 10_000 }).pipe(
    Effect.mapError((e) => new BadInput({ message: e.message }))
  )
  const seeded = yield* Effect.tryPromise({
    try: () => Fleet.seed(handle),
    catch: (e) =>
      new BadInput({
        message: `the emulator's fleet could not be created: ${e instanceof Error ? e.message : String(e)}`
      })
  })
  const connections = Providers.providers
    .filter((p) => (Emulator.providers as ReadonlyArray<string>).includes(p))
    .map(
      (provider): Providers.Connection => ({
        provider,
        apiKey: Redacted.make("batchctl-console-emulator"),
        keyVariable: Providers.keyVariable(provider),
        baseUrl: handle.baseUrl(provider as Emulator.Provider),
        baseUrlVariable: Providers.baseUrlVariable(provider)
      })
    )
  return { handle, seeded, connections }
})

/** Opens the page in the system's browser; a failure only says so. */
const openBrowser = (url: string) => {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", url]]
        : ["xdg-open", [url]]
  try {
    const child = spawn(command, args, { stdio: "ignore", detached: true })
    child.on("error", () => Output.err(`batchctl: could not open a browser (${command}); open the address above`))
    child.unref()
  } catch {
    Output.err(`batchctl: could not open a browser (${command}); open the address above`)
  }
}

export const console = (flags: ConsoleFlags) =>
  Effect.scoped(
    Effect.gen(function* () {
      if (flags.port !== undefined && (flags.port < 0 || flags.port > 65_535)) {
        return yield* Effect.fail(new BadInput({ message: "--port must be between 0 and 65535" }))
      }
      const refresh = flags.refresh === undefined ? undefined : yield* Parse.durationMillis(flags.refresh, "--refresh")
      if (refresh !== undefined && (refresh < 1_000 || refresh > 3_600_000)) {
        return yield* Effect.fail(new BadInput({ message: "--refresh must be between 1s and 1h" }))
      }
      const emulator = flags.emulator ? yield* emulated : undefined
      const connections = emulator?.connections ?? (yield* configured)
      const sources = yield* Effect.forEach(connections, (connection) =>
        Effect.gen(function* () {
          const layer = Layer.provide(yield* Providers.layerFor(connection), NodeClient.layer)
          const context = yield* Layer.build(layer)
          return { provider: connection.provider, service: Context.get(context, BatchProvider.BatchProvider) }
        })
      )
      const handle = yield* Console.make({
        sources,
        port: flags.port,
        host: flags.host,
        now: emulator?.handle.now,
        refreshMillis: refresh === undefined ? (emulator === undefined ? undefined : 2_000) : refresh,
        log: (line) => Output.err(`${Output.dim(stamp(), process.stderr)} ${line}`)
      }).pipe(Effect.mapError((e) => new BadInput({ message: e.message })))
      // One write: whoever reads the address also reads what it serves.
      Output.out(
        `batchctl console: ${Output.bold(handle.openUrl)}\n${Output.dim(
          emulator === undefined
            ? `providers: ${connections.map((c) => c.provider).join(", ")}`
            : `against the embedded emulator at ${emulator.handle.url}, with ${emulator.seeded} batches on ${connections.length} providers`
        )}`
      )
      if (
        flags.host !== undefined &&
        flags.host !== "127.0.0.1" &&
        flags.host !== "localhost" &&
        flags.host !== "::1"
      ) {
        Output.err(
          `batchctl: listening on ${flags.host}, beyond this machine: anyone who has the address above can cancel batches`
        )
      }
      Output.out(Output.dim("the address carries this session's token; every action is logged here. Ctrl-C to stop."))
      if (flags.open) openBrowser(handle.openUrl)
      return yield* Effect.never
    }).pipe(Effect.onInterrupt(() => Effect.sync(() => Output.err("batchctl: console stopped"))))
  )
