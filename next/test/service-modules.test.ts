/**
 * 会员卡服务项 (#31–#34): addServiceModule, updateServiceModule, deleteServiceModule, setServiceModuleData, over
 * real loopback HTTP against the emulator (whose catalogue knows modules 666, 777 and 999 — 999 belongs to another
 * brand): each happy path with the template's state and the ledger, what a dropped answer does to each write, the
 * MC-SERVICE refusals, every request rule at exactly its limit (validated, sent once) and one past it
 * (RequestValidationError naming the field, nothing sent), and the accessors' types.
 */
import { describe, expect, expectTypeOf, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { MemberCard, type WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { fresh, Loopback as Live, refused, sentOnce } from "./support.js"

const jump = { appid: "wx37178d097a6851d8", path: "pages/index/index" }

/** A fresh template (28 characters, like the docs' card_id) and a member's card on it. */
const seeded = Effect.map(Emulator.Emulator, (emulator) => {
  const card_id = `pbLatjvWOibDc5-TBnb${fresh("").slice(-9).padStart(9, "0")}`
  emulator.putTemplate({ card_id })
  const code = fresh("c")
  emulator.putCard({ card_id, code })
  return { emulator, card_id, code }
})

const modulesOf = (emulator: Emulator.EmulatorState, card_id: string) => emulator.template(card_id)!.service_modules

/** The docs' example state setting of module 666. */
const checkedIn = {
  state_id: "CHECKED_IN",
  content_template_data: {
    field_list: [{ field_id: "hotel_name", field_value: "深圳市南山区滨海路700号" }],
    action_setting: { action_name: "一键开锁", jump_miniprogram: jump }
  },
  message_template_setting: {
    message_template_id: "9bJgRNz9XG248XZ-a0nDKH3Vt_vaTp32fRP1LWvxjzI",
    field_list: [{ field_id: "keyword1", field_value: "已入住" }, { field_id: "keyword2", field_value: "1808" }]
  }
}

layer(Live, { excludeTestServices: true })("service modules over loopback HTTP", (it) => {
  it.effect("addServiceModule answers the module on the card; the template shows it; one ledger entry", () =>
    Effect.gen(function*() {
      const { card_id, emulator } = yield* seeded
      const added = yield* MemberCard.addServiceModule({ card_id, service_module_id: "666", jump_miniprogram: jump })
      expect(added).toEqual({ card_id, service_module_id: "666", jump_miniprogram: jump })
      expect(modulesOf(emulator, card_id)).toEqual([{ service_module_id: "666", jump_miniprogram: jump }])
      const bare = yield* MemberCard.addServiceModule({ card_id, service_module_id: "777" })
      expect(bare).toEqual({ card_id, service_module_id: "777" })
      expect(emulator.ledger.filter((e) => e.endpoint === "AddServiceModule" && e.card_id === card_id))
        .toEqual([
          { endpoint: "AddServiceModule", key: "", card_id, service_module_id: "666" },
          { endpoint: "AddServiceModule", key: "", card_id, service_module_id: "777" }
        ])
    }))

  it.effect("updateServiceModule replaces the jump, and one left out clears it", () =>
    Effect.gen(function*() {
      const { card_id, emulator } = yield* seeded
      yield* MemberCard.addServiceModule({ card_id, service_module_id: "666", jump_miniprogram: jump })
      const other = { appid: "wxea9c30a90fs8d3fe", path: "pages/hotel/hotel" }
      const updated = yield* MemberCard.updateServiceModule({ card_id, service_module_id: "666", jump_miniprogram: other })
      expect(updated).toEqual({ card_id, service_module_id: "666", jump_miniprogram: other })
      expect(modulesOf(emulator, card_id)).toEqual([{ service_module_id: "666", jump_miniprogram: other }])
      const cleared = yield* MemberCard.updateServiceModule({ card_id, service_module_id: "666" })
      expect(cleared).toEqual({ card_id, service_module_id: "666" })
      expect(modulesOf(emulator, card_id)).toEqual([{ service_module_id: "666" }])
    }))

  it.effect("deleteServiceModule removes the module from the card (204)", () =>
    Effect.gen(function*() {
      const { card_id, emulator } = yield* seeded
      yield* MemberCard.addServiceModule({ card_id, service_module_id: "666" })
      yield* MemberCard.addServiceModule({ card_id, service_module_id: "777" })
      const result = yield* MemberCard.deleteServiceModule({ card_id, service_module_id: "666" })
      expect(result).toBeUndefined()
      expect(modulesOf(emulator, card_id)).toEqual([{ service_module_id: "777" }])
    }))

  it.effect("setServiceModuleData (the docs' example) is applied once per out_request_no, with the state set", () =>
    Effect.gen(function*() {
      const { card_id, code, emulator } = yield* seeded
      yield* MemberCard.addServiceModule({ card_id, service_module_id: "666", jump_miniprogram: jump })
      const out_request_no = fresh("100002322019090134234")
      const request = { card_id, code, out_request_no, service_module_id: "666", state_setting: checkedIn }
      expect(yield* MemberCard.setServiceModuleData(request)).toBeUndefined()
      yield* MemberCard.setServiceModuleData(request)
      expect(emulator.ledger.filter((e) => e.key === out_request_no)).toEqual([
        { endpoint: "SetServiceModuleData", key: out_request_no, card_id, code, service_module_id: "666", state_id: "CHECKED_IN" }
      ])
      const conflicting = yield* Effect.flip(
        MemberCard.setServiceModuleData({ ...request, state_setting: { ...checkedIn, state_id: "CHECKED_OUT" } })
      )
      expect(conflicting._tag).toBe("InvalidRequest")
      expect(emulator.applied(out_request_no)).toBe(1)
    }))

  describe("a dropped answer (DropAfterApply)", () => {
    it.effect("addServiceModule is not repeated: TransportError, one request, the module added once", () =>
      Effect.gen(function*() {
        const { card_id, emulator } = yield* seeded
        emulator.inject({ endpoint: "AddServiceModule", fault: { _tag: "DropAfterApply" } })
        const before = emulator.requests("AddServiceModule")
        const error = yield* Effect.flip(MemberCard.addServiceModule({ card_id, service_module_id: "666" }))
        expect(error._tag).toBe("TransportError")
        expect(emulator.requests("AddServiceModule") - before).toBe(1)
        expect(modulesOf(emulator, card_id)).toEqual([{ service_module_id: "666" }])
        expect(emulator.ledger.filter((e) => e.endpoint === "AddServiceModule" && e.card_id === card_id)).toHaveLength(1)
      }))

    it.effect("updateServiceModule is not repeated (a set, no key): TransportError, one request, applied once", () =>
      Effect.gen(function*() {
        const { card_id, emulator } = yield* seeded
        yield* MemberCard.addServiceModule({ card_id, service_module_id: "666" })
        emulator.inject({ endpoint: "UpdateServiceModule", fault: { _tag: "DropAfterApply" } })
        const before = emulator.requests("UpdateServiceModule")
        const error = yield* Effect.flip(
          MemberCard.updateServiceModule({ card_id, service_module_id: "666", jump_miniprogram: jump })
        )
        expect(error._tag).toBe("TransportError")
        expect(emulator.requests("UpdateServiceModule") - before).toBe(1)
        expect(emulator.ledger.filter((e) => e.endpoint === "UpdateServiceModule" && e.card_id === card_id)).toHaveLength(1)
        expect(modulesOf(emulator, card_id)).toEqual([{ service_module_id: "666", jump_miniprogram: jump }])
      }))

    it.effect("deleteServiceModule is not repeated (a delete, no key): TransportError, one request, applied once", () =>
      Effect.gen(function*() {
        const { card_id, emulator } = yield* seeded
        yield* MemberCard.addServiceModule({ card_id, service_module_id: "777" })
        emulator.inject({ endpoint: "DeleteServiceModule", fault: { _tag: "DropAfterApply" } })
        const before = emulator.requests("DeleteServiceModule")
        const error = yield* Effect.flip(MemberCard.deleteServiceModule({ card_id, service_module_id: "777" }))
        expect(error._tag).toBe("TransportError")
        expect(emulator.requests("DeleteServiceModule") - before).toBe(1)
        expect(emulator.ledger.filter((e) => e.endpoint === "DeleteServiceModule" && e.card_id === card_id)).toHaveLength(1)
        expect(modulesOf(emulator, card_id)).toEqual([])
      }))

    it.effect("setServiceModuleData is repeated with its out_request_no: success, two requests, applied once", () =>
      Effect.gen(function*() {
        const { card_id, code, emulator } = yield* seeded
        yield* MemberCard.addServiceModule({ card_id, service_module_id: "666" })
        emulator.inject({ endpoint: "SetServiceModuleData", fault: { _tag: "DropAfterApply" } })
        const before = emulator.requests("SetServiceModuleData")
        const out_request_no = fresh("drop-")
        yield* MemberCard.setServiceModuleData({ card_id, code, out_request_no, service_module_id: "666", state_setting: checkedIn })
        expect(emulator.requests("SetServiceModuleData") - before).toBe(2)
        expect(emulator.applied(out_request_no)).toBe(1)
      }))
  })

  describe("a \"not processed\" answer (429, 503)", () => {
    it.effect("updateServiceModule is repeated after a 503: success, two requests, applied once", () =>
      Effect.gen(function*() {
        const { card_id, emulator } = yield* seeded
        yield* MemberCard.addServiceModule({ card_id, service_module_id: "666" })
        emulator.inject({ endpoint: "UpdateServiceModule", fault: { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE" } })
        const before = emulator.requests("UpdateServiceModule")
        const updated = yield* MemberCard.updateServiceModule({ card_id, service_module_id: "666", jump_miniprogram: jump })
        expect(updated.jump_miniprogram).toEqual(jump)
        expect(emulator.requests("UpdateServiceModule") - before).toBe(2)
        expect(emulator.ledger.filter((e) => e.endpoint === "UpdateServiceModule" && e.card_id === card_id)).toHaveLength(1)
        expect(modulesOf(emulator, card_id)).toEqual([{ service_module_id: "666", jump_miniprogram: jump }])
      }))

    it.effect("deleteServiceModule is repeated after a 429: success, two requests, applied once", () =>
      Effect.gen(function*() {
        const { card_id, emulator } = yield* seeded
        yield* MemberCard.addServiceModule({ card_id, service_module_id: "777" })
        emulator.inject({ endpoint: "DeleteServiceModule", fault: { _tag: "Error", status: 429, code: "RATE_LIMITED" } })
        const before = emulator.requests("DeleteServiceModule")
        yield* MemberCard.deleteServiceModule({ card_id, service_module_id: "777" })
        expect(emulator.requests("DeleteServiceModule") - before).toBe(2)
        expect(emulator.ledger.filter((e) => e.endpoint === "DeleteServiceModule" && e.card_id === card_id)).toHaveLength(1)
        expect(modulesOf(emulator, card_id)).toEqual([])
      }))
  })

  describe("the MC-SERVICE refusals (INVALID_REQUEST, nothing applied)", () => {
    const refusedWith = (effect: Effect.Effect<unknown, WechatPayError.WechatPayError, MemberCard.Services>, message: string) =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const applied = emulator.ledger.length
        const error = yield* Effect.flip(effect)
        expect(error).toMatchObject({ _tag: "InvalidRequest", status: 400, code: "INVALID_REQUEST", message })
        expect(emulator.ledger.length).toBe(applied)
      })

    it.effect("module already added; unknown module id; another brand's module; unknown card_id", () =>
      Effect.gen(function*() {
        const { card_id } = yield* seeded
        yield* MemberCard.addServiceModule({ card_id, service_module_id: "666" })
        yield* refusedWith(MemberCard.addServiceModule({ card_id, service_module_id: "666" }), "会员卡已添加该会员服务项")
        yield* refusedWith(MemberCard.addServiceModule({ card_id, service_module_id: "123" }), "该会员服务项id不存在")
        yield* refusedWith(MemberCard.addServiceModule({ card_id, service_module_id: "999" }), "当前品牌id无该会员服务项的使用权限")
        yield* refusedWith(
          MemberCard.deleteServiceModule({ card_id: "pNoSuchTemplate00000", service_module_id: "666" }),
          "card_id无效"
        )
      }))

    it.effect("setting data: module not on the card, state not in the module, unknown field, wrong message template, empty message value", () =>
      Effect.gen(function*() {
        const { card_id, code } = yield* seeded
        const set = (state_setting: MemberCard.SetServiceModuleDataRequest["state_setting"]) =>
          MemberCard.setServiceModuleData({ card_id, code, out_request_no: fresh("bad-"), service_module_id: "666", state_setting })
        yield* refusedWith(set(checkedIn), "会员卡暂未添加该会员服务项,无法设置用户服务信息")
        yield* MemberCard.addServiceModule({ card_id, service_module_id: "666" })
        yield* refusedWith(set({ ...checkedIn, state_id: "PARKED" }), "该服务状态不在会员服务项模板中")
        yield* refusedWith(
          set({ ...checkedIn, content_template_data: { field_list: [{ field_id: "plate_number", field_value: "粤B" }] } }),
          "内容字段不在当前会员服务项模板中"
        )
        yield* refusedWith(
          set({ ...checkedIn, message_template_setting: { ...checkedIn.message_template_setting, message_template_id: "nope" } }),
          "消息模板id错误"
        )
        // An empty message value (WeChat: 消息模板字段值部分为空) is refused before sending since 0.6.0.
        yield* refused(
          set({
            ...checkedIn,
            message_template_setting: {
              ...checkedIn.message_template_setting,
              field_list: [{ field_id: "keyword1", field_value: "已入住" }, { field_id: "keyword2", field_value: "" }]
            }
          }),
          "state_setting",
          "top"
        )
        const unknownCode = yield* Effect.flip(
          MemberCard.setServiceModuleData({ card_id, code: "no-such-code", out_request_no: fresh("c-"), service_module_id: "666", state_setting: checkedIn })
        )
        expect(unknownCode).toMatchObject({ _tag: "InvalidRequest", message: "code不存在" })
      }))
  })

  describe("every request rule at its limit (validated, sent once) and one past it (nothing sent)", () => {
    // Hand-written values of known length.
    const s15 = "pbLatjvWOibDc5-"
    const s16 = "pbLatjvWOibDc5-T"
    const s32 = "pbLatjvWOibDc5-TBnbUk1pD12o0abcd"
    const s33 = "pbLatjvWOibDc5-TBnbUk1pD12o0abcde"
    const id9 = "123456789"
    const id10 = "1234567890"
    const code32 = "01234567890123456789012345678901"
    const code33 = "012345678901234567890123456789012"
    const no8 = "abc|_*-1"
    const no7 = "abc|_*-"
    const no128 = "0123456789abcdefghijklmnopqrstuv".repeat(4)
    const no129 = `${no128}w`

    type Call = (request: any) => Effect.Effect<unknown, WechatPayError.WechatPayError, MemberCard.Services>
    const add: Call = MemberCard.addServiceModule
    const update: Call = MemberCard.updateServiceModule
    const remove: Call = MemberCard.deleteServiceModule
    const setData: Call = MemberCard.setServiceModuleData

    it.effect("the hand-written values have the lengths they claim", () =>
      Effect.sync(() => {
        expect([s15, s16, s32, s33, id9, id10, code32, code33, no8, no7, no128, no129].map((s) => s.length))
          .toEqual([15, 16, 32, 33, 9, 10, 32, 33, 8, 7, 128, 129])
      }))

    const data = (init: Record<string, unknown> = {}) => ({
      card_id: s16,
      code: "478515832665",
      out_request_no: no8,
      service_module_id: "666",
      state_setting: { state_id: "CHECKED_IN", content_template_data: {} },
      ...init
    })

    const cases: ReadonlyArray<readonly [string, Call, () => unknown, () => unknown, string]> = [
      ["add: card_id ≥ 16", add, () => ({ card_id: s16, service_module_id: "666" }), () => ({ card_id: s15, service_module_id: "666" }), "card_id"],
      ["add: card_id ≤ 32", add, () => ({ card_id: s32, service_module_id: "666" }), () => ({ card_id: s33, service_module_id: "666" }), "card_id"],
      ["add: service_module_id ≤ 9", add, () => ({ card_id: s16, service_module_id: id9 }), () => ({ card_id: s16, service_module_id: id10 }), "service_module_id"],
      ["add: service_module_id not empty", add, () => ({ card_id: s16, service_module_id: "7" }), () => ({ card_id: s16, service_module_id: "" }), "service_module_id"],
      [
        "add: jump_miniprogram needs a path",
        add,
        () => ({ card_id: s32, service_module_id: "777", jump_miniprogram: jump }),
        () => ({ card_id: s32, service_module_id: "777", jump_miniprogram: { appid: jump.appid } }),
        "jump_miniprogram"
      ],
      ["update: card_id ≥ 16", update, () => ({ card_id: s16, service_module_id: "666" }), () => ({ card_id: s15, service_module_id: "666" }), "card_id"],
      ["update: service_module_id ≤ 9", update, () => ({ card_id: s16, service_module_id: id9 }), () => ({ card_id: s16, service_module_id: id10 }), "service_module_id"],
      ["update: service_module_id is not \"..\"", update, () => ({ card_id: s16, service_module_id: "..." }), () => ({ card_id: s16, service_module_id: ".." }), "service_module_id"],
      [
        "update: jump_miniprogram needs an appid",
        update,
        () => ({ card_id: s16, service_module_id: "666", jump_miniprogram: jump }),
        () => ({ card_id: s16, service_module_id: "666", jump_miniprogram: { path: jump.path } }),
        "jump_miniprogram"
      ],
      ["delete: card_id ≤ 32", remove, () => ({ card_id: s32, service_module_id: "1" }), () => ({ card_id: s33, service_module_id: "1" }), "card_id"],
      ["delete: service_module_id ≤ 9", remove, () => ({ card_id: s16, service_module_id: id9 }), () => ({ card_id: s16, service_module_id: id10 }), "service_module_id"],
      ["set data: card_id ≥ 16", setData, () => data({ out_request_no: fresh("a-") }), () => data({ card_id: s15 }), "card_id"],
      ["set data: code ≤ 32", setData, () => data({ code: code32, out_request_no: fresh("b-") }), () => data({ code: code33 }), "code"],
      ["set data: out_request_no ≥ 8", setData, () => data(), () => data({ out_request_no: no7 }), "out_request_no"],
      ["set data: out_request_no ≤ 128", setData, () => data({ out_request_no: no128 }), () => data({ out_request_no: no129 }), "out_request_no"],
      ["set data: out_request_no character set", setData, () => data({ out_request_no: "ABCxyz09" }), () => data({ out_request_no: "abc def12" }), "out_request_no"],
      ["set data: service_module_id ≤ 9", setData, () => data({ service_module_id: id9, out_request_no: fresh("c-") }), () => data({ service_module_id: id10 }), "service_module_id"],
      [
        "set data: state_setting needs content_template_data",
        setData,
        () => data({ out_request_no: fresh("d-") }),
        () => data({ state_setting: { state_id: "CHECKED_IN" } }),
        "state_setting"
      ],
      [
        "set data: field_list items need field_value",
        setData,
        () => data({ out_request_no: fresh("e-"), state_setting: { state_id: "DEFAULT", content_template_data: { field_list: [{ field_id: "hotel_name", field_value: "x" }] } } }),
        () => data({ state_setting: { state_id: "DEFAULT", content_template_data: { field_list: [{ field_id: "hotel_name" }] } } }),
        "state_setting"
      ],
      [
        "set data: message_template_setting needs field_list",
        setData,
        () => data({ out_request_no: fresh("f-"), state_setting: { ...checkedIn } }),
        () => data({ state_setting: { ...checkedIn, message_template_setting: { message_template_id: "9bJgRNz9XG248XZ-a0nDKH3Vt_vaTp32fRP1LWvxjzI" } } }),
        "state_setting"
      ]
    ]

    for (const [rule, call, ok, bad, field] of cases) {
      it.effect(`${rule}: at the limit`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          for (const card_id of [s16, s32]) emulator.putTemplate({ card_id })
          emulator.putCard({ card_id: s16, code: "478515832665" })
          emulator.putCard({ card_id: s16, code: code32 })
          yield* sentOnce(call(ok()))
        }))
      it.effect(`${rule}: one past it`, () => refused(call(bad()), field, "top"))
    }
  })
})

describe("types", () => {
  it("each accessor's success, error and requirement", () => {
    expectTypeOf(MemberCard.addServiceModule).returns.toEqualTypeOf<
      Effect.Effect<MemberCard.CardServiceModule, MemberCard.AddServiceModuleError, MemberCard.AddServiceModule>
    >()
    expectTypeOf(MemberCard.updateServiceModule).returns.toEqualTypeOf<
      Effect.Effect<MemberCard.CardServiceModule, MemberCard.UpdateServiceModuleError, MemberCard.UpdateServiceModule>
    >()
    expectTypeOf(MemberCard.deleteServiceModule).returns.toEqualTypeOf<
      Effect.Effect<void, MemberCard.DeleteServiceModuleError, MemberCard.DeleteServiceModule>
    >()
    expectTypeOf(MemberCard.setServiceModuleData).returns.toEqualTypeOf<
      Effect.Effect<void, MemberCard.SetServiceModuleDataError, MemberCard.SetServiceModuleData>
    >()
    expectTypeOf<MemberCard.DeleteServiceModuleError>().toEqualTypeOf<
      WechatPayError.CallError | WechatPayError.RequestValidationError
    >()
    expectTypeOf<MemberCard.AddServiceModuleError>().toEqualTypeOf<
      WechatPayError.CallError | WechatPayError.RequestValidationError | WechatPayError.ResponseDecodeError
    >()
    expectTypeOf<MemberCard.AddServiceModuleRequest["jump_miniprogram"]>().toEqualTypeOf<
      { readonly appid: string; readonly path: string } | undefined
    >()
  })
})
