import { defineProject, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

export default mergeConfig(shared, defineProject({ test: { sequence: { concurrent: false }, testTimeout: 60_000, hookTimeout: 60_000 } }))
