/**
 * The batchctl conformance suite, as a library:
 *
 * ```ts
 * const loaded = await Effect.runPromise(Fixture.loadDir("fixtures"))
 * const report = await Effect.runPromise(Suite.run(loaded, { providers: { acme: AcmeBatches.layer } }))
 * console.log(Suite.render(report))
 * await Effect.runPromise(Suite.writeReport(report, "report.json"))
 * ```
 *
 * `Cli.main(argv)` is the command line (`batchctl-conformance`, and `batchctl conformance`).
 */
export * as Cli from "./Cli.js"
export * as Fixture from "./Fixture.js"
export * as Init from "./Init.js"
export * as Providers from "./Providers.js"
export * as Registry from "./Registry.js"
export * as Recorder from "./Recorder.js"
export * as Replay from "./Replay.js"
export * as Runner from "./Runner.js"
export * as Scenarios from "./Scenarios.js"
export * as Suite from "./Suite.js"
