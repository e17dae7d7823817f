/**
 * End to end over loopback HTTP: the emulator (`Emulator.layerNotifier` on FetchHttpClient) delivers its
 * notifications to `Notification.httpApp` mounted on a real server (NodeHttpServer on 127.0.0.1, a free port).
 *
 * - Each of the three events reaches the handler once, typed, with the payload the emulator recorded.
 * - WeChat delivering the same notification twice at once (`Duplicate`): the handler runs once.
 * - A handler failure is answered 500; WeChat's redelivery runs the handler again, and it ends delivered.
 * - Each notification fault is refused with its status and the handler never runs for it; the clean redelivery is
 *   handled once (the fault table of the report).
 * - Nothing logged names the APIv3 key or the member's openid.
 */
import * as http from "node:http"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as NetAddress from "effect/net/NetAddress"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import { MemberCard } from "../src/index.js"
import * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Verifier from "../src/Verifier.js"
import { Emulator } from "../src/testing/index.js"

/** Wait between delivery attempts (real time: this suite runs on the live clock). */
const wait = "150 millis"

/**
 * A merchant app on 127.0.0.1 serving `Notification.httpApp(handle)` at /wechatpay/notify, an emulator delivering to
 * it, and what was logged.
 */
const harness = (handle: (event: Notification.Event) => Effect.Effect<void, string>) =>
  Effect.gen(function*() {
    const serverContext = yield* Layer.build(NodeHttpServer.layer(() => http.createServer(), { port: 0, host: "127.0.0.1" }))
    const { port } = Context.get(serverContext, HttpServer.HttpServer).address as NetAddress.InetAddress
    const url = `http://127.0.0.1:${port}/wechatpay/notify`
    const emulator = new Emulator.EmulatorState({
      notifyUrl: url,
      notificationSchedule: [wait, wait, wait]
    })
    const logs: Array<string> = []
    const logger = Logger.make(({ fiber, message }) => {
      logs.push(JSON.stringify({ message, annotations: fiber.getRef(References.CurrentLogAnnotations) }))
    })
    const router = yield* HttpRouter.toHttpEffect(HttpRouter.add("POST", "/wechatpay/notify", Notification.httpApp(handle)))
    yield* HttpServer.serveEffect(router).pipe(
      Effect.provide(serverContext),
      Effect.provide(
        Notification.layer({ apiV3Key: emulator.apiV3Key }).pipe(
          Layer.provide(Verifier.layer({ publicKeys: emulator.wechatpayPublicKeys }))
        )
      ),
      Effect.provide(NotificationStore.layerMemory()),
      Effect.provide(Logger.layer([logger]))
    )
    yield* Layer.build(
      Emulator.layerNotifier.pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.succeed(Emulator.Emulator, emulator))
      )
    )
    const client = MemberCard.layer.pipe(
      Layer.provide(Emulator.layerClient()),
      Layer.provide(Emulator.layerHttpClient),
      Layer.provide(Layer.succeed(Emulator.Emulator, emulator))
    )
    return { emulator, logs, client, url }
  })

/** A template and a user who claimed its card (ACCEPT_CARD) and opened the activation page. */
const claim = (emulator: Emulator.EmulatorState, card_id: string) => {
  emulator.putTemplate({ card_id })
  return emulator.openActivationPage({ card_id })
}

const settled = (emulator: Emulator.EmulatorState, id: string) =>
  emulator.awaitNotifications((records) => records.some((record) => record.id === id && record.state !== "pending")).pipe(
    Effect.map((records) => records.find((record) => record.id === id)!),
    Effect.timeoutOrElse({
      duration: "10 seconds",
      orElse: () => Effect.fail(new Error(`notification ${id} never settled`))
    })
  )

describe("notifications end to end (emulator → Notification.httpApp over 127.0.0.1)", () => {
  it.live("each of the three events reaches the handler once, typed, as the emulator recorded it", () =>
    Effect.gen(function*() {
      const seen: Array<Notification.Event> = []
      const { client, emulator, logs } = yield* harness((event) => Effect.sync(() => void seen.push(event)))
      const { card_id, encrypt_code, openid } = claim(emulator, "tpl-e2e-events")
      const { code } = yield* MemberCard.decryptCode({ card_id, encrypt_code }).pipe(Effect.provide(client))
      yield* MemberCard.activateUserCard({ card_id, code }).pipe(Effect.provide(client))
      emulator.userManagesCard({ card_id, code, action: "USER_VIEW_MEMBERCARD" })
      const records = emulator.notifications()
      expect(records.map((record) => record.event_type)).toEqual([
        "MEMBERCARD.ACCEPT_CARD",
        "MEMBERCARD.ACTIVATE_CARD",
        "MEMBERCARD.USERCARD_MANAGE"
      ])
      for (const record of records) {
        const done = yield* settled(emulator, record.id)
        expect(done.state).toBe("delivered")
        expect(done.attempts.map((attempt) => attempt.status)).toEqual([204])
      }
      expect(seen.map((event) => event._tag).sort()).toEqual(["AcceptCard", "ActivateCard", "UserCardManage"])
      for (const record of records) {
        const event = seen.find((e) => e.id === record.id)!
        expect(event).toMatchObject({
          id: record.id,
          event_type: record.event_type,
          create_time: record.create_time,
          resource_type: "encrypt-resource",
          summary: record.summary,
          resource: record.resource
        })
      }
      expect(seen.find((e) => e._tag === "ActivateCard")!.resource).toMatchObject({
        event_type: "MEMBER_CARD_ACTIVATE",
        activate_scene: "NEW_ACTIVATE",
        card_id,
        code,
        openid
      })
      expect(logs.join("\n")).not.toContain(Redacted.value(emulator.apiV3Key))
      expect(logs.join("\n")).not.toContain(openid)
    }))

  it.live("delivered twice at once (Duplicate): the handler runs once, both deliveries are answered", () =>
    Effect.gen(function*() {
      let calls = 0
      const { emulator, url } = yield* harness(() => Effect.sync(() => void calls++))
      emulator.injectNotificationFault({ fault: { _tag: "Duplicate" } })
      claim(emulator, "tpl-e2e-duplicate")
      const record = yield* settled(emulator, emulator.notifications()[0]!.id)
      expect(record.state).toBe("delivered")
      expect(record.attempts).toHaveLength(2)
      // One is handled (204); the other finds it done (204) or still being handled (503, WeChat would redeliver).
      const statuses = record.attempts.map((attempt) => attempt.status!).sort()
      expect(statuses[0]).toBe(204)
      expect([204, 503]).toContain(statuses[1])
      expect(calls).toBe(1)
      // WeChat's later redelivery of the same notification: answered 204, not handled again.
      const again = yield* emulator.notificationRequest(record.id)
      const response = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          headers: again.headers,
          body: again.body
        })
      )
      expect(response.status).toBe(204)
      expect(calls).toBe(1)
    }))

  it.live("a handler failure is answered 500; the redelivery runs the handler again and ends delivered", () =>
    Effect.gen(function*() {
      let calls = 0
      const { emulator, logs } = yield* harness(() =>
        Effect.suspend(() => (++calls === 1 ? Effect.fail("database unavailable") : Effect.void))
      )
      const { openid } = claim(emulator, "tpl-e2e-failure")
      const record = yield* settled(emulator, emulator.notifications()[0]!.id)
      expect(record.state).toBe("delivered")
      expect(record.attempts.map((attempt) => attempt.status)).toEqual([500, 204])
      expect(record.attempts[1]!.at - record.attempts[0]!.at).toBeGreaterThanOrEqual(150)
      expect(calls).toBe(2)
      expect(logs.join("\n")).not.toContain(openid)
    }))

  it.live("each fault is refused with its status, the handler never runs for it; the clean redelivery runs it once", () =>
    Effect.gen(function*() {
      const handled: Array<string> = []
      const { emulator, logs } = yield* harness((event) => Effect.sync(() => void handled.push(event.id)))
      const faults: ReadonlyArray<readonly [Emulator.NotificationFault, number]> = [
        [{ _tag: "TamperBody" }, 401],
        [{ _tag: "TamperSignature" }, 401],
        [{ _tag: "StaleTimestamp", seconds: 301 }, 401],
        [{ _tag: "UnknownSerial" }, 401],
        [{ _tag: "WrongApiV3Key" }, 400]
      ]
      const table: Array<string> = []
      for (const [fault, status] of faults) {
        emulator.injectNotificationFault({ fault })
        const { openid } = claim(emulator, `tpl-e2e-${fault._tag}`)
        const id = emulator.notifications().at(-1)!.id
        const first = yield* emulator.awaitNotifications((records) =>
          records.some((record) => record.id === id && record.attempts.length >= 1)
        )
        // The first attempt is answered: whatever the handler did for it is done.
        const handledAfterFault = handled.filter((h) => h === id).length
        const record = yield* settled(emulator, id)
        expect(first.find((r) => r.id === id)!.attempts[0]).toMatchObject({ status, fault })
        expect(handledAfterFault).toBe(0)
        expect(record.attempts.map((attempt) => attempt.status)).toEqual([status, 204])
        expect(handled.filter((h) => h === id)).toHaveLength(1)
        expect(logs.join("\n")).not.toContain(openid)
        table.push(`${fault._tag}: ${status}, handler ${handledAfterFault} → redelivery 204, handler 1`)
      }
      // Stale by exactly the receiver's window (300 s) is still accepted: the fault is what makes it stale.
      emulator.injectNotificationFault({ fault: { _tag: "StaleTimestamp", seconds: 300 } })
      claim(emulator, "tpl-e2e-stale-300")
      const edge = yield* settled(emulator, emulator.notifications().at(-1)!.id)
      expect(edge.attempts.map((attempt) => attempt.status)).toEqual([204])
      // The refusals were logged (so the checks above looked at something), by reason, without secrets.
      expect(logs.filter((line) => line.includes("notification refused"))).toHaveLength(5)
      expect(logs.join("\n")).not.toContain(Redacted.value(emulator.apiV3Key))
      expect(table).toHaveLength(5)
    }))
})
