#!/usr/bin/env node
/**
 * `batchctl-conformance`: see {@link Cli.main} and `batchctl-conformance --help`.
 */
import * as Cli from "./Cli.js"

Cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`batchctl-conformance: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 2
  }
)
