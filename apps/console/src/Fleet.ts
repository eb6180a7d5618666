/**
 * A fleet of batches on the embedded emulator, for `batchctl console --emulator`: every provider with
 * batches of every age and state, some running for hours, and a "bad prompt" (metadata `prompt=v8`)
 * sent to four vendors, to find and cancel.
 *
 * @since 0.1.0
 */
import type { Emulator } from "@batchctl/emulator"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** how many batches seeded through the emulator's control API (default 60) */
  readonly count?: number | undefined
  /** add the batches created through the vendors' create endpoints, with metadata (default true) */
  readonly withMetadata?: boolean | undefined
  /** emulated minutes between the oldest batches and now (default 240) */
  readonly spreadMinutes?: number | undefined
  /** the key the emulator takes, when it was started with one */
  readonly apiKey?: string | undefined
}

type Provider = Emulator.Provider

/** Each vendor's own word for a state (what the emulator's seed takes). */
const words: Record<
  Provider,
  Record<"running" | "validating" | "completed" | "failed" | "expired" | "cancelled", string>
> = {
  openai: {
    running: "in_progress",
    validating: "validating",
    completed: "completed",
    failed: "failed",
    expired: "expired",
    cancelled: "cancelled"
  },
  moonshot: {
    running: "in_progress",
    validating: "validating",
    completed: "completed",
    failed: "failed",
    expired: "expired",
    cancelled: "cancelled"
  },
  respan: {
    running: "in_progress",
    validating: "validating",
    completed: "completed",
    failed: "failed",
    expired: "expired",
    cancelled: "cancelled"
  },
  meshapi: {
    running: "in_progress",
    validating: "validating",
    completed: "completed",
    failed: "failed",
    expired: "expired",
    cancelled: "cancelled"
  },
  together: {
    running: "IN_PROGRESS",
    validating: "VALIDATING",
    completed: "COMPLETED",
    failed: "FAILED",
    expired: "EXPIRED",
    cancelled: "CANCELLED"
  },
  anthropic: {
    running: "in_progress",
    validating: "in_progress",
    completed: "ended",
    failed: "ended",
    expired: "ended",
    cancelled: "ended"
  }
}

/** Mostly running (there is something to watch and cancel), the rest finished one way or another. */
const mix = [
  "running",
  "running",
  "running",
  "running",
  "completed",
  "running",
  "validating",
  "completed",
  "failed",
  "running",
  "expired",
  "cancelled"
] as const

const post = async (key: string, url: string, init: RequestInit): Promise<Record<string, unknown>> => {
  const response = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${key}`, ...init.headers },
    signal: AbortSignal.timeout(30_000)
  })
  const body = (await response.json()) as Record<string, unknown>
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}: ${JSON.stringify(body)}`)
  return body
}

const lines = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: i % 97 === 5 ? `${tag}-fail-${i}` : `${tag}-${i}`,
    method: "POST",
    url: "/v1/chat/completions",
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: `summarize document ${i}` }] }
  }))

/** A batch created the way a user creates one, with metadata: upload + create, or inline requests. */
const createWithMetadata = async (
  handle: Emulator.Handle,
  provider: "openai" | "moonshot" | "respan" | "meshapi",
  metadata: Record<string, string>,
  requests: number,
  key: string
) => {
  const base = handle.baseUrl(provider)
  const reqs = lines(requests, metadata.prompt ?? "req")
  if (provider === "meshapi") {
    return post(key, `${base}/batches`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        requests: reqs.map(({ custom_id, body }) => ({ custom_id, body })),
        completion_window: "24h",
        metadata
      })
    })
  }
  const form = new FormData()
  form.append("purpose", "batch")
  form.append(
    "file",
    new Blob([reqs.map((r) => JSON.stringify(r)).join("\n")], { type: "application/jsonl" }),
    "input.jsonl"
  )
  const file = await post(key, `${base}/files`, { method: "POST", body: form })
  return post(key, `${base}/batches`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata
    })
  })
}

/**
 * Seeds the fleet: the oldest batches first, then the emulator's clock is stepped forward and the next
 * ones created, so that ages spread over `spreadMinutes`; running batches are long enough (tens of
 * thousands of requests) to still run at the end.
 *
 * @since 0.1.0
 * @category constructors
 */
export const seed = async (handle: Emulator.Handle, options: Options = {}): Promise<number> => {
  const count = options.count ?? 60
  const key = options.apiKey ?? "batchctl-console-fleet"
  const spread = (options.spreadMinutes ?? 240) * 60_000
  const providers: ReadonlyArray<Provider> = ["openai", "anthropic", "moonshot", "together", "respan", "meshapi"]
  const steps = Math.min(12, Math.max(1, count))
  let created = 0
  for (let step = 0; step < steps; step++) {
    const n = Math.floor((count * (step + 1)) / steps) - Math.floor((count * step) / steps)
    for (let i = 0; i < n; i++) {
      const provider = providers[(created + i) % providers.length]!
      const state = mix[(created + i * 7 + step) % mix.length]!
      const requests = state === "running" ? 20_000 + ((created + i) % 7) * 10_000 : 50 + ((created + i) % 9) * 25
      await handle.createBatch({
        provider,
        status: words[provider][state],
        requests,
        completed: state === "running" ? Math.floor(requests * (((created + i) % 10) / 40)) : Math.floor(requests / 3)
      })
    }
    created += n
    if (step < steps - 1) await handle.advance(spread / steps)
  }
  if (options.withMetadata ?? true) {
    // Long batches (4,000 requests at 250 ms each: over 15 minutes), so that they are still running.
    for (const provider of ["openai", "moonshot", "respan", "meshapi"] as const) {
      await createWithMetadata(handle, provider, { team: "search", prompt: "v7" }, 1_000, key)
      await createWithMetadata(handle, provider, { team: "search", prompt: "v8" }, 4_000, key)
      created += 2
    }
  }
  return created
}
