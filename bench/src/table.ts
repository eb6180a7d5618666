/** The printed table: one section per scenario, ratios against raw undici and the official SDK. */
import type { Row } from "./stats.js"

/** Whether a larger value is better (throughputs) or worse (times, sizes, memory). */
export const higherIsBetter = (unit: string) => /\/s$/.test(unit)

const ratio = (value: number | null, reference: Row | undefined): string => {
  if (value === null || reference === undefined || reference.value === null || reference.value === 0) return ""
  return `${(value / reference.value).toFixed(2)}×`
}

const format = (x: number | null | undefined): string =>
  x === null || x === undefined ? "—" : Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en-US") : String(x)

/** The rows as a Markdown table (also readable in a terminal). */
export const table = (rows: ReadonlyArray<Row>): string => {
  const lines = ["| scenario | impl | median | min | max | unit | × undici | × official |", "|---|---|---:|---:|---:|---|---:|---:|"]
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
