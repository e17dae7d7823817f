/**
 * 商家名片会员卡's notifications, both surfaces: a provider's `BRAND_MEMBER_CARD_SP.*` (sealed with its APIv3 key,
 * `WECHATPAY2-SHA256-RSA2048`) and a brand's `BRAND_MEMBER_CARD.*` (sealed with the brand API key, answered with
 * `WECHATPAY-BRAND-SHA256-RSA2048`), decoded into the typed events; the legacy `MEMBERCARDSP.*` names; what the
 * official page allows to be empty; and what must refuse (a payload missing what the confirm needs, the wrong key).
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Aead from "../src/internal/aead.js"
import * as Notification from "../src/Notification.js"
import * as Verifier from "../src/Verifier.js"

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const keyId = "PUB_KEY_ID_0114232019042900000000000000000009"
const providerKey = "Zq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY"
const brandKey = "b7Kd2Lq9Xw3Mz5Np8Rt1Vy4Hc6Fg0Js2"

const userCard = {
  user_card_code: "612345678901234567890123",
  card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0",
  openid: "obLatjnx9gnqzS4myYGmLZ7LgLBA",
  brand_id: "1000001",
  card_type: "NORMAL",
  card_color: "#FFFF00",
  card_picture_url: "https://wxpaylogo.qpic.cn/card.png",
  valid_date_information: { type: "PERMANENT" },
  pickup_time: "2025-08-01T10:00:00+08:00",
  user_card_state: "UNACTIVATED",
  create_time: "2025-08-01T10:00:00+08:00",
  modify_time: "2025-08-01T10:00:00+08:00"
}

const sync = { brand_id: "1000001", card_id: userCard.card_id, openid: userCard.openid, user_card_code: "M0001" }

const exchange = {
  record_id: "1000000000000001",
  brand_id: "1000001",
  card_id: userCard.card_id,
  appid: "wxd678efh567hg6787",
  openid: userCard.openid,
  user_card_code: "M0001",
  exchange_coupon_template_id: "T001",
  deduct_points: 300,
  product_coupon_id: "1000123",
  product_coupon_stock_type: "PRODUCT_COUPON_STOCK_TYPE_BUSI_FAVOR",
  stock_id: "9865000"
}

const delivery = (options: {
  readonly event_type: string
  readonly original_type: string
  readonly resource: unknown
  readonly key: string
  readonly signatureType: string
}) => {
  const nonce = crypto.randomBytes(6).toString("hex")
  const ciphertext = Effect.runSync(
    Aead.encrypt(Aead.keyBytes(options.key), nonce, options.original_type, Buffer.from(JSON.stringify(options.resource)))
  )
  const body = JSON.stringify({
    id: crypto.randomUUID(),
    create_time: "2025-08-01T10:00:00+08:00",
    resource_type: "encrypt-resource",
    event_type: options.event_type,
    summary: "用户开通会员卡通知",
    resource: {
      original_type: options.original_type,
      algorithm: "AEAD_AES_256_GCM",
      ciphertext,
      associated_data: options.original_type,
      nonce
    }
  })
  const ts = String(Math.floor(Date.now() / 1000))
  const signatureNonce = crypto.randomBytes(16).toString("hex")
  return {
    body,
    headers: {
      "wechatpay-timestamp": ts,
      "wechatpay-nonce": signatureNonce,
      "wechatpay-serial": keyId,
      "wechatpay-signature-type": options.signatureType,
      "wechatpay-signature": crypto.sign("sha256", Buffer.from(`${ts}\n${signatureNonce}\n${body}\n`), privateKey)
        .toString("base64")
    }
  }
}

const receiver = (key: string) =>
  Notification.layer({ apiV3Key: Redacted.make(key) }).pipe(
    Layer.provide(Verifier.layer({ publicKeys: { [keyId]: publicKey } }))
  )

const surfaces = [
  { surface: "provider", prefix: "BRAND_MEMBER_CARD_SP", key: providerKey, signatureType: "WECHATPAY2-SHA256-RSA2048" },
  { surface: "brand", prefix: "BRAND_MEMBER_CARD", key: brandKey, signatureType: "WECHATPAY-BRAND-SHA256-RSA2048" }
] as const

describe("商家名片会员卡 notifications", () => {
  for (const { key, prefix, signatureType, surface } of surfaces) {
    describe(`the ${surface}'s (${prefix}.*)`, () => {
      const parse = (event_type: string, original_type: string, resource: unknown) =>
        Notification.parse(delivery({ event_type, original_type, resource, key, signatureType })).pipe(
          Effect.provide(receiver(key))
        )

      it.live("a card opened: BrandUserCardCreate with the member's card", () =>
        Effect.gen(function*() {
          const event = yield* parse(`${prefix}.USER_CARD.CREATE`, "user_card", userCard)
          expect(event._tag).toBe("BrandUserCardCreate")
          expect(event.event_type).toBe(`${prefix}.USER_CARD.CREATE`)
          if (event._tag !== "BrandUserCardCreate") throw new Error("not narrowed")
          expect(event.resource).toEqual(userCard)
          expect(Notification.isEventType(event, "BRAND_MEMBER_CARD.USER_CARD.CREATE")).toBe(surface === "brand")
        }))

      it.live("a card opened on a MERCHANT_ALLOCATE template carries no code yet (official page 4015283692)", () =>
        Effect.gen(function*() {
          const { user_card_code: _, ...withoutCode } = userCard
          const event = yield* parse(`${prefix}.USER_CARD.CREATE`, "user_card", withoutCode)
          expect(event._tag).toBe("BrandUserCardCreate")
          expect((event.resource as { user_card_code?: string }).user_card_code).toBeUndefined()
        }))

      it.live("a card deleted: BrandUserCardDelete; an unknown state is kept as sent", () =>
        Effect.gen(function*() {
          const resource = { ...userCard, user_card_state: "SOMETHING_NEW" }
          const event = yield* parse(`${prefix}.USER_CARD.DELETE`, "user_card", resource)
          expect(event._tag).toBe("BrandUserCardDelete")
          expect((event.resource as { user_card_state: string }).user_card_state).toBe("SOMETHING_NEW")
        }))

      it.live("points asked for: BrandSyncUserPoint, with the four ids the sync needs", () =>
        Effect.gen(function*() {
          const event = yield* parse(`${prefix}.SYNC_USER_POINT`, "sync_user_point", sync)
          expect(event).toMatchObject({ _tag: "BrandSyncUserPoint", resource: sync })
        }))

      it.live("points for a coupon: BrandPointExchangeCoupon with the record and the points to deduct", () =>
        Effect.gen(function*() {
          const event = yield* parse(`${prefix}.POINT_EXCHANGE_COUPON`, "point_coupon", exchange)
          expect(event).toMatchObject({ _tag: "BrandPointExchangeCoupon", resource: exchange })
        }))

      it.live("a points request without the member's code is refused as not documented (the sync could not answer)", () =>
        Effect.gen(function*() {
          const { user_card_code: _, ...partial } = sync
          const error = yield* Effect.flip(parse(`${prefix}.SYNC_USER_POINT`, "sync_user_point", partial))
          expect(error._tag).toBe("NotificationDecodeError")
          expect(error.message).toContain("user_card_code")
        }))

      it.live("an exchange without deduct_points as a number is refused", () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(
            parse(`${prefix}.POINT_EXCHANGE_COUPON`, "point_coupon", { ...exchange, deduct_points: "300" })
          )
          expect(error._tag).toBe("NotificationDecodeError")
        }))
    })
  }

  it.live("the legacy MEMBERCARDSP.USER_CARD.* names decode as the same events", () =>
    Effect.gen(function*() {
      for (const [event_type, tag] of [
        ["MEMBERCARDSP.USER_CARD.CREATE", "BrandUserCardCreate"],
        ["MEMBERCARDSP.USER_CARD.DELETE", "BrandUserCardDelete"]
      ] as const) {
        const event = yield* Notification.parse(
          delivery({ event_type, original_type: "user_card", resource: userCard, key: providerKey, signatureType: "WECHATPAY2-SHA256-RSA2048" })
        ).pipe(Effect.provide(receiver(providerKey)))
        expect(event._tag).toBe(tag)
      }
    }))

  it.live("a brand's notification does not open with a provider's key (nor the reverse)", () =>
    Effect.gen(function*() {
      const sealed = delivery({
        event_type: "BRAND_MEMBER_CARD.SYNC_USER_POINT",
        original_type: "sync_user_point",
        resource: sync,
        key: brandKey,
        signatureType: "WECHATPAY-BRAND-SHA256-RSA2048"
      })
      const error = yield* Effect.flip(Notification.parse(sealed).pipe(Effect.provide(receiver(providerKey))))
      expect(error._tag).toBe("NotificationDecryptError")
    }))
})
