/**
 * Nothing lost: a notification whose handling was interrupted by a failure of the store (or a crash between claim and
 * answer) is handled on a later delivery, because a claim is a lease; a store that dies answers 500 without running the
 * handler; and the handler's span never ends with the handler's error (it may hold the openid).
 *
 * The app runs in-process on the test's clock (`HttpServerRequest.fromWeb`), with deliveries signed and sealed by the
 * emulator at that clock's time.
 */
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/testing/TestClock"
import * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Verifier from "../src/Verifier.js"
import * as Emulator from "../src/testing/Emulator.js"
import { recordingTracer } from "./support.js"

/** An emulator with one ACCEPT_CARD notification, and the layers that parse what it sends. */
const setUp = Effect.gen(function*() {
  const emulator = yield* Emulator.make()
  emulator.putTemplate({ card_id: "pRecoveryCard0001" })
  const page = emulator.openActivationPage({ card_id: "pRecoveryCard0001" })
  const id = emulator.notifications()[0]!.id
  const notifications = Notification.layer({ apiV3Key: emulator.apiV3Key }).pipe(
    Layer.provide(Verifier.layer({ publicKeys: emulator.wechatpayPublicKeys }))
  )
  /** One delivery, signed now (the test clock), through the app; its status. */
  const deliver = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.gen(function*() {
      const { body, headers } = yield* emulator.notificationRequest(id)
      const request = HttpServerRequest.fromWeb(
        new Request("http://127.0.0.1/wechatpay/notify", { method: "POST", headers, body })
      )
      const response = yield* app.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request))
      return response.status
    })
  return { emulator, page, id, notifications, deliver }
})

describe("a claim is a lease (NotificationStore in memory)", () => {
  it.effect("held for 5 minutes by default: in-progress 1 ms before, free again at the lease", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore.makeMemory()
      const first = yield* store.claim("n1")
      expect(first).toMatchObject({ _tag: "Claimed", lease: Duration.minutes(5) })
      yield* TestClock.adjust(Duration.millis(5 * 60_000 - 1))
      expect((yield* store.claim("n1"))._tag).toBe("InProgress")
      yield* TestClock.adjust(Duration.millis(1))
      const second = yield* store.claim("n1")
      expect(second._tag).toBe("Claimed")
      // Once done, it stays done for the TTL (25 h), not the lease.
      yield* store.complete("n1", second._tag === "Claimed" ? second.owner : "")
      yield* TestClock.adjust(Duration.hours(24))
      expect((yield* store.claim("n1"))._tag).toBe("Done")
    }))

  it.effect("the lease and the TTL are options; a zero, negative or infinite one is refused", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore.makeMemory({ lease: "30 seconds" })
      expect(yield* store.claim("n2")).toMatchObject({ _tag: "Claimed", lease: Duration.seconds(30) })
      yield* TestClock.adjust(Duration.seconds(30))
      expect((yield* store.claim("n2"))._tag).toBe("Claimed")
      const refused: ReadonlyArray<NotificationStore.MemoryOptions> = [
        { lease: 0 },
        { lease: -1 },
        { ttl: Duration.infinity },
        { ttl: Duration.zero }
      ]
      for (const bad of refused) {
        expect(() => NotificationStore.unsafeMakeMemory(bad)).toThrow(RangeError)
      }
    }))
})

describe("httpApp recovers from its store's failures", () => {
  it.effect("a handler failure whose release fails: 503 while the claim holds, then handled once the lease is over", () =>
    Effect.gen(function*() {
      const { deliver, notifications, page } = yield* setUp
      const memory = yield* NotificationStore.makeMemory()
      let releases = 0
      const store: NotificationStore.Service = {
        ...memory,
        release: (id, owner) =>
          ++releases === 1
            ? Effect.fail(new NotificationStore.NotificationStoreError({ operation: "release", id, message: "db timeout" }))
            : memory.release(id, owner)
      }
      const seen: Array<string> = []
      let runs = 0
      const app = Notification.httpApp((event) =>
        Effect.suspend(() => {
          runs++
          if (runs === 1) return Effect.fail("first run fails" as const)
          if (event._tag === "AcceptCard") seen.push(event.resource.openid)
          return Effect.void
        })
      ).pipe(Effect.provide(notifications), Effect.provideService(NotificationStore.NotificationStore, store))

      expect(yield* deliver(app)).toBe(500)
      // WeChat delivers again every 60 s: the failed release left the claim, which holds for 5 minutes.
      for (let minute = 1; minute <= 4; minute++) {
        yield* TestClock.adjust(Duration.minutes(1))
        expect(yield* deliver(app)).toBe(503)
      }
      yield* TestClock.adjust(Duration.minutes(1))
      expect(yield* deliver(app)).toBe(204)
      expect(runs).toBe(2)
      expect(seen).toEqual([page.openid])
      // And it is done: a later copy is answered without running the handler.
      yield* TestClock.adjust(Duration.minutes(1))
      expect(yield* deliver(app)).toBe(204)
      expect(runs).toBe(2)
    }))

  it.effect("a store that dies (a defect, not a typed failure) answers 500 FAIL and never runs the handler", () =>
    Effect.gen(function*() {
      const { deliver, notifications } = yield* setUp
      let runs = 0
      const dying: NotificationStore.Service = {
        claim: () => Effect.die(new Error("connection reset")),
        extend: () => Effect.die(new Error("connection reset")),
        complete: () => Effect.die(new Error("connection reset")),
        release: () => Effect.die(new Error("connection reset"))
      }
      const app = Notification.httpApp(() => Effect.sync(() => void runs++)).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, dying)
      )
      expect(yield* deliver(app)).toBe(500)
      expect(runs).toBe(0)
    }))

  it.effect("a store whose complete dies after a successful handler still answers 204 (no second run)", () =>
    Effect.gen(function*() {
      const { deliver, notifications } = yield* setUp
      const memory = yield* NotificationStore.makeMemory()
      let runs = 0
      const app = Notification.httpApp(() => Effect.sync(() => void runs++)).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, { ...memory, complete: () => Effect.die("disk full") })
      )
      expect(yield* deliver(app)).toBe(204)
      expect(runs).toBe(1)
    }))
})

describe("the handler's span", () => {
  it.effect("ends without the handler's error (which holds the openid); its outcome is a word", () =>
    Effect.gen(function*() {
      const { deliver, notifications, page } = yield* setUp
      const { spans: ended, tracer } = recordingTracer()
      const app = Notification.httpApp((event) =>
        event._tag === "AcceptCard"
          ? Effect.fail({ _tag: "DbDown" as const, openid: event.resource.openid })
          : Effect.void
      ).pipe(Effect.provide(notifications), Effect.provide(NotificationStore.layerMemory()))
      expect(yield* deliver(app).pipe(Effect.withTracer(tracer))).toBe(500)
      const handleSpan = ended.find((span) => span.name === "Notification.handle")
      expect(handleSpan).toBeDefined()
      expect(handleSpan!.attributes.get("notification.outcome")).toBe("DbDown")
      for (const span of ended) {
        const text = `${String(span.exit)} ${JSON.stringify(span.exit)} ${JSON.stringify([...span.attributes])}`
        expect(text).not.toContain(page.openid)
      }
      expect(Option.isSome(Option.fromNullishOr(ended.find((span) => span.name === "Notification.parse")))).toBe(true)
    }))
})
