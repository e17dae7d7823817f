/**
 * A brand's client (品牌API, `/brand/…`): the same client as `WechatPayClient` — retries, verification, limits, the rate
 * budget, telemetry — signing under the brand's scheme (`Authorization.brand`, `WECHATPAY-BRAND-SHA256-RSA2048
 * brand_id="…"`) with the brand API certificate's key. The brand APIs are in public-key mode only: every call names the
 * WeChat Pay public key's id (`Wechatpay-Serial: PUB_KEY_ID_…`), answers are verified with that key and sensitive fields
 * encrypted to it. The brand API key (品牌API密钥) decrypts the brand's notifications.
 *
 * ```ts
 * BrandClient.layerNode({
 *   brandId: "1000001",
 *   brandSerialNumber: "3493DE0D…",
 *   brandPrivateKey: Redacted.make(pem),
 *   wechatpayPublicKeyId: "PUB_KEY_ID_…",
 *   wechatpayPublicKey: publicKeyPem,
 *   brandApiKey: Redacted.make(key) // for BrandClient.Notifications (BrandClient.httpApp)
 * })
 * ```
 *
 * @since 1.3.0
 */
import type * as HttpClient from "effect/http/HttpClient"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Authorization from "./Authorization.js"
import * as Encryptor from "./Encryptor.js"
import * as NodeTransport from "./NodeTransport.js"
import * as Notification from "./Notification.js"
import * as Signer from "./Signer.js"
import type { Transport } from "./Transport.js"
import * as Verifier from "./Verifier.js"
import * as WechatPay from "./WechatPay.js"
import * as WechatPayClient from "./WechatPayClient.js"
import { ConfigurationError } from "./WechatPayError.js"

/**
 * @since 1.3.0
 * @category models
 */
export interface Service extends WechatPayClient.Caller {
  /** 品牌ID: who signs. */
  readonly brandId: string
  /** Encrypts a sensitive field to the brand's WeChat Pay public key (its id goes out as `Wechatpay-Serial`). */
  readonly encryptor: Encryptor.Service
}

/**
 * @since 1.3.0
 * @category tags
 */
export class BrandClient extends Context.Service<BrandClient, Service>()("effect-wechatpay/BrandClient") {}

/**
 * The brand's notifications (`BRAND_MEMBER_CARD.*`), verified with the brand's WeChat Pay public key and decrypted with
 * the brand API key: a service of its own, so that a program that is also a merchant keeps its merchant's
 * `Notification.Notifications` beside it. Serve it with `BrandClient.httpApp`, read one with `BrandClient.parse`.
 *
 * @since 1.3.0
 * @category tags
 */
export class Notifications
  extends Context.Service<Notifications, Notification.Service>()("effect-wechatpay/BrandClient/Notifications")
{}

/**
 * @since 1.3.0
 * @category models
 */
export interface Options extends WechatPayClient.ConnectionOptions {
  /** 品牌ID. */
  readonly brandId: string
  /** The brand API certificate's serial (品牌API证书序列号: `serial_no` in the Authorization header). */
  readonly brandSerialNumber: string
  /** The brand API certificate's private key (`apiclient_key.pem`), PKCS#8 or PKCS#1 PEM. */
  readonly brandPrivateKey: Redacted.Redacted<string>
  /** The brand's WeChat Pay public-key id (`PUB_KEY_ID_…`): sent as `Wechatpay-Serial` on every call. */
  readonly wechatpayPublicKeyId: string
  /** The WeChat Pay public key (PEM) of that id: verifies answers and notifications, encrypts sensitive fields. */
  readonly wechatpayPublicKey: string
  /**
   * 品牌API密钥 (32 letters and digits): with it the layers also provide `BrandClient.Notifications` for the brand's
   * notifications (`BRAND_MEMBER_CARD.*`), verified with the brand's WeChat Pay public key and decrypted with it.
   */
  readonly brandApiKey?: Redacted.Redacted<string> | undefined
  /** Default 5 minutes. */
  readonly maxClockSkew?: Duration.Input | undefined
}

/**
 * What the layers provide: the brand's client, and `BrandClient.Notifications` when `brandApiKey` is given.
 *
 * @since 1.3.0
 * @category models
 */
export type Provided<O extends Options> =
  | BrandClient
  | (O extends { readonly brandApiKey: Redacted.Redacted<string> } ? Notifications : never)

/**
 * The brand's client from a `Transport`, with its signer, verifier and encryptor made from the options (parsed once).
 *
 * @since 1.3.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, ConfigurationError, Transport> =>
  Effect.flatMap(
    Signer.makeRsa({ privateKey: options.brandPrivateKey, name: { option: "brandPrivateKey", key: "brand private key" } }),
    (signer) => Effect.provideService(makeWith(options), Signer.Signer, signer)
  )

/**
 * The brand's client signing with the `Signer` in context — a brand API key held in a KMS or an HSM (see "Custom
 * signer" in the README) — with its verifier and encryptor made from the options.
 *
 * @since 1.3.0
 * @category constructors
 */
export const makeWith = (
  options: Omit<Options, "brandPrivateKey">
): Effect.Effect<Service, ConfigurationError, Transport | Signer.Signer> =>
  Effect.gen(function*() {
    const publicKeys = yield* brandPublicKeys(options)
    const authorization = yield* Authorization.brand({
      brandId: options.brandId,
      serialNumber: options.brandSerialNumber
    })
    const verifier = yield* Verifier.make({ publicKeys, maxClockSkew: options.maxClockSkew })
    const encryptor = yield* Encryptor.make({ publicKeys })
    const { execute } = yield* WechatPayClient.makeWith(options).pipe(
      Effect.provideService(Authorization.Authorization, authorization),
      Effect.provideService(Verifier.Verifier, verifier)
    )
    return { brandId: options.brandId, execute, encryptor }
  })

/** The brand's one WeChat Pay public key, by its id: the brand APIs have no platform certificates. */
const brandPublicKeys = (options: Omit<Options, "brandPrivateKey">): Effect.Effect<Readonly<Record<string, string>>, ConfigurationError> =>
  typeof options.wechatpayPublicKeyId === "string" && /^PUB_KEY_ID_[0-9A-Za-z_]+$/.test(options.wechatpayPublicKeyId)
    ? Effect.succeed({ [options.wechatpayPublicKeyId]: options.wechatpayPublicKey })
    : Effect.fail(
      new ConfigurationError({
        option: "wechatpayPublicKeyId",
        message: `${
          JSON.stringify(options.wechatpayPublicKeyId)
        } is not a WeChat Pay public-key id (PUB_KEY_ID_…): the brand APIs verify with the WeChat Pay public key only.`
      })
    )

/**
 * The brand's client over the `Transport` you provide (and its notifications, with `brandApiKey`).
 *
 * @since 1.3.0
 * @category layers
 */
export const layerWith = <O extends Options>(options: O): Layer.Layer<Provided<O>, ConfigurationError, Transport> => {
  const client = Layer.effect(BrandClient, make(options))
  const key = options.brandApiKey
  if (key === undefined) return client as Layer.Layer<Provided<O>, ConfigurationError, Transport>
  // The notifications' verifier is the brand's own (its public key), not any merchant's in the program.
  const notifications = Layer.effect(
    Notifications,
    Effect.flatMap(brandPublicKeys(options), (publicKeys) =>
      Effect.flatMap(
        Verifier.make({ publicKeys, maxClockSkew: options.maxClockSkew }),
        (verifier) =>
          Effect.provideService(
            Effect.mapError(Notification.make({ apiV3Key: key, maxClockSkew: options.maxClockSkew }), (error) =>
              // The check is the APIv3 key's; say which key it is here.
              new ConfigurationError({ option: "brandApiKey", message: error.message.replace("APIv3 key", "brand API key") })),
            Verifier.Verifier,
            verifier
          )
      ))
  )
  return Layer.merge(client, notifications) as Layer.Layer<Provided<O>, ConfigurationError, Transport>
}

/**
 * `Notification.httpApp` for the brand's notification URL (the `notify_url` of its templates): the same answers,
 * de-duplication and guarantees, with the brand's keys (`BrandClient.Notifications`, from the layers with
 * `brandApiKey`).
 *
 * @since 1.3.0
 * @category http
 */
export const httpApp = <E, R, R2 = never>(
  handle: (event: Notification.Event) => Effect.Effect<void, E, R>,
  options: Notification.HttpAppOptions<R2> = {}
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  R | R2 | Notifications | HttpServerRequest.HttpServerRequest
> => {
  const app = Notification.httpApp(handle, options)
  return Effect.flatMap(Notifications, (service) => Effect.provideService(app, Notification.Notifications, service))
}

/**
 * Verify, decrypt and decode one of the brand's notifications (`Notification.parse` with the brand's keys).
 *
 * @since 1.3.0
 * @category accessors
 */
export const parse = (input: Notification.Input): Effect.Effect<Notification.Event, Notification.NotificationError, Notifications> =>
  Effect.flatMap(Notifications, (service) => service.parse(input))

/**
 * The brand's client over an `HttpClient` (`FetchHttpClient.layer`, …).
 *
 * @since 1.3.0
 * @category layers
 */
export const layer = <O extends Options>(options: O): Layer.Layer<Provided<O>, ConfigurationError, HttpClient.HttpClient> =>
  layerWith(options).pipe(Layer.provide(WechatPay.httpClientTransport))

/**
 * The brand's client over the built-in node:http(s) transport.
 *
 * @since 1.3.0
 * @category layers
 */
export const layerNode = <O extends Options & { readonly transport?: NodeTransport.Options | undefined }>(
  options: O
): Layer.Layer<Provided<O>, ConfigurationError> =>
  layerWith(options).pipe(Layer.provide(NodeTransport.layer(options.transport)))

/**
 * The configuration read by `layerConfig()` / `layerNodeConfig()`, from these environment variables (a PEM may be the
 * text itself or a file's path):
 *
 * | variable | meaning |
 * |---|---|
 * | `WECHATPAY_BRAND_ID` | 品牌ID |
 * | `WECHATPAY_BRAND_SERIAL_NUMBER` | brand API certificate serial |
 * | `WECHATPAY_BRAND_PRIVATE_KEY` | brand API private key PEM or path (secret) |
 * | `WECHATPAY_BRAND_PUBLIC_KEY_ID` + `WECHATPAY_BRAND_PUBLIC_KEY` | the brand's WeChat Pay public-key id and its PEM or path |
 * | `WECHATPAY_BRAND_API_KEY` | optional, 品牌API密钥 (secret): notifications |
 * | `WECHATPAY_BASE_URL`, `WECHATPAY_USER_AGENT` | optional |
 *
 * @since 1.3.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  brandId: WechatPay.lineConfig("WECHATPAY_BRAND_ID"),
  brandSerialNumber: WechatPay.lineConfig("WECHATPAY_BRAND_SERIAL_NUMBER"),
  brandPrivateKey: WechatPay.secretPemConfig("WECHATPAY_BRAND_PRIVATE_KEY"),
  wechatpayPublicKeyId: WechatPay.lineConfig("WECHATPAY_BRAND_PUBLIC_KEY_ID"),
  wechatpayPublicKey: WechatPay.pemConfig("WECHATPAY_BRAND_PUBLIC_KEY"),
  brandApiKey: Config.option(
    Config.Redacted("WECHATPAY_BRAND_API_KEY").pipe(Config.map((key) => Redacted.make(Redacted.value(key).trim())))
  ),
  baseUrl: Config.option(WechatPay.lineConfig("WECHATPAY_BASE_URL")),
  userAgent: Config.option(WechatPay.lineConfig("WECHATPAY_USER_AGENT"))
}).pipe(
  Config.map((c): Options => ({
    brandId: c.brandId,
    brandSerialNumber: c.brandSerialNumber,
    brandPrivateKey: c.brandPrivateKey,
    wechatpayPublicKeyId: c.wechatpayPublicKeyId,
    wechatpayPublicKey: c.wechatpayPublicKey,
    ...Option.match(c.brandApiKey, { onNone: () => ({}), onSome: (brandApiKey) => ({ brandApiKey }) }),
    ...Option.match(c.baseUrl, { onNone: () => ({}), onSome: (baseUrl) => ({ baseUrl }) }),
    ...Option.match(c.userAgent, { onNone: () => ({}), onSome: (userAgent) => ({ userAgent }) })
  }))
)

/**
 * `layerNode`, configured from `Config` (by default `config`, i.e. the environment).
 *
 * @since 1.3.0
 * @category layers
 */
export const layerNodeConfig = (
  options: Config.Config<Options> = config
): Layer.Layer<Provided<Options>, ConfigurationError | Config.ConfigError> =>
  Layer.unwrap(Effect.map(options, layerNode))
