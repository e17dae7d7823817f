/**
 * AEAD_AES_256_GCM as WeChat Pay uses it for notifications and the certificate download: the key is the APIv3
 * key's own bytes, the IV the `nonce` string's bytes, the AAD the `associated_data` string's bytes (empty when
 * absent), and `ciphertext` is Base64 of `ct ‖ 16-byte tag`. Decryption never returns partial plaintext.
 *
 * The public layers accept 32-byte keys only; this module also takes 16 bytes (AES-128-GCM) because the
 * SDKs' published vectors use 16-character keys.
 */
import * as Effect from "effect/Effect"
import * as Bytes from "./crypto/bytes.js"
import * as Crypto from "./crypto/index.js"
import type { Backend } from "./crypto/types.js"
import * as Protocol from "./protocol.js"

const tagBytes = 16

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
export const keyBytes = (apiV3Key: string): Uint8Array => Bytes.utf8(apiV3Key)

/** Decrypt and authenticate; the plaintext bytes, or why not. */
export const decrypt = (
  key: Uint8Array,
  sealed: Sealed,
  backend: Backend = Crypto.backend()
): Effect.Effect<Uint8Array | Failure> => {
  if (key.length !== 16 && key.length !== 32) return Effect.succeed({ problem: "the key is neither 16 nor 32 bytes" })
  if (typeof sealed.nonce !== "string" || sealed.nonce.length === 0) {
    return Effect.succeed({ problem: "the nonce is missing" })
  }
  if (typeof sealed.ciphertext !== "string" || !Protocol.isBase64(sealed.ciphertext)) {
    return Effect.succeed({ problem: "the ciphertext is not Base64" })
  }
  const data = Bytes.fromBase64(sealed.ciphertext)
  if (data.length < tagBytes) return Effect.succeed({ problem: "the ciphertext is shorter than its authentication tag" })
  return Effect.map(
    backend.aesGcmDecrypt(key, Bytes.utf8(sealed.nonce), Bytes.utf8(sealed.associatedData ?? ""), data),
    (plain): Uint8Array | Failure =>
      plain ?? { problem: "authentication failed (wrong APIv3 key, or the data was altered)" }
  )
}

/** Encrypt (the other direction, for tests and tools); Base64 of ciphertext and tag. Dies on a key of another size. */
export const encrypt = (
  key: Uint8Array,
  nonce: string,
  associatedData: string,
  plaintext: Uint8Array,
  backend: Backend = Crypto.backend()
): Effect.Effect<string> =>
  key.length !== 16 && key.length !== 32
    ? Effect.die(new Error("AEAD key must be 16 or 32 bytes"))
    : backend.aesGcmEncrypt(key, Bytes.utf8(nonce), Bytes.utf8(associatedData), plaintext).pipe(
      Effect.map(Bytes.toBase64),
      Effect.orDie
    )
