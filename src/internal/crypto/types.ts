/**
 * The crypto the client needs, as one interface with two implementations: node:crypto (`node.ts`: Node, Bun, Deno)
 * and WebCrypto (`web.ts`: any runtime with `crypto.subtle`; workerd, with or without `nodejs_compat`). `index.ts`
 * chooses. Keys are imported once into an opaque handle (a `KeyObject` or a `CryptoKey`); every operation is an
 * Effect because WebCrypto's are asynchronous (node's, but for signing, run synchronously inside it). Failures carry
 * no key material and no plaintext: callers turn them into their own messages.
 */
import type * as NodeCrypto from "node:crypto"
import type * as Effect from "effect/Effect"

/** A native key: node:crypto's `KeyObject` or WebCrypto's `CryptoKey`. */
export type NativeKey = NodeCrypto.KeyObject | NodeCrypto.webcrypto.CryptoKey

/** The merchant private key, imported for RSASSA-PKCS1-v1_5 with SHA-256. */
export interface PrivateKey {
  readonly _tag: "PrivateKey"
  readonly native: NativeKey
  /** The key for signing where the implementation signs with another API than the one `native` is for (node: WebCrypto). */
  readonly signing?: NativeKey | undefined
}

/** An RSA public key, imported for verification (RSASSA-PKCS1-v1_5/SHA-256) and for RSA-OAEP/SHA-1. */
export interface PublicKey {
  readonly _tag: "PublicKey"
  /** The key for verification (node: the one `KeyObject` for both uses). */
  readonly native: NativeKey
  /** The key for RSA-OAEP where the implementation needs a second one (WebCrypto binds a key to one algorithm). */
  readonly oaep?: NativeKey | undefined
  readonly modulusBits: number
}

/** Why a private key was not imported: its bytes are not an RSA key, or it signs what its public half rejects. */
export type PrivateKeyProblem = "Malformed" | "Damaged"

export interface Backend {
  readonly name: "node" | "web"
  /** A PKCS#8 RSA private key (DER), checked with one signature against its own public half. */
  readonly importPrivateKey: (pkcs8: Uint8Array) => Effect.Effect<PrivateKey, PrivateKeyProblem>
  /** RSASSA-PKCS1-v1_5/SHA-256 over the UTF-8 bytes of `message`; standard Base64. */
  readonly sign: (key: PrivateKey, message: string) => Effect.Effect<string, "SigningFailed">
  /** An RSA SubjectPublicKeyInfo (DER). */
  readonly importPublicKey: (spki: Uint8Array) => Effect.Effect<PublicKey, "Malformed">
  /** Whether `signature` (standard Base64, checked by the caller) is RSASSA-PKCS1-v1_5/SHA-256 of `data` under `key`. */
  readonly verify: (key: PublicKey, data: Uint8Array, signature: string) => Effect.Effect<boolean>
  /** The same, synchronously, where the implementation can (node:crypto): one verification per response, kept cheap. */
  readonly verifySync?: ((key: PublicKey, data: Uint8Array, signature: string) => boolean) | undefined
  /** RSAES-OAEP with SHA-1 and MGF1-SHA-1, empty label. */
  readonly oaepEncrypt: (key: PublicKey, plaintext: Uint8Array) => Effect.Effect<Uint8Array, "EncryptionFailed">
  /** The SHA-256 digest (node:crypto's `createHash`, run synchronously inside the Effect; WebCrypto's `digest`). */
  readonly sha256: (data: Uint8Array) => Effect.Effect<Uint8Array>
  /** AES-GCM (16- or 32-byte key, 16-byte tag): `ciphertext ‖ tag`. */
  readonly aesGcmEncrypt: (
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    plaintext: Uint8Array
  ) => Effect.Effect<Uint8Array, "EncryptionFailed">
  /** AES-GCM of `ciphertext ‖ tag`: the plaintext, or `undefined` when it does not authenticate. */
  readonly aesGcmDecrypt: (
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array
  ) => Effect.Effect<Uint8Array | undefined>
}
