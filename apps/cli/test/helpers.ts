/**
 * Runs the built CLI (dist/bin.js) as a subprocess, with a clean environment, and keeps every byte it
 * printed so that the canary key can be looked for in all of it at the end.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bin.js")

if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`node build.mjs\` first (npm test does)`)

/** The key every command sends; it must never be printed. */
export const CANARY = "sk-canary-9f8e7d6c5b4a3921-do-not-print"

export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Everything any run printed, for the canary check. */
export const printed: Array<string> = []

const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/_API_KEY$|_BASE_URL$|^NO_COLOR$|^FORCE_COLOR$|^BATCHCTL_/.test(k)) continue
    env[k] = v
  }
  return env
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>
  readonly stdin?: string
  readonly timeoutMs?: number
}

/** Starts the CLI; `done` resolves when it exits. */
export const start = (args: ReadonlyArray<string>, options: RunOptions = {}) => {
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], {
    env: { ...cleanEnv(), ...options.env },
    stdio: ["pipe", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString("utf8")
  })
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString("utf8")
  })
  if (options.stdin !== undefined) child.stdin?.end(options.stdin)
  else child.stdin?.end()
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000)
  const done = new Promise<Result>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      printed.push(stdout, stderr)
      resolve({ code, signal, stdout, stderr })
    })
  })
  return {
    child,
    done,
    stdout: () => stdout,
    stderr: () => stderr
  }
}

export const run = (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<Result> => start(args, options).done

/** Runs the CLI inside a pseudo-terminal (util-linux `script`), typing `input`. */
export const runInTerminal = (args: ReadonlyArray<string>, input: string, env: Readonly<Record<string, string>>) =>
  new Promise<Result>((resolve) => {
    const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`
    const command = [process.execPath, bin, ...args].map(quote).join(" ")
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      env: { ...cleanEnv(), ...env, TERM: "dumb" },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8")
      // Answer once the question is on the screen.
      if (input !== "" && /\[y\/N\]/.test(stdout)) {
        child.stdin.write(input)
        input = ""
      }
    })
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8")
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      printed.push(stdout, stderr)
      resolve({ code, signal, stdout, stderr })
    })
  })

/** JSON lines of stdout. */
export const jsonLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>)

/** Waits until `predicate` holds, polling. */
export const until = async (predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> => {
  const started = Date.now()
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting")
    await new Promise((r) => setTimeout(r, 50))
  }
}

export const hasScript = (() => {
  try {
    return existsSync("/usr/bin/script") || existsSync("/bin/script")
  } catch {
    return false
  }
})()
