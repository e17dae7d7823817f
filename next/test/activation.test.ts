/**
 * 跳转型激活 (#18, #19, #20): decryptCode, getActivateInformation, activateUserCard.
 *
 * - Over real loopback HTTP (node:http transport): a user claims a card and opens the activation page (simulated by
 *   the emulator: `openActivationPage` returns the jump URL's `encrypt_code` and `activate_ticket`); the merchant
 *   decrypts the code, reads the form and activates the card, checked against the emulator's state. Activation is
 *   not repeated after a dropped answer; business refusals.
 * - Every request rule at exactly its limit (validated and sent once) and one past it (RequestValidationError naming
 *   the field, nothing sent), with hand-written values.
 * - Types: each accessor's success, error and requirement.
 */
import { describe, expect, expectTypeOf, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { MemberCard, type WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { accepted, fresh, invalid, lengths, Loopback, putTemplate, refused } from "./support.js"

// Hand-written values of known length (checked by the first test, so a typo here cannot hide).
const s32 = "0123456789abcdefghijklmnopqrstuv"
const s33 = s32 + "w"
const s128 = "0123456789abcdefghijklmnopqrstuv" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" +
  "6789abcdefghijklmnopqrstuvwxyzAB" + "CDEFGHIJKLMNOPQRSTUVWXYZ01234567"
const s129 = s128 + "8"
const s256 = s128 + s128.toUpperCase()
const s257 = s256 + "9"
/** 32 characters: letters, digits and half-width punctuation, as membership_number allows. */
const member32 = "VIP-2026/12_01:0001#A.B(c)!~@$%&"
const member33 = member32 + "x"

const form = {
  nickname: "张三",
  head_image_url: "https://wx.qlogo.cn/mmopen/xxxxx/0",
  user_information: {
    common_field_list: [{ name: "USER_FORM_FLAG_MOBILE", value: "13800000000" }],
    custom_field_list: [{ name: "喜欢的饮品", value_list: ["奶茶", "咖啡"] }]
  }
}

/** A template and a user who claimed its card and opened the activation page. */
const claimed = (
  init: { readonly card_id?: string; readonly encrypt_code?: string; readonly activate_ticket?: string } = {}
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const { card_id } = yield* putTemplate(init.card_id === undefined ? {} : { card_id: init.card_id })
    return { emulator, ...emulator.openActivationPage({ card_id, ...form, ...init }) }
  })

layer(Loopback, { excludeTestServices: true })("jump activation over loopback HTTP", (it) => {
  it.effect("the hand-written values have the lengths their names say (in characters)", () =>
    Effect.sync(() => {
      expect(lengths(s32, s33, s128, s129, s256, s257, member32, member33))
        .toEqual([32, 33, 128, 129, 256, 257, 32, 33])
    }))

  it.effect("decrypt the code, read the form, activate: the card goes NOT_ACTIVATE → EFFECTIVE, once", () =>
    Effect.gen(function*() {
      const { activate_ticket, card_id, emulator, encrypt_code, openid } = yield* claimed()
      const { code } = yield* MemberCard.decryptCode({ card_id, encrypt_code })
      expect(emulator.card(card_id, code)).toMatchObject({ openid, user_card_status: "NOT_ACTIVATE" })
      expect(yield* MemberCard.getActivateInformation({ activate_ticket })).toEqual(form)
      yield* MemberCard.activateUserCard({ card_id, code, membership_number: "VIP-0001" })
      expect(emulator.card(card_id, code)).toMatchObject({ user_card_status: "EFFECTIVE", membership_number: "VIP-0001" })
      expect(emulator.ledger.filter((e) => e.endpoint === "ActivateUserCard" && e.code === code)).toHaveLength(1)
      yield* invalid(MemberCard.activateUserCard({ card_id, code }), "会员卡已激活")
    }))

  it.effect("the encrypt_code travels as received in the jump URL: '+', '/' and '=' percent-encoded, sent verbatim", () =>
    Effect.gen(function*() {
      const claim = yield* claimed({ encrypt_code: "ab+cd/ef==" + fresh("x") })
      expect(claim.encrypt_code.startsWith("ab%2Bcd%2Fef%3D%3D")).toBe(true)
      expect(claim.url).toContain(`&encrypt_code=${claim.encrypt_code}&`)
      const { code } = yield* MemberCard.decryptCode({ card_id: claim.card_id, encrypt_code: claim.encrypt_code })
      expect(claim.emulator.card(claim.card_id, code)?.openid).toBe(claim.openid)
    }))

  it.effect("a MERCHANT_DEPOSIT card claimed by jump gets the first deposited code", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card_id = emulator.putTemplate({ card_id: fresh("tpl-"), code_mode: "MERCHANT_DEPOSIT" }).card_id
      yield* MemberCard.depositCodes({ card_id, code: ["J-001", "J-002"] })
      const { encrypt_code } = emulator.openActivationPage({ card_id })
      expect(yield* MemberCard.decryptCode({ card_id, encrypt_code })).toEqual({ code: "J-001" })
    }))

  it.effect("refusals: an unknown encrypt_code or one of another card, an unknown ticket, an unknown or invalid card", () =>
    Effect.gen(function*() {
      const { card_id, emulator, encrypt_code } = yield* claimed()
      const other = emulator.putTemplate({ card_id: fresh("tpl-") }).card_id
      yield* invalid(MemberCard.decryptCode({ card_id, encrypt_code: "bm90LWlzc3VlZA%3D%3D" }), "encrypt_code无效")
      yield* invalid(MemberCard.decryptCode({ card_id: other, encrypt_code }), "encrypt_code无效")
      yield* invalid(MemberCard.decryptCode({ card_id: fresh("nope-"), encrypt_code }), "card_id无效")
      yield* invalid(MemberCard.getActivateInformation({ activate_ticket: "not-issued" }), "activate_ticket无效")
      yield* invalid(MemberCard.activateUserCard({ card_id, code: "missing" }), "code不存在")
      yield* invalid(MemberCard.activateUserCard({ card_id: fresh("nope-"), code: "missing" }), "card_id无效")
      const { code } = yield* MemberCard.decryptCode({ card_id, encrypt_code })
      yield* MemberCard.invalidateUserCard({ card_id, code })
      yield* invalid(MemberCard.activateUserCard({ card_id, code }), "用户会员卡已失效")
    }))

  it.effect("activateUserCard after DropAfterApply is not repeated: TransportError, one request, activated once", () =>
    Effect.gen(function*() {
      const { card_id, emulator, encrypt_code } = yield* claimed()
      const { code } = yield* MemberCard.decryptCode({ card_id, encrypt_code })
      emulator.inject({ endpoint: "ActivateUserCard", fault: { _tag: "DropAfterApply" } })
      const before = emulator.requests("ActivateUserCard")
      const error = yield* Effect.flip(MemberCard.activateUserCard({ card_id, code }))
      expect(error._tag).toBe("TransportError")
      expect(emulator.requests("ActivateUserCard") - before).toBe(1)
      expect(emulator.card(card_id, code)?.user_card_status).toBe("EFFECTIVE")
      expect(emulator.ledger.filter((e) => e.endpoint === "ActivateUserCard" && e.code === code)).toHaveLength(1)
    }))

  it.effect("activateUserCard after a 500 SYSTEM_ERROR is not repeated either; the card stays NOT_ACTIVATE", () =>
    Effect.gen(function*() {
      const { card_id, emulator, encrypt_code } = yield* claimed()
      const { code } = yield* MemberCard.decryptCode({ card_id, encrypt_code })
      emulator.inject({ endpoint: "ActivateUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
      const before = emulator.requests("ActivateUserCard")
      expect((yield* Effect.flip(MemberCard.activateUserCard({ card_id, code })))._tag).toBe("SystemError")
      expect(emulator.requests("ActivateUserCard") - before).toBe(1)
      expect(emulator.card(card_id, code)?.user_card_status).toBe("NOT_ACTIVATE")
    }))

  it.effect("the reads are repeated after a dropped connection (GETs): one decoded answer", () =>
    Effect.gen(function*() {
      const { activate_ticket, card_id, emulator, encrypt_code } = yield* claimed()
      emulator.inject({ endpoint: "DecryptCode", fault: { _tag: "Drop" } })
      emulator.inject({ endpoint: "GetActivateInformation", fault: { _tag: "Drop" } })
      const before = emulator.requests()
      yield* MemberCard.decryptCode({ card_id, encrypt_code })
      expect(yield* MemberCard.getActivateInformation({ activate_ticket })).toEqual(form)
      expect(emulator.requests() - before).toBe(4)
    }))

  describe("decryptCode: request rules", () => {
    it.effect("encrypt_code of 128 characters is accepted; empty or 129 refused, nothing sent", () =>
      Effect.gen(function*() {
        const encrypt_code = s128.slice(0, 120) + fresh("").slice(-8).padStart(8, "0")
        expect([...encrypt_code]).toHaveLength(128)
        const { card_id } = yield* claimed({ encrypt_code })
        yield* accepted(MemberCard.decryptCode({ card_id, encrypt_code }))
        yield* refused(MemberCard.decryptCode({ card_id, encrypt_code: "" }), "encrypt_code")
        yield* refused(MemberCard.decryptCode({ card_id, encrypt_code: s129 }), "encrypt_code")
      }))

    it.effect("card_id of 32 characters is accepted; 33 refused, nothing sent", () =>
      Effect.gen(function*() {
        const { encrypt_code } = yield* claimed({ card_id: s32 })
        yield* accepted(MemberCard.decryptCode({ card_id: s32, encrypt_code }))
        yield* refused(MemberCard.decryptCode({ card_id: s33, encrypt_code }), "card_id")
      }))
  })

  describe("getActivateInformation: request rules", () => {
    it.effect("activate_ticket of 256 characters is accepted; empty, 257, '.' or '..' refused, nothing sent", () =>
      Effect.gen(function*() {
        const activate_ticket = s256.slice(0, 248) + fresh("").slice(-8).padStart(8, "0")
        expect([...activate_ticket]).toHaveLength(256)
        yield* claimed({ activate_ticket })
        yield* accepted(MemberCard.getActivateInformation({ activate_ticket }))
        for (const bad of ["", s257, ".", ".."]) {
          yield* refused(MemberCard.getActivateInformation({ activate_ticket: bad }), "activate_ticket")
        }
      }))
  })

  describe("activateUserCard: request rules", () => {
    it.effect("membership_number of 32 characters is accepted; 33 refused, nothing sent", () =>
      Effect.gen(function*() {
        const { card_id, encrypt_code } = yield* claimed()
        const { code } = yield* MemberCard.decryptCode({ card_id, encrypt_code })
        yield* refused(MemberCard.activateUserCard({ card_id, code, membership_number: member33 }), "membership_number")
        yield* accepted(MemberCard.activateUserCard({ card_id, code, membership_number: member32 }))
      }))

    it.effect("membership_number with a space, full-width or CJK characters is refused, nothing sent", () =>
      Effect.gen(function*() {
        for (const bad of ["VIP 1", "VIP１", "会员1"]) {
          yield* refused(MemberCard.activateUserCard({ card_id: "c", code: "c", membership_number: bad }), "membership_number")
        }
      }))

    it.effect("card_id and code of 32 characters are accepted; 33 refused, nothing sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        emulator.putCard({ card_id: s32, code: s32, user_card_status: "NOT_ACTIVATE" })
        yield* accepted(MemberCard.activateUserCard({ card_id: s32, code: s32 }))
        yield* refused(MemberCard.activateUserCard({ card_id: s33, code: "c" }), "card_id")
        yield* refused(MemberCard.activateUserCard({ card_id: "c", code: s33 }), "code")
      }))
  })
})

describe("types", () => {
  const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
  it("each accessor's success, error and requirement", () => {
    expectTypeOf(MemberCard.decryptCode({ card_id, encrypt_code: "e" })).toEqualTypeOf<
      Effect.Effect<MemberCard.DecryptCodeResponse, MemberCard.DecryptCodeError, MemberCard.DecryptCode>
    >()
    expectTypeOf(MemberCard.activateUserCard({ card_id, code: "c" })).toEqualTypeOf<
      Effect.Effect<void, MemberCard.ActivateUserCardError, MemberCard.ActivateUserCard>
    >()
    expectTypeOf(MemberCard.getActivateInformation({ activate_ticket: "t" })).toEqualTypeOf<
      Effect.Effect<MemberCard.ActivateInformation, MemberCard.GetActivateInformationError, MemberCard.GetActivateInformation>
    >()
    expectTypeOf<MemberCard.DecryptCodeError>().toEqualTypeOf<
      WechatPayError.CallError | WechatPayError.RequestValidationError | WechatPayError.ResponseDecodeError
    >()
    expectTypeOf<MemberCard.GetActivateInformationError>().toEqualTypeOf<MemberCard.DecryptCodeError>()
    expectTypeOf<MemberCard.ActivateUserCardError>().toEqualTypeOf<
      WechatPayError.CallError | WechatPayError.RequestValidationError
    >()
  })

  it("the decrypted code is required; the form's fields are optional, its enums open", () => {
    expectTypeOf<MemberCard.DecryptCodeResponse["code"]>().toEqualTypeOf<string>()
    expectTypeOf<MemberCard.ActivateInformation["nickname"]>().toEqualTypeOf<string | undefined>()
    type Common = NonNullable<NonNullable<MemberCard.ActivateInformation["user_information"]>["common_field_list"]>[number]
    expectTypeOf<Common["name"]>().toEqualTypeOf<
      | "USER_FORM_FLAG_MOBILE"
      | "USER_FORM_FLAG_SEX"
      | "USER_FORM_FLAG_NAME"
      | "USER_FORM_FLAG_BIRTHDAY"
      | "USER_FORM_FLAG_ADDRESS"
      | "USER_FORM_FLAG_EMAIL"
      | "USER_FORM_FLAG_CITY"
      | (string & {})
    >()
    // @ts-expect-error encrypt_code is required
    MemberCard.decryptCode({ card_id })
  })
})
