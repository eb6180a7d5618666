/**
 * The conformance suite: loads fixtures, runs each against the adapter it names, applies the
 * skip and expected-failure lists, and reports a providers × cases matrix.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import type * as VendorHttp from "@batchctl/core/VendorHttp"
import * as Fixture from "./Fixture.js"
import * as Scenarios from "./Scenarios.js"
import { type CaseResult, type ProviderSource, runCase } from "./Runner.js"

/** Per provider: scenarios it cannot have (skipped with the reason) and known failures (with the reason). */
export const Expectations = Schema.Record({
  key: Schema.String,
  value: Schema.Struct({
    skip: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
      /** None when left out. */
      default: () => ({})
    }),
    expectedFailures: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
      /** None when left out. */
      default: () => ({})
    })
  })
})
export type Expectations = typeof Expectations.Type

/** What `run` runs: the adapters by provider id, expectations, required scenarios, a provider filter. */
export interface Options {
  /** Per provider id: its adapter's `layer` function (it gets the runner's key and retry policy), or a `Layer` built with `Runner.clientOptions`. */
  readonly providers: Readonly<Record<string, ProviderSource>>
  readonly expectations?: Expectations | undefined
  /** Scenarios every selected provider must have a fixture for (or a skip). */
  readonly required?: ReadonlyArray<string> | undefined
  /**
   * Scenarios asked besides `required` of a provider whose adapter creates (`Scenarios.declaresCreate`),
   * e.g. `Scenarios.requiredCreate`; an adapter without create is not asked for them.
   */
  readonly requiredIfCreates?: ReadonlyArray<string> | undefined
  /** Only this provider. */
  readonly only?: string | undefined
  /** Providers whose adapter could not be had, with why (e.g. not installed); their cases fail with it. */
  readonly unavailable?: Readonly<Record<string, string>> | undefined
}

/** How many cases of a provider rest on each kind of evidence, and how many of those pass. */
export interface Evidence {
  readonly recorded: number
  readonly documented: number
  readonly synthetic: number
  readonly passed: { readonly recorded: number; readonly documented: number; readonly synthetic: number }
  /**
   * Cases that rest on at least one exchange marked `assumed` (whatever their kind), and how many of
   * those pass: what the evidence above does not show.
   */
  readonly assumed: { readonly cases: number; readonly passed: number }
}

/** The result of a run: every case, invalid files, totals by verdict, evidence per provider; `ok` when nothing failed. */
export interface Report {
  readonly format: 1
  readonly providers: ReadonlyArray<string>
  readonly cases: ReadonlyArray<CaseResult>
  readonly invalidFiles: ReadonlyArray<{
    readonly file: string
    readonly problem: string
    readonly detail?: string | undefined
  }>
  readonly summary: Readonly<Record<CaseResult["verdict"] | "invalid", number>>
  /** Per provider: cases by `source.kind` (recorded, documented, synthetic), so a synthetic pass is not taken for proof. */
  readonly evidence: Readonly<Record<string, Evidence>>
  readonly ok: boolean
}

/** Runs every loaded fixture against its provider's adapter; never fails (a failing case is in the report). */
export const run = (loaded: ReadonlyArray<Fixture.Loaded>, options: Options): Effect.Effect<Report> =>
  Effect.gen(function* () {
    const expectations = options.expectations ?? {}
    const fixtures = loaded.flatMap((l) => (l._tag === "Fixture" ? [l] : []))
    const invalidFiles = loaded.flatMap((l) =>
      l._tag === "Invalid"
        ? [{ file: l.file, problem: l.problem, ...(l.detail === undefined ? {} : { detail: l.detail }) }]
        : []
    )
    const selected = fixtures.filter((l) => options.only === undefined || l.fixture.provider === options.only)
    const cases: Array<CaseResult> = []
    for (const { file, fixture } of selected) {
      const factory = options.providers[fixture.provider]
      const key = Fixture.key(fixture)
      const skip = expectations[fixture.provider]?.skip[key]
      if (factory === undefined) {
        cases.push({
          provider: fixture.provider,
          operation: fixture.operation,
          scenario: fixture.scenario,
          file,
          sourceKind: fixture.source.kind,
          ...(Fixture.assumedCount(fixture) > 0 ? { assumed: Fixture.assumedCount(fixture) } : {}),
          verdict: "fail",
          reasons: [
            options.unavailable?.[fixture.provider] ??
              `no adapter for provider "${fixture.provider}" (give one: --adapter MODULE --provider ${fixture.provider}, or Suite.run(…, { providers: { ${fixture.provider}: layer } }))`
          ]
        })
        continue
      }
      const result = yield* runCase(fixture, factory, file)
      if (skip !== undefined) {
        // A skip says the vendor cannot have this scenario; a fixture that exists for it runs anyway,
        // and a passing one is worth knowing about, so it fails until the skip is removed.
        cases.push(
          result.verdict === "pass"
            ? {
                ...result,
                verdict: "unexpected-pass",
                reasons: [`listed as skipped (${skip}) but a fixture for it passes`]
              }
            : { ...result, reasons: [`listed as skipped (${skip}) but a fixture for it exists`, ...result.reasons] }
        )
        continue
      }
      const xfail = expectations[fixture.provider]?.expectedFailures[key]
      if (xfail === undefined || result.defect === true) cases.push(result)
      else if (result.verdict === "fail")
        cases.push({ ...result, verdict: "expected-failure", reasons: [xfail, ...result.reasons] })
      else
        cases.push({
          ...result,
          verdict: "unexpected-pass",
          reasons: [`listed as an expected failure (${xfail}) but it passes`]
        })
    }
    const providers = [
      ...new Set([...selected.map((l) => l.fixture.provider), ...(options.only === undefined ? [] : [options.only])])
    ].sort()
    for (const provider of providers) {
      const have = new Set(cases.filter((c) => c.provider === provider).map((c) => `${c.operation}.${c.scenario}`))
      const skips = expectations[provider]?.skip ?? {}
      // Coverage rows (required scenarios, and skips without a fixture) only when coverage is asked for.
      if (options.required === undefined) continue
      const factory = options.providers[provider]
      const firstInput = selected.find((l) => l.fixture.provider === provider)?.fixture.input.clientOptions
      const creates =
        options.requiredIfCreates !== undefined &&
        factory !== undefined &&
        (yield* Scenarios.declaresCreate(factory, (firstInput ?? {}) as Partial<VendorHttp.ClientOptions>))
      const wanted = creates ? [...options.required, ...(options.requiredIfCreates ?? [])] : options.required
      for (const key of [...wanted, ...Object.keys(skips)]) {
        if (have.has(key)) continue
        have.add(key)
        const [operation = key, ...rest] = key.split(".")
        const scenario = rest.join(".")
        const skip = skips[key]
        cases.push(
          skip === undefined
            ? {
                provider,
                operation,
                scenario,
                verdict: "fail",
                reasons: ["no fixture for this required scenario and no skip reason"]
              }
            : { provider, operation, scenario, verdict: "skipped", reasons: [skip] }
        )
      }
    }
    const summary = {
      pass: 0,
      fail: 0,
      "expected-failure": 0,
      "unexpected-pass": 0,
      skipped: 0,
      invalid: invalidFiles.length
    }
    for (const c of cases) summary[c.verdict]++
    return {
      format: 1,
      providers,
      cases,
      invalidFiles,
      summary,
      evidence: evidenceOf(providers, cases),
      ok: summary.fail === 0 && summary["unexpected-pass"] === 0 && invalidFiles.length === 0 && cases.length > 0
    } satisfies Report
  })

/** Per provider, cases by evidence kind; coverage rows (no fixture) carry no evidence and are not counted. */
export const evidenceOf = (
  providers: ReadonlyArray<string>,
  cases: ReadonlyArray<CaseResult>
): Record<string, Evidence> => {
  const out: Record<string, Evidence> = {}
  for (const p of providers) {
    const mine = cases.filter((c) => c.provider === p && c.sourceKind !== undefined)
    const count = (kind: string, pass: boolean) =>
      mine.filter((c) => c.sourceKind === kind && (!pass || c.verdict === "pass")).length
    out[p] = {
      recorded: count("recorded", false),
      documented: count("documented", false),
      synthetic: count("synthetic", false),
      passed: {
        recorded: count("recorded", true),
        documented: count("documented", true),
        synthetic: count("synthetic", true)
      },
      assumed: {
        cases: mine.filter((c) => (c.assumed ?? 0) > 0).length,
        passed: mine.filter((c) => (c.assumed ?? 0) > 0 && c.verdict === "pass").length
      }
    }
  }
  return out
}

/**
 * An expectations file that cannot be read or is not one.
 *
 * @category errors
 */
export class ExpectationsError extends Schema.TaggedError<ExpectationsError>("@batchctl/conformance/ExpectationsError")(
  "ExpectationsError",
  { path: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `cannot read expectations ${this.path}: ${this.reason}`
  }
}

/** Reads an expectations file; a file that is not there is no expectations (`{}`). */
export const loadExpectations = (file: string): Effect.Effect<Expectations, ExpectationsError> => {
  const path = resolve(file)
  return Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (e) => new ExpectationsError({ path, reason: e instanceof Error ? e.message : String(e) })
  }).pipe(
    Effect.catchIf(
      (e) => e.reason.includes("ENOENT"),
      () => Effect.succeed(undefined)
    ),
    Effect.flatMap((text) =>
      text === undefined
        ? Effect.succeed({})
        : Schema.decodeUnknown(Schema.parseJson(Expectations))(text).pipe(
            Effect.mapError(
              (e) => new ExpectationsError({ path, reason: e.message.split("\n")[0] ?? "not an expectations file" })
            )
          )
    )
  )
}

const CELL: Record<CaseResult["verdict"], string> = {
  pass: "pass",
  fail: "FAIL",
  "expected-failure": "xfail",
  "unexpected-pass": "XPASS",
  skipped: "skip"
}

/** The evidence a case rests on, as a cell suffix: `pass:r` recorded, `pass:d` documented, `pass:s` synthetic. */
const KIND: Record<string, string> = { recorded: "r", documented: "d", synthetic: "s" }

/** How `render` prints a report. */
export interface RenderOptions {
  /** Every schema issue of an invalid fixture, not only the first. */
  readonly verbose?: boolean | undefined
}

/** The providers × cases matrix, the evidence per provider, then every failure's diff and every skip's reason. */
export const render = (report: Report, options: RenderOptions = {}): string => {
  const keys = [...new Set(report.cases.map((c) => `${c.operation}.${c.scenario}`))].sort()
  const byCell = new Map(report.cases.map((c) => [`${c.provider} ${c.operation}.${c.scenario}`, c]))
  const width = Math.max(4, ...keys.map((k) => k.length), "evidence: documented".length)
  const colWidth = Math.max(7, ...report.providers.map((p) => p.length)) + 2
  const lines: Array<string> = []
  lines.push(`${"case".padEnd(width)}  ${report.providers.map((p) => p.padEnd(colWidth)).join("")}`)
  lines.push("-".repeat(width + 2 + colWidth * report.providers.length))
  for (const key of keys) {
    const cells = report.providers.map((p) => {
      const c = byCell.get(`${p} ${key}`)
      if (c === undefined) return "·".padEnd(colWidth)
      const kind = c.sourceKind === undefined ? "" : `:${KIND[c.sourceKind]}${(c.assumed ?? 0) > 0 ? "?" : ""}`
      return `${CELL[c.verdict]}${kind}`.padEnd(colWidth)
    })
    lines.push(`${key.padEnd(width)}  ${cells.join("")}`)
  }
  lines.push("-".repeat(width + 2 + colWidth * report.providers.length))
  for (const kind of ["recorded", "documented", "synthetic"] as const) {
    const cells = report.providers.map((p) => {
      const e = report.evidence[p]
      return (e === undefined ? "0" : `${e.passed[kind]}/${e[kind]}`).padEnd(colWidth)
    })
    lines.push(`${`evidence: ${kind}`.padEnd(width)}  ${cells.join("")}`)
  }
  if (report.providers.some((p) => (report.evidence[p]?.assumed.cases ?? 0) > 0)) {
    const cells = report.providers.map((p) => {
      const e = report.evidence[p]
      return (e === undefined ? "0" : `${e.assumed.passed}/${e.assumed.cases}`).padEnd(colWidth)
    })
    lines.push(`${"evidence: assumed".padEnd(width)}  ${cells.join("")}`)
  }
  lines.push(
    "",
    "Cells: pass:r rests on an exchange recorded from the vendor, pass:d on the vendor's docs or SDK tests, pass:s on a",
    "hand-written (synthetic) exchange. Evidence rows: cases passing / cases, per kind."
  )
  if (report.cases.some((c) => (c.assumed ?? 0) > 0)) {
    lines.push(
      "A ? after the kind (pass:d?): the case rests on an exchange marked assumed, which its evidence does not show."
    )
  }
  const skipped = report.cases.filter((c) => c.verdict === "skipped")
  if (skipped.length > 0) {
    lines.push("", "Skipped:")
    for (const c of skipped) lines.push(`  ${c.provider} ${c.operation}.${c.scenario}: ${c.reasons.join("; ")}`)
  }
  const xfail = report.cases.filter((c) => c.verdict === "expected-failure")
  if (xfail.length > 0) {
    lines.push("", "Expected failures:")
    for (const c of xfail) lines.push(`  ${c.provider} ${c.operation}.${c.scenario}: ${c.reasons[0]}`)
  }
  const failed = report.cases.filter((c) => c.verdict === "fail" || c.verdict === "unexpected-pass")
  if (failed.length > 0) {
    lines.push("", "Failures:")
    for (const c of failed) {
      lines.push(`  ${c.provider} ${c.operation}.${c.scenario}${c.file === undefined ? "" : ` (${c.file})`}`)
      for (const r of c.reasons) lines.push(`    - ${r}`)
    }
  }
  if (report.invalidFiles.length > 0) {
    lines.push("", "Invalid fixtures:")
    for (const f of report.invalidFiles) {
      lines.push(`  ${f.file}: ${f.problem}`)
      if (options.verbose === true && f.detail !== undefined)
        for (const d of f.detail.split("\n")) lines.push(`      ${d}`)
    }
    if (options.verbose !== true && report.invalidFiles.some((f) => f.detail !== undefined)) {
      lines.push("  (--verbose shows every schema issue)")
    }
  }
  const s = report.summary
  lines.push(
    "",
    `${s.pass} passed, ${s.fail} failed, ${s["expected-failure"]} expected failures, ${s["unexpected-pass"]} unexpected passes, ${s.skipped} skipped, ${s.invalid} invalid files`
  )
  return lines.join("\n")
}

/**
 * A report file that cannot be written.
 *
 * @category errors
 */
export class ReportError extends Schema.TaggedError<ReportError>("@batchctl/conformance/ReportError")("ReportError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot write the report ${this.path}: ${this.reason}`
  }
}

/** Writes the report as JSON (`file` relative to the working directory); resolves to the absolute path. */
export const writeReport = (report: Report, file: string): Effect.Effect<string, ReportError> => {
  const path = resolve(file)
  return Effect.tryPromise({
    try: async () => {
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, `${JSON.stringify(report, null, 2)}\n`)
      return path
    },
    catch: (e) => new ReportError({ path, reason: e instanceof Error ? e.message : String(e) })
  })
}
