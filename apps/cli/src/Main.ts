/**
 * The full command line: parses it with @effect/cli, runs the command under `NodeRuntime.runMain`, maps
 * its outcome to an exit code in the runtime's teardown, and turns Ctrl-C into a graceful stop or a clean
 * interruption (exit 130). Loaded by `bin.ts` unless the answer is a help text built in advance.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
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

/**
 * Runs the command line under `NodeRuntime.runMain` and resolves with the exit code (set by `bin.ts` as
 * `process.exitCode`, so that what is written to a pipe is flushed before the process ends).
 *
 * The command runs in a fiber of its own. Ctrl-C (or SIGTERM) interrupts the main fiber, as `runMain`
 * does; its interruption asks a bulk command to stop gracefully (no new cancels; those in flight finish
 * and are reported, for at most 30 s) and waits for it, and interrupts any other command. A second Ctrl-C
 * exits at once.
 */
export const main = (argv: ReadonlyArray<string>): Promise<number> => {
  const guarded = Argv.guard(argv)
  // Whether to answer in JSON is read from the options, never from the ids.
  const json = ("argv" in guarded ? guarded.argv : argv).includes("--json")
  if (!("argv" in guarded)) {
    Output.err(
      json ? JSON.stringify({ error: errorJson(guarded), exitCode: exitCodeOf(guarded) }) : `batchctl: ${line(guarded)}`
    )
    return Promise.resolve(exitCodeOf(guarded))
  }
  const command = cli(guarded.argv).pipe(Effect.provide(platform), withCliConsole)
  let interrupted = false
  let outcome: Exit.Exit<unknown, unknown> | undefined
  const again = () => {
    Output.err("batchctl: interrupted again, exiting")
    process.exit(ExitCode.interrupted)
  }
  const stop = (child: Fiber.RuntimeFiber<unknown, unknown>) =>
    Effect.suspend(() => {
      interrupted = true
      process.once("SIGINT", again)
      process.once("SIGTERM", again)
      if (!Stop.request()) return Fiber.interrupt(child)
      Output.err("batchctl: stopping: no new cancels; waiting for those in flight (Ctrl-C again to quit now)")
      return Effect.zipRight(Effect.timeoutOption(Fiber.await(child), "30 seconds"), Fiber.interrupt(child))
    })
  const program = Effect.gen(function* () {
    const child = yield* Effect.forkDaemon(command)
    const exit = yield* Effect.onInterrupt(Fiber.await(child), () =>
      Effect.flatMap(stop(child), (exit) =>
        Effect.sync(() => {
          outcome = exit
        })
      )
    )
    outcome = exit
  })
  return new Promise((resolve) => {
    NodeRuntime.runMain(program, {
      disableErrorReporting: true,
      disablePrettyLogger: true,
      teardown: (exit) => {
        process.off("SIGINT", again)
        process.off("SIGTERM", again)
        resolve(codeOf(outcome ?? exit, interrupted, json))
      }
    })
  })
}

/** The exit code of the command's outcome, said on stderr as it is decided. */
const codeOf = (exit: Exit.Exit<unknown, unknown>, interrupted: boolean, json: boolean): number => {
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
