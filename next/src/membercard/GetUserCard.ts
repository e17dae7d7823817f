/**
 * 查询用户会员卡信息 — `GET /v3/marketing/membercard-open/cards/{card_id}/codes/{code}`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import { CommonFieldName, Int, optional, UserCardPath, UserCardStatus } from "./shared.js"

export {
  /**
   * 平台提供的通用开卡信息字段: `CommonFieldName.response` decodes any value, `.request` is the closed set.
   *
   * @since 0.3.0
   * @category schemas
   */
  CommonFieldName,
  /**
   * 用户会员卡状态: `UserCardStatus.response` decodes any value, `.request` is the closed set, `.isKnown` narrows.
   *
   * @since 0.3.0
   * @category schemas
   */
  UserCardStatus
} from "./shared.js"

/**
 * @since 0.1.0
 * @category schemas
 */
export const GetUserCardRequest = Schema.Struct(UserCardPath)

/**
 * @since 0.1.0
 * @category models
 */
export interface GetUserCardRequest extends Schema.Schema.Type<typeof GetUserCardRequest> {}

/**
 * 用户开卡时填写的个人信息.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserInformation = Schema.Struct({
  /** 平台提供的通用开卡信息字段 */
  common_field_list: optional(Schema.Array(Schema.Struct({ name: CommonFieldName.response, value: Schema.String }))),
  /** 商户自定义的开卡信息字段 */
  custom_field_list: optional(Schema.Array(Schema.Struct({
    name: Schema.String,
    value: optional(Schema.String),
    value_list: optional(Schema.Array(Schema.String))
  })))
})

/**
 * A member's card. Every field is optional (the official page marks them 选填; `openid`, `nickname` and
 * `head_image_url` are absent for members synced by phone whose card is not yet in the wallet). Unknown extra keys
 * are ignored.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserCard = Schema.Struct({
  /** 会员卡id */
  card_id: optional(Schema.String),
  /** 会员卡code */
  code: optional(Schema.String),
  /** 用户标识 (personal data: never logged by this library) */
  openid: optional(Schema.String),
  /** 会员卡编号 */
  membership_number: optional(Schema.String),
  /** 用户等级 */
  level: optional(Schema.String),
  /** 微信昵称 (personal data) */
  nickname: optional(Schema.String),
  /** 微信头像url */
  head_image_url: optional(Schema.String),
  /** 会员卡背景图 */
  background_picture_url: optional(Schema.String),
  /** 用户储值余额 */
  balance: optional(Int),
  /** 用户会员卡状态: a documented value, or one WeChat added since (kept as sent). */
  user_card_status: optional(UserCardStatus.response),
  /** 用户开卡时填写的个人信息 */
  user_information: optional(UserInformation),
  /** 用户当前积分 */
  bonus_value: optional(Int)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface UserCard extends Schema.Schema.Type<typeof UserCard> {}

/**
 * @since 0.1.0
 * @category tags
 */
export class GetUserCard extends Endpoint.Service<GetUserCard>()("MemberCard.GetUserCard", {
  method: "GET",
  path: "/v3/marketing/membercard-open/cards/{card_id}/codes/{code}",
  request: GetUserCardRequest,
  response: UserCard,
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.1.0
 * @category errors
 */
export type GetUserCardError = Endpoint.JsonError

/**
 * @since 0.1.0
 * @category accessors
 */
export const getUserCard = GetUserCard.call
