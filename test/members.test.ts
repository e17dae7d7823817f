/**
 * Members and codes (#10, #11, #15, #16, #17, #23): depositCodes, importUserCardByOpenid, createPermissionToken,
 * listUserCards / streamUserCards, createQrCode, invalidateUserCard.
 *
 * - Over real loopback HTTP (node:http transport): each endpoint's happy path with the emulator's state, what a dropped
 *   answer does to each write (retried and applied once, or not repeated; a write without out_request_no is repeated
 *   only after a "not processed" 429/503, never after DropAfterApply), lazy paging by page index, business
 *   refusals.
 * - Every request rule at exactly its limit (validated and sent once) and one past it (RequestValidationError naming
 *   the field, nothing sent), with hand-written values.
 * - Types: each accessor's success, error and requirement.
 */
import { describe, expect, expectTypeOf, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { MemberCard, type WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { accepted, fresh, invalid, lengths, Loopback, putTemplate, refused, type Services } from "./support.js"

// Hand-written values of known length (checked by the first test, so a typo here cannot hide).
const s30 = "0123456789abcdefghijklmnopqrst"
const s31 = s30 + "u"
const s32 = "0123456789abcdefghijklmnopqrstuv"
const s33 = s32 + "w"
const s128 = "0123456789abcdefghijklmnopqrstuv" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" +
  "6789abcdefghijklmnopqrstuvwxyzAB" + "CDEFGHIJKLMNOPQRSTUVWXYZ01234567"
const s129 = s128 + "8"
/** 30 CJK characters: a `reason` at the limit in characters, not bytes. */
const cjk30 = "会员卡作废原因会员卡作废原因会员卡作废原因会员卡作废原因会员"
const cjk31 = cjk30 + "卡"
/** 32 characters of every class outer_str allows: digits, letters, CJK, half-width punctuation. */
const scene32 = "门店01-Shenzhen_Nanshan.A/B(1)!~~~"
const scene33 = scene32 + "x"

/** A card template of this emulator (a fresh card_id unless given); its card_id. */
const template = (init: Parameters<typeof putTemplate>[0] = {}) => Effect.map(putTemplate(init), (t) => t.card_id)

layer(Loopback, { excludeTestServices: true })("members and codes over loopback HTTP", (it) => {
  it.effect("the hand-written values have the lengths their names say (in characters)", () =>
    Effect.sync(() => {
      expect(lengths(s30, s31, s32, s33, s128, s129, cjk30, cjk31, scene32, scene33))
        .toEqual([30, 31, 32, 33, 128, 129, 30, 31, 32, 33])
    }))

  describe("depositCodes (#10)", () => {
    it.effect("stores new codes (SUCCESS), reports known ones (DUPLICATE), and imports hand them out in order", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template({ code_mode: "MERCHANT_DEPOSIT" })
        const first = yield* MemberCard.depositCodes({ card_id, code: ["D001", "D002", "D001"] })
        expect(first.data).toEqual([
          { code: "D001", result: "SUCCESS" },
          { code: "D002", result: "SUCCESS" },
          { code: "D001", result: "DUPLICATE" }
        ])
        const second = yield* MemberCard.depositCodes({ card_id, code: ["D002", "D003"] })
        expect(second.data).toEqual([{ code: "D002", result: "DUPLICATE" }, { code: "D003", result: "SUCCESS" }])
        expect(emulator.ledger.filter((e) => e.endpoint === "DepositCodes" && e.card_id === card_id).map((e) => e.codes))
          .toEqual([["D001", "D002"], ["D003"]])
        const imported = yield* MemberCard.importUserCardByOpenid({ card_id, openid: fresh("o"), out_request_no: fresh("imp-") })
        expect(imported.code).toBe("D001")
      }))

    it.effect("after a 503 (not processed) it is repeated: two requests, the codes stored once, answered SUCCESS", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template({ code_mode: "MERCHANT_DEPOSIT" })
        emulator.inject({ endpoint: "DepositCodes", fault: { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE" } })
        const before = emulator.requests("DepositCodes")
        const answer = yield* MemberCard.depositCodes({ card_id, code: ["R1", "R2"] })
        expect(emulator.requests("DepositCodes") - before).toBe(2)
        expect(answer.data?.map((d) => d.result)).toEqual(["SUCCESS", "SUCCESS"])
        expect(emulator.ledger.filter((e) => e.endpoint === "DepositCodes" && e.card_id === card_id).map((e) => e.codes))
          .toEqual([["R1", "R2"]])
      }))

    it.effect("after DropAfterApply it is not repeated: TransportError, one request; stored once, a repeat answers DUPLICATE", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template({ code_mode: "MERCHANT_DEPOSIT" })
        emulator.inject({ endpoint: "DepositCodes", fault: { _tag: "DropAfterApply" } })
        const before = emulator.requests("DepositCodes")
        const error = yield* Effect.flip(MemberCard.depositCodes({ card_id, code: ["R1", "R2"] }))
        expect(error._tag).toBe("TransportError")
        expect(emulator.requests("DepositCodes") - before).toBe(1)
        expect(emulator.ledger.filter((e) => e.endpoint === "DepositCodes" && e.card_id === card_id).map((e) => e.codes))
          .toEqual([["R1", "R2"]])
        // The caller's own repeat (a set) learns the outcome: both codes already stored, nothing stored again.
        const answer = yield* MemberCard.depositCodes({ card_id, code: ["R1", "R2"] })
        expect(answer.data?.map((d) => d.result)).toEqual(["DUPLICATE", "DUPLICATE"])
        expect(emulator.ledger.filter((e) => e.endpoint === "DepositCodes" && e.card_id === card_id)).toHaveLength(1)
      }))

    it.effect("refuses an unknown card_id and a card whose codes WeChat allocates", () =>
      Effect.gen(function*() {
        yield* invalid(MemberCard.depositCodes({ card_id: fresh("nope-"), code: ["X"] }), "card_id无效")
        const card_id = yield* template({ code_mode: "SYSTEM_ALLOCATE" })
        yield* invalid(
          MemberCard.depositCodes({ card_id, code: ["X"] }),
          "仅code_mode为MERCHANT_DEPOSIT的会员卡可导入code"
        )
      }))

    it.effect("card_id of 32 characters is accepted; 33 refused, nothing sent", () =>
      Effect.gen(function*() {
        yield* template({ card_id: s32, code_mode: "MERCHANT_DEPOSIT" })
        yield* accepted(MemberCard.depositCodes({ card_id: s32, code: [fresh("c")] }))
        yield* refused(MemberCard.depositCodes({ card_id: s33, code: ["c"] }), "card_id")
      }))

    it.effect("a code of 32 characters is accepted; 33 refused, nothing sent", () =>
      Effect.gen(function*() {
        const card_id = yield* template({ code_mode: "MERCHANT_DEPOSIT" })
        yield* accepted(MemberCard.depositCodes({ card_id, code: [s32] }))
        yield* refused(MemberCard.depositCodes({ card_id, code: ["ok", s33] }), "code.1")
      }))
  })

  describe("importUserCardByOpenid (#11)", () => {
    it.effect("gives the member an activated card with a 12-digit code (SYSTEM_ALLOCATE)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        const openid = fresh("o")
        const out_request_no = fresh("imp-")
        const { code } = yield* MemberCard.importUserCardByOpenid({ card_id, openid, out_request_no })
        expect(code).toMatch(/^\d{12}$/)
        expect(emulator.card(card_id, code!)).toMatchObject({ openid, user_card_status: "EFFECTIVE", membership_number: code })
        expect(emulator.applied(out_request_no)).toBe(1)
      }))

    it.effect("after DropAfterApply it is retried with its out_request_no: one card, one ledger entry, same code", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        const openid = fresh("o")
        const out_request_no = fresh("imp-")
        emulator.inject({ endpoint: "ImportUserCardByOpenid", fault: { _tag: "DropAfterApply" } })
        const before = emulator.requests("ImportUserCardByOpenid")
        const { code } = yield* MemberCard.importUserCardByOpenid({ card_id, openid, out_request_no })
        expect(emulator.requests("ImportUserCardByOpenid") - before).toBe(2)
        expect(emulator.applied(out_request_no)).toBe(1)
        expect(emulator.allCards().filter((c) => c.card_id === card_id).map((c) => c.code)).toEqual([code])
      }))

    it.effect("REAL_TIME takes the merchant's code and requires one; a member claims a card once; no codes left", () =>
      Effect.gen(function*() {
        const realTime = yield* template({ code_mode: "REAL_TIME" })
        const openid = fresh("o")
        expect(yield* MemberCard.importUserCardByOpenid({ card_id: realTime, openid, code: "RT-1", out_request_no: fresh("i") }))
          .toEqual({ code: "RT-1" })
        yield* invalid(
          MemberCard.importUserCardByOpenid({ card_id: realTime, openid: fresh("o"), out_request_no: fresh("i") }),
          "会员卡为实时code模式，必须传入code"
        )
        yield* invalid(
          MemberCard.importUserCardByOpenid({ card_id: realTime, openid, code: "RT-2", out_request_no: fresh("i") }),
          "用户已领取过该会员卡"
        )
        const deposit = yield* template({ code_mode: "MERCHANT_DEPOSIT" })
        yield* invalid(
          MemberCard.importUserCardByOpenid({ card_id: deposit, openid, out_request_no: fresh("i") }),
          "会员卡code库存不足，请先导入code"
        )
        yield* invalid(
          MemberCard.importUserCardByOpenid({ card_id: fresh("nope-"), openid, out_request_no: fresh("i") }),
          "card_id无效"
        )
      }))

    it.effect("openid of 1 and 128 characters is accepted; empty or 129 refused, nothing sent", () =>
      Effect.gen(function*() {
        const card_id = yield* template()
        yield* accepted(MemberCard.importUserCardByOpenid({ card_id, openid: "o", out_request_no: fresh("i") }))
        yield* accepted(MemberCard.importUserCardByOpenid({ card_id, openid: s128, out_request_no: fresh("i") }))
        yield* refused(MemberCard.importUserCardByOpenid({ card_id, openid: "", out_request_no: fresh("i") }), "openid")
        yield* refused(MemberCard.importUserCardByOpenid({ card_id, openid: s129, out_request_no: fresh("i") }), "openid")
      }))

    it.effect("code of 32 characters is accepted; 33 refused, nothing sent", () =>
      Effect.gen(function*() {
        const card_id = yield* template({ code_mode: "REAL_TIME" })
        yield* accepted(MemberCard.importUserCardByOpenid({ card_id, openid: fresh("o"), code: s32, out_request_no: fresh("i") }))
        yield* refused(
          MemberCard.importUserCardByOpenid({ card_id, openid: fresh("o"), code: s33, out_request_no: fresh("i") }),
          "code"
        )
      }))

    it.effect("out_request_no of 128 characters is accepted; empty or 129 refused, nothing sent", () =>
      Effect.gen(function*() {
        const card_id = yield* template()
        yield* accepted(MemberCard.importUserCardByOpenid({ card_id, openid: fresh("o"), out_request_no: s128 }))
        yield* refused(MemberCard.importUserCardByOpenid({ card_id, openid: "o", out_request_no: "" }), "out_request_no")
        yield* refused(MemberCard.importUserCardByOpenid({ card_id, openid: "o", out_request_no: s129 }), "out_request_no")
      }))
  })

  describe("createPermissionToken (#15)", () => {
    it.effect("issues a token per card and settings; the same settings again answer the same token, applying nothing", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        const settings = {
          card_id,
          activate_type: "JUMP_ACTIVATE" as const,
          navigate_back_previous_page: true,
          activate_url: "https://w.url.cn/s/Ahz3p2C",
          outer_str: "store-001"
        }
        const { permission_token } = yield* MemberCard.createPermissionToken(settings)
        expect(permission_token.length).toBeGreaterThan(0)
        expect(yield* MemberCard.createPermissionToken(settings)).toEqual({ permission_token })
        const other = yield* MemberCard.createPermissionToken({ card_id, activate_type: "AUTO_ACTIVATE" })
        expect(other.permission_token).not.toBe(permission_token)
        expect(emulator.ledger.filter((e) => e.endpoint === "CreatePermissionToken" && e.card_id === card_id)
          .map((e) => e.permission_token)).toEqual([permission_token, other.permission_token])
        yield* invalid(MemberCard.createPermissionToken({ card_id: fresh("nope-"), activate_type: "AUTO_ACTIVATE" }), "card_id无效")
      }))

    it.effect("after a 429 (not processed) it is repeated: two requests, one token issued, one ledger entry", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        emulator.inject({ endpoint: "CreatePermissionToken", fault: { _tag: "Error", status: 429, code: "RATE_LIMITED" } })
        const before = emulator.requests("CreatePermissionToken")
        const { permission_token } = yield* MemberCard.createPermissionToken({ card_id, activate_type: "AUTO_ACTIVATE" })
        expect(emulator.requests("CreatePermissionToken") - before).toBe(2)
        expect(emulator.ledger.filter((e) => e.endpoint === "CreatePermissionToken" && e.card_id === card_id)
          .map((e) => e.permission_token)).toEqual([permission_token])
      }))

    it.effect("after DropAfterApply it is not repeated: TransportError, one request, one token issued", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        emulator.inject({ endpoint: "CreatePermissionToken", fault: { _tag: "DropAfterApply" } })
        const before = emulator.requests("CreatePermissionToken")
        const error = yield* Effect.flip(MemberCard.createPermissionToken({ card_id, activate_type: "AUTO_ACTIVATE" }))
        expect(error._tag).toBe("TransportError")
        expect(emulator.requests("CreatePermissionToken") - before).toBe(1)
        expect(emulator.ledger.filter((e) => e.endpoint === "CreatePermissionToken" && e.card_id === card_id))
          .toHaveLength(1)
      }))
  })

  describe("createQrCode (#17)", () => {
    it.effect("answers the QR link, once per card and settings; REAL_TIME cards are refused", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        const settings = {
          card_id,
          activate_type: "AUTO_ACTIVATE" as const,
          activate_appid: "wxea9c30890f48d5ae",
          activate_path: "pages/activate"
        }
        const { url } = yield* MemberCard.createQrCode(settings)
        expect(url).toMatch(/^https:\/\//)
        expect(yield* MemberCard.createQrCode(settings)).toEqual({ url })
        expect(emulator.ledger.filter((e) => e.endpoint === "CreateQrCode" && e.card_id === card_id)).toHaveLength(1)
        const realTime = yield* template({ code_mode: "REAL_TIME" })
        yield* invalid(
          MemberCard.createQrCode({ card_id: realTime, activate_type: "AUTO_ACTIVATE" }),
          "二维码投放不支持实时code模式的会员卡"
        )
      }))

    it.effect("after a 503 (not processed) it is repeated with the same parameters: two requests, one link", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        emulator.inject({ endpoint: "CreateQrCode", fault: { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE" } })
        const before = emulator.requests("CreateQrCode")
        const { url } = yield* MemberCard.createQrCode({ card_id, activate_type: "JUMP_ACTIVATE", activate_url: "https://a.example/x" })
        expect(emulator.requests("CreateQrCode") - before).toBe(2)
        expect(emulator.ledger.filter((e) => e.endpoint === "CreateQrCode" && e.card_id === card_id).map((e) => e.url))
          .toEqual([url])
      }))

    it.effect("after DropAfterApply it is not repeated: TransportError, one request; one link, a repeat answers it", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        const settings = { card_id, activate_type: "JUMP_ACTIVATE" as const, activate_url: "https://a.example/x" }
        emulator.inject({ endpoint: "CreateQrCode", fault: { _tag: "DropAfterApply" } })
        const before = emulator.requests("CreateQrCode")
        const error = yield* Effect.flip(MemberCard.createQrCode(settings))
        expect(error._tag).toBe("TransportError")
        expect(emulator.requests("CreateQrCode") - before).toBe(1)
        const links = () => emulator.ledger.filter((e) => e.endpoint === "CreateQrCode" && e.card_id === card_id).map((e) => e.url)
        expect(links()).toHaveLength(1)
        // WeChat: repeat a failed QR link with the same parameters; the caller's repeat answers the link already made.
        const { url } = yield* MemberCard.createQrCode(settings)
        expect(links()).toEqual([url])
      }))
  })

  // The two distribution endpoints share their activation fields: every rule, on both.
  const distributions = [
    ["createPermissionToken", MemberCard.createPermissionToken],
    ["createQrCode", MemberCard.createQrCode]
  ] as const
  for (const [name, create] of distributions) {
    describe(`${name}: request rules`, () => {
      // Values the static type may not allow (an unknown activate_type): the run-time rules are under test.
      const call = (card_id: string, fields: Record<string, unknown>) =>
        (create as (request: unknown) => Effect.Effect<unknown, unknown, Services>)({
          card_id,
          activate_type: "AUTO_ACTIVATE",
          ...fields
        })
      it.effect("activate_type is one of AUTO_ACTIVATE, JUMP_ACTIVATE; anything else refused, nothing sent", () =>
        Effect.gen(function*() {
          const card_id = yield* template()
          yield* accepted(call(card_id, { activate_type: "AUTO_ACTIVATE" }))
          yield* accepted(call(card_id, { activate_type: "JUMP_ACTIVATE" }))
          yield* refused(call(card_id, { activate_type: "auto_activate" }), "activate_type")
        }))
      it.effect("activate_url of 128 characters is accepted; 129 refused, nothing sent", () =>
        Effect.gen(function*() {
          const card_id = yield* template()
          yield* accepted(call(card_id, { activate_url: s128 }))
          yield* refused(call(card_id, { activate_url: s129 }), "activate_url")
        }))
      it.effect("activate_appid of 32 characters is accepted; 33 refused, nothing sent", () =>
        Effect.gen(function*() {
          const card_id = yield* template()
          yield* accepted(call(card_id, { activate_appid: s32, activate_path: "p" }))
          yield* refused(call(card_id, { activate_appid: s33, activate_path: "p" }), "activate_appid")
        }))
      it.effect("activate_path of 128 characters is accepted; 129 refused, nothing sent", () =>
        Effect.gen(function*() {
          const card_id = yield* template()
          yield* accepted(call(card_id, { activate_appid: "wx1", activate_path: s128 }))
          yield* refused(call(card_id, { activate_appid: "wx1", activate_path: s129 }), "activate_path")
        }))
      it.effect("outer_str of 32 characters (digits, letters, CJK, half-width punctuation) is accepted; 33 refused", () =>
        Effect.gen(function*() {
          const card_id = yield* template()
          yield* accepted(call(card_id, { outer_str: scene32 }))
          yield* refused(call(card_id, { outer_str: scene33 }), "outer_str")
        }))
      it.effect("outer_str with full-width punctuation or an emoji is refused, nothing sent", () =>
        Effect.gen(function*() {
          const card_id = yield* template()
          yield* refused(call(card_id, { outer_str: "门店，一" }), "outer_str")
          yield* refused(call(card_id, { outer_str: "store🎁" }), "outer_str")
        }))
      it.effect("card_id of 32 characters is accepted; 33 refused, nothing sent", () =>
        Effect.gen(function*() {
          yield* template({ card_id: s32 })
          yield* accepted(call(s32, { outer_str: fresh("s") }))
          yield* refused(call(s33, {}), "card_id")
        }))
    })
  }

  describe("listUserCards / streamUserCards (#16)", () => {
    it.effect("lists the cards a user holds, a page at a time (offset is the page index), filtered by appid", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const openid = fresh("o")
        const a = yield* template({ appid: "wx-app-a" })
        const b = yield* template({ appid: "wx-app-b" })
        for (const code of ["A1", "A2", "A3"]) emulator.putCard({ card_id: a, code, openid })
        emulator.putCard({ card_id: b, code: "B1", openid })
        emulator.putCard({ card_id: b, code: "B2", openid, user_card_status: "DELETE" })
        emulator.putCard({ card_id: b, code: "B3", openid: fresh("someone-else") })
        const page = yield* MemberCard.listUserCards({ openid, offset: 1, limit: 2 })
        expect(page).toEqual({
          data: [{ card_id: a, code: "A3" }, { card_id: b, code: "B1" }],
          total_count: 4,
          offset: 1,
          limit: 2
        })
        const onlyB = yield* MemberCard.listUserCards({ openid, appid: "wx-app-b", offset: 0, limit: 20 })
        expect(onlyB).toEqual({ data: [{ card_id: b, code: "B1" }], total_count: 1, offset: 0, limit: 20 })
      }))

    it.effect("streamUserCards reads 3 pages of 20 lazily: taking page 1's items never asks for page 3", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const openid = fresh("o")
        const card_id = yield* template()
        const codes = Array.from({ length: 45 }, (_, i) => `S${String(i).padStart(3, "0")}`)
        for (const code of codes) emulator.putCard({ card_id, code, openid })
        const before = emulator.requests("ListUserCards")
        const all = yield* Stream.runCollect(MemberCard.streamUserCards({ openid }))
        expect(all.map((c) => c.code)).toEqual(codes)
        expect(emulator.requests("ListUserCards") - before).toBe(3)

        const lazily = emulator.requests("ListUserCards")
        const first = yield* Stream.runCollect(Stream.take(MemberCard.streamUserCards({ openid }), 20))
        expect(first.length).toBe(20)
        expect(emulator.requests("ListUserCards") - lazily).toBe(1)
      }))

    it.effect("offset and limit must be integers: 0 accepted, 1.5 refused, nothing sent", () =>
      Effect.gen(function*() {
        yield* accepted(MemberCard.listUserCards({ openid: "o", offset: 0, limit: 1 }))
        yield* refused(MemberCard.listUserCards({ openid: "o", offset: 1.5, limit: 1 }), "offset")
        yield* refused(MemberCard.listUserCards({ openid: "o", offset: 0, limit: 1.5 }), "limit")
      }))
  })

  describe("invalidateUserCard (#23)", () => {
    it.effect("makes the card UNAVAILABLE, once: a second call is refused", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        const { code } = emulator.putCard({ card_id, code: fresh("inv") })
        yield* MemberCard.invalidateUserCard({ card_id, code, reason: "会员主动注销" })
        expect(emulator.card(card_id, code)?.user_card_status).toBe("UNAVAILABLE")
        expect(emulator.ledger.filter((e) => e.endpoint === "InvalidateUserCard" && e.code === code)).toHaveLength(1)
        yield* invalid(MemberCard.invalidateUserCard({ card_id, code }), "用户会员卡已失效")
        yield* invalid(MemberCard.invalidateUserCard({ card_id, code: "missing" }), "code不存在")
      }))

    it.effect("after DropAfterApply it is not repeated: TransportError, one request, invalidated once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        const { code } = emulator.putCard({ card_id, code: fresh("inv") })
        emulator.inject({ endpoint: "InvalidateUserCard", fault: { _tag: "DropAfterApply" } })
        const before = emulator.requests("InvalidateUserCard")
        const error = yield* Effect.flip(MemberCard.invalidateUserCard({ card_id, code }))
        expect(error._tag).toBe("TransportError")
        expect(emulator.requests("InvalidateUserCard") - before).toBe(1)
        expect(emulator.card(card_id, code)?.user_card_status).toBe("UNAVAILABLE")
        expect(emulator.ledger.filter((e) => e.endpoint === "InvalidateUserCard" && e.code === code)).toHaveLength(1)
      }))

    it.effect("a 500 SYSTEM_ERROR is not repeated either: one request", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        const { code } = emulator.putCard({ card_id, code: fresh("inv") })
        emulator.inject({ endpoint: "InvalidateUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
        const before = emulator.requests("InvalidateUserCard")
        const error = yield* Effect.flip(MemberCard.invalidateUserCard({ card_id, code }))
        expect(error._tag).toBe("SystemError")
        expect(emulator.requests("InvalidateUserCard") - before).toBe(1)
        expect(emulator.card(card_id, code)?.user_card_status).toBe("EFFECTIVE")
      }))

    it.effect("reason of 30 characters is accepted; 31 refused, nothing sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card_id = yield* template()
        const one = emulator.putCard({ card_id, code: fresh("inv") }).code
        const two = emulator.putCard({ card_id, code: fresh("inv") }).code
        yield* accepted(MemberCard.invalidateUserCard({ card_id, code: one, reason: cjk30 }))
        yield* accepted(MemberCard.invalidateUserCard({ card_id, code: two, reason: s30 }))
        yield* refused(MemberCard.invalidateUserCard({ card_id, code: "x", reason: cjk31 }), "reason")
        yield* refused(MemberCard.invalidateUserCard({ card_id, code: "x", reason: s31 }), "reason")
      }))

    it.effect("card_id and code of 32 characters are accepted; 33 refused, nothing sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        emulator.putCard({ card_id: s32, code: s32 })
        yield* accepted(MemberCard.invalidateUserCard({ card_id: s32, code: s32 }))
        yield* refused(MemberCard.invalidateUserCard({ card_id: s33, code: "x" }), "card_id")
        yield* refused(MemberCard.invalidateUserCard({ card_id: "x", code: s33 }), "code")
      }))
  })
})

describe("types", () => {
  const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
  it("each accessor's success, error and requirement", () => {
    expectTypeOf(MemberCard.depositCodes({ card_id, code: ["1"] })).toEqualTypeOf<
      Effect.Effect<MemberCard.DepositCodesResponse, MemberCard.DepositCodesError, MemberCard.DepositCodes>
    >()
    expectTypeOf(MemberCard.importUserCardByOpenid({ card_id, openid: "o", out_request_no: "r" })).toEqualTypeOf<
      Effect.Effect<
        MemberCard.ImportUserCardByOpenidResponse,
        MemberCard.ImportUserCardByOpenidError,
        MemberCard.ImportUserCardByOpenid
      >
    >()
    expectTypeOf(MemberCard.createPermissionToken({ card_id, activate_type: "AUTO_ACTIVATE" })).toEqualTypeOf<
      Effect.Effect<
        MemberCard.CreatePermissionTokenResponse,
        MemberCard.CreatePermissionTokenError,
        MemberCard.CreatePermissionToken
      >
    >()
    expectTypeOf(MemberCard.listUserCards({ openid: "o", offset: 0, limit: 20 })).toEqualTypeOf<
      Effect.Effect<MemberCard.ListUserCardsResponse, MemberCard.ListUserCardsError, MemberCard.ListUserCards>
    >()
    expectTypeOf(MemberCard.streamUserCards({ openid: "o" })).toEqualTypeOf<
      Stream.Stream<MemberCard.BrandUserCard, MemberCard.ListUserCardsError, MemberCard.ListUserCards>
    >()
    expectTypeOf(MemberCard.createQrCode({ card_id, activate_type: "JUMP_ACTIVATE" })).toEqualTypeOf<
      Effect.Effect<MemberCard.CreateQrCodeResponse, MemberCard.CreateQrCodeError, MemberCard.CreateQrCode>
    >()
    expectTypeOf(MemberCard.invalidateUserCard({ card_id, code: "c" })).toEqualTypeOf<
      Effect.Effect<void, MemberCard.InvalidateUserCardError, MemberCard.InvalidateUserCard>
    >()
  })

  it("the JSON endpoints can fail to decode; the 204 one cannot", () => {
    for (
      const E of [
        {} as MemberCard.DepositCodesError,
        {} as MemberCard.ImportUserCardByOpenidError,
        {} as MemberCard.CreatePermissionTokenError,
        {} as MemberCard.ListUserCardsError,
        {} as MemberCard.CreateQrCodeError
      ]
    ) {
      expectTypeOf(E).toEqualTypeOf<
        WechatPayError.CallError | WechatPayError.RequestValidationError | WechatPayError.ResponseDecodeError
      >()
    }
    expectTypeOf<MemberCard.InvalidateUserCardError>().toEqualTypeOf<
      WechatPayError.CallError | WechatPayError.RequestValidationError
    >()
  })

  it("response enums are open, request enums closed; the permission token is required", () => {
    type Item = NonNullable<MemberCard.DepositCodesResponse["data"]>[number]
    expectTypeOf<Item["result"]>().toEqualTypeOf<"SUCCESS" | "DUPLICATE" | "FAIL" | (string & {}) | undefined>()
    expectTypeOf<MemberCard.CreateQrCodeRequest["activate_type"]>().toEqualTypeOf<"AUTO_ACTIVATE" | "JUMP_ACTIVATE">()
    expectTypeOf<MemberCard.CreatePermissionTokenResponse["permission_token"]>().toEqualTypeOf<string>()
    // @ts-expect-error out_request_no is required: it is the import's idempotency key
    MemberCard.importUserCardByOpenid({ card_id, openid: "o" })
    // @ts-expect-error activate_type is the closed set in requests
    MemberCard.createQrCode({ card_id, activate_type: "MANUAL" })
  })
})
