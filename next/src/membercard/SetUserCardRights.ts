/**
 * 设置会员权益 — `PATCH /v3/marketing/membercard-open/cards/{card_id}/codes/{code}/rights` (204): points and the
 * rights shown on the member's card.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import * as Wire from "../Wire.js"
import { Guide, optional, OutRequestNo128, UserCardPath } from "./shared.js"

/**
 * @since 0.1.0
 * @category schemas
 */
export const SetUserCardRightsRequest = Schema.Struct({
  ...UserCardPath,
  /** 商户请求单号 (required), string(128): the idempotency key of this write. */
  out_request_no: OutRequestNo128,
  /** 变更前的会员积分值: a points balance, not negative. */
  before_bonus_value: optional(Wire.count("before_bonus_value")),
  /** 变更后的会员积分值: a points balance, not negative. */
  bonus_value: optional(Wire.count("bonus_value")),
  /** 会员积分变动值 (= bonus_value − before_bonus_value): positive adds, negative subtracts — signed. */
  add_bonus_value: optional(Wire.signedInt("add_bonus_value")),
  /** Send a template message about the points change. Default true. */
  need_inform_bonus: optional(Schema.Boolean),
  /** 会员价文案, string(8). */
  member_price_word: optional(Wire.chars("member_price_word", 8)),
  /** 发票入口文案, string(6). */
  fapiao_jump_word: optional(Wire.chars("fapiao_jump_word", 6)),
  /** 会员专属咨询 */
  guide: optional(Guide)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface SetUserCardRightsRequest extends Schema.Schema.Type<typeof SetUserCardRightsRequest> {}

/**
 * @since 0.1.0
 * @category tags
 */
export class SetUserCardRights extends Endpoint.Service<SetUserCardRights>()("MemberCard.SetUserCardRights", {
  method: "PATCH",
  path: "/v3/marketing/membercard-open/cards/{card_id}/codes/{code}/rights",
  request: SetUserCardRightsRequest,
  idempotencyKey: "out_request_no",
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.1.0
 * @category errors
 */
export type SetUserCardRightsError = Endpoint.NoContentError

/**
 * @since 0.1.0
 * @category accessors
 */
export const setUserCardRights = SetUserCardRights.call
