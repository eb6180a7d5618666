/**
 * Batch ids are data, never options. Ids often come from lists nobody checked (`xargs batchctl cancel
 * openai < ids.txt`), so an id such as `--base-url=https://evil.example` must not send the key elsewhere,
 * and an id `--help` must not make a cancel exit 0 having cancelled nothing.
 *
 * For the commands that take ids (`get`, `wait`, `results`, `cancel`), this reads the command line before
 * @effect/cli does:
 * - after `--`, every word is an id, whatever it looks like;
 * - options that change where the key goes, which file is written, or whether the command runs at all
 *   (`--base-url`, `--api-key-env`, `--report`, `--help`, `--version`, `--wizard`, …) are only taken
 *   before the provider; after it they are refused (exit 2, nothing sent). `results`, which takes one
 *   id a call, also takes `--out` after it;
 * - after the provider, only the command's harmless options (`--json`, `--wait`, `--timeout`, …) are
 *   options, and any other word that starts with `-` is refused: an id that really starts with `-` goes
 *   after `--`.
 * The ids themselves never reach @effect/cli's parser: it sees a placeholder for each, which the
 * command turns back into the id exactly as given ({@link ids}).
 */
import { BadInput } from "./Failure.js"

type Arity = "one" | "many"

/** The commands that take ids, with the options they accept after the provider. */
const idCommands: Record<string, { readonly arity: Arity; readonly after: ReadonlySet<string> }> = {
  get: { arity: "one", after: new Set(["--json", "--quiet", "-q", "--verbose"]) },
  wait: { arity: "one", after: new Set(["--json", "--quiet", "-q", "--verbose", "--timeout", "--interval"]) },
  // One id a call, so a list of ids cannot reach it: `--out` may follow the id.
  results: { arity: "one", after: new Set(["--json", "--quiet", "-q", "--verbose", "--out"]) },
  cancel: {
    arity: "many",
    after: new Set(["--json", "--quiet", "-q", "--verbose", "--wait", "--timeout", "--interval", "--concurrency"])
  }
}

/** Options that take a value as the next word (unless written `--name=value`). */
const takesValue: ReadonlySet<string> = new Set([
  "--timeout",
  "--interval",
  "--concurrency",
  "--out",
  "--report",
  "--api-key-env",
  "--base-url",
  "--log-level",
  "--completions"
])

/** A private-use character no vendor puts in an id, and that @effect/cli reads as plain text. */
const MARK = "\uE000"

/** The operands as given, and whether each came after `--` (then it is an id, whatever it looks like). */
let given: ReadonlyArray<{ readonly word: string; readonly literal: boolean }> = []

/** "Read ids from stdin": a `-` given before `--`. After `--`, `-` is an id like any other word. */
export const Stdin: unique symbol = Symbol.for("batchctl/Argv/Stdin")

/** An operand of a command that takes many ids: an id, or {@link Stdin}. */
export type Operand = string | typeof Stdin

/**
 * The operands of the command line, from the placeholders @effect/cli handed over. A word that is not a
 * placeholder (the command was not guarded) is returned as is, `-` as {@link Stdin}.
 */
export const ids = (words: ReadonlyArray<string>): ReadonlyArray<Operand> =>
  words.map((word) => {
    const operand = word.startsWith(MARK) ? given[Number(word.slice(MARK.length))] : undefined
    if (operand === undefined) return word === "-" ? Stdin : word
    return operand.word === "-" && !operand.literal ? Stdin : operand.word
  })

/** The id of a one-id command: always the word as given (`-` is not stdin there). */
export const id = (word: string): string => {
  if (!word.startsWith(MARK)) return word
  return given[Number(word.slice(MARK.length))]?.word ?? word
}

/**
 * The command line with each id replaced by a placeholder, or why it is refused. `argv` is
 * `process.argv` (node, script, args…).
 */
export const guard = (argv: ReadonlyArray<string>): { readonly argv: ReadonlyArray<string> } | BadInput => {
  const args = argv.slice(2)
  // Options before the command (`--log-level x cancel …`) would take this guard out of play: for the
  // commands that take ids, nothing may come before the command.
  const named = args.find((word) => Object.hasOwn(idCommands, word))
  if ((args[0] ?? "").startsWith("-") && named !== undefined) {
    return new BadInput({
      message: `options go after the command (batchctl ${named} …), not before it; nothing was sent`
    })
  }
  const command = args[0] ?? ""
  const spec = Object.hasOwn(idCommands, command) ? idCommands[command] : undefined
  if (spec === undefined) return { argv }
  const head: Array<string> = [command]
  const tail: Array<string> = []
  const operands: Array<{ readonly word: string; readonly literal: boolean }> = []
  let provider = false
  for (let i = 1; i < args.length; i++) {
    const word = args[i] as string
    if (word === "--") {
      if (!provider) {
        // `cancel -- openai id`: the provider is the first word after `--`.
        const [first, ...rest] = args.slice(i + 1)
        if (first !== undefined) head.push(first)
        for (const word of rest) operands.push({ word, literal: true })
      } else {
        for (const word of args.slice(i + 1)) operands.push({ word, literal: true })
      }
      break
    }
    const isOption = word.startsWith("-") && word !== "-"
    const name = word.split("=", 1)[0] as string
    if (!provider) {
      head.push(word)
      if (!isOption) provider = true
      else if (takesValue.has(name) && !word.includes("=") && i + 1 < args.length) head.push(args[++i] as string)
      continue
    }
    if (!isOption) {
      operands.push({ word, literal: false })
      continue
    }
    if (!spec.after.has(name)) {
      const where = `batchctl ${command} ${name} … <provider> …`
      return new BadInput({
        message:
          takesValue.has(name) || name === "--help" || name === "-h" || name === "--version" || name === "--wizard"
            ? `${name} must come before the provider (${where}): after the provider only ids and ${[...spec.after].filter((o) => o.startsWith("--")).join(", ")} follow, so that a list of ids cannot change where the key goes or what runs; nothing was sent`
            : `${JSON.stringify(word.slice(0, 80))} is not an option of ${command}; an id that starts with "-" goes after "--"; nothing was sent`
      })
    }
    tail.push(word)
    if (takesValue.has(name) && !word.includes("=") && i + 1 < args.length) {
      const value = args[++i] as string
      // @effect/cli would still read `--timeout --help` as a request for help: a value is never option-shaped.
      if (value.startsWith("-")) {
        return new BadInput({
          message: `${name} needs a value, not ${JSON.stringify(value.slice(0, 80))} (write ${name}=VALUE); nothing was sent`
        })
      }
      tail.push(value)
    }
  }
  if (spec.arity === "one" && operands.length > 1) {
    return new BadInput({ message: `${command} takes one batch id, not ${operands.length}; nothing was sent` })
  }
  given = operands
  return { argv: [...argv.slice(0, 2), ...head, ...tail, ...operands.map((_, n) => `${MARK}${n}`)] }
}
