/**
 * The main job: two stories against the emulator on 127.0.0.1, with freshly generated keys, real RSA signing of every
 * request and verification of every response, over the built-in node:http transport.
 *
 * 1. A member's story through the five seed member-card endpoints, then what typed error handling looks like
 *    (`member-story.ts`).
 * 2. A brand's card from scratch: logo upload, template, QR code, a member imported by (encrypted) phone number,
 *    points, the brand's templates as a paged stream, the card invalidated (`brand-story.ts`).
 * 3. WeChat notifies the shop: the shop's `Notification.httpApp` on 127.0.0.1 receives, verifies, decrypts and
 *    handles once the claim and activation of a member's card (`notification-story.ts`).
 * 4. A brand's own client (商家名片会员卡, `BrandClient`): template, a member who opens a card and is confirmed, and
 *    WeChat's points request — delivered twice, answered once (`brand-client-story.ts`).
 * 5. What the library's metrics saw: calls, retries, p50/p99 per endpoint (`metrics.ts`).
 *
 * Exits 0 only when every step behaved as it should.
 *
 *   npm run demo
 */
import * as http from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpServer from "effect/http/HttpServer"
import type * as NetAddress from "effect/net/NetAddress"
import { Effect, Layer } from "effect"
import { Media, MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { brandClientStory, brandContext, handleBrand } from "./brand-client-story.js"
import { brandStory } from "./brand-story.js"
import { fail, failures } from "./checks.js"
import { memberStory } from "./member-story.js"
import { metricsSummary } from "./metrics.js"
import { brandNotifyPath, notificationStory, notifyPath, shopEndpoint } from "./notification-story.js"

/** The shop's own HTTP server, where WeChat delivers notifications (a free port on 127.0.0.1). */
const ShopServer = NodeHttpServer.layer(() => http.createServer(), { port: 0, host: "127.0.0.1" })

/**
 * The emulator on 127.0.0.1 and the client on the built-in node:http transport, as `WechatPay.layerNode` gives it
 * (`Emulator.layerLoopback()` is the same on FetchHttpClient). The emulator delivers notifications to the shop's
 * server; with the APIv3 key the client layer also provides `Notification.Notifications`.
 */
const WechatPayStack = Layer.unwrap(Effect.map(HttpServer.HttpServer, (server) => {
  const { port } = server.address as NetAddress.InetAddress
  return Emulator.layerLoopbackNode({ notifyUrl: `http://127.0.0.1:${port}${notifyPath}` })
}))

const MainLayer = Layer.mergeAll(
  Layer.merge(MemberCard.layer, Media.layer),
  // WeChat's side delivering notifications, over fetch.
  Emulator.layerNotifier.pipe(Layer.provide(FetchHttpClient.layer))
).pipe(
  Layer.provideMerge(WechatPayStack),
  Layer.provideMerge(ShopServer),
  // RetryPolicy is read by each call from its own context, so it is provided to the program, not to the client.
  Layer.merge(RetryPolicy.layer({ baseDelay: "50 millis" }))
)

const program = Effect.gen(function*() {
  const brand = yield* brandContext
  const received = yield* shopEndpoint(brand, handleBrand)
  yield* memberStory
  yield* brandStory
  yield* notificationStory(received)
  yield* brandClientStory(brand, brandNotifyPath)
  yield* metricsSummary
}).pipe(
  Effect.provide(MainLayer),
  Effect.scoped,
  Effect.catch((error) =>
    Effect.sync(() => {
      fail()
      console.error(`\nUnexpected failure: ${String(error)}`)
    })
  ),
  Effect.andThen(Effect.sync(() => {
    console.log(failures() === 0 ? "\nAll steps behaved as expected." : `\n${failures()} step(s) misbehaved.`)
    process.exitCode = failures() === 0 ? 0 : 1
  }))
)

Effect.runPromise(program)
