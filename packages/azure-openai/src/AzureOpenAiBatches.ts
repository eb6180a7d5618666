/**
 * The Azure OpenAI batch adapter: OpenAI's batch object and routes on your resource's endpoint (there is
 * no default host), with Azure's differences: the key in an `api-key` header, or a Microsoft Entra ID
 * bearer token from a token provider; `?api-version=` on every request of the classic routes
 * (`{endpoint}/openai/batches`) or none on the v1 routes (`{endpoint}/openai/v1/batches`); statuses and
 * timestamps as some Azure documents show them (`"Validating"`, ISO strings) read like OpenAI's; Microsoft
 * error codes (`conflict`, `unexpectedEntityState` for a cancel the batch's state forbids, `quotaExceeded`).
 *
 * @since 0.1.0
 */
import * as Adapter from "@batchctl/core/Adapter"
import * as Batch from "@batchctl/core/Batch"
import * as BatchError from "@batchctl/core/BatchError"
import * as BatchProvider from "@batchctl/core/BatchProvider"
import * as Results from "@batchctl/core/Results"
import * as VendorHttp from "@batchctl/core/VendorHttp"
import * as OpenAiCompatible from "@batchctl/openai-compatible/OpenAiCompatible"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { version } from "./version.js"

/**
 * @since 0.1.0
 * @category tags
 */
export class AzureOpenAiBatches extends Context.Tag("@batchctl/azure-openai/AzureOpenAiBatches")<
  AzureOpenAiBatches,
  BatchProvider.Service
>() {}

/**
 * Azure has no default host: the base URL is built from your resource's endpoint.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl: string | undefined = undefined

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends VendorHttp.ClientOptions {
  /**
   * The resource endpoint, `https://<resource>.openai.azure.com` (`AZURE_OPENAI_ENDPOINT`). Required
   * unless `baseUrl` is given.
   */
  readonly endpoint?: string | undefined
  /**
   * The `api-version` of the classic routes (`OPENAI_API_VERSION`, e.g. `2024-10-21`): with it, requests
   * go to `{endpoint}/openai/…?api-version=…`; without it, to the v1 routes `{endpoint}/openai/v1/…`.
   */
  readonly apiVersion?: string | undefined
  /**
   * A Microsoft Entra ID token provider (as `@azure/identity`'s `getBearerTokenProvider` returns): its
   * token is sent as `Authorization: Bearer …` instead of the `api-key` header. Asked before every call;
   * the provider caches and refreshes.
   */
  readonly azureADTokenProvider?: (() => Promise<string>) | undefined
}

/**
 * Options with an Entra ID token provider and no key.
 *
 * @since 0.1.0
 * @category models
 */
export type TokenOptions = Omit<Options, "apiKey" | "azureADTokenProvider"> & {
  readonly azureADTokenProvider: () => Promise<string>
}

const MS_STATE_CODES = new Set(["conflict", "unexpectedentitystate"])

/**
 * On cancel: a 409, a Microsoft `conflict` / `unexpectedEntityState` code, or what the default reads as
 * a state refusal. What Azure answers to a cancel of a finished batch is not documented.
 *
 * @since 0.1.0
 * @category quirks
 */
export const invalidState: VendorHttp.InvalidStatePredicate = (failure) =>
  VendorHttp.defaultInvalidState(failure) ||
  (failure.operation === "cancel" && failure.body.codes.some((code) => MS_STATE_CODES.has(code.toLowerCase())))

/**
 * The GA `api-version` sent on the classic routes when a base URL names them (`…/openai`) and no
 * `apiVersion` is given.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultApiVersion = "2024-10-21"

/**
 * Where requests go, from the options:
 * - `baseUrl` as given (`{endpoint}/openai`, as the openai SDK's `baseURL` is): a base ending in `/v1` is
 *   the v1 routes (no `api-version`); any other is the classic routes, with `apiVersion` or
 *   {@link defaultApiVersion}
 * - else `endpoint`: with `apiVersion`, the classic routes `{endpoint}/openai?api-version=…`; without,
 *   the v1 routes `{endpoint}/openai/v1`
 * - neither: `undefined` (there is no default host)
 *
 * @since 0.1.0
 * @category config
 */
export const routesOf = (
  options: Pick<Options, "baseUrl" | "endpoint" | "apiVersion">
): { readonly baseUrl: string; readonly apiVersion: string | undefined } | undefined => {
  const base = options.baseUrl?.trim().replace(/\/+$/, "")
  if (base !== undefined && base !== "") {
    return {
      baseUrl: base,
      apiVersion: /\/v1$/.test(base) ? options.apiVersion : (options.apiVersion ?? defaultApiVersion)
    }
  }
  const endpoint = options.endpoint?.trim().replace(/\/+$/, "")
  if (endpoint === undefined || endpoint === "") return undefined
  return options.apiVersion === undefined
    ? { baseUrl: `${endpoint}/openai/v1`, apiVersion: undefined }
    : { baseUrl: `${endpoint}/openai`, apiVersion: options.apiVersion }
}

/**
 * A batch as Azure sends it, normalized like OpenAI's; a status is compared without case (`Validating`
 * reads as `validating`), and `vendorStatus` keeps it as sent.
 *
 * @since 0.1.0
 * @category normalizing
 */
export const toBatch = (wire: OpenAiCompatible.WireBatch, raw: unknown): Batch.Batch => {
  const sent = wire.status ?? ""
  const normal = OpenAiCompatible.toBatch("azure-openai", { ...wire, status: sent.toLowerCase() }, raw)
  if (sent === normal.vendorStatus) return normal
  const { terminal: _terminal, ...fields } = normal
  return Batch.make({ ...fields, vendorStatus: sent })
}

const notConfigured = (operation: string) =>
  new BatchError.InvalidRequest({
    provider: "azure-openai",
    operation: "configure",
    message: `azure-openai ${operation}: the resource endpoint is required: pass endpoint (or baseUrl), or set AZURE_OPENAI_ENDPOINT`
  })

/**
 * Azure's create: the OpenAI way (upload a `purpose=batch` file to `/files`, then `POST /batches` with
 * `input_file_id`, both with `?api-version=` on the classic routes), with Azure's limits: ≤100,000
 * requests and ≤200 MB per file, the `24h` window only ("any other value … your job will fail"), one
 * Global Batch deployment named as `body.model` on every line, `output_expires_after`
 * ([DOC] learn.microsoft.com "Azure OpenAI batch", global-batch-limits). Endpoints: `/chat/completions`,
 * `/embeddings`, `/responses`, each also with `/v1` (Azure's examples name the endpoint without `/v1`
 * and the lines with it). Assumed (UNVERIFIED): metadata with OpenAI's bounds (the spec has `metadata`,
 * not its bounds); `/embeddings` and `/responses` on every api-version.
 *
 * @since 0.1.0
 * @category constants
 */
export const azureCreate: OpenAiCompatible.CreateQuirks = {
  mode: "file",
  maxRequests: 100_000,
  maxBytes: 200 * 2 ** 20,
  endpoints: [
    "/chat/completions",
    "/embeddings",
    "/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/responses"
  ],
  windows: ["24h"],
  sameModel: true,
  outputExpiry: true
}

const createQuirks = (http: VendorHttp.VendorHttp) => ({
  provider: "azure-openai",
  defaultBaseUrl: http.baseUrl,
  create: azureCreate
})

/**
 * The adapter over an already-built `VendorHttp`, sending `api-version` when given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAdapter = (
  http: VendorHttp.VendorHttp,
  apiVersion: string | undefined
): BatchProvider.Adapter & { readonly create: BatchProvider.Creator } => {
  const query: Record<string, string> = apiVersion === undefined ? {} : { "api-version": apiVersion }
  const suffix = apiVersion === undefined ? "" : `?api-version=${encodeURIComponent(apiVersion)}`
  const one = (request: HttpClientRequest.HttpClientRequest, operation: string, batchId: string) =>
    Effect.map(http.json(OpenAiCompatible.WireBatch, request, { operation, batchId }), ({ value, raw }) =>
      toBatch(value, raw)
    )
  const list = (options: Batch.ListOptions) => {
    if (options.before !== undefined) return Effect.fail(OpenAiCompatible.backwardUnsupported("azure-openai"))
    const urlParams: Record<string, string> = { ...query }
    if (options.limit !== undefined) urlParams.limit = String(options.limit)
    if (options.after !== undefined) urlParams.after = options.after
    return Effect.map(
      http.json(OpenAiCompatible.WirePage, HttpClientRequest.get("/batches", { urlParams }), { operation: "list" }),
      ({ value, raw }) => {
        const rawItems = Predicate.isRecord(raw) && Array.isArray(raw.data) ? raw.data : []
        const batches = value.data.map((wire, i) => toBatch(wire, rawItems[i]))
        return Batch.pageOf(batches, value.has_more === true, value.last_id)
      }
    )
  }
  return {
    provider: "azure-openai",
    cancel: (ref) =>
      one(HttpClientRequest.post(`/batches/${ref.segment}/cancel`, { urlParams: query }), "cancel", ref.id),
    retrieve: (ref) => one(HttpClientRequest.get(`/batches/${ref.segment}`, { urlParams: query }), "retrieve", ref.id),
    list,
    results: (batch) => Results.fromFiles(http, batch, (fileId) => `/files/${fileId}/content${suffix}`),
    // A lost answer is looked up in this list (token in metadata, or the input file) before a second send.
    create: OpenAiCompatible.makeCreatorFor(createQuirks(http), http, list, { urlParams: query, toBatch })
  }
}

const vendor = (auth: VendorHttp.Auth, baseUrl: string): VendorHttp.Vendor => ({
  provider: "azure-openai",
  defaultBaseUrl: baseUrl,
  userAgent: VendorHttp.userAgent("@batchctl/azure-openai", version),
  auth,
  invalidState
})

/** Every call fails with the same configure error: nothing is sent. */
const unconfigured: BatchProvider.Adapter = {
  provider: "azure-openai",
  cancel: () => Effect.fail(notConfigured("cancel")),
  retrieve: () => Effect.fail(notConfigured("retrieve")),
  list: () => Effect.fail(notConfigured("list")),
  results: () => Stream.fail(notConfigured("results"))
}

/**
 * An adapter whose calls each ask the token provider first and go out with that token as the bearer
 * (and scrubbed from errors as a key is). The adapter is rebuilt only when the token changes.
 */
const tokenAdapter = (
  provider: () => Promise<string>,
  options: Omit<Options, "apiKey">,
  { baseUrl, apiVersion }: { readonly baseUrl: string; readonly apiVersion: string | undefined },
  context: Context.Context<HttpClient.HttpClient>,
  template: BatchProvider.Creator
): BatchProvider.Adapter => {
  let kept: { readonly token: string; readonly adapter: ReturnType<typeof makeAdapter> } | undefined
  const current = (operation: string) =>
    Effect.tryPromise({
      try: () => provider(),
      catch: (cause) =>
        new BatchError.InvalidRequest({
          provider: "azure-openai",
          operation,
          message: `azure-openai ${operation}: the Entra ID token provider failed${cause instanceof Error ? `: ${cause.message}` : ""}`
        })
    }).pipe(
      Effect.flatMap((token) => {
        if (typeof token !== "string" || token.trim() === "") {
          return Effect.fail(
            new BatchError.InvalidRequest({
              provider: "azure-openai",
              operation,
              message: `azure-openai ${operation}: the Entra ID token provider gave no token`
            })
          )
        }
        if (kept !== undefined && kept.token === token) return Effect.succeed(kept.adapter)
        return VendorHttp.makeFor(vendor(VendorHttp.bearer, baseUrl), {
          ...options,
          baseUrl,
          apiKey: Redacted.make(token)
        }).pipe(
          Effect.provide(context),
          Effect.map((http) => {
            const adapter = makeAdapter(http, apiVersion)
            kept = { token, adapter }
            return adapter
          })
        )
      })
    )
  const via = (operation: string, f: (a: BatchProvider.Adapter) => Effect.Effect<Batch.Batch, BatchError.BatchError>) =>
    Effect.flatMap(current(operation), f)
  return {
    provider: "azure-openai",
    cancel: (ref) => via("cancel", (a) => a.cancel(ref)),
    retrieve: (ref) => via("retrieve", (a) => a.retrieve(ref)),
    list: (options) => Effect.flatMap(current("list"), (a) => a.list(options)),
    results: (batch, ref) => Stream.unwrap(Effect.map(current("results"), (a) => a.results(batch, ref))),
    create: {
      spec: template.spec,
      plan: template.plan,
      create: (prepared, createOptions, token) =>
        Effect.flatMap(current("create"), (a) => a.create.create(prepared, createOptions, token))
    }
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<BatchProvider.Service, never, HttpClient.HttpClient> => {
  const routes = routesOf(options)
  if (routes === undefined) {
    // Create too fails with the configure error (not `Unsupported`: the adapter can create once it has an
    // endpoint), after the input's own checks; the client is never used, so the placeholder URL is not called.
    const placeholder = "https://endpoint-not-configured.invalid"
    return Effect.map(
      VendorHttp.makeFor(vendor(VendorHttp.header("api-key"), placeholder), { ...options, baseUrl: placeholder }),
      (http) => {
        const template = OpenAiCompatible.makeCreatorFor(createQuirks(http), http, () =>
          Effect.fail(notConfigured("create"))
        )
        return BatchProvider.make({
          ...unconfigured,
          create: { ...template, create: () => Effect.fail(notConfigured("create")) }
        })
      }
    )
  }
  const provider = options.azureADTokenProvider
  if (provider !== undefined) {
    return Effect.gen(function* () {
      const context = yield* Effect.context<HttpClient.HttpClient>()
      // The checks and the plan need no token: a creator over a keyless client gives them.
      const keyless = yield* VendorHttp.makeFor(vendor(VendorHttp.bearer, routes.baseUrl), {
        ...options,
        baseUrl: routes.baseUrl,
        apiKey: Redacted.make("")
      })
      const template = OpenAiCompatible.makeCreatorFor(createQuirks(keyless), keyless, () =>
        Effect.fail(notConfigured("create"))
      )
      return BatchProvider.make(tokenAdapter(provider, options, routes, context, template))
    })
  }
  return Effect.map(
    VendorHttp.makeFor(vendor(VendorHttp.header("api-key"), routes.baseUrl), { ...options, baseUrl: routes.baseUrl }),
    (http) => BatchProvider.make(makeAdapter(http, routes.apiVersion))
  )
}

const kit = Adapter.kit<AzureOpenAiBatches, Options>({
  provider: "azure-openai",
  tag: AzureOpenAiBatches,
  envPrefix: "AZURE_OPENAI",
  make,
  // The names the official SDK (openai's AzureOpenAI) reads.
  env: [
    { option: "endpoint", variable: "AZURE_OPENAI_ENDPOINT" },
    { option: "apiVersion", variable: "OPENAI_API_VERSION" }
  ]
})

/**
 * Provides {@link AzureOpenAiBatches} and the generic `BatchProvider`; needs an `HttpClient`. Without
 * `endpoint` or `baseUrl` every call fails with `InvalidRequest` (operation `configure`), sending nothing.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = kit.layer

/**
 * With a Microsoft Entra ID token provider instead of a key.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithTokenProvider = (
  options: TokenOptions
): Layer.Layer<AzureOpenAiBatches | BatchProvider.BatchProvider, never, HttpClient.HttpClient> =>
  Layer.effectContext(
    // The key is never sent in this mode: each call builds its requests from the provider's token.
    Effect.map(make({ ...options, apiKey: Redacted.make("") }), (service) =>
      Context.make(AzureOpenAiBatches, service).pipe(Context.add(BatchProvider.BatchProvider, service))
    )
  )

/**
 * Like {@link layer}, reading `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_ENDPOINT`, `OPENAI_API_VERSION`,
 * `AZURE_OPENAI_BASE_URL`, `AZURE_OPENAI_TIMEOUT` and `AZURE_OPENAI_MAX_RETRIES`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = kit.layerConfig

/**
 * A Promise client over `node:http` (`NodeClient`).
 *
 * @since 0.1.0
 * @category promise
 */
export const client = kit.client

/**
 * The environment variables this adapter reads (`client()`, `layerConfig()`), with the option each sets.
 *
 * @since 0.1.0
 * @category config
 */
export const variables = kit.variables

/**
 * The typed vendor fields of a batch that the normalized batch does not carry, as OpenAI's.
 *
 * @since 0.1.0
 * @category accessors
 */
export const extras = OpenAiCompatible.extras
