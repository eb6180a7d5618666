/**
 * @since 0.1.0
 */
export * as Console from "./Console.js"
export * as Fleet from "./Fleet.js"
