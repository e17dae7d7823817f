/**
 * The emulator's test layers on `TestClock`: they output `RetryPolicy.immediate()`, so a fault that makes the client
 * retry completes under `it.effect` without moving the clock; a policy provided to the layer or to the program wins.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/testing/TestClock"
import { MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"

const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"

const dropAfterApply = (out_request_no: string) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const card = emulator.putCard({ card_id, code: "478515832665", bonus_value: 100 })
    emulator.inject({ endpoint: "SetUserCardRights", fault: { _tag: "DropAfterApply" } })
    const result = yield* Effect.result(
      MemberCard.setUserCardRights({ card_id, code: card.code, out_request_no, add_bonus_value: 30 })
    )
    return { emulator, card, result }
  })

describe("emulator test layers on TestClock", () => {
  it.effect("layerInProcess: DropAfterApply is retried without sleeping; applied once, points credited once", () =>
    Effect.gen(function*() {
      const { card, emulator, result } = yield* dropAfterApply("layers-1")
      expect(result._tag).toBe("Success")
      expect(emulator.applied("layers-1")).toBe(1)
      expect(emulator.requests("SetUserCardRights")).toBe(2)
      expect(emulator.card(card_id, card.code)!.bonus_value).toBe(130)
    }).pipe(Effect.provide(MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess())))))

  it.effect("a policy provided to the layer (provideMerge after it) is kept: layerDisabled means one request", () =>
    Effect.gen(function*() {
      const { emulator, result } = yield* dropAfterApply("layers-2")
      expect(result._tag === "Failure" ? result.failure._tag : result._tag).toBe("TransportError")
      expect(emulator.requests("SetUserCardRights")).toBe(1)
      expect(emulator.applied("layers-2")).toBe(1)
    }).pipe(
      Effect.provide(
        MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()), Layer.provideMerge(RetryPolicy.layerDisabled))
      )
    ))

  it.effect("a policy provided closer to the program wins: RetryPolicy.layer() sleeps on the TestClock again", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(dropAfterApply("layers-3").pipe(Effect.provide(RetryPolicy.layer())))
      // The first attempt is answered (and applied) as soon as its signature is made (on the thread pool, in real
      // time: wait for it without moving the clock); the retry then waits for the clock.
      const emulator = yield* Emulator.Emulator
      for (let i = 0; i < 1000 && emulator.requests("SetUserCardRights") === 0; i++) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      }
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      expect(emulator.requests("SetUserCardRights")).toBe(1)
      yield* TestClock.adjust("1 second")
      const { result } = yield* Fiber.join(fiber)
      expect(result._tag).toBe("Success")
      expect(emulator.requests("SetUserCardRights")).toBe(2)
      expect(emulator.applied("layers-3")).toBe(1)
    }).pipe(Effect.provide(MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess())))))

  // Over real sockets the emulator runs on the wall clock: set the TestClock to it so requests are in time.
  for (const [name, loopback] of [["layerLoopback", Emulator.layerLoopback], ["layerLoopbackNode", Emulator.layerLoopbackNode]] as const) {
    it.effect(`${name}: DropAfterApply is retried without sleeping, applied once`, () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(Date.now())
        const { card, emulator, result } = yield* dropAfterApply(`layers-${name}`)
        expect(result._tag).toBe("Success")
        expect(emulator.requests("SetUserCardRights")).toBe(2)
        expect(emulator.applied(`layers-${name}`)).toBe(1)
        expect(emulator.card(card_id, card.code)!.bonus_value).toBe(130)
      }).pipe(Effect.provide(MemberCard.layer.pipe(Layer.provideMerge(loopback())))))
  }
})
