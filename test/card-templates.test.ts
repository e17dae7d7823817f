/**
 * 会员卡模板 (#3 createCardTemplate, #4 listCardTemplates + streamCardTemplates, #5 getCardTemplate,
 * #6 updateCardTemplate, #7 deleteCardTemplate, #8 setCardTemplateRights, #9 upgradeCardTemplate) against the
 * loopback emulator: happy paths with the emulator's state, every request rule at the limit and one past it
 * (hand-written values; nothing sent), repeat safety (a write with out_request_no is repeated after DropAfterApply;
 * one without is repeated only after a "not processed" 429/503, never after DropAfterApply), lazy paging, and the types.
 */
import { describe, expect, expectTypeOf, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { type Endpoint, MemberCard } from "../src/index.js"
import type { ResponseDecodeError } from "../src/WechatPayError.js"
import { Emulator } from "../src/testing/index.js"
import { accepted, fresh, invalid, putTemplate as template, refused } from "./support.js"

const Live = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerLoopback()))

// Hand-written values of known length (the first test checks them, so a typo cannot hide).
const s5 = "abcde"
const s6 = "abcdef"
const s16 = "0123456789abcdef"
const s17 = "0123456789abcdefg"
const s32 = "0123456789abcdefghijklmnopqrstuv"
const s33 = "0123456789abcdefghijklmnopqrstuvw"
const url128 = "https://wxpaylogo.qpic.cn/wxpaylogo/" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" +
  "0123456789abcdefghijklmnopqrst"
const url129 = url128 + "G"
const title10 = "会员卡会员卡会员卡会"
const title11 = title10 + "员"
const text500 = "使用须知".repeat(125)
const text501 = text500 + "。"

const logo = "https://wxpaylogo.qpic.cn/wxpaylogo/PiajxSqBRaEIPAeia7Imvtsn7sYGNcEj33YzVvJF88ECQ19LXId8ZL2Q/0"

/** The official example of 创建会员卡模板, with a fresh appid and out_request_no. */
const example = (appid = fresh("wx").slice(0, 32)) => ({
  appid,
  logo_url: logo,
  brand: { brand_id: "1004", display_name: "微信支付" },
  title: "微信支付测试卡",
  background_picture_url: logo,
  description: "使用本会员卡表示你同意xxx公司的协议，解释权归xxx公司所有",
  service_phone: "010-8877xxxx",
  code_type: "BAR_CODE" as const,
  date_information: {
    type: "FIX_TIME_RANGE" as const,
    available_begin_time: "2020-05-20T13:29:35.120+08:00",
    available_end_time: "2030-05-20T13:29:35.120+08:00"
  },
  code_mode: "SYSTEM_ALLOCATE" as const,
  out_request_no: fresh("tpl")
})

/** A template of its own for each test, put straight into the emulator (approved, created by this merchant). */
const putTemplate = (init: Record<string, unknown> = {}) =>
  template({
    card_id: fresh("p").slice(0, 32),
    appid: "wxea9c30890f48d5ae",
    code_mode: "MERCHANT_DEPOSIT",
    status: "APPROVED",
    ...init
  })

const entries = (emulator: Emulator.EmulatorState, endpoint: string, card_id?: string) =>
  emulator.ledger.filter((e) => e.endpoint === endpoint && (card_id === undefined || e.card_id === card_id))

const dropAfterApply: Emulator.Fault = { _tag: "DropAfterApply" }
const unavailable: Emulator.Fault = { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE" }
const rateLimited: Emulator.Fault = { _tag: "Error", status: 429, code: "RATE_LIMITED" }

/** Run `call` once with `fault` on `endpoint`: the client repeats it and succeeds (exactly 2 requests). */
const repeatedAfter = <A, E, R>(endpoint: string, call: Effect.Effect<A, E, R>, fault: Emulator.Fault = dropAfterApply) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const before = emulator.requests(endpoint)
    emulator.inject({ endpoint, fault })
    const result = yield* call
    expect(emulator.requests(endpoint)).toBe(before + 2)
    return result
  })

/**
 * Run `call` (a write without an idempotency key) once with a DropAfterApply fault on `endpoint`: the outcome is
 * unknown, so it is not repeated: TransportError after exactly 1 request.
 */
const notRepeatedAfterDrop = <A, E, R>(endpoint: string, call: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const before = emulator.requests(endpoint)
    emulator.inject({ endpoint, fault: dropAfterApply })
    const error = yield* Effect.flip(call)
    expect((error as { readonly _tag?: unknown })._tag).toBe("TransportError")
    expect(emulator.requests(endpoint)).toBe(before + 1)
  })

layer(Live, { excludeTestServices: true })("card templates on the loopback emulator", (it) => {
  it("the hand-written values have the lengths they claim", () => {
    expect([s5, s6, s16, s17, s32, s33].map((s) => s.length)).toEqual([5, 6, 16, 17, 32, 33])
    expect([url128.length, url129.length, [...title10].length, [...title11].length]).toEqual([128, 129, 10, 11])
    expect([[...text500].length, [...text501].length]).toEqual([500, 501])
  })

  describe("createCardTemplate (#3)", () => {
    it.effect("creates the official example: a NOT_APPROVE template in the store, one ledger entry", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const request = example()
        const created = yield* MemberCard.createCardTemplate(request)
        expect(created).toMatchObject({
          appid: request.appid,
          brand: { brand_id: "1004", display_name: "微信支付" },
          title: "微信支付测试卡",
          status: "NOT_APPROVE",
          code_mode: "SYSTEM_ALLOCATE",
          code_type: "BAR_CODE",
          total_quantity: 5000000,
          remain_quantity: 5000000,
          out_request_no: request.out_request_no,
          date_information: request.date_information
        })
        expect(created.create_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/)
        expect(emulator.template(created.card_id)).toMatchObject({
          card_id: created.card_id,
          brand_id: "1004",
          appid: request.appid,
          code_mode: "SYSTEM_ALLOCATE",
          status: "NOT_APPROVE",
          title: "微信支付测试卡",
          mchid: emulator.mchid
        })
        expect(entries(emulator, "CreateCardTemplate", created.card_id)).toEqual([
          { endpoint: "CreateCardTemplate", key: request.out_request_no, card_id: created.card_id }
        ])
      }))

    it.effect("retried after DropAfterApply with the same out_request_no: one template, the same card_id", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const request = example()
        const created = yield* repeatedAfter("CreateCardTemplate", MemberCard.createCardTemplate(request))
        expect(entries(emulator, "CreateCardTemplate").filter((e) => e.key === request.out_request_no)).toEqual([
          { endpoint: "CreateCardTemplate", key: request.out_request_no, card_id: created.card_id }
        ])
        const page = yield* MemberCard.listCardTemplates({ appid: request.appid, offset: 0, limit: 20 })
        expect(page.data?.map((t) => t.card_id)).toEqual([created.card_id])
      }))

    it.effect("the same out_request_no with another body is refused", () =>
      Effect.gen(function*() {
        const request = example()
        yield* MemberCard.createCardTemplate(request)
        yield* invalid(
          MemberCard.createCardTemplate({ ...request, title: "另一张卡" }),
          "商户请求单号重复，但请求参数与首次请求不一致"
        )
      }))

    it.effect("stored value through a mini program without balance_path: 储值小程序path为空", () =>
      invalid(
        MemberCard.createCardTemplate({
          ...example(),
          balance_information: { need_balance: true, balance_appid: "wxea9c30890f48d5ae" }
        }),
        "储值小程序path为空"
      ))

    describe("rules", () => {
      const at = (patch: Record<string, unknown>) => accepted(MemberCard.createCardTemplate({ ...example(), ...patch }))
      const past = (patch: Record<string, unknown>) =>
        refused(MemberCard.createCardTemplate({ ...example(), ...patch } as MemberCard.CreateCardTemplateRequest))
      it.effect("appid: 32 accepted", () => at({ appid: s32 }))
      it.effect("appid: 33 refused", () => past({ appid: s33 }))
      it.effect("appid: empty refused", () => past({ appid: "" }))
      it.effect("logo_url: 128 accepted", () => at({ logo_url: url128 }))
      it.effect("logo_url: 129 refused", () => past({ logo_url: url129 }))
      it.effect("background_picture_url: 128 accepted", () => at({ background_picture_url: url128 }))
      it.effect("background_picture_url: 129 refused", () => past({ background_picture_url: url129 }))
      it.effect("title: 10 characters accepted", () => at({ title: title10 }))
      it.effect("title: 11 characters refused", () => past({ title: title11 }))
      it.effect("description: 500 characters accepted", () => at({ description: text500 }))
      it.effect("description: 501 characters refused", () => past({ description: text501 }))
      it.effect("service_phone: 32 accepted", () => at({ service_phone: s32 }))
      it.effect("service_phone: 33 refused", () => past({ service_phone: s33 }))
      it.effect("init_level: 5 accepted", () => at({ need_display_level: true, init_level: s5 }))
      it.effect("init_level: 6 refused", () => past({ need_display_level: true, init_level: s6 }))
      it.effect("need_display_level without init_level refused", () => past({ need_display_level: true }))
      it.effect("brand.brand_id: 16 accepted", () => at({ brand: { brand_id: s16, display_name: "品牌" } }))
      it.effect("brand.brand_id: 17 refused", () => past({ brand: { brand_id: s17, display_name: "品牌" } }))
      it.effect("brand is required", () => past({ brand: undefined }))
      it.effect("code_type outside the enum refused", () => past({ code_type: "BARCODE" }))
      it.effect("code_mode outside the enum refused", () => past({ code_mode: "MERCHANT_UPLOAD" }))
      it.effect("date_information.type outside the enum refused", () => past({ date_information: { type: "FOREVER" } }))
      it.effect("an RFC 3339 time accepted", () =>
        at({ date_information: { type: "FIX_TIME_RANGE", available_end_time: "2030-05-20T13:29:35+08:00" } }))
      it.effect("a time without offset refused", () =>
        past({ date_information: { type: "FIX_TIME_RANGE", available_end_time: "2030-05-20 13:29:35" } }))
      it.effect("total_quantity must be an integer", () => past({ total_quantity: 1.5 }))
      it.effect("a common field outside the enum refused", () =>
        past({ user_information_form: { common_field_list: ["USER_FORM_FLAG_QQ"] } }))
      it.effect("a custom field type outside the enum refused", () =>
        past({ user_information_form: { custom_field_list: [{ type: "DATE", name: "生日" }] } }))
    })
  })

  describe("listCardTemplates (#4) and streamCardTemplates", () => {
    it.effect("a page: offset is a page index; filtered by appid and brand_id", () =>
      Effect.gen(function*() {
        const appid = fresh("wxL").slice(0, 32)
        const ids: Array<string> = []
        for (let i = 0; i < 5; i++) ids.push((yield* putTemplate({ appid, brand_id: i < 4 ? "B1" : "B2" })).card_id)
        yield* putTemplate({ appid: fresh("wxO").slice(0, 32) })
        const page1 = yield* MemberCard.listCardTemplates({ appid, brand_id: "B1", offset: 1, limit: 3 })
        expect(page1).toMatchObject({ total_count: 4, offset: 1, limit: 3 })
        expect(page1.data?.map((t) => t.card_id)).toEqual([ids[3]])
        expect(page1.data?.[0]).toMatchObject({ status: "APPROVED", brand: { brand_id: "B1" } })
        const all = yield* MemberCard.listCardTemplates({ appid, offset: 0, limit: 20 })
        expect(all.total_count).toBe(5)
      }))

    it.effect("streamCardTemplates reads 3 pages of 20, and only page 1 when 20 items are taken", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const appid = fresh("wxS").slice(0, 32)
        const ids: Array<string> = []
        for (let i = 0; i < 45; i++) ids.push((yield* putTemplate({ appid })).card_id)
        const before = emulator.requests("ListCardTemplates")
        const first = yield* Stream.runCollect(Stream.take(MemberCard.streamCardTemplates({ appid }), 20))
        expect(first.map((t) => t.card_id)).toEqual(ids.slice(0, 20))
        expect(emulator.requests("ListCardTemplates")).toBe(before + 1)
        const every = yield* Stream.runCollect(MemberCard.streamCardTemplates({ appid }))
        expect(every.map((t) => t.card_id)).toEqual(ids)
        expect(emulator.requests("ListCardTemplates")).toBe(before + 4)
      }))

    describe("rules", () => {
      const list = (request: Record<string, unknown>) =>
        MemberCard.listCardTemplates({ appid: "wxea9c30890f48d5ae", offset: 0, limit: 20, ...request })
      it.effect("limit: 20 accepted", () => accepted(list({ limit: 20 })))
      it.effect("limit: 21 refused", () => refused(list({ limit: 21 })))
      it.effect("offset: 0 accepted", () => accepted(list({ offset: 0 })))
      it.effect("offset: -1 refused", () => refused(list({ offset: -1 })))
      it.effect("offset must be an integer", () => refused(list({ offset: 0.5 })))
      it.effect("appid: 32 accepted", () => accepted(list({ appid: s32 })))
      it.effect("appid: 33 refused", () => refused(list({ appid: s33 })))
      it.effect("appid is required", () => refused(list({ appid: undefined })))
      it.effect("brand_id: 16 accepted", () => accepted(list({ brand_id: s16 })))
      it.effect("brand_id: 17 refused", () => refused(list({ brand_id: s17 })))
    })
  })

  describe("getCardTemplate (#5)", () => {
    it.effect("decodes a template the store holds, with its brand and remaining stock", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate({
          brand_id: "1004",
          display_name: "微信支付",
          code_mode: "SYSTEM_ALLOCATE",
          total_quantity: 10
        })
        emulator.putCard({ card_id: template.card_id, code: fresh("c") })
        const got = yield* MemberCard.getCardTemplate({ card_id: template.card_id })
        expect(got).toMatchObject({
          card_id: template.card_id,
          brand: { brand_id: "1004", display_name: "微信支付" },
          code_mode: "SYSTEM_ALLOCATE",
          status: "APPROVED",
          total_quantity: 10,
          remain_quantity: 9
        })
      }))

    it.effect("an unknown card_id: INVALID_REQUEST 会员卡ID无效", () =>
      invalid(MemberCard.getCardTemplate({ card_id: "pUnknown" }), "会员卡ID无效"))

    it.effect("another merchant's template: INVALID_REQUEST", () =>
      Effect.gen(function*() {
        const template = yield* putTemplate({ mchid: "1900000999" })
        yield* invalid(MemberCard.getCardTemplate({ card_id: template.card_id }), "会员卡的创建商户号不等于调用方商户号")
      }))

    it.effect("card_id: 32 accepted", () =>
      Effect.gen(function*() {
        yield* putTemplate({ card_id: s32 })
        yield* accepted(MemberCard.getCardTemplate({ card_id: s32 }))
      }))
    it.effect("card_id: 33 refused", () => refused(MemberCard.getCardTemplate({ card_id: s33 })))
    it.effect("card_id: empty refused", () => refused(MemberCard.getCardTemplate({ card_id: "" })))
  })

  describe("updateCardTemplate (#6)", () => {
    it.effect("changes only the fields sent, once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate({ title: "旧卡名", description: "旧须知" })
        yield* MemberCard.updateCardTemplate({ card_id: template.card_id, title: "新卡名", need_dynamic_code: true })
        expect(emulator.template(template.card_id)).toMatchObject({ title: "新卡名", description: "旧须知", need_dynamic_code: true })
        expect(entries(emulator, "UpdateCardTemplate", template.card_id)).toEqual([
          { endpoint: "UpdateCardTemplate", key: "", card_id: template.card_id, fields: ["title", "need_dynamic_code"] }
        ])
        const got = yield* MemberCard.getCardTemplate({ card_id: template.card_id })
        expect(got).toMatchObject({ title: "新卡名", need_dynamic_code: true })
      }))

    it.effect("repeated after a 503 (not processed): two requests, applied once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate()
        yield* repeatedAfter(
          "UpdateCardTemplate",
          MemberCard.updateCardTemplate({ card_id: template.card_id, title: "重试" }),
          unavailable
        )
        expect(emulator.template(template.card_id)?.title).toBe("重试")
        expect(entries(emulator, "UpdateCardTemplate", template.card_id)).toHaveLength(1)
      }))

    it.effect("not repeated after DropAfterApply: TransportError, one request, applied once (read before repeating)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate()
        yield* notRepeatedAfterDrop(
          "UpdateCardTemplate",
          MemberCard.updateCardTemplate({ card_id: template.card_id, title: "未知" })
        )
        expect(emulator.template(template.card_id)?.title).toBe("未知")
        expect(entries(emulator, "UpdateCardTemplate", template.card_id)).toHaveLength(1)
        expect((yield* MemberCard.getCardTemplate({ card_id: template.card_id })).title).toBe("未知")
      }))

    it.effect("code_mode: its own value is accepted (changes nothing)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate({ code_mode: "MERCHANT_DEPOSIT" })
        yield* MemberCard.updateCardTemplate({ card_id: template.card_id, code_mode: "MERCHANT_DEPOSIT" })
        expect(entries(emulator, "UpdateCardTemplate", template.card_id)).toHaveLength(0)
      }))

    it.effect("code_mode: a SYSTEM_ALLOCATE template cannot change it", () =>
      Effect.gen(function*() {
        const template = yield* putTemplate({ code_mode: "SYSTEM_ALLOCATE" })
        yield* invalid(
          MemberCard.updateCardTemplate({ card_id: template.card_id, code_mode: "REAL_TIME" }),
          "会员卡code分配类型不支持修改"
        )
      }))

    it.effect("code_mode: no template can change to SYSTEM_ALLOCATE", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate({ code_mode: "REAL_TIME" })
        yield* invalid(
          MemberCard.updateCardTemplate({ card_id: template.card_id, code_mode: "SYSTEM_ALLOCATE" }),
          "会员卡code分配类型不支持修改为“系统分配”"
        )
        expect(emulator.template(template.card_id)?.code_mode).toBe("REAL_TIME")
      }))

    it.effect("code_mode: MERCHANT_DEPOSIT cannot become REAL_TIME either (一旦指定，不支持修改)", () =>
      Effect.gen(function*() {
        const template = yield* putTemplate({ code_mode: "MERCHANT_DEPOSIT" })
        yield* invalid(
          MemberCard.updateCardTemplate({ card_id: template.card_id, code_mode: "REAL_TIME" }),
          "会员卡code分配类型不支持修改"
        )
      }))

    it.effect("a template not yet upgraded from the 公众平台 is refused", () =>
      Effect.gen(function*() {
        const template = yield* putTemplate({ legacy: true })
        yield* invalid(
          MemberCard.updateCardTemplate({ card_id: template.card_id, title: "新卡名" }),
          "请先升级会员卡才能使用此功能"
        )
      }))

    describe("rules", () => {
      const update = (patch: Record<string, unknown>) =>
        Effect.flatMap(putTemplate(), (t) => MemberCard.updateCardTemplate({ card_id: t.card_id, ...patch }))
      it.effect("title: 10 accepted", () => accepted(update({ title: title10 })))
      it.effect("title: 11 refused", () => refused(update({ title: title11 })))
      it.effect("logo_url: 128 accepted", () => accepted(update({ logo_url: url128 })))
      it.effect("logo_url: 129 refused", () => refused(update({ logo_url: url129 })))
      it.effect("background_picture_url: 128 accepted", () => accepted(update({ background_picture_url: url128 })))
      it.effect("background_picture_url: 129 refused", () => refused(update({ background_picture_url: url129 })))
      it.effect("description: 500 accepted", () => accepted(update({ description: text500 })))
      it.effect("description: 501 refused", () => refused(update({ description: text501 })))
      it.effect("service_phone: 32 accepted", () => accepted(update({ service_phone: s32 })))
      it.effect("service_phone: 33 refused", () => refused(update({ service_phone: s33 })))
      it.effect("appid: 32 accepted", () => accepted(update({ appid: s32 })))
      it.effect("appid: 33 refused", () => refused(update({ appid: s33 })))
      it.effect("init_level: 5 accepted", () => accepted(update({ init_level: s5 })))
      it.effect("init_level: 6 refused", () => refused(update({ init_level: s6 })))
      it.effect("date_information without type refused", () =>
        refused(update({ date_information: { available_day_after_receive: 30 } })))
      it.effect("can_modify_after_activate accepted in the form", () =>
        accepted(update({ user_information_form: { can_modify_after_activate: true } })))
      it.effect("card_id: 33 refused", () => refused(MemberCard.updateCardTemplate({ card_id: s33, title: "x" })))
    })
  })

  describe("deleteCardTemplate (#7)", () => {
    it.effect("marks the template DELETED; members keep their cards; a deleted template cannot be updated", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate()
        const code = fresh("c")
        emulator.putCard({ card_id: template.card_id, code })
        yield* MemberCard.deleteCardTemplate({ card_id: template.card_id })
        expect(emulator.template(template.card_id)?.status).toBe("DELETED")
        expect(emulator.card(template.card_id, code)?.user_card_status).toBe("EFFECTIVE")
        expect((yield* MemberCard.getCardTemplate({ card_id: template.card_id })).status).toBe("DELETED")
        yield* invalid(MemberCard.updateCardTemplate({ card_id: template.card_id, title: "x" }), "会员卡ID无效")
      }))

    it.effect("repeated after a 429 (not processed): two requests, deleted once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate()
        yield* repeatedAfter("DeleteCardTemplate", MemberCard.deleteCardTemplate({ card_id: template.card_id }), rateLimited)
        expect(emulator.template(template.card_id)?.status).toBe("DELETED")
        expect(entries(emulator, "DeleteCardTemplate", template.card_id)).toHaveLength(1)
      }))

    it.effect("not repeated after DropAfterApply: TransportError, one request, deleted once (read before repeating)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate()
        yield* notRepeatedAfterDrop("DeleteCardTemplate", MemberCard.deleteCardTemplate({ card_id: template.card_id }))
        expect(emulator.template(template.card_id)?.status).toBe("DELETED")
        expect(entries(emulator, "DeleteCardTemplate", template.card_id)).toHaveLength(1)
        expect((yield* MemberCard.getCardTemplate({ card_id: template.card_id })).status).toBe("DELETED")
      }))

    it.effect("an unknown card_id: INVALID_REQUEST", () =>
      invalid(MemberCard.deleteCardTemplate({ card_id: "pUnknown" }), "会员卡ID无效"))
    it.effect("card_id: 32 accepted", () =>
      Effect.gen(function*() {
        const card_id = "D" + s32.slice(1)
        yield* putTemplate({ card_id })
        yield* accepted(MemberCard.deleteCardTemplate({ card_id }))
      }))
    it.effect("card_id: 33 refused", () => refused(MemberCard.deleteCardTemplate({ card_id: s33 })))
  })

  describe("setCardTemplateRights (#8)", () => {
    const rights = {
      show_bonus: true,
      show_favor: true,
      bonus: {
        init_bonus: 100,
        bonus_value_word: "积分",
        bonus_cost_word: "每消费1元可获得1积分",
        bonus_jump_word: "查看积分",
        bonus_jump_appid: "wxea9c30890f48d5ae",
        bonus_jump_path: "pages/bonus/index"
      },
      favor: { show_coupon: true, member_price_word: "会员价", member_price_title: "MEMBER_PRICE" as const },
      show_guide: true,
      guide: { staff_name: "小王", phone_number: "010-8877xxxx" }
    }

    it.effect("stores the rights and getCardTemplate shows them", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate()
        yield* MemberCard.setCardTemplateRights({ card_id: template.card_id, ...rights })
        expect(emulator.template(template.card_id)).toMatchObject(rights)
        const got = yield* MemberCard.getCardTemplate({ card_id: template.card_id })
        expect(got).toMatchObject({ bonus: rights.bonus, favor: rights.favor, guide: rights.guide })
      }))

    it.effect("repeated after a 503 (not processed): two requests, applied once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate()
        yield* repeatedAfter(
          "SetCardTemplateRights",
          MemberCard.setCardTemplateRights({ card_id: template.card_id, ...rights }),
          unavailable
        )
        expect(emulator.template(template.card_id)).toMatchObject(rights)
        expect(entries(emulator, "SetCardTemplateRights", template.card_id)).toHaveLength(1)
      }))

    it.effect("not repeated after DropAfterApply: TransportError, one request, applied once (read before repeating)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate()
        yield* notRepeatedAfterDrop(
          "SetCardTemplateRights",
          MemberCard.setCardTemplateRights({ card_id: template.card_id, ...rights })
        )
        expect(emulator.template(template.card_id)).toMatchObject(rights)
        expect(entries(emulator, "SetCardTemplateRights", template.card_id)).toHaveLength(1)
        expect(yield* MemberCard.getCardTemplate({ card_id: template.card_id })).toMatchObject({ bonus: rights.bonus })
      }))

    it.effect("a bonus jump appid without its path: 积分跳转path为空", () =>
      Effect.gen(function*() {
        const template = yield* putTemplate()
        const { bonus_jump_path: _, ...bonus } = rights.bonus
        yield* invalid(
          MemberCard.setCardTemplateRights({ card_id: template.card_id, show_bonus: true, show_favor: false, bonus }),
          "积分跳转path为空"
        )
      }))

    describe("rules", () => {
      const set = (patch: Record<string, unknown>) =>
        Effect.flatMap(putTemplate(), (t) =>
          MemberCard.setCardTemplateRights({ card_id: t.card_id, ...rights, ...patch } as MemberCard.SetCardTemplateRightsRequest))
      it.effect("show_bonus and show_favor alone accepted", () =>
        accepted(Effect.flatMap(putTemplate(), (t) =>
          MemberCard.setCardTemplateRights({ card_id: t.card_id, show_bonus: false, show_favor: false }))))
      it.effect("show_bonus is required", () => refused(set({ show_bonus: undefined })))
      it.effect("show_favor is required", () => refused(set({ show_favor: undefined })))
      it.effect("bonus.init_bonus is required", () =>
        refused(set({ bonus: { bonus_value_word: "积分", bonus_cost_word: "每消费1元可获得1积分" } })))
      it.effect("bonus.init_bonus must be an integer", () => refused(set({ bonus: { ...rights.bonus, init_bonus: 0.5 } })))
      it.effect("favor.show_coupon is required", () => refused(set({ favor: { member_price_word: "会员价" } })))
      it.effect("favor.member_price_title outside the enum refused", () =>
        refused(set({ favor: { show_coupon: true, member_price_title: "VIP_PRICE" } })))
      it.effect("favor.favor_module_title outside the enum refused", () =>
        refused(set({ favor: { show_coupon: true, favor_module_title: "COUPON" } })))
      it.effect("card_id: 33 refused", () => refused(MemberCard.setCardTemplateRights({ card_id: s33, ...rights })))
    })
  })

  describe("upgradeCardTemplate (#9)", () => {
    it.effect("binds a 公众平台 card to a brand; then it can be updated", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate({ legacy: true, brand_id: "", appid: undefined })
        yield* MemberCard.upgradeCardTemplate({ card_id: template.card_id, brand_id: "1004", appid: "wxea9c30890f48d5ae" })
        expect(emulator.template(template.card_id)).toMatchObject({ legacy: false, brand_id: "1004", appid: "wxea9c30890f48d5ae" })
        expect(entries(emulator, "UpgradeCardTemplate", template.card_id)).toHaveLength(1)
        yield* MemberCard.updateCardTemplate({ card_id: template.card_id, title: "已升级" })
      }))

    it.effect("repeated after a 429 (not processed): two requests, bound once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate({ legacy: true })
        yield* repeatedAfter(
          "UpgradeCardTemplate",
          MemberCard.upgradeCardTemplate({ card_id: template.card_id, brand_id: "1004", appid: "wxea9c30890f48d5ae" }),
          rateLimited
        )
        expect(emulator.template(template.card_id)).toMatchObject({ legacy: false, brand_id: "1004" })
        expect(entries(emulator, "UpgradeCardTemplate", template.card_id)).toHaveLength(1)
      }))

    it.effect("not repeated after DropAfterApply: TransportError, one request, bound once (read before repeating)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const template = yield* putTemplate({ legacy: true })
        yield* notRepeatedAfterDrop(
          "UpgradeCardTemplate",
          MemberCard.upgradeCardTemplate({ card_id: template.card_id, brand_id: "1004", appid: "wxea9c30890f48d5ae" })
        )
        expect(emulator.template(template.card_id)).toMatchObject({ legacy: false, brand_id: "1004" })
        expect(entries(emulator, "UpgradeCardTemplate", template.card_id)).toHaveLength(1)
      }))

    it.effect("an upgraded card cannot be bound to another brand", () =>
      Effect.gen(function*() {
        const template = yield* putTemplate({ brand_id: "1004" })
        yield* invalid(
          MemberCard.upgradeCardTemplate({ card_id: template.card_id, brand_id: "2008", appid: "wxea9c30890f48d5ae" }),
          "会员卡已升级，不能绑定到其他品牌"
        )
      }))

    describe("rules", () => {
      const upgrade = (patch: Record<string, unknown>) =>
        Effect.flatMap(putTemplate({ legacy: true }), (t) =>
          MemberCard.upgradeCardTemplate({ card_id: t.card_id, brand_id: "1004", appid: "wxea9c30890f48d5ae", ...patch }))
      it.effect("brand_id: 16 accepted", () => accepted(upgrade({ brand_id: s16 })))
      it.effect("brand_id: 17 refused", () => refused(upgrade({ brand_id: s17 })))
      it.effect("appid: 32 accepted", () => accepted(upgrade({ appid: s32 })))
      it.effect("appid: 33 refused", () => refused(upgrade({ appid: s33 })))
      it.effect("card_id: 33 refused", () =>
        refused(MemberCard.upgradeCardTemplate({ card_id: s33, brand_id: "1004", appid: "wxea9c30890f48d5ae" })))
    })
  })
})

describe("card template types", () => {
  it("each accessor: success, error and requirement", () => {
    const path = { card_id: "p" }
    const create = MemberCard.createCardTemplate(example())
    expectTypeOf(create).toEqualTypeOf<
      Effect.Effect<MemberCard.CardTemplate, MemberCard.CreateCardTemplateError, MemberCard.CreateCardTemplate>
    >()
    expectTypeOf(MemberCard.listCardTemplates({ appid: "wx", offset: 0, limit: 20 })).toEqualTypeOf<
      Effect.Effect<MemberCard.CardTemplatePage, MemberCard.ListCardTemplatesError, MemberCard.ListCardTemplates>
    >()
    expectTypeOf(MemberCard.streamCardTemplates({ appid: "wx" })).toEqualTypeOf<
      Stream.Stream<MemberCard.CardTemplate, MemberCard.ListCardTemplatesError, MemberCard.ListCardTemplates>
    >()
    expectTypeOf(MemberCard.getCardTemplate(path)).toEqualTypeOf<
      Effect.Effect<MemberCard.CardTemplate, MemberCard.GetCardTemplateError, MemberCard.GetCardTemplate>
    >()
    expectTypeOf(MemberCard.updateCardTemplate(path)).toEqualTypeOf<
      Effect.Effect<void, MemberCard.UpdateCardTemplateError, MemberCard.UpdateCardTemplate>
    >()
    expectTypeOf(MemberCard.deleteCardTemplate(path)).toEqualTypeOf<
      Effect.Effect<void, MemberCard.DeleteCardTemplateError, MemberCard.DeleteCardTemplate>
    >()
    expectTypeOf(MemberCard.setCardTemplateRights({ ...path, show_bonus: false, show_favor: false })).toEqualTypeOf<
      Effect.Effect<void, MemberCard.SetCardTemplateRightsError, MemberCard.SetCardTemplateRights>
    >()
    expectTypeOf(MemberCard.upgradeCardTemplate({ ...path, brand_id: "1", appid: "wx" })).toEqualTypeOf<
      Effect.Effect<void, MemberCard.UpgradeCardTemplateError, MemberCard.UpgradeCardTemplate>
    >()
    expectTypeOf<MemberCard.CreateCardTemplateError>().toEqualTypeOf<Endpoint.JsonError>()
    expectTypeOf<MemberCard.ListCardTemplatesError>().toEqualTypeOf<Endpoint.JsonError>()
    expectTypeOf<MemberCard.GetCardTemplateError>().toEqualTypeOf<Endpoint.JsonError>()
    expectTypeOf<MemberCard.UpdateCardTemplateError>().toEqualTypeOf<Endpoint.NoContentError>()
    expectTypeOf<MemberCard.DeleteCardTemplateError>().toEqualTypeOf<Endpoint.NoContentError>()
    expectTypeOf<MemberCard.SetCardTemplateRightsError>().toEqualTypeOf<Endpoint.NoContentError>()
    expectTypeOf<MemberCard.UpgradeCardTemplateError>().toEqualTypeOf<Endpoint.NoContentError>()
    // The stream adds the paging guard's failure, already part of JsonError.
    expectTypeOf<ResponseDecodeError>().toMatchTypeOf<MemberCard.ListCardTemplatesError>()
  })

  it("requests take the closed enums; responses the open ones", () => {
    expectTypeOf<MemberCard.CreateCardTemplateRequest["code_mode"]>().toEqualTypeOf<
      "SYSTEM_ALLOCATE" | "MERCHANT_DEPOSIT" | "REAL_TIME"
    >()
    expectTypeOf<MemberCard.CreateCardTemplateRequest["date_information"]["type"]>().toEqualTypeOf<
      "FIX_TIME_RANGE" | "FIX_TERM" | "PERMANENT"
    >()
    expectTypeOf<MemberCard.CardTemplate["code_mode"]>().toEqualTypeOf<
      "SYSTEM_ALLOCATE" | "MERCHANT_DEPOSIT" | "REAL_TIME" | (string & {}) | undefined
    >()
    expectTypeOf<MemberCard.CardTemplate["status"]>().toEqualTypeOf<
      "NOT_APPROVE" | "APPROVE_FAIL" | "APPROVED" | "DELETED" | (string & {}) | undefined
    >()
    expectTypeOf<MemberCard.CardTemplate["card_id"]>().toEqualTypeOf<string>()
    expectTypeOf<MemberCard.UpdateCardTemplateRequest["title"]>().toEqualTypeOf<string | undefined>()
  })
})
