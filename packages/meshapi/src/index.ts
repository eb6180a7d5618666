/**
 * @since 0.1.0
 */
export * as MeshApiBatches from "./MeshApiBatches.js"
