/**
 * @since 0.1.0
 */
export * as GroqBatches from "./GroqBatches.js"
