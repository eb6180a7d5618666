import { defineProject, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The tests run the built CLI (dist/bin.js) as a subprocess: `npm test` here builds it first.
export default mergeConfig(shared, defineProject({
    // One CLI process at a time: timings (Ctrl-C, --timeout) stay honest on a busy machine.
    test: { testTimeout: 60_000, hookTimeout: 60_000, sequence: { concurrent: false } }
  }))
