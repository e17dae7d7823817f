/**
 * The third story: WeChat tells the shop what its members do. The shop's notification endpoint is
 * `Notification.httpApp` on a real HTTP server (127.0.0.1); the emulator delivers to it as WeChat would — signed with
 * the platform key, the payload sealed with the APIv3 key — when a member claims a card and when the shop activates
 * it. Every notification is verified, decrypted, typed and handled once, even when WeChat sends it twice.
 */
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import type * as NetAddress from "effect/net/NetAddress"
import { Console, type Context, Duration, Effect, Layer, Queue } from "effect"
import { MemberCard, Notification } from "../src/index.js"
import type * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import { Emulator } from "../src/testing/index.js"
import { check, step } from "./checks.js"

/** Where WeChat is told to deliver (https, as it requires); the emulator stands in for it on 127.0.0.1. */
export const notifyPath = "/wechatpay/notify"

/** Where the brand's 商家名片会员卡 notifications go (the template's `notify_url`). */
export const brandNotifyPath = "/wechatpay/brand-notify"

/**
 * The shop's notification endpoints, on the shop's server from the start of the demo, so that every notification the
 * stories cause is received: the merchant's (`Notification.httpApp` with the merchant's keys) and the brand's
 * (`BrandClient.httpApp`, with the brand's keys, and `handleBrand` calling the brand's endpoints).
 * Returns what the merchant's handler received, in order.
 */
export const shopEndpoint = (
  brand: Context.Context<BrandCardMember.Services | BrandClient.Notifications>,
  handleBrand: (event: Notification.Event) => Effect.Effect<void, unknown, BrandCardMember.Services>
) =>
  Effect.gen(function*() {
    const received = yield* Queue.unbounded<Notification.Event>()
    const handle = (event: Notification.Event) =>
      Effect.andThen(
        Console.log(`   ⇐ ${event.event_type} (${event.summary}), notification ${event.id}`),
        Queue.offer(received, event)
      )
    // The brand's app (its own keys: BrandClient.Notifications) runs in the brand's context, built once: providing a
    // built context per request costs nothing.
    const brandApp = BrandClient.httpApp((event) =>
      Effect.andThen(Console.log(`   ⇐ ${event.event_type} (${event.summary}), notification ${event.id}`), handleBrand(event))
    ).pipe(Effect.provideContext(brand))
    const app = yield* HttpRouter.toHttpEffect(
      Layer.merge(
        HttpRouter.add("POST", notifyPath, Notification.httpApp(handle)),
        HttpRouter.add("POST", brandNotifyPath, brandApp)
      )
    )
    yield* HttpServer.serveEffect(app)
    return received
  })

/** A query value of `url` exactly as written (not decoded), as a merchant page hands `encrypt_code` on. */
const rawQueryValue = (url: string, name: string): string | undefined =>
  url.slice(url.indexOf("?") + 1).split("&").find((pair) => pair.startsWith(`${name}=`))?.slice(name.length + 1)

/** The next event the handler received that `matches`, within 10 s (others are skipped: they were printed). */
const next = (received: Queue.Queue<Notification.Event>, matches: (event: Notification.Event) => boolean) =>
  Queue.take(received).pipe(
    Effect.repeat({ until: matches }),
    Effect.timeout(Duration.seconds(10))
  )

export const notificationStory = (received: Queue.Queue<Notification.Event>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    yield* Console.log("\n— WeChat notifies the shop —")

    yield* step("18. The shop's notification endpoint (Notification.httpApp on 127.0.0.1, since the start)")
    const address = (yield* HttpServer.HttpServer).address as NetAddress.InetAddress
    yield* Console.log(`   listening on http://127.0.0.1:${address.port}${notifyPath}`)
    const earlier = emulator.notifications().length
    yield* check(earlier === 1, "WeChat has already notified it once: the claim of the member imported by phone (step 13)")

    yield* step("19. Register the callback URL (PATCH …/membercard-open/callback)")
    const { notify_url } = yield* MemberCard.setCallback({ notify_url: `https://shop.example.com${notifyPath}` })
    yield* check(notify_url === `https://shop.example.com${notifyPath}`, "WeChat keeps the shop's https URL")

    yield* step("20. A customer claims a card in WeChat and opens the shop's activation page")
    emulator.putTemplate({ card_id: "pNotifyDemoCard0001", code_mode: "SYSTEM_ALLOCATE" })
    const page = emulator.openActivationPage({ card_id: "pNotifyDemoCard0001", nickname: "小周" })
    const claim = yield* next(received, (event) => event._tag === "AcceptCard" && event.resource.card_id === page.card_id)
    yield* check(
      claim._tag === "AcceptCard" && claim.resource.openid === page.openid,
      "MEMBERCARD.ACCEPT_CARD arrived verified and decrypted: the card and the customer's openid"
    )

    yield* step("21. The shop activates the card (decrypt-code, then POST …/codes/{code}/activate); WeChat sends it twice")
    // The shop's page reads encrypt_code from the jump URL as written there — still percent-encoded — and passes it
    // on unchanged: the client sends it verbatim, WeChat decodes it once.
    yield* Console.log(`   jump URL: ${page.url}`)
    const encrypt_code = rawQueryValue(page.url, "encrypt_code")
    yield* check(encrypt_code !== undefined && /^[A-Za-z0-9%._~-]+$/.test(encrypt_code), "encrypt_code read from the jump URL as written")
    const { code } = yield* MemberCard.decryptCode({ card_id: page.card_id, encrypt_code: encrypt_code ?? "" })
    emulator.injectNotificationFault({ fault: { _tag: "Duplicate" } })
    yield* MemberCard.activateUserCard({ card_id: page.card_id, code, membership_number: "VIP-0520" })
    const activation = yield* next(received, (event) => event._tag === "ActivateCard")
    yield* check(
      activation._tag === "ActivateCard" && activation.resource.card_id === page.card_id && activation.resource.code === code,
      "MEMBERCARD.ACTIVATE_CARD arrived with the member's code"
    )
    // Once every notification is settled, both copies of the activation have been answered.
    const records = yield* emulator.awaitNotifications((all) => all.every((record) => record.state !== "pending")).pipe(
      Effect.timeout(Duration.seconds(10))
    )
    const answers = records.find((record) => record.id === activation.id)?.attempts.map((attempt) => attempt.status)
    yield* Console.log(`   WeChat's two deliveries of the activation were answered: ${answers?.join(", ")}`)
    yield* check(
      answers?.length === 2 && (yield* Queue.size(received)) === 0,
      "delivered twice, handled once (de-duplicated by notification id)"
    )
    yield* check(
      records.length === earlier + 2 && records.every((record) => record.state === "delivered"),
      `all ${records.length} notifications of the demo answered 2xx and marked delivered`
    )
  })
