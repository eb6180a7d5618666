/**
 * @since 0.1.0
 */
export * as MistralBatches from "./MistralBatches.js"
