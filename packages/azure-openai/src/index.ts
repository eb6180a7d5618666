/**
 * @since 0.1.0
 */
export * as AzureOpenAiBatches from "./AzureOpenAiBatches.js"
