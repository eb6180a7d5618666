/**
 * The command tree: names, arguments, options, help and examples. Handlers import their
 * implementation on first use, so that `batchctl --help` loads no adapter, no HTTP client and no
 * emulator.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Argv from "./Argv.js"
import { exitCodeHelp } from "./Failure.js"
import type { Mode } from "./Output.js"
import { type Provider, providers, providersProse } from "./Providers.js"
import type * as Run from "./Run.js"

const doc = (summary: string, examples: ReadonlyArray<string>, notes: ReadonlyArray<string> = []) =>
  HelpDoc.blocks([
    HelpDoc.p(summary),
    ...notes.map((n) => HelpDoc.p(n)),
    HelpDoc.p(["examples:", ...examples.map((e) => `  ${e}`)].join("\n"))
  ])

// Shared options ------------------------------------------------------------------------------------

const json = Options.boolean("json").pipe(
  Options.withDescription("Print JSON: one document, or JSON lines for lists and streams.")
)
const quiet = Options.boolean("quiet").pipe(
  Options.withAlias("q"),
  Options.withDescription("Print only what a script needs (ids, the final state) and errors.")
)
const verbose = Options.boolean("verbose").pipe(
  Options.withDescription("Print detail under errors, and the vendor's raw object with --json.")
)
const apiKeyEnv = Options.text("api-key-env").pipe(
  Options.withDescription("Read the API key from this environment variable instead of <PROVIDER>_API_KEY."),
  Options.optional
)
const baseUrl = Options.text("base-url").pipe(
  Options.withDescription(
    "Send requests here instead of <PROVIDER>_BASE_URL or the vendor's API (e.g. the emulator's http://127.0.0.1:PORT/openai/v1)."
  ),
  Options.optional
)
const providerArg = Args.choice(
  providers.map((p): [string, Provider] => [p, p]),
  { name: "provider" }
).pipe(Args.withDescription("The vendor whose batch API to call."))
const idArg = Args.text({ name: "id" }).pipe(Args.withDescription("The batch id, as the vendor gave it."))

const output = { json, quiet, verbose }
const reportFile = Options.text("report").pipe(
  Options.withDescription(
    "Append each outcome to this file as a JSON line as it happens (a killed run's report holds everything that took effect); a re-run with the same file skips the ids it reports cancelled. Give it before the provider."
  ),
  Options.optional
)
const connection = { apiKeyEnv, baseUrl }

const modeOf = (o: { json: boolean; quiet: boolean; verbose: boolean }): Mode => ({
  json: o.json,
  quiet: o.quiet,
  verbose: o.verbose
})
const flagsOf = (o: { apiKeyEnv: Option.Option<string>; baseUrl: Option.Option<string> }): Run.Flags => ({
  apiKeyEnv: Option.getOrUndefined(o.apiKeyEnv),
  baseUrl: Option.getOrUndefined(o.baseUrl)
})

const run = <A, E>(f: (r: typeof Run) => Effect.Effect<A, E>) =>
  Effect.flatMap(
    Effect.promise(() => import("./Run.js")),
    f
  )

// Commands -------------------------------------------------------------------------------------------

const get = Command.make("get", { provider: providerArg, id: idArg, ...output, ...connection }, (o) =>
  run((r) => r.get({ provider: o.provider, id: Argv.id(o.id), mode: modeOf(o), flags: flagsOf(o) }))
).pipe(
  Command.withDescription(
    doc("Retrieve one batch and print its normalized state.", [
      "batchctl get openai batch_abc123",
      "batchctl get anthropic msgbatch_01xyz --json"
    ])
  )
)

const timeout = Options.text("timeout").pipe(
  Options.withDescription("Give up waiting after this long: 90s, 10m, 2h, 1d (exit code 7)."),
  Options.optional
)
const interval = Options.text("interval").pipe(
  Options.withDescription("Poll at this fixed interval (e.g. 500ms, 5s); default: 1s, growing to 30s."),
  Options.optional
)

const wait = Command.make(
  "wait",
  { provider: providerArg, id: idArg, timeout, interval, ...output, ...connection },
  (o) =>
    run((r) =>
      r.wait({
        provider: o.provider,
        id: Argv.id(o.id),
        timeout: Option.getOrUndefined(o.timeout),
        interval: Option.getOrUndefined(o.interval),
        mode: modeOf(o),
        flags: flagsOf(o)
      })
    )
).pipe(
  Command.withDescription(
    doc("Poll a batch until it is terminal (completed, failed, expired or cancelled), then print it.", [
      "batchctl wait openai batch_abc123 --timeout 30m",
      "batchctl wait together 5e1b… --interval 10s --json"
    ])
  )
)

const list = Command.make(
  "list",
  {
    provider: providerArg,
    status: Options.text("status").pipe(
      Options.withDescription(
        "Only batches in these statuses (normalized or the vendor's own words), comma-separated."
      ),
      Options.optional
    ),
    limit: Options.integer("limit").pipe(Options.withDescription("Page size asked of the vendor."), Options.optional),
    after: Options.text("after").pipe(
      Options.withDescription("Start after this cursor (printed after a page)."),
      Options.optional
    ),
    all: Options.boolean("all").pipe(Options.withDescription("Follow the cursor through every page.")),
    ...output,
    ...connection
  },
  (o) =>
    run((r) =>
      r.list({
        provider: o.provider,
        status: Option.getOrUndefined(o.status),
        limit: Option.getOrUndefined(o.limit),
        after: Option.getOrUndefined(o.after),
        all: o.all,
        mode: modeOf(o),
        flags: flagsOf(o)
      })
    )
).pipe(
  Command.withDescription(
    doc(
      "List batches: one page, or every page with --all.",
      [
        "batchctl list openai",
        "batchctl list anthropic --all --status in_progress,validating",
        "batchctl list openai --all --status in_progress --json | batchctl cancel openai -"
      ],
      ["With --json, one batch per line (JSON lines), so the output can be piped into `cancel <provider> -`."]
    )
  )
)

const cancel = Command.make(
  "cancel",
  {
    provider: providerArg,
    ids: Args.text({ name: "id" }).pipe(
      Args.withDescription("Batch ids; `-` reads ids from stdin, one a line (plain ids or `list --json` lines)."),
      Args.atLeast(1)
    ),
    wait: Options.boolean("wait").pipe(
      Options.withDescription("Follow each batch until terminal and print its final state.")
    ),
    timeout: Options.text("timeout").pipe(
      Options.withDescription("With --wait: give up after this long (default 10m)."),
      Options.optional
    ),
    interval,
    concurrency: Options.integer("concurrency").pipe(
      Options.withDescription("How many batches at once (default 8)."),
      Options.optional
    ),
    report: reportFile,
    ...output,
    ...connection
  },
  (o) =>
    run((r) =>
      r.cancel({
        report: Option.getOrUndefined(o.report),
        provider: o.provider,
        ids: Argv.ids(o.ids),
        wait: o.wait,
        timeout: Option.getOrUndefined(o.timeout),
        interval: Option.getOrUndefined(o.interval),
        concurrency: Option.getOrUndefined(o.concurrency),
        mode: modeOf(o),
        flags: flagsOf(o)
      })
    )
).pipe(
  Command.withDescription(
    doc(
      "Cancel one or more batches. Cancel is idempotent: a batch already cancelling or cancelled is a success.",
      [
        "batchctl cancel openai batch_abc123",
        "batchctl cancel anthropic msgbatch_01 msgbatch_02 --wait --timeout 10m",
        "batchctl list openai --all --status in_progress --json | batchctl cancel openai -",
        "xargs batchctl cancel --report cancels.jsonl openai -- < ids.txt"
      ],
      [
        "A batch that already finished otherwise fails with InvalidBatchState (exit code 4). Failures that can pass (rate limits, 5xx, no answer, a refusal while the batch runs) are tried again. With several ids, the exit code is that of the first failed id in the order given.",
        "Ids are data: after `--` every word is an id; --base-url, --api-key-env, --report and --help go before the provider. The first Ctrl-C starts no new cancel and reports those in flight."
      ]
    )
  )
)

const cancelAll = Command.make(
  "cancel-all",
  {
    provider: providerArg,
    status: Options.text("status").pipe(
      Options.withDescription("Statuses to cancel, comma-separated (default validating,in_progress,finalizing)."),
      Options.optional
    ),
    createdBefore: Options.text("created-before").pipe(
      Options.withDescription("Only batches created before this: an ISO date/time, or an age such as 2h or 3d."),
      Options.optional
    ),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("List what would be cancelled, cancel nothing.")),
    concurrency: Options.integer("concurrency").pipe(
      Options.withDescription("How many cancels at once (default 8)."),
      Options.optional
    ),
    yes: Options.boolean("yes").pipe(Options.withAlias("y"), Options.withDescription("Do not ask for confirmation.")),
    report: reportFile,
    ...output,
    ...connection
  },
  (o) =>
    run((r) =>
      r.cancelAll({
        report: Option.getOrUndefined(o.report),
        provider: o.provider,
        status: Option.getOrUndefined(o.status),
        createdBefore: Option.getOrUndefined(o.createdBefore),
        dryRun: o.dryRun,
        concurrency: Option.getOrUndefined(o.concurrency),
        yes: o.yes,
        mode: modeOf(o),
        flags: flagsOf(o)
      })
    )
).pipe(
  Command.withDescription(
    doc(
      "Find batches by status and age, and cancel them all. Safe to run again.",
      [
        "batchctl cancel-all openai --dry-run",
        "batchctl cancel-all anthropic --status in_progress --created-before 2h",
        "batchctl cancel-all together --yes --concurrency 16 --json",
        "batchctl cancel-all --report cancel-all.jsonl openai --yes"
      ],
      [
        "Asks for confirmation on a terminal unless --yes; without a terminal it refuses unless --yes.",
        "Reports each batch as its cancel ends (a JSON line each with --json, then a summary line), and the totals: cancelled, already finished, failed by error tag. Failures that can pass are tried again; a list page that fails is tried again, and if it fails for good the batches seen before it are still cancelled.",
        "The first Ctrl-C starts no new cancel and reports those in flight; --report FILE keeps every outcome on disk as it happens."
      ]
    )
  )
)

const results = Command.make(
  "results",
  {
    provider: providerArg,
    id: idArg,
    out: Options.file("out").pipe(
      Options.withDescription("Write the results as JSON lines to this file."),
      Options.optional
    ),
    ...output,
    ...connection
  },
  (o) =>
    run((r) =>
      r.results({
        provider: o.provider,
        id: Argv.id(o.id),
        out: Option.getOrUndefined(o.out),
        mode: modeOf(o),
        flags: flagsOf(o)
      })
    )
).pipe(
  Command.withDescription(
    doc(
      "Stream the results of a terminal batch; a cancelled or expired batch gives its partial results.",
      ["batchctl results openai batch_abc123", "batchctl results anthropic msgbatch_01 --out results.jsonl"],
      [
        "With --out, the results go to a file beside FILE and replace FILE only when they were all read: a failed call never empties an existing file."
      ]
    )
  )
)

const emulator = Command.make(
  "emulator",
  {
    port: Options.integer("port").pipe(
      Options.withDescription("Port (default 0: the system picks a free one)."),
      Options.optional
    ),
    host: Options.text("host").pipe(
      Options.withDescription("Address to listen on (default 127.0.0.1)."),
      Options.optional
    ),
    apiKey: Options.text("api-key").pipe(
      Options.withDescription("Accept only this key (default: every non-empty key)."),
      Options.optional
    ),
    seed: Options.integer("seed").pipe(Options.withDescription("Seed of ids and faults."), Options.optional),
    json
  },
  (o) =>
    Effect.flatMap(
      Effect.promise(() => import("./EmulatorCommand.js")),
      (m) =>
        m.emulator({
          port: Option.getOrUndefined(o.port),
          host: Option.getOrUndefined(o.host),
          apiKey: Option.getOrUndefined(o.apiKey),
          seed: Option.getOrUndefined(o.seed),
          json: o.json
        })
    )
).pipe(
  Command.withDescription(
    doc(
      "Run the batchctl emulator (all six vendors' batch APIs on one local port) in the foreground until Ctrl-C.",
      ["batchctl emulator --port 8787", "batchctl emulator --api-key test-key --seed 7"],
      ["It prints the <PROVIDER>_BASE_URL to export for each provider."]
    )
  )
)

const demo = Command.make("demo", { json }, (o) =>
  Effect.flatMap(
    Effect.promise(() => import("./Demo.js")),
    (m) => m.demo({ json: o.json })
  )
).pipe(
  Command.withDescription(
    doc(
      "Start the embedded emulator, create a batch on each of the six providers, cancel each mid-way, wait until terminal, read the partial results and print a table. No keys, no network.",
      ["batchctl demo", "npm run demo"]
    )
  )
)

const consoleCommand = Command.make(
  "console",
  {
    port: Options.integer("port").pipe(
      Options.withDescription("Port (default 0: the system picks a free one)."),
      Options.optional
    ),
    host: Options.text("host").pipe(
      Options.withDescription(
        "Address to listen on (default 127.0.0.1; anything else exposes the console beyond this machine)."
      ),
      Options.optional
    ),
    open: Options.boolean("open").pipe(Options.withDescription("Open the page in the system's browser.")),
    emulator: Options.boolean("emulator").pipe(
      Options.withDescription("Start the embedded emulator with a running fleet of batches and show it instead.")
    ),
    refresh: Options.text("refresh").pipe(
      Options.withDescription("Least time between two listings of a provider, e.g. 10s or 1m (default 5s)."),
      Options.optional
    )
  },
  (o) =>
    Effect.flatMap(
      Effect.promise(() => import("./ConsoleCommand.js")),
      (m) =>
        m.console({
          port: Option.getOrUndefined(o.port),
          host: Option.getOrUndefined(o.host),
          open: o.open,
          emulator: o.emulator,
          refresh: Option.getOrUndefined(o.refresh)
        })
    )
).pipe(
  Command.withDescription(
    doc(
      "Serve a local page with the batches of every provider whose <PROVIDER>_API_KEY is set: filter them, look at one, cancel a selection. In the foreground until Ctrl-C.",
      ["batchctl console --open", "batchctl console --emulator --port 8788"],
      [
        "It listens on 127.0.0.1 and prints an address with this session's token; keys stay on the server. Every action is logged on the terminal."
      ]
    )
  )
)

// submit, run ---------------------------------------------------------------------------------------

const createOptions = {
  file: Args.text({ name: "file" }).pipe(
    Args.withDescription(
      "The requests, one JSON line each ({custom_id, body, method?, url?}); - reads stdin (put it after the options)."
    )
  ),
  provider: Options.choice("provider", providers).pipe(Options.withDescription("The vendor to start the batch on.")),
  dryRun: Options.boolean("dry-run").pipe(
    Options.withDescription("Check the file and print what would be sent; send nothing (no key needed).")
  ),
  endpoint: Options.text("endpoint").pipe(
    Options.withDescription("The endpoint of every request (default: the lines' url, else /v1/chat/completions)."),
    Options.optional
  ),
  completionWindow: Options.text("completion-window").pipe(
    Options.withDescription("The completion window, where the vendor takes one (24h)."),
    Options.optional
  ),
  metadata: Options.text("metadata").pipe(
    Options.withDescription("Metadata key=value, where the vendor keeps it (repeat for more)."),
    Options.repeated
  ),
  model: Options.text("model").pipe(
    Options.withDescription(
      "The batch's model, where the vendor's create names one (Together's model_id, Mistral's model, Gemini's models/M). The lines are sent as written: it neither fills nor replaces a line's body.model, which OpenAI-style vendors read."
    ),
    Options.optional
  ),
  token: Options.text("token").pipe(
    Options.withDescription(
      "The token of this create: a create run again with the same token finds the batch the first made (where the vendor keeps it)."
    ),
    Options.optional
  ),
  ...output,
  ...connection
}

type CreateParsed = {
  readonly file: string
  readonly provider: Provider
  readonly dryRun: boolean
  readonly endpoint: Option.Option<string>
  readonly completionWindow: Option.Option<string>
  readonly metadata: ReadonlyArray<string>
  readonly model: Option.Option<string>
  readonly token: Option.Option<string>
  readonly json: boolean
  readonly quiet: boolean
  readonly verbose: boolean
  readonly apiKeyEnv: Option.Option<string>
  readonly baseUrl: Option.Option<string>
}

const createFlagsOf = (o: CreateParsed) => ({
  file: o.file,
  provider: o.provider,
  mode: modeOf(o),
  flags: flagsOf(o),
  dryRun: o.dryRun,
  endpoint: Option.getOrUndefined(o.endpoint),
  completionWindow: Option.getOrUndefined(o.completionWindow),
  metadata: o.metadata,
  model: Option.getOrUndefined(o.model),
  token: Option.getOrUndefined(o.token)
})

const creating = <A, E>(f: (r: typeof import("./Create.js")) => Effect.Effect<A, E>) =>
  Effect.flatMap(
    Effect.promise(() => import("./Create.js")),
    f
  )

const submitCommand = Command.make("submit", createOptions, (o) => creating((c) => c.submit(createFlagsOf(o)))).pipe(
  Command.withDescription(
    doc(
      "Start a batch from a JSONL file and print its id.",
      [
        "batchctl submit requests.jsonl --provider openai",
        "batchctl submit requests.jsonl --provider anthropic --json",
        "batchctl submit requests.jsonl --provider together --dry-run"
      ],
      [
        "The whole file is checked before anything is sent: a bad line (not JSON, no custom_id or body, a repeated custom_id, another model where the vendor wants one, past the vendor's limits) is refused naming the line (exit code 2). The file is uploaded as it is read.",
        "A create whose answer is lost is looked up before it is sent again, so it never makes two batches; where the vendor keeps nothing to look up by (Anthropic) it is not sent again and the error says what to check."
      ]
    )
  )
)

const runCommand = Command.make(
  "run",
  {
    ...createOptions,
    output: Options.file("output").pipe(
      Options.withAlias("o"),
      Options.withDescription("Write the results as JSON lines to this file instead of stdout."),
      Options.optional
    ),
    timeout,
    interval,
    cancelOnInterrupt: Options.boolean("cancel-on-interrupt").pipe(
      Options.withDescription(
        "On Ctrl-C before the batch ends, cancel it at the vendor (default: leave it running and print its id)."
      )
    )
  },
  (o) =>
    creating((c) =>
      c.run({
        ...createFlagsOf(o),
        output: Option.getOrUndefined(o.output),
        timeout: Option.getOrUndefined(o.timeout),
        interval: Option.getOrUndefined(o.interval),
        cancelOnInterrupt: o.cancelOnInterrupt
      })
    )
).pipe(
  Command.withDescription(
    doc(
      "Start a batch from a JSONL file, wait until it ends, and write its results as JSON lines.",
      [
        "batchctl run requests.jsonl --provider openai > results.jsonl",
        "batchctl run requests.jsonl --provider anthropic --output results.jsonl --cancel-on-interrupt",
        "batchctl run requests.jsonl --provider meshapi --dry-run"
      ],
      [
        "Shows the upload, then the batch's counts as it runs (on a terminal); the id is printed on stderr as soon as the batch exists."
      ]
    )
  )
)

// Only for the help text: bin.ts hands `conformance …` to the conformance suite's own parser.
const conformance = Command.make(
  "conformance",
  { args: Args.text({ name: "arg" }).pipe(Args.repeated) },
  () => Effect.void
).pipe(
  Command.withDescription(
    doc("Run the conformance suite (the same code and flags as batchctl-conformance).", [
      "batchctl conformance",
      "batchctl conformance --provider openai --report report.json",
      "batchctl conformance --help"
    ])
  )
)

export const root = Command.make("batchctl").pipe(
  Command.withDescription(
    HelpDoc.blocks([
      HelpDoc.p(`One typed CLI over the LLM batch APIs of ${providersProse}.`),
      HelpDoc.p(
        "Keys come from <PROVIDER>_API_KEY (or --api-key-env NAME), base URLs from <PROVIDER>_BASE_URL (or --base-url URL)."
      ),
      HelpDoc.p(
        [
          "examples:",
          "  batchctl demo",
          "  batchctl list openai --status in_progress",
          "  batchctl cancel anthropic msgbatch_01 --wait",
          "  batchctl cancel-all together --created-before 2h --dry-run",
          "  batchctl <command> --help"
        ].join("\n")
      ),
      HelpDoc.p(exitCodeHelp)
    ])
  ),
  Command.withSubcommands([
    get,
    list,
    cancel,
    wait,
    cancelAll,
    results,
    submitCommand,
    runCommand,
    emulator,
    demo,
    consoleCommand,
    conformance
  ])
)

export const cli = Command.run(root, { name: "batchctl", version: process.env.BATCHCTL_BUILD_VERSION ?? "0.0.0-dev" })
