/**
 * The request signer: `sign(message)` → Base64 RSASSA-PKCS1-v1_5/SHA-256 signature.
 *
 * The default layer holds the merchant API private key in memory, parsed once. A KMS/HSM user provides their own
 * layer for the same Tag: everything else (sign string, header, retries) stays the same.
 *
 * @since 0.1.0
 */
import { Buffer } from "node:buffer"
import * as Crypto from "node:crypto"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Pem from "./internal/pem.js"
import { ConfigurationError, SigningError } from "./WechatPayError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Sign the UTF-8 bytes of `message`; return the standard Base64 signature. */
  readonly sign: (message: string) => Effect.Effect<string, SigningError>
  /**
   * `true` for a signer that only computes locally and always completes (the built-in one). Any other signer —
   * a KMS, an HSM, anything remote — runs under the attempt's `timeout`, and one that does not answer fails the
   * attempt with a retryable `TransportError` (reason `Timeout`).
   */
  readonly local?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Signer extends Context.Tag("effect-wechatpay/Signer")<Signer, Service>() {}

const problem = (message: string) => new ConfigurationError({ option: "privateKey", message: `The merchant private key ${message}.` })

const importKey = (pem: string): Effect.Effect<Crypto.KeyObject, ConfigurationError> => {
  const decoded = Pem.decode(pem)
  if (decoded === undefined) return Effect.fail(problem("is not a PEM (no -----BEGIN … ----- line)"))
  const { label, der } = decoded
  if (label === "CERTIFICATE") {
    return Effect.fail(problem("is a certificate; the merchant API private key (apiclient_key.pem) is expected here"))
  }
  if (label === "PUBLIC KEY" || label === "RSA PUBLIC KEY") {
    return Effect.fail(problem("is a public key; the merchant API private key is expected here"))
  }
  if (label === "ENCRYPTED PRIVATE KEY") return Effect.fail(problem("is encrypted; decrypt it first (openssl pkcs8)"))
  if (label !== "PRIVATE KEY" && label !== "RSA PRIVATE KEY") {
    return Effect.fail(problem(`is a PEM of type "${label}"; a PKCS#8 or PKCS#1 RSA private key is expected`))
  }
  if (der === undefined) return Effect.fail(problem(`is a malformed ${label} PEM (its body is not Base64)`))
  const pkcs8 = label === "RSA PRIVATE KEY" ? Pem.pkcs1ToPkcs8(der) : der
  if (!Pem.isRsaPkcs8(pkcs8)) return Effect.fail(problem("is not an RSA key; WeChat Pay APIv3 uses RSA"))
  let key: Crypto.KeyObject
  try {
    key = Crypto.createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" })
  } catch {
    return Effect.fail(problem(`is a malformed ${label} PEM (it could not be imported as an RSA key)`))
  }
  // A key can parse and still be damaged (a changed modulus or exponent): every request would then fail with
  // SIGN_ERROR. One signature, checked against the key's own public half, catches that when the layer is built.
  try {
    const probe = Buffer.from("effect-wechatpay: merchant key self-check", "utf8")
    if (Crypto.verify("sha256", probe, Crypto.createPublicKey(key), Crypto.sign("sha256", probe, key))) {
      return Effect.succeed(key)
    }
  } catch {
    // fall through: a key the primitives refuse is as damaged as one whose signature does not verify
  }
  return Effect.fail(problem(`is damaged (a signature made with it does not verify against its own public key)`))
}

/**
 * An in-memory RSA signer. Accepts a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM and parses
 * it once into a `KeyObject`. Fails with `ConfigurationError` (never echoing the key) when the PEM is not an RSA
 * private key.
 *
 * Each signature is computed by node:crypto's asynchronous `sign`, on libuv's thread pool: concurrent calls sign
 * on every core, and the JS thread spends ~15 µs per signature instead of ~350 µs (see bench/README.md).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRsa = (options: {
  readonly privateKey: Redacted.Redacted<string>
}): Effect.Effect<Service, ConfigurationError> =>
  Effect.map(Effect.suspend(() => importKey(Redacted.value(options.privateKey))), (key): Service => ({
    local: true,
    sign: (message) =>
      Effect.async<string, SigningError>((resume) => {
        const failed = () => resume(Effect.fail(new SigningError({ message: "RSA signing failed" })))
        try {
          Crypto.sign("sha256", Buffer.from(message, "utf8"), key, (error, signature) => {
            if (error == null) resume(Effect.succeed(signature.toString("base64")))
            else failed()
          })
        } catch {
          failed()
        }
      })
  }))

/**
 * Layer of the in-memory RSA signer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRsa = (options: {
  readonly privateKey: Redacted.Redacted<string>
}): Layer.Layer<Signer, ConfigurationError> => Layer.effect(Signer, makeRsa(options))
