/**
 * The fourth story: a brand runs 商家名片会员卡 with its own client (`BrandClient`: the brand API certificate signs,
 * `WECHATPAY-BRAND-SHA256-RSA2048 brand_id="…"`). It uploads a card picture and creates a template whose notifications
 * come to the shop; a WeChat user opens a card, the shop's handler confirms the opening; WeChat asks for the member's
 * points — twice, as it may — and the handler answers once with the balance from the shop's own books.
 */
import { Console, Context, Duration, Effect, Layer, Queue } from "effect"
import * as HttpServer from "effect/http/HttpServer"
import type * as NetAddress from "effect/net/NetAddress"
import { Notification } from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import { Emulator } from "../src/testing/index.js"
import { check, step } from "./checks.js"
import { png } from "./png.js"

/** The shop's own books: points per member code (what WeChat asks the brand to report). */
const books = new Map<string, number>()

/** The brand's client and endpoints, built once from what the emulator issued to the brand. */
export const brandContext = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  return yield* Layer.build(BrandCardMember.layer.pipe(Layer.provideMerge(BrandClient.layerNode(emulator.brandOptions()))))
})

/** What the brand's notification handler did, in order (for the checks). */
export const handled = Effect.runSync(Queue.unbounded<Notification.Event>())

/**
 * The brand's notification handler (run by `Notification.httpApp`, once per notification id): confirm an opened card,
 * answer a points request from the books.
 */
export const handleBrand = (event: Notification.Event) =>
  Effect.gen(function*() {
    switch (event._tag) {
      case "BrandUserCardCreate": {
        const { card_id, openid, user_card_code } = event.resource
        yield* BrandCardMember.confirmUserCard({
          card_id,
          openid,
          user_card_code: user_card_code ?? "",
          user_card_confirm_state: "CREATE_CARD_SUCCESS",
          level: "银卡"
        })
        break
      }
      case "BrandSyncUserPoint": {
        const { card_id, openid, user_card_code } = event.resource
        yield* BrandCardMember.syncUserPoints({
          // One request number per notification: a repeat of this answer is the same request, never a second one.
          out_request_no: `sync-${event.id}`,
          card_id,
          openid,
          user_card_code,
          point_balance: books.get(user_card_code) ?? 0
        })
        break
      }
    }
    yield* Queue.offer(handled, event)
  })

/** The next event the brand's handler finished, within 10 s. */
const nextHandled = Queue.take(handled).pipe(Effect.timeout(Duration.seconds(10)))

/** A 716×320 card picture (WeChat's suggested size): a warm gradient. */
const picture = png(716, 320, (x) => [255, 160 - Math.floor(x / 8), 60])

export const brandClientStory = (brand: Context.Context<BrandCardMember.Services | BrandClient.BrandClient>, notifyPath: string) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    yield* Console.log("\n— A brand's own client (商家名片会员卡) —")

    yield* step("22. The brand's client: the brand API certificate signs, WECHATPAY-BRAND-SHA256-RSA2048 brand_id=…")
    const client = Context.get(brand, BrandClient.BrandClient)
    yield* Console.log(`   brand ${client.brandId}; every call names its WeChat Pay public key (Wechatpay-Serial: PUB_KEY_ID_…)`)

    yield* step("23. Upload the card picture (POST /brand/card-member/media/image-upload)")
    const { media_url } = yield* BrandCardMember.uploadImage({ file: picture, filename: "card.png" })
    yield* check(media_url.startsWith("https://"), `${picture.byteLength}-byte PNG stored at a permanent URL`)

    yield* step("24. Create the card template, its notifications sent to the shop (POST /brand/card-member/cards)")
    const address = (yield* HttpServer.HttpServer).address as NetAddress.InetAddress
    const template = yield* BrandCardMember.createCardTemplate({
      out_request_no: `brand-${Date.now()}`,
      appid: "wxd678efh567hg6787",
      card_type: "NORMAL",
      card_title: "微信咖啡会员",
      card_color: "#FFA03C",
      card_picture_url: media_url,
      code_mode: "SYSTEM_ALLOCATE",
      code_type: "QR_CODE",
      benefits: "会员日第二杯半价",
      notify_url: `http://127.0.0.1:${address.port}${notifyPath}`,
      valid_date_information: { type: "PERMANENT" }
    })
    yield* check(template.state === "CARD_EFFECTIVE", `template ${template.card_id} in effect`)

    yield* step("25. A WeChat user opens the card; the shop's handler confirms it (POST …/user-cards/{code}/confirm)")
    const opened = emulator.userOpensBrandCard({ card_id: template.card_id })
    const created = yield* nextHandled
    yield* check(
      created._tag === "BrandUserCardCreate" && created.event_type === "BRAND_MEMBER_CARD.USER_CARD.CREATE",
      "BRAND_MEMBER_CARD.USER_CARD.CREATE verified with the brand's public key, decrypted with the brand API key"
    )
    const card = yield* BrandCardMember.getUserCard({
      card_id: template.card_id,
      openid: opened.openid,
      user_card_code: opened.user_card_code
    })
    yield* check(card.user_card_state === "EFFECTIVE" && card.level === "银卡", "the member's card is in effect, level 银卡")

    yield* step("26. WeChat asks for the member's points — and sends the request twice; the shop answers once")
    books.set(opened.user_card_code, 120)
    emulator.injectNotificationFault({ fault: { _tag: "Duplicate" } })
    emulator.requestBrandPointsSync({ card_id: template.card_id, openid: opened.openid })
    const sync = yield* nextHandled
    yield* check(sync._tag === "BrandSyncUserPoint", "BRAND_MEMBER_CARD.SYNC_USER_POINT handled")
    const records = yield* emulator.awaitNotifications((all) => all.every((record) => record.state !== "pending")).pipe(
      Effect.timeout(Duration.seconds(10))
    )
    const deliveries = records.find((record) => record.id === sync.id)?.attempts.map((attempt) => attempt.status)
    yield* Console.log(`   WeChat's two deliveries were answered: ${deliveries?.join(", ")}`)
    const points = emulator.brandState().points.find((entry) => entry.user_card_code === opened.user_card_code)
    const syncs = emulator.ledger.filter((entry) => entry.endpoint === "BrandCardMember.SyncUserPoints").length
    yield* check(
      deliveries?.length === 2 && (yield* Queue.size(handled)) === 0 && syncs === 1 && points?.point_balance === 120,
      "delivered twice, handled once: one points sync applied, WeChat now shows 120 points"
    )
  }).pipe(Effect.provideContext(brand))
