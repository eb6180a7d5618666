/**
 * `batchctl-conformance scaffold --provider ID --family FAMILY`: a new provider as one package, one
 * fixture folder and one emulator profile, written for an author outside the repository from the
 * public entry points only:
 *
 * - `package.json`, `tsconfig.json`, `README.md`, `.gitignore`;
 * - `src/index.ts` and `src/<Name>Batches.ts`: an adapter over `@batchctl/core` in the family's shape
 *   (its paths, auth, refusal, paging helper and results reader), which builds as written and is full of
 *   `TODO`s where the vendor's own words go;
 * - `fixtures/<id>/*.json` and `fixtures/expectations.json`: the `--init` templates of the family;
 * - `emulator/<id>.profile.mjs`: an emulator profile for the vendor: the built-in OpenAI profile (the
 *   Anthropic one for that family) with the family's paths, paging and cancel.
 *
 * It never overwrites a file unless `force` (the fixture templates never: a fixture already there is kept).
 */
import { version as coreVersion } from "@batchctl/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { existsSync, readFileSync } from "node:fs"
import { mkdir, writeFile } from "node:fs/promises"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Init from "./Init.js"

/** What to scaffold. */
export interface Options {
  /** The package's directory (created when missing). */
  readonly dir: string
  /** The provider id fixtures and the emulator use: lower case, digits and `-`. */
  readonly provider: string
  readonly family: Init.FamilyId
  /** The vendor's public API; default `https://api.<provider>.example/v1`. */
  readonly baseUrl?: string | undefined
  /** The npm package name; default `batchctl-<provider>`. */
  readonly packageName?: string | undefined
  /** `<PREFIX>_API_KEY` and `<PREFIX>_BASE_URL` are what the adapter reads; default the id upper-cased. */
  readonly envPrefix?: string | undefined
  /** Overwrite files that exist (never the fixtures). */
  readonly force?: boolean | undefined
}

/** What `scaffold` wrote. */
export interface Result {
  readonly dir: string
  readonly provider: string
  readonly family: Init.FamilyId
  readonly namespace: string
  readonly packageName: string
  /** The files written, relative to `dir`. */
  readonly written: ReadonlyArray<string>
  /** The fixture templates kept because they were there. */
  readonly kept: ReadonlyArray<string>
}

/**
 * Options that cannot make a package: a provider id that is not one, a file that exists.
 *
 * @category errors
 */
export class ScaffoldUsage extends Schema.TaggedError<ScaffoldUsage>("@batchctl/conformance/ScaffoldUsage")(
  "ScaffoldUsage",
  {
    reason: Schema.String
  }
) {
  override get message() {
    return `scaffold: ${this.reason}`
  }
}

/**
 * A directory or file that cannot be written.
 *
 * @category errors
 */
export class ScaffoldError extends Schema.TaggedError<ScaffoldError>("@batchctl/conformance/ScaffoldError")(
  "ScaffoldError",
  {
    path: Schema.String,
    reason: Schema.String
  }
) {
  override get message() {
    return `scaffold: cannot write ${this.path}: ${this.reason}`
  }
}

/** The options, checked and with their defaults. */
interface Spec {
  readonly provider: string
  readonly family: Init.FamilyId
  readonly baseUrl: string
  readonly packageName: string
  readonly envPrefix: string
}

const ID = /^[a-z][a-z0-9-]{0,39}$/
const PREFIX = /^[A-Z][A-Z0-9_]{0,39}$/
const PACKAGE = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]{0,100}$/

/** `lumen` → `LumenBatches`, `acme-ai` → `AcmeAiBatches`. */
export const namespaceOf = (provider: string): string =>
  `${provider
    .split("-")
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("")}Batches`

/** `acme-ai` → `ACME_AI`. */
export const envPrefixOf = (provider: string): string => provider.toUpperCase().replace(/[^A-Z0-9]/g, "_")

/**
 * This package's manifest: the version ranges the scaffold asks for come from it. Bundled into the
 * `batchctl` command, the manifest beside it is the command's: then the core's version stands in.
 */
const manifest = (): { readonly version: string; readonly ranges: Readonly<Record<string, string>> } => {
  try {
    const json = JSON.parse(
      readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "package.json"), "utf8")
    ) as {
      readonly name?: string
      readonly version?: string
      readonly dependencies?: Record<string, string>
      readonly devDependencies?: Record<string, string>
      readonly peerDependencies?: Record<string, string>
    }
    if (json.name !== "@batchctl/conformance") return { version: coreVersion, ranges: {} }
    return {
      version: json.version ?? coreVersion,
      ranges: { ...json.devDependencies, ...json.peerDependencies, ...json.dependencies }
    }
  } catch {
    return { version: coreVersion, ranges: {} }
  }
}

/** A range from this package's manifest, as published (`workspace:` in the repository falls back). */
const rangeOf = (name: string, fallback: string): string => {
  const range = manifest().ranges[name]
  return range === undefined || range.startsWith("workspace:") || range.startsWith("catalog:") ? fallback : range
}

const packageJson = (o: Spec): string => {
  const own = manifest().version
  const json = {
    name: o.packageName,
    version: "0.1.0",
    description: `batchctl adapter for ${o.provider} batches (TODO: the vendor's name, and what it does differently).`,
    keywords: ["llm", "batch", "batch-api", "batchctl", "effect", o.provider],
    type: "module",
    license: "MIT",
    engines: { node: ">=20.11" },
    sideEffects: [],
    exports: {
      "./package.json": "./package.json",
      ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }
    },
    files: ["dist", "src", "README.md"],
    scripts: {
      build: "tsc -p tsconfig.json",
      conformance:
        "batchctl-conformance --fixtures fixtures --adapter ./dist/index.js --expectations fixtures/expectations.json",
      coverage:
        "batchctl-conformance --fixtures fixtures --adapter ./dist/index.js --expectations fixtures/expectations.json --coverage",
      test: "npm run build && npm run conformance"
    },
    dependencies: { "@batchctl/core": `^${coreVersion}` },
    peerDependencies: {
      effect: rangeOf("effect", "^3.22.4"),
      "@effect/platform": rangeOf("@effect/platform", "^0.97.1")
    },
    devDependencies: {
      "@batchctl/conformance": `^${own}`,
      "@batchctl/emulator": rangeOf("@batchctl/emulator", `^${own}`),
      "@effect/platform": rangeOf("@effect/platform", "^0.97.1"),
      "@effect/platform-node": rangeOf("@effect/platform-node", "^0.108.2"),
      effect: rangeOf("effect", "^3.22.4"),
      typescript: rangeOf("typescript", "^5.9.3")
    }
  }
  return `${JSON.stringify(json, null, 2)}\n`
}

const tsconfig = `${JSON.stringify(
  {
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2022", "DOM"],
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      declaration: true,
      rootDir: "src",
      outDir: "dist"
    },
    include: ["src"]
  },
  null,
  2
)}\n`

const readme = (o: Spec, namespace: string, f: Init.Family): string => `# ${o.packageName}

A [batchctl](https://github.com/batchctl/batchctl) adapter for ${o.provider} batches: cancel (idempotent),
retrieve, list over all pages, wait, cancel many and partial results, every failure typed.

TODO: the vendor's name, what it does differently from OpenAI, and every assumption its documents do not settle.

\`\`\`sh
npm install ${o.packageName} @batchctl/core effect @effect/platform
\`\`\`

\`\`\`ts
import { ${namespace} } from "${o.packageName}"

const client = ${namespace}.client() // reads ${o.envPrefix}_API_KEY (and ${o.envPrefix}_BASE_URL)
const batch = await client.cancel("TODO-batch-id")
\`\`\`

Wire family: \`${o.family}\` (${f.title}).

## Working on it

\`\`\`sh
npm run build        # tsc: dist/
npm run conformance  # the fixtures in fixtures/${o.provider}/ against dist/index.js
npm run coverage     # the same, and every scenario must have a fixture or a skip
\`\`\`

Scaffolded by \`batchctl-conformance scaffold\`; the guide to filling it in is
[docs/guide/writing-an-adapter.md](https://github.com/batchctl/batchctl/blob/main/docs/guide/writing-an-adapter.md).
`

const indexTs = (namespace: string) => `/**
 * @since 0.1.0
 */
export * as ${namespace} from "./${namespace}.js"
`

/** How a family lists: which wire page, which parameters, which helper. */
const listCode = (f: Init.Family): { readonly wirePage: string; readonly list: string } => {
  const path = f.list.first.query.split("?")[0] ?? "/batches"
  switch (f.id) {
    case "openai":
    case "anthropic": {
      const [afterParam, beforeParam, itemsLast] =
        f.id === "openai" ? ["after", "before", "last_id"] : ["after_id", "before_id", "last_id"]
      return {
        wirePage: `const WirePage = Schema.Struct({
  data: Schema.Array(WireBatch),
  has_more: Wire.lenientField(Schema.Boolean),
  ${itemsLast}: Wire.optionalOrNull(Schema.String)
})`,
        list: `  // TODO: the vendor's list parameters. Batch.pageOf makes the cursor the last id of the page.
  const list = (options: Batch.ListOptions) => {
    const params: Record<string, string> = {}
    if (options.limit !== undefined) params.limit = String(options.limit)
    if (options.after !== undefined) params.${afterParam} = options.after
    if (options.before !== undefined) params.${beforeParam} = options.before
    return Effect.map(
      http.json(WirePage, HttpClientRequest.get("${path}", { urlParams: params }), { operation: "list" }),
      ({ value, raw }) => Batch.pageOf(batchesOf(value.data, raw, "data"), value.has_more === true, value.${itemsLast})
    )
  }`
      }
    }
    case "page-number":
      return {
        wirePage: `const WirePage = Schema.Struct({
  data: Schema.Array(WireBatch),
  total: Wire.lenientField(Schema.Number)
})`,
        list: `  // Page numbers with a total: Paging turns the next page's number into the cursor (\`page:1\`) and back.
  const list = (options: Batch.ListOptions) =>
    Effect.gen(function* () {
      yield* Paging.refuseBackward(provider, options)
      const page = yield* Paging.pageNumberOf(provider, options.after)
      const pageSize = options.limit ?? 100
      const { value, raw } = yield* http.json(
        WirePage,
        // TODO: the vendor's parameter names.
        HttpClientRequest.get("${path}", { urlParams: { page: String(page), page_size: String(pageSize) } }),
        { operation: "list" }
      )
      return Paging.fromPageNumber({ batches: batchesOf(value.data, raw, "data"), page, pageSize, total: value.total })
    })`
      }
    default: {
      const [items, tokenParam, sizeParam, tokenField, tokenRead] =
        f.id === "page-token"
          ? [
              "data",
              "page_token",
              "page_size",
              "next_page_token: Wire.optionalOrNull(Schema.String)",
              "value.next_page_token"
            ]
          : f.id === "cursor"
            ? [
                "data",
                "cursor",
                "limit",
                "paging: Wire.lenientField(Schema.Struct({ next_cursor: Wire.optionalOrNull(Schema.String) }))",
                "value.paging?.next_cursor"
              ]
            : [
                "batches",
                "pageToken",
                "pageSize",
                "nextPageToken: Wire.optionalOrNull(Schema.String)",
                "value.nextPageToken"
              ]
      return {
        wirePage: `const WirePage = Schema.Struct({
  ${items}: Wire.optionalOrNull(Schema.Array(WireBatch)),
  ${tokenField}
})`,
        list: `  // A token for the next page, handed back as the cursor as sent: Paging.fromToken.
  const list = (options: Batch.ListOptions) =>
    Effect.gen(function* () {
      yield* Paging.refuseBackward(provider, options)
      const params: Record<string, string> = {}
      if (options.limit !== undefined) params.${sizeParam} = String(options.limit)
      if (options.after !== undefined) params.${tokenParam} = options.after
      const { value, raw } = yield* http.json(WirePage, HttpClientRequest.get("${path}", { urlParams: params }), { operation: "list" })
      return yield* Paging.fromToken(provider, batchesOf(value.${items} ?? [], raw, "${items}"), ${tokenRead})
    })`
      }
    }
  }
}

/** How a family reads results. */
const resultsCode = (f: Init.Family): string => {
  if (f.id === "anthropic") {
    return `  // One JSONL document at the batch's results URL. TODO: the vendor's line shape (Results.openAiLine reads OpenAI's).
  const results = (batch: Batch.Batch) =>
    batch.resultsUrl === undefined
      ? ResultsSource.noResults(provider, batch)
      : Results.streamJsonl(
          http,
          HttpClientRequest.get(batch.resultsUrl),
          { provider, batchId: batch.id, what: "the results" },
          Results.openAiLine
        )`
  }
  return `  // Inline results when the batch carries them, else its output and error files, else none.
  // TODO: where the vendor puts inline results, and its line shape (Results.openAiLine reads OpenAI's).
  const results = (batch: Batch.Batch) =>
    ResultsSource.inlineOrFiles({
      provider,
      batch,
      inline: Wire.field(Schema.Array(Schema.Unknown), batch.raw, "${f.id === "operation" ? "inlinedResponses" : "outputs"}"),
      inlineItem: Results.openAiLine,
      hasFiles: batch.outputFileId !== undefined || batch.errorFileId !== undefined,
      files: () => Results.fromFiles(http, batch, (fileId) => \`/files/\${fileId}/content\`)
    })`
}

const adapterTs = (o: Spec, namespace: string, f: Init.Family): string => {
  const { wirePage, list } = listCode(f)
  // The generated code interpolates the checked, encoded id.
  const segment = "$" + "{ref.segment}"
  const cancelPath = f.cancel.path.replace("TODO-batch-id", segment)
  const batchPath = f.batch.replace("TODO-batch-id", segment)
  const auth = f.auth === "bearer" ? "VendorHttp.bearer" : `VendorHttp.header("${f.auth}")`
  const headers = f.headers === undefined ? "" : `\n        headers: ${JSON.stringify(f.headers)},`
  const cancel = f.cancelThenRetrieve
    ? `  // The cancel answers no batch (\`{}\`): the batch is what a retrieve says right after.
  const cancel = (ref: BatchId.BatchRef) =>
    Effect.zipRight(
      http.execute(HttpClientRequest.${f.cancel.method.toLowerCase()}(\`${cancelPath}\`), { operation: "cancel", batchId: ref.id }),
      one(HttpClientRequest.get(\`${batchPath}\`), "cancel", ref.id)
    )`
    : `  const cancel = (ref: BatchId.BatchRef) => one(HttpClientRequest.${f.cancel.method.toLowerCase()}(\`${cancelPath}\`), "cancel", ref.id)`
  return `/**
 * The ${o.provider} batch adapter, over @batchctl/core's public API. Wire family \`${o.family}\`:
 * ${f.title}.
 *
 * TODO: what the vendor does differently from OpenAI, and what its documents do not settle.
 *
 * @since 0.1.0
 */
import * as Adapter from "@batchctl/core/Adapter"
import * as Batch from "@batchctl/core/Batch"
import type * as BatchId from "@batchctl/core/BatchId"
import * as BatchProvider from "@batchctl/core/BatchProvider"
import * as Paging from "@batchctl/core/Paging"
import * as Results from "@batchctl/core/Results"
import * as ResultsSource from "@batchctl/core/ResultsSource"
import * as Timestamp from "@batchctl/core/Timestamp"
import * as VendorErrorBody from "@batchctl/core/VendorErrorBody"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import * as Wire from "@batchctl/core/Wire"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * The provider id: in every batch, every error, every fixture.
 *
 * @since 0.1.0
 * @category constants
 */
export const provider = "${o.provider}"

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "${o.baseUrl}"

/**
 * \`${o.envPrefix}_API_KEY\`, \`${o.envPrefix}_BASE_URL\`, … are what \`client()\` and \`layerConfig()\` read.
 *
 * @since 0.1.0
 * @category constants
 */
export const envPrefix = "${o.envPrefix}"

/**
 * @since 0.1.0
 * @category tags
 */
export class ${namespace} extends Context.Tag("${o.packageName}/${namespace}")<${namespace}, BatchProvider.Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export type Options = VendorHttp.ClientOptions

/**
 * A batch as the vendor sends it; fields it does not list pass. TODO: the vendor's field names.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WireBatch = Schema.Struct({
  id: Schema.String,
  status: Wire.optionalOrNull(Schema.String),
  created_at: Schema.optional(Timestamp.Lenient),
  completed_at: Schema.optional(Timestamp.Lenient),
  total_requests: Wire.lenientField(Schema.Number),
  succeeded_requests: Wire.lenientField(Schema.Number),
  failed_requests: Wire.lenientField(Schema.Number),
  output_file: Wire.optionalOrNull(Schema.String),
  error_file: Wire.optionalOrNull(Schema.String)
})

${wirePage}

// TODO: each status word of the vendor → the normalized status (FORMAT.md section 1); any other word is
// \`unknown\`. A Map, so that a word such as \`__proto__\` cannot reach Object.prototype.
const STATUSES: ReadonlyMap<string, Batch.BatchStatus> = new Map([
  ["validating", "validating"],
  ["in_progress", "in_progress"],
  ["finalizing", "finalizing"],
  ["cancelling", "cancelling"],
  ["cancelled", "cancelled"],
  ["completed", "completed"],
  ["failed", "failed"],
  ["expired", "expired"]
])

/**
 * @since 0.1.0
 * @category normalizing
 */
export const toBatch = (wire: typeof WireBatch.Type, raw: unknown): Batch.Batch => {
  const vendorStatus = wire.status ?? ""
  const status = STATUSES.get(vendorStatus) ?? "unknown"
  return Batch.make({
    id: wire.id,
    provider,
    status,
    vendorStatus,
    // Only what the vendor says: never a guessed 0.
    counts: { total: wire.total_requests, succeeded: wire.succeeded_requests, failed: wire.failed_requests },
    createdAt: wire.created_at,
    endedAt: Batch.isTerminalStatus(status) ? wire.completed_at : undefined,
    outputFileId: wire.output_file,
    errorFileId: wire.error_file,
    raw
  })
}

/** Each item of a page with its own raw object. */
const batchesOf = (items: ReadonlyArray<typeof WireBatch.Type>, raw: unknown, field: string) => {
  const rawItems = Wire.field(Schema.Array(Schema.Unknown), raw, field) ?? []
  return items.map((wire, i) => toBatch(wire, rawItems[i]))
}

/**
 * How the vendor's error bodies are read: every envelope the core knows, then what this vendor adds.
 * TODO: the vendor's own envelope, if the core's reader misses its message or codes.
 *
 * @since 0.1.0
 * @category errors
 */
export const errorBody: VendorErrorBody.Reader = VendorErrorBody.extend((body) => body)

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<BatchProvider.Service, never, HttpClient.HttpClient> =>
  Effect.map(
    VendorHttp.makeFor(
      {
        provider,
        defaultBaseUrl,
        auth: ${auth},${headers}
        // TODO: the status(es) the vendor refuses a cancel with when the batch's state forbids it.
        invalidState: VendorHttp.refusedOnCancel(${f.refusal}),
        errorBody,
        // TODO: the vendor's codes for a used-up quota, besides BatchError.quotaCodes.
        quotaCodes: []
      },
      options
    ),
    (http) => BatchProvider.make(adapterOf(http))
  )

const adapterOf = (http: VendorHttp.VendorHttp): BatchProvider.Adapter => {
  const one = (request: HttpClientRequest.HttpClientRequest, operation: string, batchId: string) =>
    Effect.map(http.json(WireBatch, request, { operation, batchId }), ({ value, raw }) => toBatch(value, raw))

${cancel}

${list}

${resultsCode(f)}

  return {
    provider,
    cancel,
    retrieve: (ref) => one(HttpClientRequest.get(\`${batchPath}\`), "retrieve", ref.id),
    list,
    results
  }
}

const kit = Adapter.kit<${namespace}, Options>({ provider, tag: ${namespace}, envPrefix, make })

/**
 * Provides {@link ${namespace}} and the generic \`BatchProvider\`; needs an \`HttpClient\`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * Like {@link layer}, every setting read from the environment (\`${o.envPrefix}_API_KEY\`, …).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = kit.layerConfig

/**
 * A Promise client over \`node:http\`. Options left out are read from the environment.
 *
 * @since 0.1.0
 * @category promise
 */
export const client = kit.client

/**
 * The environment variables this adapter reads, with the option each one sets.
 *
 * @since 0.1.0
 * @category config
 */
export const variables = kit.variables
`
}

/** What the profile of each family changes of the built-in one it starts from (OpenAI's, or Anthropic's). */
const profileOverrides = (f: Init.Family): string => {
  if (f.id === "openai" || f.id === "anthropic") return ""
  const path = (p: string) => p.replace("TODO-batch-id", "{id}")
  const list = f.list.first.query.split("?")[0] ?? "/batches"
  const paging =
    f.id === "page-number"
      ? `{ style: "page", pageParam: "page", sizeParam: "page_size", firstPage: 0, defaultSize: 100, maxSize: 1000 }`
      : f.id === "page-token"
        ? `{ style: "token", tokenParam: "page_token", sizeParam: "page_size", defaultSize: 20, maxSize: 100 }`
        : f.id === "cursor"
          ? `{ style: "cursor", tokenParam: "cursor", sizeParam: "limit", defaultSize: 20, maxSize: 100 }`
          : `{ style: "token", tokenParam: "pageToken", sizeParam: "pageSize", defaultSize: 20, maxSize: 100 }`
  const page =
    f.id === "page-number"
      ? '(p) => ({ object: "list", data: p.data, total: p.total })'
      : f.id === "page-token"
        ? "(p) => ({ data: p.data, next_page_token: p.next })"
        : f.id === "cursor"
          ? '(p) => ({ object: "list", data: p.data, paging: { next_cursor: p.next } })'
          : "(p) => ({ batches: p.data, nextPageToken: p.next })"
  const refused =
    f.refusal === 409
      ? ""
      : `
  // TODO: how the vendor refuses a cancel of an ended batch (status and envelope).
  errors: { ...openai.errors, status: (e) => (e.kind === "refused" ? ${f.refusal} : openai.errors.status?.(e)) },`
  const cancel = f.cancelThenRetrieve
    ? `{ interim: false, terminal: "refuse", answer: () => ({}) }`
    : `{ interim: true, terminal: "refuse" }`
  return `
  // TODO: the vendor's paths (the ${f.id} family's usual ones; the files routes are OpenAI's).
  routes: [
    { method: "POST", path: "${list}", route: "create" },
    { method: "GET", path: "${list}", route: "list" },
    { method: "GET", path: "${path(f.batch)}", route: "retrieve" },
    { method: "${f.cancel.method}", path: "${path(f.cancel.path)}", route: "cancel" },
    ...Profile.openAiRoutes().filter((r) => r.path.startsWith("/files"))
  ],
  // TODO: the vendor's status word for each phase, and its batch object (\`render.batch\`): OpenAI's here.
  statuses: Profile.openAiStatuses,
  list: {
    paging: ${paging},
    page: ${page}
  },
  cancel: ${cancel},${refused}`
}

/** The built-in profile of the vendor closest to each family, to read (or spread) for what it does. */
const nearest: { readonly [F in Init.FamilyId]: string } = {
  openai: "openai",
  anthropic: "anthropic",
  "page-number": "mistral",
  "page-token": "gemini",
  cursor: "groq",
  operation: "gemini"
}

const profileJs = (o: Spec): string => {
  const f = Init.families[o.family]
  const base = o.family === "anthropic" ? "anthropic" : "openai"
  const name = o.provider.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
  const basePath =
    base === "anthropic" ? `/${o.provider}` : `/${o.provider}${new URL(o.baseUrl).pathname.replace(/\/+$/, "")}`
  const overrides = profileOverrides(f)
  return `// @ts-check
/**
 * The emulator's picture of ${o.provider} (\`${o.family}\` family): the built-in \`${base}\` profile under
 * ${o.provider}'s name${overrides === "" ? "" : ", with the family's paths, paging and cancel"}. TODO: what ${o.provider} does
 * differently; the fields are in @batchctl/emulator's PROFILE.md, and the built-in profile of the
 * family's best-known vendor is @batchctl/emulator/profiles/${nearest[o.family]}. Plain JavaScript, so that Node runs it
 * as it is:
 *
 *   import { Emulator } from "@batchctl/emulator"
 *   import { ${name} } from "./emulator/${o.provider}.profile.mjs"
 *   const emulator = await Emulator.start({ vendors: [${name}] })
 *   const baseUrl = emulator.baseUrl("${o.provider}")${base === "anthropic" ? ' + "/v1" // Anthropic\'s shape puts the version in the path' : ""}
 */
${overrides === "" ? "" : 'import { Profile } from "@batchctl/emulator"\n'}import { ${base} } from "@batchctl/emulator/profiles/${base}"

/** @type {import("@batchctl/emulator").Profile.VendorProfile} */
export const ${name} = {
  ...${base},
  name: "${o.provider}",
  basePath: "${basePath}",${overrides}
}
`
}

/** The lines the command prints after a scaffold. */
export const describe = (r: Result): string =>
  [
    `wrote ${r.written.length} files in ${r.dir}${r.kept.length > 0 ? ` (kept ${r.kept.length} fixtures already there)` : ""}:`,
    ...r.written.map((file) => `  ${file}`),
    `family: ${r.family}: ${Init.families[r.family].title}`,
    `core helpers for it: ${Init.families[r.family].helpers}`,
    "next:",
    `  cd ${r.dir} && npm install`,
    `  fill in the TODOs of src/${r.namespace}.ts, then: npm run build`,
    `  fill in fixtures/${r.provider}/ (or record them), then: npm run conformance`,
    "  the guide: docs/guide/writing-an-adapter.md in the batchctl repository"
  ].join("\n")

/** Writes the package. */
export const scaffold = (options: Options): Effect.Effect<Result, ScaffoldUsage | ScaffoldError | Init.InitError> =>
  Effect.gen(function* () {
    const provider = options.provider
    if (!ID.test(provider)) {
      return yield* new ScaffoldUsage({
        reason: `the provider id must be lower case letters, digits and -, starting with a letter: ${JSON.stringify(provider)}`
      })
    }
    const envPrefix = options.envPrefix ?? envPrefixOf(provider)
    if (!PREFIX.test(envPrefix))
      return yield* new ScaffoldUsage({
        reason: `--env-prefix must be upper case letters, digits and _: ${JSON.stringify(envPrefix)}`
      })
    const packageName = options.packageName ?? `batchctl-${provider}`
    if (!PACKAGE.test(packageName))
      return yield* new ScaffoldUsage({ reason: `not an npm package name: ${JSON.stringify(packageName)}` })
    const baseUrl = (options.baseUrl ?? `https://api.${provider}.example/v1`).replace(/\/+$/, "")
    if (!/^https?:\/\/[^\s?#]+$/.test(baseUrl))
      return yield* new ScaffoldUsage({
        reason: `the base URL must be an http(s) URL with no query: ${JSON.stringify(baseUrl)}`
      })
    const dir = resolve(options.dir)
    const o: Spec = { provider, family: options.family, baseUrl, packageName, envPrefix }
    const namespace = namespaceOf(provider)
    const f = Init.families[options.family]
    const files: ReadonlyArray<readonly [string, string]> = [
      ["package.json", packageJson(o)],
      ["tsconfig.json", tsconfig],
      ["README.md", readme(o, namespace, f)],
      [".gitignore", "node_modules\ndist\nreport.json\n"],
      ["src/index.ts", indexTs(namespace)],
      [`src/${namespace}.ts`, adapterTs(o, namespace, f)],
      [`emulator/${provider}.profile.mjs`, profileJs(o)]
    ]
    const there =
      options.force === true ? [] : files.filter(([file]) => existsSync(join(dir, file))).map(([file]) => file)
    if (there.length > 0) {
      return yield* new ScaffoldUsage({
        reason: `${there.join(", ")} already in ${dir}; pass --force to overwrite (fixtures are never overwritten)`
      })
    }
    yield* Effect.tryPromise({
      try: async () => {
        for (const [file, text] of files) {
          await mkdir(dirname(join(dir, file)), { recursive: true })
          await writeFile(join(dir, file), text)
        }
      },
      catch: (e) => new ScaffoldError({ path: dir, reason: e instanceof Error ? e.message : String(e) })
    })
    const init = yield* Init.init(join(dir, "fixtures"), provider, baseUrl, options.family)
    return {
      dir,
      provider,
      family: options.family,
      namespace,
      packageName,
      written: [
        ...files.map(([file]) => file),
        ...init.written.map((file) => relative(dir, file)),
        relative(dir, init.expectations)
      ],
      kept: init.kept.map((file) => relative(dir, file))
    }
  })
