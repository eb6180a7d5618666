import { defineProject, mergeConfig } from "vitest/config"
import shared from "../vitest.shared.js"

// The smoke test runs the whole harness (child processes, a server, esbuild) once in quick mode.
export default mergeConfig(shared, defineProject({ test: { testTimeout: 240_000 } }))
