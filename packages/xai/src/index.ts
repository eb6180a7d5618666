/**
 * @since 0.1.0
 */
export * as XaiBatches from "./XaiBatches.js"
