/**
 * `--init DIR --provider ID`: a template fixture for every scenario, marked `synthetic`, each with a
 * `todo` list and `TODO` values that the runner refuses to pass until a person replaces them.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { existsSync } from "node:fs"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import type { Exchange, Fixture } from "./Fixture.js"
import * as Scenarios from "./Scenarios.js"

const ID = "TODO-batch-id"

interface Plan {
  readonly exchanges: ReadonlyArray<{ readonly method: string; readonly path: string; readonly status: number; readonly text?: string }>
  readonly expect: Fixture["expect"]
  readonly input?: Fixture["input"]
}

const cancel = `/batches/${ID}/cancel`
const batch = `/batches/${ID}`
const refusal = (expect: Fixture["expect"]): Plan => ({
  exchanges: [
    { method: "POST", path: cancel, status: 409 },
    { method: "GET", path: batch, status: 200 }
  ],
  expect
})
const one = (method: string, path: string, status: number, expect: Fixture["expect"], text?: string): Plan => ({
  exchanges: [{ method, path, status, ...(text === undefined ? {} : { text }) }],
  expect
})
const times = (statuses: ReadonlyArray<number>, expect: Fixture["expect"]): Plan => ({
  exchanges: statuses.map((status) => ({ method: "POST", path: cancel, status })),
  expect
})

const plans: Readonly<Record<string, Plan>> = {
  "cancel.validating": one("POST", cancel, 200, { batch: { status: "cancelling" } }),
  "cancel.in-progress": one("POST", cancel, 200, { batch: { status: "cancelling" } }),
  "cancel.already-cancelling": refusal({ batch: { status: "cancelling" } }),
  "cancel.completed": refusal({ error: { _tag: "InvalidBatchState", vendorStatus: "TODO: the vendor's word for completed" } }),
  "cancel.failed": refusal({ error: { _tag: "InvalidBatchState", vendorStatus: "TODO: the vendor's word for failed" } }),
  "cancel.expired": refusal({ error: { _tag: "InvalidBatchState", vendorStatus: "TODO: the vendor's word for expired" } }),
  "cancel.cancelled": refusal({ batch: { status: "cancelled" } }),
  "cancel.unauthorized": one("POST", cancel, 401, { error: { _tag: "Unauthorized", httpStatus: 401 } }),
  "cancel.forbidden": one("POST", cancel, 403, { error: { _tag: "PermissionDenied", httpStatus: 403 } }),
  "cancel.not-found": one("POST", cancel, 404, { error: { _tag: "BatchNotFound", httpStatus: 404, batchId: ID } }),
  "cancel.rate-limited-then-ok": times([429, 200], { batch: { status: "cancelling" } }),
  "cancel.rate-limited-exhausted": times([429, 429, 429], { error: { _tag: "RateLimited", httpStatus: 429 } }),
  "cancel.quota-exceeded": one("POST", cancel, 429, { error: { _tag: "QuotaExceeded" } }),
  "cancel.server-error-then-ok": times([500, 200], { batch: { status: "cancelling" } }),
  "cancel.server-error-exhausted": times([503, 503, 503], { error: { _tag: "ProviderUnavailable", httpStatus: 503 } }),
  "cancel.html-error-page": one("POST", cancel, 200, { error: { _tag: "UnexpectedResponse", httpStatus: 200 } }, "<!DOCTYPE html><html><body>TODO: an HTML page</body></html>"),
  "retrieve.unknown-status": one("GET", batch, 200, { batch: { status: "unknown", vendorStatus: "TODO: a status word the adapter does not know" } }),
  "retrieve.validating": one("GET", batch, 200, { batch: { status: "validating", terminal: false } }),
  "retrieve.in-progress": one("GET", batch, 200, { batch: { status: "in_progress", terminal: false } }),
  "retrieve.finalizing": one("GET", batch, 200, { batch: { status: "finalizing", terminal: false } }),
  "retrieve.cancelling": one("GET", batch, 200, { batch: { status: "cancelling", terminal: false } }),
  "retrieve.cancelled": one("GET", batch, 200, { batch: { status: "cancelled", terminal: true } }),
  "retrieve.completed": one("GET", batch, 200, { batch: { status: "completed", terminal: true } }),
  "retrieve.failed": one("GET", batch, 200, { batch: { status: "failed", terminal: true } }),
  "retrieve.expired": one("GET", batch, 200, { batch: { status: "expired", terminal: true } }),
  "retrieve.not-found": one("GET", batch, 404, { error: { _tag: "BatchNotFound", httpStatus: 404, batchId: ID } }),
  "retrieve.malformed-body": one("GET", batch, 200, { error: { _tag: "UnexpectedResponse", httpStatus: 200 } }, '{"id": "TODO-batch-id", "sta'),
  "retrieve.empty-body": one("GET", batch, 200, { error: { _tag: "UnexpectedResponse", httpStatus: 200 } }, ""),
  "list.first-page": {
    exchanges: [{ method: "GET", path: "/batches?limit=2", status: 200 }],
    expect: { page: { hasMore: true, nextCursor: "TODO: the cursor for the next page" } },
    input: { limit: 2 }
  },
  "list.next-page": {
    exchanges: [{ method: "GET", path: "/batches?limit=2&after=TODO-cursor", status: 200 }],
    expect: { page: { hasMore: false } },
    input: { limit: 2, after: "TODO-cursor" }
  },
  "results.completed": {
    exchanges: [
      { method: "GET", path: batch, status: 200 },
      { method: "GET", path: "/TODO-results-path", status: 200, text: '{"custom_id": "TODO"}\n' }
    ],
    expect: { results: [{ customId: "TODO: each request's custom id, in order", outcome: "succeeded" }] }
  },
  "results.cancelled": {
    exchanges: [
      { method: "GET", path: batch, status: 200 },
      { method: "GET", path: "/TODO-results-path", status: 200, text: '{"custom_id": "TODO"}\n' }
    ],
    expect: { results: [{ customId: "TODO", outcome: "succeeded" }, { customId: "TODO", outcome: "cancelled" }] }
  }
}

/** The template for one scenario. */
export const template = (provider: string, scenario: Scenarios.Scenario, baseUrl: string): Fixture => {
  const plan = plans[scenario.key] ?? one("GET", batch, 200, { batch: { status: "TODO" } })
  const base = baseUrl.replace(/\/+$/, "")
  const exchanges: Array<Exchange> = plan.exchanges.map((x) => ({
    request: { method: x.method, url: `${base}${x.path}`, auth: "bearer" },
    response: {
      status: x.status,
      headers: { "content-type": x.text === undefined ? "application/json" : x.text.startsWith("<") ? "text/html" : "application/json" },
      ...(x.text === undefined ? { body: { TODO: `the vendor's ${x.status} body for ${x.method} ${x.path}` } } : { bodyText: x.text })
    }
  }))
  return {
    format: 1,
    provider,
    operation: scenario.operation,
    scenario: scenario.scenario,
    description: `TODO: ${scenario.description}`,
    source: {
      kind: "synthetic",
      ref: "TODO: where this exchange comes from: a URL a reader can open, or a file in this directory",
      note: "a template: keep `synthetic` for a hand-written exchange; `documented` when it is copied from the vendor's docs or SDK tests; `recorded` only for a capture from the vendor (batchctl-conformance record writes those)"
    },
    todo: [
      `replace every exchange with what the adapter sends and the vendor answers (the URLs, the auth, the bodies), or record one: batchctl-conformance record --provider ${provider} --operation ${scenario.operation} --id BATCH_ID`,
      `fill in expect (${scenario.expect}) and remove this todo list`
    ],
    input: plan.input ?? { batchId: ID },
    exchanges,
    expect: plan.expect
  }
}

/**
 * A directory that cannot be written.
 *
 * @category errors
 */
export class InitError extends Schema.TaggedError<InitError>("@batchctl/conformance/InitError")("InitError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot write ${this.path}: ${this.reason}`
  }
}

/** What `--init` did: the template files it wrote, those it left because they existed, and the expectations file. */
export interface InitResult {
  readonly written: ReadonlyArray<string>
  /** Files that were already there and are left as they are. */
  readonly kept: ReadonlyArray<string>
  readonly expectations: string
}

/**
 * Writes `DIR/<provider>/<operation>.<scenario>.json` for every scenario that has no file yet, and adds
 * the provider to `DIR/expectations.json` (created if missing; other entries are kept).
 */
export const init = (dir: string, provider: string, baseUrl = "https://TODO.api.example/v1"): Effect.Effect<InitResult, InitError> => {
  const root = resolve(dir)
  const expectationsFile = join(root, "expectations.json")
  return Effect.tryPromise({
    try: async () => {
      const target = join(root, provider)
      await mkdir(target, { recursive: true })
      const written: Array<string> = []
      const kept: Array<string> = []
      for (const scenario of Scenarios.all) {
        const file = join(target, `${scenario.key}.json`)
        if (existsSync(file)) {
          kept.push(file)
          continue
        }
        await writeFile(file, `${JSON.stringify(template(provider, scenario, baseUrl), null, 2)}\n`)
        written.push(file)
      }
      let expectations: Record<string, unknown> = {}
      if (existsSync(expectationsFile)) expectations = JSON.parse(await readFile(expectationsFile, "utf8")) as Record<string, unknown>
      if (expectations[provider] === undefined) {
        expectations[provider] = { skip: {}, expectedFailures: {} }
        await writeFile(expectationsFile, `${JSON.stringify(expectations, null, 2)}\n`)
      }
      return { written, kept, expectations: expectationsFile }
    },
    catch: (e) => new InitError({ path: root, reason: e instanceof Error ? e.message : String(e) })
  })
}
