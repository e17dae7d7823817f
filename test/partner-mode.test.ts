/**
 * membercard-open called by a service provider (普通服务商, `serviceProvider: true`): the bonus calls name the
 * sub-merchant and never the provider's own mchid (refused before sending otherwise), the partner-only 确认用户入会,
 * and the same through the many-merchants directory. A direct merchant's client is unchanged.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as MemberCard from "../src/MemberCard.js"
import * as Merchants from "../src/Merchants.js"
import { Transport, type WireRequest } from "../src/Transport.js"
import * as WechatPay from "../src/WechatPay.js"
import { Emulator } from "../src/testing/index.js"

const merchantKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const wechat = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const publicKeyId = "PUB_KEY_ID_0114232019042900000000000000000555"

const options = (mchid: string, serviceProvider: boolean): WechatPay.Options => ({
  mchid,
  merchantSerialNumber: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
  merchantPrivateKey: Redacted.make(merchantKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
  wechatpayPublicKeys: { [publicKeyId]: wechat.publicKey },
  serviceProvider
})

/** Records each request and answers 204, signed as WeChat signs (now). */
const recording = (sent: Array<WireRequest>) =>
  Layer.succeed(Transport, {
    send: (request) =>
      Effect.sync(() => {
        sent.push(request)
        const ts = String(Math.floor(Date.now() / 1000))
        const nonce = crypto.randomBytes(16).toString("hex")
        return {
          status: 204,
          headers: {
            "wechatpay-timestamp": ts,
            "wechatpay-nonce": nonce,
            "wechatpay-serial": publicKeyId,
            "wechatpay-signature": crypto.sign("sha256", Buffer.from(`${ts}\n${nonce}\n\n`), wechat.privateKey)
              .toString("base64")
          },
          body: new Uint8Array(0)
        }
      })
  })

const client = (sent: Array<WireRequest>, serviceProvider: boolean) =>
  MemberCard.layer.pipe(Layer.provide(WechatPay.layerWith(options("1900000109", serviceProvider))), Layer.provide(recording(sent)))

const bodyOf = (request: WireRequest) => JSON.parse(new TextDecoder().decode(request.body!))

const bonus = { card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", code: "0123456789", out_trade_no: "T1", bonus_value: 10 }

describe("membercard-open in partner mode", () => {
  it.live("a provider's bonus calls send sub_mchid and never its own mchid", () =>
    Effect.gen(function*() {
      const sent: Array<WireRequest> = []
      yield* MemberCard.prepareBonus({ ...bonus, sub_mchid: "1900000200" }).pipe(Effect.provide(client(sent, true)))
      yield* MemberCard.commitBonus({ ...bonus, sub_mchid: "1900000200" }).pipe(Effect.provide(client(sent, true)))
      expect(sent.map(bodyOf)).toEqual([
        { out_trade_no: "T1", sub_mchid: "1900000200", bonus_value: 10 },
        { out_trade_no: "T1", sub_mchid: "1900000200", bonus_value: 10 }
      ])
      // The provider still signs as itself.
      expect(sent[0]!.headers["authorization"]).toContain("mchid=\"1900000109\"")
    }))

  it.live("a provider's bonus call with an mchid is refused before anything is sent; without sub_mchid it names no merchant", () =>
    Effect.gen(function*() {
      const sent: Array<WireRequest> = []
      for (const named of [{ mchid: "1900000109", sub_mchid: "1900000200" }, { mchid: "1900000300" }]) {
        const own = yield* Effect.flip(MemberCard.commitBonus({ ...bonus, ...named }).pipe(Effect.provide(client(sent, true))))
        expect(own).toMatchObject({ _tag: "RequestValidationError", issues: [{ path: ["mchid"] }] })
        expect(own.message).toContain("sub_mchid")
      }
      expect(sent).toEqual([])
      // sub_mchid is optional on the partner page: a provider's own card names no merchant, and none is filled in.
      yield* MemberCard.prepareBonus(bonus).pipe(Effect.provide(client(sent, true)))
      expect(bodyOf(sent[0]!)).toEqual({ out_trade_no: "T1", bonus_value: 10 })
    }))

  it.live("a direct merchant's client still names itself when the caller leaves mchid out", () =>
    Effect.gen(function*() {
      const sent: Array<WireRequest> = []
      yield* MemberCard.prepareBonus(bonus).pipe(Effect.provide(client(sent, false)))
      expect(bodyOf(sent[0]!)).toEqual({ out_trade_no: "T1", bonus_value: 10, mchid: "1900000109" })
    }))

  it.live("确认用户入会: POST …/codes/{code}/confirm with the state, any 2xx is success", () =>
    Effect.gen(function*() {
      const sent: Array<WireRequest> = []
      yield* MemberCard.confirmMembership({
        card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0",
        code: "0123456789",
        user_card_confirm_state: "CREATE_CARD_FAIL",
        fail_reason: "库存系统拒绝"
      }).pipe(Effect.provide(client(sent, true)))
      expect(sent[0]!.method).toBe("POST")
      expect(sent[0]!.target).toBe("/v3/marketing/membercard-open/cards/pbLatjvWOibDc5-TBnbUk1pD12o0/codes/0123456789/confirm")
      expect(bodyOf(sent[0]!)).toEqual({ user_card_confirm_state: "CREATE_CARD_FAIL", fail_reason: "库存系统拒绝" })
    }))

  it.live("确认用户入会 refuses an undocumented state and a reason past 128 characters; 128 goes", () =>
    Effect.gen(function*() {
      const sent: Array<WireRequest> = []
      const request = { card_id: "c1", code: "1", user_card_confirm_state: "CREATE_CARD_SUCCESS" } as const
      const state = yield* Effect.flip(
        MemberCard.confirmMembership({ ...request, user_card_confirm_state: "OPENED" as never }).pipe(
          Effect.provide(client(sent, true))
        )
      )
      expect(state._tag).toBe("RequestValidationError")
      const long = yield* Effect.flip(
        MemberCard.confirmMembership({ ...request, fail_reason: "因".repeat(129) }).pipe(Effect.provide(client(sent, true)))
      )
      expect(long._tag).toBe("RequestValidationError")
      expect(sent).toEqual([])
      yield* MemberCard.confirmMembership({ ...request, fail_reason: "因".repeat(128) }).pipe(Effect.provide(client(sent, true)))
      expect(sent.length).toBe(1)
    }))

  it.live("through the many-merchants directory: a provider merchant is in partner mode, a direct one is not", () =>
    Effect.gen(function*() {
      const sent: Array<WireRequest> = []
      const directory = Merchants.layer({
        lookup: (mchid) => Effect.succeed(options(mchid, mchid === "1900000109"))
      }).pipe(Layer.provide(recording(sent)))
      yield* Effect.gen(function*() {
        const refused = yield* Effect.flip(
          MemberCard.prepareBonus({ ...bonus, mchid: "1900000109" }).pipe(Merchants.forMerchant("1900000109"))
        )
        expect(refused._tag).toBe("RequestValidationError")
        yield* MemberCard.prepareBonus({ ...bonus, sub_mchid: "1900000200" }).pipe(Merchants.forMerchant("1900000109"))
        yield* MemberCard.prepareBonus(bonus).pipe(Merchants.forMerchant("1900000300"))
      }).pipe(Effect.provide(directory))
      expect(sent.map(bodyOf)).toEqual([
        { out_trade_no: "T1", sub_mchid: "1900000200", bonus_value: 10 },
        { out_trade_no: "T1", bonus_value: 10, mchid: "1900000300" }
      ])
    }))
})

describe("the emulator's service providers", () => {
  it.effect("a provider's bonus call naming no merchant is accepted; the same body from a direct merchant is refused", () =>
    Effect.gen(function*() {
      const emulator = new Emulator.EmulatorState({ merchants: [{ mchid: "1900000300", serviceProvider: true }] })
      expect(emulator.merchantOptions("1900000300").serviceProvider).toBe(true)
      expect(emulator.merchantOptions().serviceProvider).toBeUndefined()
      for (const mchid of ["1900000300", emulator.mchid]) emulator.putCard({ card_id: "pProvider00001", code: "c1" }, mchid)
      const transport = Layer.succeed(HttpClient.HttpClient, Emulator.httpClient(emulator))
      // Both clients in partner mode: neither fills in an mchid.
      const call = (mchid: string) =>
        MemberCard.prepareBonus({ card_id: "pProvider00001", code: "c1", out_trade_no: `T-${mchid}`, bonus_value: 5 }).pipe(
          Effect.provide(MemberCard.layer.pipe(
            Layer.provide(WechatPay.layer({ ...emulator.merchantOptions(mchid), serviceProvider: true })),
            Layer.provide(transport)
          ))
        )
      yield* call("1900000300")
      expect(emulator.order("T-1900000300", "1900000300")).toEqual({ bonus_value: 5, committed: false })
      const refused = yield* Effect.flip(call(emulator.mchid))
      expect(refused).toMatchObject({ _tag: "InvalidRequest", message: "直连商户须传入mchid" })
      expect(emulator.order(`T-${emulator.mchid}`)).toBeUndefined()
    }))
})
