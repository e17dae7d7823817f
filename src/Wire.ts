/**
 * Schema building blocks for endpoint declarations, so that every endpoint follows the same wire rules:
 *
 * - enums are closed in requests (a typo fails before sending) and open in responses (WeChat adds values without
 *   notice; an unknown value is kept as sent, never a decode failure);
 * - lengths count characters (Unicode code points), as WeChat's `string(N)` does, not UTF-16 units;
 * - optional fields are exact (`Schema.optionalKey(S)`); a request field given as `undefined` is
 *   treated as absent by `Endpoint` before validation (callers compiled without `exactOptionalPropertyTypes`).
 *
 * @since 0.3.0
 */
import * as Order from "effect/Order"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/**
 * A documented enum: `request` is the closed set; `response` decodes any string, typed as the documented literals
 * plus `string & {}` (autocomplete and narrowing on the known values; an unknown one is kept as sent).
 *
 * @since 0.3.0
 * @category models
 */
export interface Enum<L extends string> {
  readonly literals: ReadonlyArray<L>
  readonly request: Schema.Codec<L>
  readonly response: Schema.Codec<L | (string & {}), string>
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
    request: Schema.Literals(literals) as unknown as Schema.Codec<L[number]>,
    response: Schema.String.annotate({
      description: `one of ${literals.join(", ")}, or a value WeChat added since (kept as sent)`,
      examples: [literals[0]]
    }) as Schema.Codec<L[number] | (string & {}), string>,
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

/** Characters (code points) `min`–`max`: a message naming the field and the rule, or `undefined` when within. */
const lengthIssue = (field: string, n: number, min: number, max: number): string | undefined =>
  n > max
    ? `${field} must be at most ${max} characters`
    : n < min
    ? min === 1 ? `${field} must not be empty` : `${field} must be at least ${min} characters`
    : undefined

/**
 * A string of `min`–`max` characters (code points). The message names the field and the rule. `min` defaults to 1:
 * a required string is never empty (since 0.6.0; it was 0). Wrapped in `optional`, "" is accepted (the one rule for
 * empty strings lives there); pass `min = 0` only for a required field whose docs give "" a meaning.
 *
 * @since 0.3.0
 * @category constructors
 */
export const chars = (field: string, max: number, min = 1): Schema.String =>
  Schema.String.check(Schema.makeFilter((s: string) => {
    // A UTF-16 length within the bound is a code-point count within it too: count only when it matters.
    const n = s.length <= max && s.length >= min ? s.length : characters(s)
    return lengthIssue(field, n, min, max)
  }, {
    toJsonSchema: () => ({ maxLength: max, ...(min > 0 ? { minLength: min } : {}) }),
    arbitraryConstraint: { minCodePoints: min, maxCodePoints: max }
  }))

/**
 * A required string with no documented maximum: at least one character. Prefer `chars` when the docs give a length.
 *
 * @since 0.6.0
 * @category constructors
 */
export const nonEmpty = (field: string): Schema.String =>
  Schema.String.check(Schema.makeFilter((s: string) => s.length > 0 || `${field} must not be empty`, {
    toJsonSchema: () => ({ minLength: 1 }),
    arbitraryConstraint: { minCodePoints: 1 }
  }))

/**
 * Marks an integer declared with `int` (its bounds stated): what the walk over every declaration looks for, so a
 * request integer without bounds cannot be added unnoticed. (A string since 1.0: Effect 4's annotations are keyed
 * by strings.)
 *
 * @since 0.6.0
 * @category annotations
 */
export const IntId = "effect-wechatpay/Wire/Int" as const

/**
 * An integer within `min`–`max`, both stated: a bound left out is how `limit: -1` went out in 0.5.0. Where the docs
 * give no bound on one side, say so with `Number.MIN_SAFE_INTEGER` / `Number.MAX_SAFE_INTEGER` (what JSON carries
 * exactly).
 *
 * @since 0.6.0
 * @category constructors
 */
export const int = (field: string, bounds: { readonly min: number; readonly max: number }): Schema.Number => {
  const { max, min } = bounds
  const range = max === Number.MAX_SAFE_INTEGER
    ? min === Number.MIN_SAFE_INTEGER ? "within ±(2^53 − 1)" : `at least ${min}`
    : `${min}–${max}`
  return Schema.Number.check(
    Schema.makeFilter(
      (n: number) => (Number.isSafeInteger(n) && n >= min && n <= max) || `${field} must be an integer ${range}`,
      {
        [IntId]: { min, max },
        // The safe-integer ends say "no documented bound": not worth printing in help texts and docs.
        toJsonSchema: () => ({
          type: "integer",
          ...(min !== Number.MIN_SAFE_INTEGER ? { minimum: min } : {}),
          ...(max !== Number.MAX_SAFE_INTEGER ? { maximum: max } : {})
        }),
        // Effect 4 reads the bounds only with the Order they are compared by.
        arbitraryConstraint: { number: "integer", order: Order.Number, minimum: min, maximum: max }
      }
    )
  )
}

/**
 * A count or an amount that cannot be negative (a quantity, a number of days, a points or balance value): an integer
 * from 0 with no documented maximum (`int(field, { min: 0, max: Number.MAX_SAFE_INTEGER })`).
 *
 * @since 0.6.0
 * @category constructors
 */
export const count = (field: string): Schema.Number => int(field, { min: 0, max: Number.MAX_SAFE_INTEGER })

/**
 * A signed integer with no documented bound, e.g. a change that may deduct (`add_bonus_value`, `add_balance`):
 * `int(field, { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })` (what JSON carries exactly).
 *
 * @since 0.6.0
 * @category constructors
 */
export const signedInt = (field: string): Schema.Number =>
  int(field, { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })

/**
 * An array of `min`–`max` items (`min` defaults to 1: a required list is never empty; `max` only where documented).
 *
 * @since 0.6.0
 * @category constructors
 */
export const array = <S extends Schema.Top>(
  field: string,
  item: S,
  bounds: { readonly min?: number; readonly max?: number } = {}
): Schema.$Array<S> => {
  const min = bounds.min ?? 1
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER
  return Schema.Array(item).check(Schema.makeFilter((items: ReadonlyArray<unknown>) =>
    items.length < min
      ? min === 1 ? `${field} must not be empty` : `${field} must have at least ${min} items`
      : items.length > max
      ? `${field} must have at most ${max} items`
      : undefined, {
    arbitraryConstraint: { minLength: min, ...(max !== Number.MAX_SAFE_INTEGER ? { maxLength: max } : {}) }
  }))
}

/**
 * Marks a value declared with `urlText`: `Endpoint` puts it on the target as given (a query value or a path segment),
 * and the emulator checks it as received before decoding it once. (A string since 1.0.)
 *
 * @since 0.6.0
 * @category annotations
 */
export const UrlTextId = "effect-wechatpay/Wire/UrlText" as const

/** Unreserved characters (RFC 3986) and `%XX` escapes, nothing else. */
const urlTextPattern = /^(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})*$/

/** Printable ASCII, space to `~`: no control character (`%00`, CR, LF, DEL), no BOM, nothing past ASCII. */
const printableAscii = /^[\x20-\x7E]*$/

/**
 * A value that is already URL text, e.g. `encrypt_code` or `activate_ticket` as read from a jump URL
 * (`12Xj%2BqW%3D%3D`): sent verbatim, never percent-encoded again (WeChat decodes it once) — as a query value or as a
 * path segment alike (unreserved characters and `%XX` escapes are safe in both). Refused unless it is unreserved
 * characters (`A–Z a–z 0–9 - . _ ~`) and `%XX` escapes that decode to UTF-8 — no `&`, `#`, `+`, `/`, space, raw
 * non-ASCII or lone `%` — and unless the decoded value has 1–`max` characters (the docs' `string(max)` is the value's
 * length). With `printable`, the decoded value must also be printable ASCII (space to `~`): for Base64-like values,
 * where a control character or a BOM can only be a mistake.
 *
 * @since 0.6.0
 * @category constructors
 */
export const urlText = (
  field: string,
  max: number,
  options: { readonly printable?: boolean } = {}
): Schema.String => {
  const printable = options.printable === true
  return Schema.String.check(Schema.makeFilter((s: string) => {
    if (!urlTextPattern.test(s)) {
      return `${field} must be URL text as received: unreserved characters (A-Z a-z 0-9 - . _ ~) and %XX escapes only`
    }
    let decoded: string
    try {
      decoded = decodeURIComponent(s)
    } catch {
      return `${field} must be URL text as received: its %XX escapes do not decode to UTF-8`
    }
    if (printable && !printableAscii.test(decoded)) {
      return `${field} must decode to printable ASCII (no control characters, no BOM, nothing past ASCII)`
    }
    return lengthIssue(field, characters(decoded), 1, max)
  }, {
    [UrlTextId]: true,
    toJsonSchema: () => ({ pattern: urlTextPattern.source }),
    // Generated values: unreserved characters and the escapes of Base64's `+ / =`, the shape WeChat issues.
    arbitraryConstraint: { patterns: [{ source: `^(?:[A-Za-z0-9._~-]|%2B|%2F|%3D){1,${Math.min(max, 64)}}$`, flags: "" }] }
  }))
}

/** Whether a check, or a check it groups, carries `annotation`. */
const checkCarries = (check: AST.Check<unknown>, annotation: string): boolean =>
  check.annotations?.[annotation] !== undefined ||
  (check._tag === "FilterGroup" && check.checks.some((c) => checkCarries(c, annotation)))

/**
 * Whether `ast`, its checks, or anything it is encoded from carries `annotation` (wrapping must not hide a rule).
 *
 * @since 1.0.0
 * @category utils
 */
export const carries = (ast: AST.AST, annotation: string, depth = 0): boolean => {
  if (depth > 32) return false
  if (ast.annotations?.[annotation] !== undefined) return true
  if (ast.checks?.some((check) => checkCarries(check, annotation))) return true
  if (ast.encoding?.some((link) => carries(link.to, annotation, depth + 1))) return true
  if (AST.isSuspend(ast)) return carries(ast.thunk(), annotation, depth + 1)
  return false
}

/**
 * The top-level fields of a request schema declared with `urlText` (sent and read verbatim), found under any
 * check or encoding wrapping them.
 *
 * @since 0.6.0
 * @category utils
 */
export const urlTextFields = (schema: Schema.Top): ReadonlySet<string> => {
  const fields = new Set<string>()
  const ast = AST.isSuspend(schema.ast) ? schema.ast.thunk() : schema.ast
  // A schema without a fixed set of keys declares no URL text.
  if (AST.isObjects(ast)) {
    for (const property of ast.propertySignatures) {
      if (typeof property.name === "string" && carries(property.type, UrlTextId)) fields.add(property.name)
    }
  }
  return fields
}

/**
 * Marks an optional string that an official page gives a minimum length, so it refuses "" (see `optional`). (A string
 * since 1.0.)
 *
 * @since 0.6.0
 * @category annotations
 */
export const EmptyRefusedId = "effect-wechatpay/Wire/EmptyRefused" as const

/**
 * The same check, letting "" through: an optional string's rules (length, pattern) apply to a value, and "" is the
 * absence of one. The JSON Schema's `minLength` is dropped with it (help texts must not claim a minimum).
 */
const acceptingEmpty = (check: AST.Check<string>): AST.Check<string> => {
  if (check._tag === "FilterGroup") {
    const [first, ...rest] = check.checks
    return new AST.FilterGroup([acceptingEmpty(first), ...rest.map(acceptingEmpty)], check.annotations)
  }
  const { annotations, run } = check
  const toJsonSchema = annotations?.toJsonSchema
  return new AST.Filter<string>(
    (input, self, options) => (input === "" ? undefined : run(input, self, options)),
    toJsonSchema === undefined ? annotations : {
      ...annotations,
      toJsonSchema: (input) => {
        const out = toJsonSchema(input)
        const [schema, approximate] = Array.isArray(out) ? out : [out, undefined]
        if (typeof schema !== "object" || schema === null || !("minLength" in schema)) return out
        const { minLength: _, ...rest } = schema as Record<string, unknown>
        return approximate === undefined ? rest : [rest, approximate]
      }
    },
    check.aborted
  )
}

/**
 * An optional field (exact: the decoded value never holds `undefined`).
 *
 * The one rule for empty strings (since 0.6.0): a required string is never empty (`chars` defaults to a minimum of 1,
 * `nonEmpty`), and an optional one accepts "" — its other rules apply to a non-empty value. WeChat accepts "" where a
 * field may be left out (SDK S sends `activate_path: ""` by default) and a PATCH clears a value with it. Pass
 * `{ emptyRefused: "<where the official page says so>" }` only where an official page gives an optional field a
 * minimum (e.g. `string[1,128]`): then "" is refused like any too-short value.
 *
 * @since 0.3.0
 * @category constructors
 */
export const optional = <S extends Schema.Top>(
  schema: S,
  options: { readonly emptyRefused?: string } = {}
): Schema.optionalKey<S> => {
  const { ast } = schema
  if (options.emptyRefused !== undefined) {
    // On the schema, or on its last check when it has checks (where Effect 4 puts a checked schema's annotations).
    return Schema.optionalKey(schema.annotate({ [EmptyRefusedId]: options.emptyRefused }) as S)
  }
  if (AST.isString(ast) && ast.checks !== undefined) {
    const [first, ...rest] = ast.checks as unknown as readonly [AST.Check<string>, ...Array<AST.Check<string>>]
    const checks: AST.Checks = [acceptingEmpty(first), ...rest.map(acceptingEmpty)]
    return Schema.optionalKey(Schema.make<S>(new AST.String(ast.annotations, checks, ast.encoding, ast.context)))
  }
  return Schema.optionalKey(schema)
}

/**
 * An RFC 3339 date-time with an offset, as WeChat sends and expects times (`2020-05-20T13:29:35.120+08:00`).
 *
 * @since 0.3.0
 * @category constructors
 */
export const rfc3339 = (field: string): Schema.String =>
  Schema.String.check(Schema.makeFilter((s: string) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) ||
    `${field} must be an RFC 3339 date-time with an offset, e.g. 2020-05-20T13:29:35.120+08:00`
  ))

/**
 * A plain secret given as `Redacted<string>` (never printed: a failed rule says so without the value).
 *
 * @since 0.3.0
 * @category constructors
 */
export const secret = (field: string): Schema.Codec<Redacted.Redacted<string>> =>
  // The emptiness check sits on the Redacted itself, not on its inner string: Effect 4 reports an inner check's
  // failure under the path `field.value`, and a refusal must name the field alone.
  Schema.Redacted(Schema.String).annotate({ message: `${field} must be a Redacted<string>` }).check(
    Schema.makeFilter((secret: Redacted.Redacted<string>) => Redacted.value(secret).length > 0 || `${field} must not be empty`)
  )
