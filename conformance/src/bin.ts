/**
 * batchctl conformance: `conformance [--fixtures DIR] [--provider ID] [--report FILE] [--expectations FILE]`
 *
 * Without `--fixtures` it runs the repository's own fixtures and also requires every standard scenario
 * for every provider (a fixture or a skip reason). Exits 1 on any failure.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import * as Fixture from "./Fixture.js"
import { builtIn } from "./Providers.js"
import * as Scenarios from "./Scenarios.js"
import * as Suite from "./Suite.js"

const usage = "usage: conformance [--fixtures DIR] [--provider ID] [--report FILE] [--expectations FILE]"

const parseArgs = (argv: ReadonlyArray<string>) => {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--") continue
    if (arg === "-h" || arg === "--help") return { help: true, args: out } as const
    const m = /^--(fixtures|provider|report|expectations)(?:=(.*))?$/.exec(arg)
    if (m === null) return { error: `unknown argument ${arg}`, args: out } as const
    const value = m[2] ?? argv[++i]
    if (value === undefined) return { error: `${arg} needs a value`, args: out } as const
    out[m[1]!] = value
  }
  return { args: out } as const
}

const program = Effect.gen(function* () {
  const path = yield* Path.Path
  const fs = yield* FileSystem.FileSystem
  const parsed = parseArgs(process.argv.slice(2))
  if ("help" in parsed) {
    console.log(usage)
    return 0
  }
  if ("error" in parsed) {
    console.error(`${parsed.error}\n${usage}`)
    return 2
  }
  const { args } = parsed
  if (args.provider !== undefined && builtIn[args.provider] === undefined) {
    console.error(`unknown provider ${args.provider}; the adapters here are: ${Object.keys(builtIn).join(", ")}`)
    return 2
  }
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
  const ownFixtures = args.fixtures === undefined
  const dir = args.fixtures ?? path.join(root, "fixtures")
  if (!(yield* fs.exists(dir))) {
    console.error(`no such fixtures directory: ${dir}`)
    return 2
  }
  if (args.expectations !== undefined && !(yield* fs.exists(args.expectations))) {
    console.error(`no such expectations file: ${args.expectations}`)
    return 2
  }
  // The repository's skip and expected-failure lists describe its own fixtures; someone else's
  // directory runs with none unless they pass their own.
  const expectationsFile = args.expectations ?? (ownFixtures ? path.join(root, "expectations.json") : undefined)
  const expectations = expectationsFile === undefined ? {} : yield* Suite.loadExpectations(expectationsFile)
  const loaded = yield* Fixture.loadDir(dir)
  const report = yield* Suite.run(loaded, {
    providers: builtIn,
    expectations,
    required: ownFixtures ? Scenarios.required : undefined,
    only: args.provider
  })
  console.log(Suite.render(report))
  if (args.report !== undefined) yield* fs.writeFileString(args.report, `${JSON.stringify(report, null, 2)}\n`)
  if (!report.ok && report.cases.length === 0) console.error("no cases ran")
  return report.ok ? 0 : 1
})

Effect.runPromise(program.pipe(Effect.provide(NodeContext.layer))).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 2
  }
)
