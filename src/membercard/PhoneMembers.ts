/**
 * 手机号会员: members by phone number — 根据手机号导入用户会员卡 (#12), 通过加密手机号查询会员领卡状态 (#13),
 * 导入加密手机号提醒会员领卡 (#14).
 *
 * Each takes the plain number as `phone_number: Redacted<string>`; the library encrypts it (see `Encryptor`) and sends
 * `encrypted_phone_number` with `Wechatpay-Serial` naming the key. The plain number is never logged, traced or put in
 * an error.
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import * as Wire from "../Wire.js"
import { CardId, optional } from "./shared.js"

const phone = {
  /** The member's mobile number in plain (mainland numbers only, one per call); sent encrypted. */
  phone_number: Wire.secret("phone_number")
}
const encryptPhone = { field: "phone_number", as: "encrypted_phone_number" } as const

/**
 * 领卡状态 (open in responses): `UNSHOWED` not yet shown to the user, `UNRECEIVED` shown but not claimed,
 * `RECEIVED` claimed.
 *
 * @since 0.3.0
 * @category schemas
 */
export const PhoneMemberReceiveStatus = Wire.Enum("UNSHOWED", "UNRECEIVED", "RECEIVED")

/**
 * @since 0.3.0
 * @category schemas
 */
export const ImportUserCardByPhoneRequest = Schema.Struct({
  /** 会员卡id (path), string(32). */
  card_id: CardId,
  ...phone,
  /** 会员卡code, string(32): required for a card in REAL_TIME code mode. */
  code: optional(Wire.chars("code", 32, 1)),
  /** 商户请求单号, string(32) (32 here, 128 on 根据openid导入): the idempotency key of the import. */
  out_request_no: Wire.chars("out_request_no", 32, 1)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ImportUserCardByPhoneRequest extends Schema.Schema.Type<typeof ImportUserCardByPhoneRequest> {}

/**
 * @since 0.3.0
 * @category schemas
 */
export const ImportUserCardByPhoneResponse = Schema.Struct({
  /** 会员卡code of the imported card. */
  code: optional(Schema.String)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ImportUserCardByPhoneResponse extends Schema.Schema.Type<typeof ImportUserCardByPhoneResponse> {}

/**
 * 根据手机号导入用户会员卡 — `POST /v3/marketing/membercard-open/cards/{card_id}/phone-membercard/import`.
 *
 * @since 0.3.0
 * @category tags
 */
export class ImportUserCardByPhone extends Endpoint.Service<ImportUserCardByPhone>()("MemberCard.ImportUserCardByPhone", {
  method: "POST",
  path: "/v3/marketing/membercard-open/cards/{card_id}/phone-membercard/import",
  request: ImportUserCardByPhoneRequest,
  response: ImportUserCardByPhoneResponse,
  idempotencyKey: "out_request_no",
  encrypt: encryptPhone,
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type ImportUserCardByPhoneError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const importUserCardByPhone = ImportUserCardByPhone.call

/**
 * @since 0.3.0
 * @category schemas
 */
export const SearchPhoneMemberRequest = Schema.Struct({
  /** 会员卡id, string[1,32] (query). */
  card_id: CardId,
  ...phone
})

/**
 * @since 0.3.0
 * @category models
 */
export interface SearchPhoneMemberRequest extends Schema.Schema.Type<typeof SearchPhoneMemberRequest> {}

/**
 * @since 0.3.0
 * @category schemas
 */
export const SearchPhoneMemberResponse = Schema.Struct({
  /** 领卡状态 */
  receive_status: optional(PhoneMemberReceiveStatus.response),
  /** The claimed card (only when `RECEIVED`). `openid`/`unionid` are personal data: never logged by this library. */
  user_card_information: optional(Schema.Struct({
    code: optional(Schema.String),
    openid: optional(Schema.String),
    unionid: optional(Schema.String),
    /** 领卡时间, RFC 3339. */
    receive_time: optional(Schema.String),
    card_appid: optional(Schema.String),
    card_id: optional(Schema.String)
  }))
})

/**
 * @since 0.3.0
 * @category models
 */
export interface SearchPhoneMemberResponse extends Schema.Schema.Type<typeof SearchPhoneMemberResponse> {}

/**
 * 通过加密手机号查询会员领卡状态 — `GET /v3/marketing/membercard-open/phonenumber-member/search`.
 *
 * @since 0.3.0
 * @category tags
 */
export class SearchPhoneMember extends Endpoint.Service<SearchPhoneMember>()("MemberCard.SearchPhoneMember", {
  method: "GET",
  path: "/v3/marketing/membercard-open/phonenumber-member/search",
  request: SearchPhoneMemberRequest,
  response: SearchPhoneMemberResponse,
  encrypt: encryptPhone,
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type SearchPhoneMemberError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const searchPhoneMember = SearchPhoneMember.call

/**
 * @since 0.3.0
 * @category schemas
 */
export const ImportPhoneMemberRequest = Schema.Struct({
  /** 会员信息 */
  member_information: Schema.Struct({
    card_id: CardId,
    code: optional(Schema.String),
    membership_number: optional(Schema.String),
    /** 注册时间, RFC 3339 with offset. */
    registration_time: Wire.rfc3339("registration_time")
  }),
  ...phone,
  /**
   * 商户自定义字符串, string[1,128]: digits, letters, Latin-1 and CJK ideographs. The official page gives the minimum,
   * so "" is refused although the field is optional.
   */
  outer_str: optional(
    Wire.chars("outer_str", 128, 1).pipe(
      Schema.check(Schema.isPattern(/^[0-9a-zA-Z\u0000-\u00FF\u4e00-\u9fa5]+$/, {
        message: "outer_str may contain only digits, letters, Latin-1 and Chinese characters"
      }))
    ),
    { emptyRefused: "导入加密手机号提醒会员领卡 (official page 4017171998): outer_str string[1,128]" }
  )
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ImportPhoneMemberRequest extends Schema.Schema.Type<typeof ImportPhoneMemberRequest> {}

/**
 * 导入加密手机号提醒会员领卡 — `POST /v3/marketing/membercard-open/phonenumber-member/import` (204). It reminds the
 * member to claim the card, so it is never repeated automatically (no idempotency key is documented).
 *
 * @since 0.3.0
 * @category tags
 */
export class ImportPhoneMember extends Endpoint.Service<ImportPhoneMember>()("MemberCard.ImportPhoneMember", {
  method: "POST",
  path: "/v3/marketing/membercard-open/phonenumber-member/import",
  request: ImportPhoneMemberRequest,
  encrypt: encryptPhone
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type ImportPhoneMemberError = Endpoint.NoContentError

/**
 * @since 0.3.0
 * @category accessors
 */
export const importPhoneMember = ImportPhoneMember.call

/**
 * Every phone-member endpoint.
 *
 * @since 0.3.0
 * @category layers
 */
export const phoneMembersLayer = Layer.mergeAll(
  ImportUserCardByPhone.layer,
  SearchPhoneMember.layer,
  ImportPhoneMember.layer
)
