/**
 * Not part of the public API.
 */
export type Provider = "openai" | "anthropic" | "moonshot" | "together" | "respan" | "meshapi"

export const providers: ReadonlyArray<Provider> = ["openai", "anthropic", "moonshot", "together", "respan", "meshapi"]
