/**
 * One upload in its own process: one implementation uploads a JSONL input file of `mb` megabytes with
 * `purpose=batch` and creates the batch from it, as a user would; prints one JSON line with the time and
 * the growth of the resident set over the upload. batchctl reads the file twice (once to check every
 * line and write the vendor's lines, once to send them); the official SDK sends the file as it is.
 */
import { createReadStream } from "node:fs"
import { argument, maxRss, officialOpenAi, promiseClient } from "./clients.js"

export interface UploadArgs {
  readonly impl: string
  readonly origin: string
  readonly file: string
}

export interface UploadLine {
  readonly ms: number
  readonly rssBefore: number
  readonly maxRss: number
  readonly batchId: string
}

const setup = async (args: UploadArgs): Promise<() => Promise<string>> => {
  switch (args.impl) {
    case "batchctl-promise": {
      const [client, { Create }] = await Promise.all([promiseClient("openai", args.origin), import("@batchctl/core")])
      return async () => (await client.create(Create.jsonlFile(args.file))).id
    }
    case "official": {
      // What OpenAI's guide shows: upload the file (a read stream), then create the batch from it.
      const client = await officialOpenAi(args.origin)
      return async () => {
        const file = await client.files.create({ file: createReadStream(args.file), purpose: "batch" })
        const batch = await client.batches.create({
          input_file_id: file.id,
          endpoint: "/v1/chat/completions",
          completion_window: "24h"
        })
        return batch.id
      }
    }
    default:
      throw new Error(`unknown implementation ${args.impl}`)
  }
}

const main = async () => {
  const args = argument<UploadArgs>()
  const upload = await setup(args)
  const rssBefore = process.memoryUsage().rss
  const t0 = performance.now()
  const batchId = await upload()
  const ms = performance.now() - t0
  const line: UploadLine = { ms, rssBefore, maxRss: maxRss(), batchId }
  process.stdout.write(`${JSON.stringify(line)}\n`)
  process.exit(0)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
