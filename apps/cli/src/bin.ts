/**
 * The `batchctl` executable. It answers `--help`, `<command> --help` and `--version` from help texts
 * that the build rendered with @effect/cli (dist/help.json), without loading Effect, so that they start
 * fast; everything else goes to the full command line in `Main.ts`, loaded on demand.
 */
import { readFileSync } from "node:fs"
import { setFlagsFromString } from "node:v8"

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
  // This process is ours, so it may tune V8 for what it does: many short requests at once. With
  // allocation-site pretenuring (V8's default), V8 soon decides to allocate some per-request objects
  // straight in the old generation; dead there, they keep what they point to alive through every young
  // collection until a full one. `cancel` of 100,000 ids: peak RSS 199 MB and 16.4 s of CPU with it,
  // 123-133 MB and 13.4-14.1 s without. Set before the command's code is loaded; a
  // `--allocation-site-pretenuring` given to node (or in NODE_OPTIONS) is the user's choice and is kept.
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" ")
  if (!/--(no-)?allocation[-_]site[-_]pretenuring/.test(given)) {
    setFlagsFromString("--no-allocation-site-pretenuring")
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
