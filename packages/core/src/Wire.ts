/**
 * Schema building blocks for vendor bodies, shared by the adapters: a field that may be missing or
 * `null`, a field read leniently (its value when it decodes, `undefined` when it does not, never a
 * failure), and a typed read of one field of a raw body.
 *
 * Vendors add fields, drop fields and send `null` where their docs say a value; a batch must stay
 * readable through all of it. Required fields (an id) stay strict; everything descriptive is lenient.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * A property that may be missing or `null`: `Schema.optional(Schema.NullOr(schema))`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const optionalOrNull = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * Any value, decoded as `schema` when it is one and as `undefined` when it is not: a vendor sending a
 * number where a string was documented loses that field, not the whole body.
 *
 * @since 0.1.0
 * @category schemas
 */
export const lenient = <A, I>(schema: Schema.Schema<A, I>): Schema.Schema<A | undefined, unknown> => {
  const decode = ParseResult.decodeUnknownOption(schema)
  const encode = ParseResult.encodeUnknown(schema)
  // One declared node rather than a transformation into `UndefinedOr(schema)`, which would check every
  // decoded value a second time.
  return Schema.declare<A | undefined, unknown, readonly []>([], {
    decode: () => (value) => ParseResult.succeed(Option.getOrUndefined(decode(value))),
    encode: () => (value, options) => (value === undefined ? ParseResult.succeed(undefined) : encode(value, options))
  })
}

/**
 * A property read with {@link lenient}, which may also be missing.
 *
 * @since 0.1.0
 * @category schemas
 */
export const lenientField = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(lenient(schema))

/**
 * The field `name` of a raw body, decoded as `schema`; `undefined` when the body is not an object, the
 * field is missing or it is not a `schema`. For typed access to vendor fields the normalized batch does
 * not carry (`batch.raw`).
 *
 * @since 0.1.0
 * @category accessors
 */
export const field = <A, I>(schema: Schema.Schema<A, I>, raw: unknown, name: string): A | undefined =>
  Predicate.isRecord(raw) && Object.hasOwn(raw, name) && raw[name] !== undefined
    ? Option.getOrUndefined(Schema.decodeUnknownOption(schema)(raw[name]))
    : undefined
