/**
 * The request signer: `sign(message)` → Base64 RSASSA-PKCS1-v1_5/SHA-256 signature.
 *
 * The default layer holds the merchant API private key in memory, parsed once. A KMS/HSM user provides their own
 * layer for the same Tag: everything else (sign string, header, retries) stays the same.
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Keys from "./internal/keys.js"
import { ConfigurationError, SigningError } from "./WechatPayError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Sign the UTF-8 bytes of `message`; return the standard Base64 signature. */
  readonly sign: (message: string) => Effect.Effect<string, SigningError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Signer extends Context.Tag("effect-wechatpay/Signer")<Signer, Service>() {}

/**
 * An in-memory RSA signer. Accepts a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM; parses
 * it once. Fails with `ConfigurationError` (never echoing the key) when the PEM is not an RSA private key.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRsa = (options: {
  readonly privateKey: Redacted.Redacted<string>
}): Effect.Effect<Service, ConfigurationError> =>
  Effect.suspend(() => {
    const key = Keys.privateKey(Redacted.value(options.privateKey))
    if (Keys.isProblem(key)) {
      return Effect.fail(new ConfigurationError({ option: "privateKey", message: `The merchant private key ${key.problem}.` }))
    }
    return Effect.succeed<Service>({
      sign: (message) =>
        Effect.try({
          // Synchronous node:crypto with a reused KeyObject: ~280 µs per RSA-2048 signature on the reference
          // machine; WebCrypto's async round trip costs more than it saves at this size (see bench/README.md).
          try: () => crypto.sign("sha256", Buffer.from(message, "utf8"), key).toString("base64"),
          catch: () => new SigningError({ message: "RSA signing failed" })
        })
    })
  })

/**
 * Layer of the in-memory RSA signer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRsa = (options: {
  readonly privateKey: Redacted.Redacted<string>
}): Layer.Layer<Signer, ConfigurationError> => Layer.effect(Signer, makeRsa(options))
