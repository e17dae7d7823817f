/**
 * AEAD_AES_256_GCM as WeChat Pay uses it for notifications and the certificate download: the key is the APIv3
 * key's own bytes, the IV the `nonce` string's bytes, the AAD the `associated_data` string's bytes (empty when
 * absent), and `ciphertext` is Base64 of `ct ‖ 16-byte tag`. Decryption never returns partial plaintext.
 *
 * The public layers accept 32-byte keys only; this module also takes 16 bytes (AES-128-GCM) because the
 * SDKs' published vectors use 16-character keys.
 */
import * as crypto from "node:crypto"
import * as Protocol from "./protocol.js"

const tagBytes = 16

/** The cipher for a key length; `undefined` for any length but 16 or 32. */
const cipherFor = (key: Uint8Array): "aes-128-gcm" | "aes-256-gcm" | undefined =>
  key.length === 32 ? "aes-256-gcm" : key.length === 16 ? "aes-128-gcm" : undefined

export interface Sealed {
  readonly nonce: string
  readonly associatedData?: string | undefined
  /** Base64 of ciphertext and tag. */
  readonly ciphertext: string
}

/** Why a decryption failed, in words safe to log (no key, no plaintext). */
export type Failure = { readonly problem: string }

export const isFailure = (u: unknown): u is Failure =>
  typeof u === "object" && u !== null && !(u instanceof Uint8Array) && "problem" in u

/** The APIv3 key's bytes: its UTF-8 encoding, used directly (never hex- or Base64-decoded). */
export const keyBytes = (apiV3Key: string): Uint8Array => Buffer.from(apiV3Key, "utf8")

/** Decrypt and authenticate; the plaintext bytes, or why not. */
export const decrypt = (key: Uint8Array, sealed: Sealed): Uint8Array | Failure => {
  const algorithm = cipherFor(key)
  if (algorithm === undefined) return { problem: "the key is neither 16 nor 32 bytes" }
  if (typeof sealed.nonce !== "string" || sealed.nonce.length === 0) return { problem: "the nonce is missing" }
  if (typeof sealed.ciphertext !== "string" || !Protocol.isBase64(sealed.ciphertext)) {
    return { problem: "the ciphertext is not Base64" }
  }
  const data = Buffer.from(sealed.ciphertext, "base64")
  if (data.length < tagBytes) return { problem: "the ciphertext is shorter than its authentication tag" }
  try {
    const decipher = crypto.createDecipheriv(algorithm, key, Buffer.from(sealed.nonce, "utf8"), { authTagLength: tagBytes })
    decipher.setAuthTag(data.subarray(data.length - tagBytes))
    decipher.setAAD(Buffer.from(sealed.associatedData ?? "", "utf8"))
    const head = decipher.update(data.subarray(0, data.length - tagBytes))
    const tail = decipher.final()
    return tail.length === 0 ? head : Buffer.concat([head, tail])
  } catch {
    return { problem: "authentication failed (wrong APIv3 key, or the data was altered)" }
  }
}

/** Encrypt (the other direction, for tests and tools); Base64 of ciphertext and tag. */
export const encrypt = (key: Uint8Array, nonce: string, associatedData: string, plaintext: Uint8Array): string => {
  const algorithm = cipherFor(key)
  if (algorithm === undefined) throw new Error("AEAD key must be 16 or 32 bytes")
  const cipher = crypto.createCipheriv(algorithm, key, Buffer.from(nonce, "utf8"), { authTagLength: tagBytes })
  cipher.setAAD(Buffer.from(associatedData, "utf8"))
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString("base64")
}
