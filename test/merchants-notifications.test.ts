/**
 * `Merchants.httpApp`: one route answers the notifications of every merchant in the directory, on a real server
 * (node:http on 127.0.0.1). The merchant is the last segment of the callback URL; each merchant's notifications are
 * verified with its WeChat Pay key and decrypted with its own APIv3 key, de-duplicated apart from every other
 * merchant's, and handled as that merchant.
 */
import * as crypto from "node:crypto"
import * as Http from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Merchants from "../src/Merchants.js"
import * as NodeTransport from "../src/NodeTransport.js"
import type * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import type * as WechatPay from "../src/WechatPay.js"
import { listenLoopback } from "./support.js"
import { type Delivery, delivery } from "./support-notifications.js"

const rsa = () =>
  crypto.generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" }
  })

interface Merchant {
  readonly mchid: string
  /** WeChat's key for this merchant (its public key id is per merchant). */
  readonly wechat: { readonly privateKey: string; readonly publicKey: string; readonly id: string }
  readonly apiV3Key: string
  readonly options: WechatPay.Options
}

const merchantKey = rsa().privateKey
const merchant = (mchid: string, apiV3Key: string, withKey = true): Merchant => {
  const wechat = { ...rsa(), id: `PUB_KEY_ID_01${mchid}00000000000000000001` }
  return {
    mchid,
    wechat,
    apiV3Key,
    options: {
      mchid,
      merchantSerialNumber: "3775B6A45ACD588826D15E583A95F5DD00000001",
      merchantPrivateKey: Redacted.make(merchantKey),
      wechatpayPublicKeys: { [wechat.id]: wechat.publicKey },
      ...(withKey ? { apiV3Key: Redacted.make(apiV3Key) } : {})
    }
  }
}

const A = merchant("1900000001", "Aq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY")
const B = merchant("1900000002", "Bq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY")
const C = merchant("1900000003", "Cq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY", false)
const D = merchant("1900000004", "Dq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY")
const openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"

/** A notification of `of`, as WeChat sends it: sealed with its APIv3 key, signed with its WeChat key. */
const notification = (of: Merchant, id: string, sealWith = of.apiV3Key) =>
  delivery({
    id,
    resource: { event_type: "NEW_ACTIVATE", card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", event_time: "2024-08-14T12:00:00+08:00", openid },
    apiV3Key: sealWith,
    privateKey: of.wechat.privateKey,
    keyId: of.wechat.id
  })

const post = (origin: string, path: string, sent: Delivery) =>
  Effect.callback<{ readonly status: number; readonly body: string }, Error>((resume) => {
    const request = Http.request(`${origin}${path}`, {
      method: "POST",
      headers: { ...sent.headers, "content-length": String(Buffer.byteLength(sent.body)) },
      agent: false
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (c: Buffer) => chunks.push(c))
      response.on("end", () => resume(Effect.succeed({ status: response.statusCode!, body: Buffer.concat(chunks).toString("utf8") })))
    })
    request.on("error", (e) => resume(Effect.fail(e)))
    request.end(sent.body)
  })

const logs: Array<string> = []
const CapturingLogger = Logger.make((options) => {
  logs.push(Logger.formatLogFmt.log(options))
})

let lookupFails = false
const lookup: Merchants.Lookup<Error> = (mchid) =>
  lookupFails
    ? Effect.fail(new Error("directory down"))
    : Merchants.fromRecord({
      [A.mchid]: A.options,
      [B.mchid]: B.options,
      [C.mchid]: C.options,
      // An APIv3 key that is not 32 bytes: the merchant cannot be built.
      [D.mchid]: { ...D.options, apiV3Key: Redacted.make("too-short") }
    })(mchid)

/** Serve `Merchants.httpApp(handle)` on 127.0.0.1 for the scope, recording its metrics into `registry`; its origin. */
const serve = <E>(
  handle: (event: Notification.Event) => Effect.Effect<void, E, any>,
  registry: Metric.MetricRegistry = new Map()
) =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    // Built for the test's scope: the directory lives as long as the server.
    const services = yield* Layer.build(Layer.mergeAll(
      Merchants.layer({ lookup }).pipe(Layer.provide(NodeTransport.layer()), Layer.orDie),
      NotificationStore.layerMemory(),
      Logger.layer([CapturingLogger]),
      Layer.succeed(Metric.MetricRegistry, registry)
    ))
    const handler = yield* NodeHttpServer.makeHandler(Merchants.httpApp(handle), { scope }).pipe(
      Effect.provide(services)
    )
    const server = Http.createServer(handler)
    return yield* listenLoopback(server)
  }) as Effect.Effect<string, never, Scope.Scope>

describe("Merchants.httpApp: every merchant's notifications on one route", () => {
  it.live("each merchant's notification is verified and decrypted with its own keys and handled as that merchant; ids are de-duplicated per merchant", () =>
    Effect.gen(function*() {
      const handled: Array<{ readonly mchid: string; readonly id: string }> = []
      const origin = yield* serve((event) =>
        Effect.map(Merchants.currentMchid, (mchid) => void handled.push({ mchid, id: event.id }))
      )
      // The same id from two merchants is two notifications; again from A, a duplicate.
      const answers = yield* Effect.all([
        post(origin, `/wechatpay/notify/${A.mchid}`, notification(A, "EV-SHARED-1")),
        post(origin, `/wechatpay/notify/${B.mchid}`, notification(B, "EV-SHARED-1"))
      ], { concurrency: "unbounded" })
      expect(answers.map((a) => a.status)).toEqual([204, 204])
      expect((yield* post(origin, `/wechatpay/notify/${A.mchid}`, notification(A, "EV-SHARED-1"))).status).toBe(204)
      expect([...handled].sort((x, y) => x.mchid.localeCompare(y.mchid))).toEqual([
        { mchid: A.mchid, id: "EV-SHARED-1" },
        { mchid: B.mchid, id: "EV-SHARED-1" }
      ])
      // A's notification at B's URL: signed by a key B does not hold → 401; sealed with A's APIv3 key but signed with
      // B's WeChat key → B cannot decrypt it → 400. Neither is handled.
      expect((yield* post(origin, `/wechatpay/notify/${B.mchid}`, notification(A, "EV-A-2"))).status).toBe(401)
      expect((yield* post(origin, `/wechatpay/notify/${B.mchid}`, notification(B, "EV-A-3", A.apiV3Key))).status).toBe(400)
      // A query string does not change the merchant.
      expect((yield* post(origin, `/wechatpay/notify/${A.mchid}/?x=1`, notification(A, "EV-A-4"))).status).toBe(204)
      expect(handled).toHaveLength(3)
    }).pipe(Effect.scoped))

  it.live("an unknown merchant is answered 404, a failing directory 503, a merchant without an APIv3 key 500; each logged with the merchant id and a reason, without the payload", () =>
    Effect.gen(function*() {
      logs.length = 0
      const handled: Array<string> = []
      const registry: Metric.MetricRegistry = new Map()
      const origin = yield* serve((event) => Effect.sync(() => void handled.push(event.id)), registry)
      const unknown = yield* post(origin, "/wechatpay/notify/1900000404", notification(A, "EV-U-1"))
      expect(unknown.status).toBe(404)
      expect(JSON.parse(unknown.body)).toEqual({ code: "FAIL", message: "unknown merchant" })
      expect((yield* post(origin, "/wechatpay/notify/", notification(A, "EV-U-2"))).status).toBe(404)
      expect((yield* post(origin, "/wechatpay/notify/../etc", notification(A, "EV-U-3"))).status).toBe(404)
      const noKey = yield* post(origin, `/wechatpay/notify/${C.mchid}`, notification(C, "EV-C-1"))
      expect([noKey.status, JSON.parse(noKey.body)]).toEqual([
        500,
        { code: "FAIL", message: "the merchant is not configured for notifications" }
      ])
      const misconfigured = yield* post(origin, `/wechatpay/notify/${D.mchid}`, notification(D, "EV-D-1"))
      expect([misconfigured.status, JSON.parse(misconfigured.body)]).toEqual([
        500,
        { code: "FAIL", message: "the merchant is not configured" }
      ])
      lookupFails = true
      try {
        const down = yield* post(origin, `/wechatpay/notify/${A.mchid}`, notification(A, "EV-L-1"))
        expect([down.status, JSON.parse(down.body)]).toEqual([
          503,
          { code: "FAIL", message: "the merchant directory is unavailable" }
        ])
      } finally {
        lookupFails = false
      }
      // The directory is back: WeChat's next delivery of the same notification goes through.
      expect((yield* post(origin, `/wechatpay/notify/${A.mchid}`, notification(A, "EV-L-1"))).status).toBe(204)
      expect(handled).toEqual(["EV-L-1"])
      // Counted: seven received (six refused before the merchant's own app, by reason; one handled).
      const snapshot = Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry))
      const count = (id: string, attributes: Record<string, string> = {}) =>
        snapshot.filter((m) =>
          m.id === id && Object.entries(attributes).every(([key, value]) => m.attributes?.[key] === value)
        ).reduce((sum, m) => sum + Number((m.state as { readonly count: number }).count), 0)
      expect(count("wechatpay.notifications.received")).toBe(7)
      expect(count("wechatpay.notifications.refused", { "wechatpay.notification.reason": "ConfigurationError" })).toBe(1)
      expect(count("wechatpay.notifications.refused", { "wechatpay.notification.reason": "UnknownMerchant" })).toBe(3)
      expect(count("wechatpay.notifications.refused", { "wechatpay.notification.reason": "NoApiV3Key" })).toBe(1)
      expect(count("wechatpay.notifications.refused", { "wechatpay.notification.reason": "MerchantLookupError" })).toBe(1)
      expect(count("wechatpay.notifications.handled", { "wechatpay.notification.outcome": "ok" })).toBe(1)
      const text = logs.join("\n")
      expect(text).toContain("reason=UnknownMerchant")
      expect(text).toContain("mchid=1900000404")
      expect(text).toContain("reason=NoApiV3Key")
      expect(text).toContain("reason=MerchantLookupError")
      expect(text).toContain("effect-wechatpay: notification refused")
      expect(text).toContain(`mchid=${C.mchid}`)
      expect(text).not.toContain(openid)
      expect(text).not.toContain(A.apiV3Key)
      expect(text).not.toContain("directory down")
    }).pipe(Effect.scoped))
})
