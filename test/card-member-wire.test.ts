/**
 * 商家名片会员卡 on the wire, where a page asks for more than the general rules: `Wechatpay-Serial` on import and
 * confirm even without a phone number (a certificate-mode provider names its certificate), the brand's 作废会员卡模板
 * without a body, and a points-exchange REJECT without its reason refused before sending.
 */
import * as crypto from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import type * as Operation from "../src/cardMember/operation.js"
import * as Operations from "../src/cardMember/operations.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import { Transport, type WireRequest } from "../src/Transport.js"
import * as WechatPay from "../src/WechatPay.js"

const certificate = readFileSync(new URL("./vectors/c-go-D7CE.cert.pem", import.meta.url), "utf8")
const certificateSerial = "D7CE59D1F522D701"
const merchantKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const wechat = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const publicKeyId = "PUB_KEY_ID_0114232019042900000000000000000888"

/** Records each request and refuses it (an unsigned 400): what went out is all these tests look at. */
const refusing = (sent: Array<WireRequest>) =>
  Layer.succeed(Transport, {
    send: (request) =>
      Effect.sync(() => {
        sent.push(request)
        return {
          status: 400,
          headers: { "content-type": "application/json" },
          body: new TextEncoder().encode("{\"code\":\"PARAM_ERROR\",\"message\":\"recorded\"}")
        }
      })
  })

/** A provider whose only WeChat key is a platform certificate (no public-key id): nothing names a key by default. */
const certificateProvider = (sent: Array<WireRequest>) =>
  PartnerCardMember.layer.pipe(
    Layer.provide(WechatPay.layerWith({
      mchid: "1900000109",
      merchantSerialNumber: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
      merchantPrivateKey: Redacted.make(merchantKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
      wechatpayPublicKeys: { [certificateSerial]: certificate }
    })),
    Layer.provide(refusing(sent))
  )

const brand = (sent: Array<WireRequest>) =>
  BrandCardMember.layer.pipe(
    Layer.provide(BrandClient.layerWith({
      brandId: "1000001",
      brandSerialNumber: "3493DE0D9BB4EB98A8C65EAA7E8EE887EC24B71A",
      brandPrivateKey: Redacted.make(merchantKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
      wechatpayPublicKeyId: publicKeyId,
      wechatpayPublicKey: wechat.publicKey
    })),
    Layer.provide(refusing(sent))
  )

const ids = { brand_id: "1000001", card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", openid: "obLatjnx9gnqzS4myYGmLZ7LgLBA" }

describe("Wechatpay-Serial where the page requires it", () => {
  it.effect("import and confirm without a phone still name the certificate; a read does not", () => {
    const sent: Array<WireRequest> = []
    return Effect.gen(function*() {
      yield* Effect.flip(PartnerCardMember.importUserCardByOpenid({ ...ids, user_card_code: "M0001" }))
      yield* Effect.flip(
        PartnerCardMember.confirmUserCard({ ...ids, user_card_code: "M0001", user_card_confirm_state: "CREATE_CARD_SUCCESS" })
      )
      yield* Effect.flip(PartnerCardMember.getUserCard({ ...ids, user_card_code: "M0001" }))
      expect(sent.map((request) => request.headers["wechatpay-serial"])).toEqual([
        certificateSerial,
        certificateSerial,
        undefined
      ])
    }).pipe(Effect.provide(certificateProvider(sent)))
  })
})


describe("the brand's 作废会员卡模板 (page 4015582724: no body)", () => {
  it.effect("goes out without a body or Content-Type, its empty body line signed; the provider's carries brand_id", () =>
    Effect.gen(function*() {
      const sent: Array<WireRequest> = []
      yield* Effect.flip(BrandCardMember.invalidateCardTemplate({ card_id: ids.card_id }).pipe(Effect.provide(brand(sent))))
      const request = sent[0]!
      expect(request.method).toBe("POST")
      expect(request.target).toBe(`/brand/card-member/cards/${ids.card_id}/invalidate`)
      expect(request.body).toBeUndefined()
      expect(request.headers["content-type"]).toBeUndefined()
      expect(request.headers["content-length"]).toBeUndefined()
      const pairs = Object.fromEntries(
        [...request.headers["authorization"]!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])
      )
      const message = `POST\n${request.target}\n${pairs["timestamp"]}\n${pairs["nonce_str"]}\n\n`
      const signingKey = crypto.createPublicKey(merchantKey.privateKey)
      expect(crypto.verify("sha256", Buffer.from(message), signingKey, Buffer.from(pairs["signature"]!, "base64")))
        .toBe(true)

      const provider: Array<WireRequest> = []
      yield* Effect.flip(
        PartnerCardMember.invalidateCardTemplate({ brand_id: ids.brand_id, card_id: ids.card_id }).pipe(
          Effect.provide(certificateProvider(provider))
        )
      )
      expect(new TextDecoder().decode(provider[0]!.body)).toBe("{\"brand_id\":\"1000001\"}")
      expect(provider[0]!.headers["content-type"]).toBe("application/json")
    }))
})

describe("同步积分兑券结果: a REJECT needs its reason (page 4015897268)", () => {
  const exchange = {
    record_id: "1000000000000001",
    exchange_coupon_template_id: "T001",
    card_id: ids.card_id,
    openid: ids.openid,
    user_card_code: "M0001"
  }

  it.effect("REJECT without reject_reason (or with an empty one) is refused before sending; with one, and ALLOW, go", () =>
    Effect.gen(function*() {
      const sent: Array<WireRequest> = []
      const layer = brand(sent)
      for (const reason of [{}, { reject_reason: "" }]) {
        const error = yield* Effect.flip(
          BrandCardMember.confirmPointsExchange({ ...exchange, result: "POINT_EXCHANGE_COUPON_REJECT", ...reason }).pipe(
            Effect.provide(layer)
          )
        )
        expect(error).toMatchObject({ _tag: "RequestValidationError", issues: [{ path: ["reject_reason"] }] })
      }
      expect(sent).toEqual([])
      yield* Effect.flip(
        BrandCardMember.confirmPointsExchange({ ...exchange, result: "POINT_EXCHANGE_COUPON_REJECT", reject_reason: "积分不足" })
          .pipe(Effect.provide(layer))
      )
      yield* Effect.flip(
        BrandCardMember.confirmPointsExchange({ ...exchange, result: "POINT_EXCHANGE_COUPON_ALLOW" }).pipe(Effect.provide(layer))
      )
      expect(sent.map((request) => JSON.parse(new TextDecoder().decode(request.body)).result)).toEqual([
        "POINT_EXCHANGE_COUPON_REJECT",
        "POINT_EXCHANGE_COUPON_ALLOW"
      ])
    }))
})

describe("each operation is served by the surfaces it declares", () => {
  it("PartnerCardMember and BrandCardMember hold exactly the operations of their surface, under their prefix", () => {
    const declared = Object.values(Operations).filter((value): value is Operation.Operation<any, any, any, any, any> =>
      typeof value === "object" && value !== null && "fields" in value && "path" in value
    )
    expect(declared.length).toBe(23)
    const names = (endpoints: ReadonlyArray<{ readonly definition: { readonly name: string } }>) =>
      endpoints.map(({ definition }) => definition.name.slice(definition.name.indexOf(".") + 1)).sort()
    expect(names(PartnerCardMember.endpoints)).toEqual(declared.filter((op) => op.surfaces !== "brand").map((op) => op.name).sort())
    expect(names(BrandCardMember.endpoints)).toEqual(declared.filter((op) => op.surfaces !== "partner").map((op) => op.name).sort())
    for (const op of declared) {
      const partner = PartnerCardMember.endpoints.find(({ definition }) => definition.name === `PartnerCardMember.${op.name}`)
      const brand = BrandCardMember.endpoints.find(({ definition }) => definition.name === `BrandCardMember.${op.name}`)
      if (partner !== undefined) expect(partner.definition.path).toBe(`/v3/brand/partner/card-member${op.path}`)
      if (brand !== undefined) expect(brand.definition.path).toBe(`/brand/card-member${op.path}`)
    }
  })
})
