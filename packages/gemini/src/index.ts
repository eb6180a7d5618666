/**
 * @since 0.1.0
 */
export * as GeminiBatches from "./GeminiBatches.js"
