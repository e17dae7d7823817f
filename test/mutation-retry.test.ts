/**
 * Retry timing on `TestClock` (in-process emulator, whose Delay fault sleeps on the same clock): what the loopback
 * tests in reliability-retry.test.ts used to bound with wall-clock measurements (`< 100 ms`, `< 250 ms`,
 * `< 1500 ms`), stated in virtual time, so a busy machine cannot break it.
 */
import { describe, expect, layer } from "@effect/vitest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/testing/TestClock"
import { MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { scenario } from "./support.js"

const InProcess = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()))

/** Let forked fibers run until the emulator has received `count` requests for `endpoint` (no clock movement). */
const untilRequests = (emulator: Emulator.EmulatorState, endpoint: Emulator.EndpointName, count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000 && emulator.requests(endpoint) < count; i++) yield* Effect.yieldNow
    expect(emulator.requests(endpoint)).toBe(count)
  })

/**
 * `TestClock.adjust`, after 15 ms of real time. Signatures are computed off the JS thread (node:crypto's thread pool):
 * Effect 3's TestClock waited in real time (polling 5 and 10 ms apart) for the test's fibers to suspend before it moved
 * the clock, which gave that work time to finish; Effect 4's moves at once, so an attempt still being signed would find
 * the clock already past the start of its backoff.
 */
const adjust = (duration: Duration.Input) =>
  Effect.andThen(TestClock.withLive(Effect.sleep("15 millis")), TestClock.adjust(duration))

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
        const fiber = yield* Effect.forkChild(run.pipe(
          Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.make({ baseDelay: "400 millis", maxDelay: "400 millis" }))
        ))
        yield* untilRequests(emulator, "UpdateUserCard", before + 1)
        // Now in its first backoff, which no clock movement will ever end.
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
      const fiber = yield* Effect.forkChild(Effect.flip(run.pipe(Effect.provideService(
        RetryPolicy.RetryPolicy,
        RetryPolicy.make({ maxRetries: 1000, baseDelay: "10 millis", maxDelay: "10 millis", maxElapsed: "150 millis" })
      ))))
      for (let i = 0; i < 100; i++) yield* adjust("5 millis")
      const error = yield* Fiber.join(fiber)
      emulator.clearFaults()
      expect(error._tag).toBe("SystemError")
      const attempts = emulator.requests("GetUserCard") - before
      // Delays of 8–12 ms (±20 % jitter) within 150 ms: at least 12 and at most 20 retries, plus the first attempt.
      expect(attempts).toBeGreaterThanOrEqual(13)
      expect(attempts).toBeLessThanOrEqual(21)
    }))

  it.effect("backoff: 100 ms, 200 ms, 400 ms (±20 %) between the default policy's four attempts", () =>
    Effect.gen(function*() {
      const { emulator, run } = yield* scenario("GetUserCard")
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" }, times: 10 })
      const before = emulator.requests("GetUserCard")
      const fiber = yield* Effect.forkChild(Effect.flip(run.pipe(Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.make()))))
      yield* untilRequests(emulator, "GetUserCard", before + 1)
      const seen: Array<number> = []
      for (let t = 0; t <= 1000; t += 10) {
        seen.push(emulator.requests("GetUserCard") - before)
        yield* adjust("10 millis")
      }
      const error = yield* Fiber.join(fiber)
      emulator.clearFaults()
      expect(error._tag).toBe("SystemError")
      const firstAt = (n: number) => seen.findIndex((count) => count >= n) * 10
      // Virtual time, observed every 10 ms (a signature is computed off-thread, so a request may show one step late).
      expect(firstAt(2)).toBeGreaterThanOrEqual(80)
      expect(firstAt(2)).toBeLessThanOrEqual(140)
      expect(firstAt(3) - firstAt(2)).toBeGreaterThanOrEqual(150)
      expect(firstAt(3) - firstAt(2)).toBeLessThanOrEqual(270)
      expect(firstAt(4) - firstAt(3)).toBeGreaterThanOrEqual(310)
      expect(firstAt(4) - firstAt(3)).toBeLessThanOrEqual(510)
      expect(seen.at(-1)).toBe(4)
    }))
})
