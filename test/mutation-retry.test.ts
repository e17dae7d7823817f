/**
 * Retry timing on `TestClock` (in-process emulator, whose Delay fault sleeps on the same clock): what the loopback
 * tests in reliability-retry.test.ts used to bound with wall-clock measurements (`< 100 ms`, `< 250 ms`,
 * `< 1500 ms`), stated in virtual time, so a busy machine cannot break it.
 */
import { describe, expect, layer } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/testing/TestClock"
import { MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { scenario, untilBackingOff, watchedClock } from "./support.js"

const InProcess = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()))

/**
 * Wait, the test clock unmoved, until the emulator has received `count` requests for `endpoint`: up to 10 s of real
 * time, as each is signed off the JS thread.
 */
const untilRequests = (emulator: Emulator.EmulatorState, endpoint: Emulator.EndpointName, count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000 && emulator.requests(endpoint) < count; i++) yield* TestClock.withLive(Effect.sleep("1 millis"))
    expect(emulator.requests(endpoint)).toBe(count)
  })

layer(InProcess)("retry timing on TestClock", (it) => {
  describe("interruption needs no time at all", () => {
    it.effect("interrupting a call whose attempt is in flight returns with the clock unmoved; no further request ever", () =>
      Effect.gen(function*() {
        const { emulator, run } = yield* scenario("GetUserCard")
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Delay", millis: 1000 }, times: 10 })
        const before = emulator.requests("GetUserCard")
        const fiber = yield* Effect.forkChild(run)
        yield* untilRequests(emulator, "GetUserCard", before + 1)
        yield* Fiber.interrupt(fiber)
        const exit = yield* Fiber.await(fiber)
        expect(Exit.hasInterrupts(exit)).toBe(true)
        yield* TestClock.adjust("1 minute")
        expect(emulator.requests("GetUserCard")).toBe(before + 1)
        emulator.clearFaults()
      }))

    it.effect("interrupting a call during its backoff returns with the clock unmoved; no further request, nothing applied", () =>
      Effect.gen(function*() {
        const { applied, emulator, run } = yield* scenario("UpdateUserCard")
        emulator.inject({ endpoint: "UpdateUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" }, times: 10 })
        const before = emulator.requests("UpdateUserCard")
        const { backingOff, clock } = yield* watchedClock
        const fiber = yield* Effect.forkChild(run.pipe(
          Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.make({ baseDelay: "400 millis", maxDelay: "400 millis" })),
          Effect.provideService(Clock.Clock, clock)
        ))
        yield* untilBackingOff(backingOff, () => fiber.pollUnsafe() !== undefined)
        // Now in its first backoff (320–480 ms), which 100 ms of clock movement does not end.
        expect(backingOff()).toBe(true)
        yield* TestClock.adjust("100 millis")
        expect(emulator.requests("UpdateUserCard")).toBe(before + 1)
        yield* Fiber.interrupt(fiber)
        const exit = yield* Fiber.await(fiber)
        expect(Exit.hasInterrupts(exit)).toBe(true)
        yield* TestClock.adjust("1 minute")
        expect(emulator.requests("UpdateUserCard")).toBe(before + 1)
        expect(applied()).toBe(0)
        emulator.clearFaults()
      }))
  })

  it.effect("maxElapsed bounds the retries in time, whatever maxRetries says (10 ms apart, 150 ms: about 15 attempts)", () =>
    Effect.gen(function*() {
      const { emulator, run } = yield* scenario("GetUserCard")
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" }, times: 10_000 })
      const before = emulator.requests("GetUserCard")
      const { backingOff, clock } = yield* watchedClock
      const fiber = yield* Effect.forkChild(Effect.flip(run.pipe(
        Effect.provideService(
          RetryPolicy.RetryPolicy,
          RetryPolicy.make({ maxRetries: 1000, baseDelay: "10 millis", maxDelay: "10 millis", maxElapsed: "150 millis" })
        ),
        Effect.provideService(Clock.Clock, clock)
      )))
      // The clock moves 1 ms at a time, and only while the call is in a backoff: an attempt takes no virtual time,
      // however long the machine takes to sign and verify it.
      let moved = 0
      while (fiber.pollUnsafe() === undefined) {
        yield* untilBackingOff(backingOff, () => fiber.pollUnsafe() !== undefined)
        if (fiber.pollUnsafe() !== undefined) break
        yield* TestClock.adjust("1 millis")
        moved++
      }
      const error = yield* Fiber.join(fiber)
      emulator.clearFaults()
      expect(error._tag).toBe("SystemError")
      const attempts = emulator.requests("GetUserCard") - before
      // Delays of 8–12 ms (±20 % jitter) until 150 ms have passed: at least 12 and at most 19 retries, plus the first
      // attempt; the last retry starts at most 150 ms after the first failure, its delay no longer than 12 ms.
      expect(attempts).toBeGreaterThanOrEqual(13)
      expect(attempts).toBeLessThanOrEqual(20)
      expect(moved).toBeGreaterThanOrEqual(140)
      expect(moved).toBeLessThanOrEqual(162)
    }))

  it.effect("backoff: 100 ms, 200 ms, 400 ms (±20 %) between the default policy's four attempts", () =>
    Effect.gen(function*() {
      const { emulator, run } = yield* scenario("GetUserCard")
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" }, times: 10 })
      const before = emulator.requests("GetUserCard")
      const { backingOff, clock } = yield* watchedClock
      const fiber = yield* Effect.forkChild(Effect.flip(run.pipe(
        Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.make()),
        Effect.provideService(Clock.Clock, clock)
      )))
      const done = () => fiber.pollUnsafe() !== undefined
      const seen: Array<number> = []
      for (let t = 0; t <= 1000; t += 10) {
        yield* untilBackingOff(backingOff, done)
        seen.push(emulator.requests("GetUserCard") - before)
        yield* TestClock.adjust("10 millis")
      }
      const error = yield* Fiber.join(fiber)
      emulator.clearFaults()
      expect(error._tag).toBe("SystemError")
      const firstAt = (n: number) => seen.findIndex((count) => count >= n) * 10
      // Virtual time, observed every 10 ms, the clock moving only while the call backs off.
      expect(firstAt(2)).toBeGreaterThanOrEqual(80)
      expect(firstAt(2)).toBeLessThanOrEqual(120)
      expect(firstAt(3) - firstAt(2)).toBeGreaterThanOrEqual(160)
      expect(firstAt(3) - firstAt(2)).toBeLessThanOrEqual(240)
      expect(firstAt(4) - firstAt(3)).toBeGreaterThanOrEqual(320)
      expect(firstAt(4) - firstAt(3)).toBeLessThanOrEqual(480)
      expect(seen.at(-1)).toBe(4)
    }))
})
