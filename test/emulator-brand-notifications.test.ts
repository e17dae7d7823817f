/**
 * 商家名片会员卡 notifications end to end: the emulator's notifier (`Emulator.layerNotifier`, WeChat's retry schedule)
 * POSTs each event to the template's `notify_url` (http on 127.0.0.1 here), where `Notification.httpApp` verifies,
 * decrypts and hands it over:
 *
 * - a provider's template: `BRAND_MEMBER_CARD_SP.*`, sealed with the provider's APIv3 key, signed with its WeChat Pay
 *   key under `WECHATPAY2-SHA256-RSA2048` — received by `WechatPay.layerNode(merchantOptions)`;
 * - the brand's own template: `BRAND_MEMBER_CARD.*`, sealed with the brand API key, signed with the brand's WeChat Pay
 *   key under `WECHATPAY-BRAND-SHA256-RSA2048` — received by `BrandClient.layerNode(brandOptions)`;
 * - the member's side makes them: a card opened (`USER_CARD.CREATE`, no code yet with MERCHANT_ALLOCATE), WeChat asking
 *   for the balance (`SYNC_USER_POINT`), points redeemed (`POINT_EXCHANGE_COUPON`), a card deleted
 *   (`USER_CARD.DELETE`); each its `original_type`, and one surface's notification does not open with the other's keys.
 */
import * as Http from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import { WechatPay } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { fresh, listenLoopback } from "./support.js"

const A = "1230000109"
const BRAND = "3000001"

/** What a receiver handled, and the headers it was delivered with. */
interface Received {
  readonly event_type: string
  readonly summary: string
  readonly resource: Record<string, unknown>
  readonly headers: Http.IncomingHttpHeaders
}

/**
 * `Notification.httpApp` on 127.0.0.1 for the scope, with `Notifications` from `keys` (the provider's or the brand's
 * client layer): its URL and what it handled.
 */
const receiver = (keys: Layer.Layer<Notification.Notifications, unknown>) =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const received: Array<Received> = []
    let lastHeaders: Http.IncomingHttpHeaders = {}
    const services = yield* Layer.build(Layer.merge(Layer.orDie(keys), NotificationStore.layerMemory()))
    const handler = yield* NodeHttpServer.makeHandler(
      Notification.httpApp((event) =>
        Effect.sync(() =>
          void received.push({
            event_type: event.event_type,
            summary: event.summary,
            resource: event.resource as Record<string, unknown>,
            headers: lastHeaders
          })
        )
      ),
      { scope }
    ).pipe(Effect.provide(services))
    const origin = yield* listenLoopback(Http.createServer((req, res) => {
      lastHeaders = req.headers
      handler(req, res)
    }))
    return { url: `${origin}/notify`, received }
  }) as Effect.Effect<{ readonly url: string; readonly received: Array<Received> }, never, Scope.Scope>

const Served = Layer.mergeAll(
  Emulator.layerServer(),
  Emulator.layerNotifier.pipe(Layer.provide(FetchHttpClient.layer))
).pipe(Layer.provideMerge(Emulator.layer({ mchid: A, brands: [{ brand_id: BRAND }] })))

const template = (notify_url: string, code_mode: "SYSTEM_ALLOCATE" | "MERCHANT_ALLOCATE") => ({
  out_request_no: fresh("ntf-"),
  appid: "wxd678efh567hg6787",
  card_type: "NORMAL" as const,
  code_mode,
  code_type: "QR_CODE" as const,
  card_title: "会员卡",
  card_color: "#FF0000",
  card_picture_url: "https://qpic.cn/card.png",
  benefits: "积分兑礼",
  notify_url,
  valid_date_information: { type: "PERMANENT" as const }
})

/** Wait until `n` notifications of brand `BRAND` are delivered (or failed). */
const settled = (n: number) =>
  Emulator.awaitNotifications((records) =>
    records.filter((r) => r.brand_id === BRAND && r.state !== "pending").length >= n
  )

layer(Served, { excludeTestServices: true })("Emulator: 商家名片会员卡 notifications, both surfaces", (it) => {
  it.effect("a provider's template: BRAND_MEMBER_CARD_SP.* sealed with its APIv3 key, signed with its WeChat Pay key (WECHATPAY2-SHA256-RSA2048), handled by its Notification.httpApp", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const merchant = emulator.merchantOptions(A)
      const { received, url } = yield* receiver(WechatPay.layerNode(merchant))
      const { card_id } = yield* PartnerCardMember.createCardTemplate({
        brand_id: BRAND,
        ...template(url, "SYSTEM_ALLOCATE"),
        legal_agreement: "协议",
        member_information: { jump_appid: "wxd678efh567hg6787", jump_path: "/member" }
      }).pipe(Effect.provide(PartnerCardMember.layer.pipe(Layer.provideMerge(WechatPay.layerNode(merchant)))))
      const before = emulator.notifications().filter((r) => r.brand_id === BRAND).length

      const opened = emulator.userOpensBrandCard({ card_id, phone_number: "13800138000" })
      yield* settled(before + 1)
      expect(received).toHaveLength(1)
      expect(received[0]).toMatchObject({
        event_type: "BRAND_MEMBER_CARD_SP.USER_CARD.CREATE",
        summary: "用户开通会员卡通知",
        resource: {
          user_card_code: opened.user_card_code,
          card_id,
          openid: opened.openid,
          brand_id: BRAND,
          card_type: "NORMAL",
          card_color: "#FF0000",
          // In plain in a notification (official partner page 4015283692: string(32)).
          phone_number: "13800138000",
          user_card_state: "UNACTIVATED",
          create_time: expect.stringMatching(/\+08:00$/),
          modify_time: expect.stringMatching(/\+08:00$/)
        }
      })
      expect(received[0]!.resource.user_card_code).toMatch(/^\d{24}$/)
      expect(received[0]!.headers["wechatpay-signature-type"]).toBe("WECHATPAY2-SHA256-RSA2048")
      expect(received[0]!.headers["wechatpay-serial"]).toBe(emulator.publicKeyId)

      // Confirmed, WeChat asks for the balance, the member redeems points, then deletes the card.
      yield* PartnerCardMember.confirmUserCard({
        brand_id: BRAND,
        user_card_code: opened.user_card_code,
        card_id,
        openid: opened.openid,
        user_card_confirm_state: "CREATE_CARD_SUCCESS"
      }).pipe(Effect.provide(PartnerCardMember.layer.pipe(Layer.provideMerge(WechatPay.layerNode(merchant)))))
      emulator.requestBrandPointsSync({ card_id, openid: opened.openid })
      const exchange = emulator.userRedeemsBrandPoints({ card_id, openid: opened.openid, deduct_points: 300 })
      emulator.userDeletesBrandCard({ card_id, openid: opened.openid })
      yield* settled(before + 4)
      expect(received.map((r) => r.event_type).sort()).toEqual([
        "BRAND_MEMBER_CARD_SP.POINT_EXCHANGE_COUPON",
        "BRAND_MEMBER_CARD_SP.SYNC_USER_POINT",
        "BRAND_MEMBER_CARD_SP.USER_CARD.CREATE",
        "BRAND_MEMBER_CARD_SP.USER_CARD.DELETE"
      ])
      const of = (type: string) => received.find((r) => r.event_type === `BRAND_MEMBER_CARD_SP.${type}`)!
      expect(of("SYNC_USER_POINT").resource).toEqual({
        brand_id: BRAND,
        card_id,
        openid: opened.openid,
        user_card_code: opened.user_card_code
      })
      expect(of("SYNC_USER_POINT").summary).toBe("用户积分同步事件通知")
      expect(of("POINT_EXCHANGE_COUPON").resource).toEqual({
        record_id: exchange.record_id,
        brand_id: BRAND,
        card_id,
        appid: "wxd678efh567hg6787",
        openid: opened.openid,
        user_card_code: opened.user_card_code,
        exchange_coupon_template_id: exchange.exchange_coupon_template_id,
        deduct_points: 300,
        product_coupon_id: exchange.product_coupon_id,
        product_coupon_stock_type: "PRODUCT_COUPON_STOCK_TYPE_BUSI_FAVOR",
        stock_id: exchange.stock_id
      })
      expect(of("USER_CARD.DELETE").resource).toMatchObject({ user_card_code: opened.user_card_code, user_card_state: "INVALID" })
      // The records: the provider's, the brand named, to the template's URL, delivered.
      const records = emulator.notifications().filter((r) => r.brand_id === BRAND).slice(before)
      expect(records.every((r) => r.mchid === A && r.notify_url === url && r.state === "delivered")).toBe(true)
      // Each resource's original_type and associated data.
      const request = yield* emulator.notificationRequest(records.find((r) => r.event_type.endsWith("POINT_EXCHANGE_COUPON"))!.id)
      expect(JSON.parse(request.body).resource).toMatchObject({ original_type: "point_coupon", associated_data: "point_coupon" })
      const sync = yield* emulator.notificationRequest(records.find((r) => r.event_type.endsWith("SYNC_USER_POINT"))!.id)
      expect(JSON.parse(sync.body).resource).toMatchObject({ original_type: "sync_user_point", associated_data: "sync_user_point" })
    }).pipe(Effect.scoped))

  it.effect("the brand's template: BRAND_MEMBER_CARD.* sealed with the brand API key, signed with the brand's WeChat Pay key (WECHATPAY-BRAND-SHA256-RSA2048), handled through BrandClient's Notifications; the provider's keys cannot open it", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brandOptions = emulator.brandOptions(BRAND)
      const { received, url } = yield* receiver(
        // The brand's own Notifications, seen by Notification.httpApp as its Notifications (what BrandClient.httpApp does).
        Layer.effect(Notification.Notifications, BrandClient.Notifications).pipe(
          Layer.provide(BrandClient.layerNode(brandOptions))
        )
      )
      const { card_id } = yield* BrandCardMember.createCardTemplate(template(url, "MERCHANT_ALLOCATE")).pipe(
        Effect.provide(BrandCardMember.layer.pipe(Layer.provideMerge(BrandClient.layerNode(brandOptions))))
      )
      const before = emulator.notifications().filter((r) => r.brand_id === BRAND).length
      const opened = emulator.userOpensBrandCard({ card_id })
      yield* settled(before + 1)
      expect(received).toHaveLength(1)
      expect(received[0]).toMatchObject({
        event_type: "BRAND_MEMBER_CARD.USER_CARD.CREATE",
        // MERCHANT_ALLOCATE: no code until the merchant confirms.
        resource: { user_card_code: "", card_id, openid: opened.openid, brand_id: BRAND, user_card_state: "UNACTIVATED" }
      })
      expect(received[0]!.headers["wechatpay-signature-type"]).toBe("WECHATPAY-BRAND-SHA256-RSA2048")
      expect(received[0]!.headers["wechatpay-serial"]).toBe(brandOptions.wechatpayPublicKeyId)
      const record = emulator.notifications().find((r) => r.brand_id === BRAND && r.event_type === "BRAND_MEMBER_CARD.USER_CARD.CREATE")!
      expect([record.mchid, record.notify_url, record.state]).toEqual(["", url, "delivered"])
      const request = yield* emulator.notificationRequest(record.id)
      expect(JSON.parse(request.body).resource).toMatchObject({ original_type: "user_card", associated_data: "user_card" })
      // Sealed for the brand and signed by its key: the provider's Notifications refuse it.
      const asProvider = yield* Effect.flip(
        Notification.parse(request).pipe(Effect.provide(WechatPay.layerNode(emulator.merchantOptions(A))))
      )
      expect(asProvider._tag).toMatch(/Notification/)
      const asBrand = yield* BrandClient.parse(request).pipe(Effect.provide(BrandClient.layerNode(brandOptions)))
      expect(asBrand.event_type).toBe("BRAND_MEMBER_CARD.USER_CARD.CREATE")

      // Confirmed with the merchant's code; then the balance request, a redemption and a deletion carry that code.
      const code = fresh("BR")
      yield* BrandCardMember.confirmUserCard({
        user_card_code: code,
        card_id,
        openid: opened.openid,
        user_card_confirm_state: "CREATE_CARD_SUCCESS"
      }).pipe(Effect.provide(BrandCardMember.layer.pipe(Layer.provideMerge(BrandClient.layerNode(brandOptions)))))
      emulator.requestBrandPointsSync({ card_id, openid: opened.openid })
      emulator.userRedeemsBrandPoints({ card_id, openid: opened.openid, deduct_points: 10 })
      emulator.userDeletesBrandCard({ card_id, openid: opened.openid, user_card_code: code })
      yield* settled(before + 4)
      expect(received.map((r) => [r.event_type, r.resource.user_card_code]).sort()).toEqual([
        ["BRAND_MEMBER_CARD.POINT_EXCHANGE_COUPON", code],
        ["BRAND_MEMBER_CARD.SYNC_USER_POINT", code],
        ["BRAND_MEMBER_CARD.USER_CARD.CREATE", ""],
        ["BRAND_MEMBER_CARD.USER_CARD.DELETE", code]
      ])
      expect(received.every((r) => r.headers["wechatpay-signature-type"] === "WECHATPAY-BRAND-SHA256-RSA2048")).toBe(true)
    }).pipe(Effect.scoped))
})
