/**
 * Sensitive request fields (a member's phone number): RSAES-OAEP with SHA-1 and MGF1-SHA-1, empty label, Base64 —
 * under the WeChat Pay public key when one is configured, else the newest platform certificate. The id of that key
 * goes out as `Wechatpay-Serial` with the request, so WeChat knows which private key to decrypt with.
 *
 * A service of its own: a KMS, an HSM or a test provides another layer for the same Tag.
 *
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Bytes from "./internal/crypto/bytes.js"
import * as Crypto from "./internal/crypto/index.js"
import type { PublicKey } from "./internal/crypto/types.js"
import * as Keys from "./internal/keys.js"
import { ConfigurationError, SigningError } from "./WechatPayError.js"

/**
 * @since 0.3.0
 * @category models
 */
export interface Service {
  /** The key id sent as `Wechatpay-Serial` with a request carrying a field encrypted by this service. */
  readonly serial: string
  /** The most UTF-8 bytes one plaintext may have (214 for RSA-2048 with OAEP/SHA-1). */
  readonly maxPlaintextBytes: number
  /** Encrypt; the plaintext never leaves `Redacted` except into the cipher. */
  readonly encrypt: (plaintext: Redacted.Redacted<string>) => Effect.Effect<string, SigningError>
  /**
   * Encrypt and say under which key id, in one step: for an encryptor whose key can change while it runs (certificate
   * mode follows WeChat's certificate rotation), so that the `Wechatpay-Serial` sent always names the key used. When
   * absent, `encrypt` and then `serial` are used.
   *
   * @since 0.4.0
   */
  readonly encryptWithSerial?: (
    plaintext: Redacted.Redacted<string>
  ) => Effect.Effect<{ readonly ciphertext: string; readonly serial: string }, SigningError>
}

/**
 * @since 0.3.0
 * @category tags
 */
export class Encryptor extends Context.Tag("effect-wechatpay/Encryptor")<Encryptor, Service>() {}

/** RSA-OAEP with SHA-1: a k-byte modulus holds at most k − 2·20 − 2 bytes. */
const oaepLimit = (key: PublicKey): number => (key.modulusBits >> 3) - 42

/**
 * The encryptor for a key map as `WechatPay` options give it (`PUB_KEY_ID_…` → public key PEM, certificate serial →
 * certificate PEM): the public key when there is one, else the certificate with the latest start of validity
 * (WeChat: "use the certificate with the latest effective time"). Parsed once. Fails with `ConfigurationError` when
 * no key can encrypt.
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (options: {
  readonly publicKeys: Readonly<Record<string, string>>
}): Effect.Effect<Service, ConfigurationError> =>
  Effect.gen(function*() {
    const backend = Crypto.backend()
    let chosen: { readonly serial: string; readonly key: PublicKey; readonly since: number } | undefined
    for (const [id, pem] of Object.entries(options.publicKeys)) {
      const parsed = yield* Keys.publicKey(pem, backend)
      if (Keys.isProblem(parsed)) {
        return yield* Effect.fail(
          new ConfigurationError({ option: "publicKeys", message: `The key for "${id}" ${parsed.problem}.` })
        )
      }
      if (Keys.isPublicKeyId(id)) {
        chosen = { serial: id, key: parsed.key, since: Number.POSITIVE_INFINITY }
        break
      }
      const since = parsed.certificate?.notBefore ?? 0
      if (chosen === undefined || since > chosen.since) chosen = { serial: id, key: parsed.key, since }
    }
    if (chosen === undefined) {
      return yield* Effect.fail(
        new ConfigurationError({
          option: "publicKeys",
          message: "No WeChat Pay public key or platform certificate configured: sensitive fields could not be encrypted."
        })
      )
    }
    const { key, serial } = chosen
    return {
      serial,
      maxPlaintextBytes: oaepLimit(key),
      encrypt: (plaintext) =>
        Effect.suspend(() => backend.oaepEncrypt(key, Bytes.utf8(Redacted.value(plaintext)))).pipe(
          Effect.map(Bytes.toBase64),
          // Never the plaintext, nor anything derived from it (a defect, e.g. no Redacted given, included).
          Effect.catchAllCause(() => Effect.fail(new SigningError({ message: "RSA-OAEP encryption of a sensitive field failed" })))
        )
    } satisfies Service
  })

/**
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: {
  readonly publicKeys: Readonly<Record<string, string>>
}): Layer.Layer<Encryptor, ConfigurationError> => Layer.effect(Encryptor, make(options))
