/**
 * @since 0.1.0
 */
export * as Batch from "./Batch.js"
export * as Adapter from "./Adapter.js"
export * as BatchError from "./BatchError.js"
export * as BatchId from "./BatchId.js"
export * as BatchProvider from "./BatchProvider.js"
export * as Jsonl from "./Jsonl.js"
export * as Lifecycle from "./Lifecycle.js"
export * as NodeClient from "./NodeClient.js"
export * as Paging from "./Paging.js"
export * as PromiseClient from "./PromiseClient.js"
export * as Results from "./Results.js"
export * as Timestamp from "./Timestamp.js"
export * as VendorErrorBody from "./VendorErrorBody.js"
export * as VendorHttp from "./VendorHttp.js"
export * as Wire from "./Wire.js"
export { version } from "./version.js"
