/** The printed table: one section per scenario, ratios against raw undici and the official SDK. */
import type { Row } from "./stats.js"

/** Whether a larger value is better (throughputs) or worse (times, sizes, memory). */
export const higherIsBetter = (unit: string) => /\/s( CPU)?$/.test(unit)

const ratio = (value: number | null, reference: Row | undefined): string => {
  if (value === null || reference === undefined || reference.value === null || reference.value === 0) return ""
  return `${(value / reference.value).toFixed(2)}×`
}

const format = (x: number | null | undefined): string =>
  x === null || x === undefined ? "—" : Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en-US") : String(x)

/** The rows as a Markdown table (also readable in a terminal). */
export const table = (rows: ReadonlyArray<Row>): string => {
  const lines = [
    "| scenario | impl | median | min | max | unit | × undici | × official |",
    "|---|---|---:|---:|---:|---|---:|---:|"
  ]
  for (const row of rows) {
    const group = rows.filter((r) => r.scenario === row.scenario && r.vendor === row.vendor)
    const undici = group.find((r) => r.impl.startsWith("undici-pool"))
    const official = group.find((r) => r.impl.startsWith("official"))
    lines.push(
      `| ${row.scenario} | ${row.impl} | ${format(row.value)}${row.note === undefined ? "" : ` (${row.note})`} | ${format(row.min)} | ${format(row.max)} | ${row.unit} | ${row === undici ? "" : ratio(row.value, undici)} | ${row === official ? "" : ratio(row.value, official)} |`
    )
  }
  return lines.join("\n")
}

/** The issue's targets, each figure of the run against its target. */
/** How many ids a memory row cancelled, from its note (`100,000 ids at c=64, …`). */
const idsOf = (row: Row): string => /^[\d,]+ ids/.exec(row.note ?? "")?.[0] ?? "the ids"

export const targets = (rows: ReadonlyArray<Row>): string => {
  const value = (scenario: string, impl: string) =>
    rows.find((r) => r.scenario === scenario && r.impl === impl)?.value ?? null
  const lines = ["| target | impl | figure | target | met |", "|---|---|---:|---:|:---:|"]
  const check = (
    what: string,
    impl: string,
    figure: number | null,
    unit: string,
    limit: string,
    ok: (x: number) => boolean
  ) =>
    lines.push(
      `| ${what} | ${impl} | ${figure === null || Number.isNaN(figure) ? "—" : `${figure >= 100 ? Math.round(figure).toLocaleString("en-US") : Math.round(figure * 100) / 100}${unit}`} | ${limit} | ${figure === null || Number.isNaN(figure) ? "—" : ok(figure) ? "yes" : "no"} |`
    )
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b)
  const vendors = [
    ...new Set(
      rows.filter((r) => r.scenario.startsWith("bulk-cancel") && r.vendor !== undefined).map((r) => r.vendor as string)
    )
  ]
  for (const vendor of vendors) {
    for (const path of ["batchctl-effect", "batchctl-promise"]) {
      const impl = `${path}-${vendor}`
      for (const c of ["c32", "c1"]) {
        const own = value(`bulk-cancel-${c}`, impl)
        check(
          `bulk cancel ${c}, × raw undici`,
          impl,
          ratio(own, value(`bulk-cancel-${c}`, `undici-pool-${vendor}`)),
          "×",
          "≥ 0.8×",
          (x) => x >= 0.8
        )
        if (c === "c32") {
          check(
            `bulk cancel ${c}, × official SDK`,
            impl,
            ratio(own, value(`bulk-cancel-${c}`, `official-${vendor}`)),
            "×",
            "≥ 2×",
            (x) => x >= 2
          )
        }
      }
    }
  }
  // Issue #20's rows: the slowest of batchctl's two paths against the SDK and raw undici, and the CPU each
  // path spends per cancel.
  for (const vendor of vendors) {
    const paths = ["batchctl-effect", "batchctl-promise"].map((path) => `${path}-${vendor}`)
    const speeds = paths.map((impl) => value("bulk-cancel-c32", impl)).filter((x): x is number => x !== null)
    const slowest = speeds.length === paths.length ? Math.min(...speeds) : null
    check(
      "bulk cancel c32, slowest path × official SDK",
      vendor,
      ratio(slowest, value("bulk-cancel-c32", `official-${vendor}`)),
      "×",
      "≥ 2×",
      (x) => x >= 2
    )
    check(
      "bulk cancel c32, slowest path × raw undici",
      vendor,
      ratio(slowest, value("bulk-cancel-c32", `undici-pool-${vendor}`)),
      "×",
      "≥ 0.5×",
      (x) => x >= 0.5
    )
    for (const impl of paths) {
      check("CPU per cancel, c32", impl, value("bulk-cancel-c32-cpu", impl), " µs", "≤ 150 µs", (x) => x <= 150)
    }
  }
  for (const r of rows.filter((r) => r.scenario === "results-throughput" && r.impl.startsWith("batchctl"))) {
    check("results parsed", r.impl, r.value, " MB/s", "≥ 100 MB/s", (x) => x >= 100)
    check("results RSS growth", r.impl, value("results-rss-growth", r.impl), " MB", "< 64 MB", (x) => x < 64)
  }
  for (const r of rows.filter(
    (r) => (r.scenario === "import-time" || r.scenario === "import-cpu") && r.impl.startsWith("batchctl")
  )) {
    const official = `official-${r.impl.replace(/^batchctl-/, "")}`
    check(
      `${r.scenario}, × the vendor's SDK`,
      r.impl,
      ratio(r.value, value(r.scenario, official)),
      "×",
      "≤ 1×",
      (x) => x <= 1
    )
  }
  const cli = rows.find((r) => r.scenario === "cli-start")
  if (cli !== undefined) check("CLI --help", cli.impl, cli.value, " ms", "≤ 300 ms", (x) => x <= 300)
  for (const r of rows.filter(
    (r) => r.scenario === "bundle-size" && /^batchctl-(openai|anthropic|together|moonshot|respan|meshapi)$/.test(r.impl)
  )) {
    check("one provider's bundle", r.impl, r.value, " KB", "≤ 150 KB gz", (x) => x <= 150)
  }
  const extra = rows.find((r) => r.scenario === "bundle-size-per-extra-provider")
  if (extra !== undefined) check("each further provider", extra.impl, extra.value, " KB", "≤ 10 KB gz", (x) => x <= 10)
  for (const r of rows.filter((r) => r.scenario === "memory-peak-rss" && r.impl.startsWith("batchctl"))) {
    check(`cancelMany ${idsOf(r)} at c=64, peak RSS`, r.impl, r.value, " MB", "< 200 MB (100,000 ids)", (x) => x < 200)
  }
  for (const r of rows.filter((r) => r.scenario === "memory-peak-rss-each" && r.impl.startsWith("batchctl"))) {
    check(`cancelEach ${idsOf(r)} at c=64, peak RSS`, r.impl, r.value, " MB", "≤ 160 MB (100,000 ids)", (x) => x <= 160)
  }
  return lines.join("\n")
}
