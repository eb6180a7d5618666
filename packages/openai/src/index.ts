/**
 * @since 0.1.0
 */
export * as OpenAiBatches from "./OpenAiBatches.js"
