import { defineProject, mergeConfig } from "vitest/config"
import shared from "../vitest.shared.js"

// The smoke test runs the whole harness (child processes, a server, esbuild) once in quick mode: ~40 s on
// an idle 2-core machine, minutes when the machine is shared with other test suites.
export default mergeConfig(shared, defineProject({ test: { testTimeout: 600_000 } }))
