/**
 * The emulator serves 商家名片会员卡 on both surfaces, over real loopback HTTP with the real clients: a service
 * provider (`WechatPay.layerNode(emulator.merchantOptions())` + `PartnerCardMember.layer`, `/v3/brand/partner/
 * card-member`) and the brand itself (`BrandClient.layerNode(emulator.brandOptions(id))` + `BrandCardMember.layer`,
 * `/brand/card-member`):
 *
 * - every operation's happy path on its surfaces, over one state per brand (what one surface writes, the other reads);
 * - WeChat's official refusals (brand-research.md §2: 404 NOT_FOUND …, the template rules, the card states, the
 *   component, feed, points and exchange rules, activities' 403 NO_AUTH), and a provider naming a brand it may not
 *   act for (400 INVALID_REQUEST 商家未开通商家名片会员功能);
 * - repeat safety: a repeated out_request_no is refused (templates, feeds) or answered as the first time (points,
 *   activities), never applied twice — checked in the ledger; sensitive values encrypted both ways.
 */
import * as crypto from "node:crypto"
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import { WechatPay } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { fresh } from "./support.js"

const A = "1230000109"
const B = "1230000201"
/** Brands for A only (B may act for none of them), one per test: a brand holds at most two templates per type. */
const brandIds = Array.from({ length: 20 }, (_, i) => String(2000001 + i))
let nextBrand = 0
const freshBrand = (): string => {
  const id = brandIds[nextBrand++]
  if (id === undefined) throw new Error("more tests than brands: add brands")
  return id
}

/** A provider's endpoints, as merchant `mchid` of the emulator in context. */
const asProvider = (mchid: string = A) =>
<X, E, R>(self: Effect.Effect<X, E, R>) =>
  Effect.flatMap(Emulator.Emulator, (emulator) =>
    Effect.provide(
      self,
      PartnerCardMember.layer.pipe(Layer.provideMerge(WechatPay.layerNode(emulator.merchantOptions(mchid))))
    ))

/** A brand's endpoints, as brand `brandId` of the emulator in context. */
const asBrand = (brandId: string) =>
<X, E, R>(self: Effect.Effect<X, E, R>) =>
  Effect.flatMap(Emulator.Emulator, (emulator) =>
    Effect.provide(
      self,
      BrandCardMember.layer.pipe(Layer.provideMerge(BrandClient.layerNode(emulator.brandOptions(brandId))))
    ))

const Served = Emulator.layerServer().pipe(
  Layer.provideMerge(Emulator.layer({
    mchid: A,
    merchants: [{ mchid: B }],
    brands: brandIds.map((brand_id) => ({ brand_id, providers: [A] }))
  }))
)

/** A template's body (the brand's; a provider adds `brand_id`). */
const template = (overrides: Partial<Omit<PartnerCardMember.CreateCardTemplateRequest, "brand_id">> = {}) => ({
  out_request_no: fresh("tpl-"),
  appid: "wxd678efh567hg6787",
  card_type: "NORMAL" as const,
  code_mode: "SYSTEM_ALLOCATE" as const,
  code_type: "BAR_CODE" as const,
  card_title: "微信会员卡",
  card_color: "#FFFF00",
  card_picture_url: "https://qpic.cn/card.png",
  benefits: "会员专享9折",
  notify_url: "https://shop.example.com/brand/notify",
  valid_date_information: { type: "PERMANENT" as const },
  legal_agreement: "会员协议",
  member_information: { jump_appid: "wxd678efh567hg6787", jump_path: "/member" },
  ...overrides
})

/** What the API error carries. */
const apiError = (status: number, code: string, message: string) => ({ status, code, message })

/** RSA-OAEP (SHA-1) with a private key PEM: what a caller does with an encrypted value WeChat hands back. */
const decryptWith = (pem: Redacted.Redacted<string>, ciphertext: string): string =>
  crypto.privateDecrypt(
    { key: Redacted.value(pem), padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
    Buffer.from(ciphertext, "base64")
  ).toString("utf8")

layer(Served, { excludeTestServices: true })("Emulator: 商家名片会员卡 over loopback HTTP", (it) => {
  it.effect("brandIds and brandOptions: each brand its own identity and keys, and the served base URL", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const server = yield* Emulator.EmulatorServer
      expect(emulator.brandIds).toEqual(brandIds)
      const [a, b] = [brandIds[0]!, brandIds[1]!].map((id) => emulator.brandOptions(id))
      expect(a!.brandId).toBe(brandIds[0])
      expect(a!.baseUrl).toBe(server.baseUrl)
      expect(a!.wechatpayPublicKeyId).toMatch(/^PUB_KEY_ID_/)
      expect(a!.brandSerialNumber).toMatch(/^[0-9A-F]{40}$/)
      expect(Redacted.value(a!.brandApiKey)).toMatch(/^[0-9A-Za-z]{32}$/)
      expect(a!.wechatpayPublicKeyId).not.toBe(b!.wechatpayPublicKeyId)
      expect(Redacted.value(a!.brandPrivateKey)).not.toBe(Redacted.value(b!.brandPrivateKey))
      // The brand's WeChat Pay key is its own, not any merchant's.
      expect(Object.keys(emulator.merchantOptions().wechatpayPublicKeys)).not.toContain(a!.wechatpayPublicKeyId)
      // The first brand when none is named; an unknown one throws.
      expect(emulator.brandOptions().brandId).toBe(brandIds[0])
      expect(() => emulator.brandOptions("9999999")).toThrow(/no brand 9999999/)
    }))

  it.effect("without Options.brands there is one brand, 1000001, every merchant may act for", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ merchants: [{ mchid: B }] })
      expect(emulator.brandIds).toEqual(["1000001"])
      expect(emulator.brandOptions().brandId).toBe("1000001")
      expect(() => Emulator.make({ brands: [{ brand_id: "1", providers: ["42"] }] }).pipe(Effect.runSync)).toThrow(
        /provider 42/
      )
      expect(() =>
        Emulator.make({ brands: [{ brand_id: "1" }, { brand_id: "1" }] }).pipe(Effect.runSync)
      ).toThrow(/given twice/)
      expect(() => Emulator.make({ brands: [{ brand_id: "1", brandApiKey: "short" }] }).pipe(Effect.runSync)).toThrow(
        /32 letters and digits/
      )
    }))

  it.effect("templates: created by the provider and by the brand, one state — listed, read, updated, invalidated from either surface", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const byProvider = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      expect(byProvider).toMatchObject({
        brand_id,
        state: "CARD_EFFECTIVE",
        card_title: "微信会员卡",
        code_mode: "SYSTEM_ALLOCATE",
        legal_agreement: "会员协议"
      })
      expect(byProvider.card_id).toMatch(/^p[0-9A-Za-z_-]{27}$/)
      expect(byProvider.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/)
      expect(byProvider.modify_time).toBe(byProvider.create_time)
      const { legal_agreement: _, member_information: __, ...brandBody } = template()
      const byBrand = yield* BrandCardMember.createCardTemplate({ ...brandBody, code_mode: "MERCHANT_ALLOCATE" }).pipe(
        asBrand(brand_id)
      )
      expect(byBrand).toMatchObject({ brand_id, state: "CARD_EFFECTIVE", code_mode: "MERCHANT_ALLOCATE" })
      // The brand lists both; the provider reads the brand's.
      const listed = yield* BrandCardMember.listCardTemplates({ offset: 0, limit: 20 }).pipe(asBrand(brand_id))
      expect(listed.total_count).toBe(2)
      expect(listed.data!.map((t) => t.card_id).sort()).toEqual([byProvider.card_id, byBrand.card_id].sort())
      expect(yield* PartnerCardMember.getCardTemplate({ brand_id, card_id: byBrand.card_id }).pipe(asProvider()))
        .toEqual(byBrand)
      // Paging counts items from `offset`.
      const second = yield* PartnerCardMember.listCardTemplates({ brand_id, offset: 1, limit: 1 }).pipe(asProvider())
      expect([second.total_count, second.offset, second.limit, second.data!.length]).toEqual([2, 1, 1, 1])
      // The brand edits the provider's template; the provider sees it.
      const updated = yield* BrandCardMember.updateCardTemplate({ card_id: byProvider.card_id, card_title: "金卡" }).pipe(
        asBrand(brand_id)
      )
      expect(updated).toMatchObject({ card_title: "金卡", card_color: "#FFFF00" })
      expect((yield* PartnerCardMember.getCardTemplate({ brand_id, card_id: byProvider.card_id }).pipe(asProvider()))
        .card_title).toBe("金卡")
      // Invalidated by the provider: CARD_INVALID; again: the same answer, nothing applied.
      const invalid = yield* PartnerCardMember.invalidateCardTemplate({ brand_id, card_id: byBrand.card_id }).pipe(
        asProvider()
      )
      expect(invalid.state).toBe("CARD_INVALID")
      const before = emulator.ledger.length
      expect((yield* BrandCardMember.invalidateCardTemplate({ card_id: byBrand.card_id }).pipe(asBrand(brand_id))).state)
        .toBe("CARD_INVALID")
      expect(emulator.ledger.length).toBe(before)
      const effective = yield* BrandCardMember.listCardTemplates({ state: "CARD_EFFECTIVE", offset: 0, limit: 20 }).pipe(
        asBrand(brand_id)
      )
      expect(effective.data!.map((t) => t.card_id)).toEqual([byProvider.card_id])
      // The ledger: one entry per applied write, naming the brand (and the provider's mchid, or "" for the brand).
      const writes = emulator.ledger.filter((entry) => entry.brand_id === brand_id)
      expect(writes.map((entry) => [entry.endpoint, entry.mchid])).toEqual([
        ["PartnerCardMember.CreateCardTemplate", A],
        ["BrandCardMember.CreateCardTemplate", ""],
        ["BrandCardMember.UpdateCardTemplate", ""],
        ["PartnerCardMember.InvalidateCardTemplate", A]
      ])
      expect(emulator.brandState(brand_id).templates.find((t) => t.card_id === byProvider.card_id)!.created_by).toBe(A)
    }))

  it.effect("templates: WeChat's refusals — unknown template 404, repeated out_request_no (either surface), paid types, two per type", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const missing = yield* Effect.flip(PartnerCardMember.getCardTemplate({ brand_id, card_id: "pMissing" }).pipe(asProvider()))
      expect(missing).toMatchObject({ _tag: "NotFound", ...apiError(404, "NOT_FOUND", "会员卡模板不存在") })
      const missingPatch = yield* Effect.flip(
        BrandCardMember.updateCardTemplate({ card_id: "pMissing", card_title: "x" }).pipe(asBrand(brand_id))
      )
      expect(missingPatch).toMatchObject(apiError(404, "NOT_FOUND", "会员卡模板不存在"))
      const body = template()
      yield* PartnerCardMember.createCardTemplate({ brand_id, ...body }).pipe(asProvider())
      // The same request number again — the same body, from the brand this time: refused, never applied twice.
      const { legal_agreement: _, member_information: __, ...brandBody } = body
      const repeated = yield* Effect.flip(BrandCardMember.createCardTemplate(brandBody).pipe(asBrand(brand_id)))
      expect(repeated).toMatchObject({ _tag: "ParamError", ...apiError(400, "PARAM_ERROR", "商家请求单号重复") })
      expect(emulator.applied(body.out_request_no)).toBe(1)
      for (const card_type of ["PURCHASE", "BALANCE"] as const) {
        const paid = yield* Effect.flip(
          PartnerCardMember.createCardTemplate({ brand_id, ...template({ card_type }) }).pipe(asProvider())
        )
        expect(paid).toMatchObject(apiError(400, "INVALID_REQUEST", "暂不支持付费或储值的会员卡类型"))
      }
      yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const third = yield* Effect.flip(PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider()))
      expect(third).toMatchObject(
        apiError(400, "INVALID_REQUEST", "会员卡模板数量超过限制，每个类型最多创建两个模板")
      )
      // Settings that disagree; a notify_url that is not https (http only on loopback) or carries a query.
      const jump = yield* Effect.flip(
        PartnerCardMember.createCardTemplate({ brand_id, ...template({ code_type: "JUMP_MINI_PROGRAM" }) }).pipe(asProvider())
      )
      expect(jump).toMatchObject({ status: 400, code: "PARAM_ERROR" })
      for (const notify_url of ["http://shop.example.com/notify", "https://shop.example.com/notify?x=1"]) {
        const url = yield* Effect.flip(
          PartnerCardMember.createCardTemplate({ brand_id, ...template({ notify_url }) }).pipe(asProvider())
        )
        expect(url).toMatchObject({ status: 400, code: "PARAM_ERROR" })
      }
      expect(emulator.brandState(brand_id).templates).toHaveLength(2)
    }))

  it.effect("a provider naming a brand it may not act for, or one WeChat does not know: 400 INVALID_REQUEST 商家未开通商家名片会员功能, nothing applied", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const before = emulator.ledger.length
      const body = template()
      const notAllowed = yield* Effect.flip(PartnerCardMember.createCardTemplate({ brand_id, ...body }).pipe(asProvider(B)))
      expect(notAllowed).toMatchObject({ _tag: "InvalidRequest", ...apiError(400, "INVALID_REQUEST", "商家未开通商家名片会员功能") })
      const unknown = yield* Effect.flip(
        PartnerCardMember.listCardTemplates({ brand_id: "8888888", offset: 0, limit: 10 }).pipe(asProvider())
      )
      expect(unknown).toMatchObject(apiError(400, "INVALID_REQUEST", "商家未开通商家名片会员功能"))
      // The feed page words it its own way (MM 4015336987).
      const feed = yield* Effect.flip(
        PartnerCardMember.createUserFeed({
          brand_id,
          card_id: "pX",
          user_card_code: "1",
          openid: "o1",
          out_request_no: fresh("feed-"),
          cell: "15_1200_1"
        }).pipe(asProvider(B))
      )
      expect(feed).toMatchObject(apiError(400, "INVALID_REQUEST", "品牌未开通名片会员"))
      expect(emulator.ledger.length).toBe(before)
      // The same request from A, who may: created.
      expect((yield* PartnerCardMember.createCardTemplate({ brand_id, ...body }).pipe(asProvider())).brand_id).toBe(brand_id)
    }))

  it.effect("members' cards: import by openid (in effect at once), read, list, update, invalidate — from either surface; phone numbers encrypted both ways", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const { card_id } = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const openid = fresh("oImport")
      const user_card_code = fresh("88")
      const imported = yield* PartnerCardMember.importUserCardByOpenid({
        brand_id,
        card_id,
        openid,
        user_card_code,
        phone_number: Redacted.make("13800138000"),
        level: "金卡",
        pickup_time: "2026-01-01T10:00:00+08:00"
      }).pipe(asProvider())
      expect(imported).toMatchObject({
        user_card_code,
        card_id,
        openid,
        brand_id,
        card_type: "NORMAL",
        level: "金卡",
        user_card_state: "EFFECTIVE",
        pickup_time: "2026-01-01T10:00:00+08:00",
        valid_date_information: { type: "PERMANENT" }
      })
      // Answered encrypted to the caller's API certificate: the provider's merchant key opens it.
      expect(decryptWith(emulator.merchantOptions(A).merchantPrivateKey, imported.phone_number!)).toBe("13800138000")
      // The brand reads the same card, the phone encrypted for the brand's own key.
      const read = yield* BrandCardMember.getUserCard({ card_id, user_card_code, openid }).pipe(asBrand(brand_id))
      expect(read.user_card_state).toBe("EFFECTIVE")
      expect(decryptWith(emulator.brandOptions(brand_id).brandPrivateKey, read.phone_number!)).toBe("13800138000")
      // The brand updates it (a new phone, sent encrypted to the brand's WeChat Pay key); the provider lists it.
      const patched = yield* BrandCardMember.updateUserCard({
        user_card_code,
        card_id,
        openid,
        level: "钻石卡",
        phone_number: Redacted.make("13900139000"),
        attach: "vip"
      }).pipe(asBrand(brand_id))
      expect(patched).toMatchObject({ level: "钻石卡", attach: "vip" })
      const listed = yield* PartnerCardMember.listUserCards({ brand_id, openid, offset: 0, limit: 20 }).pipe(asProvider())
      expect(listed.total_count).toBe(1)
      expect(listed.data![0]).toMatchObject({ user_card_code, level: "钻石卡", attach: "vip" })
      expect(decryptWith(emulator.merchantOptions(A).merchantPrivateKey, listed.data![0]!.phone_number!)).toBe(
        "13900139000"
      )
      expect(emulator.brandState(brand_id).userCards[0]!.phone_number).toBe("13900139000")
      // Invalidated by the provider: INVALID, with its reason and time; the brand's filter sees it.
      const invalid = yield* PartnerCardMember.invalidateUserCard({
        brand_id,
        user_card_code,
        card_id,
        openid,
        invalid_reason: "用户要求注销"
      }).pipe(asProvider())
      expect(invalid).toMatchObject({ user_card_state: "INVALID", invalid_reason: "用户要求注销" })
      expect(invalid.invalid_time).toMatch(/\+08:00$/)
      const invalidOnes = yield* BrandCardMember.listUserCards({ openid, user_card_state: "INVALID", offset: 0, limit: 20 })
        .pipe(asBrand(brand_id))
      expect(invalidOnes.data!.map((c) => c.user_card_code)).toEqual([user_card_code])
      // Irreversible, and only a card waiting or in effect: again, refused; updating it too.
      const again = yield* Effect.flip(
        BrandCardMember.invalidateUserCard({ user_card_code, card_id, openid }).pipe(asBrand(brand_id))
      )
      expect(again).toMatchObject(apiError(400, "INVALID_REQUEST", "用户卡状态不正确，只能作废待激活或已生效的会员卡"))
      const patchInvalid = yield* Effect.flip(
        BrandCardMember.updateUserCard({ user_card_code, card_id, openid, level: "x" }).pipe(asBrand(brand_id))
      )
      expect(patchInvalid).toMatchObject(apiError(400, "INVALID_REQUEST", "用户卡状态不正确，只能操作已激活的会员卡"))
      expect(emulator.ledger.filter((entry) => entry.brand_id === brand_id).map((entry) => entry.endpoint)).toEqual([
        "PartnerCardMember.CreateCardTemplate",
        "PartnerCardMember.ImportUserCardByOpenid",
        "BrandCardMember.UpdateUserCard",
        "PartnerCardMember.InvalidateUserCard"
      ])
    }))

  it.effect("开卡信息: values sent encrypted to the brand's WeChat Pay key are kept in plain and answered encrypted to the caller; a value WeChat cannot decrypt is PARAM_ERROR", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const options = emulator.brandOptions(brand_id)
      const { legal_agreement: _, member_information: __, ...brandBody } = template()
      const { card_id } = yield* BrandCardMember.createCardTemplate(brandBody).pipe(asBrand(brand_id))
      const seal = (pem: string, plain: string) =>
        crypto.publicEncrypt(
          { key: pem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
          Buffer.from(plain, "utf8")
        ).toString("base64")
      const openid = fresh("oForm")
      const user_card_code = fresh("99")
      const card = yield* BrandCardMember.importUserCardByOpenid({
        card_id,
        openid,
        user_card_code,
        user_information: {
          common_field_list: [{ name: "USER_FORM_FLAG_NAME", value: seal(options.wechatpayPublicKey, "张三") }],
          custom_field_list: [{ name: "爱好", user_chosen_values: [seal(options.wechatpayPublicKey, "跑步")] }]
        }
      }).pipe(asBrand(brand_id))
      const information = card.user_information!
      expect(information.common_field_list![0]!.name).toBe("USER_FORM_FLAG_NAME")
      expect(decryptWith(options.brandPrivateKey, information.common_field_list![0]!.value!)).toBe("张三")
      expect(decryptWith(options.brandPrivateKey, information.custom_field_list![0]!.user_chosen_values![0]!)).toBe("跑步")
      expect(emulator.brandState(brand_id).userCards[0]!.user_information).toEqual({
        common_field_list: [{ name: "USER_FORM_FLAG_NAME", value: "张三" }],
        custom_field_list: [{ name: "爱好", user_chosen_values: ["跑步"] }]
      })
      // Encrypted to the provider's WeChat Pay key, not the brand's: WeChat cannot read it.
      const wrongKey = yield* Effect.flip(
        BrandCardMember.importUserCardByOpenid({
          card_id,
          openid: fresh("oForm"),
          user_card_code: fresh("99"),
          user_information: { common_field_list: [{ name: "USER_FORM_FLAG_NAME", value: seal(emulator.publicKey, "李四") }] }
        }).pipe(asBrand(brand_id))
      )
      expect(wrongKey).toMatchObject({ status: 400, code: "PARAM_ERROR", message: expect.stringContaining("解密失败") })
    }))

  it.effect("members' cards: WeChat's refusals — 404s, a code or member imported twice, an invalid template, a user who deleted the card", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const { card_id } = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const openid = fresh("oRefuse")
      const user_card_code = fresh("77")
      const unknownTemplate = yield* Effect.flip(
        BrandCardMember.getUserCard({ card_id: "pMissing", user_card_code, openid }).pipe(asBrand(brand_id))
      )
      expect(unknownTemplate).toMatchObject(apiError(404, "NOT_FOUND", "会员卡模板不存在"))
      const unknownCard = yield* Effect.flip(
        PartnerCardMember.getUserCard({ brand_id, card_id, user_card_code, openid }).pipe(asProvider())
      )
      expect(unknownCard).toMatchObject(apiError(404, "NOT_FOUND", "用户会员卡不存在"))
      yield* BrandCardMember.importUserCardByOpenid({ card_id, openid, user_card_code }).pipe(asBrand(brand_id))
      // Another member's openid does not read it.
      const otherUser = yield* Effect.flip(
        PartnerCardMember.getUserCard({ brand_id, card_id, user_card_code, openid: "oSomeoneElse" }).pipe(asProvider())
      )
      expect(otherUser).toMatchObject(apiError(404, "NOT_FOUND", "用户会员卡不存在"))
      const sameCode = yield* Effect.flip(
        PartnerCardMember.importUserCardByOpenid({ brand_id, card_id, openid: fresh("o"), user_card_code }).pipe(asProvider())
      )
      expect(sameCode).toMatchObject(apiError(400, "INVALID_REQUEST", "该用户卡 code 已存在"))
      const sameMember = yield* Effect.flip(
        PartnerCardMember.importUserCardByOpenid({ brand_id, card_id, openid, user_card_code: fresh("77") }).pipe(
          asProvider()
        )
      )
      expect(sameMember).toMatchObject(apiError(400, "INVALID_REQUEST", "用户已有已生效的会员卡"))
      // A member who deleted the card cannot be imported again.
      const leaver = fresh("oLeaver")
      const leaverCode = fresh("77")
      yield* BrandCardMember.importUserCardByOpenid({ card_id, openid: leaver, user_card_code: leaverCode }).pipe(
        asBrand(brand_id)
      )
      emulator.userDeletesBrandCard({ card_id, openid: leaver })
      const rejoin = yield* Effect.flip(
        BrandCardMember.importUserCardByOpenid({ card_id, openid: leaver, user_card_code: fresh("77") }).pipe(
          asBrand(brand_id)
        )
      )
      expect(rejoin).toMatchObject(apiError(400, "INVALID_REQUEST", "用户主动删除了该会员卡，无法重新导入"))
      // A member's validity must be of the template's type.
      const validity = yield* Effect.flip(
        BrandCardMember.importUserCardByOpenid({
          card_id,
          openid: fresh("o"),
          user_card_code: fresh("77"),
          valid_date_information: { type: "FIX_TERM", available_day_after_receive: 30 }
        }).pipe(asBrand(brand_id))
      )
      expect(validity).toMatchObject({ status: 400, code: "PARAM_ERROR" })
      // Into an invalidated template: 会员卡模板无效 (an unknown one too).
      yield* PartnerCardMember.invalidateCardTemplate({ brand_id, card_id }).pipe(asProvider())
      for (const id of [card_id, "pMissing"]) {
        const invalid = yield* Effect.flip(
          BrandCardMember.importUserCardByOpenid({ card_id: id, openid: fresh("o"), user_card_code: fresh("77") }).pipe(
            asBrand(brand_id)
          )
        )
        expect(invalid).toMatchObject(apiError(400, "INVALID_REQUEST", "会员卡模板无效"))
      }
      expect(emulator.ledger.filter((e) => e.brand_id === brand_id && e.endpoint.endsWith("ImportUserCardByOpenid")))
        .toHaveLength(2)
    }))

  it.effect("import by phone (provider only): in effect at once, the phone kept; the same number's user again is refused", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const { card_id } = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const card = yield* PartnerCardMember.importUserCardByPhone({
        brand_id,
        card_id,
        user_card_code: fresh("66"),
        phone_number: Redacted.make("13700137000")
      }).pipe(asProvider())
      expect(card.user_card_state).toBe("EFFECTIVE")
      expect(card.openid).toMatch(/^o[0-9A-Za-z_-]{27}$/)
      expect(decryptWith(emulator.merchantOptions(A).merchantPrivateKey, card.phone_number!)).toBe("13700137000")
      const again = yield* Effect.flip(
        PartnerCardMember.importUserCardByPhone({
          brand_id,
          card_id,
          user_card_code: fresh("66"),
          phone_number: Redacted.make("13700137000")
        }).pipe(asProvider())
      )
      expect(again).toMatchObject(apiError(400, "INVALID_REQUEST", "用户已有已生效的会员卡"))
    }))

  it.effect("a user opens a card, the merchant confirms: SYSTEM_ALLOCATE keeps WeChat's 24-digit code; MERCHANT_ALLOCATE takes the merchant's; FAIL invalidates", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const system = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const opened = emulator.userOpensBrandCard({ card_id: system.card_id })
      expect(opened).toMatchObject({ card_id: system.card_id, brand_id, user_card_state: "UNACTIVATED" })
      expect(opened.user_card_code).toMatch(/^[1-9]\d{23}$/)
      // Not yet in effect: it cannot be updated.
      const early = yield* Effect.flip(
        PartnerCardMember.updateUserCard({
          brand_id,
          user_card_code: opened.user_card_code,
          card_id: system.card_id,
          openid: opened.openid,
          level: "x"
        }).pipe(asProvider())
      )
      expect(early).toMatchObject(apiError(400, "INVALID_REQUEST", "用户卡状态不正确，只能操作已激活的会员卡"))
      const renamed = yield* Effect.flip(
        PartnerCardMember.confirmUserCard({
          brand_id,
          user_card_code: "123456",
          card_id: system.card_id,
          openid: opened.openid,
          user_card_confirm_state: "CREATE_CARD_SUCCESS"
        }).pipe(asProvider())
      )
      expect(renamed).toMatchObject(apiError(400, "INVALID_REQUEST", "会员卡号分配方式为系统分配，不允许修改会员卡号"))
      const confirmed = yield* PartnerCardMember.confirmUserCard({
        brand_id,
        user_card_code: opened.user_card_code,
        card_id: system.card_id,
        openid: opened.openid,
        level: "银卡",
        user_card_confirm_state: "CREATE_CARD_SUCCESS"
      }).pipe(asProvider())
      expect(confirmed).toMatchObject({ user_card_code: opened.user_card_code, user_card_state: "EFFECTIVE", level: "银卡" })
      // Only a card waiting for this answer: confirmed once, a second confirmation finds none.
      const twice = yield* Effect.flip(
        PartnerCardMember.confirmUserCard({
          brand_id,
          user_card_code: opened.user_card_code,
          card_id: system.card_id,
          openid: opened.openid,
          user_card_confirm_state: "CREATE_CARD_SUCCESS"
        }).pipe(asProvider())
      )
      expect(twice).toMatchObject(apiError(404, "NOT_FOUND", "用户不存在未激活的会员卡"))

      const { legal_agreement: _, member_information: __, ...brandBody } = template({ code_mode: "MERCHANT_ALLOCATE" })
      const merchant = yield* BrandCardMember.createCardTemplate(brandBody).pipe(asBrand(brand_id))
      const first = emulator.userOpensBrandCard({ card_id: merchant.card_id })
      expect([first.user_card_code, first.user_card_state]).toEqual(["", "UNACTIVATED"])
      const code = fresh("M")
      const ours = yield* BrandCardMember.confirmUserCard({
        user_card_code: code,
        card_id: merchant.card_id,
        openid: first.openid,
        user_card_confirm_state: "CREATE_CARD_SUCCESS"
      }).pipe(asBrand(brand_id))
      expect(ours).toMatchObject({ user_card_code: code, user_card_state: "EFFECTIVE" })
      // Another user, the same code: taken.
      const second = emulator.userOpensBrandCard({ card_id: merchant.card_id })
      const taken = yield* Effect.flip(
        BrandCardMember.confirmUserCard({
          user_card_code: code,
          card_id: merchant.card_id,
          openid: second.openid,
          user_card_confirm_state: "CREATE_CARD_SUCCESS"
        }).pipe(asBrand(brand_id))
      )
      expect(taken).toMatchObject(apiError(400, "INVALID_REQUEST", "该用户卡 code 已存在"))
      // A failed opening: the code is the member's all the same, the card invalid.
      const failedCode = fresh("F")
      const failed = yield* BrandCardMember.confirmUserCard({
        user_card_code: failedCode,
        card_id: merchant.card_id,
        openid: second.openid,
        user_card_confirm_state: "CREATE_CARD_FAIL"
      }).pipe(asBrand(brand_id))
      expect(failed).toMatchObject({ user_card_code: failedCode, user_card_state: "INVALID" })
      const unknown = yield* Effect.flip(
        BrandCardMember.confirmUserCard({
          user_card_code: fresh("M"),
          card_id: "pMissing",
          openid: second.openid,
          user_card_confirm_state: "CREATE_CARD_SUCCESS"
        }).pipe(asBrand(brand_id))
      )
      expect(unknown).toMatchObject(apiError(404, "NOT_FOUND", "会员卡模板不存在"))
    }))

  it.effect("component tokens: pre-auth (1 hour) on both surfaces, pay-view (10 minutes, provider); invalid template and a member again refused", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const { card_id } = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const openid = fresh("oToken")
      const start = Date.now()
      const preAuth = yield* BrandCardMember.createPreAuthToken({ card_id, openid }).pipe(asBrand(brand_id))
      expect(preAuth.token).toHaveLength(32)
      const inSeconds = (rfc3339: string) => (Date.parse(rfc3339) - start) / 1000
      expect(inSeconds(preAuth.expire_time!)).toBeGreaterThan(3590)
      expect(inSeconds(preAuth.expire_time!)).toBeLessThan(3610)
      const payView = yield* PartnerCardMember.createPayViewToken({ brand_id, card_id, openid }).pipe(asProvider())
      expect(inSeconds(payView.expire_time!)).toBeGreaterThan(590)
      expect(inSeconds(payView.expire_time!)).toBeLessThan(610)
      // A new token each call.
      const again = yield* PartnerCardMember.createPreAuthToken({ brand_id, card_id, openid }).pipe(asProvider())
      expect(again.token).not.toBe(preAuth.token)
      expect(emulator.brandState(brand_id).tokens.map((t) => t.kind)).toEqual(["pre-auth", "pay-view", "pre-auth"])
      yield* PartnerCardMember.importUserCardByOpenid({ brand_id, card_id, openid, user_card_code: fresh("55") }).pipe(
        asProvider()
      )
      const member = yield* Effect.flip(BrandCardMember.createPreAuthToken({ card_id, openid }).pipe(asBrand(brand_id)))
      expect(member).toMatchObject(apiError(400, "INVALID_REQUEST", "用户在一个卡模板下只能有一张有效的会员卡"))
      const invalid = yield* Effect.flip(
        PartnerCardMember.createPayViewToken({ brand_id, card_id: "pMissing", openid }).pipe(asProvider())
      )
      expect(invalid).toMatchObject(apiError(400, "INVALID_REQUEST", "会员卡模板无效"))
    }))

  it.effect("user feeds: created for a member; a repeated out_request_no is 400 ALREADY_EXISTS and never applied twice; a non-member refused", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const { card_id } = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const openid = fresh("oFeed")
      const user_card_code = fresh("44")
      yield* PartnerCardMember.importUserCardByOpenid({ brand_id, card_id, openid, user_card_code }).pipe(asProvider())
      const out_request_no = fresh("feed-")
      const feed = { card_id, user_card_code, openid, out_request_no, cell: "15_1200_1" }
      expect(yield* BrandCardMember.createUserFeed(feed).pipe(asBrand(brand_id))).toEqual({ brand_id, ...feed })
      // Again, from the provider: the brand's request numbers are one set.
      const repeated = yield* Effect.flip(PartnerCardMember.createUserFeed({ brand_id, ...feed }).pipe(asProvider()))
      expect(repeated).toMatchObject({ _tag: "AlreadyExists", ...apiError(400, "ALREADY_EXISTS", "该用户动态已存在") })
      expect(emulator.applied(out_request_no)).toBe(1)
      expect(emulator.brandState(brand_id).feeds).toEqual([{ brand_id, ...feed }])
      const stranger = yield* Effect.flip(
        BrandCardMember.createUserFeed({ ...feed, openid: "oStranger", out_request_no: fresh("feed-") }).pipe(asBrand(brand_id))
      )
      expect(stranger).toMatchObject(apiError(400, "INVALID_REQUEST", "当前用户非会员"))
    }))

  it.effect("points: WeChat asks (SYNC_USER_POINT), the merchant syncs the balance; a repeat answers as the first time, a different body with the same number is refused", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const { card_id } = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const openid = fresh("oPoints")
      const user_card_code = fresh("33")
      yield* PartnerCardMember.importUserCardByOpenid({ brand_id, card_id, openid, user_card_code }).pipe(asProvider())
      expect(emulator.requestBrandPointsSync({ card_id, openid })).toEqual({ brand_id, card_id, openid, user_card_code })
      const out_request_no = fresh("pts-")
      const sync = { out_request_no, card_id, openid, user_card_code, point_balance: 1200 }
      const first = yield* PartnerCardMember.syncUserPoints({ brand_id, ...sync }).pipe(asProvider())
      expect(first).toEqual({ brand_id, ...sync })
      // The same request from the brand: the first answer again, nothing applied.
      expect(yield* BrandCardMember.syncUserPoints(sync).pipe(asBrand(brand_id))).toEqual(first)
      expect(emulator.applied(out_request_no)).toBe(1)
      const conflicting = yield* Effect.flip(
        BrandCardMember.syncUserPoints({ ...sync, point_balance: 1 }).pipe(asBrand(brand_id))
      )
      expect(conflicting).toMatchObject({ status: 400, code: "INVALID_REQUEST" })
      expect(emulator.brandState(brand_id).points).toEqual([{ card_id, user_card_code, point_balance: 1200 }])
      yield* BrandCardMember.syncUserPoints({ ...sync, out_request_no: fresh("pts-"), point_balance: 900 }).pipe(
        asBrand(brand_id)
      )
      expect(emulator.brandState(brand_id).points).toEqual([{ card_id, user_card_code, point_balance: 900 }])
      const unknown = yield* Effect.flip(
        BrandCardMember.syncUserPoints({ ...sync, out_request_no: fresh("pts-"), user_card_code: "0000" }).pipe(
          asBrand(brand_id)
        )
      )
      expect(unknown).toMatchObject(apiError(404, "NOT_FOUND", "用户会员卡不存在"))
    }))

  it.effect("points for a coupon: the user redeems (an exchange record), the merchant allows (a coupon code) or rejects (with a reason); an unknown record 404", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const { card_id } = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const openid = fresh("oCoupon")
      const user_card_code = fresh("22")
      yield* PartnerCardMember.importUserCardByOpenid({ brand_id, card_id, openid, user_card_code }).pipe(asProvider())
      const record = emulator.userRedeemsBrandPoints({ card_id, openid, deduct_points: 500, stock_id: "1212" })
      expect(record).toMatchObject({
        brand_id,
        card_id,
        appid: "wxd678efh567hg6787",
        openid,
        user_card_code,
        deduct_points: 500,
        stock_id: "1212",
        product_coupon_stock_type: "PRODUCT_COUPON_STOCK_TYPE_BUSI_FAVOR"
      })
      const answer = {
        record_id: record.record_id,
        exchange_coupon_template_id: record.exchange_coupon_template_id,
        card_id,
        openid,
        user_card_code
      }
      const unknown = yield* Effect.flip(
        PartnerCardMember.confirmPointsExchange({
          brand_id,
          ...answer,
          record_id: "0000",
          result: "POINT_EXCHANGE_COUPON_ALLOW"
        }).pipe(asProvider())
      )
      expect(unknown).toMatchObject(apiError(404, "NOT_FOUND", "积分兑券记录不存在"))
      const allowed = yield* PartnerCardMember.confirmPointsExchange({
        brand_id,
        ...answer,
        result: "POINT_EXCHANGE_COUPON_ALLOW"
      }).pipe(asProvider())
      expect(allowed).toMatchObject({ ...answer, brand_id, state: "POINT_EXCHANGE_COUPON_SUCCESS", stock_id: "1212" })
      expect(allowed.coupon_code).toMatch(/^\d{12}$/)
      // The same answer again (from the brand): as before, nothing applied; another answer: refused.
      expect(yield* BrandCardMember.confirmPointsExchange({ ...answer, result: "POINT_EXCHANGE_COUPON_ALLOW" }).pipe(
        asBrand(brand_id)
      )).toEqual(allowed)
      const changed = yield* Effect.flip(
        BrandCardMember.confirmPointsExchange({ ...answer, result: "POINT_EXCHANGE_COUPON_REJECT", reject_reason: "x" }).pipe(
          asBrand(brand_id)
        )
      )
      expect(changed).toMatchObject({ status: 400, code: "INVALID_REQUEST" })
      expect(emulator.ledger.filter((e) => e.record_id === record.record_id)).toHaveLength(1)
      const other = emulator.userRedeemsBrandPoints({ card_id, openid, deduct_points: 100 })
      const rejected = yield* BrandCardMember.confirmPointsExchange({
        ...answer,
        record_id: other.record_id,
        exchange_coupon_template_id: other.exchange_coupon_template_id,
        result: "POINT_EXCHANGE_COUPON_REJECT",
        reject_reason: "积分不足"
      }).pipe(asBrand(brand_id))
      expect(rejected).toMatchObject({ state: "POINT_EXCHANGE_COUPON_FAIL", reject_reason: "积分不足" })
      expect(rejected.coupon_code).toBeUndefined()
      const unknownCard = yield* Effect.flip(
        BrandCardMember.confirmPointsExchange({ ...answer, user_card_code: "0000", result: "POINT_EXCHANGE_COUPON_ALLOW" })
          .pipe(asBrand(brand_id))
      )
      expect(unknownCard).toMatchObject(apiError(404, "NOT_FOUND", "用户会员卡不存在"))
      expect(emulator.brandState(brand_id).exchanges.map((e) => e.state)).toEqual([
        "POINT_EXCHANGE_COUPON_SUCCESS",
        "POINT_EXCHANGE_COUPON_FAIL"
      ])
    }))

  it.effect("activities (provider only): create (keyed by out_request_no), list, get, update, terminate; one in effect per template; another brand's is 403 NO_AUTH", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      const otherBrand = freshBrand()
      const { card_id } = yield* PartnerCardMember.createCardTemplate({ brand_id, ...template() }).pipe(asProvider())
      const now = Date.now()
      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + "Z"
      const body = {
        brand_id,
        out_request_no: fresh("act-"),
        card_id,
        activity_channel: "MECHANT_APP_COMPONENT" as const,
        title: "开卡有礼",
        sub_title: "新会员专享",
        begin_time: iso(now - 3600_000),
        end_time: iso(now + 86400_000),
        apply_total: 100,
        product_coupon_stock_list: [{ product_coupon_id: "1001", stock_id: "2001" }]
      }
      const created = yield* PartnerCardMember.createActivity(body).pipe(asProvider())
      expect(created).toMatchObject({
        brand_id,
        card_id,
        title: "开卡有礼",
        apply_total: 100,
        apply_available: 100,
        activity_state: "MEMBERSHIP_ACTIVITY_EFFECTIVE"
      })
      // The same request again: the same answer, applied once; a second activity on the template: ALREADY_EXISTS.
      expect(yield* PartnerCardMember.createActivity(body).pipe(asProvider())).toEqual(created)
      expect(emulator.applied(body.out_request_no)).toBe(1)
      const second = yield* Effect.flip(
        PartnerCardMember.createActivity({ ...body, out_request_no: fresh("act-") }).pipe(asProvider())
      )
      expect(second).toMatchObject({ _tag: "AlreadyExists", ...apiError(400, "ALREADY_EXISTS", "该会员卡模板已有生效中的活动") })
      const noTemplate = yield* Effect.flip(
        PartnerCardMember.createActivity({ ...body, out_request_no: fresh("act-"), card_id: "pMissing" }).pipe(asProvider())
      )
      expect(noTemplate).toMatchObject(apiError(400, "INVALID_REQUEST", "品牌会员卡模板不存在"))
      const { activity_id } = created
      expect(yield* PartnerCardMember.getActivity({ brand_id, activity_id }).pipe(asProvider())).toEqual(created)
      const listed = yield* PartnerCardMember.listActivities({ brand_id, card_id, offset: 0, limit: 10 }).pipe(asProvider())
      expect(listed.data!.map((a) => a.activity_id)).toEqual([activity_id])
      const updated = yield* PartnerCardMember.updateActivity({
        brand_id,
        activity_id,
        title: "开卡礼",
        sub_title: "限时",
        begin_time: body.begin_time,
        end_time: iso(now + 2 * 86400_000)
      }).pipe(asProvider())
      expect(updated).toMatchObject({ title: "开卡礼", sub_title: "限时", activity_state: "MEMBERSHIP_ACTIVITY_EFFECTIVE" })
      // Another brand's provider call does not reach it: 403; an unknown id: 404.
      const foreign = yield* Effect.flip(PartnerCardMember.getActivity({ brand_id: otherBrand, activity_id }).pipe(asProvider()))
      expect(foreign).toMatchObject({ _tag: "NoAuth", ...apiError(403, "NO_AUTH", "没有该活动的访问权限") })
      const foreignStop = yield* Effect.flip(
        PartnerCardMember.terminateActivity({ brand_id: otherBrand, activity_id }).pipe(asProvider())
      )
      expect(foreignStop).toMatchObject(apiError(403, "NO_AUTH", "没有该活动的访问权限"))
      const unknown = yield* Effect.flip(PartnerCardMember.getActivity({ brand_id, activity_id: "404404" }).pipe(asProvider()))
      expect(unknown).toMatchObject(apiError(404, "NOT_FOUND", "活动不存在"))
      const terminated = yield* PartnerCardMember.terminateActivity({ brand_id, activity_id }).pipe(asProvider())
      expect(terminated.activity_state).toBe("MEMBERSHIP_ACTIVITY_TERMINATED")
      const before = emulator.ledger.length
      expect((yield* PartnerCardMember.terminateActivity({ brand_id, activity_id }).pipe(asProvider())).activity_state)
        .toBe("MEMBERSHIP_ACTIVITY_TERMINATED")
      expect(emulator.ledger.length).toBe(before)
      const byState = yield* PartnerCardMember.listActivities({
        brand_id,
        activity_state: "MEMBERSHIP_ACTIVITY_TERMINATED",
        offset: 0,
        limit: 10
      }).pipe(asProvider())
      expect(byState.total_count).toBe(1)
      // Terminated, the template takes a new activity.
      expect((yield* PartnerCardMember.createActivity({ ...body, out_request_no: fresh("act-") }).pipe(asProvider()))
        .activity_state).toBe("MEMBERSHIP_ACTIVITY_EFFECTIVE")
    }))

  it.effect("the brand's image upload (multipart, meta signed): a permanent URL to use as card_picture_url", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const brand_id = freshBrand()
      // A 1×1 PNG.
      const png = Uint8Array.from(Buffer.from(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
        "base64"
      ))
      const { media_url } = yield* BrandCardMember.uploadImage({ file: png, filename: "card.png" }).pipe(asBrand(brand_id))
      expect(media_url).toMatch(/^https:\/\//)
      const entry = emulator.ledger.at(-1)!
      expect(entry).toMatchObject({ endpoint: "BrandCardMember.UploadImage", brand_id, media_url })
      expect(entry.mchid).toBe("")
      const { legal_agreement: _, member_information: __, ...brandBody } = template({ card_picture_url: media_url })
      const created = yield* BrandCardMember.createCardTemplate(brandBody).pipe(asBrand(brand_id))
      expect(created.card_picture_url).toBe(media_url)
    }))
})
