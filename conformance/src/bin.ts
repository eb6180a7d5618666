#!/usr/bin/env node
/**
 * `batchctl-conformance`: see {@link Cli.program} and `batchctl-conformance --help`. Run by `NodeRuntime`,
 * which ends the process with the command's exit code (and interrupts it on Ctrl-C).
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Cli from "./Cli.js"

NodeRuntime.runMain(Effect.provide(Cli.program(process.argv.slice(2)), NodeContext.layer), {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    onExit(Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : Exit.isInterrupted(exit) ? 130 : 2)
})
