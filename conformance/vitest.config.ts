import { defineProject, mergeConfig } from "vitest/config"
import shared from "../vitest.shared.js"

// The property tests keep the event loop busy: run each file's tests one after another, so that on a
// loaded machine none is starved into its 30-second timeout by the others.
export default mergeConfig(shared, defineProject({ test: { sequence: { concurrent: false } } }))
