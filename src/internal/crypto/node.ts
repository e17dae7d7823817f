/**
 * The node:crypto implementation. It never imports node:crypto itself: `index.ts` hands it the module from
 * `process.getBuiltinModule`, so a bundle for a runtime without it holds no `node:` import.
 *
 * Signing runs on libuv's thread pool: concurrent calls sign on every core and the JS thread spends ~15 µs per
 * signature instead of ~350 µs (bench/README.md). It goes through the runtime's WebCrypto (`crypto.subtle.sign`, the
 * same OpenSSL job on the same pool) rather than node:crypto's callback `sign`: measured on Node 24 at 64 signatures
 * in flight, the callback form leaves several times more of each call's objects alive across a scavenge (what makes
 * V8 grow its young generation, bench/README.md), for the same CPU. The key is imported for it once, next to its
 * `KeyObject`. Everything else is fast enough to run synchronously inside its Effect.
 */
import type * as NodeCrypto from "node:crypto"
import * as Effect from "effect/Effect"
import type { Backend, PrivateKey, PublicKey } from "./types.js"

const tagBytes = 16

const gcm = (key: Uint8Array): "aes-128-gcm" | "aes-256-gcm" | undefined =>
  key.length === 32 ? "aes-256-gcm" : key.length === 16 ? "aes-128-gcm" : undefined

const probe = new TextEncoder().encode("effect-wechatpay: merchant key self-check")

const encoder = new TextEncoder()

const pkcs1 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const

type CryptoKey = NodeCrypto.webcrypto.CryptoKey

/** The implementation over a node:crypto module (Node, Bun, Deno). */
export const make = (crypto: typeof NodeCrypto): Backend => {
  // node:crypto's `webcrypto` is the global `crypto` on Node; a runtime whose node:crypto lacks it has the global.
  const subtle = (crypto.webcrypto ?? (globalThis.crypto as unknown as NodeCrypto.webcrypto.Crypto)).subtle
  const view = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const native = (key: PrivateKey | PublicKey) => key.native as NodeCrypto.KeyObject
  const verifySync = (key: PublicKey, data: Uint8Array, signature: string): boolean => {
    try {
      return crypto.verify("sha256", data, native(key), Buffer.from(signature, "base64"))
    } catch {
      // a key the primitive refuses is a failed verification, never a defect
      return false
    }
  }
  return {
    name: "node",

    importPrivateKey: (pkcs8) =>
      Effect.suspend(() => {
        let key: NodeCrypto.KeyObject
        try {
          key = crypto.createPrivateKey({ key: view(pkcs8), format: "der", type: "pkcs8" })
        } catch {
          return Effect.fail("Malformed" as const)
        }
        // A key can parse and still be damaged (a changed modulus or exponent): every request would then fail with
        // SIGN_ERROR. One signature, checked against the key's own public half, catches that when the layer is built.
        try {
          if (!crypto.verify("sha256", probe, crypto.createPublicKey(key), crypto.sign("sha256", probe, key))) {
            return Effect.fail("Damaged" as const)
          }
        } catch {
          // a key the primitives refuse is as damaged as one whose signature does not verify
          return Effect.fail("Damaged" as const)
        }
        return Effect.map(
          Effect.tryPromise({
            try: () => subtle.importKey("pkcs8", pkcs8, pkcs1, false, ["sign"]),
            catch: () => "Malformed" as const
          }),
          (signing): PrivateKey => ({ _tag: "PrivateKey", native: key, signing })
        )
      }),

    sign: (key, message) =>
      Effect.callback<string, "SigningFailed">((resume) => {
        subtle.sign(pkcs1, key.signing as CryptoKey, encoder.encode(message)).then(
          (signature) => resume(Effect.succeed(Buffer.from(signature).toString("base64"))),
          () => resume(Effect.fail("SigningFailed"))
        )
      }),

    importPublicKey: (spki) =>
      Effect.suspend(() => {
        try {
          const key = crypto.createPublicKey({ key: view(spki), format: "der", type: "spki" })
          if (key.asymmetricKeyType !== "rsa") return Effect.fail("Malformed" as const)
          return Effect.succeed<PublicKey>({
            _tag: "PublicKey",
            native: key,
            modulusBits: key.asymmetricKeyDetails?.modulusLength ?? 2048
          })
        } catch {
          return Effect.fail("Malformed" as const)
        }
      }),

    verify: (key, data, signature) => Effect.sync(() => verifySync(key, data, signature)),

    verifySync,

    oaepEncrypt: (key, plaintext) =>
      Effect.try({
        try: () =>
          new Uint8Array(
            crypto.publicEncrypt({ key: native(key), padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, plaintext)
          ),
        catch: () => "EncryptionFailed" as const
      }),

    sha256: (data) => Effect.sync(() => crypto.createHash("sha256").update(data).digest()),

    aesGcmEncrypt: (key, iv, aad, plaintext) =>
      Effect.try({
        try: () => {
          const algorithm = gcm(key)
          if (algorithm === undefined) throw new Error("AES-GCM key must be 16 or 32 bytes")
          const cipher = crypto.createCipheriv(algorithm, key, iv, { authTagLength: tagBytes })
          cipher.setAAD(aad)
          return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]))
        },
        catch: () => "EncryptionFailed" as const
      }),

    aesGcmDecrypt: (key, iv, aad, data) =>
      Effect.sync(() => {
        const algorithm = gcm(key)
        if (algorithm === undefined || data.length < tagBytes) return undefined
        try {
          const decipher = crypto.createDecipheriv(algorithm, key, iv, { authTagLength: tagBytes })
          decipher.setAuthTag(data.subarray(data.length - tagBytes))
          decipher.setAAD(aad)
          const head = decipher.update(data.subarray(0, data.length - tagBytes))
          const tail = decipher.final()
          return new Uint8Array(tail.length === 0 ? head : Buffer.concat([head, tail]))
        } catch {
          return undefined
        }
      })
  }
}
