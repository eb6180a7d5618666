/**
 * Seeded faults: the n-th request to a (vendor, route) gets a fault when a hash of (seed, vendor, route,
 * rule, n) falls under the rule's rate, so a run with the same seed and the same requests per route sees
 * the same faults whatever the interleaving across routes.
 */
import type { RouteName } from "../Profile.js"
import { Stream32 } from "./random.js"

export type Route = RouteName

export const routes: ReadonlyArray<Route> = [
  "create",
  "list",
  "retrieve",
  "cancel",
  "results",
  "delete",
  "upload",
  "file",
  "content",
  "files",
  "delete-file",
  "add-requests"
]

export type Fault =
  | {
      readonly kind: "status"
      readonly status: 429 | 500 | 502 | 503 | 504 | 529
      /** seconds in `retry-after` (default 1); `false`: a 429 with no `retry-after` at all */
      readonly retryAfter?: number | false
      /** the request is acted on first (a create stores its batch), then this status answers instead */
      readonly after?: boolean | undefined
    }
  | {
      readonly kind: "drop"
      /** the request is acted on first (a create stores its batch), then the connection is dropped */
      readonly after?: boolean | undefined
    }
  | { readonly kind: "delay"; readonly millis: number }
  | { readonly kind: "malformed" }
  | { readonly kind: "truncated" }

export type FaultRule = Fault & {
  /** only this vendor (default: every vendor) */
  readonly provider?: string | undefined
  /** only this route (default: every route) */
  readonly route?: Route | undefined
  /** probability in [0, 1] */
  readonly rate: number
  /** at most this many faults from this rule (until the rules are set again); default no bound */
  readonly times?: number | undefined
  /** leave the first this many requests of each vendor on the route alone (until the rules are set again); default 0 */
  readonly skip?: number | undefined
}

export class Faults {
  private rules: ReadonlyArray<FaultRule>
  private readonly counters = new Map<string, number>()
  private readonly fired = new Map<number, number>()
  private readonly streams = new Map<string, Stream32>()
  constructor(
    private readonly seed: number,
    rules: ReadonlyArray<FaultRule>
  ) {
    this.rules = rules
  }

  get current(): ReadonlyArray<FaultRule> {
    return this.rules
  }

  set(rules: ReadonlyArray<FaultRule>): void {
    this.rules = rules
    this.counters.clear()
    this.fired.clear()
  }

  /** Faults for this request (a delay may come with one other fault), in the order to apply them. */
  pick(provider: string, route: Route): ReadonlyArray<Fault> {
    if (this.rules.length === 0) return []
    const key = `${provider}/${route}`
    const n = this.counters.get(key) ?? 0
    this.counters.set(key, n + 1)
    const out: Array<Fault> = []
    let terminal = false
    for (let r = 0; r < this.rules.length; r++) {
      const rule = this.rules[r] as FaultRule
      if (rule.provider !== undefined && rule.provider !== provider) continue
      if (rule.route !== undefined && rule.route !== route) continue
      const isDelay = rule.kind === "delay"
      if (!isDelay && terminal) continue
      if (rule.times !== undefined && (this.fired.get(r) ?? 0) >= rule.times) continue
      if (rule.skip !== undefined && n < rule.skip) continue
      if (this.stream(`${key}#${r}`).unit(n) < rule.rate) {
        this.fired.set(r, (this.fired.get(r) ?? 0) + 1)
        out.push(rule)
        if (!isDelay) terminal = true
      }
    }
    return out.sort((a, b) => (a.kind === "delay" ? -1 : b.kind === "delay" ? 1 : 0))
  }

  private stream(key: string): Stream32 {
    let s = this.streams.get(key)
    if (s === undefined) {
      s = new Stream32(this.seed, key)
      this.streams.set(key, s)
    }
    return s
  }
}

const statuses = new Set([429, 500, 502, 503, 504, 529])

const isSeconds = (u: unknown): boolean => typeof u === "number" && Number.isSafeInteger(u) && u >= 0

/** Checks rules that come from JSON (the control API); answers a message for the first problem. */
export const validateRules = (u: unknown): ReadonlyArray<FaultRule> | string => {
  if (!Array.isArray(u)) return "faults must be an array of rules"
  const out: Array<FaultRule> = []
  for (const [i, r] of u.entries()) {
    if (typeof r !== "object" || r === null) return `rule ${i} is not an object`
    const rule = r as Record<string, unknown>
    const rate = rule.rate
    if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) return `rule ${i}: rate must be a number in [0, 1]`
    if (rule.route !== undefined && !(routes as ReadonlyArray<unknown>).includes(rule.route))
      return `rule ${i}: unknown route`
    const provider = rule.provider
    if (provider !== undefined && typeof provider !== "string") return `rule ${i}: provider must be a string`
    const times = rule.times
    if (times !== undefined && (typeof times !== "number" || !Number.isInteger(times) || times < 0))
      return `rule ${i}: times must be a whole number >= 0`
    const skip = rule.skip
    if (skip !== undefined && (typeof skip !== "number" || !Number.isInteger(skip) || skip < 0))
      return `rule ${i}: skip must be a whole number >= 0`
    if (rule.after !== undefined && typeof rule.after !== "boolean") return `rule ${i}: after must be a boolean`
    const after = rule.after === true ? { after: true } : {}
    const base = {
      rate,
      provider: provider as string | undefined,
      route: rule.route as Route | undefined,
      ...(times === undefined ? {} : { times }),
      ...(skip === undefined ? {} : { skip })
    }
    switch (rule.kind) {
      case "status": {
        if (typeof rule.status !== "number" || !statuses.has(rule.status))
          return `rule ${i}: status must be one of 429, 500, 502, 503, 504, 529`
        if (rule.retryAfter !== undefined && rule.retryAfter !== false && !isSeconds(rule.retryAfter))
          return `rule ${i}: retryAfter must be a whole number of seconds >= 0, or false`
        const retryAfter =
          rule.retryAfter === false || typeof rule.retryAfter === "number" ? rule.retryAfter : undefined
        out.push({
          ...base,
          kind: "status",
          status: rule.status as 429,
          ...(retryAfter === undefined ? {} : { retryAfter }),
          ...after
        })
        break
      }
      case "delay":
        if (typeof rule.millis !== "number" || rule.millis < 0) return `rule ${i}: delay needs millis >= 0`
        out.push({ ...base, kind: "delay", millis: rule.millis })
        break
      case "drop":
        out.push({ ...base, kind: "drop", ...after })
        break
      case "malformed":
      case "truncated":
        out.push({ ...base, kind: rule.kind })
        break
      default:
        return `rule ${i}: kind must be status, drop, delay, malformed or truncated`
    }
  }
  return out
}
