/**
 * The request signer: `sign(message)` → Base64 RSASSA-PKCS1-v1_5/SHA-256 signature.
 *
 * The default layer holds the merchant API private key in memory, parsed once. A KMS/HSM user provides their own
 * layer for the same Tag: everything else (sign string, header, retries) stays the same.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Crypto from "./internal/crypto/index.js"
import type { Backend, PrivateKey } from "./internal/crypto/types.js"
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
export class Signer extends Context.Service<Signer, Service>()("effect-wechatpay/Signer") {}

const signingFailed = () => new SigningError({ message: "RSA signing failed" })

/** Whose key it is, for the messages: the option's name and the key's. */
interface Named {
  readonly option: string
  readonly key: string
}

const merchantKey: Named = { option: "privateKey", key: "merchant private key" }

const importKey = (pem: string, backend: Backend, named: Named): Effect.Effect<PrivateKey, ConfigurationError> => {
  const problem = (message: string) => new ConfigurationError({ option: named.option, message: `The ${named.key} ${message}.` })
  const decoded = Pem.decode(pem)
  if (decoded === undefined) return Effect.fail(problem("is not a PEM (no -----BEGIN … ----- line)"))
  const { label, der } = decoded
  if (label === "CERTIFICATE") {
    return Effect.fail(problem(`is a certificate; the ${named.key.replace("private key", "API private key")} (apiclient_key.pem) is expected here`))
  }
  if (label === "PUBLIC KEY" || label === "RSA PUBLIC KEY") {
    return Effect.fail(problem(`is a public key; the ${named.key.replace("private key", "API private key")} is expected here`))
  }
  if (label === "ENCRYPTED PRIVATE KEY") return Effect.fail(problem("is encrypted; decrypt it first (openssl pkcs8)"))
  if (label !== "PRIVATE KEY" && label !== "RSA PRIVATE KEY") {
    return Effect.fail(problem(`is a PEM of type "${label}"; a PKCS#8 or PKCS#1 RSA private key is expected`))
  }
  if (der === undefined) return Effect.fail(problem(`is a malformed ${label} PEM (its body is not Base64)`))
  const pkcs8 = label === "RSA PRIVATE KEY" ? Pem.pkcs1ToPkcs8(der) : der
  if (!Pem.isRsaPkcs8(pkcs8)) return Effect.fail(problem("is not an RSA key; WeChat Pay APIv3 uses RSA"))
  // The implementation checks the key with one signature against its own public half: a key can parse and still be
  // damaged (a changed modulus or exponent), and every request would then fail with SIGN_ERROR.
  return Effect.mapError(backend.importPrivateKey(pkcs8), (reason) =>
    problem(
      reason === "Malformed"
        ? `is a malformed ${label} PEM (it could not be imported as an RSA key)`
        : "is damaged (a signature made with it does not verify against its own public key)"
    ))
}

/**
 * An in-memory RSA signer. Accepts a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM and parses
 * it once into a `KeyObject` (node:crypto) or a non-extractable `CryptoKey` (WebCrypto, where node:crypto is
 * absent). Fails with `ConfigurationError` (never echoing the key) when the PEM is not an RSA private key.
 *
 * Where node:crypto is, each signature is computed on libuv's thread pool (through the runtime's WebCrypto, with the
 * key imported for it once: see src/internal/crypto/node.ts): concurrent calls sign on every core, and the JS thread
 * spends ~15 µs per signature instead of ~350 µs (see bench/README.md). Elsewhere, by `crypto.subtle.sign`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRsa = (options: {
  readonly privateKey: Redacted.Redacted<string>
  /**
   * Whose key, for a `ConfigurationError`: the option that held it and the key's name (default `privateKey`, "merchant
   * private key"; `BrandClient` says `brandPrivateKey`, "brand private key").
   *
   * @since 1.3.0
   */
  readonly name?: { readonly option: string; readonly key: string } | undefined
}): Effect.Effect<Service, ConfigurationError> =>
  Effect.suspend(() => {
    const backend = Crypto.backend()
    return Effect.map(importKey(Redacted.value(options.privateKey), backend, options.name ?? merchantKey), (key): Service => ({
      local: true,
      sign: (message) => Effect.mapError(backend.sign(key, message), signingFailed)
    }))
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
