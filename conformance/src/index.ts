/**
 * The batchctl conformance suite, as a library: run fixtures against your own adapter with
 * `Suite.run(await load(dir), { providers: { myvendor: MyAdapter.layer } })`.
 */
export * as Fixture from "./Fixture.js"
export * as Providers from "./Providers.js"
export * as Replay from "./Replay.js"
export * as Runner from "./Runner.js"
export * as Scenarios from "./Scenarios.js"
export * as Suite from "./Suite.js"
