/**
 * Command-line flags derived from an endpoint's request schema: one flag per wire field (`card_id` → `--card-id`),
 * typed by the field's schema, its help text carrying the documented limits read from the schema itself (lengths,
 * patterns, bounds, enums). The flags only carry values; the rules are the library's own, checked when the endpoint
 * is called (a `RequestValidationError`, nothing sent).
 *
 * @since 0.4.0
 */
import { readFileSync } from "node:fs"
import { basename } from "node:path"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { InvalidArguments } from "./CliError.js"

/**
 * How a field is read from the command line.
 *
 * - `string`, `integer`, `number`: the value as typed;
 * - `boolean`: `true` or `false` (explicit, so a required boolean is never silently `false`);
 * - `choice`: one of the documented literals;
 * - `secret`: read as `Redacted` (the declaration's `encrypt` field, e.g. `--phone-number`);
 * - `file`: a path whose bytes are the value (`--file` of an upload);
 * - `json`: a nested object or array, as JSON text.
 *
 * @since 0.4.0
 * @category models
 */
export type Kind = "string" | "integer" | "number" | "boolean" | "choice" | "secret" | "file" | "json"

/**
 * One request field as a flag.
 *
 * @since 0.4.0
 * @category models
 */
export interface Field {
  /** The wire name, e.g. `card_id`. */
  readonly name: string
  /** The flag, e.g. `card-id` (given as `--card-id`). */
  readonly flag: string
  readonly required: boolean
  readonly kind: Kind
  /** The documented literals of a `choice`. */
  readonly choices: ReadonlyArray<string>
  /** The help text: required or not, the type and the documented limits. */
  readonly description: string
}

/**
 * `card_id` → `card-id`; `getUserCard` → `get-user-card`.
 *
 * @since 0.4.0
 * @category utils
 */
export const kebab = (name: string): string =>
  name.replace(/_/g, "-").replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()

interface Facts {
  readonly base: AST.AST
  /** JSON Schema keywords of every check on the way (`maxLength`, `pattern`, `minimum` …), the last applied first. */
  readonly keywords: Record<string, unknown>
  readonly integer: boolean
}

/** The JSON Schema keywords a check documents (its `toJsonSchema`), and a pattern's source (exported or not). */
const keywordsOf = (check: AST.Check<unknown>): Record<string, unknown> => {
  if (check._tag === "FilterGroup") {
    const all: Record<string, unknown> = {}
    for (const inner of [...check.checks].reverse()) {
      for (const [key, value] of Object.entries(keywordsOf(inner))) if (!(key in all)) all[key] = value
    }
    return all
  }
  const annotations = check.annotations
  const representation = annotations?.representation as
    | { readonly id?: unknown; readonly payload?: unknown }
    | undefined
  // A RegExp without the `u` flag is not exported to JSON Schema; the help text shows it all the same.
  const pattern = representation?.id === "effect/schema/isPattern" &&
      typeof representation.payload === "object" && representation.payload !== null &&
      "source" in representation.payload && typeof representation.payload.source === "string"
    ? { pattern: representation.payload.source }
    : {}
  let output: unknown
  try {
    output = annotations?.toJsonSchema?.({ type: undefined, schemas: [] })
  } catch {
    // A check whose JSON Schema needs the schemas it depends on documents nothing a help text shows.
  }
  const json: unknown = Array.isArray(output) ? output[0] : output
  return { ...pattern, ...(typeof json === "object" && json !== null ? json : {}) }
}

/** Down to the base type through checks, suspensions and encodings (a request's encoded side is what is typed). */
const factsOf = (ast: AST.AST): Facts => {
  const keywords: Record<string, unknown> = {}
  let integer = false
  let node = ast
  for (;;) {
    for (const check of [...(node.checks ?? [])].reverse()) {
      const json = keywordsOf(check)
      if (json["type"] === "integer") integer = true
      for (const key in json) if (!(key in keywords)) keywords[key] = json[key]
    }
    if (AST.isSuspend(node)) {
      node = node.thunk()
    } else if (node.encoding !== undefined) {
      node = AST.toEncoded(node)
    } else {
      return { base: node, keywords, integer }
    }
  }
}

const literalsOf = (ast: AST.AST): ReadonlyArray<string> | undefined => {
  if (AST.isLiteral(ast)) return typeof ast.literal === "string" ? [ast.literal] : undefined
  if (AST.isUnion(ast)) {
    const all: Array<string> = []
    for (const member of ast.types) {
      const literals = literalsOf(factsOf(member).base)
      if (literals === undefined) return undefined
      all.push(...literals)
    }
    return all
  }
  return undefined
}

const isUint8Array = (ast: AST.AST): boolean =>
  AST.isDeclaration(ast) &&
  (ast.annotations?.["representation"] as { readonly id?: unknown } | undefined)?.id === "effect/schema/Uint8Array"

const limitsOf = (keywords: Record<string, unknown>): Array<string> => {
  const limits: Array<string> = []
  const min = keywords["minLength"]
  const max = keywords["maxLength"]
  if (typeof min === "number" && typeof max === "number") limits.push(`${min}–${max} characters`)
  else if (typeof max === "number") limits.push(`at most ${max} characters`)
  else if (typeof min === "number") limits.push(`at least ${min} characters`)
  if (typeof keywords["pattern"] === "string") limits.push(`pattern ${keywords["pattern"]}`)
  // The safe-integer ends (`Schema.isInt`'s) say "no documented bound": not worth a help text's words.
  const bound = (key: string): number | undefined => {
    const value = keywords[key]
    return typeof value === "number" && Math.abs(value) !== Number.MAX_SAFE_INTEGER ? value : undefined
  }
  const [minimum, exclusiveMinimum, maximum, exclusiveMaximum] = [
    bound("minimum"),
    bound("exclusiveMinimum"),
    bound("maximum"),
    bound("exclusiveMaximum")
  ]
  if (minimum !== undefined) limits.push(`≥ ${minimum}`)
  if (exclusiveMinimum !== undefined) limits.push(`> ${exclusiveMinimum}`)
  if (maximum !== undefined) limits.push(`≤ ${maximum}`)
  if (exclusiveMaximum !== undefined) limits.push(`< ${exclusiveMaximum}`)
  return limits
}

/** What a nested value looks like, for the help text: `object {type, available_begin_time, …}`, `array`. */
const shapeOf = (ast: AST.AST): string => {
  const base = factsOf(ast).base
  if (AST.isObjects(base)) {
    const names = base.propertySignatures.map((p) => String(p.name))
    return names.length === 0 ? "JSON object" : `JSON object {${names.join(", ")}}`
  }
  if (AST.isArrays(base)) {
    const item = base.rest[0]
    if (item === undefined) return "JSON array"
    const facts = factsOf(item)
    const itemLimits = limitsOf(facts.keywords)
    const literals = literalsOf(facts.base)
    const what = literals !== undefined
      ? `one of ${literals.join(", ")}`
      : AST.isString(facts.base)
      ? `strings${itemLimits.length > 0 ? ` (${itemLimits.join(", ")})` : ""}`
      : shapeOf(item).replace(/^JSON /, "")
    return `JSON array of ${what}`
  }
  return "JSON value"
}

/** A request's fields: those of its struct, through the struct's own checks (cross-field rules) and encodings. */
const propertiesOf = (ast: AST.AST): ReadonlyArray<AST.PropertySignature> => {
  const base = factsOf(ast).base
  return AST.isObjects(base) ? base.propertySignatures : []
}

/**
 * The request's fields as flags. `secret` names the declaration's sensitive field (its `encrypt.field`).
 *
 * @since 0.4.0
 * @category constructors
 */
export const fieldsOf = (schema: Schema.Top, secret?: string): ReadonlyArray<Field> =>
  propertiesOf(schema.ast).map((property): Field => {
    const name = String(property.name)
    const required = !AST.isOptional(property.type)
    const facts = factsOf(property.type)
    const literals = literalsOf(facts.base)
    const kind: Kind = name === secret
      ? "secret"
      : isUint8Array(facts.base)
      ? "file"
      : literals !== undefined
      ? "choice"
      : AST.isString(facts.base)
      ? "string"
      : AST.isNumber(facts.base)
      ? (facts.integer ? "integer" : "number")
      : AST.isBoolean(facts.base)
      ? "boolean"
      : "json"
    const type = kind === "secret"
      ? "secret string (read as Redacted, sent encrypted, never printed)"
      : kind === "file"
      ? "path of a file (its bytes are sent)"
      : kind === "choice"
      ? `one of ${literals!.join(", ")}`
      : kind === "boolean"
      ? "true or false"
      : kind === "json"
      ? shapeOf(property.type)
      : kind
    const limits = kind === "string" || kind === "integer" || kind === "number" ? limitsOf(facts.keywords) : []
    return {
      name,
      flag: kebab(name),
      required,
      kind,
      choices: literals ?? [],
      description: [`${name}: ${required ? "required" : "optional"}`, type, ...limits].join("; ")
    }
  })

/**
 * The flag of one field: always optional on the command line (a value may come from `--json` instead); whether it
 * is required is the library's rule, checked before anything is sent.
 *
 * @since 0.4.0
 * @category constructors
 */
export const option = (field: Field): Flag.Flag<Option.Option<unknown>> => {
  const base: Flag.Flag<unknown> = field.kind === "integer"
    ? Flag.Int(field.flag)
    : field.kind === "number"
    ? Flag.Finite(field.flag)
    : field.kind === "boolean"
    // Not `Flag.Boolean`, a switch: a boolean field is given `true` or `false` explicitly.
    ? Flag.Literals(field.flag, ["true", "false"])
    : field.kind === "choice"
    ? Flag.Literals(field.flag, field.choices)
    : field.kind === "secret"
    ? Flag.Redacted(field.flag)
    : field.kind === "file"
    ? Flag.File(field.flag, { mustExist: true })
    : Flag.String(field.flag)
  return base.pipe(Flag.withDescription(field.description), Flag.optional)
}

const parseJson = (flag: string, text: string): Effect.Effect<unknown, InvalidArguments> =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    // The parser's message quotes the text around the error; the text may be anything the user typed.
    catch: () => new InvalidArguments({ flag, message: `--${flag} is not valid JSON` })
  })

const readFile = (flag: string, path: string): Effect.Effect<Uint8Array, InvalidArguments> =>
  Effect.try({
    try: () => new Uint8Array(readFileSync(path)),
    catch: () => new InvalidArguments({ flag, message: `--${flag}: cannot read the file` })
  })

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The request: `--json` (an object) with each given flag on top (a flag wins). A `file` flag's path becomes the
 * file's bytes, and names the upload (`filename`) when that field is not given; a secret given in `--json` is
 * wrapped in `Redacted` like the flag.
 *
 * @since 0.4.0
 * @category constructors
 */
export const request = (
  fields: ReadonlyArray<Field>,
  values: Readonly<Record<string, Option.Option<unknown>>>,
  json: Option.Option<string>
): Effect.Effect<Record<string, unknown>, InvalidArguments> =>
  Effect.gen(function*() {
    const base = Option.isSome(json) ? yield* parseJson("json", json.value) : {}
    if (!isPlainObject(base)) {
      return yield* new InvalidArguments({ flag: "json", message: "--json must be a JSON object" })
    }
    const result: Record<string, unknown> = { ...base }
    let filePath: string | undefined
    for (const field of fields) {
      const given = values[field.name]
      if (given === undefined || Option.isNone(given)) {
        if (field.kind === "secret" && typeof result[field.name] === "string") {
          result[field.name] = Redacted.make(result[field.name] as string)
        }
        continue
      }
      const value = given.value
      switch (field.kind) {
        case "boolean":
          result[field.name] = value === "true"
          break
        case "json":
          result[field.name] = yield* parseJson(field.flag, value as string)
          break
        case "file":
          filePath = value as string
          result[field.name] = yield* readFile(field.flag, filePath)
          break
        default:
          result[field.name] = value
      }
    }
    if (filePath !== undefined && fields.some((f) => f.name === "filename") && result["filename"] === undefined) {
      result["filename"] = basename(filePath)
    }
    return result
  })
