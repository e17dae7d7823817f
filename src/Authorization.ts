/**
 * Who signs a request, and how the `Authorization` header names them: the scheme beside the `Signer`. WeChat Pay has
 * two schemes over one message (`METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`, SHA256withRSA):
 * - `WECHATPAY2-SHA256-RSA2048 mchid="…"`: a merchant or a service provider (商户号), its merchant API certificate;
 * - `WECHATPAY-BRAND-SHA256-RSA2048 brand_id="…"`: a brand (品牌, the `/brand/…` APIs), its brand API certificate.
 *
 * `WechatPayClient.make` signs as a merchant; `WechatPayClient.makeWith` signs as the `Authorization` in its context
 * (provide `merchant(…)` or `brand(…)` with the `Signer` holding that identity's key), which is how `BrandClient` is
 * the same client — retries, verification, limits, telemetry — under the brand's scheme.
 *
 * @since 1.3.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Protocol from "./internal/protocol.js"
import { ConfigurationError } from "./WechatPayError.js"

/**
 * @since 1.3.0
 * @category models
 */
export interface Service {
  /** `merchant` (商户号 / 服务商商户号) or `brand` (品牌ID). */
  readonly kind: "merchant" | "brand"
  /** The signer's id: the mchid, or the brand_id. */
  readonly id: string
  /** The header's value for one signature: the fixed parts are joined once, when the service is made. */
  readonly header: (nonce: string, timestamp: string, signature: string) => string
}

/**
 * @since 1.3.0
 * @category tags
 */
export class Authorization extends Context.Service<Authorization, Service>()("effect-wechatpay/Authorization") {}

/**
 * The merchant scheme, `WECHATPAY2-SHA256-RSA2048`.
 *
 * @since 1.3.0
 * @category constants
 */
export const merchantScheme: string = Protocol.scheme

/**
 * The brand scheme, `WECHATPAY-BRAND-SHA256-RSA2048`.
 *
 * @since 1.3.0
 * @category constants
 */
export const brandScheme: string = Protocol.brandScheme

const check = (option: string, value: unknown, pattern: RegExp, what?: string): Effect.Effect<void, ConfigurationError> =>
  typeof value === "string" && pattern.test(value)
    ? Effect.void
    // A merchant's id and serial are quoted, as since 0.1 (a typo is easier to see). A brand's are described instead: the
    // brand API key is 32 letters and digits too, and one pasted into the wrong variable must not be printed.
    : Effect.fail(
      new ConfigurationError({
        option,
        message: what === undefined
          ? `${JSON.stringify(value)} is not a valid ${option}.`
          : `The ${option} given (${typeof value === "string" ? `${value.length} characters` : typeof value}) is not valid: ${what}.`
      })
    )

/** A certificate serial: hex (WeChat prints 40 upper-case digits). */
const serialPattern = /^[0-9A-Fa-f]{1,64}$/

/**
 * A merchant (or service provider) signing with its merchant API certificate.
 *
 * @since 1.3.0
 * @category constructors
 */
export const merchant = (options: {
  /** 商户号. */
  readonly mchid: string
  /** The merchant API certificate's serial. */
  readonly serialNumber: string
}): Effect.Effect<Service, ConfigurationError> =>
  Effect.as(
    Effect.andThen(
      check("mchid", options.mchid, /^[0-9]{1,32}$/),
      check("merchantSerialNumber", options.serialNumber, serialPattern)
    ),
    {
      kind: "merchant",
      id: options.mchid,
      header: Protocol.authorizationFormat(Protocol.scheme, "mchid", options.mchid, options.serialNumber)
    }
  )

/**
 * A brand signing with its brand API certificate (品牌API证书), as the brand APIs (`/brand/…`) require.
 *
 * @since 1.3.0
 * @category constructors
 */
export const brand = (options: {
  /** 品牌ID. */
  readonly brandId: string
  /** The brand API certificate's serial (品牌经营平台 → 账号管理 → 安全中心 → 品牌API证书). */
  readonly serialNumber: string
}): Effect.Effect<Service, ConfigurationError> =>
  Effect.as(
    Effect.andThen(
      // Brand ids are digits in every example WeChat prints; letters, `_` and `-` are allowed here in case, never a
      // quote, comma or space (they would break the header).
      check("brandId", options.brandId, /^[0-9A-Za-z_-]{1,32}$/, "up to 32 letters, digits, _ or -"),
      check("brandSerialNumber", options.serialNumber, serialPattern, "the brand API certificate's serial, hexadecimal")
    ),
    {
      kind: "brand",
      id: options.brandId,
      header: Protocol.authorizationFormat(Protocol.brandScheme, "brand_id", options.brandId, options.serialNumber)
    }
  )
