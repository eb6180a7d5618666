/**
 * @since 0.1.0
 */
export * as RespanBatches from "./RespanBatches.js"
