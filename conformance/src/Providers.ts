/**
 * Where adapters come from: those of this repository, listed in `Registry` (optional peer
 * dependencies, imported only when a run needs them), and any ES module given with `--adapter`.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import * as Registry from "./Registry.js"
import type { ProviderFactory } from "./Runner.js"

/** An adapter, loaded. */
export interface Loaded {
  /** The provider id its fixtures name. */
  readonly provider: string | undefined
  readonly factory: ProviderFactory
  /** The vendor's public API, when the module says (`defaultBaseUrl`). */
  readonly defaultBaseUrl: string | undefined
  /** `<PREFIX>_API_KEY` is the key `record` reads, when the module says (`envPrefix`). */
  readonly envPrefix: string | undefined
  /** `name@version` when the module belongs to a package, else the file it came from. */
  readonly origin: string
}

/** The repository's adapters: package, and the namespace that holds `layer` (read from the registry). */
export const builtIn: Readonly<
  Record<string, { readonly module: string; readonly namespace: string; readonly envPrefix: string }>
> = Object.fromEntries(
  Registry.entries.map((e) => [e.id, { module: e.package, namespace: e.namespace, envPrefix: e.envPrefix }])
)

/** The ids of the providers whose adapters ship with batchctl, sorted. */
export const builtInIds: ReadonlyArray<string> = Object.keys(builtIn).sort()

/**
 * An adapter module that cannot be loaded or does not look like one.
 *
 * @category errors
 */
export class AdapterLoadError extends Schema.TaggedError<AdapterLoadError>("@batchctl/conformance/AdapterLoadError")(
  "AdapterLoadError",
  { module: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `cannot load adapter ${this.module}: ${this.reason}`
  }
}

/**
 * A built-in adapter that is not installed: they are optional peer dependencies.
 *
 * @category errors
 */
export class AdapterNotInstalled extends Schema.TaggedError<AdapterNotInstalled>(
  "@batchctl/conformance/AdapterNotInstalled"
)("AdapterNotInstalled", { provider: Schema.String, module: Schema.String }) {
  override get message() {
    return `the ${this.provider} adapter is not installed: npm install ${this.module} (or pass --adapter MODULE)`
  }
}

const isFunction = (u: unknown): u is (...args: ReadonlyArray<unknown>) => unknown => typeof u === "function"
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null
const str = (u: unknown) => (typeof u === "string" && u.length > 0 ? u : undefined)

const looksLikePath = (spec: string) =>
  spec.startsWith(".") || isAbsolute(spec) || spec.startsWith("file:") || /\.[cm]?[jt]s$/.test(spec)

const packageOf = (
  file: string
): { readonly name: string | undefined; readonly version: string | undefined } | undefined => {
  let dir = dirname(file)
  for (;;) {
    const manifest = join(dir, "package.json")
    if (existsSync(manifest)) {
      try {
        const json: unknown = JSON.parse(readFileSync(manifest, "utf8"))
        if (isObject(json) && str(json.name) !== undefined) return { name: str(json.name), version: str(json.version) }
      } catch {
        return undefined
      }
    }
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

/** The module's exports, found and imported: a file (relative to `cwd`) or a package (resolved from `cwd`). */
interface Imported {
  readonly exports: Record<string, unknown>
  readonly file: string | undefined
}

const importModule = (spec: string, cwd: string): Effect.Effect<Imported, AdapterLoadError> =>
  Effect.tryPromise({
    try: async (): Promise<Imported> => {
      if (looksLikePath(spec)) {
        const file = spec.startsWith("file:") ? new URL(spec).pathname : resolve(cwd, spec)
        if (!existsSync(file)) throw new Error(`no such file: ${file}`)
        return { exports: (await import(pathToFileURL(file).href)) as Record<string, unknown>, file }
      }
      let file: string | undefined
      try {
        file = createRequire(join(cwd, "package.json")).resolve(spec)
      } catch {
        file = undefined
      }
      // Not resolvable from the caller's directory: try from here (a peer installed beside this package).
      const exports = (await (file === undefined ? import(spec) : import(pathToFileURL(file).href))) as Record<
        string,
        unknown
      >
      return { exports, file }
    },
    catch: (e) => {
      const code = isObject(e) ? e.code : undefined
      const reason =
        code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND"
          ? `cannot find it from ${cwd}${e instanceof Error ? ` (${e.message.split("\n")[0]})` : ""}`
          : e instanceof Error
            ? (e.message.split("\n")[0] ?? e.message)
            : String(e)
      return new AdapterLoadError({
        module: looksLikePath(spec) && !spec.startsWith("file:") ? resolve(cwd, spec) : spec,
        reason
      })
    }
  })

/**
 * Reads an adapter out of a module's exports: its default export or `layer` (a function of
 * `VendorHttp.ClientOptions` returning a `Layer` that provides `BatchProvider`), or the one namespace
 * that holds such a `layer` (`export * as AcmeBatches from …`). `provider`, `defaultBaseUrl` and
 * `envPrefix` are read beside it when exported.
 */
export const fromExports = (
  exports: Record<string, unknown>,
  label: string,
  origin: string,
  namespace?: string
): Effect.Effect<Loaded, AdapterLoadError> => {
  const candidates: Array<Record<string, unknown>> = []
  if (namespace !== undefined && isObject(exports[namespace])) candidates.push(exports[namespace])
  candidates.push(exports)
  if (isObject(exports.default) && !isFunction(exports.default)) candidates.push(exports.default)
  for (const c of candidates) {
    const factory = isFunction(c.default) ? c.default : isFunction(c.layer) ? c.layer : undefined
    if (factory !== undefined) return Effect.succeed(loaded(c, factory, origin))
  }
  const namespaces = Object.entries(exports).filter(
    (entry): entry is [string, Record<string, unknown>] => isObject(entry[1]) && isFunction(entry[1].layer)
  )
  const [only, ...more] = namespaces
  if (only !== undefined && more.length === 0)
    return Effect.succeed(loaded(only[1], only[1].layer as ProviderFactory, origin))
  return Effect.fail(
    new AdapterLoadError({
      module: label,
      reason:
        namespaces.length > 1
          ? `it exports several adapters (${namespaces.map(([n]) => n).join(", ")}); export one as default`
          : "it has no default export and no `layer` export (a function of the client options returning a Layer that provides BatchProvider)"
    })
  )
}

const loaded = (c: Record<string, unknown>, factory: unknown, origin: string): Loaded => {
  const quirks = isObject(c.quirks) ? c.quirks : {}
  return {
    provider: str(c.provider) ?? str(quirks.provider),
    factory: factory as ProviderFactory,
    defaultBaseUrl: str(c.defaultBaseUrl) ?? str(quirks.defaultBaseUrl),
    envPrefix: str(c.envPrefix),
    origin
  }
}

/** Loads `--adapter MODULE`: a file path (against `cwd`) or a package name (resolved from `cwd`). */
export const loadModule = (spec: string, cwd: string): Effect.Effect<Loaded, AdapterLoadError> =>
  Effect.flatMap(importModule(spec, cwd), ({ exports, file }) => {
    const pkg = file === undefined ? undefined : packageOf(file)
    const origin =
      pkg?.name !== undefined && !looksLikePath(spec) ? `${pkg.name}@${pkg.version ?? "?"}` : (file ?? spec)
    return fromExports(exports, file ?? spec, origin)
  })

/** Loads a built-in adapter by provider id; it fails with `AdapterNotInstalled` when its package is not there. */
export const loadBuiltIn = (
  provider: string,
  cwd: string = process.cwd()
): Effect.Effect<Loaded, AdapterNotInstalled | AdapterLoadError> => {
  const entry = builtIn[provider]
  if (entry === undefined)
    return Effect.fail(new AdapterLoadError({ module: provider, reason: "not a built-in provider" }))
  return importModule(entry.module, cwd).pipe(
    Effect.mapError((e): AdapterNotInstalled | AdapterLoadError =>
      e.reason.startsWith("cannot find") ? new AdapterNotInstalled({ provider, module: entry.module }) : e
    ),
    Effect.flatMap(({ exports, file }) => {
      const pkg = file === undefined ? undefined : packageOf(file)
      return fromExports(exports, entry.module, `${entry.module}@${pkg?.version ?? "?"}`, entry.namespace)
    }),
    Effect.map((l) => ({ ...l, provider, envPrefix: l.envPrefix ?? entry.envPrefix }))
  )
}
