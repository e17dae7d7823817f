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
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as AST from "effect/SchemaAST"
import type * as Schema from "effect/Schema"
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
  /** JSON Schema keywords of every refinement on the way (`maxLength`, `pattern`, `minimum` …), outermost first. */
  readonly keywords: Record<string, unknown>
  readonly integer: boolean
}

/** Down to the base type through refinements and transformations (a request's encoded side is what is typed). */
const factsOf = (ast: AST.AST): Facts => {
  const keywords: Record<string, unknown> = {}
  let integer = false
  let node = ast
  for (;;) {
    if (AST.isRefinement(node)) {
      const annotation = AST.getJSONSchemaAnnotation(node)
      if (Option.isSome(annotation)) {
        const json = annotation.value as Record<string, unknown>
        if (json["type"] === "integer") integer = true
        for (const key in json) if (!(key in keywords)) keywords[key] = json[key]
      }
      node = node.from
    } else if (AST.isTransformation(node)) {
      node = node.from
    } else if (AST.isSuspend(node)) {
      node = node.f()
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
  AST.isDeclaration(ast) && Option.getOrUndefined(AST.getIdentifierAnnotation(ast)) === "Uint8ArrayFromSelf"

const limitsOf = (keywords: Record<string, unknown>): Array<string> => {
  const limits: Array<string> = []
  const min = keywords["minLength"]
  const max = keywords["maxLength"]
  if (typeof min === "number" && typeof max === "number") limits.push(`${min}–${max} characters`)
  else if (typeof max === "number") limits.push(`at most ${max} characters`)
  else if (typeof min === "number") limits.push(`at least ${min} characters`)
  if (typeof keywords["pattern"] === "string") limits.push(`pattern ${keywords["pattern"]}`)
  if (typeof keywords["minimum"] === "number") limits.push(`≥ ${keywords["minimum"]}`)
  if (typeof keywords["exclusiveMinimum"] === "number") limits.push(`> ${keywords["exclusiveMinimum"]}`)
  if (typeof keywords["maximum"] === "number") limits.push(`≤ ${keywords["maximum"]}`)
  if (typeof keywords["exclusiveMaximum"] === "number") limits.push(`< ${keywords["exclusiveMaximum"]}`)
  return limits
}

/** What a nested value looks like, for the help text: `object {type, available_begin_time, …}`, `array`. */
const shapeOf = (ast: AST.AST): string => {
  const base = factsOf(ast).base
  if (AST.isTypeLiteral(base)) {
    const names = base.propertySignatures.map((p) => String(p.name))
    return names.length === 0 ? "JSON object" : `JSON object {${names.join(", ")}}`
  }
  if (AST.isTupleType(base)) {
    const item = base.rest[0]
    if (item === undefined) return "JSON array"
    const facts = factsOf(item.type)
    const itemLimits = limitsOf(facts.keywords)
    const literals = literalsOf(facts.base)
    const what = literals !== undefined
      ? `one of ${literals.join(", ")}`
      : AST.isStringKeyword(facts.base)
      ? `strings${itemLimits.length > 0 ? ` (${itemLimits.join(", ")})` : ""}`
      : shapeOf(item.type).replace(/^JSON /, "")
    return `JSON array of ${what}`
  }
  return "JSON value"
}

/**
 * The request's fields as flags. `secret` names the declaration's sensitive field (its `encrypt.field`).
 *
 * @since 0.4.0
 * @category constructors
 */
export const fieldsOf = (schema: Schema.Schema<any, any>, secret?: string): ReadonlyArray<Field> =>
  AST.getPropertySignatures(schema.ast).map((property): Field => {
    const name = String(property.name)
    const required = !property.isOptional
    const facts = factsOf(property.type)
    const literals = literalsOf(facts.base)
    const kind: Kind = name === secret
      ? "secret"
      : isUint8Array(facts.base)
      ? "file"
      : literals !== undefined
      ? "choice"
      : AST.isStringKeyword(facts.base)
      ? "string"
      : AST.isNumberKeyword(facts.base)
      ? (facts.integer ? "integer" : "number")
      : AST.isBooleanKeyword(facts.base)
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
export const option = (field: Field): Options.Options<Option.Option<unknown>> => {
  const base: Options.Options<unknown> = field.kind === "integer"
    ? Options.integer(field.flag)
    : field.kind === "number"
    ? Options.float(field.flag)
    : field.kind === "boolean"
    ? Options.choice(field.flag, ["true", "false"])
    : field.kind === "choice"
    ? Options.choice(field.flag, field.choices)
    : field.kind === "secret"
    ? Options.redacted(field.flag)
    : field.kind === "file"
    ? Options.file(field.flag, { exists: "yes" })
    : Options.text(field.flag)
  return base.pipe(Options.withDescription(field.description), Options.optional)
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
