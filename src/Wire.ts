/**
 * Schema building blocks for endpoint declarations, so that every endpoint follows the same wire rules:
 *
 * - enums are closed in requests (a typo fails before sending) and open in responses (WeChat adds values without
 *   notice; an unknown value is kept as sent, never a decode failure);
 * - lengths count characters (Unicode code points), as WeChat's `string(N)` does, not UTF-16 units;
 * - optional fields are exact (`Schema.optionalWith(S, { exact: true })`); a request field given as `undefined` is
 *   treated as absent by `Endpoint` before validation (callers compiled without `exactOptionalPropertyTypes`).
 *
 * @since 0.3.0
 */
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/**
 * A documented enum: `request` is the closed set; `response` decodes any string, typed as the documented literals
 * plus `string & {}` (autocomplete and narrowing on the known values; an unknown one is kept as sent).
 *
 * @since 0.3.0
 * @category models
 */
export interface Enum<L extends string> {
  readonly literals: ReadonlyArray<L>
  readonly request: Schema.Schema<L>
  readonly response: Schema.Schema<L | (string & {}), string>
  /** Whether a decoded value is one of the documented literals. */
  readonly isKnown: (value: string) => value is L
}

/**
 * Declare a documented enum once, for both directions.
 *
 * @since 0.3.0
 * @category constructors
 */
export const Enum = <const L extends readonly [string, ...Array<string>]>(...literals: L): Enum<L[number]> => {
  const known = new Set<string>(literals)
  return {
    literals,
    request: Schema.Literal(...literals),
    response: Schema.String.annotations({
      description: `one of ${literals.join(", ")}, or a value WeChat added since (kept as sent)`,
      examples: [literals[0]]
    }) as Schema.Schema<L[number] | (string & {}), string>,
    isKnown: (value): value is L[number] => known.has(value)
  }
}

/**
 * The number of characters (Unicode code points) in `s`: a surrogate pair counts once.
 *
 * @since 0.3.0
 * @category utils
 */
export const characters = (s: string): number => {
  let n = s.length
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--
        i++
      }
    }
  }
  return n
}

/**
 * A string of `min`–`max` characters (code points). The message names the field and the rule.
 *
 * @since 0.3.0
 * @category constructors
 */
export const chars = (field: string, max: number, min = 0): Schema.Schema<string> =>
  Schema.String.pipe(
    Schema.filter((s) => {
      // A UTF-16 length within the bound is a code-point count within it too: count only when it matters.
      const n = s.length <= max && s.length >= min ? s.length : characters(s)
      if (n > max) return `${field} must be at most ${max} characters`
      if (n < min) return min === 1 ? `${field} must not be empty` : `${field} must be at least ${min} characters`
      return true
    }, { jsonSchema: { maxLength: max, ...(min > 0 ? { minLength: min } : {}) } })
  )

/**
 * An optional field (exact: the decoded value never holds `undefined`).
 *
 * @since 0.3.0
 * @category constructors
 */
export const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/**
 * An RFC 3339 date-time with an offset, as WeChat sends and expects times (`2020-05-20T13:29:35.120+08:00`).
 *
 * @since 0.3.0
 * @category constructors
 */
export const rfc3339 = (field: string): Schema.Schema<string> =>
  Schema.String.pipe(
    Schema.filter(
      (s) =>
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) ||
        `${field} must be an RFC 3339 date-time with an offset, e.g. 2020-05-20T13:29:35.120+08:00`
    )
  )

/**
 * A plain secret given as `Redacted<string>` (never printed: a failed rule says so without the value).
 *
 * @since 0.3.0
 * @category constructors
 */
export const secret = (field: string): Schema.Schema<Redacted.Redacted<string>> =>
  Schema.RedactedFromSelf(
    Schema.String.pipe(Schema.filter((s) => s.length > 0 || `${field} must not be empty`))
  ).annotations({ message: () => `${field} must be a Redacted<string>` })
