/**
 * `batchctl emulator`: the emulator in the foreground until Ctrl-C.
 */
import { Emulator } from "@batchctl/emulator"
import * as Effect from "effect/Effect"
import { BadInput } from "./Failure.js"
import * as Output from "./Output.js"
import * as Providers from "./Providers.js"
import { baseUrlVariable, keyVariable } from "./Providers.js"

export interface EmulatorFlags {
  readonly port: number | undefined
  readonly host: string | undefined
  readonly apiKey: string | undefined
  readonly seed: number | undefined
  readonly json: boolean
}

export const emulator = (flags: EmulatorFlags) =>
  Effect.scoped(
    Effect.gen(function* () {
      if (flags.port !== undefined && (flags.port < 0 || flags.port > 65_535)) {
        return yield* Effect.fail(new BadInput({ message: "--port must be between 0 and 65535" }))
      }
      if (flags.apiKey !== undefined) Output.addSecret(flags.apiKey)
      const handle = yield* Emulator.make({
        port: flags.port,
        host: flags.host,
        apiKey: flags.apiKey,
        seed: flags.seed
      }).pipe(Effect.mapError((e) => new BadInput({ message: e.message })))
      // Every provider the CLI knows that the emulator plays (all eleven built in).
      const served = Providers.providers.filter((p) => Emulator.vendors.includes(p))
      const baseUrls = Object.fromEntries(served.map((p) => [p, handle.baseUrl(p)]))
      if (flags.json) {
        Output.json({ url: handle.url, port: handle.port, baseUrls, anyKey: flags.apiKey === undefined })
      } else {
        Output.out(`batchctl emulator listening on ${Output.bold(handle.url)}`)
        Output.out(
          flags.apiKey === undefined
            ? "it accepts any non-empty API key"
            : "it accepts only the key given with --api-key"
        )
        Output.out("")
        for (const p of served) {
          Output.out(`export ${baseUrlVariable(p)}=${handle.baseUrl(p)}`)
        }
        if (flags.apiKey === undefined) {
          for (const p of served) Output.out(`export ${keyVariable(p)}=emulator`)
        }
        Output.out("")
        Output.out(Output.dim("Ctrl-C to stop."))
      }
      return yield* Effect.never
    }).pipe(Effect.onInterrupt(() => Effect.sync(() => Output.err("batchctl: emulator stopped"))))
  )
