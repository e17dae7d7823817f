/**
 * Survivors of the Stryker run on src/notification/http.ts (MUTATE_SCOPE=core-notification) that a user would see:
 *
 * - a handler's failure is logged, and put on its span, as one word — its `_tag`, `Failure` for any other failure
 *   (also `null`, `undefined`, an object without a string `_tag`), `Defect`, `Interrupted` — and answered 500 with
 *   the documented message;
 * - a release that fails after a handler failure is logged (the claim then holds until its lease ends);
 * - a body past `maxBodyBytes` is read on to its end (so the 413 reaches the sender) up to 17 times the limit — or
 *   16 KiB past it for a limit under 1 KiB — and no further.
 *
 * The app runs in-process on the test clock (`HttpServerRequest.fromWeb`), with deliveries signed and sealed by the
 * emulator, as in notification-recovery.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Emulator from "../src/testing/Emulator.js"
import * as Verifier from "../src/Verifier.js"
import { recordingTracer } from "./support.js"

const logs: Array<string> = []
const CapturingLogger = Logger.make((options) => void logs.push(Logger.formatLogFmt.log(options)))

const setUp = Effect.gen(function*() {
  const emulator = yield* Emulator.make()
  emulator.putTemplate({ card_id: "pMutationCard0001" })
  emulator.openActivationPage({ card_id: "pMutationCard0001" })
  const id = emulator.notifications()[0]!.id
  const notifications = Notification.layer({ apiV3Key: emulator.apiV3Key }).pipe(
    Layer.provide(Verifier.layer({ publicKeys: emulator.wechatpayPublicKeys })),
    Layer.orDie
  )
  /** One delivery of the notification, signed now (the test clock), through the app: its status and JSON body. */
  const deliver = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.gen(function*() {
      const { body, headers } = yield* emulator.notificationRequest(id)
      const request = HttpServerRequest.fromWeb(new Request("http://127.0.0.1/notify", { method: "POST", headers, body }))
      const response = yield* app.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request))
      return { status: response.status, body: yield* Effect.promise(() => HttpServerResponse.toWeb(response).text()) }
    })
  return { id, notifications, deliver }
})

describe("a handler's failure, as one word", () => {
  const cases: ReadonlyArray<readonly [string, Effect.Effect<void, unknown>, string]> = [
    ["a tagged error", Effect.fail({ _tag: "DbDown", detail: "x" }), "DbDown"],
    ["null", Effect.fail(null), "Failure"],
    ["undefined", Effect.fail(undefined), "Failure"],
    ["an object without _tag", Effect.fail({ code: "DB_DOWN" }), "Failure"],
    ["an object whose _tag is not a string", Effect.fail({ _tag: 7 }), "Failure"],
    ["a string", Effect.fail("db down"), "Failure"],
    ["a defect", Effect.die(new Error("db down")), "Defect"],
    ["its own interruption", Effect.interrupt, "Interrupted"]
  ]
  for (const [name, failure, word] of cases) {
    it.effect(`${name}: logged and put on the span as ${word}; answered 500 with the documented message`, () =>
      Effect.gen(function*() {
        const { deliver, id, notifications } = yield* setUp
        const { spans, tracer } = recordingTracer()
        logs.length = 0
        const app = Notification.httpApp(() => failure).pipe(
          Effect.provide(notifications),
          Effect.provide(NotificationStore.layerMemory()),
          Effect.provide(Logger.layer([CapturingLogger]))
        )
        const answer = yield* deliver(app).pipe(Effect.withTracer(tracer))
        expect(answer.status).toBe(500)
        expect(JSON.parse(answer.body)).toEqual({ code: "FAIL", message: "the notification could not be processed" })
        const failed = logs.filter((l) => l.includes("effect-wechatpay: notification handler failed"))
        expect(failed).toHaveLength(1)
        expect(failed[0]).toContain("level=WARN")
        expect(failed[0]).toContain(`notification.id=${id}`)
        expect(failed[0]).toContain(`reason=${word}`)
        const handle = spans.find((span) => span.name === "Notification.handle")
        expect(handle?.attributes.get("notification.outcome")).toBe(word)
      }))
  }
})

describe("the claim after a failed handler", () => {
  it.effect("a release that fails is logged with the id; the claim holds (503), and the answer stays 500", () =>
    Effect.gen(function*() {
      const { deliver, id, notifications } = yield* setUp
      logs.length = 0
      const memory = yield* NotificationStore.makeMemory()
      const store: NotificationStore.Service = {
        ...memory,
        release: (id) =>
          Effect.fail(new NotificationStore.NotificationStoreError({ operation: "release", id, message: "db timeout" }))
      }
      const app = Notification.httpApp(() => Effect.fail("db down")).pipe(
        Effect.provide(notifications),
        Effect.provideService(NotificationStore.NotificationStore, store),
        Effect.provide(Logger.layer([CapturingLogger]))
      )
      expect((yield* deliver(app)).status).toBe(500)
      const notReleased = logs.filter((l) => l.includes("effect-wechatpay: notification claim not released"))
      expect(notReleased).toHaveLength(1)
      expect(notReleased[0]).toContain(`notification.id=${id}`)
      expect(notReleased[0]).toContain("reason=NotificationStoreError")
      expect((yield* deliver(app)).status).toBe(503)
    }))

  it.effect("a release that succeeds is not logged as failed", () =>
    Effect.gen(function*() {
      const { deliver, notifications } = yield* setUp
      logs.length = 0
      const app = Notification.httpApp(() => Effect.fail("db down")).pipe(
        Effect.provide(notifications),
        Effect.provide(NotificationStore.layerMemory()),
        Effect.provide(Logger.layer([CapturingLogger]))
      )
      expect((yield* deliver(app)).status).toBe(500)
      expect(logs.filter((l) => l.includes("not released"))).toEqual([])
    }))
})

describe("a body past the limit is read on to its end, up to a cap", () => {
  /** A body of `chunks` pieces of `size` bytes (endless when `chunks` is undefined), pulled one piece at a time. */
  const countingBody = (size: number, chunks: number | undefined) => {
    const state = { pulled: 0, done: false, cancelled: false }
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (chunks !== undefined && state.pulled >= chunks * size) {
          state.done = true
          controller.close()
          return
        }
        state.pulled += size
        controller.enqueue(new Uint8Array(size))
      },
      cancel: () => {
        state.cancelled = true
      }
    }, { highWaterMark: 0 })
    return { state, stream }
  }

  const post = (maxBodyBytes: number, stream: ReadableStream<Uint8Array>) =>
    Effect.gen(function*() {
      const { notifications } = yield* setUp
      let runs = 0
      const app = Notification.httpApp(() => Effect.sync(() => void runs++), { maxBodyBytes }).pipe(
        Effect.provide(notifications),
        Effect.provide(NotificationStore.layerMemory())
      )
      const request = HttpServerRequest.fromWeb(
        new Request("http://127.0.0.1/notify", { method: "POST", body: stream, duplex: "half" } as RequestInit)
      )
      const response = yield* app.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request))
      expect(runs).toBe(0)
      return response.status
    })

  it.effect("maxBodyBytes 4 KiB: 64 KiB (16 times the limit) is read to its end and answered 413", () =>
    Effect.gen(function*() {
      const { state, stream } = countingBody(4096, 16)
      expect(yield* post(4096, stream)).toBe(413)
      expect(state).toMatchObject({ pulled: 16 * 4096, done: true })
    }))

  it.effect("maxBodyBytes 4 KiB: an endless body is read to 17 times the limit, then no further", () =>
    Effect.gen(function*() {
      const { state, stream } = countingBody(4096, undefined)
      expect(yield* post(4096, stream)).toBe(413)
      // 4 KiB + 16 × 4 KiB read; the piece that crosses that cap stops the read (one more may sit in the queue).
      expect(state.pulled).toBeGreaterThan(17 * 4096)
      expect(state.pulled).toBeLessThanOrEqual(17 * 4096 + 2 * 4096)
      expect(state.cancelled).toBe(true)
    }))

  it.effect("maxBodyBytes 100: the drain allowance is 16 KiB (the limit counts as 1 KiB), read to its end", () =>
    Effect.gen(function*() {
      const { state, stream } = countingBody(1000, 16)
      expect(yield* post(100, stream)).toBe(413)
      expect(state).toMatchObject({ pulled: 16_000, done: true })
      const endless = countingBody(1000, undefined)
      expect(yield* post(100, endless.stream)).toBe(413)
      expect(endless.state.pulled).toBeGreaterThan(100 + 16 * 1024)
      expect(endless.state.pulled).toBeLessThanOrEqual(100 + 16 * 1024 + 2 * 1000)
    }))
})
