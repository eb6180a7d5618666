/**
 * One results read in its own process: one implementation reads the results of a completed batch whose
 * file is `mb` megabytes, counting items; prints one JSON line with the time, the time to the first
 * item, the item count and the growth of the resident set over the read.
 */
import {
  argument,
  maxRss,
  officialAnthropic,
  officialOpenAi,
  promiseClient,
  providerOnNodeClient,
  rawHeaders
} from "./clients.js"
import { resultsBatchId, type Vendor } from "./vendors.js"

export interface ResultsArgs {
  readonly impl: string
  readonly vendor: Extract<Vendor, "openai" | "anthropic">
  readonly origin: string
  readonly mb: number
}

export interface ResultsLine {
  readonly items: number
  readonly ms: number
  readonly firstItemMs: number
  readonly rssBefore: number
  readonly maxRss: number
  /** The process's CPU time over the read (user and system), in milliseconds. */
  readonly cpuMs?: number
}

type Read = (onItem: () => void) => Promise<void>

/** Splits a byte stream into lines and parses each: what any streaming reader must do at least. */
const parseLines = async (chunks: AsyncIterable<Uint8Array | string>, onItem: () => void) => {
  const decoder = new TextDecoder()
  let rest = ""
  for await (const chunk of chunks) {
    const text = rest + (typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }))
    let start = 0
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      if (nl > start) {
        JSON.parse(text.slice(start, nl))
        onItem()
      }
      start = nl + 1
    }
    rest = text.slice(start)
  }
  if (rest.trim().length > 0) {
    JSON.parse(rest)
    onItem()
  }
}

const setup = async (args: ResultsArgs): Promise<Read> => {
  const { vendor, origin } = args
  const id = resultsBatchId(vendor, args.mb)
  switch (args.impl) {
    case "undici-pool": {
      const { Pool } = await import("undici")
      const p = new Pool(origin)
      const path =
        vendor === "anthropic"
          ? `/anthropic/v1/messages/batches/${id}/results`
          : `/openai/v1/files/file-results-${args.mb}/content`
      return async (onItem) => {
        const { body } = await p.request({ path, method: "GET", headers: rawHeaders(vendor) })
        await parseLines(body, onItem)
      }
    }
    case "official": {
      if (vendor === "anthropic") {
        const client = await officialAnthropic(origin)
        return async (onItem) => {
          for await (const _ of await client.messages.batches.results(id)) onItem()
        }
      }
      // What OpenAI's guide shows: retrieve the batch, download its output file, split the lines.
      const client = await officialOpenAi(origin)
      return async (onItem) => {
        const batch = await client.batches.retrieve(id)
        const response = await client.files.content(batch.output_file_id ?? "")
        const text = await response.text()
        for (const line of text.split("\n")) {
          if (line.length > 0) {
            JSON.parse(line)
            onItem()
          }
        }
      }
    }
    case "batchctl-effect": {
      const [{ BatchProvider }, Effect, ManagedRuntime, Stream] = await Promise.all([
        import("@batchctl/core"),
        import("effect/Effect"),
        import("effect/ManagedRuntime"),
        import("effect/Stream")
      ])
      const runtime = ManagedRuntime.make(await providerOnNodeClient(vendor, origin))
      return (onItem) =>
        runtime.runPromise(
          Effect.flatMap(BatchProvider.BatchProvider, (provider) =>
            Stream.runForEach(provider.results(id), () => Effect.sync(onItem))
          )
        )
    }
    case "batchctl-promise": {
      const client = await promiseClient(vendor, origin)
      // Before the streaming rewrite `results` resolved to an array; after it, it is an async iterable.
      return async (onItem) => {
        const answer: unknown = client.results(id)
        const items = (answer instanceof Promise ? await answer : answer) as AsyncIterable<unknown> | Iterable<unknown>
        for await (const _ of items) onItem()
      }
    }
    default:
      throw new Error(`unknown impl ${args.impl}`)
  }
}

const main = async () => {
  const args = argument<ResultsArgs>()
  const read = await setup(args)
  let items = 0
  let firstItemMs = -1
  const rssBefore = process.memoryUsage().rss
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await read(() => {
    if (items++ === 0) firstItemMs = performance.now() - t0
  })
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const line: ResultsLine = {
    items,
    ms,
    firstItemMs,
    rssBefore,
    maxRss: maxRss(),
    cpuMs: (cpu.user + cpu.system) / 1000
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
  process.exit(0)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
