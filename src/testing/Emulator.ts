/**
 * A stand-in for the WeChat Pay APIv3 server, strict where WeChat is strict: it checks every request's
 * Authorization exactly as WeChat does, signs every response with its own platform key (public-key mode and
 * certificate mode), keeps real member-card state, applies each idempotent write once, and records every
 * application in a ledger. Faults can be scripted per endpoint.
 *
 * Since 0.4.0 it is also WeChat's other half: it serves `GET /v3/certificates` (platform certificates minted at run
 * time, sealed with the merchant's `apiV3Key`; `rotateCertificate` makes a new one current), and it owes the merchant
 * a notification for each event it causes (a card claimed or imported → `MEMBERCARD.ACCEPT_CARD`, activated →
 * `MEMBERCARD.ACTIVATE_CARD`, a user acting on it via `userManagesCard` → `MEMBERCARD.USERCARD_MANAGE`), which
 * `layerNotifier` delivers over HTTP, signed and encrypted, retrying on WeChat's schedule. Read them with
 * `notifications()`, wait for them with `awaitNotifications`, script delivery faults with `injectNotificationFault`.
 *
 * Since 1.2.0 it serves several merchants at once (`Options.merchants`): each request is authenticated with the key
 * of the merchant its Authorization names, and each merchant has its own APIv3 key, WeChat Pay public key, callback
 * URL, idempotency keys and state; `merchantOptions(mchid)` configures a client as one of them.
 *
 * Since 1.3.0 it serves 商家名片会员卡 on both of its surfaces: a service provider's (`/v3/brand/partner/card-member/*`,
 * APIv3 merchant auth, the brand named by `brand_id`) and a brand's own (`/brand/card-member/*`, the brand scheme
 * `WECHATPAY-BRAND-SHA256-RSA2048`, `Wechatpay-Serial` = the brand's `PUB_KEY_ID_…`), over one state per brand
 * (`Options.brands`; brand `1000001` by default). `brandOptions(brand_id)` configures a `BrandClient` as one; the
 * member's side is simulated with `userOpensBrandCard`, `userDeletesBrandCard`, `requestBrandPointsSync` and
 * `userRedeemsBrandPoints`, each notified (`BRAND_MEMBER_CARD_SP.*` / `BRAND_MEMBER_CARD.*`) to the template's
 * `notify_url`; `brandState(brand_id)` reads the state.
 *
 * Since 1.4.0 it has a web console (`serve(emulator, { console: true })`, `layerLoopback({ console: true })`,
 * `emulator serve`): every request with the sign string it rebuilt and, for a `401 SIGN_ERROR`, what was signed
 * instead; state, notifications (deliver again now), the member's side and scripted faults, live in a browser.
 *
 * Run it in-process (`layerHttpClient`) or on 127.0.0.1 (`serve`). The WeChat side of the protocol (sign strings,
 * Authorization parsing, nonces) is its own implementation, not the client's, so a bug in one is caught by the
 * other.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Layers from "./internal/layers.js"
import type { NotificationRecord } from "./internal/notifications.js"
import * as Notifier from "./internal/notifier.js"
import { Emulator, EmulatorServer } from "./internal/layers.js"
import * as InternalServer from "./internal/server.js"
import { EmulatorState } from "./internal/state.js"

/**
 * The emulator's models (documented, each with its own `@since`, where they are defined): endpoint names, a member's
 * card, ledger entries, the request and answer as the emulator sees them, its options (and, since 1.2.0, those of
 * each further merchant), the activation page, the loopback server and the client options.
 *
 * @since 0.1.0
 */
export type {
  ActivationForm,
  ActivationPage,
  ActivationPageOptions,
  AnyEndpointName,
  BrandClientOptions,
  BrandOptions,
  BrandPointsExchange,
  BrandSnapshot,
  CardState,
  ClientOptions,
  EmulatorRequest,
  EmulatorResult,
  EndpointName,
  LedgerEntry,
  MerchantOptions,
  Options,
  Server
} from "./internal/model.js"

export type {
  /**
   * A scripted misbehaviour of the API (`inject`): errors, drops, delays, damaged signatures and bodies.
   *
   * @since 0.1.0
   */
  Fault,
  /** @since 0.1.0 */
  FaultRule
} from "./internal/faults.js"

/** Platform certificates and user actions (documented where they are defined). @since 0.4.0 */
export type { CertificateInfo, UserCardAction } from "./internal/platform.js"

/** A member's payment (`userPays`). @since 1.4.0 */
export type { Payment } from "./internal/platform.js"

/** A request in the journal (`requestJournal`), as the console lists it. @since 1.4.0 */
export type { JournalEntry } from "./internal/journal.js"

/** Notification records, delivery requests and faults (documented where they are defined). @since 0.4.0 */
export type {
  /** @since 1.3.0 */
  BrandCardEventType,
  NotificationAttempt,
  NotificationFault,
  NotificationFaultRule,
  NotificationRecord,
  NotificationRequest
} from "./internal/notifications.js"

export {
  /**
   * The emulated server. Its state is plain and synchronous; read it in tests to check what was applied, and set it
   * up with its methods: `putCard`, `putTemplate`, `openActivationPage` (a user claims a card and opens the jump
   * activation page), `userManagesCard`, `inject` (faults), `injectNotificationFault`, `rotateCertificate`,
   * `useCertificate`. With several merchants (since 1.2.0), the state methods take an optional `mchid` (the primary
   * merchant's when absent), `mchids` lists them and `merchantOptions(mchid)` gives a client's options for one.
   * 商家名片会员卡 (since 1.3.0): `brandIds`, `brandOptions(brand_id)`, `brandState(brand_id)` and the member's side
   * (`userOpensBrandCard`, `userDeletesBrandCard`, `requestBrandPointsSync`, `userRedeemsBrandPoints`). Since 1.4.0:
   * `userFillsActivationForm`, `userPays` (→ `TRANSACTION.SUCCESS`, its points then due), `payments`, and
   * `requestJournal()` — the last 500 requests with their answers, as the console lists them.
   *
   * @since 0.1.0
   * @category models
   */
  EmulatorState
}

export {
  /**
   * The emulator instance in context.
   *
   * @since 0.1.0
   * @category tags
   */
  Emulator,
  /**
   * The running loopback server in context.
   *
   * @since 0.1.0
   * @category tags
   */
  EmulatorServer
}

/**
 * Create an emulator (generates its platform key and, unless given a public key, the merchant key pair).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: typeof Layers.make = Layers.make

/**
 * An emulator in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: typeof Layers.layer = Layers.layer

/**
 * An in-process `HttpClient` that hands every request to the emulator: the same checks and faults as the loopback
 * server, without sockets. Runs on the caller's `Clock`, so `TestClock` works.
 *
 * @since 0.1.0
 * @category constructors
 */
export const httpClient: typeof InternalServer.httpClient = InternalServer.httpClient

/**
 * `httpClient` over the emulator in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient: typeof Layers.layerHttpClient = Layers.layerHttpClient

/**
 * Delivers the emulator's notifications over the `HttpClient` in context (e.g. `FetchHttpClient.layer` to reach a
 * server on 127.0.0.1) for the life of the scope: each one POSTed to `Options.notifyUrl` (else the URL set with
 * `setCallback`) with WeChat's headers, signed afresh on every attempt (timestamp from `Clock`, a new nonce), its
 * resource sealed with the APIv3 key. A 2xx answer ends it; another status, no answer within 5 s, or a connection
 * error is retried after the next wait of `Options.notificationSchedule` (`Effect.sleep`: `TestClock` drives it); after
 * the last attempt it is `failed`. Notifications created before the layer starts are delivered too. One notifier per
 * emulator at a time.
 *
 * @since 0.4.0
 * @category layers
 */
export const layerNotifier: typeof Notifier.layerNotifier = Notifier.layerNotifier

/**
 * Wait, without polling, until `until` holds for the notification records of the emulator in context; a number `n`
 * waits until at least `n` notifications are delivered or failed.
 *
 * @since 0.4.0
 * @category accessors
 */
export const awaitNotifications = (
  until: number | ((records: ReadonlyArray<NotificationRecord>) => boolean)
): Effect.Effect<ReadonlyArray<NotificationRecord>, never, Emulator> => Notifier.awaitNotifications(until)

/**
 * The emulator as a node:http request listener: reads the request (at most 3 MiB: a 2 MB image upload fits), hands it to the emulator, and
 * writes its answer (with Content-Length, as WeChat does) or drops the connection. `serve` uses it; wrap it to look
 * at the raw requests, e.g. `http.createServer((req, res) => { seen.push(req.headers); listener(req, res) })`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const requestListener: typeof InternalServer.requestListener = InternalServer.requestListener

/**
 * Serve the emulator over real HTTP on 127.0.0.1 (ephemeral port unless given), for the life of the scope.
 * Request handling uses the live clock.
 *
 * With `console: true` (since 1.4.0) the same port also serves the emulator's console at `/console` (its URL is the
 * server's `console`): a page that shows every request as received with the sign string the emulator rebuilt and, for
 * a `401 SIGN_ERROR`, what differs between what was signed and what was sent; the state, the notifications and their
 * deliveries; the member's side; scripted faults — live. An emulator used in-process (`layerInProcess`) can be served
 * this way too, to watch a test's requests. Loaded only when asked for.
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve: typeof InternalServer.serve = InternalServer.serve

/**
 * `serve` for the emulator in context, as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServer: typeof Layers.layerServer = Layers.layerServer

/**
 * A `WechatPayClient` configured with the emulator's merchant identity, merchant key and platform keys; also
 * provides the `Encryptor`, the `Verifier` and (with the emulator's APIv3 key) `Notification.Notifications`, so a
 * test can parse what the emulator delivers. The same holds for every `layer…` below that includes a client.
 * `options.mchid` (since 1.2.0; also `client.mchid` of the layers below) makes it one of `Options.merchants`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient: typeof Layers.layerClient = Layers.layerClient

/**
 * `layerClient` over the `Transport` you provide (e.g. `NodeTransport.layer()`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerClientWith: typeof Layers.layerClientWith = Layers.layerClientWith

/**
 * Emulator + client wired in-process: `MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()))`.
 *
 * Also outputs `RetryPolicy.RetryPolicy` set to `RetryPolicy.immediate()` (the default retry decisions, no waits
 * between attempts), so a program provided with it retries without sleeping and works under `it.effect` /
 * `TestClock` even when a fault (`Drop`, `DropAfterApply`, a 5xx …) makes the client retry. To use another policy,
 * provide it closer to the program (`Effect.provide(RetryPolicy.layer(…))`), or to this layer
 * (`….pipe(Layer.provideMerge(Emulator.layerInProcess()), Layer.provideMerge(RetryPolicy.layer(…)))`): a policy
 * the layer finds in its own context is passed through instead of `immediate()`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerInProcess: typeof Layers.layerInProcess = Layers.layerInProcess

/**
 * Emulator on a real 127.0.0.1 socket + client on `FetchHttpClient` (or the `HttpClient` you provide with
 * `layerLoopbackWith`). Outputs `RetryPolicy.immediate()` like `layerInProcess`, overridden the same way. With
 * `console: true` (since 1.4.0, also `layerLoopbackNode`) the socket serves the console too: its URL is logged and is
 * `EmulatorServer`'s `console`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLoopback: typeof Layers.layerLoopback = Layers.layerLoopback

/**
 * `layerLoopback` over the `HttpClient` you provide. Outputs `RetryPolicy.immediate()` like `layerInProcess`,
 * overridden the same way.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLoopbackWith: typeof Layers.layerLoopbackWith = Layers.layerLoopbackWith

/**
 * Emulator on a real 127.0.0.1 socket + client on the built-in node:http transport (`NodeTransport`). Outputs
 * `RetryPolicy.immediate()` like `layerInProcess`, overridden the same way.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerLoopbackNode: typeof Layers.layerLoopbackNode = Layers.layerLoopbackNode
