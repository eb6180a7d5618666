/**
 * `submit` and `run`: start a batch from a JSONL file (or stdin), and for `run` wait for it and write
 * its results. Loaded on first use.
 */
import { type Batch, BatchProvider, Create, Lifecycle, NodeClient, Run } from "@batchctl/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { BadInput, FileFailure, type MissingApiKey, Reported, exitCodeOf } from "./Failure.js"
import * as Output from "./Output.js"
import type { Mode } from "./Output.js"
import * as Parse from "./Parse.js"
import * as Providers from "./Providers.js"
import type { ConnectionFlags, Provider } from "./Providers.js"
import * as Render from "./Render.js"
import { report, resultsFile, withProvider } from "./Run.js"

/** What `submit` and `run` share. */
export interface CreateFlags {
  readonly file: string
  readonly provider: Provider
  readonly mode: Mode
  readonly flags: ConnectionFlags
  readonly dryRun: boolean
  readonly endpoint: string | undefined
  readonly completionWindow: string | undefined
  readonly metadata: ReadonlyArray<string>
  readonly model: string | undefined
  readonly token: string | undefined
}

const inputOf = (file: string): Create.Input => (file === "-" ? Create.jsonl(process.stdin) : Create.jsonlFile(file))

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1)

/** `key=value` pairs of `--metadata`. */
const metadataOf = (pairs: ReadonlyArray<string>): Effect.Effect<Record<string, string> | undefined, BadInput> => {
  if (pairs.length === 0) return Effect.succeed(undefined)
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf("=")
    if (at <= 0)
      return Effect.fail(
        new BadInput({ message: `--metadata takes key=value, not ${JSON.stringify(pair.slice(0, 80))}` })
      )
    out[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return Effect.succeed(out)
}

/** The create options of the flags, with the upload drawn as a bar on a terminal. */
const optionsOf = (o: CreateFlags): Effect.Effect<Create.Options, BadInput> =>
  Effect.map(metadataOf(o.metadata), (metadata) => {
    const bar = Output.progressOn(o.mode)
    return {
      ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
      ...(o.completionWindow === undefined ? {} : { completionWindow: o.completionWindow }),
      ...(metadata === undefined ? {} : { metadata }),
      ...(o.model === undefined ? {} : { model: o.model }),
      ...(o.token === undefined ? {} : { token: o.token }),
      ...(bar
        ? {
            onProgress: (p: Create.Progress) => {
              if (p.phase === "checking")
                Output.errRaw(`\rchecking: ${p.requests} requests, ${megabytes(p.bytes)} MB\u001b[K`)
              else
                Output.progress(
                  Math.round(p.bytes / 1e5) / 10,
                  Math.round((p.totalBytes ?? p.bytes) / 1e5) / 10,
                  "MB uploaded"
                )
            }
          }
        : {})
    }
  })

/** `--dry-run`: checks the input and prints what would be sent; needs no key (a stand-in is used, nothing is sent). */
const dryRun = (o: CreateFlags) =>
  Effect.gen(function* () {
    const options = yield* optionsOf(o)
    const connection = yield* Providers.resolve(o.provider, o.flags).pipe(
      Effect.catchTag("MissingApiKey", (missing: MissingApiKey) =>
        Effect.succeed({
          provider: o.provider,
          apiKey: Redacted.make("batchctl-dry-run-sends-nothing"),
          keyVariable: missing.variable,
          baseUrl: o.flags.baseUrl,
          baseUrlVariable: Providers.baseUrlVariable(o.provider)
        })
      )
    )
    const layer = yield* Providers.layerFor(connection)
    const plan = yield* Effect.flatMap(BatchProvider.BatchProvider, (p) => p.plan(inputOf(o.file), options)).pipe(
      Effect.provide(Layer.provide(layer, NodeClient.layer))
    )
    if (Output.progressOn(o.mode)) Output.progressDone()
    if (o.mode.json) return Output.json({ dryRun: true, ...plan })
    Output.out(`dry run: nothing was sent`)
    Output.out(
      `${plan.requests} requests, ${plan.bytes} bytes${plan.endpoint === undefined ? "" : ` to ${plan.endpoint}`}${plan.model === undefined ? "" : `, model ${plan.model}`}`
    )
    for (const call of plan.calls) Output.out(`${call.method} ${call.path} ${JSON.stringify(call.body)}`)
    Output.out(`first request: ${JSON.stringify(plan.first)}`)
  }).pipe(
    Effect.catchAll((error) => {
      report(error, o.mode)
      return Effect.fail(new Reported({ exitCode: exitCodeOf(error), message: error.message }))
    })
  )

// submit -------------------------------------------------------------------------------------------

export const submit = (o: CreateFlags) =>
  o.dryRun
    ? dryRun(o)
    : withProvider(o, (service) =>
        Effect.gen(function* () {
          const options = yield* optionsOf(o)
          const batch = yield* service.create(inputOf(o.file), options)
          if (Output.progressOn(o.mode)) Output.progressDone()
          if (o.mode.json) Output.json(Render.batchJson(batch, o.mode.verbose))
          else Output.out(batch.id)
          if (!o.mode.json && !o.mode.quiet)
            Output.err(Output.dim(`${o.provider} batch ${batch.id}: ${batch.vendorStatus}`, process.stderr))
        })
      )

// run ----------------------------------------------------------------------------------------------

export interface RunFlags extends CreateFlags {
  readonly output: string | undefined
  readonly timeout: string | undefined
  readonly interval: string | undefined
  readonly cancelOnInterrupt: boolean
}

export const run = (o: RunFlags) =>
  o.dryRun
    ? dryRun(o)
    : withProvider(o, () =>
        Effect.gen(function* () {
          const options = yield* optionsOf(o)
          const timeout = o.timeout === undefined ? undefined : yield* Parse.durationMillis(o.timeout, "--timeout")
          const interval = o.interval === undefined ? undefined : yield* Parse.durationMillis(o.interval, "--interval")
          if (interval !== undefined && interval < 100)
            return yield* Effect.fail(new BadInput({ message: "--interval must be at least 100ms" }))
          const bar = Output.progressOn(o.mode)
          const human = !o.mode.json && !o.mode.quiet
          let created: Batch.Batch | undefined
          let lastSeen = ""
          const onPoll = (batch: Batch.Batch) => {
            const text = `${batch.vendorStatus}, ${Render.countsText(batch.counts)}`
            if (bar) {
              const { total, succeeded = 0, failed = 0 } = batch.counts
              Output.progress(succeeded + failed, total ?? succeeded + failed, `${batch.id} ${text}`)
            } else if (human && text !== lastSeen) Output.err(Output.dim(`  ${batch.id}: ${text}`, process.stderr))
            lastSeen = text
          }
          // As `batchctl results --out`: FILE is replaced only once every result was read.
          const file = o.output
          const out = file === undefined ? undefined : yield* resultsFile(file)
          let n = 0
          const counts: Record<string, number> = {}
          const write = (item: Batch.ResultItem) =>
            Effect.try({
              try: () => {
                if (n === 0 && bar) Output.progressDone()
                n++
                counts[item.outcome] = (counts[item.outcome] ?? 0) + 1
                const text = JSON.stringify(Render.resultJson(item))
                if (out !== undefined) out.write(text)
                else Output.out(text)
              },
              catch: (e) =>
                new FileFailure({ path: file ?? "-", message: `cannot write results: ${(e as Error).message}` })
            })
          const stream = Run.run(inputOf(o.file), {
            ...options,
            cancelOnInterrupt: o.cancelOnInterrupt,
            onCreated: (batch) => {
              created = batch
              if (bar) Output.progressDone()
              if (o.mode.json) Output.err(JSON.stringify({ created: Render.batchJson(batch, false) }))
              else if (!o.mode.quiet) Output.err(`created ${o.provider} batch ${batch.id}`)
            },
            onPoll,
            ...(interval === undefined ? {} : { schedule: Lifecycle.fixedPoll(interval) }),
            ...(timeout === undefined ? {} : { timeout })
          })
          yield* Stream.runForEach(stream, write).pipe(
            Effect.ensuring(Effect.sync(() => out?.close())),
            Effect.onInterrupt(() =>
              Effect.sync(() => {
                if (bar) Output.progressDone()
                if (created === undefined) return Output.err("batchctl: interrupted before the batch was created")
                Output.err(
                  o.cancelOnInterrupt
                    ? `batchctl: interrupted; cancel of ${created.id} requested`
                    : `batchctl: interrupted; batch ${created.id} runs on (batchctl wait ${o.provider} ${created.id})`
                )
              })
            ),
            Effect.tapError(() =>
              Effect.sync(() => {
                if (bar) Output.progressDone()
                out?.abandon(n)
              })
            )
          )
          if (out !== undefined) yield* out.commit
          if (human) {
            const parts = Object.entries(counts).map(([k, v]) => `${v} ${k}`)
            Output.err(
              `${created?.id ?? ""}: ${n} results${parts.length === 0 ? "" : ` (${parts.join(", ")})`}${file === undefined ? "" : ` written to ${file}`}`
            )
          }
        })
      )
