/**
 * Bad input, property-based (issue 4): thousands of generated invalid requests per endpoint — wrong types, missing
 * required fields (absent or undefined), over-long strings, empty ids, bad characters in
 * `out_request_no` / `membership_number`, non-integer, unsafe or non-positive numbers, malformed nested objects —
 * each fails with `RequestValidationError` whose issues name exactly the broken field, and the emulator receives
 * nothing. Valid requests generated from the same schemas (`Arbitrary.schema`) pass validation and are sent once.
 *
 * Seeded: set RELIABILITY_SEED to replay; fast-check prints the seed and the counterexample on failure.
 */
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as fc from "fast-check"
import type * as Schema from "effect/Schema"
import { MemberCard, RequestValidationError, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"

const SEED = Number(process.env["RELIABILITY_SEED"] ?? 20261125)
const INVALID_RUNS = 2500
const ROOT_RUNS = 200
const VALID_RUNS = 300
const FOCUSED_RUNS = 1000

/** What a field accepts, as documented (and as the schemas say). */
type Field =
  | {
    readonly _tag: "String"
    readonly name: string
    readonly required: boolean
    readonly max?: number
    readonly nonEmpty?: boolean
    /** Characters allowed, when restricted. */
    readonly charset?: RegExp
  }
  | {
    readonly _tag: "Int"
    readonly name: string
    readonly required: boolean
    readonly positive?: boolean
    /** A count or a value that cannot be negative (0.6.0: Wire.count). */
    readonly nonNegative?: boolean
  }
  | { readonly _tag: "Boolean"; readonly name: string; readonly required: boolean }
  | { readonly _tag: "Struct"; readonly name: string; readonly required: boolean; readonly fields: ReadonlyArray<Field>; readonly empty: Record<string, unknown> }

const id = (name: string, max = 32): Field => ({ _tag: "String", name, required: true, max, nonEmpty: true })
const text = (name: string, max?: number): Field => ({ _tag: "String", name, required: false, ...(max === undefined ? {} : { max }) })
const int = (name: string, required = false, nonNegative = false): Field => ({ _tag: "Int", name, required, nonNegative })
const bool = (name: string): Field => ({ _tag: "Boolean", name, required: false })

const pathFields = [id("card_id"), id("code")]
const bonusFields: ReadonlyArray<Field> = [
  ...pathFields,
  id("out_trade_no"),
  { _tag: "String", name: "mchid", required: false, max: 32, nonEmpty: true },
  { _tag: "String", name: "sub_mchid", required: false, max: 32, nonEmpty: true },
  { _tag: "Int", name: "bonus_value", required: true, positive: true }
]

interface Subject {
  readonly name: Emulator.EndpointName
  readonly schema: Schema.Top
  readonly fields: ReadonlyArray<Field>
  /** The endpoint's Tag; called with deliberately untyped requests. */
  readonly tag: Context.Key<any, any>
}

const subjects: ReadonlyArray<Subject> = [
  { name: "GetUserCard", schema: MemberCard.GetUserCardRequest, fields: pathFields, tag: MemberCard.GetUserCard },
  {
    name: "UpdateUserCard",
    schema: MemberCard.UpdateUserCardRequest,
    tag: MemberCard.UpdateUserCard,
    fields: [
      ...pathFields,
      { _tag: "String", name: "out_request_no", required: true, max: 32, nonEmpty: true, charset: /^[A-Za-z0-9|_*-]$/ },
      // Optional: "" is accepted since 0.6.0 (an optional string's rules apply to a non-empty value).
      { _tag: "String", name: "membership_number", required: false, max: 32, charset: /^[\x21-\x7E]$/ },
      text("background_picture_url", 128),
      text("level", 5),
      {
        _tag: "Struct",
        name: "balance_information",
        required: false,
        fields: [int("before_balance", true, true), int("balance", true, true), int("add_balance", true), text("balance_remark")],
        empty: { before_balance: 0, balance: 10, add_balance: 10 }
      },
      bool("need_inform_balance"),
      bool("need_inform_level")
    ]
  },
  {
    name: "SetUserCardRights",
    schema: MemberCard.SetUserCardRightsRequest,
    tag: MemberCard.SetUserCardRights,
    fields: [
      ...pathFields,
      id("out_request_no", 128),
      int("before_bonus_value", false, true),
      int("bonus_value", false, true),
      int("add_bonus_value"),
      bool("need_inform_bonus"),
      text("member_price_word", 8),
      text("fapiao_jump_word", 6),
      {
        _tag: "Struct",
        name: "guide",
        required: false,
        fields: ["staff_name", "head_image_url", "contact_information_name", "contact_information_value", "phone_number"].map((n) => text(n)),
        empty: {}
      }
    ]
  },
  { name: "PrepareBonus", schema: MemberCard.BonusRequest, fields: bonusFields, tag: MemberCard.PrepareBonus },
  { name: "CommitBonus", schema: MemberCard.BonusRequest, fields: bonusFields, tag: MemberCard.CommitBonus }
]

/** Whether every string in `value` is well-formed UTF-16 (no lone surrogate). */
const wellFormed = (value: unknown): boolean =>
  typeof value === "string"
    ? value.isWellFormed()
    : typeof value === "object" && value !== null
    ? Object.values(value).every(wellFormed)
    : true

/**
 * Valid values of a schema, generated by `effect/Arbitrary` (which has no fast-check arbitraries of its own), as a
 * fast-check arbitrary: fast-check draws the seed and the size (0–10) of each sample, so its seed replays a run.
 * Effect 4 generates strings from all of UTF-16, lone surrogates included, which the client refuses before the schema
 * (they cannot be sent as UTF-8): a valid request has none (Effect 3's generator, fast-check's, made none).
 */
const fromSchema = <S extends Schema.Top>(schema: S): fc.Arbitrary<S["Type"]> => {
  const arbitrary = Arbitrary.schema(schema)
  return fc.tuple(fc.integer(), fc.integer({ min: 0, max: 10 })).map(([seed, size]) =>
    Effect.runSync(Arbitrary.sampleEffect(arbitrary, { count: 1, seed, size }))[0]!
  ).filter(wellFormed)
}

/** An endpoint as a JavaScript caller sees it. */
type Untyped = (request: unknown) => Effect.Effect<unknown, { readonly _tag: string }>

/** One way of breaking one field: where, how, and the broken value (or absence). */
interface Mutation {
  readonly path: ReadonlyArray<string>
  readonly kind: string
  readonly remove?: boolean
  readonly value?: unknown
}

const notString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 })
)
const notNumber = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer().map(String),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.bigInt()
)
const notBoolean = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("true", "false", 0, 1), fc.constant(null), fc.constant(undefined), fc.integer())
const notObject = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.integer(), { maxLength: 2 }))
const nonInteger = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).filter((x) => !Number.isInteger(x)),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, -0.1, 1e-300),
  // Integers beyond ±2^53 are not safe: refused as well.
  fc.integer({ min: 1, max: 1_000_000 }).map((k) => (k % 2 === 0 ? 1 : -1) * (2 ** 53 + 2 * k))
)

/** Strings of allowed characters around one that is not allowed, never longer than `max`. */
const withBadCharacter = (charset: RegExp, max: number) => {
  const allowed = fc.string({ unit: fc.constantFrom(..."abcXYZ019|_*-".split("").filter((c) => charset.test(c))), maxLength: Math.floor((max - 2) / 2) })
  const bad = fc.oneof(
    fc.constantFrom(" ", "/", "?", "#", "%", ".", "+", "=", "&", "\"", "\\", "\n", "\t", "\u0000", "中", "　", "é", "😀"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 })
  ).filter((c) => [...c].some((ch) => !charset.test(ch)))
  return fc.tuple(allowed, bad, allowed).map(([a, c, b]) => a + c + b)
}

const mutationsOf = (field: Field, prefix: ReadonlyArray<string> = []): ReadonlyArray<fc.Arbitrary<Mutation>> => {
  const path = [...prefix, field.name]
  // An optional field given as `undefined` is absent (a caller without exactOptionalPropertyTypes): valid, not a
  // mutation. A required one given as `undefined` is still missing.
  const set = (kind: string, value: fc.Arbitrary<unknown>) =>
    (field.required ? value : value.filter((v) => v !== undefined)).map((v): Mutation => ({ path, kind, value: v }))
  const out: Array<fc.Arbitrary<Mutation>> = []
  if (field.required) out.push(fc.constant({ path, kind: "missing", remove: true }))
  switch (field._tag) {
    case "String":
      out.push(set("wrong type", notString))
      if (field.max !== undefined) out.push(set(`longer than ${field.max}`, fc.string({ minLength: field.max + 1, maxLength: field.max + 64 })))
      if (field.nonEmpty === true) out.push(set("empty", fc.constant("")))
      if (field.charset !== undefined) out.push(set("bad character", withBadCharacter(field.charset, field.max ?? 32)))
      break
    case "Int":
      out.push(set("wrong type", notNumber), set("not an integer", nonInteger))
      if (field.positive === true) out.push(set("not positive", fc.integer({ min: -1_000_000_000, max: 0 })))
      if (field.nonNegative === true) out.push(set("negative", fc.integer({ min: -1_000_000_000, max: -1 })))
      break
    case "Boolean":
      out.push(set("wrong type", notBoolean))
      break
    case "Struct":
      out.push(set("not an object", notObject))
      for (const nested of field.fields) out.push(...mutationsOf(nested, path))
      break
  }
  return out
}

const apply = (subject: Subject, valid: Record<string, unknown>, mutation: Mutation): Record<string, unknown> => {
  const copy: Record<string, unknown> = { ...valid }
  const [head, nested] = mutation.path as [string, string | undefined]
  if (nested === undefined) {
    if (mutation.remove === true) delete copy[head]
    else copy[head] = mutation.value
    return copy
  }
  const struct = subject.fields.find((f) => f.name === head)
  const base = { ...(struct?._tag === "Struct" ? struct.empty : {}), ...(copy[head] as Record<string, unknown> | undefined) }
  if (mutation.remove === true) delete base[nested]
  else base[nested] = mutation.value
  copy[head] = base
  return copy
}

let invalidTried = 0
let validTried = 0
const kindsSeen = new Map<string, number>()

afterAll(() => {
  console.log(
    `property tests (seed ${SEED}): ${invalidTried} generated invalid requests (all refused before sending), ` +
      `${validTried} generated valid requests (all accepted by validation); ${invalidTried + validTried} in total`
  )
  console.log(`mutation kinds exercised: ${[...kindsSeen].map(([k, n]) => `${k} ×${n}`).join(", ")}`)
})

const TestLayer = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()), Layer.provideMerge(RetryPolicy.layerDisabled))

describe("reliability: generated bad input", () => {
  layer(TestLayer, { excludeTestServices: true })("in-process emulator", (it) => {
    for (const [index, subject] of subjects.entries()) {
      const mutations = fc.oneof(...subject.fields.flatMap((f) => mutationsOf(f)))
      const valid = fromSchema(subject.schema) as fc.Arbitrary<Record<string, unknown>>

      it.effect(`${subject.name}: ${INVALID_RUNS} invalid requests → RequestValidationError naming the field, nothing sent`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          const endpoint: Untyped = yield* subject.tag
          const sentBefore = emulator.requests()
          fc.assert(
            fc.property(valid, mutations, (request, mutation) => {
              invalidTried++
              kindsSeen.set(mutation.kind, (kindsSeen.get(mutation.kind) ?? 0) + 1)
              const exit = Effect.runSyncExit(endpoint(apply(subject, request, mutation)))
              expect(emulator.requests()).toBe(sentBefore)
              expect(Exit.isFailure(exit)).toBe(true)
              const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined
              expect(error?._tag).toBe("Some")
              const value = error?._tag === "Some" ? error.value : undefined
              expect(value).toBeInstanceOf(RequestValidationError)
              if (!(value instanceof RequestValidationError)) return
              expect(value.endpoint).toBe(`MemberCard.${subject.name}`)
              expect(value.issues.length).toBeGreaterThan(0)
              // Every issue is about the broken field, and nothing else.
              for (const issue of value.issues) {
                expect(issue.path.slice(0, mutation.path.length)).toEqual(mutation.path)
              }
              expect(value.message).toContain(mutation.path.join("."))
            }),
            { seed: SEED + index, numRuns: INVALID_RUNS }
          )
          expect(emulator.requests()).toBe(sentBefore)
        }), 60_000)

      it.effect(`${subject.name}: a request that is a string, number, boolean or array → RequestValidationError, nothing sent`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          const endpoint: Untyped = yield* subject.tag
          const sentBefore = emulator.requests()
          const notAnObject = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.array(valid, { maxLength: 2 }))
          fc.assert(
            fc.property(notAnObject, (request) => {
              invalidTried++
              const exit = Effect.runSyncExit(endpoint(request))
              const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined
              expect(error?._tag === "Some" ? error.value : undefined).toBeInstanceOf(RequestValidationError)
            }),
            { seed: SEED + index, numRuns: ROOT_RUNS }
          )
          expect(emulator.requests()).toBe(sentBefore)
        }))

      it.effect(`${subject.name}: ${VALID_RUNS} valid requests (Arbitrary.schema) pass validation and are sent exactly once`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          const endpoint: Untyped = yield* subject.tag
          emulator.putCard({ card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", code: "478515832665" })
          // Half of the requests target a card that exists, so the emulator's success paths are exercised too.
          const requests = fc.tuple(valid, fc.boolean()).map(([request, known]) =>
            known ? { ...request, card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", code: "478515832665" } : request
          )
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(requests, async (request) => {
                validTried++
                const before = emulator.requests()
                const exit = await Effect.runPromiseExit(endpoint(request))
                if (Exit.isFailure(exit)) {
                  // A typed failure from the emulator's business rules is fine; a validation error or a crash is not.
                  const failure = Cause.findErrorOption(exit.cause)
                  expect(failure._tag, Cause.pretty(exit.cause)).toBe("Some")
                  expect(failure._tag === "Some" ? failure.value._tag : "", Cause.pretty(exit.cause)).not.toBe("RequestValidationError")
                }
                expect(emulator.requests() - before).toBe(1)
              }),
              { seed: SEED + index, numRuns: VALID_RUNS }
            )
          )
        }), 60_000)
    }

    it.effect(`UpdateUserCard: ${FOCUSED_RUNS} out_request_no values with a character outside [A-Za-z0-9|_*-] → refused, nothing sent`, () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const endpoint = yield* MemberCard.UpdateUserCard
        const sentBefore = emulator.requests()
        const valid = fromSchema(MemberCard.UpdateUserCardRequest)
        fc.assert(
          fc.property(valid, withBadCharacter(/^[A-Za-z0-9|_*-]$/, 32), (request, out_request_no) => {
            invalidTried++
            kindsSeen.set("out_request_no bad character (focused)", (kindsSeen.get("out_request_no bad character (focused)") ?? 0) + 1)
            const error = Effect.runSync(Effect.flip(endpoint({ ...request, out_request_no })))
            expect(error._tag).toBe("RequestValidationError")
            expect(error._tag === "RequestValidationError" ? error.issues.map((i) => i.path) : []).toEqual([["out_request_no"]])
          }),
          { seed: SEED, numRuns: FOCUSED_RUNS }
        )
        expect(emulator.requests()).toBe(sentBefore)
      }))

    it.effect(`PrepareBonus / CommitBonus: ${FOCUSED_RUNS} non-integer, unsafe, zero or negative bonus_value → refused, nothing sent`, () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const prepare = yield* MemberCard.PrepareBonus
        const commit = yield* MemberCard.CommitBonus
        const sentBefore = emulator.requests()
        const valid = fromSchema(MemberCard.BonusRequest)
        const badBonus = fc.oneof(nonInteger, fc.integer({ min: -1_000_000_000, max: 0 }), fc.constantFrom(0, -0, -1))
        fc.assert(
          fc.property(valid, badBonus, fc.boolean(), (request, bonus_value, isCommit) => {
            invalidTried++
            kindsSeen.set("bad bonus_value (focused)", (kindsSeen.get("bad bonus_value (focused)") ?? 0) + 1)
            const error = Effect.runSync(Effect.flip((isCommit ? commit : prepare)({ ...request, bonus_value })))
            expect(error._tag).toBe("RequestValidationError")
            expect(error._tag === "RequestValidationError" ? error.issues.map((i) => i.path) : []).toEqual([["bonus_value"]])
          }),
          { seed: SEED, numRuns: FOCUSED_RUNS }
        )
        expect(emulator.requests()).toBe(sentBefore)
      }))

    it.effect("a value nested 100,000 deep in a request field → RequestValidationError (not a stack overflow), nothing sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const endpoint = (yield* MemberCard.SetUserCardRights) as unknown as Untyped
        const sentBefore = emulator.requests()
        const deep: unknown = JSON.parse("[".repeat(100_000) + "]".repeat(100_000))
        invalidTried++
        let outcome: string
        try {
          const exit = Effect.runSyncExit(endpoint({ card_id: "c", code: "1", out_request_no: "r1", guide: deep }))
          const failure = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined
          outcome = failure?._tag === "Some" ? failure.value._tag : Exit.isFailure(exit) ? `defect: ${Cause.pretty(exit.cause).slice(0, 120)}` : "success"
        } catch (e) {
          outcome = `threw ${String(e).slice(0, 120)}`
        }
        expect(outcome).toBe("RequestValidationError")
        expect(emulator.requests()).toBe(sentBefore)
      }))

    it.effect("null or undefined as the request → RequestValidationError on every endpoint (not a thrown TypeError)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const sentBefore = emulator.requests()
        const outcomes: Array<string> = []
        for (const subject of subjects) {
          const endpoint: Untyped = yield* subject.tag
          for (const request of [null, undefined]) {
            invalidTried++
            let outcome: string
            try {
              const exit = Effect.runSyncExit(endpoint(request))
              const failure = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined
              outcome = failure?._tag === "Some" ? failure.value._tag : Exit.isFailure(exit) ? "defect" : "success"
            } catch (e) {
              outcome = `threw ${String(e)}`
            }
            outcomes.push(`${subject.name}(${String(request)}): ${outcome}`)
          }
        }
        expect(outcomes).toEqual(subjects.flatMap((s) => [`${s.name}(null): RequestValidationError`, `${s.name}(undefined): RequestValidationError`]))
        expect(emulator.requests()).toBe(sentBefore)
      }))
  })
})
