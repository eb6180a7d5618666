/** Medians and the record every scenario writes. */

export interface Row {
  readonly scenario: string
  readonly impl: string
  /** The median (or the single measurement); `null` when the scenario was skipped or failed. */
  readonly value: number | null
  readonly unit: string
  readonly vendor?: string | undefined
  readonly min?: number | undefined
  readonly max?: number | undefined
  readonly samples?: number | undefined
  readonly note?: string | undefined
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export const round = (x: number, digits = 1): number => {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** A row from repeated measurements: median, min, max. */
export const summarize = (
  base: {
    readonly scenario: string
    readonly impl: string
    readonly unit: string
    readonly vendor?: string | undefined
  },
  values: ReadonlyArray<number>,
  digits = 1
): Row =>
  values.length === 0
    ? { ...base, value: null, note: "no successful run" }
    : {
        ...base,
        value: round(median(values), digits),
        min: round(Math.min(...values), digits),
        max: round(Math.max(...values), digits),
        samples: values.length
      }
