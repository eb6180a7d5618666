/**
 * @since 0.1.0
 */
export * as Emulator from "./Emulator.js"

/**
 * The `VendorProfile` type and the helpers the built-in profiles are made of.
 *
 * @since 0.2.0
 */
export * as Profile from "./Profile.js"
