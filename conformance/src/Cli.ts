/**
 * The command line of the suite: `batchctl-conformance …`, and `batchctl conformance …` of the batchctl
 * command, which calls {@link main}.
 *
 * Paths on the command line resolve against the caller's working directory; errors show absolute paths.
 * Exit codes: 0 all good, 1 a case failed (or a recording could not be made), 2 a usage error.
 */
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type * as ValidationError from "@effect/cli/ValidationError"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Console from "effect/Console"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { existsSync, readFileSync } from "node:fs"
import { mkdir, writeFile } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Fixture from "./Fixture.js"
import * as Init from "./Init.js"
import * as Providers from "./Providers.js"
import * as Recorder from "./Recorder.js"
import * as Scaffold from "./Scaffold.js"
import type { ProviderFactory } from "./Runner.js"
import * as Scenarios from "./Scenarios.js"
import * as Suite from "./Suite.js"

/** The usage text `batchctl-conformance --help` prints. */
export const usage = `usage:
  batchctl-conformance [--fixtures PATH] [--adapter MODULE] [--provider ID] [--expectations FILE]
                       [--report FILE] [--coverage] [--verbose]
  batchctl-conformance --scenarios
  batchctl-conformance --init DIR --provider ID [--base-url URL] [--family FAMILY]
  batchctl-conformance scaffold --provider ID --family FAMILY [--dir DIR] [--base-url URL]
                       [--package NAME] [--env-prefix PREFIX] [--force]
  batchctl-conformance record (--provider ID | --adapter MODULE) --operation cancel|retrieve|results --id BATCH_ID
                       [--out DIR] [--base-url URL] [--scenario NAME] [--key-env NAME] [--by NAME] [--force]
  batchctl-conformance record --provider ID --operation list [--limit N] [--after CURSOR] …

Without --fixtures it runs the fixtures shipped with the suite (and asks for every scenario of every
provider); --coverage asks the same of yours. --adapter loads an ES module whose default export (or
\`layer\`) takes the client options and returns a Layer providing BatchProvider, under --provider or
the module's \`provider\` export. \`record\` reads the key from <PREFIX>_API_KEY (or --key-env).
FAMILY is the vendor's wire shape: ${Init.familyIds.join(", ")} (default openai);
\`scaffold\` writes a whole adapter package for one: its source, fixture templates and emulator profile.`

/** Where output goes and what the command sees; every field defaults to the process's own. */
export interface Io {
  readonly cwd?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Where normal output goes. */
  readonly stdout?: ((text: string) => void) | undefined
  /** Where errors and diagnostics go. */
  readonly stderr?: ((text: string) => void) | undefined
  /** Adapters to use instead of importing the built-in packages (a bundled CLI passes its own). */
  readonly providers?: Readonly<Record<string, ProviderFactory>> | undefined
  /** The HTTP client `record` goes to the network with; default `fetch`. */
  readonly httpClient?: HttpClient.HttpClient | undefined
}

type Args = Record<string, string | true>

/** An option with a value, absent unless given. */
const valued = (name: string) => Options.optional(Options.text(name))

/** The options of a run (the command without a subcommand, and `run`). */
const runOptions = {
  fixtures: valued("fixtures"),
  adapter: valued("adapter"),
  provider: valued("provider"),
  expectations: valued("expectations"),
  report: valued("report"),
  coverage: Options.boolean("coverage"),
  verbose: Options.boolean("verbose"),
  scenarios: Options.boolean("scenarios"),
  init: valued("init"),
  "base-url": valued("base-url"),
  family: valued("family")
}

const recordOptions = {
  provider: valued("provider"),
  adapter: valued("adapter"),
  operation: valued("operation"),
  id: valued("id"),
  out: valued("out"),
  "base-url": valued("base-url"),
  scenario: valued("scenario"),
  "key-env": valued("key-env"),
  by: valued("by"),
  limit: valued("limit"),
  after: valued("after"),
  force: Options.boolean("force")
}

const scaffoldOptions = {
  provider: valued("provider"),
  family: valued("family"),
  dir: valued("dir"),
  "base-url": valued("base-url"),
  package: valued("package"),
  "env-prefix": valued("env-prefix"),
  force: Options.boolean("force")
}

/** What @effect/cli parsed, as the commands read it: each option given, by its name on the command line. */
const argsOf = (parsed: Readonly<Record<string, Option.Option<string> | boolean>>): Args => {
  const args: Args = {}
  for (const [name, value] of Object.entries(parsed)) {
    if (value === true) args[name] = true
    else if (typeof value !== "boolean" && Option.isSome(value)) args[name] = value.value
  }
  return args
}

const str = (args: Args, name: string): string | undefined => {
  const v = args[name]
  return typeof v === "string" ? v : undefined
}

/** The suite's own directory (`src/..` in the repository, `dist/..` once installed). */
const packageRoot = () => join(dirname(fileURLToPath(import.meta.url)), "..")

/** This package's version, for `--version`; bundled into another program (`batchctl conformance`), none is at hand. */
const packageVersion = (): string => {
  try {
    const { version } = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: unknown }
    return typeof version === "string" ? version : "unknown"
  } catch {
    return "unknown"
  }
}

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e))

/**
 * The command line as @effect/cli parses it (`run`, `record`, `scaffold`, and the options of a run without
 * a subcommand), answering the exit code. Usage errors (an unknown option, a missing value) are printed by
 * @effect/cli, followed by the usage; `--help` prints the usage.
 */
export const program = (
  argv: ReadonlyArray<string>,
  io: Io = {}
): Effect.Effect<number, never, CliApp.CliApp.Environment> =>
  Effect.suspend(() => {
    const out = io.stdout ?? ((text: string) => process.stdout.write(`${text}\n`))
    const err = io.stderr ?? ((text: string) => process.stderr.write(`${text}\n`))
    const cwd = io.cwd ?? process.cwd()
    let code = 0
    const exit = (run: () => Promise<number>) =>
      Effect.map(
        Effect.promise(() =>
          run().catch((e: unknown) => {
            err(`batchctl-conformance: ${errorMessage(e)}`)
            return 2
          })
        ),
        (c) => {
          code = c
        }
      )
    const root = Command.make("batchctl-conformance", runOptions, (parsed) =>
      exit(async () => {
        const args = argsOf(parsed)
        if (args.scenarios === true) {
          out(Scenarios.render())
          return 0
        }
        if (args.init !== undefined) return await initCommand(args, cwd, out, err)
        return await runCommand(args, { ...io, cwd }, out, err)
      })
    )
    const version = packageVersion()
    const parse =
      <Name extends string, A>(command: Command.Command<Name, never, never, A>) =>
      (rest: ReadonlyArray<string>) =>
        Command.run(command, { name: "batchctl-conformance", version })(["node", "batchctl-conformance", ...rest])
    // Each subcommand is parsed as a command of its own: a usage error then names what is wrong with it,
    // where @effect/cli's subcommands would answer every unknown option with "invalid subcommand".
    const subcommands: Record<
      string,
      (rest: ReadonlyArray<string>) => Effect.Effect<void, ValidationError.ValidationError, CliApp.CliApp.Environment>
    > = {
      run: parse(
        Command.make("batchctl-conformance run", runOptions, (parsed) =>
          exit(() => runCommand(argsOf(parsed), { ...io, cwd }, out, err))
        )
      ),
      record: parse(
        Command.make("batchctl-conformance record", recordOptions, (parsed) =>
          exit(() => recordCommand(argsOf(parsed), { ...io, cwd }, out, err))
        )
      ),
      scaffold: parse(
        Command.make("batchctl-conformance scaffold", scaffoldOptions, (parsed) =>
          exit(() => scaffoldCommand(argsOf(parsed), cwd, out, err))
        )
      )
    }
    const sub = subcommands[argv[0] ?? ""]
    // --help prints the usage above, whatever the subcommand: the one text that lists them all.
    if (argv.includes("--help") || argv.includes("-h")) {
      out(usage)
      return Effect.succeed(0)
    }
    const console = consoleOf(out, err)
    return (sub === undefined ? parse(root)(argv) : sub(argv.slice(1))).pipe(
      Effect.map(() => code),
      // @effect/cli has printed what is wrong; the usage follows it.
      Effect.catchAll(() => {
        err(usage)
        return Effect.succeed(2)
      }),
      Effect.withConsole(console)
    )
  })

/** @effect/cli's messages to the command's own outputs. */
const consoleOf = (out: Print, err: Print): Console.Console => {
  const log = (...args: ReadonlyArray<unknown>) => out(args.map(String).join(" "))
  const error = (...args: ReadonlyArray<unknown>) => err(args.map(String).join(" "))
  const unsafe = { ...globalThis.console, log, info: log, debug: log, error, warn: error, trace: error }
  const sync =
    (f: (...args: ReadonlyArray<unknown>) => void) =>
    (...args: ReadonlyArray<unknown>) =>
      Effect.sync(() => f(...args))
  return {
    [Console.TypeId]: Console.TypeId,
    unsafe,
    assert: (condition, ...args) => Effect.sync(() => (condition ? undefined : error(...args))),
    clear: Effect.void,
    count: () => Effect.void,
    countReset: () => Effect.void,
    debug: sync(log),
    dir: sync(log),
    dirxml: sync(log),
    error: sync(error),
    group: () => Effect.void,
    groupEnd: Effect.void,
    info: sync(log),
    log: sync(log),
    table: sync(log),
    time: () => Effect.void,
    timeEnd: () => Effect.void,
    timeLog: () => Effect.void,
    trace: sync(error),
    warn: sync(error)
  }
}

const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

/** Runs the command line; resolves to the exit code. Never rejects. */
export const main = (argv: ReadonlyArray<string>, io: Io = {}): Promise<number> =>
  Effect.runPromise(Effect.provide(program(argv, io), platform))

type Print = (text: string) => void

const initCommand = async (args: Args, cwd: string, out: Print, err: Print): Promise<number> => {
  const dir = str(args, "init")
  const provider = str(args, "provider")
  if (dir === undefined || provider === undefined) {
    err(`--init needs a directory and --provider ID\n${usage}`)
    return 2
  }
  const family = familyOf(args, err)
  if (family === undefined) return 2
  const result = await Effect.runPromise(
    Effect.either(Init.init(resolve(cwd, dir), provider, str(args, "base-url"), family))
  )
  if (result._tag === "Left") {
    err(result.left.message)
    return 1
  }
  const { written, kept, expectations } = result.right
  out(
    `wrote ${written.length} templates in ${join(resolve(cwd, dir), provider)}${kept.length > 0 ? ` (kept ${kept.length} files already there)` : ""}`
  )
  out(`expectations: ${expectations}`)
  out(`family: ${family}: ${Init.families[family].title}\ncore helpers for it: ${Init.families[family].helpers}`)
  out(
    "Each template is synthetic and full of TODOs, which fail the run until they are filled in: record or write the exchanges,\n" +
      "fill in expect, and list under skip in expectations.json (with the reason) each scenario the vendor cannot have."
  )
  return 0
}

/** `--family`, checked: `undefined` (after saying why) when it names no family. */
const familyOf = (args: Args, err: Print): Init.FamilyId | undefined => {
  const family = str(args, "family") ?? "openai"
  if (Init.isFamily(family)) return family
  err(`unknown family ${family}: one of ${Init.familyIds.join(", ")}`)
  return undefined
}

const scaffoldCommand = async (args: Args, cwd: string, out: Print, err: Print): Promise<number> => {
  const provider = str(args, "provider")
  if (provider === undefined || str(args, "family") === undefined) {
    err(`scaffold needs --provider ID and --family ${Init.familyIds.join("|")}\n${usage}`)
    return 2
  }
  const family = familyOf(args, err)
  if (family === undefined) return 2
  const result = await Effect.runPromise(
    Effect.either(
      Scaffold.scaffold({
        dir: resolve(cwd, str(args, "dir") ?? provider),
        provider,
        family,
        baseUrl: str(args, "base-url"),
        packageName: str(args, "package"),
        envPrefix: str(args, "env-prefix"),
        force: args.force === true
      })
    )
  )
  if (result._tag === "Left") {
    err(result.left.message)
    return result.left._tag === "ScaffoldUsage" ? 2 : 1
  }
  out(Scaffold.describe(result.right))
  return 0
}

const runCommand = async (args: Args, io: Io & { readonly cwd: string }, out: Print, err: Print): Promise<number> => {
  const { cwd } = io
  const adapterSpec = str(args, "adapter")
  let adapter: Providers.Loaded | undefined
  if (adapterSpec !== undefined) {
    const loaded = await Effect.runPromise(Effect.either(Providers.loadModule(adapterSpec, cwd)))
    if (loaded._tag === "Left") {
      err(loaded.left.message)
      return 2
    }
    const provider = str(args, "provider") ?? loaded.right.provider
    if (provider === undefined) {
      err(`${adapterSpec} exports no \`provider\`: name the provider its fixtures use with --provider ID`)
      return 2
    }
    adapter = { ...loaded.right, provider }
  }
  const own = str(args, "fixtures") === undefined
  const fixturesPath = own ? join(packageRoot(), "fixtures") : resolve(cwd, str(args, "fixtures") ?? "")
  if (!existsSync(fixturesPath)) {
    err(`no such fixtures directory: ${fixturesPath}`)
    return 2
  }
  const expectationsArg = str(args, "expectations")
  const expectationsPath =
    expectationsArg === undefined
      ? own
        ? join(packageRoot(), "expectations.json")
        : undefined
      : resolve(cwd, expectationsArg)
  if (expectationsArg !== undefined && expectationsPath !== undefined && !existsSync(expectationsPath)) {
    err(`no such expectations file: ${expectationsPath}`)
    return 2
  }
  const loaded = await Effect.runPromise(Effect.either(Fixture.loadDir(fixturesPath)))
  if (loaded._tag === "Left") {
    err(loaded.left.message)
    return 2
  }
  const fixtures = loaded.right
  const inFixtures = new Set(fixtures.flatMap((l) => (l._tag === "Fixture" ? [l.fixture.provider] : [])))
  const only = str(args, "provider") ?? adapter?.provider
  if (
    only !== undefined &&
    !inFixtures.has(only) &&
    Providers.builtIn[only] === undefined &&
    adapter?.provider !== only
  ) {
    err(
      `unknown provider ${only}: no fixture in ${fixturesPath} names it${inFixtures.size > 0 ? ` (they name ${[...inFixtures].sort().join(", ")})` : ""}, ` +
        `it is not one of the built-in adapters (${Providers.builtInIds.join(", ")}), and no --adapter gives it`
    )
    return 2
  }
  const wanted = only === undefined ? [...inFixtures] : [only]
  const providers: Record<string, ProviderFactory> = {}
  const unavailable: Record<string, string> = {}
  for (const p of wanted) {
    if (adapter !== undefined && adapter.provider === p) providers[p] = adapter.factory
    else if (io.providers?.[p] !== undefined) providers[p] = io.providers[p]
    else if (Providers.builtIn[p] !== undefined) {
      const l = await Effect.runPromise(Effect.either(Providers.loadBuiltIn(p, cwd)))
      if (l._tag === "Right") providers[p] = l.right.factory
      else unavailable[p] = l.left.message
    }
  }
  const expectations = await Effect.runPromise(
    Effect.either(expectationsPath === undefined ? Effect.succeed({}) : Suite.loadExpectations(expectationsPath))
  )
  if (expectations._tag === "Left") {
    err(expectations.left.message)
    return 2
  }
  const report = await Effect.runPromise(
    Suite.run(fixtures, {
      providers,
      unavailable,
      expectations: expectations.right,
      required: own || args.coverage === true ? Scenarios.required : undefined,
      requiredIfCreates: own || args.coverage === true ? Scenarios.requiredCreate : undefined,
      only
    })
  )
  out(Suite.render(report, { verbose: args.verbose === true }))
  const reportArg = str(args, "report")
  if (reportArg !== undefined) {
    const written = await Effect.runPromise(Effect.either(Suite.writeReport(report, resolve(cwd, reportArg))))
    if (written._tag === "Left") {
      err(written.left.message)
      return 2
    }
    out(`report: ${written.right}`)
  }
  if (report.cases.length === 0)
    err(`no cases ran: no fixture in ${fixturesPath}${only === undefined ? "" : ` for ${only}`}`)
  return report.ok ? 0 : 1
}

const OPERATIONS = new Set(["cancel", "retrieve", "list", "results"])

const recordCommand = async (
  args: Args,
  io: Io & { readonly cwd: string },
  out: Print,
  err: Print
): Promise<number> => {
  const { cwd } = io
  const operation = str(args, "operation")
  const id = str(args, "id")
  const adapterSpec = str(args, "adapter")
  if (
    (str(args, "provider") === undefined && adapterSpec === undefined) ||
    operation === undefined ||
    !OPERATIONS.has(operation)
  ) {
    err(`record needs --provider ID (or --adapter MODULE) and --operation cancel|retrieve|list|results\n${usage}`)
    return 2
  }
  if (operation !== "list" && id === undefined) {
    err(`record --operation ${operation} needs --id BATCH_ID`)
    return 2
  }
  const limitArg = str(args, "limit")
  const limit = limitArg === undefined ? undefined : Number(limitArg)
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) {
    err(`--limit must be a positive whole number, not ${limitArg}`)
    return 2
  }
  const named = str(args, "provider") ?? ""
  const loaded = await Effect.runPromise(
    Effect.either(
      adapterSpec !== undefined
        ? Providers.loadModule(adapterSpec, cwd)
        : io.providers?.[named] !== undefined
          ? Effect.succeed<Providers.Loaded>({
              provider: named,
              factory: io.providers[named],
              defaultBaseUrl: undefined,
              envPrefix: Providers.builtIn[named]?.envPrefix,
              origin: `${Providers.builtIn[named]?.module ?? named} (bundled)`
            })
          : Providers.builtIn[named] !== undefined
            ? Providers.loadBuiltIn(named, cwd)
            : Effect.fail(
                new Providers.AdapterLoadError({
                  module: named,
                  reason: "not a built-in provider: give its adapter with --adapter MODULE"
                })
              )
    )
  )
  if (loaded._tag === "Left") {
    err(loaded.left.message)
    return 2
  }
  const adapter = loaded.right
  const provider = str(args, "provider") ?? adapter.provider
  if (provider === undefined) {
    err(`${adapterSpec} exports no \`provider\`: name it with --provider ID`)
    return 2
  }
  const env = io.env ?? process.env
  const keyEnv =
    str(args, "key-env") ?? `${adapter.envPrefix ?? provider.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY`
  const key = env[keyEnv]
  if (key === undefined || key === "") {
    err(
      `set ${keyEnv} to the API key (record reads the key from the environment only; --key-env NAME names another variable)`
    )
    return 2
  }
  const baseUrl = str(args, "base-url")
  const client =
    io.httpClient ?? (await Effect.runPromise(Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer)))
  const result = await Effect.runPromise(
    Effect.either(
      Recorder.record({
        provider,
        factory: adapter.factory,
        operation: operation as Fixture.Operation,
        input: { batchId: id, limit, after: str(args, "after") },
        apiKey: Redacted.make(key),
        baseUrl,
        defaultBaseUrl: adapter.defaultBaseUrl,
        scenario: str(args, "scenario"),
        adapter: adapter.origin,
        recordedBy: str(args, "by"),
        client
      })
    )
  )
  if (result._tag === "Left") {
    err(`record: ${Recorder.scrubString(result.left.message, { secrets: [key] })}`)
    return 1
  }
  const { fixture, text, replay } = result.right
  const dir = resolve(cwd, str(args, "out") ?? "fixtures", provider)
  const file = join(dir, `${fixture.operation}.${fixture.scenario}.json`)
  if (existsSync(file) && args.force !== true) {
    err(`${file} exists; pass --force to overwrite it, or --scenario NAME for another name`)
    return 1
  }
  await mkdir(dir, { recursive: true })
  await writeFile(file, text)
  out(`wrote ${file} (${fixture.exchanges.length} exchange(s), source.kind ${fixture.source.kind})`)
  out(`expect: ${JSON.stringify(fixture.expect)}`)
  out(
    replay.verdict === "pass"
      ? "it replays: the suite passes it. Review the exchanges and expect before committing it."
      : `it does not replay cleanly yet (${replay.reasons.join("; ")}); review it before committing it.`
  )
  return 0
}
