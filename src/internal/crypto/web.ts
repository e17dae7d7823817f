/**
 * The WebCrypto implementation (`crypto.subtle`): every runtime has it, and it is the one used on workerd (the only one
 * without `nodejs_compat`). RSASSA-PKCS1-v1_5/SHA-256, RSA-OAEP/SHA-1 and AES-GCM (128 and 256) are all in WebCrypto's core
 * set, on workerd too. A CryptoKey serves one algorithm, so a public key is imported twice (verify, OAEP).
 */
import type { webcrypto } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Bytes from "./bytes.js"
import type { Backend, PrivateKey, PublicKey } from "./types.js"

type CryptoKey = webcrypto.CryptoKey

const pkcs1 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const
const oaep = { name: "RSA-OAEP", hash: "SHA-1" } as const

const probe = new TextEncoder().encode("effect-wechatpay: merchant key self-check")

/** The implementation over a WebCrypto `crypto` object (`globalThis.crypto`). */
export const make = (crypto: webcrypto.Crypto): Backend => {
  const subtle = crypto.subtle
  const attempt = <A, E>(f: () => Promise<A>, error: E): Effect.Effect<A, E> =>
    Effect.tryPromise({ try: f, catch: () => error })
  const aes = (key: Uint8Array, usage: "encrypt" | "decrypt") =>
    key.length === 16 || key.length === 32
      ? subtle.importKey("raw", key, "AES-GCM", false, [usage])
      : Promise.reject(new Error("AES-GCM key must be 16 or 32 bytes"))
  return {
    name: "web",

    importPrivateKey: (pkcs8) =>
      Effect.gen(function*() {
        const key = yield* attempt(() => subtle.importKey("pkcs8", pkcs8, pkcs1, false, ["sign"]), "Malformed" as const)
        // The public half, for the self-check (a damaged key can import and then sign what nothing verifies): read from
        // a second, extractable import that is dropped at once; the held key stays non-extractable.
        const verifyKey = yield* attempt(async () => {
          const extractable = await subtle.importKey("pkcs8", pkcs8, pkcs1, true, ["sign"])
          const { e, n } = await subtle.exportKey("jwk", extractable)
          if (e === undefined || n === undefined) throw new Error("not an RSA key")
          return subtle.importKey("jwk", { kty: "RSA", e, n }, pkcs1, false, ["verify"])
        }, "Malformed" as const)
        const ok = yield* attempt(
          async () => subtle.verify(pkcs1, verifyKey, await subtle.sign(pkcs1, key, probe), probe),
          "Damaged" as const
        )
        return ok ? { _tag: "PrivateKey", native: key } satisfies PrivateKey : yield* Effect.fail("Damaged" as const)
      }),

    sign: (key, message) =>
      Effect.map(
        attempt(() => subtle.sign(pkcs1, key.native as CryptoKey, Bytes.utf8(message)), "SigningFailed" as const),
        (signature) => Bytes.toBase64(new Uint8Array(signature))
      ),

    importPublicKey: (spki) =>
      attempt(async (): Promise<PublicKey> => {
        const native = await subtle.importKey("spki", spki, pkcs1, false, ["verify"])
        const forOaep = await subtle.importKey("spki", spki, oaep, false, ["encrypt"])
        const algorithm = native.algorithm as webcrypto.RsaHashedKeyAlgorithm
        return { _tag: "PublicKey", native, oaep: forOaep, modulusBits: algorithm.modulusLength }
      }, "Malformed" as const),

    verify: (key, data, signature) =>
      Effect.catch(
        attempt(() => subtle.verify(pkcs1, key.native as CryptoKey, Bytes.fromBase64(signature), data), false),
        () => Effect.succeed(false)
      ),

    oaepEncrypt: (key, plaintext) =>
      Effect.map(
        attempt(() => subtle.encrypt(oaep, (key.oaep ?? key.native) as CryptoKey, plaintext), "EncryptionFailed" as const),
        (bytes) => new Uint8Array(bytes)
      ),

    sha256: (data) => Effect.map(Effect.promise(() => subtle.digest("SHA-256", data)), (digest) => new Uint8Array(digest)),

    aesGcmEncrypt: (key, iv, aad, plaintext) =>
      Effect.map(
        attempt(
          async () =>
            subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad, tagLength: 128 }, await aes(key, "encrypt"), plaintext),
          "EncryptionFailed" as const
        ),
        (bytes) => new Uint8Array(bytes)
      ),

    aesGcmDecrypt: (key, iv, aad, data) =>
      Effect.catch(
        Effect.map(
          attempt(
            async () =>
              subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad, tagLength: 128 }, await aes(key, "decrypt"), data),
            undefined
          ),
          (bytes): Uint8Array | undefined => new Uint8Array(bytes)
        ),
        () => Effect.succeed(undefined)
      )
  }
}
