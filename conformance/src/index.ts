/**
 * The batchctl conformance suite, as a library:
 *
 * ```ts
 * import { Fixture, Suite } from "@batchctl/conformance"
 * import { OpenAiBatches } from "@batchctl/openai" // or your own adapter's `layer`
 * import { Effect } from "effect"
 *
 * const loaded = await Effect.runPromise(Fixture.loadDir("fixtures"))
 * const report = await Effect.runPromise(Suite.run(loaded, { providers: { openai: OpenAiBatches.layer } }))
 * console.log(Suite.render(report))
 * await Effect.runPromise(Suite.writeReport(report, "report.json"))
 * ```
 *
 * `Cli.main(argv)` is the command line (`batchctl-conformance`, and `batchctl conformance`).
 */
export * as Cli from "./Cli.js"
/**
 * Fixture files, version 1 (FORMAT.md section 2): one JSON file per case.
 *
 * @since 0.1.0
 */
export * as Fixture from "./Fixture.js"
/**
 * `--init DIR --provider ID [--family F]`: a template fixture for every scenario, marked `synthetic`, in
 * the shape of a wire family (`familyIds`), each with a `todo` list and `TODO` values that the runner
 * refuses to pass until a person replaces them.
 *
 * @since 0.1.0
 */
export * as Init from "./Init.js"
/**
 * Where adapters come from: the six of this repository (optional peer dependencies, imported only when
 * a run needs them) and any ES module given with `--adapter`.
 *
 * @since 0.1.0
 */
export * as Providers from "./Providers.js"
/**
 * The one list of providers every other list in the repository reads: id, package, folder, namespace,
 * environment prefix and wire family.
 *
 * @since 0.1.0
 */
export * as Registry from "./Registry.js"
/**
 * Recording: an `HttpClient` that keeps every exchange as sent and received (handing the adapter an
 * identical copy of each response), and the scrubbing that turns those exchanges into a fixture with
 * no key, cookie, organization or project id in it.
 *
 * @since 0.1.0
 */
export * as Recorder from "./Recorder.js"
/**
 * A replay `HttpClient`: serves a fixture's exchanges in order, with no network, and records every
 * request and every difference between what the adapter sent and what the fixture expects.
 *
 * @since 0.1.0
 */
export * as Replay from "./Replay.js"
/**
 * Plays fixtures against adapters and judges each case: every request checked, every exchange used,
 * the outcome matched by subset, the fake key nowhere in it, and no defect.
 *
 * @since 0.1.0
 */
export * as Runner from "./Runner.js"
/**
 * `scaffold --provider ID --family F`: a new provider's package (adapter source over the core's public
 * API, the family's fixture templates, an emulator profile), for an author outside the repository.
 *
 * @since 0.2.0
 */
export * as Scaffold from "./Scaffold.js"
/**
 * The scenarios every provider covers, or skips with a reason in `expectations.json`. This list is the
 * coverage contract: the repository's own fixtures are held to it, and `--coverage` holds anyone's.
 *
 * @since 0.1.0
 */
export * as Scenarios from "./Scenarios.js"
/**
 * The conformance suite: loads fixtures, runs each against the adapter it names, applies the skip and
 * expected-failure lists, and reports a providers × cases matrix.
 *
 * @since 0.1.0
 */
export * as Suite from "./Suite.js"
