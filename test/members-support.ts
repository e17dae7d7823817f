/** Checks shared by test/members.test.ts and test/activation.test.ts (not a test file). */
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { MemberCard, type WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"

/** What the calls under test need. */
export type Services = MemberCard.Services | Emulator.Emulator

/** Every member-card endpoint on the emulator over real loopback HTTP (node:http transport). */
export const Loopback = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerLoopbackNode()))

/** The call is validated, sent exactly once and answered with success. */
export const accepted = <A, E>(call: Effect.Effect<A, E, Services>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const before = emulator.requests()
    const result = yield* Effect.either(call)
    expect(result._tag, JSON.stringify(result)).toBe("Right")
    expect(emulator.requests() - before).toBe(1)
  })

/** The call fails with RequestValidationError naming `field`, and nothing is sent. */
export const refused = <A, E>(call: Effect.Effect<A, E, Services>, field: string) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const before = emulator.requests()
    const error = yield* Effect.flip(call)
    expect(error).toMatchObject({ _tag: "RequestValidationError" })
    expect((error as WechatPayError.RequestValidationError).fields).toContain(field)
    expect(emulator.requests()).toBe(before)
  })

/** The call fails with WeChat's INVALID_REQUEST and this message. */
export const invalid = <A, E>(call: Effect.Effect<A, E, Services>, message: string) =>
  Effect.map(Effect.flip(call), (error) => expect(error).toMatchObject({ _tag: "InvalidRequest", message }))

/** The characters (code points) of each value: the first test of each suite checks its hand-written values. */
export const lengths = (...values: ReadonlyArray<string>): ReadonlyArray<number> => values.map((s) => [...s].length)
