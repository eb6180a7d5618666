import { defineProject, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// Each test runs an emulator and its clients on the worker's one thread: run the tests of a file one after
// the other so that each test's timeout measures that test, even when `npm test` runs every package at once.
export default mergeConfig(shared, defineProject({ test: { sequence: { concurrent: false }, testTimeout: 60_000 } }))
