/**
 * Schemas shared by the member-card endpoints. Limits are the ones official pages state (see
 * ../../README.md#validation-rules); rules that only unofficial sources state are deliberately not enforced.
 */
import * as Schema from "effect/Schema"
import * as Wire from "../Wire.js"

/** An optional field (exact); `Endpoint` treats a request field given as `undefined` as absent. */
export const optional = Wire.optional

/** A required string of 1–`max` characters. */
const boundedString = (field: string, max: number) => Wire.chars(field, max, 1)

/**
 * A path parameter of 1–`max` characters. `.` and `..` are refused: URL normalisation would resolve them away (even
 * percent-encoded) and the request would land on another endpoint's route.
 *
 * @since 0.3.0
 * @category schemas
 */
export const pathParam = (field: string, max: number) =>
  boundedString(field, max).pipe(
    Schema.check(Schema.makeFilter((s) => s !== "." && s !== "..", { message: `${field} cannot be "." or ".."` }))
  )

/** 会员卡 id (card template id), path parameter, string(32). */
export const CardId = pathParam("card_id", 32)

/** 会员卡 code, path parameter, string(32). A dynamic code is accepted when the card uses them. */
export const Code = pathParam("code", 32)

/** An integer (JSON number without fraction, within ±2^53). */
export const Int = Schema.Int.annotate({ message: "must be an integer" })

/** Path parameters of every user-card endpoint. */
export const UserCardPath = { card_id: CardId, code: Code }

/**
 * 商户请求单号 on 修改用户会员卡信息: string(32) of letters, digits and `|`, `_`, `*`, `-` only. The idempotency key
 * of the write: repeat a write with the same value and the same body.
 */
export const OutRequestNo32 = boundedString("out_request_no", 32).pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9|_*-]+$/, {
    message: "out_request_no may contain only letters, digits and the symbols | _ * -"
  }))
)

/** 商户请求单号 on 设置会员权益: string(128) (the official page states no character set). */
export const OutRequestNo128 = boundedString("out_request_no", 128)

/** 用户会员卡状态 (open in responses). */
export const UserCardStatus = Wire.Enum("NOT_ACTIVATE", "EFFECTIVE", "EXPIRE", "UNAVAILABLE", "DELETE")

/** 平台提供的通用开卡信息字段 (open in responses). */
export const CommonFieldName = Wire.Enum(
  "USER_FORM_FLAG_MOBILE",
  "USER_FORM_FLAG_SEX",
  "USER_FORM_FLAG_NAME",
  "USER_FORM_FLAG_BIRTHDAY",
  "USER_FORM_FLAG_ADDRESS",
  "USER_FORM_FLAG_EMAIL",
  "USER_FORM_FLAG_CITY"
)

/** 会员专属咨询 (guide) shown on the card; no official length limits are visible, so none are enforced. */
export const Guide = Schema.Struct({
  staff_name: optional(Schema.String),
  head_image_url: optional(Schema.String),
  contact_information_name: optional(Schema.String),
  contact_information_value: optional(Schema.String),
  phone_number: optional(Schema.String)
})

/**
 * Body of 支付结果页展示会员积分 and 设置支付后展示的积分到账. Direct merchants send `mchid`, partners `sub_mchid`
 * (the official pages differ by caller type). A direct merchant's client sends its own `mchid` when neither is given;
 * a service provider's client (`serviceProvider: true`) sends `sub_mchid` when given (optional on its page) and
 * refuses `mchid`, before sending (the partner page has `sub_mchid` in place of `mchid`).
 */
export const BonusRequest = Schema.Struct({
  ...UserCardPath,
  /** 商户订单号 of the payment; the idempotency key of the bonus calls. string(32). */
  out_trade_no: boundedString("out_trade_no", 32),
  /**
   * 直连商户号, string(32): required of a direct merchant by the merchant page (直连模式必填). Left out together with
   * `sub_mchid`, the client fills in its own `mchid` (the merchant it signs as) — right for a direct merchant only. A
   * service provider (服务商) must give `sub_mchid`: with neither, its own mchid would go out as the direct
   * merchant's, and WeChat refuses or misattributes the call. Never empty: "" names no merchant and would stop the
   * client filling its own.
   */
  mchid: optional(boundedString("mchid", 32), {
    emptyRefused: "支付结果页展示会员积分 (merchant page): mchid 直连模式必填, string(32) — a merchant id, never empty"
  }),
  /**
   * 子商户号 (service providers, partner page), string(32): the sub-merchant the call is for. Given, the client fills
   * in nothing (no `mchid` is sent unless given too). Never empty: "" names no merchant.
   */
  sub_mchid: optional(boundedString("sub_mchid", 32), {
    emptyRefused: "支付结果页展示会员积分 (partner page): sub_mchid string(32) — a merchant id, never empty"
  }),
  /** Points of this order; a positive integer (no maximum is documented: bounded at 2^53 − 1). */
  bonus_value: Wire.int("bonus_value", { min: 1, max: Number.MAX_SAFE_INTEGER })
})

/** @see BonusRequest */
export interface BonusRequest extends Schema.Schema.Type<typeof BonusRequest> {}
