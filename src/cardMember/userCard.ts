/**
 * 商家名片会员卡's member card as WeChat answers it and notifies it (`UserCard`), with the enums and shapes it needs:
 * apart from the other shapes (schemas.ts), because the notifications (`Notification`, loaded by every program that
 * receives any) decode it, and must not build the whole product's schemas to do so.
 *
 * @since 1.3.0
 */
import * as Schema from "effect/Schema"
import * as Wire from "../Wire.js"

const optional = Wire.optional

/**
 * 会员卡类型: `PURCHASE` 付费, `NORMAL` 普通, `BALANCE` 储值 — "目前仅支持普通会员卡" (ON-B 4015582711): WeChat refuses
 * the other two today.
 *
 * @since 1.3.0
 * @category schemas
 */
export const CardType = Wire.Enum("PURCHASE", "NORMAL", "BALANCE")

/**
 * 用户会员卡状态: `UNACTIVATED` (claimed, not activated), `EFFECTIVE`, `EXPIRED`, `INVALID` — in the APIs and in the
 * notifications alike (official partner pages 4015336984 and 4015283692; W's notification pages list other values,
 * an older reading: responses decode any string).
 *
 * @since 1.3.0
 * @category schemas
 */
export const UserCardState = Wire.Enum("UNACTIVATED", "EFFECTIVE", "EXPIRED", "INVALID")

/**
 * 有效期类型.
 *
 * @since 1.3.0
 * @category schemas
 */
export const ValidDateType = Wire.Enum("FIX_TIME_RANGE", "FIX_TERM", "PERMANENT")

/**
 * 平台提供的通用开卡信息字段 (no `_MOBILE`: the phone number is a field of its own, encrypted).
 *
 * @since 1.3.0
 * @category schemas
 */
export const CommonFieldName = Wire.Enum(
  "USER_FORM_FLAG_SEX",
  "USER_FORM_FLAG_NAME",
  "USER_FORM_FLAG_BIRTHDAY",
  "USER_FORM_FLAG_ADDRESS",
  "USER_FORM_FLAG_EMAIL",
  "USER_FORM_FLAG_CITY"
)

/** 有效期信息 as answered. */
export const ValidDateInformationResponse = Schema.Struct({
  type: optional(ValidDateType.response),
  available_begin_time: optional(Schema.String),
  available_end_time: optional(Schema.String),
  available_day_after_receive: optional(Schema.Number)
})

/** 开卡信息 as answered (values are ciphertext for the caller's API certificate). */
export const UserInformationResponse = Schema.Struct({
  common_field_list: optional(Schema.Array(Schema.Struct({
    name: optional(CommonFieldName.response),
    value: optional(Schema.String)
  }))),
  custom_field_list: optional(Schema.Array(Schema.Struct({
    name: optional(Schema.String),
    user_chosen_values: optional(Schema.Array(Schema.String))
  })))
})

/**
 * 用户会员卡 as WeChat answers it (and as the USER_CARD notifications carry it). `phone_number` and the form's values
 * are ciphertext for the caller's API certificate.
 *
 * @since 1.3.0
 * @category schemas
 */
export const UserCard = Schema.Struct({
  user_card_code: Schema.String,
  card_id: Schema.String,
  openid: Schema.String,
  brand_id: optional(Schema.String),
  card_type: optional(CardType.response),
  card_color: optional(Schema.String),
  card_picture_url: optional(Schema.String),
  /** Ciphertext (the caller's API certificate). */
  phone_number: optional(Schema.String),
  level: optional(Schema.String),
  valid_date_information: optional(ValidDateInformationResponse),
  /** 领取时间. */
  pickup_time: optional(Schema.String),
  user_information: optional(UserInformationResponse),
  attach: optional(Schema.String),
  user_card_state: optional(UserCardState.response),
  invalid_reason: optional(Schema.String),
  invalid_time: optional(Schema.String),
  create_time: optional(Schema.String),
  modify_time: optional(Schema.String)
})

/**
 * @since 1.3.0
 * @category models
 */
export interface UserCard extends Schema.Schema.Type<typeof UserCard> {}

