/**
 * `batchctl demo`.
 */
import * as Effect from "effect/Effect"
import { NotAvailable } from "./Failure.js"

export const demo = (_flags: { readonly json: boolean }) =>
  Effect.fail(new NotAvailable({ message: "the demo needs the emulator, not in this build yet" }))
