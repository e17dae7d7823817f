/**
 * A member-card notification as WeChat sends it, for tests that post one to an app: the envelope with its resource
 * sealed (AES-256-GCM) with an APIv3 key, and WeChat's signature headers made now with a WeChat Pay private key.
 */
import * as crypto from "node:crypto"
import * as Effect from "effect/Effect"
import * as Aead from "../src/internal/aead.js"

export interface Delivery {
  readonly headers: Record<string, string>
  readonly body: string
}

export const delivery = (options: {
  readonly id: string
  /** The decrypted resource. */
  readonly resource: unknown
  /** The APIv3 key the resource is sealed with. */
  readonly apiV3Key: string
  /** WeChat's signing key and its id (`Wechatpay-Serial`). */
  readonly privateKey: string
  readonly keyId: string
  readonly requestId?: string | undefined
}): Delivery => {
  const nonce = "fdasflkja484"
  const body = JSON.stringify({
    id: options.id,
    create_time: "2024-08-14T12:00:00+08:00",
    resource_type: "encrypt-resource",
    event_type: "MEMBERCARD.ACCEPT_CARD",
    summary: "领卡通知",
    resource: {
      original_type: "membercard",
      algorithm: "AEAD_AES_256_GCM",
      ciphertext: Effect.runSync(
        Aead.encrypt(Aead.keyBytes(options.apiV3Key), nonce, "membercard", Buffer.from(JSON.stringify(options.resource)))
      ),
      associated_data: "membercard",
      nonce
    }
  })
  const ts = String(Math.floor(Date.now() / 1000))
  const signatureNonce = crypto.randomBytes(16).toString("hex")
  return {
    body,
    headers: {
      "content-type": "application/json",
      "wechatpay-timestamp": ts,
      "wechatpay-nonce": signatureNonce,
      "wechatpay-serial": options.keyId,
      "wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048",
      "wechatpay-signature": crypto.sign("sha256", Buffer.from(`${ts}\n${signatureNonce}\n${body}\n`), options.privateKey)
        .toString("base64"),
      "request-id": options.requestId ?? "08F78BB5AF0610D302"
    }
  }
}
