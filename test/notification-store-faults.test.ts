/**
 * A shared store that fails is typed and safe. Between `httpApp` and the real PostgreSQL / Redis sits a proxy that
 * can hang (a database that stops answering, a partition), cut the connection after the request went through (the
 * claim was written; the app never heard), or be down (connections refused). Each time: the store's operation fails with `NotificationStoreError` within
 * its timeout, `httpApp` answers 5xx so that WeChat delivers again, the handler does not run — and when the store is
 * back, the notification is handled exactly once.
 */
import { describe, expect, layer } from "@effect/vitest"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { PgClient } from "@effect/sql-pg"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Postgres from "../src/NotificationStore/Postgres.js"
import * as RedisStore from "../src/NotificationStore/Redis.js"
import * as Emulator from "../src/testing/Emulator.js"
import * as Verifier from "../src/Verifier.js"
import { faultyProxy, runId, servicesUp, StoresLive } from "./support-stores.js"

/** Long enough that the claim cut off from its reply still holds after the client reconnects, on a loaded machine. */
const lease = 5000
const timeout = 400

/** The store under test, reached through the proxy on `port`. */
const storeThrough = (kind: "postgres" | "redis", port: number) =>
  Effect.gen(function*() {
    if (kind === "postgres") {
      const table = `${runId}.faults`
      yield* Effect.orDie(Postgres.migrate({ table }))
      const context = yield* Layer.build(
        PgClient.layer({ url: Redacted.make(`postgres://postgres@127.0.0.1:${port}/test`), maxConnections: 4 })
      ).pipe(Effect.orDie)
      return yield* Postgres.make({ table, lease, timeout }).pipe(
        Effect.provideService(SqlClient.SqlClient, Context.get(context, SqlClient.SqlClient))
      )
    }
    const context = yield* Layer.build(NodeRedis.layer({ url: `redis://127.0.0.1:${port}` })).pipe(Effect.orDie)
    return yield* RedisStore.make({ prefix: `${runId}:faults:`, lease, timeout }).pipe(Effect.provideContext(context))
  })

const scenario = (kind: "postgres" | "redis") =>
  Effect.gen(function*() {
    const proxy = yield* faultyProxy(kind === "postgres" ? 5432 : 6379)
    const store = yield* storeThrough(kind, proxy.port)
    const emulator = yield* Emulator.make()
    emulator.putTemplate({ card_id: "pStoreFaults00001" })
    for (let i = 0; i < 4; i++) {
      emulator.putCard({ card_id: "pStoreFaults00001", code: `faults${i}`, openid: `oFaults${i}` })
      emulator.userManagesCard({ card_id: "pStoreFaults00001", code: `faults${i}`, action: "USER_VIEW_MEMBERCARD" })
    }
    const [n1, n2, n3, n4] = emulator.notifications().map((n) => n.id)
    const runs = new Map<string, number>()
    const app = Notification.httpApp((event) => Effect.sync(() => void runs.set(event.id, (runs.get(event.id) ?? 0) + 1)))
      .pipe(
        Effect.provide(Notification.layer({ apiV3Key: emulator.apiV3Key }).pipe(
          Layer.provide(Verifier.layer({ publicKeys: emulator.wechatpayPublicKeys })),
          Layer.orDie
        )),
        Effect.provideService(NotificationStore.NotificationStore, store)
      )
    const deliver = (id: string) =>
      Effect.gen(function*() {
        const { body, headers } = yield* Effect.orDie(emulator.notificationRequest(id))
        const request = HttpServerRequest.fromWeb(new Request("http://127.0.0.1/notify", { method: "POST", headers, body }))
        const started = Date.now()
        const response = yield* app.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request))
        return { status: response.status, millis: Date.now() - started }
      })
    /** WeChat's redeliveries, 200 ms apart, until one is not a 500 (the store reconnecting); its status. */
    const redeliver = (id: string) =>
      Effect.gen(function*() {
        for (let attempt = 0; attempt < 20; attempt++) {
          const { status } = yield* deliver(id)
          if (status !== 500) return status
          yield* Effect.sleep("200 millis")
        }
        return 500
      })

    expect((yield* deliver(n1!)).status).toBe(204)
    expect(runs.get(n1!)).toBe(1)

    // The store hangs: answered 500 within the store's timeout; the handler does not run.
    proxy.mode("blackhole")
    const hung = yield* deliver(n2!)
    expect(hung.status).toBe(500)
    expect(hung.millis).toBeLessThan(timeout + 600)
    expect(runs.get(n2!)).toBeUndefined()
    // Back: the redelivery is handled, once; the one after is answered as done.
    proxy.mode("pass")
    expect(yield* redeliver(n2!)).toBe(204)
    expect(yield* redeliver(n2!)).toBe(204)
    expect(runs.get(n2!)).toBe(1)

    // The connection is cut after the claim reached the store: 500, the handler does not run. The claim holds until
    // its lease ends (503 meanwhile), then the notification is handled once.
    proxy.mode("drop-replies")
    expect((yield* deliver(n3!)).status).toBe(500)
    expect(runs.get(n3!)).toBeUndefined()
    proxy.mode("pass")
    const afterCut = yield* redeliver(n3!)
    expect(afterCut).toBe(503)
    yield* Effect.sleep(`${lease + 100} millis`)
    expect(yield* redeliver(n3!)).toBe(204)
    expect(yield* redeliver(n3!)).toBe(204)
    expect(runs.get(n3!)).toBe(1)

    // The store is down (connections closed, new ones refused): 500 without waiting for the timeout, no handling;
    // back up, handled once.
    proxy.mode("down")
    const down = yield* deliver(n4!)
    expect(down.status).toBe(500)
    expect(down.millis).toBeLessThan(timeout + 600)
    expect(runs.get(n4!)).toBeUndefined()
    proxy.mode("pass")
    expect(yield* redeliver(n4!)).toBe(204)
    expect(yield* redeliver(n4!)).toBe(204)
    expect(runs.get(n4!)).toBe(1)
    expect(runs.get(n1!)).toBe(1)
  }).pipe(Effect.scoped)

layer(StoresLive, { excludeTestServices: true })("a shared store that fails", (it) => {
  describe.skipIf(!servicesUp)("hangs, cuts the connection after the write, or is down", () => {
    it.effect("PostgreSQL: 500 within the timeout, never handled while down; once and only once after", () =>
      scenario("postgres"), { timeout: 30_000 })
    it.effect("Redis: 500 within the timeout, never handled while down; once and only once after", () =>
      scenario("redis"), { timeout: 30_000 })
  })
})
