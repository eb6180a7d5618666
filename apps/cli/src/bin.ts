/**
 * The `batchctl` executable. It answers `--help`, `<command> --help` and `--version` from help texts
 * that the build rendered with @effect/cli (dist/help.json), without loading Effect, so that they start
 * fast; everything else goes to the full command line in `Main.ts`, loaded on demand.
 */
import { readFileSync } from "node:fs"

// Kept free of imports of the CLI's own modules, so that the help path loads this one file only. The
// colour rule is Output.colourOn's (a test checks both paths print the same).
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const ansi = /\u001b\[[0-9;]*m/g
const colourOn = (stream: NodeJS.WriteStream): boolean => {
  const forced = process.env.BATCHCTL_COLOR
  if (forced === "always") return true
  if (forced === "never") return false
  return stream.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb"
}

const commands = new Set(["get", "list", "cancel", "wait", "cancel-all", "results", "emulator", "demo", "console"])
const isHelp = (arg: string | undefined) => arg === "--help" || arg === "-h"

/** The key of a prebuilt answer for these arguments, if there is one. */
const prebuiltKey = (args: ReadonlyArray<string>): string | undefined => {
  if (args.length === 0 || (args.length === 1 && isHelp(args[0]))) return "batchctl"
  if (args.length === 1 && args[0] === "--version") return "--version"
  if (args.length === 2 && commands.has(args[0] ?? "") && isHelp(args[1])) return args[0]
  return undefined
}

const prebuilt = (key: string): string | undefined => {
  if (process.env.BATCHCTL_HELP_CACHE === "0") return undefined
  try {
    const texts: unknown = JSON.parse(readFileSync(new URL("./help.json", import.meta.url), "utf8"))
    if (typeof texts !== "object" || texts === null) return undefined
    const text: unknown = (texts as Record<string, unknown>)[key]
    return typeof text === "string" ? text : undefined
  } catch {
    return undefined
  }
}

const run = async (argv: ReadonlyArray<string>): Promise<number> => {
  const args = argv.slice(2)
  const key = prebuiltKey(args)
  const text = key === undefined ? undefined : prebuilt(key)
  if (text !== undefined) {
    process.stdout.write(colourOn(process.stdout) ? text : text.replace(ansi, ""))
    return 0
  }
  // The conformance suite has its own flags: it gets everything after the word.
  if (args[0] === "conformance") {
    const { conformance } = await import("./Conformance.js")
    return conformance(args.slice(1))
  }
  const { main } = await import("./Main.js")
  return main(argv)
}

// `batchctl list … --json | head -1`: a reader that goes away ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    process.exit(error.code === "EPIPE" ? (process.exitCode ?? 0) : 1)
  })
}

run(process.argv).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`batchctl: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
)
