/**
 * 商家名片会员卡 requests on both surfaces — the provider's (`PartnerCardMember`, `/v3/brand/partner/card-member`, on
 * `WechatPay.layerWith`) and the brand's (`BrandCardMember`, `/brand/card-member`, on `BrandClient.layerWith`) — over a
 * transport that records what is sent and answers as WeChat would, signed with a test WeChat Pay key:
 *
 * - every documented limit at the limit (sent, carrying the value) and one past it (RequestValidationError naming the
 *   field, nothing sent);
 * - `brand_id`: the provider names the brand (a GET in its query, a write in its body), the brand never does; the
 *   provider's create also requires `legal_agreement` and `member_information`, the brand's does not;
 * - the exact method, path and query of every operation;
 * - `phone_number` goes in as `Redacted` and out encrypted to the WeChat Pay public key, never in plain;
 * - request enums are closed, response enums open;
 * - each write's repeat policy (every write of this product is `repeatable`: repeated after a 429/503 with the same
 *   bytes, never after a 500; the table also knows keyed and never-repeated writes, should one appear), on a
 *   zero-delay `RetryPolicy`;
 * - `rateLimits` hold exactly WeChat's printed limits.
 *
 * The limits are written here by hand (never read from the schemas under test), so a limit that drifts either way
 * breaks a test.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as TestClock from "effect/testing/TestClock"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import * as RetryPolicy from "../src/RetryPolicy.js"
import { Transport, type WireRequest } from "../src/Transport.js"
import * as WechatPay from "../src/WechatPay.js"

// ---------------------------------------------------------------------------------------------------------------
// Keys, the recording transport, both surfaces
// ---------------------------------------------------------------------------------------------------------------

const keyPair = () =>
  crypto.generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" }
  })
const wechat = keyPair()
const merchant = keyPair()
const brandKey = keyPair()
const publicKeyId = "PUB_KEY_ID_0114232019042900000000000000000888"
const brand_id = "1000001"

/** A success every response schema of these operations accepts (each requires at most these keys). */
const okBody = JSON.stringify({
  card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0",
  user_card_code: "M0001",
  openid: "obLatjnx9gnqzS4myYGmLZ7LgLBA",
  token: "5e2eb5a3a7ad4b0b8b1f3f8a4d1c6e2a",
  activity_id: "1000000001",
  media_url: "https://wxpaylogo.qpic.cn/x/0"
})

interface Answer {
  readonly status: number
  readonly body: string
}

/** How WeChat answers the `attempt`-th request (from 0) a client sends. */
type Script = (request: WireRequest, attempt: number) => Answer

const ok: Script = () => ({ status: 200, body: okBody })

/** Records each request and answers per `script`, signed with WeChat's key at the request's own timestamp. */
const transport = (sent: Array<WireRequest>, script: Script) =>
  Layer.succeed(Transport, {
    send: (request) =>
      Effect.sync(() => {
        const answer = script(request, sent.length)
        sent.push(request)
        const ts = request.headers["authorization"]!.match(/timestamp="(\d+)"/)![1]!
        const nonce = crypto.randomBytes(16).toString("hex")
        return {
          status: answer.status,
          headers: {
            "request-id": `request-${sent.length}`,
            "content-type": "application/json",
            "wechatpay-timestamp": ts,
            "wechatpay-nonce": nonce,
            "wechatpay-serial": publicKeyId,
            "wechatpay-signature": crypto.sign("sha256", Buffer.from(`${ts}\n${nonce}\n${answer.body}\n`), wechat.privateKey)
              .toString("base64")
          },
          body: new TextEncoder().encode(answer.body)
        }
      })
  })

type Services = PartnerCardMember.Services | BrandCardMember.Services

interface Surface {
  readonly name: "PartnerCardMember" | "BrandCardMember"
  readonly module: typeof PartnerCardMember | typeof BrandCardMember
  readonly prefix: string
  /** What this surface adds to every request (the provider names the brand). */
  readonly adds: Record<string, unknown>
  readonly layer: (sent: Array<WireRequest>, script: Script) => Layer.Layer<Services, unknown>
}

const partner: Surface = {
  name: "PartnerCardMember",
  module: PartnerCardMember,
  prefix: "/v3/brand/partner/card-member",
  adds: { brand_id },
  layer: (sent, script) =>
    PartnerCardMember.layer.pipe(
      Layer.provide(WechatPay.layerWith({
        mchid: "1900000109",
        merchantSerialNumber: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        merchantPrivateKey: Redacted.make(merchant.privateKey),
        wechatpayPublicKeys: { [publicKeyId]: wechat.publicKey },
        serviceProvider: true
      })),
      Layer.provide(transport(sent, script))
    ) as Layer.Layer<Services, unknown>
}

const brand: Surface = {
  name: "BrandCardMember",
  module: BrandCardMember,
  prefix: "/brand/card-member",
  adds: {},
  layer: (sent, script) =>
    BrandCardMember.layer.pipe(
      Layer.provide(BrandClient.layerWith({
        brandId: brand_id,
        brandSerialNumber: "3493DE0D9BB4EB98A8C65EAA7E8EE887EC24B71A",
        brandPrivateKey: Redacted.make(brandKey.privateKey),
        wechatpayPublicKeyId: publicKeyId,
        wechatpayPublicKey: wechat.publicKey
      })),
      Layer.provide(transport(sent, script))
    ) as Layer.Layer<Services, unknown>
}

const surfaces: ReadonlyArray<Surface> = [partner, brand]

/** Operations only the provider has (its official pages; no brand page was found). */
const partnerOnly = new Set([
  "ImportUserCardByPhone",
  "CreatePayViewToken",
  "CreateActivity",
  "ListActivities",
  "GetActivity",
  "UpdateActivity",
  "TerminateActivity"
])
const hasOperation = (surface: Surface, op: string): boolean =>
  op === "UploadImage" ? surface === brand : surface === partner || !partnerOnly.has(op)

type Call = (input: unknown) => Effect.Effect<unknown, unknown, Services>

const tagOf = (surface: Surface, op: string) => {
  const tag = (surface.module as unknown as Record<string, { readonly call?: Call; readonly definition?: { readonly name: string } }>)[op]
  if (typeof tag?.call !== "function") throw new Error(`${surface.name}.${op} is not an operation`)
  return tag as { readonly call: Call; readonly definition: { readonly name: string } }
}

interface Outcome {
  readonly result: Result.Result<unknown, unknown>
  readonly sent: ReadonlyArray<WireRequest>
}

/** One call over a fresh transport (time: 2026, so signatures are dated as in production); nothing is repeated unless `retry`. */
const run = (
  surface: Surface,
  op: string,
  input: Record<string, unknown>,
  options: { readonly script?: Script; readonly retry?: RetryPolicy.Service } = {}
): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    yield* TestClock.setTime(Date.UTC(2026, 11, 2, 10))
    const sent: Array<WireRequest> = []
    const result = yield* tagOf(surface, op).call(input).pipe(
      Effect.provide(surface.layer(sent, options.script ?? ok)),
      Effect.provideService(RetryPolicy.RetryPolicy, options.retry ?? RetryPolicy.disabled),
      Effect.result
    )
    return { result, sent }
  })

/** Validated, sent exactly once and answered with success; the request sent. */
const accepted = (surface: Surface, op: string, input: Record<string, unknown>) =>
  Effect.map(run(surface, op, input), ({ result, sent }) => {
    expect(Result.isSuccess(result), `${surface.name}.${op}: ${JSON.stringify(Result.isFailure(result) ? result.failure : "")}`)
      .toBe(true)
    expect(sent.length).toBe(1)
    return sent[0]!
  })

/** RequestValidationError naming `field`, and nothing sent. */
const refused = (surface: Surface, op: string, input: Record<string, unknown>, field: string) =>
  Effect.map(run(surface, op, input), ({ result, sent }) => {
    expect(Result.isFailure(result), `${surface.name}.${op}: ${field} accepted`).toBe(true)
    const error = (result as Result.Failure<unknown, unknown>).failure as {
      readonly _tag: string
      readonly fields: ReadonlyArray<string>
      readonly issues: ReadonlyArray<{ readonly path: ReadonlyArray<string | number>; readonly message: string }>
    }
    expect(error._tag).toBe("RequestValidationError")
    expect(error.fields).toContain(field)
    // A top-level field's rule says which field it is, in its own words (the message a log or a CLI user reads).
    if (!field.includes(".")) {
      const issue = error.issues.find((i) => i.path.join(".") === field)
      if (issue !== undefined && issue.message !== "is missing" && !issue.message.startsWith("Expected")) {
        expect(issue.message, field).toMatch(new RegExp(`^${field} `))
      }
    }
    expect(sent).toEqual([])
  })

const bodyOf = (request: WireRequest): Record<string, unknown> => JSON.parse(new TextDecoder().decode(request.body!))

/** The query of a request-target, decoded (as WeChat reads it); `undefined` when it has none. */
const queryOf = (target: string): Record<string, string> | undefined =>
  target.includes("?") ? Object.fromEntries(new URLSearchParams(target.slice(target.indexOf("?") + 1))) : undefined

// ---------------------------------------------------------------------------------------------------------------
// A valid request of each operation (the brand's fields; the provider adds brand_id, and its create two more)
// ---------------------------------------------------------------------------------------------------------------

const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
const openid = "obLatjnx9gnqzS4myYGmLZ7LgLBA"
const user_card_code = "M0001"
const activity_id = "1000000001"
const png = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex"
)

const template = {
  out_request_no: "1000001_1764640000_0001",
  appid: "wxea9c30890f48d5ae",
  card_type: "NORMAL",
  code_mode: "SYSTEM_ALLOCATE",
  code_type: "BAR_CODE",
  card_title: "微信会员卡",
  card_color: "#FFFF00",
  card_picture_url: "https://wxpaylogo.qpic.cn/wxpaylogo/xxxxx/0",
  benefits: "会员享9折",
  notify_url: "https://shop.example.com/wechatpay/notify",
  valid_date_information: { type: "PERMANENT" }
}
/** Required on the provider's create only (its official page 4015336970). */
const partnerTemplate = {
  legal_agreement: "会员协议：……",
  member_information: { jump_appid: "wxea9c30890f48d5ae", jump_path: "pages/member/index" }
}

const valid: Readonly<Record<string, Record<string, unknown>>> = {
  CreateCardTemplate: template,
  ListCardTemplates: { offset: 0, limit: 20 },
  GetCardTemplate: { card_id },
  UpdateCardTemplate: { card_id, card_title: "微信会员卡" },
  InvalidateCardTemplate: { card_id },
  ListUserCards: { openid, offset: 0, limit: 20 },
  GetUserCard: { user_card_code, card_id, openid },
  UpdateUserCard: { user_card_code, card_id, openid },
  InvalidateUserCard: { user_card_code, card_id, openid },
  ImportUserCardByOpenid: { card_id, openid, user_card_code },
  ImportUserCardByPhone: { card_id, user_card_code, phone_number: Redacted.make("13800138000") },
  ConfirmUserCard: { user_card_code, card_id, openid, user_card_confirm_state: "CREATE_CARD_SUCCESS" },
  CreatePreAuthToken: { card_id, openid },
  CreatePayViewToken: { card_id, openid },
  CreateUserFeed: { card_id, user_card_code, openid, out_request_no: "feed-0001", cell: "15_1200_1" },
  SyncUserPoints: { out_request_no: "points-0001", card_id, openid, user_card_code, point_balance: 100 },
  ConfirmPointsExchange: {
    record_id: "1000000000001",
    exchange_coupon_template_id: "1000000002",
    card_id,
    openid,
    user_card_code,
    result: "POINT_EXCHANGE_COUPON_ALLOW"
  },
  CreateActivity: {
    out_request_no: "activity-0001",
    card_id,
    activity_channel: "MECHANT_APP_COMPONENT",
    title: "新会员开卡礼",
    sub_title: "开卡即送商品券",
    begin_time: "2026-12-03T10:00:00+08:00",
    end_time: "2026-12-31T23:59:59+08:00",
    apply_total: 1000,
    product_coupon_stock_list: [{ product_coupon_id: "1000000013", stock_id: "1000000013001" }]
  },
  ListActivities: { offset: 0, limit: 20 },
  GetActivity: { activity_id },
  UpdateActivity: {
    activity_id,
    title: "新会员开卡礼",
    sub_title: "开卡即送商品券",
    begin_time: "2026-12-03T10:00:00+08:00",
    end_time: "2027-01-31T23:59:59+08:00"
  },
  TerminateActivity: { activity_id },
  UploadImage: { file: png, filename: "card.png" }
}

/** The valid request of `op` on `surface`, with `patch` over it. */
const request = (surface: Surface, op: string, patch: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...surface.adds,
  ...valid[op],
  ...(surface === partner && op === "CreateCardTemplate" ? partnerTemplate : {}),
  ...patch
})

// ---------------------------------------------------------------------------------------------------------------
// Hand-written values of known length (checked by the first test)
// ---------------------------------------------------------------------------------------------------------------

const ascii = (n: number) => "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".repeat(Math.ceil(n / 62)).slice(0, n)
const cjk = (n: number) => "会员卡权益说明".repeat(Math.ceil(n / 7)).slice(0, n)
const url = (n: number) => "https://shop.example.com/notify/" + ascii(n - 32)
const sizes = { ascii, cjk, url }

interface Limit {
  readonly op: string
  /** The rule, for the test's name. */
  readonly rule: string
  /** The field a refusal names. */
  readonly field: string
  /** Patches at the limit: each is sent, carrying its values. */
  readonly at: ReadonlyArray<Record<string, unknown>>
  /** Patches one past it: each is refused, naming `field`, nothing sent. */
  readonly past: ReadonlyArray<Record<string, unknown>>
}

/** string(max) of `field`: `max` characters of `kind` sent, `max + 1` refused. */
const length = (op: string, field: string, max: number, kind: keyof typeof sizes = "ascii"): Limit => ({
  op,
  rule: `${field} of ${max} characters (${kind}) sent, ${max + 1} refused`,
  field,
  at: [{ [field]: sizes[kind](max) }],
  past: [{ [field]: sizes[kind](max + 1) }]
})

const paging = (op: string): ReadonlyArray<Limit> => [
  { op, rule: "limit 1 and 20 sent; 0 and 21 refused", field: "limit", at: [{ limit: 1 }, { limit: 20 }], past: [{ limit: 0 }, { limit: 21 }] },
  { op, rule: "offset 0 sent, -1 refused", field: "offset", at: [{ offset: 0 }], past: [{ offset: -1 }] }
]

const eight = ["一二三四五六七八", "12345678", "abcdefgh", "ABCDEFGH", "春夏秋冬东南西北", "红橙黄绿青蓝紫黑", "甲乙丙丁戊己庚辛", "子丑寅卯辰巳午未", "金木水火土日月星", "琴棋书画诗酒花茶"]
const customField = (values: ReadonlyArray<string>, name = "偏好") => ({ type: "CHECK_BOX", name, values })
const form = (...fields: ReadonlyArray<ReturnType<typeof customField>>) => ({ user_information: { custom_field_list: fields } })
const customFields = (op: string): ReadonlyArray<Limit> => [
  {
    op,
    rule: "custom_field_list: 1 field sent, 2 refused",
    field: "user_information.custom_field_list",
    at: [form(customField(["A"]))],
    past: [form(customField(["A"]), customField(["B"], "口味"))]
  },
  {
    op,
    rule: "a custom field's values: 10 sent, 11 refused",
    field: "user_information.custom_field_list.0.values",
    at: [form(customField(eight))],
    past: [form(customField([...eight, "第十一个"]))]
  },
  {
    op,
    rule: "a value of 8 characters sent, 9 refused",
    field: "user_information.custom_field_list.0.values.0",
    at: [form(customField(["一二三四五六七八"])), form(customField([ascii(8)]))],
    past: [form(customField(["一二三四五六七八九"])), form(customField([ascii(9)]))]
  }
]

const days = (op: string): Limit => ({
  op,
  rule: "available_day_after_receive 10958 sent, 10959 refused",
  field: "valid_date_information.available_day_after_receive",
  at: [{ valid_date_information: { type: "FIX_TERM", available_day_after_receive: 10958 } }],
  past: [{ valid_date_information: { type: "FIX_TERM", available_day_after_receive: 10959 } }]
})

/** Limits of both surfaces. */
const limits: ReadonlyArray<Limit> = [
  length("CreateCardTemplate", "card_title", 10, "cjk"),
  length("CreateCardTemplate", "card_title", 10),
  {
    op: "CreateCardTemplate",
    rule: "card_color #RRGGBB (7) sent, 8 refused",
    field: "card_color",
    at: [{ card_color: "#FFFF00" }],
    past: [{ card_color: "#FFFF000" }]
  },
  length("CreateCardTemplate", "benefits", 32, "cjk"),
  length("CreateCardTemplate", "notify_url", 256, "url"),
  length("CreateCardTemplate", "card_picture_url", 256, "url"),
  length("CreateCardTemplate", "legal_agreement", 20480, "cjk"),
  length("CreateCardTemplate", "out_request_no", 128),
  length("CreateCardTemplate", "appid", 32),
  ...customFields("CreateCardTemplate"),
  days("CreateCardTemplate"),
  length("UpdateCardTemplate", "card_title", 10, "cjk"),
  length("UpdateCardTemplate", "card_color", 7),
  length("UpdateCardTemplate", "benefits", 32),
  length("UpdateCardTemplate", "notify_url", 256, "url"),
  ...customFields("UpdateCardTemplate"),
  days("UpdateCardTemplate"),
  length("GetCardTemplate", "card_id", 32),
  ...paging("ListCardTemplates"),
  length("ListUserCards", "openid", 128),
  ...paging("ListUserCards"),
  length("GetUserCard", "user_card_code", 32),
  length("GetUserCard", "card_id", 32),
  length("GetUserCard", "openid", 128),
  length("UpdateUserCard", "card_color", 7),
  length("UpdateUserCard", "level", 10, "cjk"),
  length("UpdateUserCard", "attach", 256),
  length("InvalidateUserCard", "invalid_reason", 32, "cjk"),
  length("InvalidateUserCard", "openid", 128),
  length("ImportUserCardByOpenid", "user_card_code", 32),
  length("ImportUserCardByOpenid", "openid", 128),
  length("ImportUserCardByOpenid", "card_picture_url", 256, "url"),
  days("ImportUserCardByOpenid"),
  length("ConfirmUserCard", "user_card_code", 32),
  length("ConfirmUserCard", "attach", 256),
  length("CreatePreAuthToken", "openid", 128),
  length("CreateUserFeed", "cell", 128),
  length("CreateUserFeed", "out_request_no", 64),
  length("CreateUserFeed", "user_card_code", 32),
  length("SyncUserPoints", "out_request_no", 128),
  {
    op: "SyncUserPoints",
    rule: "point_balance 0 and 2^53−1 sent; -1, 1.5 and 2^53 refused",
    field: "point_balance",
    at: [{ point_balance: 0 }, { point_balance: 9007199254740991 }],
    past: [{ point_balance: -1 }, { point_balance: 1.5 }, { point_balance: 9007199254740992 }]
  },
  length("ConfirmPointsExchange", "record_id", 64),
  length("ConfirmPointsExchange", "exchange_coupon_template_id", 32),
  {
    op: "ConfirmPointsExchange",
    rule: "reject_reason of 32 characters sent, 33 refused",
    field: "reject_reason",
    at: [{ result: "POINT_EXCHANGE_COUPON_REJECT", reject_reason: cjk(32) }],
    past: [{ result: "POINT_EXCHANGE_COUPON_REJECT", reject_reason: cjk(33) }]
  }
]

/** Limits of the provider's own operations and fields. */
const partnerLimits: ReadonlyArray<Limit> = [
  length("ListCardTemplates", "brand_id", 32),
  length("CreateCardTemplate", "brand_id", 32),
  length("CreateActivity", "title", 128, "cjk"),
  length("CreateActivity", "sub_title", 128, "cjk"),
  length("CreateActivity", "out_request_no", 128),
  length("UpdateActivity", "title", 128),
  length("UpdateActivity", "sub_title", 128, "cjk"),
  ...paging("ListActivities"),
  length("ImportUserCardByPhone", "user_card_code", 32)
]

/** Where a request carries `field`: in its path, its query (a GET's fields) or its JSON body. */
const carried = (surface: Surface, op: string, sent: WireRequest, field: string): unknown => {
  const template = tagOf(surface, op).definition as unknown as { readonly path: string; readonly method: string }
  if (template.path.includes(`{${field}}`)) {
    const [before, after] = template.path.split(`{${field}}`) as [string, string]
    const path = sent.target.split("?")[0]!
    return decodeURIComponent(path.slice(before.length, path.length - after.length))
  }
  return template.method === "GET" ? queryOf(sent.target)?.[field] : bodyOf(sent)[field]
}

// ---------------------------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------------------------

describe("card-member requests: the fixtures", () => {
  it("the hand-written values have the lengths their names say (in characters)", () => {
    const count = (s: string) => [...s].length
    for (const n of [7, 8, 9, 10, 11, 32, 33, 64, 65, 128, 129, 256, 257, 20480, 20481]) {
      expect([count(ascii(n)), count(cjk(n))]).toEqual([n, n])
    }
    expect([count(url(256)), count(url(257))]).toEqual([256, 257])
    expect(eight.map(count)).toEqual(Array(10).fill(8))
  })

  it("every operation of each surface has a valid request here, and nothing else does", () => {
    for (const surface of surfaces) {
      const names = surface.module.endpoints.map(({ definition }) => definition.name).sort()
      expect(names).toEqual(Object.keys(valid).filter((op) => hasOperation(surface, op)).map((op) => `${surface.name}.${op}`).sort())
    }
  })
})

for (const surface of surfaces) {
  describe(`${surface.name}: documented limits, at the limit (sent) and one past (refused, nothing sent)`, () => {
    for (const limit of surface === partner ? [...limits, ...partnerLimits] : limits) {
      it.effect(`${limit.op}: ${limit.rule}`, () =>
        Effect.gen(function*() {
          for (const patch of limit.at) {
            const sent = yield* accepted(surface, limit.op, request(surface, limit.op, patch))
            for (const [field, value] of Object.entries(patch)) {
              const wire = carried(surface, limit.op, sent, field)
              expect(wire, `${field} as sent`).toEqual(typeof wire === "string" && typeof value === "number" ? String(value) : value)
            }
          }
          for (const patch of limit.past) yield* refused(surface, limit.op, request(surface, limit.op, patch), limit.field)
        }))
    }

    it.effect("CreateCardTemplate: out_request_no of letters, digits, _ and - is sent; any other character is refused", () =>
      Effect.gen(function*() {
        yield* accepted(surface, "CreateCardTemplate", request(surface, "CreateCardTemplate", { out_request_no: "AZaz09_-" }))
        for (const bad of ["a b", "a.b", "a|b", "a*b", "a/b", "单号1", "a#b", "ａ"]) {
          yield* refused(surface, "CreateCardTemplate", request(surface, "CreateCardTemplate", { out_request_no: bad }), "out_request_no")
        }
      }))

    it.effect("required ids refuse \"\", \".\" and \"..\" in a path (they would resolve to another route)", () =>
      Effect.gen(function*() {
        for (const bad of ["", ".", ".."]) {
          yield* refused(surface, "GetCardTemplate", request(surface, "GetCardTemplate", { card_id: bad }), "card_id")
          yield* refused(surface, "GetUserCard", request(surface, "GetUserCard", { user_card_code: bad }), "user_card_code")
        }
        yield* refused(surface, "ListUserCards", request(surface, "ListUserCards", { openid: "" }), "openid")
      }))
  })
}

describe("brand_id: the provider names the brand, the brand never does", () => {
  for (const surface of surfaces) {
    for (const op of Object.keys(valid).filter((op) => hasOperation(surface, op))) {
      it.effect(`${surface.name}.${op}`, () =>
        Effect.gen(function*() {
          const sent = yield* accepted(surface, op, request(surface, op))
          const query = queryOf(sent.target) ?? {}
          const text = sent.body === undefined ? "" : Buffer.from(sent.body).toString("utf8")
          expect(sent.headers["authorization"]!.startsWith(
            surface === partner ? "WECHATPAY2-SHA256-RSA2048 mchid=\"1900000109\"" : "WECHATPAY-BRAND-SHA256-RSA2048 brand_id=\"1000001\""
          )).toBe(true)
          if (surface === brand) {
            expect(query).not.toHaveProperty("brand_id")
            expect(text).not.toContain("brand_id")
          } else if (sent.method === "GET") {
            expect(query.brand_id).toBe(brand_id)
            expect(sent.body).toBeUndefined()
          } else {
            expect(bodyOf(sent).brand_id).toBe(brand_id)
            expect(query).not.toHaveProperty("brand_id")
          }
        }))
    }
  }

  it.effect("the provider's call without brand_id is refused, nothing sent", () =>
    Effect.gen(function*() {
      for (const op of ["ListCardTemplates", "GetUserCard", "CreateUserFeed", "InvalidateCardTemplate"]) {
        const { brand_id: _, ...without } = request(partner, op)
        yield* refused(partner, op, without, "brand_id")
      }
    }))

  it.effect("CreateCardTemplate: the provider's requires legal_agreement and member_information (both its jump fields); the brand's does not", () =>
    Effect.gen(function*() {
      for (const field of ["legal_agreement", "member_information"] as const) {
        const { [field]: _, ...without } = request(partner, "CreateCardTemplate")
        yield* refused(partner, "CreateCardTemplate", without, field)
      }
      // The provider's 会员中心入口 names both the mini-program and its page; the brand's may leave either out.
      for (const field of ["jump_appid", "jump_path"] as const) {
        const { [field]: _, ...partial } = partnerTemplate.member_information
        yield* refused(
          partner,
          "CreateCardTemplate",
          request(partner, "CreateCardTemplate", { member_information: partial }),
          `member_information.${field}`
        )
        yield* accepted(brand, "CreateCardTemplate", request(brand, "CreateCardTemplate", { member_information: partial }))
      }
      const sent = yield* accepted(brand, "CreateCardTemplate", request(brand, "CreateCardTemplate"))
      expect(bodyOf(sent)).not.toHaveProperty("legal_agreement")
      expect(bodyOf(sent)).not.toHaveProperty("member_information")
      const withThem = yield* accepted(brand, "CreateCardTemplate", { ...request(brand, "CreateCardTemplate"), ...partnerTemplate })
      expect(bodyOf(withThem)).toMatchObject(partnerTemplate)
    }))
})

describe("method, path and query of each operation, exactly", () => {
  const expected: ReadonlyArray<readonly [Surface, string, Record<string, unknown>, string, string]> = [
    [partner, "ListCardTemplates", { state: "CARD_EFFECTIVE" }, "GET", "/cards?brand_id=1000001&state=CARD_EFFECTIVE&offset=0&limit=20"],
    [brand, "ListCardTemplates", { state: "CARD_EFFECTIVE" }, "GET", "/cards?state=CARD_EFFECTIVE&offset=0&limit=20"],
    [partner, "GetCardTemplate", {}, "GET", `/cards/${card_id}?brand_id=1000001`],
    [brand, "GetCardTemplate", {}, "GET", `/cards/${card_id}`],
    [
      partner,
      "ListUserCards",
      { user_card_state: "EFFECTIVE" },
      "GET",
      `/user-cards?brand_id=1000001&openid=${openid}&user_card_state=EFFECTIVE&offset=0&limit=20`
    ],
    [brand, "ListUserCards", { user_card_state: "EFFECTIVE" }, "GET", `/user-cards?openid=${openid}&user_card_state=EFFECTIVE&offset=0&limit=20`],
    [partner, "GetUserCard", {}, "GET", `/user-cards/M0001?brand_id=1000001&card_id=${card_id}&openid=${openid}`],
    [brand, "GetUserCard", {}, "GET", `/user-cards/M0001?card_id=${card_id}&openid=${openid}`],
    [
      partner,
      "ListActivities",
      { card_id, activity_state: "MEMBERSHIP_ACTIVITY_EFFECTIVE" },
      "GET",
      `/membership-activities?brand_id=1000001&card_id=${card_id}&activity_state=MEMBERSHIP_ACTIVITY_EFFECTIVE&offset=0&limit=20`
    ],
    [partner, "GetActivity", {}, "GET", "/membership-activities/1000000001?brand_id=1000001"],
    [partner, "CreateCardTemplate", {}, "POST", "/cards"],
    [partner, "UpdateCardTemplate", {}, "PATCH", `/cards/${card_id}`],
    [partner, "InvalidateCardTemplate", {}, "POST", `/cards/${card_id}/invalidate`],
    [partner, "UpdateUserCard", {}, "PATCH", "/user-cards/M0001"],
    [partner, "InvalidateUserCard", {}, "POST", "/user-cards/M0001/invalidate"],
    [partner, "ImportUserCardByOpenid", {}, "POST", "/user-cards/import-by-openid"],
    [partner, "ImportUserCardByPhone", {}, "POST", "/user-cards/import-by-phone"],
    [partner, "ConfirmUserCard", {}, "POST", "/user-cards/M0001/confirm"],
    [partner, "CreatePreAuthToken", {}, "POST", "/pre-auth-tokens"],
    [partner, "CreatePayViewToken", {}, "POST", "/pay-view-tokens"],
    [partner, "CreateUserFeed", {}, "POST", "/user-feeds"],
    [partner, "SyncUserPoints", {}, "POST", "/user-points/sync"],
    [partner, "ConfirmPointsExchange", {}, "POST", "/user-points/exchange-coupon/confirm"],
    [partner, "CreateActivity", {}, "POST", "/membership-activities"],
    [partner, "UpdateActivity", {}, "PATCH", "/membership-activities/1000000001"],
    [partner, "TerminateActivity", {}, "POST", "/membership-activities/1000000001/terminate"],
    [brand, "CreateCardTemplate", {}, "POST", "/cards"],
    [brand, "UpdateCardTemplate", {}, "PATCH", `/cards/${card_id}`],
    [brand, "InvalidateCardTemplate", {}, "POST", `/cards/${card_id}/invalidate`],
    [brand, "UpdateUserCard", {}, "PATCH", "/user-cards/M0001"],
    [brand, "InvalidateUserCard", {}, "POST", "/user-cards/M0001/invalidate"],
    [brand, "ImportUserCardByOpenid", {}, "POST", "/user-cards/import-by-openid"],
    [brand, "ConfirmUserCard", {}, "POST", "/user-cards/M0001/confirm"],
    [brand, "CreatePreAuthToken", {}, "POST", "/pre-auth-tokens"],
    [brand, "CreateUserFeed", {}, "POST", "/user-feeds"],
    [brand, "SyncUserPoints", {}, "POST", "/user-points/sync"],
    [brand, "ConfirmPointsExchange", {}, "POST", "/user-points/exchange-coupon/confirm"],
    [brand, "UploadImage", {}, "POST", "/media/image-upload"]
  ]

  it("every operation of each surface is listed once", () => {
    for (const surface of surfaces) {
      expect(expected.filter(([s]) => s === surface).map(([, op]) => op).sort())
        .toEqual(Object.keys(valid).filter((op) => hasOperation(surface, op)).sort())
    }
  })

  for (const [surface, op, patch, method, target] of expected) {
    it.effect(`${surface.name}.${op}: ${method} ${surface.prefix}${target}`, () =>
      Effect.gen(function*() {
        const sent = yield* accepted(surface, op, request(surface, op, patch))
        expect(sent.method).toBe(method)
        expect(sent.target).toBe(surface.prefix + target)
        if (method === "GET") expect(sent.body).toBeUndefined()
      }))
  }

  it.effect("a write's fields go in its body, path parameters excepted (card_id of a member's card in the body)", () =>
    Effect.gen(function*() {
      for (const surface of surfaces) {
        const update = yield* accepted(surface, "UpdateUserCard", request(surface, "UpdateUserCard", { level: "金卡" }))
        expect(bodyOf(update)).toEqual({ ...surface.adds, card_id, openid, level: "金卡" })
        const confirm = yield* accepted(surface, "ConfirmUserCard", request(surface, "ConfirmUserCard"))
        expect(bodyOf(confirm)).toEqual({ ...surface.adds, card_id, openid, user_card_confirm_state: "CREATE_CARD_SUCCESS" })
        const invalidate = yield* accepted(surface, "InvalidateUserCard", request(surface, "InvalidateUserCard", { invalid_reason: "会员注销" }))
        expect(bodyOf(invalidate)).toEqual({ ...surface.adds, card_id, openid, invalid_reason: "会员注销" })
      }
    }))
})

describe("phone_number: given as Redacted, sent encrypted to the WeChat Pay public key", () => {
  const decrypt = (ciphertext: string) =>
    crypto.privateDecrypt(
      { key: wechat.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
      Buffer.from(ciphertext, "base64")
    ).toString("utf8")

  for (const surface of surfaces) {
    const ops = ["UpdateUserCard", "ImportUserCardByOpenid", "ConfirmUserCard", "ImportUserCardByPhone"].filter((op) =>
      hasOperation(surface, op)
    )
    for (const op of ops) {
      it.effect(`${surface.name}.${op}: never in plain on the wire; decrypts to the number; Wechatpay-Serial names the key`, () =>
        Effect.gen(function*() {
          const phone = "13912345678"
          const sent = yield* accepted(surface, op, request(surface, op, { phone_number: Redacted.make(phone) }))
          const text = Buffer.from(sent.body!).toString("utf8")
          expect(text).not.toContain(phone)
          expect(sent.target).not.toContain(phone)
          const ciphertext = bodyOf(sent).phone_number as string
          expect(ciphertext).toMatch(/^[A-Za-z0-9+/]+=*$/)
          expect(decrypt(ciphertext)).toBe(phone)
          expect(sent.headers["wechatpay-serial"]).toBe(publicKeyId)
        }))

      it.effect(`${surface.name}.${op}: a plain string or an empty Redacted is refused, nothing sent`, () =>
        Effect.gen(function*() {
          yield* refused(surface, op, request(surface, op, { phone_number: "13912345678" }), "phone_number")
          yield* refused(surface, op, request(surface, op, { phone_number: Redacted.make("") }), "phone_number")
        }))
    }
  }

  it.effect("PartnerCardMember.ImportUserCardByPhone requires the number", () =>
    Effect.gen(function*() {
      const { phone_number: _, ...without } = request(partner, "ImportUserCardByPhone")
      yield* refused(partner, "ImportUserCardByPhone", without, "phone_number")
    }))
})

describe("enums: closed in requests, open in responses", () => {
  for (const surface of surfaces) {
    it.effect(`${surface.name}: an undocumented card_type, user_card_state, confirm state or exchange result is refused`, () =>
      Effect.gen(function*() {
        yield* refused(surface, "CreateCardTemplate", request(surface, "CreateCardTemplate", { card_type: "GOLD" }), "card_type")
        yield* refused(surface, "CreateCardTemplate", request(surface, "CreateCardTemplate", { card_type: "normal" }), "card_type")
        yield* refused(surface, "ListUserCards", request(surface, "ListUserCards", { user_card_state: "FROZEN" }), "user_card_state")
        yield* refused(surface, "ListCardTemplates", request(surface, "ListCardTemplates", { state: "CARD_PAUSED" }), "state")
        yield* refused(
          surface,
          "ConfirmUserCard",
          request(surface, "ConfirmUserCard", { user_card_confirm_state: "OPENED" }),
          "user_card_confirm_state"
        )
        yield* refused(surface, "ConfirmPointsExchange", request(surface, "ConfirmPointsExchange", { result: "ALLOW" }), "result")
        yield* refused(
          surface,
          "CreateCardTemplate",
          request(surface, "CreateCardTemplate", { valid_date_information: { type: "FOREVER" } }),
          "valid_date_information.type"
        )
      }))

    it.effect(`${surface.name}: every documented card_type and confirm state is sent`, () =>
      Effect.gen(function*() {
        for (const card_type of ["PURCHASE", "NORMAL", "BALANCE"]) {
          const sent = yield* accepted(surface, "CreateCardTemplate", request(surface, "CreateCardTemplate", { card_type }))
          expect(bodyOf(sent).card_type).toBe(card_type)
        }
        for (const state of ["CREATE_CARD_SUCCESS", "CREATE_CARD_FAIL", "CREATE_CARD_ALREADY_EXISTS"]) {
          yield* accepted(surface, "ConfirmUserCard", request(surface, "ConfirmUserCard", { user_card_confirm_state: state }))
        }
      }))

    it.effect(`${surface.name}: an unknown user_card_state, template state or card_type in an answer decodes, kept as sent`, () =>
      Effect.gen(function*() {
        const userCard = { user_card_code, card_id, openid, user_card_state: "FROZEN", card_type: "GOLD" }
        const got = yield* run(surface, "GetUserCard", request(surface, "GetUserCard"), {
          script: () => ({ status: 200, body: JSON.stringify(userCard) })
        })
        expect(got.result).toEqual(Result.succeed(userCard))
        const listed = yield* run(surface, "ListUserCards", request(surface, "ListUserCards"), {
          script: () => ({ status: 200, body: JSON.stringify({ data: [userCard], total_count: 1, offset: 0, limit: 20 }) })
        })
        expect(listed.result).toEqual(Result.succeed({ data: [userCard], total_count: 1, offset: 0, limit: 20 }))
        const cardTemplate = { card_id, state: "CARD_PAUSED", code_type: "NFC", valid_date_information: { type: "FOREVER" } }
        const tpl = yield* run(surface, "GetCardTemplate", request(surface, "GetCardTemplate"), {
          script: () => ({ status: 200, body: JSON.stringify(cardTemplate) })
        })
        expect(tpl.result).toEqual(Result.succeed(cardTemplate))
      }))
  }
})

// ---------------------------------------------------------------------------------------------------------------
// Repeat policy of each write
// ---------------------------------------------------------------------------------------------------------------

type Policy = "keyed" | "repeatable" | "never"

/**
 * Each write's repeat policy, as operations.ts declares it (written out here by hand). None is keyed: WeChat refuses a
 * repeated out_request_no where its pages say (商家请求单号重复, ALREADY_EXISTS) and says nothing elsewhere, so a
 * blind repeat after an unknown outcome would report an applied write as failed (or overwrite a newer balance).
 */
const policies: Readonly<Record<string, Policy>> = {
  CreateCardTemplate: "repeatable",
  UpdateCardTemplate: "repeatable",
  InvalidateCardTemplate: "repeatable",
  UpdateUserCard: "repeatable",
  InvalidateUserCard: "repeatable",
  ImportUserCardByOpenid: "repeatable",
  ImportUserCardByPhone: "repeatable",
  ConfirmUserCard: "repeatable",
  CreatePreAuthToken: "repeatable",
  CreatePayViewToken: "repeatable",
  CreateUserFeed: "repeatable",
  SyncUserPoints: "repeatable",
  ConfirmPointsExchange: "repeatable",
  CreateActivity: "repeatable",
  UpdateActivity: "repeatable",
  TerminateActivity: "repeatable",
  UploadImage: "repeatable"
}

const failing = (status: number, code: string): Script => (_request, attempt) =>
  attempt === 0 ? { status, body: JSON.stringify({ code, message: "模拟故障" }) } : { status: 200, body: okBody }

const fast = RetryPolicy.immediate({ maxRetries: 3 })

describe("repeat policy: repeatable only after 429/503 (same bytes), never after a 500", () => {
  it("every write of each surface has a policy here, and each read none", () => {
    for (const surface of surfaces) {
      const writes = surface.module.endpoints.filter(({ definition }) => definition.method !== "GET")
        .map(({ definition }) => definition.name.slice(surface.name.length + 1)).sort()
      expect(writes).toEqual(Object.keys(policies).filter((op) => hasOperation(surface, op)).sort())
    }
  })

  for (const surface of surfaces) {
    for (const [op, policy] of Object.entries(policies).filter(([op]) => hasOperation(surface, op))) {
      it.effect(`${surface.name}.${op} (${policy}): the declaration says so`, () =>
        Effect.sync(() => {
          const definition = tagOf(surface, op).definition as unknown as {
            readonly idempotencyKey?: string
            readonly repeatable?: string
          }
          expect(definition.idempotencyKey).toBe(policy === "keyed" ? "out_request_no" : undefined)
          expect(typeof definition.repeatable).toBe(policy === "repeatable" ? "string" : "undefined")
        }))

      it.effect(`${surface.name}.${op} (${policy}): after a 500 ${policy === "keyed" ? "repeated with the same bytes" : "not repeated"}`, () =>
        Effect.gen(function*() {
          const { result, sent } = yield* run(surface, op, request(surface, op), { script: failing(500, "SYSTEM_ERROR"), retry: fast })
          if (policy === "keyed") {
            expect(Result.isSuccess(result), JSON.stringify(result)).toBe(true)
            expect(sent.length).toBe(2)
            expect(sent[1]!.target).toBe(sent[0]!.target)
            expect(Buffer.from(sent[1]!.body!).equals(Buffer.from(sent[0]!.body!))).toBe(true)
            // Signed afresh (a new nonce) over those bytes.
            expect(sent[1]!.headers["authorization"]).not.toBe(sent[0]!.headers["authorization"])
          } else {
            expect(Result.isFailure(result)).toBe(true)
            expect((result as Result.Failure<unknown, unknown>).failure).toMatchObject({ status: 500 })
            expect(sent.length).toBe(1)
          }
        }))

      for (const [status, code] of [[429, "RATELIMIT_EXCEEDED"], [503, "SERVICE_UNAVAILABLE"]] as const) {
        it.effect(`${surface.name}.${op} (${policy}): after a ${status} ${policy === "never" ? "not repeated" : "repeated with the same bytes"}`, () =>
          Effect.gen(function*() {
            const { result, sent } = yield* run(surface, op, request(surface, op), { script: failing(status, code), retry: fast })
            if (policy === "never") {
              expect(Result.isFailure(result)).toBe(true)
              expect((result as Result.Failure<unknown, unknown>).failure).toMatchObject({ status })
              expect(sent.length).toBe(1)
            } else {
              expect(Result.isSuccess(result), JSON.stringify(result)).toBe(true)
              expect(sent.length).toBe(2)
              expect(sent[1]!.target).toBe(sent[0]!.target)
              // The same bytes again (a bodyless call, the brand's 作废会员卡模板, again without a body).
              expect(sent[1]!.body === undefined ? undefined : Buffer.from(sent[1]!.body).toString("base64"))
                .toBe(sent[0]!.body === undefined ? undefined : Buffer.from(sent[0]!.body).toString("base64"))
            }
          }))
      }
    }

    it.effect(`${surface.name}: a read is repeated after a 500`, () =>
      Effect.gen(function*() {
        const { result, sent } = yield* run(surface, "GetUserCard", request(surface, "GetUserCard"), {
          script: failing(500, "SYSTEM_ERROR"),
          retry: fast
        })
        expect(Result.isSuccess(result)).toBe(true)
        expect(sent.map((r) => r.target)).toEqual([sent[0]!.target, sent[0]!.target])
      }))

    it.effect(`${surface.name}: an encrypted phone number is encrypted once — a repeat sends the same ciphertext`, () =>
      Effect.gen(function*() {
        const { result, sent } = yield* run(
          surface,
          "UpdateUserCard",
          request(surface, "UpdateUserCard", { phone_number: Redacted.make("13912345678") }),
          { script: failing(503, "SERVICE_UNAVAILABLE"), retry: fast }
        )
        expect(Result.isSuccess(result)).toBe(true)
        expect(sent.length).toBe(2)
        expect(bodyOf(sent[1]!).phone_number).toBe(bodyOf(sent[0]!).phone_number)
      }))
  }
})

describe("rateLimits: exactly WeChat's printed limits, per second", () => {
  const perSecond = (limits: Record<string, number>) =>
    Object.fromEntries(Object.entries(limits).map(([name, limit]) => [name, { limit, window: "1 second" }]))

  it("PartnerCardMember: 5/s (A2, A3, A6, A10, A12, A13, A15–A21), 10/s (invalidate template, pay-view token)", () => {
    expect(PartnerCardMember.rateLimits).toEqual(perSecond({
      "PartnerCardMember.ListCardTemplates": 5,
      "PartnerCardMember.GetCardTemplate": 5,
      "PartnerCardMember.InvalidateCardTemplate": 10,
      "PartnerCardMember.ListUserCards": 5,
      "PartnerCardMember.ImportUserCardByOpenid": 5,
      "PartnerCardMember.ConfirmUserCard": 5,
      "PartnerCardMember.CreatePreAuthToken": 5,
      "PartnerCardMember.CreatePayViewToken": 10,
      "PartnerCardMember.CreateUserFeed": 5,
      "PartnerCardMember.SyncUserPoints": 5,
      "PartnerCardMember.ConfirmPointsExchange": 5,
      "PartnerCardMember.CreateActivity": 5,
      "PartnerCardMember.ListActivities": 5,
      "PartnerCardMember.GetActivity": 5,
      "PartnerCardMember.UpdateActivity": 5
    }))
  })

  it("BrandCardMember: 5/s (B1, B2, B3, B7, B8), 10/s (import by openid, points sync)", () => {
    expect(BrandCardMember.rateLimits).toEqual(perSecond({
      "BrandCardMember.CreateCardTemplate": 5,
      "BrandCardMember.ListCardTemplates": 5,
      "BrandCardMember.GetCardTemplate": 5,
      "BrandCardMember.ListUserCards": 5,
      "BrandCardMember.UpdateUserCard": 5,
      "BrandCardMember.ImportUserCardByOpenid": 10,
      "BrandCardMember.SyncUserPoints": 10
    }))
  })
})
