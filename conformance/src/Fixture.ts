/**
 * Fixture files, version 1 (`../shared/conformance/FORMAT.md` section 2): one JSON file per case.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

const Headers = Schema.Record({ key: Schema.String, value: Schema.String })

export const Request = Schema.Struct({
  method: Schema.String,
  url: Schema.String,
  headers: Schema.optional(Headers),
  auth: Schema.optional(Schema.Literal("bearer", "x-api-key", "none")),
  body: Schema.optional(Schema.Unknown)
})

export const Response = Schema.Struct({
  status: Schema.Number,
  headers: Schema.optional(Headers),
  body: Schema.optional(Schema.Unknown),
  bodyText: Schema.optional(Schema.String)
})

export const Exchange = Schema.Struct({ request: Request, response: Response })
export type Exchange = typeof Exchange.Type

export const Operation = Schema.Literal("cancel", "retrieve", "list", "results")
export type Operation = typeof Operation.Type

export const SourceKind = Schema.Literal("recorded", "documented", "synthetic")
export type SourceKind = typeof SourceKind.Type

const ExpectError = Schema.Struct({ _tag: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.Unknown }))

export const Expect = Schema.Union(
  Schema.Struct({ batch: Schema.Record({ key: Schema.String, value: Schema.Unknown }) }),
  Schema.Struct({ page: Schema.Record({ key: Schema.String, value: Schema.Unknown }) }),
  Schema.Struct({ results: Schema.Array(Schema.Unknown) }),
  Schema.Struct({ error: ExpectError })
)
export type Expect = typeof Expect.Type

export const Fixture = Schema.Struct({
  format: Schema.Literal(1),
  provider: Schema.String,
  operation: Operation,
  scenario: Schema.String,
  description: Schema.optional(Schema.String),
  source: Schema.Struct({ kind: SourceKind, ref: Schema.optional(Schema.String) }),
  input: Schema.Struct({
    batchId: Schema.optional(Schema.String),
    limit: Schema.optional(Schema.Number),
    after: Schema.optional(Schema.String),
    /** Extension (optional, v1-compatible): adapter options for this case, e.g. Respan's `params`. */
    clientOptions: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
  }),
  exchanges: Schema.Array(Exchange),
  expect: Expect
})
export type Fixture = typeof Fixture.Type

/** A fixture and where it came from; `problem` when the file could not be read as a fixture. */
export type Loaded =
  | { readonly _tag: "Fixture"; readonly file: string; readonly fixture: Fixture }
  | { readonly _tag: "Invalid"; readonly file: string; readonly problem: string }

export const key = (f: { readonly operation: string; readonly scenario: string }) => `${f.operation}.${f.scenario}`

const decode = Schema.decodeUnknownEither(Fixture, { onExcessProperty: "ignore" })

export const parse = (file: string, text: string): Loaded => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { _tag: "Invalid", file, problem: `not JSON: ${e instanceof Error ? e.message : String(e)}` }
  }
  // Counted on the file as written: decoding drops excess keys, so `{ batch, error }` would otherwise
  // pass as whichever member of the union matched first.
  const expect = typeof json === "object" && json !== null ? (json as { readonly expect?: unknown }).expect : undefined
  if (typeof expect === "object" && expect !== null && Object.keys(expect).length !== 1) {
    return { _tag: "Invalid", file, problem: "expect must hold exactly one of batch, page, results, error" }
  }
  const result = decode(json)
  if (Either.isLeft(result)) {
    return { _tag: "Invalid", file, problem: ParseResult.TreeFormatter.formatErrorSync(result.left) }
  }
  return { _tag: "Fixture", file, fixture: result.right }
}

/** Every `*.json` fixture under `dir`, recursively, sorted by path. */
export const loadDir = (dir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const entries = yield* fs.readDirectory(dir, { recursive: true })
    const files = entries
      .filter((entry) => entry.endsWith(".json"))
      .map((entry) => path.join(dir, entry))
      .sort()
    return yield* Effect.forEach(files, (file) => Effect.map(fs.readFileString(file), (text) => parse(file, text)))
  })
