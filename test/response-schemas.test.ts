/**
 * Response schemas require only what every source guarantees (the spec's "where sources disagree" notes): a field
 * one source marks optional is optional here, or a successful write would surface as ResponseDecodeError — and so
 * would its retry. One row per declared endpoint with a response body: the minimal body the docs guarantee decodes,
 * and each of its fields is really required (leaving it out fails), so the required set is pinned both ways. A new
 * endpoint without a row fails the first test.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { type Endpoint, Media, MemberCard, MemberCardActivity, PlatformCertificates } from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"

const modules = { MemberCard, MemberCardActivity, Media, PlatformCertificates, PartnerCardMember, BrandCardMember }
const declarations = Object.values(modules).flatMap((exports) =>
  Object.values(exports as Record<string, unknown>).flatMap((value) =>
    typeof value === "function" && "definition" in value && "call" in value
      ? [value.definition as Endpoint.Definition<object> & { readonly response?: Schema.Codec<unknown, unknown> }]
      : []
  )
)

const template = {
  card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0",
  brand: {},
  appid: "wxea9c30890f48d5ae",
  logo_url: "https://wxpaylogo.qpic.cn/x/0",
  title: "会员卡",
  background_picture_url: "https://wxpaylogo.qpic.cn/y/0",
  description: "使用须知",
  code_type: "BAR_CODE",
  date_information: { type: "PERMANENT" }
}
const activity = {
  activity_id: "126002309",
  activity_name: "开卡有礼",
  activity_type: "NON_MEMBER_AFTERPAY",
  begin_time: "2026-12-02T00:00:00.000+08:00",
  end_time: "2026-12-10T00:00:00.000+08:00"
}

/**
 * 商家名片会员卡, both surfaces (one declaration each): a template answers with `card_id`, a member's card with its three
 * ids, a token with `token`; the lists and the echoes of a feed, a points sync and an exchange answer guarantee nothing
 * (the brand's tables are not visible, and W/S/SP disagree on them).
 */
const cardTemplate = { card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0" }
const userCard = { user_card_code: "M0001", card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", openid: "obLatjnx9gnqzS4myYGmLZ7LgLBA" }
const token = { token: "5e2eb5a3a7ad4b0b8b1f3f8a4d1c6e2a" }
const cardMember = (surface: "PartnerCardMember" | "BrandCardMember"): Record<string, Record<string, unknown>> => ({
  [`${surface}.CreateCardTemplate`]: cardTemplate,
  [`${surface}.ListCardTemplates`]: {},
  [`${surface}.GetCardTemplate`]: cardTemplate,
  [`${surface}.UpdateCardTemplate`]: cardTemplate,
  [`${surface}.InvalidateCardTemplate`]: cardTemplate,
  [`${surface}.ListUserCards`]: {},
  [`${surface}.GetUserCard`]: userCard,
  [`${surface}.UpdateUserCard`]: userCard,
  [`${surface}.InvalidateUserCard`]: userCard,
  [`${surface}.ImportUserCardByOpenid`]: userCard,
  [`${surface}.ConfirmUserCard`]: userCard,
  [`${surface}.CreatePreAuthToken`]: token,
  [`${surface}.CreateUserFeed`]: {},
  [`${surface}.SyncUserPoints`]: {},
  [`${surface}.ConfirmPointsExchange`]: {}
})
const cardActivity = { activity_id: "1000000001" }
const partnerOnly: Record<string, Record<string, unknown>> = {
  "PartnerCardMember.ImportUserCardByPhone": userCard,
  "PartnerCardMember.CreatePayViewToken": token,
  "PartnerCardMember.CreateActivity": cardActivity,
  "PartnerCardMember.ListActivities": {},
  "PartnerCardMember.GetActivity": cardActivity,
  "PartnerCardMember.UpdateActivity": cardActivity,
  "PartnerCardMember.TerminateActivity": cardActivity
}

/** The minimal body each endpoint's docs guarantee (only fields every source marks required). */
const minimal: Record<string, Record<string, unknown>> = {
  "MemberCard.GetUserCard": {},
  "MemberCard.SetCallback": {},
  "MemberCard.GetCallback": { notify_url: "https://shop.example.com/notify" },
  "MemberCard.CreateCardTemplate": template,
  "MemberCard.ListCardTemplates": { total_count: 0, offset: 0, limit: 20 },
  "MemberCard.GetCardTemplate": template,
  "MemberCard.DepositCodes": {},
  "MemberCard.ImportUserCardByOpenid": {},
  "MemberCard.CreatePermissionToken": { permission_token: "token" },
  "MemberCard.ListUserCards": {},
  "MemberCard.CreateQrCode": {},
  "MemberCard.DecryptCode": { code: "478515832665" },
  "MemberCard.GetActivateInformation": {},
  "MemberCard.ImportUserCardByPhone": {},
  "MemberCard.SearchPhoneMember": {},
  "MemberCard.AddServiceModule": {},
  "MemberCard.UpdateServiceModule": {},
  "MemberCardActivity.CreateActivity": activity,
  "MemberCardActivity.ListActivities": {},
  "MemberCardActivity.GetActivity": activity,
  "MemberCardActivity.TerminateActivity": { activity_id: "126002309" },
  "Media.UploadImage": { media_url: "https://wxpaylogo.qpic.cn/x/0" },
  "PlatformCertificates.DownloadCertificates": { data: [] },
  ...cardMember("PartnerCardMember"),
  ...partnerOnly,
  ...cardMember("BrandCardMember"),
  "BrandCardMember.UploadImage": { media_url: "https://wxpaylogo.qpic.cn/x/0" }
}

const decodes = (schema: Schema.Codec<unknown, unknown>, body: unknown): boolean =>
  Result.isSuccess(Schema.decodeUnknownResult(schema)(body))

describe("response schemas: the minimal documented body", () => {
  const withResponse = declarations.filter((d) => d.response !== undefined)

  it("every endpoint with a response body has a row, and every row an endpoint", () => {
    expect(withResponse.map((d) => d.name).sort()).toEqual(Object.keys(minimal).sort())
  })

  for (const definition of withResponse) {
    const body = minimal[definition.name] ?? {}
    it(`${definition.name}: the minimal body decodes; each of its fields is required`, () => {
      const schema = definition.response!
      expect(decodes(schema, body)).toBe(true)
      // Unknown extra keys never fail decoding (WeChat adds fields).
      expect(decodes(schema, { ...body, added_by_wechat_later: { x: 1 } })).toBe(true)
      for (const key of Object.keys(body)) {
        const { [key]: _left, ...without } = body
        expect(decodes(schema, without), `${definition.name} without ${key}`).toBe(false)
      }
    })
  }

  it("Activity (createActivity / getActivity) without activity_status and card_id decodes (the list page and W: 选填)", () => {
    const decoded = Schema.decodeUnknownSync(MemberCardActivity.Activity)(activity)
    expect(decoded).toEqual(activity)
    expect(decoded.activity_status).toBeUndefined()
    expect(Schema.decodeUnknownSync(MemberCardActivity.Activity)({ ...activity, activity_status: "NEW_STATUS", card_id: "p" }))
      .toMatchObject({ activity_status: "NEW_STATUS", card_id: "p" })
  })

  it("request rules never leak into responses: empty strings WeChat sends in nested objects decode", () => {
    expect(decodes(MemberCardActivity.Activity, {
      ...activity,
      stock_list: [{ stock_id: "" }],
      pay_activity_setting: { mchid_list: [""], activate_setting: { activate_miniprogram: { activate_appid: "" } } },
      miniprogram_activity_setting: { outer_str: [""] }
    })).toBe(true)
    expect(decodes(PartnerCardMember.CardTemplate, {
      card_id: "p",
      card_title: "一二三四五六七八九十十一",
      card_color: "",
      card_type: "NEW_CARD_TYPE",
      valid_date_information: { type: "NEW_TYPE", available_day_after_receive: 99999 },
      user_information: {
        custom_field_list: [
          { type: "NEW_FIELD", name: "", values: ["123456789", "", "3", "4", "5", "6", "7", "8", "9", "10", "11"] },
          { name: "second" }
        ]
      },
      member_information: { jump_appid: "" },
      state: "CARD_SUSPENDED"
    })).toBe(true)
    expect(decodes(BrandCardMember.UserCard, {
      ...{ user_card_code: "M", card_id: "p", openid: "o" },
      user_card_state: "FROZEN",
      level: "一二三四五六七八九十十一",
      user_information: { common_field_list: [{ name: "USER_FORM_FLAG_NEW", value: "" }] }
    })).toBe(true)
    expect(decodes(MemberCard.CardServiceModule, { jump_miniprogram: { appid: "", path: "" } })).toBe(true)
    expect(decodes(MemberCard.CardTemplate, {
      ...template,
      brand: { display_name: "" },
      bonus: { bonus_value_word: "", bonus_cost_word: "" },
      user_information_form: { custom_field_list: [{ type: "TEXT", name: "", values: [""] }] }
    })).toBe(true)
  })
})
