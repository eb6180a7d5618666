/**
 * The conformance suite: loads fixtures, runs each against the adapter it names, applies the
 * skip and expected-failure lists, and reports a providers × cases matrix.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Fixture from "./Fixture.js"
import { type CaseResult, type ProviderFactory, runCase } from "./Runner.js"

/** Per provider: scenarios it cannot have (skipped with the reason) and known failures (with the reason). */
export const Expectations = Schema.Record({
  key: Schema.String,
  value: Schema.Struct({
    skip: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { default: () => ({}) }),
    expectedFailures: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), {
      default: () => ({})
    })
  })
})
export type Expectations = typeof Expectations.Type

export interface Options {
  readonly providers: Readonly<Record<string, ProviderFactory>>
  readonly expectations?: Expectations | undefined
  /** Scenarios every selected provider must have a fixture for (or a skip). */
  readonly required?: ReadonlyArray<string> | undefined
  /** Only this provider. */
  readonly only?: string | undefined
}

export interface Report {
  readonly format: 1
  readonly providers: ReadonlyArray<string>
  readonly cases: ReadonlyArray<CaseResult>
  readonly invalidFiles: ReadonlyArray<{ readonly file: string; readonly problem: string }>
  readonly summary: Readonly<Record<CaseResult["verdict"] | "invalid", number>>
  readonly ok: boolean
}

export const run = (loaded: ReadonlyArray<Fixture.Loaded>, options: Options): Effect.Effect<Report> =>
  Effect.gen(function* () {
    const expectations = options.expectations ?? {}
    const fixtures = loaded.flatMap((l) => (l._tag === "Fixture" ? [l] : []))
    const invalidFiles = loaded.flatMap((l) => (l._tag === "Invalid" ? [{ file: l.file, problem: l.problem }] : []))
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
          verdict: "fail",
          reasons: [`no adapter is registered for provider "${fixture.provider}"`]
        })
        continue
      }
      const result = yield* runCase(fixture, factory, file)
      if (skip !== undefined) {
        // A skip says the vendor cannot have this scenario; a fixture that exists for it runs anyway,
        // and a passing one is worth knowing about, so it fails until the skip is removed.
        cases.push(
          result.verdict === "pass"
            ? { ...result, verdict: "unexpected-pass", reasons: [`listed as skipped (${skip}) but a fixture for it passes`] }
            : { ...result, reasons: [`listed as skipped (${skip}) but a fixture for it exists`, ...result.reasons] }
        )
        continue
      }
      const xfail = expectations[fixture.provider]?.expectedFailures[key]
      if (xfail === undefined || result.defect === true) cases.push(result)
      else if (result.verdict === "fail") cases.push({ ...result, verdict: "expected-failure", reasons: [xfail, ...result.reasons] })
      else cases.push({ ...result, verdict: "unexpected-pass", reasons: [`listed as an expected failure (${xfail}) but it passes`] })
    }
    const providers = [...new Set([...selected.map((l) => l.fixture.provider), ...(options.only === undefined ? [] : [options.only])])].sort()
    for (const provider of providers) {
      const have = new Set(cases.filter((c) => c.provider === provider).map((c) => `${c.operation}.${c.scenario}`))
      const skips = expectations[provider]?.skip ?? {}
      // Coverage rows (required scenarios, and skips without a fixture) only when coverage is asked for.
      if (options.required === undefined) continue
      for (const key of [...options.required, ...Object.keys(skips)]) {
        if (have.has(key)) continue
        have.add(key)
        const [operation = key, ...rest] = key.split(".")
        const scenario = rest.join(".")
        const skip = skips[key]
        cases.push(
          skip === undefined
            ? { provider, operation, scenario, verdict: "fail", reasons: ["no fixture for this required scenario and no skip reason"] }
            : { provider, operation, scenario, verdict: "skipped", reasons: [skip] }
        )
      }
    }
    const summary = { pass: 0, fail: 0, "expected-failure": 0, "unexpected-pass": 0, skipped: 0, invalid: invalidFiles.length }
    for (const c of cases) summary[c.verdict]++
    return {
      format: 1,
      providers,
      cases,
      invalidFiles,
      summary,
      ok: summary.fail === 0 && summary["unexpected-pass"] === 0 && invalidFiles.length === 0 && cases.length > 0
    } satisfies Report
  })

export const loadExpectations = (file: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(file))) return {}
    const text = yield* fs.readFileString(file)
    return yield* Schema.decodeUnknown(Schema.parseJson(Expectations))(text)
  })

const CELL: Record<CaseResult["verdict"], string> = {
  pass: "pass",
  fail: "FAIL",
  "expected-failure": "xfail",
  "unexpected-pass": "XPASS",
  skipped: "skip"
}

/** The providers × cases matrix, then every failure's diff and every skip's reason. */
export const render = (report: Report): string => {
  const keys = [...new Set(report.cases.map((c) => `${c.operation}.${c.scenario}`))].sort()
  const byCell = new Map(report.cases.map((c) => [`${c.provider} ${c.operation}.${c.scenario}`, c]))
  const width = Math.max(4, ...keys.map((k) => k.length))
  const colWidth = Math.max(7, ...report.providers.map((p) => p.length)) + 2
  const lines: Array<string> = []
  lines.push(`${"case".padEnd(width)}  ${report.providers.map((p) => p.padEnd(colWidth)).join("")}`)
  lines.push("-".repeat(width + 2 + colWidth * report.providers.length))
  for (const key of keys) {
    const cells = report.providers.map((p) => {
      const c = byCell.get(`${p} ${key}`)
      return (c === undefined ? "·" : CELL[c.verdict]).padEnd(colWidth)
    })
    lines.push(`${key.padEnd(width)}  ${cells.join("")}`)
  }
  lines.push("")
  const kinds = new Map<string, Record<string, number>>()
  for (const c of report.cases) {
    if (c.sourceKind === undefined) continue
    const k = kinds.get(c.provider) ?? { recorded: 0, documented: 0, synthetic: 0 }
    k[c.sourceKind] = (k[c.sourceKind] ?? 0) + 1
    kinds.set(c.provider, k)
  }
  for (const p of report.providers) {
    const k = kinds.get(p) ?? { recorded: 0, documented: 0, synthetic: 0 }
    lines.push(`${p}: ${k.recorded} recorded, ${k.documented} documented, ${k.synthetic} synthetic fixtures`)
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
  for (const f of report.invalidFiles) lines.push(`  invalid fixture ${f.file}: ${f.problem}`)
  const s = report.summary
  lines.push(
    "",
    `${s.pass} passed, ${s.fail} failed, ${s["expected-failure"]} expected failures, ${s["unexpected-pass"]} unexpected passes, ${s.skipped} skipped, ${s.invalid} invalid files`
  )
  return lines.join("\n")
}
