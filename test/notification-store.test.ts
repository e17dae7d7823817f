/**
 * The de-duplication store's claims have owners (0.6.0): a delivery whose lease ran out can neither free nor finish a
 * newer delivery's claim, and `httpApp` keeps a running handler's claim alive — or stops the handler before the lease
 * can lapse — so that one id is never handled by two runs at the same time. The review's sequence, the same through
 * httpApp on the test clock, and a property over any interleaving of claims, extensions, completions, releases and
 * clock moves.
 */
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as TestClock from "effect/testing/TestClock"
import fc from "fast-check"
import * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Verifier from "../src/Verifier.js"
import * as Emulator from "../src/testing/Emulator.js"

const ownerOf = (claim: NotificationStore.Claim): string => {
  if (claim._tag !== "Claimed") throw new Error(`expected Claimed, got ${claim._tag}`)
  return claim.owner
}

describe("a claim has an owner (in-memory store)", () => {
  it.effect("the review's sequence: A's late release does not free B's claim; C is refused while B runs", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore.makeMemory({ lease: "1 second" })
      const a = ownerOf(yield* store.claim("n")) // A at 0
      yield* TestClock.adjust(Duration.millis(1200)) // A's lease ran out while A still runs
      expect(yield* store.extend("n", a)).toEqual({ _tag: "Lost" })
      const b = ownerOf(yield* store.claim("n")) // B at 1.2 s
      expect(b).not.toBe(a)
      expect(yield* store.release("n", a)).toEqual({ _tag: "Lost" }) // A fails
      yield* TestClock.adjust(Duration.millis(400))
      expect((yield* store.claim("n"))._tag).toBe("InProgress") // C at 1.6 s, while B runs
      // A's success would not finish B's claim either; B's own does.
      expect(yield* store.complete("n", a)).toEqual({ _tag: "Lost" })
      expect((yield* store.claim("n"))._tag).toBe("InProgress")
      expect(yield* store.complete("n", b)).toEqual({ _tag: "Settled" })
      expect((yield* store.claim("n"))._tag).toBe("Done")
      expect(yield* store.release("n", b)).toEqual({ _tag: "Lost" })
      expect((yield* store.claim("n"))._tag).toBe("Done")
    }))

  it.effect("extend renews a live claim for one lease: at lease - 1 ms still held, at the lease free", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore.makeMemory({ lease: "1 second" })
      const a = ownerOf(yield* store.claim("n"))
      yield* TestClock.adjust(Duration.millis(999))
      expect(yield* store.extend("n", a)).toEqual({ _tag: "Extended", lease: Duration.seconds(1) })
      yield* TestClock.adjust(Duration.millis(999))
      expect((yield* store.claim("n"))._tag).toBe("InProgress")
      expect(yield* store.extend("n", "someone else")).toEqual({ _tag: "Lost" })
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* store.extend("n", a)).toEqual({ _tag: "Lost" }) // exactly at the expiry: over
      // Nobody claimed it since: A may still record its success (no other run exists).
      expect(yield* store.complete("n", a)).toEqual({ _tag: "Settled" })
      expect(yield* store.complete("n", a)).toEqual({ _tag: "Settled" }) // a retried complete is harmless
      expect(yield* store.extend("n", a)).toEqual({ _tag: "Lost" }) // done is not in progress
      expect((yield* store.claim("n"))._tag).toBe("Done")
      expect(yield* store.extend("other", a)).toEqual({ _tag: "Lost" })
      expect(yield* store.complete("other", a)).toEqual({ _tag: "Lost" })
      expect(yield* store.release("other", a)).toEqual({ _tag: "Lost" })
    }))

  it.effect("leases are timed monotonically: a wall-clock step of 10 minutes (NTP) neither frees nor keeps a claim", () =>
    Effect.gen(function*() {
      // Wall time (currentTimeMillis, currentTimeNanos) jumps by `step`; monotonic time (monotonicTimeNanos) moves by
      // `elapsed` only.
      let step = 0
      let elapsed = 0
      const wallMillis = () => 1_700_000_000_000 + step + elapsed
      const monotonicNanos = () => BigInt(5_000 + elapsed) * 1_000_000n
      const clock: Clock.Clock = {
        currentTimeMillisUnsafe: wallMillis,
        currentTimeMillis: Effect.sync(wallMillis),
        currentTimeNanosUnsafe: () => BigInt(wallMillis()) * 1_000_000n,
        currentTimeNanos: Effect.sync(() => BigInt(wallMillis()) * 1_000_000n),
        monotonicTimeNanosUnsafe: monotonicNanos,
        monotonicTimeNanos: Effect.sync(monotonicNanos),
        sleep: () => Effect.void
      }
      const withClock = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Clock.Clock, clock)
      const store = NotificationStore.unsafeMakeMemory({ lease: "1 minute" })
      const a = ownerOf(yield* withClock(store.claim("ntp")))
      step = 10 * 60_000
      expect((yield* withClock(store.claim("ntp")))._tag).toBe("InProgress")
      expect((yield* withClock(store.extend("ntp", a)))._tag).toBe("Extended")
      step = -10 * 60_000
      elapsed = 60_000
      expect((yield* withClock(store.claim("ntp")))._tag).toBe("Claimed")
    }))

  it.effect("sweepInterval: expired entries are swept no more often than it says; zero or infinite is refused", () =>
    Effect.gen(function*() {
      const store = NotificationStore.unsafeMakeMemory({ lease: "1 second", sweepInterval: "10 seconds" })
      yield* store.claim("a") // sweeps (the first claim), then holds "a" until 1 s
      yield* TestClock.adjust(Duration.millis(9_999))
      yield* store.claim("b")
      expect(yield* store.size).toBe(2) // "a" expired, not swept yet: 1 ms before the interval
      yield* TestClock.adjust(Duration.millis(1))
      yield* store.claim("c")
      expect(yield* store.size).toBe(2) // swept at the interval: "a" gone, "b" and "c" held
      for (const sweepInterval of [0, -1, Duration.infinity]) {
        expect(() => NotificationStore.unsafeMakeMemory({ sweepInterval })).toThrow(RangeError)
      }
    }))

  it("a duration that is not one is refused, naming the option", () => {
    for (const name of ["ttl", "lease", "sweepInterval"] as const) {
      for (const value of [0, -1, Duration.infinity, "soon" as never]) {
        expect(() => NotificationStore.unsafeMakeMemory({ [name]: value }), `${name}: ${String(value)}`)
          .toThrow(new RangeError(`${name} must be a finite, positive duration`))
      }
      expect(() => NotificationStore.unsafeMakeMemory({ [name]: 1 })).not.toThrow()
    }
  })

  it.effect("an entry is swept at the very instant it expires, not a millisecond later", () =>
    Effect.gen(function*() {
      const store = NotificationStore.unsafeMakeMemory({ lease: "1 second", sweepInterval: "1 millis" })
      yield* store.claim("a") // held until 1,000 ms
      yield* TestClock.adjust(Duration.millis(999))
      yield* store.claim("b")
      expect(yield* store.size).toBe(2)
      yield* TestClock.adjust(Duration.millis(1))
      yield* store.claim("c") // at 1,000 ms: "a" expires now, and is swept
      expect(yield* store.size).toBe(2)
    }))

  it.effect("a release by the owner of an expired claim nobody took since frees it; a stranger's never does", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore.makeMemory({ lease: "1 second" })
      const a = ownerOf(yield* store.claim("n"))
      expect(yield* store.release("n", "not-" + a)).toEqual({ _tag: "Lost" })
      expect((yield* store.claim("n"))._tag).toBe("InProgress")
      yield* TestClock.adjust(Duration.seconds(2))
      expect(yield* store.release("n", a)).toEqual({ _tag: "Settled" })
      expect(yield* store.size).toBe(0)
    }))
})

// ------------------------------------------------------------------------------------------------------------------
// Property: any interleaving of operations (one in-memory store, two ids, the test clock)
// ------------------------------------------------------------------------------------------------------------------

type Op =
  | { readonly op: "claim"; readonly id: number }
  | { readonly op: "extend" | "complete" | "release"; readonly run: number }
  | { readonly op: "wait"; readonly ms: number }
  /** Move the clock to a run's lease end (or its id's done end), one ms before, at, or one ms after it. */
  | { readonly op: "edge"; readonly run: number; readonly of: "lease" | "done"; readonly delta: -1 | 0 | 1 }

const ops: fc.Arbitrary<ReadonlyArray<Op>> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("claim" as const), id: fc.nat(1) }),
    fc.record({ op: fc.constantFrom("extend" as const, "complete" as const, "release" as const), run: fc.nat(20) }),
    fc.record({ op: fc.constant("wait" as const), ms: fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.constant(1000), fc.integer({ min: 4000, max: 70_000 })) }),
    fc.record({
      op: fc.constant("edge" as const),
      run: fc.nat(20),
      of: fc.constantFrom("lease" as const, "done" as const),
      delta: fc.constantFrom(-1 as const, 0 as const, 1 as const)
    })
  ),
  { maxLength: 60 }
)

interface Run {
  readonly id: string
  readonly owner: string
  /** Until when the store said this run's claim holds; a run stops (httpApp interrupts it) by then. */
  holds: number
  finished: boolean
}

const lease = 1000
const ttl = 5000

/** Replays `script`; throws on the first broken promise. */
const replay = (script: ReadonlyArray<Op>, sweepInterval: number) =>
  Effect.gen(function*() {
    const store = yield* NotificationStore.makeMemory({
      lease: Duration.millis(lease),
      ttl: Duration.millis(ttl),
      sweepInterval: Duration.millis(sweepInterval)
    })
    const runs: Array<Run> = []
    const doneUntil = new Map<string, number>()
    const live = (run: Run, now: number) => !run.finished && run.holds > now
    /** A claim of the same id made after `run`'s. */
    const superseded = (run: Run) => runs.slice(runs.indexOf(run) + 1).some((r) => r.id === run.id)
    for (const step of script) {
      const now = yield* Clock.currentTimeMillis
      if (step.op === "wait") {
        yield* TestClock.adjust(Duration.millis(step.ms))
        continue
      }
      if (step.op === "edge") {
        const run = runs[step.run % Math.max(1, runs.length)]
        const end = run === undefined ? undefined : step.of === "lease" ? run.holds : doneUntil.get(run.id)
        if (end !== undefined && end + step.delta > now) yield* TestClock.adjust(Duration.millis(end + step.delta - now))
        continue
      }
      if (step.op === "claim") {
        const id = `id-${step.id}`
        const claim = yield* store.claim(id)
        const done = (doneUntil.get(id) ?? -1) > now
        const running = runs.some((r) => r.id === id && live(r, now))
        if (done) expect(claim._tag).toBe("Done") // a done is never lost within the TTL
        else if (running) expect(claim._tag).toBe("InProgress") // never two live runs of one id
        else expect(claim._tag).toBe("Claimed") // and a free id is taken: neither refused forever nor stuck
        if (claim._tag === "Claimed") {
          expect(Duration.toMillis(claim.lease)).toBe(lease)
          expect(runs.some((r) => r.owner === claim.owner && r.id === id)).toBe(false)
          runs.push({ id, owner: claim.owner, holds: now + lease, finished: false })
        }
        continue
      }
      const run = runs[step.run % Math.max(1, runs.length)]
      if (run === undefined) continue
      const wasLive = live(run, now)
      const stale = superseded(run)
      if (step.op === "extend") {
        const extended = yield* store.extend(run.id, run.owner)
        // Only a live claim is extended: one whose lease ran out stays out (someone else may hold the id).
        expect(extended._tag).toBe(wasLive ? "Extended" : "Lost")
        if (extended._tag === "Extended") run.holds = now + Duration.toMillis(extended.lease)
      } else if (step.op === "complete") {
        const completed = yield* store.complete(run.id, run.owner)
        if (stale) expect(completed._tag).toBe("Lost") // never finishes a newer claim
        if (wasLive) expect(completed._tag).toBe("Settled")
        if (completed._tag === "Settled") doneUntil.set(run.id, now + ttl)
        run.finished = true
      } else {
        // A failed handler releases its claim.
        const released = yield* store.release(run.id, run.owner)
        if (stale || (doneUntil.get(run.id) ?? -1) > now) expect(released._tag).toBe("Lost")
        if (wasLive) expect(released._tag).toBe("Settled")
        run.finished = true
      }
    }
  })

describe("property: no interleaving gives two live runs of one id or loses a done", () => {
  it("claims, extensions, completions, releases (failures) and clock moves in any order", async () => {
    await fc.assert(
      fc.asyncProperty(
        ops,
        fc.constantFrom(1, 250, 1000, 60_000),
        (script, sweepInterval) =>
          Effect.runPromise(replay(script, sweepInterval).pipe(Effect.provide(TestClock.layer())))
      ),
      {
        numRuns: 300,
        // Each expiry edge at least once: a lease and a done one ms before, at and after their end, swept or not.
        examples: ([-1, 0, 1] as const).flatMap((delta) =>
          (["lease", "done"] as const).flatMap((of) =>
            [1, 60_000].map((sweepInterval): [ReadonlyArray<Op>, number] => [[
              { op: "claim", id: 0 },
              ...(of === "done" ? [{ op: "complete", run: 0 } as const] : []),
              { op: "claim", id: 1 },
              { op: "edge", run: 0, of, delta },
              { op: "claim", id: 1 },
              { op: "claim", id: 0 }
            ], sweepInterval])
          )
        ).concat([1, 60_000].flatMap((sweepInterval): Array<[ReadonlyArray<Op>, number]> => [
          // A stale owner's release after the id was claimed anew must change nothing (the newer claim stays held).
          [[
            { op: "claim", id: 0 },
            { op: "edge", run: 0, of: "lease", delta: 1 },
            { op: "claim", id: 0 },
            { op: "release", run: 0 },
            { op: "claim", id: 0 }
          ], sweepInterval],
          // An extension moves the lease: past the first lease's end, within the extended one, the id is still held.
          [[
            { op: "claim", id: 0 },
            { op: "wait", ms: 600 },
            { op: "extend", run: 0 },
            { op: "wait", ms: 600 },
            { op: "claim", id: 0 }
          ], sweepInterval]
        ]))
      }
    )
  })
})

// ------------------------------------------------------------------------------------------------------------------
// httpApp keeps the claim alive while the handler runs (test clock)
// ------------------------------------------------------------------------------------------------------------------

const logs: Array<string> = []
const CapturingLogger = Logger.make((options) => void logs.push(Logger.formatLogFmt.log(options)))

const setUp = Effect.gen(function*() {
  const emulator = yield* Emulator.make()
  emulator.putTemplate({ card_id: "pLeaseCard000001" })
  emulator.openActivationPage({ card_id: "pLeaseCard000001" })
  const id = emulator.notifications()[0]!.id
  const notifications = Notification.layer({ apiV3Key: emulator.apiV3Key }).pipe(
    Layer.provide(Verifier.layer({ publicKeys: emulator.wechatpayPublicKeys })),
    Layer.orDie
  )
  const deliver = <E, R>(app: Effect.Effect<import("effect/http/HttpServerResponse").HttpServerResponse, E, R>) =>
    Effect.gen(function*() {
      const { body, headers } = yield* emulator.notificationRequest(id)
      const request = HttpServerRequest.fromWeb(new Request("http://127.0.0.1/notify", { method: "POST", headers, body }))
      return (yield* app.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request))).status
    })
  return { id, notifications, deliver }
})

/** A handler that counts its runs, records when each started and ended, and waits for `gate`. `started` is done when
 * the first run has begun (the request's parsing is not driven by the test clock: await it before moving the clock). */
const recordingHandler = (gate: Deferred.Deferred<void>) => {
  const runs: Array<{ start: number; end?: number; interrupted?: boolean }> = []
  const started = Deferred.makeUnsafe<void>()
  const handle = () =>
    Effect.gen(function*() {
      const run: { start: number; end?: number; interrupted?: boolean } = { start: yield* Clock.currentTimeMillis }
      runs.push(run)
      yield* Deferred.succeed(started, undefined)
      yield* Deferred.await(gate).pipe(
        Effect.onInterrupt(() => Effect.map(Clock.currentTimeMillis, (t) => void Object.assign(run, { end: t, interrupted: true })))
      )
      run.end = yield* Clock.currentTimeMillis
    })
  return { runs, handle, started: Deferred.await(started) }
}

describe("httpApp keeps a running handler's claim alive, or stops the handler in time", () => {
  it.effect("a handler stuck past the lease: a copy at 1.2 s gets 503, the handler runs once, then done", () =>
    Effect.gen(function*() {
      const { deliver, notifications } = yield* setUp
      const store = NotificationStore.unsafeMakeMemory({ lease: "1 second" })
      const gate = yield* Deferred.make<void>()
      const { handle, runs, started } = recordingHandler(gate)
      const app = Notification.httpApp(handle).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store)
      )
      const first = yield* Effect.forkChild(deliver(app))
      yield* started
      yield* TestClock.adjust(Duration.millis(1200))
      expect(yield* deliver(app)).toBe(503)
      yield* TestClock.adjust(Duration.seconds(10)) // far past the lease: still extended
      expect(yield* deliver(app)).toBe(503)
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toBe(204)
      expect(yield* deliver(app)).toBe(204)
      expect(runs).toHaveLength(1)
      expect(runs[0]!.interrupted).toBeUndefined()
    }))

  it.effect("the store answers Lost to an extension: the handler is interrupted at once, 500, and never overlaps", () =>
    Effect.gen(function*() {
      const { deliver, id, notifications } = yield* setUp
      logs.length = 0
      const memory = NotificationStore.unsafeMakeMemory({ lease: "900 millis" })
      const store: NotificationStore.Service = { ...memory, extend: () => Effect.succeed({ _tag: "Lost" }) }
      const gate = yield* Deferred.make<void>()
      const { handle, runs, started } = recordingHandler(gate)
      const app = Notification.httpApp(handle).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store),
        Effect.provide(Logger.layer([CapturingLogger]))
      )
      const first = yield* Effect.forkChild(deliver(app))
      yield* started
      yield* TestClock.adjust(Duration.millis(299))
      expect(runs[0]!.end).toBeUndefined()
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* Fiber.join(first)).toBe(500)
      expect(runs[0]).toEqual({ start: 0, end: 300, interrupted: true }) // a third of the lease: the first extension
      expect(logs.some((l) => l.includes(`notification.id=${id}`) && l.includes("reason=LeaseLost"))).toBe(true)
      // Its own claim was released: the redelivery runs it.
      yield* Deferred.succeed(gate, undefined)
      expect(yield* deliver(app)).toBe(204)
      expect(runs).toHaveLength(2)
    }))

  it.effect("an extension that never answers: the handler is stopped at two thirds of the lease, before it lapses", () =>
    Effect.gen(function*() {
      const { deliver, notifications } = yield* setUp
      const memory = NotificationStore.unsafeMakeMemory({ lease: "900 millis" })
      const store: NotificationStore.Service = { ...memory, extend: () => Effect.never }
      const gate = yield* Deferred.make<void>()
      const { handle, runs, started } = recordingHandler(gate)
      const app = Notification.httpApp(handle).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store)
      )
      const first = yield* Effect.forkChild(deliver(app))
      yield* started
      yield* TestClock.adjust(Duration.millis(599))
      expect(runs[0]!.end).toBeUndefined()
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* Fiber.join(first)).toBe(500)
      expect(runs[0]).toEqual({ start: 0, end: 600, interrupted: true })
    }))

  it.effect("an extension that fails is asked again until the deadline; one that then answers keeps the run going", () =>
    Effect.gen(function*() {
      const { deliver, notifications } = yield* setUp
      const memory = NotificationStore.unsafeMakeMemory({ lease: "1 second" })
      const asked: Array<number> = []
      const store: NotificationStore.Service = {
        ...memory,
        extend: (id, owner) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            asked.push(now)
            return asked.length <= 2
              ? Effect.fail(new NotificationStore.NotificationStoreError({ operation: "extend", id, message: "timeout" }))
              : asked.length === 3
              ? Effect.die("connection reset")
              : memory.extend(id, owner)
          })
      }
      const gate = yield* Deferred.make<void>()
      const { handle, runs, started } = recordingHandler(gate)
      const app = Notification.httpApp(handle).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store)
      )
      const first = yield* Effect.forkChild(deliver(app))
      yield* started
      yield* TestClock.adjust(Duration.millis(1500))
      // At a third of the lease, then every tenth of it until one answers.
      expect(asked.slice(0, 4)).toEqual([333, 433, 533, 633])
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toBe(204)
      expect(runs).toEqual([{ start: 0, end: 1500 }])
    }))

  it.effect("the claim and the extension go through the store with the same owner; done with it", () =>
    Effect.gen(function*() {
      const { deliver, id, notifications } = yield* setUp
      const memory = NotificationStore.unsafeMakeMemory({ lease: "3 seconds" })
      const calls: Array<string> = []
      const store: NotificationStore.Service = {
        claim: (i) =>
          Effect.tap(memory.claim(i), (c) => Effect.sync(() => void calls.push(`claim ${c._tag === "Claimed" ? c.owner : c._tag}`))),
        extend: (i, owner) => Effect.tap(memory.extend(i, owner), (r) => Effect.sync(() => void calls.push(`extend ${owner} ${r._tag}`))),
        complete: (i, owner) =>
          Effect.tap(memory.complete(i, owner), (r) => Effect.sync(() => void calls.push(`complete ${owner} ${r._tag}`))),
        release: (i, owner) =>
          Effect.tap(memory.release(i, owner), (r) => Effect.sync(() => void calls.push(`release ${owner} ${r._tag}`)))
      }
      const gate = yield* Deferred.make<void>()
      const { handle, started } = recordingHandler(gate)
      const app = Notification.httpApp(handle).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store)
      )
      const first = yield* Effect.forkChild(deliver(app))
      yield* started
      yield* TestClock.adjust(Duration.millis(2500))
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toBe(204)
      expect(calls).toEqual(["claim 1", "extend 1 Extended", "extend 1 Extended", "complete 1 Settled"])
      expect((yield* memory.claim(id))._tag).toBe("Done")
    }))

  it.effect("a store whose claims never expire (an infinite lease) is never asked to extend", () =>
    Effect.gen(function*() {
      const { deliver, notifications } = yield* setUp
      const memory = NotificationStore.unsafeMakeMemory()
      let extensions = 0
      const store: NotificationStore.Service = {
        ...memory,
        claim: (i) => Effect.map(memory.claim(i), (c) => c._tag === "Claimed" ? { ...c, lease: Duration.infinity } : c),
        extend: () => Effect.sync(() => ++extensions).pipe(Effect.as({ _tag: "Lost" as const }))
      }
      const gate = yield* Deferred.make<void>()
      const { handle, runs, started } = recordingHandler(gate)
      const app = Notification.httpApp(handle).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store)
      )
      const first = yield* Effect.forkChild(deliver(app))
      yield* started
      yield* TestClock.adjust(Duration.hours(1))
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toBe(204)
      expect(extensions).toBe(0)
      expect(runs).toEqual([{ start: 0, end: 3_600_000 }])
    }))

  it.effect("a complete that finds the claim lost still answers 204 (the handler ran) and says so in the log", () =>
    Effect.gen(function*() {
      const { deliver, id, notifications } = yield* setUp
      logs.length = 0
      const memory = NotificationStore.unsafeMakeMemory()
      const store: NotificationStore.Service = { ...memory, complete: () => Effect.succeed({ _tag: "Lost" }) }
      const app = Notification.httpApp(() => Effect.void).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store),
        Effect.provide(Logger.layer([CapturingLogger]))
      )
      // A claim recorded as done says nothing.
      const quiet = Notification.httpApp(() => Effect.void).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, NotificationStore.unsafeMakeMemory()),
        Effect.provide(Logger.layer([CapturingLogger]))
      )
      expect(yield* deliver(quiet)).toBe(204)
      expect(logs).toEqual([])
      expect(yield* deliver(app)).toBe(204)
      expect(logs.some((l) => l.includes(`notification.id=${id}`) && l.includes("reason=ClaimLost"))).toBe(true)
    }))
})

// ------------------------------------------------------------------------------------------------------------------
// The id is freed only once the handler has stopped (review 0.6: outer interruption, a keeper that gave up)
// ------------------------------------------------------------------------------------------------------------------

/** Counts the live runs of a handler: `max` above 1 is two runs of one id at the same time. `started` is done when the
 * first run has begun (the request's parsing is not driven by the test clock). */
const liveRuns = () => {
  const live = { n: 0, max: 0, runs: 0 }
  const started = Effect.runSync(Deferred.make<void>())
  const enter = Effect.andThen(
    Effect.sync(() => {
      live.n++
      live.runs++
      live.max = Math.max(live.max, live.n)
    }),
    Deferred.succeed(started, undefined)
  )
  const leave = Effect.sync(() => void live.n--)
  /** The first run does `first`; later runs end at once. */
  const handler = (first: Effect.Effect<void>, release: Effect.Effect<void> = Effect.void) => () =>
    Effect.acquireUseRelease(
      enter,
      () => live.runs === 1 ? first : Effect.void,
      () => live.runs === 1 ? Effect.andThen(release, leave) : leave
    )
  return { live, started: Deferred.await(started), handler }
}

/** A first run slow to stop: `uninterruptible` works `millis` uninterruptibly; `finalizer` waits until
 * interrupted, then takes `millis` to clean up (a ROLLBACK). */
const slowToStop = (kind: "uninterruptible" | "finalizer", counter: ReturnType<typeof liveRuns>, millis: number) =>
  kind === "uninterruptible"
    ? counter.handler(Effect.uninterruptible(Effect.sleep(Duration.millis(millis))))
    : counter.handler(Effect.never, Effect.sleep(Duration.millis(millis)))

describe("the id is freed only once the handler has stopped", () => {
  for (const kind of ["uninterruptible", "finalizer"] as const) {
    it.effect(`interrupted from outside (client gone), handler slow to stop (${kind}): the redelivery gets 503`, () =>
      Effect.gen(function*() {
        const { deliver, notifications } = yield* setUp
        const store = NotificationStore.unsafeMakeMemory()
        const counter = liveRuns()
        const app = Notification.httpApp(slowToStop(kind, counter, 500)).pipe(
          Effect.provide(notifications),
          Effect.provideService(NotificationStore.NotificationStore, store)
        )
        const first = yield* Effect.forkChild(deliver(app))
        yield* counter.started
        // @effect/platform-node interrupts the app's fiber when the response closes.
        yield* Effect.forkChild(Fiber.interrupt(first))
        yield* TestClock.adjust(Duration.millis(20))
        expect(yield* deliver(app)).toBe(503)
        expect(counter.live.max).toBe(1)
        yield* TestClock.adjust(Duration.millis(479))
        expect(yield* deliver(app)).toBe(503) // 1 ms before the handler stops
        yield* TestClock.adjust(Duration.millis(1))
        expect(Exit.hasInterrupts(yield* Fiber.await(first))).toBe(true)
        expect(counter.live.n).toBe(0)
        // Stopped (its exit is an interruption): released, so the next delivery runs it.
        expect(yield* deliver(app)).toBe(204)
        expect(counter.live.runs).toBe(2)
        expect(counter.live.max).toBe(1)
      }))

    it.live(`live clock, default lease: interrupted 20 ms before the redelivery, handler ${kind}: never two runs`, () =>
      Effect.gen(function*() {
        const { deliver, notifications } = yield* setUp
        const store = NotificationStore.unsafeMakeMemory()
        const counter = liveRuns()
        // Slow to stop for 3 s on the real clock: the redelivery must come while it still runs, even on a loaded machine.
        const app = Notification.httpApp(slowToStop(kind, counter, 3000)).pipe(
          Effect.provide(notifications),
          Effect.provideService(NotificationStore.NotificationStore, store)
        )
        const first = yield* Effect.forkChild(deliver(app))
        yield* counter.started
        yield* Effect.forkChild(Fiber.interrupt(first))
        yield* Effect.sleep("20 millis")
        expect(yield* deliver(app)).toBe(503)
        yield* Fiber.await(first)
        expect(counter.live.max).toBe(1)
      }))
  }

  it.effect("an extension that hangs (a dropped connection), handler uninterruptible: the next one keeps the id held", () =>
    Effect.gen(function*() {
      const { deliver, notifications } = yield* setUp
      const memory = NotificationStore.unsafeMakeMemory({ lease: "900 millis" })
      let asked = 0
      const store: NotificationStore.Service = {
        ...memory,
        extend: (id, owner) => ++asked === 1 ? Effect.never : memory.extend(id, owner)
      }
      const counter = liveRuns()
      const app = Notification.httpApp(counter.handler(Effect.uninterruptible(Effect.sleep("2 seconds")))).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store)
      )
      const first = yield* Effect.forkChild(deliver(app))
      yield* counter.started
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* deliver(app)).toBe(503) // the review's redelivery at 1 s
      yield* TestClock.adjust(Duration.millis(500))
      expect(yield* deliver(app)).toBe(503)
      yield* TestClock.adjust(Duration.millis(500))
      // Asked to stop at 600 ms, it stopped at 2 s (interrupted): 500, released only then; the next delivery runs it.
      expect(yield* Fiber.join(first)).toBe(500)
      expect(yield* deliver(app)).toBe(204)
      expect(counter.live).toEqual({ n: 0, max: 1, runs: 2 })
    }))

  it.effect("a slow store (extensions applied, answered 700 ms late), handler uninterruptible: never two live runs", () =>
    Effect.gen(function*() {
      const { deliver, notifications } = yield* setUp
      const memory = NotificationStore.unsafeMakeMemory({ lease: "900 millis" })
      const store: NotificationStore.Service = {
        ...memory,
        extend: (id, owner) => Effect.tap(memory.extend(id, owner), Effect.sleep("700 millis"))
      }
      const counter = liveRuns()
      const app = Notification.httpApp(counter.handler(Effect.uninterruptible(Effect.sleep("2 seconds")))).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store)
      )
      const first = yield* Effect.forkChild(deliver(app))
      yield* counter.started
      for (let t = 100; t < 2000; t += 100) {
        yield* TestClock.adjust(Duration.millis(100))
        expect(yield* deliver(app)).toBe(503)
      }
      yield* TestClock.adjust(Duration.millis(100))
      yield* Fiber.await(first)
      expect(counter.live).toEqual({ n: 0, max: 1, runs: 1 })
    }))

  it.effect("a store that answers Lost while an uninterruptible handler runs: logged as an error (overlap possible)", () =>
    Effect.gen(function*() {
      const { deliver, id, notifications } = yield* setUp
      logs.length = 0
      const memory = NotificationStore.unsafeMakeMemory({ lease: "900 millis" })
      const store: NotificationStore.Service = { ...memory, extend: () => Effect.succeed({ _tag: "Lost" }) }
      const counter = liveRuns()
      const app = Notification.httpApp(counter.handler(Effect.uninterruptible(Effect.sleep("1 second")))).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store),
        Effect.provide(Logger.layer([CapturingLogger]))
      )
      const first = yield* Effect.forkChild(deliver(app))
      yield* counter.started
      yield* TestClock.adjust(Duration.seconds(2))
      yield* Fiber.await(first)
      expect(logs.some((l) => l.includes("level=ERROR") && l.includes(`notification.id=${id}`) && l.includes("reason=ClaimLost")))
        .toBe(true)
    }))
})
