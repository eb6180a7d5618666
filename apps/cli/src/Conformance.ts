/**
 * `batchctl conformance …`: the conformance suite's own command line (`Cli.main` of
 * `@batchctl/conformance`, the code behind `batchctl-conformance`), loaded only when asked for.
 */
import * as Output from "./Output.js"

interface ConformanceModule {
  readonly Cli?: { readonly main?: (argv: ReadonlyArray<string>) => Promise<number> } | undefined
}

export const conformance = async (argv: ReadonlyArray<string>): Promise<number> => {
  const mod: ConformanceModule = await import("@batchctl/conformance")
  const main = mod.Cli?.main
  if (main === undefined) {
    Output.err("batchctl: the conformance suite is not available in this build (run `npm run conformance` in the repository)")
    return 1
  }
  return main(argv)
}
