/**
 * 修改用户会员卡信息 — `PATCH /v3/marketing/membercard-open/cards/{card_id}/codes/{code}` (204).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import * as Wire from "../Wire.js"
import { optional, OutRequestNo32, UserCardPath } from "./shared.js"

/**
 * 用户储值变更信息.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BalanceInformation = Schema.Struct({
  /** 更新前用户储值余额: a balance, not negative. */
  before_balance: Wire.count("before_balance"),
  /** 更新后用户储值余额: a balance, not negative. */
  balance: Wire.count("balance"),
  /** 本次余额变动值 (balance − before_balance): signed, a negative change deducts. */
  add_balance: Wire.signedInt("add_balance"),
  /** 储值消耗记录 */
  balance_remark: optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const UpdateUserCardRequest = Schema.Struct({
  ...UserCardPath,
  /** 会员卡编号: string(32), letters, digits and half-width punctuation; defaults to the code. */
  membership_number: optional(Wire.chars("membership_number", 32).pipe(
    Schema.check(Schema.isPattern(/^[\x21-\x7E]+$/, {
      message: "membership_number may contain only letters, digits and half-width punctuation"
    }))
  )),
  /** 会员卡背景图: a URL from the marketing image-upload API, string(128). */
  background_picture_url: optional(Wire.chars("background_picture_url", 128)),
  /** 用户等级: string(5). */
  level: optional(Wire.chars("level", 5)),
  /** 商户请求单号 (required): the idempotency key of this write. */
  out_request_no: OutRequestNo32,
  /** 用户储值变更信息 */
  balance_information: optional(BalanceInformation),
  /** Send a template message about the balance change. Default true. */
  need_inform_balance: optional(Schema.Boolean),
  /** Send a template message about the level change. Default true. */
  need_inform_level: optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface UpdateUserCardRequest extends Schema.Schema.Type<typeof UpdateUserCardRequest> {}

/**
 * @since 0.1.0
 * @category tags
 */
export class UpdateUserCard extends Endpoint.Service<UpdateUserCard>()("MemberCard.UpdateUserCard", {
  method: "PATCH",
  path: "/v3/marketing/membercard-open/cards/{card_id}/codes/{code}",
  request: UpdateUserCardRequest,
  idempotencyKey: "out_request_no",
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.1.0
 * @category errors
 */
export type UpdateUserCardError = Endpoint.NoContentError

/**
 * @since 0.1.0
 * @category accessors
 */
export const updateUserCard = UpdateUserCard.call
