/**
 * Everything the CLI prints goes through here: human tables (colours only on a terminal), JSON
 * documents and JSON lines, `--quiet`, and a last scrub of every secret the CLI has seen.
 */

/** How the current command prints. */
export interface Mode {
  readonly json: boolean
  readonly quiet: boolean
  readonly verbose: boolean
}

export const defaultMode: Mode = { json: false, quiet: false, verbose: false }

const secrets = new Set<string>()

/** Registers a secret (an API key) so that it can never be printed, whatever carries it. */
export const addSecret = (value: string): void => {
  if (value.length >= 4) secrets.add(value)
}

/** Replaces every registered secret in `text`. */
export const scrub = (text: string): string => {
  let out = text
  for (const secret of secrets) out = out.split(secret).join("[redacted]")
  return out
}

const write = (stream: NodeJS.WriteStream, text: string) => {
  stream.write(scrub(text))
}

/** A line on stdout. */
export const out = (text: string): void => write(process.stdout, `${text}\n`)

/** A line on stderr. */
export const err = (text: string): void => write(process.stderr, `${text}\n`)

/** Raw text on stderr (progress bars). */
export const errRaw = (text: string): void => write(process.stderr, text)

/** How deep a printed JSON value may nest: a vendor's raw object nested 10,000 deep must not overflow the stack. */
const MAX_DEPTH = 64

/** `value` with whatever lies deeper than `depth` replaced by a note (a copy only when something is that deep). */
export const bounded = (value: unknown, depth: number = MAX_DEPTH): unknown => {
  if (typeof value !== "object" || value === null) return value
  if (depth <= 0) return `[nested more than ${MAX_DEPTH} deep: not printed]`
  if (Array.isArray(value)) return value.map((v) => bounded(v, depth - 1))
  if (value instanceof Date) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = bounded(v, depth - 1)
  return out
}

/** One JSON document (or one JSON line) on stdout. */
export const json = (value: unknown, pretty = false): void => {
  const safe = bounded(value, MAX_DEPTH)
  out(pretty ? JSON.stringify(safe, null, 2) : JSON.stringify(safe))
}

/** Colours on a terminal, unless NO_COLOR or TERM=dumb; `BATCHCTL_COLOR=always|never` overrides. */
export const colourOn = (stream: NodeJS.WriteStream): boolean => {
  const forced = process.env.BATCHCTL_COLOR
  if (forced === "always") return true
  if (forced === "never") return false
  return stream.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb"
}

const paint =
  (code: string) =>
  (text: string, stream: NodeJS.WriteStream = process.stdout) =>
    colourOn(stream) ? `\u001b[${code}m${text}\u001b[0m` : text

export const bold = paint("1")
export const dim = paint("2")
export const red = paint("31")
export const green = paint("32")
export const yellow = paint("33")
export const cyan = paint("36")

/** The colour of a normalized status. */
export const status = (value: string, stream: NodeJS.WriteStream = process.stdout): string => {
  switch (value) {
    case "completed":
      return green(value, stream)
    case "cancelled":
    case "cancelling":
    case "expired":
      return yellow(value, stream)
    case "failed":
      return red(value, stream)
    default:
      return cyan(value, stream)
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes to measure width
const ansi = /\u001b\[[0-9;]*m/g

const width = (text: string) => text.replace(ansi, "").length

/** Removes colour codes. */
export const stripColour = (text: string): string => text.replace(ansi, "")

/** Text as it may go to `stream`: colour codes kept only where colours are on. */
export const forStream = (stream: NodeJS.WriteStream, text: string): string =>
  colourOn(stream) ? text : stripColour(text)

/** A plain table: a bold header row, then the rows, columns padded to the widest cell. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))))
  const render = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(Math.max(0, (widths[i] ?? 0) - width(c)))))
      .join("  ")
      .trimEnd()
  return [bold(render(header)), ...rows.map(render)].join("\n")
}

/** Whether a progress bar may be drawn (stderr is a terminal and the mode is human). */
export const progressOn = (mode: Mode): boolean => !mode.json && !mode.quiet && process.stderr.isTTY === true

/** A one-line progress bar, redrawn in place on stderr. */
export const progress = (done: number, total: number, label: string): void => {
  const size = 24
  const filled = total === 0 ? size : Math.round((done / total) * size)
  errRaw(`\r[${"#".repeat(filled)}${"-".repeat(size - filled)}] ${done}/${total} ${label}\u001b[K`)
}

/** Clears the progress line. */
export const progressDone = (): void => errRaw("\r\u001b[K")
