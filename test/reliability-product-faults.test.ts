/**
 * The fault table of issue 10: every write among the declared endpoints (method ≠ GET), found by walking the
 * `Endpoint` declarations of `MemberCard`, `MemberCardActivity` and `Media`, × the faults that say "not processed"
 * or "processed, answer lost" × both transports, against the emulator on 127.0.0.1.
 *
 * - A write with an idempotency key succeeds after exactly one repeat, and the emulator shows it applied once (the
 *   repeat after DropAfterApply applies nothing more).
 * - A write declared `repeatable` without a key (a set, a delete, an upload) is repeated only after an answer saying
 *   it was not processed (503, 429): after an unknown outcome (Drop, DropAfterApply, 500) or a pending one (202) a
 *   blind repeat could undo another writer's change made in between, so it fails typed after ONE request.
 * - Any other write fails typed after ONE request, applied once (DropAfterApply) or never.
 * - A redirect is never followed nor repeated, for any endpoint.
 *
 * Each write needs valid preconditions and a valid request: `fixtures` below holds one per declaration, keyed by the
 * declaration's name. A declaration without a fixture fails its cells, so adding an endpoint means adding its fixture
 * here. The table (endpoint × fault → outcome, per transport) is printed at the end of the file.
 *
 * A second walk covers 商家名片会员卡 (issue 24): every write of `PartnerCardMember` (the service provider's client,
 * `WechatPay.layer…(emulator.merchantOptions())`) and of `BrandCardMember` (the brand's, `BrandClient.layer…(
 * emulator.brandOptions())`), both clients over the same emulator and brand, with its own fixtures (`cardFixtures`)
 * and counts. No write of this product is keyed: WeChat answers a repeated `out_request_no` with a refusal, not with
 * the first answer — 创建会员卡模板 `400 PARAM_ERROR 商家请求单号重复`, 创建用户动态信息 `400 ALREADY_EXISTS
 * 该用户动态已存在` (`refusedRepeats`) — so every write is repeated only when WeChat says it was not processed. After
 * DropAfterApply the caller's own repeat of those two meets that documented refusal: never applied twice, and the
 * caller learns the first attempt was applied.
 */
import * as Crypto from "node:crypto"
import { afterAll, describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Layer from "effect/Layer"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Redacted from "effect/Redacted"
import { type Endpoint, Media, MemberCard, MemberCardActivity } from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import type { WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { openActivationPage } from "../src/testing/internal/resources/activation.js"
import {
  cardMemberDeclarations,
  cardMemberWrites,
  declarations,
  repeatSafe,
  shortName,
  writes
} from "./reliability-product-support.js"
import { fresh } from "./support.js"

type Services = MemberCard.Services | MemberCardActivity.Services | Media.UploadImage | Emulator.Emulator

// Counts as of issue 10. A new declaration changes them: add its fixture below, then update these numbers.
const DECLARED = 36
const WRITES = 26
const REPEAT_SAFE_WRITES = 21

// The second walk, 商家名片会员卡 (1.3.0): 22 declarations of the provider's surface and 16 of the brand's; 16 + 12
// writes, all repeat-safe (each repeated only when WeChat says it was not processed). A new operation changes them:
// add its fixtures to `cardFixtures`.
const CARD_DECLARED = 38
const CARD_WRITES = 28
const CARD_REPEAT_SAFE_WRITES = 28

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: one per write, seeding the emulator and returning a valid call

interface Prepared<R = Services> {
  readonly call: Effect.Effect<unknown, WechatPayError.WechatPayError, R>
  /**
   * The ledger fields that name this call's write (its key, or the ids it writes), matched on ledger entries of the
   * endpoint under test.
   */
  readonly ledger?: Readonly<Record<string, unknown>>
  /** For a write the emulator does not put in the ledger: how many times it was applied. */
  readonly applied?: () => number
}

type Fixture<R = Services> = (
  emulator: Emulator.EmulatorState
) => Effect.Effect<Prepared<R>, WechatPayError.WechatPayError, R>

const logo = "https://wxpaylogo.qpic.cn/wxpaylogo/PiajxSqBRaEIPAeia7Imvtsn7sYGNcEj33YzVvJF88ECQ19LXId8ZL2Q/0"
const jump = { appid: "wx37178d097a6851d8", path: "pages/index/index" }
const phone = () => Redacted.make("13800138000")
const appid = "wxea9c30890f48d5ae"

/** A 1×1 PNG. */
const png = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex"
)

/** A fresh card template of this emulator: approved, created by nobody in particular (any merchant may use it). */
const template = (
  emulator: Emulator.EmulatorState,
  init: Readonly<Record<string, unknown>> & { readonly code_mode?: "SYSTEM_ALLOCATE" | "MERCHANT_DEPOSIT" | "REAL_TIME" } = {}
): string =>
  emulator.putTemplate({ card_id: `p${fresh("").padStart(27, "0")}`, appid, code_mode: "SYSTEM_ALLOCATE", status: "APPROVED", ...init })
    .card_id

/** A template and a member's card on it. */
const member = (emulator: Emulator.EmulatorState, init: Readonly<Record<string, unknown>> = {}) => {
  const card_id = template(emulator, init)
  const code = fresh("c")
  emulator.putCard({ card_id, code, balance: 100, bonus_value: 500 })
  return { card_id, code }
}

/** A time as WeChat writes it: RFC 3339 with milliseconds, Beijing time. */
const beijing = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().replace("Z", "+08:00")
const DAY = 86_400_000

/** The docs' example of 创建活动, on `card_id`, starting tomorrow. */
const activity = (emulator: Emulator.EmulatorState, card_id: string): MemberCardActivity.CreateActivityRequest => {
  const now = Date.now()
  return {
    card_id,
    activity_name: "良品铺子回馈活动",
    activity_type: "NON_MEMBER_AFTERPAY",
    begin_time: beijing(now + DAY),
    end_time: beijing(now + 10 * DAY),
    stock_list: [{ stock_creator_mchid: emulator.mchid, stock_id: "98065001" }],
    out_request_no: fresh("act-"),
    pay_activity_setting: {
      logo_url: "https://wxpaylogo.qpic.cn/wxpaylogo/xxxxx/0",
      activity_second_title: "湖南麻辣美食券",
      activate_setting: { activate_type: "AUTO_ACTIVATE", activate_url: "https://w.url.cn/s/Ahz3p2C" },
      payment_setting: { payment_mode: { payment_scene_list: ["APP"] }, limit_bank: "CFT", goods_tags: ["member"] }
    }
  } as MemberCardActivity.CreateActivityRequest
}

/** The docs' example state of service module 666 (the emulator's catalogue). */
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

/** The images the emulator stored with this SHA-256 (the upload is not in the ledger; its state is read instead). */
const imagesWith = (emulator: Emulator.EmulatorState, sha256: string): number => {
  const store = (emulator as unknown as { readonly store: { readonly locals: Map<string, unknown> } }).store
  const images = store.locals.get("media") as Map<string, { readonly sha256: string }> | undefined
  return [...(images?.values() ?? [])].filter((image) => image.sha256 === sha256).length
}

const ready = (prepared: Prepared) => Effect.succeed(prepared)

/** One fixture per write, keyed by the declaration's name. */
const fixtures: Readonly<Record<string, Fixture>> = {
  "MemberCard.SetCallback": () => {
    const notify_url = `https://shangjia.example.com/membercard/${fresh("n")}`
    return ready({ call: MemberCard.setCallback({ notify_url }), ledger: { notify_url } })
  },
  "MemberCard.CreateCardTemplate": () => {
    const out_request_no = fresh("tpl")
    return ready({
      call: MemberCard.createCardTemplate({
        appid: fresh("wx").slice(0, 32),
        logo_url: logo,
        brand: { brand_id: "1004", display_name: "微信支付" },
        title: "微信支付测试卡",
        background_picture_url: logo,
        description: "使用本会员卡表示你同意xxx公司的协议，解释权归xxx公司所有",
        service_phone: "010-8877xxxx",
        code_type: "BAR_CODE",
        date_information: {
          type: "FIX_TIME_RANGE",
          available_begin_time: "2020-05-20T13:29:35.120+08:00",
          available_end_time: "2030-05-20T13:29:35.120+08:00"
        },
        code_mode: "SYSTEM_ALLOCATE",
        out_request_no
      }),
      ledger: { key: out_request_no }
    })
  },
  "MemberCard.UpdateCardTemplate": (emulator) => {
    const card_id = template(emulator, { code_mode: "MERCHANT_DEPOSIT" })
    return ready({ call: MemberCard.updateCardTemplate({ card_id, title: "重试" }), ledger: { card_id } })
  },
  "MemberCard.DeleteCardTemplate": (emulator) => {
    const card_id = template(emulator)
    return ready({ call: MemberCard.deleteCardTemplate({ card_id }), ledger: { card_id } })
  },
  "MemberCard.SetCardTemplateRights": (emulator) => {
    const card_id = template(emulator)
    return ready({
      call: MemberCard.setCardTemplateRights({
        card_id,
        show_bonus: true,
        show_favor: true,
        bonus: {
          init_bonus: 100,
          bonus_value_word: "积分",
          bonus_cost_word: "每消费1元可获得1积分",
          bonus_jump_word: "查看积分",
          bonus_jump_appid: appid,
          bonus_jump_path: "pages/bonus/index"
        },
        favor: { show_coupon: true, member_price_word: "会员价", member_price_title: "MEMBER_PRICE" },
        show_guide: true,
        guide: { staff_name: "小王", phone_number: "010-8877xxxx" }
      }),
      ledger: { card_id }
    })
  },
  "MemberCard.UpgradeCardTemplate": (emulator) => {
    const card_id = template(emulator, { legacy: true })
    return ready({ call: MemberCard.upgradeCardTemplate({ card_id, brand_id: "1004", appid }), ledger: { card_id } })
  },
  "MemberCard.DepositCodes": (emulator) => {
    const card_id = template(emulator, { code_mode: "MERCHANT_DEPOSIT" })
    return ready({ call: MemberCard.depositCodes({ card_id, code: [fresh("D"), fresh("D")] }), ledger: { card_id } })
  },
  "MemberCard.ImportUserCardByOpenid": (emulator) => {
    const card_id = template(emulator)
    const out_request_no = fresh("imp-")
    return ready({
      call: MemberCard.importUserCardByOpenid({ card_id, openid: fresh("o"), out_request_no }),
      ledger: { key: out_request_no, card_id }
    })
  },
  "MemberCard.ImportUserCardByPhone": (emulator) => {
    const card_id = template(emulator)
    const out_request_no = fresh("ph-")
    return ready({
      call: MemberCard.importUserCardByPhone({ card_id, phone_number: phone(), out_request_no }),
      ledger: { key: out_request_no, card_id }
    })
  },
  "MemberCard.ImportPhoneMember": (emulator) => {
    const card_id = template(emulator)
    return ready({
      call: MemberCard.importPhoneMember({
        member_information: { card_id, registration_time: "2026-11-30T10:00:00+08:00" },
        phone_number: phone()
      }),
      ledger: { card_id }
    })
  },
  "MemberCard.CreatePermissionToken": (emulator) => {
    const card_id = template(emulator)
    return ready({ call: MemberCard.createPermissionToken({ card_id, activate_type: "AUTO_ACTIVATE" }), ledger: { card_id } })
  },
  "MemberCard.CreateQrCode": (emulator) => {
    const card_id = template(emulator)
    return ready({ call: MemberCard.createQrCode({ card_id, activate_type: "AUTO_ACTIVATE" }), ledger: { card_id } })
  },
  "MemberCard.InvalidateUserCard": (emulator) => {
    const { card_id, code } = member(emulator)
    return ready({ call: MemberCard.invalidateUserCard({ card_id, code, reason: "会员主动注销" }), ledger: { card_id, code } })
  },
  "MemberCard.ActivateUserCard": (emulator) => {
    const card_id = template(emulator)
    const { openid } = openActivationPage(emulator, { card_id })
    const code = emulator.allCards().find((card) => card.card_id === card_id && card.openid === openid)!.code
    return ready({ call: MemberCard.activateUserCard({ card_id, code, membership_number: "VIP-0001" }), ledger: { card_id, code } })
  },
  "MemberCard.UpdateUserCard": (emulator) => {
    const { card_id, code } = member(emulator)
    const out_request_no = fresh("upd-")
    return ready({
      call: MemberCard.UpdateUserCard.call({
        card_id,
        code,
        out_request_no,
        level: "金卡",
        balance_information: { before_balance: 100, balance: 110, add_balance: 10, balance_remark: "fault table" }
      }),
      ledger: { key: out_request_no, card_id, code }
    })
  },
  "MemberCard.SetUserCardRights": (emulator) => {
    const { card_id, code } = member(emulator)
    const out_request_no = fresh("pts-")
    return ready({
      call: MemberCard.SetUserCardRights.call({ card_id, code, out_request_no, add_bonus_value: 7 }),
      ledger: { key: out_request_no, card_id, code }
    })
  },
  "MemberCard.ConfirmMembership": (emulator) => {
    const { card_id, code } = member(emulator)
    return ready({
      call: MemberCard.ConfirmMembership.call({ card_id, code, user_card_confirm_state: "CREATE_CARD_SUCCESS" }),
      ledger: { card_id, code }
    })
  },
  "MemberCard.PrepareBonus": (emulator) => {
    const { card_id, code } = member(emulator)
    const out_trade_no = fresh("T")
    return ready({
      call: MemberCard.PrepareBonus.call({ card_id, code, out_trade_no, mchid: emulator.mchid, bonus_value: 30 }),
      ledger: { key: out_trade_no, card_id, code }
    })
  },
  "MemberCard.CommitBonus": (emulator) =>
    Effect.gen(function*() {
      const { card_id, code } = member(emulator)
      const order = { card_id, code, out_trade_no: fresh("T"), mchid: emulator.mchid, bonus_value: 30 }
      yield* MemberCard.PrepareBonus.call(order)
      return { call: MemberCard.CommitBonus.call(order), ledger: { key: order.out_trade_no, card_id, code } }
    }),
  "MemberCard.AddServiceModule": (emulator) => {
    const card_id = template(emulator)
    return ready({
      call: MemberCard.addServiceModule({ card_id, service_module_id: "666", jump_miniprogram: jump }),
      ledger: { card_id, service_module_id: "666" }
    })
  },
  "MemberCard.UpdateServiceModule": (emulator) => {
    const card_id = template(emulator, { service_modules: [{ service_module_id: "666" }] })
    return ready({
      call: MemberCard.updateServiceModule({ card_id, service_module_id: "666", jump_miniprogram: jump }),
      ledger: { card_id, service_module_id: "666" }
    })
  },
  "MemberCard.DeleteServiceModule": (emulator) => {
    const card_id = template(emulator, { service_modules: [{ service_module_id: "666" }] })
    return ready({
      call: MemberCard.deleteServiceModule({ card_id, service_module_id: "666" }),
      ledger: { card_id, service_module_id: "666" }
    })
  },
  "MemberCard.SetServiceModuleData": (emulator) => {
    const { card_id, code } = member(emulator, { service_modules: [{ service_module_id: "666" }] })
    const out_request_no = fresh("smd-")
    return ready({
      call: MemberCard.setServiceModuleData({ card_id, code, out_request_no, service_module_id: "666", state_setting: checkedIn }),
      ledger: { key: out_request_no, card_id, code }
    })
  },
  "MemberCardActivity.CreateActivity": (emulator) => {
    const request = activity(emulator, template(emulator))
    return ready({ call: MemberCardActivity.createActivity(request), ledger: { key: request.out_request_no } })
  },
  "MemberCardActivity.TerminateActivity": (emulator) =>
    Effect.gen(function*() {
      const { activity_id } = yield* MemberCardActivity.createActivity(activity(emulator, template(emulator)))
      return { call: MemberCardActivity.terminateActivity({ activity_id }), ledger: { activity_id } }
    }),
  "Media.UploadImage": (emulator) => {
    // A PNG with a unique tail after IEND: its own SHA-256, so this cell's images can be counted.
    const file = Buffer.concat([png, Buffer.from(fresh("tail-"))])
    const sha256 = Crypto.createHash("sha256").update(file).digest("hex")
    return ready({
      call: Media.uploadImage({ file, filename: "logo.png" }),
      applied: () => imagesWith(emulator, sha256)
    })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 商家名片会员卡 fixtures: one per write of each surface, on the emulator's brand

type CardServices = PartnerCardMember.Services | BrandCardMember.Services | Emulator.Emulator

/** The emulator's default brand: every merchant may act for it, and `brandOptions()` signs as it. */
const BRAND = "1000001"
const brandAppid = "wxd678efh567hg6787"

/** The docs' 创建会员卡模板 body (the provider adds `brand_id`). */
const templateBody = () => ({
  out_request_no: fresh("tpl-"),
  appid: brandAppid,
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
  member_information: { jump_appid: brandAppid, jump_path: "/member" }
})

/**
 * Room for a template: a brand holds at most two templates in effect per card type, so the earlier cells' are
 * invalidated first (through the provider; it and the brand share one state).
 */
const room = (emulator: Emulator.EmulatorState) =>
  Effect.forEach(
    emulator.brandState(BRAND).templates.filter((t) => t.state === "CARD_EFFECTIVE"),
    (t) => PartnerCardMember.invalidateCardTemplate({ brand_id: BRAND, card_id: t.card_id }),
    { discard: true }
  )

/** A fresh template of the brand, in effect (created by the provider: the seeds all go through one surface). */
const brandTemplate = (emulator: Emulator.EmulatorState) =>
  Effect.andThen(
    room(emulator),
    Effect.map(PartnerCardMember.createCardTemplate({ brand_id: BRAND, ...templateBody() }), (t) => t.card_id)
  )

/** A member: a fresh template and a card imported into it, in effect. */
const brandMember = (emulator: Emulator.EmulatorState) =>
  Effect.gen(function*() {
    const card_id = yield* brandTemplate(emulator)
    const openid = fresh("oMember")
    const user_card_code = fresh("77")
    yield* PartnerCardMember.importUserCardByOpenid({ brand_id: BRAND, card_id, openid, user_card_code })
    return { card_id, openid, user_card_code }
  })

/** A user who opened a card of a fresh template (入会组件): `UNACTIVATED`, waiting for the merchant's confirmation. */
const openedCard = (emulator: Emulator.EmulatorState) =>
  Effect.map(brandTemplate(emulator), (card_id) => {
    const opened = emulator.userOpensBrandCard({ card_id, brand_id: BRAND })
    return { card_id, openid: opened.openid, user_card_code: opened.user_card_code }
  })

/** A member's exchange of points for a coupon (POINT_EXCHANGE_COUPON), waiting for the merchant's answer. */
const exchange = (emulator: Emulator.EmulatorState) =>
  Effect.map(brandMember(emulator), (member) => {
    const record = emulator.userRedeemsBrandPoints({ ...member, brand_id: BRAND, deduct_points: 100 })
    return {
      ...member,
      record_id: record.record_id,
      exchange_coupon_template_id: record.exchange_coupon_template_id,
      result: "POINT_EXCHANGE_COUPON_ALLOW" as const
    }
  })

/** RFC 3339 without milliseconds, as the activity pages write times. */
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19) + "Z"

/** The docs' 创建品牌会员发券活动 body on a fresh template, in effect from an hour ago. */
const activityBody = (emulator: Emulator.EmulatorState) =>
  Effect.map(brandTemplate(emulator), (card_id) => ({
    brand_id: BRAND,
    out_request_no: fresh("act-"),
    card_id,
    activity_channel: "MECHANT_APP_COMPONENT" as const,
    title: "开卡有礼",
    sub_title: "新会员专享",
    begin_time: utc(Date.now() - 3_600_000),
    end_time: utc(Date.now() + DAY),
    apply_total: 100,
    product_coupon_stock_list: [{ product_coupon_id: "1001", stock_id: "2001" }]
  }))

/** A phone number of its own per call (an import by phone finds the user by it). */
const freshPhone = () => Redacted.make(`139${fresh("").replace(/\D/g, "").slice(-8).padStart(8, "0")}`)

/** A PNG of its own (a unique tail after IEND), and its SHA-256: the upload's ledger entry names it. */
const uniquePng = () => {
  const file = Buffer.concat([png, Buffer.from(fresh("tail-"))])
  return { file, sha256: Crypto.createHash("sha256").update(file).digest("hex") }
}

const cardReady = (prepared: Prepared<CardServices>) => Effect.succeed(prepared)

/**
 * One fixture per 商家名片会员卡 write, keyed by the declaration's name. The ledger entry of either surface names the
 * brand (`brand_id`) and what the call wrote.
 */
const cardFixtures: Readonly<Record<string, Fixture<CardServices>>> = {
  // Templates
  "PartnerCardMember.CreateCardTemplate": (emulator) =>
    Effect.map(room(emulator), () => {
      const body = templateBody()
      return {
        call: PartnerCardMember.createCardTemplate({ brand_id: BRAND, ...body }),
        ledger: { brand_id: BRAND, key: body.out_request_no }
      }
    }),
  "BrandCardMember.CreateCardTemplate": (emulator) =>
    Effect.map(room(emulator), () => {
      const { legal_agreement: _, member_information: __, ...body } = templateBody()
      return { call: BrandCardMember.createCardTemplate(body), ledger: { brand_id: BRAND, key: body.out_request_no } }
    }),
  "PartnerCardMember.UpdateCardTemplate": (emulator) =>
    Effect.map(brandTemplate(emulator), (card_id) => ({
      call: PartnerCardMember.updateCardTemplate({ brand_id: BRAND, card_id, card_title: "重试" }),
      ledger: { brand_id: BRAND, card_id }
    })),
  "BrandCardMember.UpdateCardTemplate": (emulator) =>
    Effect.map(brandTemplate(emulator), (card_id) => ({
      call: BrandCardMember.updateCardTemplate({ card_id, card_title: "重试" }),
      ledger: { brand_id: BRAND, card_id }
    })),
  "PartnerCardMember.InvalidateCardTemplate": (emulator) =>
    Effect.map(brandTemplate(emulator), (card_id) => ({
      call: PartnerCardMember.invalidateCardTemplate({ brand_id: BRAND, card_id }),
      ledger: { brand_id: BRAND, card_id }
    })),
  "BrandCardMember.InvalidateCardTemplate": (emulator) =>
    Effect.map(brandTemplate(emulator), (card_id) => ({
      call: BrandCardMember.invalidateCardTemplate({ card_id }),
      ledger: { brand_id: BRAND, card_id }
    })),

  // Members' cards
  "PartnerCardMember.ImportUserCardByOpenid": (emulator) =>
    Effect.map(brandTemplate(emulator), (card_id) => {
      const user_card_code = fresh("88")
      return {
        call: PartnerCardMember.importUserCardByOpenid({ brand_id: BRAND, card_id, openid: fresh("o"), user_card_code }),
        ledger: { brand_id: BRAND, card_id, user_card_code }
      }
    }),
  "BrandCardMember.ImportUserCardByOpenid": (emulator) =>
    Effect.map(brandTemplate(emulator), (card_id) => {
      const user_card_code = fresh("88")
      return {
        call: BrandCardMember.importUserCardByOpenid({ card_id, openid: fresh("o"), user_card_code }),
        ledger: { brand_id: BRAND, card_id, user_card_code }
      }
    }),
  "PartnerCardMember.ImportUserCardByPhone": (emulator) =>
    Effect.map(brandTemplate(emulator), (card_id) => {
      const user_card_code = fresh("66")
      return {
        call: PartnerCardMember.importUserCardByPhone({ brand_id: BRAND, card_id, user_card_code, phone_number: freshPhone() }),
        ledger: { brand_id: BRAND, card_id, user_card_code }
      }
    }),
  "PartnerCardMember.UpdateUserCard": (emulator) =>
    Effect.map(brandMember(emulator), (member) => ({
      call: PartnerCardMember.updateUserCard({ brand_id: BRAND, ...member, level: "金卡" }),
      ledger: { brand_id: BRAND, card_id: member.card_id, user_card_code: member.user_card_code }
    })),
  "BrandCardMember.UpdateUserCard": (emulator) =>
    Effect.map(brandMember(emulator), (member) => ({
      call: BrandCardMember.updateUserCard({ ...member, level: "金卡" }),
      ledger: { brand_id: BRAND, card_id: member.card_id, user_card_code: member.user_card_code }
    })),
  "PartnerCardMember.InvalidateUserCard": (emulator) =>
    Effect.map(openedCard(emulator), (card) => ({
      call: PartnerCardMember.invalidateUserCard({ brand_id: BRAND, ...card, invalid_reason: "会员主动注销" }),
      ledger: { brand_id: BRAND, card_id: card.card_id, user_card_code: card.user_card_code }
    })),
  "BrandCardMember.InvalidateUserCard": (emulator) =>
    Effect.map(openedCard(emulator), (card) => ({
      call: BrandCardMember.invalidateUserCard({ ...card, invalid_reason: "会员主动注销" }),
      ledger: { brand_id: BRAND, card_id: card.card_id, user_card_code: card.user_card_code }
    })),
  "PartnerCardMember.ConfirmUserCard": (emulator) =>
    Effect.map(openedCard(emulator), (card) => ({
      call: PartnerCardMember.confirmUserCard({ brand_id: BRAND, ...card, user_card_confirm_state: "CREATE_CARD_SUCCESS" }),
      ledger: { brand_id: BRAND, card_id: card.card_id, user_card_code: card.user_card_code }
    })),
  "BrandCardMember.ConfirmUserCard": (emulator) =>
    Effect.map(openedCard(emulator), (card) => ({
      call: BrandCardMember.confirmUserCard({ ...card, user_card_confirm_state: "CREATE_CARD_SUCCESS" }),
      ledger: { brand_id: BRAND, card_id: card.card_id, user_card_code: card.user_card_code }
    })),

  // Components, feeds, points
  "PartnerCardMember.CreatePreAuthToken": (emulator) =>
    Effect.map(brandTemplate(emulator), (card_id) => {
      const openid = fresh("oJoin")
      return {
        call: PartnerCardMember.createPreAuthToken({ brand_id: BRAND, card_id, openid }),
        ledger: { brand_id: BRAND, card_id, openid }
      }
    }),
  "BrandCardMember.CreatePreAuthToken": (emulator) =>
    Effect.map(brandTemplate(emulator), (card_id) => {
      const openid = fresh("oJoin")
      return { call: BrandCardMember.createPreAuthToken({ card_id, openid }), ledger: { brand_id: BRAND, card_id, openid } }
    }),
  "PartnerCardMember.CreatePayViewToken": (emulator) =>
    Effect.map(brandMember(emulator), ({ card_id, openid }) => ({
      call: PartnerCardMember.createPayViewToken({ brand_id: BRAND, card_id, openid }),
      ledger: { brand_id: BRAND, card_id, openid }
    })),
  "PartnerCardMember.CreateUserFeed": (emulator) =>
    Effect.map(brandMember(emulator), (member) => {
      const out_request_no = fresh("feed-")
      return {
        call: PartnerCardMember.createUserFeed({ brand_id: BRAND, ...member, out_request_no, cell: "消费满100元获得10积分" }),
        ledger: { brand_id: BRAND, key: out_request_no }
      }
    }),
  "BrandCardMember.CreateUserFeed": (emulator) =>
    Effect.map(brandMember(emulator), (member) => {
      const out_request_no = fresh("feed-")
      return {
        call: BrandCardMember.createUserFeed({ ...member, out_request_no, cell: "消费满100元获得10积分" }),
        ledger: { brand_id: BRAND, key: out_request_no }
      }
    }),
  "PartnerCardMember.SyncUserPoints": (emulator) =>
    Effect.map(brandMember(emulator), (member) => {
      const out_request_no = fresh("pts-")
      return {
        call: PartnerCardMember.syncUserPoints({ brand_id: BRAND, ...member, out_request_no, point_balance: 800 }),
        ledger: { brand_id: BRAND, key: out_request_no }
      }
    }),
  "BrandCardMember.SyncUserPoints": (emulator) =>
    Effect.map(brandMember(emulator), (member) => {
      const out_request_no = fresh("pts-")
      return {
        call: BrandCardMember.syncUserPoints({ ...member, out_request_no, point_balance: 800 }),
        ledger: { brand_id: BRAND, key: out_request_no }
      }
    }),
  "PartnerCardMember.ConfirmPointsExchange": (emulator) =>
    Effect.map(exchange(emulator), (answer) => ({
      call: PartnerCardMember.confirmPointsExchange({ brand_id: BRAND, ...answer }),
      ledger: { brand_id: BRAND, record_id: answer.record_id }
    })),
  "BrandCardMember.ConfirmPointsExchange": (emulator) =>
    Effect.map(exchange(emulator), (answer) => ({
      call: BrandCardMember.confirmPointsExchange(answer),
      ledger: { brand_id: BRAND, record_id: answer.record_id }
    })),

  // Activities (provider only)
  "PartnerCardMember.CreateActivity": (emulator) =>
    Effect.map(activityBody(emulator), (body) => ({
      call: PartnerCardMember.createActivity(body),
      ledger: { brand_id: BRAND, key: body.out_request_no }
    })),
  "PartnerCardMember.UpdateActivity": (emulator) =>
    Effect.gen(function*() {
      const body = yield* activityBody(emulator)
      const { activity_id } = yield* PartnerCardMember.createActivity(body)
      return {
        call: PartnerCardMember.updateActivity({
          brand_id: BRAND,
          activity_id,
          title: "开卡礼",
          sub_title: "限时",
          begin_time: body.begin_time,
          end_time: utc(Date.now() + 2 * DAY)
        }),
        ledger: { brand_id: BRAND, activity_id }
      }
    }),
  "PartnerCardMember.TerminateActivity": (emulator) =>
    Effect.gen(function*() {
      const { activity_id } = yield* PartnerCardMember.createActivity(yield* activityBody(emulator))
      return { call: PartnerCardMember.terminateActivity({ brand_id: BRAND, activity_id }), ledger: { brand_id: BRAND, activity_id } }
    }),

  // Media (brand only)
  "BrandCardMember.UploadImage": () => {
    const { file, sha256 } = uniquePng()
    return cardReady({ call: BrandCardMember.uploadImage({ file, filename: "card.png" }), ledger: { brand_id: BRAND, sha256 } })
  }
}

/**
 * WeChat's documented answer to a repeated key whose first request was applied: these keyed writes refuse the
 * repeat rather than answer it as the first time (the emulator does as the pages say). What the caller sees after a
 * retry whose first attempt was applied (DropAfterApply) is this error, and the write is applied once.
 */
type Refusal = { readonly _tag: string; readonly code: string; readonly message: string }
const refusedRepeats: Readonly<Record<string, Refusal>> = {
  // 创建会员卡模板 (A 4015336970's error table): find the template with ListCardTemplates.
  "PartnerCardMember.CreateCardTemplate": { _tag: "ParamError", code: "PARAM_ERROR", message: "商家请求单号重复" },
  "BrandCardMember.CreateCardTemplate": { _tag: "ParamError", code: "PARAM_ERROR", message: "商家请求单号重复" },
  // 创建用户动态信息 (A 4015336987's error table): the feed is shown once.
  "PartnerCardMember.CreateUserFeed": { _tag: "AlreadyExists", code: "ALREADY_EXISTS", message: "该用户动态已存在" },
  "BrandCardMember.CreateUserFeed": { _tag: "AlreadyExists", code: "ALREADY_EXISTS", message: "该用户动态已存在" }
}

// ---------------------------------------------------------------------------------------------------------------
// Faults

interface FaultCase {
  readonly name: string
  readonly fault: Emulator.Fault
  /** The typed error of a write the client may not repeat (the first attempt's answer). */
  readonly unrepeatedError: string
  /** WeChat's answer says the request was not processed: even a keyless `repeatable` write is repeated. */
  readonly unprocessed?: boolean
}

const REDIRECT = "Redirect 302"

const cases: ReadonlyArray<FaultCase> = [
  { name: "Drop (before apply)", fault: { _tag: "Drop" }, unrepeatedError: "TransportError" },
  { name: "DropAfterApply", fault: { _tag: "DropAfterApply" }, unrepeatedError: "TransportError" },
  {
    name: "500 SYSTEM_ERROR",
    fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR", message: "系统错误" },
    unrepeatedError: "SystemError"
  },
  {
    name: "503 SERVICE_UNAVAILABLE",
    fault: { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE", message: "服务不可用" },
    unrepeatedError: "ServiceUnavailable",
    unprocessed: true
  },
  {
    name: "429 RATE_LIMITED",
    fault: { _tag: "Error", status: 429, code: "RATE_LIMITED", message: "频率限制" },
    unrepeatedError: "FrequencyLimited",
    unprocessed: true
  },
  { name: "Accepted 202", fault: { _tag: "Accepted" }, unrepeatedError: "UnknownApiError" },
  {
    name: REDIRECT,
    fault: { _tag: "Redirect", status: 302, location: "https://elsewhere.example/v3" },
    unrepeatedError: "UnknownApiError"
  }
]

// ---------------------------------------------------------------------------------------------------------------
// The table

/** A transport: the emulator with the provider's client over it, and how the brand's client reaches it the same way. */
interface Transport {
  readonly name: string
  readonly layer: () => ReturnType<typeof Emulator.layerLoopback>
  readonly brandClient: (
    options: BrandClient.Options
  ) => Layer.Layer<BrandClient.BrandClient, WechatPayError.ConfigurationError>
}

const transports: ReadonlyArray<Transport> = [
  {
    name: "FetchHttpClient",
    layer: () => Emulator.layerLoopback(),
    brandClient: (options) => BrandClient.layer(options).pipe(Layer.provide(FetchHttpClient.layer))
  },
  { name: "NodeTransport", layer: () => Emulator.layerLoopbackNode(), brandClient: (options) => BrandClient.layerNode(options) }
]

/** transport × endpoint → fault → outcome. */
const table = new Map<string, Record<string, string>>()
const record = (transport: string, definition: Endpoint.Definition<object>, fault: string, outcome: string) => {
  const key = `${transport}\u0000${definition.name}`
  const row = table.get(key) ?? {
    transport,
    endpoint: definition.name,
    safety: definition.idempotencyKey !== undefined
      ? `key ${definition.idempotencyKey}${refusedRepeats[definition.name] !== undefined ? " (repeat refused)" : ""}`
      : definition.repeatable !== undefined
      ? "repeatable"
      : "never repeated"
  }
  row[fault] = outcome
  table.set(key, row)
}

const printTable = (title: string, walked: ReadonlyArray<Endpoint.Definition<object>>, declared: number) => {
  const rows = transports.flatMap((t) => walked.map((w) => table.get(`${t.name}\u0000${w.name}`)))
    .filter((row) => row !== undefined)
  if (rows.length === 0) return
  console.log(
    `\n${title}: ${walked.length} writes of ${declared} declarations × ${cases.length} faults × ` +
      `${transports.length} transports ("req" = requests the emulator received for the call, "×n" = times applied)`
  )
  console.table(rows)
  const header = ["transport", "endpoint", "safety", ...cases.map((c) => c.name)]
  console.log([
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${header.map((h) => row[h] ?? "—").join(" | ")} |`)
  ].join("\n"))
}

afterAll(() => {
  printTable("Product fault table", writes, declarations.length)
  printTable("商家名片会员卡 fault table", cardMemberWrites, cardMemberDeclarations.length)
})

// ---------------------------------------------------------------------------------------------------------------
// The cells

/** One walk: the fixtures of its writes, and where they live (for the message of a missing one). */
interface Walk<R> {
  readonly fixtures: Readonly<Record<string, Fixture<R>>>
  readonly where: string
}

const productWalk: Walk<Services> = { fixtures, where: "`fixtures`" }
const cardMemberWalk: Walk<CardServices> = { fixtures: cardFixtures, where: "`cardFixtures`" }

const cell = <R>(transport: string, c: FaultCase, definition: Endpoint.Definition<object>, walk: Walk<R>) =>
  Effect.gen(function*() {
    const fixture = walk.fixtures[definition.name]
    if (fixture === undefined) {
      expect.fail(`No fixture for ${definition.name}: add one to ${walk.where} in test/reliability-product-faults.test.ts`)
    }
    const emulator = yield* Emulator.Emulator
    const endpoint = shortName(definition)
    const prepared = yield* fixture(emulator)
    const applied = prepared.applied ?? (() =>
      emulator.ledger.filter((entry) =>
        entry.endpoint === endpoint && Object.entries(prepared.ledger ?? {}).every(([k, v]) => entry[k] === v)
      ).length)
    expect(prepared.applied !== undefined || prepared.ledger !== undefined, `${definition.name}: the fixture says how to count`)
      .toBe(true)
    expect(applied(), `${definition.name}: applied before the call`).toBe(0)

    emulator.clearFaults()
    emulator.inject({ endpoint: endpoint, fault: c.fault, times: 1 })
    const before = emulator.requests(endpoint)
    const result = yield* Effect.result(prepared.call)
    emulator.clearFaults()
    const requests = emulator.requests(endpoint) - before
    const times = applied()
    const context = `${c.name} on ${definition.name} (${transport}): ${
      Result.isFailure(result) ? `${result.failure._tag}: ${result.failure.message}` : "ok"
    }; ${requests} requests, applied ×${times}`

    const observed = `${
      Result.isFailure(result)
        ? `${result.failure._tag}${requests === 2 ? " after 1 repeat" : ""}`
        : requests === 2
        ? "ok after 1 repeat"
        : "ok"
    } (${requests} req, ×${times})`
    // Recorded before the checks, marked ✗, so a failing cell shows in the table what happened.
    record(transport, definition, c.name, `✗ ${observed}`)
    const refused = refusedRepeats[definition.name]
    if (c.name === REDIRECT) {
      // Never followed, never repeated, whatever the endpoint.
      expect(Result.isFailure(result) ? result.failure._tag : "ok", context).toBe("UnknownApiError")
      expect(requests, context).toBe(1)
      expect(times, context).toBe(0)
    } else if (definition.idempotencyKey !== undefined || (definition.repeatable !== undefined && c.unprocessed === true)) {
      expect(Result.isSuccess(result), context).toBe(true)
      expect(requests, context).toBe(2)
      expect(times, context).toBe(1)
    } else {
      expect(Result.isFailure(result) ? result.failure._tag : "ok", context).toBe(c.unrepeatedError)
      expect(requests, context).toBe(1)
      expect(times, context).toBe(c.fault._tag === "DropAfterApply" ? 1 : 0)
      if (refused !== undefined && c.fault._tag === "DropAfterApply") {
        // Applied, its answer lost: the caller's own repeat (same out_request_no, same bytes) is refused as WeChat
        // documents — the answer that says the first attempt went through — and applies nothing.
        const again = yield* Effect.result(prepared.call)
        expect(Result.isFailure(again) ? again.failure : "ok", context).toMatchObject(refused)
        expect(applied(), context).toBe(1)
      }
    }
    record(transport, definition, c.name, observed)
  })

const Endpoints = Layer.mergeAll(MemberCard.layer, MemberCardActivity.layer, Media.layer)

/**
 * Both 商家名片会员卡 surfaces over the transport's emulator: the provider's endpoints on the transport's
 * `WechatPayClient` (`emulator.merchantOptions()`), the brand's on a `BrandClient` of `emulator.brandOptions()` over
 * the same transport, built once the server runs (its options carry the served base URL).
 */
const cardMemberLayer = (transport: Transport) =>
  Layer.mergeAll(
    PartnerCardMember.layer,
    BrandCardMember.layer.pipe(
      Layer.provide(Layer.unwrap(Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* Emulator.EmulatorServer
        return transport.brandClient(emulator.brandOptions(BRAND))
      })))
    )
  ).pipe(Layer.provideMerge(transport.layer()))

describe("reliability: product fault table (the walk)", () => {
  it("walks every declaration: the counts are the ones with a fixture each", () => {
    expect(declarations.length, "declared endpoints (a new one needs a fixture here, then this count)").toBe(DECLARED)
    expect(writes.length, "declared writes").toBe(WRITES)
    expect(writes.filter(repeatSafe).length, "repeat-safe writes").toBe(REPEAT_SAFE_WRITES)
    expect(writes.filter((w) => fixtures[w.name] === undefined).map((w) => w.name), "writes without a fixture").toEqual([])
    expect(Object.keys(fixtures).filter((name) => !writes.some((w) => w.name === name)), "fixtures of no write")
      .toEqual([])
  })

  it("walks every 商家名片会员卡 declaration of both surfaces: the counts are the ones with a fixture each", () => {
    expect(cardMemberDeclarations.length, "declared endpoints (a new one needs a fixture here, then this count)")
      .toBe(CARD_DECLARED)
    expect(cardMemberWrites.length, "declared writes").toBe(CARD_WRITES)
    expect(cardMemberWrites.filter(repeatSafe).length, "repeat-safe writes").toBe(CARD_REPEAT_SAFE_WRITES)
    expect(cardMemberWrites.filter((w) => cardFixtures[w.name] === undefined).map((w) => w.name), "writes without a fixture")
      .toEqual([])
    expect(
      Object.keys(cardFixtures).filter((name) => !cardMemberWrites.some((w) => w.name === name)),
      "fixtures of no write"
    ).toEqual([])
    // A refused repeat is declared only for a write of the walk (the caller's own repeat is what meets it).
    expect(Object.keys(refusedRepeats).filter((name) => !cardMemberWrites.some((w) => w.name === name)), "refusals of no write")
      .toEqual([])
  })
})

for (const transport of transports) {
  describe(`reliability: product fault table (loopback emulator, ${transport.name})`, () => {
    layer(Endpoints.pipe(Layer.provideMerge(transport.layer())), { excludeTestServices: true })("writes", (it) => {
      for (const c of cases) {
        describe(c.name, () => {
          for (const definition of writes) it.effect(definition.name, () => cell(transport.name, c, definition, productWalk))
        })
      }
    })
  })

  describe(`reliability: 商家名片会员卡 fault table (loopback emulator, ${transport.name})`, () => {
    layer(cardMemberLayer(transport), { excludeTestServices: true })("writes", (it) => {
      for (const c of cases) {
        describe(c.name, () => {
          for (const definition of cardMemberWrites) {
            it.effect(definition.name, () => cell(transport.name, c, definition, cardMemberWalk))
          }
        })
      }
    })
  })
}
