/**
 * Verifies what WeChat Pay signs — 2xx responses and notifications — against the WeChat Pay public key or the
 * platform certificates, chosen per message by `Wechatpay-Serial`. Both kinds may be configured at once (the
 * certificate → public-key migration sends both).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Keys from "./internal/keys.js"
import { ConfigurationError, type ResponseVerificationError } from "./WechatPayError.js"

/**
 * The signed parts of a response or notification. Header names are lower case (as `@effect/platform` `Headers`
 * are); `body` is the raw body exactly as received.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignedMessage {
  readonly headers: { readonly [name: string]: string | undefined }
  /** The body exactly as received: the bytes, or (for a notification read as text) the string. */
  readonly body: Uint8Array | string
  /** Copied into the error, for support. */
  readonly requestId?: string | undefined
  readonly status?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * The WeChat Pay public-key id (`PUB_KEY_ID_…`) to send as `Wechatpay-Serial` on requests, so that WeChat signs
   * the response with that key; `undefined` when only platform certificates are configured.
   */
  readonly serial: string | undefined
  /**
   * Fail with `ResponseVerificationError` unless the message is fresh and correctly signed by a known key.
   * `options.maxClockSkew` replaces the configured window for this message (notifications use their own).
   */
  readonly verify: (message: SignedMessage, options?: VerifyOptions) => Effect.Effect<void, ResponseVerificationError>
}

/**
 * @since 0.4.0
 * @category models
 */
export interface VerifyOptions {
  /** Largest accepted distance between `Wechatpay-Timestamp` and our clock, for this message. */
  readonly maxClockSkew?: Duration.Duration | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Verifier extends Context.Service<Verifier, Service>()("effect-wechatpay/Verifier") {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Key id → PEM. A key id is a WeChat Pay public-key id (`PUB_KEY_ID_…`, value: the PEM public key) or a platform
   * certificate serial (value: the PEM certificate, or its public key).
   */
  readonly publicKeys: Readonly<Record<string, string>>
  /** Largest accepted distance between `Wechatpay-Timestamp` and our clock. Default 5 minutes (300 s accepted). */
  readonly maxClockSkew?: Duration.Input | undefined
}

/**
 * Build a verifier. Keys are parsed here, once. Fails with `ConfigurationError` on an empty map, an unreadable PEM,
 * a private key where a public one belongs, or a certificate whose serial is not the one it is filed under.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, ConfigurationError> =>
  Effect.suspend(() => {
    const ids = Object.keys(options.publicKeys)
    if (ids.length === 0) {
      return Effect.fail(
        new ConfigurationError({
          option: "publicKeys",
          message: "No WeChat Pay public key or platform certificate configured: responses could not be verified."
        })
      )
    }
    return Effect.flatMap(Keys.configuredKeys(options.publicKeys), (entries) => {
      if (Keys.isProblem(entries)) {
        return Effect.fail(new ConfigurationError({ option: "publicKeys", message: entries.problem }))
      }
      const skew = Keys.maxSkewSeconds(options.maxClockSkew)
      if (skew === undefined) {
        return Effect.fail(
          new ConfigurationError({ option: "maxClockSkew", message: "maxClockSkew must be a finite duration." })
        )
      }
      const keys = Keys.keySet(entries, `configured: ${ids.join(", ")}`)
      return Effect.succeed<Service>({
        serial: ids.find(Keys.isPublicKeyId),
        verify: Keys.verifier({ keys: () => keys, maxSkewSeconds: skew })
      })
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Verifier, ConfigurationError> => Layer.effect(Verifier, make(options))
