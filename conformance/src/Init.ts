/**
 * `--init DIR --provider ID [--family F]`: a template fixture for every scenario, marked `synthetic`,
 * in the shape of a wire family (its paths, paging, refusal and results), each with a `todo` list and
 * `TODO` values that the runner refuses to pass until a person replaces them.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { existsSync } from "node:fs"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import type { Exchange, Fixture } from "./Fixture.js"
import * as Scenarios from "./Scenarios.js"

const ID = "TODO-batch-id"

/**
 * The wire families `--init --family` writes templates for: how a vendor names its paths, pages its
 * list, refuses a cancel and hands out results. The family says the usual shape; the vendor's own paths
 * still replace them.
 */
export const familyIds = ["openai", "anthropic", "page-number", "page-token", "cursor", "operation"] as const

/** A wire family of `--init`. */
export type FamilyId = (typeof familyIds)[number]

/** What a family's templates send and expect. */
export interface Family {
  readonly id: FamilyId
  /** One line: who speaks it, and how it pages and gives results. */
  readonly title: string
  /** The core helpers an adapter of this family uses for what differs from OpenAI. */
  readonly helpers: string
  readonly auth: "bearer" | "x-api-key"
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly cancel: { readonly method: string; readonly path: string }
  /** `GET` of one batch. */
  readonly batch: string
  /** The status the vendor refuses a cancel with when the batch's state forbids it. */
  readonly refusal: number
  /** A cancel answers no batch (`{}` or an empty operation): the adapter retrieves it after the cancel. */
  readonly cancelThenRetrieve: boolean
  readonly list: {
    readonly first: { readonly query: string; readonly input: Fixture["input"]; readonly nextCursor: string }
    readonly next: { readonly query: string; readonly input: Fixture["input"] }
  }
  /** The requests after the retrieve that read the results (none: the results are inline in the batch). */
  readonly results: { readonly completed: ReadonlyArray<string>; readonly cancelled: ReadonlyArray<string> }
}

const files = {
  completed: ["/files/TODO-output-file/content"],
  cancelled: ["/files/TODO-output-file/content", "/files/TODO-error-file/content"]
}

/** Every family, by id. */
export const families: { readonly [F in FamilyId]: Family } = {
  openai: {
    id: "openai",
    title:
      "OpenAI-shaped (OpenAI, Moonshot, Azure OpenAI, Groq, xAI …): POST /batches/{id}/cancel, a 409 refusal, ?limit&after with has_more, output and error files",
    helpers: "@batchctl/openai-compatible, or Batch.pageOf and Results.fromFiles",
    auth: "bearer",
    cancel: { method: "POST", path: `/batches/${ID}/cancel` },
    batch: `/batches/${ID}`,
    refusal: 409,
    cancelThenRetrieve: false,
    list: {
      first: { query: "/batches?limit=2", input: { limit: 2 }, nextCursor: "TODO: the last id of the page" },
      next: { query: "/batches?limit=2&after=TODO-cursor", input: { limit: 2, after: "TODO-cursor" } }
    },
    results: files
  },
  anthropic: {
    id: "anthropic",
    title: "Anthropic-shaped: /messages/batches, the key in x-api-key, a 400 refusal, ?limit&after_id, one results_url",
    helpers: "Batch.pageOf, Results.fromLines",
    auth: "x-api-key",
    headers: { "anthropic-version": "2023-06-01" },
    cancel: { method: "POST", path: `/messages/batches/${ID}/cancel` },
    batch: `/messages/batches/${ID}`,
    refusal: 400,
    cancelThenRetrieve: false,
    list: {
      first: { query: "/messages/batches?limit=2", input: { limit: 2 }, nextCursor: "TODO: last_id of the page" },
      next: { query: "/messages/batches?limit=2&after_id=TODO-cursor", input: { limit: 2, after: "TODO-cursor" } }
    },
    results: { completed: [`/messages/batches/${ID}/results`], cancelled: [`/messages/batches/${ID}/results`] }
  },
  "page-number": {
    id: "page-number",
    title:
      "page numbers with a total (Mistral's ?page&page_size, total): a 400 refusal, an output file and an error file",
    helpers: "Paging.pageNumberOf and Paging.fromPageNumber, Paging.refuseBackward, ResultsSource.inlineOrFiles",
    auth: "bearer",
    cancel: { method: "POST", path: `/batches/${ID}/cancel` },
    batch: `/batches/${ID}`,
    refusal: 400,
    cancelThenRetrieve: false,
    list: {
      // Paging.fromPageNumber writes the next page's number as the cursor: nothing to fill in.
      first: { query: "/batches?page=0&page_size=2", input: { limit: 2 }, nextCursor: "page:1" },
      next: { query: "/batches?page=1&page_size=2", input: { limit: 2, after: "page:1" } }
    },
    results: files
  },
  "page-token": {
    id: "page-token",
    title: "page tokens (?page_size&page_token, next_page_token in the answer): a 409 refusal, an output file",
    helpers: "Paging.fromToken, Paging.refuseBackward, ResultsSource.inlineOrFiles",
    auth: "bearer",
    cancel: { method: "POST", path: `/batches/${ID}/cancel` },
    batch: `/batches/${ID}`,
    refusal: 409,
    cancelThenRetrieve: false,
    list: {
      first: { query: "/batches?page_size=2", input: { limit: 2 }, nextCursor: "TODO: the vendor's next_page_token" },
      next: { query: "/batches?page_size=2&page_token=TODO-cursor", input: { limit: 2, after: "TODO-cursor" } }
    },
    results: files
  },
  cursor: {
    id: "cursor",
    title: "opaque cursors (Groq's ?cursor, paging.next_cursor in the answer): otherwise OpenAI-shaped, a 400 refusal",
    helpers: "Paging.fromToken, Paging.refuseBackward, Results.fromFiles",
    auth: "bearer",
    cancel: { method: "POST", path: `/batches/${ID}/cancel` },
    batch: `/batches/${ID}`,
    refusal: 400,
    cancelThenRetrieve: false,
    list: {
      first: { query: "/batches?limit=2", input: { limit: 2 }, nextCursor: "TODO: the vendor's next cursor" },
      next: { query: "/batches?limit=2&cursor=TODO-cursor", input: { limit: 2, after: "TODO-cursor" } }
    },
    results: files
  },
  operation: {
    id: "operation",
    title:
      "operation-wrapped (Google's Gemini API): POST /batches/{id}:cancel answers {} and the batch is retrieved, a batch inside {name, metadata, done, response}, ?pageSize&pageToken, results inline or in a responses file",
    helpers: "Paging.fromToken, Paging.refuseBackward, ResultsSource.inlineOrFiles",
    auth: "bearer",
    cancel: { method: "POST", path: `/batches/${ID}:cancel` },
    batch: `/batches/${ID}`,
    refusal: 400,
    cancelThenRetrieve: true,
    list: {
      first: { query: "/batches?pageSize=2", input: { limit: 2 }, nextCursor: "TODO: the vendor's nextPageToken" },
      next: { query: "/batches?pageSize=2&pageToken=TODO-cursor", input: { limit: 2, after: "TODO-cursor" } }
    },
    // Inline in the batch (response.inlinedResponses); a batch whose results are a file reads it after.
    results: { completed: [], cancelled: [] }
  }
}

/** Whether `id` names a family. */
export const isFamily = (id: string): id is FamilyId => (familyIds as ReadonlyArray<string>).includes(id)

interface Step {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly text?: string
  readonly body?: unknown
}

interface Plan {
  readonly exchanges: ReadonlyArray<Step>
  readonly expect: Fixture["expect"]
  readonly input?: Fixture["input"]
}

const plansOf = (f: Family): Readonly<Record<string, Plan>> => {
  const cancelStep = (status: number): Step => ({ method: f.cancel.method, path: f.cancel.path, status })
  const retrieve: Step = { method: "GET", path: f.batch, status: 200 }
  // A cancel that answers no batch is followed by the retrieve that gets it.
  const accepted: ReadonlyArray<Step> = f.cancelThenRetrieve
    ? [{ ...cancelStep(200), body: {} }, retrieve]
    : [cancelStep(200)]
  const refusal = (expect: Fixture["expect"]): Plan => ({ exchanges: [cancelStep(f.refusal), retrieve], expect })
  const one = (step: Step, expect: Fixture["expect"]): Plan => ({ exchanges: [step], expect })
  const times = (statuses: ReadonlyArray<number>, expect: Fixture["expect"]): Plan => ({
    exchanges: statuses.flatMap((status) => (status === 200 ? accepted : [cancelStep(status)])),
    expect
  })
  const get = (status: number, text?: string): Step => ({
    ...retrieve,
    status,
    ...(text === undefined ? {} : { text })
  })
  const results = (paths: ReadonlyArray<string>, expect: Fixture["expect"]): Plan => ({
    exchanges: [
      retrieve,
      ...paths.map((path) => ({ method: "GET", path, status: 200, text: '{"custom_id": "TODO"}\n' }))
    ],
    expect
  })
  return {
    "cancel.validating": times([200], { batch: { status: "cancelling" } }),
    "cancel.in-progress": times([200], { batch: { status: "cancelling" } }),
    "cancel.already-cancelling": refusal({ batch: { status: "cancelling" } }),
    "cancel.completed": refusal({
      error: { _tag: "InvalidBatchState", vendorStatus: "TODO: the vendor's word for completed" }
    }),
    "cancel.failed": refusal({
      error: { _tag: "InvalidBatchState", vendorStatus: "TODO: the vendor's word for failed" }
    }),
    "cancel.expired": refusal({
      error: { _tag: "InvalidBatchState", vendorStatus: "TODO: the vendor's word for expired" }
    }),
    "cancel.cancelled": refusal({ batch: { status: "cancelled" } }),
    "cancel.unauthorized": one(cancelStep(401), { error: { _tag: "Unauthorized", httpStatus: 401 } }),
    "cancel.forbidden": one(cancelStep(403), { error: { _tag: "PermissionDenied", httpStatus: 403 } }),
    "cancel.not-found": one(cancelStep(404), { error: { _tag: "BatchNotFound", httpStatus: 404, batchId: ID } }),
    "cancel.rate-limited-then-ok": times([429, 200], { batch: { status: "cancelling" } }),
    "cancel.rate-limited-exhausted": times([429, 429, 429], { error: { _tag: "RateLimited", httpStatus: 429 } }),
    "cancel.quota-exceeded": one(cancelStep(429), { error: { _tag: "QuotaExceeded" } }),
    "cancel.server-error-then-ok": times([500, 200], { batch: { status: "cancelling" } }),
    "cancel.server-error-exhausted": times([503, 503, 503], {
      error: { _tag: "ProviderUnavailable", httpStatus: 503 }
    }),
    "cancel.html-error-page": one(
      { ...cancelStep(200), text: "<!DOCTYPE html><html><body>TODO: an HTML page</body></html>" },
      { error: { _tag: "UnexpectedResponse", httpStatus: 200 } }
    ),
    "retrieve.unknown-status": one(get(200), {
      batch: { status: "unknown", vendorStatus: "TODO: a status word the adapter does not know" }
    }),
    "retrieve.validating": one(get(200), { batch: { status: "validating", terminal: false } }),
    "retrieve.in-progress": one(get(200), { batch: { status: "in_progress", terminal: false } }),
    "retrieve.finalizing": one(get(200), { batch: { status: "finalizing", terminal: false } }),
    "retrieve.cancelling": one(get(200), { batch: { status: "cancelling", terminal: false } }),
    "retrieve.cancelled": one(get(200), { batch: { status: "cancelled", terminal: true } }),
    "retrieve.completed": one(get(200), { batch: { status: "completed", terminal: true } }),
    "retrieve.failed": one(get(200), { batch: { status: "failed", terminal: true } }),
    "retrieve.expired": one(get(200), { batch: { status: "expired", terminal: true } }),
    "retrieve.not-found": one(get(404), { error: { _tag: "BatchNotFound", httpStatus: 404, batchId: ID } }),
    "retrieve.malformed-body": one(get(200, '{"id": "TODO-batch-id", "sta'), {
      error: { _tag: "UnexpectedResponse", httpStatus: 200 }
    }),
    "retrieve.empty-body": one(get(200, ""), { error: { _tag: "UnexpectedResponse", httpStatus: 200 } }),
    "list.first-page": {
      exchanges: [{ method: "GET", path: f.list.first.query, status: 200 }],
      expect: { page: { hasMore: true, nextCursor: f.list.first.nextCursor } },
      input: f.list.first.input
    },
    "list.next-page": {
      exchanges: [{ method: "GET", path: f.list.next.query, status: 200 }],
      expect: { page: { hasMore: false } },
      input: f.list.next.input
    },
    "results.completed": results(f.results.completed, {
      results: [{ customId: "TODO: each request's custom id, in order", outcome: "succeeded" }]
    }),
    "results.cancelled": results(f.results.cancelled, {
      results: [
        { customId: "TODO", outcome: "succeeded" },
        { customId: "TODO", outcome: "cancelled" }
      ]
    })
  }
}

const plans: { readonly [F in FamilyId]: Readonly<Record<string, Plan>> } = {
  openai: plansOf(families.openai),
  anthropic: plansOf(families.anthropic),
  "page-number": plansOf(families["page-number"]),
  "page-token": plansOf(families["page-token"]),
  cursor: plansOf(families.cursor),
  operation: plansOf(families.operation)
}

const contentType = (step: Step) =>
  step.text === undefined ? "application/json" : step.text.startsWith("<") ? "text/html" : "application/json"

/** The template for one scenario, in the shape of `family` (default `openai`). */
export const template = (
  provider: string,
  scenario: Scenarios.Scenario,
  baseUrl: string,
  family: FamilyId = "openai"
): Fixture => {
  const f = families[family]
  const plan: Plan = plans[family][scenario.key] ?? {
    exchanges: [{ method: "GET", path: f.batch, status: 200 }],
    expect: { batch: { status: "TODO" } }
  }
  const base = baseUrl.replace(/\/+$/, "")
  const exchanges: Array<Exchange> = plan.exchanges.map((x) => ({
    request: {
      method: x.method,
      url: `${base}${x.path}`,
      ...(f.headers === undefined ? {} : { headers: f.headers }),
      auth: f.auth
    },
    response: {
      status: x.status,
      headers: { "content-type": contentType(x) },
      ...(x.text !== undefined
        ? { bodyText: x.text }
        : { body: x.body ?? { TODO: `the vendor's ${x.status} body for ${x.method} ${x.path}` } })
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
      note: `a template of the ${family} family (${f.title}); keep \`synthetic\` for a hand-written exchange; \`documented\` when it is copied from the vendor's docs or SDK tests; \`recorded\` only for a capture from the vendor (batchctl-conformance record writes those); mark an exchange the docs do not show with "assumed": "what was assumed, and why"`
    },
    todo: [
      `replace every exchange with what the adapter sends and the vendor answers (the URLs are the ${family} family's usual shape: use your vendor's paths, auth and bodies), or record one: batchctl-conformance record --provider ${provider} --operation ${scenario.operation} --id BATCH_ID`,
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
export const init = (
  dir: string,
  provider: string,
  baseUrl = "https://TODO.api.example/v1",
  family: FamilyId = "openai"
): Effect.Effect<InitResult, InitError> => {
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
        await writeFile(file, `${JSON.stringify(template(provider, scenario, baseUrl, family), null, 2)}\n`)
        written.push(file)
      }
      let expectations: Record<string, unknown> = {}
      if (existsSync(expectationsFile))
        expectations = JSON.parse(await readFile(expectationsFile, "utf8")) as Record<string, unknown>
      if (expectations[provider] === undefined) {
        expectations[provider] = { skip: {}, expectedFailures: {} }
        await writeFile(expectationsFile, `${JSON.stringify(expectations, null, 2)}\n`)
      }
      return { written, kept, expectations: expectationsFile }
    },
    catch: (e) => new InitError({ path: root, reason: e instanceof Error ? e.message : String(e) })
  })
}
