/**
 * The version of @batchctl/mistral, written by scripts/versions.mjs from its package.json.
 *
 * @since 0.1.0
 */
export const version = "0.0.0"
