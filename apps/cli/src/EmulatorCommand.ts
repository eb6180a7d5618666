/**
 * `batchctl emulator`: the emulator in the foreground until Ctrl-C.
 */
import * as Effect from "effect/Effect"
import { NotAvailable } from "./Failure.js"

export interface EmulatorFlags {
  readonly port: number | undefined
  readonly host: string | undefined
  readonly apiKey: string | undefined
  readonly seed: number | undefined
  readonly json: boolean
}

export const emulator = (_flags: EmulatorFlags) =>
  Effect.fail(new NotAvailable({ message: "the emulator is not in this build yet" }))
