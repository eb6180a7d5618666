import { defineConfig } from "vitest/config"

// Packing and the registry rehearsal are whole-repository steps: one file at a time, nothing concurrent.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 600_000
  }
})
