/**
 * One bulk-cancel run in its own process: sets up one implementation for one vendor, warms it up, then
 * cancels `n` batches at each concurrency asked for, printing one JSON line per concurrency and a last
 * line with the process's memory.
 */
import {
  argument,
  maxRss,
  officialCancel,
  pool,
  promiseClient,
  providerOnNodeClient,
  providerOnUndici,
  rawHeaders
} from "./clients.js"
import { batchId, serverCancelPath, type Vendor } from "./vendors.js"

export interface CancelArgs {
  readonly impl: string
  readonly vendor: Vendor
  readonly origin: string
  readonly n: number
  readonly warmup: number
  readonly concurrency: ReadonlyArray<number>
  /** Promise client: one `cancelMany` call instead of a pool of `cancel` calls. */
  readonly many?: boolean
  /** `cancelEach` (outcomes streamed, counted, not kept) instead of `cancelMany`. */
  readonly each?: boolean
}

export interface CancelLine {
  readonly concurrency: number
  readonly n: number
  readonly ok: number
  readonly ms: number
  readonly cpuUs: number
}

export interface MemoryLine {
  readonly rssBefore: number
  readonly maxRss: number
}

type Run = (ids: ReadonlyArray<string>, concurrency: number) => Promise<number>

const setup = async (args: CancelArgs): Promise<{ run: Run; close: () => Promise<void> }> => {
  const { vendor, origin } = args
  const headers = rawHeaders(vendor)
  switch (args.impl) {
    case "undici-pool": {
      const { Pool } = await import("undici")
      const p = new Pool(origin)
      return {
        run: (ids, c) =>
          pool(ids, c, async (id) => {
            const { statusCode, body } = await p.request({
              path: serverCancelPath(vendor, id),
              method: "POST",
              headers
            })
            JSON.parse(await body.text())
            return statusCode === 200
          }),
        close: () => p.close()
      }
    }
    case "undici-fetch":
      return {
        run: (ids, c) =>
          pool(ids, c, async (id) => {
            const response = await fetch(`${origin}${serverCancelPath(vendor, id)}`, { method: "POST", headers })
            await response.json()
            return response.status === 200
          }),
        close: async () => {}
      }
    case "undici-effect": {
      // Effect's HttpClient on undici with nothing else: no retries, timeouts, spans or decoding.
      const [HttpClient, HttpClientRequest, NodeHttpClient, Effect, ManagedRuntime] = await Promise.all([
        import("@effect/platform/HttpClient"),
        import("@effect/platform/HttpClientRequest"),
        import("@effect/platform-node/NodeHttpClient"),
        import("effect/Effect"),
        import("effect/ManagedRuntime")
      ])
      const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)
      const cancelAll = (ids: ReadonlyArray<string>, c: number) =>
        Effect.flatMap(HttpClient.HttpClient, (client) =>
          Effect.forEach(
            ids,
            (id) =>
              client.execute(HttpClientRequest.post(`${origin}${serverCancelPath(vendor, id)}`, { headers })).pipe(
                Effect.flatMap((r) => Effect.as(r.json, r.status === 200)),
                Effect.orElseSucceed(() => false)
              ),
            { concurrency: c }
          )
        )
      return {
        run: (ids, c) => runtime.runPromise(cancelAll(ids, c)).then((oks) => oks.filter(Boolean).length),
        close: () => runtime.dispose()
      }
    }
    case "official": {
      const cancel = await officialCancel(vendor, origin)
      return { run: (ids, c) => pool(ids, c, (id) => cancel(id).then(() => true)), close: async () => {} }
    }
    case "batchctl-effect":
    case "batchctl-effect-undici": {
      const [{ Lifecycle }, ManagedRuntime] = await Promise.all([
        import("@batchctl/core"),
        import("effect/ManagedRuntime")
      ])
      const layer =
        args.impl === "batchctl-effect" ? providerOnNodeClient(vendor, origin) : providerOnUndici(vendor, origin)
      const [runtime, Stream] = [ManagedRuntime.make(await layer), await import("effect/Stream")]
      return {
        run: args.each
          ? (ids, c) =>
              runtime.runPromise(
                Stream.runFold(Lifecycle.cancelEach(ids, { concurrency: c }), 0, (n, o) =>
                  o._tag === "Cancelled" ? n + 1 : n
                )
              )
          : (ids, c) =>
              runtime
                .runPromise(Lifecycle.cancelMany(ids, { concurrency: c }))
                .then((outcomes) => outcomes.filter((o) => o._tag === "Cancelled").length),
        close: () => runtime.dispose()
      }
    }
    case "batchctl-promise": {
      const client = await promiseClient(vendor, origin)
      return {
        run: args.each
          ? async (ids, c) => {
              let ok = 0
              for await (const o of client.cancelEach(ids, { concurrency: c })) if (o._tag === "Cancelled") ok++
              return ok
            }
          : args.many
            ? (ids, c) =>
                client
                  .cancelMany(ids, { concurrency: c })
                  .then((outcomes) => outcomes.filter((o) => o._tag === "Cancelled").length)
            : (ids, c) => pool(ids, c, (id) => client.cancel(id).then(() => true)),
        close: () => client.close()
      }
    }
    default:
      throw new Error(`unknown impl ${args.impl}`)
  }
}

const main = async () => {
  const args = argument<CancelArgs>()
  const { run, close } = await setup(args)
  const ids = Array.from({ length: args.n }, (_, i) => batchId(args.vendor, i))
  if (args.warmup > 0) {
    await run(ids.slice(0, args.warmup), Math.max(...args.concurrency))
  }
  const rssBefore = process.memoryUsage().rss
  for (const concurrency of args.concurrency) {
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    const ok = await run(ids, concurrency)
    const ms = performance.now() - t0
    const used = process.cpuUsage(cpu)
    const line: CancelLine = { concurrency, n: ids.length, ok, ms, cpuUs: used.user + used.system }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
  const memory: MemoryLine = { rssBefore, maxRss: maxRss() }
  process.stdout.write(`${JSON.stringify(memory)}\n`)
  await close()
  process.exit(0)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
