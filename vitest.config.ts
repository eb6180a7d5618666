import { defineConfig } from "vitest/config"

export default defineConfig({
  test: { projects: ["packages/*", "apps/*", "conformance", "docs", "e2e"] }
})
