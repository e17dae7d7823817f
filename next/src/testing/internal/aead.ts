/**
 * AEAD_AES_256_GCM as WeChat uses it to hand secrets to the merchant (notification resources, downloaded
 * certificates): AES-GCM under the merchant's APIv3 key (its 32 ASCII bytes as they are), a 12-character nonce, the
 * associated data as the AAD, and Base64 of ciphertext ‖ 16-byte tag. The emulator's own implementation, apart from
 * the client's `src/internal/aead.ts` on purpose (a bug shared by both would pass every test).
 *
 * @internal
 */
import * as crypto from "node:crypto"

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** `length` characters of `[A-Za-z0-9]`, uniformly drawn (WeChat's nonces and APIv3 keys look like this). */
export const randomAlphanumeric = (length: number): string => {
  let text = ""
  for (let i = 0; i < length; i++) text += alphabet[crypto.randomInt(alphabet.length)]
  return text
}

/** A 12-character AEAD nonce, as WeChat puts in `resource.nonce` and `encrypt_certificate.nonce`. */
export const nonce = (): string => randomAlphanumeric(12)

/** What the merchant decrypts: `{ algorithm, nonce, associated_data, ciphertext }`. */
export interface Sealed {
  readonly algorithm: "AEAD_AES_256_GCM"
  readonly nonce: string
  readonly associated_data: string
  readonly ciphertext: string
}

/** Encrypt `plaintext` (UTF-8) under a 32-byte key. */
export const seal = (key: Uint8Array, associatedData: string, plaintext: string, nonceText: string = nonce()): Sealed => {
  const cipher = crypto.createCipheriv("aes-256-gcm", key, Buffer.from(nonceText, "utf8"))
  cipher.setAAD(Buffer.from(associatedData, "utf8"))
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()])
  return { algorithm: "AEAD_AES_256_GCM", nonce: nonceText, associated_data: associatedData, ciphertext: body.toString("base64") }
}
