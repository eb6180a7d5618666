/**
 * @since 0.1.0
 */
export * as MoonshotBatches from "./MoonshotBatches.js"
