/**
 * Fixture files, version 1 (FORMAT.md section 2): one JSON file per case.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { readdir, readFile, stat } from "node:fs/promises"
import { join, resolve } from "node:path"

const Headers = Schema.Record({ key: Schema.String, value: Schema.String })

/** The request an adapter is expected to send (FORMAT.md, section 2). */
export const Request = Schema.Struct({
  method: Schema.String,
  url: Schema.String,
  headers: Schema.optional(Headers),
  /**
   * `bearer`, `none`, or the name of the header that carries the key as is: `x-api-key`, and (extension,
   * FORMAT.md) any other lower-case header name such as Azure's `api-key` or Gemini's `x-goog-api-key`.
   */
  auth: Schema.optional(
    Schema.Union(Schema.Literal("bearer", "x-api-key", "none"), Schema.String.pipe(Schema.pattern(/^[a-z][a-z0-9-]*$/)))
  ),
  body: Schema.optional(Schema.Unknown),
  /**
   * Extension (create): a `multipart/form-data` body, compared part by part: each listed field with that
   * value, and the `file` part's text exactly.
   */
  form: Schema.optional(
    Schema.Struct({
      fields: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
      file: Schema.optional(Schema.String)
    })
  )
})

/** The vendor's answer to replay: status, headers, and a JSON `body` or a raw `bodyText`. */
export const Response = Schema.Struct({
  status: Schema.Number,
  headers: Schema.optional(Headers),
  body: Schema.optional(Schema.Unknown),
  bodyText: Schema.optional(Schema.String)
})

/**
 * One request and the response replayed for it. `assumed` (extension, FORMAT.md): the exchange is not
 * shown as such by the evidence `source` names; the text says what was assumed and why (e.g. the docs
 * say a finished batch cannot be cancelled but show no body for the refusal). It changes nothing in the
 * replay; the report counts the cases that rest on one.
 */
export const Exchange = Schema.Struct({
  request: Request,
  response: Response,
  assumed: Schema.optional(Schema.NonEmptyString)
})
/** One request and the response replayed for it. */
export type Exchange = typeof Exchange.Type

/** The adapter operation a fixture exercises. */
export const Operation = Schema.Literal("cancel", "retrieve", "list", "results", "create")
/** The adapter operation a fixture exercises. */
export type Operation = typeof Operation.Type

/** What a fixture's evidence is: a recording of the live API, the vendor's documentation, or made up. */
export const SourceKind = Schema.Literal("recorded", "documented", "synthetic")
/** What a fixture's evidence is: a recording of the live API, the vendor's documentation, or made up. */
export type SourceKind = typeof SourceKind.Type

const ExpectError = Schema.Struct({ _tag: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.Unknown }))

/** What the adapter must return: a batch, a page or results (fields to match), or an error by tag. */
export const Expect = Schema.Union(
  Schema.Struct({ batch: Schema.Record({ key: Schema.String, value: Schema.Unknown }) }),
  Schema.Struct({ page: Schema.Record({ key: Schema.String, value: Schema.Unknown }) }),
  Schema.Struct({ results: Schema.Array(Schema.Unknown) }),
  Schema.Struct({ error: ExpectError })
)
/** What the adapter must return: a batch, a page or results (fields to match), or an error by tag. */
export type Expect = typeof Expect.Type

/** A fixture file, format 1 (FORMAT.md): provider, operation, scenario, evidence, input, exchanges, expectation. */
export const Fixture = Schema.Struct({
  format: Schema.Literal(1),
  provider: Schema.String,
  operation: Operation,
  scenario: Schema.String,
  description: Schema.optional(Schema.String),
  source: Schema.Struct({
    kind: SourceKind,
    ref: Schema.optional(Schema.String),
    /** Extension: why the evidence is what it is (e.g. why a capture is only `documented`). */
    note: Schema.optional(Schema.String),
    /** Extension, written by `record`: when, by whom, with which adapter version, from which base URL. */
    recordedAt: Schema.optional(Schema.String),
    recordedBy: Schema.optional(Schema.String),
    adapter: Schema.optional(Schema.String),
    baseUrl: Schema.optional(Schema.String)
  }),
  input: Schema.Struct({
    batchId: Schema.optional(Schema.String),
    limit: Schema.optional(Schema.Number),
    after: Schema.optional(Schema.String),
    /** Extension (optional, v1-compatible): adapter options for this case, e.g. Respan's `params`. */
    clientOptions: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    /** Extension (create): the requests, `{customId, body, method?, url?}` each … */
    requests: Schema.optional(Schema.Array(Schema.Unknown)),
    /** … or the JSONL text of them, as a file would hold it. */
    jsonl: Schema.optional(Schema.String),
    /** Extension (create): the create's options (`Create.Options`: endpoint, completionWindow, metadata, token, …). */
    createOptions: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
  }),
  exchanges: Schema.Array(Exchange),
  expect: Expect,
  /** Extension: what is left to do in a template (`--init`); a fixture with any TODO never passes. */
  todo: Schema.optional(Schema.Array(Schema.String))
})
/** A fixture file, format 1 (FORMAT.md). */
export type Fixture = typeof Fixture.Type

/** A fixture and where it came from; `problem` when the file could not be read as a fixture. */
export type Loaded =
  | { readonly _tag: "Fixture"; readonly file: string; readonly fixture: Fixture }
  | {
      readonly _tag: "Invalid"
      readonly file: string
      /** The first thing wrong, in one line (`expect is missing`). */
      readonly problem: string
      /** Every schema issue, for `--verbose`. */
      readonly detail?: string | undefined
    }

/** How many of a fixture's exchanges are marked `assumed`. */
export const assumedCount = (fixture: Fixture): number =>
  fixture.exchanges.filter((e) => e.assumed !== undefined).length

/** A fixture's case key, `operation.scenario` (`cancel.already-cancelled`), as expectations and reports name it. */
export const key = (f: { readonly operation: string; readonly scenario: string }) => `${f.operation}.${f.scenario}`

const decode = Schema.decodeUnknownEither(Fixture, { onExcessProperty: "ignore" })

const showPath = (path: ReadonlyArray<PropertyKey>) =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("")

/** The first schema issue as one line: `expect is missing`, `source.kind: Expected "recorded" | …`. */
export const firstProblem = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const first = issues[0]
  if (first === undefined) return "not a fixture"
  const where = showPath(first.path)
  if (first._tag === "Missing") return `${where === "" ? "a required field" : where} is missing`
  // A union reports one issue per member at the same place: say them as one.
  const same = issues
    .filter((i) => showPath(i.path) === where)
    .map((i) => /^Expected (.*), actual (.*)$/.exec(i.message))
  const message =
    same.length > 1 && same.every((m) => m !== null)
      ? `Expected ${same.map((m) => m?.[1]).join(" | ")}, actual ${same[0]?.[2]}`
      : (first.message.split("\n")[0] ?? first.message)
  return where === "" ? message : `${where}: ${message}`
}

/** Reads one fixture file's text: `Fixture`, or `Invalid` with the first problem; never fails. */
export const parse = (file: string, text: string): Loaded => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { _tag: "Invalid", file, problem: `not JSON: ${e instanceof Error ? e.message : String(e)}` }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { _tag: "Invalid", file, problem: "not a fixture: the file must hold one JSON object" }
  }
  // Counted on the file as written: decoding drops excess keys, so `{ batch, error }` would otherwise
  // pass as whichever member of the union matched first.
  const expect = (json as { readonly expect?: unknown }).expect
  if (typeof expect === "object" && expect !== null && Object.keys(expect).length !== 1) {
    return { _tag: "Invalid", file, problem: "expect must hold exactly one of batch, page, results, error" }
  }
  const result = decode(json)
  if (Either.isLeft(result)) {
    return {
      _tag: "Invalid",
      file,
      problem: firstProblem(result.left),
      detail: ParseResult.TreeFormatter.formatErrorSync(result.left)
    }
  }
  return { _tag: "Fixture", file, fixture: result.right }
}

/**
 * A fixtures directory that cannot be read.
 *
 * @category errors
 */
export class FixtureDirError extends Schema.TaggedError<FixtureDirError>("@batchctl/conformance/FixtureDirError")(
  "FixtureDirError",
  { path: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `cannot read fixtures at ${this.path}: ${this.reason}`
  }
}

const reason = (e: unknown) => {
  const code = (e as { readonly code?: unknown }).code
  if (code === "ENOENT") return "no such file or directory"
  if (code === "ENOTDIR") return "not a directory"
  return e instanceof Error ? e.message : String(e)
}

const listJson = async (dir: string): Promise<Array<string>> => {
  const out: Array<string> = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") out.push(...(await listJson(full)))
    } else if (entry.name.endsWith(".json") && entry.name !== "expectations.json" && entry.name !== "package.json") {
      out.push(full)
    }
  }
  return out
}

/**
 * Every `*.json` fixture under `dir` (an absolute path, or relative to the working directory),
 * recursively, sorted by path; `expectations.json` and `package.json` are not fixtures. A single file
 * is read as one fixture.
 */
export const loadDir = (dir: string): Effect.Effect<ReadonlyArray<Loaded>, FixtureDirError> => {
  const root = resolve(dir)
  return Effect.tryPromise({
    try: async () => {
      const files = (await stat(root)).isDirectory() ? (await listJson(root)).sort() : [root]
      return Promise.all(files.map(async (file) => parse(file, await readFile(file, "utf8"))))
    },
    catch: (e) => new FixtureDirError({ path: root, reason: reason(e) })
  })
}
