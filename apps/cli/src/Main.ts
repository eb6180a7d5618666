/**
 * The full command line: parses it with @effect/cli, runs the command, maps its outcome to an exit
 * code, and turns Ctrl-C into a clean interruption (exit 130). Loaded by `bin.ts` unless the answer is
 * a help text built in advance.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Cause from "effect/Cause"
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Argv from "./Argv.js"
import { cli } from "./Commands.js"
import { ExitCode, errorJson, exitCodeOf, line, type Reportable } from "./Failure.js"
import * as Output from "./Output.js"
import * as Stop from "./Stop.js"

const isReportable = (u: unknown): u is Reportable =>
  typeof u === "object" &&
  u !== null &&
  "_tag" in u &&
  typeof u._tag === "string" &&
  "message" in u &&
  typeof u.message === "string"

const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

/** @effect/cli prints help and usage errors through the Console: colours only on a terminal, secrets never. */
const withCliConsole = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.consoleWith((base) => {
    const text = (stream: NodeJS.WriteStream, args: ReadonlyArray<unknown>) =>
      Output.forStream(stream, args.map(String).join(" "))
    const log = (...args: ReadonlyArray<unknown>) => Output.out(text(process.stdout, args))
    const error = (...args: ReadonlyArray<unknown>) => Output.err(text(process.stderr, args))
    const console: Console.Console = {
      ...base,
      log: (...args) => Effect.sync(() => log(...args)),
      info: (...args) => Effect.sync(() => log(...args)),
      error: (...args) => Effect.sync(() => error(...args)),
      warn: (...args) => Effect.sync(() => error(...args)),
      unsafe: { ...base.unsafe, log, info: log, error, warn: error }
    }
    return Effect.withConsole(self, console)
  })

export const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const guarded = Argv.guard(argv)
  // Whether to answer in JSON is read from the options, never from the ids.
  const json = ("argv" in guarded ? guarded.argv : argv).includes("--json")
  if (!("argv" in guarded)) {
    Output.err(
      json ? JSON.stringify({ error: errorJson(guarded), exitCode: exitCodeOf(guarded) }) : `batchctl: ${line(guarded)}`
    )
    return exitCodeOf(guarded)
  }
  const fiber = Effect.runFork(cli(guarded.argv).pipe(Effect.provide(platform), withCliConsole))
  let interrupted = false
  const onSigint = () => {
    if (interrupted) {
      // A second Ctrl-C: stop now.
      Output.err("batchctl: interrupted again, exiting")
      process.exit(ExitCode.interrupted)
    }
    interrupted = true
    if (Stop.request()) {
      // A bulk command finishes the cancels in flight and reports them; past a grace period it is
      // interrupted as any other.
      Output.err("batchctl: stopping: no new cancels; waiting for those in flight (Ctrl-C again to quit now)")
      setTimeout(() => Effect.runFork(Fiber.interrupt(fiber)), 30_000).unref()
      return
    }
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.on("SIGINT", onSigint)
  process.on("SIGTERM", onSigint)
  // A fiber waiting on something that holds no handle must not let Node exit early (and with 0).
  const keepAlive = setInterval(() => undefined, 1 << 30)
  const exit = await Effect.runPromise(Fiber.await(fiber))
  clearInterval(keepAlive)
  process.off("SIGINT", onSigint)
  process.off("SIGTERM", onSigint)

  if (Exit.isSuccess(exit)) return ExitCode.success
  if (Cause.isInterruptedOnly(exit.cause)) {
    Output.err("batchctl: interrupted")
    return ExitCode.interrupted
  }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    // @effect/cli has printed usage errors already.
    if (typeof error === "object" && error !== null && "_tag" in error && isCliValidation(error._tag)) {
      return error._tag === "HelpRequested" ? ExitCode.success : ExitCode.badInput
    }
    if (isReportable(error)) {
      if (error._tag !== "Reported") {
        Output.err(
          json ? JSON.stringify({ error: errorJson(error), exitCode: exitCodeOf(error) }) : `batchctl: ${line(error)}`
        )
      }
      return exitCodeOf(error)
    }
  }
  if (interrupted) {
    Output.err("batchctl: interrupted")
    return ExitCode.interrupted
  }
  Output.err(`batchctl: unexpected failure: ${Cause.pretty(exit.cause)}`)
  return ExitCode.other
}

const validationTags = new Set([
  "CommandMismatch",
  "CorrectedFlag",
  "HelpRequested",
  "InvalidArgument",
  "InvalidValue",
  "MissingValue",
  "MissingFlag",
  "MultipleValuesDetected",
  "MissingSubcommand",
  "NoBuiltInMatch",
  "UnclusteredFlag"
])
const isCliValidation = (tag: unknown) => typeof tag === "string" && validationTags.has(tag)
