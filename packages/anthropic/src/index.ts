/**
 * @since 0.1.0
 */
export * as AnthropicBatches from "./AnthropicBatches.js"
