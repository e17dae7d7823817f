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

const declarations = Object.values({ MemberCard, MemberCardActivity, Media, PlatformCertificates }).flatMap((exports) =>
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
  "PlatformCertificates.DownloadCertificates": { data: [] }
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
    expect(decodes(MemberCard.CardServiceModule, { jump_miniprogram: { appid: "", path: "" } })).toBe(true)
    expect(decodes(MemberCard.CardTemplate, {
      ...template,
      brand: { display_name: "" },
      bonus: { bonus_value_word: "", bonus_cost_word: "" },
      user_information_form: { custom_field_list: [{ type: "TEXT", name: "", values: [""] }] }
    })).toBe(true)
  })
})
