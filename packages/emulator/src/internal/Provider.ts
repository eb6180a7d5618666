/**
 * Not part of the public API.
 */
export type Provider = "openai" | "anthropic" | "moonshot" | "together" | "respan" | "meshapi"

export const providers: ReadonlyArray<Provider> = ["openai", "anthropic", "moonshot", "together", "respan", "meshapi"]

export const isProvider = (u: unknown): u is Provider => typeof u === "string" && (providers as ReadonlyArray<string>).includes(u)

/** The path under the emulator's origin that plays the vendor's base URL. */
export const basePath: Readonly<Record<Provider, string>> = {
  openai: "/openai/v1",
  anthropic: "/anthropic",
  moonshot: "/moonshot/v1",
  together: "/together/v1",
  respan: "/respan/api/v1",
  meshapi: "/meshapi/v1"
}
