/**
 * @since 0.1.0
 */
export * as TogetherBatches from "./TogetherBatches.js"
