/**
 * Members and codes: deposit codes, import by openid, permission tokens, a user's cards, QR codes, invalidate (#10,
 * #11, #15, #16, #17, #23).
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import * as Paging from "../Paging.js"
import type { WechatPayClient } from "../WechatPayClient.js"
import * as Wire from "../Wire.js"
import { CardId, Int, optional, OutRequestNo128, UserCardPath } from "./shared.js"

/**
 * 激活类型: `AUTO_ACTIVATE` (WeChat activates, then notifies) or `JUMP_ACTIVATE` (the user is sent to the merchant's
 * page with an `encrypt_code` and an `activate_ticket`; see 跳转型激活). `.request` is the closed set.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivateType = Wire.Enum("AUTO_ACTIVATE", "JUMP_ACTIVATE")

/**
 * 导入结果 of one deposited code: `.response` decodes any value, `.isKnown` narrows.
 *
 * @since 0.3.0
 * @category schemas
 */
export const DepositResult = Wire.Enum("SUCCESS", "DUPLICATE", "FAIL")

/** A required string of 1–`max` characters (a required field is never empty). */
const required = (field: string, max: number) => Wire.chars(field, max)

/**
 * Where a claimed card sends the user to activate, and the scene value: the fields 生成商户投放预授权凭证 and
 * 创建会员卡二维码 share.
 */
const distribution = {
  /** 跳转激活的URL, string(128). A mini-program (appid + path) wins when both are set. */
  activate_url: optional(Wire.chars("activate_url", 128)),
  /** 跳转激活的小程序AppID, string(32). */
  activate_appid: optional(Wire.chars("activate_appid", 32)),
  /** 跳转激活的小程序path, string(128). */
  activate_path: optional(Wire.chars("activate_path", 128)),
  /**
   * 自定义场景值 (store, source…), string(32): digits, letters, CJK and half-width punctuation (the regex of the
   * official phone-import page, which the QR-code page refers to).
   */
  outer_str: optional(Wire.chars("outer_str", 32).pipe(
    Schema.check(Schema.isPattern(/^[0-9a-zA-Z\u0000-\u00FF\u4e00-\u9fa5]+$/, {
      message: "outer_str may contain only digits, letters, CJK characters and half-width punctuation"
    }))
  ))
}

// ---------------------------------------------------------------------------------------------------------------
// #10 导入会员Code
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.3.0
 * @category schemas
 */
export const DepositCodesRequest = Schema.Struct({
  card_id: CardId,
  /**
   * The codes to store (required): at least one, each 1–32 characters (the official page declares string(32) and
   * shows an array). No batch size is documented, so no maximum is enforced.
   */
  code: Wire.array("code", Wire.chars("code", 32))
})

/**
 * @since 0.3.0
 * @category models
 */
export interface DepositCodesRequest extends Schema.Schema.Type<typeof DepositCodesRequest> {}

/**
 * The result per deposited code.
 *
 * @since 0.3.0
 * @category schemas
 */
export const DepositCodesResponse = Schema.Struct({
  data: optional(Schema.Array(Schema.Struct({
    /** 会员卡code */
    code: optional(Schema.String),
    /** 导入结果: `SUCCESS`, `DUPLICATE` (already stored), `FAIL`, or a value WeChat added since. */
    result: optional(DepositResult.response)
  })))
})

/**
 * @since 0.3.0
 * @category models
 */
export interface DepositCodesResponse extends Schema.Schema.Type<typeof DepositCodesResponse> {}

/**
 * 导入会员Code — `POST /v3/marketing/membercard-open/cards/{card_id}/codes/deposit`: store codes for a
 * `MERCHANT_DEPOSIT` card; the card's stock becomes the number of codes stored.
 *
 * @since 0.3.0
 * @category tags
 */
export class DepositCodes extends Endpoint.Service<DepositCodes>()("MemberCard.DepositCodes", {
  method: "POST",
  path: "/v3/marketing/membercard-open/cards/{card_id}/codes/deposit",
  request: DepositCodesRequest,
  response: DepositCodesResponse,
  repeatable: "a set: depositing codes already stored adds none (each answers DUPLICATE)",
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type DepositCodesError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const depositCodes = DepositCodes.call

// ---------------------------------------------------------------------------------------------------------------
// #11 根据openid导入用户会员卡
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.3.0
 * @category schemas
 */
export const ImportUserCardByOpenidRequest = Schema.Struct({
  card_id: CardId,
  /** 用户标识 under an appid bound to the brand (required), string(128). Personal data: never on a span. */
  openid: required("openid", 128),
  /** 会员卡code, string(32): required when the card's code_mode is `REAL_TIME`. */
  code: optional(Wire.chars("code", 32)),
  /** 商户请求单号 (required), string(128): the idempotency key of this write. */
  out_request_no: OutRequestNo128
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ImportUserCardByOpenidRequest extends Schema.Schema.Type<typeof ImportUserCardByOpenidRequest> {}

/**
 * @since 0.3.0
 * @category schemas
 */
export const ImportUserCardByOpenidResponse = Schema.Struct({
  /** 会员卡code assigned to the member. */
  code: optional(Schema.String)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ImportUserCardByOpenidResponse extends Schema.Schema.Type<typeof ImportUserCardByOpenidResponse> {}

/**
 * 根据openid导入用户会员卡 — `POST /v3/marketing/membercard-open/cards/{card_id}/users/import`: an activated card for a
 * member, silently (it is not put into the user's wallet).
 *
 * @since 0.3.0
 * @category tags
 */
export class ImportUserCardByOpenid
  extends Endpoint.Service<ImportUserCardByOpenid>()("MemberCard.ImportUserCardByOpenid", {
    method: "POST",
    path: "/v3/marketing/membercard-open/cards/{card_id}/users/import",
    request: ImportUserCardByOpenidRequest,
    response: ImportUserCardByOpenidResponse,
    idempotencyKey: "out_request_no",
    spanAttributes: ["card_id"]
  })
{}

/**
 * @since 0.3.0
 * @category errors
 */
export type ImportUserCardByOpenidError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const importUserCardByOpenid = ImportUserCardByOpenid.call

// ---------------------------------------------------------------------------------------------------------------
// #15 生成商户投放预授权凭证
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.3.0
 * @category schemas
 */
export const CreatePermissionTokenRequest = Schema.Struct({
  card_id: CardId,
  /** 激活类型 (required). */
  activate_type: ActivateType.request,
  /** Return to the page that opened the card component once claimed (default false); ignored with a jump target. */
  navigate_back_previous_page: optional(Schema.Boolean),
  ...distribution
})

/**
 * @since 0.3.0
 * @category models
 */
export interface CreatePermissionTokenRequest extends Schema.Schema.Type<typeof CreatePermissionTokenRequest> {}

/**
 * @since 0.3.0
 * @category schemas
 */
export const CreatePermissionTokenResponse = Schema.Struct({
  /** 预授权凭证 (string(1024), required on the official page): what an H5 page opens the card component with. */
  permission_token: Schema.String
})

/**
 * @since 0.3.0
 * @category models
 */
export interface CreatePermissionTokenResponse extends Schema.Schema.Type<typeof CreatePermissionTokenResponse> {}

/**
 * 生成商户投放预授权凭证 — `POST /v3/marketing/membercard-open/cards/{card_id}/permission-tokens`.
 *
 * @since 0.3.0
 * @category tags
 */
export class CreatePermissionToken
  extends Endpoint.Service<CreatePermissionToken>()("MemberCard.CreatePermissionToken", {
    method: "POST",
    path: "/v3/marketing/membercard-open/cards/{card_id}/permission-tokens",
    request: CreatePermissionTokenRequest,
    response: CreatePermissionTokenResponse,
    repeatable: "issues a credential only: a repeat answers another token and changes no card, code or member",
    spanAttributes: ["card_id"]
  })
{}

/**
 * @since 0.3.0
 * @category errors
 */
export type CreatePermissionTokenError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const createPermissionToken = CreatePermissionToken.call

// ---------------------------------------------------------------------------------------------------------------
// #16 查询用户在品牌下所有会员卡
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.3.0
 * @category schemas
 */
export const ListUserCardsRequest = Schema.Struct({
  /** 用户标识 (required), string(128). Personal data: never on a span. */
  openid: required("openid", 128),
  /** 商户AppID (服务号), string(32). */
  appid: optional(Wire.chars("appid", 32)),
  /** 分页页码 (required): the page index, from 0. */
  offset: Wire.int("offset", { min: 0, max: Number.MAX_SAFE_INTEGER }),
  /** 分页大小 (required): 1–20 (the official partner page: "最大值20"). */
  limit: Wire.int("limit", { min: 1, max: 20 })
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ListUserCardsRequest extends Schema.Schema.Type<typeof ListUserCardsRequest> {}

/**
 * One card a user holds under the brand.
 *
 * @since 0.3.0
 * @category schemas
 */
export const BrandUserCard = Schema.Struct({
  /** 会员卡id */
  card_id: optional(Schema.String),
  /** 会员卡code */
  code: optional(Schema.String)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface BrandUserCard extends Schema.Schema.Type<typeof BrandUserCard> {}

/**
 * @since 0.3.0
 * @category schemas
 */
export const ListUserCardsResponse = Schema.Struct({
  /** 会员卡列表 */
  data: optional(Schema.Array(BrandUserCard)),
  /** 总数量 */
  total_count: optional(Int),
  /** 分页页码 */
  offset: optional(Int),
  /** 分页大小 */
  limit: optional(Int)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ListUserCardsResponse extends Schema.Schema.Type<typeof ListUserCardsResponse> {}

/**
 * 查询用户在品牌下所有会员卡 — `GET /v3/marketing/membercard-open/user/cards`: one page of the cards a user holds.
 *
 * @since 0.3.0
 * @category tags
 */
export class ListUserCards extends Endpoint.Service<ListUserCards>()("MemberCard.ListUserCards", {
  method: "GET",
  path: "/v3/marketing/membercard-open/user/cards",
  request: ListUserCardsRequest,
  response: ListUserCardsResponse,
  spanAttributes: ["appid"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type ListUserCardsError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const listUserCards = ListUserCards.call

/**
 * Every card a user holds under the brand, across pages, fetched lazily. `offset` is a page index (the docs call it
 * 分页页码, as on 查询会员卡模板列表); 20 per page.
 *
 * @since 0.3.0
 * @category accessors
 */
export const streamUserCards = Paging.stream(listUserCards, {
  name: "MemberCard.ListUserCards",
  pageSize: 20,
  offset: "page"
})

// ---------------------------------------------------------------------------------------------------------------
// #17 创建会员卡二维码
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.3.0
 * @category schemas
 */
export const CreateQrCodeRequest = Schema.Struct({
  card_id: CardId,
  /** 激活类型 (required). */
  activate_type: ActivateType.request,
  ...distribution
})

/**
 * @since 0.3.0
 * @category models
 */
export interface CreateQrCodeRequest extends Schema.Schema.Type<typeof CreateQrCodeRequest> {}

/**
 * @since 0.3.0
 * @category schemas
 */
export const CreateQrCodeResponse = Schema.Struct({
  /** 二维码链接: the content of the QR code to show. */
  url: optional(Schema.String)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface CreateQrCodeResponse extends Schema.Schema.Type<typeof CreateQrCodeResponse> {}

/**
 * 创建会员卡二维码 — `POST /v3/marketing/membercard-open/cards/{card_id}/qrcode`. Not for `REAL_TIME` cards.
 *
 * @since 0.3.0
 * @category tags
 */
export class CreateQrCode extends Endpoint.Service<CreateQrCode>()("MemberCard.CreateQrCode", {
  method: "POST",
  path: "/v3/marketing/membercard-open/cards/{card_id}/qrcode",
  request: CreateQrCodeRequest,
  response: CreateQrCodeResponse,
  repeatable: "the official error table says to retry a failed QR link with the same parameters; it changes no state",
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type CreateQrCodeError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const createQrCode = CreateQrCode.call

// ---------------------------------------------------------------------------------------------------------------
// #23 作废用户会员卡
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.3.0
 * @category schemas
 */
export const InvalidateUserCardRequest = Schema.Struct({
  ...UserCardPath,
  /** 作废原因, string(30). */
  reason: optional(Wire.chars("reason", 30))
})

/**
 * @since 0.3.0
 * @category models
 */
export interface InvalidateUserCardRequest extends Schema.Schema.Type<typeof InvalidateUserCardRequest> {}

/**
 * 作废用户会员卡 — `POST /v3/marketing/membercard-open/cards/{card_id}/codes/{code}/unavailable` (204).
 * Irreversible; never repeated (a second call is refused: the card is already invalid).
 *
 * @since 0.3.0
 * @category tags
 */
export class InvalidateUserCard extends Endpoint.Service<InvalidateUserCard>()("MemberCard.InvalidateUserCard", {
  method: "POST",
  path: "/v3/marketing/membercard-open/cards/{card_id}/codes/{code}/unavailable",
  request: InvalidateUserCardRequest,
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type InvalidateUserCardError = Endpoint.NoContentError

/**
 * @since 0.3.0
 * @category accessors
 */
export const invalidateUserCard = InvalidateUserCard.call

/**
 * Every endpoint of this resource.
 *
 * @since 0.3.0
 * @category layers
 */
export const membersLayer: Layer.Layer<
  DepositCodes | ImportUserCardByOpenid | CreatePermissionToken | ListUserCards | CreateQrCode | InvalidateUserCard,
  never,
  WechatPayClient
> = Layer.mergeAll(
  DepositCodes.layer,
  ImportUserCardByOpenid.layer,
  CreatePermissionToken.layer,
  ListUserCards.layer,
  CreateQrCode.layer,
  InvalidateUserCard.layer
)
